/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory core: MemoryRegion objects, their tree and their flags.
 *
 * Every change that can alter what an address space shows goes through
 * memory_topology_mark_changed(), which renders now or at the outermost
 * commit.
 */
#include "memory-internal.h"

static MemoryRegion *memory_region_new(MemoryTopology *topo, const char *name,
                                       MemoryRegionKind kind, uint64_t size)
{
    MemoryRegion *mr = g_new0(MemoryRegion, 1);

    g_ref_count_init(&mr->ref);
    mr->topo = memory_topology_ref(topo);
    mr->name = g_strdup(name ? name : "anonymous");
    mr->kind = kind;
    mr->size = size;
    mr->enabled = true;
    mr->fd = -1;
    return mr;
}

MemoryRegion *memory_region_new_container(MemoryTopology *topo,
                                          const char *name, uint64_t size)
{
    g_return_val_if_fail(topo, NULL);
    return memory_region_new(topo, name, MR_KIND_CONTAINER, size);
}

MemoryRegion *memory_region_new_ram_ptr(MemoryTopology *topo,
                                        const char *name, uint64_t size,
                                        void *host)
{
    return memory_region_new_ram_from_fd(topo, name, size, host, -1, 0);
}

MemoryRegion *memory_region_new_ram_from_fd(MemoryTopology *topo,
                                            const char *name, uint64_t size,
                                            void *host, int fd,
                                            uint64_t fd_offset)
{
    MemoryRegion *mr;

    g_return_val_if_fail(topo, NULL);
    g_return_val_if_fail(host || size == 0, NULL);
    mr = memory_region_new(topo, name, MR_KIND_RAM, size);
    mr->host = host;
    mr->fd = fd;
    mr->fd_offset = fd >= 0 ? fd_offset : 0;
    return mr;
}

MemoryRegion *memory_region_new_ram_device_ptr(MemoryTopology *topo,
                                               const char *name,
                                               uint64_t size, void *host)
{
    MemoryRegion *mr;

    g_return_val_if_fail(topo, NULL);
    g_return_val_if_fail(host || size == 0, NULL);
    mr = memory_region_new(topo, name, MR_KIND_RAM_DEVICE, size);
    mr->host = host;
    return mr;
}

MemoryRegion *memory_region_new_io(MemoryTopology *topo, const char *name,
                                   uint64_t size, const MemoryRegionOps *ops,
                                   void *opaque)
{
    MemoryRegion *mr;

    g_return_val_if_fail(topo && ops, NULL);
    mr = memory_region_new(topo, name, MR_KIND_IO, size);
    mr->ops = ops;
    mr->opaque = opaque;
    return mr;
}

MemoryRegion *memory_region_new_alias(MemoryTopology *topo, const char *name,
                                      MemoryRegion *orig, uint64_t offset,
                                      uint64_t size)
{
    MemoryRegion *mr;

    g_return_val_if_fail(topo && orig && orig->topo == topo, NULL);
    mr = memory_region_new(topo, name, MR_KIND_ALIAS, size);
    mr->alias = memory_region_ref(orig);
    mr->alias_offset = offset;
    return mr;
}

MemoryRegion *memory_region_ref(MemoryRegion *mr)
{
    g_ref_count_inc(&mr->ref);
    return mr;
}

/*
 * Only reached when nothing references @mr, so it is in no parent, no
 * address space, no view: releasing its children changes no view (any
 * child still shown is kept alive by the view's own reference).
 */
static void memory_region_finalize(MemoryRegion *mr)
{
    while (mr->subregions) {
        MemoryRegion *sub = mr->subregions->data;

        mr->subregions = g_list_delete_link(mr->subregions, mr->subregions);
        sub->container = NULL;
        sub->container_link = NULL;
        memory_region_unref(sub);
    }
    memory_region_unref(mr->alias);
    if (mr->destroy_notify) {
        mr->destroy_notify(mr->destroy_data);
    }
    memory_topology_unref(mr->topo);
    g_free(mr->name);
    g_free(mr);
}

void memory_region_unref(MemoryRegion *mr)
{
    if (mr && g_ref_count_dec(&mr->ref)) {
        memory_region_finalize(mr);
    }
}

void memory_region_set_destroy_notify(MemoryRegion *mr, GDestroyNotify notify,
                                      void *data)
{
    mr->destroy_notify = notify;
    mr->destroy_data = data;
}

bool memory_region_last(MemoryRegion *mr, uint64_t *last)
{
    if (mr->size == 0) {
        return false;
    }
    *last = mr->size == UINT64_MAX ? UINT64_MAX : mr->size - 1;
    return true;
}

/* Highest priority first; a newcomer goes before its equals (it wins). */
static void container_link_sorted(MemoryRegion *mr, MemoryRegion *sub)
{
    GList *l = mr->subregions;
    GList *link = g_list_alloc();

    while (l && ((MemoryRegion *)l->data)->priority > sub->priority) {
        l = l->next;
    }
    link->data = sub;
    mr->subregions = g_list_insert_before_link(mr->subregions, l, link);
    sub->container_link = link;
    sub->container = mr;
}

static void container_unlink(MemoryRegion *sub)
{
    MemoryRegion *mr = sub->container;

    mr->subregions = g_list_delete_link(mr->subregions, sub->container_link);
    sub->container = NULL;
    sub->container_link = NULL;
}

/*
 * Whether @target is shown by @mr (is @mr, or is under it through
 * subregions and alias targets).  Adding @sub to @mr would make a cycle
 * exactly when @mr is shown by @sub.  Costs the size of @sub's tree, which
 * is one node for the usual leaf.
 */
static bool memory_region_shows(MemoryRegion *mr, MemoryRegion *target)
{
    if (mr == target) {
        return true;
    }
    if (mr->alias && memory_region_shows(mr->alias, target)) {
        return true;
    }
    for (GList *l = mr->subregions; l; l = l->next) {
        if (memory_region_shows(l->data, target)) {
            return true;
        }
    }
    return false;
}

void memory_region_add_subregion_overlap(MemoryRegion *mr, uint64_t offset,
                                         MemoryRegion *subregion,
                                         int priority)
{
    g_return_if_fail(mr && subregion);
    g_return_if_fail(mr->kind != MR_KIND_ALIAS);
    g_return_if_fail(subregion->container == NULL);
    g_return_if_fail(subregion->topo == mr->topo);
    g_return_if_fail(!memory_region_shows(subregion, mr));

    memory_region_ref(subregion);
    subregion->addr = offset;
    subregion->priority = priority;
    container_link_sorted(mr, subregion);
    memory_topology_mark_changed(mr->topo);
}

void memory_region_add_subregion(MemoryRegion *mr, uint64_t offset,
                                 MemoryRegion *subregion)
{
    memory_region_add_subregion_overlap(mr, offset, subregion, 0);
}

void memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *subregion)
{
    g_return_if_fail(mr && subregion && subregion->container == mr);

    container_unlink(subregion);
    memory_topology_mark_changed(mr->topo);
    memory_region_unref(subregion);
}

void memory_region_set_address(MemoryRegion *mr, uint64_t offset)
{
    MemoryRegion *parent = mr->container;

    if (!parent || mr->addr == offset) {
        mr->addr = offset;
        return;
    }
    /* Re-link so that it is the newest among its equals, as QEMU does. */
    container_unlink(mr);
    mr->addr = offset;
    container_link_sorted(parent, mr);
    memory_topology_mark_changed(mr->topo);
}

void memory_region_set_enabled(MemoryRegion *mr, bool enabled)
{
    if (mr->enabled != enabled) {
        mr->enabled = enabled;
        memory_topology_mark_changed(mr->topo);
    }
}

void memory_region_set_readonly(MemoryRegion *mr, bool readonly)
{
    if (mr->readonly != readonly) {
        mr->readonly = readonly;
        memory_topology_mark_changed(mr->topo);
    }
}

void memory_region_set_alias_offset(MemoryRegion *mr, uint64_t offset)
{
    g_return_if_fail(mr->kind == MR_KIND_ALIAS);

    if (mr->alias_offset != offset) {
        mr->alias_offset = offset;
        memory_topology_mark_changed(mr->topo);
    }
}

void memory_region_set_log(MemoryRegion *mr, bool log)
{
    if (mr->log_dirty != log) {
        mr->log_dirty = log;
        memory_topology_mark_changed(mr->topo);
    }
}

const char *memory_region_name(MemoryRegion *mr)
{
    return mr->name;
}

uint64_t memory_region_size(MemoryRegion *mr)
{
    return mr->size;
}

MemoryTopology *memory_region_topology(MemoryRegion *mr)
{
    return mr->topo;
}

bool memory_region_is_ram(MemoryRegion *mr)
{
    return mr->kind == MR_KIND_RAM || mr->kind == MR_KIND_RAM_DEVICE;
}

bool memory_region_is_ram_device(MemoryRegion *mr)
{
    return mr->kind == MR_KIND_RAM_DEVICE;
}

bool memory_region_is_io(MemoryRegion *mr)
{
    return mr->kind == MR_KIND_IO;
}

bool memory_region_is_alias(MemoryRegion *mr)
{
    return mr->kind == MR_KIND_ALIAS;
}

bool memory_region_is_enabled(MemoryRegion *mr)
{
    return mr->enabled;
}

bool memory_region_is_readonly(MemoryRegion *mr)
{
    return mr->readonly;
}

bool memory_region_is_logging(MemoryRegion *mr)
{
    return mr->log_dirty;
}

void *memory_region_get_ram_ptr(MemoryRegion *mr)
{
    return memory_region_is_ram(mr) ? mr->host : NULL;
}

int memory_region_get_fd(MemoryRegion *mr, uint64_t *fd_offset)
{
    if (fd_offset) {
        *fd_offset = mr->fd_offset;
    }
    return mr->fd;
}

MemoryRegion *memory_region_get_container(MemoryRegion *mr)
{
    return mr->container;
}

uint64_t memory_region_get_address(MemoryRegion *mr)
{
    return mr->addr;
}

int memory_region_get_priority(MemoryRegion *mr)
{
    return mr->priority;
}

MemoryRegion *memory_region_get_alias(MemoryRegion *mr)
{
    return mr->alias;
}

uint64_t memory_region_get_alias_offset(MemoryRegion *mr)
{
    return mr->alias_offset;
}
