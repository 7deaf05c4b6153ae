#!/usr/bin/env bash
# tests/soak.sh [KILLS]: the crash-safety test at length. Builds like
# tests/run.sh, then kills authnetd with SIGKILL KILLS times (default 1000)
# during concurrent reports and sync, checking the data directory after
# every kill and convergence at the end (tests/integration/crash_test.cc).
# ./tests/run.sh runs the same test with 50 kills.
set -euo pipefail
cd "$(dirname "$0")/.."

kills=${1:-1000}
if ! [[ "$kills" =~ ^[0-9]+$ ]] || [ "$kills" -eq 0 ]; then
  echo "usage: tests/soak.sh [KILLS]   (a positive whole number, default 1000)" >&2
  exit 2
fi
./deploy/install-deps.sh
echo "==> configuring and building build/"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" --target authnetd authnet_crash_test
echo "==> killing authnetd $kills times during reports and sync"
build/bin/authnet_crash_test build/bin "$kills"
