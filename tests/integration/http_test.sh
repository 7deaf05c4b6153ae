#!/usr/bin/env bash
# The HTTP/JSON api and GS1 input as integrators use them (issue 17), with
# real processes: curl against --http-listen, authnetctl over gRPC beside it,
# a remote HTTPS listener with bearer tokens, and `authnetctl --gs1`.
#
#   http_test.sh BIN_DIR
set -euo pipefail

BIN=${1:?usage: http_test.sh BIN_DIR}
CTL="$BIN/authnetctl"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/authnet-http-XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -n 20 "$WORK"/*.log >&2 2>/dev/null || true; exit 1; }
step() { echo "--- $*"; }

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() {  # wait_for API_ADDR [authnetctl flags...]
  for _ in $(seq 1 100); do
    if "$CTL" status --node "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  fail "no node answered on $1"
}

"$CTL" network init --network httpnet --dir "$WORK/admin" >/dev/null
"$CTL" member add acme --dir "$WORK/admin" --endpoint 127.0.0.1:7701 --out "$WORK/acme" >/dev/null

step "--http-listen off loopback without TLS files is refused, naming the flag"
set +e
"$BIN/authnetd" --bundle "$WORK/acme" --data "$WORK/d0" --peer-listen 127.0.0.1:0 \
  --api-listen "unix:$WORK/x.sock" --http-listen 0.0.0.0:8080 2>"$WORK/err"
rc=$?
set -e
[ $rc -eq 1 ] && grep -q -- "--http-listen: '0.0.0.0:8080' is not a loopback address" "$WORK/err" ||
  fail "exit $rc: $(cat "$WORK/err")"

step "a local node: curl and authnetctl give the same answers"
HTTP_PORT=$(free_port)
API="unix:$WORK/api.sock"
"$BIN/authnetd" --bundle "$WORK/acme" --data "$WORK/data" --peer-listen 127.0.0.1:0 \
  --api-listen "$API" --http-listen "127.0.0.1:$HTTP_PORT" >"$WORK/node.log" 2>&1 &
PIDS+=($!)
wait_for "$API"
H="http://127.0.0.1:$HTTP_PORT"
post() { curl -sS -o "$WORK/body" -w '%{http_code}' -H 'Content-Type: application/json' -d "$2" "$H$1"; }

code=$(post /v1/report '{"subjects": {"gtin": "9506000134352", "serial": "GS1-CLI-1"}, "kind": "SIGNAL_KIND_COUNTERFEIT_CONFIRMED", "idempotencyKey": "http-1"}')
[ "$code" = 200 ] && grep -q '"accepted":1' "$WORK/body" || fail "report: $code $(cat "$WORK/body")"
code=$(post /v1/check '{"subjects": {"gtin": "9506000134352", "serial": "GS1-CLI-1"}}')
[ "$code" = 200 ] && grep -q '"decision":"DECISION_DENY"' "$WORK/body" || fail "check: $code $(cat "$WORK/body")"
"$CTL" check --node "$API" --json --gtin 9506000134352 --serial GS1-CLI-1 | grep -q '"decision": "deny"' ||
  fail "gRPC check does not deny what HTTP denies"

step "bad input is 400 naming the field"
code=$(post /v1/check '{"subjects": {"gtin": "9506000134353"}}')
[ "$code" = 400 ] && grep -q '"code":"INVALID_ARGUMENT","message":"subjects.gtin: check digit' "$WORK/body" ||
  fail "bad gtin: $code $(cat "$WORK/body")"
code=$(post /v1/report '{"subjects": {"gtin": "9506000134352", "serial": "bad serial"}, "kind": "SIGNAL_KIND_COUNTERFEIT_SUSPECTED"}')
[ "$code" = 400 ] && grep -q '"message":"subjects.serial: contains a character outside' "$WORK/body" ||
  fail "bad serial: $code $(cat "$WORK/body")"

step "authnetctl --gs1 in each of the three forms denies the unit reported by fields"
for scan in '(01)09506000134352(21)GS1-CLI-1' "$(printf ']d20109506000134352\x1d21GS1-CLI-1')" \
  'https://id.gs1.org/01/09506000134352/21/GS1-CLI-1?17=291231'; do
  "$CTL" check --node "$API" --json --gs1 "$scan" | grep -q '"decision": "deny"' || fail "--gs1 $scan"
done
set +e
"$CTL" check --node "$API" --gs1 '(01)09506000134352(21)ABCDEFGHIJKLMNOPQRSTU' 2>"$WORK/err"
rc=$?
set -e
[ $rc -eq 2 ] && grep -q 'subjects.gs1: (21) serial longer than 20 characters' "$WORK/err" ||
  fail "a long (21): exit $rc, $(cat "$WORK/err")"

step "seller names match across case, spacing and composition; serials keep their case"
"$CTL" report --node "$API" --kind counterfeit_confirmed --seller 'Müller Shop' >/dev/null
for name in 'MÜLLER  SHOP' "$(printf 'Mu\xcc\x88ller Shop')" "$(printf '\xef\xbc\xad\xc3\x9c\xef\xbc\xac\xef\xbc\xac\xef\xbc\xa5\xef\xbc\xb2 Shop')"; do
  "$CTL" check --node "$API" --json --seller "$name" | grep -q '"code": "counterfeit_confirmed"' ||
    fail "seller '$name' does not match 'Müller Shop'"
done
"$CTL" check --node "$API" --json --gtin 9506000134352 --serial gs1-cli-1 | grep -q '"decision": "allow"' ||
  fail "a serial differing only in case matched"

step "a remote HTTPS listener needs a token; /v1/status needs an admin one"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -keyout "$WORK/api.key" -out "$WORK/api.crt" -subj "/CN=authnet-http-test" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
chmod 600 "$WORK/api.key"
"$CTL" member add bolt --dir "$WORK/admin" --endpoint 127.0.0.1:7702 --out "$WORK/bolt" >/dev/null
install -d -m 0700 "$WORK/bolt-data"
"$CTL" token create shop --data "$WORK/bolt-data" >"$WORK/shop.token" 2>/dev/null
"$CTL" token create ops --data "$WORK/bolt-data" --admin >"$WORK/ops.token" 2>/dev/null
TLS_PORT=$(free_port)
BOLT_API="unix:$WORK/bolt.sock"
"$BIN/authnetd" --bundle "$WORK/bolt" --data "$WORK/bolt-data" --peer-listen 127.0.0.1:0 \
  --api-listen "$BOLT_API" --http-listen "0.0.0.0:$TLS_PORT" \
  --api-tls-cert "$WORK/api.crt" --api-tls-key "$WORK/api.key" >"$WORK/bolt.log" 2>&1 &
PIDS+=($!)
wait_for "$BOLT_API"
S="https://127.0.0.1:$TLS_PORT"
https() { curl -sS --cacert "$WORK/api.crt" -o "$WORK/body" -w '%{http_code}' "$@"; }
code=$(https -H 'Content-Type: application/json' -d '{"subjects": {"gtin": "96385074"}}' "$S/v1/check")
[ "$code" = 401 ] && grep -q UNAUTHENTICATED "$WORK/body" || fail "no token: $code $(cat "$WORK/body")"
code=$(https -H "Authorization: Bearer $(cat "$WORK/shop.token")" -H 'Content-Type: application/json' \
  -d '{"subjects": {"gtin": "96385074"}}' "$S/v1/check")
[ "$code" = 200 ] && grep -q DECISION_ALLOW "$WORK/body" || fail "checkout token: $code $(cat "$WORK/body")"
code=$(https -H "Authorization: Bearer $(cat "$WORK/shop.token")" "$S/v1/status")
[ "$code" = 403 ] && grep -q PERMISSION_DENIED "$WORK/body" || fail "status, checkout token: $code"
code=$(https -H "Authorization: Bearer $(cat "$WORK/ops.token")" "$S/v1/status")
[ "$code" = 200 ] && grep -q '"member":"bolt"' "$WORK/body" || fail "status, admin token: $code $(cat "$WORK/body")"
code=$(curl -sS -o /dev/null -w "%{http_code}" "http://127.0.0.1:$TLS_PORT/v1/status" 2>/dev/null || true)
[ "$code" != 200 ] || fail "plain HTTP to the HTTPS listener was answered"

echo "PASS"
