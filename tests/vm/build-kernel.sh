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
# Environment: VFIO_RIG_CACHE (default ~/.cache/vfio-rig), JOBS (default nproc+1)

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
fragment=${KERNEL_FRAGMENT:-$here/kernel.fragment}
cache_root=${VFIO_RIG_CACHE:-$HOME/.cache/vfio-rig}
tarball=/usr/src/linux-source-6.12.tar.xz
jobs=${JOBS:-$(( $(nproc) + 1 ))}
RECIPE=1

die() { echo "build-kernel: $*" >&2; exit 1; }

cache_key() {
    local ver hash
    ver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) ||
        die "linux-source-6.12 is not installed (apt-get install linux-source-6.12)"
    hash=$(cat "$fragment" <(echo "recipe $RECIPE") <(gcc --version | head -n1) |
           sha256sum | cut -c1-12)
    echo "linux-source-6.12_${ver//[~:+]/_}_$hash"
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
    done < "$fragment"
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
    done < "$fragment"
    [ $bad = 0 ] || die "kernel configuration does not match kernel.fragment"
}

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

[ -f "$tarball" ] || die "$tarball not found (apt-get install linux-source-6.12)"
mkdir -p "$cache_root"
work=$(mktemp -d "$cache_root/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
echo "build-kernel: cold build of $key in $work (about 8-10 minutes on 2 cores)" >&2
echo "build-kernel: [1/4] unpacking $tarball" >&2
tar -xJf "$tarball" -C "$work"
src=$(echo "$work"/linux-source-6.12)
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
