#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run $QEDU_REAL_QEMU with our arguments where it cannot open a VFIO or
# iommufd device node itself: in a private mount namespace, /dev/vfio is
# an empty tmpfs and /dev/iommu is /dev/null.  Used by the fd-passing
# tests (the way libvirt runs QEMU): every such fd must come from the test.
exec unshare --mount --propagation private sh -c \
    'mount -t tmpfs none /dev/vfio && mount --bind /dev/null /dev/iommu && exec "$0" "$@"' \
    "${QEDU_REAL_QEMU:?QEDU_REAL_QEMU is not set}" "$@"
