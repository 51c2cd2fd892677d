#!/usr/bin/env bash
# Installs the programs the core's tests use besides the toolchain: iproute2 (`ip netns`,
# veth and dummy links for the tests that build their own network namespaces) and strace
# (counting a blocking call's syscalls). Idempotent: installs only what is missing.
set -euo pipefail

bash "$(dirname "${BASH_SOURCE[0]}")/install-missing.sh" tools iproute2 strace
