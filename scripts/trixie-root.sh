#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A Debian 13 (trixie) userland for the rig: debootstrap of trixie from the
# machine's own Debian archive (scripts/debian-archive.py; the machine's
# apt sources are read, never changed), then libvirt and QEMU from
# trixie-backports installed inside it with trixie's own apt (qemu.conf:
# TRIXIE_BPO_DEBS, TRIXIE_DEBS).  The rig's guest lays it under an overlay
# and chroots into it (tests/vm/trixie-root.sh): libvirt 12.x drives the
# patched QEMU there, and Debian's newest QEMU runs as the upstream
# reference.  The patched build (built on bookworm) runs there with
# trixie's libraries: `check-binary` shows it.
#
# It is cached like the guest kernel, in ~/.cache/vfio-rig (VFIO_RIG_CACHE),
# in a directory named by what shapes it:
#
#   trixie-root_<trixie point release>_libvirt-<version>_qemu-<version>_<hash>
#
# the versions being trixie-backports' candidates now, the hash that of the
# package lists, the recipe (build_in below) and debootstrap's version.  A new upload of
# libvirt or QEMU to trixie-backports, or a trixie point release, means a
# new key and one cold build.  The directory holds root/ (the userland),
# packages (dpkg -l of it), build.log and build-seconds.  A build goes
# through a temporary directory and an atomic rename.
#
# Usage: scripts/trixie-root.sh key            print the key
#        scripts/trixie-root.sh build          build unless cached; print the
#                                              directory of root/
#        scripts/trixie-root.sh path           print it (exit 1 if not built)
#        scripts/trixie-root.sh apt CMD ARG...  apt-get/apt-cache CMD with the
#                                              private trixie indexes
#        scripts/trixie-root.sh check-binary BIN [ARG...]
#                                              run BIN (default --version)
#                                              chrooted in the root, its
#                                              directory bound in, after
#                                              checking that ldd finds all
#                                              of its libraries there
#
# Needs root (debootstrap, chroot, mounts in a private mount namespace) and
# debootstrap (installed with apt-get if missing).

set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../qemu.conf
. "$repo/qemu.conf"

cache_root=${VFIO_RIG_CACHE:-$HOME/.cache/vfio-rig}
build_root=${QEMU_BUILD_ROOT:-$repo/build}
aptdir=$build_root/apt-trixie
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

note() { echo "trixie-root: $*" >&2; }
die() { note "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mounts)"

archive() {
    "$repo/scripts/debian-archive.py" || die "no Debian archive in this machine's apt sources"
}

# A private apt configuration that only reads trixie's and trixie-backports'
# indexes (for the versions in the key); its lists are refreshed once a day.
apt_trixie() {
    local args=(-o "Dir::Etc::SourceList=$aptdir/sources.list"
                -o "Dir::Etc::SourceParts=/dev/null"
                -o "Dir::State::Lists=$aptdir/lists"
                -o "Dir::State::status=$aptdir/status"
                -o "Dir::Cache=$aptdir/cache"
                -o "APT::Sandbox::User=root")
    if [ -z "$(find "$aptdir/updated" -mmin -1440 2>/dev/null)" ]; then
        mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
        : >"$aptdir/status"
        local a
        a=$(archive)
        printf 'deb [signed-by=%s] %s %s main\n' \
            "$keyring" "$a" "$TRIXIE_SUITE" \
            "$keyring" "$a" "$TRIXIE_BPO_SUITE" >"$aptdir/sources.list"
        if apt-get "${args[@]}" -q update >&2; then
            touch "$aptdir/updated"
        elif ls "$aptdir"/lists/*_InRelease >/dev/null 2>&1; then
            note "apt-get update failed: the indexes of $(stat -c %y "$aptdir/updated" 2>/dev/null || echo before) stay"
        else
            die "apt-get update of $TRIXIE_SUITE and $TRIXIE_BPO_SUITE failed"
        fi
    fi
    "$@" "${args[@]}"
}

# version PKG SUITE: the candidate version of PKG in SUITE
version() {
    apt_trixie apt-cache show "$1/$2" 2>/dev/null |
        sed -n 's/^Version: //p' | head -n1
}

point_release() {
    sed -n 's/^Version: //p' "$aptdir"/lists/*_dists_"${TRIXIE_SUITE}"_InRelease | head -n1
}

cmd_key() {
    local lv qv pr hash
    lv=$(version libvirt-daemon "$TRIXIE_BPO_SUITE")
    qv=$(version qemu-system-x86 "$TRIXIE_BPO_SUITE")
    pr=$(point_release)
    [ -n "$lv" ] && [ -n "$qv" ] && [ -n "$pr" ] ||
        die "no libvirt-daemon or qemu-system-x86 in $TRIXIE_BPO_SUITE, or no $TRIXIE_SUITE release"
    hash=$({
        echo "${TRIXIE_DEBS[*]}"
        echo "${TRIXIE_BPO_DEBS[*]}"
        declare -f build_in
        dpkg-query -W -f='${Version}' debootstrap 2>/dev/null || true
    } | sha256sum | cut -c1-12)
    # '~' and ':' of Debian versions are kept out of the name
    echo "trixie-root_${pr}_libvirt-${lv}_qemu-${qv#*:}_$hash" | tr '~:' '__'
}

need_debootstrap() {
    command -v debootstrap >/dev/null && return 0
    note "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >&2
}

# build_in DIR ARCHIVE: run in a private mount namespace (every mount dies
# with it): debootstrap, then trixie-backports' packages inside
build_in() {
    local dir=$1 a=$2 r=$1/root
    # trixie only, minimal; the packages named for the tests and the
    # patched build come with it
    debootstrap --variant=minbase --components=main \
        --include="$(IFS=,; echo "${TRIXIE_DEBS[*]}")" \
        --keyring="$keyring" "$TRIXIE_SUITE" "$r" "$a"
    printf 'deb %s %s main\n' "$a" "$TRIXIE_BPO_SUITE" \
        >"$r/etc/apt/sources.list.d/backports.list"
    # no service starts while packages are configured
    printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d"
    chmod 755 "$r/usr/sbin/policy-rc.d"
    cp /etc/resolv.conf "$r/etc/resolv.conf"
    mount -t proc proc "$r/proc"
    mount -t sysfs sysfs "$r/sys"
    mount --rbind /dev "$r/dev"
    chroot "$r" apt-get -q update
    DEBIAN_FRONTEND=noninteractive chroot "$r" apt-get install -y -q \
        --no-install-recommends -t "$TRIXIE_BPO_SUITE" "${TRIXIE_BPO_DEBS[@]}"
    chroot "$r" apt-get clean
    rm -rf "$r"/var/lib/apt/lists/* "$r/usr/sbin/policy-rc.d" "$r/etc/resolv.conf"
    chroot "$r" dpkg-query -W -f='${Package} ${Version}\n' >"$dir/packages"
    chroot "$r" virsh --version
    chroot "$r" qemu-system-x86_64 --version | head -n1
    umount -R "$r/dev" "$r/sys" "$r/proc"
}

cmd_build() {
    local key out tmp t0 a
    key=$(cmd_key)
    out=$cache_root/$key
    if [ -d "$out/root" ]; then
        echo "$out"
        return 0
    fi
    need_debootstrap
    a=$(archive)
    mkdir -p "$cache_root"
    tmp=$(mktemp -d "$cache_root/.trixie-root.XXXXXX")
    note "building $key (log: $tmp/build.log)"
    t0=$(date +%s)
    if ! unshare --mount --propagation private "$0" _build_in "$tmp" "$a" \
            >"$tmp/build.log" 2>&1; then
        tail -n 30 "$tmp/build.log" >&2
        note "failed; the partial root is left in $tmp"
        exit 1
    fi
    echo $(( $(date +%s) - t0 )) >"$tmp/build-seconds"
    du -sm "$tmp/root" | cut -f1 >"$tmp/size-mb"
    note "built in $(cat "$tmp/build-seconds") s, $(cat "$tmp/size-mb") MB"
    # another build may have finished first: keep that one
    mv -T "$tmp" "$out" 2>/dev/null || rm -rf "$tmp"
    echo "$out"
}

cmd_path() {
    local out
    out=$cache_root/$(cmd_key)
    [ -d "$out/root" ] || die "not built: $out (scripts/trixie-root.sh build)"
    echo "$out"
}

# check_in ROOT BIN ARG...: in a private mount namespace
check_in() {
    local r=$1 bin=$2 dir
    shift 2
    dir=$(dirname "$(realpath "$bin")")
    mount -t tmpfs tmpfs "$r/tmp"
    mkdir -p "$r/tmp/bin"
    mount --bind "$dir" "$r/tmp/bin"
    mount -t proc proc "$r/proc"
    if chroot "$r" ldd "/tmp/bin/${bin##*/}" | grep 'not found'; then
        echo "trixie-root: $bin: libraries missing in the trixie root" >&2
        return 1
    fi
    chroot "$r" "/tmp/bin/${bin##*/}" "${@:---version}"
}

case "${1:-}" in
key) cmd_key ;;
build) cmd_build ;;
path) cmd_path ;;
check-binary)
    [ $# -ge 2 ] || die "usage: check-binary BIN [ARG...]"
    bin=$2; shift 2
    exec unshare --mount --propagation private "$0" _check_in "$(cmd_path)/root" "$bin" "$@" ;;
apt) shift; apt_trixie "$@" ;;
_build_in) build_in "$2" "$3" ;;
_check_in) shift; check_in "$@" ;;
*) sed -n '/^# Usage/,/^# Needs/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
