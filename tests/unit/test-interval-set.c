/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of util/interval-set.c: fixed cases, then random operations
 * checked against a brute-force bitmap over a small universe placed both
 * at 0 and at the top of the 64-bit space.
 */
#include <glib.h>

#include "util/interval-set.h"

#define UNIVERSE 256
#define ROUNDS 8000

typedef struct Model {
    uint64_t base;              /* address of universe slot 0 */
    bool bit[UNIVERSE];
    IntervalSet *set;
} Model;

static Range random_range(const Model *m)
{
    uint64_t a = g_test_rand_int_range(0, UNIVERSE);
    uint64_t len = g_test_rand_int_range(1, 40);
    uint64_t b = MIN(a + len - 1, UNIVERSE - 1);

    return range_make(m->base + a, m->base + b);
}

static void model_set(Model *m, const Range *r, bool value)
{
    for (uint64_t a = r->start - m->base; a <= r->last - m->base; a++) {
        m->bit[a] = value;
    }
}

static void check_invariants(const IntervalSet *s)
{
    for (guint i = 0; i < interval_set_count(s); i++) {
        const Range *r = interval_set_nth(s, i);

        g_assert_cmphex(r->start, <=, r->last);
        if (i > 0) {
            const Range *prev = interval_set_nth(s, i - 1);

            /* disjoint and never touching: merged on insert */
            g_assert_cmphex(prev->last, <, r->start);
            g_assert_false(range_adjacent(prev, r));
        }
    }
}

static void check_against_model(const Model *m)
{
    bool seen[UNIVERSE] = { false };

    check_invariants(m->set);
    for (guint i = 0; i < interval_set_count(m->set); i++) {
        const Range *r = interval_set_nth(m->set, i);

        for (uint64_t a = r->start - m->base; a <= r->last - m->base; a++) {
            seen[a] = true;
        }
    }
    for (int a = 0; a < UNIVERSE; a++) {
        g_assert_cmpint(seen[a], ==, m->bit[a]);
        g_assert_cmpint(interval_set_contains(m->set, m->base + a), ==,
                        m->bit[a]);
    }
}

static bool model_covers(const Model *m, const Range *r)
{
    for (uint64_t a = r->start - m->base; a <= r->last - m->base; a++) {
        if (!m->bit[a]) {
            return false;
        }
    }
    return true;
}

typedef struct Collect {
    const Model *m;
    const Range *window;
    uint64_t count;
} Collect;

static bool collect_piece(const Range *r, void *opaque)
{
    Collect *c = opaque;

    g_assert_true(range_contains_range(c->window, r));
    for (uint64_t a = r->start - c->m->base; a <= r->last - c->m->base; a++) {
        g_assert_true(c->m->bit[a]);
        c->count++;
    }
    return true;
}

static void check_window(const Model *m, const Range *w)
{
    Collect c = { .m = m, .window = w };
    uint64_t expect = 0;

    interval_set_foreach_in(m->set, w, collect_piece, &c);
    for (uint64_t a = w->start - m->base; a <= w->last - m->base; a++) {
        expect += m->bit[a];
    }
    g_assert_cmpuint(c.count, ==, expect);
    g_assert_cmpint(interval_set_covers(m->set, w), ==, model_covers(m, w));
}

static void intersect_with_random(Model *m)
{
    g_autoptr(IntervalSet) other = interval_set_new();
    bool keep[UNIVERSE] = { false };

    for (int i = 0; i < 4; i++) {
        Range r = random_range(m);

        interval_set_insert(other, &r);
        for (uint64_t a = r.start - m->base; a <= r.last - m->base; a++) {
            keep[a] = true;
        }
    }
    interval_set_intersect(m->set, other);
    for (int a = 0; a < UNIVERSE; a++) {
        m->bit[a] = m->bit[a] && keep[a];
    }
}

static void run_random(uint64_t base)
{
    Model m = { .base = base, .set = interval_set_new() };

    for (int round = 0; round < ROUNDS; round++) {
        Range r = random_range(&m);
        int op = g_test_rand_int_range(0, 10);

        if (op < 5) {
            interval_set_insert(m.set, &r);
            model_set(&m, &r, true);
        } else if (op < 9) {
            interval_set_remove(m.set, &r);
            model_set(&m, &r, false);
        } else {
            intersect_with_random(&m);
        }
        check_against_model(&m);
        check_window(&m, &r);
    }
    interval_set_free(m.set);
}

static void test_random_low(void)
{
    run_random(0);
}

static void test_random_top(void)
{
    run_random(UINT64_MAX - (UNIVERSE - 1));
}

static void test_merge_and_split(void)
{
    g_autoptr(IntervalSet) s = interval_set_new();
    Range a = range_make(0x1000, 0x1fff), b = range_make(0x2000, 0x2fff);
    Range hole = range_make(0x1800, 0x27ff);

    interval_set_insert(s, &a);
    interval_set_insert(s, &b);
    g_assert_cmpuint(interval_set_count(s), ==, 1);    /* touching: merged */
    g_assert_cmphex(interval_set_nth(s, 0)->last, ==, 0x2fff);
    interval_set_remove(s, &hole);
    g_assert_cmpuint(interval_set_count(s), ==, 2);
    g_assert_cmphex(interval_set_nth(s, 0)->last, ==, 0x17ff);
    g_assert_cmphex(interval_set_nth(s, 1)->start, ==, 0x2800);
}

static void test_whole_space(void)
{
    g_autoptr(IntervalSet) s = interval_set_new();
    Range whole = range_make(0, UINT64_MAX), top = range_make(UINT64_MAX,
                                                              UINT64_MAX);
    Range zero = range_make(0, 0);

    interval_set_insert(s, &top);
    interval_set_insert(s, &zero);
    g_assert_cmpuint(interval_set_count(s), ==, 2);     /* no wrap-around */
    interval_set_insert(s, &whole);
    g_assert_cmpuint(interval_set_count(s), ==, 1);
    g_assert_true(interval_set_covers(s, &whole));
    interval_set_remove(s, &top);
    g_assert_cmphex(interval_set_nth(s, 0)->last, ==, UINT64_MAX - 1);
    interval_set_remove(s, &whole);
    g_assert_cmpuint(interval_set_count(s), ==, 0);
}

/* Tens of thousands of ranges: the structure must stay correct at scale. */
static void test_many_ranges(void)
{
    g_autoptr(IntervalSet) s = interval_set_new();
    const guint n = 50000;
    g_autofree guint *order = g_new(guint, n);

    for (guint i = 0; i < n; i++) {
        order[i] = i;
    }
    for (guint i = n - 1; i > 0; i--) {
        guint j = g_test_rand_int_range(0, i + 1), t = order[i];

        order[i] = order[j];
        order[j] = t;
    }
    for (guint i = 0; i < n; i++) {
        Range r = range_make(order[i] * 0x2000ull, order[i] * 0x2000ull + 0xfff);

        interval_set_insert(s, &r);
    }
    g_assert_cmpuint(interval_set_count(s), ==, n);
    check_invariants(s);
    for (guint i = 0; i < n; i += 2) {
        Range gap = range_make(i * 0x2000ull + 0x1000, i * 0x2000ull + 0x1fff);

        interval_set_insert(s, &gap);   /* joins range i and i + 1 */
    }
    g_assert_cmpuint(interval_set_count(s), ==, n / 2);
    check_invariants(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/interval-set/merge-and-split", test_merge_and_split);
    g_test_add_func("/interval-set/whole-space", test_whole_space);
    g_test_add_func("/interval-set/random/low", test_random_low);
    g_test_add_func("/interval-set/random/top-of-space", test_random_top);
    g_test_add_func("/interval-set/scale/50000-ranges", test_many_ranges);
    return g_test_run();
}
