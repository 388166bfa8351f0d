#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, one after the other, and prints a table:
# target | executions | exec/s | crashes | slow inputs (> 100 ms when replayed).
#
#   fuzz/run.sh [seconds-per-target] [target...]      (default: 60 s, every target)
#
# Stable Rust: cargo-fuzz drives libFuzzer (libfuzzer-sys) with `--sanitizer none`, which
# needs no nightly flag. A crash stops that target's run (the input is saved under
# fuzz/artifacts/<target>/) and the script goes on with the next target; it exits 1 when any
# target crashed. Working corpora grow under fuzz/work/corpus/<target>/ (not committed); the
# committed seeds in fuzz/corpus/<target>/ and reproducers in fuzz/regressions/<target>/ are
# only read (so every run replays the reproducers first). Each fuzzer runs in a network
# namespace of its own (loopback only) when `unshare -n` is allowed.
set -u
cd "$(dirname "$0")"
FUZZ_DIR=$(pwd)
SECONDS_PER_TARGET=${1:-60}
shift || true
ALL_TARGETS=(config oauth_url_request new_instance instance_id list_instances update_instance
             api_request parse_callback await_callback_request decode_answers verify_webhook ffi)
if [ $# -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi
SLOW_MS=${SLOW_MS:-100}
CARGO_FUZZ_VERSION=0.13.2

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz $CARGO_FUZZ_VERSION" >&2
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked || exit 2
fi

started=$(date +%s)
echo "== building ${#TARGETS[@]} targets (cargo fuzz build --sanitizer none --release)" >&2
for t in "${TARGETS[@]}"; do
    cargo fuzz build --sanitizer none --release "$t" >&2 || { echo "build of $t failed" >&2; exit 2; }
done
BIN_DIR=$FUZZ_DIR/target/$(rustc -vV | sed -n 's/^host: //p')/release

# A network namespace with only loopback up: no input can make a target reach another host.
NETNS=()
if unshare -n true 2>/dev/null && command -v ip >/dev/null; then
    NETNS=(unshare -n sh -c 'ip link set lo up && exec "$@"' sh)
fi

mkdir -p work/logs
rows=()
any_crash=0
for t in "${TARGETS[@]}"; do
    mkdir -p "work/corpus/$t" "artifacts/$t" "corpus/$t" "regressions/$t"
    log=work/logs/$t.log
    before=$(ls "artifacts/$t" | wc -l)
    echo "== $t: ${SECONDS_PER_TARGET}s" >&2
    "${NETNS[@]}" "$BIN_DIR/$t" "work/corpus/$t" "corpus/$t" "regressions/$t" \
        -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
        -dict=json.dict -print_final_stats=1 -artifact_prefix="artifacts/$t/" >"$log" 2>&1
    rc=$?
    after=$(ls "artifacts/$t" | wc -l)
    crashes=$((after - before))
    if [ $rc -ne 0 ] && [ $crashes -eq 0 ]; then crashes=1; fi   # died without an artifact
    [ $crashes -gt 0 ] && any_crash=1
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    if [ -z "$execs" ]; then   # a crash ends the run before the final stats
        execs=$(grep -Eo '^#[0-9]+' "$log" | tail -1 | tr -d '#')
        rate=$(grep -Eo 'exec/s: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+')
    fi
    # Replay the corpus (each input once) and count the inputs slower than SLOW_MS.
    slow=$("${NETNS[@]}" "$BIN_DIR/$t" -runs=1 "work/corpus/$t" "corpus/$t" "regressions/$t" 2>&1 >/dev/null |
        awk -v lim="$SLOW_MS" '/^Executed .* in [0-9]+ ms$/ { if ($(NF-1) > lim) { n++; print "  slow: " $2 " " $(NF-1) " ms" > "/dev/stderr" } } END { print n+0 }')
    if [ $crashes -gt 0 ]; then
        echo "  CRASH in $t (exit $rc); see $FUZZ_DIR/$log and artifacts/$t/:" >&2
        grep -E "panicked at|^SUMMARY|Test unit written" "$log" | head -5 | sed 's/^/    /' >&2
    fi
    rows+=("$(printf '| %-22s | %12s | %8s | %7s | %4s |' "$t" "${execs:-?}" "${rate:-?}" "$crashes" "$slow")")
done

printf '\n| %-22s | %12s | %8s | %7s | %4s |\n' target executions exec/s crashes slow
printf '|%s|%s|%s|%s|%s|\n' ------------------------ -------------- ---------- --------- ------
printf '%s\n' "${rows[@]}"
echo "total time: $(( $(date +%s) - started )) s (${SECONDS_PER_TARGET} s per target)"
exit $any_crash
