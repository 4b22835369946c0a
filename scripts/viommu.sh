#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Devices behind a vIOMMU (issue 22), the long runs the vm suite does not
# make, each in ONE boot of the rig:
#
#   scripts/viommu.sh bench [ARGS...]   bench/viommu-bench: pinned memory
#                                       for N = 1..8 devices, one guest
#                                       MAP of 4 KiB / 2 MiB, filling a
#                                       new device's 1 GiB, the ram source
#                                       alone; patched vs control.  The
#                                       tables are printed and saved as
#                                       bench/results/DATE-viommu.md
#                                       (BENCH_OUT=FILE: elsewhere)
#   scripts/viommu.sh faults [ARGS...]  tests/vm/test-viommu-faults
#                                       --sites: every call site of the
#                                       vIOMMU scenario failed with EIO,
#                                       the map-class ones with ENOMEM
#                                       too (ARGS replace --sites, e.g.
#                                       --all); the table is saved as
#                                       bench/results/DATE-viommu-faults.md
#
# `make bench-viommu` and `make check-viommu-faults` run them.  Every
# boot's files stay in build/viommu-logs/<run>/.  The rig's knobs apply
# (RIG_MEM defaults to 4G for the bench: the control pins 8 x 256 MiB,
# then 2 x 1 GiB; RIG_EDUS to 8).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=$(cat .builddir 2>/dev/null || echo build/tests)
build=$(cd "$build" && pwd)
patched=$root/build/qemu-build/qemu-system-x86_64
control=$root/build/control/qemu-build/qemu-system-x86_64
die() { echo "viommu: $*" >&2; exit 1; }

[ -x "$patched" ] || die "no patched QEMU at $patched (run make)"
[ -x "$control" ] || die "no control QEMU at $control (run make)"
what=${1:-}
[ $# -gt 0 ] && shift
case "$what" in
bench)
    ninja -C "$build" bench/viommu-bench bench/ioctl-count.so >&2 ||
        die "could not build bench/viommu-bench (./configure first?)"
    cmd="$build/bench/viommu-bench -o /tmp/rig/tables.md $*"
    edus=${RIG_EDUS:-8} mem=${RIG_MEM:-4G}
    out=${BENCH_OUT:-$root/bench/results/$(date -u +%F)-viommu.md}
    ;;
faults)
    ninja -C "$build" tests/vm/test-viommu-faults tests/vm/fault-ioctl.so >&2 ||
        die "could not build test-viommu-faults (./configure first?)"
    cmd="$build/tests/vm/test-viommu-faults --table=/tmp/rig/tables.md ${*:---sites}"
    edus=${RIG_EDUS:-4} mem=${RIG_MEM:-1G}
    out=${BENCH_OUT:-$root/bench/results/$(date -u +%F)-viommu-faults.md}
    ;;
*)
    sed -n '/^#   scripts/,/^# `make/p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac

mkdir -p build/viommu-logs
run=$(mktemp -d "$root/build/viommu-logs/$what.XXXXXX")
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(date +%s)
set +e
RIG_EDUS=$edus RIG_MEM=$mem RIG_TIMEOUT=${RIG_TIMEOUT:-7200} RIG_LOG_DIR=$run \
RIG_ENV="VFIO_QEMU_BINARIES=patched=$patched,control=$control VFIO_RIG_SRCDIR=$root/tests/vm VFIO_FAULT_IOCTL=$build/tests/vm/fault-ioctl.so BENCH_IOCTL_COUNT=$build/bench/ioctl-count.so" \
    tests/vm/rig.sh run "uname -rv > /tmp/rig/uname" "$cmd" 2>&1 | tee "$run/rig.out"
rc=${PIPESTATUS[0]}
set -e
t1=$(date +%s)
boot=$(ls -d "$run"/boot.* 2>/dev/null | head -n1)
tables=$boot/out/tables.md
[ -s "$tables" ] || die "no tables (exit $rc); everything is in $run"
mkdir -p "$(dirname "$out")"
{
    echo "<!-- SPDX-License-Identifier: GPL-2.0-or-later -->"
    echo "# Devices behind a vIOMMU: $what, $(date -u +%F)"
    echo
    echo "Made by \`scripts/viommu.sh $what\` in one boot of the real-kernel rig;"
    echo "how to read it: docs/viommu.md."
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| patched | $("$patched" --version | head -n1), the series (\`patches/\`, tree $(git rev-parse --short HEAD)) plus qemu-fixes/ |"
    echo "| control | $("$control" --version | head -n1), 10.2.2 + patch 1 |"
    echo "| guest kernel | $(cat "$boot/out/uname" 2>/dev/null) |"
    echo "| rig | $(qemu-system-x86_64 --version | head -n1), TCG (no KVM), q35 + intel-iommu, $edus edu devices, $mem RAM |"
    echo "| host | $(nproc) CPUs, $(uname -r); load at start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg) (shared machine) |"
    echo "| wall time of the run | $((t1 - t0)) s (boot, everything, power-off); exit $rc; $(grep -c '^ok ' "$run/rig.out") ok, $(grep -c '^not ok ' "$run/rig.out") not ok |"
    cat "$tables"
} >"$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
echo "viommu: saved $out ($((t1 - t0)) s; logs in $run)" >&2
exit "$rc"
