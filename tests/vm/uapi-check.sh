#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# uapi-check.sh: our linux-headers/ against the guest kernel's uAPI headers
#
# The rig's guest kernel (tests/vm/build-kernel.sh) is built with
# `make headers_install`, which leaves its uAPI headers in
# CACHE_DIR/headers/include/linux/.  This compiles every UAPI_ASSERT line
# of linux-headers/linux/{iommufd,vfio}.h against those headers (through
# scripts/update-linux-headers.sh) and prints TAP, one test per assertion:
#   ok 17 - offsetof(struct iommu_ioas_map, iova) == 32
# A "not ok" line is followed by a comment with the kernel's value.
#
# Usage: tests/vm/uapi-check.sh [CACHE_DIR]
#   CACHE_DIR   a build-kernel.sh cache entry; by default the one that
#               tests/vm/build-kernel.sh prints (which builds the kernel
#               first if it is not cached yet: ~10 minutes on 2 cores).
# It needs no VM and no root: only the kernel's installed headers and cc.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)

case "${1:-}" in
-h|--help) sed -n '/^# Usage:/,/^# It needs/s/^# \{0,1\}//p' "$0"; exit 0 ;;
esac

if [ $# -ge 1 ]; then
    cache=$1
else
    # build-kernel.sh prints the cache directory on its last stdout line
    if ! cache=$("$here/build-kernel.sh" | tail -n 1) || [ -z "$cache" ]; then
        echo "Bail out! tests/vm/build-kernel.sh failed"
        exit 1
    fi
fi

if [ ! -f "$cache/headers/include/linux/iommufd.h" ]; then
    echo "Bail out! no kernel headers in $cache/headers" \
         "(expected include/linux/iommufd.h from make headers_install)"
    exit 1
fi

"$src/scripts/update-linux-headers.sh" --tap "$cache/headers"
