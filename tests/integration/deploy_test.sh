#!/usr/bin/env bash
# The deployment files of deploy/ (issue 6), checked as far as a build machine
# without systemd running, a Docker daemon or a Kubernetes cluster can:
#   a. the systemd unit passes `systemd-analyze verify` (and keeps its
#      sandbox: `systemd-analyze security` exposure at most 2.0)
#   b. every YAML file under deploy/ parses; the compose file and the
#      Kubernetes manifests have the parts the deployment relies on
#   c. the Dockerfile builds the way tests/run.sh does (same install-deps.sh
#      invocation, same cmake configure line, same build dir), and its runtime
#      stage installs the package of every library the binaries link
#   d. `authnetd --check-config` accepts deploy/authnetd.toml and the
#      ConfigMap's configuration, and rejects a wrong value naming key and line
#
#   deploy_test.sh BIN_DIR
set -euo pipefail

BIN=${1:?usage: deploy_test.sh BIN_DIR}
BIN=$(cd "$BIN" && pwd)
CTL="$BIN/authnetctl"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DEPLOY="$ROOT/deploy"
# The system interpreter: python3-yaml is a Debian package (deploy/install-deps.sh);
# a python3 earlier on PATH (pyenv, venv) may lack it.
PY=/usr/bin/python3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/authnet-deploy-XXXXXX")
trap 'rm -rf "$WORK"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }
skip() { echo "SKIP: $*"; }

[ -x "$PY" ] || fail "$PY not found (deploy/install-deps.sh installs python3 and python3-yaml)"
"$PY" -c 'import yaml' 2>/dev/null || fail "$PY cannot import yaml: install python3-yaml (deploy/install-deps.sh)"

# ---------------------------------------------------------------- a. systemd
UNIT="$DEPLOY/systemd/authnetd.service"
step "a. systemd unit $UNIT: required settings"
[ -f "$UNIT" ] || fail "missing $UNIT"
for want in 'User=authnet' 'Group=authnet' 'ProtectSystem=strict' 'ProtectHome=yes' \
            'NoNewPrivileges=yes' 'StateDirectory=authnet' 'RuntimeDirectory=authnet' \
            'PrivateTmp=yes' 'PrivateDevices=yes' 'CapabilityBoundingSet=' \
            'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' 'SystemCallFilter=@system-service' \
            'MemoryDenyWriteExecute=yes' 'UMask=0007' 'Restart=on-failure' \
            'ExecStart=/usr/local/bin/authnetd --config /etc/authnet/authnetd.toml'; do
  grep -qxF -- "$want" "$UNIT" || fail "$UNIT lacks the line '$want'"
done
stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)$/\1/p' "$UNIT")
[ -n "$stop" ] && [ "$stop" -gt 10 ] ||
  fail "$UNIT: TimeoutStopSec must exceed authnetd's 10 s drain (got '${stop:-none}')"

if command -v systemd-analyze >/dev/null 2>&1; then
  step "a. systemd-analyze verify (ExecStart pointed at $BIN/authnetd, which must exist)"
  mkdir "$WORK/unit"
  sed "s|/usr/local/bin/authnetd|$BIN/authnetd|g" "$UNIT" >"$WORK/unit/authnetd.service"
  set +e
  out=$(systemd-analyze verify "$WORK/unit/authnetd.service" 2>&1)
  rc=$?
  set -e
  # Unknown or misspelt settings are warnings with exit 0: any line about our
  # unit fails the test. Lines about the host's own units are only shown.
  if [ $rc -ne 0 ] || grep -q 'authnetd\.service' <<<"$out"; then
    fail "systemd-analyze verify (exit $rc): $out"
  fi
  [ -z "$out" ] || echo "  (about other units, ignored): $out"
  echo "  verify: ok"
  if systemd-analyze --help 2>/dev/null | grep -q -- '--offline'; then
    step "a. systemd-analyze security --offline: exposure at most 2.0"
    set +e
    out=$(systemd-analyze security --offline=yes --threshold=20 --no-pager \
      "$WORK/unit/authnetd.service" 2>&1)
    rc=$?
    set -e
    echo "  $(grep -o 'Overall exposure level.*' <<<"$out" || echo "$out" | tail -1)"
    [ $rc -eq 0 ] || fail "systemd-analyze security: exposure above 2.0 (exit $rc): $out"
  else
    skip "systemd-analyze security --offline (needs systemd 250 or later)"
  fi
else
  skip "systemd-analyze verify: systemd-analyze is not installed"
fi

# ------------------------------------------------------------------- b. YAML
step "b. every YAML file under deploy/ parses (yaml.safe_load_all)"
"$PY" - "$DEPLOY" <<'EOF' || fail "YAML check failed (see above)"
import pathlib, sys, yaml
root = pathlib.Path(sys.argv[1])
files = sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml"))
if not files:
    sys.exit("no YAML files under deploy/")
bad = 0
for p in files:
    try:
        docs = [d for d in yaml.safe_load_all(p.read_text()) if d is not None]
    except yaml.YAMLError as e:
        print(f"  {p.relative_to(root)}: does not parse: {e}", file=sys.stderr)
        bad += 1
        continue
    if not docs:
        print(f"  {p.relative_to(root)}: no documents", file=sys.stderr)
        bad += 1
        continue
    print(f"  {p.relative_to(root)}: {len(docs)} document(s)")
sys.exit(1 if bad else 0)
EOF

step "b. compose: enroll job, three members, each with its own bundle and a health check"
"$PY" - "$DEPLOY/compose/compose.yaml" <<'EOF' || fail "compose check failed (see above)"
import sys, yaml
path = sys.argv[1]
c = yaml.safe_load(open(path))
errors = []
def need(cond, what):
    if not cond:
        errors.append(what)
services = c.get("services", {})
members = ["alpha", "bravo", "charlie"]
need(set(services) >= {"enroll", *members}, f"services are {sorted(services)}")
enroll = services.get("enroll", {})
script = " ".join(enroll.get("command", [])) if isinstance(enroll.get("command"), list) else str(enroll.get("command", ""))
need("network init" in script and "member add" in script, "enroll does not run network init and member add")
need("[ -d admin ]" in script, "enroll is not idempotent (no '[ -d admin ]' test)")
need(":7443" in script, "enroll does not give endpoints NAME:7443")
need(enroll.get("restart") == "no", "enroll must not restart")
for m in members:
    s = services.get(m, {})
    dep = s.get("depends_on", {}).get("enroll", {})
    need(dep.get("condition") == "service_completed_successfully",
         f"{m}: does not depend on enroll completing successfully")
    need("test" in s.get("healthcheck", {}), f"{m}: no healthcheck")
    bundles = [v for v in s.get("volumes", []) if isinstance(v, dict)
               and v.get("source") == "enroll"]
    need(len(bundles) == 1 and bundles[0].get("read_only") is True
         and bundles[0].get("volume", {}).get("subpath") == m,
         f"{m}: must mount only its own bundle (enroll subpath {m}) read-only")
    need(any(isinstance(v, str) and v.startswith(f"{m}-state:") for v in s.get("volumes", [])),
         f"{m}: no state volume {m}-state")
    need(s.get("image") == enroll.get("image"), f"{m}: not the enroll job's image")
for e in errors:
    print(f"  {path}: {e}", file=sys.stderr)
if not errors:
    print(f"  services: {', '.join(sorted(services))}")
sys.exit(1 if errors else 0)
EOF

step "b. Kubernetes: StatefulSet with a volume claim, probes, hardening; Services; Secrets; ConfigMap"
"$PY" - "$DEPLOY/k8s" <<'EOF' || fail "Kubernetes manifest check failed (see above)"
import pathlib, sys, yaml
try:
    import tomllib
except ImportError:
    tomllib = None
root = pathlib.Path(sys.argv[1])
errors = []
def need(cond, what):
    if not cond:
        errors.append(what)
objs = []
files = sorted(p for p in root.iterdir() if p.suffix in (".yaml", ".yml"))
for p in files:
    for d in yaml.safe_load_all(p.read_text()):
        if d is not None:
            objs.append((p.name, d))
by_kind = {}
for name, d in objs:
    by_kind.setdefault(d.get("kind"), []).append(d)
print("  kinds: " + ", ".join(f"{k} x{len(v)}" for k, v in sorted(by_kind.items())))

kust = [d for _, d in objs if d.get("kind") == "Kustomization"]
if kust:
    listed = set(kust[0].get("resources", []))
    others = {p.name for p in files if p.name != "kustomization.yaml"}
    need(listed == others, f"kustomization resources {sorted(listed)} != files {sorted(others)}")

sts = by_kind.get("StatefulSet", [])
need(len(sts) == 1, "want exactly one StatefulSet")
ports = {}
if sts:
    s = sts[0]["spec"]
    need(s.get("replicas") == 1, "StatefulSet replicas must be 1 (one node per member)")
    need(s.get("volumeClaimTemplates"), "StatefulSet has no volumeClaimTemplates")
    claims = {t["metadata"]["name"] for t in s.get("volumeClaimTemplates", [])}
    pod = s["template"]["spec"]
    labels = s["template"]["metadata"].get("labels", {})
    ann = s["template"]["metadata"].get("annotations", {})
    psc = pod.get("securityContext", {})
    need(psc.get("runAsNonRoot") is True, "pod securityContext.runAsNonRoot is not true")
    need(psc.get("fsGroup"), "pod securityContext.fsGroup is not set")
    need(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", "pod seccompProfile is not RuntimeDefault")
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    secrets = {v["secret"]["secretName"]: v["secret"] for v in vols.values() if "secret" in v}
    need("authnet-bundle" in secrets, "no volume from the Secret authnet-bundle")
    need("authnet-api-tls" in secrets, "no volume from the Secret authnet-api-tls")
    for n, sec in secrets.items():
        need(sec.get("defaultMode") in (0o400, 0o600), f"Secret {n}: defaultMode is not 0400 or 0600")
    cms = [v["configMap"]["name"] for v in vols.values() if "configMap" in v]
    need("authnet-config" in cms, "no volume from the ConfigMap authnet-config")
    containers = pod.get("containers", [])
    main = [c for c in containers if c["name"] == "authnetd"]
    need(main, "no container named authnetd")
    for c in containers + pod.get("initContainers", []):
        sc = c.get("securityContext", {})
        need(sc.get("allowPrivilegeEscalation") is False, f"{c['name']}: allowPrivilegeEscalation is not false")
        need(sc.get("readOnlyRootFilesystem") is True, f"{c['name']}: readOnlyRootFilesystem is not true")
        need(sc.get("capabilities", {}).get("drop") == ["ALL"], f"{c['name']}: capabilities do not drop ALL")
        need(c.get("resources", {}).get("requests"), f"{c['name']}: no resource requests")
        for m in c.get("volumeMounts", []):
            need(m["name"] in vols or m["name"] in claims, f"{c['name']}: mounts unknown volume {m['name']}")
    if main:
        c = main[0]
        ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
        need({"peer", "api", "metrics"} <= set(ports), f"authnetd ports are {sorted(ports)}")
        for probe in ("livenessProbe", "readinessProbe"):
            g = c.get(probe, {}).get("httpGet", {})
            need(g.get("path") == "/healthz" and ports.get(g.get("port"), g.get("port")) == ports.get("metrics"),
                 f"{probe}: want httpGet /healthz on the metrics port")
        mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
        need(any(n in claims for n in mounts.values()), "authnetd does not mount the volume claim")
    need(ann.get("prometheus.io/scrape") == "true" and str(ann.get("prometheus.io/port")) == str(ports.get("metrics")),
         "pod is not annotated for Prometheus on the metrics port")

svcs = by_kind.get("Service", [])
def svc_ports(s):
    return {p["port"] for p in s["spec"].get("ports", [])}
peer_svcs = [s for s in svcs if ports.get("peer") in svc_ports(s) and s["spec"].get("clusterIP") != "None"]
api_svcs = [s for s in svcs if ports.get("api") in svc_ports(s)]
need(peer_svcs, "no (non-headless) Service for the peer port")
need(api_svcs and all(s["spec"].get("type", "ClusterIP") == "ClusterIP" for s in api_svcs),
     "no ClusterIP Service for the api port")
if sts:
    need(any(s["metadata"]["name"] == sts[0]["spec"].get("serviceName") for s in svcs),
         "the StatefulSet's serviceName is not a Service")
    for s in svcs:
        sel = s["spec"].get("selector", {})
        need(sel and all(labels.get(k) == v for k, v in sel.items()),
             f"Service {s['metadata']['name']}: selector {sel} does not match the pod's labels")

cm = [d for d in by_kind.get("ConfigMap", []) if d["metadata"]["name"] == "authnet-config"]
need(cm and "authnetd.toml" in cm[0].get("data", {}), "ConfigMap authnet-config has no authnetd.toml")
if cm and tomllib is not None and "authnetd.toml" in cm[0].get("data", {}):
    try:
        conf = tomllib.loads(cm[0]["data"]["authnetd.toml"])
    except tomllib.TOMLDecodeError as e:
        errors.append(f"ConfigMap authnetd.toml is not TOML: {e}")
        conf = {}
    for key, port in (("peer_listen", "peer"), ("api_listen", "api"), ("metrics_listen", "metrics")):
        need(str(conf.get(key, "")).endswith(f":{ports.get(port)}"),
             f"ConfigMap {key} = {conf.get(key)!r} is not on the container's {port} port {ports.get(port)}")
    need(conf.get("api", {}).get("tls_cert") and conf.get("api", {}).get("tls_key"),
         "ConfigMap: a non-loopback api_listen needs [api] tls_cert and tls_key")
for e in errors:
    print(f"  {root}: {e}", file=sys.stderr)
sys.exit(1 if errors else 0)
EOF

if command -v kubectl >/dev/null 2>&1 && kubectl kustomize --help >/dev/null 2>&1; then
  step "b. kubectl kustomize deploy/k8s renders (offline)"
  kubectl kustomize "$DEPLOY/k8s" >"$WORK/k8s.yaml" 2>"$WORK/err" ||
    fail "kubectl kustomize deploy/k8s: $(cat "$WORK/err")"
  echo "  rendered $(grep -c '^kind:' "$WORK/k8s.yaml") objects"
else
  skip "kubectl kustomize: kubectl is not installed"
fi

# ------------------------------------------------------------- c. Dockerfile
DF="$DEPLOY/docker/Dockerfile"
RUN_SH="$ROOT/tests/run.sh"
step "c. $DF builds the way tests/run.sh does"
[ -f "$DF" ] || fail "missing $DF"
# first_match FILE REGEX: the first match of REGEX in FILE, whitespace squeezed,
# with shell redirections and a trailing '&& ...' or '\' dropped.
# (Without pipefail: grep -m1 leaves the first grep writing into a closed
# pipe on a long file, and its SIGPIPE must not fail the script.)
first_match() {
  (
    set +o pipefail
    grep -vE '^[[:space:]]*#' "$1" | grep -oE -m1 -- "$2" | head -1 | sed -E 's/[[:space:]]+/ /g; s/ *(>|2>|&&|\\|;).*$//; s/ +$//'
  )
}
DEPS_RE='\./deploy/install-deps\.sh[^&;|>]*'
CONF_RE='\./deploy/configure-build\.sh [^&;|>]*'
BUILD_RE='cmake --build [^&;|>]*'
deps_run=$(first_match "$RUN_SH" "$DEPS_RE")
deps_df=$(first_match "$DF" "$DEPS_RE")
conf_run=$(first_match "$RUN_SH" "$CONF_RE")
conf_df=$(first_match "$DF" "$CONF_RE")
build_run=$(first_match "$RUN_SH" "$BUILD_RE")
build_df=$(first_match "$DF" "$BUILD_RE")
echo "  tests/run.sh: $deps_run | $conf_run | $build_run"
echo "  Dockerfile:   $deps_df | $conf_df | $build_df"
[ -n "$deps_run" ] && [ -n "$conf_run" ] && [ -n "$build_run" ] ||
  fail "cannot find the install-deps.sh, configure-build.sh and build steps in tests/run.sh"
[ "$deps_df" = "$deps_run" ] ||
  fail "install-deps step differs: Dockerfile '${deps_df:-(none)}' vs tests/run.sh '$deps_run'"
[ "$conf_df" = "$conf_run" ] ||
  fail "configure line differs: Dockerfile '${conf_df:-(none)}' vs tests/run.sh '$conf_run'"
bdir() { awk '{print $3}' <<<"$1"; }
[ -n "$build_df" ] && [ "$(bdir "$build_df")" = "$(bdir "$build_run")" ] ||
  fail "cmake build step differs: Dockerfile '${build_df:-(none)}' vs tests/run.sh '$build_run'"
if grep -q -- '--target' <<<"$build_df"; then
  for t in authnetd authnetctl; do
    grep -qw "$t" <<<"${build_df#*--target}" || fail "Dockerfile builds --target without $t"
  done
fi
conf_qs=$(first_match "$DEPLOY/quickstart.sh" "$CONF_RE")
[ "$conf_qs" = "$conf_run" ] ||
  fail "configure line differs: deploy/quickstart.sh '$conf_qs' vs tests/run.sh '$conf_run'"
# install-deps.sh must be copied into the image before it runs.
copy_line=$(grep -nE '^COPY .*deploy/install-deps\.sh|^COPY \. ' "$DF" | head -1 | cut -d: -f1)
run_line=$(grep -nE "^RUN .*\./deploy/install-deps\.sh" "$DF" | head -1 | cut -d: -f1)
[ -n "$copy_line" ] && [ -n "$run_line" ] && [ "$copy_line" -lt "$run_line" ] ||
  fail "Dockerfile runs ./deploy/install-deps.sh before copying it in"

step "c. Dockerfile: bookworm build stage, bookworm-slim runtime, non-root, health check"
grep -qE '^FROM debian:bookworm AS build' "$DF" || fail "Dockerfile: no 'FROM debian:bookworm AS build' stage"
[ "$(grep -E '^FROM ' "$DF" | tail -1)" = "FROM debian:bookworm-slim" ] ||
  fail "Dockerfile: the final stage is not debian:bookworm-slim"
user=$(sed -n 's/^USER //p' "$DF" | tail -1)
[ -n "$user" ] && [ "${user%%:*}" != root ] && [ "${user%%:*}" != 0 ] ||
  fail "Dockerfile: the image does not run as a non-root USER (got '${user:-none}')"
grep -qE '^HEALTHCHECK ' "$DF" || fail "Dockerfile: no HEALTHCHECK"
grep -qE '^ENTRYPOINT .*authnetd' "$DF" || fail "Dockerfile: ENTRYPOINT is not authnetd"
grep -qE '^VOLUME .*/var/lib/authnet' "$DF" || fail "Dockerfile: no VOLUME /var/lib/authnet"
for src in $(sed -nE 's/^COPY +([^-][^ ]*) .*/\1/p' "$DF"); do
  [ "$src" = . ] || [ -e "$ROOT/$src" ] || fail "Dockerfile copies $src, which does not exist"
done
[ -f "$ROOT/.dockerignore" ] || fail "no .dockerignore at the repository root (the build context)"
for ign in .git build quickstart; do
  grep -qxE "/?$ign/?" "$ROOT/.dockerignore" || fail ".dockerignore does not exclude $ign"
done
bash -n "$DEPLOY/docker/healthcheck.sh" || fail "deploy/docker/healthcheck.sh: bash syntax error"

if command -v ldd >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1; then
  step "c. the runtime stage installs the package of every library the binaries link"
  # The runtime stage's apt-get install list (continuation lines joined).
  pkgs=$(awk '/^FROM debian:bookworm-slim/{rt=1} rt' "$DF" | sed -e ':a' -e '/\\$/N; s/\\\n//; ta' |
         grep -m1 'apt-get install' | sed 's/.*apt-get install//; s/&&.*//' | tr ' ' '\n' |
         grep -vE '^(-|$)' | sort -u)
  [ -n "$pkgs" ] || fail "cannot find the runtime stage's apt-get install list"
  # In debian:bookworm-slim already: the C and C++ runtimes. The sanitizer
  # runtimes appear only in ./tests/run.sh --sanitize builds, never in the image.
  base="libc6 libgcc-s1 libstdc++6 libasan8 libubsan1"
  needed=""
  for lib in $(ldd "$BIN/authnetd" "$BIN/authnetctl" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u); do
    owner=""
    real=$(readlink -f "$lib")
    for cand in "$lib" "$real" "/usr$lib" "/usr$real" "${lib#/usr}" "${real#/usr}"; do
      owner=$(dpkg -S "$cand" 2>/dev/null | head -1 | cut -d: -f1) && [ -n "$owner" ] && break
    done
    [ -n "$owner" ] || fail "no Debian package owns $lib (linked by the binaries)"
    needed="$needed $owner"
  done
  missing=""
  for p in $(tr ' ' '\n' <<<"$needed" | sort -u); do
    if ! grep -qxF "$p" <<<"$pkgs" && ! grep -qw -- "$p" <<<"$base"; then missing="$missing $p"; fi
  done
  echo "  linked: $(tr ' ' '\n' <<<"$needed" | sort -u | xargs)"
  echo "  installed: $(xargs <<<"$pkgs")"
  [ -z "$missing" ] || fail "the Dockerfile's runtime stage does not install:$missing"
else
  skip "runtime package check: ldd or dpkg is not available"
fi

# --------------------------------------------------------- d. check-config
step "d. authnetd --check-config accepts deploy/authnetd.toml (paths pointed at a fresh bundle)"
"$CTL" network init --network deploytest --dir "$WORK/admin" >/dev/null
"$CTL" member add acme --dir "$WORK/admin" --endpoint 127.0.0.1:7443 --out "$WORK/bundle" >/dev/null
mkdir -m 0700 "$WORK/data"
# rewrite FILE: the bundle, data and api paths pointed into $WORK.
rewrite() {
  sed -E -e "s|^bundle = .*|bundle = \"$WORK/bundle\"|" \
         -e "s|^data = .*|data = \"$WORK/data\"|" \
         -e "s|^api_listen = \"unix:.*|api_listen = \"unix:$WORK/api.sock\"|" \
         -e "s|^tls_cert = \"/.*|tls_cert = \"$WORK/tls.crt\"|" \
         -e "s|^tls_key = \"/.*|tls_key = \"$WORK/tls.key\"|" "$1"
}
rewrite "$DEPLOY/authnetd.toml" >"$WORK/authnetd.toml"
grep -qxF "bundle = \"$WORK/bundle\"" "$WORK/authnetd.toml" && grep -qxF "data = \"$WORK/data\"" "$WORK/authnetd.toml" ||
  fail "could not rewrite the bundle and data paths of deploy/authnetd.toml"
set +e
"$BIN/authnetd" --check-config --config "$WORK/authnetd.toml" >"$WORK/out" 2>"$WORK/err"
rc=$?
set -e
[ $rc -eq 0 ] || fail "authnetd --check-config on deploy/authnetd.toml: exit $rc: $(cat "$WORK/err")"
echo "  exit 0 $(cat "$WORK/out" "$WORK/err" | head -3)"

step "d. --check-config rejects deny_risk = \"high\", naming the key and its line"
line=$(grep -n '^deny_risk = ' "$WORK/authnetd.toml" | cut -d: -f1)
[ -n "$line" ] || fail "deploy/authnetd.toml has no 'deny_risk = ' line"
sed 's/^deny_risk = .*/deny_risk = "high"/' "$WORK/authnetd.toml" >"$WORK/broken.toml"
set +e
"$BIN/authnetd" --check-config --config "$WORK/broken.toml" >/dev/null 2>"$WORK/err"
rc=$?
set -e
err=$(cat "$WORK/err")
echo "  exit $rc: $err"
[ $rc -eq 1 ] || fail "broken config: exit $rc, want 1"
grep -q 'deny_risk' <<<"$err" || fail "broken config: the error does not name deny_risk"
grep -qE "(:| line )$line([^0-9]|$)" <<<"$err" || fail "broken config: the error does not name line $line"
[ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "broken config: want one line on stderr"

step "d. --check-config accepts the Kubernetes ConfigMap's authnetd.toml (TCP api with TLS)"
"$PY" -c '
import sys, yaml
for p in sys.argv[1:]:
    for d in yaml.safe_load_all(open(p)):
        if d and d.get("kind") == "ConfigMap" and "authnetd.toml" in d.get("data", {}):
            sys.stdout.write(d["data"]["authnetd.toml"])
' "$DEPLOY"/k8s/*.yaml >"$WORK/k8s-raw.toml"
[ -s "$WORK/k8s-raw.toml" ] || fail "no authnetd.toml in a ConfigMap under deploy/k8s"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=authnet-api.authnet.svc -addext subjectAltName=DNS:authnet-api.authnet.svc \
  -keyout "$WORK/tls.key" -out "$WORK/tls.crt" 2>/dev/null || fail "openssl could not make a test certificate"
chmod 600 "$WORK/tls.key"
rewrite "$WORK/k8s-raw.toml" >"$WORK/k8s.toml"
grep -qxF "tls_key = \"$WORK/tls.key\"" "$WORK/k8s.toml" || fail "could not rewrite the ConfigMap's [api] tls_key"
set +e
"$BIN/authnetd" --check-config --config "$WORK/k8s.toml" >/dev/null 2>"$WORK/err"
rc=$?
set -e
[ $rc -eq 0 ] || fail "authnetd --check-config on the ConfigMap's authnetd.toml: exit $rc: $(cat "$WORK/err")"
echo "  exit 0"

echo "deploy: all checks passed"
