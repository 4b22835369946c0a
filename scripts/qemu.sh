#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Fetch, verify, unpack, patch and build the pinned QEMU (qemu.conf), and
# build the control from the same tarball.  Everything lands under build/:
#
#   build/dl/                 the tarball and .debs (kept)
#   build/apt/                private apt configuration (BPO_SUITE deb +
#                             deb-src, QEMU_SRC_SUITE and TRIXIE_SUITE
#                             deb-src) on the machine's own Debian
#                             mirror; the machine's sources are never
#                             touched
#   build/tools/              meson 1.7 + pycotap from bookworm-backports,
#                             unpacked, used through PYTHONPATH
#   build/qemu-10.2.2/        the work tree: a git repository with one
#                             pristine commit (tag "pristine") and one
#                             commit per patch of patches/series
#   build/qemu-build/         QEMU's build directory
#   build/qemu-asan/          the same tree built with AddressSanitizer
#                             (scripts/qemu.sh asan; the soak uses it)
#   build/control/qemu-10.2.2 the pristine tree plus the first
#                             CONTROL_PATCHES patches, and its build
#   build/control/qemu-build/ directory (same configure arguments)
#   build/stable/             10.0.x releases (STABLE_RELEASES) and their
#                             ASan builds: qemu-V/ + asan-V/ (pristine),
#                             fixed/qemu-V/ + fixed/asan-V/ (with
#                             patches/stable-10.0/)
#   build/qemu-cross/         hw/vfio built for aarch64, ppc64 and s390x
#                             (scripts/qemu.sh cross)
#   build/trixie-root         a link to the trixie userland with libvirt
#                             12.x and Debian's newest QEMU from
#                             trixie-backports (scripts/trixie-root.sh
#                             makes and caches it in ~/.cache/vfio-rig)
#                             for the rig's libvirt and upstream tests
#
# Compilers run through ccache (~/.cache/ccache unless CCACHE_DIR says
# otherwise): the control and the patched tree share all but the files the
# series touches, so the second of the two builds costs little.
#
# Usage: scripts/qemu.sh deps         install the Debian build dependencies
#        scripts/qemu.sh fetch        download (if needed) + verify tarball
#        scripts/qemu.sh verify FILE  check FILE against QEMU_SHA256
#        scripts/qemu.sh tree         make the work tree (if missing), or
#                                     re-apply patches/ when they changed
#                                     and the tree has no commits of its own
#        scripts/qemu.sh configure    configure build/qemu-build (if needed)
#        scripts/qemu.sh build [TGT]  ninja TGT (default qemu-system-x86_64)
#        scripts/qemu.sh asan         configure + build build/qemu-asan
#                                     (--enable-asan) and print its binary
#        scripts/qemu.sh control      build the control (pristine tree
#                                     plus the first CONTROL_PATCHES)
#        scripts/qemu.sh cross        compile hw/vfio (and the series'
#                                     files) for aarch64, ppc64, s390x
#        scripts/qemu.sh libvirt      the trixie userland with libvirt
#                                     (scripts/trixie-root.sh build; cached)
#                                     and its link build/trixie-root
#        scripts/qemu.sh all          tree + configure + build + control
#                                     + libvirt
#        scripts/qemu.sh rebase-check build every commit of the work tree
#                                     on its own (git rebase -x), in a
#                                     scratch copy
#        scripts/qemu.sh export       work tree commits -> patches/
#        scripts/qemu.sh check-series apply patches/ to a fresh pristine
#                                     tree and check that exporting it
#                                     gives patches/ back byte for byte
#        scripts/qemu.sh check-qemu   build and run QEMU's own tests named in
#                                     qemu.conf (QEMU_OWN_TESTS); TAP, one
#                                     line per test
#        scripts/qemu.sh stable V [fixed]   a 10.0.x release of
#                                     STABLE_RELEASES (qemu.conf) built with
#                                     AddressSanitizer, pristine or with
#                                     patches/stable-10.0/ ("fixed"); prints
#                                     its binary
#        scripts/qemu.sh stable-applies   check that patches/stable-10.0/
#                                     applies to every STABLE_RELEASES
#                                     tarball (nothing built)
#        scripts/qemu.sh apt CMD ARG...   run apt-get/apt-cache CMD with the
#                                     private apt configuration
#        scripts/qemu.sh binary|control-binary   print the binary's path
#
# Environment: QEMU_BUILD_ROOT (default <repo>/build); QEMU_DIST_DIR (a
#              directory holding QEMU_TARBALL, default ../shared/dist
#              beside the repository); CCACHE_DIR

set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../qemu.conf
. "$repo/qemu.conf"

root=${QEMU_BUILD_ROOT:-$repo/build}
dl=$root/dl
aptdir=$root/apt
tools=$root/tools
tree=$root/qemu-$QEMU_VERSION
bdir=$root/qemu-build
control=$root/control
dist=${QEMU_DIST_DIR:-$repo/../shared/dist}
patches=$repo/patches

# Fixed identity and dates make the pristine commit, and every patch
# commit git am makes from patches/, the same on every machine.
export GIT_AUTHOR_NAME="vfio-iommufd tooling" GIT_AUTHOR_EMAIL="tooling@invalid"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
pristine_date="2026-02-16T00:00:00+00:00"

# ccache: no hashing of the build directory and paths below build/ made
# relative, so that the patched and the control build (build/qemu-build,
# build/control/qemu-build, both with the source at ../qemu-$QEMU_VERSION)
# hit each other's objects.
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=true CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}

note() { echo "qemu.sh: $*" >&2; }
die() { note "$*"; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

cmd_deps() {
    local missing=() p
    for p in "${QEMU_BUILD_DEPS[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    [ ${#missing[@]} = 0 ] && return 0
    note "installing ${missing[*]}"
    as_root apt-get update -q
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q \
        --no-install-recommends "${missing[@]}"
}

# A private apt configuration: its own sources list (BPO_SUITE binaries and
# sources, QEMU_SRC_SUITE and TRIXIE_SUITE sources only, so that no binary
# of sid or trixie is ever a candidate), lists and cache; the system's
# dpkg status.  The archive is the one the machine's own apt sources name
# for its release.
apt_private() {
    local args=(-o "Dir::Etc::SourceList=$aptdir/sources.list"
                -o "Dir::Etc::SourceParts=/dev/null"
                -o "Dir::State::Lists=$aptdir/lists"
                -o "Dir::Cache=$aptdir/cache"
                -o "APT::Sandbox::User=root")
    local suites="$BPO_SUITE $QEMU_SRC_SUITE $TRIXIE_SUITE"
    # a list made for other suites (an older checkout's) is made again
    [ "$(cat "$aptdir/updated" 2>/dev/null)" = "$suites" ] || rm -f "$aptdir/updated"
    if [ ! -f "$aptdir/updated" ]; then
        mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
        local keyring=/usr/share/keyrings/debian-archive-keyring.gpg archive
        archive=$("$repo/scripts/debian-archive.py") ||
            die "no Debian archive in this machine's apt sources"
        printf '%s [signed-by=%s] %s %s main\n' \
            deb "$keyring" "$archive" "$BPO_SUITE" \
            deb-src "$keyring" "$archive" "$BPO_SUITE" \
            deb-src "$keyring" "$archive" "$QEMU_SRC_SUITE" \
            deb-src "$keyring" "$archive" "$TRIXIE_SUITE" \
            > "$aptdir/sources.list"
        apt-get "${args[@]}" -q update >&2 ||
            die "apt-get update of $BPO_SUITE, $QEMU_SRC_SUITE and $TRIXIE_SUITE failed"
        echo "$suites" > "$aptdir/updated"
    fi
    "$@" "${args[@]}"
}

# cmd_verify FILE [SHA256]: FILE's sha256 is SHA256 (default QEMU_SHA256)
cmd_verify() {
    local file=$1 want=${2:-$QEMU_SHA256} actual
    [ -f "$file" ] || die "$file: no such file"
    actual=$(sha256sum "$file" | cut -d' ' -f1)
    if [ "$actual" != "$want" ]; then
        note "$file: sha256 mismatch"
        note "  expected $want"
        note "  actual   $actual"
        return 1
    fi
}

# download_source TARBALL DEBVER SUITE: Debian's TARBALL of source version
# DEBVER (from SUITE) into build/dl as TARBALL.part, not yet verified
download_source() {
    note "downloading $1 ($QEMU_SRC_PACKAGE $2, $3)"
    mkdir -p "$dl/src"
    (cd "$dl/src" && apt_private apt-get -q source --tar-only --download-only \
        "$QEMU_SRC_PACKAGE=$2" >&2) || die "could not download $1"
    [ -f "$dl/src/$1" ] || die "$1 missing after download"
    mv "$dl/src/$1" "$dl/$1.part"
}

# The tarball comes from QEMU_DIST_DIR when it is there, else from
# Debian's archive by its exact source version; it is verified either way
# (and a copy that fails is not kept).
cmd_fetch() {
    mkdir -p "$dl"
    if [ ! -f "$dl/$QEMU_TARBALL" ]; then
        if [ -f "$dist/$QEMU_TARBALL" ]; then
            note "taking $QEMU_TARBALL from $dist"
            cmd_verify "$dist/$QEMU_TARBALL"
            cp "$dist/$QEMU_TARBALL" "$dl/$QEMU_TARBALL.part"
        else
            download_source "$QEMU_TARBALL" "$QEMU_DEB_VERSION" "$QEMU_SRC_SUITE"
        fi
        cmd_verify "$dl/$QEMU_TARBALL.part" || { rm -f "$dl/$QEMU_TARBALL.part"; exit 1; }
        mv "$dl/$QEMU_TARBALL.part" "$dl/$QEMU_TARBALL"
    fi
    cmd_verify "$dl/$QEMU_TARBALL"
}

# download_debs DIR PKG...: the .debs of QEMU_DEB_VERSION's suite into DIR
download_debs() {
    local dir=$1; shift
    mkdir -p "$dir"
    (cd "$dir" && apt_private apt-get -q download "$@" >&2) ||
        die "could not download $*"
}

cmd_tools() {
    [ -f "$tools/.done" ] && return 0
    download_debs "$dl" "${TOOLS_DEBS[@]}"
    rm -rf "$tools"
    local p
    for p in "${TOOLS_DEBS[@]}"; do
        dpkg-deb -x "$(ls "$dl/${p}"_*.deb | tail -n1)" "$tools"
    done
    touch "$tools/.done"
}

# series_in DIR [N]: the patches of DIR/series in order (the first N)
series_in() {
    [ -f "$1/series" ] || return 0
    grep -v '^#' "$1/series" | grep . | head -n "${2:-1000000}"
}

# series_list [N]: the same for patches/ (the series)
series_list() {
    series_in "$patches" "$@"
}

# series_sum [N]: what a tree must have been made from (the first N
# patches).  The "[PATCH n/m]" of a subject is left out: export renumbers
# every patch when the series grows, and git am drops it anyway, so the
# control (the first patch) is not remade for a patch added after it.
series_sum() {
    local p
    {
        echo "$QEMU_SHA256"
        for p in $(series_list "$@"); do
            echo "$p"
            if [ -f "$patches/$p" ]; then
                sed -E '1,/^$/s/^Subject: \[PATCH [0-9]+\/[0-9]+\]/Subject: [PATCH]/' \
                    "$patches/$p"
            else
                echo "missing $p"
            fi
        done
    } | sha256sum | cut -d' ' -f1
}

# apply_series DIR [N]: git am the patches of patches/series (the first N)
apply_series() {
    local dir=$1 p
    for p in $(series_list "${2:-}"); do
        git -C "$dir" am -q --committer-date-is-author-date "$patches/$p" ||
            { git -C "$dir" am --abort 2>/dev/null || true
              die "patches/$p does not apply"; }
    done
}

# make_pristine DIR [TARBALL VERSION SHA256]: unpack the verified tarball
# (default QEMU_TARBALL) into DIR as a git repo
make_pristine() {
    local dir=$1 tarball=${2:-$QEMU_TARBALL} ver=${3:-$QEMU_VERSION}
    local sum=${4:-$QEMU_SHA256} tmp
    tmp=$(mktemp -d "$root/.unpack.XXXXXX")
    tar -xJf "$dl/$tarball" -C "$tmp" --no-same-owner
    [ -d "$tmp/qemu-$ver" ] || die "$tarball has no qemu-$ver/"
    mkdir -p "$(dirname "$dir")"
    mv "$tmp/qemu-$ver" "$dir"
    rmdir "$tmp"
    git -C "$dir" init -q -b main
    git -C "$dir" config core.autocrlf false
    git -C "$dir" add -A -f
    GIT_AUTHOR_DATE=$pristine_date GIT_COMMITTER_DATE=$pristine_date \
        git -C "$dir" commit -q -m "QEMU $ver ($tarball, pristine)" \
        -m "sha256 $sum"
    git -C "$dir" tag pristine
}

cmd_tree() {
    cmd_fetch
    local want stamp
    want=$(series_sum)
    stamp=$tree/.git/vfio-series
    cmd_control_tree
    if [ -d "$tree/.git" ]; then
        [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && return 0
        # patches/ changed.  Re-apply only when the tree holds nothing but
        # what the tooling put there; never throw away a developer's work.
        if [ "$(git -C "$tree" rev-parse HEAD)" != "$(cat "$stamp.head" 2>/dev/null)" ] ||
           [ -n "$(git -C "$tree" status --porcelain)" ]; then
            note "patches/ changed, but $tree has work of its own: left alone"
            note "(export it with 'scripts/qemu.sh export', or remove the tree)"
            return 0
        fi
        note "patches/ changed: re-applying the series to $tree"
        git -C "$tree" reset -q --hard pristine
    else
        note "unpacking $QEMU_TARBALL into $tree"
        mkdir -p "$root"
        make_pristine "$tree"
    fi
    apply_series "$tree"
    echo "$want" > "$stamp"
    git -C "$tree" rev-parse HEAD > "$stamp.head"
}

# The control's tree: pristine plus the first CONTROL_PATCHES patches,
# remade whenever those change.  Nobody works in it.
cmd_control_tree() {
    local ctree=$control/qemu-$QEMU_VERSION want
    want=$(series_sum "$CONTROL_PATCHES")
    [ "$(cat "$ctree/.git/vfio-series" 2>/dev/null)" = "$want" ] && return 0
    note "making the control tree $ctree (pristine + $CONTROL_PATCHES patch(es))"
    rm -rf "$ctree"
    mkdir -p "$control"
    make_pristine "$ctree"
    apply_series "$ctree" "$CONTROL_PATCHES"
    echo "$want" > "$ctree/.git/vfio-series"
}

# Debian's +ds tarball has no pc-bios/edk2-*.fd.bz2.  QEMU's meson.build
# unpacks them whenever it finds a bzip2 program for an x86 target, and
# fails on the missing inputs; bzip2 is on nearly every Debian system
# (dpkg-dev depends on it).  So configure runs in a private mount
# namespace where /usr/bin/bzip2 is not executable (Debian's own package
# build has no bzip2 at all).  Nothing in the source tree is changed.
run_configure() {
    local bz
    bz=$(command -v bzip2 || true)
    if [ -z "$bz" ]; then
        "$@"
    else
        unshare --user --map-root-user --mount sh -c \
            'mount --bind /dev/null "$0" && exec "$@"' "$(realpath "$bz")" "$@"
    fi
}

# The compiler, through Debian's ccache masquerade when it is installed.
qemu_cc() {
    if [ -x /usr/lib/ccache/gcc ]; then echo /usr/lib/ccache/gcc; else echo gcc; fi
}

# configure_in TREE BDIR ARGS...: configure TREE into BDIR unless BDIR was
# configured with the same arguments already.
configure_in() {
    local src=$1 dir=$2 args stamp
    shift 2
    args="$* cc=$(qemu_cc)"
    stamp=$dir/.configure-args
    [ -f "$dir/build.ninja" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$args" ] && return 0
    rm -rf "$dir"
    mkdir -p "$dir"
    note "configuring QEMU in $dir"
    (cd "$dir" && PYTHONPATH=$tools/usr/lib/python3/dist-packages run_configure \
        "$src/configure" --python=/usr/bin/python3 --cc="$(qemu_cc)" "$@" \
        > "$dir/configure.out" 2>&1) ||
        { tail -n 30 "$dir/configure.out" >&2; die "configure failed (log: $dir/configure.out)"; }
    echo "$args" > "$stamp"
}

cmd_configure() {
    cmd_tree
    cmd_tools
    configure_in "$tree" "$bdir" "${QEMU_CONFIGURE_ARGS[@]}"
}

# ninja in QEMU's build directory.  When a patch changes a meson.build,
# ninja re-runs QEMU's meson (pyvenv/bin/meson), which needs the same
# environment as configure: meson 1.7 on PYTHONPATH (else it imports the
# system's 1.0) and bzip2 hidden.  Progress lines are dropped, the rest
# (warnings, errors, "no work to do") is shown.
run_ninja() {
    PYTHONPATH=$tools/usr/lib/python3/dist-packages run_configure \
        ninja -C "$bdir" "$@" | { grep -v '^\[' || true; }
    return "${PIPESTATUS[0]}"
}

# The +ds tarball has no firmware.  A binary run from the build directory
# takes its data directory from qemu-bundle/ (the install tree QEMU's
# build links up): link Debian's SeaBIOS, VGA BIOS and iPXE ROMs there
# (seabios, ipxe-qemu), so that QEMU's own qtests, which cannot pass -L,
# find them too.  Links are made only where QEMU's build put no file.
link_firmware() {
    local f dir data
    data=$(dirname "$(find "$bdir/qemu-bundle" -path '*/share/qemu/keymaps' -type d | head -n1)")
    [ -d "$data" ] || die "no share/qemu in $bdir/qemu-bundle"
    for dir in /usr/share/seabios /usr/lib/ipxe/qemu; do
        for f in "$dir"/*.bin "$dir"/*.rom; do
            [ -e "$f" ] && [ ! -e "$data/${f##*/}" ] && ln -s "$f" "$data/${f##*/}"
        done
    done
    # The x86 option ROMs (pvh.bin boots a vmlinux with -kernel, as the
    # rig's nested guest does): QEMU builds them only with a 32-bit
    # toolchain, so take Debian's (qemu-system-data, which the rig's
    # qemu-system-x86 brings); their fw_cfg interface has not changed.
    for f in pvh.bin linuxboot.bin linuxboot_dma.bin kvmvapic.bin \
             multiboot.bin multiboot_dma.bin; do
        [ -e "/usr/share/qemu/$f" ] && [ ! -e "$data/$f" ] &&
            ln -s "/usr/share/qemu/$f" "$data/$f"
    done
    return 0
}

cmd_build() {
    cmd_configure
    run_ninja "${@:-qemu-system-x86_64}" || die "build failed"
    link_firmware
}

# The control: same configure arguments, its own tree and build directory
# (at the same depth as the patched ones, for ccache).
cmd_control() {
    cmd_fetch
    cmd_control_tree
    cmd_tools
    local bdir=$control/qemu-build
    configure_in "$control/qemu-$QEMU_VERSION" "$bdir" "${QEMU_CONFIGURE_ARGS[@]}"
    run_ninja qemu-system-x86_64 || die "building the control failed"
    link_firmware
}

# stable_release VERSION: set ver, suite, debver, tarball, sum from its
# row of STABLE_RELEASES, and fetch and verify its tarball into build/dl
stable_release() {
    local row
    for row in "${STABLE_RELEASES[@]}"; do
        read -r ver suite debver tarball sum <<<"$row"
        [ "$ver" = "$1" ] && break
        ver=
    done
    [ -n "$ver" ] || die "stable: no release '$1' in STABLE_RELEASES (qemu.conf)"
    if [ ! -f "$dl/$tarball" ]; then
        download_source "$tarball" "$debver" "$suite"
        cmd_verify "$dl/$tarball.part" "$sum" || { rm -f "$dl/$tarball.part"; exit 1; }
        mv "$dl/$tarball.part" "$dl/$tarball"
    fi
    cmd_verify "$dl/$tarball" "$sum" || exit 1
}

# stable-applies: every backport of patches/stable-10.0/ applies, in order,
# to every release of STABLE_RELEASES (only the files they touch are
# unpacked; nothing is built)
cmd_stable_applies() {
    local sdir=$repo/patches/stable-10.0 row ver suite debver tarball sum
    local tmp files p bad=0
    for row in "${STABLE_RELEASES[@]}"; do
        read -r ver _ <<<"$row"
        stable_release "$ver"
        tmp=$(mktemp -d)
        files=$(series_in "$sdir" | sed "s|^|$sdir/|" |
                xargs sed -n 's|^+++ b/|qemu-'"$ver"'/|p' | sort -u)
        # shellcheck disable=SC2086
        tar -xJf "$dl/$tarball" -C "$tmp" --no-same-owner $files ||
            { rm -rf "$tmp"; die "$tarball lacks $files"; }
        for p in $(series_in "$sdir"); do
            if git -C "$tmp/qemu-$ver" apply "$sdir/$p" 2>&1; then
                echo "stable: $p applies to $ver"
            else
                echo "stable: $p does not apply to $ver"; bad=1
            fi
        done
        rm -rf "$tmp"
    done
    return $bad
}

# A release of the 10.0.x stable line (issue 26), pristine or with the
# backports of patches/stable-10.0/, built with AddressSanitizer and the
# patched tree's configure arguments but --enable-werror (an older tree
# under ASan: a new warning must not stop the investigation).  The tarball
# comes from Debian by its exact source version and is verified like
# QEMU_TARBALL.
cmd_stable() {
    local want=${1:-} variant=${2:-pristine} ver suite debver tarball sum
    local sroot=$root/stable stree sbdir sdir p n=0
    stable_release "$want"
    case $variant in
    pristine) stree=$sroot/qemu-$ver; sbdir=$sroot/asan-$ver ;;
    # the same relative path from build to source as the pristine pair,
    # so that ccache (CCACHE_BASEDIR) gives the fixed build every object
    # the backports do not change
    fixed) stree=$sroot/fixed/qemu-$ver; sbdir=$sroot/fixed/asan-$ver ;;
    *) die "stable: the variant is pristine or fixed, not '$variant'" ;;
    esac
    sdir=$repo/patches/stable-10.0
    # the tree is made again when the tarball or the backports change
    local want_sum
    want_sum=$( { echo "$sum"; [ "$variant" = pristine ] || cat "$sdir"/series "$sdir"/*.patch; } |
                sha256sum | cut -d' ' -f1)
    if [ "$(cat "$stree/.git/vfio-stable" 2>/dev/null)" != "$want_sum" ]; then
        note "unpacking $tarball into $stree ($variant)"
        rm -rf "$stree" "$sbdir"
        make_pristine "$stree" "$tarball" "$ver" "$sum"
        if [ "$variant" = fixed ]; then
            for p in $(series_in "$sdir"); do
                git -C "$stree" am -q --committer-date-is-author-date "$sdir/$p" ||
                    die "patches/stable-10.0/$p does not apply to $ver"
                n=$((n + 1))
            done
            note "$ver: $n backport(s) applied"
        fi
        echo "$want_sum" > "$stree/.git/vfio-stable"
    fi
    cmd_tools
    local args=() a
    for a in "${QEMU_CONFIGURE_ARGS[@]}"; do
        [ "$a" = --enable-werror ] || args+=("$a")
    done
    configure_in "$stree" "$sbdir" "${args[@]}" --enable-asan
    local bdir=$sbdir
    run_ninja qemu-system-x86_64 >&2 || die "building $ver ($variant) failed"
    link_firmware
    echo "$sbdir/qemu-system-x86_64"
}

# hw/vfio for the other targets that build it: aarch64 (virt), ppc64 (the
# sPAPR container, spapr_pci_vfio.c), s390x (vfio-ccw, vfio-ap,
# s390-pci-vfio.c).  Only objects are compiled, not whole emulators (ninja
# generates what they include first): every object of hw/vfio and
# hw/vfio-user, and of each C file the series changes, that one of these
# targets builds.  No cross compiler is needed: these are the target
# emulators' objects, built for the host.
cmd_cross() {
    cmd_tree
    cmd_tools
    local bdir=$root/qemu-cross objs pat f t n
    configure_in "$tree" "$bdir" --target-list=aarch64-softmmu,ppc64-softmmu,s390x-softmmu \
        --disable-docs --disable-download --disable-install-blobs --disable-tools \
        --disable-gtk --disable-sdl --enable-werror
    # object names are the source path with '/' turned into '_'
    pat='hw_vfio_[^/]*|hw_vfio-user_[^/]*|hw_ppc_spapr_pci_vfio|hw_s390x_s390-pci-vfio'
    for f in $(git -C "$tree" diff --name-only pristine..HEAD -- '*.c'); do
        f=${f%.c}
        pat="$pat|${f//\//_}"
    done
    objs=$(run_ninja -t targets all | sed -n 's/^\([^:]*\.o\): .*/\1/p' |
           grep -E "/($pat)\.c\.o\$" || true)
    [ -n "$objs" ] || die "no hw/vfio objects in $bdir"
    # shellcheck disable=SC2086
    run_ninja $objs >&2 || die "hw/vfio or the series does not compile for every target"
    for t in aarch64 ppc64 s390x; do
        n=$(echo "$objs" | grep -c "^libqemu-$t-softmmu" || true)
        echo "cross: $t-softmmu: $n target objects"
    done
    echo "cross: $(echo "$objs" | wc -l) objects (hw/vfio, hw/vfio-user, the series' files; common ones once) compile for aarch64, ppc64, s390x"
}

# Build every commit of the work tree on its own, in a scratch clone (the
# work tree and its build directory are left alone): check each commit of
# pristine..HEAD out in turn and build the emulator and the series' unit
# test (when that commit has it) incrementally.
cmd_rebase_check() {
    cmd_configure
    local tmp=$root/rebase-check c n=0 targets
    rm -rf "$tmp"
    git clone -q "$tree" "$tmp/qemu-$QEMU_VERSION"
    local bdir=$tmp/qemu-build
    for c in $(git -C "$tree" rev-list --reverse pristine..HEAD); do
        n=$((n + 1))
        git -C "$tmp/qemu-$QEMU_VERSION" checkout -q "$c"
        note "rebase-check $n: $(git -C "$tree" log -1 --format=%s "$c")"
        configure_in "$tmp/qemu-$QEMU_VERSION" "$bdir" "${QEMU_CONFIGURE_ARGS[@]}"
        targets=qemu-system-x86_64
        [ -f "$tmp/qemu-$QEMU_VERSION/tests/unit/test-vfio-dma-plan.c" ] &&
            targets="$targets tests/unit/test-vfio-dma-plan"
        # shellcheck disable=SC2086
        run_ninja $targets || die "commit $n ($c) does not build"
    done
    echo "rebase-check: each of the $n commits of pristine..HEAD builds on its own"
    rm -rf "$tmp"
}


# libvirt 12.x and Debian's newest QEMU run only inside the rig's guest,
# chrooted into a trixie userland: scripts/trixie-root.sh bootstraps it
# once from the machine's own archive (about 2 minutes) and caches it under
# a key of what shapes it; build/trixie-root links to the current one.
cmd_libvirt() {
    local dir
    dir=$(as_root "$repo/scripts/trixie-root.sh" build) ||
        die "could not make the trixie userland (scripts/trixie-root.sh)"
    ln -sfn "$dir/root" "$root/trixie-root"
}

cmd_export() {
    [ -d "$tree/.git" ] || die "no work tree $tree"
    local n
    n=$(git -C "$tree" rev-list --count pristine..HEAD)
    find "$patches" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' \
        ! -name '0000-cover-letter.patch' -delete 2>/dev/null || true
    mkdir -p "$patches"
    : > "$patches/series"
    [ "$n" = 0 ] && { note "no patches on top of pristine"; return 0; }
    git -C "$tree" format-patch -q --zero-commit --no-signature --full-index --numbered \
        --start-number 1 -o "$patches" pristine..HEAD
    (cd "$patches" && ls [0-9][0-9][0-9][0-9]-*.patch | grep -v '^0000-') > "$patches/series"
    # the tree is now exactly what patches/ describes
    series_sum > "$tree/.git/vfio-series"
    git -C "$tree" rev-parse HEAD > "$tree/.git/vfio-series.head"
    note "exported $n patch(es) to patches/"
}

cmd_check_series() {
    cmd_fetch
    mkdir -p "$root"
    check_tmp=$(mktemp -d "$root/.check.XXXXXX")
    trap 'rm -rf "$check_tmp"' EXIT
    local tmp=$check_tmp
    make_pristine "$tmp/tree"
    apply_series "$tmp/tree"
    # export the result and compare with patches/
    mkdir -p "$tmp/out"
    if [ "$(git -C "$tmp/tree" rev-list --count pristine..HEAD)" != 0 ]; then
        git -C "$tmp/tree" format-patch -q --zero-commit --no-signature --full-index --numbered \
            --start-number 1 -o "$tmp/out" pristine..HEAD
    fi
    local want have
    want=$(grep -v '^#' "$patches/series" 2>/dev/null | grep -c . || true)
    have=$(ls "$tmp/out" | grep -c . || true)
    [ "$want" = "$have" ] || die "series has $want patches, the applied tree $have"
    local p
    for p in $(ls "$tmp/out"); do
        cmp -s "$tmp/out/$p" "$patches/$p" ||
            die "patches/$p is not what exporting the applied series gives"
    done
    echo "check-series: $have patch(es) apply to the pristine $QEMU_TARBALL and export back unchanged"
}

# QEMU's meson, with the backports meson on PYTHONPATH
qemu_meson() {
    PYTHONPATH=$tools/usr/lib/python3/dist-packages "$bdir/pyvenv/bin/meson" "$@"
}

cmd_check_qemu() {
    cmd_configure
    local targets=() t name n=0 failed=0 log
    for t in "${QEMU_OWN_TESTS[@]}"; do
        case "$t" in
        qtest-x86_64/*) targets+=("tests/qtest/${t#qtest-x86_64/}") ;;
        *) targets+=("tests/unit/$t") ;;
        esac
    done
    # stdout is TAP: the build talks on stderr
    run_ninja qemu-system-x86_64 "${targets[@]}" >&2 ||
        die "building QEMU's tests failed"
    link_firmware
    (cd "$bdir" && qemu_meson test --no-rebuild --num-processes 2 \
        --logbase check-qemu "${QEMU_OWN_TESTS[@]}" >&2) || true
    log=$bdir/meson-logs/check-qemu.json
    [ -f "$log" ] || die "no test log $log"
    echo "1..${#QEMU_OWN_TESTS[@]}"
    for t in "${QEMU_OWN_TESTS[@]}"; do
        n=$((n + 1))
        name=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    t = json.loads(l)
    if t["name"].split(" / ")[-1] == sys.argv[2]:
        print(t["result"], round(t["duration"], 1))' "$log" "$t")
        case "$name" in
        OK*|EXPECTEDFAIL*) echo "ok $n - QEMU's $t (${name#* } s)" ;;
        SKIP*) echo "ok $n - QEMU's $t # SKIP ${name#* } s" ;;
        *) echo "not ok $n - QEMU's $t: ${name:-did not run}"; failed=$((failed + 1)) ;;
        esac
    done
    [ $failed = 0 ]
}

case "${1:-}" in
deps) cmd_deps ;;
check-qemu) cmd_check_qemu ;;
apt) shift; apt_private "$@" ;;
fetch) cmd_fetch ;;
verify) cmd_verify "${2:?verify FILE}" ;;
tools) cmd_tools ;;
tree) cmd_tree ;;
configure) cmd_configure ;;
build) shift; cmd_build "$@" ;;
asan)
    # same tree, same arguments, plus AddressSanitizer; its own build dir
    bdir=$root/qemu-asan
    QEMU_CONFIGURE_ARGS+=(--enable-asan)
    cmd_build >&2
    echo "$bdir/qemu-system-x86_64" ;;
control) cmd_control ;;
stable) shift; cmd_stable "$@" ;;
stable-applies) cmd_stable_applies ;;
cross) cmd_cross ;;
rebase-check) cmd_rebase_check ;;
libvirt) cmd_libvirt ;;
all) cmd_build; cmd_control; cmd_libvirt ;;
export) cmd_export ;;
check-series) cmd_check_series ;;
binary) echo "$bdir/qemu-system-x86_64" ;;
control-binary) echo "$control/qemu-build/qemu-system-x86_64" ;;
*) sed -n '/^# Usage/,/^# Environment/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
