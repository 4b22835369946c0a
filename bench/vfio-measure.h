/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-measure: one measured row of the VFIO strategies benchmark, run in a
 * child process of bench/vfio-strategies (so a failing row cannot take the
 * whole report down).  Each repeat prints one line of key=value words on
 * stdout, the format bench/vfio-raw prints too:
 *
 *   host strategy=S k=K ram_mib=M repeat=R setup_us=.. ioctls=..
 *        vmpin_kb=.. vmlck_kb=.. containers=.. kinds=NAME:N,..
 *        hot_us=.. hot_ioctls=.. hot_running_ioctls=.. hot_running_unmaps=..
 *        hot_running_mapped=0|1 hot_vmpin_kb=.. hot_vmlck_kb=..
 *        hot_kinds=.. hot_running_kinds=..
 *   ("running": the containers that existed before the device_add, and
 *   their devices)
 *   qemu ram_mib=M repeat=R setup_us=.. vmpin_kb=.. vmlck_kb=.. ram_maps=..
 */
#ifndef BENCH_VFIO_MEASURE_H
#define BENCH_VFIO_MEASURE_H

#include <stdbool.h>

#define MEASURE_NO_MMAP 1u
#define MEASURE_ANON_RAM 2u

/**
 * measure_host() - time vfio-host with @k edu devices in layout @strategy
 * ('a'..'e', see bench/vfio-raw.c) and @ram_mib of RAM, then a device_add
 * of one more device when there is one; $VFIO_HOST_BINARY is the binary.
 * @flags: MEASURE_NO_MMAP: every device has x-no-mmap=on (no BAR is a
 * RAM-device region, so no peer-to-peer BAR mapping); MEASURE_ANON_RAM:
 * boot RAM is a memory-backend-ram (private anonymous memory, as QEMU's
 * default) instead of the default memfd.
 *
 * Return: the exit status for the child (0: every repeat printed).
 */
int measure_host(char strategy, int k, unsigned ram_mib, int repeats,
                 unsigned flags);

/**
 * measure_qemu() - time QEMU ($QEMU, default qemu-system-x86_64) from
 * start to its first query-pci answer with the first edu assigned
 * (-S, TCG, no defaults, legacy VFIO) and @ram_mib of RAM.
 *
 * Return: the exit status for the child.
 */
int measure_qemu(unsigned ram_mib, int repeats);

#endif /* BENCH_VFIO_MEASURE_H */
