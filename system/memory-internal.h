/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory core: the private structures shared by system/memory*.c,
 * system/flatview.c and system/address-space.c.  Not for other folders:
 * they use include/exec/memory.h.
 */
#ifndef SYSTEM_MEMORY_INTERNAL_H
#define SYSTEM_MEMORY_INTERNAL_H

#include "exec/memory.h"

typedef enum MemoryRegionKind {
    MR_KIND_CONTAINER,
    MR_KIND_RAM,
    MR_KIND_RAM_DEVICE,
    MR_KIND_IO,
    MR_KIND_ALIAS,
} MemoryRegionKind;

struct MemoryTopology {
    grefcount ref;
    unsigned transaction_depth;
    bool update_pending;        /* something changed since the last render */
    unsigned notifying;         /* depth of listener callbacks */
    bool global_dirty_log;
    GList *address_spaces;      /* AddressSpace *, creation order */
};

struct MemoryRegion {
    grefcount ref;
    MemoryTopology *topo;       /* holds a reference */
    char *name;
    MemoryRegionKind kind;
    uint64_t size;              /* UINT64_MAX means 2^64 */
    bool enabled;
    bool readonly;
    bool log_dirty;

    /* Placement in the parent (borrowed back pointer). */
    MemoryRegion *container;
    GList *container_link;      /* our node in container->subregions */
    uint64_t addr;
    int priority;

    /* Children, highest priority first; equal priority: newest first. */
    GList *subregions;

    /* RAM and ram_device */
    void *host;
    int fd;
    uint64_t fd_offset;

    /* MMIO */
    const MemoryRegionOps *ops;
    void *opaque;

    /* alias */
    MemoryRegion *alias;        /* holds a reference */
    uint64_t alias_offset;

    GDestroyNotify destroy_notify;
    void *destroy_data;
};

/* One piece of a terminal region in a view: [start, last] inclusive. */
typedef struct FlatRange {
    MemoryRegion *mr;           /* holds a reference once in a FlatView */
    uint64_t offset_in_region;
    uint64_t start;
    uint64_t last;
    bool readonly;
    bool log_dirty;
} FlatRange;

struct FlatView {
    grefcount ref;
    FlatRange *ranges;          /* sorted by start, non-overlapping */
    size_t nr;
};

struct AddressSpace {
    MemoryTopology *topo;       /* holds a reference */
    char *name;
    MemoryRegion *root;         /* holds a reference */
    FlatView *current_map;      /* view of the last commit */
    GList *listeners;           /* MemoryListener *, ascending priority */
};

/**
 * memory_region_last() - the last offset of a region
 * @mr: the region
 * @last: set to the last offset, inclusive
 *
 * Return: false for an empty (size 0) region.
 */
bool memory_region_last(MemoryRegion *mr, uint64_t *last);

/**
 * memory_topology_mark_changed() - note a change to the region tree
 * @topo: the topology
 *
 * Renders and notifies at once outside a transaction, else at the
 * outermost commit.
 */
void memory_topology_mark_changed(MemoryTopology *topo);

/* system/flatview.c */

/**
 * flatview_render() - flatten the tree under @root
 * @root: the root region, shown at address 0
 * @global_dirty_log: whether plain RAM is logged because of global logging
 *
 * Return: a new view (one reference).
 */
FlatView *flatview_render(MemoryRegion *root, bool global_dirty_log);

/** flatview_new_empty() - Return: a new view with no range */
FlatView *flatview_new_empty(void);

/** flat_range_to_section() - describe @fr as a section */
void flat_range_to_section(const FlatRange *fr, MemoryRegionSection *section);

/** flat_range_find() - Return: the range of @view containing @addr, or NULL */
const FlatRange *flat_range_find(FlatView *view, uint64_t addr);

typedef enum FlatViewChange {
    FLATVIEW_CHANGE_DEL,        /* old range not in the new view */
    FLATVIEW_CHANGE_ADD,        /* new range not in the old view */
    FLATVIEW_CHANGE_KEEP,       /* same range in both views */
} FlatViewChange;

/**
 * FlatViewDiffFunc - one step of flatview_diff()
 * @change: what happened to the range
 * @old_fr: the old range (DEL, KEEP) or NULL
 * @new_fr: the new range (ADD, KEEP) or NULL
 * @opaque: the caller's pointer
 */
typedef void (*FlatViewDiffFunc)(FlatViewChange change, const FlatRange *old_fr,
                                 const FlatRange *new_fr, void *opaque);

/**
 * flatview_diff() - walk two views in address order, pairing ranges
 * @old_view: the view before
 * @new_view: the view after
 * @func: called for each range of either view, once
 * @opaque: passed to @func
 *
 * Ranges equal in placement, region, offset and read-only-ness are KEEP
 * (their dirty logging may differ); the others are DEL or ADD.  O(n).
 */
void flatview_diff(FlatView *old_view, FlatView *new_view,
                   FlatViewDiffFunc func, void *opaque);

/* system/memory-listener.c */

/**
 * memory_listeners_update() - tell @as's listeners that its view changes
 * @as: the address space
 * @old_view: the view before
 * @new_view: the view after
 *
 * begin; log_stop (if logged) + region_del of vanished ranges, listeners
 * in reverse; region_add + log_start (if logged) of new ranges, and
 * region_nop + log_start/log_stop of kept ranges whose logging flipped,
 * forward (log_stop in reverse); commit.
 */
void memory_listeners_update(AddressSpace *as, FlatView *old_view,
                             FlatView *new_view);

/**
 * memory_listeners_log_global_start() - log_global_start on @as's listeners
 * @as: the address space
 * @errp: where to report failure
 *
 * Return: false if one failed; those already started were stopped again.
 */
bool memory_listeners_log_global_start(AddressSpace *as, GError **errp);

/** memory_listeners_log_global_stop() - log_global_stop, in reverse */
void memory_listeners_log_global_stop(AddressSpace *as);

/** memory_listeners_log_sync() - log_sync of each logged range of @as */
void memory_listeners_log_sync(AddressSpace *as);

/** memory_listeners_drop() - unregister every listener of @as silently */
void memory_listeners_drop(AddressSpace *as);

/* system/address-space.c */

/**
 * address_space_update_topology() - re-render @as and notify its listeners
 * @as: the address space
 */
void address_space_update_topology(AddressSpace *as);

#endif /* SYSTEM_MEMORY_INTERNAL_H */
