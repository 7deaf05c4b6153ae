#!/usr/bin/env bash
# quickstart.sh: from a fresh Debian machine to a running three-member authnet network.
#
#   ./deploy/quickstart.sh          build, start the network, keep it running until Ctrl-C
#   ./deploy/quickstart.sh --once   run the demo scenario, stop the nodes, exit 0 if it held
#
# It installs the build dependencies with apt-get, builds into build/, and
# under ./quickstart/ creates network "demo" with members alpha, bravo and
# charlie, whose nodes run on loopback in a line: alpha - bravo - charlie
# (alpha and charlie are not connected). A counterfeit reported at alpha and
# at bravo turns the checkout check at charlie from allow to deny.
# QUICKSTART_DIR and QUICKSTART_PORT (default 7701, uses three ports) move it.
set -euo pipefail
cd "$(dirname "$0")/.."

ONCE=0
case "${1:-}" in
  --once) ONCE=1 ;;
  "") ;;
  -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
  *) echo "quickstart.sh: unknown option '$1' (use --once or nothing)" >&2; exit 2 ;;
esac

say() { printf '\n==> %s\n' "$*"; }
die() { echo "quickstart.sh: $*" >&2; exit 1; }

say "Installing build dependencies (Debian packages)"
./deploy/install-deps.sh

say "Building authnetd and authnetctl into build/bin/"
./deploy/configure-build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" --target authnetd authnetctl

BIN=$PWD/build/bin
CTL=$BIN/authnetctl
DEMO=${QUICKSTART_DIR:-$PWD/quickstart}
BASE=${QUICKSTART_PORT:-7701}
NAMES=(alpha bravo charlie)
declare -A PORT=([alpha]=$BASE [bravo]=$((BASE + 1)) [charlie]=$((BASE + 2)))
declare -A PEERS=([alpha]="127.0.0.1:${PORT[bravo]}"
                  [bravo]="127.0.0.1:${PORT[alpha]},127.0.0.1:${PORT[charlie]}"
                  [charlie]="127.0.0.1:${PORT[bravo]}")
api() { echo "unix:$DEMO/$1.sock"; }

for n in "${NAMES[@]}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/${PORT[$n]}") 2>/dev/null; then
    die "port ${PORT[$n]} is in use; stop what uses it or set QUICKSTART_PORT"
  fi
done
if [ -e "$DEMO" ]; then
  say "Removing the previous demo in $DEMO"
  rm -rf "$DEMO"
fi
mkdir -p "$DEMO"

say "Creating network 'demo' (CA, admin key, network key) in $DEMO/admin"
"$CTL" network init --network demo --dir "$DEMO/admin" >/dev/null
for n in "${NAMES[@]}"; do
  say "Enrolling member '$n' (TLS certificate, signing key, signed roster) into $DEMO/$n"
  "$CTL" member add "$n" --dir "$DEMO/admin" --endpoint "127.0.0.1:${PORT[$n]}" --out "$DEMO/$n" \
    >/dev/null
done

declare -A PID
stop_nodes() {
  for n in "${NAMES[@]}"; do
    if [ -n "${PID[$n]:-}" ] && kill -0 "${PID[$n]}" 2>/dev/null; then
      kill -TERM "${PID[$n]}"
    fi
  done
  for n in "${NAMES[@]}"; do
    if [ -n "${PID[$n]:-}" ]; then wait "${PID[$n]}" 2>/dev/null || true; fi
  done
}
trap stop_nodes EXIT

for n in "${NAMES[@]}"; do
  say "Starting $n's node: peer port ${PORT[$n]}, dials ${PEERS[$n]}, api $(api "$n"), log $DEMO/$n.log"
  "$BIN/authnetd" --bundle "$DEMO/$n" --data "$DEMO/$n-data" --peer-listen "127.0.0.1:${PORT[$n]}" \
    --api-listen "$(api "$n")" --peers "${PEERS[$n]}" >"$DEMO/$n.log" 2>&1 &
  PID[$n]=$!
done

# wait_until DESCRIPTION SECONDS COMMAND...: polls COMMAND every 0.2 s.
wait_until() {
  local what=$1 secs=$2; shift 2
  for _ in $(seq 1 $((secs * 5))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    for n in "${NAMES[@]}"; do
      kill -0 "${PID[$n]}" 2>/dev/null || { cat "$DEMO/$n.log" >&2; die "$n's node exited"; }
    done
    sleep 0.2
  done
  die "timed out after ${secs}s waiting for: $what"
}
connected() {  # connected NODE: every peer of NODE is connected
  local out
  out=$("$CTL" status --node "$(api "$1")" --json) || return 1
  ! grep -q '"connected": false' <<<"$out" && grep -q '"connected": true' <<<"$out"
}
holds() {  # holds NODE N: NODE holds N records
  "$CTL" status --node "$(api "$1")" --json | grep -q "\"records\": $2,"
}
for n in "${NAMES[@]}"; do
  wait_until "$n to connect to its peers" 20 connected "$n"
done
say "All three nodes are up and connected in a line: alpha - bravo - charlie"

GTIN=4006381333931
SERIAL=DEMO-0001
check_at() {
  "$CTL" check --node "$(api "$1")" --gtin $GTIN --serial $SERIAL
}

say "Checkout check at charlie of unit $GTIN / $SERIAL, before any report"
before=$(check_at charlie)
echo "$before"

say "alpha's inspectors confirm the unit is counterfeit and report it at alpha"
"$CTL" report --node "$(api alpha)" --kind counterfeit_confirmed --gtin $GTIN --serial $SERIAL
wait_until "the report to reach charlie through bravo" 10 holds charlie 1
say "Check at charlie now (one member's evidence: review, never deny on one member's word)"
middle=$(check_at charlie)
echo "$middle"

say "bravo's inspectors find the same unit counterfeit and report it at bravo"
"$CTL" report --node "$(api bravo)" --kind counterfeit_confirmed --gtin $GTIN --serial $SERIAL
wait_until "bravo's report to reach charlie" 10 holds charlie 2
say "Check at charlie now (two members' evidence)"
after=$(check_at charlie)
echo "$after"

say "Every node holds the same records, so all compute the same model:"
for n in "${NAMES[@]}"; do
  printf '  %-8s %s\n' "$n" "$("$CTL" status --node "$(api "$n")" --json |
    sed -n 's/.*"model_fingerprint": "\([0-9a-f]*\)".*/\1/p')"
done

if [[ "$before" != decision:\ allow* || "$after" != decision:\ deny* ]]; then
  die "the scenario did not hold (want allow at first, deny after two members reported)"
fi
say "The check at charlie went from allow to deny."

if [ "$ONCE" -eq 1 ]; then
  say "Stopping the nodes (--once)"
  exit 0
fi

cat <<EOT

The network keeps running. Talk to it from another terminal:
  $CTL status --node $(api charlie)
  $CTL check  --node $(api charlie) --gtin $GTIN --serial $SERIAL --json
  $CTL report --node $(api alpha) --kind counterfeit_suspected --supplier acme-wholesale
  $CTL member list --dir $DEMO/admin
Logs: $DEMO/alpha.log, $DEMO/bravo.log, $DEMO/charlie.log. Press Ctrl-C to stop.
EOT
trap 'echo; say "Stopping the nodes"; stop_nodes; trap - EXIT; exit 0' INT TERM
wait
