#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The README's demo command.  On a fresh Debian 12 machine: installs the
# dependencies, builds the patched QEMU 10.2.2 and the control (the same
# tarball plus patch 1 only; `make`), builds the rig's test programs,
# builds (once, ~7 min on 2 cores, then cached in ~/.cache/vfio-rig) or
# reuses the guest kernel, boots the real-kernel rig (TCG, emulated Intel
# IOMMU, 4 edu devices) and runs real QEMU inside it
# (tests/vm/qemu-demo.c): four devices behind a virtio-iommu on one
# iommufd object, patched and control, and the pinned memory of both; the
# same under RLIMIT_MEMLOCK = guest RAM + 64 MiB (the patched build
# starts, the control does not); and, without a vIOMMU, two devices
# sharing an IOAS, one in an IOAS of its own filled by IOMMU_IOAS_COPY and
# one on type1, with a DIMM added, DMAed into and removed, and the
# x-query-vfio table after each step.
#
# Usage: scripts/demo.sh          exit 0 when every check passed
# Environment: RIG_* (see tests/vm/rig.sh)

set -uo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src" || exit 1

step() { printf '\n### demo: %s\n' "$*"; }
fail() { echo "demo: $*" >&2; exit 1; }

step "dependencies (scripts/ci/install-deps.sh)"
scripts/ci/install-deps.sh || fail "installing dependencies failed"

step "QEMU 10.2.2: fetch, verify, patch, build; build the control (make)"
make qemu || fail "building QEMU failed"

step "the rig's test programs (build/tests)"
if [ ! -f build/tests/build.ninja ]; then
    ./configure >/dev/null || fail "configure failed"
fi
ninja -C build/tests tests/vm/qemu-demo || fail "build failed"

step "guest kernel (built once, ~7 min on 2 idle cores; then cached)"
kdir=$(tests/vm/rig.sh kernel | tail -n1) || fail "guest kernel build failed"
echo "guest kernel: $kdir"

step "boot the rig with 4 edu devices; run patched QEMU, then the control"
patched=$(scripts/qemu.sh binary)
control=$(scripts/qemu.sh control-binary)
RIG_EDUS=4 VFIO_RIG_KERNEL=$kdir \
    RIG_ENV="VFIO_QEMU_BINARIES=patched=$patched,control=$control VFIO_RIG_SRCDIR=$src/tests/vm" \
    tests/vm/rig.sh run "$src/build/tests/tests/vm/qemu-demo"
