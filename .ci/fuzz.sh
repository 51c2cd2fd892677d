#!/usr/bin/env bash
# Builds the libFuzzer driver (Fuzz/) with AddressSanitizer and coverage, replays every
# committed input, then fuzzes each target for a bounded time. Docs/Reliability.md explains
# the targets and how to run the long campaigns.
#
#   .ci/fuzz.sh                      # every target, FUZZ_SECONDS (default 25) each
#   .ci/fuzz.sh spec-parser          # one target
#   FUZZ_SECONDS=3600 .ci/fuzz.sh    # a long run (the corpus grows in .build-fuzz/corpus)
#
# A crash leaves its input in .build-fuzz/crashes/<target>/ and fails the script; commit the
# input to Fuzz/Regressions/<target>/ with the fix, and FuzzTargetsTests replays it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="$PATH:/opt/swift/usr/bin"
fi

seconds=${FUZZ_SECONDS:-25}
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(spec-parser control-messages addresses option-values)
scratch=.build-fuzz

# swiftc's -sanitize=fuzzer links libFuzzer's main into every executable, and SwiftPM hands
# the flag to the build tool (socket-gen) as well, which has its own main. So the modules get
# the coverage instrumentation that -sanitize=fuzzer would give them, and libFuzzer is linked
# as a plain archive: an executable with a main of its own (socket-gen) takes nothing from it,
# and otp-socket-fuzz, built with OTP_SOCKET_FUZZ, calls its driver.
toolchain=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")
libfuzzer=$(ls "$toolchain"/lib/clang/*/lib/linux/libclang_rt.fuzzer-"$(uname -m)".a 2>/dev/null | head -1)
[ -n "$libfuzzer" ] || { echo "fuzz: no libclang_rt.fuzzer in $toolchain" >&2; exit 1; }

start=$(date +%s)
# socket-gen runs under AddressSanitizer while building: its leaks at exit are not ours.
mkdir -p "$scratch"
# (gold warns once per AddressSanitizer helper symbol; those lines are dropped.)
if ! ASAN_OPTIONS=detect_leaks=0 swift build -c release --product otp-socket-fuzz --scratch-path "$scratch" \
    -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table \
    -Xswiftc -DOTP_SOCKET_FUZZ -Xlinker "$libfuzzer" -Xlinker -lstdc++ >"$scratch/build.log" 2>&1; then
    grep -v "Cannot export local symbol" "$scratch/build.log" | tail -40 >&2
    echo "fuzz: the build failed" >&2
    exit 1
fi
fuzzer="$scratch/release/otp-socket-fuzz"
echo "fuzz: built in $(( $(date +%s) - start )) s"

status=0
for target in "${targets[@]}"; do
    corpus="$scratch/corpus/$target"
    crashes="$scratch/crashes/$target"
    mkdir -p "$corpus" "$crashes"
    # Every committed input first: a regression fails here, before any fuzzing.
    regressions=(Fuzz/Regressions/"$target"/*)
    if [ -e "${regressions[0]}" ]; then
        "$fuzzer" --target="$target" -runs=0 "${regressions[@]}" >/dev/null 2>"$crashes/replay.log" || {
            echo "fuzz: $target: a committed regression input fails again:" >&2
            tail -30 "$crashes/replay.log" >&2
            status=1
            continue
        }
    fi
    log="$crashes/fuzz.log"
    if "$fuzzer" --target="$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
        -print_final_stats=1 -artifact_prefix="$crashes/" "$corpus" "Fuzz/Corpus/$target" >"$log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
        echo "fuzz: $target: $runs inputs in ${seconds} s, no failure"
    else
        echo "fuzz: $target: FAILED; the input is in $crashes/" >&2
        grep -E "Fatal error|ERROR: AddressSanitizer|SUMMARY|Test unit written|deadly signal" "$log" | head -10 >&2
        status=1
    fi
done
echo "fuzz: done in $(( $(date +%s) - start )) s"
exit $status
