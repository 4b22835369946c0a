/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * host-demo: the README's demo, run inside the rig's guest by
 * scripts/demo.sh.  vfio-host gets four edu devices: edu0 and edu1 on one
 * iommufd object (one shared IOAS), edu2 on the same object with
 * x-separate-ioas=on (its own IOAS, filled by IOAS_COPY), edu3 on the
 * legacy type1 container.  Every device DMAs through qtest; then a DIMM is
 * hot-added (mapped once, copied once, MAP_DMA'd once), every device DMAs
 * into it, it is removed, and the same DMA is blocked.  The x-query-vfio
 * mapping table is printed after each step, for a person to read.
 *
 * Usage: host-demo [VFIO_HOST_BINARY]; exit 0 when every check passed.
 */
#include <fcntl.h>
#include <unistd.h>

#include "edu.h"
#include "harness.h"
#include "host-edu.h"

#define MiB (1024 * 1024ULL)
#define LEN 4000

static const char *const ids[] = { "edu0", "edu1", "edu2", "edu3" };
static const char *const roles[] = {
    "iommufd0, shared IOAS", "iommufd0, shared IOAS",
    "iommufd0, own IOAS (x-separate-ioas=on)", "legacy type1 container",
};
static int passed, failed;

static void result(bool ok, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void result(bool ok, const char *fmt, ...)
{
    g_autofree char *s = NULL;
    va_list ap;

    va_start(ap, fmt);
    s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    printf("  [%s] %s\n", ok ? " OK " : "FAIL", s);
    ok ? passed++ : failed++;
}

/* ---- the table ---- */

static const char *str(JsonObject *o, const char *m)
{
    return json_object_get_string_member_with_default(o, m, "");
}

static void print_ioctls(JsonObject *c)
{
    JsonObject *n = json_object_get_object_member(c, "ioctls");
    g_autoptr(GList) names = n ? json_object_get_members(n) : NULL;

    printf("      ioctls:");
    for (GList *l = names; l; l = l->next) {
        printf(" %s=%" PRId64, (char *)l->data,
               json_object_get_int_member(n, l->data));
    }
    printf("  (total %" PRId64 ")\n",
           json_object_get_int_member_with_default(c, "ioctls-total", 0));
}

static void print_devices(JsonObject *c)
{
    JsonArray *d = json_object_get_array_member(c, "devices");

    printf("      devices:");
    for (guint i = 0; d && i < json_array_get_length(d); i++) {
        JsonObject *o = json_array_get_object_element(d, i);

        printf(" %s", str(o, "name"));
        if (json_object_has_member(o, "hwpt")) {
            printf(" (devid %" PRId64 ", hwpt %" PRId64 ")",
                   json_object_get_int_member(o, "devid"),
                   json_object_get_int_member(o, "hwpt"));
        }
    }
    printf("\n");
}

static void print_mappings(JsonObject *c)
{
    JsonArray *m = json_object_get_array_member(c, "mappings");

    printf("      %-24s %11s  %-18s %s\n", "IOVA", "size", "host VA",
           "origin");
    for (guint i = 0; m && i < json_array_get_length(m); i++) {
        JsonObject *o = json_array_get_object_element(m, i);
        g_autofree char *iova = g_strdup_printf("%s-%s", str(o, "iova"),
                                                str(o, "last"));
        g_autofree char *origin = json_object_has_member(o, "source")
            ? g_strdup_printf("copy from container %" PRId64,
                              json_object_get_int_member(o, "source"))
            : g_strdup(str(o, "origin"));

        printf("      %-24s %7" PRId64 " KiB  %-18s %s%s\n", iova,
               json_object_get_int_member_with_default(o, "size", 0) / 1024,
               str(o, "host"), origin,
               json_object_get_boolean_member_with_default(o, "ram-device",
                                                           false)
               ? " (ram-device)" : "");
    }
}

static void print_container(JsonObject *c)
{
    JsonNode *src = json_object_get_member(c, "copy-source");

    printf("    container %" PRId64 ": %s", json_object_get_int_member(c, "id"),
           str(c, "backend"));
    if (json_object_has_member(c, "ioas")) {
        JsonArray *h = json_object_get_array_member(c, "hwpts");

        printf(" on %s, IOAS %" PRId64 ", HWPT", str(c, "iommufd"),
               json_object_get_int_member(c, "ioas"));
        for (guint i = 0; h && i < json_array_get_length(h); i++) {
            printf(" %" PRId64, json_array_get_int_element(h, i));
        }
    }
    if (json_object_has_member(c, "groups")) {
        g_autoptr(JsonNode) g = json_node_copy(json_object_get_member(c,
                                                                   "groups"));
        g_autofree char *text = json_to_string(g, false);

        printf(", groups %s", text);
    }
    if (src && !JSON_NODE_HOLDS_NULL(src)) {
        printf(", copies from container %" PRId64, json_node_get_int(src));
    }
    printf("\n");
    print_devices(c);
    print_mappings(c);
    print_ioctls(c);
}

static long vmlck_kb(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)pid);
    g_autofree char *text = NULL;
    const char *line;
    long kb = -1;

    if (g_file_get_contents(path, &text, NULL, NULL) &&
        (line = strstr(text, "\nVmLck:"))) {
        sscanf(line, "\nVmLck: %ld kB", &kb);
    }
    return kb;
}

static void print_table(VhtProc *p, const char *when)
{
    g_autoptr(JsonNode) q = hedu_query(p);
    g_autoptr(GPtrArray) cs = hedu_containers(q);

    printf("\n== x-query-vfio %s ==\n", when);
    if (!q) {
        printf("  (x-query-vfio failed)\n");
    }
    for (guint i = 0; i < cs->len; i++) {
        print_container(cs->pdata[i]);
    }
    printf("  vfio-host: VmPin %ld kB (iommufd pins: the shared IOAS maps "
           "guest RAM once, the COPY adds nothing),\n  VmLck %ld kB "
           "(type1 accounting of the legacy container's MAP_DMA)\n",
           hedu_vmpin_kb(vht_pid(p)), vmlck_kb(vht_pid(p)));
}

/* ---- the checks ---- */

static void dma_all(VhtProc *p, uint64_t base, const char *where)
{
    printf("\n== DMA into %s (RAM -> edu -> RAM, %d bytes, through qtest) "
           "==\n", where, LEN);
    for (int i = 0; i < 4; i++) {
        uint64_t src = 0x100000 + i * 0x200000ULL;
        uint64_t dst = base + 0x10000 + i * 0x2000ULL;
        bool ok = hedu_round_trip(p, hedu_bar0(p, ids[i]), src, dst, LEN,
                                  i + 1);

        result(ok, "%s (%s): 0x%" PRIx64 " -> 0x%" PRIx64 " %s", ids[i],
               roles[i], src, dst, ok ? "byte-exact" : "WRONG");
    }
}

static void blocked_all(VhtProc *p, int fd, uint64_t gpa)
{
    printf("\n== DMA into the removed DIMM (must be blocked; checked in its "
           "backing file) ==\n");
    for (int i = 0; i < 4; i++) {
        HeduDest d = { .gpa = gpa + 0x10000 + i * 0x2000ULL, .fd = fd,
                       .off = 0x10000 + i * 0x2000 };
        HeduResult r = hedu_copy(p, hedu_bar0(p, ids[i]), 0x100000, &d, LEN,
                                 10 + i);

        result(r == HEDU_BLOCKED, "%s: write to 0x%" PRIx64 " %s", ids[i],
               d.gpa, hedu_result_name(r));
    }
}

static uint64_t dimm_add(VhtProc *p, int *fd)
{
    g_autofree char *path = g_build_filename(vht_dir(p), "dimm.mem", NULL);
    g_autofree char *err = NULL;
    g_autoptr(JsonNode) devs = NULL;

    printf("\n== hot-adding 2 MiB of RAM: object-add memory-backend-file + "
           "device_add pc-dimm ==\n");
    g_autoptr(JsonNode) obj = hedu_qmp(p, &err, "{'execute': 'object-add', "
        "'arguments': {'qom-type': 'memory-backend-file', 'id': 'm1', "
        "'size': %llu, 'mem-path': '%s', 'share': true}}", 2 * MiB, path);
    g_autoptr(JsonNode) dev = obj ? hedu_qmp(p, &err, "{'execute': "
        "'device_add', 'arguments': {'driver': 'pc-dimm', 'id': 'dimm1', "
        "'memdev': 'm1'}}") : NULL;

    if (!dev) {
        printf("  FAILED: %s\n", err);
        return 0;
    }
    *fd = open(path, O_RDWR | O_CLOEXEC);
    devs = hedu_qmp(p, NULL, "{'execute': 'query-memory-devices'}");
    return json_object_get_int_member(json_object_get_object_member(
        json_array_get_object_element(json_node_get_array(devs), 0), "data"),
        "addr");
}

static VhtProc *start(char bdfs[][32])
{
    printf("== vfio-host with 4 edu devices (BARs not mmap'ed: "
           "x-no-mmap=on, so the table shows guest RAM only) ==\n");
    for (int i = 0; i < 4; i++) {
        printf("  %s = %s: %s\n", ids[i], bdfs[i], roles[i]);
    }
    return vht_start("-m 32M,slots=2,maxmem=1G -object iommufd,id=iommufd0 "
        "-device vfio-pci,host=%s,id=edu0,iommufd=iommufd0,x-no-mmap=on "
        "-device vfio-pci,host=%s,id=edu1,iommufd=iommufd0,x-no-mmap=on "
        "-device vfio-pci,host=%s,id=edu2,iommufd=iommufd0,"
        "x-separate-ioas=on,x-no-mmap=on "
        "-device vfio-pci,host=%s,id=edu3,x-no-mmap=on",
        bdfs[0], bdfs[1], bdfs[2], bdfs[3]);
}

int main(int argc, char **argv)
{
    char bdfs[HEDU_MAX][32];
    uint64_t dimm;
    int fd = -1;
    VhtProc *p;

    hedu_init(argc, argv);
    if (edu_find(bdfs, HEDU_MAX) < 4) {
        printf("demo: needs 4 edu devices (RIG_EDUS=4)\n");
        return 1;
    }
    p = start(bdfs);
    print_table(p, "after start-up");
    dma_all(p, 0x1000000, "boot RAM");
    dimm = dimm_add(p, &fd);
    if (dimm) {
        print_table(p, "after the DIMM hotplug");
        dma_all(p, dimm, "the hot-added DIMM");
        g_autoptr(JsonNode) del = hedu_qmp(p, NULL, "{'execute': "
            "'device_del', 'arguments': {'id': 'dimm1'}}");

        printf("\n== device_del dimm1: %s ==\n", del ? "done" : "FAILED");
        print_table(p, "after device_del of the DIMM");
        blocked_all(p, fd, dimm);
    }
    vht_end(p);
    printf("\ndemo: %d of %d DMA checks passed\n", passed, passed + failed);
    return failed || !dimm ? 1 : 0;
}
