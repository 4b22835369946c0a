/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory core: MemoryRegion kinds, accessors and reference counting.
 */
#include "test-memory-common.h"

static const MemoryRegionOps no_ops = { 0 };

static void count_destroy(void *data)
{
    (*(unsigned *)data)++;
}

static void test_kinds(MemFixture *f, gconstpointer data)
{
    g_autoptr(MemoryRegion) c = memory_region_new_container(f->topo, "c", 16);
    g_autoptr(MemoryRegion) ram = mem_new_ram(f, "ram", 0x1000);
    g_autoptr(MemoryRegion) bar =
        memory_region_new_ram_device_ptr(f->topo, "bar", 0x1000, f->host);
    g_autoptr(MemoryRegion) io =
        memory_region_new_io(f->topo, "io", 4, &no_ops, NULL);
    g_autoptr(MemoryRegion) alias =
        memory_region_new_alias(f->topo, "alias", ram, 0x10, 0x20);

    g_assert_false(memory_region_is_ram(c) || memory_region_is_io(c) ||
                   memory_region_is_alias(c));
    g_assert_true(memory_region_is_ram(ram));
    g_assert_false(memory_region_is_ram_device(ram));
    g_assert_true(memory_region_is_ram(bar));
    g_assert_true(memory_region_is_ram_device(bar));
    g_assert_true(memory_region_is_io(io));
    g_assert_false(memory_region_is_ram(io));
    g_assert_true(memory_region_is_alias(alias));
    g_assert_true(memory_region_get_alias(alias) == ram);
    g_assert_cmphex(memory_region_get_alias_offset(alias), ==, 0x10);
    g_assert_cmphex(memory_region_size(alias), ==, 0x20);
    g_assert_cmpstr(memory_region_name(io), ==, "io");
    g_assert_true(memory_region_topology(io) == f->topo);

    g_assert_true(memory_region_get_ram_ptr(bar) == f->host);
    g_assert_null(memory_region_get_ram_ptr(io));
    g_assert_null(memory_region_get_ram_ptr(alias));
    g_assert_true(memory_region_is_enabled(ram));
    g_assert_false(memory_region_is_readonly(ram));
    g_assert_false(memory_region_is_logging(ram));
}

static void test_ram_from_fd(MemFixture *f, gconstpointer data)
{
    g_autoptr(MemoryRegion) ram =
        memory_region_new_ram_from_fd(f->topo, "ram", 0x1000, f->host, 7,
                                      0x200000);
    g_autoptr(MemoryRegion) plain = mem_new_ram(f, "plain", 0x1000);
    uint64_t off = 1;

    g_assert_cmpint(memory_region_get_fd(ram, &off), ==, 7);
    g_assert_cmphex(off, ==, 0x200000);
    g_assert_cmpint(memory_region_get_fd(plain, &off), ==, -1);
    g_assert_cmphex(off, ==, 0);
    g_assert_cmpint(memory_region_get_fd(plain, NULL), ==, -1);
}

static void test_container_holds_reference(MemFixture *f, gconstpointer data)
{
    unsigned destroyed = 0;
    MemoryRegion *ram = mem_new_ram(f, "ram", 0x1000);

    memory_region_set_destroy_notify(ram, count_destroy, &destroyed);
    mem_add(f->root, 0x0, ram, 0);
    g_assert_cmpuint(destroyed, ==, 0);
    g_assert_true(memory_region_get_container(ram) == f->root);
    memory_region_del_subregion(f->root, ram);
    g_assert_cmpuint(destroyed, ==, 1);
}

static void test_view_holds_reference(MemFixture *f, gconstpointer data)
{
    unsigned destroyed = 0;
    MemoryRegion *ram = mem_new_ram(f, "ram", 0x1000);

    memory_region_set_destroy_notify(ram, count_destroy, &destroyed);
    mem_add(f->root, 0x0, ram, 0);
    memory_region_transaction_begin(f->topo);
    memory_region_del_subregion(f->root, ram);
    /* Still shown by the current view until the commit. */
    g_assert_cmpuint(destroyed, ==, 0);
    memory_region_transaction_commit(f->topo);
    g_assert_cmpuint(destroyed, ==, 1);
}

static void test_alias_holds_target(MemFixture *f, gconstpointer data)
{
    unsigned destroyed = 0;
    MemoryRegion *ram = mem_new_ram(f, "ram", 0x1000);
    MemoryRegion *alias = memory_region_new_alias(f->topo, "a", ram, 0,
                                                  0x1000);

    memory_region_set_destroy_notify(ram, count_destroy, &destroyed);
    memory_region_unref(ram);
    g_assert_cmpuint(destroyed, ==, 0);
    memory_region_unref(alias);
    g_assert_cmpuint(destroyed, ==, 1);
}

static void test_unref_container_releases_children(MemFixture *f,
                                                   gconstpointer data)
{
    unsigned destroyed = 0;
    MemoryRegion *c = memory_region_new_container(f->topo, "c", 0x10000);
    MemoryRegion *inner = memory_region_new_container(f->topo, "i", 0x1000);

    for (unsigned i = 0; i < 3; i++) {
        MemoryRegion *ram = mem_new_ram(f, "ram", 0x100);

        memory_region_set_destroy_notify(ram, count_destroy, &destroyed);
        mem_add(i ? c : inner, i * 0x1000, ram, 0);
    }
    memory_region_set_destroy_notify(inner, count_destroy, &destroyed);
    mem_add(c, 0x8000, inner, 0);
    memory_region_unref(c);
    g_assert_cmpuint(destroyed, ==, 4);
}

static void test_topology_outlives_creator(void)
{
    MemoryTopology *topo = memory_topology_new();
    MemoryRegion *root = memory_region_new_container(topo, "root", 0x1000);
    AddressSpace *as = address_space_new(topo, root, "as");

    memory_topology_unref(topo);            /* the objects keep it alive */
    memory_region_transaction_begin(memory_region_topology(root));
    memory_region_transaction_commit(memory_region_topology(root));
    address_space_free(as);
    memory_region_unref(root);              /* frees the topology */
}

static void test_subregion_placement(MemFixture *f, gconstpointer data)
{
    MemoryRegion *ram = mem_add(f->root, 0x3000, mem_new_ram(f, "r", 0x100),
                                -4);

    g_assert_cmphex(memory_region_get_address(ram), ==, 0x3000);
    g_assert_cmpint(memory_region_get_priority(ram), ==, -4);
    memory_region_set_address(ram, 0x5000);
    g_assert_cmpint(memory_region_get_priority(ram), ==, -4);
    assert_view(f->as, "0x5000-0x50ff r@0");
}

static void test_set_address_unparented(MemFixture *f, gconstpointer data)
{
    MemoryRegion *ram = mem_new_ram(f, "r", 0x100);

    memory_region_set_address(ram, 0x2000);
    g_assert_cmphex(memory_region_get_address(ram), ==, 0x2000);
    g_assert_null(memory_region_get_container(ram));
    mem_add(f->root, 0x4000, ram, 0);       /* the add sets the address */
    assert_view(f->as, "0x4000-0x40ff r@0");
}

static void test_add_twice_refused(MemFixture *f, gconstpointer data)
{
    g_autoptr(MemoryRegion) other =
        memory_region_new_container(f->topo, "other", 0x10000);
    MemoryRegion *ram = mem_add(f->root, 0x0, mem_new_ram(f, "r", 0x100), 0);

    g_test_expect_message("vfio-host-memory", G_LOG_LEVEL_CRITICAL,
                          "*container == NULL*");
    memory_region_add_subregion(other, 0x0, ram);
    g_test_assert_expected_messages();
    g_assert_true(memory_region_get_container(ram) == f->root);
}

static void test_other_topology_refused(MemFixture *f, gconstpointer data)
{
    g_autoptr(MemoryTopology) other = memory_topology_new();
    g_autoptr(MemoryRegion) foreign =
        memory_region_new_container(other, "foreign", 0x1000);

    g_test_expect_message("vfio-host-memory", G_LOG_LEVEL_CRITICAL,
                          "*topo*");
    memory_region_add_subregion(f->root, 0x0, foreign);
    g_test_assert_expected_messages();
    g_assert_null(memory_region_get_container(foreign));
}

static void test_cycle_refused(MemFixture *f, gconstpointer data)
{
    MemoryRegion *c = mem_add(f->root, 0x0,
                              memory_region_new_container(f->topo, "c",
                                                          0x1000), 0);
    MemoryRegion *alias = memory_region_new_alias(f->topo, "a", f->root, 0,
                                                  0x1000);
    MemoryRegion *d = memory_region_new_container(f->topo, "d", 0x1000);

    g_test_expect_message("vfio-host-memory", G_LOG_LEVEL_CRITICAL,
                          "*memory_region_shows*");
    memory_region_add_subregion(c, 0x0, f->root);      /* root under c */
    g_test_assert_expected_messages();

    g_test_expect_message("vfio-host-memory", G_LOG_LEVEL_CRITICAL,
                          "*memory_region_shows*");
    memory_region_add_subregion(c, 0x0, alias);        /* c shows root */
    g_test_assert_expected_messages();
    g_assert_null(memory_region_get_container(alias));

    g_test_expect_message("vfio-host-memory", G_LOG_LEVEL_CRITICAL,
                          "*memory_region_shows*");
    memory_region_add_subregion(d, 0x0, d);             /* itself */
    g_test_assert_expected_messages();
    memory_region_unref(alias);
    memory_region_unref(d);
    assert_view(f->as, "");
}

#define ADD(path, fn) \
    g_test_add("/memory/region/" path, MemFixture, NULL, \
               mem_fixture_setup, fn, mem_fixture_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    ADD("kinds", test_kinds);
    ADD("ram-from-fd", test_ram_from_fd);
    ADD("container-holds-reference", test_container_holds_reference);
    ADD("view-holds-reference", test_view_holds_reference);
    ADD("alias-holds-target", test_alias_holds_target);
    ADD("unref-container-releases-children",
        test_unref_container_releases_children);
    ADD("subregion-placement", test_subregion_placement);
    ADD("set-address-unparented", test_set_address_unparented);
    ADD("add-twice-refused", test_add_twice_refused);
    ADD("other-topology-refused", test_other_topology_refused);
    ADD("cycle-refused", test_cycle_refused);
    g_test_add_func("/memory/region/topology-outlives-creator",
                    test_topology_outlives_creator);
    return g_test_run();
}
