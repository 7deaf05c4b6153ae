#!/usr/bin/env bash
# flood_bench.sh BIN_DIR [--listener api|peer] [--seconds N] [--read] [--with-message] [--with-token] [--same-host]
#                [--limit KEY=VALUE]... [--assert]
#
# Measures what an HTTP/2 rapid-reset flood (bench/flood/h2_flood.py: one TLS
# connection, HEADERS + RST_STREAM as fast as Python sends them) does to a
# real authnetd:
#   --listener api   the remote api listener (TLS + bearer tokens), flooded
#                    without a token;
#   --listener peer  the peer listener (mutual TLS), flooded with an enrolled
#                    member's certificate.
# The flood comes from 127.0.0.2, another host than the legitimate clients on
# 127.0.0.1 (--same-host: from 127.0.0.1 too); it dials again whenever the
# node cuts it off. While the flood runs, `authnetctl check` calls the flooded node back to back
# (over the remote api with a checkout token for `api`; over its unix socket
# for `peer`). Sampled: the node's RSS (VmRSS, every 0.25 s) and CPU time.
# Prints a table on stderr and one JSON object on stdout:
#   rss_before_mb, rss_max_mb, rss_growth_mb, checks_ok, checks_failed,
#   check_max_ms, check_p50_ms, idle_after_s (time from the flood's end until
#   the node used < 10% of a core over 0.5 s; -1 if not within 30 s), flood
#   (the flood tool's own JSON), survived_bad_headers (h2_bad_headers.py, the
#   published trigger of CVE-2023-1428, run after the flood, left the node
#   serving), and the metric and log line saying the flooding connection was
#   cut (on the peer listener, naming the member).
# --read and --with-message are passed to h2_flood.py (read the replies; send
# each request whole before resetting it); --with-token floods the api with
# the checkout token (a client that holds one).
# --limit sets a [limits] key of the flooded node's config file (e.g.
# --limit abuse_ban_seconds=0), to compare settings.
# --assert exits 1 unless: RSS grew < 256 MB, at least one check answered in
# every second of the flood and none failed, the node was idle within 5 s of
# the flood's end and survived h2_bad_headers.py, the flood reached the node
# and a metric and a log line say its connection was cut (for `peer`, naming
# the member).
set -euo pipefail

BIN=${1:?usage: flood_bench.sh BIN_DIR [--listener api|peer] [--seconds N] [--read] [--assert]}
shift
LISTENER=api SECONDS_FLOOD=20 READ="" ASSERT="" WITH_TOKEN="" SOURCE=127.0.0.2 LIMITS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --listener) LISTENER=$2; shift 2 ;;
    --seconds) SECONDS_FLOOD=$2; shift 2 ;;
    --read) READ=--read; shift ;;
    --with-message) READ="$READ --with-message"; shift ;;
    --with-token) WITH_TOKEN=1; shift ;;
    --same-host) SOURCE=127.0.0.1; shift ;;
    --limit) LIMITS+=("$2"); shift 2 ;;
    --assert) ASSERT=1; shift ;;
    *) echo "flood_bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
case "$LISTENER" in api|peer) ;; *) echo "flood_bench.sh: --listener is api or peer" >&2; exit 2 ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
CTL="$BIN/authnetctl"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/authnet-flood-XXXXXX")
NODE_PID=""
cleanup() {
  [ -n "$NODE_PID" ] && { kill -9 "$NODE_PID" 2>/dev/null || true; wait "$NODE_PID" 2>/dev/null || true; }
  rm -rf "$WORK"
}
trap cleanup EXIT
say() { echo "flood_bench: $*" >&2; }
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$NODE_PID/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$NODE_PID/stat"; }

say "setting up a network with members alpha (flooded) and mallory (the flooding member)"
PEER_PORT=$(free_port)
API_PORT=$(free_port)
"$CTL" network init --network floodnet --dir "$WORK/admin" >/dev/null
"$CTL" member add alpha --dir "$WORK/admin" --endpoint "127.0.0.1:$PEER_PORT" --out "$WORK/alpha" >/dev/null
"$CTL" member add mallory --dir "$WORK/admin" --endpoint "127.0.0.1:1" --out "$WORK/mallory" >/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -keyout "$WORK/api.key" -out "$WORK/api.crt" -subj "/CN=authnet-flood" \
  -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
chmod 600 "$WORK/api.key"

args=(--bundle "$WORK/alpha" --data "$WORK/data" --peer-listen "127.0.0.1:$PEER_PORT" --peers "127.0.0.1:1"
      --metrics-listen "127.0.0.1:$(free_port)")
if [ "$LISTENER" = api ]; then
  args+=(--api-listen "0.0.0.0:$API_PORT" --api-tls-cert "$WORK/api.crt" --api-tls-key "$WORK/api.key")
  mkdir -m 700 "$WORK/data"
  "$CTL" token create checkout --data "$WORK/data" >"$WORK/token" 2>/dev/null
  CHECK=(--node "127.0.0.1:$API_PORT" --ca "$WORK/api.crt" --token-file "$WORK/token")
  FLOOD=(--target "127.0.0.1:$API_PORT" --path /authnet.v1.CheckoutService/Check)
  [ -n "$WITH_TOKEN" ] && FLOOD+=(--token "$(cat "$WORK/token")")
else
  args+=(--api-listen "unix:$WORK/api.sock")
  CHECK=(--node "unix:$WORK/api.sock")
  FLOOD=(--target "127.0.0.1:$PEER_PORT" --path /authnet.v1.PeerService/Pull
         --cert "$WORK/mallory/node.crt" --key "$WORK/mallory/node.key")
fi
if [ ${#LIMITS[@]} -gt 0 ]; then
  { echo "[limits]"; for kv in "${LIMITS[@]}"; do echo "${kv%%=*} = ${kv#*=}"; done; } >"$WORK/node.toml"
  args+=(--config "$WORK/node.toml")
fi
"$BIN/authnetd" "${args[@]}" >"$WORK/node.log" 2>&1 &
NODE_PID=$!
for _ in $(seq 100); do
  "$CTL" check "${CHECK[@]}" --gtin 4006381333931 >/dev/null 2>&1 && break
  sleep 0.1
done
"$CTL" check "${CHECK[@]}" --gtin 4006381333931 >/dev/null || { cat "$WORK/node.log" >&2; exit 1; }
sleep 1
RSS0=$(rss_kb)
say "node up (pid $NODE_PID, RSS $((RSS0 / 1024)) MB); flooding the $LISTENER listener for ${SECONDS_FLOOD}s"

/usr/bin/python3 "$HERE/h2_flood.py" "${FLOOD[@]}" --source "$SOURCE" --seconds "$SECONDS_FLOOD" $READ >"$WORK/flood.json" &
FLOOD_PID=$!
# Legitimate checks, back to back, for as long as the flood runs.
(
  while kill -0 "$FLOOD_PID" 2>/dev/null; do
    t0=$(date +%s%N)
    if timeout 5 "$CTL" check "${CHECK[@]}" --gtin 4006381333931 >/dev/null 2>"$WORK/check.err"; then r=ok; else r=fail; fi
    t1=$(date +%s%N)
    echo "$r $(( (t1 - t0) / 1000000 )) $(( t1 / 1000000000 ))"
  done
) >"$WORK/checks" &
CHECKS_PID=$!
RSS_MAX=$RSS0
while kill -0 "$FLOOD_PID" 2>/dev/null; do
  r=$(rss_kb); [ "$r" -gt "$RSS_MAX" ] && RSS_MAX=$r
  sleep 0.25
done
wait "$FLOOD_PID" || true
FLOOD_END=$(date +%s%N)
wait "$CHECKS_PID" || true
# Idle: less than 10% of a core over half a second.
IDLE_AFTER=-1
prev=$(cpu_ticks); prev_t=$(date +%s%N)
hz=$(getconf CLK_TCK)
while [ $(( ($(date +%s%N) - FLOOD_END) / 1000000000 )) -lt 30 ]; do
  sleep 0.5
  r=$(rss_kb); [ "$r" -gt "$RSS_MAX" ] && RSS_MAX=$r
  now=$(cpu_ticks); now_t=$(date +%s%N)
  busy=$(python3 -c "print(($now - $prev) / $hz / (($now_t - $prev_t) / 1e9))")
  prev=$now; prev_t=$now_t
  if python3 -c "import sys; sys.exit(0 if $busy < 0.10 else 1)"; then
    IDLE_AFTER=$(python3 -c "print(round(($now_t - $FLOOD_END) / 1e9, 1))")
    break
  fi
done
RSS_END=$(rss_kb)
# Then the published trigger of CVE-2023-1428 (an abort() in gRPC < 1.53).
PROBE=(--target "${FLOOD[1]}")
[ "$LISTENER" = peer ] && PROBE+=(--cert "$WORK/alpha/node.crt" --key "$WORK/alpha/node.key")
if /usr/bin/python3 "$HERE/h2_bad_headers.py" "${PROBE[@]}" >"$WORK/probe.out" 2>&1 &&
   kill -0 "$NODE_PID" 2>/dev/null; then SURVIVED=true; else SURVIVED=false; fi

# The metric (and, on the peer listener, the log line) that name who was cut
# off. A flood that never reached the node leaves none: --assert fails then.
MPORT=$(grep -o 'metrics listener on http://127.0.0.1:[0-9]*' "$WORK/node.log" | grep -o '[0-9]*$' || true)
PAGE=""
[ -n "$MPORT" ] && PAGE=$(python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$MPORT/metrics').read().decode())" || true)
if [ "$LISTENER" = peer ]; then
  METRIC=$(grep '^authnet_abusive_connections_closed_total{.*member="mallory"' <<<"$PAGE" | head -1 || true)
  LOGLINE=$(grep 'closed the connection of .*(member mallory)' "$WORK/node.log" | head -1 || true)
else
  METRIC=$(grep '^authnet_abusive_connections_closed_total{listener="api"}' <<<"$PAGE" | head -1 || true)
  LOGLINE=$(grep 'api listener: closed the connection of 127.0.0.2' "$WORK/node.log" | head -1 || true)
fi

python3 - "$WORK" "$RSS0" "$RSS_MAX" "$RSS_END" "$IDLE_AFTER" "$SECONDS_FLOOD" "$LISTENER" "$METRIC" "$LOGLINE" "$ASSERT" "$SURVIVED" <<'PY'
import json, statistics, sys
work, rss0, rss_max, rss_end, idle, seconds, listener, metric, logline, want, survived = sys.argv[1:]
rss0, rss_max, rss_end, idle = int(rss0), int(rss_max), int(rss_end), float(idle)
rows = [l.split() for l in open(f"{work}/checks") if l.strip()]
ok = [int(r[1]) for r in rows if r[0] == "ok"]
failed = [r for r in rows if r[0] != "ok"]
secs_ok = {int(r[2]) for r in rows if r[0] == "ok"}
flood = json.loads(open(f"{work}/flood.json").read() or "{}")
# Seconds of the flood in which no check answered (the first and last are partial).
span = sorted({int(r[2]) for r in rows})
gaps = [s for s in range(span[0], span[-1] + 1) if s not in secs_ok] if span else []
out = {
    "listener": listener, "rss_before_mb": round(rss0 / 1024, 1), "rss_max_mb": round(rss_max / 1024, 1),
    "rss_growth_mb": round((rss_max - rss0) / 1024, 1), "rss_end_mb": round(rss_end / 1024, 1),
    "checks_ok": len(ok), "checks_failed": len(failed), "seconds_without_answer": len(gaps),
    "check_p50_ms": statistics.median(ok) if ok else None, "check_max_ms": max(ok) if ok else None,
    "idle_after_s": idle, "survived_bad_headers": survived == "true", "flood": flood,
}
out["metric"], out["log_line"] = metric, logline
print(f"flood: {flood.get('pairs', 0)} HEADERS+RST_STREAM pairs in {flood.get('seconds')} s "
      f"({flood.get('pairs_per_s')}/s) over {flood.get('connections')} connections "
      f"({flood.get('refused_connections')} refused); last: {flood.get('ended')}", file=sys.stderr)
print(f"RSS: {out['rss_before_mb']} MB before, {out['rss_max_mb']} MB max (+{out['rss_growth_mb']} MB), "
      f"{out['rss_end_mb']} MB at the end", file=sys.stderr)
print(f"checks during the flood: {len(ok)} ok, {len(failed)} failed, {len(gaps)} s without an answer, "
      f"p50 {out['check_p50_ms']} ms, max {out['check_max_ms']} ms", file=sys.stderr)
print(f"idle {idle} s after the flood ended", file=sys.stderr)
print(f"CVE-2023-1428 trigger (h2_bad_headers.py): node {'still serving' if survived == 'true' else 'GONE'}",
      file=sys.stderr)
print(f"metric: {metric or '(none)'}\nlog: {logline or '(none)'}", file=sys.stderr)
print(json.dumps(out))
if want:
    problems = []
    if out["rss_growth_mb"] >= 256: problems.append("RSS grew by 256 MB or more")
    if failed or gaps or not ok: problems.append("legitimate checks failed or stalled")
    if idle < 0 or idle > 5: problems.append("the node was not idle within 5 s of the flood's end")
    if survived != "true": problems.append("the node did not survive h2_bad_headers.py")
    if flood.get("pairs", 0) == 0 or flood.get("connections", 0) == 0:
        problems.append("the flood never reached the node")
    if not (metric and logline):
        problems.append("no metric and log line say the flooding connection was cut" +
                        (" and name the member" if listener == "peer" else ""))
    if problems:
        print("FAIL: " + "; ".join(problems), file=sys.stderr)
        sys.exit(1)
PY
