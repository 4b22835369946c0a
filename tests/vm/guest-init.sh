#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of the rig's initramfs (busybox only).  It binds every edu device to
# vfio-pci, chroots into the host root (9p, read-only) and runs the commands
# the host left in the writable "rigout" share, one per line.  Each command's
# stdout, stderr and exit status go to that share; the serial console only
# gets short markers, because serial output is slow under TCG:
#
#   RIG-CMD-START: N             before command N
#   RIG-CMD: N rc=R time=S       after it (S in guest seconds)
#   RIG-ERROR: text              something the host must report as a failure
#   RIG-RESULT: rc=R ran=N failed=F uptime=S
#
# A missing RIG-RESULT (hang, panic, QEMU abort) is a failure on the host.

/bin/busybox mkdir -p /bin /proc /sys /dev /mnt/host /mnt/out /mnt/hosttmp
/bin/busybox --install -s /bin
export PATH=/bin

mount -t devtmpfs devtmpfs /dev
# The kernel may have found no /dev/console in the initramfs to give us.
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys

rig_error() {
    echo "RIG-ERROR: $*"
    errors=$((errors + 1))
}

# Guest uptime in centiseconds (busybox date has no sub-second format).
uptime_cs() {
    local up
    read -r up _ </proc/uptime
    # "1${frac} - 100": a fraction like "09" must not read as octal
    echo $(( ${up%.*} * 100 + 1${up#*.} - 100 ))
}

fmt_cs() {
    local cs=$(( $1 ))
    printf '%d.%02d' $((cs / 100)) $((cs % 100))
}

# The rig's whole point is VFIO on the edu devices: bind each one to
# vfio-pci through driver_override, then check that the bind took.
bind_edus() {
    local d bdf
    EDUS=
    for d in /sys/bus/pci/devices/*; do
        [ "$(cat "$d/vendor")" = 0x1234 ] || continue
        [ "$(cat "$d/device")" = 0x11e8 ] || continue
        bdf=${d##*/}
        echo vfio-pci >"$d/driver_override"
        echo "$bdf" >/sys/bus/pci/drivers_probe 2>/dev/null
        if [ "$(basename "$(readlink "$d/driver")")" = vfio-pci ]; then
            EDUS="$EDUS${EDUS:+ }$bdf"
        else
            rig_error "edu $bdf did not bind to vfio-pci"
        fi
    done
    echo "RIG: edu bound to vfio-pci: ${EDUS:-none}"
}

mount_share() {
    mount -t 9p -o "trans=virtio,version=9p2000.L,msize=512000,$2" "$1" "$3"
}

# The chroot: the host root read-only, with the guest's own /dev, /proc,
# /sys and a tmpfs /tmp over it.  The host's /tmp disappears under that
# tmpfs, so the directories the host asked for (RIG_KEEP: build dirs under
# /tmp) are bound back from a view of it taken first.
setup_root() {
    local r=/mnt/host k
    mount_share hostroot ro,cache=loose $r || { rig_error "cannot mount the host root over 9p"; return 1; }
    mount --bind $r/tmp /mnt/hosttmp
    mount -t devtmpfs devtmpfs $r/dev
    # bash's process substitution needs /dev/fd (the nested rig's rig.sh)
    [ -e $r/dev/fd ] || ln -s /proc/self/fd $r/dev/fd
    mount -t proc proc $r/proc
    mount -t sysfs sysfs $r/sys
    mount -t tmpfs tmpfs $r/tmp
    mkdir -p $r/dev/shm $r/tmp/rig
    mount -t tmpfs tmpfs $r/dev/shm
    mount --bind /mnt/out $r/tmp/rig
    for k in $RIG_KEEP; do
        mkdir -p "$r/tmp/$k" && mount --bind "/mnt/hosttmp/$k" "$r/tmp/$k" ||
            rig_error "cannot keep host /tmp/$k visible"
    done
}

# Run a command with a clean environment: the kernel hands unknown
# command-line words to init as variables, which must not leak.  The
# host's extra variables (env.sh: export lines) come last, so they win.
in_root() {
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/tmp TERM="${TERM:-linux}" RIG_OUT=/tmp/rig RIG_EDU="$EDUS" \
        RIG_CWD="$RIG_CWD" \
        /bin/sh -c '[ -f /mnt/out/env.sh ] && . /mnt/out/env.sh; exec "$@"' sh "$@"
}

run_commands() {
    local n=0 cmd rc t0 t1
    failed=0
    while IFS= read -r cmd <&3; do
        n=$((n + 1))
        echo "RIG-CMD-START: $n"
        t0=$(uptime_cs)
        in_root chroot /mnt/host /bin/sh -c "cd \"\$RIG_CWD\" 2>/dev/null || cd /; $cmd" \
            </dev/null >"/mnt/out/$n.out" 2>"/mnt/out/$n.err"
        rc=$?
        t1=$(uptime_cs)
        echo "$rc" >"/mnt/out/$n.rc"
        [ "$rc" = 0 ] || failed=$((failed + 1))
        echo "RIG-CMD: $n rc=$rc time=$(fmt_cs "$t1 - $t0")"
    done 3</mnt/out/cmds
    ran=$n
}

errors=0
ran=0
failed=0
RIG_SHELL=
for arg in $(cat /proc/cmdline); do
    [ "$arg" = rig.shell ] && RIG_SHELL=1
done

if mount_share rigout rw /mnt/out; then
    [ -f /mnt/out/rig.conf ] && . /mnt/out/rig.conf
    bind_edus
    setup_root && run_commands
    dmesg >/mnt/out/dmesg 2>/dev/null
else
    rig_error "cannot mount the rigout share"
fi
rc=0
[ $((failed + errors)) = 0 ] || rc=1
sync
echo "RIG-RESULT: rc=$rc ran=$ran failed=$failed errors=$errors uptime=$(fmt_cs "$(uptime_cs)")"

if [ -n "$RIG_SHELL" ]; then
    echo "RIG: interactive shell in the chroot (exit to power off)"
    sh=/bin/sh
    [ -x /mnt/host/bin/bash ] && sh=/bin/bash
    in_root setsid cttyhack chroot /mnt/host /bin/sh -c \
        "cd \"\$RIG_CWD\" 2>/dev/null; exec $sh -i"
fi
poweroff -f
