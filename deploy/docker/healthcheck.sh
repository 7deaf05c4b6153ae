#!/bin/bash
# authnet-healthcheck [HOST:PORT]: exits 0 when authnetd's GET /healthz on its
# metrics listener answers 200 (SERVING), 1 otherwise (503 NOT_SERVING while
# the store is unusable or the roster has expired, or no answer). Uses bash's
# /dev/tcp, so the image needs no curl. The address defaults to
# $AUTHNET_HEALTH_ADDR, else 127.0.0.1:9464 (the image's metrics_listen).
set -uo pipefail

addr=${1:-${AUTHNET_HEALTH_ADDR:-127.0.0.1:9464}}
host=${addr%:*}
port=${addr##*:}
host=${host#[}
host=${host%]}

if ! { exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null; then
  echo "healthz: cannot connect to $addr (is metrics_listen set?)"
  exit 1
fi
printf 'GET /healthz HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$addr" >&3
if ! IFS= read -r -t 4 status <&3; then
  echo "healthz: no answer from $addr"
  exit 1
fi
body=""
line=""
while IFS= read -r -t 2 line <&3 || [ -n "$line" ]; do body=${line%$'\r'}; line=""; done
exec 3<&-
status=${status%$'\r'}
echo "healthz: $status ${body}"
case $status in
  "HTTP/1."[01]" 200"*) exit 0 ;;
  *) exit 1 ;;
esac
