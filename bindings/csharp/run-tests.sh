#!/usr/bin/env bash
# Builds the C# package and its NUnit tests with Mono's mcs into target/csharp/ of the checkout
# and runs them with nunit-console against the emulator. Exits non-zero on any failure.
#
# Expects a debug build of the library and the emulator:
#   cargo build -p openconnectors -p openconnectors-emulator
# Environment:
#   OPENCONNECTORS_LIBRARY_DIR  directory holding libopenconnectors.so (default target/debug);
#                               Mono finds the library through LD_LIBRARY_PATH, set from it here
#   OPENCONNECTORS_EMULATOR     the emulator binary (default target/debug/openconnectors-emulator)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
lib_dir="${OPENCONNECTORS_LIBRARY_DIR:-$root/target/debug}"
emulator="${OPENCONNECTORS_EMULATOR:-$root/target/debug/openconnectors-emulator}"
out="$root/target/csharp"

nunit_framework() {
  ls /usr/lib/cli/nunit.framework-*/nunit.framework.dll 2>/dev/null | sort -V | tail -n 1
}

# Mono, NUnit 2.6 and Mono's System.Net.Http from Debian, installed only when missing.
missing=()
command -v mcs >/dev/null || missing+=(mono-mcs)
command -v mono >/dev/null || missing+=(mono-runtime)
command -v nunit-console >/dev/null || missing+=(nunit-console)
[ -n "$(nunit_framework)" ] || missing+=(libnunit-cil-dev)
# HttpClient, used by the tests' emulator helper.
[ -f /usr/lib/mono/4.5/System.Net.Http.dll ] || missing+=(libmono-system-net-http4.0-cil)
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing ${missing[*]}" >&2
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"; then
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
  fi
fi
framework="$(nunit_framework)"

[ -f "$lib_dir/libopenconnectors.so" ] || {
  echo "error: $lib_dir/libopenconnectors.so not found; run cargo build -p openconnectors or set OPENCONNECTORS_LIBRARY_DIR" >&2
  exit 2
}
[ -x "$emulator" ] || {
  echo "error: emulator $emulator not found; run cargo build -p openconnectors-emulator or set OPENCONNECTORS_EMULATOR" >&2
  exit 2
}

mkdir -p "$out"
rm -f "$out/OpenConnectors.dll" "$out/OpenConnectors.Tests.dll" "$out/TestResult.xml"

# The package: C# 7.2, every warning an error, XML documentation required on public members.
mcs -target:library -langversion:7.2 -warn:4 -warnaserror -debug -nologo \
  -doc:"$out/OpenConnectors.xml" -out:"$out/OpenConnectors.dll" -recurse:"$here/src/*.cs"

mcs -target:library -langversion:7.2 -warn:4 -warnaserror -debug -nologo \
  -r:"$out/OpenConnectors.dll" -r:"$framework" -r:System.Net.Http \
  -out:"$out/OpenConnectors.Tests.dll" -recurse:"$here/tests/*.cs"

echo "nunit.framework: $framework"
echo "library:         $lib_dir/libopenconnectors.so"
echo "emulator:        $emulator"

# nunit-console 2.6 exits with the number of failed, errored and not-runnable tests (negative
# for its own errors); the result file is checked as well so that a run that found no tests fails.
# The run gets its own process group, so that an emulator the tests started is stopped even if
# the runner dies before the tests' own clean-up runs.
cd "$out"
LD_LIBRARY_PATH="$lib_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
OPENCONNECTORS_EMULATOR="$emulator" \
  setsid timeout 300 nunit-console -nologo -noshadow -labels \
    -result="$out/TestResult.xml" "$out/OpenConnectors.Tests.dll" &
runner=$!
set +e
wait "$runner"
rc=$?
set -e
kill -TERM -- "-$runner" 2>/dev/null || true

summary="$(grep -o '<test-results [^>]*>' "$out/TestResult.xml" 2>/dev/null || true)"
attr() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$summary"; }
total="$(attr total)"
failures="$(attr failures)"
errors="$(attr errors)"
not_run="$(attr not-run)"
invalid="$(attr invalid)"
echo "summary: total=${total:-?} failures=${failures:-?} errors=${errors:-?} not-run=${not_run:-?} invalid=${invalid:-?} (nunit-console exit code $rc)"

if [ "$rc" -ne 0 ]; then
  echo "FAILED: nunit-console exited with $rc" >&2
  exit 1
fi
if [ -z "$total" ] || [ "$total" -eq 0 ] || [ "${failures:-1}" -ne 0 ] || [ "${errors:-1}" -ne 0 ] || [ "${invalid:-0}" -ne 0 ]; then
  echo "FAILED: the result file does not show a complete, clean run" >&2
  exit 1
fi
echo "OK: all $total C# tests passed"
