#!/usr/bin/env bash
# Runs the README's benchmark command once through (Benchmarks/run.sh, REPS=1): the C
# baseline and the library's three styles on all eight workloads, built from this tree.
# Checks that every one of the 32 runs printed its RESULT line (a workload checks its own
# data: echoes, the byte count, the option read back) and that the table has all eight
# rows. Figures from one repetition on a CI machine mean nothing; they are not judged.
# Installs what run.sh needs besides the toolchain (gcc, python3, taskset) when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash .ci/install-missing.sh bench-smoke gcc libc6-dev python3 util-linux

table=$(mktemp)
progress=$(mktemp)
trap 'rm -f "$table" "$progress"' EXIT

# Every workload and style, whatever the caller's environment asks of run.sh.
if ! env -u WORKLOADS -u STYLES REPS=1 IDLE_WAIT=2 RETRIES=0 PIN=1 Benchmarks/run.sh >"$table" 2>"$progress"; then
    cat "$progress" >&2
    echo "bench-smoke: FAIL: Benchmarks/run.sh failed" >&2
    exit 1
fi
raw=$(sed -n 's/^raw lines: //p' "$progress")
[ -f "$raw" ] || { cat "$progress" >&2; echo "bench-smoke: FAIL: no raw file named" >&2; exit 1; }

results=$(grep -c '^RESULT ' "$raw" || true)
others=$(grep -cE '^(SKIP|FAIL) ' "$raw" || true)
# The medians table: a row per workload, a figure in each of its four cells.
cell='[0-9][0-9,.]*\*?'
rows=$(grep -cE "^\| W[1-8] [a-z-]+, [^|]+ \| $cell \|( $cell \([0-9.]+\) \|){3}\$" "$table" || true)
cat "$table"
if [ "$results" -ne 32 ] || [ "$others" -ne 0 ] || [ "$rows" -ne 8 ]; then
    grep -E '^(SKIP|FAIL) ' "$raw" >&2 || true
    echo "bench-smoke: FAIL: $results RESULT lines (32 expected), $others skipped or failed, $rows table rows" >&2
    exit 1
fi
echo "bench-smoke: 32 runs (C and three styles, eight workloads), all with a result"
