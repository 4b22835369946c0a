/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-upstream: Debian's newest QEMU (11.1.3, trixie-backports: the best
 * reference for upstream after 10.2 that this machine can get; its source
 * is not served here) beside the patched build and the control (10.2.2 +
 * patch 1), the same command lines under qtest on the rig's real kernel,
 * in the trixie userland (tests/vm/trixie-root.sh: this program re-runs
 * itself there; the patched and the control build run there too).
 *
 *  mixed     a type1 and an iommufd device in one address space, both
 *            orders (test-qemu-fixes shows the control; the series' patch
 *            3 fixes it): does upstream still abort in a checked QOM cast?
 *  memfd     guest RAM from memory-backend-memfd with an iommufd device on
 *            Linux 6.12, which has no IOMMU_IOAS_MAP_FILE (patch 2)
 *  file-dimm a file-backed DIMM hot-added next to an iommufd device: the
 *            same MAP_FILE, at run time (hw_error() upstream)
 *            (on a kernel that has MAP_FILE, probed: Linux >= 6.13, there
 *            is no defect: all three start, map and DMA in both)
 *  viommu    N = 1, 2, 4 devices behind virtio-iommu, 2 behind
 *            intel-iommu, boot bypass: guest RAM pinned once per iommufd
 *            object (the series) or once per device (VmPin, exact)
 *  memlock   RLIMIT_MEMLOCK = guest RAM + 64 MiB without CAP_IPC_LOCK,
 *            2 and 4 devices behind virtio-iommu: who starts
 *
 * What each binary does is written below as the expectation the checks
 * compare with, exactly (outcome, signal, exit status, QEMU's message,
 * VmPin, DMA bytes): the patched build works, and the control and 11.1.3
 * fail the same way in every scenario (docs/upstream-11.1.md).
 *
 * Usage: test-upstream [--all | --only=NAME,...] [--table=FILE]
 *   default (CI): mixed, memfd, file-dimm, memlock; --all: viommu too
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "edu.h"
#include "harness.h"
#include "libvirt-domain.h"

#define LEN 4000
#define DIMM_MB 64
#define MEMLOCK_KB ((long)(QEDU_RAM_MB + 64) * 1024)
/* the patched build copies the isa-bios window from the BIOS mapping */
#define PATCHED_PIN_KB (QEDU_RAM_MB * 1024L + 128)
#define NBIN 3

#define ENOTTY_TEXT "= -25 (Inappropriate ioctl for device)"
#define ENOMEM_TEXT "= -12 (Cannot allocate memory)"
#define HW_ERROR_TEXT "qemu: hardware error: vfio: DMA mapping failed, " \
                      "unable to continue"

static char bdfs[HEDU_MAX][32];
static const char *bins[NBIN];
static const char *const labels[NBIN] = { "patched", "control", "11.1.3" };
static const char *only;
static int map_file;    /* the kernel has IOMMU_IOAS_MAP_FILE (>= 6.13) */
static GString *tab;

static bool selected(const char *name)
{
    g_auto(GStrv) names = only ? g_strsplit(only, ",", -1) : NULL;

    return !names || g_strv_contains((const char *const *)names, name);
}

static void row(const char *what, char **cell)
{
    g_string_append_printf(tab, "| %s | %s | %s | %s |\n", what, cell[0],
                           cell[1], cell[2]);
    for (int b = 0; b < NBIN; b++) {
        g_free(cell[b]);
        cell[b] = NULL;
    }
}

static char *status_text(int status)
{
    if (status == -1) {
        return g_strdup("still running");
    }
    if (WIFEXITED(status)) {
        return g_strdup_printf("exit %d", WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        return g_strdup_printf("%s", strsignal(WTERMSIG(status)));
    }
    return g_strdup_printf("wait status 0x%x", status);
}

static void note_err(const char *tag, const char *err)
{
    g_auto(GStrv) lines = g_strsplit(err ? err : "", "\n", -1);

    for (int i = 0; lines[i]; i++) {
        if (!strcmp(lines[i], "CPU #0:")) {
            break;
        }
        if (*lines[i] && !strstr(lines[i], "no available reset") &&
            !strstr(lines[i], "dma-buf not supported")) {
            tap_note("%s: | %s", tag, lines[i]);
        }
    }
}

static bool dma_ok(VhtProc *p, uint64_t bar, unsigned seed)
{
    return bar && hedu_round_trip(p, bar, QEDU_SRC_GPA, QEDU_DST_GPA, LEN,
                                  seed);
}

/* ---- mixed ---- */

static void mixed(bool iommufd_first)
{
    g_autofree char *what = g_strdup_printf("mixed type1 + iommufd, %s first",
                                            iommufd_first ? "iommufd"
                                                          : "type1");
    g_autofree char *args = qedu_args_mixed(bdfs[0], bdfs[1],
                                            iommufd_first);
    g_autofree char *want = g_strdup_printf(
        "is not an instance of type %s", iommufd_first ? "vfio-iommu-legacy"
                                                       : "vfio-iommu-iommufd");
    char *cell[NBIN] = { 0 };

    for (int b = 0; b < NBIN; b++) {
        g_autofree char *tag = g_strdup_printf("%s: %s", labels[b], what);

        if (b == 0) {
            VhtProc *p = qedu_start(bins[b], args, NULL, false);
            long lck, pin;

            CHECK(dma_ok(p, qedu_enable(p, 0, QEDU_FIRST_SLOT, qedu_bar(0)),
                         3) &&
                  dma_ok(p, qedu_enable(p, 0, QEDU_FIRST_SLOT + 1,
                                        qedu_bar(1)), 4),
                  "%s: both devices DMA byte-exact", tag);
            lck = qedu_status_kb(vht_pid(p), "VmLck");
            pin = qedu_vmpin(p);
            CHECK(lck == QEDU_PINNED_KB && pin == QEDU_PINNED_KB,
                  "%s: type1 locked (VmLck %ld kB) and iommufd pinned (VmPin "
                  "%ld kB) guest RAM + BIOS once each", tag, lck, pin);
            vht_end(p);
            cell[b] = g_strdup("starts, both DMA");
        } else {
            g_autofree char *err = NULL;
            int status = qedu_try_run(bins[b], args, NULL, 120, &err);
            g_autofree char *how = status_text(status);

            note_err(tag, err);
            CHECK(status != -1 && WIFSIGNALED(status) &&
                  WTERMSIG(status) == SIGABRT && strstr(err, want),
                  "%s: QEMU aborts at start-up (%s) in the QOM cast: '%s'",
                  tag, how, want);
            cell[b] = g_strdup_printf("%s: `%s`", how, want);
        }
    }
    row(what, cell);
}

/* ---- MAP_FILE ---- */

static void memfd(void)
{
    g_autofree char *args = qedu_args_memfd_ram(bdfs[0]);
    char *cell[NBIN] = { 0 };

    for (int b = 0; b < NBIN; b++) {
        g_autofree char *tag = g_strdup_printf("%s: memfd guest RAM", labels[b]);

        if (b == 0 || map_file) {
            VhtProc *p = qedu_start(bins[b], args, NULL, false);

            CHECK(dma_ok(p, qedu_enable(p, 0, QEDU_FIRST_SLOT, qedu_bar(0)),
                         5), "%s: QEMU starts, the device DMAs byte-exact",
                  tag);
            CHECK_EQ(qedu_vmpin(p), QEDU_PINNED_KB, "%s: VmPin %ld kB", tag,
                     qedu_vmpin(p));
            vht_end(p);
            cell[b] = g_strdup(map_file ? "starts (IOMMU_IOAS_MAP_FILE), DMA"
                                        : "starts (maps by address), DMA");
        } else {
            g_autofree char *err = NULL;
            int status = qedu_try_run(bins[b], args, NULL, 120, &err);
            g_autofree char *how = status_text(status);

            note_err(tag, err);
            CHECK(status != -1 && WIFEXITED(status) &&
                  WEXITSTATUS(status) == 1 &&
                  strstr(err, "memory listener initialization failed: "
                         "Region mem0") && strstr(err, ENOTTY_TEXT),
                  "%s: QEMU does not start (%s): mapping mem0 failed with "
                  "ENOTTY (IOMMU_IOAS_MAP_FILE)", tag, how);
            cell[b] = g_strdup_printf("does not start (%s): `%s`", how,
                                      ENOTTY_TEXT);
        }
    }
    row(map_file ? "memfd guest RAM, iommufd device (the kernel has "
                   "IOMMU_IOAS_MAP_FILE)" :
                   "memfd guest RAM, iommufd device (Linux 6.12: no "
                   "IOMMU_IOAS_MAP_FILE)", cell);
}

static void file_dimm(void)
{
    g_autofree char *args = g_strdup_printf(
        "-object iommufd,id=if0 "
        "-device vfio-pci,host=%s,id=e0,iommufd=if0,addr=0x%x",
        bdfs[1], QEDU_FIRST_SLOT);
    char *cell[NBIN] = { 0 };

    for (int b = 0; b < NBIN; b++) {
        g_autofree char *tag = g_strdup_printf("%s: file-backed DIMM",
                                               labels[b]);
        g_autofree char *dir = g_dir_make_tmp("upstream-XXXXXX", NULL);
        g_autofree char *path = g_build_filename(dir, "dimm", NULL);
        g_autofree char *errlog = g_build_filename(dir, "stderr", NULL);
        QeduStartOpts o = { .stderr_path = errlog };
        int fd = qedu_dimm_file(path, DIMM_MB);
        VhtProc *p = qedu_start_with(bins[b], args, &o);
        uint64_t bar = qedu_enable(p, 0, QEDU_FIRST_SLOT, qedu_bar(0));
        g_autoptr(JsonObject) r = NULL;

        CHECK(dma_ok(p, bar, 6), "%s: the device DMAs before the DIMM", tag);
        hedu_qmp_ok(p, "object-add memory-backend-file",
                    "{'execute': 'object-add', 'arguments': {'qom-type': "
                    "'memory-backend-file', 'id': 'mem-dimm0', 'mem-path': "
                    "'%s', 'size': %d, 'share': true}}", path, DIMM_MB << 20);
        r = vht_qmp_try(p, "{'execute': 'device_add', 'arguments': "
                        "{'driver': 'pc-dimm', 'id': 'dimm0', "
                        "'memdev': 'mem-dimm0'}}");
        if (b == 0 || map_file) {
            CHECK(r && json_object_has_member(r, "return") &&
                  qedu_vmpin(p) == QEDU_PINNED_KB + (DIMM_MB << 10),
                  "%s: device_add pc-dimm succeeds, VmPin +%d MiB (%ld kB)",
                  tag, DIMM_MB, qedu_vmpin(p));
            CHECK(dma_ok(p, bar, 7), "%s: QEMU runs on, the device DMAs",
                  tag);
            vht_end(p);
            cell[b] = g_strdup("hot-added, pinned");
        } else {
            int status = r ? vht_kill(p, SIGKILL) : vht_wait_exit(p);
            g_autofree char *how = status_text(status);
            g_autofree char *err = NULL;

            g_file_get_contents(errlog, &err, NULL, NULL);
            note_err(tag, err);
            CHECK(!r && WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT &&
                  err && strstr(err, ENOTTY_TEXT) &&
                  strstr(err, HW_ERROR_TEXT),
                  "%s: QEMU dies of the device_add (%s): hw_error() after "
                  "IOMMU_IOAS_MAP_FILE failed with ENOTTY", tag,
                  r ? "it answered" : how);
            cell[b] = g_strdup_printf("%s: `%s`", r ? "answered" : how,
                                      HW_ERROR_TEXT);
        }
        qedu_dimm_file_drop(fd, path);
        unlink(errlog);
        rmdir(dir);
    }
    row("a file-backed DIMM hot-added next to an iommufd device", cell);
}

/* ---- behind a vIOMMU ---- */

static char *viommu_args(bool vtd, int n)
{
    GString *s = g_string_new(vtd ?
        "-device intel-iommu,caching-mode=on,aw-bits=39" :
        "-device virtio-iommu-pci,id=viommu,bus=pcie.0,addr=0x8");

    g_string_append(s, " -object iommufd,id=if0");
    for (int i = 0; i < n; i++) {
        g_string_append_printf(s, " -device vfio-pci,host=%s,id=e%d,"
                               "iommufd=if0,bus=pcie.0,addr=0x%x", bdfs[i],
                               i, QEDU_FIRST_SLOT + i);
    }
    return g_string_free(s, false);
}

static long want_pin(int b, int n)
{
    return b == 0 ? PATCHED_PIN_KB : n * QEDU_PINNED_KB;
}

static void viommu(bool vtd, int n)
{
    g_autofree char *what = g_strdup_printf("%d device(s) behind %s, boot "
                                            "bypass: VmPin kB", n,
                                            vtd ? "intel-iommu"
                                                : "virtio-iommu");
    g_autofree char *args = viommu_args(vtd, n);
    char *cell[NBIN] = { 0 };

    for (int b = 0; b < NBIN; b++) {
        g_autofree char *tag = g_strdup_printf("%s: %s", labels[b], what);
        VhtProc *p = qedu_start(bins[b], args, NULL, false);
        int landed = 0;
        long pin;

        for (int i = 0; i < n; i++) {
            landed += dma_ok(p, qedu_enable(p, 0, QEDU_FIRST_SLOT + i,
                                            qedu_bar(i)), 10 + i);
        }
        CHECK_EQ(landed, n, "%s: every device DMAs byte-exact", tag);
        pin = qedu_vmpin(p);
        CHECK_EQ(pin, want_pin(b, n), "%s: VmPin %ld kB (%s)", tag, pin,
                 b ? "guest RAM + BIOS per device" : "guest RAM once");
        vht_end(p);
        cell[b] = g_strdup_printf("%ld", pin);
    }
    row(what, cell);
}

static void memlock(int n)
{
    g_autofree char *what = g_strdup_printf("RLIMIT_MEMLOCK %ld kB, no "
                                            "CAP_IPC_LOCK, %d devices behind "
                                            "virtio-iommu", MEMLOCK_KB, n);
    g_autofree char *lim = g_strdup_printf("%ld", MEMLOCK_KB);
    g_autofree char *args = viommu_args(false, n);
    char *cell[NBIN] = { 0 };

    g_setenv("QEDU_MEMLOCK_KB", lim, true);
    for (int b = 0; b < NBIN; b++) {
        g_autofree char *tag = g_strdup_printf("%s: %s", labels[b], what);

        if (b == 0) {
            VhtProc *p = qedu_start(bins[b], args, NULL, false);
            int landed = 0;

            for (int i = 0; i < n; i++) {
                landed += dma_ok(p, qedu_enable(p, 0, QEDU_FIRST_SLOT + i,
                                                qedu_bar(i)), 20 + i);
            }
            CHECK(landed == n && qedu_vmpin(p) == PATCHED_PIN_KB,
                  "%s: QEMU starts, every device DMAs, VmPin %ld kB", tag,
                  qedu_vmpin(p));
            vht_end(p);
            cell[b] = g_strdup_printf("starts, VmPin %ld kB",
                                      (long)PATCHED_PIN_KB);
        } else {
            g_autofree char *err = NULL;
            int status = qedu_try_run(bins[b], args, NULL, 60, &err);
            g_autofree char *how = status_text(status);

            note_err(tag, err);
            CHECK(status != -1 && WIFEXITED(status) &&
                  WEXITSTATUS(status) == 1 && strstr(err, bdfs[1]) &&
                  strstr(err, "memory listener initialization failed: "
                         "Region pc.ram") && strstr(err, ENOMEM_TEXT),
                  "%s: QEMU does not start (%s): the second device (%s) "
                  "cannot map pc.ram, ENOMEM", tag, how, bdfs[1]);
            cell[b] = g_strdup_printf("does not start (%s): `%s`", how,
                                      ENOMEM_TEXT);
        }
    }
    g_unsetenv("QEDU_MEMLOCK_KB");
    row(what, cell);
}

int main(int argc, char **argv)
{
    gint64 t0 = g_get_monotonic_time();
    const char *path = NULL;

    lv_enter_trixie_root(argv, false);
    only = "mixed,memfd,file-dimm,memlock";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--all")) {
            only = NULL;
        } else if (g_str_has_prefix(argv[i], "--only=")) {
            only = argv[i] + 7;
        } else if (g_str_has_prefix(argv[i], "--table=")) {
            path = argv[i] + 8;
        }
    }
    hedu_init();
    bins[0] = qedu_binary("patched");
    bins[1] = qedu_binary("control");
    bins[2] = lv_upstream();
    if (!CHECK(bins[0] && bins[1] && bins[2], "the patched, control and "
               "Debian's newest binaries") || hedu_find(bdfs, 4) < 4) {
        return tap_done();
    }
    {
        g_autofree char *v = NULL;

        lv_sh(&v, "%s --version | head -n1", bins[2]);
        tap_note("upstream reference: %s: %s", bins[2], g_strstrip(v));
    }
    map_file = qedu_probe_map_file();
    if (map_file < 0) {
        tap_result(false, "IOMMU_IOAS_MAP_FILE on a scratch IOAS: mapped or "
                   "ENOTTY");
        return tap_done();
    }
    tap_note("the kernel %s IOMMU_IOAS_MAP_FILE",
             map_file ? "has" : "lacks (ENOTTY)");
    tab = g_string_new("\n## Debian's QEMU 11.1.3 beside the series\n\n");
    g_string_append_printf(tab, "Made by `tests/vm/test-upstream` (qtest, "
                           "128 MiB guest, edu devices on %s).\n\n"
                           "| scenario | patched 10.2.2 | control 10.2.2 | "
                           "Debian 11.1.3 |\n|---|---|---|---|\n",
                           map_file ? "a kernel with IOMMU_IOAS_MAP_FILE, "
                                      "Linux >= 6.13" : "Linux 6.12");
    if (selected("mixed")) {
        mixed(false);
        mixed(true);
    }
    if (selected("memfd")) {
        memfd();
    }
    if (selected("file-dimm")) {
        file_dimm();
    }
    if (selected("viommu")) {
        viommu(false, 1);
        viommu(false, 2);
        viommu(false, 4);
        viommu(true, 2);
    }
    if (selected("memlock")) {
        memlock(2);
        memlock(4);
    }
    {
        g_auto(GStrv) lines = g_strsplit(tab->str, "\n", -1);

        for (int i = 0; lines[i]; i++) {
            if (*lines[i]) {
                tap_note("%s", lines[i]);
            }
        }
    }
    if (path) {
        g_file_set_contents(path, tab->str, -1, NULL);
    }
    tap_note("test-upstream took %.1f s", (g_get_monotonic_time() - t0) / 1e6);
    return tap_done();
}
