#!/usr/bin/env bash
# The Debian package (issue 20 item 5), as a Debian user installs it:
#   a. `cpack -G DEB` makes it from the install rules: the binaries, the
#      unit naming /usr/bin, the example configuration, the SDK and its
#      CMake package, the maintainer scripts; Depends computed from the
#      libraries the binaries link
#   b. `dpkg -i` (as root, when no authnet package is installed): the
#      authnet system user and its directories exist, nothing is enabled,
#      the unit passes `systemd-analyze verify`, `authnetd --check-config`
#      accepts the installed configuration, an outside CMake project finds
#      and links the SDK from /usr; `dpkg --purge` removes the program and
#      the configuration and keeps the data directory
#   Exit 77 (ctest: skipped) when b cannot run here: not root, or an authnet
#   package is installed already (it is never touched).
#
#   package_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail

BUILD=$(cd "${1:?usage: package_test.sh BUILD_DIR SOURCE_DIR}" && pwd)
SRC=$(cd "${2:?usage: package_test.sh BUILD_DIR SOURCE_DIR}" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/authnet-package-XXXXXX")
installed=""
# What the package leaves by design (the user, the data directory) is
# removed after the test when the test made it.
had_user=$(getent passwd authnet >/dev/null && echo 1 || true)
had_data=$([ -e /var/lib/authnet ] && echo 1 || true)
cleanup() {
  if [ -n "$installed" ]; then
    dpkg --purge authnet >/dev/null 2>&1 || true
  fi
  if [ "$(id -u)" -eq 0 ]; then
    [ -n "$had_data" ] || rm -rf /var/lib/authnet
    if [ -z "$had_user" ] && getent passwd authnet >/dev/null; then
      userdel authnet 2>/dev/null || true
      groupdel authnet 2>/dev/null || true
    fi
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
source "$SRC/tests/testing/lib.sh"

# ---------------------------------------------------------------- a. build
step "a. cpack -G DEB from $BUILD"
(cd "$BUILD" && cpack -G DEB -B "$WORK/pkg") >"$WORK/cpack.log" 2>&1 ||
  fail "cpack failed: $(tail -20 "$WORK/cpack.log")"
DEB=$(ls "$WORK"/pkg/authnet_*_*.deb)
echo "  $(basename "$DEB"), $(du -h "$DEB" | cut -f1)"
control=$(dpkg-deb --field "$DEB")
for want in "Package: authnet" "Section: net"; do
  grep -qxF "$want" <<<"$control" || fail "control lacks '$want': $control"
done
depends=$(dpkg-deb --field "$DEB" Depends)
for lib in adduser libgrpc++1.51 libprotobuf32 libssl3 libsqlite3-0; do
  grep -qw -- "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
contents=$(dpkg-deb --contents "$DEB" | awk '{print $6}')
for f in ./usr/bin/authnetd ./usr/bin/authnetctl ./usr/lib/systemd/system/authnetd.service \
         ./usr/share/authnet/authnetd.toml ./usr/include/authnet/client.h \
         ./usr/lib/libauthnet_sdk.a ./usr/lib/libauthnet_proto.a \
         ./usr/lib/cmake/authnet/authnetConfig.cmake; do
  grep -qxF "$f" <<<"$contents" || fail "the package lacks $f: $contents"
done
dpkg-deb --ctrl-tarfile "$DEB" | tar -t | grep -qx './postinst' || fail "no postinst"
dpkg-deb -x "$DEB" "$WORK/root"
grep -qx 'ExecStart=/usr/bin/authnetd --config /etc/authnet/authnetd.toml' \
  "$WORK/root/usr/lib/systemd/system/authnetd.service" || fail "the unit does not run /usr/bin/authnetd"
if readelf -S "$WORK/root/usr/bin/authnetd" | grep -q '\.debug_info'; then
  fail "authnetd in the package carries debug info (not stripped)"
fi

# ---------------------------------------------------------------- b. install
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: dpkg -i needs root; the package was built and inspected only"
  exit 77
fi
if dpkg-query -W -f='${Status}' authnet 2>/dev/null | grep -q installed; then
  echo "SKIP: an authnet package is installed on this machine; it is left alone"
  exit 77
fi
step "b. dpkg -i $(basename "$DEB")"
installed=1
dpkg -i "$DEB" >"$WORK/dpkg.log" 2>&1 || fail "dpkg -i: $(cat "$WORK/dpkg.log")"
IFS=: read -r _ _ uid _ _ home shell < <(getent passwd authnet) || fail "no authnet user"
[ "$uid" -lt 1000 ] && [ "$home" = /var/lib/authnet ] || fail "authnet user: uid $uid, home $home"
[[ "$shell" == */nologin || "$shell" == */false ]] || fail "the authnet user has a login shell: $shell"
[ "$(stat -c '%a %U %G' /var/lib/authnet)" = "750 authnet authnet" ] ||
  fail "/var/lib/authnet: $(stat -c '%a %U %G' /var/lib/authnet)"
[ "$(stat -c '%a %U %G' /etc/authnet/authnetd.toml)" = "640 root authnet" ] ||
  fail "/etc/authnet/authnetd.toml: $(stat -c '%a %U %G' /etc/authnet/authnetd.toml)"
if ls /etc/systemd/system/*.wants/authnetd.service >/dev/null 2>&1; then
  fail "the package enabled authnetd.service"
fi
if command -v systemd-analyze >/dev/null 2>&1; then
  out=$(systemd-analyze verify /usr/lib/systemd/system/authnetd.service 2>&1) ||
    fail "systemd-analyze verify: $out"
  if grep -q 'authnetd\.service' <<<"$out"; then fail "systemd-analyze verify: $out"; fi
fi
/usr/bin/authnetd --version | grep -q "^authnetd " || fail "authnetd --version"

step "b. authnetd --check-config on the installed configuration, with a bundle"
/usr/bin/authnetctl network init --network pkgtest --dir "$WORK/admin" >/dev/null
/usr/bin/authnetctl member add acme --dir "$WORK/admin" --endpoint 127.0.0.1:7443 \
  --out "$WORK/bundle" >/dev/null
out=$(/usr/bin/authnetd --check-config --config /etc/authnet/authnetd.toml \
  --bundle "$WORK/bundle" --data "$WORK/data" --api-listen "unix:$WORK/api.sock" 2>&1) ||
  fail "check-config on /etc/authnet/authnetd.toml: $out"
grep -q "configuration OK (/etc/authnet/authnetd.toml)" <<<"$out" || fail "check-config said: $out"

step "b. an outside CMake project finds the installed SDK (find_package(authnet)) and links it"
mkdir -p "$WORK/app/src/standalone"
cp "$SRC/sdk/examples/standalone/CMakeLists.txt" "$WORK/app/src/standalone/"
cp "$SRC/sdk/examples/checkout_example.cc" "$WORK/app/src/"
cmake -S "$WORK/app/src/standalone" -B "$WORK/app/build" -G Ninja >"$WORK/app.log" 2>&1 ||
  fail "configuring against /usr: $(cat "$WORK/app.log")"
grep -q "authnet_DIR:PATH=/usr/lib/cmake/authnet" "$WORK/app/build/CMakeCache.txt" ||
  fail "find_package(authnet) did not find /usr/lib/cmake/authnet"
cmake --build "$WORK/app/build" -j 2 >>"$WORK/app.log" 2>&1 || fail "building: $(tail -20 "$WORK/app.log")"
set +e
out=$("$WORK/app/build/checkout_example" "unix:$WORK/nobody.sock" 4006381333931 SN-1 2>&1)
set -e
[ "$out" = "decision: allow (risk 0.00, 0 reporters) [node unavailable: fail-open]" ] ||
  fail "checkout_example built against /usr printed: $out"

step "b. dpkg --purge removes the program and the configuration, keeps the data"
dpkg --purge authnet >"$WORK/dpkg.log" 2>&1 || fail "dpkg --purge: $(cat "$WORK/dpkg.log")"
installed=""
[ ! -e /usr/bin/authnetd ] && [ ! -e /etc/authnet ] || fail "purge left /usr/bin/authnetd or /etc/authnet"
[ -d /var/lib/authnet ] || fail "purge removed the data directory"
echo "PASS: package"
