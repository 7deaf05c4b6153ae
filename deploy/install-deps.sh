#!/usr/bin/env bash
# install-deps.sh [EXTRA_PACKAGE...]: installs the Debian packages authnet
# builds and runs with, plus any given (tests/fuzz.sh adds clang), if any is
# missing. Used by deploy/quickstart.sh, tests/run.sh and tests/fuzz.sh; safe
# to run again.
set -euo pipefail

PACKAGES=(
  cmake ninja-build g++ pkg-config
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  libssl-dev openssl libsqlite3-dev sqlite3 libspdlog-dev libabsl-dev
  libtomlplusplus-dev libmicrohttpd-dev libcpp-httplib-dev python3-h2 libpq-dev libicu-dev
  libgtest-dev libgmock-dev python3 python3-yaml
  "$@"
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "==> build dependencies: all ${#PACKAGES[@]} Debian packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-deps.sh: missing packages (${missing[*]}) and not root; install them or run as root" >&2
    exit 1
  fi
fi
echo "==> installing ${#missing[@]} Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Packages with a daemon (postgresql and prometheus, which the tests use as
# tools) must not start one: the tests start their own, on temp dirs. A
# policy-rc.d that answers 101 keeps their maintainer scripts from starting
# services; one already in place is left alone.
POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
  $SUDO sh -c "printf '#!/bin/sh\nexit 101\n' >$POLICY && chmod 755 $POLICY"
  trap '$SUDO rm -f "$POLICY"' EXIT
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
