/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Functional tests of vfio-pci and the iommufd object on a host without
 * VFIO: their help, and the error paths of -device/-object and of
 * device_add/object-add.  Each error is a clear message, the process
 * keeps serving, and no fd is leaked (/proc/PID/fd counted before and
 * after).  The real-kernel paths are in tests/vm.
 */
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libvhtest.h"

/* ---- helpers ------------------------------------------------------------ */

/* Run vfio-host with one option and its argument; it must fail with a
 * message containing @want on stderr */
static void expect_cmdline_error(const char *opt, const char *arg,
                                 const char *want)
{
    const char *argv[] = { opt, arg, NULL };
    g_autofree char *err = NULL;
    int status = vht_run(argv, &err);

    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    if (!strstr(err, want)) {
        g_error("%s %s: stderr '%s' lacks '%s'", opt, arg, err, want);
    }
}

/* The fds of @p (the process answers a command first, so that whatever
 * start-up opens lazily is open by then) */
static guint count_fds(VhtProc *p)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/fd", (int)vht_pid(p));
    g_autoptr(GDir) dir = NULL;
    guint n = 0;

    g_autoptr(JsonNode) ret = vht_qmp_ok(vht_qmp_main(p),
                                         "{'execute': 'query-status'}");

    g_assert_nonnull(ret);
    dir = g_dir_open(path, 0, NULL);
    g_assert_nonnull(dir);
    while (g_dir_read_name(dir)) {
        n++;
    }
    return n;
}

/* The process still answers */
static void assert_alive(VhtProc *p)
{
    g_autoptr(JsonNode) ret = vht_qmp_ok(vht_qmp_main(p),
                                         "{'execute': 'query-status'}");

    g_assert_nonnull(ret);
}

/* Send @fd with getfd as @name; the test's copy is closed */
static void pass_fd(VhtProc *p, int fd, const char *name)
{
    g_autofree char *req = g_strdup_printf(
        "{\"execute\": \"getfd\", \"arguments\": {\"fdname\": \"%s\"}}",
        name);
    g_autoptr(JsonObject) rsp = vht_qmp_fds(vht_qmp_main(p), &fd, 1, "%s",
                                            req);

    g_assert_true(json_object_has_member(rsp, "return"));
    close(fd);
}

/* ---- help --------------------------------------------------------------- */

static void test_help(void)
{
    const char *bin = g_getenv("VFIO_HOST_BINARY");
    const char *argv[] = { bin, "-device", "vfio-pci,help", NULL };
    const char *props[] = { "host=<str>", "sysfsdev=<str>",
                            "iommufd=<link<iommufd>>", "fd=<fd>",
                            "x-separate-ioas=<bool>", "x-no-mmap=<bool>" };
    g_autofree char *out = NULL;
    int status = -1;

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, 0, NULL, NULL, &out,
                               NULL, &status, NULL));
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    for (guint i = 0; i < G_N_ELEMENTS(props); i++) {
        g_assert_nonnull(strstr(out, props[i]));
    }
    argv[1] = "-object";
    argv[2] = "iommufd,help";
    g_clear_pointer(&out, g_free);
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, 0, NULL, NULL, &out,
                               NULL, &status, NULL));
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    g_assert_nonnull(strstr(out, "fd=<fd>"));
    argv[1] = "-device";
    argv[2] = "help";
    g_clear_pointer(&out, g_free);
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, 0, NULL, NULL, &out,
                               NULL, &status, NULL));
    g_assert_nonnull(strstr(out, "vfio-pci"));
}

/* ---- the command line --------------------------------------------------- */

static void test_cmdline_errors(void)
{
    expect_cmdline_error("-device", "vfio-pci,id=d0,host=0000:7f:1f.7",
                         "vfio-pci 'd0': no such device: "
                         "/sys/bus/pci/devices/0000:7f:1f.7 does not exist");
    expect_cmdline_error("-device", "vfio-pci,id=d0,host=7f:1f.7",
                         "/sys/bus/pci/devices/0000:7f:1f.7 does not exist");
    expect_cmdline_error("-device", "vfio-pci,id=d0,host=nope",
                         "Parameter 'host' expects a PCI address "
                         "DDDD:BB:DD.F, got 'nope'");
    expect_cmdline_error("-device", "vfio-pci,id=d0,sysfsdev=/tmp",
                         "vfio-pci 'd0': /tmp is not a device");
    expect_cmdline_error("-device", "vfio-pci,id=d0",
                         "one of host=, sysfsdev= or fd= is needed");
    expect_cmdline_error("-device", "vfio-pci,id=d0,host=0000:00:04.0,"
                         "sysfsdev=/tmp", "mutually exclusive");
    expect_cmdline_error("-device", "vfio-pci,id=d0,host=0000:00:04.0,"
                         "iommufd=nothere", "Parameter 'iommufd' expects "
                         "the id of a iommufd object, got 'nothere'");
    expect_cmdline_error("-device", "vfio-pci,id=d0,fd=0",
                         "fd= needs iommufd=");
    expect_cmdline_error("-device", "vfio-pci,id=d0,fd=987",
                         "file descriptor 987 is not open");
    expect_cmdline_error("-object", "iommufd,id=i0,fd=987",
                         "file descriptor 987 is not open");
    expect_cmdline_error("-object", "iommufd,id=i0,fd=nosuchname",
                         "File descriptor named 'nosuchname' has not been "
                         "found");
    expect_cmdline_error("-device", "vfio-pci,id=d0,x-separate-ioas=maybe,"
                         "host=0000:00:04.0", "x-separate-ioas");
}

/* vfio-host -object iommufd,fd=N with N an inherited /dev/null */
static void test_cmdline_not_iommufd(void)
{
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    int moved = fcntl(fd, F_DUPFD, 40);     /* not close-on-exec */
    g_autofree char *arg = g_strdup_printf("iommufd,id=i0,fd=%d", moved);
    const char *bin = g_getenv("VFIO_HOST_BINARY");
    const char *argv[] = { bin, "-object", arg, NULL };
    g_autofree char *err = NULL;
    int status = -1;

    close(fd);
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL,
                               G_SPAWN_LEAVE_DESCRIPTORS_OPEN, NULL, NULL,
                               NULL, &err, &status, NULL));
    close(moved);
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    g_assert_nonnull(strstr(err, "is not an open iommufd"));
    g_assert_nonnull(strstr(err, "Inappropriate ioctl"));
}

/* ---- QMP ---------------------------------------------------------------- */

static void test_qmp_device_add_errors(void)
{
    VhtProc *p = vht_start("-object memory-backend-ram,id=mem,size=1M "
                           "-object iommufd,id=i0");
    VhtQmp *q = vht_qmp_main(p);
    guint before = count_fds(p);
    int closed = open("/dev/null", O_RDONLY | O_CLOEXEC);

    vht_qmp_expect_error(q, "GenericError", "no such device: "
        "/sys/bus/pci/devices/0000:7f:1f.7 does not exist",
        "{'execute': 'device_add', 'arguments': {'driver': 'vfio-pci', "
        "'id': 'd0', 'host': '0000:7f:1f.7'}}");
    vht_qmp_expect_error(q, "GenericError", "no such device",
        "{'execute': 'device_add', 'arguments': {'driver': 'vfio-pci', "
        "'id': 'd0', 'host': '0000:7f:1f.7', 'iommufd': 'i0'}}");
    vht_qmp_expect_error(q, "GenericError", "/proc is not a device",
        "{'execute': 'device_add', 'arguments': {'driver': 'vfio-pci', "
        "'id': 'd0', 'sysfsdev': '/proc'}}");
    vht_qmp_expect_error(q, "GenericError", "got 'nothere'",
        "{'execute': 'device_add', 'arguments': {'driver': 'vfio-pci', "
        "'id': 'd0', 'host': '0000:00:04.0', 'iommufd': 'nothere'}}");
    vht_qmp_expect_error(q, "GenericError", "got 'mem': it is a "
        "memory-backend-ram",
        "{'execute': 'device_add', 'arguments': {'driver': 'vfio-pci', "
        "'id': 'd0', 'host': '0000:00:04.0', 'iommufd': 'mem'}}");
    vht_qmp_expect_error(q, "GenericError", "File descriptor named 'devfd' "
        "has not been found",
        "{'execute': 'device_add', 'arguments': {'driver': 'vfio-pci', "
        "'id': 'd0', 'iommufd': 'i0', 'fd': 'devfd'}}");
    close(closed);
    vht_qmp_expect_error(q, "GenericError", "is not open",
        "{'execute': 'device_add', 'arguments': {'driver': 'vfio-pci', "
        "'id': 'd0', 'iommufd': 'i0', 'fd': '%d'}}", closed + 100);
    assert_alive(p);
    g_assert_cmpuint(count_fds(p), ==, before);
    vht_end(p);
}

/* A getfd fd given to a device that fails is closed, not leaked */
static void test_qmp_device_fd_closed_on_failure(void)
{
    VhtProc *p = vht_start("-object iommufd,id=i0");
    VhtQmp *q = vht_qmp_main(p);
    guint before = count_fds(p);

    pass_fd(p, open("/dev/null", O_RDWR | O_CLOEXEC), "devfd");
    g_assert_cmpuint(count_fds(p), ==, before + 1);
    /* a missing object: refused before fd= is looked at, so the named
     * fd stays in the registry (as in QEMU) */
    vht_qmp_expect_error(q, "GenericError", "got 'other'",
        "{'execute': 'device_add', 'arguments': {'driver': 'vfio-pci', "
        "'id': 'd0', 'iommufd': 'other', 'fd': 'devfd'}}");
    g_assert_cmpuint(count_fds(p), ==, before + 1);
    /* a valid object: the device takes the fd, the attach fails (no
     * /dev/iommu here, or /dev/null is not a cdev), the fd is closed */
    vht_qmp_expect_error(q, "GenericError", "vfio-pci 'd0': ",
        "{'execute': 'device_add', 'arguments': {'driver': 'vfio-pci', "
        "'id': 'd0', 'iommufd': 'i0', 'fd': 'devfd'}}");
    g_assert_cmpuint(count_fds(p), ==, before);
    assert_alive(p);
    vht_end(p);
}

static void test_qmp_iommufd_object(void)
{
    VhtProc *p = vht_start(NULL);
    VhtQmp *q = vht_qmp_main(p);
    guint before = count_fds(p);
    g_autoptr(JsonNode) r1 = NULL, r2 = NULL, r3 = NULL;

    /* without fd: nothing is opened until a device attaches */
    r1 = vht_qmp_ok(q, "{'execute': 'object-add', 'arguments': "
                    "{'qom-type': 'iommufd', 'id': 'i0'}}");
    g_assert_cmpuint(count_fds(p), ==, before);
    r2 = vht_qmp_ok(q, "{'execute': 'object-del', 'arguments': "
                    "{'id': 'i0'}}");
    /* a getfd fd that is not an iommufd: refused at once, and closed */
    pass_fd(p, open("/dev/null", O_RDWR | O_CLOEXEC), "iofd");
    vht_qmp_expect_error(q, "GenericError", "is not an open iommufd",
        "{'execute': 'object-add', 'arguments': {'qom-type': 'iommufd', "
        "'id': 'i1', 'fd': 'iofd'}}");
    vht_qmp_expect_error(q, "GenericError", "has not been found",
        "{'execute': 'object-add', 'arguments': {'qom-type': 'iommufd', "
        "'id': 'i1', 'fd': 'iofd'}}");
    vht_qmp_expect_error(q, "GenericError", "not found",
        "{'execute': 'object-del', 'arguments': {'id': 'i1'}}");
    g_assert_cmpuint(count_fds(p), ==, before);
    /* the id is free again */
    r3 = vht_qmp_ok(q, "{'execute': 'object-add', 'arguments': "
                    "{'qom-type': 'iommufd', 'id': 'i0'}}");
    assert_alive(p);
    vht_end(p);
}

static void test_qmp_queries_empty(void)
{
    VhtProc *p = vht_start(NULL);
    VhtQmp *q = vht_qmp_main(p);
    g_autoptr(JsonNode) pci = vht_qmp_ok(q, "{'execute': 'query-pci'}");
    g_autoptr(JsonNode) vfio = vht_qmp_ok(q, "{'execute': 'x-query-vfio'}");
    JsonArray *buses = json_node_get_array(pci);
    JsonObject *bus0;

    g_assert_cmpuint(json_array_get_length(buses), ==, 1);
    bus0 = json_array_get_object_element(buses, 0);
    g_assert_cmpint(json_object_get_int_member(bus0, "bus"), ==, 0);
    g_assert_cmpuint(json_array_get_length(
        json_object_get_array_member(bus0, "devices")), ==, 0);
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(
        json_node_get_object(vfio), "address-spaces")), ==, 0);
    vht_qmp_expect_error(q, "GenericError", "unexpected",
                         "{'execute': 'query-pci', 'arguments': {'x': 1}}");
    vht_end(p);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vfio/help", test_help);
    g_test_add_func("/vfio/cmdline/errors", test_cmdline_errors);
    g_test_add_func("/vfio/cmdline/not-iommufd", test_cmdline_not_iommufd);
    g_test_add_func("/vfio/qmp/device-add-errors", test_qmp_device_add_errors);
    g_test_add_func("/vfio/qmp/device-fd-closed",
                    test_qmp_device_fd_closed_on_failure);
    g_test_add_func("/vfio/qmp/iommufd-object", test_qmp_iommufd_object);
    g_test_add_func("/vfio/qmp/queries-empty", test_qmp_queries_empty);
    return g_test_run();
}
