/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VFIOAddressSpace: one MemoryListener per AddressSpace walking its list
 * of containers (map, copy or map_dma; see vfio-address-space.h).
 */
#include <errno.h>

#include "hw/vfio/vfio-address-space.h"
#include "hw/vfio/vfio-container.h"
#include "hw/vfio/vfio-section.h"
#include "util/error.h"
#include "vfio-internal.h"
#include "trace-vfio.h"

/* After the memory backends' listeners, like QEMU's device backends. */
#define VFIO_LISTENER_PRIORITY 10

struct VFIOAddressSpace {
    VFIOContext *ctx;
    AddressSpace *as;
    MemoryListener listener;
    GList *containers;          /* VFIOContainer *, join order, borrowed */
    bool listening;
    IntervalSet *dirty;         /* guest pages reported dirty */
};

/* ---- the failure policy: the ONE place that acts on vfio_failure_action */

/*
 * A map, copy-fallback map or unmap of @si failed in @c (@err consumed).
 * During the join replay the first error fails the attach; at run time a
 * RAM failure marks the container broken and goes to the error hook (no
 * abort); a ram_device failure is a warning, once per container.
 */
static void vfio_listener_failure(VFIOContainer *c, const VFIOSectionInfo *si,
                                  GError *err)
{
    VFIOFailureAction action = vfio_failure_action(c->joining,
                                                   si->is_ram_device,
                                                   c->ram_device_warned);

    trace_vfio_listener_failure(c->id, si->gpa.start, si->gpa.last, action,
                                err->message);
    switch (action) {
    case VFIO_FAILURE_FAIL_ATTACH:
        if (!c->join_error) {
            c->join_error = g_steal_pointer(&err);
        }
        break;
    case VFIO_FAILURE_WARN_ONCE:
        warn_report("VFIO container %u: peer-to-peer DMA to 0x%" PRIx64
                    "-0x%" PRIx64 " will not work: %s", c->id,
                    si->gpa.start, si->gpa.last, err->message);
        c->ram_device_warned = true;
        break;
    case VFIO_FAILURE_IGNORE:
        break;
    case VFIO_FAILURE_MARK_BROKEN:
        c->broken = true;
        if (!c->broken_reason) {
            c->broken_reason = g_strdup(err->message);
        }
        vfio_context_report_container_error(c->ctx, c, err);
        break;
    }
    g_clear_error(&err);
}

/* ---- adding a section to one container ---------------------------------- */

/*
 * The container @c copies @iova from: the first other container, in join
 * order, of the same copy domain that maps some of @iova.
 */
static VFIOContainer *vfio_find_copy_source(VFIOAddressSpace *space,
                                            VFIOContainer *c,
                                            const Range *iova)
{
    gconstpointer domain = vfio_container_copy_domain(c);

    if (!domain) {
        return NULL;
    }
    for (GList *l = space->containers; l; l = l->next) {
        VFIOContainer *other = l->data;
        g_autoptr(IntervalSet) got = NULL;

        if (other == c || vfio_container_copy_domain(other) != domain) {
            continue;
        }
        got = vfio_container_mapped_in(other, iova);
        if (interval_set_count(got)) {
            return other;
        }
    }
    return NULL;
}

/* One step of a fill plan: copy (falling back to map) or map. */
static void vfio_container_do_step(VFIOContainer *c, VFIOContainer *src,
                                   const VFIOStep *step,
                                   const VFIOSectionInfo *si)
{
    uint64_t host = si->host + (step->iova.start - si->gpa.start);
    VFIOMapping m = {
        .iova = step->iova,
        .vaddr = host,
        .origin = VFIO_CONTAINER_GET_CLASS(c)->map_origin,
        .readonly = si->readonly,
        .ram_device = si->is_ram_device,
    };
    g_autoptr(GError) err = NULL;

    if (step->op == VFIO_STEP_COPY) {
        if (vfio_container_dma_copy(c, src, &step->iova, si->readonly,
                                    &err)) {
            m.origin = VFIO_MAPPING_COPY;
            m.source_id = src->id;
            vfio_container_record_mapping(c, &m);
            return;
        }
        trace_vfio_listener_copy_fallback(src->id, c->id, step->iova.start,
                                          step->iova.last, err->message);
        g_clear_error(&err);
    }
    if (!vfio_container_dma_map(c, &step->iova, (void *)(uintptr_t)host,
                                si->readonly, &err)) {
        vfio_listener_failure(c, si, g_steal_pointer(&err));
        return;
    }
    vfio_container_record_mapping(c, &m);
}

/* Fill one piece of a section: copy what a source has, map the rest. */
static void vfio_container_fill(VFIOAddressSpace *space, VFIOContainer *c,
                                const Range *piece, const VFIOSectionInfo *si)
{
    VFIOContainer *src = vfio_find_copy_source(space, c, piece);
    g_autoptr(IntervalSet) src_mapped = NULL;
    g_autoptr(GArray) steps = NULL;

    if (src) {
        src_mapped = vfio_container_mapped_in(src, piece);
    }
    steps = vfio_fill_plan(piece, src_mapped);
    for (guint i = 0; i < steps->len && !c->join_error; i++) {
        vfio_container_do_step(c, src, &g_array_index(steps, VFIOStep, i),
                               si);
    }
}

/* A section appeared: decide, clip to the valid IOVAs, fill each piece. */
static void vfio_container_add_section(VFIOAddressSpace *space,
                                       VFIOContainer *c,
                                       const VFIOSectionInfo *si)
{
    uint64_t page = vfio_container_page_size(c);
    g_autoptr(GArray) pieces = NULL;
    VFIOSectionVerdict verdict;
    bool clipped;
    Range iova;

    if (c->join_error) {
        return;
    }
    verdict = vfio_section_decide(si, page, &iova);
    trace_vfio_listener_section(c->id, si->gpa.start, si->gpa.last,
                                vfio_section_verdict_name(verdict));
    if (verdict == VFIO_SECTION_SKIP_MISALIGNED) {
        warn_report("VFIO container %u: cannot map 0x%" PRIx64 "-0x%" PRIx64
                    ": host address 0x%" PRIx64 " has another page offset",
                    c->id, si->gpa.start, si->gpa.last, si->host);
    }
    if (verdict != VFIO_SECTION_MAP) {
        return;
    }
    pieces = vfio_iova_clip(&iova, c->iova_ranges, page, &clipped);
    if (clipped) {
        GError *err = NULL;

        error_setg(&err, VFIO_ERROR, EINVAL, "container %u: 0x%" PRIx64
                   "-0x%" PRIx64 " is not all inside the valid IOVA ranges",
                   c->id, iova.start, iova.last);
        vfio_listener_failure(c, si, err);
    }
    for (guint i = 0; i < pieces->len && !c->join_error; i++) {
        vfio_container_fill(space, c, &g_array_index(pieces, Range, i), si);
    }
}

/* ---- removing a section from one container ------------------------------ */

static void vfio_container_unmap_record(VFIOContainer *c, const VFIOMapping *m,
                                        const VFIOSectionInfo *si)
{
    g_autoptr(GError) err = NULL;
    Range iova = m->iova;

    if (!vfio_container_dma_unmap(c, &iova, &err) && si) {
        vfio_listener_failure(c, si, g_steal_pointer(&err));
    } else if (err) {
        warn_report("VFIO container %u: %s", c->id, err->message);
    }
    vfio_container_forget_mapping(c, iova.start);
}

/* Unmap every mapping of @c lying inside @si (each was made from it). */
static void vfio_container_del_section(VFIOContainer *c,
                                       const VFIOSectionInfo *si)
{
    g_autoptr(GArray) doomed = g_array_new(FALSE, FALSE, sizeof(VFIOMapping));

    for (guint i = 0; i < c->mappings->len; i++) {
        const VFIOMapping *m = &g_array_index(c->mappings, VFIOMapping, i);

        if (range_contains_range(&si->gpa, &m->iova)) {
            g_array_append_val(doomed, *m);
        }
    }
    trace_vfio_listener_del(c->id, si->gpa.start, si->gpa.last, doomed->len);
    for (guint i = 0; i < doomed->len; i++) {
        vfio_container_unmap_record(c, &g_array_index(doomed, VFIOMapping, i),
                                    si);
    }
}

/* ---- dirty tracking ----------------------------------------------------- */

/* Add the pages of @m that @bitmap marks to @dirty (IOVA = GPA). */
static void vfio_dirty_from_bitmap(IntervalSet *dirty, const VFIOMapping *m,
                                   const uint64_t *bitmap, uint64_t npages,
                                   uint64_t pgsize)
{
    for (uint64_t n = 0; n < npages; n++) {
        if (bitmap[n / 64] & (1ULL << (n % 64))) {
            uint64_t start = m->iova.start + n * pgsize;
            Range page = range_make(start, start + pgsize - 1);

            interval_set_insert(dirty, &page);
        }
    }
}

static void vfio_container_sync_dirty(VFIOAddressSpace *space,
                                      VFIOContainer *c,
                                      const VFIOSectionInfo *si)
{
    uint64_t pgsize = c->pgsizes ? c->pgsizes & -c->pgsizes : 4096;

    for (guint i = 0; i < c->mappings->len; i++) {
        const VFIOMapping *m = &g_array_index(c->mappings, VFIOMapping, i);
        g_autoptr(GError) err = NULL;
        g_autofree uint64_t *bitmap = NULL;
        uint64_t size, npages;

        if (!range_contains_range(&si->gpa, &m->iova) ||
            !range_size(&m->iova, &size)) {
            continue;
        }
        npages = size / pgsize;
        bitmap = g_new0(uint64_t, (npages + 63) / 64);
        if (!vfio_container_query_dirty_bitmap(c, &m->iova, pgsize, bitmap,
                                               &err)) {
            warn_report("VFIO container %u: dirty bitmap: %s", c->id,
                        err->message);
            continue;
        }
        vfio_dirty_from_bitmap(space->dirty, m, bitmap, npages, pgsize);
    }
}

/* ---- the listener: short dispatchers ------------------------------------ */

static VFIOAddressSpace *space_of(MemoryListener *l)
{
    return (VFIOAddressSpace *)((char *)l -
                                offsetof(VFIOAddressSpace, listener));
}

static void vfio_listener_region_add(MemoryListener *l,
                                     MemoryRegionSection *s)
{
    VFIOAddressSpace *space = space_of(l);
    VFIOSectionInfo si;

    vfio_section_info(s, &si);
    for (GList *it = space->containers; it; it = it->next) {
        vfio_container_add_section(space, it->data, &si);
    }
}

static void vfio_listener_region_del(MemoryListener *l,
                                     MemoryRegionSection *s)
{
    VFIOAddressSpace *space = space_of(l);
    VFIOSectionInfo si;

    vfio_section_info(s, &si);
    for (GList *it = space->containers; it; it = it->next) {
        vfio_container_del_section(it->data, &si);
    }
}

static bool vfio_listener_log_global_start(MemoryListener *l, GError **errp)
{
    VFIOAddressSpace *space = space_of(l);

    for (GList *it = space->containers; it; it = it->next) {
        if (!vfio_container_set_dirty_tracking(it->data, true, errp)) {
            /* Roll back: the memory core turns logging off again. */
            for (GList *back = it->prev; back; back = back->prev) {
                vfio_container_set_dirty_tracking(back->data, false, NULL);
            }
            return false;
        }
    }
    return true;
}

static void vfio_listener_log_global_stop(MemoryListener *l)
{
    VFIOAddressSpace *space = space_of(l);

    for (GList *it = space->containers; it; it = it->next) {
        g_autoptr(GError) err = NULL;
        VFIOContainer *c = it->data;

        if (c->dirty_tracking &&
            !vfio_container_set_dirty_tracking(c, false, &err)) {
            warn_report("VFIO container %u: %s", c->id, err->message);
        }
    }
}

static void vfio_listener_log_sync(MemoryListener *l, MemoryRegionSection *s)
{
    VFIOAddressSpace *space = space_of(l);
    VFIOSectionInfo si;

    vfio_section_info(s, &si);
    for (GList *it = space->containers; it; it = it->next) {
        if (VFIO_CONTAINER(it->data)->dirty_tracking) {
            vfio_container_sync_dirty(space, it->data, &si);
        }
    }
}

/* ---- joining and leaving ------------------------------------------------ */

typedef struct ReplayState {
    VFIOAddressSpace *space;
    VFIOContainer *c;
} ReplayState;

static bool vfio_replay_one(MemoryRegionSection *s, void *opaque)
{
    ReplayState *rs = opaque;
    VFIOSectionInfo si;

    vfio_section_info(s, &si);
    vfio_container_add_section(rs->space, rs->c, &si);
    return rs->c->join_error != NULL;
}

/* The current view, into @c alone: the others see nothing. */
static void vfio_container_replay(VFIOAddressSpace *space, VFIOContainer *c)
{
    g_autoptr(FlatView) view = address_space_get_flatview(space->as);
    MemoryTopology *topo = memory_region_topology(
        address_space_root(space->as));
    ReplayState rs = { .space = space, .c = c };

    flatview_for_each_section(view, vfio_replay_one, &rs);
    if (!c->join_error && memory_global_dirty_log_is_on(topo)) {
        vfio_container_set_dirty_tracking(c, true, &c->join_error);
    }
}

bool vfio_address_space_add_container(VFIOAddressSpace *space,
                                      VFIOContainer *c, GError **errp)
{
    g_assert(c->space == NULL);
    /* Registered with no container yet, its own replay does nothing: every
     * container, the first included, is filled by the same replay below. */
    if (!space->listening) {
        if (!memory_listener_register(&space->listener, space->as, errp)) {
            return false;
        }
        space->listening = true;
    }
    c->space = space;
    c->joining = true;
    space->containers = g_list_append(space->containers, c);
    vfio_container_replay(space, c);
    c->joining = false;
    trace_vfio_address_space_join(address_space_name(space->as), c->id,
                                  c->mappings->len, c->join_error == NULL);
    if (c->join_error) {
        g_propagate_prefixed_error(errp, g_steal_pointer(&c->join_error),
                                   "cannot map guest memory: ");
        vfio_address_space_remove_container(c);
        return false;
    }
    return true;
}

/* Unmap everything @c mapped, last first. */
static void vfio_container_unmap_all(VFIOContainer *c)
{
    while (c->mappings->len) {
        VFIOMapping m = g_array_index(c->mappings, VFIOMapping,
                                      c->mappings->len - 1);

        vfio_container_unmap_record(c, &m, NULL);
    }
}

void vfio_address_space_remove_container(VFIOContainer *c)
{
    VFIOAddressSpace *space = c->space;
    g_autoptr(GError) err = NULL;

    g_assert(space);
    space->containers = g_list_remove(space->containers, c);
    if (c->dirty_tracking &&
        !vfio_container_set_dirty_tracking(c, false, &err)) {
        warn_report("VFIO container %u: %s", c->id, err->message);
    }
    vfio_container_unmap_all(c);
    c->space = NULL;
    trace_vfio_address_space_leave(address_space_name(space->as), c->id,
                                   g_list_length(space->containers));
    if (!space->containers && space->listening) {
        /* Nothing is mapped any more: no region_del replay is needed. */
        memory_listener_unregister_silent(&space->listener);
        space->listening = false;
    }
}

/* ---- the object --------------------------------------------------------- */

VFIOAddressSpace *vfio_address_space_new(VFIOContext *ctx, AddressSpace *as)
{
    VFIOAddressSpace *space = g_new0(VFIOAddressSpace, 1);

    space->ctx = ctx;
    space->as = as;
    space->dirty = interval_set_new();
    space->listener = (MemoryListener) {
        .region_add = vfio_listener_region_add,
        .region_del = vfio_listener_region_del,
        .log_global_start = vfio_listener_log_global_start,
        .log_global_stop = vfio_listener_log_global_stop,
        .log_sync = vfio_listener_log_sync,
        .name = "vfio",
        .priority = VFIO_LISTENER_PRIORITY,
    };
    return space;
}

void vfio_address_space_free(VFIOAddressSpace *space)
{
    g_assert(space->containers == NULL && !space->listening);
    vfio_context_forget_address_space(space->ctx, space);
    interval_set_free(space->dirty);
    g_free(space);
}

bool vfio_address_space_release_if_unused(VFIOAddressSpace *space)
{
    if (space->containers) {
        return false;
    }
    vfio_address_space_free(space);
    return true;
}

AddressSpace *vfio_address_space_get_as(VFIOAddressSpace *space)
{
    return space->as;
}

VFIOContext *vfio_address_space_context(VFIOAddressSpace *space)
{
    return space->ctx;
}

GList *vfio_address_space_containers(VFIOAddressSpace *space)
{
    return space->containers;
}

bool vfio_address_space_listening(VFIOAddressSpace *space)
{
    return space->listening;
}

VFIOContainer *vfio_address_space_copy_source(VFIOAddressSpace *space,
                                              VFIOContainer *c)
{
    gconstpointer domain = vfio_container_copy_domain(c);

    for (GList *l = space->containers; domain && l && l->data != c;
         l = l->next) {
        if (vfio_container_copy_domain(l->data) == domain) {
            return l->data;
        }
    }
    return NULL;
}

IntervalSet *vfio_address_space_take_dirty(VFIOAddressSpace *space)
{
    IntervalSet *dirty = space->dirty;

    space->dirty = interval_set_new();
    return dirty;
}
