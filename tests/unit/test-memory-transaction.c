/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory core: transactions nest, render once, and belong to a topology.
 */
#include "test-memory-common.h"

typedef struct TxFixture {
    MemFixture mem;
    GPtrArray *log;
    Recorder a;
} TxFixture;

static void setup(TxFixture *f, gconstpointer data)
{
    mem_fixture_setup(&f->mem, data);
    f->log = event_log_new();
    recorder_init(&f->a, "A", 0, f->log);
    g_assert_true(memory_listener_register(&f->a.listener, f->mem.as, NULL));
    g_ptr_array_set_size(f->log, 0);
}

static void teardown(TxFixture *f, gconstpointer data)
{
    memory_listener_unregister_silent(&f->a.listener);
    mem_fixture_teardown(&f->mem, data);
    g_ptr_array_unref(f->log);
}

static void test_nested_emit_once(TxFixture *f, gconstpointer data)
{
    MemoryTopology *topo = f->mem.topo;

    memory_region_transaction_begin(topo);
    memory_region_transaction_begin(topo);
    g_assert_cmpuint(memory_region_transaction_depth(topo), ==, 2);
    mem_add(f->mem.root, 0x0, mem_new_ram(&f->mem, "r1", 0x1000), 0);
    memory_region_transaction_commit(topo);
    assert_events(f->log, "");
    mem_add(f->mem.root, 0x4000, mem_new_ram(&f->mem, "r2", 0x1000), 0);
    assert_events(f->log, "");
    memory_region_transaction_commit(topo);
    g_assert_cmpuint(memory_region_transaction_depth(topo), ==, 0);
    assert_events(f->log, "A begin\n"
                  "A add 0-0xfff r1@0\nA add 0x4000-0x4fff r2@0\n"
                  "A commit");
}

static void test_view_kept_until_commit(TxFixture *f, gconstpointer data)
{
    MemoryRegionSection sec;

    memory_region_transaction_begin(f->mem.topo);
    mem_add(f->mem.root, 0x0, mem_new_ram(&f->mem, "r1", 0x1000), 0);
    g_assert_false(address_space_lookup(f->mem.as, 0x0, &sec));
    assert_view(f->mem.as, "");
    memory_region_transaction_commit(f->mem.topo);
    g_assert_true(address_space_lookup(f->mem.as, 0x0, &sec));
}

static void test_add_then_del_is_silent(TxFixture *f, gconstpointer data)
{
    MemoryRegion *r1;

    memory_region_transaction_begin(f->mem.topo);
    r1 = mem_add(f->mem.root, 0x0, mem_new_ram(&f->mem, "r1", 0x1000), 0);
    memory_region_set_readonly(r1, true);
    memory_region_del_subregion(f->mem.root, r1);
    memory_region_transaction_commit(f->mem.topo);
    assert_events(f->log, "A begin\nA commit");
}

static void test_no_change_no_events(TxFixture *f, gconstpointer data)
{
    MemoryRegion *r1 = mem_add(f->mem.root, 0x0,
                               mem_new_ram(&f->mem, "r1", 0x1000), 0);

    g_ptr_array_set_size(f->log, 0);
    memory_region_transaction_begin(f->mem.topo);
    memory_region_transaction_commit(f->mem.topo);
    memory_region_set_enabled(r1, true);         /* already enabled */
    memory_region_set_readonly(r1, false);       /* already writable */
    memory_region_set_address(r1, 0x0);          /* already there */
    assert_events(f->log, "");
}

static void test_every_address_space_updated(TxFixture *f,
                                             gconstpointer data)
{
    g_autoptr(MemoryRegion) shared =
        memory_region_new_container(f->mem.topo, "shared", 0x10000);
    g_autoptr(AddressSpace) as2 = address_space_new(f->mem.topo, shared,
                                                    "as2");
    Recorder b;

    recorder_init(&b, "B", 0, f->log);
    g_assert_true(memory_listener_register(&b.listener, as2, NULL));
    mem_add(f->mem.root, 0x100000 - 0x10000, memory_region_ref(shared), 0);
    g_ptr_array_set_size(f->log, 0);

    /* One region shown by both address spaces, at different addresses. */
    mem_add(shared, 0x1000, mem_new_ram(&f->mem, "r1", 0x1000), 0);
    assert_events(f->log, "A begin\nA add 0xf1000-0xf1fff r1@0\nA commit\n"
                  "B begin\nB add 0x1000-0x1fff r1@0\nB commit");
    memory_listener_unregister_silent(&b.listener);
}

static void test_topologies_independent(TxFixture *f, gconstpointer data)
{
    g_autoptr(MemoryTopology) other = memory_topology_new();
    g_autoptr(MemoryRegion) root = memory_region_new_container(other, "r",
                                                               0x10000);
    g_autoptr(AddressSpace) as = address_space_new(other, root, "other");

    memory_region_transaction_begin(f->mem.topo);
    mem_add(root, 0x0, memory_region_new_ram_ptr(other, "o", 0x1000,
                                                 f->mem.host), 0);
    assert_view(as, "0-0xfff o@0");
    memory_region_transaction_commit(f->mem.topo);
    assert_events(f->log, "");
}

static void test_unpaired_commit(TxFixture *f, gconstpointer data)
{
    g_test_expect_message("vfio-host-memory", G_LOG_LEVEL_CRITICAL,
                          "*transaction_depth > 0*");
    memory_region_transaction_commit(f->mem.topo);
    g_test_assert_expected_messages();
    g_assert_cmpuint(memory_region_transaction_depth(f->mem.topo), ==, 0);
}

#define ADD(path, fn) \
    g_test_add("/memory/transaction/" path, TxFixture, NULL, setup, fn, \
               teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    ADD("nested-emit-once", test_nested_emit_once);
    ADD("view-kept-until-commit", test_view_kept_until_commit);
    ADD("add-then-del-is-silent", test_add_then_del_is_silent);
    ADD("no-change-no-events", test_no_change_no_events);
    ADD("every-address-space-updated", test_every_address_space_updated);
    ADD("topologies-independent", test_topologies_independent);
    ADD("unpaired-commit", test_unpaired_commit);
    return g_test_run();
}
