#!/usr/bin/env bash
# A node never signs a second history for its origin (issue 19), with real
# processes and mTLS peers:
#   - `authnetctl backup` copies a running node's data dir (mode 0600);
#   - `authnetctl restore` refuses a running node's dir, moves the old
#     contents aside and marks the dir: the restored node signs nothing
#     (reports UNAVAILABLE, NOT_SERVING with the reason) until a peer is
#     reached, adopts its own newer batches from it, then continues after
#     them; no node refuses a conflicting batch;
#   - a restore without the marker (a file-system snapshot) is caught on
#     first contact: ALERT, adoption, then signing again;
#   - `restore --from-peers` rebuilds a lost data dir from the network;
#   - a revoked member's node is NOT_SERVING and refuses reports saying so.
#
#   restore_test.sh BIN_DIR
set -euo pipefail

BIN=${1:?usage: restore_test.sh BIN_DIR}
CTL="$BIN/authnetctl"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/authnet-restore-XXXXXX")
declare -A PID=()
cleanup() {
  for p in "${PID[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
# shellcheck source=../testing/lib.sh
source "$(dirname "$0")/../testing/lib.sh"

declare -A PORT=([a]=$(free_port) [b]=$(free_port))
other() { [ "$1" = a ] && echo b || echo a; }
api() { echo "unix:$WORK/$1.sock"; }
status() { "$CTL" status --node "$(api "$1")" --json; }
field() { status "$1" | py "d['$2']"; }
seq_of() { status "$1" | py "d['version_vector'].get('node-$2', 0)"; }  # seq_of NODE ORIGIN
start() {
  "$BIN/authnetd" --bundle "$WORK/bundle-$1" --data "$WORK/$1-data" \
    --peer-listen "127.0.0.1:${PORT[$1]}" --api-listen "$(api "$1")" \
    --peers "127.0.0.1:${PORT[$(other "$1")]}" >>"$WORK/$1.log" 2>&1 &
  PID[$1]=$!
  wait_until 10 "$CTL" status --node "$(api "$1")" || fail "node $1 did not start"
}
stop() {
  kill -TERM "${PID[$1]}" && wait "${PID[$1]}" || true
  unset "PID[$1]"
}
N=0
report() {  # report NODE: one new report; prints its seq
  N=$((N + 1))
  "$CTL" report --node "$(api "$1")" --kind counterfeit_confirmed --seller "restore-$N" --json |
    py "d['seq']"
}
holds() { [ "$(seq_of "$1" "$2")" = "$3" ]; }  # holds NODE ORIGIN SEQ
serving() { [ "$(field "$1" serving)" = "$2" ]; }  # serving NODE True|False

step "two members; node-a reports 3, then is backed up while it runs"
"$CTL" network init --network restorenet --dir "$WORK/admin" >/dev/null || fail "network init"
for n in a b; do
  "$CTL" member add "node-$n" --dir "$WORK/admin" --endpoint "127.0.0.1:${PORT[$n]}" \
    --out "$WORK/bundle-$n" >/dev/null || fail "member add node-$n"
done
start a
start b
for _ in 1 2 3; do report a >/dev/null || fail "report"; done
wait_until 20 holds b a 3 || fail "node-b did not get node-a's 3 records: $(status b)"
"$CTL" backup --data "$WORK/a-data" --out "$WORK/a.backup" >"$WORK/backup.out" ||
  fail "backup: $(cat "$WORK/backup.out")"
grep -q "own log up to seq 3" "$WORK/backup.out" || fail "backup said: $(cat "$WORK/backup.out")"
[ "$(stat -c %a "$WORK/a.backup")" = 600 ] || fail "the backup is not mode 0600"
set +e
"$CTL" backup --data "$WORK/a-data" --out "$WORK/a.backup" 2>"$WORK/err"; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "exists already" "$WORK/err" || fail "backup over a file: $rc $(cat "$WORK/err")"

step "node-a reports 2 more (seqs 4, 5), which node-b holds; restore refuses a running node"
[ "$(report a)" = 4 ] && [ "$(report a)" = 5 ] || fail "reports 4 and 5"
wait_until 20 holds b a 5 || fail "node-b did not get seqs 4-5: $(status b)"
set +e
"$CTL" restore --data "$WORK/a-data" --from "$WORK/a.backup" 2>"$WORK/err"; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "stop it first" "$WORK/err" || fail "restore under a running node: $rc $(cat "$WORK/err")"
holds a a 5 || fail "a refused restore changed node-a: $(status a)"

step "restore the old backup with both nodes stopped: node-a refuses reports and says why"
stop a
stop b
"$CTL" restore --data "$WORK/a-data" --from "$WORK/a.backup" >"$WORK/restore.out" ||
  fail "restore: $(cat "$WORK/restore.out")"
ls -d "$WORK"/a-data/pre-restore-* >/dev/null || fail "the old data dir was not kept aside"
[ -f "$WORK/a-data/restored" ] || fail "no restore marker"
start a
holds a a 3 || fail "the restored node-a should hold seq 3: $(status a)"
set +e
out=$("$CTL" report --node "$(api a)" --kind counterfeit_confirmed --seller early 2>&1); rc=$?
set -e
[ $rc -ne 0 ] && echo "$out" | grep -q "signs no report until a peer confirms" ||
  fail "a restored node took a report before reaching a peer: $rc $out"
[ "$(field a serving)" = False ] || fail "the restored node is SERVING: $(status a)"
field a not_serving_reason | grep -q "restored" || fail "no reason: $(status a)"

step "node-b comes back: node-a adopts seqs 4-5 from it, then signs seq 6"
start b
wait_until 30 holds a a 5 || fail "node-a did not adopt its own seqs 4-5: $(status a)"
wait_until 10 serving a True || fail "node-a did not resume: $(status a)"
[ ! -f "$WORK/a-data/restored" ] || fail "the marker stayed after the recovery"
grep -q "adopting batch 4\.\..* of this node's own origin from a peer" "$WORK/a.log" ||
  fail "no adoption logged"
grep -q "ALERT: " "$WORK/a.log" && fail "an announced restore raised an ALERT: $(grep "ALERT" "$WORK/a.log")"
[ "$(report a)" = 6 ] || fail "node-a did not continue after seq 5"
wait_until 20 holds b a 6 || fail "node-b did not take seq 6: $(status b)"
grep -q "refused batch" "$WORK/b.log" && fail "node-b refused a batch of node-a"
[ "$(field a model_fingerprint)" = "$(field b model_fingerprint)" ] || fail "fingerprints differ"

step "a snapshot restore without the marker: caught on contact (ALERT), adopted, resumed"
stop a
rm -rf "$WORK/a-data"
"$CTL" restore --data "$WORK/a-data" --from "$WORK/a.backup" >/dev/null || fail "restore again"
rm "$WORK/a-data/restored"  # as if the files had been copied back by hand
: >"$WORK/a.log"
start a
wait_until 30 holds a a 6 || fail "node-a did not adopt seqs 4-6: $(status a)"
grep -q "ALERT: .*holds this node's origin node-a up to seq 6, beyond its own log (seq 3)" \
  "$WORK/a.log" || fail "no ALERT when the network was ahead"
wait_until 10 serving a True || fail "node-a did not resume: $(status a)"
[ "$(report a)" = 7 ] || fail "node-a did not continue after seq 6"

step "restore --from-peers: a lost data dir comes back from the network"
wait_until 20 holds b a 7 || fail "node-b did not take seq 7"
stop a
rm -rf "$WORK/a-data"
"$CTL" restore --data "$WORK/a-data" --from-peers >/dev/null || fail "restore --from-peers"
start a
wait_until 30 holds a a 7 || fail "node-a did not get its log back: $(status a)"
wait_until 10 serving a True || fail "node-a did not resume: $(status a)"
[ "$(report a)" = 8 ] || fail "node-a did not continue after seq 7"

step "revoke node-a: NOT_SERVING, reports refused saying so, logged once"
"$CTL" member revoke node-a --dir "$WORK/admin" >/dev/null || fail "member revoke"
"$CTL" roster push --dir "$WORK/admin" --node "$(api b)" >/dev/null || fail "roster push to b"
"$CTL" roster push --dir "$WORK/admin" --node "$(api a)" >/dev/null || fail "roster push to a"
wait_until 10 serving a False || fail "a revoked node is SERVING: $(status a)"
set +e
out=$("$CTL" report --node "$(api a)" --kind counterfeit_confirmed --seller late 2>&1); rc=$?
set -e
[ $rc -ne 0 ] && echo "$out" | grep -q "is revoked in the roster" || fail "revoked report: $rc $out"
[ "$(grep -c "revokes this member (node-a)" "$WORK/a.log")" = 1 ] ||
  fail "the revocation is not logged exactly once: $(grep -c "revokes this member" "$WORK/a.log")"
sleep 12  # node-a's link retries every few seconds; node-b logs its refusals at most once a minute
refusals=$(grep -c "refused peer call from .*node-a\|refused peer call from" "$WORK/b.log" || true)
[ "$refusals" -le 1 ] || fail "node-b logged $refusals refused calls of node-a within 12 s"

echo "restore end-to-end: OK"
