/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of vfio_device_attach()'s bad-input paths on a fake sysfs and
 * /dev tree: each gives a clear error, leaks no fd and leaves no address
 * space behind.  (The good paths need a kernel: tests/vm.)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "hw/vfio/vfio-context.h"
#include "hw/vfio/vfio-device.h"

typedef struct Fixture {
    char *root;             /* temp dir: sys/ and dev/ below */
    char *sys;
    char *dev;
    char *bdf_dir;          /* sys/bus/pci/devices/0000:00:04.0 */
    MemoryTopology *topo;
    MemoryRegion *mr;
    AddressSpace *as;
    VFIOContext *ctx;
    int fds_before;
} Fixture;

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;

    g_assert_nonnull(d);
    while (readdir(d)) {
        n++;
    }
    closedir(d);
    return n;
}

static void mkdirs(const char *path)
{
    g_assert_cmpint(g_mkdir_with_parents(path, 0755), ==, 0);
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    f->root = g_dir_make_tmp("vfio-device-XXXXXX", NULL);
    f->sys = g_build_filename(f->root, "sys", NULL);
    f->dev = g_build_filename(f->root, "dev", NULL);
    f->bdf_dir = g_build_filename(f->sys, "bus/pci/devices/0000:00:04.0",
                                  NULL);
    mkdirs(f->bdf_dir);
    mkdirs(f->dev);
    f->topo = memory_topology_new();
    f->mr = memory_region_new_container(f->topo, "system", UINT64_MAX);
    f->as = address_space_new(f->topo, f->mr, "memory");
    f->ctx = vfio_context_new();
    vfio_context_set_roots(f->ctx, f->sys, f->dev);
    f->fds_before = count_fds();
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->root);

    g_assert_cmpint(count_fds(), ==, f->fds_before);
    g_assert_null(vfio_context_address_spaces(f->ctx));
    g_assert_null(vfio_context_devices(f->ctx));
    vfio_context_free(f->ctx);
    address_space_free(f->as);
    memory_region_unref(f->mr);
    memory_topology_unref(f->topo);
    g_assert_cmpint(system(cmd), ==, 0);
    g_free(f->bdf_dir);
    g_free(f->dev);
    g_free(f->sys);
    g_free(f->root);
}

/* Make the fake device look like a device (its subsystem link). */
static void make_device(Fixture *f)
{
    g_autofree char *link = g_build_filename(f->bdf_dir, "subsystem", NULL);

    g_assert_cmpint(symlink("../../../../bus/pci", link), ==, 0);
}

static void add_link(Fixture *f, const char *name, const char *target)
{
    g_autofree char *link = g_build_filename(f->bdf_dir, name, NULL);

    g_assert_cmpint(symlink(target, link), ==, 0);
}

static VFIODevice *attach(Fixture *f, const VFIODeviceConfig *cfg,
                          GError **errp)
{
    return vfio_device_attach(f->ctx, f->as, cfg, errp);
}

static void test_no_such_bdf(Fixture *f, gconstpointer data)
{
    VFIODeviceConfig cfg = VFIO_DEVICE_CONFIG_INIT;
    g_autoptr(GError) err = NULL;

    cfg.host = "0000:00:1f.7";
    g_assert_null(attach(f, &cfg, &err));
    g_assert_error(err, VFIO_ERROR, ENOENT);
    g_assert_nonnull(strstr(err->message, "0000:00:1f.7 does not exist"));
}

static void test_not_a_device(Fixture *f, gconstpointer data)
{
    VFIODeviceConfig cfg = VFIO_DEVICE_CONFIG_INIT;
    g_autoptr(GError) err = NULL;

    cfg.sysfsdev = f->root;
    g_assert_null(attach(f, &cfg, &err));
    g_assert_error(err, VFIO_ERROR, ENODEV);
    g_assert_nonnull(strstr(err->message, "is not a device"));
}

static void test_nothing_named(Fixture *f, gconstpointer data)
{
    VFIODeviceConfig cfg = VFIO_DEVICE_CONFIG_INIT;
    g_autoptr(GError) err = NULL;

    g_assert_null(attach(f, &cfg, &err));
    g_assert_error(err, VFIO_ERROR, EINVAL);
}

static void test_no_iommu_group(Fixture *f, gconstpointer data)
{
    VFIODeviceConfig cfg = VFIO_DEVICE_CONFIG_INIT;
    g_autoptr(GError) err = NULL;

    make_device(f);
    cfg.host = "0000:00:04.0";
    g_assert_null(attach(f, &cfg, &err));
    g_assert_error(err, VFIO_ERROR, ENODEV);
    g_assert_nonnull(strstr(err->message, "0000:00:04.0 has no IOMMU group"));
}

static void test_group_node_missing(Fixture *f, gconstpointer data)
{
    VFIODeviceConfig cfg = VFIO_DEVICE_CONFIG_INIT;
    g_autoptr(GError) err = NULL;

    make_device(f);
    add_link(f, "iommu_group", "../../../../kernel/iommu_groups/7");
    cfg.sysfsdev = f->bdf_dir;
    g_assert_null(attach(f, &cfg, &err));
    g_assert_error(err, VFIO_ERROR, ENOENT);
    g_assert_nonnull(strstr(err->message, "vfio/7"));
}

static void test_legacy_refuses_fd(Fixture *f, gconstpointer data)
{
    VFIODeviceConfig cfg = VFIO_DEVICE_CONFIG_INIT;
    g_autoptr(GError) err = NULL;
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

    f->fds_before++;
    cfg.fd = fd;
    g_assert_null(attach(f, &cfg, &err));
    g_assert_error(err, VFIO_ERROR, EINVAL);
    g_assert_nonnull(strstr(err->message, "needs an iommufd"));
    /* The caller's fd is left alone */
    g_assert_cmpint(fcntl(fd, F_GETFD), >=, 0);
    close(fd);
    f->fds_before--;
}

static IOMMUFDBackend *null_backend(void)
{
    IOMMUFDBackend *be = iommufd_backend_new("iommufd0");

    /* Opens fine, answers no ioctl: enough to reach the device steps */
    iommufd_backend_set_dev_path(be, "/dev/null");
    return be;
}

static void test_no_cdev(Fixture *f, gconstpointer data)
{
    g_autoptr(IOMMUFDBackend) be = null_backend();
    VFIODeviceConfig cfg = VFIO_DEVICE_CONFIG_INIT;
    g_autoptr(GError) err = NULL;

    make_device(f);
    cfg.host = "0000:00:04.0";
    cfg.iommufd = be;
    g_assert_null(attach(f, &cfg, &err));
    g_assert_error(err, VFIO_ERROR, ENODEV);
    g_assert_nonnull(strstr(err->message, "has no VFIO cdev"));
    g_assert_cmpuint(iommufd_backend_users(be), ==, 0);
    g_assert_cmpint(iommufd_backend_get_fd(be), ==, -1);
}

/*
 * Fake a device whose sysfs "vfio-dev/vfio0/dev" says @sysfs_devnum while
 * its /dev/vfio/devices/vfio0 node is really /dev/null (1:3).
 */
static void make_fake_cdev(Fixture *f, const char *sysfs_devnum)
{
    g_autofree char *vdir = g_build_filename(f->bdf_dir, "vfio-dev/vfio0",
                                             NULL);
    g_autofree char *attr = g_build_filename(vdir, "dev", NULL);
    g_autofree char *ddir = g_build_filename(f->dev, "vfio/devices", NULL);
    g_autofree char *node = g_build_filename(ddir, "vfio0", NULL);

    make_device(f);
    mkdirs(vdir);
    mkdirs(ddir);
    g_assert_true(g_file_set_contents(attr, sysfs_devnum, -1, NULL));
    g_assert_cmpint(symlink("/dev/null", node), ==, 0);
}

/* A cdev node that is not a VFIO device: BIND fails, all is undone. */
static void test_bind_failure_undone(Fixture *f, gconstpointer data)
{
    g_autoptr(IOMMUFDBackend) be = null_backend();
    VFIODeviceConfig cfg = VFIO_DEVICE_CONFIG_INIT;
    g_autoptr(GError) err = NULL;

    make_fake_cdev(f, "1:3\n");        /* the node's real number */
    cfg.host = "0000:00:04.0";
    cfg.iommufd = be;
    g_assert_null(attach(f, &cfg, &err));
    g_assert_error(err, VFIO_ERROR, ENOTTY);
    g_assert_nonnull(strstr(err->message, "VFIO_DEVICE_BIND_IOMMUFD"));
    g_assert_cmpuint(iommufd_backend_users(be), ==, 0);
}

static void test_cdev_wrong_devnum(Fixture *f, gconstpointer data)
{
    g_autoptr(IOMMUFDBackend) be = null_backend();
    VFIODeviceConfig cfg = VFIO_DEVICE_CONFIG_INIT;
    g_autoptr(GError) err = NULL;

    make_fake_cdev(f, "1:5\n");        /* sysfs says /dev/zero */
    cfg.host = "0000:00:04.0";
    cfg.iommufd = be;
    g_assert_null(attach(f, &cfg, &err));
    g_assert_nonnull(strstr(err->message, "1:5"));
    g_assert_cmpuint(iommufd_backend_users(be), ==, 0);
}

#define ADD(path, fn) \
    g_test_add("/vfio/device/" path, Fixture, NULL, fixture_setup, fn, \
               fixture_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD("no-such-bdf", test_no_such_bdf);
    ADD("not-a-device", test_not_a_device);
    ADD("nothing-named", test_nothing_named);
    ADD("no-iommu-group", test_no_iommu_group);
    ADD("group-node-missing", test_group_node_missing);
    ADD("legacy-refuses-fd", test_legacy_refuses_fd);
    ADD("no-cdev", test_no_cdev);
    ADD("bind-failure-undone", test_bind_failure_undone);
    ADD("cdev-wrong-devnum", test_cdev_wrong_devnum);
    return g_test_run();
}
