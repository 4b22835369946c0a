/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The listener's decisions: pure functions over plain values.
 */
#include "hw/vfio/vfio-section.h"

void vfio_section_info(const MemoryRegionSection *s, VFIOSectionInfo *info)
{
    uint8_t *ptr = s->is_ram ? memory_region_get_ram_ptr(s->mr) : NULL;

    info->gpa = range_make(s->offset_within_address_space,
                           s->last_within_address_space);
    info->host = ptr ? (uintptr_t)(ptr + s->offset_within_region) : 0;
    info->is_ram = s->is_ram && ptr;
    info->is_ram_device = s->is_ram_device;
    info->readonly = s->readonly;
}

const char *vfio_section_verdict_name(VFIOSectionVerdict v)
{
    static const char *const names[] = {
        [VFIO_SECTION_MAP] = "map",
        [VFIO_SECTION_SKIP_NOT_RAM] = "not-ram",
        [VFIO_SECTION_SKIP_MISALIGNED] = "misaligned",
        [VFIO_SECTION_SKIP_SAFE_MISALIGNED] = "known-safe-misalignment",
        [VFIO_SECTION_SKIP_TOO_SMALL] = "smaller-than-a-page",
        [VFIO_SECTION_SKIP_RAM_DEVICE_UNALIGNED] = "ram-device-unaligned",
    };

    return v < G_N_ELEMENTS(names) ? names[v] : "?";
}

/* Whether @si holds fewer than @page_size bytes (2^64 never does). */
static bool section_smaller_than(const VFIOSectionInfo *si,
                                 uint64_t page_size)
{
    uint64_t size;

    return range_size(&si->gpa, &size) && size < page_size;
}

/* Both ends of @r on @page_size boundaries (last + 1 may be 2^64). */
static bool range_page_aligned(const Range *r, uint64_t page_size)
{
    uint64_t mask = page_size - 1;

    return (r->start & mask) == 0 && ((r->last + 1) & mask) == 0;
}

VFIOSectionVerdict vfio_section_decide(const VFIOSectionInfo *si,
                                       uint64_t page_size, Range *iova)
{
    uint64_t mask = page_size - 1;

    g_assert(page_size && (page_size & mask) == 0);
    if (!si->is_ram) {
        return VFIO_SECTION_SKIP_NOT_RAM;
    }
    /* An IOMMU maps whole pages: IOVA and host address must share their
     * offset within a page, or no page of the section can be mapped. */
    if ((si->gpa.start & mask) != (si->host & mask)) {
        if (si->is_ram_device && section_smaller_than(si, page_size)) {
            return VFIO_SECTION_SKIP_SAFE_MISALIGNED;
        }
        return VFIO_SECTION_SKIP_MISALIGNED;
    }
    /* A BAR is mapped whole or not at all: half a BAR helps nobody. */
    if (si->is_ram_device && !range_page_aligned(&si->gpa, page_size)) {
        return VFIO_SECTION_SKIP_RAM_DEVICE_UNALIGNED;
    }
    if (!range_align_inward(&si->gpa, page_size, iova)) {
        return VFIO_SECTION_SKIP_TOO_SMALL;
    }
    return VFIO_SECTION_MAP;
}

typedef struct ClipState {
    GArray *pieces;
    uint64_t page_size;
} ClipState;

static bool clip_one(const Range *r, void *opaque)
{
    ClipState *cs = opaque;
    Range piece;

    if (range_align_inward(r, cs->page_size, &piece)) {
        g_array_append_val(cs->pieces, piece);
    }
    return true;
}

GArray *vfio_iova_clip(const Range *iova, const IntervalSet *valid,
                       uint64_t page_size, bool *clipped)
{
    ClipState cs = {
        .pieces = g_array_new(FALSE, FALSE, sizeof(Range)),
        .page_size = page_size,
    };
    g_autoptr(IntervalSet) got = interval_set_new();

    interval_set_foreach_in(valid, iova, clip_one, &cs);
    for (guint i = 0; i < cs.pieces->len; i++) {
        interval_set_insert(got, &g_array_index(cs.pieces, Range, i));
    }
    *clipped = !interval_set_covers(got, iova);
    return cs.pieces;
}

typedef struct PlanState {
    GArray *steps;
    uint64_t next;      /* first address not planned yet */
    bool done;          /* planned up to the end of the space */
} PlanState;

static void plan_add(PlanState *ps, VFIOStepOp op, uint64_t start,
                     uint64_t last)
{
    VFIOStep step = { .op = op, .iova = range_make(start, last) };

    g_array_append_val(ps->steps, step);
    ps->done = last == UINT64_MAX;
    ps->next = last + 1;
}

static bool plan_copy(const Range *r, void *opaque)
{
    PlanState *ps = opaque;

    if (r->start > ps->next) {
        plan_add(ps, VFIO_STEP_MAP, ps->next, r->start - 1);
    }
    plan_add(ps, VFIO_STEP_COPY, r->start, r->last);
    return true;
}

GArray *vfio_fill_plan(const Range *iova, const IntervalSet *src_mapped)
{
    PlanState ps = {
        .steps = g_array_new(FALSE, FALSE, sizeof(VFIOStep)),
        .next = iova->start,
    };

    if (src_mapped) {
        interval_set_foreach_in(src_mapped, iova, plan_copy, &ps);
    }
    if (!ps.done && (ps.steps->len == 0 || ps.next <= iova->last)) {
        plan_add(&ps, VFIO_STEP_MAP, ps.next, iova->last);
    }
    return ps.steps;
}

VFIOFailureAction vfio_failure_action(bool joining, bool ram_device,
                                      bool warned)
{
    /* P2P first, as QEMU does: a BAR that cannot be mapped only costs
     * peer-to-peer DMA, never the device, not even at attach time. */
    if (ram_device) {
        return warned ? VFIO_FAILURE_IGNORE : VFIO_FAILURE_WARN_ONCE;
    }
    if (joining) {
        return VFIO_FAILURE_FAIL_ATTACH;
    }
    return VFIO_FAILURE_MARK_BROKEN;
}
