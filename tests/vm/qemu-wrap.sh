#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run $QEDU_REAL_QEMU with our arguments, changed as the environment says:
#
#   QEDU_HIDE_NODES=1    in a private mount namespace where /dev/vfio is an
#                        empty tmpfs and /dev/iommu is /dev/null, so that it
#                        cannot open a VFIO or iommufd node itself (the
#                        fd-passing tests: every such fd comes from the test)
#   QEDU_MEMLOCK_KB=N    with RLIMIT_MEMLOCK N KiB and without
#                        CAP_IPC_LOCK, so that pinning beyond N fails
#                        with ENOMEM as it does for an unprivileged QEMU
set -e
: "${QEDU_REAL_QEMU:?QEDU_REAL_QEMU is not set}"
set -- "$QEDU_REAL_QEMU" "$@"
if [ -n "${QEDU_MEMLOCK_KB:-}" ]; then
    bytes=$((QEDU_MEMLOCK_KB * 1024))
    set -- prlimit --memlock="$bytes:$bytes" \
        setpriv --inh-caps=-ipc_lock --bounding-set=-ipc_lock -- "$@"
fi
if [ "${QEDU_HIDE_NODES:-0}" = 1 ]; then
    exec unshare --mount --propagation private sh -c \
        'mount -t tmpfs none /dev/vfio && mount --bind /dev/null /dev/iommu && exec "$@"' \
        sh "$@"
fi
exec "$@"
