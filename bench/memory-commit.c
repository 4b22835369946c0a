/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Benchmark: the cost of one small change to a big memory topology.
 *
 * For N RAM regions already shown in an address space, time adding one
 * more region (an auto-committed transaction: render + diff + notify) and
 * removing it again, and count the listener callbacks each causes.  The
 * callbacks must not grow with N: the commit diffs the old and new views
 * and notifies only what changed.  Prints a markdown table.
 *
 * Usage: memory-commit [REPEATS]   (default 25; the median is reported)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "exec/memory.h"

#define PAGE 0x1000

typedef struct CountingListener {
    MemoryListener listener;
    unsigned calls;
} CountingListener;

static void count_plain(MemoryListener *l)
{
    ((CountingListener *)l)->calls++;
}

static void count_section(MemoryListener *l, MemoryRegionSection *s)
{
    ((CountingListener *)l)->calls++;
}

static const MemoryListener counting_ops = {
    .begin = count_plain,
    .commit = count_plain,
    .region_add = count_section,
    .region_del = count_section,
    .region_nop = count_section,
    .log_start = count_section,
    .log_stop = count_section,
    .name = "bench",
};

static uint8_t host_page[PAGE];

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static double median_us(uint64_t *ns, unsigned n)
{
    qsort(ns, n, sizeof(*ns), compare_u64);
    return (double)ns[n / 2] / 1000.0;
}

/* N regions of one page, every other page, added in one transaction. */
static void populate(MemoryTopology *topo, MemoryRegion *root, unsigned n)
{
    memory_region_transaction_begin(topo);
    for (unsigned i = 0; i < n; i++) {
        MemoryRegion *mr = memory_region_new_ram_ptr(topo, "ram", PAGE,
                                                     host_page);

        memory_region_add_subregion(root, (uint64_t)i * 2 * PAGE, mr);
        memory_region_unref(mr);
    }
    memory_region_transaction_commit(topo);
}

typedef struct Result {
    size_t sections;
    double add_us, del_us;
    unsigned add_calls, del_calls;
} Result;

static Result bench_one(unsigned n, unsigned repeats)
{
    MemoryTopology *topo = memory_topology_new();
    MemoryRegion *root = memory_region_new_container(topo, "root",
                                                     UINT64_MAX);
    AddressSpace *as = address_space_new(topo, root, "bench");
    CountingListener cl = { .listener = counting_ops };
    g_autofree uint64_t *add_ns = g_new(uint64_t, repeats);
    g_autofree uint64_t *del_ns = g_new(uint64_t, repeats);
    FlatView *view;
    Result r = { 0 };

    populate(topo, root, n);
    memory_listener_register(&cl.listener, as, NULL);
    for (unsigned i = 0; i < repeats; i++) {
        /* Into the gap in the middle of the populated range. */
        MemoryRegion *mr = memory_region_new_ram_ptr(topo, "new", PAGE,
                                                     host_page);
        uint64_t t0;

        cl.calls = 0;
        t0 = now_ns();
        memory_region_add_subregion(root, (uint64_t)(n / 2) * 2 * PAGE + PAGE,
                                    mr);
        add_ns[i] = now_ns() - t0;
        r.add_calls = cl.calls;

        cl.calls = 0;
        t0 = now_ns();
        memory_region_del_subregion(root, mr);
        del_ns[i] = now_ns() - t0;
        r.del_calls = cl.calls;
        memory_region_unref(mr);
    }
    view = address_space_get_flatview(as);
    r.sections = flatview_nr_sections(view);
    flatview_unref(view);
    r.add_us = median_us(add_ns, repeats);
    r.del_us = median_us(del_ns, repeats);

    memory_listener_unregister_silent(&cl.listener);
    address_space_free(as);
    memory_region_unref(root);
    memory_topology_unref(topo);
    return r;
}

int main(int argc, char **argv)
{
    static const unsigned sizes[] = { 10, 100, 1000, 10000 };
    unsigned repeats = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 25;

    if (repeats == 0) {
        fprintf(stderr, "usage: %s [REPEATS>0]\n", argv[0]);
        return 1;
    }
    printf("| N regions | sections | add+commit (us) | callbacks | "
           "del+commit (us) | callbacks |\n");
    printf("|---:|---:|---:|---:|---:|---:|\n");
    for (unsigned i = 0; i < G_N_ELEMENTS(sizes); i++) {
        Result r = bench_one(sizes[i], repeats);

        printf("| %u | %zu | %.1f | %u | %.1f | %u |\n", sizes[i], r.sections,
               r.add_us, r.add_calls, r.del_us, r.del_calls);
    }
    printf("\nmedian of %u runs; callbacks = begin + region_add/del + "
           "commit seen by one listener\n", repeats);
    return 0;
}
