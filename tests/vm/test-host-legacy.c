/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-host-legacy: vfio-host with two edu devices on the legacy VFIO
 * container (type1), on the guest's real kernel, driven over QMP/qtest.
 *
 * - both devices in one container; x-query-vfio's RAM mappings are the
 *   flat view's RAM, all made by MAP_DMA;
 * - qtest writes a pattern into guest RAM, each edu copies it to another
 *   guest address by DMA (IOVA = guest-physical): byte-exact;
 * - memory hotplug: a file-backed DIMM (object-add + device_add pc-dimm):
 *   DMA into it lands (read back over qtest AND from the file), and
 *   x-query-vfio matches the flat view; after device_del the same DMA is
 *   blocked (the file keeps the marker) and x-query-vfio matches again;
 *   plugged back, DMA lands again.
 *
 * Usage: test-host-legacy [VFIO_HOST_BINARY]
 */
#include <fcntl.h>
#include <unistd.h>

#include "edu.h"
#include "harness.h"
#include "host-edu.h"

#define MiB (1024 * 1024ULL)
#define RAM_SIZE (32 * MiB)
#define DIMM_SIZE (2 * MiB)
#define LEN 4000

typedef struct T {
    VhtProc *p;
    uint64_t bar[2];
    int dimm_fd;
    uint64_t dimm_gpa;
} T;

/* x-query-vfio against the flat view's RAM, for the container of e0. */
static void check_flat_view(T *t, const char *step)
{
    g_autoptr(JsonNode) q = hedu_query(t->p);
    g_autoptr(GPtrArray) ram = hedu_ram_ranges(t->p, RAM_SIZE);
    JsonObject *c = hedu_container_of(t->p, q, "e0");

    CHECK(c && hedu_mappings_match(c, ram, "map_dma"),
          "legacy: %s: x-query-vfio RAM mappings == flat view RAM, "
          "all map_dma", step);
}

static void check_one_container(T *t)
{
    g_autoptr(JsonNode) q = hedu_query(t->p);
    g_autoptr(GPtrArray) cs = hedu_containers(q);
    JsonObject *c = hedu_container_of(t->p, q, "e0");
    int64_t id0 = hedu_container_id(t->p, "e0");
    int64_t id1 = hedu_container_id(t->p, "e1");

    CHECK(q && cs->len == 1 && id0 >= 0 && id0 == id1,
          "legacy: one container holds both devices (containers %u, "
          "ids %" PRId64 " %" PRId64 ")", cs->len, id0, id1);
    CHECK(c && !g_strcmp0(json_object_get_string_member_with_default(
              c, "backend", ""), "legacy"),
          "legacy: the container's backend is legacy");
    if (c) {
        g_autofree char *n = hedu_counters(c);

        tap_note("legacy container %" PRId64 " ioctls: %s", id0, n);
    }
}

static void dma_both(T *t, const char *step, unsigned seed)
{
    CHECK(hedu_round_trip(t->p, t->bar[0], 0x100000, 0x200000, LEN, seed),
          "legacy: %s: e0 DMA RAM -> edu -> RAM byte-exact", step);
    CHECK(hedu_round_trip(t->p, t->bar[1], 0x300000, 0x400000, LEN,
                          seed + 1),
          "legacy: %s: e1 DMA RAM -> edu -> RAM byte-exact", step);
}

static bool dimm_plug(T *t)
{
    g_autofree char *err = NULL;
    g_autoptr(JsonNode) devs = NULL;
    JsonArray *a;

    if (!hedu_qmp_ok(t->p, "legacy: device_add pc-dimm d1",
                     "{'execute': 'device_add', 'arguments': {'driver': "
                     "'pc-dimm', 'id': 'd1', 'memdev': 'm1'}}")) {
        return false;
    }
    devs = hedu_qmp(t->p, &err, "{'execute': 'query-memory-devices'}");
    a = devs ? json_node_get_array(devs) : NULL;
    if (!a || json_array_get_length(a) != 1) {
        return CHECK(false, "legacy: query-memory-devices lists the DIMM");
    }
    t->dimm_gpa = json_object_get_int_member(json_object_get_object_member(
        json_array_get_object_element(a, 0), "data"), "addr");
    tap_note("DIMM d1 at 0x%" PRIx64, t->dimm_gpa);
    return true;
}

static bool dimm_create(T *t)
{
    g_autofree char *path = g_build_filename(vht_dir(t->p), "dimm.mem",
                                             NULL);

    if (!hedu_qmp_ok(t->p, "legacy: object-add memory-backend-file m1",
                     "{'execute': 'object-add', 'arguments': {'qom-type': "
                     "'memory-backend-file', 'id': 'm1', 'size': %llu, "
                     "'mem-path': '%s', 'share': true}}", DIMM_SIZE, path)) {
        return false;
    }
    t->dimm_fd = open(path, O_RDWR | O_CLOEXEC);
    return CHECK(t->dimm_fd >= 0, "legacy: the DIMM's file %s opens", path);
}

/* One edu write into the DIMM, judged by the DIMM's file. */
static HeduResult dimm_write(T *t, int dev, unsigned seed)
{
    HeduDest d = { .gpa = t->dimm_gpa + 0x1000, .fd = t->dimm_fd,
                   .off = 0x1000 };

    return hedu_copy(t->p, t->bar[dev], 0x500000, &d, LEN, seed);
}

static void memory_hotplug(T *t)
{
    HeduResult r;

    if (!dimm_create(t) || !dimm_plug(t)) {
        return;
    }
    check_flat_view(t, "after device_add pc-dimm");
    CHECK(hedu_round_trip(t->p, t->bar[0], 0x100000, t->dimm_gpa + 0x2000,
                          LEN, 40),
          "legacy: e0 DMA into the hot-added RAM (read over qtest)");
    r = dimm_write(t, 1, 41);
    CHECK(r == HEDU_LANDED, "legacy: e1 DMA into the hot-added RAM lands in "
          "the backing file (%s)", hedu_result_name(r));
    if (!hedu_qmp_ok(t->p, "legacy: device_del pc-dimm d1",
                     "{'execute': 'device_del', 'arguments': {'id': 'd1'}}")) {
        return;
    }
    check_flat_view(t, "after device_del pc-dimm");
    for (int dev = 0; dev < 2; dev++) {
        r = dimm_write(t, dev, 42 + dev);
        CHECK(r == HEDU_BLOCKED, "legacy: e%d DMA into the removed RAM is "
              "blocked: its file still holds the marker (%s)", dev,
              hedu_result_name(r));
    }
    dma_both(t, "control after the blocked DMA", 44);
    if (dimm_plug(t)) {
        check_flat_view(t, "after plugging the DIMM back");
        r = dimm_write(t, 0, 46);
        CHECK(r == HEDU_LANDED, "legacy: e0 DMA into the re-plugged RAM "
              "lands again (%s)", hedu_result_name(r));
    }
}

int main(int argc, char **argv)
{
    char bdfs[HEDU_MAX][32];
    T t = { .dimm_fd = -1 };

    hedu_init(argc, argv);
    if (hedu_find(bdfs, 2) < 2) {
        return tap_done();
    }
    t.p = vht_start("-m 32M,slots=2,maxmem=1G "
                    "-device vfio-pci,host=%s,id=e0 "
                    "-device vfio-pci,host=%s,id=e1", bdfs[0], bdfs[1]);
    CHECK(true, "legacy: vfio-host started with e0=%s e1=%s", bdfs[0],
          bdfs[1]);
    t.bar[0] = hedu_bar0(t.p, "e0");
    t.bar[1] = hedu_bar0(t.p, "e1");
    CHECK(t.bar[0] && t.bar[1], "legacy: query-pci gives BAR0 of both "
          "(0x%" PRIx64 ", 0x%" PRIx64 ")", t.bar[0], t.bar[1]);
    CHECK_EQ(vht_readl(t.p, t.bar[0] + EDU_REG_ID), EDU_ID_VALUE,
             "legacy: e0's edu id register reads over qtest");
    check_one_container(&t);
    check_flat_view(&t, "start");
    dma_both(&t, "start", 1);
    memory_hotplug(&t);
    if (t.dimm_fd >= 0) {
        close(t.dimm_fd);
    }
    vht_end(t.p);
    CHECK(true, "legacy: vfio-host quit and exited 0");
    return tap_done();
}
