#!/usr/bin/env bash
# quickstart.sh: from a fresh Debian machine to a running authnet node.
#
#   ./deploy/quickstart.sh          build, start a demo node, keep it running until Ctrl-C
#   ./deploy/quickstart.sh --once   run the demo scenario, stop the node, exit 0 if it held
#
# It installs the build dependencies with apt-get, builds into build/,
# creates a demo network ("demo") with one member ("alpha") under
# ./quickstart/, starts authnetd on a unix socket, reports a counterfeit
# unit and shows the checkout check turn from allow to deny.
set -euo pipefail
cd "$(dirname "$0")/.."

ONCE=0
case "${1:-}" in
  --once) ONCE=1 ;;
  "") ;;
  -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
  *) echo "quickstart.sh: unknown option '$1' (use --once or nothing)" >&2; exit 2 ;;
esac

say() { printf '\n==> %s\n' "$*"; }

say "Installing build dependencies (Debian packages)"
./deploy/install-deps.sh

say "Building authnetd and authnetctl into build/bin/"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" --target authnetd authnetctl

BIN=build/bin
DEMO=${QUICKSTART_DIR:-$PWD/quickstart}
API="unix:$DEMO/alpha.sock"
if [ -e "$DEMO" ]; then
  say "Removing the previous demo in $DEMO"
  rm -rf "$DEMO"
fi
mkdir -p "$DEMO"

say "Creating network 'demo' (CA, admin key, network key) in $DEMO/admin"
"$BIN/authnetctl" network init --network demo --dir "$DEMO/admin"

say "Enrolling member 'alpha' (TLS certificate, signing key, signed roster) into $DEMO/alpha"
"$BIN/authnetctl" member add alpha --dir "$DEMO/admin" --endpoint 127.0.0.1:7701 --out "$DEMO/alpha"

say "Starting authnetd for alpha (api on $API, peer listener on 127.0.0.1:7701, log in $DEMO/alpha.log)"
"$BIN/authnetd" --bundle "$DEMO/alpha" --data "$DEMO/alpha-data" --peer-listen 127.0.0.1:7701 \
  --api-listen "$API" >"$DEMO/alpha.log" 2>&1 &
NODE_PID=$!
stop_node() {
  if kill -0 "$NODE_PID" 2>/dev/null; then
    kill -TERM "$NODE_PID"
    wait "$NODE_PID" 2>/dev/null || true
  fi
}
trap stop_node EXIT
for _ in $(seq 1 100); do
  "$BIN/authnetctl" status --node "$API" >/dev/null 2>&1 && break
  if ! kill -0 "$NODE_PID" 2>/dev/null; then
    echo "quickstart.sh: authnetd exited; its log:" >&2
    cat "$DEMO/alpha.log" >&2
    exit 1
  fi
  sleep 0.1
done
"$BIN/authnetctl" status --node "$API"

GTIN=4006381333931
SERIAL=DEMO-0001
say "Checkout check of unit $GTIN / $SERIAL before any report"
before=$("$BIN/authnetctl" check --node "$API" --gtin $GTIN --serial $SERIAL)
echo "$before"

say "An inspector confirms that unit is counterfeit and reports it"
"$BIN/authnetctl" report --node "$API" --kind counterfeit_confirmed --gtin $GTIN --serial $SERIAL

say "Checkout check of the same unit now"
after=$("$BIN/authnetctl" check --node "$API" --gtin $GTIN --serial $SERIAL)
echo "$after"

if [[ "$before" != decision:\ allow* || "$after" != decision:\ deny* ]]; then
  echo "quickstart.sh: the scenario did not hold (want allow, then deny)" >&2
  exit 1
fi
say "The check went from allow to deny."

if [ "$ONCE" -eq 1 ]; then
  say "Stopping the node (--once)"
  exit 0
fi

cat <<EOT

The node keeps running. Talk to it from another terminal:
  $BIN/authnetctl status --node $API
  $BIN/authnetctl check  --node $API --gtin $GTIN --serial $SERIAL --json
  $BIN/authnetctl report --node $API --kind counterfeit_suspected --supplier acme-wholesale
  $BIN/authnetctl member list --dir $DEMO/admin
Its log is $DEMO/alpha.log. Press Ctrl-C to stop it.
EOT
trap 'echo; say "Stopping the node"; stop_node; exit 0' INT TERM
wait "$NODE_PID"
