#!/usr/bin/env bash
# The monitoring that ships (issue 20), deploy/monitoring/:
#   a. promtool check rules and promtool test rules pass on authnet-rules.yml
#      and its unit tests authnet-rules.test.yml;
#   b. authnet-dashboard.json is JSON, every panel reads the `datasource`
#      variable (no data source uid written in) and has targets whose PromQL
#      parses, and it has the `datasource` and `instance` variables;
#   c. every authnet_* metric the rules and the dashboard name (their
#      comments and texts included) is a `# TYPE` family on a real node's
#      /metrics, so neither can drift from the code.
# Without promtool the test fails, unless AUTHNET_ALLOW_NO_PROMTOOL=1: then
# the promtool checks are skipped, saying so, and b and c still run.
#
#   monitoring_test.sh BIN_DIR
set -euo pipefail

BIN=${1:?usage: monitoring_test.sh BIN_DIR}
CTL="$BIN/authnetctl"
MON=$(cd "$(dirname "$0")/../../deploy/monitoring" && pwd)
RULES="$MON/authnet-rules.yml"
RULE_TESTS="$MON/authnet-rules.test.yml"
DASHBOARD="$MON/authnet-dashboard.json"
# The system interpreter: python3-yaml is a Debian package (deploy/install-deps.sh).
PY=/usr/bin/python3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/authnet-monitoring-XXXXXX")
NODE_PID=""
cleanup() {
  if [ -n "$NODE_PID" ]; then
    kill -9 "$NODE_PID" 2>/dev/null || true
    wait "$NODE_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
# shellcheck source=../testing/lib.sh
source "$(dirname "$0")/../testing/lib.sh"

for f in "$RULES" "$RULE_TESTS" "$DASHBOARD"; do
  [ -f "$f" ] || fail "missing $f"
done

PROMTOOL=""
if command -v promtool >/dev/null 2>&1; then
  PROMTOOL=$(command -v promtool)
elif [ "${AUTHNET_ALLOW_NO_PROMTOOL:-}" = 1 ]; then
  echo "SKIP: promtool not found and AUTHNET_ALLOW_NO_PROMTOOL=1: the rules are neither checked" \
    "nor unit-tested, nor the dashboard's PromQL parsed (install Debian's prometheus for them)"
else
  fail "promtool not found: install Debian's prometheus (./deploy/install-deps.sh prometheus;" \
    "tests/run.sh does), or set AUTHNET_ALLOW_NO_PROMTOOL=1 to skip the promtool checks"
fi

# ---------------------------------------------------------------- a. rules
if [ -n "$PROMTOOL" ]; then
  step "a. $($PROMTOOL --version 2>&1 | head -1): check rules, then the rules' unit tests"
  "$PROMTOOL" check rules "$RULES" >"$WORK/check.out" 2>&1 ||
    fail "promtool check rules $RULES: $(cat "$WORK/check.out")"
  grep "SUCCESS" "$WORK/check.out"
  "$PROMTOOL" test rules "$RULE_TESTS" >"$WORK/test.out" 2>&1 ||
    fail "promtool test rules $RULE_TESTS: $(cat "$WORK/test.out")"
  grep "SUCCESS" "$WORK/test.out"
fi

# ------------------------------------------------------------ b. dashboard
step "b. the dashboard: JSON, the datasource and instance variables, a datasource and targets on every panel"
"$PY" - "$DASHBOARD" "$WORK/dashboard-rules.yml" <<'EOF' || fail "dashboard check failed (see above)"
import json, sys
DS = {"type": "prometheus", "uid": "${datasource}"}
try:
    d = json.load(open(sys.argv[1]))
except ValueError as e:
    sys.exit(f"  not JSON: {e}")
errors = []
if not d.get("uid"):
    errors.append("no dashboard uid (imports would duplicate it)")
variables = {v.get("name"): v for v in d.get("templating", {}).get("list", [])}
ds = variables.get("datasource", {})
if ds.get("type") != "datasource" or ds.get("query") != "prometheus":
    errors.append(f"no `datasource` variable of type datasource for prometheus: {ds}")
inst = variables.get("instance", {})
query = inst.get("query", {})
query = query.get("query") if isinstance(query, dict) else query
if inst.get("type") != "query" or query != "label_values(authnet_build_info, instance)":
    errors.append(f"no `instance` variable from label_values(authnet_build_info, instance): {inst}")
def walk(node, where):  # every data source named anywhere is the variable
    if isinstance(node, dict):
        for k, v in node.items():
            builtin = isinstance(v, dict) and v.get("type") == "grafana"  # annotations
            if k == "datasource" and v != DS and not builtin:
                errors.append(f"{where}.datasource is {v}, want {DS}")
            walk(v, f"{where}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk(v, f"{where}[{i}]")
walk(d, "dashboard")
panels = []
for p in d.get("panels", []):
    panels.append(p)
    panels.extend(p.get("panels", []))  # a collapsed row holds its panels
ids = [p.get("id") for p in panels]
if len(ids) != len(set(ids)):
    errors.append(f"panel ids repeat: {ids}")
rules = []
for p in panels:
    if p.get("type") == "row":
        continue
    name = f"panel {p.get('id')} ({p.get('title')!r})"
    if "datasource" not in p:
        errors.append(f"{name}: no datasource")
    targets = p.get("targets") or []
    if not targets:
        errors.append(f"{name}: no targets")
    for t in targets:
        if not t.get("expr", "").strip():
            errors.append(f"{name}: target {t.get('refId')} has no expr")
            continue
        rules.append({"record": f"dashboard:panel_{p['id']}_{t.get('refId')}",
                      "expr": t["expr"].replace("$instance", ".+")})
for e in errors:
    print(f"  {e}", file=sys.stderr)
# The panels' queries as recording rules, for promtool to parse.
json.dump({"groups": [{"name": "dashboard", "rules": rules}]}, open(sys.argv[2], "w"))
print(f"  {len(panels)} panels, {len(rules)} queries")
sys.exit(1 if errors else 0)
EOF
if [ -n "$PROMTOOL" ]; then
  "$PROMTOOL" check rules "$WORK/dashboard-rules.yml" >"$WORK/check.out" 2>&1 ||
    fail "the dashboard's PromQL: $(cat "$WORK/check.out")"
  echo "  every query parses (promtool check rules)"
fi

# ------------------------------------------------------- c. a real /metrics
step "c. a one-node network; authnetd with --metrics-listen; every metric named is on its /metrics"
PEER=$(free_port)
METRICS=$(free_port)
API="unix:$WORK/node.sock"
"$CTL" network init --network monnet --dir "$WORK/admin" >/dev/null || fail "network init"
"$CTL" member add node-a --dir "$WORK/admin" --endpoint "127.0.0.1:$PEER" \
  --out "$WORK/bundle" >/dev/null || fail "member add"
"$BIN/authnetd" --bundle "$WORK/bundle" --data "$WORK/data" --peer-listen "127.0.0.1:$PEER" \
  --api-listen "$API" --metrics-listen "127.0.0.1:$METRICS" >>"$WORK/node.log" 2>&1 &
NODE_PID=$!
wait_until 10 "$CTL" status --node "$API" || fail "authnetd did not start"
fetch_metrics() {
  python3 - "$METRICS" "$WORK/metrics.txt" <<'EOF'
import sys, urllib.request
body = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=5).read()
open(sys.argv[2], "wb").write(body)
EOF
}
wait_until 10 fetch_metrics || fail "no /metrics on 127.0.0.1:$METRICS"
"$PY" - "$WORK/metrics.txt" "$RULES" "$DASHBOARD" <<'EOF' || fail "metric names that the node does not export (see above)"
import re, sys
families = {}
for line in open(sys.argv[1]):
    m = re.match(r"# TYPE (\S+) (\S+)", line)
    if m:
        families[m.group(1)] = m.group(2)
if not families:
    sys.exit("  no # TYPE line on /metrics")
named = {}
for path in sys.argv[2:]:
    for name in re.findall(r"authnet_[a-z_]+", open(path).read()):
        named.setdefault(name, set()).add(path.rsplit("/", 1)[-1])
missing = []
for name in sorted(named):
    family = name
    if name not in families:
        base = re.sub(r"_(bucket|count|sum)$", "", name)
        if families.get(base) == "histogram":
            family = base
    if family not in families:
        missing.append(name)
        print(f"  {name} (in {', '.join(sorted(named[name]))}) is not on /metrics", file=sys.stderr)
print(f"  {len(named)} names in the rules and the dashboard; {len(families)} families on /metrics;"
      f" {len(missing)} missing")
sys.exit(1 if missing else 0)
EOF

echo "PASS"
