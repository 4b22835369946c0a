/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ioctl-count: the table that bench/ioctl-count.so (LD_PRELOAD) keeps in
 * a shared file ($BENCH_IOCTL_FILE) for the benchmark driver to read while
 * the process runs: calls, failures and nanoseconds spent in the kernel
 * for every VFIO and iommufd ioctl (type ';').
 *
 * The slot is the ioctl's number (_IOC_NR), except that VFIO numbers
 * VFIO_BASE+12..17 mean one thing on a type1 container (GET_INFO, MAP_DMA,
 * UNMAP_DMA, ...) and another on a device (PCI_HOT_RESET, ...): on
 * anything that is not /dev/vfio/vfio those count in slot 256 + number.
 */
#ifndef BENCH_IOCTL_COUNT_H
#define BENCH_IOCTL_COUNT_H

#include <stdint.h>

#define IOCTL_COUNT_MAGIC 0x76666963746c3031ULL    /* "vficctl01" */
#define IOCTL_COUNT_SLOTS 512
#define IOCTL_COUNT_DEVICE_SLOT 256     /* + number: device-fd variant */
#define IOCTL_COUNT_SHARED_FIRST 112    /* VFIO_BASE + 12 */
#define IOCTL_COUNT_SHARED_LAST 117     /* VFIO_BASE + 17 */

typedef struct IoctlSlot {
    uint64_t calls;
    uint64_t errors;
    uint64_t ns;
} IoctlSlot;

typedef struct IoctlTable {
    uint64_t magic;
    IoctlSlot slot[IOCTL_COUNT_SLOTS];
} IoctlTable;

#endif /* BENCH_IOCTL_COUNT_H */
