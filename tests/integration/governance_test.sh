#!/usr/bin/env bash
# Governance end-to-end with real processes and the pinned commands (issue 15):
#   - 3 admins, 2 must sign; every admin key but one moved to its holder;
#   - members make their own keys (member keygen), the admins answer with
#     public files only (member add --request), members complete their
#     bundles (member install); no admin-side file holds a member private key;
#   - a roster with one signature is refused by roster push and by a node,
#     and accepted after a second roster sign;
#   - revocation rotates the network key: the revoked member's node stays on
#     the old epoch, the others move on, still deny on evidence from before
#     the rotation, and converge;
#   - encrypted admin keys: a wrong passphrase changes nothing.
#
#   governance_test.sh BIN_DIR
set -euo pipefail

BIN=${1:?usage: governance_test.sh BIN_DIR}
CTL="$BIN/authnetctl"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/authnet-gov-XXXXXX")
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
wait_until() {
  local secs=$1; shift
  for _ in $(seq 1 $((secs * 10))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}
field() { status "$1" | sed -n "s/.*\"$2\": \([0-9]*\).*/\1/p"; }
fingerprint() { status "$1" | sed -n 's/.*"model_fingerprint": "\([0-9a-f]*\)".*/\1/p'; }
decision() {  # decision NODE SERIAL
  "$CTL" check --node "$(api "$1")" --gtin 4006381333931 --serial "$2" --json |
    sed -n 's/.*"decision": "\([a-z]*\)".*/\1/p'
}
report() {  # report NODE SERIAL
  "$CTL" report --node "$(api "$1")" --kind counterfeit_confirmed --gtin 4006381333931 \
    --serial "$2" >/dev/null || fail "report $2 at $1"
}
ADMIN="$WORK/admin"
sign2() {  # the second admin's holder signs what waits
  "$CTL" roster sign --dir "$ADMIN" --key "$WORK/holder-2/admin-2.key" >"$WORK/sign.out" ||
    fail "roster sign: $(cat "$WORK/sign.out")"
  grep -q "in $ADMIN/roster.pb" "$WORK/sign.out" || fail "one more signature did not complete it"
}

declare -A PORT
for n in a b c; do PORT[$n]=$(free_port); done

step "network init --admins 3 --threshold 2; the admin keys go to their holders"
"$CTL" network init --network govnet --dir "$ADMIN" --admins 3 --threshold 2 </dev/null \
  >"$WORK/init.out" || fail "network init: $(cat "$WORK/init.out")"
grep -q "NOT encrypted" "$WORK/init.out" || fail "init did not say the keys are unencrypted"
grep -q "2 of 3 admin signatures" "$WORK/init.out" || fail "init: $(cat "$WORK/init.out")"
ADMIN_SET=$(sed -n 's/^admin set \([0-9a-f]\{16\}\):.*/\1/p' "$WORK/init.out")
[ -n "$ADMIN_SET" ] || fail "init did not print the admin set fingerprint"
mkdir -m 700 "$WORK/holder-2" "$WORK/holder-3"
mv "$ADMIN/admin-2.key" "$WORK/holder-2/"; mv "$ADMIN/admin-3.key" "$WORK/holder-3/"

step "members a, b, c: keygen on their machine, add --request, sign, install"
for n in a b c; do
  "$CTL" member keygen "node-$n" --network govnet --endpoint "127.0.0.1:${PORT[$n]}" \
    --out "$WORK/bundle-$n" >/dev/null || fail "keygen node-$n"
  "$CTL" member add "node-$n" --dir "$ADMIN" --request "$WORK/bundle-$n/enroll-request.pb" \
    --out "$WORK/enroll-$n" >"$WORK/add.out" || fail "member add node-$n: $(cat "$WORK/add.out")"
  grep -q "waits for admin signatures: it has 1 of the 2" "$WORK/add.out" ||
    fail "one admin key enrolled alone: $(cat "$WORK/add.out")"
  if "$CTL" member install --bundle "$WORK/bundle-$n" --from "$WORK/enroll-$n" 2>"$WORK/err"; then
    fail "install worked without a signed roster"
  fi
  grep -q "roster.pb" "$WORK/err" || fail "install without roster: $(cat "$WORK/err")"
  sign2
  cp "$ADMIN/roster.pb" "$WORK/enroll-$n/"
  "$CTL" member install --bundle "$WORK/bundle-$n" --from "$WORK/enroll-$n" \
    --admin-set "$ADMIN_SET" >/dev/null || fail "member install node-$n"
done

step "no file the admin side read or wrote holds a member's private key"
for n in a b c; do
  for key in node.key signing.key sealing.key; do
    # Key material: characters 49-64 of the base64 body's first line (past
    # the fixed PKCS#8 prefix every key of a type shares).
    secret=$(sed -n 2p "$WORK/bundle-$n/$key" | cut -c49-64)
    if grep -rqF -- "$secret" "$ADMIN" "$WORK/enroll-$n" "$WORK/bundle-$n/enroll-request.pb"; then
      fail "node-$n's $key appears on the admin side"
    fi
  done
  if grep -rq "PRIVATE KEY" "$WORK/enroll-$n" "$WORK/bundle-$n/enroll-request.pb"; then
    fail "an enrollment answer holds a private key"
  fi
done

step "the network federates and converges"
start() {
  "$BIN/authnetd" --bundle "$WORK/bundle-$1" --data "$WORK/$1-data" \
    --peer-listen "127.0.0.1:${PORT[$1]}" --api-listen "$(api "$1")" >>"$WORK/$1.log" 2>&1 &
  PID[$1]=$!
  wait_until 10 "$CTL" status --node "$(api "$1")" || fail "node $1 did not start"
}
for n in a b c; do start "$n"; done
# a and c report the same unit before any rotation (epoch 1).
report a GOV-1
report c GOV-1
converged() {
  [ "$(field a records)" = "$1" ] && [ "$(field b records)" = "$1" ] &&
    [ "$(field c records)" = "$1" ] && [ "$(fingerprint a)" = "$(fingerprint b)" ] &&
    [ "$(fingerprint b)" = "$(fingerprint c)" ]
}
wait_until 20 converged 2 || fail "the network did not converge: $(status a) $(status b)"
[ "$(decision b GOV-1)" = deny ] || fail "two members' evidence at b: $(decision b GOV-1)"
[ "$(field b key_epoch)" = 1 ] || fail "key_epoch: $(status b)"

step "revoke node-b: one signature is refused by roster push and by a node"
"$CTL" member revoke node-b --dir "$ADMIN" >"$WORK/revoke.out" || fail "revoke: $(cat "$WORK/revoke.out")"
grep -q "started network key epoch 2" "$WORK/revoke.out" || fail "revoke did not rotate: $(cat "$WORK/revoke.out")"
if "$CTL" roster push --dir "$ADMIN" --node "$(api a)" 2>"$WORK/err"; then
  fail "roster push sent a roster with one signature"
fi
grep -q "has 1 valid signature" "$WORK/err" || fail "roster push: $(cat "$WORK/err")"
# Hand the one-signature roster to node a through its bundle: refused.
cp "$WORK/bundle-a/roster.pb" "$WORK/roster-a.saved"
cp "$ADMIN/roster.proposed.pb" "$WORK/bundle-a/roster.pb"
wait_until 15 grep -q "is refused: roster: has 1 valid signature" "$WORK/a.log" ||
  fail "node a did not refuse a roster with one signature"
cp "$WORK/roster-a.saved" "$WORK/bundle-a/roster.pb"
[ "$(field a roster_version)" = 4 ] || fail "node a adopted it: $(status a)"

step "a second signature: pushed, adopted by every node; the key rotates away from node-b"
sign2
"$CTL" roster push --dir "$ADMIN" --node "$(api a)" >/dev/null || fail "roster push"
# The revoked node's calls are refused by the others: it learns by a push.
"$CTL" roster push --dir "$ADMIN" --node "$(api b)" >/dev/null || fail "roster push to b"
epochs() { [ "$(field a key_epoch)" = 2 ] && [ "$(field c key_epoch)" = 2 ] && [ "$(field b roster_version)" = 5 ]; }
wait_until 15 epochs || fail "the rotation did not reach a and c: $(status a) $(status c)"
[ "$(field b key_epoch)" = 1 ] || fail "revoked node-b holds the new epoch: $(status b)"
grep -q "network key epoch 2" "$WORK/a.log" || fail "a did not log the new epoch"

step "evidence from before the rotation still denies; new reports use epoch 2; the rest converge"
[ "$(decision c GOV-1)" = deny ] || fail "pre-rotation evidence at c: $(decision c GOV-1)"
[ "$(decision a GOV-1)" = deny ] || fail "pre-rotation evidence at a: $(decision a GOV-1)"
report a GOV-2
report c GOV-2
two() { [ "$(field a records)" = 4 ] && [ "$(field c records)" = 4 ] && [ "$(fingerprint a)" = "$(fingerprint c)" ]; }
wait_until 20 two || fail "a and c did not converge after the rotation: $(status a) $(status c)"
[ "$(decision a GOV-2)" = deny ] || fail "post-rotation evidence: $(decision a GOV-2)"

step "encrypted admin keys: a wrong passphrase writes nothing"
printf 'right horse battery\n' >"$WORK/pass"; printf 'wrong\n' >"$WORK/bad-pass"
"$CTL" network init --network locknet --dir "$WORK/locked" --passphrase-file "$WORK/pass" \
  >"$WORK/init2.out" || fail "init with passphrase"
grep -q "ENCRYPTED PRIVATE KEY" "$WORK/locked/admin-1.key" || fail "admin-1.key is not encrypted"
before=$(sha256sum "$WORK/locked/roster.pb")
if "$CTL" member add demo-1 --dir "$WORK/locked" --endpoint 127.0.0.1:9 --out "$WORK/demo-1" \
  --passphrase-file "$WORK/bad-pass" 2>"$WORK/err"; then fail "a wrong passphrase signed"; fi
grep -q "passphrase is wrong" "$WORK/err" || fail "wrong passphrase: $(cat "$WORK/err")"
[ "$(sha256sum "$WORK/locked/roster.pb")" = "$before" ] || fail "a wrong passphrase changed the roster"
[ ! -e "$WORK/demo-1" ] || fail "a wrong passphrase wrote a bundle"
"$CTL" member add demo-1 --dir "$WORK/locked" --endpoint 127.0.0.1:9 --out "$WORK/demo-1" \
  --passphrase-file "$WORK/pass" >/dev/null || fail "the right passphrase did not sign"

echo "governance end-to-end: OK"
