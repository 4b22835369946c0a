/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory core: rendering a region tree into a FlatView, looking addresses
 * up in it, and diffing two views.
 *
 * Rendering walks the tree from the root, children in priority order
 * (highest first), so the first terminal region to reach an address owns
 * it.  The ranges claimed so far are kept in a balanced tree keyed by
 * start: a terminal region claims only the gaps of its window, found in
 * O(log n) each, so a tree of n regions renders in O(n log n).
 */
#include "memory-internal.h"

typedef struct RenderState {
    GTree *claimed;             /* &FlatRange.start -> FlatRange * */
    bool global_dirty_log;
} RenderState;

static gint compare_u64(gconstpointer a, gconstpointer b, gpointer unused)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* The claimed range containing @addr, or else the first one after it. */
static GTreeNode *claimed_at_or_after(GTree *claimed, uint64_t addr)
{
    GTreeNode *node = g_tree_upper_bound(claimed, &addr);
    GTreeNode *prev = node ? g_tree_node_previous(node)
                           : g_tree_node_last(claimed);

    if (prev && ((FlatRange *)g_tree_node_value(prev))->last >= addr) {
        return prev;
    }
    return node;
}

static bool range_is_logged(const RenderState *rs, MemoryRegion *mr)
{
    return mr->log_dirty ||
           (rs->global_dirty_log && mr->kind == MR_KIND_RAM);
}

static void claim(RenderState *rs, MemoryRegion *mr, uint64_t start,
                  uint64_t last, uint64_t offset, bool readonly)
{
    FlatRange *fr = g_new(FlatRange, 1);

    *fr = (FlatRange) {
        .mr = mr,
        .offset_in_region = offset,
        .start = start,
        .last = last,
        .readonly = readonly,
        .log_dirty = range_is_logged(rs, mr),
    };
    g_tree_insert(rs->claimed, &fr->start, fr);
}

/*
 * Give terminal region @mr every unclaimed address of [start, last]; the
 * region's offset at @start is @offset.
 */
static void claim_gaps(RenderState *rs, MemoryRegion *mr, uint64_t start,
                       uint64_t last, uint64_t offset, bool readonly)
{
    uint64_t cur = start;

    for (;;) {
        GTreeNode *node = claimed_at_or_after(rs->claimed, cur);
        const FlatRange *next = node ? g_tree_node_value(node) : NULL;

        if (!next || next->start > last) {
            claim(rs, mr, cur, last, offset + (cur - start), readonly);
            return;
        }
        if (next->start > cur) {
            claim(rs, mr, cur, next->start - 1, offset + (cur - start),
                  readonly);
        }
        if (next->last >= last) {
            return;
        }
        cur = next->last + 1;
    }
}

static void render_region(RenderState *rs, MemoryRegion *mr, uint64_t start,
                          uint64_t last, uint64_t offset, bool readonly);

/*
 * Show the part of @child inside its parent's window [offset, olast]
 * (parent offsets), the parent's offset @offset being at address @start.
 */
static void render_child(RenderState *rs, MemoryRegion *child, uint64_t start,
                         uint64_t offset, uint64_t olast, bool readonly)
{
    uint64_t child_last, lo, hi;

    if (!memory_region_last(child, &child_last)) {
        return;
    }
    if (__builtin_add_overflow(child->addr, child_last, &hi)) {
        hi = UINT64_MAX;        /* clipped at 2^64 - 1 */
    }
    lo = MAX(child->addr, offset);
    hi = MIN(hi, olast);
    if (lo > hi) {
        return;
    }
    render_region(rs, child, start + (lo - offset), start + (hi - offset),
                  lo - child->addr, readonly);
}

/* An alias shows its target's offsets [alias_offset + offset, ...]. */
static void render_alias(RenderState *rs, MemoryRegion *mr, uint64_t start,
                         uint64_t last, uint64_t offset, bool readonly)
{
    MemoryRegion *target = mr->alias;
    uint64_t target_last, tstart, tlast;

    if (!memory_region_last(target, &target_last) ||
        __builtin_add_overflow(mr->alias_offset, offset, &tstart) ||
        tstart > target_last) {
        return;
    }
    if (__builtin_add_overflow(tstart, last - start, &tlast)) {
        tlast = UINT64_MAX;
    }
    tlast = MIN(tlast, target_last);
    render_region(rs, target, start, start + (tlast - tstart), tstart,
                  readonly);
}

/*
 * Render region offsets [offset, offset + last - start] of @mr at
 * addresses [start, last]; the caller clipped them to @mr's size.
 */
static void render_region(RenderState *rs, MemoryRegion *mr, uint64_t start,
                          uint64_t last, uint64_t offset, bool readonly)
{
    uint64_t olast = offset + (last - start);

    if (!mr->enabled) {
        return;
    }
    readonly |= mr->readonly;
    if (mr->kind == MR_KIND_ALIAS) {
        render_alias(rs, mr, start, last, offset, readonly);
    } else {
        for (GList *l = mr->subregions; l; l = l->next) {
            render_child(rs, l->data, start, offset, olast, readonly);
        }
        if (mr->kind != MR_KIND_CONTAINER) {
            claim_gaps(rs, mr, start, last, offset, readonly);
        }
    }
}

/* Whether @b continues @a seamlessly (QEMU's flatview_simplify). */
static bool flat_range_mergeable(const FlatRange *a, const FlatRange *b)
{
    return a->mr == b->mr && a->readonly == b->readonly &&
           a->log_dirty == b->log_dirty && a->last != UINT64_MAX &&
           a->last + 1 == b->start &&
           a->offset_in_region + (a->last - a->start) + 1 ==
               b->offset_in_region;
}

static gboolean append_range(gpointer key, gpointer value, gpointer data)
{
    GArray *ranges = data;
    FlatRange *fr = value;
    FlatRange *prev = ranges->len ?
        &g_array_index(ranges, FlatRange, ranges->len - 1) : NULL;

    if (prev && flat_range_mergeable(prev, fr)) {
        prev->last = fr->last;
    } else {
        memory_region_ref(fr->mr);
        g_array_append_val(ranges, *fr);
    }
    return FALSE;
}

static FlatView *flatview_new(FlatRange *ranges, size_t nr)
{
    FlatView *view = g_new0(FlatView, 1);

    g_ref_count_init(&view->ref);
    view->ranges = ranges;
    view->nr = nr;
    return view;
}

FlatView *flatview_new_empty(void)
{
    return flatview_new(NULL, 0);
}

FlatView *flatview_render(MemoryRegion *root, bool global_dirty_log)
{
    RenderState rs = {
        .claimed = g_tree_new_full(compare_u64, NULL, NULL, g_free),
        .global_dirty_log = global_dirty_log,
    };
    GArray *ranges = g_array_new(FALSE, FALSE, sizeof(FlatRange));
    uint64_t root_last;
    size_t nr;

    if (memory_region_last(root, &root_last)) {
        render_region(&rs, root, 0, root_last, 0, false);
    }
    g_tree_foreach(rs.claimed, append_range, ranges);
    g_tree_destroy(rs.claimed);
    nr = ranges->len;
    return flatview_new((FlatRange *)g_array_free(ranges, FALSE), nr);
}

FlatView *flatview_ref(FlatView *view)
{
    g_ref_count_inc(&view->ref);
    return view;
}

void flatview_unref(FlatView *view)
{
    if (!view || !g_ref_count_dec(&view->ref)) {
        return;
    }
    for (size_t i = 0; i < view->nr; i++) {
        memory_region_unref(view->ranges[i].mr);
    }
    g_free(view->ranges);
    g_free(view);
}

void flat_range_to_section(const FlatRange *fr, MemoryRegionSection *section)
{
    *section = (MemoryRegionSection) {
        .mr = fr->mr,
        .offset_within_region = fr->offset_in_region,
        .offset_within_address_space = fr->start,
        .last_within_address_space = fr->last,
        .readonly = fr->readonly,
        .is_ram = memory_region_is_ram(fr->mr),
        .is_ram_device = memory_region_is_ram_device(fr->mr),
        .log_dirty = fr->log_dirty,
    };
}

bool memory_region_section_size(const MemoryRegionSection *section,
                                 uint64_t *size)
{
    uint64_t span = section->last_within_address_space -
                    section->offset_within_address_space;

    if (span == UINT64_MAX) {
        return false;
    }
    *size = span + 1;
    return true;
}

/* Binary search for the last range starting at or below @addr. */
const FlatRange *flat_range_find(FlatView *view, uint64_t addr)
{
    size_t lo = 0, hi = view->nr;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (view->ranges[mid].start <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == 0 || view->ranges[lo - 1].last < addr) {
        return NULL;
    }
    return &view->ranges[lo - 1];
}

size_t flatview_nr_sections(FlatView *view)
{
    return view->nr;
}

void flatview_get_section(FlatView *view, size_t index,
                          MemoryRegionSection *section)
{
    g_return_if_fail(index < view->nr);
    flat_range_to_section(&view->ranges[index], section);
}

bool flatview_lookup(FlatView *view, uint64_t addr,
                     MemoryRegionSection *section)
{
    const FlatRange *fr = flat_range_find(view, addr);

    if (!fr) {
        return false;
    }
    flat_range_to_section(fr, section);
    return true;
}

void flatview_for_each_section(FlatView *view, FlatViewSectionFunc func,
                               void *opaque)
{
    for (size_t i = 0; i < view->nr; i++) {
        MemoryRegionSection section;

        flat_range_to_section(&view->ranges[i], &section);
        if (func(&section, opaque)) {
            return;
        }
    }
}

static bool flat_range_same(const FlatRange *a, const FlatRange *b)
{
    return a->start == b->start && a->last == b->last && a->mr == b->mr &&
           a->offset_in_region == b->offset_in_region &&
           a->readonly == b->readonly;
}

/*
 * A merge walk in address order: an old range that starts first, or
 * starts at the same address but differs, is gone; an equal pair is kept;
 * anything else is a new range.
 */
void flatview_diff(FlatView *old_view, FlatView *new_view,
                   FlatViewDiffFunc func, void *opaque)
{
    size_t io = 0, in = 0;

    while (io < old_view->nr || in < new_view->nr) {
        const FlatRange *o = io < old_view->nr ? &old_view->ranges[io] : NULL;
        const FlatRange *n = in < new_view->nr ? &new_view->ranges[in] : NULL;

        if (o && (!n || o->start < n->start ||
                  (o->start == n->start && !flat_range_same(o, n)))) {
            func(FLATVIEW_CHANGE_DEL, o, NULL, opaque);
            io++;
        } else if (o && flat_range_same(o, n)) {
            func(FLATVIEW_CHANGE_KEEP, o, n, opaque);
            io++;
            in++;
        } else {
            func(FLATVIEW_CHANGE_ADD, NULL, n, opaque);
            in++;
        }
    }
}
