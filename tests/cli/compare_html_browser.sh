#!/usr/bin/env bash
# compare_html_browser.sh DRIFTD [CHROMIUM] — the HTML report as a browser sees it. Headless
# Chromium loads the page from a file and dumps the DOM it built; the test checks that:
# - every field of the data has its section, named with its exact (unescaped) name, a hostile
#   <script> name included, and the browser built no <script> element from it;
# - each section holds one <svg> with drawn elements (histogram paths with at least one step for
#   numeric fields, bars of non-zero width for categorical ones);
# - sections come in the order of the JSON report: drifted fields first; each section's badge
#   says the status the JSON report gives the field ("drift (critical)", "stable", ...);
# - a screenshot of the page is a PNG of real content (larger than a blank page's few KB).
# Fails, not skips, when Chromium is missing: install the Debian package `chromium`
# (deploy/install-deps.sh does).
driftd=$1
chromium=${2:-}
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if [ -z "$chromium" ]; then
    for c in chromium chromium-browser google-chrome; do
        chromium=$(command -v "$c") && break
    done
fi
if [ -z "$chromium" ] || [ ! -x "$chromium" ]; then
    fail "chromium not found (apt-get install chromium, or deploy/install-deps.sh)"
    finish
fi
command -v python3 >/dev/null || { fail "python3 not found"; finish; }

# 1500 rows (distance methods): a shifted numeric field, a hostile name, a categorical field that
# gains a category, an integer field, a steady field, a field with 30 categories.
python3 - "$tmp" <<'EOF'
import csv, random, sys
d = sys.argv[1]
header = ["steady", "<script>alert('x')</script> & \"q\"", "city", "count", "many", "shifted"]
for name, seed, shift in (("ref.csv", 1, 0.0), ("cur.csv", 2, 1.0)):
    rnd = random.Random(seed)
    with open(f"{d}/{name}", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for _ in range(1500):
            cities = ["Paris", "Lyon", "<b>Nice</b>"] + (["Lille & co"] if shift else [])
            w.writerow([f"{rnd.gauss(0, 1):.5f}", f"{rnd.lognormvariate(3 + shift, 0.4):.3f}",
                        rnd.choice(cities), rnd.randint(0, 6 + int(4 * shift)),
                        f"k{rnd.randint(0, 29)}", f"{rnd.gauss(10 + 3 * shift, 2):.4f}"])
EOF

expect "0|1" "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/cur.csv" --format json
cp "$out" "$tmp/report.json"
expect "0|1" "$driftd" compare --reference "$tmp/ref.csv" --current "$tmp/cur.csv" --format html --output "$tmp/report.html"
[ "$failures" -eq 0 ] || finish

browser() { # a fresh profile per run; no network is needed
    timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
        --disable-extensions --disable-background-networking --hide-scrollbars \
        --user-data-dir="$tmp/profile" "$@" 2>"$tmp/chromium.log"
}
browser --dump-dom "file://$tmp/report.html" >"$tmp/dom.html"
if ! check "chromium --dump-dom writes the DOM" [ -s "$tmp/dom.html" ]; then
    tail -n 20 "$tmp/chromium.log"
    finish
fi
check "the DOM matches the JSON report" python3 - "$tmp/report.json" "$tmp/dom.html" <<'EOF'
import json, sys
from html.parser import HTMLParser

report = json.load(open(sys.argv[1]))
expected = [(f["name"], f["drift"]) for f in report["features"]]

class Dom(HTMLParser):
    """Collects each <section class="... field ...">: its heading text, svgs and drawn shapes."""
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.sections, self.scripts, self.cur, self.depth, self.in_h2 = [], 0, None, 0, False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "section" and "field" in a.get("class", "").split():
            self.cur = {"classes": a["class"].split(), "name": "", "badge": "", "svgs": 0,
                        "paths": [], "rects": []}
            self.in_badge = False
            self.sections.append(self.cur)
            self.depth = 0
        if self.cur is None:
            return
        if tag == "section":
            self.depth += 1
        elif tag == "h2":
            self.in_h2 = True
        elif tag == "span":
            if self.in_h2 and "badge" in a.get("class", "").split():
                self.in_badge = True
            self.in_h2 = False  # the verdict badge follows the name
        elif tag == "svg":
            self.cur["svgs"] += 1
        elif tag == "path":
            self.cur["paths"].append(a.get("d", ""))
        elif tag == "rect":
            self.cur["rects"].append(a)
    def handle_endtag(self, tag):
        if self.cur is None:
            return
        if tag == "h2":
            self.in_h2 = False
        if tag == "span":
            self.in_badge = False
        if tag == "section":
            self.depth -= 1
            if self.depth == 0:
                self.cur = None
    def handle_data(self, data):
        if self.cur is not None and self.in_h2:
            self.cur["name"] += data
        if self.cur is not None and getattr(self, "in_badge", False):
            self.cur["badge"] += data

dom = Dom()
dom.feed(open(sys.argv[2], encoding="utf-8").read())
problems = []
if dom.scripts:
    problems.append(f"the DOM has {dom.scripts} <script> element(s)")
got = [(s["name"], "drift" in s["classes"]) for s in dom.sections]
if got != expected:
    problems.append(f"sections {got} differ from the JSON report's features {expected}")
flags = [d for _, d in got]
if flags != sorted(flags, reverse=True):
    problems.append(f"drifted fields are not first: {flags}")
if not any(flags) or all(flags):
    problems.append("the data should give both drifted and stable fields")
def badge(f):
    if f["status"] == "drift":
        return "drift (%s)" % f["severity"]
    if f["status"] == "skipped":
        return "skipped (%s)" % f["role"]
    return f["status"].replace("_", " ")
want_badges = [badge(f) for f in report["features"]]
got_badges = [s["badge"] for s in dom.sections]
if got_badges != want_badges:
    problems.append(f"badges {got_badges} differ from the JSON report's statuses {want_badges}")
kinds = {f["name"]: f["kind"] for f in report["features"]}
for s in dom.sections:
    name = s["name"]
    if s["svgs"] != 1:
        problems.append(f"{name!r}: {s['svgs']} <svg> elements, expected 1")
    if kinds.get(name) == "numeric":
        steps = [d for d in s["paths"] if d.count("L") >= 3]
        if len(steps) < 2:
            problems.append(f"{name!r}: expected a reference and a current histogram path")
    else:
        bars = [r for r in s["rects"] if r.get("class", "").startswith("bar-")
                and float(r.get("width", "0")) > 12]
        if len(bars) < 2:
            problems.append(f"{name!r}: expected bars for both files, got {len(bars)}")
for p in problems:
    print("FAIL:", p)
print(f"{len(dom.sections)} sections checked, {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
EOF

if ! check "chromium --screenshot succeeds" browser --window-size=1280,2400 --screenshot="$tmp/shot.png" "file://$tmp/report.html" >/dev/null; then
    tail -n 20 "$tmp/chromium.log"
    finish
fi
size=$(stat -c %s "$tmp/shot.png" 2>/dev/null || echo 0)
check "the screenshot is a PNG" [ "$(head -c 8 "$tmp/shot.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
check "the screenshot is $size bytes, more than a blank page's few KB" [ "$size" -ge 40000 ]
if [ -n "${DRIFTD_KEEP_SCREENSHOT:-}" ]; then
    cp "$tmp/shot.png" "$DRIFTD_KEEP_SCREENSHOT"
fi
finish
