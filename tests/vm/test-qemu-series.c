/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-qemu-series: what the series changes, on the rig's real kernel,
 * with the patched qemu-system-x86_64 ("patched=" in $VFIO_QEMU_BINARIES;
 * "control=" is the unpatched 10.0.2 for the pinning comparison):
 *
 *  - two edus on one iommufd object share one IOAS: one IOMMU_IOAS_MAP
 *    per RAM section; a third with x-separate-ioas=on gets its own IOAS
 *    filled by IOMMU_IOAS_COPY (one COPY per section, no MAP), DMA works
 *    through the copies, and nothing more is pinned;
 *  - the same layout with two iommufd objects pins twice, with the patched
 *    build and with the control (the three VmPin numbers are printed);
 *  - hot-adding a device while others run issues no MAP, COPY or UNMAP on
 *    the running containers;
 *  - a DIMM hot-added later is mapped once and copied into the other IOAS;
 *  - when the copy source's last device leaves, the remaining container
 *    keeps its mappings and a DIMM added afterwards is mapped there;
 *  - legacy and iommufd containers in one address space both DMA;
 *  - a runtime map failure (RLIMIT_MEMLOCK reached by a hot-added DIMM)
 *    leaves QEMU running, is announced by VFIO_DMA_MAP_FAILED and counted
 *    in x-query-vfio, and DMA to the DIMM is blocked while DMA to guest
 *    RAM still lands;
 *  - EADDRINUSE from the existing HWPT (a reserved-region clash, injected
 *    with tests/vm/fault-ioctl.so) sends the device to an IOAS of its own,
 *    filled by COPY;
 *  - an IOMMU_IOAS_UNMAP of a DIMM answered ENOENT (injected; what the
 *    kernel answers to an unmap that would split a mapping) leaves the
 *    DIMM mapped in the kernel, and x-query-vfio keeps listing it;
 *  - a device whose attach fails (injected EIO) leaves no fd behind: its
 *    cdev can be bound by another process at once; likewise after
 *    device_del;
 *  - when starting dirty tracking fails on the second of two type1
 *    containers (VFIO_IOMMU_DIRTY_PAGES, injected), the first one is
 *    stopped again, QEMU keeps running, and a later start starts both.
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
/*
 * What QEMU maps under qtest (QEDU_PINNED_KB) comes as five sections
 * once the machine reset split RAM below 1 MiB (the ISA ROM windows
 * 0xc0000 and 0xe0000 are mapped read-only); before the reset RAM was one
 * section, mapped and unmapped once.
 */
#define SECTIONS 5

static char bdfs[HEDU_MAX][32];
static const char *patched, *control;

static bool dma_ok(VhtProc *p, uint64_t bar, unsigned seed)
{
    return bar && hedu_round_trip(p, bar, QEDU_SRC_GPA, QEDU_DST_GPA, LEN,
                                  seed);
}

/* Counters of a container, to compare before and after a step. */
typedef struct Counts {
    int64_t map, copy, unmap;
} Counts;

static Counts counts_of(JsonObject *c)
{
    return (Counts){ qedu_counter(c, "map"), qedu_counter(c, "copy"),
                     qedu_counter(c, "unmap") };
}

static Counts counts_for(VhtProc *p, const char *id)
{
    g_autoptr(JsonNode) q = qedu_query(p);

    return counts_of(qedu_container_of(q, id));
}

static bool same_counts(const char *tag, const char *what, Counts a,
                        Counts b)
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

/* ---- one iommufd object: shared IOAS + a separate one filled by COPY -- */

static guint vfio_fds(VhtProc *p)
{
    g_autoptr(GArray) fds = hedu_fds_to(vht_pid(p), "/dev/vfio/devices/");

    return fds->len;
}

static void hotplug_quiet(const char *tag, VhtProc *p, bool separate)
{
    guint fds0 = vfio_fds(p);
    Counts a0 = counts_for(p, "e0"), a2 = counts_for(p, "e2"), b0, b2;
    g_autoptr(JsonNode) q = NULL;
    JsonObject *c;
    uint64_t bar;

    if (!hedu_qmp_ok(p, separate ? "device_add with x-separate-ioas=on"
                                 : "device_add on the shared iommufd",
                     "{'execute': 'device_add', 'arguments': {'driver': "
                     "'vfio-pci', 'host': '%s', 'id': 'hp0', 'bus': 'rp0', "
                     "'iommufd': 'if0', 'x-separate-ioas': %s}}", bdfs[3],
                     separate ? "true" : "false")) {
        return;
    }
    b0 = counts_for(p, "e0");
    b2 = counts_for(p, "e2");
    same_counts(tag, "running shared container during the hot-add", a0, b0);
    same_counts(tag, "running copy container during the hot-add", a2, b2);
    q = qedu_query(p);
    c = qedu_container_of(q, "hp0");
    if (separate) {
        CHECK(c && ioas_of(c) != ioas_of(qedu_container_of(q, "e0")) &&
              qedu_counter(c, "copy") == SECTIONS &&
              qedu_counter(c, "map") == 0,
              "%s: the hot-added device's own IOAS is filled by %d COPY, "
              "no MAP (COPY %" PRId64 ")", tag, SECTIONS,
              qedu_counter(c, "copy"));
    } else {
        CHECK(c && c == qedu_container_of(q, "e0"),
              "%s: the hot-added device joined the shared IOAS", tag);
    }
    qedu_root_port(p, QEDU_ROOT_PORT_SLOT, 1, QEDU_HOTPLUG_BAR);
    bar = qedu_enable(p, 1, 0, QEDU_HOTPLUG_BAR);
    CHECK(dma_ok(p, bar, 70 + separate), "%s: hot-added edu DMA byte-exact",
          tag);
    CHECK(qedu_unplug_pci(p, "hp0", "rp0") &&
          qedu_wait_vfio_fds(vht_pid(p), fds0) == fds0,
          "%s: hot-added edu unplugged, its device fd closed", tag);
    same_counts(tag, "shared container across add + unplug", a0,
                counts_for(p, "e0"));
}

static void dimm_mapped_once(const char *tag, VhtProc *p,
                             const uint64_t *bar)
{
    g_autofree char *path = g_strdup_printf("/tmp/qseries-dimm-%d", getpid());
    Counts a0 = counts_for(p, "e0"), a2 = counts_for(p, "e2"), b0, b2;
    long before = qedu_vmpin(p);
    uint64_t addr;
    int slot, fd;

    fd = qedu_dimm_file(path, DIMM_MB);
    if (fd < 0) {
        tap_result(false, "%s: DIMM backing file %s", tag, path);
        return;
    }
    addr = qedu_plug_dimm(p, "dimm0", path, DIMM_MB, &slot);
    if (CHECK(addr, "%s: DIMM hot-added", tag)) {
        b0 = counts_for(p, "e0");
        b2 = counts_for(p, "e2");
        CHECK(b0.map - a0.map == 1 && b0.copy == a0.copy,
              "%s: the copy source MAPs the DIMM once (MAP %+" PRId64 ")",
              tag, b0.map - a0.map);
        CHECK(b2.copy - a2.copy == 1 && b2.map == a2.map,
              "%s: the other IOAS COPYs it (COPY %+" PRId64 ", MAP %+"
              PRId64 ")", tag, b2.copy - a2.copy, b2.map - a2.map);
        CHECK_EQ(qedu_vmpin(p) - before, (long)DIMM_MB << 10,
                 "%s: VmPin grows by the DIMM once (%ld -> %ld kB)", tag,
                 before, qedu_vmpin(p));
        for (int i = 0; i < 3; i += 2) {
            off_t off = (off_t)(i + 1) << 20;
            HeduResult r = qedu_file_copy(p, bar[i], addr + off, fd, off, LEN,
                                          80 + i);

            CHECK(r == HEDU_LANDED, "%s: edu%d DMA into the DIMM lands (%s)",
                  tag, i, hedu_result_name(r));
        }
        CHECK(qedu_unplug_dimm(p, "dimm0", slot, "mem-dimm0"),
              "%s: DIMM unplugged", tag);
        CHECK_EQ(qedu_vmpin(p), before, "%s: VmPin back to %ld kB", tag,
                 before);
    }
    qedu_dimm_file_drop(fd, path);
}

static void scenario_copy(void)
{
    const char *tag = "share+copy";
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
    uint64_t bar[3];

    qedu_note_query(q);
    CHECK(c0 && c0 == qedu_container_of(q, "e1"),
          "%s: e0 and e1 share one container", tag);
    CHECK(c0 && c2 && c0 != c2 && ioas_of(c0) != ioas_of(c2),
          "%s: e2 (x-separate-ioas=on) has an IOAS of its own (%" PRId64
          " vs %" PRId64 ")", tag, ioas_of(c2), ioas_of(c0));
    /* every MAP/COPY is a live section, or one the reset replaced */
    CHECK(qedu_mappings(c0, "map") == SECTIONS &&
          qedu_counter(c0, "map") - qedu_counter(c0, "unmap") == SECTIONS &&
          qedu_counter(c0, "copy") == 0,
          "%s: the shared IOAS got exactly one IOMMU_IOAS_MAP per RAM "
          "section (%d sections; MAP %" PRId64 ", UNMAP %" PRId64 ")", tag,
          SECTIONS, qedu_counter(c0, "map"), qedu_counter(c0, "unmap"));
    CHECK(qedu_mappings(c2, "copy") == SECTIONS &&
          qedu_counter(c2, "copy") - qedu_counter(c2, "unmap") == SECTIONS &&
          qedu_counter(c2, "map") == 0,
          "%s: the separate IOAS got one IOMMU_IOAS_COPY per RAM section "
          "and no MAP (COPY %" PRId64 ", MAP %" PRId64 ")", tag,
          qedu_counter(c2, "copy"), qedu_counter(c2, "map"));
    for (int i = 0; i < 3; i++) {
        bar[i] = qedu_enable(p, 0, QEDU_FIRST_SLOT + i, qedu_bar(i));
        CHECK(dma_ok(p, bar[i], 10 + i), "%s: edu%d DMA byte-exact%s", tag,
              i, i == 2 ? " through the copied mappings" : "");
    }
    CHECK_EQ(qedu_vmpin(p), QEDU_PINNED_KB,
             "%s: VmPin %ld kB: the copy pinned nothing more", tag,
             qedu_vmpin(p));
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

    tap_note("VmPin with two IOASes: patched + COPY %ld kB, patched with two "
             "iommufd objects %ld kB, unpatched 10.0.2 with two iommufd "
             "objects %ld kB", copy, two, ctl);
    CHECK_EQ(copy, QEDU_PINNED_KB,
             "pin: one object + COPY pins guest memory once");
    CHECK_EQ(two, 2 * QEDU_PINNED_KB,
             "pin: two iommufd objects pin it twice");
    if (control) {
        CHECK_EQ(ctl, 2 * QEDU_PINNED_KB, "pin: the control with two iommufd "
                 "objects pins it twice");
    }
}

/* ---- re-election: the copy source's last device leaves ---- */

static void scenario_reelect(void)
{
    const char *tag = "re-elect";
    g_autofree char *args = g_strdup_printf(
        "-object iommufd,id=if0 "
        "-device pcie-root-port,id=rp0,chassis=1,addr=0x10 "
        "-device pcie-root-port,id=rp1,chassis=2,addr=0x11 "
        "-device vfio-pci,host=%s,id=s0,iommufd=if0,bus=rp0 "
        "-device vfio-pci,host=%s,id=d0,iommufd=if0,bus=rp1,"
        "x-separate-ioas=on", bdfs[0], bdfs[1]);
    g_autofree char *path = g_strdup_printf("/tmp/qseries-re-%d", getpid());
    VhtProc *p = qedu_start(patched, args, NULL, false);
    g_autoptr(JsonNode) q = NULL;
    uint64_t bar, addr;
    Counts a, b;
    int slot, fd;

    qedu_root_port(p, 0x10, 1, QEDU_HOTPLUG_BAR);
    qedu_root_port(p, 0x11, 2, QEDU_HOTPLUG_BAR + 0x100000);
    bar = qedu_enable(p, 2, 0, QEDU_HOTPLUG_BAR + 0x100000);
    CHECK(dma_ok(p, bar, 30), "%s: d0 (filled by COPY) DMA byte-exact", tag);
    CHECK(qedu_unplug_pci(p, "s0", "rp0") &&
          qedu_wait_vfio_fds(vht_pid(p), 1) == 1,
          "%s: the copy source's only device unplugged, its fd closed", tag);
    q = qedu_query(p);
    qedu_note_query(q);
    CHECK(json_array_get_length(json_object_get_array_member(
              json_array_get_object_element(json_node_get_array(q), 0),
              "containers")) == 1,
          "%s: the source's container is gone with its last device", tag);
    CHECK(qedu_mappings(qedu_container_of(q, "d0"), NULL) == SECTIONS,
          "%s: d0's container keeps its %d mappings", tag, SECTIONS);
    CHECK(dma_ok(p, bar, 31), "%s: d0 DMA still byte-exact", tag);
    a = counts_for(p, "d0");
    fd = qedu_dimm_file(path, DIMM_MB);
    if (fd >= 0 &&
        CHECK((addr = qedu_plug_dimm(p, "dimm0", path, DIMM_MB, &slot)),
              "%s: DIMM hot-added after the source left", tag)) {
        HeduResult r = qedu_file_copy(p, bar, addr + 4096, fd, 4096, LEN, 32);

        b = counts_for(p, "d0");
        CHECK(b.map - a.map + b.copy - a.copy == 1,
              "%s: the remaining container maps the DIMM (MAP %+" PRId64
              ", COPY %+" PRId64 ")", tag, b.map - a.map, b.copy - a.copy);
        CHECK(r == HEDU_LANDED, "%s: d0 DMA into the new DIMM lands (%s)",
              tag, hedu_result_name(r));
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

    qedu_note_query(q);
    CHECK(qedu_container_of(q, "e0") && qedu_container_of(q, "l0") &&
          qedu_container_of(q, "e0") != qedu_container_of(q, "l0"),
          "%s: an iommufd and a legacy container in one address space", tag);
    for (int i = 0; i < 2; i++) {
        CHECK(dma_ok(p, qedu_enable(p, 0, QEDU_FIRST_SLOT + i, qedu_bar(i)),
                     40 + i), "%s: %s DMA byte-exact", tag,
              i ? "legacy" : "iommufd");
    }
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
    g_autoptr(JsonNode) q = NULL;
    JsonObject *c;
    VhtProc *p;
    uint64_t bar, addr;
    int slot, fd;

    g_setenv("QEDU_MEMLOCK_KB", limit, true);
    p = qedu_start(patched, args, NULL, false);
    g_unsetenv("QEDU_MEMLOCK_KB");
    tap_note("%s: RLIMIT_MEMLOCK %s kB, no CAP_IPC_LOCK", tag, limit);
    bar = qedu_enable(p, 0, QEDU_FIRST_SLOT, qedu_bar(0));
    CHECK(dma_ok(p, bar, 50), "%s: DMA byte-exact within the limit", tag);
    fd = qedu_dimm_file(path, DIMM_MB);
    if (fd >= 0 &&
        CHECK((addr = qedu_plug_dimm(p, "dimm0", path, DIMM_MB, &slot)),
              "%s: a %d MiB DIMM beyond the limit is hot-added", tag,
              DIMM_MB)) {
        HeduResult r;

        g_autoptr(JsonObject) ev = vht_qmp_wait_event(vht_qmp_main(p),
                                                      "VFIO_DMA_MAP_FAILED",
                                                      10000);
        JsonObject *d = ev ? json_object_get_object_member(ev, "data") : NULL;
        JsonArray *devs = d ? json_object_get_array_member(d, "devices")
                            : NULL;

        CHECK(d && json_object_get_int_member(d, "iova") == (int64_t)addr &&
              json_object_get_int_member(d, "size") == (int64_t)DIMM_MB << 20 &&
              devs && json_array_get_length(devs) == 1 &&
              !g_strcmp0(json_array_get_string_element(devs, 0),
                         "/machine/peripheral/e0"),
              "%s: VFIO_DMA_MAP_FAILED names e0 and the DIMM's range", tag);
        if (d) {
            tap_note("%s: event error: %s", tag,
                     json_object_get_string_member_with_default(d, "error",
                                                                "?"));
        }
        q = qedu_query(p);
        c = qedu_container_of(q, "e0");
        qedu_note_query(q);
        CHECK(c && json_object_get_int_member_with_default(
                       c, "runtime-errors", 0) == 1,
              "%s: x-query-vfio counts one runtime error", tag);
        tap_note("%s: first-runtime-error: %s", tag,
                 c ? json_object_get_string_member_with_default(
                         c, "first-runtime-error", "(none)") : "(none)");
        r = qedu_file_copy(p, bar, addr + 4096, fd, 4096, LEN, 51);
        CHECK(r == HEDU_BLOCKED, "%s: DMA into the unmapped DIMM is blocked "
              "(%s)", tag, hedu_result_name(r));
        CHECK(dma_ok(p, bar, 52), "%s: QEMU runs on; DMA to guest RAM still "
              "byte-exact", tag);
        CHECK(qedu_unplug_dimm(p, "dimm0", slot, "mem-dimm0"),
              "%s: the DIMM is unplugged again", tag);
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
 * Start the patched build with @args under @shim: of the @requests it
 * watches, the calls numbered @nth fail with @err; every watched call is
 * logged to @log (NULL: no log).  Return: the process.
 */
static VhtProc *start_under_shim(const char *shim, const char *args,
                                 const char *requests, const char *nth,
                                 int err, const char *log)
{
    g_autofree char *e = g_strdup_printf("%d", err);
    VhtProc *p;

    g_setenv("LD_PRELOAD", shim, true);
    g_setenv("FAULT_IOCTL_REQUEST", requests, true);
    g_setenv("FAULT_IOCTL_NTH", nth, true);
    g_setenv("FAULT_IOCTL_ERRNO", e, true);
    if (log) {
        g_setenv("FAULT_IOCTL_LOG", log, true);
    }
    p = qedu_start(patched, args, NULL, false);
    g_unsetenv("LD_PRELOAD");
    g_unsetenv("FAULT_IOCTL_LOG");
    return p;
}

/* ---- EADDRINUSE from the existing HWPT: on to a new IOAS ---- */

static void scenario_eaddrinuse(void)
{
    const char *tag = "eaddrinuse";
    const char *shim = fault_shim(tag);
    g_autofree char *args = g_strdup_printf(
        "-object iommufd,id=if0 "
        "-device vfio-pci,host=%s,id=e0,iommufd=if0,addr=0x4 "
        "-device vfio-pci,host=%s,id=e1,iommufd=if0,addr=0x5",
        bdfs[0], bdfs[1]);
    g_autoptr(JsonNode) q = NULL;
    JsonObject *c0, *c1;
    VhtProc *p;

    if (!shim) {
        return;
    }
    /*
     * The 2nd VFIO_DEVICE_ATTACH_IOMMUFD_PT is e1's attach to the HWPT of
     * e0's IOAS: answer it EADDRINUSE, as the kernel does when a device's
     * reserved regions clash with what the IOAS maps.
     */
    p = start_under_shim(shim, args, "VFIO_DEVICE_ATTACH_IOMMUFD_PT", "2",
                         EADDRINUSE, NULL);
    q = qedu_query(p);
    qedu_note_query(q);
    c0 = qedu_container_of(q, "e0");
    c1 = qedu_container_of(q, "e1");
    CHECK(c0 && c1 && c0 != c1 && ioas_of(c0) != ioas_of(c1),
          "%s: e1 went on to an IOAS of its own (%" PRId64 " vs %" PRId64 ")",
          tag, ioas_of(c1), ioas_of(c0));
    CHECK(qedu_mappings(c1, "copy") == SECTIONS &&
          qedu_counter(c1, "map") == 0,
          "%s: which was filled by COPY (COPY %" PRId64 ", MAP %" PRId64 ")",
          tag, qedu_counter(c1, "copy"), qedu_counter(c1, "map"));
    for (int i = 0; i < 2; i++) {
        CHECK(dma_ok(p, qedu_enable(p, 0, QEDU_FIRST_SLOT + i, qedu_bar(i)),
                     60 + i), "%s: edu%d DMA byte-exact", tag, i);
    }
    vht_end(p);
}

/* ---- an unmap refused with ENOENT: the record stays ---- */

/* How many @request calls @path logged before the line "# @mark" */
static guint calls_before(const char *path, const char *request,
                          const char *mark)
{
    g_autofree char *text = NULL;
    g_autofree char *needle = g_strdup_printf(" %s ", request);
    g_autofree char *stop = g_strdup_printf("# %s", mark);
    g_auto(GStrv) v = NULL;
    guint n = 0;

    g_file_get_contents(path, &text, NULL, NULL);
    v = g_strsplit(text ? text : "", "\n", -1);
    for (guint i = 0; v[i] && strcmp(v[i], stop); i++) {
        n += strstr(v[i], needle) != NULL;
    }
    return n;
}

static void log_mark(const char *path, const char *mark)
{
    FILE *f = fopen(path, "a");

    if (f) {
        fprintf(f, "# %s\n", mark);
        fclose(f);
    }
}

/*
 * e0 on iommufd, a DIMM plugged and unplugged; with @nth, the @nth
 * IOMMU_IOAS_UNMAP fails with ENOENT.  Return: the process, the DIMM
 * unplugged, its backing file still open in *@fd (and @path).
 */
static VhtProc *unmap_run(const char *shim, const char *log, guint nth,
                          const char *path, int *fd, uint64_t *addr,
                          uint64_t *bar)
{
    g_autofree char *args = g_strdup_printf(
        "-object iommufd,id=if0 "
        "-device vfio-pci,host=%s,id=e0,iommufd=if0,addr=0x4", bdfs[0]);
    g_autofree char *n = g_strdup_printf("%u", nth);
    VhtProc *p;
    int slot;

    unlink(log);
    p = start_under_shim(shim, args, "IOMMU_IOAS_UNMAP", n, ENOENT, log);
    *bar = qedu_enable(p, 0, QEDU_FIRST_SLOT, qedu_bar(0));
    *fd = qedu_dimm_file(path, DIMM_MB);
    *addr = *fd >= 0 ? qedu_plug_dimm(p, "dimm0", path, DIMM_MB, &slot) : 0;
    if (*addr) {
        log_mark(log, "dimm-unplug");
        qedu_unplug_dimm(p, "dimm0", slot, "mem-dimm0");
    }
    return p;
}

static void scenario_unmap_refused(void)
{
    const char *tag = "unmap-refused";
    const char *shim = fault_shim(tag);
    g_autofree char *dir = g_dir_make_tmp("unmap-XXXXXX", NULL);
    g_autofree char *log = g_build_filename(dir, "calls.log", NULL);
    g_autofree char *path = g_build_filename(dir, "dimm", NULL);
    g_autoptr(JsonNode) q = NULL;
    uint64_t addr, bar;
    HeduResult r;
    JsonObject *c;
    VhtProc *p;
    guint before;
    int fd;

    if (!shim) {
        return;
    }
    /* without a fault: which IOMMU_IOAS_UNMAP is the DIMM's */
    p = unmap_run(shim, log, 0, path, &fd, &addr, &bar);
    before = calls_before(log, "IOMMU_IOAS_UNMAP", "dimm-unplug");
    r = addr ? qedu_file_copy(p, bar, addr + 4096, fd, 4096, LEN, 90)
             : HEDU_BLOCKED;
    CHECK(addr && r == HEDU_BLOCKED, "%s: without a fault, DMA into the "
          "unplugged DIMM is blocked (%s)", tag, hedu_result_name(r));
    qedu_dimm_file_drop(fd, path);
    vht_end(p);

    /* now the DIMM's unmap is answered ENOENT */
    p = unmap_run(shim, log, before + 1, path, &fd, &addr, &bar);
    q = qedu_query(p);
    qedu_note_query(q);
    c = qedu_container_of(q, "e0");
    r = addr ? qedu_file_copy(p, bar, addr + 4096, fd, 4096, LEN, 91)
             : HEDU_BLOCKED;
    CHECK(r == HEDU_LANDED, "%s: with the unmap refused, the kernel still "
          "maps the DIMM: DMA into it lands (%s)", tag, hedu_result_name(r));
    CHECK(qedu_covers(c, addr, (uint64_t)DIMM_MB << 20),
          "%s: and x-query-vfio still lists the DIMM's range", tag);
    CHECK(c && json_object_get_int_member_with_default(c, "runtime-errors",
                                                       0) == 1,
          "%s: the failed unmap counts as one runtime error: %s", tag,
          c ? json_object_get_string_member_with_default(
                  c, "first-runtime-error", "(none)") : "(no container)");
    CHECK(dma_ok(p, bar, 92), "%s: QEMU runs on; DMA to guest RAM lands",
          tag);
    qedu_dimm_file_drop(fd, path);
    vht_end(p);
    tap_result(true, "%s: QEMU quit cleanly", tag);
}

/* ---- a failed attach, and an unplug, release the device fd ---- */

static void scenario_fd_release(void)
{
    const char *tag = "fd-release";
    const char *shim = fault_shim(tag);
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

    if (!shim) {
        return;
    }
    /* the first attach fails */
    p = start_under_shim(shim, "-object iommufd,id=if0 -device "
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

/* ---- a partial start of dirty tracking is rolled back ---- */

typedef struct DirtyCall {
    int fd;
    unsigned flags;         /* VFIO_IOMMU_DIRTY_PAGES_FLAG_START or _STOP */
    int rc;
    bool fault;
} DirtyCall;

/* The starts and stops of dirty tracking @path logged, from line @from */
static GArray *dirty_calls(const char *path, guint from, guint *lines)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) v = NULL;
    GArray *calls = g_array_new(false, true, sizeof(DirtyCall));

    g_file_get_contents(path, &text, NULL, NULL);
    v = g_strsplit(text ? text : "", "\n", -1);
    for (guint i = from; v[i] && *v[i]; i++) {
        DirtyCall c = { .fault = strstr(v[i], " FAULT") != NULL };
        const char *fd = strstr(v[i], " fd="), *fl = strstr(v[i], " flags=");

        *lines = i + 1;
        if (!strstr(v[i], " VFIO_IOMMU_DIRTY_PAGES ") || !fd || !fl) {
            continue;
        }
        c.fd = atoi(fd + 4);
        c.flags = strtoul(fl + 7, NULL, 16);
        c.rc = atoi(strstr(v[i], " rc=") + 4);
        if (c.flags & (VFIO_IOMMU_DIRTY_PAGES_FLAG_START |
                       VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP)) {
            g_array_append_val(calls, c);
        }
    }
    return calls;
}

static void note_dirty_calls(const char *tag, GArray *calls)
{
    for (guint i = 0; i < calls->len; i++) {
        DirtyCall *c = &g_array_index(calls, DirtyCall, i);

        tap_note("%s: VFIO_IOMMU_DIRTY_PAGES %s on container fd %d: %s", tag,
                 c->flags & VFIO_IOMMU_DIRTY_PAGES_FLAG_START ? "START"
                                                              : "STOP",
                 c->fd, c->fault ? "failed (injected)"
                                 : c->rc ? "failed" : "ok");
    }
}

/* calc-dirty-rate in dirty-bitmap mode: one start and stop of the log */
static bool dirty_rate_round(VhtProc *p)
{
    if (!hedu_qmp_ok(p, "calc-dirty-rate (dirty-bitmap mode, 1 s)",
                     "{'execute': 'calc-dirty-rate', 'arguments': "
                     "{'calc-time': 1, 'mode': 'dirty-bitmap'}}")) {
        return false;
    }
    for (int i = 0; i < 100; i++) {
        g_autoptr(JsonNode) r = hedu_qmp(p, NULL,
                                         "{'execute': 'query-dirty-rate'}");
        const char *st = r ? json_object_get_string_member_with_default(
            json_node_get_object(r), "status", "") : "";

        if (!strcmp(st, "measured")) {
            return true;
        }
        g_usleep(100 * 1000);
    }
    return false;
}

static void scenario_dirty_partial(void)
{
    const char *tag = "dirty-partial";
    const char *shim = fault_shim(tag);
    g_autofree char *dir = g_dir_make_tmp("dirty-XXXXXX", NULL);
    g_autofree char *log = g_build_filename(dir, "calls.log", NULL);
    g_autofree char *args = g_strdup_printf(
        "-device vfio-pci,host=%s,id=e0,addr=0x4 "
        "-device vfio-pci,host=%s,id=e1,addr=0x5", bdfs[0], bdfs[1]);
    g_autoptr(GArray) first = NULL, second = NULL;
    g_autoptr(JsonNode) q = NULL;
    JsonObject *c0, *c1;
    guint lines = 0, len;
    DirtyCall *a, *b, *c;
    VhtProc *p;

    if (!shim) {
        return;
    }
    /*
     * Watched calls: 1 e0's group joins a new container; 2 e1's group
     * tries e0's container: refused (injected), so e1 gets a second type1
     * container (3).  Then calc-dirty-rate starts the dirty log: 4 starts
     * the first container, 5 the second: refused (injected); the first
     * must then be stopped again.
     */
    p = start_under_shim(shim, args,
                         "VFIO_GROUP_SET_CONTAINER,VFIO_IOMMU_DIRTY_PAGES",
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
    dirty_rate_round(p);
    first = dirty_calls(log, 0, &lines);
    note_dirty_calls(tag, first);
    len = first->len;
    g_array_set_size(first, MAX(len, 3));   /* zeroed: no calls */
    a = &g_array_index(first, DirtyCall, 0);
    b = &g_array_index(first, DirtyCall, 1);
    c = &g_array_index(first, DirtyCall, 2);
    CHECK(len == 3 &&
          a->flags == VFIO_IOMMU_DIRTY_PAGES_FLAG_START && !a->rc &&
          b->flags == VFIO_IOMMU_DIRTY_PAGES_FLAG_START && b->fault &&
          b->fd != a->fd &&
          c->flags == VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP && !c->rc &&
          c->fd == a->fd,
          "%s: the second container's start failed, and the first one, "
          "started, was stopped again (%u calls)", tag, len);
    CHECK(dma_ok(p, qedu_enable(p, 0, QEDU_FIRST_SLOT, qedu_bar(0)), 70) &&
          dma_ok(p, qedu_enable(p, 0, QEDU_FIRST_SLOT + 1, qedu_bar(1)), 71),
          "%s: QEMU runs on; both devices DMA", tag);

    /* nothing failing now: both start, then both stop */
    dirty_rate_round(p);
    second = dirty_calls(log, lines, &lines);
    note_dirty_calls(tag, second);
    len = second->len;
    g_array_set_size(second, MAX(len, 4));
    CHECK(len == 4 &&
          g_array_index(second, DirtyCall, 0).flags ==
          VFIO_IOMMU_DIRTY_PAGES_FLAG_START &&
          g_array_index(second, DirtyCall, 1).flags ==
          VFIO_IOMMU_DIRTY_PAGES_FLAG_START &&
          g_array_index(second, DirtyCall, 2).flags ==
          VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP &&
          g_array_index(second, DirtyCall, 3).flags ==
          VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP,
          "%s: a later round starts and stops both containers (%u calls)",
          tag, len);
    vht_end(p);
    tap_result(true, "%s: QEMU quit cleanly", tag);
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
            scenarios[i].run();
        }
    }
    return tap_done();
}
