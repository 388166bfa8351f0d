#!/usr/bin/env bash
# The library as a C user gets it: `make install PREFIX=...`, then examples/flow.c built with
# pkg-config (shared and static) and run against the emulator, with curl as the browser.
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

make -s install PREFIX="$work/prefix" >/dev/null
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
flags="-std=c11 -Wall -Wextra -Werror -pedantic"
# shellcheck disable=SC2046,SC2086
cc $flags examples/flow.c $(pkg-config --cflags --libs openconnectors) \
  -Wl,-rpath,"$work/prefix/lib" -o "$work/flow-shared"
# shellcheck disable=SC2046,SC2086
cc $flags examples/flow.c $(pkg-config --cflags openconnectors) \
  "$work/prefix/lib/libopenconnectors.a" -lpthread -ldl -lm -o "$work/flow-static"
if ldd "$work/flow-static" | grep -q openconnectors; then
  echo "install: the static build links the shared library" >&2
  exit 1
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
