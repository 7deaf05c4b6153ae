#!/usr/bin/env bash
# deploy/configure-build.sh DIR [CMAKE_ARGS...]: configures the build tree DIR
# from this checkout. A new DIR gets Ninja; a DIR configured before keeps the
# generator it was made with (Unix Makefiles, say), since CMake refuses to
# switch generators in place. Used by quickstart.sh and tests/run.sh.
set -euo pipefail
dir=${1:?usage: deploy/configure-build.sh DIR [CMAKE_ARGS...]}
shift
cd "$(dirname "$0")/.."
generator=(-G Ninja)
if [ -f "$dir/CMakeCache.txt" ]; then
  cached=$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$dir/CMakeCache.txt")
  if [ -n "$cached" ]; then
    generator=()
    if [ "$cached" != Ninja ]; then
      echo "==> $dir/ was configured with the '$cached' generator: building with it" \
        "(remove $dir/ to start over with Ninja)"
    fi
  fi
fi
cmake -S . -B "$dir" "${generator[@]}" "$@" >/dev/null
