#!/usr/bin/env bash
# Runs the whole test suite under ThreadSanitizer and under AddressSanitizer, each built
# once in its own scratch path (.build-tsan, .build-asan), serially (--no-parallel, as the
# plain run). Both must pass. Docs/Reliability.md explains what each checks.
#
#   .ci/sanitizers.sh              # both
#   .ci/sanitizers.sh thread       # one: thread or address
#   SANITIZER_FILTER=CancelRace .ci/sanitizers.sh thread   # a subset while iterating
#
# OTP_SOCKET_STRESS_DIVISOR (default 10) shrinks the load tests (Reliability.scaled): an
# operation costs several times more under a sanitizer, and the counts of the plain run
# would take most of an hour. The checks stay the same.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="$PATH:/opt/swift/usr/bin"
fi

export OTP_SOCKET_STRESS_DIVISOR=${OTP_SOCKET_STRESS_DIVISOR:-10}
sanitizers=("$@")
[ ${#sanitizers[@]} -eq 0 ] && sanitizers=(thread address)
filter=()
[ -n "${SANITIZER_FILTER:-}" ] && filter=(--filter "$SANITIZER_FILTER")
here=$(pwd)

status=0
for sanitizer in "${sanitizers[@]}"; do
    case "$sanitizer" in
    thread)
        scratch=.build-tsan
        # TSan cannot see inside the standard library's futex-based Mutex, so every
        # Mutex-guarded state would look racy: OTP_SOCKET_TSAN_MUTEX swaps in a pthread
        # Mutex of the same shape (Sources/OTPSocket/ThreadSanitizerMutex.swift).
        flags=(--sanitize=thread -Xswiftc -DOTP_SOCKET_TSAN_MUTEX)
        # halt_on_error=0: every report is printed; the process still exits non-zero (66).
        export TSAN_OPTIONS="suppressions=$here/.ci/tsan.supp second_deadlock_stack=1 history_size=4 ${TSAN_OPTIONS:-}"
        ;;
    address)
        scratch=.build-asan
        flags=(--sanitize=address)
        export ASAN_OPTIONS="detect_stack_use_after_return=0 ${ASAN_OPTIONS:-}"
        export LSAN_OPTIONS="suppressions=$here/.ci/lsan.supp print_suppressions=0 ${LSAN_OPTIONS:-}"
        ;;
    *)
        echo "sanitizers: unknown sanitizer $sanitizer (thread or address)" >&2
        exit 2
        ;;
    esac
    start=$(date +%s)
    mkdir -p "$scratch"
    if ! swift build --build-tests --scratch-path "$scratch" "${flags[@]}" >"$scratch/build.log" 2>&1; then
        tail -40 "$scratch/build.log" >&2
        echo "sanitizers: $sanitizer: the build failed" >&2
        status=1
        continue
    fi
    built=$(date +%s)
    echo "sanitizers: $sanitizer: built in $(( built - start )) s"
    log="$scratch/test.log"
    if swift test --skip-build --no-parallel --scratch-path "$scratch" "${flags[@]}" "${filter[@]}" >"$log" 2>&1; then
        echo "sanitizers: $sanitizer: $(grep -E 'Test run with .* passed' "$log" | tail -1) ($(( $(date +%s) - built )) s)"
    else
        status=1
        echo "sanitizers: $sanitizer: FAILED ($(( $(date +%s) - built )) s); the log is $log" >&2
        # With each failure, the line under it that says what the test saw (swift-testing
        # prints an issue's message as "↳ ..."; its doc comment's lines start "↳ ///").
        grep -E "WARNING: ThreadSanitizer|ERROR: AddressSanitizer|ERROR: LeakSanitizer|SUMMARY:|✘|Fatal error|^↳ " "$log" \
            | grep -vE "^↳ (///|Testing Library Version|Target Platform)" | cut -c1-3000 | head -60 >&2
    fi
done
exit $status
