#!/usr/bin/env bash
# authnet-bench's benchmark modes as a user runs them, at toy sizes: each
# prints its table, and with --json ends with one JSON object holding the
# keys issue 5 names. Figures are not judged here (bench/README.md holds
# them); only what does not depend on timing: records arrive, an idle sync
# re-check is one round trip, usage errors exit 2.
set -euo pipefail
BIN=${1:?usage: bench_modes_test.sh BIN_DIR}
out=$(mktemp -d)
PGC="$(cd "$(dirname "$0")" && pwd)/../testing/pg_cluster.sh"
trap '"$PGC" stop "$out/pg" immediate >/dev/null 2>&1 || true; rm -rf "$out"' EXIT

# run NAME ARGS...: runs authnet-bench ARGS --json; checks the last line.
run() {
  local name=$1
  shift
  if ! "$BIN/authnet-bench" "$@" --json >"$out/$name.out" 2>"$out/$name.err"; then
    echo "FAIL: authnet-bench $* exited non-zero"; cat "$out/$name.err"; exit 1
  fi
  tail -1 "$out/$name.out" >"$out/$name.json"
  [ -s "$out/$name.err" ] || { echo "FAIL: $name printed no progress on stderr"; exit 1; }
}

run check check --duration 1
run check32 check --duration 1 --concurrency 4
run batch check-batch --duration 1 --batch 50
run scanbatch check-batch --duration 1 --batch 50 --input scan
run httpcheck check --duration 1 --http
run report report --duration 1 --concurrency 4
run ingest ingest --records 3000 --batch 500
run sync sync --records 3000 --diff 250 --origins 12
run idle sync --records 3000 --diff 0 --origins 12
run converge converge --nodes 4 --repeats 3
run scale scale --records 3000 --duration 1
run units scale --units 20000 --duration 1
# The PostgreSQL modes, on a throwaway cluster (scratch databases each).
PG=$("$PGC" start "$out/pg")
run pgreport report --duration 1 --concurrency 4 --store "$PG"
run pgcheck check --duration 1 --store "$PG"
run replicas replicas --duration 1 --concurrency 2 --store "$PG"
run pgscale scale --records 3000 --duration 1 --store "$PG"
[ "$(psql "$PG" -XAtq -c "SELECT count(*) FROM pg_database WHERE datname LIKE 'authnet_bench_%'")" = 0 ] ||
  { echo "FAIL: the benchmarks left scratch databases behind"; exit 1; }

python3 - "$out" <<'PY'
import json, sys, os
d = sys.argv[1]
def load(name):
    return json.load(open(os.path.join(d, name + ".json")))
def has(name, *keys):
    row = load(name)
    for k in keys:
        assert k in row and isinstance(row[k], (int, float)), (name, k, row)
    return row
c = has("check", "qps", "p50_us", "p99_us", "echo_qps", "echo_p50_us", "echo_p99_us")
assert c["qps"] > 0 and c["echo_qps"] > 0 and c["p50_us"] <= c["p99_us"], c
has("check32", "qps", "echo_qps")
b = has("batch", "subjects_per_s")
has("scanbatch", "subjects_per_s")
h = has("httpcheck", "grpc_p50_us", "http_p50_us", "p50_ratio")
assert h["http_qps"] > 0 and h["grpc_qps"] > 0, h
assert b["subjects_per_s"] > 0, b
r = has("report", "reports_per_s")
assert r["reports_per_s"] > 0, r
i = has("ingest", "records_per_s", "bytes_per_record")
# A record is 32 digest bytes plus a few small fields: anything near or
# under 32 bytes on the wire means the count is wrong.
assert 40 < i["bytes_per_record"] < 200, i
s = has("sync", "bytes", "round_trips", "idle_bytes", "idle_round_trips")
assert s["batches"] >= 1 and s["round_trips"] >= 3, s   # stream, heads, pull
assert s["idle_round_trips"] == 1 and 0 < s["idle_bytes"] < 2048, s
idle = has("idle", "bytes", "round_trips")
assert idle["round_trips"] == 1 and idle["batches"] == 0, idle
v = has("converge", "p50_ms", "p99_ms")
assert 0 < v["p50_ms"] <= v["p99_ms"], v
sc = has("scale", "rss_mb", "startup_s", "check_p99_us", "baseline_check_p99_us")
assert sc["rss_mb"] > 0 and sc["startup_s"] > 0, sc
u = has("units", "units", "records", "ingest_units_per_s", "rss_per_unit_bytes", "check_p99_ratio")
assert u["units"] == 20000 and u["records"] == 1 + 3, u   # gtin_serialized + ceil(20000/8192)
assert u["check_p99_ratio"] > 0, u
pr = has("pgreport", "reports_per_s")
assert pr["reports_per_s"] > 0, pr
has("pgcheck", "qps", "p99_us")
rep = has("replicas", "reports", "lag_p50_ms", "lag_p99_ms")
assert rep["reports"] > 0 and 0 <= rep["lag_p50_ms"] <= rep["lag_p99_ms"], rep
has("pgscale", "startup_s", "rss_mb")
print("bench modes ok")
PY

grep -q "check p99" "$out/check.out" && grep -q "echo p99" "$out/check.out" ||
  { echo "FAIL: check printed no table"; cat "$out/check.out"; exit 1; }

expect_usage() {
  local want=$1
  shift
  set +e
  "$BIN/authnet-bench" "$@" >/dev/null 2>"$out/err"
  local code=$?
  set -e
  [ "$code" -eq 2 ] && grep -q -- "$want" "$out/err" ||
    { echo "FAIL: authnet-bench $* gave exit $code: $(cat "$out/err")"; exit 1; }
}
expect_usage "--concurrency: 'many'" check --concurrency many
expect_usage "--input: 'fields' or 'scan', got 'csv'" check-batch --input csv
expect_usage "--http compares HTTP with gRPC" check --http --epochs 2
expect_usage "--diff: cannot exceed --records" sync --records 10 --diff 11
expect_usage "--nodes: '1' is not a number from 2" converge --nodes 1
expect_usage "unknown flag" ingest --frobnicate 3
expect_usage "--store SERVER_URL is required" replicas --duration 1
expect_usage "--units: '0' is not" scale --units 0
echo "PASS bench_modes_test"
