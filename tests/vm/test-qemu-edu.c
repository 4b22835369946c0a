/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-qemu-edu: real qemu-system-x86_64 with edu devices assigned through
 * vfio-pci on the rig's real kernel, run once per binary named in
 * $VFIO_QEMU_BINARIES (label=path,...: the patched build and the control,
 * pristine 10.2.2 plus the first CONTROL_PATCHES patches), with the same
 * checks for each:
 *
 *  - iommufd: two edus on one -object iommufd share one IOAS: DMA round
 *    trips byte-exact, guest RAM pinned once (VmPin); a hot-added DIMM is
 *    DMA-able by both and blocked again after it is unplugged (the
 *    control's DIMM has no backing file: 10.2.2 cannot map one on Linux
 *    < 6.13, see test-qemu-fixes); a device
 *    on a root port is hot-unplugged (its fds released) and added again;
 *  - legacy: one edu on the type1 container: DMA, VmLck;
 *  - fd passing as libvirt does it, on the command line and through QMP
 *    getfd, with QEMU unable to open any device node itself.
 *
 * Every DMA goes guest RAM -> edu -> guest RAM (or a DIMM's backing
 * file) through the rig's emulated Intel IOMMU, so it lands only where
 * QEMU mapped guest memory.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edu.h"
#include "harness.h"
#include "qemu-edu.h"

#define LEN 4000
#define DIMM_MB 64
#define MAX_BIN 4

static char bdfs[HEDU_MAX][32];

/* The command register the host (the rig's kernel) sees for @bdf */
static void note_host_command(const char *bdf)
{
    g_autofree char *path = g_strdup_printf("/sys/bus/pci/devices/%s/config",
                                            bdf);
    uint16_t cmd = 0;
    FILE *f = fopen(path, "rb");

    if (f && fseek(f, 4, SEEK_SET) == 0 && fread(&cmd, 2, 1, f) == 1) {
        tap_note("  %s: host PCI_COMMAND 0x%04x (bus master %s)", bdf, cmd,
                 cmd & 0x4 ? "on" : "OFF");
    }
    if (f) {
        fclose(f);
    }
}

/*
 * The DIMM part: plug, DMA from each device, unplug, DMA blocked.  The
 * DIMM is a shared memory-backend-file, whose file shows the bytes the
 * devices wrote, also after the unplug; with @file false it is a
 * memory-backend-ram (the bytes are read over qtest while it is plugged;
 * after it left, a DMA out to its address and back must come back
 * blocked).
 */
static void dimm_checks(const char *tag, VhtProc *p, const uint64_t *bar0,
                        int n, bool file)
{
    g_autofree char *path = g_strdup_printf("/tmp/qedu-dimm-%d", getpid());
    long before = qedu_vmpin(p), plugged;
    uint64_t addr;
    int slot, fd = -1;

    if (file) {
        fd = qedu_dimm_file(path, DIMM_MB);
        if (!CHECK(fd >= 0, "%s: DIMM backing file %s", tag, path)) {
            return;
        }
    }
    addr = qedu_plug_dimm(p, "dimm0", file ? path : NULL, DIMM_MB, &slot);
    if (CHECK(addr != 0, "%s: %d MiB DIMM (%s) hot-added (object-add + "
              "device_add)", tag, DIMM_MB,
              file ? "memory-backend-file" : "memory-backend-ram")) {
        tap_note("%s: DIMM at 0x%" PRIx64 ", slot %d", tag, addr, slot);
        for (int i = 0; i < n; i++) {
            off_t off = (off_t)(i + 1) << 20;
            HeduDest d = { .gpa = addr + off, .fd = fd, .off = off };
            HeduResult r = hedu_copy(p, bar0[i], QEDU_SRC_GPA, &d, LEN,
                                     40 + i);

            CHECK(r == HEDU_LANDED, "%s: edu%d DMA into the DIMM lands "
                  "byte-exact (%s)", tag, i, hedu_result_name(r));
        }
        plugged = qedu_vmpin(p);
        CHECK_EQ(plugged - before, (long)DIMM_MB << 10,
                 "%s: VmPin grew by the DIMM's size (%ld -> %ld kB)", tag,
                 before, plugged);
        if (CHECK(qedu_unplug_dimm(p, "dimm0", slot, "mem-dimm0"),
                  "%s: DIMM unplugged (device_del + ACPI eject + object-del)",
                  tag)) {
            if (file) {
                HeduResult r = qedu_file_copy(p, bar0[0], addr + (1 << 20),
                                              fd, 1 << 20, LEN, 50);

                CHECK(r == HEDU_BLOCKED, "%s: DMA to the unplugged DIMM's "
                      "address is blocked (%s)", tag, hedu_result_name(r));
            } else {
                /* nothing to read back: a write and a read-back by DMA */
                HeduResult r = qedu_dma_reach(p, bar0[0], addr + (1 << 20),
                                              LEN, 50);

                CHECK(r == HEDU_BLOCKED, "%s: DMA to the unplugged DIMM's "
                      "address is blocked, out and back (%s)", tag,
                      hedu_result_name(r));
            }
            CHECK_EQ(qedu_vmpin(p), before, "%s: VmPin back to %ld kB", tag,
                     before);
        }
    }
    if (file) {
        qedu_dimm_file_drop(fd, path);
    }
}

/* A device on the root port: hot-added, used, unplugged, added again. */
static void hotplug_checks(const char *tag, VhtProc *p, const char *bdf)
{
    pid_t pid = vht_pid(p);
    g_autoptr(GArray) fds0 = hedu_fds_to(pid, "/dev/vfio/devices/");

    for (int round = 0; round < 2; round++) {
        g_autoptr(GArray) fds = NULL;
        uint64_t bar;

        if (!hedu_qmp_ok(p, round ? "device_add of the same device again"
                                  : "device_add vfio-pci on the root port",
                         "{'execute': 'device_add', 'arguments': "
                         "{'driver': 'vfio-pci', 'host': '%s', 'id': 'hp0', "
                         "'bus': 'rp0', 'iommufd': 'if0'}}", bdf)) {
            return;
        }
        qedu_root_port(p, QEDU_ROOT_PORT_SLOT, 1, QEDU_HOTPLUG_BAR);
        bar = qedu_enable(p, 1, 0, QEDU_HOTPLUG_BAR);
        CHECK(bar && hedu_round_trip(p, bar, QEDU_SRC_GPA, QEDU_DST_GPA,
                                     LEN, 60 + round),
              "%s: hot-added edu (round %d) DMA byte-exact", tag, round + 1);
        fds = hedu_fds_to(pid, "/dev/vfio/devices/");
        CHECK_EQ(fds->len, fds0->len + 1,
                 "%s: one more VFIO device fd while it is plugged", tag);
        if (!CHECK(qedu_unplug_pci(p, "hp0", "rp0"),
                   "%s: hot-added edu unplugged (device_del + ACPI eject)",
                   tag)) {
            return;
        }
        CHECK_EQ(qedu_wait_vfio_fds(pid, fds0->len), fds0->len,
                 "%s: its device fd is released after the unplug", tag);
    }
}

static void scenario_iommufd(const char *label, const char *bin)
{
    g_autofree char *tag = g_strdup_printf("%s iommufd", label);
    g_autofree char *args = g_strdup_printf(
        "-object iommufd,id=if0 "
        "-device vfio-pci,host=%s,id=e0,iommufd=if0,addr=0x%x "
        "-device vfio-pci,host=%s,id=e1,iommufd=if0,addr=0x%x "
        "-device pcie-root-port,id=rp0,chassis=1,addr=0x%x",
        bdfs[0], QEDU_FIRST_SLOT, bdfs[1], QEDU_FIRST_SLOT + 1,
        QEDU_ROOT_PORT_SLOT);
    VhtProc *p = qedu_start(bin, args, NULL, false);
    uint64_t bar0[2];
    long pin;

    for (int i = 0; i < 2; i++) {
        bar0[i] = qedu_enable(p, 0, QEDU_FIRST_SLOT + i, qedu_bar(i));
        if (!CHECK(bar0[i] && hedu_round_trip(p, bar0[i], QEDU_SRC_GPA,
                                              QEDU_DST_GPA, LEN, 10 + i),
                   "%s: edu%d DMA RAM -> edu -> RAM byte-exact", tag, i)) {
            note_host_command(bdfs[i]);
        }
    }
    pin = qedu_vmpin(p);
    tap_note("%s: VmPin %ld kB, VmLck %ld kB, guest RAM %d MiB", tag, pin,
             qedu_status_kb(vht_pid(p), "VmLck"), QEDU_RAM_MB);
    CHECK_EQ(pin, QEDU_PINNED_KB, "%s: guest RAM + BIOS pinned once "
             "for both devices (VmPin %ld kB)", tag, pin);
    if (bar0[0] && bar0[1]) {
        /*
         * The 10.2.2 control dies of a DIMM with an fd next to an iommufd
         * device on Linux < 6.13 (IOMMU_IOAS_MAP_FILE, which patch 2
         * fixes; test-qemu-fixes shows it): it gets a DIMM without one.
         */
        dimm_checks(tag, p, bar0, 2, strcmp(label, "control") != 0);
    }
    hotplug_checks(tag, p, bdfs[2]);
    vht_end(p);
    tap_result(true, "%s: QEMU quit cleanly", tag);
}

static void scenario_legacy(const char *label, const char *bin)
{
    g_autofree char *tag = g_strdup_printf("%s legacy", label);
    g_autofree char *args = g_strdup_printf(
        "-device vfio-pci,host=%s,id=l0,addr=0x%x", bdfs[2],
        QEDU_FIRST_SLOT);
    VhtProc *p = qedu_start(bin, args, NULL, false);
    uint64_t bar = qedu_enable(p, 0, QEDU_FIRST_SLOT, qedu_bar(0));
    long lck;

    CHECK(bar && hedu_round_trip(p, bar, QEDU_SRC_GPA, QEDU_DST_GPA, LEN,
                                 20),
          "%s: edu DMA through the type1 container byte-exact", tag);
    lck = qedu_status_kb(vht_pid(p), "VmLck");
    tap_note("%s: VmLck %ld kB, VmPin %ld kB", tag, lck, qedu_vmpin(p));
    CHECK_EQ(lck, QEDU_PINNED_KB, "%s: guest RAM + BIOS locked once "
             "(VmLck %ld kB)", tag, lck);
    vht_end(p);
    tap_result(true, "%s: QEMU quit cleanly", tag);
}

static bool open_nodes(const char *tag, int *iommu, int *dev)
{
    g_autofree char *cdev = hedu_cdev_path(bdfs[0]);

    *iommu = open("/dev/iommu", O_RDWR | O_CLOEXEC);
    *dev = cdev ? open(cdev, O_RDWR | O_CLOEXEC) : -1;
    return CHECK(*iommu >= 0 && *dev >= 0,
                 "%s: the test opened /dev/iommu and %s itself", tag,
                 cdev ? cdev : "(no cdev)");
}

static void check_own_fds(const char *tag, VhtProc *p, int iommu, int dev)
{
    g_autoptr(GArray) a = hedu_fds_to(vht_pid(p), "/dev/iommu");
    g_autoptr(GArray) b = hedu_fds_to(vht_pid(p), "/dev/vfio/");

    tap_note("%s: QEMU's fds: %s", tag, hedu_fd_text(vht_pid(p)));
    CHECK(a->len >= 1 && b->len == 1 && g_array_index(b, int, 0) == dev,
          "%s: its only VFIO device fd is the one passed (fd %d); "
          "it holds %u /dev/iommu fd(s), passed one is %d", tag, dev, a->len,
          iommu);
}

static void scenario_fdpass_cmdline(const char *label, const char *bin)
{
    g_autofree char *tag = g_strdup_printf("%s fd-pass cmdline", label);
    g_autofree char *args = NULL;
    int iommu, dev;
    VhtProc *p;
    uint64_t bar;

    if (!open_nodes(tag, &iommu, &dev)) {
        return;
    }
    args = g_strdup_printf("-object iommufd,id=if0,fd=%d "
                           "-device vfio-pci,id=e0,fd=%d,iommufd=if0,"
                           "addr=0x%x", iommu, dev, QEDU_FIRST_SLOT);
    p = qedu_start(bin, args, (const int[]){ iommu, dev, -1 }, true);
    bar = qedu_enable(p, 0, QEDU_FIRST_SLOT, qedu_bar(0));
    CHECK(bar && hedu_round_trip(p, bar, QEDU_SRC_GPA, QEDU_DST_GPA, LEN, 30),
          "%s: edu DMA byte-exact with fds from the command line, device "
          "nodes hidden from QEMU", tag);
    check_own_fds(tag, p, iommu, dev);
    vht_end(p);
    close(iommu);
    close(dev);
}

static bool getfd(const char *tag, VhtProc *p, int fd, const char *name)
{
    g_autoptr(JsonObject) r = vht_qmp_fds(vht_qmp_main(p), &fd, 1,
        "{'execute': 'getfd', 'arguments': {'fdname': '%s'}}", name);

    return CHECK(json_object_has_member(r, "return"),
                 "%s: getfd %s (SCM_RIGHTS)", tag, name);
}

static void scenario_fdpass_qmp(const char *label, const char *bin)
{
    g_autofree char *tag = g_strdup_printf("%s fd-pass QMP", label);
    g_autofree char *args = g_strdup_printf(
        "-device pcie-root-port,id=rp0,chassis=1,addr=0x%x",
        QEDU_ROOT_PORT_SLOT);
    int iommu, dev;
    VhtProc *p;
    uint64_t bar;

    if (!open_nodes(tag, &iommu, &dev)) {
        return;
    }
    p = qedu_start(bin, args, NULL, true);
    if (getfd(tag, p, iommu, "iommufd0") && getfd(tag, p, dev, "edu0") &&
        hedu_qmp_ok(p, "object-add iommufd with fd=iommufd0",
                    "{'execute': 'object-add', 'arguments': {'qom-type': "
                    "'iommufd', 'id': 'if0', 'fd': 'iommufd0'}}") &&
        hedu_qmp_ok(p, "device_add vfio-pci with fd=edu0",
                    "{'execute': 'device_add', 'arguments': {'driver': "
                    "'vfio-pci', 'id': 'hp0', 'bus': 'rp0', 'fd': 'edu0', "
                    "'iommufd': 'if0'}}")) {
        qedu_root_port(p, QEDU_ROOT_PORT_SLOT, 1, QEDU_HOTPLUG_BAR);
        bar = qedu_enable(p, 1, 0, QEDU_HOTPLUG_BAR);
        CHECK(bar && hedu_round_trip(p, bar, QEDU_SRC_GPA, QEDU_DST_GPA,
                                     LEN, 31),
              "%s: edu DMA byte-exact with fds passed over QMP, device "
              "nodes hidden from QEMU", tag);
    }
    vht_end(p);
    close(iommu);
    close(dev);
}

int main(int argc, char **argv)
{
    const char *labels[MAX_BIN], *paths[MAX_BIN];
    int nbin = qedu_binaries(labels, paths, MAX_BIN);

    hedu_init();
    if (!CHECK(nbin > 0, "binaries to test from $VFIO_QEMU_BINARIES (%d)",
               nbin) || hedu_find(bdfs, 3) < 3) {
        return tap_done();
    }
    for (int i = 0; i < nbin; i++) {
        tap_note("=== %s: %s", labels[i], paths[i]);
        scenario_legacy(labels[i], paths[i]);
        scenario_iommufd(labels[i], paths[i]);
        scenario_fdpass_cmdline(labels[i], paths[i]);
        scenario_fdpass_qmp(labels[i], paths[i]);
    }
    return tap_done();
}
