/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Ranges of 64-bit addresses: start plus an inclusive last.
 *
 * An inclusive last can describe every range up to the whole [0, 2^64-1]
 * without ever representing 2^64, and a Range is never empty.  Every
 * constructor that takes a size checks for overflow and reports it.
 */
#ifndef UTIL_RANGE_H
#define UTIL_RANGE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct Range {
    uint64_t start;
    uint64_t last;      /* inclusive, >= start */
} Range;

/**
 * range_make() - build a Range from start and last
 * @start: first address
 * @last: last address, inclusive; must be >= @start
 *
 * Return: the range.
 */
static inline Range range_make(uint64_t start, uint64_t last)
{
    return (Range){ .start = start, .last = last };
}

/**
 * range_from_size() - build a Range from start and size
 * @start: first address
 * @size: length in bytes
 * @r: filled on success
 *
 * Return: false if @size is 0 or start + size - 1 overflows 2^64-1.
 */
bool range_from_size(uint64_t start, uint64_t size, Range *r);

/**
 * range_size() - the number of bytes in @r
 * @r: the range
 * @size: filled on success
 *
 * Return: false when the size is 2^64 (the whole space), which no uint64_t
 * can hold.
 */
bool range_size(const Range *r, uint64_t *size);

/** range_contains() - Return: true if @addr lies in @r */
bool range_contains(const Range *r, uint64_t addr);

/** range_contains_range() - Return: true if @inner lies wholly in @outer */
bool range_contains_range(const Range *outer, const Range *inner);

/** range_overlaps() - Return: true if @a and @b share at least one address */
bool range_overlaps(const Range *a, const Range *b);

/**
 * range_intersect() - the overlap of two ranges
 * @a: first range
 * @b: second range
 * @out: filled with the overlap on success (may alias @a or @b)
 *
 * Return: false if the ranges do not overlap.
 */
bool range_intersect(const Range *a, const Range *b, Range *out);

/**
 * range_adjacent() - whether @b starts right after @a ends
 * @a: the lower range
 * @b: the upper range
 *
 * Return: true if a->last + 1 == b->start (false if a->last is 2^64-1).
 */
bool range_adjacent(const Range *a, const Range *b);

/**
 * range_align_inward() - shrink a range to whole aligned blocks
 * @r: the range
 * @align: a power of two
 * @out: the largest range inside @r whose start and last + 1 are multiples
 *       of @align (may alias @r)
 *
 * Used to turn a memory section into the IOVA range that can be mapped
 * with a page granularity.
 *
 * Return: false if no whole aligned block fits in @r.
 */
bool range_align_inward(const Range *r, uint64_t align, Range *out);

/**
 * range_compare() - order ranges by start, then last
 * @a: first range
 * @b: second range
 *
 * Return: <0, 0 or >0, as for qsort.
 */
int range_compare(const Range *a, const Range *b);

#endif /* UTIL_RANGE_H */
