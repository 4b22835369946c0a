/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-qemu-fixes: the upstream defects the series fixes first (patches
 * 2-5), each shown on the control (pristine 10.2.2 + patch 1) and gone on
 * the patched build, on the rig's real kernel (Linux 6.12, or 7.3 with
 * KERNEL_VARIANT=7.3).  The binaries come from $VFIO_QEMU_BINARIES,
 * labelled "control" and "patched".
 *
 *  - MAP_FILE: Linux 6.12 has no IOMMU_IOAS_MAP_FILE.  memfd guest RAM:
 *    the control fails to realize the iommufd device (exit 1, ENOTTY);
 *    the patched build asks once, maps by address and DMAs.  A
 *    file-backed DIMM hot-added next to an iommufd device: the control
 *    dies (hw_error, SIGABRT); the patched build DMAs into it.  Whether
 *    the kernel has the ioctl is probed (a page of a memfd mapped into a
 *    scratch IOAS; 6.12 answers ENOTTY), not read from its version: where
 *    it has it (Linux >= 6.13) there is no defect to show, and both
 *    builds must map the memfd RAM and the DIMM with MAP_FILE alone, the
 *    patched build's fallback idle.
 *  - mixed: a type1 device and an iommufd device in one address space,
 *    both orders: the control aborts in a QOM cast; the patched build
 *    DMAs through both containers.
 *  - dirty rate: calc-dirty-rate in dirty-bitmap mode while the kernel
 *    refuses VFIO_IOMMU_DIRTY_PAGES (injected by fault-ioctl.so): the
 *    control aborts stopping a log that never started; the patched build
 *    fails the command, query-dirty-rate reports no rate, and a later
 *    round measures.  The dirty limit (set-vcpu-dirty-limit) needs KVM's
 *    dirty ring and is refused under qtest: the test checks that refusal.
 *  - mtree: `info mtree -f`, then device_del of a vfio-pci device: the
 *    control never finalizes the device (its VFIO fd, pins and binding
 *    stay); the patched build releases them.  A run without `info mtree
 *    -f` releases them on both.
 *
 * DMA goes guest RAM -> edu -> guest RAM or a DIMM's backing file through
 * the rig's emulated VT-d and is checked byte for byte.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "edu.h"
#include "harness.h"
#include "qemu-edu.h"

#define LEN 4000
#define DIMM_MB 64

/* What QEMU prints when an ioctl the kernel does not know fails */
#define ENOTTY_TEXT "= -25 (Inappropriate ioctl for device)"
#define HW_ERROR_TEXT "qemu: hardware error: vfio: DMA mapping failed, " \
                      "unable to continue"
#define DIRTY_START_TEXT "vfio: Could not start dirty page tracking - " \
                         "Failed to set dirty tracking flag 0x1: " \
                         "Input/output error"
#define DIRTY_STOP_ASSERT "memory_global_dirty_log_do_stop: Assertion " \
                          "`(global_dirty_tracking & flags) == flags' failed"

static char bdfs[HEDU_MAX][32];
static bool map_file;   /* the kernel has IOMMU_IOAS_MAP_FILE (>= 6.13) */

/* ---- small helpers ---- */

/*
 * What QEMU printed on stderr, one TAP note per line, up to the register
 * dump hw_error() adds
 */
static void note_lines(const char *tag, const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);

    for (int i = 0; lines[i]; i++) {
        if (!strcmp(lines[i], "CPU #0:")) {
            tap_note("%s: | (the CPU register dump left out)", tag);
            break;
        }
        if (*lines[i]) {
            tap_note("%s: | %s", tag, lines[i]);
        }
    }
}

static bool died_of(int status, int sig)
{
    return WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

/*
 * The lines of the fault shim's log @path ("N REQ NAME rc=R [errno=E]
 * fd=F [flags=X] [FAULT]") that hold the word @name and every word of
 * @words (space-separated; NULL: none).
 */
static int log_count(const char *path, const char *name, const char *words)
{
    g_autofree char *text = hedu_slurp(path);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_auto(GStrv) want = g_strsplit(words ? words : "", " ", -1);
    int n = 0;

    for (int i = 0; lines[i]; i++) {
        g_auto(GStrv) w = g_strsplit(lines[i], " ", -1);
        bool ok = g_strv_contains((const char *const *)w, name);

        for (int j = 0; ok && want[j]; j++) {
            ok = !*want[j] || g_strv_contains((const char *const *)w, want[j]);
        }
        n += ok;
    }
    return n;
}

static bool dma_ok(VhtProc *p, uint64_t bar, unsigned seed)
{
    return bar && hedu_round_trip(p, bar, QEDU_SRC_GPA, QEDU_DST_GPA, LEN,
                                  seed);
}

/* DMA into the DIMM @fd at @addr, check VmPin, unplug, DMA blocked */
static void dimm_use_and_unplug(const char *tag, VhtProc *p, uint64_t bar,
                                uint64_t addr, int slot, int fd,
                                long pin_before)
{
    HeduResult r = qedu_file_copy(p, bar, addr + (1 << 20), fd, 1 << 20,
                                  LEN, 41);

    CHECK(r == HEDU_LANDED, "%s: DMA into the file-backed DIMM lands "
          "byte-exact (%s)", tag, hedu_result_name(r));
    CHECK_EQ(qedu_vmpin(p) - pin_before, (long)DIMM_MB << 10,
             "%s: VmPin grew by the DIMM's %d MiB", tag, DIMM_MB);
    if (CHECK(qedu_unplug_dimm(p, "dimm0", slot, "mem-dimm0"),
              "%s: DIMM unplugged", tag)) {
        r = qedu_file_copy(p, bar, addr + (1 << 20), fd, 1 << 20, LEN, 42);
        CHECK(r == HEDU_BLOCKED, "%s: DMA to its old address is blocked "
              "(%s)", tag, hedu_result_name(r));
        CHECK_EQ(qedu_vmpin(p), pin_before, "%s: VmPin back to %ld kB", tag,
                 pin_before);
    }
}

/* ---- MAP_FILE on Linux 6.12 (patch 2) ---- */

/* memfd guest RAM with an iommufd device */
static void scenario_memfd(const char *label, const char *bin, bool fixed)
{
    g_autofree char *tag = g_strdup_printf("%s memfd-ram", label);
    g_autofree char *args = qedu_args_memfd_ram(bdfs[0]);
    char *dir = hedu_scratch("fixes");
    g_autofree char *log = g_build_filename(dir, "ioctl.log", NULL);
    g_autofree char *path = g_build_filename(dir, "dimm", NULL);
    QeduStartOpts o = { .fault_requests = "IOMMU_IOAS_MAP_FILE",
                        .fault_nth = "0", .fault_log = log };
    uint64_t bar, addr;
    long pin;
    int fd, slot;
    VhtProc *p;

    if (!fixed) {
        g_autofree char *err = NULL;
        int status = qedu_try_run(bin, args, NULL, 120, &err);
        g_autofree char *how = hedu_status_text(status);

        note_lines(tag, err);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1,
              "%s: QEMU fails to start (%s, want exit 1)", tag, how);
        CHECK(strstr(err, "vfio_container_dma_map(") &&
              strstr(err, ENOTTY_TEXT),
              "%s: because mapping the memfd RAM failed with ENOTTY "
              "(IOMMU_IOAS_MAP_FILE)", tag);
        hedu_scratch_drop(dir);
        return;
    }
    p = qedu_start_with(bin, args, &o);
    if (!CHECK(p, "%s: QEMU starts (under the ioctl log shim)", tag)) {
        hedu_scratch_drop(dir);
        return;
    }
    bar = qedu_enable(p, 0, QEDU_FIRST_SLOT, qedu_bar(0));
    CHECK(dma_ok(p, bar, 1), "%s: edu DMA RAM -> edu -> RAM byte-exact",
          tag);
    pin = qedu_vmpin(p);
    CHECK_EQ(pin, QEDU_PINNED_KB, "%s: guest RAM + BIOS pinned once "
             "(VmPin %ld kB)", tag, pin);
    CHECK(log_count(log, "IOMMU_IOAS_MAP_FILE", NULL) == 1 &&
          log_count(log, "IOMMU_IOAS_MAP_FILE", "rc=-1 errno=25") == 1,
          "%s: IOMMU_IOAS_MAP_FILE was tried once, answered ENOTTY", tag);

    /* a file-backed DIMM now: no second MAP_FILE, DMA lands */
    fd = qedu_dimm_file(path, DIMM_MB);
    addr = fd >= 0 ? qedu_plug_dimm(p, "dimm0", path, DIMM_MB, &slot) : 0;
    if (CHECK(addr, "%s: %d MiB file-backed DIMM hot-added", tag, DIMM_MB)) {
        CHECK_EQ(log_count(log, "IOMMU_IOAS_MAP_FILE", NULL), 1,
                 "%s: and mapped without asking for MAP_FILE again", tag);
        dimm_use_and_unplug(tag, p, bar, addr, slot, fd, pin);
    }
    qedu_dimm_file_drop(fd, path);
    vht_end(p);
    tap_result(true, "%s: QEMU quit cleanly", tag);
    hedu_scratch_drop(dir);
}

/*
 * memfd guest RAM where the kernel has IOMMU_IOAS_MAP_FILE: no defect to
 * show, both builds start.  Every section of the memfd RAM is mapped with
 * MAP_FILE, and succeeds; IOMMU_IOAS_MAP only maps what has no fd (the
 * ROMs) and tries the edu's BAR, as on any kernel: had the patched
 * build fallen back, the RAM's sections would add IOMMU_IOAS_MAPs.
 */
#define MEMFD_RAM_FILE_MAPS 3   /* the memfd RAM's sections */
#define MEMFD_RAM_ADDR_MAPS 3   /* the ROMs: 0xc0000, isa-bios, BIOS */
#define MEMFD_RAM_ADDR_TRIES 1  /* the edu's BAR0: refused (no P2P) */

static void scenario_memfd_file(const char *label, const char *bin)
{
    g_autofree char *tag = g_strdup_printf("%s memfd-ram", label);
    g_autofree char *args = qedu_args_memfd_ram(bdfs[0]);
    char *dir = hedu_scratch("fixes");
    g_autofree char *log = g_build_filename(dir, "ioctl.log", NULL);
    g_autofree char *path = g_build_filename(dir, "dimm", NULL);
    QeduStartOpts o = { .fault_requests = "IOMMU_IOAS_MAP_FILE,"
                                          "IOMMU_IOAS_MAP",
                        .fault_nth = "0", .fault_log = log };
    g_autoptr(GArray) calls = NULL;
    uint64_t bar, addr;
    guint files, maps;
    long pin;
    int fd, slot;
    VhtProc *p;

    p = qedu_start_with(bin, args, &o);
    if (!CHECK(p, "%s: QEMU starts (under the ioctl log shim; the kernel "
               "has IOMMU_IOAS_MAP_FILE)", tag)) {
        hedu_scratch_drop(dir);
        return;
    }
    bar = qedu_enable(p, 0, QEDU_FIRST_SLOT, qedu_bar(0));
    CHECK(dma_ok(p, bar, 1), "%s: edu DMA RAM -> edu -> RAM byte-exact",
          tag);
    pin = qedu_vmpin(p);
    CHECK_EQ(pin, QEDU_PINNED_KB, "%s: guest RAM + BIOS pinned once "
             "(VmPin %ld kB)", tag, pin);
    calls = qedu_log_calls(log);
    qedu_log_note(calls, NULL, tag);
    files = qedu_log_count(calls, "IOMMU_IOAS_MAP_FILE", NULL, false);
    CHECK(files == MEMFD_RAM_FILE_MAPS &&
          qedu_log_count(calls, "IOMMU_IOAS_MAP_FILE", NULL, true) == files,
          "%s: the memfd RAM's %d sections mapped with IOMMU_IOAS_MAP_FILE, "
          "each succeeded (%u calls, %u ok)", tag, MEMFD_RAM_FILE_MAPS,
          files, qedu_log_count(calls, "IOMMU_IOAS_MAP_FILE", NULL, true));
    maps = qedu_log_count(calls, "IOMMU_IOAS_MAP", NULL, false);
    CHECK(maps == MEMFD_RAM_ADDR_MAPS + MEMFD_RAM_ADDR_TRIES &&
          qedu_log_count(calls, "IOMMU_IOAS_MAP", NULL, true) ==
          MEMFD_RAM_ADDR_MAPS,
          "%s: and nothing of it by address: IOMMU_IOAS_MAP %u times, %u "
          "ok (want %d: the ROMs; and %d refused: the edu's BAR)", tag,
          maps, qedu_log_count(calls, "IOMMU_IOAS_MAP", NULL, true),
          MEMFD_RAM_ADDR_MAPS, MEMFD_RAM_ADDR_TRIES);

    /* a file-backed DIMM now: one more MAP_FILE, nothing by address */
    fd = qedu_dimm_file(path, DIMM_MB);
    qedu_log_mark(log, "dimm");
    addr = fd >= 0 ? qedu_plug_dimm(p, "dimm0", path, DIMM_MB, &slot) : 0;
    if (CHECK(addr, "%s: %d MiB file-backed DIMM hot-added", tag, DIMM_MB)) {
        g_array_unref(calls);
        calls = qedu_log_calls(log);
        qedu_log_note(calls, "dimm", tag);
        CHECK(qedu_log_count(calls, "IOMMU_IOAS_MAP_FILE", "dimm",
                             true) == 1 &&
              qedu_log_count(calls, NULL, "dimm", false) == 1,
              "%s: and mapped with one IOMMU_IOAS_MAP_FILE, nothing else "
              "(%u calls)", tag, qedu_log_count(calls, NULL, "dimm", false));
        dimm_use_and_unplug(tag, p, bar, addr, slot, fd, pin);
    }
    qedu_dimm_file_drop(fd, path);
    vht_end(p);
    tap_result(true, "%s: QEMU quit cleanly", tag);
    hedu_scratch_drop(dir);
}

/*
 * a file-backed DIMM hot-added next to an iommufd device (RAM: anonymous);
 * where the kernel has IOMMU_IOAS_MAP_FILE both builds take the @fixed
 * path, under the ioctl log shim: the DIMM is mapped with one MAP_FILE
 */
static void scenario_file_dimm(const char *label, const char *bin,
                               bool fixed)
{
    g_autofree char *tag = g_strdup_printf("%s file-dimm", label);
    g_autofree char *args = g_strdup_printf(
        "-object iommufd,id=if0 "
        "-device vfio-pci,host=%s,id=e0,iommufd=if0,addr=0x%x",
        bdfs[1], QEDU_FIRST_SLOT);
    char *dir = hedu_scratch("fixes");
    g_autofree char *errlog = g_build_filename(dir, "stderr", NULL);
    g_autofree char *path = g_build_filename(dir, "dimm", NULL);
    g_autofree char *what = g_strdup_printf("%s: object-add "
                                            "memory-backend-file", tag);
    g_autofree char *log = g_build_filename(dir, "ioctl.log", NULL);
    QeduStartOpts o = { .stderr_path = errlog };
    g_autoptr(JsonObject) r = NULL;
    int fd = qedu_dimm_file(path, DIMM_MB);
    VhtProc *p;
    uint64_t bar;
    long pin;

    if (map_file) {
        o.fault_requests = "IOMMU_IOAS_MAP_FILE,IOMMU_IOAS_MAP";
        o.fault_nth = "0";
        o.fault_log = log;
    }
    p = qedu_start_with(bin, args, &o);
    bar = qedu_enable(p, 0, QEDU_FIRST_SLOT, qedu_bar(0));
    CHECK(dma_ok(p, bar, 2), "%s: edu DMA byte-exact before the DIMM", tag);
    pin = qedu_vmpin(p);
    if (map_file) {
        qedu_log_mark(log, "dimm");
    }
    hedu_qmp_ok(p, what,
                "{'execute': 'object-add', 'arguments': {'qom-type': "
                "'memory-backend-file', 'id': 'mem-dimm0', 'mem-path': '%s', "
                "'size': %d, 'share': true}}", path, DIMM_MB << 20);
    r = vht_qmp_try(p, "{'execute': 'device_add', 'arguments': "
                    "{'driver': 'pc-dimm', 'id': 'dimm0', "
                    "'memdev': 'mem-dimm0'}}");
    if (!fixed) {
        int status = r ? -1 : vht_wait_exit(p);
        g_autofree char *how = hedu_status_text(status);
        g_autofree char *err = hedu_slurp(errlog);

        note_lines(tag, err);
        CHECK(!r && died_of(status, SIGABRT),
              "%s: QEMU dies of the device_add (%s, want SIGABRT)", tag,
              r ? "it answered" : how);
        CHECK(strstr(err, ENOTTY_TEXT) && strstr(err, HW_ERROR_TEXT),
              "%s: of hw_error() after IOMMU_IOAS_MAP_FILE failed with "
              "ENOTTY", tag);
        if (r) {
            vht_kill(p, SIGKILL);
        }
    } else {
        int slot = -1;
        uint64_t addr = 0;

        if (CHECK(r && json_object_has_member(r, "return"),
                  "%s: device_add pc-dimm succeeds", tag)) {
            addr = qedu_dimm_addr(p, "dimm0", &slot);
        }
        if (map_file) {
            g_autoptr(GArray) calls = qedu_log_calls(log);

            qedu_log_note(calls, "dimm", tag);
            CHECK(qedu_log_count(calls, "IOMMU_IOAS_MAP_FILE", "dimm",
                                 true) == 1 &&
                  qedu_log_count(calls, NULL, "dimm", false) == 1,
                  "%s: the DIMM mapped with one IOMMU_IOAS_MAP_FILE, "
                  "nothing else (%u calls)", tag,
                  qedu_log_count(calls, NULL, "dimm", false));
        }
        if (CHECK(addr, "%s: the DIMM is at 0x%" PRIx64, tag, addr)) {
            dimm_use_and_unplug(tag, p, bar, addr, slot, fd, pin);
        }
        vht_end(p);
        tap_result(true, "%s: QEMU quit cleanly", tag);
    }
    qedu_dimm_file_drop(fd, path);
    hedu_scratch_drop(dir);
}

/* ---- a type1 and an iommufd device in one address space (patch 3) ---- */

static void scenario_mixed(const char *label, const char *bin, bool fixed,
                           bool iommufd_first)
{
    g_autofree char *tag = g_strdup_printf("%s mixed (%s first)", label,
                                           iommufd_first ? "iommufd"
                                                         : "type1");
    g_autofree char *args = qedu_args_mixed(bdfs[0], bdfs[1],
                                            iommufd_first);
    /* the second device's attach loop meets the first one's container */
    const char *cast = iommufd_first ? "vfio-iommu-legacy"
                                     : "vfio-iommu-iommufd";
    VhtProc *p;
    long lck, pin;

    if (!fixed) {
        g_autofree char *err = NULL;
        g_autofree char *want = g_strdup_printf("is not an instance of type "
                                                "%s", cast);
        int status = qedu_try_run(bin, args, NULL, 120, &err);
        g_autofree char *how = hedu_status_text(status);

        note_lines(tag, err);
        CHECK(died_of(status, SIGABRT), "%s: QEMU aborts at start-up (%s, "
              "want SIGABRT)", tag, how);
        CHECK(strstr(err, want), "%s: in the QOM cast to %s", tag, cast);
        return;
    }
    p = qedu_start(bin, args, NULL, false);
    CHECK(dma_ok(p, qedu_enable(p, 0, QEDU_FIRST_SLOT, qedu_bar(0)), 3),
          "%s: the type1 device DMAs byte-exact", tag);
    CHECK(dma_ok(p, qedu_enable(p, 0, QEDU_FIRST_SLOT + 1, qedu_bar(1)), 4),
          "%s: the iommufd device DMAs byte-exact", tag);
    lck = qedu_status_kb(vht_pid(p), "VmLck");
    pin = qedu_vmpin(p);
    CHECK_EQ(lck, QEDU_PINNED_KB, "%s: the type1 container locked guest "
             "RAM + BIOS once (VmLck %ld kB)", tag, lck);
    CHECK_EQ(pin, QEDU_PINNED_KB, "%s: the iommufd container pinned guest "
             "RAM + BIOS once (VmPin %ld kB)", tag, pin);
    vht_end(p);
    tap_result(true, "%s: QEMU quit cleanly", tag);
}

/* ---- a dirty log that failed to start (patch 4) ---- */

/* The VFIO_IOMMU_DIRTY_PAGES starts and stops in @log */
static int dirty_calls(const char *log, const char *words)
{
    return log_count(log, "VFIO_IOMMU_DIRTY_PAGES", words);
}

/* query-dirty-rate until it is no longer measuring (bounded) */
static JsonObject *dirty_rate_settled(VhtProc *p)
{
    for (int i = 0; i < 200; i++) {
        g_autoptr(JsonNode) r = hedu_qmp(p, NULL,
                                         "{'execute': 'query-dirty-rate'}");
        JsonObject *o = r ? json_node_get_object(r) : NULL;

        if (o && g_strcmp0(json_object_get_string_member_with_default(
                               o, "status", ""), "measuring")) {
            return json_object_ref(o);
        }
        g_usleep(50 * 1000);
    }
    return NULL;
}

static const char *str_member(JsonObject *o, const char *name)
{
    return o ? json_object_get_string_member_with_default(o, name, "")
             : "(none)";
}

static void dirty_rate_patched_rest(const char *tag, VhtProc *p,
                                    const char *log, uint64_t bar)
{
    g_autoptr(JsonObject) q = NULL;
    g_autoptr(JsonObject) r = NULL;

    q = dirty_rate_settled(p);
    CHECK(!g_strcmp0(str_member(q, "status"), "unstarted") &&
          !json_object_has_member(q, "dirty-rate") &&
          !g_strcmp0(str_member(q, "mode"), "dirty-bitmap"),
          "%s: query-dirty-rate: status %s, %s dirty-rate (want unstarted, "
          "none)", tag, str_member(q, "status"),
          q && json_object_has_member(q, "dirty-rate") ? "a" : "no");
    CHECK(dirty_calls(log, "flags=0x1 FAULT") == 1 &&
          dirty_calls(log, "flags=0x2") == 0,
          "%s: one START, refused (injected), and no STOP reached the "
          "kernel", tag);
    CHECK(dma_ok(p, bar, 5), "%s: QEMU runs on; the device DMAs", tag);

    /* nothing fails now: a measurement starts and stops the log */
    r = vht_qmp_try(p, "{'execute': 'calc-dirty-rate', 'arguments': "
                    "{'calc-time': 100, 'calc-time-unit': 'millisecond', "
                    "'mode': 'dirty-bitmap'}}");
    CHECK(r && json_object_has_member(r, "return"),
          "%s: a second calc-dirty-rate is accepted", tag);
    g_clear_pointer(&q, json_object_unref);
    q = dirty_rate_settled(p);
    CHECK(!g_strcmp0(str_member(q, "status"), "measured") &&
          json_object_has_member(q, "dirty-rate"),
          "%s: and measures (status %s, %s dirty-rate)", tag,
          str_member(q, "status"),
          q && json_object_has_member(q, "dirty-rate") ? "a" : "no");
    CHECK(dirty_calls(log, "flags=0x1 rc=0") == 1 &&
          dirty_calls(log, "flags=0x2 rc=0") == 1,
          "%s: with one START and one STOP of the container", tag);
}

static void scenario_dirty_rate(const char *label, const char *bin,
                                bool fixed)
{
    g_autofree char *tag = g_strdup_printf("%s dirty-rate", label);
    g_autofree char *args = g_strdup_printf(
        "-device vfio-pci,host=%s,id=t0,addr=0x%x", bdfs[2],
        QEDU_FIRST_SLOT);
    char *dir = hedu_scratch("fixes");
    g_autofree char *log = g_build_filename(dir, "ioctl.log", NULL);
    g_autofree char *errlog = g_build_filename(dir, "stderr", NULL);
    /* the first VFIO_IOMMU_DIRTY_PAGES is the START: refused, EIO */
    QeduStartOpts o = { .stderr_path = errlog,
                        .fault_requests = "VFIO_IOMMU_DIRTY_PAGES",
                        .fault_nth = "1", .fault_errno = EIO,
                        .fault_log = log };
    g_autoptr(JsonObject) r = NULL;
    g_autofree char *limit_err = NULL;
    g_autoptr(JsonNode) limit = NULL;
    VhtProc *p = qedu_start_with(bin, args, &o);
    uint64_t bar;

    if (!CHECK(p, "%s: QEMU starts under the ioctl fault shim", tag)) {
        hedu_scratch_drop(dir);
        return;
    }
    bar = qedu_enable(p, 0, QEDU_FIRST_SLOT, qedu_bar(0));
    CHECK(dma_ok(p, bar, 6), "%s: the type1 device DMAs byte-exact", tag);

    /* the dirty limit's start (system/dirtylimit.c) needs KVM */
    limit = hedu_qmp(p, &limit_err, "{'execute': 'set-vcpu-dirty-limit', "
                     "'arguments': {'dirty-rate': 100}}");
    CHECK(!limit && strstr(limit_err, "requires KVM"),
          "%s: set-vcpu-dirty-limit is refused under qtest (%s): the dirty "
          "limit's path cannot be driven here", tag,
          limit_err ? limit_err : "accepted");

    r = vht_qmp_try(p, "{'execute': 'calc-dirty-rate', 'arguments': "
                    "{'calc-time': 100, 'calc-time-unit': 'millisecond', "
                    "'mode': 'dirty-bitmap'}}");
    if (!fixed) {
        /* the measuring thread stops the log after 100 ms */
        bool gone = vht_qmp_hung_up(vht_qmp_main(p), 30000);
        int status = gone ? vht_wait_exit(p) : vht_kill(p, SIGKILL);
        g_autofree char *how = hedu_status_text(status);
        g_autofree char *err = hedu_slurp(errlog);

        note_lines(tag, err);
        CHECK(r && json_object_has_member(r, "return"),
              "%s: calc-dirty-rate is accepted although the log did not "
              "start", tag);
        CHECK(died_of(status, SIGABRT), "%s: then QEMU aborts (%s, want "
              "SIGABRT)", tag, how);
        CHECK(strstr(err, DIRTY_START_TEXT) && strstr(err, DIRTY_STOP_ASSERT),
              "%s: stopping the log whose start VFIO refused", tag);
        CHECK_EQ(dirty_calls(log, NULL), 1, "%s: the refused START was the "
                 "only VFIO_IOMMU_DIRTY_PAGES call", tag);
    } else {
        JsonObject *e = r ? json_object_get_object_member(r, "error") : NULL;
        const char *desc = e ? json_object_get_string_member_with_default(
                                   e, "desc", "") : "";

        CHECK(e && !strcmp(desc, DIRTY_START_TEXT),
              "%s: calc-dirty-rate fails with the listener's error ('%s')",
              tag, desc);
        dirty_rate_patched_rest(tag, p, log, bar);
        vht_end(p);
        tap_result(true, "%s: QEMU quit cleanly", tag);
    }
    hedu_scratch_drop(dir);
}

/* ---- `info mtree -f` keeps a device alive (patch 5) ---- */

/*
 * device_add that fails: QEMU then drains the pending RCU callbacks
 * (qmp_device_add), among them the freeing of the flat views the unplug
 * left behind, so that whatever can be finalized has been.
 */
static void drain_rcu(VhtProc *p)
{
    g_autofree char *err = NULL;
    g_autoptr(JsonNode) r = hedu_qmp(p, &err, "{'execute': 'device_add', "
                                     "'arguments': {'driver': 'pc-dimm', "
                                     "'id': 'no-memdev'}}");

    g_assert_null(r);
}

static void scenario_mtree(const char *label, const char *bin, bool fixed,
                           bool mtree)
{
    g_autofree char *tag = g_strdup_printf("%s %s", label,
                                           mtree ? "info-mtree-f"
                                                 : "no-info-mtree");
    g_autofree char *args = g_strdup_printf(
        "-object iommufd,id=if0 "
        "-device pcie-root-port,id=rp0,chassis=1,addr=0x%x",
        QEDU_ROOT_PORT_SLOT);
    g_autofree char *what = g_strdup_printf("%s: device_add vfio-pci on "
                                            "the root port", tag);
    VhtProc *p = qedu_start(bin, args, NULL, false);
    pid_t pid = vht_pid(p);
    g_autoptr(GArray) fds = NULL;
    bool leak = mtree && !fixed;
    uint64_t bar;
    guint n;
    long pin;

    if (!hedu_qmp_ok(p, what,
                     "{'execute': 'device_add', 'arguments': {'driver': "
                     "'vfio-pci', 'host': '%s', 'id': 'hp0', 'bus': 'rp0', "
                     "'iommufd': 'if0'}}", bdfs[3])) {
        vht_end(p);
        return;
    }
    qedu_root_port(p, QEDU_ROOT_PORT_SLOT, 1, QEDU_HOTPLUG_BAR);
    bar = qedu_enable(p, 1, 0, QEDU_HOTPLUG_BAR);
    CHECK(dma_ok(p, bar, 7), "%s: the edu DMAs byte-exact", tag);
    fds = hedu_fds_to(pid, "/dev/vfio/devices/");
    CHECK_EQ(fds->len, 1, "%s: QEMU holds one VFIO device fd", tag);
    if (mtree) {
        g_autoptr(JsonNode) t = NULL;

        t = hedu_qmp(p, NULL, "{'execute': 'human-monitor-command', "
                     "'arguments': {'command-line': 'info mtree -f'}}");
        CHECK(t && strstr(json_node_get_string(t), "FlatView #"),
              "%s: HMP info mtree -f prints the flat views", tag);
    }
    CHECK(qedu_unplug_pci(p, "hp0", "rp0"), "%s: device_del + ACPI eject: "
          "the device left the QOM tree", tag);
    drain_rcu(p);
    n = qedu_wait_vfio_fds(pid, leak ? 1 : 0);
    CHECK_EQ(n, leak ? 1 : 0, "%s: QEMU holds %u VFIO device fd(s) after "
             "the unplug (want %d%s)", tag, n, leak ? 1 : 0,
             leak ? ": the device was never finalized" : "");
    pin = qedu_vmpin(p);
    CHECK_EQ(pin, leak ? QEDU_PINNED_KB : 0, "%s: VmPin %ld kB (want %ld: "
             "its container's mappings %s)", tag, pin,
             leak ? QEDU_PINNED_KB : 0L, leak ? "stay" : "are gone");
    CHECK(hedu_bindable(bdfs[3]) == !leak, "%s: the host device %s be bound "
          "to another iommufd", tag, leak ? "cannot" : "can");
    vht_end(p);
    tap_result(true, "%s: QEMU quit cleanly", tag);
}

int main(int argc, char **argv)
{
    const char *labels[2] = { "control", "patched" };

    hedu_init();
    if (!CHECK(qedu_binary("control") && qedu_binary("patched"),
               "a control and a patched binary in $VFIO_QEMU_BINARIES") ||
        hedu_find(bdfs, 4) < 4) {
        return tap_done();
    }
    switch (qedu_probe_map_file()) {
    case 1:
        map_file = true;
        tap_note("the kernel has IOMMU_IOAS_MAP_FILE: both builds map "
                 "memfd RAM and file-backed DIMMs with it");
        break;
    case 0:
        tap_note("the kernel lacks IOMMU_IOAS_MAP_FILE (ENOTTY)");
        break;
    default:
        tap_result(false, "IOMMU_IOAS_MAP_FILE on a scratch IOAS: mapped "
                   "or ENOTTY");
        return tap_done();
    }
    for (int i = 0; i < 2; i++) {
        const char *bin = qedu_binary(labels[i]);
        bool fixed = i == 1;

        tap_note("=== %s: %s", labels[i], bin);
        if (map_file) {
            scenario_memfd_file(labels[i], bin);
        } else {
            scenario_memfd(labels[i], bin, fixed);
        }
        scenario_file_dimm(labels[i], bin, fixed || map_file);
        scenario_mixed(labels[i], bin, fixed, false);
        scenario_mixed(labels[i], bin, fixed, true);
        scenario_dirty_rate(labels[i], bin, fixed);
        scenario_mtree(labels[i], bin, fixed, false);
        scenario_mtree(labels[i], bin, fixed, true);
    }
    return tap_done();
}
