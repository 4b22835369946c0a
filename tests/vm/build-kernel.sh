#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the rig's guest kernel from Debian's linux-source-6.12 once and cache
# it outside the tree.  Prints the cache directory on the last line of stdout.
#
# The cache key is the package version plus a hash of everything that shapes
# the build (the fragment, the recipe version below, the compiler), so any
# change to them means exactly one cold build.  Bump RECIPE when a change to
# this script changes what lands in the cache.  The build goes through a temporary directory
# and an atomic rename: an interrupted build leaves no half-written entry.
#
# Usage: build-kernel.sh                    build (or find) the kernel
#        build-kernel.sh --key              print the cache key and exit
#        build-kernel.sh --check-config F   check the .config file F against
#                                           the fragment, naming each miss
#        build-kernel.sh --fragment         print the fragment lines in effect
# Environment: VFIO_RIG_CACHE (default ~/.cache/vfio-rig), JOBS (default nproc+1),
#   KERNEL_VARIANT   6.12 (default): the installed linux-source-6.12 (bookworm);
#                    7.3: Debian's newest, linux-source-7.3 from
#                    trixie-backports, fetched through a private apt
#                    configuration under the cache (the machine's apt sources
#                    are never touched; the archive is the one they name,
#                    scripts/debian-archive.py) and unpacked there, not
#                    installed.  Same fragment, same recipe, its own key.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
fragment=${KERNEL_FRAGMENT:-$here/kernel.fragment}
cache_root=${VFIO_RIG_CACHE:-$HOME/.cache/vfio-rig}
variant=${KERNEL_VARIANT:-6.12}
tarball=/usr/src/linux-source-6.12.tar.xz
jobs=${JOBS:-$(( $(nproc) + 1 ))}
RECIPE=1

die() { echo "build-kernel: $*" >&2; exit 1; }

# The fragment, plus for 7.3 what its Kconfig needs on top (kernel-7.3.fragment)
fragments=("$fragment")
case "$variant" in
6.12) ;;
7.3) bpo_suite=trixie-backports
     fragments+=("$here/kernel-7.3.fragment") ;;
*) die "KERNEL_VARIANT must be 6.12 or 7.3 (got $variant)" ;;
esac

# apt-get/apt-cache with a private configuration for $bpo_suite (binaries
# only); its lists and downloads stay under the cache
apt_bpo() {
    local dir=$cache_root/apt-$bpo_suite archive
    local args=(-o "Dir::Etc::SourceList=$dir/sources.list"
                -o "Dir::Etc::SourceParts=/dev/null"
                -o "Dir::State::Lists=$dir/lists"
                -o "Dir::Cache=$dir/cache"
                -o "APT::Sandbox::User=root")
    if [ ! -f "$dir/updated" ]; then
        mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
        archive=$("$here/../../scripts/debian-archive.py") ||
            die "no Debian archive in this machine's apt sources"
        printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
            "$archive" "$bpo_suite" > "$dir/sources.list"
        apt-get "${args[@]}" -q update >&2 || die "apt-get update of $bpo_suite failed"
        touch "$dir/updated"
    fi
    "$1" "${args[@]}" "${@:2}"
}

# The version of linux-source-$variant the build uses
source_version() {
    if [ "$variant" = 6.12 ]; then
        dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null ||
            die "linux-source-6.12 is not installed (apt-get install linux-source-6.12)"
    else
        apt_bpo apt-cache show "linux-source-$variant" 2>/dev/null |
            sed -n 's/^Version: //p' | sort -V | tail -n1 | grep . ||
            die "no linux-source-$variant in $bpo_suite"
    fi
}

# Download linux-source-$variant $1 and unpack its tarball under the cache;
# sets $tarball
fetch_source() {
    local ver=$1 dir=$cache_root/src/linux-source-${variant}_${1//[~:+]/_} deb
    tarball=$dir/usr/src/linux-source-$variant.tar.xz
    [ -f "$tarball" ] && return 0
    mkdir -p "$cache_root/dl" "$cache_root/src"
    deb=$cache_root/dl/linux-source-${variant}_${ver/:/%3a}_all.deb
    if [ ! -f "$deb" ]; then
        echo "build-kernel: downloading linux-source-$variant $ver ($bpo_suite)" >&2
        (cd "$cache_root/dl" && apt_bpo apt-get -q download "linux-source-$variant=$ver" >&2) ||
            die "could not download linux-source-$variant $ver"
    fi
    [ -f "$deb" ] || die "$deb missing after the download"
    rm -rf "$dir.tmp"
    dpkg-deb -x "$deb" "$dir.tmp" && mv "$dir.tmp" "$dir" || die "unpacking $deb failed"
    rm -f "$deb"
}

cache_key() {
    local ver hash
    ver=$(source_version)
    hash=$(cat "${fragments[@]}" <(echo "recipe $RECIPE") <(gcc --version | head -n1) |
           sha256sum | cut -c1-12)
    echo "linux-source-${variant}_${ver//[~:+]/_}_$hash"
}

# The fragment lines in effect: kernel.fragment, and for 7.3 with the
# options 7.3 renamed ("# renamed: CONFIG_OLD CONFIG_NEW" lines of
# kernel-7.3.fragment) under their new names, then kernel-7.3.fragment
effective_fragment() {
    local sub=() old new
    if [ ${#fragments[@]} = 1 ]; then
        cat "$fragment"
        return
    fi
    while read -r _ _ old new; do
        sub+=(-e "s/^$old=/$new=/" -e "s/^# $old is not set/# $new is not set/")
    done < <(grep '^# renamed: ' "${fragments[1]}")
    sed "${sub[@]:--e p -n}" "$fragment"
    cat "${fragments[1]}"
}

apply_fragment() {
    local obj=$1 line name
    while read -r line; do
        case "$line" in
        CONFIG_*=y) name=${line%%=*}
            "$src"/scripts/config --file "$obj/.config" --enable "${name#CONFIG_}" ;;
        "# CONFIG_"*" is not set") name=${line#\# }; name=${name%% *}
            "$src"/scripts/config --file "$obj/.config" --disable "${name#CONFIG_}" ;;
        esac
    done < <(effective_fragment)
}

# Kconfig silently drops options whose dependencies are missing: check every
# fragment line against the final .config and name each one that is off.
verify_fragment() {
    local config=$1 line name bad=0
    while read -r line; do
        case "$line" in
        CONFIG_*=y)
            grep -qx "$line" "$config" ||
                { echo "build-kernel: fragment option $line missing after olddefconfig" >&2; bad=1; } ;;
        "# CONFIG_"*" is not set")
            name=${line#\# }; name=${name%% *}
            ! grep -q "^$name=" "$config" ||
                { echo "build-kernel: fragment wants $name off, but it is on" >&2; bad=1; } ;;
        esac
    done < <(effective_fragment)
    [ $bad = 0 ] || die "kernel configuration does not match kernel.fragment"
}

if [ "${1:-}" = "--fragment" ]; then effective_fragment; exit 0; fi
if [ "${1:-}" = "--check-config" ]; then
    verify_fragment "${2:?--check-config needs a .config file}"
    exit 0
fi
key=$(cache_key)
if [ "${1:-}" = "--key" ]; then echo "$key"; exit 0; fi
dest=$cache_root/$key
if [ -f "$dest/vmlinux" ]; then
    echo "build-kernel: cached kernel $dest" >&2
    echo "$dest"
    exit 0
fi

[ "$variant" = 6.12 ] || fetch_source "$(source_version)"
[ -f "$tarball" ] || die "$tarball not found (apt-get install linux-source-6.12)"
mkdir -p "$cache_root"
work=$(mktemp -d "$cache_root/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
echo "build-kernel: cold build of $key in $work (6.12: about 8-10 minutes on 2 cores)" >&2
echo "build-kernel: [1/4] unpacking $tarball" >&2
tar -xJf "$tarball" -C "$work"
src=$(echo "$work"/linux-source-"$variant")
obj=$work/obj
mkdir -p "$obj"
echo "build-kernel: [2/4] tinyconfig + fragment + olddefconfig" >&2
make -s -C "$src" O="$obj" tinyconfig >/dev/null
apply_fragment "$obj"
make -s -C "$src" O="$obj" olddefconfig >/dev/null
verify_fragment "$obj/.config"
# The uAPI headers first: a failure here costs seconds, not a whole build.
# `make headers` + our own copy, because headers_install needs rsync.
echo "build-kernel: [3/4] make headers (the uAPI, for uapi-check.sh)" >&2
make -s -C "$src" O="$obj" -j"$jobs" headers
mkdir -p "$work/out/headers"
(cd "$obj/usr" && find include -name '*.h' | cpio --quiet -pdm "$work/out/headers") ||
    die "copying the uAPI headers failed"
echo "build-kernel: [4/4] make -j$jobs vmlinux (progress: one dot per 100 objects)" >&2
if ! make -C "$src" O="$obj" -j"$jobs" vmlinux 2>&1 |
    awk '/^  (CC|AS|LD|AR)/ { if (++n % 100 == 0) { printf "." > "/dev/stderr"; fflush("/dev/stderr") } }
         /error:|Error / { print > "/dev/stderr" }'; then
    die "kernel build failed"
fi
echo >&2
cp "$obj/vmlinux" "$obj/.config" "$work/out/"
mv "$work/out" "$dest"
echo "build-kernel: built $dest in $(( $(date +%s) - start )) s" >&2
echo "$dest"
