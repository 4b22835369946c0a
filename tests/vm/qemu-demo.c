/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qemu-demo: the README's demo, run in the rig by scripts/demo.sh.
 *
 * Patched QEMU with four edu devices: edu0 and edu1 on one iommufd object
 * (one shared IOAS), edu2 on the same object with x-separate-ioas=on (its
 * own IOAS, filled by IOMMU_IOAS_COPY), edu3 on the legacy type1
 * container.  Every device DMAs; a DIMM is hot-added, every device DMAs
 * into it, and it is removed; x-query-vfio is printed as a table after
 * each step.  Then the same four devices under Debian's unpatched QEMU
 * 10.0.2, which has no x-separate-ioas (edu2 gets an iommufd object of its
 * own, the only way to a second IOAS there), and the pinned memory of both
 * side by side.  Prints TAP, so the rig counts the DMA checks.
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

static char bdfs[HEDU_MAX][32];

static void dma_all(const char *tag, VhtProc *p, const uint64_t *bar)
{
    for (int i = 0; i < 4; i++) {
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

static long run(const char *label, const char *bin, bool patched)
{
    g_autofree char *args = g_strdup_printf(
        "-object iommufd,id=if0 %s "
        "-device vfio-pci,host=%s,id=e0,iommufd=if0,addr=0x4 "
        "-device vfio-pci,host=%s,id=e1,iommufd=if0,addr=0x5 "
        "-device vfio-pci,host=%s,id=e2,addr=0x6,%s "
        "-device vfio-pci,host=%s,id=e3,addr=0x7",
        patched ? "" : "-object iommufd,id=if1", bdfs[0], bdfs[1], bdfs[2],
        patched ? "iommufd=if0,x-separate-ioas=on" : "iommufd=if1", bdfs[3]);
    g_autofree char *path = g_strdup_printf("/tmp/qemu-demo-%d", getpid());
    VhtProc *p;
    uint64_t bar[4], addr;
    long pin, lck;
    int slot, fd;

    tap_note("==== %s: %s", label, bin);
    p = qedu_start(bin, args, NULL, false);
    for (int i = 0; i < 4; i++) {
        bar[i] = qedu_enable(p, 0, QEDU_FIRST_SLOT + i, qedu_bar(i));
    }
    dma_all(label, p, bar);
    if (patched) {
        show("after start-up", p);
    }
    pin = qedu_vmpin(p);
    lck = qedu_status_kb(vht_pid(p), "VmLck");
    fd = qedu_dimm_file(path, DIMM_MB);
    if (fd >= 0 &&
        CHECK((addr = qedu_plug_dimm(p, "dimm0", path, DIMM_MB, &slot)),
              "%s: %d MiB DIMM hot-added at its slot", label, DIMM_MB)) {
        for (int i = 0; i < 4; i++) {
            off_t off = (off_t)(i + 1) << 20;
            HeduResult r = qedu_file_copy(p, bar[i], addr + off, fd, off, LEN,
                                          10 + i);

            CHECK(r == HEDU_LANDED, "%s: edu%d DMA into the DIMM (%s)",
                  label, i, hedu_result_name(r));
        }
        if (patched) {
            show("with the DIMM", p);
        }
        CHECK(qedu_unplug_dimm(p, "dimm0", slot, "mem-dimm0"),
              "%s: DIMM removed", label);
        if (patched) {
            show("after the DIMM left", p);
        }
    }
    qedu_dimm_file_drop(fd, path);
    tap_note("%s: VmPin %ld kB (iommufd), VmLck %ld kB (type1)", label, pin,
             lck);
    vht_end(p);
    return pin;
}

int main(void)
{
    const char *patched = qedu_binary("patched");
    const char *control = qedu_binary("control");
    long ours, theirs = -1;

    hedu_init();
    if (!CHECK(patched, "the patched binary in $VFIO_QEMU_BINARIES") ||
        hedu_find(bdfs, 4) < 4) {
        return tap_done();
    }
    ours = run("patched", patched, true);
    if (control) {
        theirs = run("control", control, false);
    }
    tap_note("==== pinned by iommufd with guest RAM %d MiB, two IOASes:",
             QEDU_RAM_MB);
    tap_note("  patched, one iommufd object, second IOAS by COPY: %7ld kB",
             ours);
    tap_note("  unpatched 10.0.2, one iommufd object per IOAS:    %7ld kB",
             theirs);
    return tap_done();
}
