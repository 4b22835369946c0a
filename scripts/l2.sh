#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `make l2`: the real-guest scenarios of tests/vm/test-l2.py in full (both
# binaries, intel-iommu and virtio-iommu, 2 and 4 devices, the guest-driven
# events, then RLIMIT_MEMLOCK at guest RAM + 64 MiB on both), in one rig
# boot; about an hour on 2 idle cores.  `make l2 L2_MODE=four,events` runs
# only those parts (pairs, four, events, memlock: tests/vm/test-l2.py).
# The TAP goes to the terminal and to bench/results/DATE-l2.md
# (DATE-l2-four-events.md for a part; committed).
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
build=$(cat .builddir 2>/dev/null || echo build/tests)
mode=${L2_MODE:-full}
case $mode in
full) out=bench/results/$(date +%Y-%m-%d)-l2.md ;;
*[!a-z,]*|'') echo "l2.sh: L2_MODE is full or parts like four,events, not '$mode'" >&2; exit 2 ;;
*) out=bench/results/$(date +%Y-%m-%d)-l2-${mode//,/-}.md ;;
esac
patched=$(scripts/qemu.sh binary)
control=$(scripts/qemu.sh control-binary)
log=$(mktemp)
RIG_EDUS=4 RIG_MEM=2G RIG_TIMEOUT=7200 \
    RIG_ENV="VFIO_QEMU_BINARIES=patched=$patched,control=$control VFIO_RIG_SRCDIR=$repo/tests/vm VFIO_RIG_BUILDDIR=$repo/$build/tests/vm VFIO_L2_MODE=$mode" \
    tests/vm/rig.sh run "$repo/tests/vm/test-l2.py" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
{
    echo "# make l2 L2_MODE=$mode of $(date +%Y-%m-%d) (rig exit $rc)"
    echo
    echo '```'
    grep -E '^(ok|not ok|# )' "$log" | grep -v ': in L2: ' | grep -vE '^# *$'
    grep -E '^=== guest tests' "$log"
    echo '```'
} >"$out"
rm -f "$log"
echo "l2: results in $out"
exit "$rc"
