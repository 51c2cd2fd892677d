#!/usr/bin/env bash
# Benchmarks/run.sh: build the C baseline and the Swift benchmark, run every
# (workload, repetition) for C and each library style alternately, one process
# per run, and print a markdown table of medians and library/C ratios.
#
#   Benchmarks/run.sh                                  # all 8 workloads, C + 3 styles, 5 reps
#   STYLES= REPS=1 Benchmarks/run.sh                   # C baseline only
#   WORKLOADS="W1 tcp-stream" STYLES=async Benchmarks/run.sh
#
# Environment:
#   WORKLOADS  names or W1..W8 (default: all eight)
#   STYLES     Swift styles among blocking nowait async (default: all three; empty: C only)
#   REPS       repetitions per (impl, workload) (default 5)
#   PIN        1: run every process under `taskset -c 0` (default); 0: let the kernel place threads
#   IDLE_PCT   before each run, wait until other processes use less than this % of the
#              machine (default 15) ...
#   IDLE_WAIT  ... but at most this many seconds (default 20)
#   MAX_BG     a run during which other processes used more than this % of the machine
#              (bg_cpu_pct) is kept as a NOISY line and repeated (default 25) ...
#   RETRIES    ... at most this many times; the last attempt counts anyway (default 2).
#              No repeat when the machine was still busy at the end of IDLE_WAIT: the
#              load is not transient then, and repeating would only cost time.
#   RUN_TIMEOUT  seconds before one run is killed and counted as failed (default 120)
#   SWIFT_BENCH  path of an already built otp-socket-bench to use instead of building one
#
# Raw lines go to bench-results/raw-<timestamp>.txt (each RESULT line gets
# rep=, bg_cpu_pct= and idle_wait_s= appended); the table goes to stdout and to
# bench-results/summary-<timestamp>.md; progress goes to stderr.
#
# Contract of the Swift executable (product otp-socket-bench):
#   otp-socket-bench <style> <workload>
# runs ONE workload as WORKLOADS.md defines it and prints exactly one line
#   RESULT swift-<style> <workload> <metric>=<value> ...
# on stdout, exit status 0. Exit status 3 means "this style does not implement
# this workload (yet)": the run is recorded as SKIP, not as a failure. Any other
# non-zero status, or no RESULT line, is a failure. See Benchmarks/README.md.
set -euo pipefail

# All of it is one function, parsed in full before it runs: editing this file
# while a run is going on cannot change what that run does.
main() {
    cd "$(dirname "$0")/.."

    ALL_WORKLOADS="tcp-pingpong tcp-stream udp-pingpong connect-accept unix-pingpong sockopt many-idle pingpong-concurrent"
    WORKLOADS=${WORKLOADS-$ALL_WORKLOADS}
    STYLES=${STYLES-blocking nowait async}
    REPS=${REPS:-5}
    PIN=${PIN:-1}
    IDLE_PCT=${IDLE_PCT:-15}
    IDLE_WAIT=${IDLE_WAIT:-20}
    MAX_BG=${MAX_BG:-25}
    RETRIES=${RETRIES:-2}
    RUN_TIMEOUT=${RUN_TIMEOUT:-120}

    log() { echo "$@" >&2; }
    fail() { log "run.sh: $*"; exit 1; }

    # ---- arguments ------------------------------------------------------------

    workloads=()
    for w in $WORKLOADS; do
        case $w in
            W1|w1) w=tcp-pingpong ;;   W2|w2) w=tcp-stream ;;
            W3|w3) w=udp-pingpong ;;   W4|w4) w=connect-accept ;;
            W5|w5) w=unix-pingpong ;;  W6|w6) w=sockopt ;;
            W7|w7) w=many-idle ;;      W8|w8) w=pingpong-concurrent ;;
        esac
        [[ " $ALL_WORKLOADS " == *" $w "* ]] || fail "unknown workload '$w' (known: $ALL_WORKLOADS, or W1..W8)"
        workloads+=("$w")
    done
    ((${#workloads[@]} > 0)) || fail "WORKLOADS is empty"
    for s in $STYLES; do
        case $s in blocking|nowait|async) ;; *) fail "unknown style '$s' (known: blocking nowait async)" ;; esac
    done
    [[ $REPS =~ ^[1-9][0-9]*$ ]] || fail "REPS must be a positive integer"

    # ---- build ----------------------------------------------------------------

    mkdir -p .build/bench bench-results
    C_BIN=.build/bench/c-block
    log "building C baseline: gcc -O2 -Wall -o $C_BIN Benchmarks/c/*.c -lpthread"
    gcc -O2 -Wall -o "$C_BIN" Benchmarks/c/*.c -lpthread

    SWIFT_BIN=${SWIFT_BENCH:-}
    if [[ -n ${STYLES// /} && -n $SWIFT_BIN ]]; then
        [[ -x $SWIFT_BIN ]] || fail "SWIFT_BENCH=$SWIFT_BIN is not an executable"
        log "Swift: using SWIFT_BENCH=$SWIFT_BIN (not rebuilt)"
    elif [[ -n ${STYLES// /} ]]; then
        if ! grep -q '"otp-socket-bench"' Package.swift; then
            log "Swift: Package.swift has no product 'otp-socket-bench' yet: skipping the Swift styles ($STYLES); running the C baseline only."
            STYLES=
        else
            command -v swift >/dev/null || PATH=/opt/swift/usr/bin:$PATH
            log "building Swift: swift build -c release --product otp-socket-bench"
            swift build -c release --product otp-socket-bench >&2 || fail "swift build of otp-socket-bench failed"
            SWIFT_BIN=$(swift build -c release --show-bin-path)/otp-socket-bench
            [[ -x $SWIFT_BIN ]] || fail "built, but $SWIFT_BIN is missing"
        fi
    fi

    impls=(c-block)
    for s in $STYLES; do impls+=("swift-$s"); done

    command_for() {  # impl workload -> the command line in array CMD
        case $1 in
            c-block) CMD=("$C_BIN" "$2") ;;
            swift-*) CMD=("$SWIFT_BIN" "${1#swift-}" "$2") ;;
        esac
        if [[ $PIN == 1 ]]; then CMD=(taskset -c 0 "${CMD[@]}"); fi
    }

    # W7 needs 16000 descriptors.
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

    # ---- CPU accounting from /proc/stat -----------------------------------------

    HZ=$(getconf CLK_TCK)
    NCPU=$(nproc)
    cpu_sample() {  # sets BUSY and TOTAL (jiffies, all CPUs)
        local _cpu user nice system idle iowait irq softirq steal _rest
        read -r _cpu user nice system idle iowait irq softirq steal _rest < /proc/stat
        BUSY=$((user + nice + system + irq + softirq))
        TOTAL=$((BUSY + idle + iowait + steal))
    }

    # Wait until the machine is quiet: busy < IDLE_PCT % over a 0.5 s window, at
    # most IDLE_WAIT s. Sets IDLE_WAITED (seconds), LAST_BUSY_PCT and IDLE_TIMED_OUT.
    wait_idle() {
        local t0=$EPOCHREALTIME b0 t_0
        IDLE_TIMED_OUT=0
        while :; do
            cpu_sample; b0=$BUSY; t_0=$TOTAL
            sleep 0.5
            cpu_sample
            LAST_BUSY_PCT=$(( (BUSY - b0) * 100 / (TOTAL - t_0 > 0 ? TOTAL - t_0 : 1) ))
            IDLE_WAITED=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
            ((LAST_BUSY_PCT < IDLE_PCT)) && return 0
            if awk -v w="$IDLE_WAITED" -v m="$IDLE_WAIT" 'BEGIN { exit !(w >= m) }'; then
                IDLE_TIMED_OUT=1
                return 0
            fi
        done
    }

    # ---- header -----------------------------------------------------------------

    STAMP=$(date +%Y%m%d-%H%M%S)
    RAW=bench-results/raw-$STAMP.txt
    SUMMARY=bench-results/summary-$STAMP.md
    MODEL=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: *//')
    {
        echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "# machine: nproc=$NCPU, model=$MODEL, kernel=$(uname -r)"
        echo "# placement: $([[ $PIN == 1 ]] && echo 'pinned (taskset -c 0)' || echo 'free (no affinity)')"
        echo "# commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (dirty)')"
        echo "# reps: $REPS; impls: ${impls[*]}; workloads: ${workloads[*]}"
        echo "# build: gcc -O2 ($(gcc -dumpfullversion))${SWIFT_BIN:+; swift: $SWIFT_BIN}"
    } > "$RAW"
    cat "$RAW" >&2

    # ---- runs ---------------------------------------------------------------------

    # One run of CMD (impl, w, rep set by the caller). Sets kind (RESULT/SKIP/FAIL),
    # line (for the raw file), status (for the log) and bg (bg_cpu_pct).
    run_once() {
        local b0 t0 t1 rc=0
        wait_idle
        cpu_sample; b0=$BUSY
        t0=$EPOCHREALTIME
        { time timeout "$RUN_TIMEOUT" "${CMD[@]}" > "$TMP/out" 2> "$TMP/err"; } 2> "$TMP/time" || rc=$?
        t1=$EPOCHREALTIME
        cpu_sample
        # CPU used by others during the run, % of the whole machine: all busy time
        # minus the run's own user+sys time.
        bg=$(awk -v busy=$((BUSY - b0)) -v hz="$HZ" -v n="$NCPU" -v a="$t0" -v b="$t1" \
                 -v own="$(tail -n 1 "$TMP/time")" 'BEGIN {
                 split(own, o, " "); x = (busy / hz - o[1] - o[2]) / ((b - a) * n) * 100
                 printf "%.1f", (x < 0 ? 0 : x) }')
        line=$(grep -m1 "^RESULT $impl $w " "$TMP/out" || true)
        if ((rc == 0)) && [[ -n $line ]]; then
            kind=RESULT
            line="$line rep=$rep bg_cpu_pct=$bg idle_wait_s=$IDLE_WAITED"
            status=${line#"RESULT $impl $w "}
        elif ((rc == 3)); then
            kind=SKIP
            line="SKIP $impl $w rep=$rep $(head -c 200 "$TMP/err" | tr '\n' ' ')"
            status="skipped (exit 3)"
        else
            kind=FAIL
            line="FAIL $impl $w rep=$rep rc=$rc $(head -c 200 "$TMP/err" | tr '\n' ' ')"
            status="FAILED rc=$rc: $(head -n 3 "$TMP/err" | tr '\n' ' ')"
        fi
    }

    TMP=$(mktemp -d)
    trap 'rm -rf "$TMP"' EXIT
    trap 'exit 130' INT TERM
    TIMEFORMAT='%3U %3S'
    nimpl=${#impls[@]}
    total_runs=$((${#workloads[@]} * REPS * nimpl))
    run_no=0 failures=0
    for w in "${workloads[@]}"; do
        for ((rep = 1; rep <= REPS; rep++)); do
            for ((k = 0; k < nimpl; k++)); do
                # Rotate the starting impl per repetition so no impl always runs first.
                impl=${impls[$(((k + rep - 1) % nimpl))]}
                run_no=$((run_no + 1))
                command_for "$impl" "$w"
                for ((attempt = 0; ; attempt++)); do
                    run_once
                    if [[ $kind == RESULT ]] && ((attempt < RETRIES && IDLE_TIMED_OUT == 0)) &&
                        awk -v x="$bg" -v m="$MAX_BG" 'BEGIN { exit !(x > m) }'; then
                        echo "NOISY ${line#RESULT }" >> "$RAW"
                        log "[$run_no/$total_runs] $w rep $rep $impl: other processes used $bg% of the machine; repeating"
                        continue
                    fi
                    break
                done
                [[ $kind == FAIL ]] && failures=$((failures + 1))
                echo "$line" >> "$RAW"
                log "[$run_no/$total_runs] $w rep $rep $impl: $status"
            done
        done
    done

    log "raw lines: $RAW"
    python3 Benchmarks/summarize.py "$RAW" | tee "$SUMMARY"
    log "table: $SUMMARY"
    if ((failures > 0)); then
        log "run.sh: $failures run(s) failed (see FAIL lines in $RAW)"
        exit 1
    fi
}

main "$@"
