#!/usr/bin/env bash
# Replicas of one member on PostgreSQL (issue 16), real processes and a real
# throwaway PostgreSQL cluster: two authnetd with the same bundle and the
# same --store serve as one member. A report taken by one is denied on the
# other; an idempotency key retried on the other answers the first seq;
# reports to both, with one replica killed -9 in the middle, lose nothing
# acknowledged; a peer (bolt) syncs from either replica and sees one member
# with one version vector; peer batches ingested by both are stored once.
#
#   replicas_test.sh BIN_DIR
set -euo pipefail

BIN=${1:?usage: replicas_test.sh BIN_DIR}
CTL="$BIN/authnetctl"
HERE=$(cd "$(dirname "$0")" && pwd)
PGC="$HERE/../testing/pg_cluster.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/authnet-replicas-XXXXXX")
declare -A PID
cleanup() {
  for p in "${PID[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  "$PGC" stop "$WORK/pg" immediate || true
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  for f in "$WORK"/*.log; do [ -f "$f" ] && tail -40 "$f" | sed "s|^|  $(basename "$f"): |" >&2; done
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
  for _ in $(seq 1 $((secs * 20))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.05
  done
  return 1
}
records() { status "$1" | sed -n 's/.*"records": \([0-9]*\),.*/\1/p'; }
holds() { [ "$(records "$1")" = "$2" ]; }
vv() { status "$1" | sed -n 's/.*"version_vector": \({[^}]*}\).*/\1/p'; }
fingerprint() { status "$1" | sed -n 's/.*"model_fingerprint": "\([0-9a-f]*\)".*/\1/p'; }
decision() {  # NODE SERIAL
  "$CTL" check --node "$(api "$1")" --gtin 4006381333931 --serial "$2" --json |
    sed -n 's/.*"decision": "\([a-z]*\)".*/\1/p'
}
psql_q() { psql "$DB" -XAtq -c "$1"; }

step "a throwaway PostgreSQL cluster, database authnet"
URL=$("$PGC" start "$WORK/pg")
psql "$URL" -XAtq -c "CREATE DATABASE authnet"
DB=${URL/dbname=postgres/dbname=authnet}

declare -A PORT
for n in r1 r2 bolt; do PORT[$n]=$(free_port); done
"$CTL" network init --network hanet --dir "$WORK/admin" >/dev/null
"$CTL" member add acme --dir "$WORK/admin" --endpoint "127.0.0.1:${PORT[r1]}" \
  --out "$WORK/bundle-acme" >/dev/null
"$CTL" member add bolt --dir "$WORK/admin" --endpoint "127.0.0.1:${PORT[bolt]}" \
  --out "$WORK/bundle-bolt" >/dev/null

start_replica() {  # NAME
  "$BIN/authnetd" --bundle "$WORK/bundle-acme" --data "$WORK/$1-data" \
    --peer-listen "127.0.0.1:${PORT[$1]}" --api-listen "$(api "$1")" \
    --peers "127.0.0.1:${PORT[bolt]}" --store "$DB" --replica "acme-$1" >>"$WORK/$1.log" 2>&1 &
  PID[$1]=$!
  wait_until 15 "$CTL" status --node "$(api "$1")" || fail "replica $1 did not start"
}
start_bolt() {  # PEERS
  "$BIN/authnetd" --bundle "$WORK/bundle-bolt" --data "$WORK/bolt-data" \
    --peer-listen "127.0.0.1:${PORT[bolt]}" --api-listen "$(api bolt)" \
    --peers "$1" >>"$WORK/bolt.log" 2>&1 &
  PID[bolt]=$!
  wait_until 15 "$CTL" status --node "$(api bolt)" || fail "bolt did not start"
}

step "two replicas of acme on one database, and bolt dialing replica r1"
start_replica r1
start_replica r2
start_bolt "127.0.0.1:${PORT[r1]}"
status r2 | grep -q '"store": {"engine": "postgresql", "replica": "acme-r2"' ||
  fail "r2's status does not name its store and replica: $(status r2)"

step "a roster one replica adopts reaches the other through the database"
# acme's bundle holds roster version 2 (before bolt enrolled); r1 learns 3
# from bolt; r2 dials only bolt, which it cannot yet trust, so the database
# is how it learns.
roster_version() { status "$1" | sed -n 's/.*"roster_version": \([0-9]*\),.*/\1/p'; }
wait_until 10 bash -c "$CTL status --node $(api r1) --json | grep -q '\"roster_version\": 3,'" ||
  fail "r1 did not adopt bolt's roster: $(status r1)"
wait_until 5 bash -c "$CTL status --node $(api r2) --json | grep -q '\"roster_version\": 3,'" ||
  fail "r2 did not adopt the roster r1 stored: $(status r2)"

step "api tokens live in the shared store: created once, listed from anywhere"
"$CTL" token create ops --store "$DB" --admin >"$WORK/ops.token" 2>/dev/null ||
  fail "token create --store failed"
grep -q '^anet_' "$WORK/ops.token" || fail "token create --store printed no token"
[ "$("$CTL" token list --store "$DB" --json)" = '[{"name": "ops", "role": "admin"}]' ] ||
  fail "token list --store: $("$CTL" token list --store "$DB" --json)"
"$CTL" token create ops --store "$DB" >/dev/null 2>&1 && fail "a second token named ops was created"
"$CTL" token list --data "$WORK/r1-data" --store "$DB" >/dev/null 2>&1 && fail "--data and --store together were accepted"

step "a report taken by r1 is denied on r2 within 100 ms"
"$CTL" report --node "$(api r1)" --kind counterfeit_confirmed --gtin 4006381333931 --serial HA-1 >/dev/null
for _ in $(seq 1 20); do [ "$(decision r2 HA-1)" = deny ] && break; sleep 0.005; done
[ "$(decision r2 HA-1)" = deny ] || fail "r2 does not deny what r1 took: $(status r2)"

step "an idempotency key retried on the other replica answers the first seq"
first=$("$CTL" report --node "$(api r1)" --kind counterfeit_suspected --gtin 4006381333931 \
  --serial HA-2 --idempotency-key order-77 --json)
again=$("$CTL" report --node "$(api r2)" --kind counterfeit_suspected --gtin 4006381333931 \
  --serial HA-2 --idempotency-key order-77 --json)
[ "${first/\"replayed\": false/\"replayed\": true}" = "$again" ] ||
  fail "retry on r2 answered $again, first answer was $first (want the same seq, replayed)"
"$CTL" report --node "$(api r2)" --kind counterfeit_confirmed --gtin 4006381333931 \
  --serial HA-3 --idempotency-key order-77 --json >/dev/null 2>&1 &&
  fail "r2 accepted another report under a used idempotency key"

step "a local override added through r1 applies on r2 within a second, and its removal too"
[ "$(decision r2 HA-OVR)" = allow ] || fail "HA-OVR is not allowed before the override"
"$CTL" override add --node "$(api r1)" --deny --gtin 4006381333931 --serial HA-OVR \
  --reason "replica test" >/dev/null || fail "override add through r1"
for _ in $(seq 1 40); do [ "$(decision r2 HA-OVR)" = deny ] && break; sleep 0.05; done
[ "$(decision r2 HA-OVR)" = deny ] || fail "r2 does not apply the override r1 stored"
"$CTL" override remove 1 --node "$(api r2)" >/dev/null || fail "override remove through r2"
for _ in $(seq 1 40); do [ "$(decision r1 HA-OVR)" = allow ] && break; sleep 0.05; done
[ "$(decision r1 HA-OVR)" = allow ] || fail "r1 still applies the override r2 removed"

step "reports to both replicas, r2 killed -9 in the middle: nothing acknowledged is lost"
reporter() {  # NODE FROM TO
  for i in $(seq "$2" "$3"); do
    if out=$("$CTL" report --node "$(api "$1")" --kind unit_sold --gtin 4006381333931 \
      --serial "LOAD-$i" --json 2>/dev/null); then
      echo "$out" | sed -n 's/.*"seq": \([0-9]*\).*/\1/p' >>"$WORK/acked-$1"
    fi
  done
}
: >"$WORK/acked-r1"; : >"$WORK/acked-r2"
reporter r1 1 150 & rep1=$!
reporter r2 151 300 & rep2=$!
sleep 1
kill -9 "${PID[r2]}"
wait "$rep1" "$rep2" || true
acked=$(cat "$WORK/acked-r1" "$WORK/acked-r2" | sort -n)
dupes=$(echo "$acked" | uniq -d)
[ -z "$dupes" ] || fail "one seq acknowledged twice: $dupes"
head=$(psql_q "SELECT last_seq FROM authnet_heads WHERE origin = 'acme'")
for seq in $acked; do
  [ "$seq" -le "$head" ] || fail "acknowledged seq $seq is beyond the database's head $head"
done
gaps=$(psql_q "SELECT count(*) FROM (SELECT first_seq, lag(last_seq) OVER (ORDER BY first_seq) AS prev
  FROM authnet_batches WHERE origin = 'acme') b WHERE prev IS NOT NULL AND first_seq <> prev + 1")
[ "$gaps" = 0 ] || fail "acme's batches in the database are not contiguous"
echo "    $(echo "$acked" | wc -l) reports acknowledged, database head $head"

step "r2 restarted on an emptied data dir adopts the roster from the database and holds what r1 holds"
rm -rf "$WORK/r2-data"
start_replica r2
wait_until 5 bash -c "[ \"\$($CTL status --node $(api r2) --json | sed -n 's/.*\"version_vector\": \({[^}]*}\).*/\1/p')\" = '$(vv r1)' ]" ||
  fail "r2's version vector $(vv r2) differs from r1's $(vv r1)"
[ "$(fingerprint r1)" = "$(fingerprint r2)" ] || fail "r1 and r2 fingerprints differ"

step "bolt, syncing from r1, holds every acme record"
want=$(records r1)
wait_until 15 holds bolt "$want" || fail "bolt holds $(records bolt), r1 $want: $(status bolt)"
[ "$(vv bolt)" = "$(vv r1)" ] || fail "bolt's version vector $(vv bolt) differs from r1's $(vv r1)"

step "bolt's reports reach both replicas and are stored once"
kill "${PID[bolt]}"; wait "${PID[bolt]}" 2>/dev/null || true
start_bolt "127.0.0.1:${PORT[r1]},127.0.0.1:${PORT[r2]}"
"$CTL" report --node "$(api bolt)" --kind counterfeit_confirmed --gtin 4006381333931 --serial HA-1 >/dev/null
for n in r1 r2; do
  wait_until 10 bash -c "$CTL status --node $(api "$n") --json | grep -q '\"bolt\": 1'" ||
    fail "$n did not receive bolt's report: $(status "$n")"
done
[ "$(psql_q "SELECT count(*) FROM authnet_batches WHERE origin = 'bolt'")" = 1 ] ||
  fail "bolt's batch is stored more than once"
if grep -h "ALERT\|refused batch" "$WORK"/r1.log "$WORK"/r2.log; then
  fail "a replica refused or alerted on a batch"
fi

step "with r1 gone, bolt syncs acme's new reports from r2"
kill -9 "${PID[r1]}"
"$CTL" report --node "$(api r2)" --kind counterfeit_confirmed --gtin 4006381333931 --serial HA-9 >/dev/null
want=$(records r2)
wait_until 15 holds bolt "$want" || fail "bolt did not sync from r2: $(status bolt)"
echo "PASS"
