#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# TAP checks of the QEMU tooling (scripts/qemu.sh, the top-level make):
# the pinned tarball is verified and a corrupted copy refused with both
# hashes named; patches/ applies to the pristine tarball and exports back
# byte for byte, and each patch passes QEMU's checkpatch.pl (the 10.0.x
# backports too, which apply to each 10.0.x release they are for); a second
# `make` does no work; the work tree is pristine + the series and the
# control's tree pristine + exactly its CONTROL_PATCHES patches; both
# binaries run and are the pinned version.  Runs after `make`
# (test-all.sh) has built everything.  The cross-target compile check
# (scripts/qemu.sh cross) is a test of its own (tests/qemu/meson.build).

set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo" || exit 1
. ./qemu.conf
q=scripts/qemu.sh
tarball=build/dl/$QEMU_TARBALL
n=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() {   # check DESCRIPTION COMMAND...
    local what=$1; shift
    n=$((n + 1))
    if "$@" >"$tmp/out" 2>&1; then
        echo "ok $n - $what"
    else
        echo "not ok $n - $what"
        sed 's/^/# /' "$tmp/out" | tail -n 20
        failed=$((failed + 1))
    fi
}

echo "1..11"
check "the cached $QEMU_TARBALL matches sha256 $QEMU_SHA256" $q verify "$tarball"

corrupt_refused() {
    cp "$tarball" "$tmp/bad.tar.xz"
    # flip one byte in the middle of the file
    local off=$(( $(stat -c %s "$tmp/bad.tar.xz") / 2 )) byte
    byte=$(od -An -tu1 -j "$off" -N1 "$tmp/bad.tar.xz" | tr -d ' ')
    printf "$(printf '\\%03o' $(( (byte + 1) % 256 )))" |
        dd of="$tmp/bad.tar.xz" bs=1 seek="$off" conv=notrunc status=none
    local actual
    actual=$(sha256sum "$tmp/bad.tar.xz" | cut -d' ' -f1)
    if $q verify "$tmp/bad.tar.xz" 2>"$tmp/err"; then
        echo "a corrupted tarball was accepted"; return 1
    fi
    cat "$tmp/err"
    grep -q "expected $QEMU_SHA256" "$tmp/err" && grep -q "actual   $actual" "$tmp/err" &&
        grep -q "bad.tar.xz" "$tmp/err"
}
check "a tarball with one byte changed is refused, naming the file and both hashes" corrupt_refused

check "patches/ applies to the pristine tarball and exports back byte for byte" $q check-series

checkpatch_clean() {
    # QEMU's own checkpatch.pl, from the control's tree (nobody works there)
    local cp=build/control/qemu-$QEMU_VERSION/scripts/checkpatch.pl p bad=0
    [ -x "$cp" ] || { echo "no $cp"; return 1; }
    for p in $(grep -v '^#' patches/series | grep .) \
             $(grep -v '^#' patches/stable-10.0/series | grep . | sed 's|^|stable-10.0/|'); do
        if ! "$cp" --no-tree -q "patches/$p"; then
            echo "patches/$p: checkpatch.pl complains"; bad=1
        fi
    done
    return $bad
}
check "every patch of patches/ and patches/stable-10.0/ passes QEMU's scripts/checkpatch.pl" checkpatch_clean

check "the 10.0.x backports (patches/stable-10.0/) apply to every release of STABLE_RELEASES" \
    $q stable-applies

second_make() {
    # QEMU's qemu-version.h is always stale in a git tree (its build runs
    # git describe every time), so "no work" means: nothing fetched,
    # unpacked or configured, and no binary rebuilt or unpacked again
    local bin ctl files before after
    bin=$($q binary); ctl=$($q control-binary)
    files="$bin $ctl build/qemu-build/build.ninja build/control/qemu-build/build.ninja"
    # shellcheck disable=SC2086
    before=$(stat -c %Y.%s $files | tr '\n' ' ')
    make >"$tmp/make.out" 2>&1 || { cat "$tmp/make.out"; return 1; }
    cat "$tmp/make.out"
    # shellcheck disable=SC2086
    after=$(stat -c %Y.%s $files | tr '\n' ' ')
    [ "$before" = "$after" ] || { echo "rebuilt: $before -> $after"; return 1; }
    ! grep -qiE "configuring|unpacking|downloading|re-applying|making the control" "$tmp/make.out"
}
check "a second make with nothing changed does no work" second_make

work_tree_matches() {
    local tree=build/qemu-$QEMU_VERSION
    # the work tree holds the pristine commit plus one commit per patch
    [ "$(git -C "$tree" rev-list --count pristine..HEAD)" = "$(grep -vc '^#\|^$' patches/series || true)" ]
}
check "the work tree is the pristine commit plus one commit per patch" work_tree_matches

control_tree_matches() {
    # the control is pristine plus exactly the first CONTROL_PATCHES
    # patches: as many commits, the same changes (patch ids), nothing else
    local tree=build/control/qemu-$QEMU_VERSION n i p want have
    n=$(git -C "$tree" rev-list --count pristine..HEAD) || return 1
    echo "control: $n commit(s) on pristine, CONTROL_PATCHES=$CONTROL_PATCHES"
    [ "$n" = "$CONTROL_PATCHES" ] || return 1
    [ -z "$(git -C "$tree" status --porcelain)" ] || { echo "control tree modified"; return 1; }
    i=0
    for p in $(grep -v '^#' patches/series | grep . | head -n "$CONTROL_PATCHES"); do
        i=$((i + 1))
        want=$(git patch-id --stable < "patches/$p" | cut -d' ' -f1)
        have=$(git -C "$tree" format-patch -1 --stdout "HEAD~$((n - i))" |
               git patch-id --stable | cut -d' ' -f1)
        echo "control commit $i: $have, patches/$p: $want"
        [ -n "$want" ] && [ "$want" = "$have" ] || return 1
    done
}
check "the control's tree is pristine plus exactly the first CONTROL_PATCHES patches" control_tree_matches

version_of() { "$1" --version | head -n1 | grep -q "version $QEMU_VERSION"; }
check "the patched binary is QEMU $QEMU_VERSION" version_of "$($q binary)"
check "the control binary (built from the control's tree) is QEMU $QEMU_VERSION" version_of "$($q control-binary)"

seccomp_spice_slirp() {
    local b
    b=$($q binary)
    # what libvirt's command lines need: -sandbox, -netdev user, -vnc,
    # qxl-vga (spice); the process must start with all of them
    "$b" -device help | grep -q '"qxl-vga"' || { echo "no qxl-vga"; return 1; }
    timeout 30 "$b" -machine none -nodefaults -display none -sandbox on \
        -netdev user,id=n0 -vnc none -S -monitor none -serial none \
        -daemonize -pidfile "$tmp/pid" || return 1
    kill "$(cat "$tmp/pid")"
}
check "the patched binary has seccomp (-sandbox), slirp, VNC and spice (qxl-vga)" seccomp_spice_slirp

echo "# tooling: $((n - failed)) passed, $failed failed"
[ $failed = 0 ]
