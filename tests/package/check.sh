#!/usr/bin/env bash
# `scripts/package --check`: the artifacts in dist/ installed and used the way each ecosystem
# does it, outside the checkout. Builds dist/ first (scripts/package) when it is missing.
#   - SHA256SUMS matches; every artifact carries LICENSE-MIT and LICENSE-APACHE
#   - wheel: manylinux_2_17 by `auditwheel show`, no GLIBC symbol newer than 2.17 (objdump -T) in
#     the library and the emulator; installed in a fresh venv, test_installed.py runs with the
#     package's pytest fixture (no OPENCONNECTORS_* variable set)
#   - sdist: installed in another fresh venv, built from source by pip with cargo; same tests
#   - C SDK: SONAME and links (readelf), find_package(openconnectors <major>.<minor>) in a CMake
#     project linking shared and static, another minor refused; pkg-config builds; OC_VERSION of
#     the header equals oc_version(); the emulator answers --version
#   - NuGet: installed from a folder source with nuget, a program compiled with mcs against it
#     runs under Mono with the package's native library (LD_LIBRARY_PATH, then a dllmap)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
here=$root/tests/package

# dist/ is (re)built when it is missing or older than what goes into it.
inputs=(Cargo.toml Cargo.lock build.rs src emulator/Cargo.toml emulator/src include bindings/python/src
  bindings/python/setup.py bindings/python/pyproject.toml bindings/python/MANIFEST.in bindings/python/README.md
  bindings/csharp/src bindings/csharp/OpenConnectors.nuspec bindings/csharp/README.md cmake Makefile
  openconnectors.pc.in LICENSE-MIT LICENSE-APACHE README.md scripts/package)
if [ ! -f dist/SHA256SUMS ]; then
  scripts/package
elif [ -n "$(find "${inputs[@]}" -newer dist/SHA256SUMS -print -quit)" ]; then
  echo "check: dist/ is older than its sources; building it again"
  scripts/package
fi
version=$(make -s print-version)
major_minor=${version%.*}
sdk_name=libopenconnectors-$version-x86_64-linux-gnu
wheel=$(ls dist/openconnectors-"$version"-py3-none-*manylinux*_x86_64.whl)
sdist=dist/openconnectors-$version.tar.gz
nupkg=dist/OpenConnectors.$version.nupkg
tools=$root/target/package/venv

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

passed=0
skipped=0
ok() {
  passed=$((passed + 1))
  echo "ok: $*"
}
skip() {
  skipped=$((skipped + 1))
  echo "skipped: $*"
}
fail() {
  echo "FAILED: $*" >&2
  exit 1
}

# Users' environments: nothing of the project's test set-up, nothing of the package build.
for name in $(compgen -e); do
  case $name in OPENCONNECTORS_* | CARGO_BUILD_TARGET | CARGO_TARGET_DIR | CARGO) unset "$name" ;; esac
done

# ---- the artifacts as files ---------------------------------------------------------------------
(cd dist && sha256sum --quiet -c SHA256SUMS) || fail "SHA256SUMS does not match dist/"
ok "SHA256SUMS matches dist/ ($(grep -c . dist/SHA256SUMS) files)"

mkdir -p "$work/wheel" "$work/sdist-files" "$work/sdk" "$work/nupkg"
unzip -q "$wheel" -d "$work/wheel"
tar -C "$work/sdist-files" -xzf "$sdist"
tar -C "$work/sdk" -xzf "dist/$sdk_name.tar.gz"
unzip -q "$nupkg" -d "$work/nupkg"
sdk=$work/sdk/$sdk_name
for place in "$work/wheel/openconnectors-$version.dist-info/licenses" "$work/sdist-files/openconnectors-$version" \
  "$sdk" "$work/nupkg"; do
  for licence in LICENSE-MIT LICENSE-APACHE; do
    cmp -s "$place/$licence" "$licence" || fail "$licence missing or different in ${place#"$work"/}"
  done
done
ok "LICENSE-MIT and LICENSE-APACHE in the wheel, the sdist, the SDK and the NuGet package"

# ---- glibc floor: manylinux_2_17 -----------------------------------------------------------------
"$tools/bin/auditwheel" show "$wheel" >"$work/auditwheel.txt" 2>&1 || { cat "$work/auditwheel.txt"; fail "auditwheel show"; }
tr '\n' ' ' <"$work/auditwheel.txt" | grep -q 'consistent with the following platform tag: "manylinux_2_17_x86_64"' ||
  { cat "$work/auditwheel.txt"; fail "auditwheel does not find the wheel manylinux_2_17_x86_64"; }
ok "auditwheel show: $(basename "$wheel") is manylinux_2_17_x86_64"
newest_glibc() { objdump -T "$1" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -n 1; }
for binary in "$work/wheel/openconnectors/libopenconnectors.so" \
  "$work/wheel/openconnectors-$version.data/scripts/openconnectors-emulator" \
  "$sdk/lib/libopenconnectors.so.$version" "$sdk/bin/openconnectors-emulator" \
  "$work/nupkg/runtimes/linux-x64/native/libopenconnectors.so"; do
  newest=$(newest_glibc "$binary")
  [ "$(printf '%s\n2.17\n' "$newest" | sort -V | tail -n 1)" = 2.17 ] ||
    fail "${binary#"$work"/} needs GLIBC_$newest"
  echo "  ${binary#"$work"/}: newest symbol GLIBC_$newest"
done
ok "objdump -T: no symbol newer than GLIBC_2.17 in the libraries and the emulators"
cmp -s "$work/wheel/openconnectors/libopenconnectors.so" "$sdk/lib/libopenconnectors.so.$version" &&
  cmp -s "$work/wheel/openconnectors/libopenconnectors.so" "$work/nupkg/runtimes/linux-x64/native/libopenconnectors.so" &&
  cmp -s "$work/wheel/openconnectors-$version.data/scripts/openconnectors-emulator" "$sdk/bin/openconnectors-emulator" ||
  fail "the wheel, the SDK and the NuGet package do not ship the same library and emulator"
ok "the wheel, the SDK and the NuGet package ship the same library (and the wheel and the SDK the same emulator)"

# ---- Python: the wheel, then the sdist, each in a fresh venv ------------------------------------
mkdir -p "$work/elsewhere"
cp "$here/test_installed.py" "$work/elsewhere/"
python_check() { # kind, what to pip install
  local venv=$work/venv-$1
  python3 -m venv "$venv"
  # No cache: the sdist must really be built here, not taken from an earlier run's wheel.
  "$venv/bin/python" -m pip install -q --no-cache-dir --disable-pip-version-check "$2" "pytest>=7" \
    >"$work/pip-$1.log" 2>&1 || { tail -n 40 "$work/pip-$1.log"; fail "pip install of the $1"; }
  (cd "$work/elsewhere" && PATH=$venv/bin:$PATH EXPECTED_VERSION=$version \
    "$venv/bin/python" -m pytest -q -p no:cacheprovider -rs test_installed.py) ||
    fail "the tests of the installed $1"
}
python_check wheel "$root/$wheel"
ok "wheel: installed in a fresh venv; library inside the package, emulator on PATH, the fixture ran the flow"
python_check sdist "$root/$sdist"
ok "sdist: built from source by pip (setuptools-rust, cargo) in a fresh venv; the same tests pass"

# ---- C SDK -------------------------------------------------------------------------------------
soname=$(readelf -d "$sdk/lib/libopenconnectors.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
expected_soname=libopenconnectors.so.$major_minor
[ "${version%%.*}" = 0 ] || expected_soname=libopenconnectors.so.${version%%.*}
[ "$soname" = "$expected_soname" ] || fail "SONAME is '$soname', not $expected_soname"
[ "$(readlink "$sdk/lib/$soname")" = "libopenconnectors.so.$version" ] || fail "lib/$soname is not a link to the library"
[ "$(readlink "$sdk/lib/libopenconnectors.so")" = "$soname" ] || fail "lib/libopenconnectors.so is not a link to $soname"
ok "readelf -d: SONAME $soname; links .so -> $soname -> .so.$version"

command -v cmake >/dev/null || fail "cmake is needed (apt-get install cmake)"
cmake -S "$here" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$sdk" -DOPENCONNECTORS_VERSION="$major_minor" \
  >"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; fail "cmake configure with the SDK"; }
cmake --build "$work/cmake" >>"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; fail "cmake build"; }
readelf -d "$work/cmake/consumer_shared" | grep -q "NEEDED.*\[$soname\]" || fail "consumer_shared does not need $soname"
if readelf -d "$work/cmake/consumer_static" | grep -q 'NEEDED.*openconnectors'; then
  fail "consumer_static links the shared library"
fi
"$work/cmake/consumer_shared" && "$work/cmake/consumer_static" || fail "the CMake-built consumers"
ok "CMake: find_package(openconnectors $major_minor REQUIRED); shared and static consumers run"
other_minor=${version%%.*}.$((${major_minor#*.} + 1))
if cmake -S "$here" -B "$work/cmake-other" -DCMAKE_PREFIX_PATH="$sdk" -DOPENCONNECTORS_VERSION="$other_minor" \
  >"$work/cmake-other.log" 2>&1; then
  fail "find_package(openconnectors $other_minor) accepted $version"
fi
grep -q 'openconnectorsConfig.cmake, version: '"$version" "$work/cmake-other.log" ||
  { cat "$work/cmake-other.log"; fail "find_package($other_minor) failed for another reason"; }
ok "CMake: find_package(openconnectors $other_minor) refuses $version"

export PKG_CONFIG_PATH=$sdk/lib/pkgconfig
[ "$(pkg-config --modversion openconnectors)" = "$version" ] || fail "pkg-config --modversion"
flags="-std=c11 -Wall -Wextra -Werror -pedantic"
# shellcheck disable=SC2046,SC2086
cc $flags "$here/consumer.c" $(pkg-config --cflags --libs openconnectors) -Wl,-rpath,"$sdk/lib" \
  -o "$work/pc-shared"
# shellcheck disable=SC2046,SC2086
cc $flags "$here/consumer.c" $(pkg-config --cflags openconnectors) "$(pkg-config --variable=libdir openconnectors)/libopenconnectors.a" \
  $(pkg-config --static --libs-only-l openconnectors | sed 's/-lopenconnectors//') -o "$work/pc-static"
"$work/pc-shared" && "$work/pc-static" || fail "the pkg-config-built consumers"
ok "pkg-config: shared and static (Libs.private) consumers build against the unpacked SDK and run"
unset PKG_CONFIG_PATH

emulator=$sdk/bin/openconnectors-emulator
if version_out=$("$emulator" --version 2>"$work/version.err"); then
  [ "$version_out" = "openconnectors-emulator $version" ] || fail "emulator --version printed '$version_out'"
  ok "the SDK's emulator: --version prints '$version_out'"
elif grep -q 'unknown option --version' "$work/version.err"; then
  skip "the SDK's emulator does not support --version yet (it answers: $(head -n 1 "$work/version.err"))"
else
  cat "$work/version.err"
  fail "the SDK's emulator --version"
fi

# ---- NuGet under Mono, against the SDK's emulator ----------------------------------------------
grep -q '<license type="expression">MIT OR Apache-2.0</license>' "$work/nupkg/OpenConnectors.nuspec" ||
  fail "the nuspec has no licence expression"
for entry in lib/netstandard2.0/OpenConnectors.dll lib/netstandard2.0/OpenConnectors.xml \
  runtimes/linux-x64/native/libopenconnectors.so README.md; do
  [ -f "$work/nupkg/$entry" ] || fail "$entry missing from the NuGet package"
done
nuget install OpenConnectors -Version "$version" -Source "$root/dist" -OutputDirectory "$work/packages" \
  -NonInteractive >"$work/nuget.log" 2>&1 || { cat "$work/nuget.log"; fail "nuget install from dist/"; }
package=$work/packages/OpenConnectors.$version
mkdir -p "$work/app"
cp "$package/lib/netstandard2.0/OpenConnectors.dll" "$work/app/" # what a build copies to its output
mcs -langversion:7.2 -warnaserror -nologo -r:"$work/app/OpenConnectors.dll" -out:"$work/app/Consumer.exe" \
  "$here/Consumer.cs"

user_secret=check-user-$RANDOM$RANDOM
org_secret=check-org-$RANDOM$RANDOM
"$emulator" --listen 127.0.0.1:0 --user-secret "$user_secret" --organization-secret "$org_secret" \
  >"$work/emulator.out" 2>"$work/emulator.log" &
emulator_pid=$!
for _ in $(seq 100); do
  grep -q '^listening on ' "$work/emulator.out" 2>/dev/null && break
  sleep 0.05
done
base_url=$(sed -n 's/^listening on //p' "$work/emulator.out")
[ -n "$base_url" ] || fail "the SDK's emulator did not start"
native=$package/runtimes/linux-x64/native
# Mono does not look in runtimes/ by itself: without help the program cannot find the library.
if (cd "$work/app" && env -u LD_LIBRARY_PATH mono Consumer.exe "$version" "$base_url" "$user_secret" "$org_secret") \
  >"$work/mono-alone.log" 2>&1; then
  fail "the Mono consumer found a libopenconnectors without being told where (a system copy?)"
fi
grep -q DllNotFoundException "$work/mono-alone.log" || { cat "$work/mono-alone.log"; fail "the Mono consumer failed otherwise"; }
(cd "$work/app" && LD_LIBRARY_PATH=$native mono Consumer.exe "$version" "$base_url" "$user_secret" "$org_secret") ||
  fail "the Mono consumer with LD_LIBRARY_PATH"
cat >"$work/app/OpenConnectors.dll.config" <<EOF
<configuration>
  <dllmap dll="openconnectors" target="$native/libopenconnectors.so" />
</configuration>
EOF
(cd "$work/app" && env -u LD_LIBRARY_PATH mono Consumer.exe "$version" "$base_url" "$user_secret" "$org_secret") ||
  fail "the Mono consumer with a dllmap"
ok "NuGet: installed from a folder source; an mcs-built program runs under Mono (LD_LIBRARY_PATH, dllmap) against the SDK's emulator"

echo "checks: $passed passed, 0 failed, $skipped skipped"
