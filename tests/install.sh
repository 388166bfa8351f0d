#!/usr/bin/env bash
# The library as a C user gets it: `make install PREFIX=...` (versioned library with its SONAME
# links, static library, pkg-config and CMake files, emulator), then examples/flow.c built with
# pkg-config (shared and static) and run against the emulator, with curl as the browser. Also
# a staged install (DESTDIR, PREFIX=/usr, a multiarch LIBDIR) laid out as a distribution
# package would have it, and found by CMake there.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d)
emulator_pid=""
cleanup() {
  if [ -n "$emulator_pid" ]; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "install: $*" >&2
  exit 1
}

version=$(make -s print-version)
soname=$(make -s print-soname)
make -s install PREFIX="$work/prefix" >/dev/null
lib=$work/prefix/lib
[ "$(readlink "$lib/libopenconnectors.so")" = "$soname" ] || fail "lib/libopenconnectors.so is not a link to $soname"
[ "$(readlink "$lib/$soname")" = "libopenconnectors.so.$version" ] || fail "lib/$soname is not a link to the library"
readelf -d "$lib/libopenconnectors.so.$version" | grep -q "(SONAME).*\[$soname\]" || fail "the library's SONAME is not $soname"
[ -x "$work/prefix/bin/openconnectors-emulator" ] || fail "no bin/openconnectors-emulator"
export PKG_CONFIG_PATH="$lib/pkgconfig"
flags="-std=c11 -Wall -Wextra -Werror -pedantic"
# shellcheck disable=SC2046,SC2086
cc $flags examples/flow.c $(pkg-config --cflags --libs openconnectors) \
  -Wl,-rpath,"$lib" -o "$work/flow-shared"
readelf -d "$work/flow-shared" | grep -q "NEEDED.*\[$soname\]" || fail "flow-shared does not need $soname"
# shellcheck disable=SC2046,SC2086
cc $flags examples/flow.c $(pkg-config --cflags openconnectors) "$lib/libopenconnectors.a" \
  $(pkg-config --static --libs-only-l openconnectors | sed 's/-lopenconnectors//') -o "$work/flow-static"
if ldd "$work/flow-static" | grep -q openconnectors; then
  fail "the static build links the shared library"
fi

# A staged install, as distributions build packages: nothing is built again.
stage=$work/stage
make -s install-files DESTDIR="$stage" PREFIX=/usr LIBDIR=/usr/lib/x86_64-linux-gnu >/dev/null
for file in include/openconnectors.h bin/openconnectors-emulator lib/x86_64-linux-gnu/libopenconnectors.a \
  lib/x86_64-linux-gnu/libopenconnectors.so.$version lib/x86_64-linux-gnu/pkgconfig/openconnectors.pc \
  lib/x86_64-linux-gnu/cmake/openconnectors/openconnectorsConfig.cmake \
  lib/x86_64-linux-gnu/cmake/openconnectors/openconnectorsConfigVersion.cmake; do
  [ -e "$stage/usr/$file" ] || fail "the staged install has no /usr/$file"
done
pc=$stage/usr/lib/x86_64-linux-gnu/pkgconfig/openconnectors.pc
# shellcheck disable=SC2016 # ${prefix} is literal in a .pc file
grep -qx 'prefix=/usr' "$pc" && grep -qx 'libdir=${prefix}/lib/x86_64-linux-gnu' "$pc" ||
  { cat "$pc"; fail "the staged openconnectors.pc does not name /usr and the multiarch libdir"; }
if command -v cmake >/dev/null; then
  cmake -S tests/package -B "$work/cmake" -DCMAKE_PREFIX_PATH="$stage/usr" \
    -DCMAKE_LIBRARY_ARCHITECTURE=x86_64-linux-gnu -DOPENCONNECTORS_VERSION="${version%.*}" >"$work/cmake.log" 2>&1 &&
    cmake --build "$work/cmake" >>"$work/cmake.log" 2>&1 &&
    "$work/cmake/consumer_static" >/dev/null || { cat "$work/cmake.log"; fail "CMake with the staged install"; }
  echo "install: the staged install (DESTDIR, PREFIX=/usr, multiarch LIBDIR) is found by CMake"
else
  echo "install: cmake is not installed; the staged install was checked without it"
fi

user_secret="install-user-secret-$RANDOM$RANDOM"
org_secret="install-org-secret-$RANDOM$RANDOM"
api_secret="install-api-secret-$RANDOM$RANDOM"
"${OPENCONNECTORS_EMULATOR:-$root/target/debug/openconnectors-emulator}" --listen 127.0.0.1:0 \
  --user-secret "$user_secret" --organization-secret "$org_secret" \
  >"$work/emulator.out" 2>"$work/emulator.log" &
emulator_pid=$!
for _ in $(seq 100); do
  grep -q '^listening on ' "$work/emulator.out" 2>/dev/null && break
  sleep 0.05
done
base_url=$(sed -n 's/^listening on //p' "$work/emulator.out")
[ -n "$base_url" ] || { echo "install: the emulator did not start" >&2; exit 1; }

for kind in shared static; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  OC_BASE_URL=$base_url OC_USER_SECRET=$user_secret OC_ORGANIZATION_SECRET=$org_secret \
    OC_API_KEY=install-client-id OC_API_SECRET=$api_secret \
    OC_CALLBACK_URL="http://127.0.0.1:$port/auth" \
    "$work/flow-$kind" >"$work/flow-$kind.out" 2>&1 &
  flow_pid=$!
  url=""
  for _ in $(seq 200); do
    url=$(grep -m1 '^http' "$work/flow-$kind.out" || true)
    [ -n "$url" ] && break
    sleep 0.05
  done
  [ -n "$url" ] || { cat "$work/flow-$kind.out"; echo "install: no authorization URL" >&2; exit 1; }
  # The browser: open the consent page and follow the redirect to the callback listener.
  curl -sS -L --retry 10 --retry-connrefused --retry-delay 1 -o /dev/null "$url"
  if ! wait "$flow_pid"; then
    cat "$work/flow-$kind.out"
    echo "install: examples/flow.c ($kind) failed" >&2
    exit 1
  fi
  grep -q '^Deleted: {"deleted":true' "$work/flow-$kind.out" || { cat "$work/flow-$kind.out"; exit 1; }
  for secret in "$user_secret" "$org_secret" "$api_secret"; do
    if grep -q -- "$secret" "$work/flow-$kind.out" "$work/emulator.log"; then
      echo "install: a secret appears in the output" >&2
      exit 1
    fi
  done
  echo "install: examples/flow.c ($kind, via pkg-config) ran the whole flow"
done
