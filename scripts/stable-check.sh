#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `make check-stable`: the 10.0.x backport of patches/stable-10.0/ (issue
# 26, docs/walk.md) shown on the stable release it is for.  Builds the
# release pristine and with the backports, both with AddressSanitizer
# (scripts/qemu.sh stable VERSION [fixed]; cached in build/stable/), then
# in ONE boot of the rig (Linux 6.12, 4 edus behind VT-d), with
# tests/vm/test-walk in the upstream mix:
#
#   1. the replay REPLAY (two devices on iommufd object A share a
#      container, both go, a third comes) on the pristine build: it must
#      die of AddressSanitizer's heap-use-after-free in
#      notifier_with_return_list_add() (the CPR notifier registered once
#      per device), or the check fails: this is the test that fails
#      without the fix;
#   2. the same replay on the fixed build: it must keep every invariant
#      and quit cleanly, with no sanitizer report;
#   3. random walks (SEEDS x STEPS) on the fixed build: the same, and on
#      the pristine build as they are (reported, not checked).
#
#   scripts/stable-check.sh [VERSION]     VERSION: a row of STABLE_RELEASES
#                                         (qemu.conf), default 10.0.13
#
# Knobs: STABLE_SEEDS (default 23,41,51), STABLE_STEPS (default 150),
# STABLE_OUT (default bench/results/DATE-stable-VERSION.md).  Prints TAP
# and the results file; the exit status is 0 when checks 1-3 hold.
set -euo pipefail

# shellcheck source=rig-env.sh
. "$(dirname "$0")/rig-env.sh"
die() { echo "stable-check: $*" >&2; exit 1; }

ver=${1:-10.0.13}
replay=+a00,+a11,-0,-1,+a02
seeds=${STABLE_SEEDS:-23,41,51}
steps=${STABLE_STEPS:-150}
day=$(date -u +%F)
out=${STABLE_OUT:-$root/bench/results/$day-stable-$ver.md}

ninja -C "$build" tests/vm/test-walk >&2 ||
    die "could not build test-walk (./configure first?)"
pristine=$(scripts/qemu.sh stable "$ver" | tail -n1)
fixed=$(scripts/qemu.sh stable "$ver" fixed | tail -n1)
if [ ! -x "$pristine" ] || [ ! -x "$fixed" ]; then
    die "no ASan builds of $ver"
fi

mkdir -p build/stable-logs "$(dirname "$out")"
run=$(mktemp -d "$root/build/stable-logs/run.XXXXXX")
asan=detect_leaks=0:halt_on_error=1
walk="$vm/test-walk --mix=upstream --table=/tmp/rig/table.md --progress"
# the replays unwind every malloc and free slowly, for whole stacks of
# the allocation and of the free in the report (too slow for the walks)
rwalk="ASAN_OPTIONS=$asan:fast_unwind_on_malloc=0:malloc_context_size=40 $walk"
walk="ASAN_OPTIONS=$asan $walk"
nseeds=$(tr ',' '\n' <<<"$seeds" | grep -c .)
t0=$(date +%s)
set +e
RIG_EDUS=4 RIG_MEM=${RIG_MEM:-2G} \
RIG_TIMEOUT=${RIG_TIMEOUT:-$(( 2 * nseeds * steps * 10 + 900 ))} \
RIG_LOG_DIR=$run \
RIG_ENV="VFIO_QEMU_BINARIES=pristine=$pristine,fixed=$fixed VFIO_RIG_SRCDIR=$root/tests/vm" \
    tests/vm/rig.sh run \
    "$rwalk --binary=pristine --replay=$replay" \
    "$rwalk --binary=fixed --replay=$replay" \
    "$walk --binary=fixed --seeds=$seeds --steps=$steps" \
    "$walk --binary=pristine --seeds=$seeds --steps=$steps" \
    >"$run/rig.out" 2>&1
rig_rc=$?
set -e
# the boot that ran the commands (a boot that died first is retried)
boot=$(dirname "$(dirname "$(find "$run" -path '*/out/1.out' | tail -n1)")")
if [ ! -f "$boot/out/1.out" ]; then
    tail -n 30 "$run/rig.out" >&2
    die "the rig ran no command (logs in $run)"
fi

# check 1: the pristine replay dies of the use-after-free, and where
uaf=no
if grep -q 'ERROR: AddressSanitizer: heap-use-after-free' "$boot/out/1.out" &&
   grep -q 'in notifier_with_return_list_add' "$boot/out/1.out" &&
   grep -q 'in vfio_cpr_register_container' "$boot/out/1.out"; then
    uaf=yes
fi
ok2=no
grep -q -E '^ok [0-9]+ - walk ' "$boot/out/2.out" && ! grep -q '^not ok' "$boot/out/2.out" &&
    ! grep -q AddressSanitizer "$boot/out/2.out" && ok2=yes
walks_ok=$(grep -c -E '^ok [0-9]+ - walk ' "$boot/out/3.out" || true)
walks_bad=$(grep -c '^not ok' "$boot/out/3.out" || true)
n=0
tap() {     # RESULT TEXT
    n=$((n + 1))
    if [ "$1" = yes ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
{
    tap "$uaf" "$ver pristine, replay $replay: AddressSanitizer heap-use-after-free in notifier_with_return_list_add <- vfio_cpr_register_container"
    tap "$ok2" "$ver with patches/stable-10.0, replay $replay: every invariant, no sanitizer report"
    tap "$([ "$walks_ok" = "$nseeds" ] && [ "$walks_bad" = 0 ] && echo yes || echo no)" \
        "$ver with patches/stable-10.0, seeds $seeds x $steps steps: $walks_ok of $nseeds walks kept every invariant, no sanitizer report"
} | tee "$run/tap"
bad=$(grep -c '^not ok' "$run/tap" || true)

{
    echo "<!-- SPDX-License-Identifier: GPL-2.0-or-later -->"
    echo "# make check-stable of $day: QEMU $ver, pristine and with patches/stable-10.0"
    echo
    echo "\`scripts/stable-check.sh $ver\`: both builds with AddressSanitizer"
    echo "(\`ASAN_OPTIONS=detect_leaks=0:halt_on_error=1\`), \`tests/vm/test-walk"
    echo "--mix=upstream\` in one boot of the rig (Linux 6.12, 4 edus behind VT-d).  Wall"
    echo "time $(( $(date +%s) - t0 )) s; rig exit status $rig_rc (not 0 when the"
    echo "pristine build's replay and walks died, as they must; the checks are above)."
    echo
    echo '```'
    cat "$run/tap"
    echo '```'
    echo
    echo "| binary | mix | seed | steps done / planned | DMAs landed | blocked (former DIMMs) | x-query-vfio checks | VmPin/VmLck checks | s | result |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    cut -c1-400 "$boot/out/table.md"
    echo
    echo "The pristine replay's sanitizer report (the shadow-byte map left out):"
    echo
    echo '```'
    sed -n 's/^#   qemu stderr: //p' "$boot/out/1.out" |
        grep -v -E '^ *0x[0-9a-f]+: |^  (Addressable|Partially|Heap|Freed|Stack|Global|Poisoned|Container|Array|Intra|ASan|Left|Right)' |
        head -n 80
    echo '```'
} >"$out"
echo "stable-check: results in $out; logs in $run"
[ "$bad" = 0 ]
