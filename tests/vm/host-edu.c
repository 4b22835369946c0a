/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * host-edu.c: edu DMA through a vfio-host process (qtest), x-query-vfio
 * and /proc inspection for the real-kernel functional tests.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edu.h"
#include "harness.h"
#include "host-edu.h"

#define MARKER 0xa5
#define TAIL 64                 /* bytes past a transfer that must stay */
#define DMA_TIMEOUT_US (10 * G_USEC_PER_SEC)

/* ---- set-up ---- */

const char *hedu_init(int argc, char **argv)
{
    static char path[PATH_MAX];
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *dir = self ? g_path_get_dirname(self) : NULL;

    tap_init();
    if (argc > 1) {
        g_strlcpy(path, argv[1], sizeof(path));
    } else if (g_getenv("VFIO_HOST_BINARY")) {
        g_strlcpy(path, g_getenv("VFIO_HOST_BINARY"), sizeof(path));
    } else if (dir) {
        g_autofree char *p = g_build_filename(dir, "..", "..", "vfio-host",
                                              NULL);

        g_strlcpy(path, p, sizeof(path));
    }
    g_setenv("VFIO_HOST_BINARY", path, true);
    if (!g_getenv("VHT_TIMEOUT_S")) {
        g_setenv("VHT_TIMEOUT_S", "60", true);
    }
    tap_note("vfio-host: %s", path);
    return path;
}

int hedu_find(char bdfs[][32], int need)
{
    int n = edu_find(bdfs, HEDU_MAX);

    CHECK(n >= need, "%d edu device(s) found in sysfs (need %d)", n, need);
    for (int i = 0; i < n; i++) {
        tap_note("edu %d: %s, IOMMU group %d", i, bdfs[i], edu_group(bdfs[i]));
    }
    return n;
}

/* ---- QMP ---- */

static JsonNode *qmp_vtry(VhtProc *p, char **errp, const char *fmt,
                          va_list ap)
{
    g_autofree char *req = g_strdup_vprintf(fmt, ap);
    g_autoptr(JsonObject) rsp = NULL;

    /* after formatting: arguments may carry JSON members too */
    g_strdelimit(req, "'", '"');
    rsp = vht_qmp(p, "%s", req);
    if (json_object_has_member(rsp, "return")) {
        return json_node_copy(json_object_get_member(rsp, "return"));
    }
    if (errp) {
        JsonObject *e = json_object_get_object_member(rsp, "error");
        const char *desc = e ? json_object_get_string_member(e, "desc") : NULL;

        *errp = g_strdup(desc ? desc : "(no desc)");
    }
    return NULL;
}

JsonNode *hedu_qmp(VhtProc *p, char **errp, const char *fmt, ...)
{
    JsonNode *ret;
    va_list ap;

    va_start(ap, fmt);
    ret = qmp_vtry(p, errp, fmt, ap);
    va_end(ap);
    return ret;
}

bool hedu_qmp_ok(VhtProc *p, const char *what, const char *fmt, ...)
{
    g_autofree char *err = NULL;
    JsonNode *ret;
    va_list ap;

    va_start(ap, fmt);
    ret = qmp_vtry(p, &err, fmt, ap);
    va_end(ap);
    if (!tap_result(ret != NULL, "%s", what)) {
        tap_note("  QMP error: %s", err);
        return false;
    }
    json_node_unref(ret);
    return true;
}

/* ---- query-pci ---- */

static JsonObject *dev_in_bus(JsonObject *bus, const char *id)
{
    JsonArray *devs = json_object_get_array_member(bus, "devices");

    for (guint i = 0; devs && i < json_array_get_length(devs); i++) {
        JsonObject *d = json_array_get_object_element(devs, i);

        if (!g_strcmp0(json_object_get_string_member_with_default(
                d, "qdev_id", ""), id)) {
            return d;
        }
    }
    return NULL;
}

JsonObject *hedu_pci_dev(VhtProc *p, const char *id)
{
    g_autofree char *err = NULL;
    g_autoptr(JsonNode) ret = hedu_qmp(p, &err, "{'execute': 'query-pci'}");
    JsonArray *buses;

    if (!ret || !JSON_NODE_HOLDS_ARRAY(ret)) {
        tap_note("query-pci failed: %s", err ? err : "not an array");
        return NULL;
    }
    buses = json_node_get_array(ret);
    for (guint i = 0; i < json_array_get_length(buses); i++) {
        JsonObject *d = dev_in_bus(json_array_get_object_element(buses, i),
                                   id);

        if (d) {
            return json_object_ref(d);
        }
    }
    tap_note("query-pci: no device '%s'", id);
    return NULL;
}

uint64_t hedu_bar0(VhtProc *p, const char *id)
{
    g_autoptr(JsonObject) d = hedu_pci_dev(p, id);
    JsonArray *regions = d ? json_object_get_array_member(d, "regions")
                           : NULL;

    for (guint i = 0; regions && i < json_array_get_length(regions); i++) {
        JsonObject *r = json_array_get_object_element(regions, i);

        if (json_object_get_int_member_with_default(r, "bar", -1) == 0) {
            return json_object_get_int_member_with_default(r, "address", 0);
        }
    }
    if (d) {
        tap_note("query-pci: no BAR0 address for device '%s'", id);
    }
    return 0;
}

int64_t hedu_container_id(VhtProc *p, const char *id)
{
    g_autoptr(JsonObject) d = hedu_pci_dev(p, id);
    JsonObject *v = d && json_object_has_member(d, "vfio")
                    ? json_object_get_object_member(d, "vfio") : NULL;

    return v ? json_object_get_int_member_with_default(v, "container", -1)
             : -1;
}

/* ---- edu DMA ---- */

void hedu_dma_start(VhtProc *p, uint64_t bar0, uint64_t src, uint64_t dst,
                    uint32_t len, bool to_ram)
{
    vht_writeq(p, bar0 + EDU_REG_DMA_SRC, src);
    vht_writeq(p, bar0 + EDU_REG_DMA_DST, dst);
    vht_writeq(p, bar0 + EDU_REG_DMA_COUNT, len);
    vht_writeq(p, bar0 + EDU_REG_DMA_CMD,
               EDU_DMA_CMD_START | (to_ram ? EDU_DMA_CMD_TO_RAM : 0));
}

bool hedu_dma_wait(VhtProc *p, uint64_t bar0)
{
    gint64 deadline = g_get_monotonic_time() + DMA_TIMEOUT_US;

    while (vht_readq(p, bar0 + EDU_REG_DMA_CMD) & EDU_DMA_CMD_START) {
        if (g_get_monotonic_time() > deadline) {
            tap_note("edu at BAR0 0x%" PRIx64 ": DMA did not finish", bar0);
            return false;
        }
        g_usleep(10000);
    }
    return true;
}

bool hedu_dma(VhtProc *p, uint64_t bar0, uint64_t src, uint64_t dst,
              uint32_t len, bool to_ram)
{
    hedu_dma_start(p, bar0, src, dst, len, to_ram);
    return hedu_dma_wait(p, bar0);
}

static void dest_fill(VhtProc *p, const HeduDest *d, size_t len)
{
    g_autofree uint8_t *buf = g_malloc(len);

    if (d->fd < 0) {
        vht_memset(p, d->gpa, MARKER, len);
        return;
    }
    memset(buf, MARKER, len);
    if (pwrite(d->fd, buf, len, d->off) != (ssize_t)len) {
        tap_note("pwrite of the marker failed: %s", strerror(errno));
    }
}

static bool dest_read(VhtProc *p, const HeduDest *d, uint8_t *buf,
                      size_t len)
{
    if (d->fd < 0) {
        vht_memread(p, d->gpa, buf, len);
        return true;
    }
    return pread(d->fd, buf, len, d->off) == (ssize_t)len;
}

static bool all_marker(const uint8_t *b, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (b[i] != MARKER) {
            return false;
        }
    }
    return true;
}

HeduResult hedu_copy(VhtProc *p, uint64_t bar0, uint64_t src_gpa,
                     const HeduDest *dst, uint32_t len, unsigned seed)
{
    g_autofree uint8_t *pat = g_malloc(len);
    g_autofree uint8_t *got = g_malloc(len + TAIL);

    if (!bar0) {
        return HEDU_NO_BAR;
    }
    edu_pattern(pat, len, seed);
    vht_memwrite(p, src_gpa, pat, len);
    dest_fill(p, dst, len + TAIL);
    if (!hedu_dma(p, bar0, src_gpa, EDU_BUF_ADDR, len, false) ||
        !hedu_dma(p, bar0, EDU_BUF_ADDR, dst->gpa, len, true)) {
        return HEDU_TIMEOUT;
    }
    if (!dest_read(p, dst, got, len + TAIL)) {
        return HEDU_CORRUPT;
    }
    if (all_marker(got, len + TAIL)) {
        return HEDU_BLOCKED;
    }
    if (!memcmp(got, pat, len) && all_marker(got + len, TAIL)) {
        return HEDU_LANDED;
    }
    return HEDU_CORRUPT;
}

bool hedu_round_trip(VhtProc *p, uint64_t bar0, uint64_t src_gpa,
                     uint64_t dst_gpa, uint32_t len, unsigned seed)
{
    HeduDest d = { .gpa = dst_gpa, .fd = -1 };
    HeduResult r = hedu_copy(p, bar0, src_gpa, &d, len, seed);

    if (r != HEDU_LANDED) {
        tap_note("  DMA 0x%" PRIx64 " -> edu -> 0x%" PRIx64 " (%u bytes): %s",
                 src_gpa, dst_gpa, len, hedu_result_name(r));
    }
    return r == HEDU_LANDED;
}

const char *hedu_result_name(HeduResult r)
{
    static const char *const names[] = {
        [HEDU_LANDED] = "landed", [HEDU_BLOCKED] = "blocked",
        [HEDU_CORRUPT] = "corrupt", [HEDU_TIMEOUT] = "device timeout",
        [HEDU_NO_BAR] = "no BAR0 address",
    };

    return names[r];
}

/* ---- x-query-vfio ---- */

JsonNode *hedu_query(VhtProc *p)
{
    g_autofree char *err = NULL;
    JsonNode *q = hedu_qmp(p, &err, "{'execute': 'x-query-vfio'}");

    if (!q) {
        tap_note("x-query-vfio failed: %s", err);
    }
    return q;
}

/* The address-space list, whether the result is it or holds it. */
static JsonArray *spaces_of(JsonNode *q)
{
    if (JSON_NODE_HOLDS_ARRAY(q)) {
        return json_node_get_array(q);
    }
    if (JSON_NODE_HOLDS_OBJECT(q) &&
        json_object_has_member(json_node_get_object(q), "address-spaces")) {
        return json_object_get_array_member(json_node_get_object(q),
                                            "address-spaces");
    }
    return NULL;
}

GPtrArray *hedu_containers(JsonNode *q)
{
    GPtrArray *all = g_ptr_array_new();
    JsonArray *spaces = q ? spaces_of(q) : NULL;

    for (guint i = 0; spaces && i < json_array_get_length(spaces); i++) {
        JsonObject *s = json_array_get_object_element(spaces, i);
        JsonArray *cs = json_object_get_array_member(s, "containers");

        for (guint j = 0; cs && j < json_array_get_length(cs); j++) {
            g_ptr_array_add(all, json_array_get_object_element(cs, j));
        }
    }
    return all;
}

JsonObject *hedu_container(JsonNode *q, int64_t id)
{
    g_autoptr(GPtrArray) cs = hedu_containers(q);

    for (guint i = 0; id >= 0 && i < cs->len; i++) {
        if (json_object_get_int_member_with_default(cs->pdata[i], "id", -2)
            == id) {
            return cs->pdata[i];
        }
    }
    return NULL;
}

JsonObject *hedu_container_of(VhtProc *p, JsonNode *q, const char *id)
{
    return q ? hedu_container(q, hedu_container_id(p, id)) : NULL;
}

int64_t hedu_count(JsonObject *c, const char *name)
{
    JsonObject *n = c ? json_object_get_object_member(c, "ioctls") : NULL;

    return n ? json_object_get_int_member_with_default(n, name, 0) : -1;
}

char *hedu_counters(JsonObject *c)
{
    g_autoptr(JsonNode) n = NULL;

    if (!c || !json_object_has_member(c, "ioctls")) {
        return g_strdup("(none)");
    }
    n = json_node_copy(json_object_get_member(c, "ioctls"));
    return json_to_string(n, false);
}

int64_t hedu_ioas(JsonObject *c)
{
    return c ? json_object_get_int_member_with_default(c, "ioas", -1) : -1;
}

static bool is_ram_mapping(JsonObject *m)
{
    return !json_object_get_boolean_member_with_default(m, "ram-device",
                                                        false);
}

int hedu_count_origin(JsonObject *c, const char *origin)
{
    JsonArray *ms = c ? json_object_get_array_member(c, "mappings") : NULL;
    int n = 0;

    for (guint i = 0; ms && i < json_array_get_length(ms); i++) {
        JsonObject *m = json_array_get_object_element(ms, i);

        if (is_ram_mapping(m) && (!origin || !g_strcmp0(origin,
            json_object_get_string_member_with_default(m, "origin", "")))) {
            n++;
        }
    }
    return n;
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *range_text(uint64_t start, uint64_t last)
{
    return g_strdup_printf("0x%" PRIx64 "-0x%" PRIx64, start, last);
}

GPtrArray *hedu_ram_ranges(VhtProc *p, uint64_t ram_size)
{
    GPtrArray *r = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(JsonNode) devs = hedu_qmp(p, NULL,
                                        "{'execute': 'query-memory-devices'}");
    JsonArray *a = devs && JSON_NODE_HOLDS_ARRAY(devs)
                   ? json_node_get_array(devs) : NULL;

    g_ptr_array_add(r, range_text(0, ram_size - 1));
    for (guint i = 0; a && i < json_array_get_length(a); i++) {
        JsonObject *d = json_object_get_object_member(
            json_array_get_object_element(a, i), "data");
        uint64_t addr = json_object_get_int_member(d, "addr");
        uint64_t size = json_object_get_int_member(d, "size");

        g_ptr_array_add(r, range_text(addr, addr + size - 1));
    }
    g_ptr_array_sort(r, cmp_str);
    return r;
}

static uint64_t hex_member(JsonObject *o, const char *name)
{
    JsonNode *n = json_object_get_member(o, name);

    if (n && json_node_get_value_type(n) == G_TYPE_STRING) {
        return g_ascii_strtoull(json_node_get_string(n), NULL, 0);
    }
    return n ? (uint64_t)json_node_get_int(n) : 0;
}

static char *join(GPtrArray *a)
{
    g_ptr_array_add(a, NULL);
    g_autofree char *s = g_strjoinv(" ", (char **)a->pdata);
    g_ptr_array_remove_index(a, a->len - 1);
    return g_steal_pointer(&s);
}

bool hedu_mappings_match(JsonObject *c, GPtrArray *ranges,
                         const char *origin)
{
    g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(g_free);
    JsonArray *ms = c ? json_object_get_array_member(c, "mappings") : NULL;
    g_autofree char *want_s = join(ranges), *got_s = NULL;
    bool origin_ok = true;

    for (guint i = 0; ms && i < json_array_get_length(ms); i++) {
        JsonObject *m = json_array_get_object_element(ms, i);

        if (!is_ram_mapping(m)) {
            continue;
        }
        g_ptr_array_add(got, range_text(hex_member(m, "iova"),
                                        hex_member(m, "last")));
        origin_ok &= !origin || !g_strcmp0(origin,
            json_object_get_string_member_with_default(m, "origin", ""));
    }
    g_ptr_array_sort(got, cmp_str);
    got_s = join(got);
    if (strcmp(got_s, want_s) || !origin_ok) {
        tap_note("  mappings: %s (origin %s: %s); flat view RAM: %s",
                 got_s, origin ? origin : "any", origin_ok ? "yes" : "NO",
                 want_s);
        return false;
    }
    return true;
}

/* ---- /proc and sysfs ---- */

long hedu_vmpin_kb(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)pid);
    g_autofree char *text = NULL;
    const char *line;
    long kb = -1;

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        return -1;
    }
    line = strstr(text, "\nVmPin:");
    if (line) {
        sscanf(line, "\nVmPin: %ld kB", &kb);
    }
    return kb;
}

static GArray *fds_matching(pid_t pid, const char *prefix)
{
    g_autofree char *dir = g_strdup_printf("/proc/%d/fd", (int)pid);
    GArray *fds = g_array_new(FALSE, FALSE, sizeof(int));
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *link = g_build_filename(dir, name, NULL);
        g_autofree char *target = g_file_read_link(link, NULL);
        int fd = atoi(name);

        if (!prefix || (target && strstr(target, prefix))) {
            g_array_append_val(fds, fd);
        }
    }
    return fds;
}

static gint cmp_int(gconstpointer a, gconstpointer b)
{
    return *(const int *)a - *(const int *)b;
}

char *hedu_fd_text(pid_t pid)
{
    g_autoptr(GArray) fds = hedu_fds_to(pid, NULL);
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < fds->len; i++) {
        int fd = g_array_index(fds, int, i);
        g_autofree char *link = g_strdup_printf("/proc/%d/fd/%d", (int)pid,
                                                fd);
        g_autofree char *target = g_file_read_link(link, NULL);

        g_string_append_printf(s, "%s%d:%s", i ? " " : "", fd,
                               target ? target : "?");
    }
    return g_string_free(s, FALSE);
}

int hedu_settled_fd_count(VhtProc *p)
{
    g_autofree char *r = vht_qtest(p, "endianness");
    g_autoptr(JsonNode) q = hedu_qmp(p, NULL, "{'execute': 'query-status'}");

    return hedu_fd_count(vht_pid(p));
}

int hedu_fd_count(pid_t pid)
{
    g_autoptr(GArray) fds = fds_matching(pid, NULL);

    return fds->len ? (int)fds->len : -1;
}

GArray *hedu_fds_to(pid_t pid, const char *prefix)
{
    GArray *fds = fds_matching(pid, prefix);

    g_array_sort(fds, cmp_int);
    return fds;
}

char *hedu_cdev_path(const char *bdf)
{
    g_autofree char *dir = g_strdup_printf(
        "/sys/bus/pci/devices/%s/vfio-dev", bdf);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        if (g_str_has_prefix(name, "vfio")) {
            return g_strdup_printf("/dev/vfio/devices/%s", name);
        }
    }
    return NULL;
}

int hedu_group(const char *bdf)
{
    return edu_group(bdf);
}
