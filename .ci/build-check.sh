#!/usr/bin/env bash
# Checks that the build-tool plugin runs socket-gen exactly when its inputs change: a no-op
# rebuild must not run it, and editing a Spec row must. The edit only appends a comment to a
# row, so the emitted Swift stays the same and nothing recompiles; the file is restored
# afterwards, even when a step fails. Takes a few seconds on a built tree.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="$PATH:/opt/swift/usr/bin"
fi

# The plugin's command line, as `swift build -v` prints it.
generator='socket-gen(-tool)? emit --spec'
row=Spec/levels.tbl
log=$(mktemp)
backup=$(mktemp)
cp -p "$row" "$backup"
restore() {
    cp -p "$backup" "$row"
    rm -f "$log" "$backup"
}
trap restore EXIT

runs_generator() {
    swift build -v >"$log" 2>&1 || { cat "$log"; echo "build-check: swift build failed" >&2; exit 1; }
    grep -Eq "$generator" "$log"
}

swift build >/dev/null
if runs_generator; then
    echo "build-check: FAIL: a no-op rebuild ran the generator" >&2
    exit 1
fi
echo "build-check: a no-op rebuild does not run socket-gen"

sed -i '0,/^socket /s/^\(socket .*\)$/\1  # build-check edit/' "$row"
grep -q 'build-check edit' "$row" || { echo "build-check: could not edit a row of $row" >&2; exit 1; }
if ! runs_generator; then
    echo "build-check: FAIL: editing a row of $row did not run the generator" >&2
    exit 1
fi
echo "build-check: editing a row of $row runs socket-gen"

# Leave the tree as it was, built.
restore
trap - EXIT
swift build >/dev/null
