#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install every build and test dependency from Debian 12's packages
# (bookworm + bookworm-security, where linux-source-6.12 lives).
# Does nothing when everything is already installed.  Needs root (or sudo).

set -euo pipefail

build_deps=(meson ninja-build pkg-config gcc libc6-dev make python3
            libglib2.0-dev libjson-glib-dev)
# the real-kernel rig: QEMU, the initramfs, and the guest kernel build
vm_deps=(qemu-system-x86 busybox-static cpio kmod xz-utils linux-source-6.12
         bc bison flex libelf-dev libssl-dev)

missing=()
for p in "${build_deps[@]}" "${vm_deps[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing+=("$p")
done
if [ ${#missing[@]} = 0 ]; then
    echo "install-deps: all dependencies present"
    exit 0
fi

sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
