/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-vfio-layer: the VFIO layer (hw/vfio, backends/iommufd.c) on the real
 * kernel.  A memory topology with memfd RAM is built with the memory
 * core; edu devices are attached through vfio_device_attach(); every DMA
 * goes through mappings the LISTENER made (IOVA = guest-physical address),
 * through a BAR mapped with vfio_device_region_mmap().
 *
 * Phase 1, legacy: two devices share one type1 container; DMA byte-exact;
 * dirty tracking (every mapped page reported dirty, as type1 guarantees
 * for IOMMU-backed groups); MSI; RAM hot-add/remove; a separate container
 * hot-added with zero ioctls on the running one; bad input.
 * Phase 2, iommufd: two devices on one iommufd share ONE IOAS (one
 * IOAS_MAP per section); a separate-IOAS device is filled by IOAS_COPY
 * with zero ioctls on the running container and no extra pinning; RAM
 * hot-add copies; removing the copy source re-elects; two iommufd objects
 * map twice (VmPin doubles); legacy and iommufd mixed; fd passing; bad
 * input.  Usage: test-vfio-layer [BDF...] (default: every edu, sorted).
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "edu.h"
#include "harness.h"
#include "exec/memory.h"
#include "hw/vfio/vfio-address-space.h"
#include "hw/vfio/vfio-container.h"
#include "hw/vfio/vfio-context.h"
#include "hw/vfio/vfio-device.h"
#include "hw/vfio/vfio-iommufd.h"
#include "hw/vfio/vfio-legacy.h"
#include "hw/vfio/vfio-query.h"
#include "system/iommufd.h"

#define MiB (1024 * 1024ULL)
#define PAGE 4096

/* Guest-physical layout (all below edu's default 28-bit DMA mask) */
#define RAM_LOW_GPA 0x0
#define RAM_LOW_SIZE (4 * MiB)
#define RAM_HIGH_GPA 0x1000000
#define RAM_HIGH_SIZE (2 * MiB)
#define DIMM0_GPA 0x4000000
#define DIMM1_GPA 0x5000000
#define DIMM_SIZE (2 * MiB)
#define NR_SECTIONS 2           /* RAM sections before any hotplug */

typedef struct Ram {
    const char *name;
    uint64_t gpa;
    uint64_t size;
    int fd;
    uint8_t *host;
    MemoryRegion *mr;       /* our reference */
    bool plugged;
} Ram;

typedef struct Dev {
    const char *bdf;
    VFIODevice *vdev;
    struct edu edu;
} Dev;

typedef struct T {
    MemoryTopology *topo;
    MemoryRegion *root;
    AddressSpace *as;
    VFIOContext *ctx;
    Ram low, high, dimm0, dimm1;
    char bdfs[EDU_MAX_DEVS][32];
    int nr_edus;
} T;

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;

    if (!d) {
        return -1;
    }
    while (readdir(d)) {
        n++;
    }
    closedir(d);
    return n;
}

/* ---- memory ------------------------------------------------------------- */

static bool ram_init(T *t, Ram *r, const char *name, uint64_t gpa,
                     uint64_t size)
{
    r->name = name;
    r->gpa = gpa;
    r->size = size;
    r->fd = memfd_create(name, MFD_CLOEXEC);
    if (r->fd < 0 || ftruncate(r->fd, size) < 0) {
        return false;
    }
    r->host = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
    if (r->host == MAP_FAILED) {
        return false;
    }
    r->mr = memory_region_new_ram_from_fd(t->topo, name, size, r->host,
                                          r->fd, 0);
    return true;
}

static void ram_plug(T *t, Ram *r)
{
    memory_region_transaction_begin(t->topo);
    memory_region_add_subregion(t->root, r->gpa, r->mr);
    memory_region_transaction_commit(t->topo);
    r->plugged = true;
}

static void ram_unplug(T *t, Ram *r)
{
    memory_region_transaction_begin(t->topo);
    memory_region_del_subregion(t->root, r->mr);
    memory_region_transaction_commit(t->topo);
    r->plugged = false;
}

static void ram_fini(T *t, Ram *r)
{
    if (r->plugged) {
        ram_unplug(t, r);
    }
    memory_region_unref(r->mr);
    munmap(r->host, r->size);
    close(r->fd);
}

/* Host view of a guest-physical address */
static uint8_t *host_of(T *t, uint64_t gpa)
{
    Ram *all[] = { &t->low, &t->high, &t->dimm0, &t->dimm1 };

    for (unsigned i = 0; i < G_N_ELEMENTS(all); i++) {
        if (gpa >= all[i]->gpa && gpa < all[i]->gpa + all[i]->size) {
            return all[i]->host + (gpa - all[i]->gpa);
        }
    }
    g_assert_not_reached();
}

/* ---- devices ------------------------------------------------------------ */

static uint32_t bar_read32(Dev *d, uint32_t off)
{
    return *(volatile uint32_t *)(d->edu.bar + off);
}

static bool dev_attach_cfg(T *t, Dev *d, const char *bdf,
                           VFIODeviceConfig *cfg, const char *how)
{
    g_autoptr(GError) err = NULL;
    uint64_t size = 0;
    uint16_t ids[2] = { 0, 0 };
    void *bar;

    memset(d, 0, sizeof(*d));
    d->bdf = bdf;
    d->vdev = vfio_device_attach(t->ctx, t->as, cfg, &err);
    if (!CHECK(d->vdev, "%s: attach %s", bdf, how)) {
        tap_note("  %s", err->message);
        return false;
    }
    bar = vfio_device_region_mmap(d->vdev, VFIO_PCI_BAR0_REGION_INDEX, &size,
                                  &err);
    if (!CHECK(bar && size == MiB, "%s: BAR0 mmap'ed through VFIODevice "
               "(size 0x%llx)", bdf, (unsigned long long)size)) {
        tap_note("  %s", err ? err->message : "");
        return false;
    }
    snprintf(d->edu.bdf, sizeof(d->edu.bdf), "%s", bdf);
    d->edu.fd = d->vdev->fd;
    d->edu.bar = bar;
    d->edu.bar_size = size;
    if (!CHECK(vfio_device_config_read(d->vdev, 0, ids, 4, &err) &&
               ids[0] == EDU_VENDOR && ids[1] == EDU_DEVICE,
               "%s: config space through the config region: %04x:%04x",
               bdf, ids[0], ids[1]) ||
        !CHECK(vfio_device_enable_bus_master(d->vdev, &err),
               "%s: memory and bus master enabled", bdf)) {
        return false;
    }
    return CHECK_EQ(bar_read32(d, EDU_REG_ID), EDU_ID_VALUE,
                    "%s: edu id register through the BAR", bdf);
}

static bool dev_attach(T *t, Dev *d, int index, IOMMUFDBackend *be,
                       bool separate)
{
    VFIODeviceConfig cfg = VFIO_DEVICE_CONFIG_INIT;
    g_autofree char *how = g_strdup_printf("%s%s", be ? "through iommufd "
                                           : "legacy",
                                           be ? iommufd_backend_get_label(be)
                                           : "");

    cfg.host = t->bdfs[index];
    cfg.iommufd = be;
    cfg.separate_container = separate;
    if (separate) {
        g_autofree char *old = g_steal_pointer(&how);

        how = g_strdup_printf("%s, separate container", old);
    }
    return dev_attach_cfg(t, d, t->bdfs[index], &cfg, how);
}

static void dev_detach(Dev *d)
{
    if (d->vdev) {
        vfio_device_detach(d->vdev);   /* unmaps the BAR too */
        d->vdev = NULL;
        d->edu.bar = NULL;
    }
}

/* RAM @src_gpa -> edu -> RAM @dst_gpa, byte-exact (2 DMAs). */
static bool dma_round_trip(T *t, Dev *d, uint64_t src_gpa, uint64_t dst_gpa,
                           unsigned seed)
{
    return edu_round_trip(&d->edu, host_of(t, src_gpa), src_gpa,
                          host_of(t, dst_gpa), dst_gpa, EDU_DMA_MAX, seed);
}

/* The device writes to @victim_gpa, whose host memory @victim is kept
 * alive by the test; true if it stays untouched (2 DMAs). */
static bool dma_blocked(T *t, Dev *d, uint64_t src_gpa, uint8_t *victim,
                        uint64_t victim_gpa)
{
    return edu_write_blocked(&d->edu, src_gpa, host_of(t, src_gpa), victim,
                             victim_gpa, PAGE);
}

static VFIOContainer *container_of_dev(Dev *d)
{
    return d->vdev->container;
}

static guint nr_containers(T *t)
{
    GList *spaces = vfio_context_address_spaces(t->ctx);

    return spaces ? g_list_length(vfio_address_space_containers(spaces->data))
                  : 0;
}

static guint64 count(VFIOContainer *c, VFIOIoctl kind)
{
    return c->counters.n[kind];
}

static void note_query(T *t, const char *when)
{
    g_autoptr(JsonNode) root = vfio_query(t->ctx);
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    json_generator_set_root(gen, root);
    json_generator_set_pretty(gen, TRUE);
    text = json_generator_to_data(gen, NULL);
    tap_note("x-query-vfio %s:", when);
    lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        tap_note("  %s", lines[i]);
    }
}

/* "container N: origin iova-last ..." one line per container */
static void note_mappings(T *t, const char *when)
{
    GList *spaces = vfio_context_address_spaces(t->ctx);

    tap_note("mappings %s:", when);
    for (GList *l = spaces ? vfio_address_space_containers(spaces->data)
                           : NULL; l; l = l->next) {
        VFIOContainer *c = l->data;

        for (guint i = 0; i < c->mappings->len; i++) {
            VFIOMapping *m = &g_array_index(c->mappings, VFIOMapping, i);

            tap_note("  container %u (%s): 0x%08" PRIx64 "-0x%08" PRIx64
                     " host 0x%" PRIx64 " %s", c->id,
                     vfio_container_backend_name(c), m->iova.start,
                     m->iova.last, m->vaddr,
                     vfio_mapping_origin_name(m->origin));
        }
    }
}

/* ---- phase 1: legacy ---------------------------------------------------- */

static void legacy_dirty(T *t, Dev *a, Dev *b)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(IntervalSet) dirty = NULL;
    VFIOAddressSpace *space = container_of_dev(a)->space;
    Range low = range_make(RAM_LOW_GPA, RAM_LOW_GPA + RAM_LOW_SIZE - 1);
    Range high = range_make(RAM_HIGH_GPA, RAM_HIGH_GPA + RAM_HIGH_SIZE - 1);
    Range dst = range_make(0x200000, 0x200fff);

    if (!CHECK(memory_global_dirty_log_start(t->topo, &err),
               "legacy: dirty logging starts (VFIO_IOMMU_DIRTY_PAGES "
               "START)")) {
        tap_note("  %s", err->message);
        return;
    }
    CHECK(container_of_dev(a)->dirty_tracking, "legacy: container tracks");
    CHECK(dma_round_trip(t, a, 0x100000, 0x200000, 11),
          "legacy: %s DMA round trip while tracking", a->bdf);
    memory_global_dirty_log_sync(t->topo);
    dirty = vfio_address_space_take_dirty(space);
    CHECK(interval_set_covers(dirty, &dst),
          "legacy: the page the device wrote is reported dirty");
    /* type1 reports every pinned page dirty for IOMMU-backed groups */
    CHECK(interval_set_covers(dirty, &low) &&
          interval_set_covers(dirty, &high) &&
          interval_set_count(dirty) == 2,
          "legacy: every mapped page is reported dirty (%u ranges)",
          interval_set_count(dirty));
    CHECK(count(container_of_dev(a), VFIO_IOCTL_DIRTY_PAGES) >= 3,
          "legacy: DIRTY_PAGES start + one GET_BITMAP per mapping (%"
          PRIu64 ")", count(container_of_dev(a), VFIO_IOCTL_DIRTY_PAGES));
    memory_global_dirty_log_stop(t->topo);
    CHECK(!container_of_dev(a)->dirty_tracking, "legacy: tracking stopped");
}

static void legacy_msi_and_reset(T *t, Dev *a)
{
    g_autoptr(GError) err = NULL;
    uint32_t count_irq = 0, flags = 0;
    uint64_t val = 0;
    int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    struct pollfd pfd = { .fd = efd, .events = POLLIN };
    volatile uint8_t *bar = a->edu.bar;

    CHECK(vfio_device_get_irq_info(a->vdev, VFIO_PCI_MSI_IRQ_INDEX,
                                   &count_irq, &flags, &err) &&
          count_irq >= 1, "%s: MSI info (%u vectors)", a->bdf, count_irq);
    if (CHECK(vfio_device_msi_enable(a->vdev, efd, &err),
              "%s: MSI on an eventfd", a->bdf)) {
        *(volatile uint64_t *)(bar + EDU_REG_DMA_SRC) = 0x100000;
        *(volatile uint64_t *)(bar + EDU_REG_DMA_DST) = EDU_BUF_ADDR;
        *(volatile uint64_t *)(bar + EDU_REG_DMA_COUNT) = 64;
        *(volatile uint64_t *)(bar + EDU_REG_DMA_CMD) = EDU_DMA_CMD_START | 4;
        CHECK(poll(&pfd, 1, 10000) == 1 && read(efd, &val, 8) == 8 &&
              val >= 1, "%s: DMA completion interrupt arrives", a->bdf);
        *(volatile uint32_t *)(bar + 0x64) = *(volatile uint32_t *)(bar +
                                                                    0x24);
        CHECK(vfio_device_msi_disable(a->vdev, &err), "%s: MSI off",
              a->bdf);
    }
    close(efd);
    CHECK(!vfio_device_can_reset(a->vdev) &&
          !vfio_device_reset(a->vdev, &err) &&
          g_error_matches(err, VFIO_ERROR, EOPNOTSUPP),
          "%s: no reset mechanism: a clear EOPNOTSUPP error", a->bdf);
}

static void legacy_hotplug_ram(T *t, Dev *a, Dev *b)
{
    VFIOContainer *c = container_of_dev(a);
    guint64 maps = count(c, VFIO_IOCTL_MAP_DMA);
    guint64 unmaps = count(c, VFIO_IOCTL_UNMAP_DMA);

    ram_plug(t, &t->dimm0);
    CHECK_EQ(count(c, VFIO_IOCTL_MAP_DMA), maps + 1,
             "legacy: hot-added RAM: one MAP_DMA");
    CHECK(dma_round_trip(t, a, 0x100000, DIMM0_GPA + 0x1000, 21),
          "legacy: %s DMA into the hot-added RAM", a->bdf);
    ram_unplug(t, &t->dimm0);
    CHECK_EQ(count(c, VFIO_IOCTL_UNMAP_DMA), unmaps + 1,
             "legacy: removed RAM: one UNMAP_DMA");
    CHECK(dma_blocked(t, b, 0x300000, t->dimm0.host + 0x1000,
                      DIMM0_GPA + 0x1000),
          "legacy: %s DMA into the removed RAM is blocked", b->bdf);
}

/* B leaves and comes back in a container of its own: A sees nothing. */
static void legacy_hotplug_container(T *t, Dev *a, Dev *b)
{
    VFIOIoctlCounters before;
    VFIOContainer *ca = container_of_dev(a);

    dev_detach(b);
    before = ca->counters;
    if (!dev_attach(t, b, 1, NULL, true)) {
        return;
    }
    CHECK(container_of_dev(b) != ca && nr_containers(t) == 2,
          "legacy: the hot-added device has its own container");
    CHECK(memcmp(&before, &ca->counters, sizeof(before)) == 0,
          "legacy: ZERO ioctls on the running container during the "
          "hotplug (total %" PRIu64 ")", vfio_ioctl_total(&ca->counters));
    CHECK_EQ(count(container_of_dev(b), VFIO_IOCTL_MAP_DMA), NR_SECTIONS,
             "legacy: the new container got one MAP_DMA per section");
    CHECK(dma_round_trip(t, a, 0x100000, 0x200000, 31),
          "legacy: %s DMA still works", a->bdf);
    CHECK(dma_round_trip(t, b, 0x300000, RAM_HIGH_GPA + 0x100000, 32),
          "legacy: %s DMA through its own container", b->bdf);
}

static void legacy_bad_input(T *t, int fds)
{
    VFIODeviceConfig cfg = VFIO_DEVICE_CONFIG_INIT;
    g_autoptr(GError) err = NULL;
    g_autofree char *group_path = NULL;
    int group_fd;

    cfg.host = "0000:00:1f.7";
    CHECK(!vfio_device_attach(t->ctx, t->as, &cfg, &err) &&
          g_error_matches(err, VFIO_ERROR, ENOENT),
          "bad input: nonexistent BDF: %s", err ? err->message : "");
    g_clear_error(&err);
    cfg.host = NULL;
    cfg.sysfsdev = "/tmp";
    CHECK(!vfio_device_attach(t->ctx, t->as, &cfg, &err) &&
          g_error_matches(err, VFIO_ERROR, ENODEV),
          "bad input: a path that is not a device: %s",
          err ? err->message : "");
    g_clear_error(&err);
    if (t->nr_edus < 3) {
        tap_skip("bad input: group in use (needs a third edu)");
        return;
    }
    /* Someone else holds the third edu's group */
    group_path = g_strdup_printf("/dev/vfio/%d", edu_group(t->bdfs[2]));
    group_fd = open(group_path, O_RDWR | O_CLOEXEC);
    cfg.sysfsdev = NULL;
    cfg.host = t->bdfs[2];
    CHECK(group_fd >= 0 && !vfio_device_attach(t->ctx, t->as, &cfg, &err) &&
          g_error_matches(err, VFIO_ERROR, EBUSY),
          "bad input: group already in use: %s", err ? err->message : "");
    close(group_fd);
    CHECK_EQ(count_fds(), fds, "bad input: no fd leaked");
}

static void phase_legacy(T *t)
{
    Dev a, b;
    int fds = count_fds();
    VFIOContainer *c;

    tap_note("=== phase 1: legacy type1, %s and %s", t->bdfs[0], t->bdfs[1]);
    if (!dev_attach(t, &a, 0, NULL, false) ||
        !dev_attach(t, &b, 1, NULL, false)) {
        goto out;
    }
    c = container_of_dev(&a);
    CHECK(container_of_dev(&b) == c && nr_containers(t) == 1 &&
          vfio_legacy_container_group_count(VFIO_LEGACY_CONTAINER(c)) == 2,
          "legacy: two groups share one container");
    CHECK_EQ(vfio_legacy_container_iommu_type(VFIO_LEGACY_CONTAINER(c)),
             VFIO_TYPE1v2_IOMMU, "legacy: type1v2");
    CHECK_EQ(count(c, VFIO_IOCTL_MAP_DMA), NR_SECTIONS,
             "legacy: one MAP_DMA per RAM section, the second group "
             "joined without any");
    note_mappings(t, "legacy, two devices");
    CHECK(dma_round_trip(t, &a, 0x100000, 0x200000, 1),
          "legacy: %s DMA round trip byte-exact", a.bdf);
    CHECK(dma_round_trip(t, &b, 0x300000, RAM_HIGH_GPA + 0x100000, 2),
          "legacy: %s DMA round trip byte-exact", b.bdf);
    legacy_dirty(t, &a, &b);
    legacy_msi_and_reset(t, &a);
    legacy_hotplug_ram(t, &a, &b);
    legacy_hotplug_container(t, &a, &b);
    legacy_bad_input(t, count_fds());
out:
    dev_detach(&b);
    dev_detach(&a);
    CHECK(nr_containers(t) == 0 && !vfio_context_address_spaces(t->ctx),
          "legacy: everything detached");
    CHECK_EQ(count_fds(), fds, "legacy: no fd leaked over the phase");
}

/* ---- phase 2: iommufd --------------------------------------------------- */

static void iommufd_copy_hotplug(T *t, Dev *a, Dev *b, long pin)
{
    VFIOContainer *ca = container_of_dev(a), *cb;
    VFIOIoctlCounters before = ca->counters;

    dev_detach(b);
    before = ca->counters;
    if (!dev_attach(t, b, 1, a->vdev->iommufd, true)) {
        return;
    }
    cb = container_of_dev(b);
    CHECK(cb != ca && nr_containers(t) == 2, "iommufd: separate IOAS %u "
          "for %s", vfio_iommufd_container_ioas_id(
              VFIO_IOMMUFD_CONTAINER(cb)), b->bdf);
    CHECK(memcmp(&before, &ca->counters, sizeof(before)) == 0,
          "iommufd: ZERO ioctls on the running container during the "
          "hotplug");
    CHECK(count(cb, VFIO_IOCTL_IOAS_COPY) == NR_SECTIONS &&
          count(cb, VFIO_IOCTL_IOAS_MAP) == 0,
          "iommufd: the new IOAS got one IOAS_COPY per section, zero "
          "IOAS_MAP (%" PRIu64 " copies)", count(cb, VFIO_IOCTL_IOAS_COPY));
    CHECK_EQ(vm_pinned_kb(), pin, "iommufd: VmPin unchanged by the copy "
             "(%ld kB)", vm_pinned_kb());
    CHECK(dma_round_trip(t, b, 0x300000, RAM_HIGH_GPA + 0x100000, 41),
          "iommufd: %s DMA through the COPIED mappings", b->bdf);
    CHECK(dma_round_trip(t, a, 0x100000, 0x200000, 42),
          "iommufd: %s DMA still works", a->bdf);
    note_query(t, "with a copied IOAS");

    /* Hot-added RAM: mapped into A's IOAS, copied into B's */
    ram_plug(t, &t->dimm0);
    CHECK(count(ca, VFIO_IOCTL_IOAS_MAP) == NR_SECTIONS + 1 &&
          count(cb, VFIO_IOCTL_IOAS_COPY) == NR_SECTIONS + 1 &&
          count(cb, VFIO_IOCTL_IOAS_MAP) == 0,
          "iommufd: hot-added RAM: MAP in the source, COPY in the other");
    CHECK(dma_round_trip(t, b, 0x300000, DIMM0_GPA + 0x2000, 43),
          "iommufd: %s DMA into hot-added RAM (copied)", b->bdf);
}

/* The copy source (A) leaves: B keeps working and maps what comes next. */
static void iommufd_source_leaves(T *t, Dev *a, Dev *b)
{
    VFIOContainer *cb = container_of_dev(b);
    VFIOIoctlCounters before = cb->counters;
    guint64 maps = count(cb, VFIO_IOCTL_IOAS_MAP);

    dev_detach(a);
    CHECK(memcmp(&before, &cb->counters, sizeof(before)) == 0,
          "iommufd: the copy source left; zero ioctls on the other");
    CHECK(dma_round_trip(t, b, 0x300000, 0x200000, 51),
          "iommufd: %s DMA through copies of a departed source", b->bdf);
    ram_plug(t, &t->dimm1);
    CHECK_EQ(count(cb, VFIO_IOCTL_IOAS_MAP), maps + 1,
             "iommufd: RAM hot-added after the source left is mapped "
             "into the remaining IOAS");
    CHECK(dma_round_trip(t, b, 0x300000, DIMM1_GPA + 0x3000, 52),
          "iommufd: %s DMA into it", b->bdf);
    ram_unplug(t, &t->dimm1);
    CHECK(dma_blocked(t, b, 0x300000, t->dimm1.host + 0x3000,
                      DIMM1_GPA + 0x3000),
          "iommufd: %s DMA into removed RAM is blocked", b->bdf);
    ram_unplug(t, &t->dimm0);
}

/* The same two-device layout on two iommufd objects: MAP twice. */
static long iommufd_two_backends(T *t, Dev *a, Dev *b, IOMMUFDBackend *be1)
{
    g_autoptr(IOMMUFDBackend) be2 = iommufd_backend_new("iommufd1");
    long pin;

    if (!dev_attach(t, a, 0, be1, false) || !dev_attach(t, b, 1, be2, false)) {
        return -1;
    }
    pin = vm_pinned_kb();
    CHECK(count(container_of_dev(a), VFIO_IOCTL_IOAS_MAP) == NR_SECTIONS &&
          count(container_of_dev(b), VFIO_IOCTL_IOAS_MAP) == NR_SECTIONS &&
          count(container_of_dev(b), VFIO_IOCTL_IOAS_COPY) == 0,
          "iommufd: two iommufd objects: both MAP, no copy, no abort");
    CHECK(dma_round_trip(t, b, 0x300000, RAM_HIGH_GPA + 0x100000, 61),
          "iommufd: %s DMA through the second iommufd object", b->bdf);
    return pin;
}

static void iommufd_mixed(T *t, Dev *a, IOMMUFDBackend *be)
{
    Dev c = { 0 };

    if (t->nr_edus < 3) {
        tap_skip("mixed legacy + iommufd (needs a third edu)");
        return;
    }
    if (!dev_attach(t, a, 0, be, false) || !dev_attach(t, &c, 2, NULL, false)) {
        dev_detach(&c);
        return;
    }
    CHECK(nr_containers(t) == 2 &&
          VFIO_IS_LEGACY_CONTAINER(container_of_dev(&c)) &&
          VFIO_IS_IOMMUFD_CONTAINER(container_of_dev(a)),
          "mixed: one legacy and one iommufd container in one address "
          "space");
    CHECK_EQ(count(container_of_dev(&c), VFIO_IOCTL_MAP_DMA), NR_SECTIONS,
             "mixed: the legacy container did MAP_DMA per section");
    CHECK(dma_round_trip(t, a, 0x100000, 0x200000, 71),
          "mixed: %s (iommufd) DMA round trip", a->bdf);
    CHECK(dma_round_trip(t, &c, 0x300000, RAM_HIGH_GPA + 0x100000, 72),
          "mixed: %s (legacy) DMA round trip", c.bdf);
    dev_detach(&c);
}

/* The test opens /dev/iommu and the cdev; the layer opens no node. */
static void iommufd_fd_passing(T *t, Dev *a)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *vdir = g_strdup_printf("/sys/bus/pci/devices/%s/"
                                            "vfio-dev", t->bdfs[0]);
    g_autoptr(GDir) dir = g_dir_open(vdir, 0, NULL);
    const char *name = dir ? g_dir_read_name(dir) : NULL;
    g_autofree char *node = g_strdup_printf("/dev/vfio/devices/%s",
                                            name ? name : "none");
    int iommu_fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
    int dev_fd = open(node, O_RDWR | O_CLOEXEC);
    g_autoptr(IOMMUFDBackend) be = NULL;
    VFIODeviceConfig cfg = VFIO_DEVICE_CONFIG_INIT;
    int fds;

    if (!CHECK(iommu_fd >= 0 && dev_fd >= 0, "fd passing: the test opened "
               "/dev/iommu and %s", node)) {
        return;
    }
    be = iommufd_backend_new_fd("passed", iommu_fd, false);
    cfg.iommufd = be;
    cfg.fd = dev_fd;
    fds = count_fds();
    if (dev_attach_cfg(t, a, t->bdfs[0], &cfg, "with passed fds")) {
        CHECK(a->vdev->fd == dev_fd && iommufd_backend_get_fd(be) == iommu_fd,
              "fd passing: the layer uses the passed fds");
        CHECK_EQ(count_fds(), fds, "fd passing: the layer opened no node "
                 "itself");
        CHECK(dma_round_trip(t, a, 0x100000, 0x200000, 81),
              "fd passing: DMA round trip");
    } else if (!a->vdev) {
        close(dev_fd);      /* still ours when the attach fails */
    }
    dev_detach(a);
    g_clear_object(&be);
    CHECK(fcntl(iommu_fd, F_GETFD) >= 0, "fd passing: the iommufd it did "
          "not open is still open");
    close(iommu_fd);
}

static void iommufd_bad_input(T *t, Dev *a, IOMMUFDBackend *be)
{
    g_autoptr(VFIOContext) ctx2 = vfio_context_new();
    g_autoptr(IOMMUFDBackend) be2 = iommufd_backend_new("other");
    g_autoptr(IOMMUFDBackend) notfd = NULL;
    VFIODeviceConfig cfg = VFIO_DEVICE_CONFIG_INIT;
    g_autoptr(GError) err = NULL;
    int fds, null_fd;

    if (!dev_attach(t, a, 0, be, false)) {
        return;
    }
    fds = count_fds();
    /* The same device, bound already, from another context */
    cfg.host = t->bdfs[0];
    cfg.iommufd = be2;
    CHECK(!vfio_device_attach(ctx2, t->as, &cfg, &err),
          "bad input: a cdev already bound elsewhere: %s",
          err ? err->message : "");
    g_clear_error(&err);
    /* The legacy group of a device bound through its cdev */
    cfg.iommufd = NULL;
    CHECK(!vfio_device_attach(ctx2, t->as, &cfg, &err) &&
          g_error_matches(err, VFIO_ERROR, EBUSY),
          "bad input: the group of a cdev-bound device: %s",
          err ? err->message : "");
    g_clear_error(&err);
    /* An "iommufd" fd that is not one */
    null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    notfd = iommufd_backend_new_fd("null", null_fd, true);
    cfg.host = t->bdfs[1];
    cfg.iommufd = notfd;
    CHECK(!vfio_device_attach(ctx2, t->as, &cfg, &err) &&
          g_error_matches(err, IOMMUFD_ERROR, ENOTTY),
          "bad input: fd= of a non-iommufd file: %s",
          err ? err->message : "");
    g_clear_object(&notfd);
    CHECK_EQ(count_fds(), fds, "bad input: no fd leaked");
    CHECK(iommufd_backend_users(be2) == 0 && iommufd_backend_get_fd(be2) < 0,
          "bad input: the unused iommufd object has no user and no fd");
    dev_detach(a);
}

/* Two devices on one iommufd object: one IOAS, one MAP per section. */
static bool iommufd_shared(T *t, Dev *a, Dev *b, IOMMUFDBackend *be,
                           long pin0)
{
    VFIOContainer *c;
    long pin;

    if (!dev_attach(t, a, 0, be, false) || !dev_attach(t, b, 1, be, false)) {
        return false;
    }
    c = container_of_dev(a);
    CHECK(container_of_dev(b) == c && nr_containers(t) == 1,
          "iommufd: two devices on one iommufd share ONE IOAS (%u)",
          vfio_iommufd_container_ioas_id(VFIO_IOMMUFD_CONTAINER(c)));
    CHECK(a->vdev->hwpt_id == b->vdev->hwpt_id, "iommufd: and one HWPT (%u)",
          a->vdev->hwpt_id);
    CHECK(count(c, VFIO_IOCTL_IOAS_MAP) == NR_SECTIONS &&
          count(c, VFIO_IOCTL_IOAS_COPY) == 0,
          "iommufd: exactly one IOAS_MAP per RAM section (%" PRIu64 ")",
          count(c, VFIO_IOCTL_IOAS_MAP));
    pin = vm_pinned_kb();
    CHECK_EQ(pin - pin0, (RAM_LOW_SIZE + RAM_HIGH_SIZE) / 1024,
             "iommufd: VmPin covers the RAM once (%ld kB)", pin);
    CHECK(dma_round_trip(t, a, 0x100000, 0x200000, 3),
          "iommufd: %s DMA round trip byte-exact", a->bdf);
    CHECK(dma_round_trip(t, b, 0x300000, RAM_HIGH_GPA + 0x100000, 4),
          "iommufd: %s DMA round trip byte-exact", b->bdf);
    CHECK(dma_blocked(t, a, 0x100000, t->dimm0.host, DIMM0_GPA),
          "iommufd: DMA to unmapped guest memory is blocked");
    return true;
}

/* VmPin of one iommufd object with a copied IOAS vs two objects. */
static void iommufd_pinning(T *t, Dev *a, Dev *b, IOMMUFDBackend *be,
                            long pin0)
{
    long pin_copy = -1, pin_two;

    if (dev_attach(t, a, 0, be, false) && dev_attach(t, b, 1, be, true)) {
        pin_copy = vm_pinned_kb() - pin0;
    }
    dev_detach(b);
    dev_detach(a);
    pin_two = iommufd_two_backends(t, a, b, be) - pin0;
    tap_note("VmPin: one iommufd + COPY: %ld kB; two iommufd objects "
             "(MAP twice): %ld kB", pin_copy, pin_two);
    CHECK(pin_copy == (long)(RAM_LOW_SIZE + RAM_HIGH_SIZE) / 1024 &&
          pin_two == 2 * pin_copy,
          "iommufd: VmPin does not grow with COPY (%ld kB), doubles with "
          "two iommufd objects (%ld kB)", pin_copy, pin_two);
    dev_detach(b);
    dev_detach(a);
}

static void phase_iommufd(T *t)
{
    g_autoptr(IOMMUFDBackend) be = iommufd_backend_new("iommufd0");
    Dev a = { 0 }, b = { 0 };
    int fds = count_fds();
    long pin0 = vm_pinned_kb();

    tap_note("=== phase 2: iommufd, %s and %s", t->bdfs[0], t->bdfs[1]);
    if (!iommufd_shared(t, &a, &b, be, pin0)) {
        goto out;
    }
    iommufd_copy_hotplug(t, &a, &b, vm_pinned_kb());
    note_mappings(t, "after the hot-added RAM");
    iommufd_source_leaves(t, &a, &b);
    dev_detach(&b);
    CHECK_EQ(vm_pinned_kb(), pin0, "iommufd: VmPin back to %ld kB", pin0);
    iommufd_pinning(t, &a, &b, be, pin0);
    iommufd_mixed(t, &a, be);
    dev_detach(&a);
    iommufd_fd_passing(t, &a);
    iommufd_bad_input(t, &a, be);
out:
    dev_detach(&b);
    dev_detach(&a);
    CHECK(nr_containers(t) == 0 && iommufd_backend_users(be) == 0 &&
          iommufd_backend_get_fd(be) < 0,
          "iommufd: everything detached, /dev/iommu closed");
    CHECK_EQ(vm_pinned_kb(), pin0, "iommufd: VmPin back to %ld kB", pin0);
    CHECK_EQ(count_fds(), fds, "iommufd: no fd leaked over the phase");
}

/* ---- main --------------------------------------------------------------- */

static bool setup(T *t, int argc, char **argv)
{
    t->topo = memory_topology_new();
    t->root = memory_region_new_container(t->topo, "system", UINT64_MAX);
    if (!CHECK(ram_init(t, &t->low, "ram-low", RAM_LOW_GPA, RAM_LOW_SIZE) &&
               ram_init(t, &t->high, "ram-high", RAM_HIGH_GPA,
                        RAM_HIGH_SIZE) &&
               ram_init(t, &t->dimm0, "dimm0", DIMM0_GPA, DIMM_SIZE) &&
               ram_init(t, &t->dimm1, "dimm1", DIMM1_GPA, DIMM_SIZE),
               "memfd RAM regions")) {
        return false;
    }
    ram_plug(t, &t->low);
    ram_plug(t, &t->high);
    t->as = address_space_new(t->topo, t->root, "memory");
    t->ctx = vfio_context_new();
    if (argc > 1) {
        for (int i = 1; i < argc && i <= EDU_MAX_DEVS; i++) {
            snprintf(t->bdfs[t->nr_edus++], 32, "%s", argv[i]);
        }
    } else {
        t->nr_edus = edu_find(t->bdfs, EDU_MAX_DEVS);
    }
    return CHECK(t->nr_edus >= 2, "at least two edu devices (%d)",
                 t->nr_edus);
}

int main(int argc, char **argv)
{
    T t = { 0 };

    tap_init();
    if (setup(&t, argc, argv)) {
        phase_legacy(&t);
        phase_iommufd(&t);
    }
    if (t.ctx) {
        vfio_context_free(t.ctx);
        address_space_free(t.as);
        ram_fini(&t, &t.dimm1);
        ram_fini(&t, &t.dimm0);
        ram_fini(&t, &t.high);
        ram_fini(&t, &t.low);
        memory_region_unref(t.root);
        memory_topology_unref(t.topo);
    }
    return tap_done();
}
