/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP commands on objects and devices, success and error: object-add,
 * object-del, device_add, device_del (+ DEVICE_DELETED), qom-list,
 * qom-get, query-memory-devices, cont; and memory hotplug/unplug proven
 * with qtest reads and writes of the new RAM, including a file backend
 * opened through an fd set.
 */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libvhtest.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)
#define HOTPLUG "-m 128M,slots=4,maxmem=2G"

/* Run a command that must succeed (the format is a literal: its single
 * quotes are turned into double quotes) */
#define ok(q, ...) json_node_unref(vht_qmp_ok(q, __VA_ARGS__))

/* Single quotes to double quotes, for JSON substituted into a request */
static char *dq(const char *s)
{
    return g_strdelimit(g_strdup(s), "'", '"');
}

static char *node_text(JsonNode *node)
{
    char *text = json_to_string(node, FALSE);

    json_node_unref(node);
    return text;
}

static JsonArray *memory_devices(VhtQmp *q, JsonNode **keep)
{
    *keep = vht_qmp_ok(q, "{'execute': 'query-memory-devices'}");
    return json_node_get_array(*keep);
}

static JsonObject *dimm_data(JsonArray *list, guint i)
{
    JsonObject *info = json_array_get_object_element(list, i);

    g_assert_cmpstr(json_object_get_string_member(info, "type"), ==, "dimm");
    return json_object_get_object_member(info, "data");
}

static void test_object_add_del(void)
{
    VhtProc *p = vht_start(NULL);
    VhtQmp *q = vht_qmp_main(p);
    g_autofree char *size = NULL;

    ok(q, "{'execute': 'object-add', 'arguments': {'qom-type': "
          "'memory-backend-ram', 'id': 'm1', 'size': 1048576}}");
    ok(q, "{'execute': 'object-add', 'arguments': {'qom-type': "
          "'memory-backend-memfd', 'id': 'm2', 'size': '2M', "
          "'share': 'on', 'seal': false}}");
    size = node_text(vht_qmp_ok(q, "{'execute': 'qom-get', 'arguments': "
                                   "{'path': '/objects/m2', "
                                   "'property': 'size'}}"));
    g_assert_cmpstr(size, ==, "2097152");
    ok(q, "{'execute': 'object-del', 'arguments': {'id': 'm1'}}");
    vht_qmp_expect_error(q, "GenericError", "object 'm1' not found",
        "{'execute': 'object-del', 'arguments': {'id': 'm1'}}");
    vht_end(p);
}

static void test_object_add_errors(void)
{
    static const struct { const char *args, *desc; } cases[] = {
        { "'qom-type': 'memory-backend-ram', 'id': 'pc.ram', 'size': 1",
          "Duplicate ID 'pc.ram' for object" },
        { "'qom-type': 'nosuch', 'id': 'x'", "invalid object type: nosuch" },
        { "'id': 'x'", "Parameter 'qom-type' is missing" },
        { "'qom-type': 'memory-backend-ram', 'size': 1",
          "Parameter 'id' is missing" },
        { "'qom-type': 'memory-backend-ram', 'id': 'x'",
          "Parameter 'size' is missing" },
        { "'qom-type': 'memory-backend-ram', 'id': 'x', 'size': '1Q'",
          "Parameter 'size' expects a size" },
        { "'qom-type': 'memory-backend-ram', 'id': 'x', 'size': [1]",
          "got an array" },
        { "'qom-type': 'memory-backend-ram', 'id': 'x', 'size': 1, "
          "'bogus': 1", "Property 'memory-backend-ram.bogus' not found" },
        { "'qom-type': 'memory-backend-ram', 'id': 'x', 'size': 1, "
          "'prealloc': 'sometimes'", "Parameter 'prealloc' expects 'on' or "
                                     "'off', got 'sometimes'" },
        { "'qom-type': 'memory-backend-file', 'id': 'x', 'size': 1048576, "
          "'mem-path': '/dev/fdset/99'", "/dev/fdset/99" },
        { "'qom-type': 'pc-dimm', 'id': 'x'", "invalid object type: pc-dimm" },
    };
    VhtProc *p = vht_start(NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *args = dq(cases[i].args);

        vht_qmp_expect_error(vht_qmp_main(p), "GenericError", cases[i].desc,
                             "{'execute': 'object-add', 'arguments': {%s}}",
                             args);
    }
    vht_end(p);
}

static void test_device_add_del(void)
{
    VhtProc *p = vht_start(HOTPLUG);
    VhtQmp *q = vht_qmp_main(p);
    g_autoptr(JsonNode) keep = NULL;
    g_autoptr(JsonObject) ev = NULL;
    g_autoptr(JsonObject) ev_anon = NULL;
    JsonArray *list;
    JsonObject *d;

    ok(q, "{'execute': 'object-add', 'arguments': {'qom-type': "
          "'memory-backend-memfd', 'id': 'mem1', 'size': 134217728}}");
    ok(q, "{'execute': 'object-add', 'arguments': {'qom-type': "
          "'memory-backend-ram', 'id': 'mem2', 'size': 67108864}}");
    ok(q, "{'execute': 'device_add', 'arguments': {'driver': 'pc-dimm', "
          "'id': 'dimm1', 'memdev': 'mem1'}}");
    ok(q, "{'execute': 'device_add', 'arguments': {'driver': 'pc-dimm', "
          "'memdev': 'mem2', 'slot': 2}}");
    list = memory_devices(q, &keep);
    g_assert_cmpuint(json_array_get_length(list), ==, 2);
    d = dimm_data(list, 0);
    g_assert_cmpstr(json_object_get_string_member(d, "id"), ==, "dimm1");
    g_assert_cmpint(json_object_get_int_member(d, "addr"), ==, GiB);
    g_assert_cmpint(json_object_get_int_member(d, "size"), ==, 128 * MiB);
    g_assert_cmpint(json_object_get_int_member(d, "slot"), ==, 0);
    g_assert_cmpint(json_object_get_int_member(d, "node"), ==, 0);
    g_assert_cmpstr(json_object_get_string_member(d, "memdev"), ==,
                    "/objects/mem1");
    g_assert_true(json_object_get_boolean_member(d, "hotpluggable"));
    g_assert_true(json_object_get_boolean_member(d, "hotplugged"));
    d = dimm_data(list, 1);
    g_assert_false(json_object_has_member(d, "id"));
    g_assert_cmpint(json_object_get_int_member(d, "addr"), ==,
                    GiB + 128 * MiB);

    vht_qmp_expect_error(q, "GenericError",
                         "object 'mem1' is in use by device 'dimm1'",
                         "{'execute': 'object-del', 'arguments': "
                         "{'id': 'mem1'}}");
    ok(q, "{'execute': 'device_del', 'arguments': {'id': 'dimm1'}}");
    ev = vht_qmp_wait_event(q, "DEVICE_DELETED", 5000);
    g_assert_nonnull(ev);
    d = json_object_get_object_member(ev, "data");
    g_assert_cmpstr(json_object_get_string_member(d, "device"), ==, "dimm1");
    g_assert_cmpstr(json_object_get_string_member(d, "path"), ==,
                    "/machine/peripheral/dimm1");
    ok(q, "{'execute': 'object-del', 'arguments': {'id': 'mem1'}}");
    ok(q, "{'execute': 'device_del', 'arguments': "
          "{'id': '/machine/peripheral-anon/device[0]'}}");
    ev_anon = vht_qmp_wait_event(q, "DEVICE_DELETED", 5000);
    d = json_object_get_object_member(ev_anon, "data");
    g_assert_false(json_object_has_member(d, "device"));
    g_assert_cmpstr(json_object_get_string_member(d, "path"), ==,
                    "/machine/peripheral-anon/device[0]");
    vht_end(p);
}

static void test_device_errors(void)
{
    static const struct { const char *cmd, *cls, *desc; } cases[] = {
        { "'device_add', 'arguments': {'driver': 'nosuch'}", "GenericError",
          "'nosuch' is not a valid device model name" },
        { "'device_add', 'arguments': {'id': 'x'}", "GenericError",
          "Parameter 'driver' is missing" },
        { "'device_add', 'arguments': {'driver': 'pc-dimm', 'id': 'x'}",
          "GenericError", "Parameter 'memdev' is missing" },
        { "'device_add', 'arguments': {'driver': 'pc-dimm', 'id': 'x', "
          "'memdev': 'nope'}", "GenericError", "no such object" },
        { "'device_add', 'arguments': {'driver': 'pc-dimm', 'id': 'x', "
          "'memdev': 'pc.ram'}", "GenericError",
          "can't use already busy memdev: pc.ram" },
        { "'device_add', 'arguments': {'driver': 'pc-dimm', 'id': 'x', "
          "'memdev': 'm', 'addr': 4096}", "GenericError",
          "can't add memory device [0x1000:0x400fff]" },
        { "'device_add', 'arguments': {'driver': 'pc-dimm', 'id': 'x', "
          "'memdev': 'm', 'addr': 1073745920}", "GenericError",
          "address range conflicts with memory device id='d0'" },
        { "'device_add', 'arguments': {'driver': 'pc-dimm', 'id': 'd0', "
          "'memdev': 'm'}", "GenericError", "Duplicate ID 'd0' for device" },
        { "'device_add', 'arguments': {'driver': 'pc-dimm', 'id': 'x', "
          "'memdev': 'm', 'slot': 'one'}", "GenericError",
          "Parameter 'slot' expects an integer, got 'one'" },
        { "'device_del', 'arguments': {'id': 'nosuch'}", "DeviceNotFound",
          "Device 'nosuch' not found" },
        { "'device_del', 'arguments': {}", "GenericError",
          "Parameter 'id' is missing" },
        { "'device_del', 'arguments': {'id': 'd0', 'force': true}",
          "GenericError", "force" },
    };
    VhtProc *p = vht_start(HOTPLUG " -object memory-backend-ram,id=m,size=4M "
                           "-object memory-backend-ram,id=m0,size=4M "
                           "-device pc-dimm,id=d0,memdev=m0");

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *cmd = dq(cases[i].cmd);

        vht_qmp_expect_error(vht_qmp_main(p), cases[i].cls, cases[i].desc,
                             "{'execute': %s}", cmd);
    }
    vht_end(p);
}

static void test_qom_list_get(void)
{
    VhtProc *p = vht_start(HOTPLUG " -object memory-backend-ram,id=m,size=4M "
                           "-device pc-dimm,id=d,memdev=m");
    VhtQmp *q = vht_qmp_main(p);
    g_autofree char *root = node_text(vht_qmp_ok(q,
        "{'execute': 'qom-list', 'arguments': {'path': '/'}}"));
    g_autofree char *periph = node_text(vht_qmp_ok(q,
        "{'execute': 'qom-list', 'arguments': "
        "{'path': '/machine/peripheral'}}"));
    g_autofree char *props = node_text(vht_qmp_ok(q,
        "{'execute': 'qom-list', 'arguments': "
        "{'path': '/machine/peripheral/d'}}"));
    g_autofree char *memdev = node_text(vht_qmp_ok(q,
        "{'execute': 'qom-get', 'arguments': {'path': "
        "'/machine/peripheral/d', 'property': 'memdev'}}"));
    g_autofree char *type = node_text(vht_qmp_ok(q,
        "{'execute': 'qom-get', 'arguments': {'path': "
        "'/machine/peripheral/d', 'property': 'type'}}"));
    g_autofree char *ctype = node_text(vht_qmp_ok(q,
        "{'execute': 'qom-get', 'arguments': {'path': '/objects', "
        "'property': 'type'}}"));

    g_assert_nonnull(strstr(root, "{\"name\":\"objects\","
                                  "\"type\":\"child<container>\"}"));
    g_assert_nonnull(strstr(periph, "{\"name\":\"d\","
                                    "\"type\":\"child<pc-dimm>\"}"));
    g_assert_nonnull(strstr(props, "{\"name\":\"memdev\",\"type\":"
                                   "\"link<memory-backend>\""));
    g_assert_cmpstr(memdev, ==, "\"/objects/m\"");
    g_assert_cmpstr(type, ==, "\"pc-dimm\"");
    g_assert_cmpstr(ctype, ==, "\"container\"");
    vht_qmp_expect_error(q, "DeviceNotFound", "Device '/nosuch' not found",
        "{'execute': 'qom-list', 'arguments': {'path': '/nosuch'}}");
    vht_qmp_expect_error(q, "DeviceNotFound", "not found",
        "{'execute': 'qom-get', 'arguments': {'path': '/objects/x', "
        "'property': 'size'}}");
    vht_qmp_expect_error(q, "GenericError",
        "Property 'memory-backend-ram.nosuch' not found",
        "{'execute': 'qom-get', 'arguments': {'path': '/objects/m', "
        "'property': 'nosuch'}}");
    vht_qmp_expect_error(q, "GenericError", "Parameter 'property' is missing",
        "{'execute': 'qom-get', 'arguments': {'path': '/objects/m'}}");
    vht_end(p);
}

/* Write a pattern over [addr, addr + size) and read it back, several ways */
static void check_ram(VhtProc *p, uint64_t addr, uint64_t size, uint8_t seed)
{
    g_autofree uint8_t *pat = g_malloc(64 * 1024);
    g_autofree uint8_t *back = g_malloc(64 * 1024);

    for (size_t i = 0; i < 64 * 1024; i++) {
        pat[i] = (uint8_t)(seed + i * 7);
    }
    vht_memwrite(p, addr, pat, 64 * 1024);
    vht_memread(p, addr, back, 64 * 1024);
    g_assert_cmpmem(pat, 64 * 1024, back, 64 * 1024);
    vht_writeq(p, addr + size - 8, 0xa5a5a5a55a5a5a5aULL ^ seed);
    g_assert_cmpuint(vht_readq(p, addr + size - 8), ==,
                     0xa5a5a5a55a5a5a5aULL ^ seed);
}

static void assert_unassigned(VhtProc *p, uint64_t addr)
{
    g_autofree char *r = vht_qtest(p, "readb 0x%" G_GINT64_MODIFIER "x",
                                   addr);

    g_assert_true(g_str_has_prefix(r, "ERR "));
}

static void test_hotplug_cycle(void)
{
    VhtProc *p = vht_start(HOTPLUG);
    VhtQmp *q = vht_qmp_main(p);
    g_autoptr(JsonObject) ev = NULL;
    g_autoptr(JsonObject) ev2 = NULL;

    assert_unassigned(p, GiB);
    ok(q, "{'execute': 'object-add', 'arguments': {'qom-type': "
          "'memory-backend-memfd', 'id': 'hp0', 'size': 268435456}}");
    ok(q, "{'execute': 'device_add', 'arguments': {'driver': 'pc-dimm', "
          "'id': 'hpd0', 'memdev': 'hp0'}}");
    check_ram(p, GiB, 256 * MiB, 1);
    check_ram(p, 0, 128 * MiB, 2);            /* boot RAM is untouched */
    assert_unassigned(p, GiB + 256 * MiB);

    ok(q, "{'execute': 'device_del', 'arguments': {'id': 'hpd0'}}");
    ev = vht_qmp_wait_event(q, "DEVICE_DELETED", 5000);
    g_assert_nonnull(ev);
    assert_unassigned(p, GiB);
    ok(q, "{'execute': 'object-del', 'arguments': {'id': 'hp0'}}");

    /* again, at a chosen address and slot */
    ok(q, "{'execute': 'object-add', 'arguments': {'qom-type': "
          "'memory-backend-ram', 'id': 'hp1', 'size': '64M'}}");
    ok(q, "{'execute': 'device_add', 'arguments': {'driver': 'pc-dimm', "
          "'id': 'hpd1', 'memdev': 'hp1', 'addr': 1610612736, 'slot': 3}}");
    check_ram(p, 3 * GiB / 2, 64 * MiB, 3);
    assert_unassigned(p, GiB);
    ok(q, "{'execute': 'device_del', 'arguments': {'id': 'hpd1'}}");
    ev2 = vht_qmp_wait_event(q, "DEVICE_DELETED", 5000);
    g_assert_nonnull(ev2);
    assert_unassigned(p, 3 * GiB / 2);
    ok(q, "{'execute': 'object-del', 'arguments': {'id': 'hp1'}}");
    vht_end(p);
}

/* memory-backend-file on /dev/fdset/N: the guest's writes reach the file */
static void test_file_backend_fdset(void)
{
    g_autofree char *dir = g_dir_make_tmp("vfio-host-fdset-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "guest.mem", NULL);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    VhtProc *p = vht_start(HOTPLUG);
    VhtQmp *q = vht_qmp_main(p);
    g_autoptr(JsonObject) rsp = NULL;
    JsonObject *ret;
    gint64 fdset;
    uint8_t *map;

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, 4 * MiB), ==, 0);
    rsp = vht_qmp_fds(q, &fd, 1, "{'execute': 'add-fd', 'arguments': "
                                 "{'opaque': 'guest memory'}}");
    ret = json_object_get_object_member(rsp, "return");
    g_assert_nonnull(ret);
    fdset = json_object_get_int_member(ret, "fdset-id");
    json_node_unref(vht_qmp_ok(q, "{'execute': 'object-add', 'arguments': "
        "{'qom-type': 'memory-backend-file', 'id': 'f', 'size': 4194304, "
        "'mem-path': '/dev/fdset/%" G_GINT64_FORMAT "', 'share': true}}",
        fdset));
    ok(q, "{'execute': 'device_add', 'arguments': {'driver': 'pc-dimm', "
          "'id': 'fd0', 'memdev': 'f'}}");
    vht_writeq(p, GiB + 4096, 0x0123456789abcdefULL);
    map = mmap(NULL, 4 * MiB, PROT_READ, MAP_SHARED, fd, 0);
    g_assert_true(map != MAP_FAILED);
    g_assert_cmpuint(*(uint64_t *)(map + 4096), ==, 0x0123456789abcdefULL);
    munmap(map, 4 * MiB);
    vht_end(p);
    close(fd);
    g_unlink(path);
    g_rmdir(dir);
}

static void test_cont(void)
{
    VhtProc *p = vht_start("-S");
    VhtQmp *q = vht_qmp_main(p);
    g_autoptr(JsonObject) ev = NULL;
    g_autofree char *st = NULL;

    ok(q, "{'execute': 'cont'}");
    ev = vht_qmp_wait_event(q, "RESUME", 5000);
    g_assert_nonnull(ev);
    ok(q, "{'execute': 'cont'}");           /* running already: a no-op */
    st = node_text(vht_qmp_ok(q, "{'execute': 'query-status'}"));
    g_assert_nonnull(strstr(st, "\"status\":\"running\""));
    vht_qmp_expect_error(q, "GenericError", "unexpected",
                         "{'execute': 'cont', 'arguments': {'now': true}}");
    vht_end(p);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qom-qmp/object-add-del", test_object_add_del);
    g_test_add_func("/qom-qmp/object-add-errors", test_object_add_errors);
    g_test_add_func("/qom-qmp/device-add-del", test_device_add_del);
    g_test_add_func("/qom-qmp/device-errors", test_device_errors);
    g_test_add_func("/qom-qmp/qom-list-get", test_qom_list_get);
    g_test_add_func("/qom-qmp/hotplug-cycle", test_hotplug_cycle);
    g_test_add_func("/qom-qmp/file-backend-fdset", test_file_backend_fdset);
    g_test_add_func("/qom-qmp/cont", test_cont);
    return g_test_run();
}
