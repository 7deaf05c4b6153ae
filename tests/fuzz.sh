#!/usr/bin/env bash
# tests/fuzz.sh TARGET SECONDS: fuzzes one target with libFuzzer for SECONDS
# seconds. TARGET is one of normalize, batch, roster, model (tests/fuzz/).
#   1. installs clang and its libFuzzer runtime if missing
#   2. builds build-fuzz/bin/fuzz_TARGET with clang, libFuzzer, ASan and UBSan
#   3. fuzzes, starting from tests/fuzz/corpus/TARGET
#   4. merges the inputs that reach new code into tests/fuzz/corpus/TARGET,
#      which ./tests/run.sh replays as a regression test; commit them
# A crash stops the run; the input is saved under build-fuzz/crashes/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."

targets="normalize batch roster model enroll sealed gs1 http"
usage() {
  echo "usage: tests/fuzz.sh TARGET SECONDS   (TARGET: ${targets// /, })" >&2
  exit 2
}
[ $# -eq 2 ] || usage
target=$1
seconds=$2
if [[ " $targets " != *" $target "* ]]; then
  echo "tests/fuzz.sh: unknown target '$target' (one of: ${targets// /, })" >&2
  exit 2
fi
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
  echo "tests/fuzz.sh: SECONDS must be a positive whole number, got '$seconds'" >&2
  exit 2
fi

./deploy/install-deps.sh clang libclang-rt-14-dev
echo "==> configuring build-fuzz/ (clang, libFuzzer, ASan, UBSan)"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DAUTHNET_FUZZ=ON >/dev/null
echo "==> building fuzz_$target"
cmake --build build-fuzz --target "fuzz_$target" -j "$(nproc 2>/dev/null || echo 2)"

corpus=tests/fuzz/corpus/$target
crashes=build-fuzz/crashes/$target
found=$(mktemp -d)
trap 'rm -rf "$found"' EXIT
mkdir -p "$corpus" "$crashes"
before=$(find "$corpus" -type f | wc -l)
echo "==> fuzzing $target for $seconds s from $before corpus inputs"
if ! "build-fuzz/bin/fuzz_$target" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$crashes/" "$found" "$corpus"; then
  echo "tests/fuzz.sh: fuzz_$target crashed or broke an invariant; the input is in $crashes/" \
       "(replay it: build-fuzz/bin/fuzz_$target FILE). Fix the bug, then add the input to $corpus/" >&2
  exit 1
fi
echo "==> merging inputs that reach new code into $corpus"
"build-fuzz/bin/fuzz_$target" -merge=1 "$corpus" "$found" 2>&1 | grep -E "MERGE-OUTER: [0-9]+ new files" || true
after=$(find "$corpus" -type f | wc -l)
echo "==> $target: $after corpus inputs ($((after - before)) new); ./tests/run.sh replays them" \
     "(ctest -R fuzz_corpus_$target); commit $corpus to keep them"
