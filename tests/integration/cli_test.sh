#!/usr/bin/env bash
# End-to-end test with real processes: authnetctl creates a network and a
# member bundle, authnetd serves it, and authnetctl reports and checks the
# way an operator would. Covers the pinned command-line contract, durability
# across kill -9, and that raw identifiers reach neither disk nor logs.
#
#   cli_test.sh BIN_DIR
set -euo pipefail

BIN=${1:?usage: cli_test.sh BIN_DIR}
CTL="$BIN/authnetctl"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/authnet-cli-XXXXXX")
NODE_PID=""
cleanup() {
  if [ -n "$NODE_PID" ]; then kill -9 "$NODE_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; [ -f "$LOG" ] && sed 's/^/  node: /' "$LOG" >&2; exit 1; }
step() { echo "--- $*"; }

API="unix:$WORK/api.sock"
LOG="$WORK/node.log"
SERIAL="CLI-SERIAL-9f3a71"
GTIN=4006381333931

start_node() {  # start_node [extra authnetd flags...]
  "$BIN/authnetd" --bundle "$WORK/acme" --data "$WORK/data" --peer-listen 127.0.0.1:0 \
    --api-listen "$API" "$@" >>"$LOG" 2>&1 &
  NODE_PID=$!
  for _ in $(seq 1 100); do
    if "$CTL" status --node "$API" >/dev/null 2>&1; then return 0; fi
    kill -0 "$NODE_PID" 2>/dev/null || fail "authnetd exited during start-up"
    sleep 0.1
  done
  fail "authnetd did not answer on $API within 10 s"
}

expect_decision() {  # expect_decision WANT [check flags...]
  local want=$1; shift
  local out
  out=$("$CTL" check --node "$API" --json "$@") || fail "check $* failed"
  echo "$out" | grep -q "\"decision\": \"$want\"" || fail "check $*: want $want, got $out"
  echo "$out"
}

step "network init and member add"
"$CTL" network init --network clinet --dir "$WORK/admin" >/dev/null
"$CTL" member add acme --dir "$WORK/admin" --endpoint 127.0.0.1:7701 --out "$WORK/acme" >/dev/null
[ "$(stat -c %a "$WORK/acme/node.key")" = 600 ] || fail "node.key is not mode 0600"
[ "$(stat -c %a "$WORK/acme/signing.key")" = 600 ] || fail "signing.key is not mode 0600"
"$CTL" member list --dir "$WORK/admin" --json | grep -q '"id": "acme"' || fail "member list lacks acme"

step "authnetd refuses a bad bundle and a non-loopback api address"
set +e
"$BIN/authnetd" --bundle "$WORK/nope" --data "$WORK/d2" --peer-listen 127.0.0.1:0 --api-listen "$API" 2>"$WORK/err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "missing bundle: exit $rc, want 1"
[ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "missing bundle: want one line, got: $(cat "$WORK/err")"
grep -q "no such directory; check the path" "$WORK/err" || fail "missing bundle: $(cat "$WORK/err")"
set +e
"$BIN/authnetd" --bundle "$WORK/acme" --data "$WORK/d3" --peer-listen 127.0.0.1:0 --api-listen 0.0.0.0:7799 2>"$WORK/err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "public api address: exit $rc, want 1"
grep -q -- "--api-listen" "$WORK/err" || fail "public api address: error does not name --api-listen"

step "start authnetd"
start_node

step "report a confirmed counterfeit unit"
out=$("$CTL" report --node "$API" --kind counterfeit_confirmed --gtin $GTIN --serial "$SERIAL" --json)
echo "$out" | grep -q '"accepted": 1' || fail "report: $out"
echo "$out" | grep -q '"seq": 1' || fail "report: $out"

step "the unit is denied with reasons; another serial is allowed"
out=$(expect_decision deny --gtin $GTIN --serial "$SERIAL")
echo "$out" | grep -q '"code": "counterfeit_confirmed"' || fail "no reason in $out"
expect_decision allow --gtin $GTIN --serial OTHER-SERIAL >/dev/null

step "a bad GTIN is refused, naming gtin, and stores nothing"
set +e
"$CTL" report --node "$API" --kind counterfeit_confirmed --gtin 4006381333932 --serial S 2>"$WORK/err"
rc=$?
set -e
[ $rc -ne 0 ] || fail "bad gtin accepted"
grep -q "gtin" "$WORK/err" || fail "bad gtin error does not name gtin: $(cat "$WORK/err")"
set +e
"$CTL" report --node "$API" --kind no_such_kind --gtin $GTIN 2>/dev/null
rc=$?
set -e
[ $rc -eq 2 ] || fail "unknown kind: exit $rc, want 2"
"$CTL" status --node "$API" --json | grep -q '"records": 1' || fail "bad input changed the record count"

# No supplier has a history yet, so no alerts; --no-follow returns at once.
alerts=$("$CTL" alerts --node "$API" --no-follow --json) || fail "alerts --no-follow failed"
[ -z "$alerts" ] || fail "unexpected alerts: $alerts"
"$CTL" alerts --node "$API" --no-follow | grep -q "^no supplier alerts held by the node" ||
  fail "alerts --no-follow does not say there are none"
set +e
"$CTL" alerts --node "unix:$WORK/nobody.sock" 2>"$WORK/err"; code=$?
set -e
[ "$code" -eq 1 ] && grep -q "is authnetd running" "$WORK/err" ||
  fail "alerts against no node gave exit $code: $(cat "$WORK/err")"

step "status --json"
status=$("$CTL" status --node "$API" --json)
for key in member roster_version records model_fingerprint version_vector peers; do
  echo "$status" | grep -q "\"$key\":" || fail "status lacks $key: $status"
done
echo "$status" | grep -q '"acme": 1' || fail "version vector: $status"
fingerprint=$(echo "$status" | sed -n 's/.*"model_fingerprint": "\([0-9a-f]*\)".*/\1/p')

step "roster show from the bundle and from the node"
out=$("$CTL" roster show --bundle "$WORK/acme") || fail "roster show --bundle failed"
echo "$out" | grep -q '^network "clinet", roster version 2, expires ' || fail "roster show: $out"
echo "$out" | grep -qE '^acme +active +127\.0\.0\.1:7701 +1\.0 +platform$' || fail "roster show: $out"
[ "$("$CTL" roster show --node "$API" --json)" = "$("$CTL" roster show --bundle "$WORK/acme" --json)" ] ||
  fail "roster show --node and --bundle differ"
mkdir -m 700 "$WORK/bad" && cp "$WORK"/acme/{roster.pb,admin.pub,node.crt} "$WORK/bad/"
head -c 40 "$WORK/acme/roster.pb" >"$WORK/bad/roster.pb"
set +e
"$CTL" roster show --bundle "$WORK/bad" 2>"$WORK/err"; code=$?
set -e
[ "$code" -eq 1 ] && [ "$(wc -l <"$WORK/err")" -eq 1 ] && grep -q "bundle $WORK/bad: roster.pb" "$WORK/err" ||
  fail "damaged roster.pb gave exit $code: $(cat "$WORK/err")"

step "kill -9 and restart: the acknowledged report still counts"
kill -9 "$NODE_PID"
wait "$NODE_PID" 2>/dev/null || true
NODE_PID=""
LOG="$WORK/node-json.log"
start_node --log-format json
expect_decision deny --gtin $GTIN --serial "$SERIAL" >/dev/null
"$CTL" status --node "$API" --json | grep -q "\"model_fingerprint\": \"$fingerprint\"" ||
  fail "fingerprint changed across restart"

step "retract: the report no longer counts; bad flags and seqs change nothing"
# retract_fails WANT_EXIT WANT_TEXT ARGS...: authnetctl retract ARGS exits WANT_EXIT saying WANT_TEXT.
retract_fails() {
  local want=$1 text=$2 rc
  shift 2
  set +e
  "$CTL" retract --node "$API" "$@" >/dev/null 2>"$WORK/err"; rc=$?
  set -e
  [ "$rc" -eq "$want" ] && grep -q -- "$text" "$WORK/err" ||
    fail "retract $*: exit $rc, want $want saying '$text': $(cat "$WORK/err")"
}
retract_fails 2 "--seq is required"
retract_fails 2 "--seq: '0' is not a record seq" --seq 0
retract_fails 2 "--count: 'many' is not a number from 1" --seq 1 --count many
retract_fails 1 "seq" --seq 99
"$CTL" status --node "$API" --json | grep -q '"records": 1' || fail "a refused retract wrote a record"
out=$("$CTL" retract --node "$API" --seq 1 --json) || fail "retract --seq 1"
[ "$out" = '{"retracted": 1, "seq": 2}' ] || fail "retract --json: $out"
expect_decision allow --gtin $GTIN --serial "$SERIAL" >/dev/null
"$CTL" retract --node "$API" --seq 1 | grep -q "^nothing to retract in seq 1: already retracted" ||
  fail "a second retract of seq 1: $("$CTL" retract --node "$API" --seq 1 2>&1)"

step "SIGTERM drains and exits 0"
kill -TERM "$NODE_PID"
set +e
wait "$NODE_PID"
rc=$?
set -e
NODE_PID=""
[ $rc -eq 0 ] || fail "authnetd exited $rc on SIGTERM"

step "--log-format json writes one JSON object per line"
python3 -c '
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
assert lines, "no log lines"
for l in lines:
    o = json.loads(l)
    assert {"ts", "level", "logger", "msg"} <= o.keys(), o
' "$WORK/node-json.log" || fail "json log lines do not parse"

step "the raw serial is in no file under the data dir and in no log line"
if grep -rqiF "$SERIAL" "$WORK/data"; then fail "raw serial found under the data dir"; fi
if grep -qiF "$SERIAL" "$WORK/node.log" "$WORK/node-json.log"; then fail "raw serial found in a log"; fi
if grep -rqF "$GTIN" "$WORK/data"; then fail "raw gtin found under the data dir"; fi

echo "cli end-to-end: all steps passed"
