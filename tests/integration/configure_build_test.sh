#!/usr/bin/env bash
# deploy/configure-build.sh: a new build dir gets Ninja; one configured
# before with another generator is reused with it, as quickstart.sh and
# tests/run.sh call it, instead of failing with CMake's generator error.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
source "$ROOT/tests/testing/lib.sh"

generator() { sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$1/CMakeCache.txt"; }

step "a new build dir is configured with Ninja"
"$ROOT/deploy/configure-build.sh" "$WORK/fresh" -DCMAKE_BUILD_TYPE=Release >"$WORK/out" 2>&1 ||
  fail "configure-build.sh on a new dir: $(cat "$WORK/out")"
[ "$(generator "$WORK/fresh")" = Ninja ] || fail "new dir: generator $(generator "$WORK/fresh")"

step "a dir configured with Unix Makefiles is reused with Unix Makefiles, saying so"
cmake -S "$ROOT" -B "$WORK/make" -G "Unix Makefiles" >/dev/null 2>&1 ||
  fail "could not configure a Makefiles tree to start from"
"$ROOT/deploy/configure-build.sh" "$WORK/make" -DCMAKE_BUILD_TYPE=Release >"$WORK/out" 2>&1 ||
  fail "configure-build.sh on a Makefiles dir: $(cat "$WORK/out")"
grep -q "was configured with the 'Unix Makefiles' generator: building with it" "$WORK/out" ||
  fail "no word about the generator kept: $(cat "$WORK/out")"
[ "$(generator "$WORK/make")" = "Unix Makefiles" ] || fail "generator changed: $(generator "$WORK/make")"
grep -q "^CMAKE_BUILD_TYPE:STRING=Release$" "$WORK/make/CMakeCache.txt" ||
  fail "the arguments were not passed on"
echo "configure-build: all steps passed"
