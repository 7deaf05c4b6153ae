#!/usr/bin/env bash
# tests/run.sh: sets up and runs every authnet test.
#   1. installs missing Debian packages (deploy/install-deps.sh)
#   2. configures and builds everything into build/ (binaries in build/bin/)
#   3. runs every test through ctest; exits non-zero on any failure
set -euo pipefail
cd "$(dirname "$0")/.."

./deploy/install-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
echo "==> configuring build/ (RelWithDebInfo)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
echo "==> building with $jobs jobs"
cmake --build build -j "$jobs"
echo "==> running tests"
ctest --test-dir build --output-on-failure -j "$jobs" --timeout 300
