#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run by test-l2.py's guest (L2) around what L1 does to it: wait for the
# guest's own drivers to take in a hot-plugged device or memory, and say
# what they did, in TAP.
#
#   l2-events.sh hotplugged BUILDDIR   a new edu appears (the guest's hotplug
#                                      driver found it): bind it to vfio-pci
#                                      and DMA through it (test-type1-edu)
#   l2-events.sh unplugged             the hot-added edu is gone again
#   l2-events.sh memtotal FILE         note MemTotal (kB) in FILE
#   l2-events.sh memgrew FILE KB       MemTotal grows by KB over FILE's: the
#                                      guest onlined the new memory

set -u
TIMEOUT=240

edus() {
    for d in /sys/bus/pci/devices/*; do
        [ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x11e8 ] &&
            echo "${d##*/}"
    done
}

# the edu that is not one of those bound at boot ($RIG_EDU)
new_edu() {
    for b in $(edus); do
        case " ${RIG_EDU:-} " in *" $b "*) ;; *) echo "$b"; return ;; esac
    done
}

memtotal() { awk '/^MemTotal:/ { print $2 }' /proc/meminfo; }

case "${1:-}" in
hotplugged)
    i=0
    while [ -z "$(new_edu)" ] && [ $i -lt $TIMEOUT ]; do sleep 1; i=$((i + 1)); done
    b=$(new_edu)
    if [ -z "$b" ]; then
        echo "not ok 1 - no hot-added edu within $TIMEOUT s"
        echo "1..1"
        exit 1
    fi
    echo "# hot-added edu $b found after $i s"
    echo vfio-pci >"/sys/bus/pci/devices/$b/driver_override"
    echo "$b" >/sys/bus/pci/drivers_probe
    exec env EDU_BDFS="$b" "$2/test-type1-edu"
    ;;
unplugged)
    i=0
    while [ -n "$(new_edu)" ] && [ $i -lt $TIMEOUT ]; do sleep 1; i=$((i + 1)); done
    if [ -z "$(new_edu)" ]; then
        echo "ok 1 - the hot-added edu is gone from the guest ($i s)"
    else
        echo "not ok 1 - the hot-added edu is still there after $TIMEOUT s"
    fi
    echo "1..1"
    [ -z "$(new_edu)" ]
    ;;
memtotal)
    memtotal >"$2"
    ;;
memgrew)
    want=$(($(cat "$2") + $3))
    i=0
    while [ "$(memtotal)" -lt $want ] && [ $i -lt $TIMEOUT ]; do sleep 1; i=$((i + 1)); done
    now=$(memtotal)
    if [ "$now" -ge $want ]; then
        echo "ok 1 - the guest onlined the new memory: MemTotal $(cat "$2") -> $now kB ($i s)"
    else
        echo "not ok 1 - MemTotal $(cat "$2") -> $now kB, want >= $want within $TIMEOUT s"
    fi
    echo "1..1"
    [ "$now" -ge $want ]
    ;;
*)
    echo "usage: l2-events.sh hotplugged BUILDDIR | unplugged | memtotal FILE | memgrew FILE KB" >&2
    exit 2
    ;;
esac
