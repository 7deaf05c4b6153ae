#!/usr/bin/env bash
# An HTTP/2 rapid-reset flood (issue 14), against real authnetd processes:
#   1. the remote api listener, flooded from one TLS connection without a
#      token (bench/flood/h2_flood.py, redialing whenever it is cut off);
#   2. the peer listener, flooded with an enrolled member's certificate.
# Each time legitimate checks must keep answering, RSS must grow by less than
# 256 MB and the node must be idle within 5 s of the flood's end; on the peer
# listener a log line and a metric must name the member. The measurement
# itself is bench/flood/flood_bench.sh (20 s floods there; 8 s here).
#
#   flood_test.sh BIN_DIR
set -euo pipefail
BIN=${1:?usage: flood_test.sh BIN_DIR}
BENCH="$(cd "$(dirname "$0")/../../bench/flood" && pwd)/flood_bench.sh"
for listener in api peer; do
  echo "--- rapid-reset flood on the $listener listener"
  "$BENCH" "$BIN" --listener "$listener" --seconds 8 --assert
done
echo "PASS"
