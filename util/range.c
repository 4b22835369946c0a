/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Ranges of 64-bit addresses with an inclusive last.
 */
#include <glib.h>

#include "util/range.h"

bool range_from_size(uint64_t start, uint64_t size, Range *r)
{
    uint64_t last;

    if (size == 0 || __builtin_add_overflow(start, size - 1, &last)) {
        return false;
    }
    *r = range_make(start, last);
    return true;
}

bool range_size(const Range *r, uint64_t *size)
{
    uint64_t span = r->last - r->start;

    if (span == UINT64_MAX) {
        return false;
    }
    *size = span + 1;
    return true;
}

bool range_contains(const Range *r, uint64_t addr)
{
    return addr >= r->start && addr <= r->last;
}

bool range_contains_range(const Range *outer, const Range *inner)
{
    return inner->start >= outer->start && inner->last <= outer->last;
}

bool range_overlaps(const Range *a, const Range *b)
{
    return a->start <= b->last && b->start <= a->last;
}

bool range_intersect(const Range *a, const Range *b, Range *out)
{
    if (!range_overlaps(a, b)) {
        return false;
    }
    *out = range_make(MAX(a->start, b->start), MIN(a->last, b->last));
    return true;
}

bool range_adjacent(const Range *a, const Range *b)
{
    return a->last != UINT64_MAX && a->last + 1 == b->start;
}

bool range_align_inward(const Range *r, uint64_t align, Range *out)
{
    uint64_t mask = align - 1;
    uint64_t start, end_excl;

    g_assert(align && (align & mask) == 0);
    /* start rounded up; overflow means no aligned block starts inside */
    if (__builtin_add_overflow(r->start, mask, &start)) {
        return false;
    }
    start &= ~mask;
    if (r->last == UINT64_MAX) {
        /* the end is 2^64 itself, a multiple of every alignment */
        *out = range_make(start, UINT64_MAX);
        return true;
    }
    end_excl = (r->last + 1) & ~mask;
    if (end_excl <= start) {
        return false;
    }
    *out = range_make(start, end_excl - 1);
    return true;
}

int range_compare(const Range *a, const Range *b)
{
    if (a->start != b->start) {
        return a->start < b->start ? -1 : 1;
    }
    if (a->last != b->last) {
        return a->last < b->last ? -1 : 1;
    }
    return 0;
}
