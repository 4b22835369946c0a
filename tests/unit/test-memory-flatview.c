/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory core: rendering rules of FlatView (priorities, aliases,
 * containers, enable, read-only, clipping, the whole 64-bit space) and
 * lookups.
 */
#include "test-memory-common.h"

static void test_empty_container(MemFixture *f, gconstpointer data)
{
    MemoryRegionSection sec;

    assert_view(f->as, "");
    g_assert_false(address_space_lookup(f->as, 0, &sec));
}

static void test_ram_at_offset(MemFixture *f, gconstpointer data)
{
    MemoryRegionSection sec;
    uint64_t size;

    mem_add(f->root, 0x1000, mem_new_ram(f, "ram", 0x2000), 0);
    assert_view(f->as, "0x1000-0x2fff ram@0");

    g_assert_true(address_space_lookup(f->as, 0x2abc, &sec));
    g_assert_cmpstr(memory_region_name(sec.mr), ==, "ram");
    g_assert_cmphex(sec.offset_within_region, ==, 0);
    g_assert_true(sec.is_ram);
    g_assert_false(sec.is_ram_device);
    g_assert_true(memory_region_section_size(&sec, &size));
    g_assert_cmphex(size, ==, 0x2000);
    g_assert_false(address_space_lookup(f->as, 0xfff, &sec));
    g_assert_false(address_space_lookup(f->as, 0x3000, &sec));
}

static void test_higher_priority_wins(MemFixture *f, gconstpointer data)
{
    mem_add(f->root, 0x0, mem_new_ram(f, "low", 0x1000), 0);
    mem_add(f->root, 0x800, mem_new_ram(f, "high", 0x1000), 1);
    assert_view(f->as, "0-0x7ff low@0; 0x800-0x17ff high@0");
}

static void test_lower_priority_shows_through(MemFixture *f,
                                              gconstpointer data)
{
    mem_add(f->root, 0x0, mem_new_ram(f, "top", 0x1000), 0);
    mem_add(f->root, 0x800, mem_new_ram(f, "under", 0x1000), -1);
    assert_view(f->as, "0-0xfff top@0; 0x1000-0x17ff under@0x800");
}

static void test_equal_priority_later_wins(MemFixture *f, gconstpointer data)
{
    mem_add(f->root, 0x0, mem_new_ram(f, "first", 0x1000), 0);
    mem_add(f->root, 0x800, mem_new_ram(f, "second", 0x1000), 0);
    assert_view(f->as, "0-0x7ff first@0; 0x800-0x17ff second@0");
}

static void test_move_makes_latest(MemFixture *f, gconstpointer data)
{
    MemoryRegion *first = mem_add(f->root, 0x0,
                                  mem_new_ram(f, "first", 0x1000), 0);

    mem_add(f->root, 0x800, mem_new_ram(f, "second", 0x1000), 0);
    memory_region_set_address(first, 0x400);
    assert_view(f->as, "0x400-0x13ff first@0; 0x1400-0x17ff second@0xc00");
    g_assert_cmphex(memory_region_get_address(first), ==, 0x400);
}

static void test_move_same_address_keeps_order(MemFixture *f,
                                               gconstpointer data)
{
    MemoryRegion *first = mem_add(f->root, 0x0,
                                  mem_new_ram(f, "first", 0x1000), 0);

    mem_add(f->root, 0x800, mem_new_ram(f, "second", 0x1000), 0);
    memory_region_set_address(first, 0x0);
    assert_view(f->as, "0-0x7ff first@0; 0x800-0x17ff second@0");
}

static void test_clipped_by_container(MemFixture *f, gconstpointer data)
{
    MemoryRegion *c = mem_add(f->root, 0x2000,
                              memory_region_new_container(f->topo, "c",
                                                          0x1000), 0);

    mem_add(c, 0x800, mem_new_ram(f, "ram", 0x1000), 0);
    assert_view(f->as, "0x2800-0x2fff ram@0");
}

static void test_nested_containers(MemFixture *f, gconstpointer data)
{
    MemoryRegion *outer = mem_add(f->root, 0x10000,
                                  memory_region_new_container(f->topo, "o",
                                                              0x10000), 0);
    MemoryRegion *inner = mem_add(outer, 0x1000,
                                  memory_region_new_container(f->topo, "i",
                                                              0x2000), 0);

    mem_add(inner, 0x100, mem_new_ram(f, "ram", 0x100), 0);
    assert_view(f->as, "0x11100-0x111ff ram@0");
}

static void test_container_gaps_unassigned(MemFixture *f, gconstpointer data)
{
    MemoryRegion *c = mem_add(f->root, 0x0,
                              memory_region_new_container(f->topo, "c",
                                                          0x4000), 1);

    mem_add(c, 0x1000, mem_new_ram(f, "in-c", 0x1000), 0);
    /* A container has no content of its own: what is under it shows. */
    mem_add(f->root, 0x0, mem_new_ram(f, "under", 0x4000), 0);
    assert_view(f->as, "0-0xfff under@0; 0x1000-0x1fff in-c@0; "
                "0x2000-0x3fff under@0x2000");
}

static void test_alias_window(MemFixture *f, gconstpointer data)
{
    g_autoptr(MemoryRegion) ram = mem_new_ram(f, "ram", 0x1000);

    mem_add(f->root, 0x5000,
            memory_region_new_alias(f->topo, "alias", ram, 0x100, 0x200), 0);
    assert_view(f->as, "0x5000-0x51ff ram@0x100");
}

static void test_alias_into_container(MemFixture *f, gconstpointer data)
{
    g_autoptr(MemoryRegion) c = memory_region_new_container(f->topo, "c",
                                                            0x4000);

    mem_add(c, 0x0, mem_new_ram(f, "a", 0x1000), 0);
    mem_add(c, 0x2000, mem_new_ram(f, "b", 0x1000), 0);
    mem_add(f->root, 0x10000,
            memory_region_new_alias(f->topo, "alias", c, 0x800, 0x2000), 0);
    assert_view(f->as, "0x10000-0x107ff a@0x800; 0x11800-0x11fff b@0");
}

static void test_alias_clipped_to_target(MemFixture *f, gconstpointer data)
{
    g_autoptr(MemoryRegion) ram = mem_new_ram(f, "ram", 0x1000);

    mem_add(f->root, 0x0,
            memory_region_new_alias(f->topo, "alias", ram, 0xc00, 0x1000), 0);
    assert_view(f->as, "0-0x3ff ram@0xc00");
}

static void test_alias_ignores_target_placement(MemFixture *f,
                                                gconstpointer data)
{
    MemoryRegion *ram = mem_add(f->root, 0x8000,
                                mem_new_ram(f, "ram", 0x1000), 0);

    mem_add(f->root, 0x0,
            memory_region_new_alias(f->topo, "alias", ram, 0, 0x1000), 0);
    assert_view(f->as, "0-0xfff ram@0; 0x8000-0x8fff ram@0");
}

static void test_alias_target_disabled(MemFixture *f, gconstpointer data)
{
    g_autoptr(MemoryRegion) ram = mem_new_ram(f, "ram", 0x1000);
    MemoryRegion *alias = mem_add(f->root, 0x0,
                                  memory_region_new_alias(f->topo, "alias",
                                                          ram, 0, 0x1000), 0);

    memory_region_set_enabled(ram, false);
    assert_view(f->as, "");
    memory_region_set_enabled(ram, true);
    memory_region_set_alias_offset(alias, 0x800);
    assert_view(f->as, "0-0x7ff ram@0x800");
    g_assert_cmphex(memory_region_get_alias_offset(alias), ==, 0x800);
}

static void test_disabled_hides_subtree(MemFixture *f, gconstpointer data)
{
    MemoryRegion *c = mem_add(f->root, 0x0,
                              memory_region_new_container(f->topo, "c",
                                                          0x4000), 1);

    mem_add(c, 0x0, mem_new_ram(f, "in-c", 0x1000), 0);
    mem_add(f->root, 0x0, mem_new_ram(f, "under", 0x2000), 0);
    memory_region_set_enabled(c, false);
    g_assert_false(memory_region_is_enabled(c));
    assert_view(f->as, "0-0x1fff under@0");
    memory_region_set_enabled(c, true);
    assert_view(f->as, "0-0xfff in-c@0; 0x1000-0x1fff under@0x1000");
}

static void test_readonly_propagates(MemFixture *f, gconstpointer data)
{
    MemoryRegion *c = mem_add(f->root, 0x0,
                              memory_region_new_container(f->topo, "c",
                                                          0x4000), 0);
    MemoryRegion *ram = mem_add(c, 0x0, mem_new_ram(f, "ram", 0x1000), 0);

    mem_add(f->root, 0x8000,
            memory_region_new_alias(f->topo, "alias", ram, 0, 0x1000), 0);
    memory_region_set_readonly(c, true);
    assert_view(f->as, "0-0xfff ram@0 ro; 0x8000-0x8fff ram@0");
    memory_region_set_readonly(c, false);
    memory_region_set_readonly(ram, true);
    assert_view(f->as, "0-0xfff ram@0 ro; 0x8000-0x8fff ram@0 ro");
    g_assert_true(memory_region_is_readonly(ram));
}

static void test_ram_overlaid_by_subregion(MemFixture *f, gconstpointer data)
{
    static const MemoryRegionOps ops = { 0 };
    MemoryRegion *ram = mem_add(f->root, 0x0,
                                mem_new_ram(f, "ram", 0x3000), 0);

    mem_add(ram, 0x1000, memory_region_new_io(f->topo, "io", 0x1000, &ops,
                                              NULL), 0);
    assert_view(f->as, "0-0xfff ram@0; 0x1000-0x1fff io@0; "
                "0x2000-0x2fff ram@0x2000");
}

static void test_adjacent_pieces_merge(MemFixture *f, gconstpointer data)
{
    g_autoptr(MemoryRegion) ram = mem_new_ram(f, "ram", 0x2000);
    MemoryRegion *hole;

    mem_add(f->root, 0x0,
            memory_region_new_alias(f->topo, "lo", ram, 0, 0x1000), 0);
    mem_add(f->root, 0x1000,
            memory_region_new_alias(f->topo, "hi", ram, 0x1000, 0x1000), 0);
    assert_view(f->as, "0-0x1fff ram@0");

    hole = mem_add(f->root, 0x800, mem_new_ram(f, "hole", 0x100), 1);
    assert_view(f->as, "0-0x7ff ram@0; 0x800-0x8ff hole@0; "
                "0x900-0x1fff ram@0x900");
    memory_region_del_subregion(f->root, hole);
    assert_view(f->as, "0-0x1fff ram@0");
}

static void test_kinds_in_sections(MemFixture *f, gconstpointer data)
{
    static const MemoryRegionOps ops = { 0 };
    MemoryRegionSection sec;

    mem_add(f->root, 0x0,
            memory_region_new_ram_device_ptr(f->topo, "bar", 0x1000,
                                             mem_fixture_host(f, 0x1000)), 0);
    mem_add(f->root, 0x1000,
            memory_region_new_io(f->topo, "io", 0x1000, &ops, NULL), 0);

    g_assert_true(address_space_lookup(f->as, 0x10, &sec));
    g_assert_true(sec.is_ram);
    g_assert_true(sec.is_ram_device);
    g_assert_true(address_space_lookup(f->as, 0x1010, &sec));
    g_assert_false(sec.is_ram);
    g_assert_false(sec.is_ram_device);
}

static void test_size_zero_is_empty(MemFixture *f, gconstpointer data)
{
    mem_add(f->root, 0x1000, mem_new_ram(f, "empty", 0), 0);
    mem_add(f->root, 0x1000,
            memory_region_new_container(f->topo, "empty-c", 0), 0);
    assert_view(f->as, "");
}

static void test_full_64bit_space(void)
{
    g_autoptr(MemoryTopology) topo = memory_topology_new();
    g_autoptr(MemoryRegion) root = memory_region_new_container(topo, "root",
                                                               UINT64_MAX);
    g_autoptr(AddressSpace) as = address_space_new(topo, root, "as64");
    g_autofree uint8_t *host = g_malloc0(0x2000);
    MemoryRegion *top = memory_region_new_ram_ptr(topo, "top", 0x1000, host);
    MemoryRegionSection sec;

    g_assert_cmphex(memory_region_size(root), ==, UINT64_MAX);
    mem_add(root, UINT64_MAX - 0xfff, top, 0);
    /* Reaches past 2^64 - 1: clipped, not wrapped around to 0. */
    mem_add(root, UINT64_MAX - 0x7ff,
            memory_region_new_ram_ptr(topo, "past", 0x1000, host + 0x1000),
            1);
    assert_view(as, "0xfffffffffffff000-0xfffffffffffff7ff top@0; "
                "0xfffffffffffff800-0xffffffffffffffff past@0");
    g_assert_true(address_space_lookup(as, UINT64_MAX, &sec));
    g_assert_cmpstr(memory_region_name(sec.mr), ==, "past");
    g_assert_false(address_space_lookup(as, 0, &sec));
}

static void test_whole_space_section(void)
{
    g_autoptr(MemoryTopology) topo = memory_topology_new();
    g_autoptr(MemoryRegion) root = memory_region_new_container(topo, "root",
                                                               UINT64_MAX);
    g_autoptr(AddressSpace) as = address_space_new(topo, root, "as64");
    static const MemoryRegionOps ops = { 0 };
    MemoryRegionSection sec;
    uint64_t size = 1;

    mem_add(root, 0, memory_region_new_io(topo, "all", UINT64_MAX, &ops,
                                          NULL), 0);
    assert_view(as, "0-0xffffffffffffffff all@0");
    g_assert_true(address_space_lookup(as, 0x1234, &sec));
    g_assert_false(memory_region_section_size(&sec, &size));
    g_assert_cmphex(size, ==, 1);       /* untouched */
    sec.offset_within_address_space = 1;
    g_assert_true(memory_region_section_size(&sec, &size));
    g_assert_cmphex(size, ==, UINT64_MAX);
}

static void test_lookup_many(MemFixture *f, gconstpointer data)
{
    g_autoptr(FlatView) view = NULL;
    MemoryRegionSection sec;

    memory_region_transaction_begin(f->topo);
    for (unsigned i = 0; i < 100; i++) {
        g_autofree char *name = g_strdup_printf("r%u", i);

        mem_add(f->root, i * 0x2000, mem_new_ram(f, name, 0x1000), 0);
    }
    memory_region_transaction_commit(f->topo);

    view = address_space_get_flatview(f->as);
    g_assert_cmpuint(flatview_nr_sections(view), ==, 100);
    for (unsigned i = 0; i < 100; i++) {
        g_autofree char *name = g_strdup_printf("r%u", i);

        g_assert_true(flatview_lookup(view, i * 0x2000 + 0xfff, &sec));
        g_assert_cmpstr(memory_region_name(sec.mr), ==, name);
        g_assert_cmphex(sec.offset_within_address_space, ==, i * 0x2000);
        g_assert_false(flatview_lookup(view, i * 0x2000 + 0x1000, &sec));
    }
}

static bool count_sections(MemoryRegionSection *sec, void *opaque)
{
    unsigned *n = opaque;

    return ++*n == 2;
}

static void test_for_each_stops(MemFixture *f, gconstpointer data)
{
    g_autoptr(FlatView) view = NULL;
    unsigned n = 0;

    for (unsigned i = 0; i < 4; i++) {
        mem_add(f->root, i * 0x2000, mem_new_ram(f, "r", 0x1000), 0);
    }
    view = address_space_get_flatview(f->as);
    flatview_for_each_section(view, count_sections, &n);
    g_assert_cmpuint(n, ==, 2);
}

static void test_view_outlives_change(MemFixture *f, gconstpointer data)
{
    MemoryRegion *ram = mem_add(f->root, 0x0, mem_new_ram(f, "ram", 0x1000),
                                0);
    g_autoptr(FlatView) old = address_space_get_flatview(f->as);
    g_autofree char *old_str = NULL;

    memory_region_del_subregion(f->root, ram);   /* the old view keeps it */
    assert_view(f->as, "");
    old_str = view_to_string(old);
    g_assert_cmpstr(old_str, ==, "0-0xfff ram@0");
}

#define ADD(path, fn) \
    g_test_add("/memory/flatview/" path, MemFixture, NULL, \
               mem_fixture_setup, fn, mem_fixture_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    ADD("empty-container", test_empty_container);
    ADD("ram-at-offset", test_ram_at_offset);
    ADD("higher-priority-wins", test_higher_priority_wins);
    ADD("lower-priority-shows-through", test_lower_priority_shows_through);
    ADD("equal-priority-later-wins", test_equal_priority_later_wins);
    ADD("move-makes-latest", test_move_makes_latest);
    ADD("move-same-address-keeps-order", test_move_same_address_keeps_order);
    ADD("clipped-by-container", test_clipped_by_container);
    ADD("nested-containers", test_nested_containers);
    ADD("container-gaps-unassigned", test_container_gaps_unassigned);
    ADD("alias-window", test_alias_window);
    ADD("alias-into-container", test_alias_into_container);
    ADD("alias-clipped-to-target", test_alias_clipped_to_target);
    ADD("alias-ignores-target-placement",
        test_alias_ignores_target_placement);
    ADD("alias-target-disabled", test_alias_target_disabled);
    ADD("disabled-hides-subtree", test_disabled_hides_subtree);
    ADD("readonly-propagates", test_readonly_propagates);
    ADD("ram-overlaid-by-subregion", test_ram_overlaid_by_subregion);
    ADD("adjacent-pieces-merge", test_adjacent_pieces_merge);
    ADD("kinds-in-sections", test_kinds_in_sections);
    ADD("size-zero-is-empty", test_size_zero_is_empty);
    ADD("lookup-many", test_lookup_many);
    ADD("for-each-stops", test_for_each_stops);
    ADD("view-outlives-change", test_view_outlives_change);
    g_test_add_func("/memory/flatview/full-64bit-space", test_full_64bit_space);
    g_test_add_func("/memory/flatview/whole-space-section",
                    test_whole_space_section);
    return g_test_run();
}
