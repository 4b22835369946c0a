/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-host-iommufd: vfio-host's iommufd backend on the guest's real
 * kernel with three edu devices, driven over QMP/qtest.  BARs are not
 * mmap'ed (x-no-mmap=on), so the only sections mapped are guest RAM and
 * the counters count RAM sections exactly.
 *
 * 1. e0 + e1 on one iommufd object: one container, one IOAS, exactly one
 *    IOAS_MAP per RAM section; both DMA byte-exact.  e2 hot-added with
 *    x-separate-ioas=on: a second IOAS filled by IOAS_COPY (one per
 *    section, zero MAPs), zero ioctls on the first container, VmPin of
 *    vfio-host unchanged; e2 DMAs through the copied mappings.  A DIMM
 *    hot-added: one more MAP on the first, one more COPY on the second,
 *    DMA lands; removed: DMA blocked (its file keeps the marker).
 *    e0 and e1 unplugged (the COPY source goes away): a DIMM hot-added
 *    later is still mapped into e2's IOAS and e2's DMA into it lands.
 * 2. e0 on iommufd i0, e1 on iommufd i1: both IOAS_MAP (no abort), both
 *    DMA, VmPin grows by the RAM size a second time.
 * 3. Mixed: e0 legacy + e1 iommufd in one address space: both DMA.
 *
 * Usage: test-host-iommufd [VFIO_HOST_BINARY]
 */
#include <fcntl.h>
#include <unistd.h>

#include "edu.h"
#include "harness.h"
#include "host-edu.h"

#define MiB (1024 * 1024ULL)
#define RAM_SIZE (32 * MiB)
#define RAM_KB ((long)(RAM_SIZE / 1024))
#define DIMM_SIZE (2 * MiB)
#define LEN 4000
#define MACHINE "-m 32M,slots=2,maxmem=1G"

static char bdfs[HEDU_MAX][32];

typedef struct Dimm {
    const char *id;         /* device id; the backend is "m" + id */
    int fd;
    uint64_t gpa;
} Dimm;

/* ---- helpers ---- */

static JsonObject *container_now(VhtProc *p, JsonNode **qp, const char *id)
{
    *qp = hedu_query(p);
    return hedu_container_of(p, *qp, id);
}

static bool round_trip(VhtProc *p, const char *id, uint64_t src,
                       uint64_t dst, unsigned seed)
{
    return hedu_round_trip(p, hedu_bar0(p, id), src, dst, LEN, seed);
}

static bool dimm_add(VhtProc *p, Dimm *d)
{
    g_autofree char *path = g_strdup_printf("%s/%s.mem", vht_dir(p), d->id);
    g_autoptr(JsonNode) devs = NULL;
    JsonArray *a;

    if (!hedu_qmp_ok(p, "object-add memory-backend-file (file in the test's "
                     "dir)", "{'execute': 'object-add', 'arguments': "
                     "{'qom-type': 'memory-backend-file', 'id': 'm%s', "
                     "'size': %llu, 'mem-path': '%s', 'share': true}}",
                     d->id, DIMM_SIZE, path) ||
        !hedu_qmp_ok(p, "device_add pc-dimm", "{'execute': 'device_add', "
                     "'arguments': {'driver': 'pc-dimm', 'id': '%s', "
                     "'memdev': 'm%s'}}", d->id, d->id)) {
        return false;
    }
    d->fd = open(path, O_RDWR | O_CLOEXEC);
    devs = hedu_qmp(p, NULL, "{'execute': 'query-memory-devices'}");
    a = devs ? json_node_get_array(devs) : NULL;
    for (guint i = 0; a && i < json_array_get_length(a); i++) {
        JsonObject *data = json_object_get_object_member(
            json_array_get_object_element(a, i), "data");

        if (!g_strcmp0(json_object_get_string_member(data, "id"), d->id)) {
            d->gpa = json_object_get_int_member(data, "addr");
        }
    }
    tap_note("DIMM %s at 0x%" PRIx64, d->id, d->gpa);
    return CHECK(d->fd >= 0 && d->gpa, "DIMM %s plugged, file open", d->id);
}

static HeduResult dimm_write(VhtProc *p, const char *dev, Dimm *d,
                             unsigned seed)
{
    HeduDest dst = { .gpa = d->gpa + 0x1000, .fd = d->fd, .off = 0x1000 };

    return hedu_copy(p, hedu_bar0(p, dev), 0x500000, &dst, LEN, seed);
}

static guint nr_containers(JsonNode *q)
{
    g_autoptr(GPtrArray) cs = hedu_containers(q);

    return cs->len;
}

/* The container's RAM mappings are the flat view's, of @origin (or any). */
static bool matches_flat_view(VhtProc *p, JsonObject *c, const char *origin)
{
    g_autoptr(GPtrArray) ram = hedu_ram_ranges(p, RAM_SIZE);

    return c && hedu_mappings_match(c, ram, origin);
}

static const char *no_mmap(void)
{
    return "x-no-mmap=on";
}

/* ---- 1. shared IOAS, separate IOAS by COPY, source unplug ---- */

static void shared_ioas(VhtProc *p)
{
    g_autoptr(JsonNode) q = NULL;
    JsonObject *c = container_now(p, &q, "e0");
    int64_t id0 = hedu_container_id(p, "e0");

    CHECK(id0 >= 0 && id0 == hedu_container_id(p, "e1"),
          "iommufd: e0 and e1 on one iommufd object share one container");
    CHECK(nr_containers(q) == 1 && hedu_ioas(c) > 0,
          "iommufd: one container, one IOAS (ioas %" PRId64 ")",
          hedu_ioas(c));
    CHECK_EQ(hedu_count(c, "IOMMU_IOAS_MAP"), 1,
             "iommufd: exactly one IOAS_MAP for the one RAM section");
    CHECK(matches_flat_view(p, c, "map"),
          "iommufd: x-query-vfio == flat view, origin map");
    CHECK(round_trip(p, "e0", 0x100000, 0x200000, 1),
          "iommufd: e0 DMA through the shared IOAS byte-exact");
    CHECK(round_trip(p, "e1", 0x300000, 0x400000, 2),
          "iommufd: e1 DMA through the shared IOAS byte-exact");
}

/* e2 joins with x-separate-ioas=on while e0 has a DMA in flight. */
static void separate_ioas(VhtProc *p)
{
    g_autoptr(JsonNode) q0 = NULL, q1 = NULL;
    g_autofree char *before = hedu_counters(container_now(p, &q0, "e0"));
    g_autofree char *after = NULL;
    long pin0 = hedu_vmpin_kb(vht_pid(p)), pin1;
    uint64_t bar = hedu_bar0(p, "e0");
    JsonObject *c2;

    CHECK_EQ(pin0, RAM_KB, "iommufd: VmPin of vfio-host = guest RAM "
             "(%ld kB) with one IOAS mapped", pin0);
    hedu_dma_start(p, bar, 0x100000, EDU_BUF_ADDR, LEN, false);
    if (!hedu_qmp_ok(p, "iommufd: device_add e2 (x-separate-ioas=on) while "
                     "e0's DMA runs", "{'execute': 'device_add', "
                     "'arguments': {'driver': 'vfio-pci', 'id': 'e2', "
                     "'host': '%s', 'iommufd': 'i0', 'x-separate-ioas': "
                     "true, 'x-no-mmap': true}}", bdfs[2])) {
        return;
    }
    CHECK(hedu_dma_wait(p, bar), "iommufd: e0's DMA in flight finished");
    after = hedu_counters(container_now(p, &q1, "e0"));
    pin1 = hedu_vmpin_kb(vht_pid(p));
    CHECK(!strcmp(before, after), "iommufd: ZERO ioctls on the first "
          "container during the hotplug (%s -> %s)", before, after);
    c2 = hedu_container_of(p, q1, "e2");
    CHECK(c2 && hedu_ioas(c2) > 0 && hedu_ioas(c2) !=
          hedu_ioas(hedu_container_of(p, q1, "e0")),
          "iommufd: e2 has a second IOAS (ioas %" PRId64 ")", hedu_ioas(c2));
    CHECK_EQ(hedu_count(c2, "IOMMU_IOAS_COPY"), 1,
             "iommufd: the second IOAS got one IOAS_COPY per RAM section");
    CHECK_EQ(hedu_count(c2, "IOMMU_IOAS_MAP"), 0,
             "iommufd: and zero IOAS_MAP");
    CHECK(matches_flat_view(p, c2, "copy"),
          "iommufd: e2's x-query-vfio == flat view, origin copy");
    tap_note("VmPin of vfio-host: %ld kB before the COPY, %ld kB after", pin0,
             pin1);
    CHECK_EQ(pin1, pin0, "iommufd: VmPin does NOT grow with the copy "
             "(%ld kB -> %ld kB)", pin0, pin1);
    CHECK(round_trip(p, "e2", 0x600000, 0x700000, 3),
          "iommufd: e2 DMA through the COPIED mappings byte-exact");
    CHECK(round_trip(p, "e0", 0x100000, 0x200000, 4),
          "iommufd: e0 DMA still works after the hotplug");
}

static void dimm_through_both(VhtProc *p, Dimm *d)
{
    g_autoptr(JsonNode) q = NULL;
    JsonObject *c0, *c2;
    HeduResult r;

    if (!dimm_add(p, d)) {
        return;
    }
    q = hedu_query(p);
    c0 = hedu_container_of(p, q, "e0");
    c2 = hedu_container_of(p, q, "e2");
    CHECK_EQ(hedu_count(c0, "IOMMU_IOAS_MAP"), 2,
             "iommufd: hot-added RAM: one more IOAS_MAP on the source");
    CHECK_EQ(hedu_count(c2, "IOMMU_IOAS_COPY"), 2,
             "iommufd: hot-added RAM: one more IOAS_COPY on the copy");
    CHECK(matches_flat_view(p, c0, "map") && matches_flat_view(p, c2, "copy"),
          "iommufd: both containers == flat view after the DIMM hotplug");
    r = dimm_write(p, "e1", d, 10);
    CHECK(r == HEDU_LANDED, "iommufd: e1 DMA into the DIMM (%s)",
          hedu_result_name(r));
    r = dimm_write(p, "e2", d, 11);
    CHECK(r == HEDU_LANDED, "iommufd: e2 DMA into the DIMM via COPY (%s)",
          hedu_result_name(r));
    if (!hedu_qmp_ok(p, "iommufd: device_del the DIMM", "{'execute': "
                     "'device_del', 'arguments': {'id': '%s'}}", d->id)) {
        return;
    }
    g_clear_pointer(&q, json_node_unref);
    q = hedu_query(p);
    CHECK(matches_flat_view(p, hedu_container_of(p, q, "e0"), "map") &&
          matches_flat_view(p, hedu_container_of(p, q, "e2"), "copy"),
          "iommufd: both containers == flat view after the DIMM unplug");
    r = dimm_write(p, "e0", d, 12);
    CHECK(r == HEDU_BLOCKED, "iommufd: e0 DMA into the removed DIMM blocked "
          "(%s)", hedu_result_name(r));
    r = dimm_write(p, "e2", d, 13);
    CHECK(r == HEDU_BLOCKED, "iommufd: e2 DMA into the removed DIMM blocked "
          "(%s)", hedu_result_name(r));
    CHECK(round_trip(p, "e2", 0x600000, 0x700000, 14),
          "iommufd: control: e2 DMA into boot RAM still lands");
}

/* e0 and e1 leave: e2's container becomes the source for new RAM. */
static void source_unplug(VhtProc *p, Dimm *d)
{
    g_autoptr(JsonNode) q = NULL;
    JsonObject *c2;
    HeduResult r;

    if (!hedu_qmp_ok(p, "iommufd: device_del e0", "{'execute': "
                     "'device_del', 'arguments': {'id': 'e0'}}") ||
        !hedu_qmp_ok(p, "iommufd: device_del e1 (the COPY source is gone)",
                     "{'execute': 'device_del', 'arguments': {'id': 'e1'}}")) {
        return;
    }
    CHECK(round_trip(p, "e2", 0x600000, 0x700000, 20),
          "iommufd: e2 DMA works after its COPY source left");
    if (!dimm_add(p, d)) {
        return;
    }
    q = hedu_query(p);
    c2 = hedu_container_of(p, q, "e2");
    CHECK_EQ(nr_containers(q), 1, "iommufd: one container left");
    CHECK(c2 && hedu_count_origin(c2, NULL) == 2,
          "iommufd: RAM hot-added after the source left is mapped into "
          "e2's IOAS (%d RAM mappings)", hedu_count_origin(c2, NULL));
    CHECK(matches_flat_view(p, c2, NULL),
          "iommufd: e2's IOAS == flat view (%d by copy, %d by map)",
          hedu_count_origin(c2, "copy"), hedu_count_origin(c2, "map"));
    r = dimm_write(p, "e2", d, 21);
    CHECK(r == HEDU_LANDED, "iommufd: e2 DMA into the later DIMM (%s)",
          hedu_result_name(r));
}

static void phase_shared_and_copy(void)
{
    Dimm d1 = { .id = "d1", .fd = -1 }, d2 = { .id = "d2", .fd = -1 };
    VhtProc *p = vht_start(MACHINE " -object iommufd,id=i0 "
                           "-device vfio-pci,host=%s,id=e0,iommufd=i0,%s "
                           "-device vfio-pci,host=%s,id=e1,iommufd=i0,%s",
                           bdfs[0], no_mmap(), bdfs[1], no_mmap());

    shared_ioas(p);
    separate_ioas(p);
    dimm_through_both(p, &d1);
    source_unplug(p, &d2);
    vht_end(p);
    CHECK(true, "iommufd: phase 1 vfio-host exited 0");
    close(d1.fd);
    close(d2.fd);
}

/* ---- 2. two iommufd objects ---- */

static void phase_two_objects(void)
{
    VhtProc *p = vht_start(MACHINE " -object iommufd,id=i0 "
                           "-object iommufd,id=i1 "
                           "-device vfio-pci,host=%s,id=e0,iommufd=i0,%s",
                           bdfs[0], no_mmap());
    long pin1 = hedu_vmpin_kb(vht_pid(p)), pin2;
    g_autoptr(JsonNode) q = NULL;

    if (!hedu_qmp_ok(p, "iommufd: device_add e1 on a second iommufd object",
                     "{'execute': 'device_add', 'arguments': {'driver': "
                     "'vfio-pci', 'id': 'e1', 'host': '%s', 'iommufd': "
                     "'i1', 'x-no-mmap': true}}", bdfs[1])) {
        vht_end(p);
        return;
    }
    pin2 = hedu_vmpin_kb(vht_pid(p));
    q = hedu_query(p);
    CHECK(nr_containers(q) == 2 &&
          hedu_count(hedu_container_of(p, q, "e0"), "IOMMU_IOAS_MAP") == 1 &&
          hedu_count(hedu_container_of(p, q, "e1"), "IOMMU_IOAS_MAP") == 1,
          "iommufd: two iommufd objects: two containers, each IOAS_MAPs "
          "the RAM section (no abort)");
    CHECK(matches_flat_view(p, hedu_container_of(p, q, "e1"), "map"),
          "iommufd: the second object's IOAS == flat view, origin map");
    tap_note("VmPin of vfio-host: %ld kB with one iommufd object, %ld kB "
             "with two (MAP twice)", pin1, pin2);
    CHECK(pin1 == RAM_KB && pin2 == 2 * RAM_KB,
          "iommufd: VmPin DOES grow with two iommufd objects (%ld kB -> "
          "%ld kB)", pin1, pin2);
    CHECK(round_trip(p, "e0", 0x100000, 0x200000, 30) &&
          round_trip(p, "e1", 0x300000, 0x400000, 31),
          "iommufd: both devices DMA byte-exact");
    vht_end(p);
}

/* ---- 3. mixed legacy + iommufd ---- */

static void phase_mixed(void)
{
    VhtProc *p = vht_start(MACHINE " -object iommufd,id=i0 "
                           "-device vfio-pci,host=%s,id=e0 "
                           "-device vfio-pci,host=%s,id=e1,iommufd=i0",
                           bdfs[0], bdfs[1]);
    g_autoptr(JsonNode) q = hedu_query(p);
    JsonObject *c0 = hedu_container_of(p, q, "e0");
    JsonObject *c1 = hedu_container_of(p, q, "e1");

    CHECK(c0 && c1 && c0 != c1 &&
          !g_strcmp0(json_object_get_string_member(c0, "backend"), "legacy") &&
          !g_strcmp0(json_object_get_string_member(c1, "backend"), "iommufd"),
          "mixed: a legacy and an iommufd container in one address space");
    CHECK(matches_flat_view(p, c0, "map_dma") &&
          matches_flat_view(p, c1, "map"),
          "mixed: both == flat view (map_dma, map)");
    CHECK(round_trip(p, "e0", 0x100000, 0x200000, 40),
          "mixed: legacy e0 DMA byte-exact");
    CHECK(round_trip(p, "e1", 0x300000, 0x400000, 41),
          "mixed: iommufd e1 DMA byte-exact");
    vht_end(p);
}

int main(int argc, char **argv)
{
    hedu_init(argc, argv);
    if (hedu_find(bdfs, 3) < 3) {
        return tap_done();
    }
    phase_shared_and_copy();
    phase_two_objects();
    phase_mixed();
    return tap_done();
}
