#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Self-test of the rig's failure reporting (TAP).  A broken guest command,
# a hung guest and a QEMU that cannot start must each fail the run with a
# message naming the cause; so must a test program that crashes or stops
# before its plan.  Costs two short boots (the hang one waits RIG_TIMEOUT,
# 40 s).

set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
rig=$here/rig.sh
n=0
failed=0
log=$(mktemp)
# The failing boots keep their files for debugging: keep them here, briefly.
export RIG_LOG_DIR
RIG_LOG_DIR=$(mktemp -d)
trap 'rm -rf "$log" "$RIG_LOG_DIR"' EXIT

result() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        failed=$((failed + 1))
        sed 's/^/#   /' "$log"
    fi
}

# expect_fail NAME PATTERN CMD...: CMD must exit non-zero and print PATTERN.
expect_fail() {
    local name=$1 pattern=$2 rc
    shift 2
    "$@" >"$log" 2>&1
    rc=$?
    grep -E '^rig: (FAIL|boot wall time)' "$log" | sed 's/^/# /'
    [ $rc != 0 ] && grep -qF -- "$pattern" "$log"
    result $? "$name (exit $rc)"
}

# A failing command is named; the commands around it still run and pass.
expect_fail "a failing guest command is named" \
    'command 2 (`false`) exited 1' "$rig" run true false 'echo still-running'
grep -q '^still-running$' "$log" && ! grep -q 'command [13] (' "$log"
result $? "the other commands of that boot ran and passed"

expect_fail "a hung guest is named, with the command it hung in" \
    'guest hung in command 1 (`sleep 1000`): no RIG-RESULT within 40 s' \
    env RIG_TIMEOUT=40 "$rig" run 'sleep 1000'

expect_fail "a QEMU that cannot start is named" 'QEMU exited 1' \
    env RIG_QEMU_ARGS=-no-such-option "$rig" run true
# A boot that died before its first command is tried once more (the
# guest can panic at boot under host load), and only once
[ "$(grep -c 'booting once more' "$log")" = 1 ]
result $? "a boot that died before its first command is retried once, and the log says so"

expect_fail "a missing kernel is named" 'no guest kernel' \
    env VFIO_RIG_KERNEL=/nonexistent "$rig" run true

# The fragment check: every option Kconfig dropped is named.  Checked
# against the cached kernel's real .config, with the fragment as built and
# with two options this kernel cannot have.
config=$("$here/build-kernel.sh" 2>/dev/null | tail -n 1)/.config
fragment=$(mktemp)
trap 'rm -rf "$log" "$RIG_LOG_DIR" "$fragment"' EXIT
"$here/build-kernel.sh" --check-config "$config" >"$log" 2>&1
result $? "the built kernel's .config has every fragment option"
{ cat "$here/kernel.fragment"; echo "CONFIG_VFIO_HOST_NO_SUCH_OPTION=y";
  echo "# CONFIG_PCI is not set"; } > "$fragment"
expect_fail "a fragment option missing from .config is named" \
    'fragment option CONFIG_VFIO_HOST_NO_SUCH_OPTION=y missing' \
    env KERNEL_FRAGMENT="$fragment" "$here/build-kernel.sh" --check-config "$config"
expect_fail "a fragment option that must be off but is on is named" \
    'fragment wants CONFIG_PCI off, but it is on' \
    env KERNEL_FRAGMENT="$fragment" "$here/build-kernel.sh" --check-config "$config"

# tap_merge: what the suite makes of a program's output and exit status.
merge() {
    awk -v start=0 -v name=prog -v rc="$1" -f "$here/tap-merge.awk"
}
printf 'ok 1 - a\n' | merge 139 >"$log"
grep -q '^not ok .*prog: exited 139 (killed by signal 11)' "$log"
result $? "a crashed test program is a failure"
printf 'ok 1 - a\nok 2 - b\n' | merge 0 >"$log"
grep -q '^not ok 3 - prog: no TAP plan' "$log"
result $? "a test program without a plan is a failure"
printf 'ok 1 - a\n1..1\n' | merge 1 >"$log"
grep -q '^not ok 2 - prog: exited 1 with no failed test' "$log"
result $? "a non-zero exit with all checks passed is a failure"

echo "1..$n"
echo "# $((n - failed)) passed, $failed failed"
[ $failed = 0 ]
