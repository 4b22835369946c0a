/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-qemu-series: what the series changes, on the rig's real kernel,
 * with the patched qemu-system-x86_64 ("patched=" in $VFIO_QEMU_BINARIES;
 * "control=" is 10.2.2 with only patch 1, for the pinning comparison).
 * Each scenario is one or two QEMU runs; exact counts come from
 * x-query-vfio's counters and from the fault shim's log of the ioctls.
 *
 *  copy          two edus on one iommufd object share one IOAS and one
 *                HWPT; a third with x-separate-ioas=on has its own IOAS,
 *                filled by IOMMU_IOAS_COPY only (copy-source: the shared
 *                container); nothing more is pinned; hot-adding and
 *                unplugging a device costs the running containers no
 *                MAP, COPY or UNMAP; a DIMM is mapped once and copied;
 *  pinning       VmPin with one iommufd object + COPY, with two objects,
 *                and the control with two objects;
 *  reelect       three containers of one object; the copy source leaves:
 *                the copies are re-elected to the second and the third
 *                container (copy-source, source-iova); a fourth joins and
 *                copies from the oldest; two more leave: no source; a
 *                DIMM is then mapped by the last container;
 *  mixed         a type1 and an iommufd container in one address space
 *                both DMA; a DIMM is pinned by each (type1 cannot share);
 *  memlock       RLIMIT_MEMLOCK reached by a hot-added DIMM: QEMU runs
 *                on, VFIO_DMA_MAP_FAILED names the device and the range,
 *                x-query-vfio counts it (map-errors, first-map-error,
 *                failed), DMA to the DIMM is blocked, to RAM lands; the
 *                unplug issues no unmap, since nothing was mapped;
 *  eaddrinuse    the attach to the existing HWPT answered EADDRINUSE
 *                (injected): the device gets an IOAS of its own filled by
 *                COPY from the first;
 *  unmap-refused a DIMM's unmap refused (EIO, injected) in an iommufd
 *                copy source and in a type1 container: the mappings stay
 *                listed, stale, and reachable; the copy is re-elected;
 *                a DIMM plugged again at that address retries the unmap:
 *                once refused, the retry succeeds and all is mapped anew;
 *                twice refused, the region fails with EEXIST without a
 *                map call, and the other container MAPs the new memory
 *                rather than copying the stale mapping;
 *  fd-release    a failed attach, and a device_del, leave no device fd;
 *  dirty-partial starting dirty tracking fails on the second of two type1
 *                containers (injected): calc-dirty-rate reports it, the
 *                first container is stopped again, a later round starts
 *                both;
 *  dirty-join    a type1 container joins while calc-dirty-rate tracks
 *                dirty pages: its tracking starts (and a refused start
 *                fails the hot-add, leaving nothing behind);
 *  map-file      a file-backed DIMM with a second IOAS on Linux 6.12:
 *                IOMMU_IOAS_MAP_FILE once (ENOTTY), then IOMMU_IOAS_MAP
 *                and IOMMU_IOAS_COPY; the next DIMM skips MAP_FILE.  Where
 *                the kernel has MAP_FILE (probed: Linux >= 6.13), each
 *                DIMM is IOMMU_IOAS_MAP_FILE then IOMMU_IOAS_COPY.
 *
 * Not here: a partial kernel unmap (some areas of a range unmapped, the
 * rest refused).  Linux 6.12 does that only for a range that cuts a
 * mapping, and QEMU unmaps whole recorded mappings; the shim fails a
 * call whole (docs/fault-sweep.md).
 *
 * Arguments name the scenarios to run (default: all).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "edu.h"
#include "harness.h"
#include "qemu-edu.h"

#define LEN 4000
#define DIMM_MB 64
#define DIMM_KB ((long)DIMM_MB << 10)
#define DIMM_GPA 0x100000000ULL         /* slot 0, above 4 GiB */
/*
 * What QEMU maps under qtest (QEDU_PINNED_KB) comes as five sections
 * once the machine reset split RAM below 1 MiB (the ISA ROM windows
 * 0xc0000 and 0xe0000 are read-only); before the reset RAM was one
 * section, mapped and unmapped once, and the BIOS ROM at 0xfffc0000 a
 * second: so a container there since the start has made 2 + 4 fill
 * calls and 1 unmap.
 */
#define SECTIONS 5
#define FILLS 6
/*
 * The section at 0xe0000 (isa-bios) is an alias of the BIOS ROM's last
 * 128 KiB, which the ROM's section maps at 0xfffe0000.  A container alone
 * maps it again (pinned twice, as upstream); where another container of
 * the copy domain holds the ROM, the alias is copied from there.
 */
#define ALIAS_IOVA 0xe0000ULL
#define ALIAS_SRC 0xfffe0000ULL
#define ALIAS_KB 128L

static char bdfs[HEDU_MAX][32];
static const char *patched, *control;

static bool dma_ok(VhtProc *p, uint64_t bar, unsigned seed)
{
    return bar && hedu_round_trip(p, bar, QEDU_SRC_GPA, QEDU_DST_GPA, LEN,
                                  seed);
}

/* The MAP, COPY and UNMAP counters of @id's container */
static QeduCounts counts(VhtProc *p, const char *id)
{
    QeduCounts c;

    qedu_counts(p, &id, 1, &c);
    return c;
}

/* The "failed" counter of @id's container */
static int64_t failed_of(VhtProc *p, const char *id)
{
    g_autoptr(JsonNode) q = qedu_query(p);

    return qedu_counter(qedu_container_of(q, id), "failed");
}

static bool same_counts(const char *tag, const char *what, QeduCounts a,
                        QeduCounts b)
{
    bool ok = a.map == b.map && a.copy == b.copy && a.unmap == b.unmap;

    tap_result(ok, "%s: %s: MAP %+" PRId64 ", COPY %+" PRId64 ", UNMAP %+"
               PRId64, tag, what, b.map - a.map, b.copy - a.copy,
               b.unmap - a.unmap);
    return ok;
}

static int64_t ioas_of(JsonObject *c)
{
    return c ? json_object_get_int_member_with_default(c, "ioas-id", -1) : -1;
}

static int64_t int_of(JsonObject *o, const char *member)
{
    return o ? json_object_get_int_member_with_default(o, member, -1) : -1;
}

/* The hwpt-id of device @id in container @c, -1 if none */
static int64_t hwpt_of(JsonObject *c, const char *id)
{
    g_autofree char *path = g_strdup_printf("/machine/peripheral/%s", id);
    JsonArray *devs = c ? json_object_get_array_member(c, "devices") : NULL;

    for (guint i = 0; devs && i < json_array_get_length(devs); i++) {
        JsonObject *d = json_array_get_object_element(devs, i);

        if (!g_strcmp0(json_object_get_string_member_with_default(
                           d, "qom-path", ""), path)) {
            return int_of(d, "hwpt-id");
        }
    }
    return -1;
}

/* Whether @c's hwpt-ids are exactly @n ids, the first @want */
static bool hwpts_are(JsonObject *c, guint n, int64_t want)
{
    JsonArray *ids = c ? json_object_get_array_member(c, "hwpt-ids") : NULL;

    return ids && json_array_get_length(ids) == n &&
           json_array_get_int_element(ids, 0) == want;
}

static guint vfio_fds(VhtProc *p)
{
    g_autoptr(GArray) fds = hedu_fds_to(vht_pid(p), "/dev/vfio/devices/");

    return fds->len;
}

static guint containers_in(JsonNode *q)
{
    JsonArray *spaces = q ? json_node_get_array(q) : NULL;
    guint n = 0;

    for (guint i = 0; spaces && i < json_array_get_length(spaces); i++) {
        n += json_array_get_length(json_object_get_array_member(
            json_array_get_object_element(spaces, i), "containers"));
    }
    return n;
}

/*
 * Whether every mapping of @c is a copy whose copy-source is @src (-1:
 * none listed) at the same IOVA (the alias at ALIAS_SRC), and @src holds
 * that range.  Notes the first mapping that is not.
 */
static bool copies_from(JsonNode *q, JsonObject *c, int64_t src,
                        const char *tag, const char *name)
{
    JsonArray *ms = c ? json_object_get_array_member(c, "mappings") : NULL;
    JsonObject *s = NULL;
    JsonArray *spaces = json_node_get_array(q);

    for (guint i = 0; src >= 0 && i < json_array_get_length(spaces); i++) {
        JsonArray *cs = json_object_get_array_member(
            json_array_get_object_element(spaces, i), "containers");

        for (guint j = 0; j < json_array_get_length(cs); j++) {
            JsonObject *o = json_array_get_object_element(cs, j);

            if (qedu_container_id(o) == src) {
                s = o;
            }
        }
    }
    if (!ms || !json_array_get_length(ms) || (src >= 0 && !s)) {
        tap_note("%s: %s: no mappings, or no container %" PRId64, tag, name,
                 src);
        return false;
    }
    for (guint i = 0; i < json_array_get_length(ms); i++) {
        JsonObject *m = json_array_get_object_element(ms, i);
        uint64_t iova = json_object_get_int_member(m, "iova");
        uint64_t size = json_object_get_int_member(m, "size");
        uint64_t want_at = iova == ALIAS_IOVA ? ALIAS_SRC : iova, at = 0;
        int64_t got = qedu_copy_source(c, iova, &at);
        JsonObject *held = s ? qedu_mapping_at(s, at) : NULL;

        if (g_strcmp0(json_object_get_string_member_with_default(
                          m, "origin", ""), "copy") || got != src ||
            (src >= 0 && (at != want_at || !held ||
                          (uint64_t)json_object_get_int_member(held, "iova") +
                          json_object_get_int_member(held, "size") <
                          at + size))) {
            tap_note("%s: %s: mapping 0x%" PRIx64 "+0x%" PRIx64 " has "
                     "copy-source %" PRId64 " at 0x%" PRIx64 ", want %"
                     PRId64 " at 0x%" PRIx64, tag, name, iova, size, got, at,
                     src, want_at);
            return false;
        }
    }
    return true;
}

/* ---- one iommufd object: shared IOAS + a separate one filled by COPY -- */

static void hotplug_quiet(const char *tag, VhtProc *p, bool separate)
{
    guint fds0 = vfio_fds(p);
    QeduCounts a0 = counts(p, "e0"), a2 = counts(p, "e2");
    long pin0 = qedu_vmpin(p);
    g_autoptr(JsonNode) q = NULL;
    JsonObject *c, *c0;
    uint64_t bar;

    if (!hedu_qmp_ok(p, separate ? "device_add with x-separate-ioas=on"
                                 : "device_add on the shared iommufd",
                     "{'execute': 'device_add', 'arguments': {'driver': "
                     "'vfio-pci', 'host': '%s', 'id': 'hp0', 'bus': 'rp0', "
                     "'iommufd': 'if0', 'x-separate-ioas': %s}}", bdfs[3],
                     separate ? "true" : "false")) {
        return;
    }
    same_counts(tag, "running shared container during the hot-add", a0,
                counts(p, "e0"));
    same_counts(tag, "running copy container during the hot-add", a2,
                counts(p, "e2"));
    q = qedu_query(p);
    c = qedu_container_of(q, "hp0");
    c0 = qedu_container_of(q, "e0");
    if (separate) {
        CHECK(c && ioas_of(c) != ioas_of(c0) &&
              qedu_counter(c, "copy") == SECTIONS &&
              qedu_counter(c, "map") == 0 && qedu_counter(c, "unmap") == 0,
              "%s: the hot-added device's own IOAS is filled by %d COPY, "
              "no MAP (COPY %" PRId64 ", MAP %" PRId64 ")", tag, SECTIONS,
              qedu_counter(c, "copy"), qedu_counter(c, "map"));
        CHECK(copies_from(q, c, qedu_container_id(c0), tag, "hp0"),
              "%s: each of its mappings lists the oldest container (%"
              PRId64 ") as copy-source, at the IOVA where it maps it", tag,
              qedu_container_id(c0));
    } else {
        CHECK(c && c == c0 && hwpt_of(c, "hp0") == hwpt_of(c0, "e0"),
              "%s: the hot-added device joined the shared IOAS and its HWPT",
              tag);
    }
    CHECK_EQ(qedu_vmpin(p), pin0, "%s: VmPin unchanged by the hot-add (%ld "
             "kB)", tag, pin0);
    qedu_root_port(p, QEDU_ROOT_PORT_SLOT, 1, QEDU_HOTPLUG_BAR);
    bar = qedu_enable(p, 1, 0, QEDU_HOTPLUG_BAR);
    CHECK(dma_ok(p, bar, 70 + separate), "%s: hot-added edu DMA byte-exact",
          tag);
    CHECK(qedu_unplug_pci(p, "hp0", "rp0") &&
          qedu_wait_vfio_fds(vht_pid(p), fds0) == fds0,
          "%s: hot-added edu unplugged, its device fd closed", tag);
    same_counts(tag, "shared container across add + unplug", a0,
                counts(p, "e0"));
    same_counts(tag, "copy container across add + unplug", a2,
                counts(p, "e2"));
}

static void dimm_mapped_once(const char *tag, VhtProc *p,
                             const uint64_t *bar)
{
    g_autofree char *path = g_strdup_printf("/tmp/qseries-dimm-%d", getpid());
    QeduCounts a0 = counts(p, "e0"), a2 = counts(p, "e2"), b0, b2;
    long before = qedu_vmpin(p);
    uint64_t addr, at = 0;
    int slot, fd;

    fd = qedu_dimm_file(path, DIMM_MB);
    if (fd < 0) {
        tap_result(false, "%s: DIMM backing file %s", tag, path);
        return;
    }
    addr = qedu_plug_dimm(p, "dimm0", path, DIMM_MB, &slot);
    if (CHECK(addr, "%s: DIMM hot-added", tag)) {
        g_autoptr(JsonNode) q = qedu_query(p);
        int64_t src = qedu_copy_source(qedu_container_of(q, "e2"), addr, &at);

        b0 = counts(p, "e0");
        b2 = counts(p, "e2");
        CHECK(b0.map - a0.map == 1 && b0.copy == a0.copy,
              "%s: the copy source MAPs the DIMM once (MAP %+" PRId64 ")",
              tag, b0.map - a0.map);
        CHECK(b2.copy - a2.copy == 1 && b2.map == a2.map,
              "%s: the other IOAS COPYs it (COPY %+" PRId64 ", MAP %+"
              PRId64 ")", tag, b2.copy - a2.copy, b2.map - a2.map);
        CHECK(src == qedu_container_id(qedu_container_of(q, "e0")) &&
              at == addr,
              "%s: x-query-vfio: the copy's copy-source is the shared "
              "container (%" PRId64 ") at 0x%" PRIx64, tag, src, at);
        CHECK_EQ(qedu_vmpin(p) - before, DIMM_KB,
                 "%s: VmPin grows by the DIMM once (%ld -> %ld kB)", tag,
                 before, qedu_vmpin(p));
        for (int i = 0; i < 3; i++) {
            off_t off = (off_t)(i + 1) << 20;
            HeduResult r = qedu_file_copy(p, bar[i], addr + off, fd, off, LEN,
                                          80 + i);

            CHECK(r == HEDU_LANDED, "%s: edu%d DMA into the DIMM lands (%s)",
                  tag, i, hedu_result_name(r));
        }
        CHECK(qedu_unplug_dimm(p, "dimm0", slot, "mem-dimm0"),
              "%s: DIMM unplugged", tag);
        b0 = counts(p, "e0");
        b2 = counts(p, "e2");
        CHECK(b0.unmap - a0.unmap == 1 && b2.unmap - a2.unmap == 1,
              "%s: one UNMAP in each container", tag);
        CHECK_EQ(qedu_vmpin(p), before, "%s: VmPin back to %ld kB", tag,
                 before);
    }
    qedu_dimm_file_drop(fd, path);
}

static void scenario_copy(void)
{
    const char *tag = "copy";
    g_autofree char *args = g_strdup_printf(
        "-object iommufd,id=if0 "
        "-device vfio-pci,host=%s,id=e0,iommufd=if0,addr=0x4 "
        "-device vfio-pci,host=%s,id=e1,iommufd=if0,addr=0x5 "
        "-device vfio-pci,host=%s,id=e2,iommufd=if0,addr=0x6,"
        "x-separate-ioas=on "
        "-device pcie-root-port,id=rp0,chassis=1,addr=0x%x",
        bdfs[0], bdfs[1], bdfs[2], QEDU_ROOT_PORT_SLOT);
    VhtProc *p = qedu_start(patched, args, NULL, false);
    g_autoptr(JsonNode) q = qedu_query(p);
    JsonObject *c0 = qedu_container_of(q, "e0");
    JsonObject *c2 = qedu_container_of(q, "e2");
    JsonObject *alias = qedu_mapping_at(c0, ALIAS_IOVA);
    uint64_t bar[3], at = 0;

    qedu_note_query(q);
    CHECK(c0 && c0 == qedu_container_of(q, "e1"),
          "%s: e0 and e1 share one container", tag);
    CHECK(c0 && hwpt_of(c0, "e0") >= 0 &&
          hwpt_of(c0, "e0") == hwpt_of(c0, "e1") &&
          hwpts_are(c0, 1, hwpt_of(c0, "e0")),
          "%s: and one HWPT: hwpt-ids [%" PRId64 "], the hwpt-id of both "
          "devices", tag, hwpt_of(c0, "e0"));
    CHECK(c0 && c2 && c0 != c2 && ioas_of(c0) != ioas_of(c2) &&
          hwpts_are(c2, 1, hwpt_of(c2, "e2")) &&
          hwpt_of(c2, "e2") != hwpt_of(c0, "e0"),
          "%s: e2 (x-separate-ioas=on) has an IOAS (%" PRId64 " vs %" PRId64
          ") and a HWPT (%" PRId64 ") of its own", tag, ioas_of(c2),
          ioas_of(c0), hwpt_of(c2, "e2"));
    CHECK(int_of(c0, "copy-rank") == 0 && int_of(c2, "copy-rank") == 1,
          "%s: copy ranks 0 (shared) and 1 (separate)", tag);
    CHECK(qedu_mappings(c0, NULL) == SECTIONS &&
          qedu_mappings(c0, "map") == SECTIONS - 1 &&
          qedu_counter(c0, "map") == FILLS - 1 &&
          qedu_counter(c0, "copy") == 1 && qedu_counter(c0, "unmap") == 1,
          "%s: the shared IOAS mapped each RAM section once (MAP %" PRId64
          ", COPY %" PRId64 ", UNMAP %" PRId64 "; %d mapped, %d copied)",
          tag, qedu_counter(c0, "map"), qedu_counter(c0, "copy"),
          qedu_counter(c0, "unmap"), qedu_mappings(c0, "map"),
          qedu_mappings(c0, "copy"));
    CHECK(alias && qedu_copy_source(c0, ALIAS_IOVA, &at) ==
          qedu_container_id(c2) && at == ALIAS_SRC,
          "%s: but the isa-bios alias at 0x%llx, laid out by the reset after "
          "e2's IOAS held the ROM, was copied from it (copy-source %"
          PRId64 " at 0x%" PRIx64 ")", tag, ALIAS_IOVA,
          qedu_copy_source(c0, ALIAS_IOVA, NULL), at);
    CHECK(qedu_mappings(c2, "copy") == SECTIONS &&
          qedu_counter(c2, "copy") == FILLS &&
          qedu_counter(c2, "unmap") == 1 && qedu_counter(c2, "map") == 0,
          "%s: the separate IOAS was filled by COPY only (COPY %" PRId64
          ", MAP %" PRId64 ")", tag, qedu_counter(c2, "copy"),
          qedu_counter(c2, "map"));
    CHECK(copies_from(q, c2, qedu_container_id(c0), tag, "e2"),
          "%s: each of e2's mappings lists the shared container as "
          "copy-source, at the IOVA where it maps the memory", tag);
    for (int i = 0; i < 3; i++) {
        bar[i] = qedu_enable(p, 0, QEDU_FIRST_SLOT + i, qedu_bar(i));
        CHECK(dma_ok(p, bar[i], 10 + i), "%s: edu%d DMA byte-exact%s", tag,
              i, i == 2 ? " through the copied mappings" : "");
    }
    CHECK_EQ(qedu_vmpin(p), QEDU_PINNED_KB - ALIAS_KB,
             "%s: VmPin %ld kB: guest RAM and the ROM pinned once (the "
             "alias not again)", tag, qedu_vmpin(p));
    hotplug_quiet(tag, p, false);
    hotplug_quiet(tag, p, true);
    dimm_mapped_once(tag, p, bar);
    vht_end(p);
    tap_result(true, "%s: QEMU quit cleanly", tag);
}

/* ---- pinning: one object + COPY vs two objects, patched and control -- */

static long pinned_two_devices(const char *bin, bool two_objects,
                               const char *tag)
{
    g_autofree char *args = g_strdup_printf(
        "-object iommufd,id=if0 %s "
        "-device vfio-pci,host=%s,id=e0,iommufd=if0,addr=0x4 "
        "-device vfio-pci,host=%s,id=e1,addr=0x5,%s",
        two_objects ? "-object iommufd,id=if1" : "", bdfs[0], bdfs[1],
        two_objects ? "iommufd=if1" : "iommufd=if0,x-separate-ioas=on");
    VhtProc *p = qedu_start(bin, args, NULL, false);
    long pin;

    for (int i = 0; i < 2; i++) {
        CHECK(dma_ok(p, qedu_enable(p, 0, QEDU_FIRST_SLOT + i, qedu_bar(i)),
                     20 + i), "%s: edu%d DMA byte-exact", tag, i);
    }
    pin = qedu_vmpin(p);
    vht_end(p);
    return pin;
}

static void scenario_pinning(void)
{
    long copy = pinned_two_devices(patched, false, "pin: patched, 1 object");
    long two = pinned_two_devices(patched, true, "pin: patched, 2 objects");
    long ctl = control ? pinned_two_devices(control, true,
                                            "pin: control, 2 objects") : -1;

    tap_note("VmPin with two IOASes: patched, one object + COPY %ld kB; "
             "patched, two iommufd objects %ld kB; control (10.2.2 + "
             "patch 1), two iommufd objects %ld kB", copy, two, ctl);
    CHECK_EQ(copy, QEDU_PINNED_KB - ALIAS_KB,
             "pin: one object + COPY pins guest memory once (and the "
             "isa-bios alias not at all: copied from the ROM)");
    CHECK_EQ(two, 2 * QEDU_PINNED_KB,
             "pin: two iommufd objects pin it twice");
    if (control) {
        CHECK_EQ(ctl, 2 * QEDU_PINNED_KB, "pin: the control with two iommufd "
                 "objects pins it twice");
    }
}

/* ---- re-election: the copy source leaves, then the next ---- */

/* Unplug @id from root port @port; one check */
static void unplug(VhtProc *p, const char *tag, const char *id,
                   const char *port, guint fds_left)
{
    CHECK(qedu_unplug_pci(p, id, port) &&
          qedu_wait_vfio_fds(vht_pid(p), fds_left) == fds_left,
          "%s: %s unplugged, its fd closed (%u left)", tag, id, fds_left);
}

static void scenario_reelect(void)
{
    const char *tag = "reelect";
    g_autofree char *args = g_strdup_printf(
        "-object iommufd,id=if0 "
        "-device pcie-root-port,id=rp0,chassis=1,addr=0x10 "
        "-device pcie-root-port,id=rp1,chassis=2,addr=0x11 "
        "-device pcie-root-port,id=rp2,chassis=3,addr=0x12 "
        "-device pcie-root-port,id=rp3,chassis=4,addr=0x13 "
        "-device vfio-pci,host=%s,id=s0,iommufd=if0,bus=rp0 "
        "-device vfio-pci,host=%s,id=d1,iommufd=if0,bus=rp1,"
        "x-separate-ioas=on "
        "-device vfio-pci,host=%s,id=d2,iommufd=if0,bus=rp2,"
        "x-separate-ioas=on", bdfs[0], bdfs[1], bdfs[2]);
    g_autofree char *path = g_strdup_printf("/tmp/qseries-re-%d", getpid());
    VhtProc *p = qedu_start(patched, args, NULL, false);
    JsonNode *q = qedu_query(p);
    int64_t s0 = qedu_container_id(qedu_container_of(q, "s0"));
    int64_t d1 = qedu_container_id(qedu_container_of(q, "d1"));
    int64_t d2 = qedu_container_id(qedu_container_of(q, "d2"));
    int64_t d3;
    uint64_t bar[4], addr;
    long pin;
    QeduCounts a, b, k1, k2;
    int slot, fd;

    for (int i = 0; i < 4; i++) {
        qedu_root_port(p, 0x10 + i, 1 + i, QEDU_HOTPLUG_BAR + (i << 20));
    }
    for (int i = 0; i < 3; i++) {
        bar[i] = qedu_enable(p, 1 + i, 0, QEDU_HOTPLUG_BAR + (i << 20));
    }
    qedu_note_query(q);
    CHECK(s0 >= 0 && d1 >= 0 && d2 >= 0 && s0 != d1 && d1 != d2 &&
          int_of(qedu_container_of(q, "d2"), "copy-rank") == 2,
          "%s: three containers of one iommufd object, ranks 0, 1, 2 "
          "(ids %" PRId64 ", %" PRId64 ", %" PRId64 ")", tag, s0, d1, d2);
    CHECK(copies_from(q, qedu_container_of(q, "d1"), s0, tag, "d1") &&
          copies_from(q, qedu_container_of(q, "d2"), s0, tag, "d2"),
          "%s: d1's and d2's mappings are copies with copy-source s0's "
          "container", tag);
    CHECK(dma_ok(p, bar[1], 30) && dma_ok(p, bar[2], 31),
          "%s: d1 and d2 DMA byte-exact", tag);
    pin = qedu_vmpin(p);
    json_node_unref(q);

    /* the copy source leaves: the second and the third source each other */
    unplug(p, tag, "s0", "rp0", 2);
    q = qedu_query(p);
    qedu_note_query(q);
    CHECK(containers_in(q) == 2, "%s: s0's container went with its device",
          tag);
    CHECK(copies_from(q, qedu_container_of(q, "d1"), d2, tag, "d1"),
          "%s: after s0 left: d1's copies re-elected to the third "
          "container (%" PRId64 "), at the IOVAs where it maps them", tag,
          d2);
    CHECK(copies_from(q, qedu_container_of(q, "d2"), d1, tag, "d2"),
          "%s: after s0 left: d2's copies re-elected to the second "
          "container (%" PRId64 ")", tag, d1);
    CHECK(dma_ok(p, bar[1], 32) && dma_ok(p, bar[2], 33),
          "%s: d1 and d2 DMA byte-exact after s0 left", tag);
    CHECK_EQ(qedu_vmpin(p), pin, "%s: VmPin unchanged (%ld kB): the copies "
             "hold the pages s0's container pinned", tag, pin);
    json_node_unref(q);

    /* a fourth joins: it copies from the oldest holder, d1 */
    k1 = counts(p, "d1");
    k2 = counts(p, "d2");
    if (hedu_qmp_ok(p, "device_add d3 (x-separate-ioas=on)",
                    "{'execute': 'device_add', 'arguments': {'driver': "
                    "'vfio-pci', 'host': '%s', 'id': 'd3', 'bus': 'rp3', "
                    "'iommufd': 'if0', 'x-separate-ioas': true}}", bdfs[3])) {
        q = qedu_query(p);
        d3 = qedu_container_id(qedu_container_of(q, "d3"));
        CHECK(copies_from(q, qedu_container_of(q, "d3"), d1, tag, "d3") &&
              qedu_counter(qedu_container_of(q, "d3"), "map") == 0,
              "%s: d3's new container (%" PRId64 ") copies all from the "
              "oldest holder, d1's (%" PRId64 "), no MAP", tag, d3, d1);
        same_counts(tag, "d1's container during d3's hot-add", k1,
                    counts(p, "d1"));
        same_counts(tag, "d2's container during d3's hot-add", k2,
                    counts(p, "d2"));
        json_node_unref(q);
        bar[3] = qedu_enable(p, 4, 0, QEDU_HOTPLUG_BAR + (3 << 20));
        CHECK(dma_ok(p, bar[3], 34), "%s: d3 DMA byte-exact", tag);

        unplug(p, tag, "d1", "rp1", 2);
        q = qedu_query(p);
        qedu_note_query(q);
        CHECK(copies_from(q, qedu_container_of(q, "d2"), d3, tag, "d2") &&
              copies_from(q, qedu_container_of(q, "d3"), d2, tag, "d3"),
              "%s: after d1 left: d2's copies re-elected to d3's container, "
              "d3's to d2's", tag);
        CHECK(dma_ok(p, bar[2], 35) && dma_ok(p, bar[3], 36),
              "%s: d2 and d3 DMA byte-exact after d1 left", tag);
        json_node_unref(q);

        unplug(p, tag, "d3", "rp3", 1);
    }
    q = qedu_query(p);
    qedu_note_query(q);
    CHECK(containers_in(q) == 1 &&
          copies_from(q, qedu_container_of(q, "d2"), -1, tag, "d2"),
          "%s: d2's container alone: its copies list no copy-source", tag);
    CHECK(dma_ok(p, bar[2], 37), "%s: d2 DMA byte-exact", tag);
    CHECK_EQ(qedu_vmpin(p), pin, "%s: VmPin still %ld kB", tag, pin);
    json_node_unref(q);

    /* memory appearing now is mapped by the one left */
    a = counts(p, "d2");
    fd = qedu_dimm_file(path, DIMM_MB);
    if (fd >= 0 &&
        CHECK((addr = qedu_plug_dimm(p, "dimm0", path, DIMM_MB, &slot)),
              "%s: DIMM hot-added", tag)) {
        HeduResult r = qedu_file_copy(p, bar[2], addr + 4096, fd, 4096, LEN,
                                      38);

        b = counts(p, "d2");
        q = qedu_query(p);
        CHECK(b.map - a.map == 1 && b.copy == a.copy &&
              qedu_copy_source(qedu_container_of(q, "d2"), addr, NULL) == -1,
              "%s: d2's container MAPs the DIMM (MAP %+" PRId64 ", COPY %+"
              PRId64 ")", tag, b.map - a.map, b.copy - a.copy);
        CHECK(r == HEDU_LANDED, "%s: d2 DMA into the DIMM lands (%s)", tag,
              hedu_result_name(r));
        CHECK_EQ(qedu_vmpin(p) - pin, DIMM_KB, "%s: VmPin grows by the DIMM",
                 tag);
        json_node_unref(q);
    }
    qedu_dimm_file_drop(fd, path);
    vht_end(p);
}

/* ---- legacy and iommufd in one address space ---- */

static void scenario_mixed(void)
{
    const char *tag = "mixed";
    g_autofree char *args = g_strdup_printf(
        "-object iommufd,id=if0 "
        "-device vfio-pci,host=%s,id=e0,iommufd=if0,addr=0x4 "
        "-device vfio-pci,host=%s,id=l0,addr=0x5", bdfs[0], bdfs[1]);
    VhtProc *p = qedu_start(patched, args, NULL, false);
    g_autoptr(JsonNode) q = qedu_query(p);
    JsonObject *ce = qedu_container_of(q, "e0");
    JsonObject *cl = qedu_container_of(q, "l0");
    long pin = qedu_vmpin(p), lck = qedu_status_kb(vht_pid(p), "VmLck");
    uint64_t bar[2], addr;
    QeduCounts a[2], b[2];
    static const char *const ids[] = { "e0", "l0" };
    int slot;

    qedu_note_query(q);
    CHECK(ce && cl && ce != cl &&
          !g_strcmp0(json_object_get_string_member(cl, "type"),
                     "vfio-iommu-legacy") &&
          !json_object_has_member(cl, "copy-rank"),
          "%s: an iommufd and a legacy container (no copy rank) in one "
          "address space", tag);
    CHECK(pin == QEDU_PINNED_KB && lck == QEDU_PINNED_KB,
          "%s: each pins guest RAM and the ROM: VmPin %ld, VmLck %ld kB",
          tag, pin, lck);
    for (int i = 0; i < 2; i++) {
        bar[i] = qedu_enable(p, 0, QEDU_FIRST_SLOT + i, qedu_bar(i));
        CHECK(dma_ok(p, bar[i], 40 + i), "%s: %s DMA byte-exact", tag,
              i ? "legacy" : "iommufd");
    }
    /* a DIMM without a file */
    qedu_counts(p, ids, 2, a);
    addr = qedu_plug_dimm(p, "dimm0", NULL, DIMM_MB, &slot);
    qedu_counts(p, ids, 2, b);
    CHECK(addr && b[0].map - a[0].map == 1 && b[1].map - a[1].map == 1 &&
          b[0].copy == a[0].copy,
          "%s: a DIMM is mapped by each container (MAP %+" PRId64 " and %+"
          PRId64 ")", tag, b[0].map - a[0].map, b[1].map - a[1].map);
    CHECK(qedu_vmpin(p) - pin == DIMM_KB &&
          qedu_status_kb(vht_pid(p), "VmLck") - lck == DIMM_KB,
          "%s: and pinned by each: VmPin %+ld, VmLck %+ld kB", tag,
          qedu_vmpin(p) - pin, qedu_status_kb(vht_pid(p), "VmLck") - lck);
    for (int i = 0; i < 2; i++) {
        CHECK(addr && hedu_round_trip(p, bar[i], QEDU_SRC_GPA,
                                      addr + 0x10000, LEN, 42 + i),
              "%s: %s DMA into the DIMM byte-exact", tag,
              i ? "legacy" : "iommufd");
    }
    CHECK(addr && qedu_unplug_dimm(p, "dimm0", slot, "mem-dimm0") &&
          qedu_vmpin(p) == pin &&
          qedu_status_kb(vht_pid(p), "VmLck") == lck,
          "%s: DIMM unplugged: VmPin and VmLck back", tag);
    vht_end(p);
}

/* ---- a runtime map failure: RLIMIT_MEMLOCK reached by a DIMM ---- */

static void scenario_memlock(void)
{
    const char *tag = "memlock";
    g_autofree char *args = g_strdup_printf(
        "-object iommufd,id=if0 "
        "-device vfio-pci,host=%s,id=e0,iommufd=if0,addr=0x4", bdfs[0]);
    g_autofree char *path = g_strdup_printf("/tmp/qseries-ml-%d", getpid());
    g_autofree char *limit = g_strdup_printf("%ld", QEDU_PINNED_KB + 8192);
    JsonObject *c;
    VhtProc *p;
    uint64_t bar, addr;
    QeduCounts a, b;
    int64_t failed;
    int slot, fd;

    g_setenv("QEDU_MEMLOCK_KB", limit, true);
    p = qedu_start(patched, args, NULL, false);
    g_unsetenv("QEDU_MEMLOCK_KB");
    tap_note("%s: RLIMIT_MEMLOCK %s kB, no CAP_IPC_LOCK", tag, limit);
    bar = qedu_enable(p, 0, QEDU_FIRST_SLOT, qedu_bar(0));
    CHECK(dma_ok(p, bar, 50), "%s: DMA byte-exact within the limit", tag);
    a = counts(p, "e0");
    failed = failed_of(p, "e0");
    fd = qedu_dimm_file(path, DIMM_MB);
    if (fd >= 0 &&
        CHECK((addr = qedu_plug_dimm(p, "dimm0", path, DIMM_MB, &slot)),
              "%s: a %d MiB DIMM beyond the limit is hot-added", tag,
              DIMM_MB)) {
        g_autoptr(JsonObject) ev = vht_qmp_wait_event(vht_qmp_main(p),
                                                      "VFIO_DMA_MAP_FAILED",
                                                      10000);
        JsonObject *d = ev ? json_object_get_object_member(ev, "data") : NULL;
        JsonArray *devs = d ? json_object_get_array_member(d, "devices")
                            : NULL;
        g_autoptr(JsonNode) q = NULL;
        const char *first;
        HeduResult r;

        CHECK(d && json_object_get_int_member(d, "iova") == (int64_t)addr &&
              json_object_get_int_member(d, "size") == (int64_t)DIMM_MB << 20 &&
              devs && json_array_get_length(devs) == 1 &&
              !g_strcmp0(json_array_get_string_element(devs, 0),
                         "/machine/peripheral/e0"),
              "%s: VFIO_DMA_MAP_FAILED names e0 and the DIMM's range "
              "(0x%" PRIx64 ", %d MiB)", tag, addr, DIMM_MB);
        if (d) {
            tap_note("%s: event error: %s", tag,
                     json_object_get_string_member_with_default(d, "error",
                                                                "?"));
        }
        q = qedu_query(p);
        c = qedu_container_of(q, "e0");
        qedu_note_query(q);
        first = c ? json_object_get_string_member_with_default(
                        c, "first-map-error", "") : "";
        CHECK(int_of(c, "map-errors") == 1 &&
              qedu_counter(c, "failed") - failed == 1 &&
              strstr(first, "mem-dimm0") && strstr(first, "-12"),
              "%s: x-query-vfio: map-errors 1, failed +1, first-map-error "
              "names the region and ENOMEM: %s", tag, first);
        failed = qedu_counter(c, "failed");
        CHECK(!qedu_covers(c, addr, 4096) && qedu_counter(c, "map") == a.map,
              "%s: and lists no mapping of the DIMM", tag);
        r = qedu_file_copy(p, bar, addr + 4096, fd, 4096, LEN, 51);
        CHECK(r == HEDU_BLOCKED, "%s: DMA into the unmapped DIMM is blocked "
              "(%s)", tag, hedu_result_name(r));
        CHECK(dma_ok(p, bar, 52), "%s: QEMU runs on; DMA to guest RAM still "
              "byte-exact", tag);
        CHECK(qedu_unplug_dimm(p, "dimm0", slot, "mem-dimm0"),
              "%s: the DIMM is unplugged again", tag);
        b = counts(p, "e0");
        g_clear_pointer(&q, json_node_unref);
        q = qedu_query(p);
        CHECK(b.unmap == a.unmap &&
              qedu_counter(qedu_container_of(q, "e0"), "failed") == failed,
              "%s: its unplug issued no unmap: nothing was recorded (UNMAP %+"
              PRId64 ")", tag, b.unmap - a.unmap);
    }
    qedu_dimm_file_drop(fd, path);
    vht_end(p);
    tap_result(true, "%s: QEMU quit cleanly", tag);
}

/* ---- the fault shim (tests/vm/fault-ioctl.so) ---- */

/* The shim's path, or NULL; one TAP check that it is there */
static const char *fault_shim(const char *tag)
{
    const char *shim = g_getenv("VFIO_FAULT_IOCTL");

    return CHECK(shim && g_file_test(shim, G_FILE_TEST_EXISTS),
                 "%s: the ioctl fault shim ($VFIO_FAULT_IOCTL)", tag) ?
           shim : NULL;
}

/*
 * The patched build with @args under the shim: of the @requests it
 * watches, the calls numbered @nth fail with @err; every watched call is
 * logged to @log (NULL: none).
 */
static VhtProc *start_shim(const char *args, const char *requests,
                           const char *nth, int err, const char *log)
{
    QeduStartOpts o = { .fault_requests = requests, .fault_nth = nth,
                        .fault_errno = err, .fault_log = log };

    return qedu_start_with(patched, args, &o);
}

/* ---- EADDRINUSE from the existing HWPT: on to a new IOAS ---- */

static void scenario_eaddrinuse(void)
{
    const char *tag = "eaddrinuse";
    g_autofree char *args = g_strdup_printf(
        "-object iommufd,id=if0 "
        "-device vfio-pci,host=%s,id=e0,iommufd=if0,addr=0x4 "
        "-device vfio-pci,host=%s,id=e1,iommufd=if0,addr=0x5",
        bdfs[0], bdfs[1]);
    g_autoptr(JsonNode) q = NULL;
    JsonObject *c0, *c1;
    VhtProc *p;

    if (!fault_shim(tag)) {
        return;
    }
    /*
     * The 2nd VFIO_DEVICE_ATTACH_IOMMUFD_PT is e1's attach to the HWPT of
     * e0's IOAS: answer it EADDRINUSE, as the kernel does when a device's
     * reserved regions clash with what the IOAS maps.
     */
    p = start_shim(args, "VFIO_DEVICE_ATTACH_IOMMUFD_PT", "2", EADDRINUSE,
                   NULL);
    q = qedu_query(p);
    qedu_note_query(q);
    c0 = qedu_container_of(q, "e0");
    c1 = qedu_container_of(q, "e1");
    CHECK(c0 && c1 && c0 != c1 && ioas_of(c0) != ioas_of(c1) &&
          hwpt_of(c1, "e1") >= 0 && hwpt_of(c1, "e1") != hwpt_of(c0, "e0") &&
          hwpts_are(c1, 1, hwpt_of(c1, "e1")),
          "%s: e1 went on to an IOAS (%" PRId64 " vs %" PRId64 ") and a HWPT "
          "(%" PRId64 " vs %" PRId64 ") of its own", tag, ioas_of(c1),
          ioas_of(c0), hwpt_of(c1, "e1"), hwpt_of(c0, "e0"));
    CHECK(qedu_mappings(c1, "copy") == SECTIONS &&
          qedu_counter(c1, "map") == 0,
          "%s: which was filled by COPY (COPY %" PRId64 ", MAP %" PRId64 ")",
          tag, qedu_counter(c1, "copy"), qedu_counter(c1, "map"));
    CHECK(copies_from(q, c1, qedu_container_id(c0), tag, "e1"),
          "%s: from e0's container (copy-source %" PRId64 ")", tag,
          qedu_container_id(c0));
    for (int i = 0; i < 2; i++) {
        CHECK(dma_ok(p, qedu_enable(p, 0, QEDU_FIRST_SLOT + i, qedu_bar(i)),
                     60 + i), "%s: edu%d DMA byte-exact", tag, i);
    }
    vht_end(p);
}

/* ---- an unmap refused: the record stays, stale; a re-add retries ---- */

/* The start address of @pid's mapping of the file @path, 0 if none */
static uint64_t mapped_at(pid_t pid, const char *path)
{
    g_autofree char *maps = g_strdup_printf("/proc/%d/maps", (int)pid);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    if (!g_file_get_contents(maps, &text, NULL, NULL)) {
        return 0;
    }
    lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        if (g_str_has_suffix(lines[i], path)) {
            return strtoull(lines[i], NULL, 16);
        }
    }
    return 0;
}

/* @dev's DMA at @gpa: lands in @want's file, and not in @other's */
static void dma_goes_to(VhtProc *p, const char *tag, const char *dev,
                        uint64_t bar, uint64_t gpa, int want, int other,
                        const char *want_name, unsigned seed)
{
    HeduResult in_other = qedu_file_copy(p, bar, gpa, other, gpa - DIMM_GPA,
                                         LEN, seed);
    HeduResult in_want = qedu_file_copy(p, bar, gpa, want, gpa - DIMM_GPA,
                                        LEN, seed + 1);

    CHECK(in_want == HEDU_LANDED && in_other == HEDU_BLOCKED,
          "%s: %s's DMA to 0x%" PRIx64 " lands in the %s DIMM's memory "
          "(%s there, %s in the other)", tag, dev, gpa, want_name,
          hedu_result_name(in_want), hedu_result_name(in_other));
}

static bool stale_at(JsonObject *c, uint64_t gpa)
{
    JsonObject *m = qedu_mapping_at(c, gpa);

    return m && json_object_get_boolean_member_with_default(m, "stale",
                                                            false) &&
           json_object_get_int_member(m, "size") == (int64_t)DIMM_MB << 20;
}

/*
 * e0 (iommufd, rank 0), e1 (x-separate-ioas: its copy) and l0 (type1).
 * A DIMM is plugged and unplugged; the unplug's unmaps in e0's container
 * (IOMMU_IOAS_UNMAP) and in l0's (VFIO_IOMMU_UNMAP_DMA) are refused
 * (EIO); then a second DIMM is plugged at the same address, whose
 * region_add retries them: refused again if @twice.
 */
static void unmap_refused(bool twice)
{
    const char *tag = twice ? "unmap-refused-twice" : "unmap-refused-once";
    static const char *const ids[] = { "e0", "e1", "l0" };
    g_autofree char *dir = g_dir_make_tmp("unmap-XXXXXX", NULL);
    g_autofree char *log = g_build_filename(dir, "calls.log", NULL);
    g_autofree char *old_path = g_build_filename(dir, "dimm-old", NULL);
    g_autofree char *new_path = g_build_filename(dir, "dimm-new", NULL);
    g_autofree char *args = g_strdup_printf(
        "-object iommufd,id=if0 "
        "-device vfio-pci,host=%s,id=e0,iommufd=if0,addr=0x4 "
        "-device vfio-pci,host=%s,id=e1,iommufd=if0,addr=0x5,"
        "x-separate-ioas=on "
        "-device vfio-pci,host=%s,id=l0,addr=0x6", bdfs[0], bdfs[1], bdfs[2]);
    uint64_t bar[3], addr, host_old, host_new, gpa = DIMM_GPA + 0x200000;
    g_autoptr(GArray) calls = NULL;
    g_autoptr(JsonNode) q = NULL;
    QeduCounts a[3], b[3];
    int64_t failed[3];
    JsonObject *c[3];
    long pin0, lck0;
    int slot, fd_old, fd_new;
    VhtProc *p;

    /*
     * The watched unmaps, all of RAM sections: 1-3 at the machine reset
     * (e0's, e1's, l0's container, oldest first), 4-6 at the DIMM's
     * unplug, 7 and 8 the retries in e0's and l0's container when the
     * second DIMM comes (e1's copy was unmapped: nothing to retry).
     */
    p = start_shim(args, "IOMMU_IOAS_UNMAP,VFIO_IOMMU_UNMAP_DMA",
                   twice ? "4,6,7,8" : "4,6", EIO, log);
    for (int i = 0; i < 3; i++) {
        bar[i] = qedu_enable(p, 0, QEDU_FIRST_SLOT + i, qedu_bar(i));
    }
    pin0 = qedu_vmpin(p);
    lck0 = qedu_status_kb(vht_pid(p), "VmLck");
    fd_old = qedu_dimm_file(old_path, DIMM_MB);
    fd_new = qedu_dimm_file(new_path, DIMM_MB);
    addr = qedu_plug_dimm(p, "dimm0", old_path, DIMM_MB, &slot);
    host_old = mapped_at(vht_pid(p), old_path);
    if (!CHECK(addr == DIMM_GPA, "%s: a DIMM plugged at 0x%" PRIx64, tag,
               addr)) {
        goto out;
    }
    qedu_log_mark(log, "unplug");
    qedu_counts(p, ids, 3, a);
    for (int i = 0; i < 3; i++) {
        failed[i] = failed_of(p, ids[i]);
    }
    CHECK(qedu_unplug_dimm(p, "dimm0", slot, "mem-dimm0"),
          "%s: the DIMM unplugged, its backend deleted", tag);
    qedu_counts(p, ids, 3, b);
    calls = qedu_log_calls(log);
    qedu_log_note(calls, "unplug", tag);
    CHECK(qedu_log_count(calls, "IOMMU_IOAS_UNMAP", "unplug", false) == 2 &&
          qedu_log_count(calls, "IOMMU_IOAS_UNMAP", "unplug", true) == 1 &&
          qedu_log_count(calls, "VFIO_IOMMU_UNMAP_DMA", "unplug", false) == 1 &&
          qedu_log_count(calls, "VFIO_IOMMU_UNMAP_DMA", "unplug", true) == 0,
          "%s: the unplug's unmaps: e0's and l0's refused (injected EIO), "
          "e1's done", tag);
    q = qedu_query(p);
    qedu_note_query(q);
    for (int i = 0; i < 3; i++) {
        c[i] = qedu_container_of(q, ids[i]);
    }
    CHECK(stale_at(c[0], gpa) && stale_at(c[2], gpa) &&
          !qedu_mapping_at(c[1], gpa),
          "%s: x-query-vfio lists the DIMM's range in e0's and l0's "
          "containers, stale, and no more in e1's", tag);
    CHECK(b[0].unmap == a[0].unmap && b[2].unmap == a[2].unmap &&
          b[1].unmap - a[1].unmap == 1 &&
          qedu_counter(c[0], "failed") - failed[0] == 1 &&
          qedu_counter(c[2], "failed") - failed[2] == 1 &&
          int_of(c[0], "map-errors") == 0 && int_of(c[2], "map-errors") == 0,
          "%s: counted as failed calls (+1 each), not as map errors", tag);
    for (int i = 0; i < 3; i++) {
        HeduResult r = qedu_file_copy(p, bar[i], gpa, fd_old, gpa - DIMM_GPA,
                                      LEN, 100 + i);

        CHECK(r == (i == 1 ? HEDU_BLOCKED : HEDU_LANDED),
              "%s: %s DMA into the unplugged DIMM's range is %s (%s)", tag,
              ids[i], i == 1 ? "blocked" : "still possible: lands in its "
              "memory", hedu_result_name(r));
    }
    CHECK(qedu_vmpin(p) - pin0 == DIMM_KB &&
          qedu_status_kb(vht_pid(p), "VmLck") - lck0 == DIMM_KB,
          "%s: its memory stays pinned: VmPin %+ld, VmLck %+ld kB", tag,
          qedu_vmpin(p) - pin0, qedu_status_kb(vht_pid(p), "VmLck") - lck0);

    /* another DIMM at the same address */
    g_clear_pointer(&q, json_node_unref);
    qedu_log_mark(log, "replug");
    qedu_counts(p, ids, 3, a);
    addr = qedu_plug_dimm(p, "dimm1", new_path, DIMM_MB, &slot);
    host_new = mapped_at(vht_pid(p), new_path);
    /* what makes the stale rule matter: the same host address */
    CHECK(host_old && host_old == host_new, "%s: the new DIMM's memory is "
          "at the old one's address in QEMU (%#" PRIx64 ", %#" PRIx64 "): a "
          "stale record taken as a copy source would match it", tag,
          host_old, host_new);
    CHECK(addr == DIMM_GPA, "%s: a second DIMM plugged at the same address",
          tag);
    qedu_counts(p, ids, 3, b);
    g_clear_pointer(&calls, g_array_unref);
    calls = qedu_log_calls(log);
    qedu_log_note(calls, "replug", tag);
    q = qedu_query(p);
    qedu_note_query(q);
    for (int i = 0; i < 3; i++) {
        c[i] = qedu_container_of(q, ids[i]);
    }
    if (!twice) {
        CHECK(qedu_log_count(calls, "IOMMU_IOAS_UNMAP", "replug", true) == 1 &&
              qedu_log_count(calls, "VFIO_IOMMU_UNMAP_DMA", "replug",
                             true) == 1,
              "%s: the stale ranges' unmaps were retried before the new "
              "mappings, and done", tag);
        CHECK(b[0].map - a[0].map == 1 && b[0].unmap - a[0].unmap == 1 &&
              b[1].copy - a[1].copy == 1 && b[1].map == a[1].map &&
              b[2].map - a[2].map == 1 && b[2].unmap - a[2].unmap == 1,
              "%s: e0 UNMAP +1 MAP +1, e1 COPY +1, l0 UNMAP +1 MAP +1", tag);
        CHECK(!stale_at(c[0], gpa) && !stale_at(c[2], gpa) &&
              qedu_copy_source(c[1], gpa, NULL) == qedu_container_id(c[0]),
              "%s: nothing stale any more; e1 copies from e0 again", tag);
        for (int i = 0; i < 3; i++) {
            dma_goes_to(p, tag, ids[i], bar[i], gpa, fd_new, fd_old, "new",
                        110 + 2 * i);
        }
        CHECK(qedu_vmpin(p) - pin0 == DIMM_KB &&
              qedu_status_kb(vht_pid(p), "VmLck") - lck0 == DIMM_KB,
              "%s: only the new DIMM is pinned now", tag);
    } else {
        CHECK(qedu_log_count(calls, "IOMMU_IOAS_UNMAP", "replug", false) == 1 &&
              qedu_log_count(calls, "VFIO_IOMMU_UNMAP_DMA", "replug",
                             false) == 1 &&
              qedu_log_count(calls, "IOMMU_IOAS_UNMAP", "replug", true) == 0,
              "%s: the retried unmaps were refused again (injected)", tag);
        CHECK(b[0].map == a[0].map && b[0].copy == a[0].copy &&
              qedu_counter(c[0], "failed") - failed[0] == 2 &&
              qedu_counter(c[2], "failed") - failed[2] == 2 &&
              b[2].map == a[2].map && b[1].map - a[1].map == 1 &&
              b[1].copy == a[1].copy,
              "%s: e0 and l0 made no map call (failed +2: the two "
              "unmaps); e1 MAPs the new DIMM itself (MAP %+" PRId64 ", COPY %+"
              PRId64 "): e0's stale mapping is no copy source", tag,
              b[1].map - a[1].map, b[1].copy - a[1].copy);
        CHECK(stale_at(c[0], gpa) && stale_at(c[2], gpa) &&
              qedu_copy_source(c[1], gpa, NULL) == -1,
              "%s: e0's and l0's ranges stay listed, stale", tag);
        CHECK(int_of(c[0], "map-errors") == 1 &&
              int_of(c[2], "map-errors") == 1 &&
              strstr(json_object_get_string_member_with_default(
                         c[0], "first-map-error", ""), "-17"),
              "%s: the new DIMM failed in e0's and l0's container with "
              "EEXIST (map-errors 1 each): %s", tag,
              json_object_get_string_member_with_default(
                  c[0], "first-map-error", "(none)"));
        for (int i = 0; i < 3; i += 2) {
            g_autoptr(JsonObject) ev = vht_qmp_wait_event(
                vht_qmp_main(p), "VFIO_DMA_MAP_FAILED", 5000);
            JsonObject *d = ev ? json_object_get_object_member(ev, "data")
                               : NULL;
            JsonArray *devs = d ? json_object_get_array_member(d, "devices")
                                : NULL;
            g_autofree char *want = g_strdup_printf("/machine/peripheral/%s",
                                                    ids[i]);

            CHECK(d && json_object_get_int_member(d, "iova") ==
                  (int64_t)DIMM_GPA && devs &&
                  json_array_get_length(devs) == 1 &&
                  !g_strcmp0(json_array_get_string_element(devs, 0), want),
                  "%s: VFIO_DMA_MAP_FAILED for %s's container at 0x%llx", tag,
                  ids[i], DIMM_GPA);
        }
        dma_goes_to(p, tag, "e0", bar[0], gpa, fd_old, fd_new, "old", 120);
        dma_goes_to(p, tag, "e1", bar[1], gpa, fd_new, fd_old, "new", 122);
        dma_goes_to(p, tag, "l0", bar[2], gpa, fd_old, fd_new, "old", 124);
        CHECK(qedu_vmpin(p) - pin0 == 2 * DIMM_KB,
              "%s: both DIMMs' memory pinned (VmPin %+ld kB)", tag,
              qedu_vmpin(p) - pin0);
    }
    CHECK(qedu_unplug_dimm(p, "dimm1", slot, "mem-dimm1"),
          "%s: the second DIMM unplugged", tag);
    g_clear_pointer(&q, json_node_unref);
    q = qedu_query(p);
    for (int i = 0; i < 3; i++) {
        c[i] = qedu_container_of(q, ids[i]);
        CHECK(!qedu_mapping_at(c[i], gpa) &&
              qedu_file_copy(p, bar[i], gpa, fd_new, gpa - DIMM_GPA, LEN,
                             130 + i) == HEDU_BLOCKED &&
              qedu_file_copy(p, bar[i], gpa, fd_old, gpa - DIMM_GPA, LEN,
                             140 + i) == HEDU_BLOCKED,
              "%s: then %s lists nothing there and its DMA is blocked", tag,
              ids[i]);
    }
    CHECK(qedu_vmpin(p) == pin0 &&
          qedu_status_kb(vht_pid(p), "VmLck") == lck0,
          "%s: VmPin and VmLck back to %ld and %ld kB", tag, pin0, lck0);
    CHECK(dma_ok(p, bar[0], 150) && dma_ok(p, bar[1], 151) &&
          dma_ok(p, bar[2], 152), "%s: DMA to guest RAM lands", tag);
out:
    qedu_dimm_file_drop(fd_old, old_path);
    qedu_dimm_file_drop(fd_new, new_path);
    unlink(log);
    rmdir(dir);
    vht_end(p);
}

static void scenario_unmap_refused(void)
{
    if (fault_shim("unmap-refused")) {
        unmap_refused(false);
        unmap_refused(true);
    }
}

/* ---- a failed attach, and an unplug, release the device fd ---- */

static void scenario_fd_release(void)
{
    const char *tag = "fd-release";
    g_autofree char *add = g_strdup_printf(
        "{'execute': 'device_add', 'arguments': {'driver': 'vfio-pci', "
        "'host': '%s', 'id': 'e0', 'iommufd': 'if0', 'bus': 'rp0'}}",
        bdfs[0]);
    g_autofree char *err = NULL;
    g_autoptr(GArray) fds0 = NULL, fds1 = NULL;
    g_autoptr(JsonNode) res = NULL;
    VhtProc *p;
    uint64_t bar;
    bool bound;

    if (!fault_shim(tag)) {
        return;
    }
    /* the first attach fails */
    p = start_shim("-object iommufd,id=if0 -device "
                   "pcie-root-port,id=rp0,chassis=1,addr=0x10",
                   "VFIO_DEVICE_ATTACH_IOMMUFD_PT", "1", EIO, NULL);
    qedu_root_port(p, 0x10, 1, QEDU_HOTPLUG_BAR);
    fds0 = hedu_fds_to(vht_pid(p), NULL);

    res = hedu_qmp(p, &err, "%s", add);
    CHECK(!res && err, "%s: device_add fails when the attach fails: %s", tag,
          err ? err : "(it succeeded)");
    fds1 = hedu_fds_to(vht_pid(p), NULL);
    CHECK(vfio_fds(p) == 0 && fds1->len == fds0->len,
          "%s: QEMU holds no fd more than before (%u, %u before)", tag,
          fds1->len, fds0->len);
    bound = hedu_bindable(bdfs[0]);
    CHECK(bound, "%s: %s can be bound by another process at once%s%s", tag,
          bdfs[0], bound ? "" : ": ", bound ? "" : g_strerror(errno));

    /* the second attempt works; then device_del lets go of it */
    g_clear_pointer(&res, json_node_unref);
    res = hedu_qmp(p, NULL, "%s", add);
    bar = res ? qedu_enable(p, 1, 0, QEDU_HOTPLUG_BAR) : 0;
    CHECK(bar && dma_ok(p, bar, 93), "%s: added again, it DMAs", tag);
    CHECK(!hedu_bindable(bdfs[0]), "%s: while QEMU holds it, it cannot be "
          "bound elsewhere", tag);
    CHECK(qedu_unplug_pci(p, "e0", "rp0") &&
          qedu_wait_vfio_fds(vht_pid(p), 0) == 0,
          "%s: device_del and eject: its fd is closed", tag);
    bound = hedu_bindable(bdfs[0]);
    CHECK(bound, "%s: and %s can be bound by another process%s%s", tag,
          bdfs[0], bound ? "" : ": ", bound ? "" : g_strerror(errno));
    vht_end(p);
}

/* ---- dirty tracking: a partial start rolled back; a join while on ---- */

/* The starts and stops of dirty tracking among @calls after @mark */
static GArray *dirty_calls(GArray *calls, const char *mark)
{
    GArray *out = g_array_new(false, true, sizeof(QeduCall));

    for (guint i = 0; i < calls->len; i++) {
        QeduCall *c = &g_array_index(calls, QeduCall, i);

        if (!strcmp(c->name, "VFIO_IOMMU_DIRTY_PAGES") &&
            (!mark || !strcmp(c->mark, mark)) &&
            (c->flags & (VFIO_IOMMU_DIRTY_PAGES_FLAG_START |
                         VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP))) {
            g_array_append_val(out, *c);
        }
    }
    return out;
}

static bool is_call(GArray *calls, guint i, unsigned flags, bool ok, int fd)
{
    QeduCall *c;

    if (i >= calls->len) {
        return false;
    }
    c = &g_array_index(calls, QeduCall, i);
    return c->flags == flags && (ok ? c->rc == 0 : c->rc < 0) &&
           (fd < 0 || c->fd == fd);
}

/* calc-dirty-rate in dirty-bitmap mode for @ms; Return: the QMP error */
static char *dirty_rate_start(VhtProc *p, unsigned ms)
{
    g_autofree char *err = NULL;
    g_autoptr(JsonNode) r = hedu_qmp(p, &err, "{'execute': 'calc-dirty-rate', "
                                     "'arguments': {'calc-time': %u, "
                                     "'calc-time-unit': 'millisecond', "
                                     "'mode': 'dirty-bitmap'}}", ms);

    return r ? NULL : g_strdup(err ? err : "error");
}

static const char *dirty_rate_status(VhtProc *p)
{
    static char status[32];
    g_autoptr(JsonNode) r = hedu_qmp(p, NULL,
                                     "{'execute': 'query-dirty-rate'}");

    g_strlcpy(status, r ? json_object_get_string_member_with_default(
                              json_node_get_object(r), "status", "") : "",
              sizeof(status));
    return status;
}

/*
 * The status once the measurement has begun (5 s at most): QEMU's
 * dirty-rate thread sets "measuring" itself, so right after calc-dirty-rate
 * returns, query-dirty-rate can still answer "unstarted" (seen on 7.3
 * under load)
 */
static const char *dirty_rate_begun(VhtProc *p)
{
    for (int i = 0; i < 50; i++) {
        if (strcmp(dirty_rate_status(p), "unstarted")) {
            break;
        }
        g_usleep(100 * 1000);
    }
    return dirty_rate_status(p);
}

/* Wait (20 s at most) for the measurement to end; Return: whether it did */
static bool dirty_rate_measured(VhtProc *p)
{
    for (int i = 0; i < 200; i++) {
        if (!strcmp(dirty_rate_status(p), "measured")) {
            return true;
        }
        g_usleep(100 * 1000);
    }
    return false;
}

static void scenario_dirty_partial(void)
{
    const char *tag = "dirty-partial";
    g_autofree char *dir = g_dir_make_tmp("dirty-XXXXXX", NULL);
    g_autofree char *log = g_build_filename(dir, "calls.log", NULL);
    g_autofree char *args = g_strdup_printf(
        "-device vfio-pci,host=%s,id=e0,addr=0x4 "
        "-device vfio-pci,host=%s,id=e1,addr=0x5", bdfs[0], bdfs[1]);
    g_autoptr(GArray) calls = NULL, first = NULL, second = NULL;
    g_autoptr(JsonNode) q = NULL;
    g_autofree char *err = NULL;
    JsonObject *c0, *c1;
    int fd0;
    VhtProc *p;

    if (!fault_shim(tag)) {
        return;
    }
    /*
     * Watched calls: 1 e0's group joins a new container; 2 e1's group
     * tries e0's container: refused (injected), so e1 gets a second type1
     * container (3).  Then calc-dirty-rate starts the dirty log: 4 starts
     * the first container, 5 the second: refused (injected); the first
     * must then be stopped again.
     */
    p = start_shim(args, "VFIO_GROUP_SET_CONTAINER,VFIO_IOMMU_DIRTY_PAGES",
                   "2,5", EIO, log);
    q = qedu_query(p);
    qedu_note_query(q);
    c0 = qedu_container_of(q, "e0");
    c1 = qedu_container_of(q, "e1");
    if (!CHECK(c0 && c1 && c0 != c1, "%s: e0 and e1 sit in two type1 "
               "containers of one address space", tag)) {
        vht_end(p);
        return;
    }
    qedu_log_mark(log, "round1");
    err = dirty_rate_start(p, 100);
    CHECK(err && strstr(err, "Could not start dirty page tracking"),
          "%s: calc-dirty-rate fails, saying why: %s", tag,
          err ? err : "(it succeeded)");
    calls = qedu_log_calls(log);
    first = dirty_calls(calls, "round1");
    qedu_log_note(first, NULL, tag);
    fd0 = first->len ? g_array_index(first, QeduCall, 0).fd : -1;
    CHECK(first->len == 3 &&
          is_call(first, 0, VFIO_IOMMU_DIRTY_PAGES_FLAG_START, true, -1) &&
          is_call(first, 1, VFIO_IOMMU_DIRTY_PAGES_FLAG_START, false, -1) &&
          g_array_index(first, QeduCall, 1).fault &&
          g_array_index(first, QeduCall, 1).fd != fd0 &&
          is_call(first, 2, VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP, true, fd0),
          "%s: the second container's start failed, and the first one, "
          "started, was stopped again (%u calls)", tag, first->len);
    CHECK(dma_ok(p, qedu_enable(p, 0, QEDU_FIRST_SLOT, qedu_bar(0)), 70) &&
          dma_ok(p, qedu_enable(p, 0, QEDU_FIRST_SLOT + 1, qedu_bar(1)), 71),
          "%s: QEMU runs on; both devices DMA", tag);

    /* nothing failing now: both start, then both stop */
    qedu_log_mark(log, "round2");
    g_free(err);
    err = dirty_rate_start(p, 100);
    CHECK(!err && dirty_rate_measured(p), "%s: a second calc-dirty-rate "
          "measures: %s", tag, err ? err : "ok");
    g_clear_pointer(&calls, g_array_unref);
    calls = qedu_log_calls(log);
    second = dirty_calls(calls, "round2");
    qedu_log_note(second, NULL, tag);
    CHECK(second->len == 4 &&
          is_call(second, 0, VFIO_IOMMU_DIRTY_PAGES_FLAG_START, true, -1) &&
          is_call(second, 1, VFIO_IOMMU_DIRTY_PAGES_FLAG_START, true, -1) &&
          is_call(second, 2, VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP, true, -1) &&
          is_call(second, 3, VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP, true, -1),
          "%s: a later round starts and stops both containers (%u calls)",
          tag, second->len);
    vht_end(p);
    unlink(log);
    rmdir(dir);
    tap_result(true, "%s: QEMU quit cleanly", tag);
}

/*
 * e0 on iommufd (the emulated VT-d has no dirty tracking: its start is
 * no call), then, while calc-dirty-rate tracks dirty pages, a type1
 * device hot-added: its container joins the address space's listener,
 * and its VFIO_IOMMU_DIRTY_PAGES start is checked there.  The first
 * start is refused (injected): the hot-add fails and leaves nothing; the
 * second attempt joins with its tracking started, which the end of the
 * measurement syncs and stops.
 */
static void scenario_dirty_join(void)
{
    const char *tag = "dirty-join";
    g_autofree char *dir = g_dir_make_tmp("djoin-XXXXXX", NULL);
    g_autofree char *log = g_build_filename(dir, "calls.log", NULL);
    g_autofree char *args = g_strdup_printf(
        "-object iommufd,id=if0 "
        "-device vfio-pci,host=%s,id=e0,iommufd=if0,addr=0x4 "
        "-device pcie-root-port,id=rp0,chassis=1,addr=0x%x", bdfs[0],
        QEDU_ROOT_PORT_SLOT);
    g_autofree char *add = g_strdup_printf(
        "{'execute': 'device_add', 'arguments': {'driver': 'vfio-pci', "
        "'host': '%s', 'id': 'hp0', 'bus': 'rp0'}}", bdfs[1]);
    g_autoptr(GArray) calls = NULL, refused = NULL, joined = NULL;
    g_autoptr(GArray) fds0 = NULL, fds1 = NULL;
    g_autoptr(JsonNode) res = NULL, q = NULL;
    g_autofree char *err = NULL, *start_err = NULL;
    bool during;
    int fd;
    VhtProc *p;

    if (!fault_shim(tag)) {
        return;
    }
    p = start_shim(args, "VFIO_IOMMU_DIRTY_PAGES", "1", EIO, log);
    qedu_root_port(p, QEDU_ROOT_PORT_SLOT, 1, QEDU_HOTPLUG_BAR);
    fds0 = hedu_fds_to(vht_pid(p), NULL);
    /* long enough for two hot-adds of a device in the rig (~0.5 s each) */
    start_err = dirty_rate_start(p, 8000);
    CHECK(!start_err && !strcmp(dirty_rate_begun(p), "measuring"),
          "%s: calc-dirty-rate (dirty-bitmap, 8 s) measuring: %s", tag,
          start_err ? start_err : "ok");

    qedu_log_mark(log, "refused");
    res = hedu_qmp(p, &err, "%s", add);
    CHECK(!res && err && strstr(err, "dirty page tracking"),
          "%s: a type1 device hot-added while it runs, its container's "
          "start refused (injected): device_add fails: %s", tag,
          err ? err : "(it succeeded)");
    qedu_wait_vfio_fds(vht_pid(p), 0);
    fds1 = hedu_fds_to(vht_pid(p), NULL);
    CHECK(fds1->len == fds0->len, "%s: QEMU holds no fd more than before "
          "(%u, %u before)", tag, fds1->len, fds0->len);

    qedu_log_mark(log, "join");
    g_clear_pointer(&res, json_node_unref);
    res = hedu_qmp(p, NULL, "%s", add);
    during = !strcmp(dirty_rate_status(p), "measuring");
    CHECK(res && during, "%s: hot-added again, still during the "
          "measurement", tag);
    CHECK(dirty_rate_measured(p), "%s: the measurement ended", tag);
    calls = qedu_log_calls(log);
    refused = dirty_calls(calls, "refused");
    joined = dirty_calls(calls, "join");
    qedu_log_note(calls, "refused", tag);
    qedu_log_note(joined, NULL, tag);
    CHECK(refused->len == 1 &&
          is_call(refused, 0, VFIO_IOMMU_DIRTY_PAGES_FLAG_START, false, -1) &&
          g_array_index(refused, QeduCall, 0).fault,
          "%s: the refused hot-add made one start call, the refused one", tag);
    fd = joined->len ? g_array_index(joined, QeduCall, 0).fd : -1;
    CHECK(joined->len == 2 &&
          is_call(joined, 0, VFIO_IOMMU_DIRTY_PAGES_FLAG_START, true, -1) &&
          is_call(joined, 1, VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP, true, fd),
          "%s: the joining container's tracking started at the join, and "
          "stopped with the measurement (%u calls on fd %d)", tag,
          joined->len, fd);
    /* log_sync reads no bitmap: edu has no migration support */
    CHECK_EQ(qedu_log_count(calls, "VFIO_IOMMU_DIRTY_PAGES", "join", false), 2,
             "%s: and no other VFIO_IOMMU_DIRTY_PAGES call", tag);
    q = qedu_query(p);
    qedu_note_query(q);
    CHECK(!g_strcmp0(json_object_get_string_member_with_default(
                         qedu_container_of(q, "hp0"), "type", ""),
                     "vfio-iommu-legacy") &&
          qedu_container_of(q, "e0") != qedu_container_of(q, "hp0"),
          "%s: hp0 in a type1 container beside e0's iommufd one", tag);
    CHECK(dma_ok(p, qedu_enable(p, 0, QEDU_FIRST_SLOT, qedu_bar(0)), 160) &&
          dma_ok(p, qedu_enable(p, 1, 0, QEDU_HOTPLUG_BAR), 161),
          "%s: both devices DMA", tag);
    vht_end(p);
    unlink(log);
    rmdir(dir);
}

/*
 * ---- a file-backed DIMM on Linux 6.12, with a second IOAS; or, where the
 * kernel has IOMMU_IOAS_MAP_FILE, the same mapped with it ----
 */

static void scenario_map_file(void)
{
    const char *tag = "map-file";
    g_autofree char *dir = g_dir_make_tmp("mapfile-XXXXXX", NULL);
    g_autofree char *log = g_build_filename(dir, "calls.log", NULL);
    g_autofree char *args = g_strdup_printf(
        "-object iommufd,id=if0 "
        "-device vfio-pci,host=%s,id=e0,iommufd=if0,addr=0x4 "
        "-device vfio-pci,host=%s,id=e1,iommufd=if0,addr=0x5,"
        "x-separate-ioas=on", bdfs[0], bdfs[1]);
    static const char *const order[] = { "IOMMU_IOAS_MAP_FILE",
                                         "IOMMU_IOAS_MAP", "IOMMU_IOAS_COPY" };
    static const char *const order_file[] = { "IOMMU_IOAS_MAP_FILE",
                                              "IOMMU_IOAS_COPY" };
    char path[2][PATH_MAX];
    int fd[2], slot[2];
    uint64_t addr[2], bar[2];
    long pin;
    VhtProc *p;
    int map_file;

    if (!fault_shim(tag)) {
        return;
    }
    map_file = qedu_probe_map_file();
    if (map_file < 0) {
        tap_result(false, "%s: IOMMU_IOAS_MAP_FILE on a scratch IOAS: "
                   "mapped or ENOTTY", tag);
        return;
    }
    tap_note("%s: the kernel %s IOMMU_IOAS_MAP_FILE", tag,
             map_file ? "has" : "lacks (ENOTTY)");
    p = start_shim(args, "IOMMU_IOAS_MAP_FILE,IOMMU_IOAS_MAP,IOMMU_IOAS_COPY",
                   "0", 0, log);
    for (int i = 0; i < 2; i++) {
        bar[i] = qedu_enable(p, 0, QEDU_FIRST_SLOT + i, qedu_bar(i));
    }
    pin = qedu_vmpin(p);
    for (int d = 0; d < 2; d++) {
        g_autofree char *id = g_strdup_printf("dimm%d", d);
        g_autoptr(GArray) calls = NULL;
        g_autoptr(JsonNode) q = NULL;
        guint want = map_file || d ? 2 : 3;
        bool ok;

        g_snprintf(path[d], sizeof(path[d]), "%s/%s", dir, id);
        fd[d] = qedu_dimm_file(path[d], DIMM_MB);
        qedu_log_mark(log, id);
        addr[d] = qedu_plug_dimm(p, id, path[d], DIMM_MB, &slot[d]);
        calls = qedu_log_calls(log);
        qedu_log_note(calls, id, tag);
        ok = addr[d] && qedu_log_count(calls, NULL, id, false) == want;
        for (guint i = 0, k = 0; ok && i < calls->len; i++) {
            QeduCall *c = &g_array_index(calls, QeduCall, i);

            if (strcmp(c->mark, id)) {
                continue;
            }
            if (map_file) {
                ok = !strcmp(c->name, order_file[k]) && c->rc == 0;
            } else {
                ok = !strcmp(c->name, order[k + !!d]) &&
                     (k + d ? c->rc == 0 : c->rc < 0 && c->err == ENOTTY);
            }
            k++;
        }
        if (map_file) {
            CHECK(ok, "%s: %s file-backed DIMM: IOMMU_IOAS_MAP_FILE, then "
                  "IOMMU_IOAS_COPY into the second IOAS, nothing by "
                  "address", tag, d ? "a second" : "a");
        } else {
            CHECK(ok, d ? "%s: a second file-backed DIMM: IOMMU_IOAS_MAP, "
                  "IOMMU_IOAS_COPY, no MAP_FILE (remembered)" :
                  "%s: a file-backed DIMM: IOMMU_IOAS_MAP_FILE answered "
                  "ENOTTY (Linux 6.12), then IOMMU_IOAS_MAP, then "
                  "IOMMU_IOAS_COPY into the second IOAS", tag);
        }
        q = qedu_query(p);
        CHECK(qedu_copy_source(qedu_container_of(q, "e1"), addr[d], NULL) ==
              qedu_container_id(qedu_container_of(q, "e0")),
              "%s: %s: e1's mapping lists e0's container as copy-source",
              tag, id);
        for (int i = 0; i < 2; i++) {
            HeduResult r = qedu_file_copy(p, bar[i], addr[d] + 8192, fd[d],
                                          8192, LEN, 170 + 2 * d + i);

            CHECK(r == HEDU_LANDED, "%s: e%d DMA into %s's file lands (%s)",
                  tag, i, id, hedu_result_name(r));
        }
    }
    CHECK_EQ(qedu_vmpin(p) - pin, 2 * DIMM_KB,
             "%s: VmPin grew by the two DIMMs once (%+ld kB)", tag,
             qedu_vmpin(p) - pin);
    for (int d = 0; d < 2; d++) {
        g_autofree char *id = g_strdup_printf("dimm%d", d);
        g_autofree char *mem = g_strdup_printf("mem-dimm%d", d);

        CHECK(addr[d] && qedu_unplug_dimm(p, id, slot[d], mem),
              "%s: %s unplugged", tag, id);
        qedu_dimm_file_drop(fd[d], path[d]);
    }
    CHECK_EQ(qedu_vmpin(p), pin, "%s: VmPin back to %ld kB", tag, pin);
    vht_end(p);
    unlink(log);
    rmdir(dir);
}

static const struct {
    const char *name;
    void (*run)(void);
} scenarios[] = {
    { "copy", scenario_copy },
    { "pinning", scenario_pinning },
    { "reelect", scenario_reelect },
    { "mixed", scenario_mixed },
    { "memlock", scenario_memlock },
    { "eaddrinuse", scenario_eaddrinuse },
    { "unmap-refused", scenario_unmap_refused },
    { "fd-release", scenario_fd_release },
    { "dirty-partial", scenario_dirty_partial },
    { "dirty-join", scenario_dirty_join },
    { "map-file", scenario_map_file },
};

int main(int argc, char **argv)
{
    hedu_init();
    patched = qedu_binary("patched");
    control = qedu_binary("control");
    if (!CHECK(patched, "the patched binary in $VFIO_QEMU_BINARIES") ||
        hedu_find(bdfs, 4) < 4) {
        return tap_done();
    }
    for (size_t i = 0; i < G_N_ELEMENTS(scenarios); i++) {
        /* arguments, if any, name the scenarios to run */
        if (argc < 2 || g_strv_contains((const char *const *)argv + 1,
                                        scenarios[i].name)) {
            gint64 t0 = g_get_monotonic_time();

            scenarios[i].run();
            tap_note("scenario %s: %.1f s", scenarios[i].name,
                     (g_get_monotonic_time() - t0) / 1e6);
        }
    }
    return tap_done();
}
