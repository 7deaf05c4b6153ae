#!/usr/bin/env bash
# Failover without loss (issue 16): a PostgreSQL primary with a synchronous
# standby; authnetd reports to the primary through a multi-host URL
# (target_session_attrs=read-write). The primary is killed with SIGKILL in
# the middle of a stream of reports and the standby promoted (as Patroni or
# a managed service would): checks keep answering throughout, reports fail
# UNAVAILABLE while no primary is reachable and resume by themselves, and
# every acknowledged report is on the promoted server and in the node after
# a restart.
#
#   failover_test.sh BIN_DIR
set -euo pipefail

BIN=${1:?usage: failover_test.sh BIN_DIR}
CTL="$BIN/authnetctl"
HERE=$(cd "$(dirname "$0")" && pwd)
PGC="$HERE/../testing/pg_cluster.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/authnet-failover-XXXXXX")
NODE_PID=""
cleanup() {
  [ -n "$NODE_PID" ] && kill -9 "$NODE_PID" 2>/dev/null || true
  "$PGC" stop "$WORK/pg2" immediate || true
  "$PGC" stop "$WORK/pg1" immediate || true
  [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$WORK"/*.log "$WORK"/pg*/server.log; do
    [ -f "$f" ] && tail -30 "$f" | sed "s|^|  $(basename "$f"): |" >&2
  done
  exit 1
}
step() { echo "--- $*"; }
wait_until() {
  local secs=$1; shift
  for _ in $(seq 1 $((secs * 10))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}
API="unix:$WORK/node.sock"
check() { "$CTL" check --node "$API" --gtin 4006381333931 --serial "$1" --json; }

step "primary pg1 with a synchronous standby pg2"
URL1=$("$PGC" start "$WORK/pg1")
psql "$URL1" -XAtq -c "CREATE DATABASE authnet"
"$PGC" standby "$WORK/pg2" "$WORK/pg1" >/dev/null
psql "$URL1" -XAtq -c "ALTER SYSTEM SET synchronous_standby_names = 'standby'" \
  -c "ALTER SYSTEM SET synchronous_commit = 'on'" -c "SELECT pg_reload_conf()" >/dev/null
wait_until 20 bash -c "[ \"\$(psql '$URL1' -XAtq -c \"SELECT sync_state FROM pg_stat_replication\")\" = sync ]" ||
  fail "pg2 did not become a synchronous standby"
STORE="host=$WORK/pg1,$WORK/pg2 port=5432,5433 user=authnet dbname=authnet target_session_attrs=read-write connect_timeout=2"

"$CTL" network init --network fonet --dir "$WORK/admin" >/dev/null
"$CTL" member add acme --dir "$WORK/admin" --endpoint 127.0.0.1:1 --out "$WORK/bundle" >/dev/null
start_node() {
  "$BIN/authnetd" --bundle "$WORK/bundle" --data "$WORK/data" --peer-listen 127.0.0.1:0 \
    --api-listen "$API" --store "$STORE" --replica acme-1 >>"$WORK/node.log" 2>&1 &
  NODE_PID=$!
  wait_until 15 "$CTL" status --node "$API" || fail "authnetd did not start"
}
start_node

step "a stream of reports; pg1 killed -9 in the middle, pg2 promoted"
: >"$WORK/acked"; : >"$WORK/refused"
(
  for i in $(seq 1 400); do
    if out=$("$CTL" report --node "$API" --kind counterfeit_confirmed --gtin 4006381333931 \
      --serial "FO-$i" --json 2>&1); then
      echo "FO-$i" >>"$WORK/acked"
    else
      echo "FO-$i $out" >>"$WORK/refused"
    fi
    sleep 0.01
  done
) &
reporter=$!
wait_until 20 bash -c "[ \$(wc -l <'$WORK/acked') -ge 50 ]" || fail "reports are not acknowledged"
kill -9 "$(head -1 "$WORK/pg1/data/postmaster.pid")"
first_acked=$(wc -l <"$WORK/acked")
step "while no primary is reachable: checks answer, reports fail UNAVAILABLE"
check FO-1 | grep -q '"decision": "deny"' || fail "a check did not answer from memory: $(check FO-1)"
wait_until 10 grep -q "durable" "$WORK/refused" ||
  fail "no report was refused while no primary was reachable ($(wc -l <"$WORK/acked") acknowledged): $(tail -3 "$WORK/refused")"
"$PGC" promote "$WORK/pg2"
wait_until 30 bash -c "[ \$(wc -l <'$WORK/acked') -gt $((first_acked + 20)) ]" ||
  fail "reports did not resume after promotion: $(tail -3 "$WORK/refused")"
wait "$reporter" || true
echo "    $(wc -l <"$WORK/acked") acknowledged, $(wc -l <"$WORK/refused") refused during the failover"

step "every acknowledged report is on the promoted server and in the node after a restart"
URL2="host=$WORK/pg2 port=5433 user=authnet dbname=authnet"
stored=$(psql "$URL2" -XAtq -c "SELECT last_seq FROM authnet_heads WHERE origin = 'acme'")
[ "$stored" -ge "$(wc -l <"$WORK/acked")" ] ||
  fail "pg2 holds $stored records, $(wc -l <"$WORK/acked") were acknowledged"
kill "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true
start_node
while read -r serial; do
  check "$serial" | grep -q '"decision": "deny"' || fail "acknowledged $serial is lost"
done <"$WORK/acked"
echo "PASS"
