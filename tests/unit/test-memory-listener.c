/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory core: the MemoryListener contract (replay, ordering, deletions
 * before additions, unregistering, dirty logging).
 */
#include <string.h>

#include "test-memory-common.h"

typedef struct ListenerFixture {
    MemFixture mem;
    GPtrArray *log;
    Recorder a, b, c;
} ListenerFixture;

static void setup(ListenerFixture *f, gconstpointer data)
{
    mem_fixture_setup(&f->mem, data);
    f->log = event_log_new();
    recorder_init(&f->a, "A", 0, f->log);
    recorder_init(&f->b, "B", 5, f->log);
    recorder_init(&f->c, "C", 10, f->log);
}

static void teardown(ListenerFixture *f, gconstpointer data)
{
    memory_listener_unregister_silent(&f->a.listener);
    memory_listener_unregister_silent(&f->b.listener);
    memory_listener_unregister_silent(&f->c.listener);
    mem_fixture_teardown(&f->mem, data);
    g_ptr_array_unref(f->log);
}

static void reg(ListenerFixture *f, Recorder *r)
{
    g_assert_true(memory_listener_register(&r->listener, f->mem.as, NULL));
}

static void test_replay_reaches_only_new(ListenerFixture *f,
                                         gconstpointer data)
{
    reg(f, &f->a);
    mem_add(f->mem.root, 0x1000, mem_new_ram(&f->mem, "r1", 0x1000), 0);
    mem_add(f->mem.root, 0x4000, mem_new_ram(&f->mem, "r2", 0x1000), 0);
    g_ptr_array_set_size(f->log, 0);

    reg(f, &f->b);
    assert_events(f->log, "B begin\n"
                  "B add 0x1000-0x1fff r1@0\n"
                  "B add 0x4000-0x4fff r2@0\n"
                  "B commit");
}

static void test_priority_order(ListenerFixture *f, gconstpointer data)
{
    MemoryRegion *r1;

    r1 = mem_add(f->mem.root, 0x0, mem_new_ram(&f->mem, "r1", 0x1000), 0);
    reg(f, &f->c);
    reg(f, &f->a);
    reg(f, &f->b);          /* lands in the middle */
    g_ptr_array_set_size(f->log, 0);

    memory_region_set_address(r1, 0x2000);
    assert_events(f->log, "A begin\nB begin\nC begin\n"
                  "C del 0-0xfff r1@0\n"
                  "B del 0-0xfff r1@0\n"
                  "A del 0-0xfff r1@0\n"
                  "A add 0x2000-0x2fff r1@0\n"
                  "B add 0x2000-0x2fff r1@0\n"
                  "C add 0x2000-0x2fff r1@0\n"
                  "A commit\nB commit\nC commit");
}

static void test_equal_priority_registration_order(ListenerFixture *f,
                                                   gconstpointer data)
{
    f->c.listener.priority = 0;
    reg(f, &f->c);
    reg(f, &f->a);
    g_ptr_array_set_size(f->log, 0);

    mem_add(f->mem.root, 0x0, mem_new_ram(&f->mem, "r1", 0x1000), 0);
    assert_events(f->log, "C begin\nA begin\n"
                  "C add 0-0xfff r1@0\nA add 0-0xfff r1@0\n"
                  "C commit\nA commit");
}

static void test_del_before_add(ListenerFixture *f, gconstpointer data)
{
    MemoryRegion *r1, *r2;

    r1 = mem_add(f->mem.root, 0x0, mem_new_ram(&f->mem, "r1", 0x1000), 0);
    r2 = mem_add(f->mem.root, 0x8000, mem_new_ram(&f->mem, "r2", 0x1000), 0);
    reg(f, &f->a);
    g_ptr_array_set_size(f->log, 0);

    /* r2 moves below r1, r1 moves above: the new view interleaves. */
    memory_region_transaction_begin(f->mem.topo);
    memory_region_set_address(r2, 0x0);
    memory_region_set_address(r1, 0x8000);
    memory_region_transaction_commit(f->mem.topo);
    assert_events(f->log, "A begin\n"
                  "A del 0-0xfff r1@0\n"
                  "A del 0x8000-0x8fff r2@0\n"
                  "A add 0-0xfff r2@0\n"
                  "A add 0x8000-0x8fff r1@0\n"
                  "A commit");
}

static void test_partial_overlap_splits(ListenerFixture *f,
                                        gconstpointer data)
{
    mem_add(f->mem.root, 0x0, mem_new_ram(&f->mem, "big", 0x3000), 0);
    reg(f, &f->a);
    g_ptr_array_set_size(f->log, 0);

    mem_add(f->mem.root, 0x1000, mem_new_ram(&f->mem, "hole", 0x1000), 1);
    assert_events(f->log, "A begin\n"
                  "A del 0-0x2fff big@0\n"
                  "A add 0-0xfff big@0\n"
                  "A add 0x1000-0x1fff hole@0\n"
                  "A add 0x2000-0x2fff big@0x2000\n"
                  "A commit");
}

static void test_unchanged_sections_silent(ListenerFixture *f,
                                           gconstpointer data)
{
    MemoryRegion *r2;

    mem_add(f->mem.root, 0x0, mem_new_ram(&f->mem, "r1", 0x1000), 0);
    r2 = mem_add(f->mem.root, 0x4000, mem_new_ram(&f->mem, "r2", 0x1000), 0);
    mem_add(f->mem.root, 0x8000, mem_new_ram(&f->mem, "r3", 0x1000), 0);
    reg(f, &f->a);
    g_ptr_array_set_size(f->log, 0);

    memory_region_set_readonly(r2, true);
    assert_events(f->log, "A begin\n"
                  "A del 0x4000-0x4fff r2@0\n"
                  "A add 0x4000-0x4fff r2@0 ro\n"
                  "A commit");
}

static void test_section_fields(ListenerFixture *f, gconstpointer data)
{
    static const MemoryRegionOps ops = { 0 };
    g_autoptr(FlatView) view = NULL;
    MemoryRegionSection sec;

    mem_add(f->mem.root, 0x0,
            memory_region_new_ram_device_ptr(f->mem.topo, "bar", 0x1000,
                                             mem_fixture_host(&f->mem,
                                                              0x1000)), 0);
    mem_add(f->mem.root, 0x1000,
            memory_region_new_io(f->mem.topo, "io", 0x1000, &ops, NULL), 0);
    view = address_space_get_flatview(f->mem.as);
    g_assert_cmpuint(flatview_nr_sections(view), ==, 2);
    flatview_get_section(view, 0, &sec);
    g_assert_true(sec.is_ram && sec.is_ram_device && !sec.readonly);
    flatview_get_section(view, 1, &sec);
    g_assert_true(!sec.is_ram && !sec.is_ram_device);
    g_assert_cmphex(sec.offset_within_address_space, ==, 0x1000);
    g_assert_cmphex(sec.last_within_address_space, ==, 0x1fff);
}

static void test_unregister_replays_del(ListenerFixture *f,
                                        gconstpointer data)
{
    MemoryRegion *r1;

    r1 = mem_add(f->mem.root, 0x0, mem_new_ram(&f->mem, "r1", 0x1000), 0);
    mem_add(f->mem.root, 0x4000, mem_new_ram(&f->mem, "r2", 0x1000), 0);
    memory_region_set_log(r1, true);
    reg(f, &f->a);
    reg(f, &f->b);
    assert_events(f->log, "A begin\n"
                  "A add 0-0xfff r1@0 log\nA log_start 0-0xfff r1@0 log\n"
                  "A add 0x4000-0x4fff r2@0\n"
                  "A commit\n"
                  "B begin\n"
                  "B add 0-0xfff r1@0 log\nB log_start 0-0xfff r1@0 log\n"
                  "B add 0x4000-0x4fff r2@0\n"
                  "B commit");

    memory_listener_unregister(&f->a.listener);
    assert_events(f->log, "A begin\n"
                  "A log_stop 0-0xfff r1@0 log\nA del 0-0xfff r1@0 log\n"
                  "A del 0x4000-0x4fff r2@0\n"
                  "A commit");
    g_assert_null(f->a.listener.address_space);

    mem_add(f->mem.root, 0x8000, mem_new_ram(&f->mem, "r3", 0x1000), 0);
    assert_events(f->log, "B begin\nB add 0x8000-0x8fff r3@0\nB commit");
}

static void test_unregister_silent(ListenerFixture *f, gconstpointer data)
{
    mem_add(f->mem.root, 0x0, mem_new_ram(&f->mem, "r1", 0x1000), 0);
    reg(f, &f->a);
    g_ptr_array_set_size(f->log, 0);

    memory_listener_unregister_silent(&f->a.listener);
    mem_add(f->mem.root, 0x4000, mem_new_ram(&f->mem, "r2", 0x1000), 0);
    assert_events(f->log, "");

    reg(f, &f->a);      /* and it can come back, with a fresh replay */
    assert_events(f->log, "A begin\n"
                  "A add 0-0xfff r1@0\nA add 0x4000-0x4fff r2@0\n"
                  "A commit");
}

static void test_register_twice_fails(ListenerFixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    reg(f, &f->a);
    g_assert_false(memory_listener_register(&f->a.listener, f->mem.as,
                                            &err));
    g_assert_error(err, MEMORY_ERROR, EBUSY);
}

typedef struct Reentrant {
    MemoryListener listener;
    AddressSpace *as;
    MemoryListener *other;
    MemoryRegion *to_disable;
    GError *err;
    bool refused;
} Reentrant;

static void reentrant_add(MemoryListener *l, MemoryRegionSection *sec)
{
    Reentrant *r = (Reentrant *)l;

    if (r->other && !r->refused) {
        r->refused = !memory_listener_register(r->other, r->as, &r->err);
    }
    if (r->to_disable) {
        /* A change from a callback: rendered in a further round. */
        memory_region_set_enabled(r->to_disable, false);
        r->to_disable = NULL;
    }
}

static void test_register_from_callback_fails(ListenerFixture *f,
                                              gconstpointer data)
{
    Reentrant r = {
        .listener = { .region_add = reentrant_add, .name = "re" },
        .as = f->mem.as,
        .other = &f->b.listener,
    };

    reg(f, &f->a);
    g_assert_true(memory_listener_register(&r.listener, f->mem.as, NULL));
    mem_add(f->mem.root, 0x0, mem_new_ram(&f->mem, "r1", 0x1000), 0);
    g_assert_true(r.refused);
    g_assert_error(r.err, MEMORY_ERROR, EBUSY);
    g_assert_null(f->b.listener.address_space);
    g_clear_error(&r.err);
    memory_listener_unregister_silent(&r.listener);
}

static void test_callback_change_deferred(ListenerFixture *f,
                                          gconstpointer data)
{
    MemoryRegion *r2 = mem_add(f->mem.root, 0x4000,
                               mem_new_ram(&f->mem, "r2", 0x1000), 0);
    Reentrant r = {
        .listener = { .region_add = reentrant_add, .priority = -1 },
        .as = f->mem.as,
    };

    g_assert_true(memory_listener_register(&r.listener, f->mem.as, NULL));
    reg(f, &f->a);
    g_ptr_array_set_size(f->log, 0);

    r.to_disable = r2;
    mem_add(f->mem.root, 0x0, mem_new_ram(&f->mem, "r1", 0x1000), 0);
    assert_events(f->log, "A begin\nA add 0-0xfff r1@0\nA commit\n"
                  "A begin\nA del 0x4000-0x4fff r2@0\nA commit");
    assert_view(f->mem.as, "0-0xfff r1@0");
    memory_listener_unregister_silent(&r.listener);
}

static void test_address_spaces_separate(ListenerFixture *f,
                                         gconstpointer data)
{
    g_autoptr(MemoryRegion) root2 =
        memory_region_new_container(f->mem.topo, "root2", 0x10000);
    g_autoptr(AddressSpace) as2 = address_space_new(f->mem.topo, root2,
                                                    "as2");

    reg(f, &f->a);
    g_assert_true(memory_listener_register(&f->b.listener, as2, NULL));
    g_ptr_array_set_size(f->log, 0);

    mem_add(root2, 0x0, mem_new_ram(&f->mem, "r1", 0x1000), 0);
    assert_events(f->log, "A begin\nA commit\n"
                  "B begin\nB add 0-0xfff r1@0\nB commit");

    /* Freeing the address space drops its listeners without callbacks. */
    address_space_free(g_steal_pointer(&as2));
    g_assert_null(f->b.listener.address_space);
    assert_events(f->log, "");
}

static void test_set_log(ListenerFixture *f, gconstpointer data)
{
    MemoryRegion *r1;

    r1 = mem_add(f->mem.root, 0x0, mem_new_ram(&f->mem, "r1", 0x1000), 0);
    mem_add(f->mem.root, 0x4000, mem_new_ram(&f->mem, "r2", 0x1000), 0);
    reg(f, &f->a);
    reg(f, &f->c);
    g_ptr_array_set_size(f->log, 0);

    memory_region_set_log(r1, true);
    g_assert_true(memory_region_is_logging(r1));
    assert_events(f->log, "A begin\nC begin\n"
                  "A nop 0-0xfff r1@0 log\nC nop 0-0xfff r1@0 log\n"
                  "A log_start 0-0xfff r1@0 log\n"
                  "C log_start 0-0xfff r1@0 log\n"
                  "A commit\nC commit");

    memory_region_set_log(r1, false);
    assert_events(f->log, "A begin\nC begin\n"
                  "A nop 0-0xfff r1@0\nC nop 0-0xfff r1@0\n"
                  "C log_stop 0-0xfff r1@0\nA log_stop 0-0xfff r1@0\n"
                  "A commit\nC commit");
}

static void test_logged_section_brackets(ListenerFixture *f,
                                         gconstpointer data)
{
    MemoryRegion *r1;

    r1 = mem_add(f->mem.root, 0x0, mem_new_ram(&f->mem, "r1", 0x1000), 0);
    memory_region_set_log(r1, true);
    reg(f, &f->a);
    reg(f, &f->b);
    g_ptr_array_set_size(f->log, 0);

    memory_region_set_address(r1, 0x2000);
    assert_events(f->log, "A begin\nB begin\n"
                  "B log_stop 0-0xfff r1@0 log\nA log_stop 0-0xfff r1@0 log\n"
                  "B del 0-0xfff r1@0 log\nA del 0-0xfff r1@0 log\n"
                  "A add 0x2000-0x2fff r1@0 log\nB add 0x2000-0x2fff r1@0 log\n"
                  "A log_start 0x2000-0x2fff r1@0 log\n"
                  "B log_start 0x2000-0x2fff r1@0 log\n"
                  "A commit\nB commit");
}

static void test_global_dirty_log(ListenerFixture *f, gconstpointer data)
{
    static const MemoryRegionOps ops = { 0 };

    mem_add(f->mem.root, 0x0, mem_new_ram(&f->mem, "ram", 0x1000), 0);
    mem_add(f->mem.root, 0x1000,
            memory_region_new_ram_device_ptr(f->mem.topo, "bar", 0x1000,
                                             mem_fixture_host(&f->mem,
                                                              0x1000)), 0);
    mem_add(f->mem.root, 0x2000,
            memory_region_new_io(f->mem.topo, "io", 0x1000, &ops, NULL), 0);
    reg(f, &f->a);
    g_ptr_array_set_size(f->log, 0);

    /* Only plain RAM is logged by the global switch. */
    g_assert_true(memory_global_dirty_log_start(f->mem.topo, NULL));
    g_assert_true(memory_global_dirty_log_is_on(f->mem.topo));
    assert_events(f->log, "A begin\nA nop 0-0xfff ram@0 log\n"
                  "A log_start 0-0xfff ram@0 log\nA commit\n"
                  "A global_start");

    /* A listener registered meanwhile is started before its replay. */
    reg(f, &f->b);
    assert_events(f->log, "B global_start\nB begin\n"
                  "B add 0-0xfff ram@0 log\nB log_start 0-0xfff ram@0 log\n"
                  "B add 0x1000-0x1fff bar@0\nB add 0x2000-0x2fff io@0\n"
                  "B commit");

    memory_global_dirty_log_sync(f->mem.topo);
    assert_events(f->log, "A log_sync 0-0xfff ram@0 log\n"
                  "B log_sync 0-0xfff ram@0 log");

    memory_global_dirty_log_stop(f->mem.topo);
    g_assert_false(memory_global_dirty_log_is_on(f->mem.topo));
    assert_events(f->log, "A begin\nB begin\n"
                  "A nop 0-0xfff ram@0\nB nop 0-0xfff ram@0\n"
                  "B log_stop 0-0xfff ram@0\nA log_stop 0-0xfff ram@0\n"
                  "A commit\nB commit\n"
                  "B global_stop\nA global_stop");

    memory_global_dirty_log_stop(f->mem.topo);   /* already off: no-op */
    assert_events(f->log, "");
}

static void test_global_start_twice_fails(ListenerFixture *f,
                                          gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(memory_global_dirty_log_start(f->mem.topo, NULL));
    g_assert_false(memory_global_dirty_log_start(f->mem.topo, &err));
    g_assert_error(err, MEMORY_ERROR, EALREADY);
    memory_global_dirty_log_stop(f->mem.topo);
}

static void test_global_start_failure_rolls_back(ListenerFixture *f,
                                                 gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    mem_add(f->mem.root, 0x0, mem_new_ram(&f->mem, "ram", 0x1000), 0);
    reg(f, &f->a);
    reg(f, &f->b);
    reg(f, &f->c);
    f->b.fail_global_start = true;
    g_ptr_array_set_size(f->log, 0);

    g_assert_false(memory_global_dirty_log_start(f->mem.topo, &err));
    g_assert_error(err, MEMORY_ERROR, EIO);
    g_assert_nonnull(strstr(err->message, "B refuses"));
    g_assert_false(memory_global_dirty_log_is_on(f->mem.topo));
    assert_events(f->log, "A begin\nB begin\nC begin\n"
                  "A nop 0-0xfff ram@0 log\nB nop 0-0xfff ram@0 log\n"
                  "C nop 0-0xfff ram@0 log\n"
                  "A log_start 0-0xfff ram@0 log\n"
                  "B log_start 0-0xfff ram@0 log\n"
                  "C log_start 0-0xfff ram@0 log\n"
                  "A commit\nB commit\nC commit\n"
                  "A global_start\nB global_start\nA global_stop\n"
                  "A begin\nB begin\nC begin\n"
                  "A nop 0-0xfff ram@0\nB nop 0-0xfff ram@0\n"
                  "C nop 0-0xfff ram@0\n"
                  "C log_stop 0-0xfff ram@0\nB log_stop 0-0xfff ram@0\n"
                  "A log_stop 0-0xfff ram@0\n"
                  "A commit\nB commit\nC commit");
}

static void test_register_fails_if_global_start_fails(ListenerFixture *f,
                                                      gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    mem_add(f->mem.root, 0x0, mem_new_ram(&f->mem, "ram", 0x1000), 0);
    g_assert_true(memory_global_dirty_log_start(f->mem.topo, NULL));
    f->a.fail_global_start = true;
    g_assert_false(memory_listener_register(&f->a.listener, f->mem.as,
                                            &err));
    g_assert_error(err, MEMORY_ERROR, EIO);
    g_assert_null(f->a.listener.address_space);
    assert_events(f->log, "A global_start");
    memory_global_dirty_log_stop(f->mem.topo);
}

static void test_null_callbacks(ListenerFixture *f, gconstpointer data)
{
    MemoryListener bare = { .name = "bare" };
    MemoryRegion *r1;

    g_assert_true(memory_listener_register(&bare, f->mem.as, NULL));
    r1 = mem_add(f->mem.root, 0x0, mem_new_ram(&f->mem, "r1", 0x1000), 0);
    memory_region_set_log(r1, true);
    g_assert_true(memory_global_dirty_log_start(f->mem.topo, NULL));
    memory_global_dirty_log_sync(f->mem.topo);
    memory_global_dirty_log_stop(f->mem.topo);
    memory_listener_unregister(&bare);
}

#define ADD(path, fn) \
    g_test_add("/memory/listener/" path, ListenerFixture, NULL, setup, fn, \
               teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    ADD("replay-reaches-only-new", test_replay_reaches_only_new);
    ADD("priority-order", test_priority_order);
    ADD("equal-priority-registration-order",
        test_equal_priority_registration_order);
    ADD("del-before-add", test_del_before_add);
    ADD("partial-overlap-splits", test_partial_overlap_splits);
    ADD("unchanged-sections-silent", test_unchanged_sections_silent);
    ADD("section-fields", test_section_fields);
    ADD("unregister-replays-del", test_unregister_replays_del);
    ADD("unregister-silent", test_unregister_silent);
    ADD("register-twice-fails", test_register_twice_fails);
    ADD("register-from-callback-fails", test_register_from_callback_fails);
    ADD("callback-change-deferred", test_callback_change_deferred);
    ADD("address-spaces-separate", test_address_spaces_separate);
    ADD("set-log", test_set_log);
    ADD("logged-section-brackets", test_logged_section_brackets);
    ADD("global-dirty-log", test_global_dirty_log);
    ADD("global-start-twice-fails", test_global_start_twice_fails);
    ADD("global-start-failure-rolls-back",
        test_global_start_failure_rolls_back);
    ADD("register-fails-if-global-start-fails",
        test_register_fails_if_global_start_fails);
    ADD("null-callbacks", test_null_callbacks);
    return g_test_run();
}
