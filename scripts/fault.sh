#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The long runs of tests/vm/fault-sweep that the vm suite does not make
# (it runs the named sample: 30 calls), each in ONE boot of the rig:
#
#   scripts/fault.sh sweep [ARGS...]   every call of the scenario, with
#                                      every errno of the plan and in the
#                                      kernel mode (fault-sweep --all);
#                                      ARGS go to fault-sweep (e.g.
#                                      --errno=ENOMEM, --kernel=2; or
#                                      --sites: each distinct site once)
#   scripts/fault.sh soak [CYCLES]     CYCLES (default 1000) hot-plug
#                                      cycles on QEMU built with
#                                      AddressSanitizer (scripts/qemu.sh
#                                      asan builds it: build/qemu-asan)
#
# `make sweep` and `make soak` run them.  The TAP output and, for the
# sweep, the markdown table end up in build/fault-logs/<run>/ (printed at
# the end); the exit status is the guest program's.
set -euo pipefail

# shellcheck source=rig-env.sh
. "$(dirname "$0")/rig-env.sh"
die() { echo "fault: $*" >&2; exit 1; }

ninja -C "$build" tests/vm/fault-sweep tests/vm/fault-ioctl.so >&2 ||
    die "could not build fault-sweep (./configure first?)"
mkdir -p build/fault-logs
run=$(mktemp -d "$root/build/fault-logs/${1:-run}.XXXXXX")
binaries=patched=$patched,control=$control
case "${1:-}" in
sweep)
    shift
    [ -x "$patched" ] || die "no patched QEMU at $patched (run make)"
    cmd="$vm/fault-sweep --all --table=/tmp/rig/table.md $*"
    ;;
soak)
    asan=$(scripts/qemu.sh asan | tail -n1)
    binaries=$binaries,asan=$asan
    # leaks are reported at exit, and fail quit's exit status (d)
    cmd="ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 FAULT_SWEEP_LABEL=asan"
    cmd="$cmd $vm/fault-sweep --soak=${2:-1000}"
    ;;
*)
    sed -n '/^#   scripts/,/^# `make/p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac

set +e
RIG_EDUS=4 RIG_TIMEOUT=${RIG_TIMEOUT:-7200} RIG_LOG_DIR=$run \
RIG_ENV="VFIO_QEMU_BINARIES=$binaries VFIO_FAULT_IOCTL=$vm/fault-ioctl.so VFIO_RIG_SRCDIR=$root/tests/vm" \
    tests/vm/rig.sh run "$cmd" 2>&1 | tee "$run/rig.out"
rc=${PIPESTATUS[0]}
set -e
reports=$(grep -c -E 'ERROR: (Address|Leak)Sanitizer' "$run/rig.out" || true)
echo "fault: $(grep -c '^ok ' "$run/rig.out") ok, $(grep -c '^not ok ' "$run/rig.out") not ok, $reports sanitizer report(s); exit $rc"
echo "fault: logs in $run$(ls "$run"/boot.*/out/table.md 2>/dev/null | sed 's/^/, table /')"
exit "$rc"
