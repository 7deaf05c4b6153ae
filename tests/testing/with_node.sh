#!/usr/bin/env bash
# tests/testing/with_node.sh BIN_DIR COMMAND [ARGS...]: runs COMMAND beside a
# real, freshly created single-member authnet node and returns its exit code.
# The SDK tests (Python, TypeScript, C++ conformance) use it to run against
# the real thing. COMMAND sees:
#   AUTHNET_TARGET      the node's gRPC api listener (unix:/.../api.sock)
#   AUTHNET_HTTP        the node's HTTP/JSON api base URL (http://127.0.0.1:PORT)
#   AUTHNET_DOWN_TARGET a unix socket address where no node listens
#   AUTHNET_BIN_DIR     BIN_DIR
# Everything lives in a temp dir that is removed afterwards; ports are picked
# by the kernel (port 0) and read back from the node's status.
set -euo pipefail

BIN=$(cd "${1:?usage: with_node.sh BIN_DIR COMMAND [ARGS...]}" && pwd)
shift
[ $# -ge 1 ] || { echo "usage: with_node.sh BIN_DIR COMMAND [ARGS...]" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/authnet-sdk-XXXXXX")
NODE_PID=""
cleanup() {
  if [ -n "$NODE_PID" ]; then kill "$NODE_PID" 2>/dev/null && wait "$NODE_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

CTL="$BIN/authnetctl"
API="unix:$WORK/api.sock"
"$CTL" network init --network sdknet --dir "$WORK/admin" >/dev/null
"$CTL" member add acme --dir "$WORK/admin" --endpoint 127.0.0.1:7701 --out "$WORK/acme" >/dev/null
"$BIN/authnetd" --bundle "$WORK/acme" --data "$WORK/data" --peer-listen 127.0.0.1:0 \
  --api-listen "$API" --http-listen 127.0.0.1:0 --log-format json >"$WORK/node.log" 2>&1 &
NODE_PID=$!
for _ in $(seq 1 150); do
  if status=$("$CTL" status --node "$API" --json 2>/dev/null); then break; fi
  if ! kill -0 "$NODE_PID" 2>/dev/null; then
    echo "with_node.sh: authnetd exited during start-up:" >&2
    cat "$WORK/node.log" >&2
    exit 1
  fi
  sleep 0.1
done
[ -n "${status:-}" ] || { echo "with_node.sh: authnetd did not answer within 15 s" >&2; cat "$WORK/node.log" >&2; exit 1; }
http=$(printf '%s' "$status" | sed -n 's/.*"http": *"\([^"]*\)".*/\1/p')
[ -n "$http" ] || { echo "with_node.sh: status --json names no listeners.http address: $status" >&2; exit 1; }

export AUTHNET_TARGET="$API"
export AUTHNET_HTTP="http://$http"
export AUTHNET_DOWN_TARGET="unix:$WORK/nobody-listens.sock"
export AUTHNET_BIN_DIR="$BIN"
set +e
"$@"
rc=$?
set -e
if [ $rc -ne 0 ]; then
  echo "with_node.sh: '$*' failed (exit $rc); node log:" >&2
  tail -n 40 "$WORK/node.log" >&2
fi
exit $rc
