#!/usr/bin/env bash
# pg_compare.sh BIN_DIR [DURATION_S] [CLIENTS]: issue 16's report-throughput
# comparison, side by side in one run on one machine. A throwaway PostgreSQL
# cluster (tests/testing/pg_cluster.sh: fsync and synchronous_commit on, as
# shipped) is started, then:
#   1. pgbench: CLIENTS clients, each transaction inserting three rows of the
#      size of a report's records (what PostgreSQL itself commits);
#   2. authnet-bench report on SQLite (the default store);
#   3. authnet-bench report --store on a scratch database of that cluster;
#   4. authnet-bench replicas --store: visibility lag between two replicas.
# and prints the ratios bench/README.md records. Default 10 s, 32 clients.
set -euo pipefail

BIN=${1:?usage: pg_compare.sh BIN_DIR [DURATION_S] [CLIENTS]}
DURATION=${2:-10}
CLIENTS=${3:-32}
HERE=$(cd "$(dirname "$0")" && pwd)
PGC="$HERE/../tests/testing/pg_cluster.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/authnet-pgcmp-XXXXXX")
trap '"$PGC" stop "$WORK/pg" immediate || true; rm -rf "$WORK"' EXIT
PGBENCH=$(ls /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -1)

echo "==> starting a throwaway PostgreSQL cluster" >&2
URL=$("$PGC" start "$WORK/pg")
psql "$URL" -XAtq -c "CREATE DATABASE pgbench" >/dev/null
DB=${URL/dbname=postgres/dbname=pgbench}
psql "$DB" -XAtq -c "CREATE TABLE records (id bigserial PRIMARY KEY, digest bytea NOT NULL,
  body bytea NOT NULL)" >/dev/null
# Three rows per transaction: a report's unit, supplier and seller records
# (32-byte digest, about 60 bytes of record).
cat >"$WORK/report.sql" <<'SQL'
BEGIN;
INSERT INTO records (digest, body) VALUES (gen_random_uuid()::text::bytea, repeat('r', 60)::bytea);
INSERT INTO records (digest, body) VALUES (gen_random_uuid()::text::bytea, repeat('s', 60)::bytea);
INSERT INTO records (digest, body) VALUES (gen_random_uuid()::text::bytea, repeat('t', 60)::bytea);
END;
SQL
echo "==> pgbench: $CLIENTS clients, 3 rows per transaction, $DURATION s" >&2
tps=$(
      "$PGBENCH" -n -c "$CLIENTS" -j 2 -T "$DURATION" -f "$WORK/report.sql" "$DB" 2>/dev/null |
      sed -n 's/^tps = \([0-9.]*\).*/\1/p')
echo "==> authnet-bench report (SQLite)" >&2
sqlite=$("$BIN/authnet-bench" report --concurrency "$CLIENTS" --duration "$DURATION" --json |
         tail -1 | sed -n 's/.*"reports_per_s": \([0-9.]*\).*/\1/p')
echo "==> authnet-bench report --store (PostgreSQL)" >&2
pg=$("$BIN/authnet-bench" report --concurrency "$CLIENTS" --duration "$DURATION" --store "$URL" \
     --json | tail -1 | sed -n 's/.*"reports_per_s": \([0-9.]*\).*/\1/p')
echo "==> authnet-bench replicas --store" >&2
lag=$("$BIN/authnet-bench" replicas --duration "$DURATION" --store "$URL" --json | tail -1)
p99=$(sed -n 's/.*"lag_p99_ms": \([0-9.]*\).*/\1/p' <<<"$lag")
p50=$(sed -n 's/.*"lag_p50_ms": \([0-9.]*\).*/\1/p' <<<"$lag")

awk -v tps="$tps" -v s="$sqlite" -v p="$pg" -v p50="$p50" -v p99="$p99" -v c="$CLIENTS" 'BEGIN {
  printf "pgbench, %d clients, 3 rows per txn:  %10.0f tps\n", c, tps
  printf "authnet report, SQLite:             %10.0f reports/s  (%.2fx pgbench; target >= 1.5x)\n", s, s / tps
  printf "authnet report, PostgreSQL:         %10.0f reports/s  (%.2fx pgbench; target >= 1.0x)\n", p, p / tps
  printf "replica visibility lag:             p50 %.1f ms, p99 %.1f ms (target p99 <= 100 ms)\n", p50, p99
}'
