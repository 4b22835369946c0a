/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A set of 64-bit addresses kept as sorted, disjoint, non-adjacent Ranges.
 */
#include <string.h>

#include "util/interval-set.h"

struct IntervalSet {
    GArray *ranges;     /* of Range, ascending, disjoint, never touching */
};

#define NTH(s, i) (&g_array_index((s)->ranges, Range, (i)))

IntervalSet *interval_set_new(void)
{
    IntervalSet *s = g_new0(IntervalSet, 1);

    s->ranges = g_array_new(FALSE, FALSE, sizeof(Range));
    return s;
}

IntervalSet *interval_set_copy(const IntervalSet *s)
{
    IntervalSet *copy = interval_set_new();

    g_array_append_vals(copy->ranges, s->ranges->data, s->ranges->len);
    return copy;
}

void interval_set_free(IntervalSet *s)
{
    if (s) {
        g_array_unref(s->ranges);
        g_free(s);
    }
}

void interval_set_clear(IntervalSet *s)
{
    g_array_set_size(s->ranges, 0);
}

/* Index of the first range whose last is >= @addr (count if none). */
static guint first_ending_at_or_after(const IntervalSet *s, uint64_t addr)
{
    guint lo = 0, hi = s->ranges->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;

        if (NTH(s, mid)->last < addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Replace ranges [from, to) by @n ranges from @with. */
static void splice(IntervalSet *s, guint from, guint to,
                   const Range *with, guint n)
{
    if (to > from) {
        g_array_remove_range(s->ranges, from, to - from);
    }
    if (n) {
        g_array_insert_vals(s->ranges, from, with, n);
    }
}

void interval_set_insert(IntervalSet *s, const Range *r)
{
    /* a range touching r from below ends at r->start - 1 */
    guint i = first_ending_at_or_after(s, r->start ? r->start - 1 : 0);
    guint j = i;
    Range merged = *r;

    while (j < s->ranges->len &&
           (merged.last == UINT64_MAX || NTH(s, j)->start <= merged.last + 1)) {
        merged.start = MIN(merged.start, NTH(s, j)->start);
        merged.last = MAX(merged.last, NTH(s, j)->last);
        j++;
    }
    splice(s, i, j, &merged, 1);
}

void interval_set_remove(IntervalSet *s, const Range *r)
{
    guint i = first_ending_at_or_after(s, r->start);
    guint j = i;
    Range keep[2];
    guint n = 0;

    while (j < s->ranges->len && NTH(s, j)->start <= r->last) {
        j++;
    }
    if (j == i) {
        return;
    }
    if (NTH(s, i)->start < r->start) {
        keep[n++] = range_make(NTH(s, i)->start, r->start - 1);
    }
    if (NTH(s, j - 1)->last > r->last) {
        keep[n++] = range_make(r->last + 1, NTH(s, j - 1)->last);
    }
    splice(s, i, j, keep, n);
}

void interval_set_intersect(IntervalSet *s, const IntervalSet *other)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(Range));
    guint i = 0, j = 0;

    while (i < s->ranges->len && j < other->ranges->len) {
        const Range *a = NTH(s, i), *b = NTH(other, j);
        Range both;

        if (range_intersect(a, b, &both)) {
            g_array_append_val(out, both);
        }
        /* advance whichever ends first; the other may overlap more */
        if (a->last < b->last) {
            i++;
        } else {
            j++;
        }
    }
    g_array_unref(s->ranges);
    s->ranges = out;
}

bool interval_set_contains(const IntervalSet *s, uint64_t addr)
{
    guint i = first_ending_at_or_after(s, addr);

    return i < s->ranges->len && NTH(s, i)->start <= addr;
}

bool interval_set_covers(const IntervalSet *s, const Range *r)
{
    guint i = first_ending_at_or_after(s, r->start);

    /* ranges never touch, so one range must hold all of r */
    return i < s->ranges->len && range_contains_range(NTH(s, i), r);
}

guint interval_set_count(const IntervalSet *s)
{
    return s->ranges->len;
}

const Range *interval_set_nth(const IntervalSet *s, guint i)
{
    g_assert(i < s->ranges->len);
    return NTH(s, i);
}

bool interval_set_equal(const IntervalSet *a, const IntervalSet *b)
{
    return a->ranges->len == b->ranges->len &&
           memcmp(a->ranges->data, b->ranges->data,
                  a->ranges->len * sizeof(Range)) == 0;
}

bool interval_set_foreach(const IntervalSet *s, IntervalSetFunc fn,
                          void *opaque)
{
    for (guint i = 0; i < s->ranges->len; i++) {
        if (!fn(NTH(s, i), opaque)) {
            return false;
        }
    }
    return true;
}

bool interval_set_foreach_in(const IntervalSet *s, const Range *window,
                             IntervalSetFunc fn, void *opaque)
{
    for (guint i = first_ending_at_or_after(s, window->start);
         i < s->ranges->len && NTH(s, i)->start <= window->last; i++) {
        Range part;

        range_intersect(NTH(s, i), window, &part);
        if (!fn(&part, opaque)) {
            return false;
        }
    }
    return true;
}
