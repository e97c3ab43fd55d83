#!/usr/bin/env bash
# test_kubernetes.sh SOURCE_DIR DRIFTD PYTHON — deploy/kubernetes as shipped, offline:
#   - every resource of the Kustomize base (and the ConfigMap its generator makes) validates
#     against Kubernetes' OpenAPI schemas, strictly (kubernetes-validate from PyPI, in the test
#     venv); the ServiceMonitor (a CRD those schemas lack) is checked for its shape;
#   - driftd accepts the pod's config (driftd config check, with the Secret's variables set);
#   - the pieces fit: probes and the Service on the container's named port, http.listen on the
#     pod's address at that port, state.dir on the state volume, the config volume from the
#     generated ConfigMap, every ${ENV:...} of the config in the Secret, the grace period above
#     driftd's drain bound, a non-root, read-only, no-privilege container.
set -u
src=$1 driftd=$2 python=$3
base=$src/deploy/kubernetes/base
validate=$(dirname "$python")/kubernetes-validate
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x "$validate" ] || { echo "FAIL: no $validate (deploy/python-venv.sh installs tests/oracle/requirements.txt)"; exit 1; }
"$python" - "$base" "$tmp" "$driftd" "$validate" <<'PY'
import os, re, subprocess, sys, yaml
base, tmp, driftd, validate = sys.argv[1:5]
failures = 0
def check(what, ok, detail=""):
    global failures
    print(("ok   " if ok else "FAIL: ") + what + ("" if ok else " " + str(detail)))
    failures += not ok
k = yaml.safe_load(open(os.path.join(base, "kustomization.yaml")))
docs = {}
for r in k["resources"]:
    path = os.path.join(base, r)
    check("resource %s exists" % r, os.path.isfile(path))
    for d in yaml.safe_load_all(open(path)):
        docs[d["kind"]] = d
gen = k["configMapGenerator"][0]
cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": gen["name"]},
      "data": {os.path.basename(f): open(os.path.join(base, f)).read() for f in gen["files"]}}
with open(os.path.join(tmp, "configmap.yaml"), "w") as f:
    yaml.safe_dump(cm, f)
builtin = [os.path.join(base, r) for r in k["resources"] if docs and yaml.safe_load(open(os.path.join(base, r)))["apiVersion"].find("monitoring.coreos.com") < 0]
builtin.append(os.path.join(tmp, "configmap.yaml"))
p = subprocess.run([validate, "--strict", "--quiet"] + builtin, capture_output=True, text=True)
check("kubernetes-validate --strict: %d resources valid" % len(builtin), p.returncode == 0 and not p.stdout.strip(), p.stdout + p.stderr)
# A broken copy must fail: the validator can say no.
bad = yaml.safe_load(open(os.path.join(base, "deployment.yaml")))
bad["spec"]["template"]["spec"]["containers"][1]["livenessProbe"]["httpGet"]["prot"] = 1
with open(os.path.join(tmp, "bad.yaml"), "w") as f:
    yaml.safe_dump(bad, f)
p = subprocess.run([validate, "--strict", "--quiet", os.path.join(tmp, "bad.yaml")], capture_output=True, text=True)
check("kubernetes-validate refuses an unknown probe field", p.returncode != 0, p.stdout)

sm = docs["ServiceMonitor"]; svc = docs["Service"]; dep = docs["Deployment"]; sec = docs["Secret"]
pod = dep["spec"]["template"]["spec"]
c = [x for x in pod["containers"] if x["name"] == "driftd"][0]
port = [p for p in c["ports"] if p["name"] == "driftd-metrics"][0]
check("ServiceMonitor: apiVersion, selector and endpoint", sm["apiVersion"] == "monitoring.coreos.com/v1"
      and set(sm["spec"]["selector"]["matchLabels"].items()) <= set(svc["metadata"]["labels"].items())
      and sm["spec"]["endpoints"][0]["port"] in [p["name"] for p in svc["spec"]["ports"]]
      and sm["spec"]["endpoints"][0]["path"] == "/metrics")
check("Service: selects the pod, targets the container's metrics port",
      set(svc["spec"]["selector"].items()) <= set(dep["spec"]["template"]["metadata"]["labels"].items())
      and svc["spec"]["ports"][0]["targetPort"] == port["name"])
for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
    g = c[probe]["httpGet"]
    check("%s: %s on the metrics port" % (probe, path), g["path"] == path and g["port"] == port["name"])
cfg_text = open(os.path.join(base, "driftd.yaml")).read()
cfg = yaml.safe_load(cfg_text)
host, _, p_ = cfg["http"]["listen"].rpartition(":")
check("http.listen on the pod's address at the container port", host in ("0.0.0.0", "[::]") and int(p_) == port["containerPort"], cfg["http"])
mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
vols = {v["name"]: v for v in pod["volumes"]}
check("state.dir is the state volume", mounts.get("driftd-state") == cfg["state"]["dir"])
check("the config volume is the generated ConfigMap, mounted where args read it",
      vols["driftd-config"]["configMap"]["name"] == gen["name"] and c["args"][-1] == mounts["driftd-config"] + "/driftd.yaml")
env_used = set(re.findall(r"\$\{ENV:([A-Z_]+)\}", cfg_text))
check("every ${ENV:...} of the config is in the Secret", env_used <= set(sec["stringData"]) and
      c["envFrom"][0]["secretRef"]["name"] == sec["metadata"]["name"], env_used - set(sec["stringData"]))
sc = c["securityContext"]
check("driftd's container: non-root, read-only root, no privilege escalation, no capabilities",
      pod["securityContext"]["runAsNonRoot"] and sc["readOnlyRootFilesystem"] and not sc["allowPrivilegeEscalation"]
      and sc["capabilities"]["drop"] == ["ALL"] and sc["runAsUser"] == 10001)
env = dict(os.environ, **{k: "x" for k in sec["stringData"]})
env["KAFKA_BOOTSTRAP"] = "kafka:9093"
p = subprocess.run([driftd, "config", "check", "--print", os.path.join(base, "driftd.yaml")], capture_output=True, text=True, env=env)
check("driftd config check accepts the pod's config", p.returncode == 0, p.stderr)
m = re.search(r"shutdown_timeout: \"?(\d+)s", p.stdout)
check("terminationGracePeriodSeconds above state.shutdown_timeout",
      m is not None and pod["terminationGracePeriodSeconds"] > int(m.group(1)), m and m.group(1))
print("all checks passed" if failures == 0 else "%d check(s) failed" % failures)
sys.exit(1 if failures else 0)
PY
