/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Placement of memory devices (pc-dimm) in the hotplug window: pure
 * functions over ranges, so they are tested without a machine.
 */
#ifndef HW_MEM_MEMORY_DEVICE_H
#define HW_MEM_MEMORY_DEVICE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/range.h"

/**
 * struct MemoryDeviceUse - a range taken by a plugged memory device
 * @range: its guest-physical range
 * @name: the device's id or path, for messages (borrowed)
 */
typedef struct MemoryDeviceUse {
    Range range;
    const char *name;
} MemoryDeviceUse;

/**
 * memory_device_assign_addr() - choose (or check) a device's address
 * @window: the hotplug window
 * @used: the ranges already taken, in any order
 * @n_used: how many
 * @size: the new device's size (> 0)
 * @align: required alignment, a power of two
 * @hint: the address the user asked for, or 0 to pick the lowest free
 *        aligned address (first fit)
 * @out: the address on success
 * @errp: set (EINVAL) for a misaligned hint, ENOSPC when the device does
 *        not fit in the window, EBUSY naming the device a hint overlaps
 *
 * Return: true on success.
 */
bool memory_device_assign_addr(const Range *window,
                               const MemoryDeviceUse *used, size_t n_used,
                               uint64_t size, uint64_t align, uint64_t hint,
                               uint64_t *out, GError **errp);

#endif /* HW_MEM_MEMORY_DEVICE_H */
