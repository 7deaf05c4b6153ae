#!/usr/bin/env bash
# Operating a node as platform ops do (issue 6), with real processes:
#   - a config file, flags over it, --check-config naming file:line:key;
#   - /metrics and /healthz over HTTP, JSON log lines without identifiers;
#   - a remote api listener: TLS + bearer tokens created and revoked with
#     authnetctl (checkout vs admin tokens), without a restart;
#   - `member keygen --renew` / `member renew --request` / `member install`: a
#     running node picks up its new certificate without a
#     restart, existing peers keep syncing, a restarted peer connects anew;
#   - the peer listener's TLS posture with openssl s_client (issue 7).
#
#   operations_test.sh BIN_DIR
set -euo pipefail

BIN=${1:?usage: operations_test.sh BIN_DIR}
CTL="$BIN/authnetctl"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/authnet-ops-XXXXXX")
declare -A PID=()
cleanup() {
  for p in "${PID[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  for log in "$WORK"/*.log; do [ -f "$log" ] && sed "s|^|  $(basename "$log"): |" "$log" >&2; done
  exit 1
}
step() { echo "--- $*"; }
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
http_get() {  # http_get PORT PATH -> "STATUS\nBODY"
  python3 - "$1" "$2" <<'PY'
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}{sys.argv[2]}", timeout=5)
    print(r.status); print(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code); print(e.read().decode())
PY
}
wait_until() {  # wait_until SECONDS COMMAND...
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}
cert_sha() {  # cert_sha PEM_FILE -> hex SHA-256 of the DER
  openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1
}
served_sha() {  # served_sha PORT CLIENT_BUNDLE -> hex SHA-256 of the certificate the peer port serves
  openssl s_client -connect "127.0.0.1:$1" -cert "$2/node.crt" -key "$2/node.key" \
    -CAfile "$2/ca.crt" </dev/null 2>/dev/null | openssl x509 -outform DER | sha256sum | cut -d' ' -f1
}

declare -A PORT=([a]=$(free_port) [b]=$(free_port))
METRICS=$(free_port)
REMOTE=$(free_port)
"$CTL" network init --network opsnet --dir "$WORK/admin" >/dev/null
for n in a b; do
  "$CTL" member add "node-$n" --dir "$WORK/admin" --endpoint "127.0.0.1:${PORT[$n]}" \
    --out "$WORK/$n" >/dev/null
done

step "--version: one line naming the program and its release, exit 0, whatever else is given"
RELEASE=$(sed -n 's/^project(authnet VERSION \([0-9.]*\).*/\1/p' "$(dirname "$0")/../../CMakeLists.txt")
[ -n "$RELEASE" ] || fail "no release in CMakeLists.txt's project()"
version_ok() {  # version_ok PROGRAM ARGS...: one line "PROGRAM RELEASE (git ..., gRPC ...)"
  local prog=$1 out; shift
  out=$("$BIN/$prog" "$@" 2>&1) || fail "$prog $*: exit $?: $out"
  [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
    printf '%s\n' "$out" | grep -Eq "^$prog $RELEASE \(git ([0-9a-f]{7,}|unknown), gRPC [0-9.]+, protobuf [0-9.]+, OpenSSL [0-9.]+[^,]*, SQLite [0-9.]+\)$" ||
    fail "$prog $*: $out"
}
version_ok authnetd --version
version_ok authnetd --config "$WORK/none.toml" --bogus-flag --version
version_ok authnetctl --version
version_ok authnetctl status --node "unix:$WORK/none.sock" --version
"$BIN/authnetd" --help | grep -q -- "--version" || fail "authnetd --help does not mention --version"
"$CTL" --help | grep -q -- "--version" || fail "authnetctl --help does not mention --version"

step "--check-config: a good file passes; a bad value names file, line and key"
cat >"$WORK/a.toml" <<TOML
bundle = "$WORK/a"
data = "$WORK/a-data"
peer_listen = "127.0.0.1:${PORT[a]}"
api_listen = "unix:$WORK/a.sock"
metrics_listen = "127.0.0.1:$METRICS"
peers = ["127.0.0.1:${PORT[b]}"]

[log]
format = "json"

[sync]
reload_interval_s = 1
resync_period_ms = 1000
TOML
out=$("$BIN/authnetd" --check-config --config "$WORK/a.toml") || fail "check-config: $out"
echo "$out" | grep -q "configuration OK" || fail "check-config said: $out"
sed 's/^format = "json"/format = "yaml"/' "$WORK/a.toml" >"$WORK/bad.toml"
set +e
"$BIN/authnetd" --check-config --config "$WORK/bad.toml" 2>"$WORK/err"; rc=$?
set -e
[ $rc -eq 1 ] || fail "bad log format: exit $rc, want 1"
grep -q "bad.toml:9: log.format: 'yaml' is not one of text, json" "$WORK/err" ||
  fail "bad log format: $(cat "$WORK/err")"
set +e
"$BIN/authnetd" --check-config --config "$WORK/a.toml" --api-listen 0.0.0.0:1 2>"$WORK/err"; rc=$?
set -e
[ $rc -eq 1 ] && grep -q -- "--api-tls-cert" "$WORK/err" ||
  fail "a flag over the file (public api without TLS): exit $rc, $(cat "$WORK/err")"

step "start node-a from the file (JSON logs) and node-b from flags, with a loopback api listener that requires TLS and tokens"
# The api certificate as docs/ops/api-tls.md makes it: its commands, run as written.
mkdir "$WORK/apitls"
sed -n '/<!-- api-cert:begin -->/,/<!-- api-cert:end -->/p' \
  "$(dirname "$0")/../../docs/ops/api-tls.md" | sed '/^<!--/d; /^```/d' >"$WORK/apitls/make.sh"
grep -q "openssl x509 -req" "$WORK/apitls/make.sh" || fail "no api-cert commands in docs/ops/api-tls.md"
(cd "$WORK/apitls" && bash -e make.sh) >"$WORK/apitls/out" 2>&1 ||
  fail "docs/ops/api-tls.md's certificate commands: $(cat "$WORK/apitls/out")"
grep -q "^api.crt: OK" "$WORK/apitls/out" || fail "api.crt does not verify: $(cat "$WORK/apitls/out")"
[ "$(stat -c %a "$WORK/apitls/api.key")" = 600 ] || fail "api.key is not mode 0600"
cp "$WORK/apitls/api.crt" "$WORK/apitls/api.key" "$WORK/apitls/api-ca.pem" "$WORK/"
start_a() {
  "$BIN/authnetd" --config "$WORK/a.toml" >>"$WORK/a.log" 2>&1 &
  PID[a]=$!
}
start_b() {
  "$BIN/authnetd" --bundle "$WORK/b" --data "$WORK/b-data" --peer-listen "127.0.0.1:${PORT[b]}" \
    --api-listen "127.0.0.1:$REMOTE" --api-require-tls \
    --api-tls-cert "$WORK/api.crt" --api-tls-key "$WORK/api.key" \
    --peers "127.0.0.1:${PORT[a]}" >>"$WORK/b.log" 2>&1 &
  PID[b]=$!
}
start_a
start_b
A="unix:$WORK/a.sock"
wait_until 10 "$CTL" status --node "$A" >/dev/null 2>&1 || fail "node-a did not start"
head -1 "$WORK/a.log" | python3 -c 'import json,sys; json.loads(sys.stdin.readline())' ||
  fail "node-a's log is not JSON lines: $(head -1 "$WORK/a.log")"

step "a second authnetd on a port node-a holds (peer, metrics) refuses to start, naming it"
held() {  # WHAT ARGS...: a second node of node-a's bundle must exit 1 saying the port is in use
  local what=$1; shift
  local api=(--api-listen "unix:$WORK/second.sock")
  [[ " $* " == *" --api-listen "* ]] && api=()
  set +e
  timeout 20 "$BIN/authnetd" --bundle "$WORK/a" --data "$WORK/second-data" \
    "${api[@]}" "$@" 2>"$WORK/err"
  local rc=$?
  set -e
  [ $rc -eq 1 ] && grep -q "in use" "$WORK/err" ||
    fail "a second node on node-a's $what port: exit $rc: $(cat "$WORK/err")"
}
held peer --peer-listen "127.0.0.1:${PORT[a]}"
wait_until 10 http_get "$METRICS" /healthz >/dev/null 2>&1 || fail "node-a's metrics listener"
held metrics --peer-listen "127.0.0.1:$(free_port)" --metrics-listen "127.0.0.1:$METRICS"
wait_until 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $REMOTE)).close()" ||
  fail "node-b's api listener"
held api --peer-listen "127.0.0.1:$(free_port)" --api-listen "127.0.0.1:$REMOTE"
HTTP_HELD=$(free_port)
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(30)' \
  "$HTTP_HELD" &
HOLDER=$!
wait_until 5 python3 -c "import socket; socket.create_connection(('127.0.0.1', $HTTP_HELD)).close()" ||
  fail "the port holder did not listen"
held http --peer-listen "127.0.0.1:$(free_port)" --http-listen "127.0.0.1:$HTTP_HELD"
kill "$HOLDER" 2>/dev/null || true

step "plaintext clients on the peer listener: one plain log line a minute, not gRPC's raw lines"
for _ in 1 2 3; do
  python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
try:
    s.recv(100)
except OSError:
    pass' "${PORT[a]}" 2>/dev/null || true
done
wait_until 5 grep -q "TLS handshake refused: a client spoke plaintext" "$WORK/a.log" ||
  fail "no plain line for a plaintext client: $(grep -i handshake "$WORK/a.log")"
[ "$(grep -c "TLS handshake refused" "$WORK/a.log")" = 1 ] ||
  fail "handshake refusals are not throttled: $(grep -c "TLS handshake refused" "$WORK/a.log")"
grep -q "ssl_transport_security" "$WORK/a.log" && fail "gRPC's raw handshake line reached the log"

step "--check-config with flags alone; another member's data dir is refused as start-up would"
out=$("$BIN/authnetd" --check-config --bundle "$WORK/a" --data "$WORK/a-data" \
  --peer-listen "127.0.0.1:$(free_port)" --api-listen "unix:$WORK/check.sock") ||
  fail "check-config from flags: $out"
echo "$out" | grep -q "configuration OK (flags)" || fail "check-config from flags said: $out"
wait_until 10 test -s "$WORK/b-data/authnet.db" || fail "node-b's data dir"
set +e
"$BIN/authnetd" --check-config --bundle "$WORK/a" --data "$WORK/b-data" \
  --peer-listen "127.0.0.1:$(free_port)" --api-listen "unix:$WORK/check.sock" 2>"$WORK/err"; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "belongs to member 'node-b'" "$WORK/err" ||
  fail "check-config on node-b's data with node-a's bundle: exit $rc: $(cat "$WORK/err")"
# A data dir group can write to: refused by --check-config as by start-up,
# and by the commands that write or copy it.
mkdir -m 0770 "$WORK/open-data"
set +e
"$BIN/authnetd" --check-config --bundle "$WORK/a" --data "$WORK/open-data" \
  --peer-listen "127.0.0.1:$(free_port)" --api-listen "unix:$WORK/check.sock" 2>"$WORK/err"; rc=$?
set -e
[ $rc -eq 1 ] && grep -q -- "--data: data dir $WORK/open-data is writable by group or others" "$WORK/err" ||
  fail "check-config on a group-writable data dir: exit $rc: $(cat "$WORK/err")"
"$CTL" token create ops --data "$WORK/open-data" >/dev/null 2>"$WORK/err" &&
  fail "token create into a group-writable data dir"
grep -q "writable by group or others" "$WORK/err" || fail "token create said: $(cat "$WORK/err")"
[ ! -e "$WORK/open-data/api-tokens" ] || fail "token create wrote into a group-writable data dir"
"$CTL" backup --data "$WORK/open-data" --out "$WORK/open.bak" >/dev/null 2>"$WORK/err" &&
  fail "backup of a group-writable data dir"
grep -q "writable by group or others" "$WORK/err" || fail "backup said: $(cat "$WORK/err")"

step "/metrics and /healthz"
"$CTL" check --node "$A" --gtin 4006381333931 >/dev/null
page=$(http_get "$METRICS" /metrics)
echo "$page" | head -1 | grep -q 200 || fail "/metrics: $page"
echo "$page" | grep -q 'authnet_rpc_duration_seconds_count{listener="api",method="/authnet.v1.CheckoutService/Check",code="OK"} 1' ||
  fail "/metrics lacks the check: $page"
for metric in authnet_store_commit_seconds authnet_batches_refused_total authnet_model_records \
  authnet_origin_records authnet_peer_lag_records authnet_peer_connected authnet_roster_expires_unix \
  authnet_api_reports_total authnet_roster_key_changes_total authnet_build_info; do
  echo "$page" | grep -q "^# TYPE $metric " || fail "/metrics lacks $metric"
done
# Every family from start: a refusal that has not happened yet is a 0 series.
echo "$page" | grep -q '^authnet_batches_refused_total{reason="conflict"} 0$' ||
  fail "/metrics lacks a zero refused-batch series: $page"
echo "$page" | grep -Eq "^authnet_build_info\{version=\"$RELEASE\",commit=\"([0-9a-f]+|unknown)\",grpc=\"[0-9.]+\",protobuf=\"[0-9.]+\",.*\} 1$" ||
  fail "/metrics lacks authnet_build_info: $(echo "$page" | grep build_info)"
"$CTL" status --node "$A" --json | grep -q "\"version\": \"$RELEASE (git " ||
  fail "status --json lacks the node's version: $("$CTL" status --node "$A" --json)"
"$CTL" status --node "$A" | grep -q "^version: *authnetd $RELEASE (git " ||
  fail "status lacks the node's version: $("$CTL" status --node "$A")"
grep -q "authnetd ready: .*; version $RELEASE (git " "$WORK/a.log" ||
  fail "node-a's ready line lacks its version: $(grep ready "$WORK/a.log")"
[ "$(http_get "$METRICS" /healthz)" = "$(printf '200\nSERVING\n')" ] || fail "/healthz: $(http_get "$METRICS" /healthz)"

step "remote api: no token is refused, tokens work by role, revoke takes effect without restart"
B=(--node "127.0.0.1:$REMOTE" --ca "$WORK/api-ca.pem")
wait_until 10 bash -c "\"$CTL\" status ${B[*]} 2>&1 | grep -q 'bearer token'" ||
  fail "node-b's remote api without a token: $("$CTL" status "${B[@]}" 2>&1)"
"$CTL" token create shop-checkout --data "$WORK/b-data" >"$WORK/checkout.token" 2>"$WORK/err" ||
  fail "token create: $(cat "$WORK/err")"
"$CTL" token create ops --data "$WORK/b-data" --admin >"$WORK/admin.token" 2>/dev/null
grep -q '^anet_[0-9a-f]\{64\}$' "$WORK/checkout.token" || fail "token format: $(cat "$WORK/checkout.token")"
[ "$(stat -c %a "$WORK/b-data/api-tokens")" = 600 ] || fail "api-tokens is not mode 0600"
grep -q "$(cat "$WORK/checkout.token")" "$WORK/b-data/api-tokens" && fail "the token itself is on disk"
"$CTL" token list --data "$WORK/b-data" --json | grep -q '"name": "ops", "role": "admin"' ||
  fail "token list: $("$CTL" token list --data "$WORK/b-data" --json)"
wait_until 5 "$CTL" check "${B[@]}" --token-file "$WORK/checkout.token" --gtin 4006381333931 \
  >/dev/null 2>&1 || fail "check with a checkout token: $("$CTL" check "${B[@]}" --token-file "$WORK/checkout.token" --gtin 4006381333931 2>&1)"
set +e
out=$("$CTL" status "${B[@]}" --token-file "$WORK/checkout.token" 2>&1); rc=$?
set -e
[ $rc -ne 0 ] && echo "$out" | grep -q "needs an admin token" || fail "status with a checkout token: $out"
# The node re-reads its tokens every 250 ms: the admin token (made second)
# may land a reload after the checkout token did.
wait_until 5 env AUTHNET_TOKEN="$(cat "$WORK/admin.token")" "$CTL" status "${B[@]}" >/dev/null 2>&1 ||
  fail "status with an admin token (AUTHNET_TOKEN)"
echo "anet_$(printf '0%.0s' $(seq 64))" >"$WORK/wrong.token"
out=$("$CTL" check "${B[@]}" --token-file "$WORK/wrong.token" --gtin 4006381333931 2>&1) &&
  fail "an unknown token was accepted"
echo "$out" | grep -q "unknown or revoked bearer token" || fail "an unknown token: $out"
"$CTL" token revoke shop-checkout --data "$WORK/b-data" >/dev/null
wait_until 5 bash -c "\"$CTL\" check ${B[*]} --token-file $WORK/checkout.token --gtin 4006381333931 2>&1 | grep -q 'unknown or revoked'" ||
  fail "a revoked token still works"
grep -q "$(cat "$WORK/admin.token")" "$WORK/a.log" "$WORK/b.log" && fail "a token reached a log"

step "authnetctl says what is wrong with its TLS flags, not gRPC's handshake line"
wait_until 10 "$CTL" status "${B[@]}" --token-file "$WORK/admin.token" >/dev/null 2>&1 ||
  fail "status with --ca and an admin token: $("$CTL" status "${B[@]}" --token-file "$WORK/admin.token" 2>&1)"
# ctl_error ARGS...: authnetctl status ARGS must fail with exit 1; prints its stderr.
ctl_error() {
  local rc
  set +e
  "$CTL" status "$@" >/dev/null 2>"$WORK/ctl.err"; rc=$?
  set -e
  [ $rc -eq 1 ] || fail "authnetctl status $*: exit $rc, $(cat "$WORK/ctl.err")"
  grep -qi "handshake\|ssl\|ipv4:" "$WORK/ctl.err" && fail "gRPC's raw transport line: $(cat "$WORK/ctl.err")"
  cat "$WORK/ctl.err"
}
ctl_error --node "127.0.0.1:$REMOTE" | grep -q "127.0.0.1:$REMOTE serves TLS: pass --ca FILE" ||
  fail "no --ca against a TLS listener: $(cat "$WORK/ctl.err")"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -keyout "$WORK/other.key" -out "$WORK/other.crt" -subj "/CN=someone-else" 2>/dev/null
ctl_error --node "127.0.0.1:$REMOTE" --ca "$WORK/other.crt" --token-file "$WORK/admin.token" |
  grep -q "is not trusted: it is not signed by the CA in --ca $WORK/other.crt" ||
  fail "a --ca that did not sign the certificate: $(cat "$WORK/ctl.err")"
ctl_error "${B[@]}" --server-name elsewhere.example --token-file "$WORK/admin.token" |
  grep -q "does not name the host dialed; check --ca, or pass --server-name" ||
  fail "a --server-name the certificate does not carry: $(cat "$WORK/ctl.err")"
ctl_error --node "$A" --ca "$WORK/api-ca.pem" | grep -q "serves plain text, not TLS" ||
  fail "--ca against a plain-text listener: $(cat "$WORK/ctl.err")"

step "member renew: node-a picks up its new certificate without a restart; peers keep syncing"
serves() { [ "$(served_sha "${PORT[a]}" "$WORK/b")" = "$1" ]; }
old=$(cert_sha "$WORK/a/node.crt")
serves "$old" || fail "node-a does not serve its enrolled certificate"
# The member makes a renewal request from its keys, the admins answer with
# public files, the member installs them into the running node's bundle.
"$CTL" member keygen --renew --out "$WORK/a" >"$WORK/renew.out" ||
  fail "member keygen --renew: $(cat "$WORK/renew.out")"
"$CTL" member renew node-a --dir "$WORK/admin" --request "$WORK/a/enroll-request.pb" \
  --out "$WORK/a-renewal" >"$WORK/renew.out" || fail "member renew: $(cat "$WORK/renew.out")"
if ls "$WORK/a-renewal" | grep -q key; then fail "member renew wrote a key: $(ls "$WORK/a-renewal")"; fi
"$CTL" member install --bundle "$WORK/a" --from "$WORK/a-renewal" >"$WORK/renew.out" ||
  fail "member install: $(cat "$WORK/renew.out")"
new=$(cert_sha "$WORK/a/node.crt")
[ "$new" != "$old" ] || fail "member renew did not replace node.crt"
wait_until 15 serves "$new" ||
  fail "node-a still serves its old certificate after renew"
"$CTL" member list --dir "$WORK/admin" --json >/dev/null
"$CTL" report --node "$A" --kind counterfeit_confirmed --gtin 4006381333931 --serial OPS-1 >/dev/null
holds_b() {
  AUTHNET_TOKEN=$(cat "$WORK/admin.token") "$CTL" status "${B[@]}" --json | grep -q '"node-a": 1'
}
wait_until 15 holds_b || fail "node-b did not receive node-a's report after the renewal"
roster_b() {
  AUTHNET_TOKEN=$(cat "$WORK/admin.token") "$CTL" status "${B[@]}" --json |
    grep -q "\"roster_version\": $1"
}
wait_until 15 roster_b 4 || fail "node-b did not adopt the renewed roster (version 4)"
kill "${PID[b]}"; wait "${PID[b]}" 2>/dev/null || true
start_b
"$CTL" report --node "$A" --kind counterfeit_confirmed --gtin 4006381333931 --serial OPS-2 >/dev/null
holds_b2() {
  AUTHNET_TOKEN=$(cat "$WORK/admin.token") "$CTL" status "${B[@]}" --json 2>/dev/null |
    grep -q '"node-a": 2'
}
wait_until 20 holds_b2 || fail "a restarted node-b did not sync with the renewed node-a"
grep -q "OPS-1\|4006381333931" "$WORK/a.log" "$WORK/b.log" && fail "a raw identifier reached a log"

step "peer listener TLS posture (openssl s_client): TLS 1.2 and 1.3 only, client certificate required"
# served_bytes VERSION [CERT_ARGS...]: bytes of application data node-a's peer
# listener sends after the handshake (its HTTP/2 SETTINGS frame) - none when
# it refuses the connection. SECLEVEL=0 lets the client offer old versions,
# so a refusal is the server's.
served_bytes() {
  local version=$1; shift
  (sleep 0.5) | timeout 10 openssl s_client -quiet -connect "127.0.0.1:${PORT[a]}" "-$version" \
    -cipher 'DEFAULT:@SECLEVEL=0' -alpn h2 -CAfile "$WORK/a/ca.crt" "$@" 2>/dev/null | wc -c
}
with_cert=(-cert "$WORK/b/node.crt" -key "$WORK/b/node.key")
for v in tls1_2 tls1_3; do
  [ "$(served_bytes "$v" "${with_cert[@]}")" -gt 0 ] || fail "$v with a member certificate was refused"
  [ "$(served_bytes "$v")" -eq 0 ] || fail "$v without a client certificate was served"
done
for v in tls1 tls1_1; do
  [ "$(served_bytes "$v" "${with_cert[@]}")" -eq 0 ] || fail "$v was accepted"
done
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -keyout "$WORK/stranger.key" -out "$WORK/stranger.crt" -subj "/CN=stranger" 2>/dev/null
[ "$(served_bytes tls1_3 -cert "$WORK/stranger.crt" -key "$WORK/stranger.key")" -eq 0 ] ||
  fail "a certificate not signed by the network CA was served"

step "kill -HUP: log.level from the file takes effect without a restart; a bad file is refused"
# reloaded PATTERN: node-a logged a reload line matching PATTERN.
reloaded() { grep -q "$1" "$WORK/a.log"; }
printf '\n[log]\nformat = "json"\nlevel = "error"\n' >"$WORK/a.level"
sed '/^\[log\]$/,/^format = "json"$/d' "$WORK/a.toml" >"$WORK/a.rest"
cat "$WORK/a.rest" "$WORK/a.level" >"$WORK/a.toml"
sed -i "s|^metrics_listen = .*|metrics_listen = \"127.0.0.1:$(free_port)\"|" "$WORK/a.toml"
kill -HUP "${PID[a]}"
wait_until 10 reloaded "configuration reloaded from $WORK/a.toml: applied log.level; need a restart to take effect: metrics_listen" ||
  fail "no reload line after SIGHUP: $(tail -3 "$WORK/a.log")"
kill -0 "${PID[a]}" || fail "node-a exited on SIGHUP"
# A warning (an override is logged at warn) is below the level now.
"$CTL" override add --node "$A" --deny --gtin 4006381333931 --reason "hup test" >/dev/null ||
  fail "override add on node-a"
grep -q "hup test" "$WORK/a.log" && fail "a warn line was written at level error"
sed -i 's/^level = "error"$/level = "loud"/' "$WORK/a.toml"
kill -HUP "${PID[a]}"
wait_until 10 reloaded "configuration refused, the running one is kept: $WORK/a.toml:[0-9]*: log.level: 'loud' is not one of" ||
  fail "a bad file was not refused: $(tail -3 "$WORK/a.log")"
sed -i 's/^level = "loud"$/level = "info"/' "$WORK/a.toml"
kill -HUP "${PID[a]}"
wait_until 10 bash -c "[ \$(grep -c 'applied log.level; need a restart' '$WORK/a.log') -eq 2 ]" ||
  fail "level info not applied: $(tail -3 "$WORK/a.log")"
"$CTL" override remove 1 --node "$A" >/dev/null || fail "override remove on node-a"
wait_until 5 grep -q "local override 1 removed" "$WORK/a.log" || fail "warn lines are not back at level info"
"$CTL" status --node "$A" >/dev/null || fail "node-a stopped answering after the reloads"

echo "operations: all checks passed"
