# Helpers for the integration scripts (tests/integration/*.sh). Source it
# after setting WORK (the test's temp dir, whose *.log files `fail` prints).
#   source "$(dirname "$0")/../testing/lib.sh"

# fail MESSAGE: print it and every log under $WORK, exit 1.
fail() {
  echo "FAIL: $*" >&2
  for log in "$WORK"/*.log; do [ -f "$log" ] && sed "s|^|  $(basename "$log"): |" "$log" >&2; done
  exit 1
}
# step TEXT: announce what the test does next.
step() { echo "--- $*"; }
# free_port: a loopback TCP port nobody listens on now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# wait_until SECONDS COMMAND...: true once COMMAND succeeds, false after SECONDS.
wait_until() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}
# py EXPR: evaluate a Python expression over the JSON on stdin (as d), print it.
py() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }
