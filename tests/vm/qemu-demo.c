/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qemu-demo: the README's demo, run in the rig by scripts/demo.sh.
 *
 * 1. Four edu devices behind a virtio-iommu (in boot bypass, as a VM
 *    starts) on one iommufd object: every device DMAs; the patched build
 *    pins guest RAM once (x-query-vfio: the ram source maps, the devices'
 *    IOAS copy), the control (10.2.2 + patch 1) once per device.
 * 2. The same with RLIMIT_MEMLOCK = guest RAM + 64 MiB and no
 *    CAP_IPC_LOCK, as an unprivileged management stack would set it: the
 *    patched build starts and every device DMAs; the control does not
 *    start, and says why.
 * 3. The patched build without a vIOMMU: two devices sharing one IOAS,
 *    one with an IOAS of its own filled by IOMMU_IOAS_COPY
 *    (x-separate-ioas=on), one on the legacy type1 container, in one
 *    address space; a DIMM hot-added, DMAed into and removed; x-query-vfio
 *    after each step.
 * Prints TAP, so the rig counts the DMA checks.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "edu.h"
#include "harness.h"
#include "qemu-edu.h"

#define LEN 4000
#define DIMM_MB 64
#define N 4

static char bdfs[HEDU_MAX][32];

static void dma_all(const char *tag, VhtProc *p, const uint64_t *bar)
{
    for (int i = 0; i < N; i++) {
        CHECK(hedu_round_trip(p, bar[i], QEDU_SRC_GPA, QEDU_DST_GPA, LEN, i),
              "%s: edu%d DMA RAM -> edu -> RAM byte-exact", tag, i);
    }
}

static void show(const char *step, VhtProc *p)
{
    g_autoptr(JsonNode) q = qedu_query(p);

    tap_note("---- x-query-vfio %s", step);
    qedu_note_query(q);
}

/* Four devices behind virtio-iommu on one iommufd object */
static char *viommu_args(void)
{
    GString *s = g_string_new("-device virtio-iommu-pci "
                              "-object iommufd,id=if0");

    for (int i = 0; i < N; i++) {
        g_string_append_printf(s, " -device vfio-pci,host=%s,id=e%d,"
                               "iommufd=if0,addr=0x%x", bdfs[i], i,
                               QEDU_FIRST_SLOT + i);
    }
    return g_string_free(s, FALSE);
}

static long behind_viommu(const char *label, const char *bin, bool patched)
{
    g_autofree char *args = viommu_args();
    VhtProc *p;
    uint64_t bar[N];
    long pin;

    tap_note("==== %s, %d devices behind virtio-iommu: %s", label, N, bin);
    p = qedu_start(bin, args, NULL, false);
    for (int i = 0; i < N; i++) {
        bar[i] = qedu_enable(p, 0, QEDU_FIRST_SLOT + i, qedu_bar(i));
    }
    dma_all(label, p, bar);
    if (patched) {
        show("behind the vIOMMU", p);
    }
    pin = qedu_vmpin(p);
    tap_note("%s: VmPin %ld kB", label, pin);
    vht_end(p);
    return pin;
}

static void memlock(const char *label, const char *bin, bool patched)
{
    g_autofree char *args = viommu_args();
    g_autofree char *limit = g_strdup_printf("%d", (QEDU_RAM_MB + 64) * 1024);
    g_autofree char *err = NULL;

    tap_note("==== %s, RLIMIT_MEMLOCK %s kB, no CAP_IPC_LOCK", label, limit);
    setenv("QEDU_MEMLOCK_KB", limit, 1);
    if (patched) {
        VhtProc *p = qedu_start(bin, args, NULL, false);
        uint64_t bar[N];

        for (int i = 0; i < N; i++) {
            bar[i] = qedu_enable(p, 0, QEDU_FIRST_SLOT + i, qedu_bar(i));
        }
        dma_all("patched under the limit", p, bar);
        tap_note("%s: started, VmPin %ld kB", label, qedu_vmpin(p));
        vht_end(p);
    } else {
        int status = qedu_try_run(bin, args, NULL, 60, &err);
        gchar **lines = g_strsplit(err ? err : "", "\n", -1);

        CHECK(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) != 0,
              "%s: does not start under the limit (exit %d)", label,
              status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        for (int i = 0; lines[i]; i++) {
            if (strstr(lines[i], "Cannot allocate memory")) {
                tap_note("%s", lines[i]);
            }
        }
        g_strfreev(lines);
    }
    unsetenv("QEDU_MEMLOCK_KB");
}

static void one_address_space(const char *bin)
{
    g_autofree char *args = g_strdup_printf(
        "-object iommufd,id=if0 "
        "-device vfio-pci,host=%s,id=e0,iommufd=if0,addr=0x4 "
        "-device vfio-pci,host=%s,id=e1,iommufd=if0,addr=0x5 "
        "-device vfio-pci,host=%s,id=e2,iommufd=if0,x-separate-ioas=on,"
        "addr=0x6 "
        "-device vfio-pci,host=%s,id=e3,addr=0x7",
        bdfs[0], bdfs[1], bdfs[2], bdfs[3]);
    g_autofree char *path = g_strdup_printf("/tmp/qemu-demo-%d", getpid());
    VhtProc *p;
    uint64_t bar[N], addr;
    int slot, fd;

    tap_note("==== patched, no vIOMMU: a shared IOAS, a separate one, type1");
    p = qedu_start(bin, args, NULL, false);
    for (int i = 0; i < N; i++) {
        bar[i] = qedu_enable(p, 0, QEDU_FIRST_SLOT + i, qedu_bar(i));
    }
    dma_all("one address space", p, bar);
    show("after start-up", p);
    fd = qedu_dimm_file(path, DIMM_MB);
    if (fd >= 0 &&
        CHECK((addr = qedu_plug_dimm(p, "dimm0", path, DIMM_MB, &slot)),
              "%d MiB DIMM hot-added", DIMM_MB)) {
        for (int i = 0; i < N; i++) {
            off_t off = (off_t)(i + 1) << 20;
            HeduResult r = qedu_file_copy(p, bar[i], addr + off, fd, off, LEN,
                                          10 + i);

            CHECK(r == HEDU_LANDED, "edu%d DMA into the DIMM (%s)", i,
                  hedu_result_name(r));
        }
        show("with the DIMM", p);
        CHECK(qedu_unplug_dimm(p, "dimm0", slot, "mem-dimm0"),
              "DIMM removed");
        show("after the DIMM left", p);
    }
    qedu_dimm_file_drop(fd, path);
    tap_note("VmPin %ld kB (iommufd, once), VmLck %ld kB (type1)",
             qedu_vmpin(p), qedu_status_kb(vht_pid(p), "VmLck"));
    vht_end(p);
}

int main(void)
{
    const char *patched = qedu_binary("patched");
    const char *control = qedu_binary("control");
    long ours, theirs = -1;

    hedu_init();
    if (!CHECK(patched, "the patched binary in $VFIO_QEMU_BINARIES") ||
        !CHECK(hedu_find(bdfs, N) >= N, "%d edu devices", N)) {
        return tap_done();
    }
    ours = behind_viommu("patched", patched, true);
    if (control) {
        theirs = behind_viommu("control", control, false);
    }
    memlock("patched", patched, true);
    if (control) {
        memlock("control", control, false);
    }
    one_address_space(patched);
    tap_note("==== pinned with %d devices behind a vIOMMU, guest RAM %d MiB:",
             N, QEDU_RAM_MB);
    tap_note("  patched (guest RAM copied into every device's IOAS): %7ld kB",
             ours);
    tap_note("  control (10.2.2 + patch 1, mapped per device):       %7ld kB",
             theirs);
    return tap_done();
}
