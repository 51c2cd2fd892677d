#!/usr/bin/env bash
# Installs what the cross-platform snapshot tests need (Tests/SocketGenKitTests): for every
# committed Generated/<triple>.snapshot, Debian's C compiler for that triple and its glibc and
# kernel headers (the sysroot /usr/<triple> that `socket-gen probe` reads), and musl-gcc with
# musl's headers for x86_64-linux-musl. Idempotent: installs only what is missing, and runs
# `apt-get update` only then. A test checks that this list covers every committed triple.
set -euo pipefail

packages=(
    gcc libc6-dev linux-libc-dev                                                            # x86_64-linux-gnu (the host)
    gcc-aarch64-linux-gnu libc6-dev-arm64-cross linux-libc-dev-arm64-cross                   # aarch64-linux-gnu
    gcc-arm-linux-gnueabihf libc6-dev-armhf-cross linux-libc-dev-armhf-cross                 # arm-linux-gnueabihf
    gcc-i686-linux-gnu libc6-dev-i386-cross linux-libc-dev-i386-cross                        # i686-linux-gnu
    gcc-mips64el-linux-gnuabi64 libc6-dev-mips64el-cross linux-libc-dev-mips64el-cross       # mips64el-linux-gnuabi64
    gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross linux-libc-dev-ppc64el-cross           # powerpc64le-linux-gnu
    gcc-riscv64-linux-gnu libc6-dev-riscv64-cross linux-libc-dev-riscv64-cross               # riscv64-linux-gnu
    gcc-s390x-linux-gnu libc6-dev-s390x-cross linux-libc-dev-s390x-cross                     # s390x-linux-gnu
    musl-tools musl-dev                                                                     # x86_64-linux-musl
)

bash "$(dirname "${BASH_SOURCE[0]}")/install-missing.sh" platforms "${packages[@]}"
