#!/usr/bin/env bash
# Installs the programs the core's tests use besides the toolchain: iproute2 (`ip netns`,
# veth and dummy links for the tests that build their own network namespaces) and strace
# (counting a blocking call's syscalls). Idempotent: installs only what is missing.
set -euo pipefail

packages=(iproute2 strace)
missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$package")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "tools: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
