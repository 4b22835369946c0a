/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A set of 64-bit addresses kept as sorted, disjoint, non-adjacent Ranges.
 *
 * Inserting merges overlapping and touching ranges; removing splits them.
 * Lookups are O(log n) binary searches; insert and remove move at most the
 * tail of one array, which stays cheap for tens of thousands of ranges.
 */
#ifndef UTIL_INTERVAL_SET_H
#define UTIL_INTERVAL_SET_H

#include <glib.h>

#include "util/range.h"

typedef struct IntervalSet IntervalSet;

/**
 * IntervalSetFunc - visitor for interval_set_foreach()
 * @r: one range of the set (or its part inside a window)
 * @opaque: the caller's data
 *
 * Return: true to continue, false to stop the walk.
 */
typedef bool (*IntervalSetFunc)(const Range *r, void *opaque);

/** interval_set_new() - Return: an empty set; free with interval_set_free() */
IntervalSet *interval_set_new(void);

/** interval_set_copy() - Return: a copy of @s; free with interval_set_free() */
IntervalSet *interval_set_copy(const IntervalSet *s);

/** interval_set_free() - free @s (NULL is a no-op) */
void interval_set_free(IntervalSet *s);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(IntervalSet, interval_set_free)

/** interval_set_clear() - remove every range from @s */
void interval_set_clear(IntervalSet *s);

/** interval_set_insert() - add every address of @r to @s */
void interval_set_insert(IntervalSet *s, const Range *r);

/** interval_set_remove() - remove every address of @r from @s */
void interval_set_remove(IntervalSet *s, const Range *r);

/**
 * interval_set_intersect() - keep only what @s and @other have in common
 * @s: the set to change
 * @other: the set to intersect with
 */
void interval_set_intersect(IntervalSet *s, const IntervalSet *other);

/** interval_set_contains() - Return: true if @addr is in @s */
bool interval_set_contains(const IntervalSet *s, uint64_t addr);

/** interval_set_covers() - Return: true if every address of @r is in @s */
bool interval_set_covers(const IntervalSet *s, const Range *r);

/** interval_set_count() - Return: the number of disjoint ranges in @s */
guint interval_set_count(const IntervalSet *s);

/**
 * interval_set_nth() - the @i-th range in ascending order
 * @s: the set
 * @i: index, below interval_set_count()
 *
 * Return: a pointer valid until @s is next changed.
 */
const Range *interval_set_nth(const IntervalSet *s, guint i);

/** interval_set_equal() - Return: true if @a and @b hold the same addresses */
bool interval_set_equal(const IntervalSet *a, const IntervalSet *b);

/**
 * interval_set_foreach() - visit every range in ascending order
 * @s: the set; must not change during the walk
 * @fn: the visitor
 * @opaque: passed to @fn
 *
 * Return: false if @fn stopped the walk.
 */
bool interval_set_foreach(const IntervalSet *s, IntervalSetFunc fn,
                          void *opaque);

/**
 * interval_set_foreach_in() - visit the parts of @s inside @window
 * @s: the set; must not change during the walk
 * @window: only addresses inside it are visited; ranges are clipped to it
 * @fn: the visitor
 * @opaque: passed to @fn
 *
 * Return: false if @fn stopped the walk.
 */
bool interval_set_foreach_in(const IntervalSet *s, const Range *window,
                             IntervalSetFunc fn, void *opaque);

#endif /* UTIL_INTERVAL_SET_H */
