#!/usr/bin/env bash
# test_prometheus.sh SOURCE_DIR — deploy/prometheus and deploy/grafana are usable as shipped:
#   - promtool check rules: the alerting rules load;
#   - promtool test rules: each rule fires on the series that should page, with its labels and
#     rendered annotations, and stays quiet on those that should not (driftd-rules.test.yaml);
#   - every PromQL expression of the Grafana dashboard parses (promtool checks each as a
#     recording rule, with the dashboard's $stream variable set to a regex);
#   - every driftd metric the rules and the dashboard name is one driftd exports: a family in
#     docs/metrics.md's table (tests/kafka/test_alerts.sh checks that table against a live
#     /metrics page).
set -u
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
ok() { printf 'ok   %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
command -v promtool >/dev/null || { fail "no promtool (deploy/install-deps.sh installs prometheus)"; exit 1; }

if promtool check rules "$src/deploy/prometheus/driftd-rules.yaml" >"$tmp/check.log" 2>&1; then
    ok "promtool check rules: $(grep -o '[0-9]* rules found' "$tmp/check.log")"
else
    fail "promtool check rules"; cat "$tmp/check.log"
fi
if (cd "$src/deploy/prometheus" && promtool test rules driftd-rules.test.yaml) >"$tmp/test.log" 2>&1; then
    ok "promtool test rules: every case passes"
else
    fail "promtool test rules"; cat "$tmp/test.log"
fi

python3 - "$src/deploy/grafana/driftd.json" "$tmp/dashboard-rules.yaml" "$tmp/exprs.txt" <<'PY' || fail "the dashboard does not parse as a Grafana dashboard"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["uid"] and d["title"] and d["panels"], "title, uid and panels"
exprs = []
for p in d["panels"]:
    assert p.get("targets"), "panel %r has no query" % p.get("title")
    for t in p["targets"]:
        exprs.append(t["expr"].replace("$stream", ".*"))
with open(sys.argv[2], "w") as f:
    f.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, e in enumerate(exprs):
        f.write("      - record: dashboard_expr_%d\n        expr: %s\n" % (i, json.dumps(e)))
open(sys.argv[3], "w").write("\n".join(exprs) + "\n")
print("ok   the dashboard: %d panels, %d queries" % (len(d["panels"]), len(exprs)))
PY
if promtool check rules "$tmp/dashboard-rules.yaml" >"$tmp/dash.log" 2>&1; then
    ok "every dashboard query parses as PromQL ($(grep -o '[0-9]* rules found' "$tmp/dash.log"))"
else
    fail "a dashboard query does not parse"; cat "$tmp/dash.log"
fi

grep -h 'expr:' -A4 "$src/deploy/prometheus/driftd-rules.yaml" >"$tmp/rule-exprs.txt"
if python3 - "$src/docs/metrics.md" "$tmp/exprs.txt" "$tmp/rule-exprs.txt" <<'PY'
import re, sys
doc = open(sys.argv[1]).read()
families = set(re.findall(r"^\| `((?:driftd|process)_[a-z_]+)` \|", doc, re.M))
used = set()
for path in sys.argv[2:]:
    used |= set(re.findall(r"\b((?:driftd|process)_[a-z_]+)\b", open(path).read()))
def known(m):
    return m in families or any(m == f + s for f in families for s in ("_bucket", "_sum", "_count"))
unknown = sorted(m for m in used if not known(m))
print("     %d metric names used, all exported" % len(used) if not unknown else "     unknown: %s" % unknown)
sys.exit(1 if unknown else 0)
PY
then
    ok "the rules and the dashboard name only metrics driftd exports"
else
    fail "the rules or the dashboard name a metric driftd does not export"
fi
if python3 - "$src/deploy/prometheus/driftd-rules.yaml" "$src/docs/runbooks.md" <<'PY'
import re, sys
rules = open(sys.argv[1]).read()
heads = {h.lower() for h in re.findall(r"^## (\S+)$", open(sys.argv[2]).read(), re.M)}
links = re.findall(r"runbook_url: docs/runbooks\.md#(\S+)", rules)
alerts = re.findall(r"- alert: (\S+)", rules)
missing = [l for l in links if l not in heads]
assert len(links) == len(alerts), (len(links), len(alerts))
print("     %d alerts, %d runbook sections" % (len(alerts), len(heads)))
sys.exit(1 if missing else 0)
PY
then
    ok "every rule has a runbook_url, and each points at a section of docs/runbooks.md"
else
    fail "a rule lacks a runbook_url or points at no section of docs/runbooks.md"
fi
[ "$failures" -eq 0 ] && { echo "all checks passed"; exit 0; }
echo "$failures check(s) failed"; exit 1
