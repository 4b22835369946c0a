#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# libvirt-root.sh PROG [ARG...]: run PROG (a rig test, in the rig's guest,
# as root) where Debian's libvirt is installed and its daemon runs.
#
# The rig's root is the host's, read-only over 9p, and the host does not
# have libvirt installed: `make` unpacks the packages into build/libvirt
# ($VFIO_LIBVIRT_DIR).  This script lays them over the guest's root with
# overlayfs (lower: /; upper: a tmpfs with a copy of build/libvirt), so
# that libvirt finds its modules, cpu_map and configuration at the paths it
# was built for, and writes its state to the tmpfs.  In that root it sets up:
#
#  - /etc/libvirt/libvirtd.conf: unix socket only, no authentication (the
#    client is root in a throwaway guest), logs to $RIG_OUT/libvirt/.
#  - /etc/libvirt/qemu.conf: QEMU runs as root with no security driver,
#    no private /dev namespace and no cgroups (the guest kernel has none of
#    CONFIG_CGROUPS, SECURITY, NAMESPACES), no seccomp sandbox (no
#    CONFIG_SECCOMP), QEMU's stdout/stderr to a plain file (no virtlogd).
#    The hostdevs are already bound to vfio-pci by the rig; libvirt is told
#    managed='no' in the domain XML.
#  - the user and group libvirt-qemu, which the package would have added;
#  - /run, /var/lib/libvirt, /var/cache/libvirt and /var/log/libvirt are
#    on the overlay's tmpfs; no dbus, systemd or polkit.
#
# libvirtd starts before PROG and is stopped after it; PROG's stdout and
# exit status are passed on.  PROG finds the root in $VFIO_LIBVIRT_ROOT.
set -u

note() { echo "libvirt-root: $*" >&2; }

[ $# -ge 1 ] || { note "usage: libvirt-root.sh PROG [ARG...]"; exit 2; }
lv=${VFIO_LIBVIRT_DIR:-}
if [ -z "$lv" ] || [ ! -x "$lv/usr/sbin/libvirtd" ]; then
    note "no unpacked libvirt in '${lv:-\$VFIO_LIBVIRT_DIR}' (run make: scripts/qemu.sh libvirt)"
    exit 1
fi
grep -qw overlay /proc/filesystems ||
    { note "the guest kernel has no overlayfs (CONFIG_OVERLAY_FS)"; exit 1; }

logs=${RIG_OUT:-/tmp}/libvirt
mkdir -p "$logs"
# /mnt is on the read-only host root: a tmpfs over it holds everything
base=/mnt
mount -t tmpfs -o mode=0755 vfio-libvirt "$base" || exit 1
mkdir -p "$base/upper" "$base/work" "$base/root"
r=$base/root
# overlayfs refuses layers inside one another, and build/libvirt is inside
# the root: its files are copied into the upper layer instead (11 MB)
if ! mount -t overlay overlay \
        -o "lowerdir=/,upperdir=$base/upper,workdir=$base/work" "$r"; then
    note "cannot mount the overlay root"
    umount "$base"
    exit 1
fi
if ! cp -a "$lv/." "$r/"; then
    note "cannot copy $lv into the overlay root"
    umount "$r" "$base"
    exit 1
fi
mount -t proc proc "$r/proc"
mount -t sysfs sysfs "$r/sys"
mount --rbind /dev "$r/dev"
mount --rbind /tmp "$r/tmp"
mount -t tmpfs -o mode=0755 run "$r/run"

# The QEMU driver resolves Debian's build-time default user and group
# (libvirt-qemu) before it reads qemu.conf, as the package's postinst
# would have created them
grep -q '^libvirt-qemu:' "$r/etc/passwd" ||
    echo 'libvirt-qemu:x:64055:64055:Libvirt Qemu:/var/lib/libvirt:/usr/sbin/nologin' >>"$r/etc/passwd"
grep -q '^libvirt-qemu:' "$r/etc/group" ||
    echo 'libvirt-qemu:x:64055:' >>"$r/etc/group"

cat >"$r/etc/libvirt/libvirtd.conf" <<EOF
listen_tls = 0
listen_tcp = 0
unix_sock_group = "root"
unix_sock_ro_perms = "0700"
unix_sock_rw_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_filters = "1:qemu 1:libvirt 3:object 3:json 3:event 3:util 3:rpc"
log_outputs = "1:file:$logs/libvirtd.log"
EOF
cat >"$r/etc/libvirt/qemu.conf" <<EOF
user = "root"
group = "root"
dynamic_ownership = 0
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
    # a domain left running would keep its edus from the rest of the suite
    for d in $(chroot "$r" virsh list --name 2>/dev/null); do
        note "destroying domain $d, left running"
        chroot "$r" virsh destroy "$d" >&2
    done
    stop_daemon
    cp -r "$r/var/log/libvirt/qemu" "$logs/" 2>/dev/null
    umount -l "$r/run" "$r/tmp" "$r/dev" "$r/sys" "$r/proc" 2>/dev/null
    umount -l "$r" "$base"
}

status=1
if chroot "$r" /usr/sbin/libvirtd --daemon --pid-file /run/libvirtd.pid; then
    # the socket appears once the QEMU driver has initialised
    for _ in $(seq 300); do
        [ -S "$r/run/libvirt/libvirt-sock" ] && break
        sleep 0.2
    done
    if [ -S "$r/run/libvirt/libvirt-sock" ]; then
        chroot "$r" /usr/bin/env VFIO_LIBVIRT_ROOT="$r" \
            LIBVIRT_DEFAULT_URI=qemu:///system "$@"
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
