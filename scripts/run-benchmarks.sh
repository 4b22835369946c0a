#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run every benchmark and write the report: builds, runs bench/memory-commit
# on the host, boots the real-kernel rig ONCE (tests/vm/rig.sh: 4 edu
# devices, 3 GiB guest) and runs bench/vfio-strategies inside it (vfio-host
# strategies a-e vs the raw ioctl program vs QEMU 7.2).  Prints the markdown
# report and writes it to bench/results/YYYY-MM-DD.md.
#
# Usage: scripts/run-benchmarks.sh [BUILDDIR [VFIO-STRATEGIES ARGS...]]
#   e.g. scripts/run-benchmarks.sh build -r 1 -m 256    (a quick run)
# Environment: RIG_* as for tests/vm/rig.sh (RIG_MEM, RIG_TIMEOUT, ...);
#   BENCH_RESULTS=DIR to write the report elsewhere.

set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$(cat "$src/.builddir" 2>/dev/null || echo build)}
shift || true
build=$(realpath "$build")
results=${BENCH_RESULTS:-$src/bench/results}
report=$results/$(date -u +%Y-%m-%d).md

note() { echo "run-benchmarks: $*" >&2; }

[ -f "$build/build.ninja" ] || { note "no build directory $build"; exit 1; }
ninja -C "$build" >&2
for b in bench/memory-commit bench/vfio-strategies bench/vfio-raw vfio-host; do
    [ -x "$build/$b" ] || { note "$build/$b missing (-Dbenchmarks=true?)"; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/run-benchmarks.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# --- the VM part: one boot ---------------------------------------------
t0=$(date +%s)
note "booting the rig once for bench/vfio-strategies${*:+ $*}"
vm_rc=0
RIG_EDUS=${RIG_EDUS:-4} RIG_MEM=${RIG_MEM:-3G} RIG_TIMEOUT=${RIG_TIMEOUT:-1200} \
    RIG_KEEP="$build ${RIG_KEEP:-}" RIG_LOG_DIR=$tmp/rig \
    "$src/tests/vm/rig.sh" run "$build/bench/vfio-strategies $*" \
    >"$tmp/rig.out" 2>"$tmp/rig.err" || vm_rc=$?
vm_s=$(( $(date +%s) - t0 ))
out=$(ls "$tmp"/rig/boot.*/out/1.out 2>/dev/null | head -n1 || true)
err=$(ls "$tmp"/rig/boot.*/out/1.err 2>/dev/null | head -n1 || true)
[ "$vm_rc" = 0 ] || { note "the rig run failed ($vm_rc):"; cat "$tmp/rig.err" >&2; }

# --- the report ----------------------------------------------------------
mkdir -p "$results"
{
    echo "# Benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "vfio-host $(git -C "$src" describe --always --dirty 2>/dev/null || echo unknown);" \
         "guest: rig kernel $(basename "$("$src/tests/vm/rig.sh" kernel 2>/dev/null)")," \
         "TCG, ${RIG_MEM:-3G}, ${RIG_EDUS:-4} edu devices behind the emulated" \
         "Intel IOMMU; host $(nproc) cores. One boot, ${vm_s} s wall."
    echo "Command: \`scripts/run-benchmarks.sh $(basename "$build")${*:+ $*}\`."
    echo
    echo "## VFIO strategies (real kernel, in the rig's guest)"
    echo
    echo "a: legacy type1, a container per device (x-separate-ioas=on);" \
         "b: legacy, one container; c: iommufd, one IOAS; d: iommufd," \
         "one iommufd object (and IOAS) per device, each filled by MAP;" \
         "e: iommufd, one object, an IOAS per device (x-separate-ioas=on)," \
         "filled by COPY.  raw = bench/vfio-raw, the same ioctls and" \
         "nothing else (the physical limit)."
    echo
    if [ -n "$out" ] && grep -q '^###' "$out"; then
        cat "$out"
    else
        echo "**No result**: the guest run failed (exit $vm_rc)."
        echo
        echo '```'
        tail -n 30 "$tmp/rig.err"
        echo '```'
    fi
    if [ -n "$err" ] && grep -q 'failed\|exited\|killed\|signal' "$err"; then
        echo
        echo "Failures reported by the run:"
        echo
        echo '```'
        grep -v ' runs$\|warning:\|no available reset' "$err" | tail -n 20
        echo '```'
    fi
    echo
    echo "## Memory core (bench/memory-commit, on the host)"
    echo
    "$build/bench/memory-commit"
} | tee "$report"
note "report written to $report"
exit "$vm_rc"
