#!/usr/bin/env bash
# tests/run.sh [--sanitize | --chaos]: sets up and runs every authnet test.
#   1. installs missing Debian packages (deploy/install-deps.sh) and the
#      TypeScript SDK's npm packages (sdk/node/package-lock.json)
#   2. configures and builds everything into build/ (binaries in build/bin/)
#   3. runs every test through ctest; exits non-zero on any failure
# --sanitize builds into build-sanitize/ with AddressSanitizer (leaks
# included) and UndefinedBehaviorSanitizer and runs the whole suite there;
# any sanitizer report fails the test that triggered it. --chaos adds three
# 5-minute chaos runs with random seeds after the suite (tests/chaos/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

sanitize=""
chaos=""
case "${1:-}" in
  "") ;;
  --sanitize) sanitize=1 ;;
  --chaos) chaos=1 ;;
  *)
    echo "usage: tests/run.sh [--sanitize | --chaos]" >&2
    exit 2
    ;;
esac

./deploy/install-deps.sh
# The PostgreSQL server binaries: the store tests start throwaway clusters
# themselves (tests/testing/pg_cluster.sh), never using a system service.
# The Python SDK's runtime (Debian's grpcio and protobuf) and test tools, and
# curl and jsonschema for the HTTP api's tests; the Go code generators and
# protobuf's Java runtime for the other-languages recipe (proto_codegen);
# prometheus for promtool, for deploy/monitoring's rule tests (monitoring_rules);
# dpkg-dev (dpkg-shlibdeps) and adduser to build and install the .deb (deb_package).
./deploy/install-deps.sh postgresql python3-grpcio python3-protobuf python3-pytest \
  python3-venv python3-setuptools python3-jsonschema curl \
  protoc-gen-go protoc-gen-go-grpc libprotobuf-java prometheus dpkg-dev adduser
# Node.js for the TypeScript SDK (Debian's, unless one is installed already),
# and its npm dependencies as package-lock.json pins them.
if ! command -v npm >/dev/null 2>&1; then
  ./deploy/install-deps.sh nodejs npm
fi
echo "==> installing the TypeScript SDK's npm dependencies (sdk/node)"
npm --prefix sdk/node ci --no-audit --no-fund --loglevel=error

jobs=$(nproc 2>/dev/null || echo 2)
if [ -z "$sanitize" ]; then
  echo "==> configuring build/ (RelWithDebInfo)"
  ./deploy/configure-build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
  echo "==> building with $jobs jobs"
  cmake --build build -j "$jobs"
  echo "==> running tests"
  ctest --test-dir build --output-on-failure -j "$jobs" --timeout 300
  if [ -n "$chaos" ]; then
    # Longer chaos runs, each with a new seed (printed, to replay a failure).
    for run in 1 2 3; do
      echo "==> chaos run $run of 3: 5 minutes"
      python3 tests/chaos/chaos_test.py build/bin --seed "$((RANDOM * 32768 + RANDOM))" \
        --duration 300
    done
  fi
else
  echo "==> configuring build-sanitize/ (RelWithDebInfo, AddressSanitizer + UBSan)"
  ./deploy/configure-build.sh build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DAUTHNET_SANITIZE=ON
  echo "==> building with $jobs jobs"
  cmake --build build-sanitize -j "$jobs"
  echo "==> running tests under ASan and UBSan"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
  ctest --test-dir build-sanitize --output-on-failure -j "$jobs" --timeout 900
fi
