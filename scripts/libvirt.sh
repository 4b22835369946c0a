#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# libvirt 12.x with native iommufd and Debian's newest QEMU as the upstream
# reference (issue 24), everything in ONE boot of the rig, in the trixie
# userland of scripts/trixie-root.sh (`make` builds and caches it; this
# script builds it too if it is missing):
#
#   tests/vm/test-libvirt               domains whose hostdevs use iommufd:
#                                       per hostdev, domain-wide, an fd
#                                       group; live attach/detach; caps
#   tests/vm/test-libvirt-memlock --all libvirt's RLIMIT_MEMLOCK and VmPin,
#                                       2 and 4 hostdevs behind intel-iommu
#                                       and virtio-iommu; hard_limit
#   tests/vm/test-upstream --all        Debian's QEMU beside the patched
#                                       build and the control, under qtest
#   tests/vm/test-qemu-fixes, test-viommu, with Debian's QEMU in the
#                                       control's place: every defect and
#                                       vIOMMU check the control is held to
#
# `make check-libvirt` runs it.  The tables are printed and saved as
# bench/results/DATE-libvirt.md (BENCH_OUT=FILE: elsewhere); the boot's
# files stay in build/libvirt-logs/<run>/.  The vm suite (CI) runs the
# first three programs' default subsets instead.
set -euo pipefail

# shellcheck source=rig-env.sh
. "$(dirname "$0")/rig-env.sh"
die() { echo "libvirt: $*" >&2; exit 1; }

[ -x "$patched" ] || die "no patched QEMU at $patched (run make)"
[ -x "$control" ] || die "no control QEMU at $control (run make)"
ninja -C "$build" tests/vm/test-libvirt tests/vm/test-libvirt-memlock \
    tests/vm/test-upstream tests/vm/test-qemu-fixes tests/vm/test-viommu \
    tests/vm/devnode-log.so tests/vm/fault-ioctl.so >&2 ||
    die "could not build the test programs (./configure first?)"
t0=$(date +%s)
scripts/qemu.sh libvirt
troot=$(realpath build/trixie-root)
tkey=$(basename "$(dirname "$troot")")
out=${BENCH_OUT:-$root/bench/results/$(date -u +%F)-libvirt.md}

mkdir -p build/libvirt-logs
run=$(mktemp -d "$root/build/libvirt-logs/run.XXXXXX")
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
in_root="$root/tests/vm/trixie-root.sh"
upstream_env="VFIO_QEMU_BINARIES=patched=$patched,control=/usr/bin/qemu-system-x86_64"
t1=$(date +%s)
set +e
RIG_EDUS=4 RIG_MEM=${RIG_MEM:-2G} RIG_TIMEOUT=${RIG_TIMEOUT:-5400} RIG_LOG_DIR=$run \
RIG_ENV="VFIO_QEMU_BINARIES=patched=$patched,control=$control VFIO_RIG_SRCDIR=$root/tests/vm VFIO_FAULT_IOCTL=$vm/fault-ioctl.so VFIO_DEVNODE_LOG=$vm/devnode-log.so VFIO_TRIXIE_ROOT=$troot" \
    tests/vm/rig.sh run "uname -rv > /tmp/rig/uname" \
    "$vm/test-libvirt" \
    "$vm/test-libvirt-memlock --all --table=/tmp/rig/memlock.md" \
    "$vm/test-upstream --all --table=/tmp/rig/upstream.md" \
    "env $upstream_env $in_root $vm/test-qemu-fixes" \
    "env $upstream_env $in_root $vm/test-viommu" 2>&1 | tee "$run/rig.out"
rc=${PIPESTATUS[0]}
set -e
t2=$(date +%s)
boot=$(ls -d "$run"/boot.* 2>/dev/null | head -n1)
[ -s "$boot/out/memlock.md" ] || die "no tables (exit $rc); everything is in $run"

# per program: "N passed, M failed" and its guest time
summary() {
    awk '/^=== command [0-9]+: / {
             l = $0; sub(/^=== command [0-9]+: /, "", l)
             if (l ~ /^(exit|no result)/) print "| `" c "` | " l " |"; else c = l
         }' "$run/rig.out" | sed "s|$vm/||g; s|$in_root|trixie-root.sh|; s|$patched|PATCHED|g"
}
mkdir -p "$(dirname "$out")"
{
    echo "<!-- SPDX-License-Identifier: GPL-2.0-or-later -->"
    echo "# libvirt 12.x with native iommufd, and Debian's newest QEMU, $(date -u +%F)"
    echo
    echo "Made by \`scripts/libvirt.sh\` (\`make check-libvirt\`) in one boot of"
    echo "the real-kernel rig; how to read it: docs/libvirt.md, docs/upstream-11.1.md."
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| patched | $("$patched" --version | head -n1), the series (\`patches/\`, tree $(git rev-parse --short HEAD)) |"
    echo "| control | $("$control" --version | head -n1), 10.2.2 + patch 1 |"
    echo "| upstream reference | $(grep -m1 '^qemu-system-x86 ' "$(dirname "$troot")/packages" | cut -d' ' -f2) (Debian's qemu-system-x86, trixie-backports) |"
    echo "| libvirt | $(grep -m1 '^libvirt-daemon ' "$(dirname "$troot")/packages" | cut -d' ' -f2) (trixie-backports); QEMU runs as libvirt-qemu |"
    echo "| userland | $tkey ($(cat "$(dirname "$troot")/size-mb") MB; made in $(cat "$(dirname "$troot")/build-seconds") s) |"
    echo "| guest kernel | $(cat "$boot/out/uname" 2>/dev/null) |"
    echo "| rig | $(qemu-system-x86_64 --version | head -n1), TCG (no KVM), q35 + intel-iommu, 4 edu devices |"
    echo "| host | $(nproc) CPUs, $(uname -r); load at start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg) (shared machine) |"
    echo "| wall time | $((t2 - t1)) s for the boot (everything, power-off), $((t1 - t0)) s before it; exit $rc |"
    echo
    echo "| command: exit, guest time, checks | |"
    echo "|---|---|"
    summary
    cat "$boot/out/memlock.md" "$boot/out/upstream.md"
} >"$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
echo "libvirt: saved $out ($((t2 - t0)) s; logs in $run)" >&2
exit "$rc"
