#!/usr/bin/env bash
# Federation end-to-end with real processes and the pinned command line:
# three authnetd in a line (a - b - c), each started by hand with --peers;
# they converge within seconds, one member alone does not deny at another,
# two do; the peer port refuses TLS clients without a client certificate
# and members of another network; after a revocation the revoked member's
# new reports reach no one.
#
#   network_test.sh BIN_DIR
set -euo pipefail

BIN=${1:?usage: network_test.sh BIN_DIR}
CTL="$BIN/authnetctl"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/authnet-net-XXXXXX")
declare -A PID
cleanup() {
  for p in "${PID[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  for f in "$WORK"/*.log; do [ -f "$f" ] && sed "s|^|  $(basename "$f"): |" "$f" >&2; done
  exit 1
}
step() { echo "--- $*"; }
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
api() { echo "unix:$WORK/$1.sock"; }
status() { "$CTL" status --node "$(api "$1")" --json; }
# wait_until SECONDS COMMAND...
wait_until() {
  local secs=$1; shift
  for _ in $(seq 1 $((secs * 10))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}
holds() { status "$1" | grep -q "\"records\": $2,"; }
decision() {
  "$CTL" check --node "$(api "$1")" --gtin 4006381333931 --serial NET-1 --json |
    sed -n 's/.*"decision": "\([a-z]*\)".*/\1/p'
}
fingerprint() { status "$1" | sed -n 's/.*"model_fingerprint": "\([0-9a-f]*\)".*/\1/p'; }

declare -A PORT
for n in a b c x; do PORT[$n]=$(free_port); done
declare -A PEERS=([a]="127.0.0.1:${PORT[b]}" [b]="127.0.0.1:${PORT[a]},127.0.0.1:${PORT[c]}"
                  [c]="127.0.0.1:${PORT[b]}" [x]="127.0.0.1:${PORT[b]}")
start() {  # start NAME BUNDLE
  "$BIN/authnetd" --bundle "$2" --data "$WORK/$1-data" --peer-listen "127.0.0.1:${PORT[$1]}" \
    --api-listen "$(api "$1")" --peers "${PEERS[$1]}" >>"$WORK/$1.log" 2>&1 &
  PID[$1]=$!
  wait_until 10 "$CTL" status --node "$(api "$1")" || fail "node $1 did not start"
}

step "enroll members a, b, c (network netnet) and x (network othernet)"
"$CTL" network init --network netnet --dir "$WORK/admin" >/dev/null
for n in a b c; do
  "$CTL" member add "node-$n" --dir "$WORK/admin" --endpoint "127.0.0.1:${PORT[$n]}" \
    --out "$WORK/bundle-$n" >/dev/null
done
"$CTL" network init --network othernet --dir "$WORK/other-admin" >/dev/null
"$CTL" member add node-x --dir "$WORK/other-admin" --endpoint "127.0.0.1:${PORT[x]}" \
  --out "$WORK/bundle-x" >/dev/null

step "start a - b - c in a line"
for n in a b c; do start "$n" "$WORK/bundle-$n"; done
for n in a b c; do
  wait_until 15 bash -c "! $CTL status --node $(api "$n") --json | grep -q '\"connected\": false'" ||
    fail "$n did not connect to its peers: $(status "$n")"
done

step "a report at one end reaches the other within seconds; one member alone does not deny"
"$CTL" report --node "$(api a)" --kind counterfeit_confirmed --gtin 4006381333931 --serial NET-1 >/dev/null
wait_until 5 holds c 1 || fail "c did not receive a's report: $(status c)"
[ "$(decision c)" = review ] || fail "one member's report at c: want review, got $(decision c)"
[ "$(decision a)" = deny ] || fail "a's own confirmed report: want deny, got $(decision a)"

step "two members' reports deny; every node has the same fingerprint"
"$CTL" report --node "$(api b)" --kind counterfeit_confirmed --gtin 4006381333931 --serial NET-1 >/dev/null
for n in a c; do wait_until 5 holds "$n" 2 || fail "$n did not converge: $(status "$n")"; done
[ "$(decision c)" = deny ] || fail "two members' reports at c: want deny, got $(decision c)"
fp=$(fingerprint a)
for n in b c; do [ "$(fingerprint "$n")" = "$fp" ] || fail "fingerprint of $n differs from a's"; done

step "the peer port refuses a TLS client without a client certificate"
out=$( (sleep 1) | timeout 10 openssl s_client -connect "127.0.0.1:${PORT[b]}" \
  -CAfile "$WORK/bundle-a/ca.crt" -alpn h2 2>&1 || true)
grep -qiE "unexpected eof|alert|handshake failure" <<<"$out" || fail "no-certificate client was not refused: $out"
out=$( (sleep 1) | timeout 10 openssl s_client -connect "127.0.0.1:${PORT[b]}" -tls1_1 2>&1 || true)
grep -q "Cipher is (NONE)" <<<"$out" || fail "TLS 1.1 was accepted: $out"
out=$( (sleep 1) | timeout 10 openssl s_client -connect "127.0.0.1:${PORT[b]}" \
  -CAfile "$WORK/bundle-a/ca.crt" -cert "$WORK/bundle-a/node.crt" -key "$WORK/bundle-a/node.key" \
  -alpn h2 2>&1 || true)
if grep -qiE "unexpected eof|alert" <<<"$out"; then fail "a member's certificate was refused: $out"; fi

step "a member of another network gets nothing through"
start x "$WORK/bundle-x"
"$CTL" report --node "$(api x)" --kind counterfeit_confirmed --gtin 4006381333931 --serial NET-1 >/dev/null
sleep 2
status x | grep -q '"connected": true' && fail "x connected to b: $(status x)"
status b | grep -q '"node-x"' && fail "b holds records of x: $(status b)"
[ "$(status x | grep -o '"records": [0-9]*')" = '"records": 1' ] || fail "x received b's records: $(status x)"

step "revoke c and push the roster to a: within 5 s no one talks to c"
"$CTL" member revoke node-c --dir "$WORK/admin" >/dev/null
"$CTL" roster push --dir "$WORK/admin" --node "$(api a)" >/dev/null
version=$(status a | sed -n 's/.*"roster_version": \([0-9]*\).*/\1/p')
wait_until 5 bash -c "$CTL status --node $(api b) --json | grep -q '\"roster_version\": $version,'" ||
  fail "b did not adopt roster $version: $(status b)"
wait_until 5 bash -c "! $CTL status --node $(api b) --json | grep -q '\"member\": \"node-c\", \"address\": \"[^\"]*\", \"connected\": true'" ||
  fail "b still connected to c: $(status b)"
"$CTL" report --node "$(api c)" --kind counterfeit_confirmed --gtin 4006381333931 --serial NET-2 >/dev/null
sleep 2
for n in a b; do
  if status "$n" | grep -q '"node-c":'; then fail "$n received c's report after the revocation: $(status "$n")"; fi
done

step "SIGTERM stops every node with exit 0"
for n in a b c x; do kill -TERM "${PID[$n]}"; done
for n in a b c x; do
  rc=0
  wait "${PID[$n]}" || rc=$?
  unset "PID[$n]"
  [ $rc -eq 0 ] || fail "node $n exited $rc on SIGTERM"
done
echo "network end-to-end: all steps passed"
