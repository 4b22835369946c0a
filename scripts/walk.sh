#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `make walk`: long random hot-plug walks of tests/vm/test-walk (issue 26)
# on the patched build (the full mix) and the control (10.2.2 + patch 1:
# the upstream mix, iommufd A and B, RAM DIMMs), the same seeds, in
# WALK_RIGS boots of the rig at once (the seeds dealt out among them; a
# walk is mostly waiting for the edus' DMA timers, so rigs side by side
# add up); the vm suite runs the named sample only.
#
#   scripts/walk.sh [--asan]   --asan: also the patched tree built with
#                              AddressSanitizer (scripts/qemu.sh asan
#                              builds build/qemu-asan first: long)
#
# Knobs: WALK_SEEDS (default 11,12,13,14), WALK_STEPS (steps per seed on
# the patched build, default 400), WALK_CONTROL_STEPS (default
# WALK_STEPS; either at 0 leaves that build out), WALK_RIGS (default 1),
# WALK_OUT (default bench/results/DATE-walk.md).  A step takes 1-2 s in
# the rig (docs/walk.md).  The TAP output is in build/walk-logs/<run>/
# (printed at the end); the exit status is 0 when every rig's was.
set -euo pipefail

# shellcheck source=rig-env.sh
. "$(dirname "$0")/rig-env.sh"
die() { echo "walk: $*" >&2; exit 1; }

asan=
case "${1:-}" in
--asan) asan=$(scripts/qemu.sh asan | tail -n1) ;;
"") ;;
*) sed -n '/^#   scripts/,/^# Knobs/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
[ -x "$patched" ] || die "no patched QEMU at $patched (run make)"
[ -x "$control" ] || die "no control at $control (run make)"
ninja -C "$build" tests/vm/test-walk >&2 ||
    die "could not build test-walk (./configure first?)"

seeds=${WALK_SEEDS:-11,12,13,14}
steps=${WALK_STEPS:-400}
csteps=${WALK_CONTROL_STEPS:-$steps}
day=$(date -u +%F)
out=${WALK_OUT:-$root/bench/results/$day-walk.md}
mkdir -p build/walk-logs "$(dirname "$out")"
run=$(mktemp -d "$root/build/walk-logs/run.XXXXXX")
binaries=patched=$patched,control=$control
rigs=${WALK_RIGS:-1}
[[ "$rigs" =~ ^[1-9][0-9]*$ ]] || die "WALK_RIGS must be a whole number (got $rigs)"
groups=()
i=0
for s in ${seeds//,/ }; do
    g=$((i % rigs))
    groups[g]=${groups[g]:+${groups[g]},}$s
    i=$((i + 1))
done
asan_factor=0
if [ -n "$asan" ]; then
    binaries=$binaries,asan=$asan
    asan_factor=5
fi
t0=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

# one_rig N SEEDS: boot N walks SEEDS on every build; its files in $run/rigN
one_rig() {
    local sub=$run/rig$1 group=$2 n cmds=() timeout
    n=$(tr ',' '\n' <<<"$group" | grep -c .)
    [ "$steps" = 0 ] ||
        cmds+=("$vm/test-walk --binary=patched --seeds=$group --steps=$steps --table=/tmp/rig/table.md --progress")
    [ "$csteps" = 0 ] ||
        cmds+=("$vm/test-walk --binary=control --seeds=$group --steps=$csteps --table=/tmp/rig/table.md --progress")
    [ -z "$asan" ] ||
        cmds+=("ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 $vm/test-walk --binary=asan --seeds=$group --steps=$steps --table=/tmp/rig/table.md --progress")
    # 4 s a step at most (the ASan build: 5 times that), and the boot
    timeout=$(( (steps * (1 + asan_factor) + csteps) * n * 4 + 600 ))
    mkdir -p "$sub"
    RIG_EDUS=4 RIG_MEM=${RIG_MEM:-2G} RIG_TIMEOUT=${RIG_TIMEOUT:-$timeout} \
    RIG_LOG_DIR=$sub \
    RIG_ENV="VFIO_QEMU_BINARIES=$binaries VFIO_RIG_SRCDIR=$root/tests/vm" \
        tests/vm/rig.sh run "${cmds[@]}" >"$sub/rig.out" 2>&1
}

pids=()
for g in "${!groups[@]}"; do
    echo "walk: rig $g: seeds ${groups[g]}"
    one_rig "$g" "${groups[g]}" &
    pids+=($!)
done
rc=0
for p in "${pids[@]}"; do
    wait "$p" || rc=1
done
cat "$run"/rig*/rig.out >"$run/rig.out"
grep -E '^(ok|not ok) ' "$run/rig.out" || true
cat "$run"/rig*/boot.*/out/table.md 2>/dev/null | sort -t"|" -k2,2r -k4,4V >"$run/table.md" || true
table=$run/table.md
[ -s "$table" ] || die "no table from the guest (logs in $run)"

# the columns: binary mix seed done/planned landed blocked queries pins s result
totals=$(awk -F'|' '{ split($5, d, "/"); b = $2; gsub(/ /, "", b);
                      steps[b] += d[1]; land[b] += $6; blk[b] += $7;
                      walks[b]++; ok[b] += ($11 ~ /^ *ok *$/) }
    END { for (b in steps)
              printf("- %s: %d walks, %d steps, %d DMAs landed, %d blocked in former DIMM ranges, %d of %d walks kept every invariant to the end\n",
                     b, walks[b], steps[b], land[b], blk[b], ok[b], walks[b]) }' "$table" | sort)
{
    echo "<!-- SPDX-License-Identifier: GPL-2.0-or-later -->"
    echo "# make walk of $day"
    echo
    echo "\`WALK_SEEDS=$seeds WALK_STEPS=$steps WALK_CONTROL_STEPS=$csteps WALK_RIGS=$rigs"
    echo "scripts/walk.sh${asan:+ --asan}\`: \`tests/vm/test-walk\` (issue 26) in $rigs boot(s) of the"
    echo "rig at once (Linux 6.12 guest, 4 edus behind its VT-d); per seed $steps"
    echo "steps on the patched build (full mix)${asan:+ and on its ASan build}, $csteps on the control"
    echo "(upstream mix); 0 means not run.  Wall time $(( $(date +%s) - t0 )) s, load"
    echo "average at the start $load_start; every rig exited 0: $([ $rc = 0 ] && echo yes || echo no)."
    echo
    echo "$totals"
    echo
    echo "| binary | mix | seed | steps done / planned | DMAs landed | blocked (former DIMMs) | x-query-vfio checks | VmPin/VmLck checks | s | result |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    cat "$table"
    if grep -q '^not ok' "$run/rig.out"; then
        echo
        echo "Failures (the TAP lines and their notes):"
        echo
        echo '```'
        grep -A16 '^not ok' "$run/rig.out" | grep -E '^(not ok|#)' | head -n 200
        echo '```'
    fi
} >"$out"
cat "$out"
echo "walk: results in $out; logs in $run"
exit "$rc"
