#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `make bench`: the series against the control (QEMU 10.2.2 + patch 1) and the raw ioctl
# limit, in ONE boot of the real-kernel rig (tests/vm/rig.sh run).
# bench/qemu-bench does the measuring inside the guest and writes the
# tables; this script adds the date, the versions and the machine around
# them, prints the whole and saves it as bench/results/DATE.md.
#
# Usage: scripts/bench.sh [QEMU-BENCH OPTIONS...]   (e.g. -r 5; see
#        bench/qemu-bench.c).  BENCH_OUT=FILE saves elsewhere.
# The rig's knobs apply (RIG_MEM defaults to 4G here: three 1 GiB QEMU
# guests pinned at once would not fit in 1G; RIG_TIMEOUT to 3000 s).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=$(cat .builddir 2>/dev/null || echo build/tests)
build=$(cd "$build" && pwd)
patched=$root/build/qemu-build/qemu-system-x86_64
upstream=$("$root/scripts/qemu.sh" control-binary)
die() { echo "bench: $*" >&2; exit 1; }

[ -x "$patched" ] || die "no patched QEMU at $patched (run make)"
[ -x "$upstream" ] || die "no unpatched QEMU at $upstream (run make)"
ninja -C "$build" bench/qemu-bench bench/vfio-raw bench/ioctl-count.so >&2 ||
    die "could not build the benchmark programs (./configure first?)"

day=$(date -u +%F)
out=${BENCH_OUT:-$root/bench/results/$day.md}
mkdir -p "$(dirname "$out")"
logs=$root/build/bench-logs
mkdir -p "$logs"
run_log=$(mktemp -d "$logs/run.XXXXXX")
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(date +%s)

set +e
RIG_EDUS=4 RIG_MEM=${RIG_MEM:-4G} RIG_TIMEOUT=${RIG_TIMEOUT:-3000} \
RIG_LOG_DIR=$run_log \
RIG_ENV="VFIO_QEMU_BINARIES=patched=$patched,upstream=$upstream BENCH_VFIO_RAW=$build/bench/vfio-raw BENCH_IOCTL_COUNT=$build/bench/ioctl-count.so" \
    tests/vm/rig.sh run "uname -rv > /tmp/rig/uname" \
    "$build/bench/qemu-bench -o /tmp/rig/tables.md $*" >"$run_log/rig.out" 2>&1
rc=$?
set -e
t1=$(date +%s)
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
boot=$(ls -d "$run_log"/boot.* 2>/dev/null | head -n1)
tables=$boot/out/tables.md
if [ "$rc" != 0 ] || [ ! -s "$tables" ]; then
    tail -n 40 "$run_log/rig.out" >&2
    die "the rig run failed (exit $rc); everything is in $run_log"
fi

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
{
    echo "<!-- SPDX-License-Identifier: GPL-2.0-or-later -->"
    echo "# Benchmarks, $day"
    echo
    echo "Made by \`make bench\` (scripts/bench.sh, bench/qemu-bench.c) in one boot of"
    echo "the real-kernel rig; how to read every table: docs/benchmarks.md."
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| patched | $("$patched" --version | head -n1), the series (\`patches/\`, tree $(git rev-parse --short HEAD)) |"
    echo "| upstream | $("$upstream" --version | head -n1) |"
    echo "| raw | bench/vfio-raw |"
    echo "| guest kernel (where all three run) | $(cat "$boot/out/uname" 2>/dev/null) |"
    echo "| rig | $(qemu-system-x86_64 --version | head -n1), TCG (no KVM), q35 + intel-iommu, 4 edu devices, ${RIG_MEM:-4G} RAM, ${RIG_SMP:-2} vCPUs |"
    echo "| host | $(nproc) CPUs ($cpu), $mem RAM, $(uname -r) |"
    echo "| host load (1/5/15 min) | at start $load_start, at end $load_end (shared machine: other builds and rig boots may run) |"
    echo "| wall time of the run | $((t1 - t0)) s (boot, all measurements, power-off) |"
    echo
    cat "$tables"
} >"$out.tmp"
mv "$out.tmp" "$out"
cp "$out" "$run_log/"
cat "$out"
echo "bench: saved $out ($((t1 - t0)) s; logs in $run_log)" >&2
