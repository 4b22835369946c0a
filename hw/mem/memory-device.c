/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Placement of memory devices in the hotplug window.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "hw/mem/memory-device.h"
#include "system/machine.h"
#include "util/error.h"

/* Round @addr up to @align. Return: false on overflow */
static bool align_up(uint64_t addr, uint64_t align, uint64_t *out)
{
    uint64_t sum;

    if (__builtin_add_overflow(addr, align - 1, &sum)) {
        return false;
    }
    *out = sum & ~(align - 1);
    return true;
}

static int compare_uses(const void *a, const void *b)
{
    return range_compare(&((const MemoryDeviceUse *)a)->range,
                         &((const MemoryDeviceUse *)b)->range);
}

static bool check_hint(const Range *window, const MemoryDeviceUse *used,
                       size_t n_used, const Range *want, uint64_t align,
                       GError **errp)
{
    if (want->start & (align - 1)) {
        error_setg(errp, MACHINE_ERROR, EINVAL,
                   "address must be aligned to 0x%" PRIx64 " bytes", align);
        return false;
    }
    if (!range_contains_range(window, want)) {
        error_setg(errp, MACHINE_ERROR, ENOSPC,
                   "can't add memory device [0x%" PRIx64 ":0x%" PRIx64 "], "
                   "usable range for memory devices [0x%" PRIx64 ":0x%"
                   PRIx64 "]", want->start, want->last, window->start,
                   window->last);
        return false;
    }
    for (size_t i = 0; i < n_used; i++) {
        if (range_overlaps(want, &used[i].range)) {
            error_setg(errp, MACHINE_ERROR, EBUSY,
                       "address range conflicts with memory device id='%s'",
                       used[i].name);
            return false;
        }
    }
    return true;
}

/* First fit over @sorted uses. Return: false if nothing fits */
static bool first_fit(const Range *window, const MemoryDeviceUse *sorted,
                      size_t n_used, uint64_t size, uint64_t align,
                      uint64_t *out)
{
    Range want;
    uint64_t start;

    if (!align_up(window->start, align, &start)) {
        return false;
    }
    for (size_t i = 0; i < n_used; i++) {
        const Range *taken = &sorted[i].range;

        if (!range_from_size(start, size, &want)) {
            return false;
        }
        if (want.last < taken->start) {
            break;                      /* fits before this one */
        }
        if (taken->last < start) {
            continue;                   /* entirely below the candidate */
        }
        if (taken->last == UINT64_MAX ||
            !align_up(taken->last + 1, align, &start)) {
            return false;
        }
    }
    if (!range_from_size(start, size, &want) ||
        !range_contains_range(window, &want)) {
        return false;
    }
    *out = want.start;
    return true;
}

bool memory_device_assign_addr(const Range *window,
                               const MemoryDeviceUse *used, size_t n_used,
                               uint64_t size, uint64_t align, uint64_t hint,
                               uint64_t *out, GError **errp)
{
    g_autofree MemoryDeviceUse *sorted = NULL;
    Range want;

    g_assert(size > 0 && align && !(align & (align - 1)));
    if (hint) {
        if (!range_from_size(hint, size, &want)) {
            error_setg(errp, MACHINE_ERROR, ENOSPC,
                       "address 0x%" PRIx64 " + size 0x%" PRIx64
                       " wraps past 2^64", hint, size);
            return false;
        }
        if (!check_hint(window, used, n_used, &want, align, errp)) {
            return false;
        }
        *out = hint;
        return true;
    }
    sorted = g_memdup2(used, n_used * sizeof(*used));
    qsort(sorted, n_used, sizeof(*sorted), compare_uses);
    if (!first_fit(window, sorted, n_used, size, align, out)) {
        error_setg(errp, MACHINE_ERROR, ENOSPC,
                   "could not find position in guest address space for "
                   "memory device of size 0x%" PRIx64 " in [0x%" PRIx64
                   ":0x%" PRIx64 "]", size, window->start, window->last);
        return false;
    }
    return true;
}
