/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-host-fdpass: libvirt's fd passing on the guest's real kernel.  The
 * test opens /dev/iommu and the VFIO device cdevs itself, then HIDES the
 * device nodes from vfio-host (a private mount namespace with an empty
 * file over /dev/iommu and an empty directory over /dev/vfio), so any
 * open vfio-host tried would fail; the open_cdev trace event must not
 * fire either.
 *
 * A: inherited fds: -object iommufd,fd=N -device vfio-pci,iommufd=,fd=M.
 * B: the same fds passed over QMP getfd, then object-add / device_add by
 *    name; device_del and object-del give every fd back.
 * In both, the edu DMA round trip works.
 *
 * Usage: test-host-fdpass [VFIO_HOST_BINARY]
 */
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edu.h"
#include "harness.h"
#include "host-edu.h"

#define LEN 4000

static char bdfs[HEDU_MAX][32];

static int open_cdev_of(const char *bdf)
{
    g_autofree char *path = hedu_cdev_path(bdf);
    int fd = path ? open(path, O_RDWR | O_CLOEXEC) : -1;

    CHECK(fd >= 0, "fdpass: the test opens %s's cdev %s itself", bdf,
          path ? path : "(none in sysfs)");
    return fd;
}

/* A private mount namespace where /dev/iommu and /dev/vfio are empty. */
static bool hide_device_nodes(void)
{
    const char *file = "/tmp/fdpass-empty-file", *dir = "/tmp/fdpass-empty";
    struct stat st;
    int fd;

    if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE,
                                      NULL)) {
        return CHECK(false, "fdpass: private mount namespace");
    }
    fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);
    }
    mkdir(dir, 0700);
    if (mount(file, "/dev/iommu", NULL, MS_BIND, NULL) ||
        mount(dir, "/dev/vfio", NULL, MS_BIND, NULL)) {
        return CHECK(false, "fdpass: bind empty nodes over /dev/iommu and "
                     "/dev/vfio");
    }
    return CHECK(stat("/dev/iommu", &st) == 0 && S_ISREG(st.st_mode) &&
                 access("/dev/vfio/vfio", F_OK) != 0,
                 "fdpass: /dev/iommu and /dev/vfio/* are hidden from "
                 "vfio-host (it cannot open any device node)");
}

static void list_fds(VhtProc *p, const char *when)
{
    g_autofree char *all = hedu_fd_text(vht_pid(p));

    tap_note("vfio-host's fds %s: %s", when, all);
}

static bool has_fd(VhtProc *p, const char *prefix, int fd)
{
    g_autoptr(GArray) fds = hedu_fds_to(vht_pid(p), prefix);

    for (guint i = 0; i < fds->len; i++) {
        if (g_array_index(fds, int, i) == fd) {
            return true;
        }
    }
    return false;
}

static void check_trace(const char *path, const char *what)
{
    g_autofree char *text = NULL;
    bool read = g_file_get_contents(path, &text, NULL, NULL);

    CHECK(read && !strstr(text, "open_cdev"), "fdpass: %s: no open_cdev "
          "trace event (vfio-host opened no cdev)", what);
}

static void inherited(int iommu_fd, int dev_fd)
{
    g_autofree char *obj = g_strdup_printf("iommufd,id=i0,fd=%d", iommu_fd);
    g_autofree char *dev = g_strdup_printf("vfio-pci,id=e0,iommufd=i0,fd=%d",
                                           dev_fd);
    const char *args[] = { "-m", "32M", "-trace", "open_cdev", "-trace",
                           "file=@DIR@/trace.log", "-object", obj,
                           "-device", dev, NULL };
    int pass[] = { iommu_fd, dev_fd, -1 };
    VhtOptions o = { .args = args, .qtest = true, .pass_fds = pass };
    VhtProc *p = vht_start_opts(&o);
    g_autofree char *trace = g_build_filename(vht_dir(p), "trace.log", NULL);
    g_autofree char *copy = g_strdup_printf("/tmp/fdpass-trace-a.log");

    CHECK(true, "fdpass: vfio-host started with inherited fds %d "
          "(/dev/iommu) and %d (cdev)", iommu_fd, dev_fd);
    list_fds(p, "with inherited fds");
    CHECK(has_fd(p, "dev/iommu", iommu_fd) &&
          has_fd(p, "dev/vfio/devices/", dev_fd),
          "fdpass: vfio-host holds the inherited fds under their numbers");
    CHECK(hedu_round_trip(p, hedu_bar0(p, "e0"), 0x100000, 0x200000, LEN, 1),
          "fdpass: DMA through the inherited fds byte-exact");
    rename(trace, copy);
    vht_end(p);
    check_trace(copy, "inherited fds");
}

static bool getfd(VhtProc *p, int fd, const char *name)
{
    g_autoptr(JsonObject) r = vht_qmp_fds(vht_qmp_main(p), &fd, 1,
                                          "{'execute': 'getfd', "
                                          "'arguments': {'fdname': '%s'}}",
                                          name);

    return CHECK(json_object_has_member(r, "return"), "fdpass: getfd %s",
                 name);
}

static void over_getfd(int iommu_fd, int dev_fd)
{
    VhtProc *p = vht_start("-m 32M -trace open_cdev "
                           "-trace file=@DIR@/trace.log");
    g_autofree char *trace = g_build_filename(vht_dir(p), "trace.log", NULL);
    int fds0 = hedu_settled_fd_count(p);
    g_autofree char *before = hedu_fd_text(vht_pid(p));

    if (!getfd(p, iommu_fd, "iommufd-fd") || !getfd(p, dev_fd, "dev-fd") ||
        !hedu_qmp_ok(p, "fdpass: object-add iommufd fd=iommufd-fd",
                     "{'execute': 'object-add', 'arguments': {'qom-type': "
                     "'iommufd', 'id': 'i0', 'fd': 'iommufd-fd'}}") ||
        !hedu_qmp_ok(p, "fdpass: device_add vfio-pci fd=dev-fd",
                     "{'execute': 'device_add', 'arguments': {'driver': "
                     "'vfio-pci', 'id': 'e1', 'iommufd': 'i0', 'fd': "
                     "'dev-fd'}}")) {
        vht_end(p);
        return;
    }
    list_fds(p, "with getfd fds");
    CHECK(hedu_round_trip(p, hedu_bar0(p, "e1"), 0x100000, 0x200000, LEN, 2),
          "fdpass: DMA through the getfd fds byte-exact");
    hedu_qmp_ok(p, "fdpass: device_del e1", "{'execute': 'device_del', "
                "'arguments': {'id': 'e1'}}");
    hedu_qmp_ok(p, "fdpass: object-del i0", "{'execute': 'object-del', "
                "'arguments': {'id': 'i0'}}");
    if (!CHECK_EQ(hedu_fd_count(vht_pid(p)), fds0, "fdpass: every passed "
                  "fd is closed after device_del + object-del (%d fds)",
                  fds0)) {
        tap_note("  before getfd: %s", before);
        list_fds(p, "after device_del + object-del");
    }
    rename(trace, "/tmp/fdpass-trace-b.log");
    vht_end(p);
    check_trace("/tmp/fdpass-trace-b.log", "getfd fds");
}

int main(int argc, char **argv)
{
    int iommu[2], dev[2];

    hedu_init(argc, argv);
    if (hedu_find(bdfs, 2) < 2) {
        return tap_done();
    }
    for (int i = 0; i < 2; i++) {
        iommu[i] = open("/dev/iommu", O_RDWR | O_CLOEXEC);
        CHECK(iommu[i] >= 0, "fdpass: the test opens /dev/iommu itself");
        dev[i] = open_cdev_of(bdfs[i]);
    }
    if (!hide_device_nodes()) {
        return tap_done();
    }
    inherited(iommu[0], dev[0]);
    over_getfd(iommu[1], dev[1]);
    return tap_done();
}
