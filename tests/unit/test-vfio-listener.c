/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the per-AddressSpace listener (hw/vfio/address-space.c)
 * with a fake container class that records every op and keeps its own
 * "kernel" view of what is mapped: the MAP / COPY / MAP_DMA choice, the
 * copy-to-map fallback, source re-election, the replay for a joining
 * container alone (zero ops on the others), leaving, the failure policy
 * (join failure undone, runtime break reported, ram_device warned once),
 * a fail-nth sweep over the join, dirty tracking, counters and the
 * x-query-vfio JSON.
 */
#include <errno.h>
#include <glib/gstdio.h>
#include <sys/mman.h>

#include "hw/vfio/vfio-address-space.h"
#include "hw/vfio/vfio-container.h"
#include "hw/vfio/vfio-context.h"
#include "hw/vfio/vfio-query.h"
#include "util/error.h"
#include "util/trace.h"

#define MiB (1024 * 1024ULL)

/* ---- the fake backend --------------------------------------------------- */

/*
 * FakeContainer: an iommufd-like container (copy domain = @domain, an
 * arbitrary pointer standing for an IOMMUFDBackend).  FakeLegacy: a
 * subclass with no copy domain whose maps are called map_dma.
 */
#define FAKE_TYPE_CONTAINER (fake_container_get_type())
G_DECLARE_DERIVABLE_TYPE(FakeContainer, fake_container, FAKE, CONTAINER,
                         VFIOContainer)
struct _FakeContainerClass {
    VFIOContainerClass parent_class;
};

typedef struct FakeContainerPrivate {
    gconstpointer domain;
    GPtrArray *log;         /* shared by the fakes of a test */
    IntervalSet *kernel;    /* what the fake "kernel" has mapped */
    int fail_nth;           /* fail the Nth map/copy from now (0: never) */
    int ops;                /* maps and copies seen */
    bool fail_copy;         /* every copy fails */
    bool fail_map;          /* every map fails */
    bool fail_dirty;        /* set_dirty_tracking fails */
    bool dirty;
} FakeContainerPrivate;

G_DEFINE_TYPE_WITH_PRIVATE(FakeContainer, fake_container, VFIO_TYPE_CONTAINER)

#define FAKE_TYPE_LEGACY (fake_legacy_get_type())
G_DECLARE_FINAL_TYPE(FakeLegacy, fake_legacy, FAKE, LEGACY, FakeContainer)
struct _FakeLegacy {
    FakeContainer parent;
};
G_DEFINE_TYPE(FakeLegacy, fake_legacy, FAKE_TYPE_CONTAINER)

static FakeContainerPrivate *fake(VFIOContainer *c)
{
    return fake_container_get_instance_private(FAKE_CONTAINER(c));
}

static void fake_log(VFIOContainer *c, const char *what, const Range *r)
{
    g_ptr_array_add(fake(c)->log,
                    g_strdup_printf("%u %s %#" G_GINT64_MODIFIER "x-%#"
                                    G_GINT64_MODIFIER "x", c->id, what,
                                    r->start, r->last));
}

/* Count an op; true if this one must fail. */
static bool fake_op_fails(VFIOContainer *c)
{
    FakeContainerPrivate *p = fake(c);

    p->ops++;
    if (p->fail_nth && --p->fail_nth == 0) {
        return true;
    }
    return false;
}

static bool fake_dma_map(VFIOContainer *c, const Range *iova, void *vaddr,
                         bool readonly, GError **errp)
{
    FakeContainerPrivate *p = fake(c);
    g_autoptr(IntervalSet) probe = interval_set_new();

    vfio_container_count(c, p->domain ? VFIO_IOCTL_IOAS_MAP
                                      : VFIO_IOCTL_MAP_DMA);
    fake_log(c, p->domain ? "map" : "map_dma", iova);
    interval_set_insert(probe, iova);
    interval_set_intersect(probe, p->kernel);
    if (interval_set_count(probe)) {
        g_set_error(errp, VFIO_ERROR, EEXIST, "fake %u: overlap", c->id);
        return false;
    }
    if (fake_op_fails(c) || p->fail_map) {
        g_set_error(errp, VFIO_ERROR, ENOMEM, "fake %u: map fails", c->id);
        return false;
    }
    interval_set_insert(p->kernel, iova);
    return true;
}

static gconstpointer fake_copy_domain(VFIOContainer *c)
{
    return fake(c)->domain;
}

static bool fake_dma_copy(VFIOContainer *dst, VFIOContainer *src,
                          const Range *iova, bool readonly, GError **errp)
{
    FakeContainerPrivate *p = fake(dst);
    g_autofree char *what = g_strdup_printf("copy<%u", src->id);

    vfio_container_count(dst, VFIO_IOCTL_IOAS_COPY);
    fake_log(dst, what, iova);
    g_assert(fake(src)->domain == p->domain);
    /* The kernel's rule: the source range must be fully mapped */
    if (!interval_set_covers(fake(src)->kernel, iova)) {
        g_set_error(errp, VFIO_ERROR, ENOENT, "fake: source not mapped");
        return false;
    }
    if (fake_op_fails(dst) || p->fail_copy) {
        g_set_error(errp, VFIO_ERROR, EIO, "fake %u: copy fails", dst->id);
        return false;
    }
    interval_set_insert(p->kernel, iova);
    return true;
}

static bool fake_dma_unmap(VFIOContainer *c, const Range *iova,
                           GError **errp)
{
    FakeContainerPrivate *p = fake(c);

    vfio_container_count(c, p->domain ? VFIO_IOCTL_IOAS_UNMAP
                                      : VFIO_IOCTL_UNMAP_DMA);
    fake_log(c, "unmap", iova);
    g_assert_true(interval_set_covers(p->kernel, iova));
    interval_set_remove(p->kernel, iova);
    return true;
}

static bool fake_get_iova_ranges(VFIOContainer *c, GError **errp)
{
    return true;
}

static bool fake_set_dirty_tracking(VFIOContainer *c, bool start,
                                    GError **errp)
{
    Range none = range_make(0, 0);

    fake_log(c, start ? "dirty-start" : "dirty-stop", &none);
    if (fake(c)->fail_dirty) {
        g_set_error(errp, VFIO_ERROR, EOPNOTSUPP, "fake %u: no dirty", c->id);
        return false;
    }
    fake(c)->dirty = start;
    return true;
}

/* Every mapped page is dirty, as type1 reports for IOMMU-backed groups */
static bool fake_query_dirty_bitmap(VFIOContainer *c, const Range *iova,
                                    uint64_t pgsize, uint64_t *bitmap,
                                    GError **errp)
{
    uint64_t npages = (iova->last - iova->start + 1) / pgsize;

    for (uint64_t n = 0; n < npages; n++) {
        if (interval_set_contains(fake(c)->kernel, iova->start + n * pgsize)) {
            bitmap[n / 64] |= 1ULL << (n % 64);
        }
    }
    return true;
}

static void fake_describe(VFIOContainer *c, JsonBuilder *b)
{
    json_builder_set_member_name(b, "fake");
    json_builder_add_boolean_value(b, TRUE);
}

static void fake_container_finalize(GObject *obj)
{
    interval_set_free(fake(VFIO_CONTAINER(obj))->kernel);
    G_OBJECT_CLASS(fake_container_parent_class)->finalize(obj);
}

static void fake_container_class_init(FakeContainerClass *klass)
{
    VFIOContainerClass *vc = VFIO_CONTAINER_CLASS(klass);

    G_OBJECT_CLASS(klass)->finalize = fake_container_finalize;
    vc->backend_name = "fake";
    vc->map_origin = VFIO_MAPPING_MAP;
    vc->dma_map = fake_dma_map;
    vc->copy_domain = fake_copy_domain;
    vc->dma_copy = fake_dma_copy;
    vc->dma_unmap = fake_dma_unmap;
    vc->get_iova_ranges = fake_get_iova_ranges;
    vc->set_dirty_tracking = fake_set_dirty_tracking;
    vc->query_dirty_bitmap = fake_query_dirty_bitmap;
    vc->describe = fake_describe;
}

static void fake_container_init(FakeContainer *c)
{
    fake(VFIO_CONTAINER(c))->kernel = interval_set_new();
}

static void fake_legacy_class_init(FakeLegacyClass *klass)
{
    VFIOContainerClass *vc = VFIO_CONTAINER_CLASS(klass);

    vc->backend_name = "fake-legacy";
    vc->map_origin = VFIO_MAPPING_MAP_DMA;
    vc->copy_domain = NULL;
    vc->dma_copy = NULL;
}

static void fake_legacy_init(FakeLegacy *c)
{
}

/* ---- the fixture -------------------------------------------------------- */

typedef struct Fixture {
    MemoryTopology *topo;
    MemoryRegion *root;
    AddressSpace *as;
    VFIOContext *ctx;
    VFIOAddressSpace *space;
    GPtrArray *log;
    GPtrArray *fakes;       /* VFIOContainer *, a reference each */
    uint8_t *host;          /* 64 MiB of reserved host address space */
    int hook_calls;
    VFIOContainer *hook_container;
} Fixture;

#define HOST_SIZE (64 * MiB)

static void hook(VFIOContext *ctx, VFIOContainer *c, const GError *err,
                 gpointer opaque)
{
    Fixture *f = opaque;

    f->hook_calls++;
    f->hook_container = c;
}

/* RAM named @name at @gpa, backed by @host_off into the host area. */
static MemoryRegion *add_ram(Fixture *f, const char *name, uint64_t gpa,
                             uint64_t size, uint64_t host_off)
{
    MemoryRegion *r = memory_region_new_ram_ptr(f->topo, name, size,
                                                f->host + host_off);

    memory_region_add_subregion(f->root, gpa, r);
    memory_region_unref(r);
    return r;
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    f->topo = memory_topology_new();
    f->root = memory_region_new_container(f->topo, "system", UINT64_MAX);
    f->host = mmap(NULL, HOST_SIZE, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    g_assert(f->host != MAP_FAILED);
    /* Two RAM sections: 0-1M and 16M-18M */
    add_ram(f, "ram-low", 0, MiB, 0);
    add_ram(f, "ram-high", 16 * MiB, 2 * MiB, MiB);
    f->as = address_space_new(f->topo, f->root, "memory");
    f->ctx = vfio_context_new();
    vfio_context_set_error_hook(f->ctx, hook, f);
    f->space = vfio_context_get_address_space(f->ctx, f->as);
    f->log = g_ptr_array_new_with_free_func(g_free);
    f->fakes = g_ptr_array_new();
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    for (guint i = 0; i < f->fakes->len; i++) {
        VFIOContainer *c = g_ptr_array_index(f->fakes, i);

        if (c->space) {
            vfio_address_space_remove_container(c);
        }
        g_object_unref(c);
    }
    g_ptr_array_unref(f->fakes);
    vfio_address_space_release_if_unused(f->space);
    vfio_context_free(f->ctx);
    address_space_free(f->as);
    memory_region_unref(f->root);
    memory_topology_unref(f->topo);
    munmap(f->host, HOST_SIZE);
    g_ptr_array_unref(f->log);
}

static VFIOContainer *new_fake(Fixture *f, GType type, gconstpointer domain)
{
    VFIOContainer *c = g_object_new(type, NULL);

    vfio_container_setup(c, f->ctx);
    fake(c)->domain = domain;
    fake(c)->log = f->log;
    g_ptr_array_add(f->fakes, c);
    return c;
}

static VFIOContainer *join(Fixture *f, GType type, gconstpointer domain)
{
    VFIOContainer *c = new_fake(f, type, domain);
    g_autoptr(GError) err = NULL;

    g_assert_true(vfio_address_space_add_container(f->space, c, &err));
    g_assert_no_error(err);
    return c;
}

/* The log since the last call, as "A; B; C", then cleared. */
static char *take_log(Fixture *f)
{
    g_autofree char **v = g_new0(char *, f->log->len + 1);
    char *s;

    for (guint i = 0; i < f->log->len; i++) {
        v[i] = g_ptr_array_index(f->log, i);
    }
    s = g_strjoinv("; ", v);
    g_ptr_array_set_size(f->log, 0);
    return s;
}

static void clear_log(Fixture *f)
{
    g_ptr_array_set_size(f->log, 0);
}

#define assert_log(f, want) do { \
        g_autofree char *log_ = take_log(f); \
        g_assert_cmpstr(log_, ==, (want)); \
    } while (0)

static const char *origin_at(VFIOContainer *c, uint64_t iova)
{
    const VFIOMapping *m = vfio_container_find_mapping(c, iova);

    return m ? vfio_mapping_origin_name(m->origin) : "none";
}

static int dom_a, dom_b;    /* two "iommufd objects" */
#define DOM_A ((gconstpointer)&dom_a)
#define DOM_B ((gconstpointer)&dom_b)

/* ---- tests -------------------------------------------------------------- */

static void test_map_copy_map_dma(Fixture *f, gconstpointer data)
{
    VFIOContainer *c1, *c2, *c3, *c4;

    g_assert_false(vfio_address_space_listening(f->space));
    c1 = join(f, FAKE_TYPE_CONTAINER, DOM_A);
    g_assert_true(vfio_address_space_listening(f->space));
    assert_log(f, "1 map 0-0xfffff; 1 map 0x1000000-0x11fffff");
    c2 = join(f, FAKE_TYPE_CONTAINER, DOM_A);
    assert_log(f, "2 copy<1 0-0xfffff; 2 copy<1 0x1000000-0x11fffff");
    c3 = join(f, FAKE_TYPE_CONTAINER, DOM_B);
    assert_log(f, "3 map 0-0xfffff; 3 map 0x1000000-0x11fffff");
    c4 = join(f, FAKE_TYPE_LEGACY, NULL);
    assert_log(f, "4 map_dma 0-0xfffff; 4 map_dma 0x1000000-0x11fffff");

    g_assert_cmpstr(origin_at(c1, 0), ==, "map");
    g_assert_cmpstr(origin_at(c2, 0), ==, "copy");
    g_assert_cmpuint(vfio_container_find_mapping(c2, 0)->source_id, ==,
                     c1->id);
    g_assert_cmpstr(origin_at(c3, 0x1000000), ==, "map");
    g_assert_cmpstr(origin_at(c4, 0x11fffff), ==, "map_dma");
    g_assert_true(vfio_address_space_copy_source(f->space, c2) == c1);
    g_assert_null(vfio_address_space_copy_source(f->space, c1));
    g_assert_null(vfio_address_space_copy_source(f->space, c3));
    g_assert_null(vfio_address_space_copy_source(f->space, c4));
    /* Counters: one map per RAM section in c1, one copy each in c2 */
    g_assert_cmpuint(c1->counters.n[VFIO_IOCTL_IOAS_MAP], ==, 2);
    g_assert_cmpuint(c1->counters.n[VFIO_IOCTL_IOAS_COPY], ==, 0);
    g_assert_cmpuint(c2->counters.n[VFIO_IOCTL_IOAS_MAP], ==, 0);
    g_assert_cmpuint(c2->counters.n[VFIO_IOCTL_IOAS_COPY], ==, 2);
    g_assert_cmpuint(c4->counters.n[VFIO_IOCTL_MAP_DMA], ==, 2);
}

static void test_hotplug_ram(Fixture *f, gconstpointer data)
{
    VFIOContainer *c1, *c2, *c4;
    MemoryRegion *dimm;

    c1 = join(f, FAKE_TYPE_CONTAINER, DOM_A);
    c2 = join(f, FAKE_TYPE_CONTAINER, DOM_A);
    c4 = join(f, FAKE_TYPE_LEGACY, NULL);
    clear_log(f);
    /* A dimm-like subregion, added in a transaction */
    memory_region_transaction_begin(f->topo);
    dimm = add_ram(f, "dimm0", 32 * MiB, 4 * MiB, 8 * MiB);
    memory_region_transaction_commit(f->topo);
    assert_log(f, "1 map 0x2000000-0x23fffff; 2 copy<1 0x2000000-0x23fffff; "
               "3 map_dma 0x2000000-0x23fffff");
    g_assert_cmpstr(origin_at(c2, 0x2000000), ==, "copy");
    g_assert_cmphex(vfio_container_find_mapping(c1, 0x2000000)->vaddr, ==,
                    (uintptr_t)(f->host + 8 * MiB));
    /* Removing it unmaps it everywhere */
    memory_region_del_subregion(f->root, dimm);
    assert_log(f, "1 unmap 0x2000000-0x23fffff; 2 unmap 0x2000000-0x23fffff; "
               "3 unmap 0x2000000-0x23fffff");
    g_assert_cmpstr(origin_at(c1, 0x2000000), ==, "none");
    g_assert_cmpstr(origin_at(c4, 0x2000000), ==, "none");
    g_assert_cmpuint(c1->mappings->len, ==, 2);
}

static void test_copy_falls_back_to_map(Fixture *f, gconstpointer data)
{
    VFIOContainer *c2;

    join(f, FAKE_TYPE_CONTAINER, DOM_A);
    c2 = new_fake(f, FAKE_TYPE_CONTAINER, DOM_A);
    fake(c2)->fail_copy = true;
    clear_log(f);
    g_assert_true(vfio_address_space_add_container(f->space, c2, NULL));
    assert_log(f, "2 copy<1 0-0xfffff; 2 map 0-0xfffff; "
               "2 copy<1 0x1000000-0x11fffff; 2 map 0x1000000-0x11fffff");
    g_assert_cmpstr(origin_at(c2, 0), ==, "map");
    g_assert_false(c2->broken);
    g_assert_cmpuint(c2->counters.n[VFIO_IOCTL_IOAS_COPY], ==, 2);
    g_assert_cmpuint(c2->counters.n[VFIO_IOCTL_IOAS_MAP], ==, 2);
}

static void test_source_reelection(Fixture *f, gconstpointer data)
{
    VFIOContainer *c1, *c2, *c3;
    guint64 before2, before3;

    c1 = join(f, FAKE_TYPE_CONTAINER, DOM_A);
    c2 = join(f, FAKE_TYPE_CONTAINER, DOM_A);
    c3 = join(f, FAKE_TYPE_CONTAINER, DOM_A);
    clear_log(f);
    before2 = vfio_ioctl_total(&c2->counters);
    before3 = vfio_ioctl_total(&c3->counters);
    /* The source leaves: it unmaps its own, nobody else does anything */
    vfio_address_space_remove_container(c1);
    assert_log(f, "1 unmap 0x1000000-0x11fffff; 1 unmap 0-0xfffff");
    g_assert_cmpuint(vfio_ioctl_total(&c2->counters), ==, before2);
    g_assert_cmpuint(vfio_ioctl_total(&c3->counters), ==, before3);
    g_assert_true(vfio_address_space_copy_source(f->space, c3) == c2);
    /* Later RAM: c2 is the source now */
    add_ram(f, "dimm0", 32 * MiB, MiB, 8 * MiB);
    assert_log(f, "2 map 0x2000000-0x20fffff; 3 copy<2 0x2000000-0x20fffff");
    g_assert_cmpstr(origin_at(c3, 0x2000000), ==, "copy");
    /* The copies made from the departed c1 are still there */
    g_assert_cmpstr(origin_at(c3, 0), ==, "copy");
}

static void test_join_replays_for_joiner_only(Fixture *f, gconstpointer data)
{
    VFIOContainer *c1, *c2, *c3;
    VFIOIoctlCounters before;

    c1 = join(f, FAKE_TYPE_CONTAINER, DOM_A);
    before = c1->counters;
    clear_log(f);
    c2 = join(f, FAKE_TYPE_CONTAINER, DOM_B);
    c3 = join(f, FAKE_TYPE_LEGACY, NULL);
    assert_log(f, "2 map 0-0xfffff; 2 map 0x1000000-0x11fffff; "
               "3 map_dma 0-0xfffff; 3 map_dma 0x1000000-0x11fffff");
    g_assert_cmpmem(&before, sizeof(before), &c1->counters,
                    sizeof(c1->counters));
    /* Leaving removes only the leaver's mappings */
    vfio_address_space_remove_container(c2);
    assert_log(f, "2 unmap 0x1000000-0x11fffff; 2 unmap 0-0xfffff");
    g_assert_cmpuint(c1->mappings->len, ==, 2);
    g_assert_cmpuint(c3->mappings->len, ==, 2);
    g_assert_cmpmem(&before, sizeof(before), &c1->counters,
                    sizeof(c1->counters));
    /* The listener goes away with the last container only */
    vfio_address_space_remove_container(c1);
    g_assert_true(vfio_address_space_listening(f->space));
    vfio_address_space_remove_container(c3);
    g_assert_false(vfio_address_space_listening(f->space));
    clear_log(f);
    /* And comes back with the next one, which sees the current view */
    add_ram(f, "dimm0", 32 * MiB, MiB, 8 * MiB);
    g_assert_cmpuint(f->log->len, ==, 0);
    join(f, FAKE_TYPE_CONTAINER, DOM_A);
    assert_log(f, "4 map 0-0xfffff; 4 map 0x1000000-0x11fffff; "
               "4 map 0x2000000-0x20fffff");
}

static void test_join_failure_undone(Fixture *f, gconstpointer data)
{
    VFIOContainer *c1, *c2;
    VFIOIoctlCounters before;
    g_autoptr(GError) err = NULL;

    c1 = join(f, FAKE_TYPE_CONTAINER, DOM_A);
    before = c1->counters;
    c2 = new_fake(f, FAKE_TYPE_CONTAINER, DOM_B);
    fake(c2)->fail_nth = 2;     /* the second section's map */
    clear_log(f);
    g_assert_false(vfio_address_space_add_container(f->space, c2, &err));
    g_assert_error(err, VFIO_ERROR, ENOMEM);
    g_assert_nonnull(strstr(err->message, "cannot map guest memory"));
    assert_log(f, "2 map 0-0xfffff; 2 map 0x1000000-0x11fffff; "
               "2 unmap 0-0xfffff");
    g_assert_null(c2->space);
    g_assert_cmpuint(c2->mappings->len, ==, 0);
    g_assert_cmpuint(interval_set_count(fake(c2)->kernel), ==, 0);
    g_assert_false(c2->broken);
    g_assert_cmpint(f->hook_calls, ==, 0);
    g_assert_cmpuint(g_list_length(vfio_address_space_containers(f->space)),
                     ==, 1);
    g_assert_cmpmem(&before, sizeof(before), &c1->counters,
                    sizeof(c1->counters));
}

static void test_first_join_failure_unregisters(Fixture *f, gconstpointer d)
{
    VFIOContainer *c1 = new_fake(f, FAKE_TYPE_CONTAINER, DOM_A);

    fake(c1)->fail_nth = 1;
    g_assert_false(vfio_address_space_add_container(f->space, c1, NULL));
    g_assert_false(vfio_address_space_listening(f->space));
    g_assert_cmpuint(c1->mappings->len, ==, 0);
}

/*
 * Fail the Nth op of a join, for every N: the join is all or nothing.
 * Maps only (another iommufd object), then copies that always fail (each
 * falls back to a map, so only a failing map can fail the join).
 */
static void sweep(Fixture *f, gconstpointer domain, bool fail_copy)
{
    int failed = 0;

    for (int n = 1; n <= 8; n++) {
        VFIOContainer *c = new_fake(f, FAKE_TYPE_CONTAINER, domain);
        bool ok;

        fake(c)->fail_nth = n;
        fake(c)->fail_copy = fail_copy;
        ok = vfio_address_space_add_container(f->space, c, NULL);
        g_assert_cmpuint(c->mappings->len, ==, ok ? 3 : 0);
        g_assert_cmpuint(interval_set_count(fake(c)->kernel), ==,
                         ok ? 3 : 0);
        g_assert_true(ok == (c->space != NULL));
        failed += !ok;
        if (ok) {
            vfio_address_space_remove_container(c);
        }
    }
    g_assert_cmpint(failed, ==, 3);     /* the 3 maps, one at a time */
}

static void test_join_fail_nth_sweep(Fixture *f, gconstpointer data)
{
    join(f, FAKE_TYPE_CONTAINER, DOM_A);
    add_ram(f, "dimm0", 32 * MiB, MiB, 8 * MiB);
    sweep(f, DOM_B, false);
    sweep(f, DOM_A, true);
}

static void test_runtime_failure_marks_broken(Fixture *f, gconstpointer d)
{
    VFIOContainer *c1, *c2;

    c1 = join(f, FAKE_TYPE_CONTAINER, DOM_A);
    c2 = join(f, FAKE_TYPE_CONTAINER, DOM_B);
    fake(c2)->fail_map = true;
    clear_log(f);
    add_ram(f, "dimm0", 32 * MiB, MiB, 8 * MiB);
    /* c1 got it; c2 failed and is broken, reported once, nothing aborted */
    assert_log(f, "1 map 0x2000000-0x20fffff; 2 map 0x2000000-0x20fffff");
    g_assert_false(c1->broken);
    g_assert_true(c2->broken);
    g_assert_nonnull(strstr(c2->broken_reason, "map fails"));
    g_assert_cmpint(f->hook_calls, ==, 1);
    g_assert_true(f->hook_container == c2);
    g_assert_cmpstr(origin_at(c1, 0x2000000), ==, "map");
    g_assert_cmpstr(origin_at(c2, 0x2000000), ==, "none");
    /* It keeps serving what it has, and keeps trying what comes next */
    fake(c2)->fail_map = false;
    add_ram(f, "dimm1", 48 * MiB, MiB, 9 * MiB);
    g_assert_cmpstr(origin_at(c2, 48 * MiB), ==, "map");
}

static void test_ram_device_failure_warns_once(Fixture *f, gconstpointer d)
{
    VFIOContainer *c1 = join(f, FAKE_TYPE_CONTAINER, DOM_A);
    MemoryRegion *bar0, *bar1;

    fake(c1)->fail_map = true;
    bar0 = memory_region_new_ram_device_ptr(f->topo, "bar0", 64 * 1024,
                                            f->host + 10 * MiB);
    memory_region_add_subregion(f->root, 0xfe000000, bar0);
    memory_region_unref(bar0);
    g_assert_true(c1->ram_device_warned);
    g_assert_false(c1->broken);
    bar1 = memory_region_new_ram_device_ptr(f->topo, "bar1", 64 * 1024,
                                            f->host + 11 * MiB);
    memory_region_add_subregion(f->root, 0xfe100000, bar1);
    memory_region_unref(bar1);
    g_assert_false(c1->broken);
    g_assert_cmpint(f->hook_calls, ==, 0);
}

static void test_ram_device_mapped(Fixture *f, gconstpointer data)
{
    VFIOContainer *c1 = join(f, FAKE_TYPE_CONTAINER, DOM_A);
    MemoryRegion *bar;
    const VFIOMapping *m;

    bar = memory_region_new_ram_device_ptr(f->topo, "bar0", 64 * 1024,
                                           f->host + 10 * MiB);
    memory_region_add_subregion(f->root, 0xfe000000, bar);
    memory_region_unref(bar);
    m = vfio_container_find_mapping(c1, 0xfe000000);
    g_assert_nonnull(m);
    g_assert_true(m->ram_device);
    g_assert_cmphex(m->iova.last, ==, 0xfe00ffff);
}

static void test_iova_ranges_clip(Fixture *f, gconstpointer data)
{
    VFIOContainer *c1 = new_fake(f, FAKE_TYPE_CONTAINER, DOM_A);
    g_autoptr(IntervalSet) valid = interval_set_new();
    Range low = range_make(0, 0x17fffff);
    g_autoptr(GError) err = NULL;

    interval_set_insert(valid, &low);
    vfio_container_set_iova_ranges(c1, valid, 0x1000);
    g_assert_true(vfio_address_space_add_container(f->space, c1, &err));
    clear_log(f);
    /* RAM reaching past the valid ranges: the valid part is mapped, the
     * rest is a runtime failure (broken + hook), not an abort */
    add_ram(f, "dimm0", 0x1700000, 2 * MiB, 8 * MiB);
    assert_log(f, "1 map 0x1700000-0x17fffff");
    g_assert_true(c1->broken);
    g_assert_cmpint(f->hook_calls, ==, 1);
}

static void test_misaligned_section_skipped(Fixture *f, gconstpointer data)
{
    VFIOContainer *c1 = join(f, FAKE_TYPE_CONTAINER, DOM_A);

    clear_log(f);
    /* Host memory at another page offset than the guest address */
    add_ram(f, "odd", 32 * MiB, MiB, 8 * MiB + 0x800);
    assert_log(f, "");
    g_assert_false(c1->broken);
    g_assert_cmpstr(origin_at(c1, 32 * MiB), ==, "none");
}

static void test_dirty_tracking(Fixture *f, gconstpointer data)
{
    VFIOContainer *c1, *c2;
    g_autoptr(IntervalSet) dirty = NULL;
    g_autoptr(GError) err = NULL;
    Range low = range_make(0, MiB - 1), high = range_make(16 * MiB,
                                                          18 * MiB - 1);

    c1 = join(f, FAKE_TYPE_CONTAINER, DOM_A);
    c2 = join(f, FAKE_TYPE_LEGACY, NULL);
    g_assert_true(memory_global_dirty_log_start(f->topo, &err));
    g_assert_true(c1->dirty_tracking && c2->dirty_tracking);
    memory_global_dirty_log_sync(f->topo);
    dirty = vfio_address_space_take_dirty(f->space);
    g_assert_cmpuint(interval_set_count(dirty), ==, 2);
    g_assert_true(interval_set_covers(dirty, &low));
    g_assert_true(interval_set_covers(dirty, &high));
    /* A container joining while logging is on starts tracking too */
    clear_log(f);
    join(f, FAKE_TYPE_CONTAINER, DOM_B);
    assert_log(f, "3 map 0-0xfffff; 3 map 0x1000000-0x11fffff; "
               "3 dirty-start 0-0");
    memory_global_dirty_log_stop(f->topo);
    g_assert_false(c1->dirty_tracking || c2->dirty_tracking);
}

static void test_dirty_start_rolls_back(Fixture *f, gconstpointer data)
{
    VFIOContainer *c1, *c2;
    g_autoptr(GError) err = NULL;

    c1 = join(f, FAKE_TYPE_CONTAINER, DOM_A);
    c2 = join(f, FAKE_TYPE_CONTAINER, DOM_B);
    fake(c2)->fail_dirty = true;
    clear_log(f);
    g_assert_false(memory_global_dirty_log_start(f->topo, &err));
    g_assert_error(err, VFIO_ERROR, EOPNOTSUPP);
    assert_log(f, "1 dirty-start 0-0; 2 dirty-start 0-0; 1 dirty-stop 0-0");
    g_assert_false(c1->dirty_tracking);
    g_assert_false(memory_global_dirty_log_is_on(f->topo));
}

static JsonObject *container_json(JsonNode *root, guint index)
{
    JsonObject *as = json_array_get_object_element(
        json_object_get_array_member(json_node_get_object(root),
                                     "address-spaces"), 0);

    return json_array_get_object_element(
        json_object_get_array_member(as, "containers"), index);
}

static void test_query(Fixture *f, gconstpointer data)
{
    g_autoptr(JsonNode) root = NULL;
    JsonObject *c, *m, *ioctls;
    JsonArray *maps;

    join(f, FAKE_TYPE_CONTAINER, DOM_A);
    join(f, FAKE_TYPE_CONTAINER, DOM_A);
    join(f, FAKE_TYPE_LEGACY, NULL);
    root = vfio_query(f->ctx);
    c = container_json(root, 1);
    g_assert_cmpint(json_object_get_int_member(c, "id"), ==, 2);
    g_assert_cmpstr(json_object_get_string_member(c, "backend"), ==, "fake");
    g_assert_cmpint(json_object_get_int_member(c, "copy-source"), ==, 1);
    g_assert_true(json_object_get_boolean_member(c, "fake"));
    g_assert_false(json_object_get_boolean_member(c, "broken"));
    maps = json_object_get_array_member(c, "mappings");
    g_assert_cmpuint(json_array_get_length(maps), ==, 2);
    m = json_array_get_object_element(maps, 1);
    g_assert_cmpstr(json_object_get_string_member(m, "iova"), ==,
                    "0x1000000");
    g_assert_cmpstr(json_object_get_string_member(m, "last"), ==,
                    "0x11fffff");
    g_assert_cmpint(json_object_get_int_member(m, "size"), ==, 2 * MiB);
    g_assert_cmpstr(json_object_get_string_member(m, "origin"), ==, "copy");
    g_assert_cmpint(json_object_get_int_member(m, "source"), ==, 1);
    ioctls = json_object_get_object_member(c, "ioctls");
    g_assert_cmpint(json_object_get_int_member(ioctls, "IOMMU_IOAS_COPY"),
                    ==, 2);
    g_assert_false(json_object_has_member(ioctls, "IOMMU_IOAS_MAP"));
    c = container_json(root, 2);
    g_assert_true(json_object_get_null_member(c, "copy-source"));
    m = json_array_get_object_element(
        json_object_get_array_member(c, "mappings"), 0);
    g_assert_cmpstr(json_object_get_string_member(m, "origin"), ==,
                    "map_dma");
}

/* Every op and decision is a trace event (zero cost when off). */
static void test_traced(Fixture *f, gconstpointer data)
{
    g_autofree char *path = NULL;
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    int fd = g_file_open_tmp("vfio-trace-XXXXXX", &path, NULL);
    FILE *out = fdopen(fd, "w");

    g_assert_nonnull(out);
    trace_set_output(out);
    g_assert_true(trace_enable_pattern("vfio_*", &err));
    join(f, FAKE_TYPE_CONTAINER, DOM_A);
    join(f, FAKE_TYPE_CONTAINER, DOM_A);
    g_assert_true(trace_enable_pattern("-vfio_*", &err));
    fflush(out);
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    /* Setting another output closes @out (util/trace.c) */
    trace_set_output(NULL);
    g_unlink(path);
    g_assert_nonnull(strstr(text, "vfio_listener_section container 1 "
                            "0x0-0xfffff map"));
    g_assert_nonnull(strstr(text, "vfio_container_dma_map container 1 "
                            "0x0-0xfffff"));
    g_assert_nonnull(strstr(text, "vfio_container_dma_copy container 1 -> "
                            "2 0x1000000-0x11fffff"));
    g_assert_nonnull(strstr(text, "vfio_address_space_join memory: "
                            "container 2 joined with 2 mappings ok 1"));
}

static void test_ioctl_names(void)
{
    for (guint i = 0; i < VFIO_IOCTL__COUNT; i++) {
        g_assert_nonnull(vfio_ioctl_name(i));
    }
    g_assert_cmpstr(vfio_ioctl_name(VFIO_IOCTL_IOAS_COPY), ==,
                    "IOMMU_IOAS_COPY");
    g_assert_cmpstr(vfio_mapping_origin_name(VFIO_MAPPING_MAP_DMA), ==,
                    "map_dma");
}

#define ADD(path, fn) \
    g_test_add("/vfio/listener/" path, Fixture, NULL, fixture_setup, fn, \
               fixture_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD("map-copy-map_dma", test_map_copy_map_dma);
    ADD("hotplug-ram", test_hotplug_ram);
    ADD("copy-falls-back-to-map", test_copy_falls_back_to_map);
    ADD("source-reelection", test_source_reelection);
    ADD("join-replays-for-joiner-only", test_join_replays_for_joiner_only);
    ADD("join-failure-undone", test_join_failure_undone);
    ADD("first-join-failure-unregisters",
        test_first_join_failure_unregisters);
    ADD("join-fail-nth-sweep", test_join_fail_nth_sweep);
    ADD("runtime-failure-marks-broken", test_runtime_failure_marks_broken);
    ADD("ram-device-failure-warns-once", test_ram_device_failure_warns_once);
    ADD("ram-device-mapped", test_ram_device_mapped);
    ADD("iova-ranges-clip", test_iova_ranges_clip);
    ADD("misaligned-section-skipped", test_misaligned_section_skipped);
    ADD("dirty-tracking", test_dirty_tracking);
    ADD("dirty-start-rolls-back", test_dirty_start_rolls_back);
    ADD("query", test_query);
    ADD("traced", test_traced);
    g_test_add_func("/vfio/names", test_ioctl_names);
    return g_test_run();
}
