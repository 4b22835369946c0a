/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory core: AddressSpace objects and guest-physical reads and writes.
 */
#include <errno.h>
#include <string.h>

#include "memory-internal.h"

AddressSpace *address_space_new(MemoryTopology *topo, MemoryRegion *root,
                                const char *name)
{
    AddressSpace *as;

    g_return_val_if_fail(topo && root && root->topo == topo, NULL);
    g_return_val_if_fail(!topo->notifying, NULL);

    as = g_new0(AddressSpace, 1);
    as->topo = memory_topology_ref(topo);
    as->name = g_strdup(name ? name : "anonymous");
    as->root = memory_region_ref(root);
    as->current_map = flatview_render(root, topo->global_dirty_log);
    topo->address_spaces = g_list_append(topo->address_spaces, as);
    return as;
}

void address_space_free(AddressSpace *as)
{
    if (!as) {
        return;
    }
    g_return_if_fail(!as->topo->notifying);

    memory_listeners_drop(as);
    as->topo->address_spaces = g_list_remove(as->topo->address_spaces, as);
    flatview_unref(as->current_map);
    memory_region_unref(as->root);
    memory_topology_unref(as->topo);
    g_free(as->name);
    g_free(as);
}

const char *address_space_name(AddressSpace *as)
{
    return as->name;
}

MemoryRegion *address_space_root(AddressSpace *as)
{
    return as->root;
}

void address_space_update_topology(AddressSpace *as)
{
    FlatView *old_view = as->current_map;
    FlatView *new_view = flatview_render(as->root, as->topo->global_dirty_log);

    memory_listeners_update(as, old_view, new_view);
    as->current_map = new_view;
    flatview_unref(old_view);
}

FlatView *address_space_get_flatview(AddressSpace *as)
{
    return flatview_ref(as->current_map);
}

bool address_space_lookup(AddressSpace *as, uint64_t addr,
                          MemoryRegionSection *section)
{
    return flatview_lookup(as->current_map, addr, section);
}

/* Largest of 8, 4, 2, 1 that is <= @max, <= @len and divides @addr. */
static unsigned access_size(uint64_t addr, uint64_t len, unsigned max)
{
    unsigned size = max ? max : 8;

    while (size > 1 && (size > len || (addr & (size - 1)))) {
        size >>= 1;
    }
    return size;
}

static bool io_read(MemoryRegion *mr, uint64_t offset, uint8_t *buf,
                    uint64_t len, GError **errp)
{
    while (len) {
        unsigned size = access_size(offset, len, mr->ops->max_access_size);
        uint64_t data = 0;

        if (!mr->ops->read) {
            g_set_error(errp, MEMORY_ERROR, EPERM,
                        "region '%s' cannot be read", mr->name);
            return false;
        }
        if (!mr->ops->read(mr->opaque, offset, &data, size, errp)) {
            return false;
        }
        for (unsigned i = 0; i < size; i++) {
            buf[i] = (uint8_t)(data >> (8 * i));
        }
        buf += size;
        offset += size;
        len -= size;
    }
    return true;
}

static bool io_write(MemoryRegion *mr, uint64_t offset, const uint8_t *buf,
                     uint64_t len, GError **errp)
{
    while (len) {
        unsigned size = access_size(offset, len, mr->ops->max_access_size);
        uint64_t data = 0;

        if (!mr->ops->write) {
            g_set_error(errp, MEMORY_ERROR, EPERM,
                        "region '%s' cannot be written", mr->name);
            return false;
        }
        for (unsigned i = 0; i < size; i++) {
            data |= (uint64_t)buf[i] << (8 * i);
        }
        if (!mr->ops->write(mr->opaque, offset, data, size, errp)) {
            return false;
        }
        buf += size;
        offset += size;
        len -= size;
    }
    return true;
}

/*
 * Device memory wants one load or store per access, of the width asked
 * for: a memcpy may use other widths, or read twice.  Only the device side
 * is aligned; the caller's buffer goes through memcpy.
 */
static void ram_device_load(const uint8_t *host, uint8_t *buf, unsigned size)
{
    uint64_t v8;
    uint32_t v4;
    uint16_t v2;

    switch (size) {
    case 8:
        v8 = *(const volatile uint64_t *)host;
        memcpy(buf, &v8, 8);
        break;
    case 4:
        v4 = *(const volatile uint32_t *)host;
        memcpy(buf, &v4, 4);
        break;
    case 2:
        v2 = *(const volatile uint16_t *)host;
        memcpy(buf, &v2, 2);
        break;
    default:
        *buf = *(const volatile uint8_t *)host;
        break;
    }
}

static void ram_device_store(uint8_t *host, const uint8_t *buf, unsigned size)
{
    uint64_t v8;
    uint32_t v4;
    uint16_t v2;

    switch (size) {
    case 8:
        memcpy(&v8, buf, 8);
        *(volatile uint64_t *)host = v8;
        break;
    case 4:
        memcpy(&v4, buf, 4);
        *(volatile uint32_t *)host = v4;
        break;
    case 2:
        memcpy(&v2, buf, 2);
        *(volatile uint16_t *)host = v2;
        break;
    default:
        *(volatile uint8_t *)host = *buf;
        break;
    }
}

static void ram_device_access(uint8_t *host, uint8_t *buf, uint64_t len,
                              bool is_write)
{
    while (len) {
        unsigned size = access_size((uintptr_t)host, len, 8);

        if (is_write) {
            ram_device_store(host, buf, size);
        } else {
            ram_device_load(host, buf, size);
        }
        host += size;
        buf += size;
        len -= size;
    }
}

/* Move @len bytes between @buf and @fr's region at its offset for @addr. */
static bool access_range(const FlatRange *fr, uint64_t addr, uint8_t *buf,
                         uint64_t len, bool is_write, GError **errp)
{
    MemoryRegion *mr = fr->mr;
    uint64_t offset = fr->offset_in_region + (addr - fr->start);
    uint8_t *host = (uint8_t *)mr->host + offset;

    if (is_write && fr->readonly) {
        g_set_error(errp, MEMORY_ERROR, EACCES,
                    "address 0x%" G_GINT64_MODIFIER "x is read-only "
                    "(region '%s')", addr, mr->name);
        return false;
    }
    switch (mr->kind) {
    case MR_KIND_RAM:
        memcpy(is_write ? host : buf, is_write ? buf : host, len);
        return true;
    case MR_KIND_RAM_DEVICE:
        ram_device_access(host, buf, len, is_write);
        return true;
    default:
        return is_write ? io_write(mr, offset, buf, len, errp)
                        : io_read(mr, offset, buf, len, errp);
    }
}

static bool address_space_rw(AddressSpace *as, uint64_t addr, uint8_t *buf,
                             uint64_t len, bool is_write, GError **errp)
{
    g_autoptr(FlatView) view = NULL;
    uint64_t last;

    if (len == 0) {
        return true;
    }
    if (__builtin_add_overflow(addr, len - 1, &last)) {
        g_set_error(errp, MEMORY_ERROR, EINVAL,
                    "access of 0x%" G_GINT64_MODIFIER "x bytes at 0x%"
                    G_GINT64_MODIFIER "x wraps past 2^64", len, addr);
        return false;
    }
    /* Our own reference: an MMIO callback may change the topology. */
    view = flatview_ref(as->current_map);
    for (;;) {
        const FlatRange *fr = flat_range_find(view, addr);
        uint64_t piece_last;

        if (!fr) {
            g_set_error(errp, MEMORY_ERROR, EFAULT,
                        "%s: unassigned address 0x%" G_GINT64_MODIFIER "x",
                        as->name, addr);
            return false;
        }
        piece_last = MIN(fr->last, last);
        if (!access_range(fr, addr, buf, piece_last - addr + 1, is_write,
                          errp)) {
            return false;
        }
        if (piece_last == last) {
            return true;
        }
        buf += piece_last - addr + 1;
        addr = piece_last + 1;
    }
}

bool address_space_read(AddressSpace *as, uint64_t addr, void *buf,
                        uint64_t len, GError **errp)
{
    return address_space_rw(as, addr, buf, len, false, errp);
}

bool address_space_write(AddressSpace *as, uint64_t addr, const void *buf,
                         uint64_t len, GError **errp)
{
    /* The buffer is only read on this path. */
    return address_space_rw(as, addr, (uint8_t *)buf, len, true, errp);
}
