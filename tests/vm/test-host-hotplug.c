/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-host-hotplug: hot-adding a device to a running vfio-host on the
 * guest's real kernel, while the first device's DMA is in flight.
 *
 * BARs are not mmap'ed (x-no-mmap=on): an mmap'ed BAR of a hot-added
 * device is a new ram_device section of the flat view, which the listener
 * maps into every container for peer-to-peer DMA (one map on the running
 * container, as QEMU does); here the hotplug adds no section at all.
 *
 * For the legacy backend and for iommufd: e0 runs; e1 is hot-added into a
 * container of its own (x-separate-ioas=on; for legacy: its own type1
 * container) while e0 has a DMA in flight: the first container's ioctl
 * counters do not move (ZERO ioctls), the in-flight DMA lands, e0 keeps
 * working, e1 works.  Then e2 is hot-added sharing e0's container (no
 * new MAP: the kernel fills the new domain).  device_del of e0 leaves e1
 * and e2 working; device_del of e2 leaves e1 working.
 *
 * Usage: test-host-hotplug [VFIO_HOST_BINARY]
 */
#include "edu.h"
#include "harness.h"
#include "host-edu.h"

#define LEN 4000

static char bdfs[HEDU_MAX][32];

typedef struct Mode {
    const char *name;       /* "legacy", "iommufd" */
    const char *map_ioctl;  /* the container's map ioctl */
    const char *dev_extra;  /* extra device_add members */
} Mode;

static char *counters_of(VhtProc *p, const char *id)
{
    g_autoptr(JsonNode) q = hedu_query(p);

    return hedu_counters(hedu_container_of(p, q, id));
}

static int64_t count_of(VhtProc *p, const char *id, const char *ioctl)
{
    g_autoptr(JsonNode) q = hedu_query(p);

    return hedu_count(hedu_container_of(p, q, id), ioctl);
}

static bool dma(VhtProc *p, const char *id, unsigned seed)
{
    uint64_t base = 0x100000 + (uint64_t)(seed % 8) * 0x200000;

    return hedu_round_trip(p, hedu_bar0(p, id), base, base + 0x100000, LEN,
                           seed);
}

static bool add_dev(VhtProc *p, const Mode *m, const char *id,
                    const char *bdf, bool separate)
{
    return hedu_qmp_ok(p, "device_add", "{'execute': 'device_add', "
                       "'arguments': {'driver': 'vfio-pci', 'id': '%s', "
                       "'host': '%s', 'x-no-mmap': true, 'x-separate-ioas': %s %s}}", id, bdf,
                       separate ? "true" : "false", m->dev_extra);
}

/* Hot-add e1 in its own container while e0's DMA is in flight. */
static void hotplug_separate(VhtProc *p, const Mode *m)
{
    uint64_t bar = hedu_bar0(p, "e0");
    g_autofree char *before = counters_of(p, "e0"), *after = NULL;
    g_autofree uint8_t *pat = g_malloc(LEN), *got = g_malloc(LEN);

    edu_pattern(pat, LEN, 77);
    vht_memwrite(p, 0x100000, pat, LEN);
    vht_memset(p, 0x200000, 0, LEN);
    CHECK(hedu_dma(p, bar, 0x100000, EDU_BUF_ADDR, LEN, false),
          "%s: e0 loaded its buffer", m->name);
    hedu_dma_start(p, bar, EDU_BUF_ADDR, 0x200000, LEN, true);
    if (!add_dev(p, m, "e1", bdfs[1], true)) {
        return;
    }
    CHECK(hedu_dma_wait(p, bar), "%s: e0's DMA in flight during the "
          "hotplug finished", m->name);
    vht_memread(p, 0x200000, got, LEN);
    CHECK(!memcmp(pat, got, LEN), "%s: e0's DMA in flight during the "
          "hotplug landed byte-exact", m->name);
    after = counters_of(p, "e0");
    CHECK(!strcmp(before, after), "%s: ZERO ioctls on e0's container "
          "during the hotplug (%s -> %s)", m->name, before, after);
    CHECK(hedu_container_id(p, "e1") >= 0 &&
          hedu_container_id(p, "e1") != hedu_container_id(p, "e0"),
          "%s: e1 has a container of its own", m->name);
    CHECK(dma(p, "e0", 1), "%s: e0 DMA works after the hotplug", m->name);
    CHECK(dma(p, "e1", 2), "%s: hot-added e1 DMA works", m->name);
}

/* Hot-add e2 into e0's container: no new map ioctl there. */
static void hotplug_shared(VhtProc *p, const Mode *m)
{
    int64_t maps = count_of(p, "e0", m->map_ioctl);
    g_autofree char *before = counters_of(p, "e0"), *after = NULL;

    if (!add_dev(p, m, "e2", bdfs[2], false)) {
        return;
    }
    after = counters_of(p, "e0");
    tap_note("%s: e0's container around the shared hotplug: %s -> %s",
             m->name, before, after);
    CHECK(hedu_container_id(p, "e2") == hedu_container_id(p, "e0"),
          "%s: e2 joined e0's container", m->name);
    CHECK_EQ(count_of(p, "e0", m->map_ioctl), maps, "%s: no %s for the "
             "joining device", m->name, m->map_ioctl);
    CHECK(dma(p, "e0", 3) && dma(p, "e2", 4), "%s: e0 and e2 DMA in the "
          "shared container", m->name);
}

static void unplug_each(VhtProc *p, const Mode *m)
{
    if (hedu_qmp_ok(p, "device_del e0", "{'execute': 'device_del', "
                    "'arguments': {'id': 'e0'}}")) {
        CHECK(dma(p, "e1", 5), "%s: e1 works after device_del e0", m->name);
        CHECK(dma(p, "e2", 6), "%s: e2 works after device_del e0", m->name);
    }
    if (hedu_qmp_ok(p, "device_del e2", "{'execute': 'device_del', "
                    "'arguments': {'id': 'e2'}}")) {
        CHECK(dma(p, "e1", 7), "%s: e1 works after device_del e2", m->name);
    }
    if (hedu_qmp_ok(p, "device_del e1", "{'execute': 'device_del', "
                    "'arguments': {'id': 'e1'}}")) {
        g_autoptr(JsonNode) q = hedu_query(p);
        g_autoptr(GPtrArray) cs = hedu_containers(q);

        CHECK(q && cs->len == 0, "%s: no container left after the last "
              "device_del", m->name);
    }
}

static void run_mode(const Mode *m, const char *object)
{
    VhtProc *p = vht_start("-m 32M %s -device vfio-pci,host=%s,id=e0,"
                           "x-no-mmap=on%s",
                           object, bdfs[0],
                           *m->dev_extra ? ",iommufd=i0" : "");

    tap_note("--- %s ---", m->name);
    CHECK(dma(p, "e0", 0), "%s: e0 DMA works before any hotplug", m->name);
    hotplug_separate(p, m);
    hotplug_shared(p, m);
    unplug_each(p, m);
    vht_end(p);
    CHECK(true, "%s: vfio-host exited 0", m->name);
}

int main(int argc, char **argv)
{
    static const Mode legacy = { "legacy", "VFIO_IOMMU_MAP_DMA", "" };
    static const Mode iommufd = { "iommufd", "IOMMU_IOAS_MAP",
                                  ", 'iommufd': 'i0'" };

    hedu_init(argc, argv);
    if (hedu_find(bdfs, 3) < 3) {
        return tap_done();
    }
    run_mode(&legacy, "");
    run_mode(&iommufd, "-object iommufd,id=i0");
    return tap_done();
}
