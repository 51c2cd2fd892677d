#!/usr/bin/env bash
# Installs those of the given Debian packages that are not installed yet, and runs
# `apt-get update` only then: the CI scripts' one way to get what they need (idempotent).
#
#   .ci/install-missing.sh LABEL PACKAGE...     # LABEL prefixes what it prints
set -euo pipefail

label=$1
shift
missing=()
for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$package")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "$label: everything it needs is installed"
    exit 0
fi
echo "$label: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
