/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-host-badinput: bad device_add / object-add input on the guest's
 * real kernel.  Each attempt must fail with a clear error (a TAP note
 * shows it), leave vfio-host's fd count where it was (/proc/PID/fd), and
 * leave the process serving; where a resource was busy, the same command
 * succeeds once the test lets go of it (the positive control).
 *
 * - a nonexistent BDF; a sysfsdev path that is not a device; a PCI device
 *   not bound to vfio-pci (no VFIO group/cdev for it);
 * - the IOMMU group already in use (the test holds /dev/vfio/N open);
 * - the cdev of a device already bound elsewhere (the test bound it to
 *   its own iommufd), through iommufd and through the legacy group;
 * - iommufd fd= naming a non-iommufd fd, a closed fd, an unknown getfd
 *   name; iommufd= naming a missing object or a non-iommufd object;
 * - object-del of an iommufd object in use.
 *
 * Usage: test-host-badinput [VFIO_HOST_BINARY]
 */
#include <dirent.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "edu.h"
#include "harness.h"
#include "host-edu.h"

#define LEN 4000

static char bdfs[HEDU_MAX][32];

/*
 * Run a command that must fail: its error must contain @want; then the
 * fd count must equal @fds (nothing leaked), unless @fds < 0 (the caller
 * counts itself).
 */
static void expect_error(VhtProc *p, int fds, const char *what,
                         const char *want, const char *fmt, ...)
    G_GNUC_PRINTF(5, 6);

static void expect_error(VhtProc *p, int fds, const char *what,
                         const char *want, const char *fmt, ...)
{
    g_autofree char *err = NULL, *req = NULL;
    g_autoptr(JsonNode) r = NULL;
    va_list ap;

    va_start(ap, fmt);
    req = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_strdelimit(req, "'", '"');
    r = hedu_qmp(p, &err, "%s", req);
    if (CHECK(!r, "bad input: %s fails", what)) {
        tap_note("  error: %s", err);
        CHECK(err && strstr(err, want), "bad input: %s: the error names "
              "'%s'", what, want);
    } else {
        CHECK(false, "bad input: %s: the error names '%s'", what, want);
    }
    if (fds >= 0) {
        CHECK_EQ(hedu_fd_count(vht_pid(p)), fds, "bad input: %s: no fd "
                 "leaked", what);
    }
}

static bool device_add_ok(VhtProc *p, const char *what, const char *members)
{
    bool ok = hedu_qmp_ok(p, what, "{'execute': 'device_add', 'arguments': "
                          "{'driver': 'vfio-pci', 'id': 'ok0', %s}}",
                          members);

    if (ok) {
        CHECK(hedu_round_trip(p, hedu_bar0(p, "ok0"), 0x100000, 0x200000,
                              LEN, 5), "%s: and its DMA works", what);
        hedu_qmp_ok(p, "device_del ok0", "{'execute': 'device_del', "
                    "'arguments': {'id': 'ok0'}}");
    }
    return ok;
}

/* A PCI device that is not an edu (so not bound to vfio-pci). */
static bool other_pci_device(char *out, size_t len)
{
    g_autoptr(GDir) d = g_dir_open("/sys/bus/pci/devices", 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *drv = g_strdup_printf(
            "/sys/bus/pci/devices/%s/driver", name);
        g_autofree char *target = g_file_read_link(drv, NULL);

        if (!target || !g_str_has_suffix(target, "/vfio-pci")) {
            g_strlcpy(out, name, len);
            return true;
        }
    }
    return false;
}

static void bad_paths(VhtProc *p, int fds)
{
    char other[64];

    expect_error(p, fds, "vfio-pci host=0000:99:00.0", "0000:99:00.0",
                 "{'execute': 'device_add', 'arguments': {'driver': "
                 "'vfio-pci', 'id': 'x0', 'host': '%s'}}", "0000:99:00.0");
    expect_error(p, fds, "vfio-pci sysfsdev=/tmp", "/tmp",
                 "{'execute': 'device_add', 'arguments': {'driver': "
                 "'vfio-pci', 'id': 'x1', 'sysfsdev': '%s'}}", "/tmp");
    if (CHECK(other_pci_device(other, sizeof(other)), "a PCI device not "
              "bound to vfio-pci: %s", other)) {
        expect_error(p, fds, "vfio-pci of a device not bound to vfio-pci",
                     other, "{'execute': 'device_add', 'arguments': "
                     "{'driver': 'vfio-pci', 'id': 'x2', 'host': '%s'}}",
                     other);
    }
}

static void group_in_use(VhtProc *p, int fds)
{
    g_autofree char *path = g_strdup_printf("/dev/vfio/%d",
                                            hedu_group(bdfs[0]));
    g_autofree char *members = g_strdup_printf("'host': '%s'", bdfs[0]);
    int g = open(path, O_RDWR | O_CLOEXEC);

    CHECK(g >= 0, "the test holds %s (%s's group) open", path, bdfs[0]);
    expect_error(p, fds, "legacy vfio-pci whose group is in use", bdfs[0],
                 "{'execute': 'device_add', 'arguments': {'driver': "
                 "'vfio-pci', 'id': 'x3', 'host': '%s'}}", bdfs[0]);
    close(g);
    device_add_ok(p, "control: the same device_add once the group is free",
                  members);
}

/* The test binds @bdf's cdev to an iommufd of its own. */
static bool bind_elsewhere(const char *bdf, int *iommu, int *dev)
{
    g_autofree char *cdev = hedu_cdev_path(bdf);
    struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };

    *iommu = open("/dev/iommu", O_RDWR | O_CLOEXEC);
    *dev = cdev ? open(cdev, O_RDWR | O_CLOEXEC) : -1;
    bind.iommufd = *iommu;
    return CHECK(*iommu >= 0 && *dev >= 0 &&
                 ioctl(*dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) == 0,
                 "the test binds %s (%s) to its own iommufd", cdev, bdf);
}

static void cdev_bound_elsewhere(VhtProc *p, int fds)
{
    g_autofree char *members = g_strdup_printf("'host': '%s', "
                                               "'iommufd': 'i0'", bdfs[1]);
    int iommu, dev;

    if (!bind_elsewhere(bdfs[1], &iommu, &dev)) {
        return;
    }
    expect_error(p, fds, "iommufd vfio-pci whose cdev is bound elsewhere",
                 bdfs[1], "{'execute': 'device_add', 'arguments': "
                 "{'driver': 'vfio-pci', 'id': 'x4', 'host': '%s', "
                 "'iommufd': 'i0'}}", bdfs[1]);
    expect_error(p, fds, "legacy vfio-pci whose cdev is bound elsewhere",
                 bdfs[1], "{'execute': 'device_add', 'arguments': "
                 "{'driver': 'vfio-pci', 'id': 'x5', 'host': '%s'}}",
                 bdfs[1]);
    close(dev);
    close(iommu);
    device_add_ok(p, "control: the iommufd device_add once the cdev is "
                  "free", members);
}

static void bad_fds(VhtProc *p, int fds)
{
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    g_autoptr(JsonObject) r = vht_qmp_fds(vht_qmp_main(p), &null_fd, 1,
                                          "{'execute': 'getfd', 'arguments':"
                                          " {'fdname': 'nul'}}");

    CHECK(json_object_has_member(r, "return"), "getfd nul (/dev/null)");
    close(null_fd);
    /* the named fd is in vfio-host until used: count after closefd */
    expect_error(p, -1, "iommufd fd= naming /dev/null", "iommufd",
                 "{'execute': 'object-add', 'arguments': {'qom-type': "
                 "'iommufd', 'id': 'b0', 'fd': '%s'}}", "nul");
    tap_note("after the failed object-add: %d fds (%d at the start + the "
             "getfd'd one if it was kept)", hedu_fd_count(vht_pid(p)), fds);
    g_autoptr(JsonNode) c = hedu_qmp(p, NULL, "{'execute': 'closefd', "
                                     "'arguments': {'fdname': 'nul'}}");
    tap_note("closefd nul: %s", c ? "closed it" : "no such name (already "
             "consumed by the failed object-add)");
    CHECK_EQ(hedu_fd_count(vht_pid(p)), fds, "bad input: iommufd fd= "
             "naming /dev/null: no fd leaked (counted after closefd)");
    expect_error(p, fds, "iommufd fd= a closed fd number", "fd",
                 "{'execute': 'object-add', 'arguments': {'qom-type': "
                 "'iommufd', 'id': 'b1', 'fd': '%s'}}", "999");
    expect_error(p, fds, "iommufd fd= an unknown getfd name", "nosuch",
                 "{'execute': 'object-add', 'arguments': {'qom-type': "
                 "'iommufd', 'id': 'b2', 'fd': '%s'}}", "nosuch");
    expect_error(p, fds, "vfio-pci iommufd= a missing object", "nothere",
                 "{'execute': 'device_add', 'arguments': {'driver': "
                 "'vfio-pci', 'id': 'x6', 'host': '%s', 'iommufd': "
                 "'nothere'}}", bdfs[0]);
    expect_error(p, fds, "vfio-pci iommufd= a memory backend", "m0",
                 "{'execute': 'device_add', 'arguments': {'driver': "
                 "'vfio-pci', 'id': 'x7', 'host': '%s', 'iommufd': "
                 "'m0'}}", bdfs[0]);
}

static void object_in_use(VhtProc *p)
{
    g_autofree char *err = NULL;
    g_autofree char *add = g_strdup_printf("{\"execute\": \"device_add\", "
        "\"arguments\": {\"driver\": \"vfio-pci\", \"id\": \"u0\", "
        "\"host\": \"%s\", \"iommufd\": \"i0\"}}", bdfs[0]);
    g_autoptr(JsonNode) r = NULL;

    if (!hedu_qmp_ok(p, "device_add u0 on i0", "%s", add)) {
        return;
    }
    r = hedu_qmp(p, &err, "{'execute': 'object-del', 'arguments': {'id': "
                 "'i0'}}");
    CHECK(!r && err && strstr(err, "in use"), "bad input: object-del of an "
          "iommufd object in use is refused (%s)", err ? err : "succeeded");
    hedu_qmp_ok(p, "device_del u0", "{'execute': 'device_del', "
                "'arguments': {'id': 'u0'}}");
}

int main(int argc, char **argv)
{
    VhtProc *p;
    int fds;

    hedu_init(argc, argv);
    if (hedu_find(bdfs, 2) < 2) {
        return tap_done();
    }
    p = vht_start("-m 32M -object iommufd,id=i0 "
                  "-object memory-backend-ram,id=m0,size=1M");
    fds = hedu_settled_fd_count(p);
    tap_note("vfio-host has %d fds open at the start", fds);
    bad_paths(p, fds);
    group_in_use(p, fds);
    cdev_bound_elsewhere(p, fds);
    bad_fds(p, fds);
    object_in_use(p);
    CHECK_EQ(hedu_fd_count(vht_pid(p)), fds, "bad input: vfio-host's fd count "
             "is back to %d at the end", fds);
    vht_end(p);
    CHECK(true, "bad input: vfio-host still served and exited 0");
    return tap_done();
}
