#!/usr/bin/env bash
# The C++ SDK used outside this tree (issue 19 item 4), as a checkout
# service's build would use it:
#   a. `cmake --install BUILD --component sdk` into a temporary prefix puts
#      the public header (without gRPC or generated includes), both static
#      libraries and the CMake package authnet there
#   b. sdk/examples/standalone/CMakeLists.txt, copied out of the tree with
#      checkout_example.cc, configures with find_package(authnet 0.1) against
#      that prefix and builds linking authnet::sdk alone: the installed
#      archives, and no path into the source or build tree
#   c. the binary runs: usage without arguments; against a socket nobody
#      listens on, the fail-open answer (a real gRPC call through the
#      installed protobuf and gRPC code)
#   d. a package recording another protobuf version than the consumer finds
#      fails find_package, naming both versions
#
#   sdk_install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail

BUILD=${1:?usage: sdk_install_test.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: sdk_install_test.sh BUILD_DIR SOURCE_DIR}
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$SRC" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/authnet-sdk-install-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
PREFIX="$WORK/prefix"

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }
# cache NAME: the value of NAME in the build's CMakeCache.txt ("" if unset).
cache() { sed -n "s/^$1:[A-Z]*=//p" "$BUILD/CMakeCache.txt"; }

[ -f "$BUILD/CMakeCache.txt" ] || fail "$BUILD is not a configured build directory"
LIBDIR=$(cache CMAKE_INSTALL_LIBDIR)
INCDIR=$(cache CMAKE_INSTALL_INCLUDEDIR)
{ [ -n "$LIBDIR" ] && [ -n "$INCDIR" ]; } || fail "$BUILD/CMakeCache.txt lacks CMAKE_INSTALL_LIBDIR/INCLUDEDIR"

# The consumer compiles as the build did: same compiler, and the build's
# sanitizers (an instrumented archive links only into an instrumented program).
CXX=$(cache CMAKE_CXX_COMPILER)
flags=""
if [ "$(cache AUTHNET_SANITIZE)" = ON ] || [ "$(cache AUTHNET_FUZZ)" = ON ]; then
  flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
fi
if [ "$(cache AUTHNET_FUZZ)" = ON ]; then
  flags="$flags -fsanitize=fuzzer-no-link"
fi

# configure_app DIR: configures the copied standalone example into DIR
# against $PREFIX; its output goes to DIR.log.
configure_app() {
  cmake -S "$WORK/app/src/standalone" -B "$1" -G Ninja -DCMAKE_PREFIX_PATH="$PREFIX" \
    -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" \
    >"$1.log" 2>&1
}

# ---------------------------------------------------------------- a. install
step "a. cmake --install $BUILD --component sdk --prefix $PREFIX"
cmake --install "$BUILD" --component sdk --prefix "$PREFIX" >"$WORK/install.log" 2>&1 ||
  { cat "$WORK/install.log" >&2; fail "cmake --install failed (is $BUILD fully built?)"; }
for f in "$INCDIR/authnet/client.h" "$LIBDIR/libauthnet_sdk.a" "$LIBDIR/libauthnet_proto.a" \
         "$LIBDIR/cmake/authnet/authnetConfig.cmake" \
         "$LIBDIR/cmake/authnet/authnetConfigVersion.cmake" \
         "$LIBDIR/cmake/authnet/authnetTargets.cmake"; do
  [ -f "$PREFIX/$f" ] || fail "the install lacks $f; it holds: $(cd "$PREFIX" && find . -type f | sort)"
done
if grep -nE '#include *[<"](grpcpp/|.*\.pb\.h)' "$PREFIX/$INCDIR"/authnet/*.h; then
  fail "an installed header includes gRPC or generated code (hold it behind the pimpl)"
fi
# The package records what it was built against (authnetConfig.cmake.in).
for v in PROTOBUF GRPC ABSL; do
  grep -qE "^set\(authnet_${v}_VERSION \"[0-9][0-9.]*\"\)$" \
    "$PREFIX/$LIBDIR/cmake/authnet/authnetConfig.cmake" ||
    fail "authnetConfig.cmake does not record authnet_${v}_VERSION"
done

# ---------------------------------------------------------------- b. build outside
step "b. sdk/examples/standalone out of tree, find_package(authnet) from $PREFIX"
mkdir -p "$WORK/app/src/standalone"
cp "$SRC/sdk/examples/standalone/CMakeLists.txt" "$WORK/app/src/standalone/"
cp "$SRC/sdk/examples/checkout_example.cc" "$WORK/app/src/"
APP="$WORK/app/build"
configure_app "$APP" || { cat "$APP.log" >&2; fail "configuring the standalone example failed"; }
cmake --build "$APP" -j 2 >"$WORK/app-build.log" 2>&1 ||
  { cat "$WORK/app-build.log" >&2; fail "building the standalone example failed"; }
# Linked from the prefix, the generated code's archive included, and
# nothing reached back into the tree it was built from.
for a in libauthnet_sdk.a libauthnet_proto.a; do
  grep -qF "$PREFIX/$LIBDIR/$a" "$APP/build.ninja" || fail "checkout_example does not link $PREFIX/$LIBDIR/$a"
done
if grep -nF -e "$SRC/sdk/include" -e "$BUILD/" "$APP/build.ninja"; then
  fail "the installed package points into $SRC or $BUILD"
fi

# ---------------------------------------------------------------- c. run
step "c. the out-of-tree checkout_example runs"
set +e
out=$("$APP/checkout_example" 2>&1)
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "checkout_example without arguments: exit $rc, want 2 ($out)"
[[ "$out" == "usage: checkout_example TARGET GTIN SERIAL"* ]] || fail "no usage line: $out"

# Nobody listens on this socket: the 50 ms deadline passes and the
# example's fail-open policy answers allow, marked degraded.
set +e
out=$("$APP/checkout_example" "unix:$WORK/nobody.sock" 4006381333931 SN-1 2>&1)
rc=$?
set -e
[ "$rc" -eq 0 ] || fail "checkout_example against no node: exit $rc ($out)"
want="decision: allow (risk 0.00, 0 reporters) [node unavailable: fail-open]"
[ "$out" = "$want" ] || fail "checkout_example against no node printed '$out', want '$want'"

# ---------------------------------------------------------------- d. mismatch
step "d. a package built against another protobuf refuses this one"
config="$PREFIX/$LIBDIR/cmake/authnet/authnetConfig.cmake"
found=$(sed -n 's/^set(authnet_PROTOBUF_VERSION "\(.*\)")$/\1/p' "$config")
sed -i 's/^set(authnet_PROTOBUF_VERSION ".*")$/set(authnet_PROTOBUF_VERSION "3.0.0")/' "$config"
if configure_app "$WORK/app/mismatch"; then
  fail "find_package(authnet) accepted Protobuf $found for a package built against 3.0.0"
fi
# CMake wraps the message; compare with lines and indentation joined.
said=$(tr -s ' \n' '  ' <"$WORK/app/mismatch.log")
for want in "Protobuf $found" "built against 3.0.0"; do
  [[ "$said" == *"$want"* ]] ||
    { cat "$WORK/app/mismatch.log" >&2; fail "the mismatch message does not say '$want'"; }
done

echo "PASS: sdk_install"
