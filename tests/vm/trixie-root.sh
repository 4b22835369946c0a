#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# trixie-root.sh [--libvirt] PROG [ARG...]: run PROG (a rig test, in the
# rig's guest, as root) chrooted in the Debian 13 userland that
# scripts/trixie-root.sh made ($VFIO_TRIXIE_ROOT: its root/ directory, on
# the host's root that the guest sees read-only over 9p), with libvirt's
# daemon running there when --libvirt is given.
#
# The userland is laid under an overlayfs whose upper layer is a tmpfs, so
# that libvirt can write its configuration and state; in it:
#
#  - /proc, /sys, /dev (with the VFIO nodes and /dev/iommu) and /tmp as
#    outside (the rig's /tmp holds the tests' directories and the output
#    share), a tmpfs /run;
#  - the repository this script belongs to, bound at the same path (the
#    test programs, the patched and the control QEMU, the LD_PRELOAD
#    shims); so is every directory of $VFIO_TRIXIE_BINDS (spaces apart).
#
# With --libvirt:
#  - /etc/libvirt/libvirtd.conf: unix socket only, no authentication (the
#    client is root in a throwaway guest), logs to $RIG_OUT/libvirt/;
#  - /etc/libvirt/qemu.conf: QEMU runs as root, but without capabilities
#    (clear_emulator_capabilities, libvirt's default), no security driver
#    besides DAC without dynamic ownership, no private /dev namespace and
#    no cgroups (the guest kernel has none), no seccomp sandbox (no
#    CONFIG_SECCOMP), QEMU's stdout/stderr to a plain file (no virtlogd);
#  - libvirtd --daemon starts before PROG and is stopped after it; a
#    domain left running is destroyed first.
#
# PROG finds the root's mount point in $VFIO_TRIXIE_MOUNT; its stdout and
# exit status are passed on.
set -u

note() { echo "trixie-root: $*" >&2; }

libvirt=0
if [ "${1:-}" = --libvirt ]; then libvirt=1; shift; fi
[ $# -ge 1 ] || { note "usage: trixie-root.sh [--libvirt] PROG [ARG...]"; exit 2; }
lower=${VFIO_TRIXIE_ROOT:-}
if [ -z "$lower" ] || [ ! -x "$lower/usr/bin/virsh" ]; then
    note "no trixie root in '${lower:-\$VFIO_TRIXIE_ROOT}' (scripts/trixie-root.sh build)"
    exit 1
fi
lower=$(realpath "$lower")
grep -qw overlay /proc/filesystems ||
    { note "the guest kernel has no overlayfs (CONFIG_OVERLAY_FS)"; exit 1; }
repo=$(cd "$(dirname "$0")/../.." && pwd)
qemu_user=${VFIO_LIBVIRT_QEMU_USER:-libvirt-qemu}

logs=${RIG_OUT:-/tmp}/libvirt
mkdir -p "$logs"
# /mnt is on the read-only host root: a tmpfs over it holds the layers
base=/mnt
mount -t tmpfs -o mode=0755 vfio-trixie "$base" || exit 1
mkdir -p "$base/upper" "$base/work" "$base/root"
r=$base/root
if ! mount -t overlay overlay \
        -o "lowerdir=$lower,upperdir=$base/upper,workdir=$base/work" "$r"; then
    note "cannot mount the overlay root on $lower"
    umount "$base"
    exit 1
fi
mount -t proc proc "$r/proc"
mount -t sysfs sysfs "$r/sys"
mount --rbind /dev "$r/dev"
mount --rbind /tmp "$r/tmp"
mount -t tmpfs -o mode=0755 run "$r/run"
binds=()
for d in "$repo" ${VFIO_TRIXIE_BINDS:-}; do
    mkdir -p "$r$d" && mount --rbind "$d" "$r$d" && binds+=("$r$d") ||
        note "cannot bind $d into the root"
done

cat >"$r/etc/libvirt/libvirtd.conf" <<EOF
listen_tls = 0
listen_tcp = 0
unix_sock_group = "root"
unix_sock_ro_perms = "0700"
unix_sock_rw_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_filters = "1:qemu 1:libvirt 1:util.iommufd 3:object 3:json 3:event 3:util 3:rpc"
log_outputs = "1:file:$logs/libvirtd.log"
EOF
cat >"$r/etc/libvirt/qemu.conf" <<EOF
user = "$qemu_user"
group = "$qemu_user"
remember_owner = 0
security_driver = "none"
namespaces = [ ]
cgroup_controllers = [ ]
seccomp_sandbox = 0
stdio_handler = "file"
EOF

stop_daemon() {
    local pid
    pid=$(cat "$r/run/libvirtd.pid" 2>/dev/null) || return 0
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.2
    done
    note "libvirtd ($pid) did not stop on SIGTERM: killed"
    kill -9 "$pid" 2>/dev/null
}

teardown() {
    local d
    if [ $libvirt = 1 ]; then
        # a domain left running would keep its edus from the rest of the suite
        for d in $(chroot "$r" virsh list --name 2>/dev/null); do
            note "destroying domain $d, left running"
            chroot "$r" virsh destroy "$d" >&2
        done
        stop_daemon
        cp -r "$r/var/log/libvirt/qemu" "$logs/" 2>/dev/null
    fi
    for d in "${binds[@]}"; do umount -l "$d"; done
    umount -l "$r/run" "$r/tmp" "$r/dev" "$r/sys" "$r/proc" 2>/dev/null
    umount -l "$r" "$base"
}

run_prog() {
    chroot "$r" /usr/bin/env VFIO_TRIXIE_MOUNT="$r" \
        LIBVIRT_DEFAULT_URI=qemu:///system "$@"
}

status=1
if [ $libvirt = 0 ]; then
    run_prog "$@"
    status=$?
elif chroot "$r" /usr/sbin/libvirtd --daemon --pid-file /run/libvirtd.pid; then
    # the socket appears once the QEMU driver has initialised
    for _ in $(seq 300); do
        [ -S "$r/run/libvirt/libvirt-sock" ] && break
        sleep 0.2
    done
    if [ -S "$r/run/libvirt/libvirt-sock" ]; then
        run_prog "$@"
        status=$?
    else
        note "libvirtd did not open /run/libvirt/libvirt-sock within 60 s"
        tail -n 20 "$logs/libvirtd.log" >&2
    fi
else
    note "libvirtd --daemon failed"
fi
teardown
exit $status
