/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of util/range.c: boundaries at 0 and 2^64-1, overflow,
 * intersection and alignment.
 */
#include <glib.h>

#include "util/range.h"

static void assert_range(const Range *r, uint64_t start, uint64_t last)
{
    g_assert_cmphex(r->start, ==, start);
    g_assert_cmphex(r->last, ==, last);
}

static void test_from_size(void)
{
    Range r;

    g_assert_true(range_from_size(0, 1, &r));
    assert_range(&r, 0, 0);
    g_assert_true(range_from_size(0x1000, 0x1000, &r));
    assert_range(&r, 0x1000, 0x1fff);
    g_assert_false(range_from_size(0x1000, 0, &r));
}

static void test_from_size_overflow(void)
{
    Range r;

    /* the last byte of the space is reachable... */
    g_assert_true(range_from_size(UINT64_MAX, 1, &r));
    assert_range(&r, UINT64_MAX, UINT64_MAX);
    g_assert_true(range_from_size(1, UINT64_MAX, &r));
    assert_range(&r, 1, UINT64_MAX);
    /* ...one more is not */
    g_assert_false(range_from_size(UINT64_MAX, 2, &r));
    g_assert_false(range_from_size(2, UINT64_MAX, &r));
}

static void test_size(void)
{
    Range whole = range_make(0, UINT64_MAX);
    Range top = range_make(UINT64_MAX, UINT64_MAX);
    Range almost = range_make(1, UINT64_MAX);
    uint64_t size;

    g_assert_false(range_size(&whole, &size));     /* 2^64 */
    g_assert_true(range_size(&top, &size));
    g_assert_cmphex(size, ==, 1);
    g_assert_true(range_size(&almost, &size));
    g_assert_cmphex(size, ==, UINT64_MAX);
}

static void test_contains(void)
{
    Range r = range_make(0x1000, 0x1fff);
    Range whole = range_make(0, UINT64_MAX);
    Range inner = range_make(0x1800, 0x1fff);
    Range outer = range_make(0x1800, 0x2000);

    g_assert_true(range_contains(&r, 0x1000));
    g_assert_true(range_contains(&r, 0x1fff));
    g_assert_false(range_contains(&r, 0xfff));
    g_assert_false(range_contains(&r, 0x2000));
    g_assert_true(range_contains(&whole, 0));
    g_assert_true(range_contains(&whole, UINT64_MAX));
    g_assert_true(range_contains_range(&r, &inner));
    g_assert_false(range_contains_range(&r, &outer));
    g_assert_true(range_contains_range(&whole, &r));
}

static void test_intersect(void)
{
    Range a = range_make(0, 0x1fff), b = range_make(0x1000, UINT64_MAX);
    Range c = range_make(0x2000, 0x2fff), out;

    g_assert_true(range_intersect(&a, &b, &out));
    assert_range(&out, 0x1000, 0x1fff);
    g_assert_false(range_intersect(&a, &c, &out));
    g_assert_true(range_overlaps(&b, &c));
    /* aliasing the output with an input */
    g_assert_true(range_intersect(&b, &c, &b));
    assert_range(&b, 0x2000, 0x2fff);
}

static void test_adjacent(void)
{
    Range a = range_make(0, 0xfff), b = range_make(0x1000, 0x1fff);
    Range top = range_make(0xf000, UINT64_MAX), zero = range_make(0, 0);

    g_assert_true(range_adjacent(&a, &b));
    g_assert_false(range_adjacent(&b, &a));
    /* last == 2^64-1 must not wrap around to touch 0 */
    g_assert_false(range_adjacent(&top, &zero));
}

static void test_align_inward(void)
{
    Range r = range_make(0x1001, 0x3ffe), out;
    Range exact = range_make(0x1000, 0x1fff);
    Range small = range_make(0x1001, 0x1ffe);
    Range top = range_make(UINT64_MAX - 0x1ffe, UINT64_MAX);
    Range tiny_top = range_make(UINT64_MAX - 0xffe, UINT64_MAX);

    g_assert_true(range_align_inward(&r, 0x1000, &out));
    assert_range(&out, 0x2000, 0x2fff);
    g_assert_true(range_align_inward(&exact, 0x1000, &out));
    assert_range(&out, 0x1000, 0x1fff);
    g_assert_false(range_align_inward(&small, 0x1000, &out));
    g_assert_true(range_align_inward(&top, 0x1000, &out));
    assert_range(&out, UINT64_MAX - 0xfff, UINT64_MAX);
    /* rounding the start up past 2^64-1 leaves nothing */
    g_assert_false(range_align_inward(&tiny_top, 0x1000, &out));
}

static void test_compare(void)
{
    Range a = range_make(1, 5), b = range_make(1, 6), c = range_make(2, 3);

    g_assert_cmpint(range_compare(&a, &b), <, 0);
    g_assert_cmpint(range_compare(&b, &a), >, 0);
    g_assert_cmpint(range_compare(&b, &c), <, 0);
    g_assert_cmpint(range_compare(&a, &a), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/range/from-size/basic", test_from_size);
    g_test_add_func("/range/from-size/overflow", test_from_size_overflow);
    g_test_add_func("/range/size/whole-space", test_size);
    g_test_add_func("/range/contains/boundaries", test_contains);
    g_test_add_func("/range/intersect/basic", test_intersect);
    g_test_add_func("/range/adjacent/no-wrap", test_adjacent);
    g_test_add_func("/range/align-inward/edges", test_align_inward);
    g_test_add_func("/range/compare/order", test_compare);
    return g_test_run();
}
