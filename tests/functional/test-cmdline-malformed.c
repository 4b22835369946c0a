/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Malformed command lines, table-driven: each must make vfio-host exit
 * with status 1 (never a signal: no crash, no sanitizer report) after
 * printing exactly one line, "vfio-host: ...", that names the problem.
 */
#include <sys/wait.h>

#include "libvhtest.h"

#define MAX_ARGS 8

typedef struct BadCase {
    const char *args[MAX_ARGS];  /* NULL-terminated */
    const char *expect;          /* a substring of the error line */
} BadCase;

#define HOT "-m", "128M,slots=2,maxmem=1G"
#define RAM(id) "-object", "memory-backend-ram,id=" id ",size=64M"

static const BadCase cases[] = {
    /* options themselves */
    { { "-foo" }, "-foo: invalid option" },
    { { "--bar=1" }, "--bar=1: invalid option" },
    { { "disk.img" }, "'disk.img': unexpected argument" },
    { { "-m" }, "-m: requires an argument" },
    { { "-smp", "2" }, "-smp: not supported: vfio-host has no vCPUs" },
    { { "-enable-kvm" }, "-enable-kvm: not supported: vfio-host has no vCPUs" },
    { { "-kernel", "bzImage" }, "-kernel: not supported" },
    { { "-drive", "file=x.img" }, "vfio-host has no block devices" },
    { { "-netdev", "user,id=n0" }, "vfio-host has no network devices" },
    { { "-global", "x.y=z" }, "-global: not supported" },
    { { "-monitor", "stdio" }, "there is no human monitor" },
    /* -m */
    { { "-m", "1X" }, "-m 1X: Parameter 'size' expects a size" },
    { { "-m", "99999999999999999999" }, "got '99999999999999999999'" },
    { { "-m", "16E" }, "Parameter 'size' expects a size" },
    { { "-m", "1G,maxmem=2X,slots=1" }, "Parameter 'maxmem' expects a size" },
    { { "-m", "1G,slots=300,maxmem=2G" },
      "Parameter 'slots' expects an integer in [0, 256], got '300'" },
    { { "-m", "1G,slots=-1,maxmem=2G" }, "Parameter 'slots' expects" },
    { { "-m", "1G,maxmem=512M,slots=1" },
      "maxmem (0x20000000) must be at least the RAM size (0x40000000)" },
    { { "-m", "1G,maxmem=2G" }, "no hotplug slots were specified" },
    { { "-m", "1G,slots=2" }, "slots=2 needs maxmem above the RAM size" },
    { { "-m", "1G,foo=1" }, "-m 1G,foo=1: Invalid parameter 'foo'" },
    { { "-m", "1G,size=2G" }, "Parameter 'size' given more than once" },
    { { "-m", "size" }, "Parameter 'size' expects a size" },
    { { "-m", "4P" }, "exceed the limit" },
    /* -machine */
    { { "-machine", "virt" }, "unsupported machine type 'virt'" },
    { { "-machine", "q35,memory-backend=nosuch" },
      "Memory backend with id 'nosuch' not found" },
    { { "-machine", "q35,usb=maybe" },
      "Parameter 'usb' expects 'on' or 'off', got 'maybe'" },
    { { "-machine", "q35,accel=kvm" }, "Parameter 'accel' expects 'qtest'" },
    { { "-machine", "q35,bogus=1" }, "Invalid parameter 'bogus'" },
    { { RAM("r"), "-machine", "memory-backend=r", "-m", "128M" },
      "-m size 0x8000000 does not match the size 0x4000000" },
    /* -object */
    { { "-object", "memory-backend-ram,id=r" },
      "Parameter 'size' is missing" },
    { { "-object", "memory-backend-ram,size=1M" },
      "Parameter 'id' is missing" },
    { { "-object", "memory-backend-ram,id=r,size=1M,foo=bar" },
      "Property 'memory-backend-ram.foo' not found" },
    { { RAM("r"), RAM("r") }, "Duplicate ID 'r' for object" },
    { { "-object", "nosuch,id=x" }, "invalid object type: nosuch" },
    { { "-object", "pc-dimm,id=x" }, "invalid object type: pc-dimm" },
    { { "-object", "memory-backend-ram,id=r,size=1M,prealloc=maybe" },
      "Parameter 'prealloc' expects 'on' or 'off', got 'maybe'" },
    { { "-object", "memory-backend-ram,id=r,size=0" },
      "can't create backend with size 0" },
    { { "-object", "memory-backend-ram,id=r,size=1M,,foo" },
      "got '1M,foo'" },
    { { "-object", "memory-backend-ram,id=9r,size=1M" },
      "Parameter 'id' expects an identifier" },
    { { "-object", "memory-backend-ram,id=r,size=1M,prealloc-threads=0" },
      "Parameter 'prealloc-threads' expects an integer in [1, 256]" },
    { { "-object", "{\"qom-type\":\"memory-backend-ram\",\"id\":\"r\","
                   "\"size\":18446744073709551616}" },
      "JSON number 18446744073709551616 does not fit in 64 bits" },
    { { "-object", "{\"qom-type\":\"memory-backend-ram\",\"id\":\"r\","
                   "\"size\":true}" },
      "Parameter 'size' expects a size" },
    { { "-object", "{\"qom-type\":\"memory-backend-ram\",\"id\":\"r\","
                   "\"size\":-1}" },
      "Parameter 'size' expects an integer in [0, 18446744073709551615]" },
    { { "-object", "{\"qom-type\":\"memory-backend-ram\",\"id\":\"r\"," },
      "invalid JSON" },
    { { "-object", "[\"memory-backend-ram\"]" },
      "invalid JSON: expected an object" },
    { { "-object", "{\"qom-type\":[1],\"id\":\"r\"}" },
      "Parameter 'qom-type' expects a string" },
    { { "-object", "{\"id\":\"r\",\"size\":1}" },
      "Parameter 'qom-type' is missing" },
    { { "-object", "{\n  \"qom-type\": \"nosuch\",\n  \"id\": \"x\"\n}" },
      "invalid object type: nosuch" },
    { { "-object", "memory-backend-file,id=f,size=1M,mem-path=/nonexistent/x" },
      "/nonexistent/x" },
    { { "-object", "memory-backend-memfd,id=f,size=4M,hugetlbsize=2M" },
      "Parameter 'hugetlbsize' needs hugetlb=on" },
    /* -device */
    { { "-device", "nosuch" }, "'nosuch' is not a valid device model name" },
    { { "-device", "memory-backend-ram,id=x" },
      "'memory-backend-ram' is not a valid device model name" },
    { { HOT, "-device", "pc-dimm,id=d" }, "Parameter 'memdev' is missing" },
    { { HOT, "-device", "pc-dimm,id=d,memdev=nosuch" },
      "got 'nosuch': no such object" },
    { { RAM("r"), "-device", "pc-dimm,id=d,memdev=r" },
      "memory hotplug is not enabled" },
    { { HOT, RAM("r"), "-device", "pc-dimm,memdev=r,slot=x" },
      "Parameter 'slot' expects an integer, got 'x'" },
    { { HOT, RAM("r"), "-device",
        "{\"driver\":\"pc-dimm\",\"memdev\":\"r\",\"addr\":-1}" },
      "Parameter 'addr' expects an integer in [0, 18446744073709551615]" },
    { { HOT, RAM("r"), "-device", "pc-dimm,memdev=r",
        "-device", "pc-dimm,memdev=r" },
      "can't use already busy memdev: r" },
    { { HOT, RAM("r"), "-device", "pc-dimm,id=d,memdev=r,slot=2" },
      "Parameter 'slot' expects a value below 2" },
    { { HOT, RAM("r"), "-device", "pc-dimm,id=d,memdev=r,addr=0x1000" },
      "can't add memory device [0x1000:0x4000fff]" },
    /* chardevs, monitors, qtest */
    { { "-chardev", "socket,id=c,fd=nosuchname,server=on,wait=off" },
      "nosuchname" },
    { { "-chardev", "socket,id=c,fd=999,server=on,wait=off" }, "999" },
    { { "-mon", "chardev=nosuch,mode=control" },
      "chardev 'nosuch' not found" },
    { { "-mon", "chardev=c" }, "mode=readline is not supported" },
    { { "-mon", "mode=control" }, "Parameter 'chardev' is missing" },
    { { "-qtest", "chardev:nosuch" }, "chardev 'nosuch' not found" },
    { { "-qtest", "stdio", "-qtest", "stdio" }, "-qtest given more than once" },
    { { "-daemonize", "-qtest", "stdio" }, "stdio cannot be used by a daemon" },
    /* the rest */
    { { "-trace", "no_such_event_xyz" }, "no_such_event_xyz" },
    { { "-accel", "kvm" }, "Parameter 'accel' expects 'qtest'" },
    { { "-display", "gtk" }, "Parameter 'type' expects 'none'" },
    { { "-overcommit", "mem-lock=on" }, "Parameter 'mem-lock' expects 'off'" },
    { { "-uuid", "not-a-uuid" }, "invalid UUID 'not-a-uuid'" },
    { { "-name", "guest=a,bogus=1" }, "Invalid parameter 'bogus'" },
    { { "-sandbox", "on,spawn=maybe" }, "Parameter 'spawn' expects" },
    { { "-pidfile", "/nonexistent/dir/pid" }, "Cannot open pid file" },
};

static void check_one_line(const char *err, const char *expect)
{
    const char *nl = strchr(err, '\n');

    if (!g_str_has_prefix(err, "vfio-host: ") || !nl || nl[1] ||
        !strstr(err, expect)) {
        g_error("expected one line \"vfio-host: ...%s...\", got \"%s\"",
                expect, err);
    }
}

static void test_bad(const void *data)
{
    const BadCase *c = data;
    g_autofree char *err = NULL;
    int status = vht_run(c->args, &err);

    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    check_one_line(err, c->expect);
}

/* A huge argument: the error still names it on one line */
static void test_huge_argument(void)
{
    g_autofree char *key = g_strnfill(100000, 'k');
    g_autofree char *arg = g_strdup_printf("memory-backend-ram,id=r,size=1M,"
                                           "%s=1", key);
    const char *args[] = { "-object", arg, NULL };
    g_autofree char *err = NULL;
    g_autofree char *expect = g_strdup_printf("'memory-backend-ram.%s' not "
                                              "found", key);
    int status = vht_run(args, &err);

    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    check_one_line(err, expect);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strdup_printf("/cmdline-malformed/%02zu",
                                                i);

        g_test_add_data_func(path, &cases[i], test_bad);
    }
    g_test_add_func("/cmdline-malformed/huge-argument", test_huge_argument);
    return g_test_run();
}
