#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The README's demo command.  On a fresh Debian 12 machine: installs the
# dependencies, builds vfio-host in build-demo/, builds (once, ~10 min on
# 2 cores, then cached in ~/.cache/vfio-rig) or reuses the guest kernel,
# boots the real-kernel rig (TCG QEMU, emulated Intel IOMMU, 4 edu devices)
# and runs tests/vm/host-demo inside it: vfio-host with edu0 + edu1 on one
# iommufd object (one shared IOAS), edu2 with x-separate-ioas=on (its own
# IOAS, filled by IOAS_COPY) and edu3 on the legacy type1 container.  It
# prints the x-query-vfio mapping table (containers, IOAS/HWPT ids,
# mappings with their origin, ioctl counters) and every DMA check.
#
# Usage: scripts/demo.sh          exit 0 when every DMA check passed
# Environment: DEMO_BUILD=build-demo (build dir), RIG_* (see tests/vm/rig.sh)

set -uo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${DEMO_BUILD:-build-demo}
cd "$src" || exit 1
build_abs=$(realpath -m "$build")

step() { printf '\n### demo: %s\n' "$*"; }
fail() { echo "demo: $*" >&2; exit 1; }

step "dependencies (scripts/ci/install-deps.sh)"
scripts/ci/install-deps.sh || fail "installing dependencies failed"

step "build in $build/"
if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" >"$build.setup.log" 2>&1 ||
        { cat "$build.setup.log"; fail "meson setup failed"; }
fi
ninja -C "$build" vfio-host tests/vm/host-demo || fail "build failed"

step "guest kernel (built once, ~10 min on 2 cores; then cached)"
kdir=$(tests/vm/rig.sh kernel | tail -n1) || fail "guest kernel build failed"
echo "guest kernel: $kdir"

step "boot the rig with 4 edu devices and run the demo inside it"
# The build dir sits in the source tree, which the guest sees over 9p
# (and the cwd is kept visible even when the tree is under /tmp).
RIG_EDUS=4 VFIO_RIG_KERNEL=$kdir tests/vm/rig.sh run \
    "$build_abs/tests/vm/host-demo $build_abs/vfio-host"
