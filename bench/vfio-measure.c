/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-measure: measure one row of the VFIO strategies benchmark against
 * the real kernel: vfio-host (spawned and read over QMP with libvhtest) or
 * QEMU 7.2 as the peer.  See vfio-measure.h for the output.
 */
#include "vfio-measure.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "bench-util.h"
#include "libvhtest.h"

/* ioctls that take mappings away (a DMA gap for a running device) */
static const char *const unmap_kinds[] = {
    "VFIO_IOMMU_UNMAP_DMA", "IOMMU_IOAS_UNMAP",
};

/* What one x-query-vfio answer holds, summed. */
typedef struct Tally {
    GHashTable *kinds;      /* ioctl name -> count, over everything */
    GHashTable *ids;        /* container id -> itself, of those counted */
    int containers;
    bool mapped;            /* every container maps all of RAM */
} Tally;

static void tally_init(Tally *t)
{
    t->kinds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    t->ids = g_hash_table_new(g_direct_hash, g_direct_equal);
    t->containers = 0;
    t->mapped = true;
}

static void tally_clear(Tally *t)
{
    g_hash_table_unref(t->kinds);
    g_hash_table_unref(t->ids);
}

/* Add an "ioctls" object to the counts by kind. */
static void tally_ioctls(Tally *t, JsonObject *ioctls)
{
    g_autoptr(GList) names = json_object_get_members(ioctls);

    for (GList *l = names; l; l = l->next) {
        gint64 n = json_object_get_int_member(ioctls, l->data);
        gint64 old = GPOINTER_TO_SIZE(g_hash_table_lookup(t->kinds,
                                                           l->data));

        /* insert() frees the key it is given when one is there already */
        g_hash_table_insert(t->kinds, g_strdup(l->data),
                            GSIZE_TO_POINTER(old + n));
    }
}

/* Bytes of guest RAM (not BARs) that container @c maps. */
static guint64 ram_mapped(JsonObject *c)
{
    JsonArray *maps = json_object_get_array_member(c, "mappings");
    guint64 bytes = 0;

    for (guint i = 0; maps && i < json_array_get_length(maps); i++) {
        JsonObject *m = json_array_get_object_element(maps, i);

        if (!json_object_get_boolean_member_with_default(m, "ram-device",
                                                         false)) {
            bytes += json_object_get_int_member(m, "size");
        }
    }
    return bytes;
}

/* Add container @c unless @only (ids) lacks it; the counters of device
 * @skip (a BDF) are left out. */
static void tally_container(Tally *t, JsonObject *c, guint64 ram,
                            const char *skip, GHashTable *only)
{
    gint64 cid = json_object_get_int_member(c, "id");
    JsonArray *devs = json_object_get_array_member(c, "devices");

    if (only && !g_hash_table_contains(only, GSIZE_TO_POINTER(cid))) {
        return;
    }
    g_hash_table_add(t->ids, GSIZE_TO_POINTER(cid));
    t->containers++;
    t->mapped = t->mapped && ram_mapped(c) >= ram;
    tally_ioctls(t, json_object_get_object_member(c, "ioctls"));
    for (guint i = 0; devs && i < json_array_get_length(devs); i++) {
        JsonObject *d = json_array_get_object_element(devs, i);
        const char *name = json_object_get_string_member(d, "name");

        if (!skip || g_strcmp0(name, skip)) {
            tally_ioctls(t, json_object_get_object_member(d, "ioctls"));
        }
    }
}

/* x-query-vfio of @p, summed into @t (initialised here); see
 * tally_container() for @skip and @only. */
static void tally_query(Tally *t, VhtProc *p, guint64 ram, const char *skip,
                        GHashTable *only)
{
    g_autoptr(JsonNode) q = vht_qmp_ok(vht_qmp_main(p),
                                       "{'execute': 'x-query-vfio'}");
    JsonArray *spaces = json_object_get_array_member(
        json_node_get_object(q), "address-spaces");

    tally_init(t);
    for (guint i = 0; i < json_array_get_length(spaces); i++) {
        JsonArray *cs = json_object_get_array_member(
            json_array_get_object_element(spaces, i), "containers");

        for (guint j = 0; j < json_array_get_length(cs); j++) {
            tally_container(t, json_array_get_object_element(cs, j), ram,
                            skip, only);
        }
    }
}

static int cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "NAME:N,..." of @kinds minus @base (NULL: nothing), sorted; "-" if none.
 * Free with g_free(). */
static char *kinds_text(GHashTable *kinds, GHashTable *base, gint64 *total)
{
    g_autofree gpointer *keys = g_hash_table_get_keys_as_array(kinds, NULL);
    GString *s = g_string_new(NULL);

    *total = 0;
    qsort(keys, g_hash_table_size(kinds), sizeof(*keys), cmp_str);
    for (guint i = 0; i < g_hash_table_size(kinds); i++) {
        gint64 n = GPOINTER_TO_SIZE(g_hash_table_lookup(kinds, keys[i])) -
                   (base ? GPOINTER_TO_SIZE(g_hash_table_lookup(base, keys[i]))
                         : 0);

        if (n) {
            g_string_append_printf(s, "%s%s:%" G_GINT64_FORMAT,
                                   s->len ? "," : "", (char *)keys[i], n);
            *total += n;
        }
    }
    return g_string_free(s->len ? s : g_string_assign(s, "-"), false);
}

/* UNMAPs in @after beyond @before. */
static gint64 unmaps_since(const Tally *before, const Tally *after)
{
    gint64 n = 0;

    for (size_t i = 0; i < G_N_ELEMENTS(unmap_kinds); i++) {
        n += GPOINTER_TO_SIZE(g_hash_table_lookup(after->kinds,
                                                  unmap_kinds[i])) -
             GPOINTER_TO_SIZE(g_hash_table_lookup(before->kinds,
                                                  unmap_kinds[i]));
    }
    return n;
}

/* ---- vfio-host ---- */

/* The vfio-pci properties after host= for device @i of @strategy. */
static char *device_props(char strategy, int i, bool json, bool no_mmap)
{
    /* JSON: vht_qmp() leaves substituted text alone, so real quotes */
    const char *sep = json ? "\", \"" : ",";
    const char *eq = json ? "\": \"" : "=";
    g_autofree char *fd = NULL;

    if (strategy == 'c' || strategy == 'e') {
        fd = g_strdup_printf("%siommufd%sfd0", sep, eq);
    } else if (strategy == 'd') {
        fd = g_strdup_printf("%siommufd%sfd%d", sep, eq, i);
    }
    return g_strdup_printf("%s%s%s", fd ? fd : "",
                           strategy == 'a' || strategy == 'e' ?
                           (json ? "\", \"x-separate-ioas\": \"on" :
                            ",x-separate-ioas=on") : "",
                           !no_mmap ? "" : json ? "\", \"x-no-mmap\": \"on"
                                                : ",x-no-mmap=on");
}

static GPtrArray *host_args(char strategy, int k, unsigned ram_mib,
                            char bdfs[][32], unsigned flags)
{
    GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
    bool no_mmap = flags & MEASURE_NO_MMAP;

    g_ptr_array_add(a, g_strdup("-m"));
    g_ptr_array_add(a, g_strdup_printf("%uM", ram_mib));
    if (flags & MEASURE_ANON_RAM) {
        g_ptr_array_add(a, g_strdup("-object"));
        g_ptr_array_add(a, g_strdup_printf("memory-backend-ram,id=ram0,"
                                           "size=%uM", ram_mib));
        g_ptr_array_add(a, g_strdup("-machine"));
        g_ptr_array_add(a, g_strdup("q35,memory-backend=ram0"));
    }
    for (int i = 0; i < k; i++) {
        g_autofree char *props = device_props(strategy, i, false, no_mmap);

        if ((strategy == 'c' || strategy == 'e') && i == 0) {
            g_ptr_array_add(a, g_strdup("-object"));
            g_ptr_array_add(a, g_strdup("iommufd,id=fd0"));
        } else if (strategy == 'd') {
            g_ptr_array_add(a, g_strdup("-object"));
            g_ptr_array_add(a, g_strdup_printf("iommufd,id=fd%d", i));
        }
        g_ptr_array_add(a, g_strdup("-device"));
        g_ptr_array_add(a, g_strdup_printf("vfio-pci,host=%s,id=dev%d%s",
                                           bdfs[i], i, props));
    }
    g_ptr_array_add(a, NULL);
    return a;
}

/* device_add of device @k; prints the hot_* words.  "running": what the
 * containers that existed before (and their devices) saw meanwhile. */
static void host_hot_add(VhtProc *p, char strategy, int k, const char *bdf,
                         guint64 ram, bool no_mmap)
{
    g_autofree char *props = device_props(strategy, k, true, no_mmap);
    g_autofree char *kinds = NULL, *run_kinds = NULL;
    g_autoptr(JsonNode) r1 = NULL, r2 = NULL;
    Tally before, running, after;
    gint64 total, run_total;
    uint64_t t0, t1;

    if (strategy == 'd') {
        r1 = vht_qmp_ok(vht_qmp_main(p), "{'execute': 'object-add', "
                        "'arguments': {'qom-type': 'iommufd', 'id': 'fd%d'}}",
                        k);
    }
    tally_query(&before, p, ram, NULL, NULL);
    t0 = bench_now_us();
    r2 = vht_qmp_ok(vht_qmp_main(p), "{'execute': 'device_add', 'arguments': "
                    "{'driver': 'vfio-pci', 'id': 'dev%d', 'host': '%s%s'}}",
                    k, bdf, props);
    t1 = bench_now_us();
    tally_query(&running, p, ram, bdf, before.ids);
    tally_query(&after, p, ram, NULL, NULL);
    kinds = kinds_text(after.kinds, before.kinds, &total);
    run_kinds = kinds_text(running.kinds, before.kinds, &run_total);
    printf(" hot_us=%" PRIu64 " hot_ioctls=%" G_GINT64_FORMAT
           " hot_running_ioctls=%" G_GINT64_FORMAT
           " hot_running_unmaps=%" G_GINT64_FORMAT " hot_running_mapped=%d"
           " hot_vmpin_kb=%ld hot_vmlck_kb=%ld hot_kinds=%s"
           " hot_running_kinds=%s", t1 - t0, total, run_total,
           unmaps_since(&before, &running), running.mapped,
           bench_status_kb(vht_pid(p), "VmPin:"),
           bench_status_kb(vht_pid(p), "VmLck:"), kinds, run_kinds);
    tally_clear(&before);
    tally_clear(&running);
    tally_clear(&after);
}

/* Start, wait for every device attached and RAM mapped; print setup. */
static VhtProc *host_setup(char strategy, int k, unsigned ram_mib,
                           char bdfs[][32], unsigned flags)
{
    g_autoptr(GPtrArray) args = host_args(strategy, k, ram_mib, bdfs,
                                          flags);
    VhtOptions opts = { .args = (const char *const *)args->pdata };
    guint64 ram = (guint64)ram_mib << 20;
    g_autofree char *kinds = NULL;
    uint64_t t0 = bench_now_us(), t1;
    gint64 total;
    VhtProc *p;
    Tally t;

    p = vht_start_opts(&opts);
    for (int tries = 0;; tries++) {
        tally_query(&t, p, ram, NULL, NULL);
        if ((t.mapped && t.containers > 0) || tries == 1000) {
            break;
        }
        tally_clear(&t);
        g_usleep(1000);
    }
    t1 = bench_now_us();
    kinds = kinds_text(t.kinds, NULL, &total);
    printf(" setup_us=%" PRIu64 " ioctls=%" G_GINT64_FORMAT " vmpin_kb=%ld"
           " vmlck_kb=%ld containers=%d mapped=%d kinds=%s", t1 - t0, total,
           bench_status_kb(vht_pid(p), "VmPin:"),
           bench_status_kb(vht_pid(p), "VmLck:"), t.containers, t.mapped,
           kinds);
    tally_clear(&t);
    return p;
}

int measure_host(char strategy, int k, unsigned ram_mib, int repeats,
                 unsigned flags)
{
    bool no_mmap = flags & MEASURE_NO_MMAP;
    char bdfs[BENCH_MAX_EDUS][32];
    int n = bench_find_edus(bdfs);

    if (k < 1 || k > n) {
        fprintf(stderr, "measure: %d edu device(s), %d needed\n", n, k);
        return 1;
    }
    for (int rep = 1; rep <= repeats; rep++) {
        VhtProc *p;

        printf("host strategy=%c k=%d ram_mib=%u repeat=%d no_mmap=%d "
               "anon=%d", strategy, k, ram_mib, rep, no_mmap,
               !!(flags & MEASURE_ANON_RAM));
        p = host_setup(strategy, k, ram_mib, bdfs, flags);
        if (n > k) {
            host_hot_add(p, strategy, k, bdfs[k], (guint64)ram_mib << 20,
                         no_mmap);
        }
        printf("\n");
        fflush(stdout);
        vht_end(p);
    }
    return 0;
}

/* ---- QEMU ---- */

static unsigned count_lines_with(const char *path, const char *word)
{
    g_autofree char *text = NULL;
    unsigned n = 0;

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        return 0;
    }
    for (char *s = text; (s = strstr(s, word)); s += strlen(word)) {
        n++;
    }
    return n;
}

static GPid qemu_spawn(unsigned ram_mib, const char *bdf, const char *dir)
{
    g_autofree char *mem = g_strdup_printf("%u", ram_mib);
    g_autofree char *dev = g_strdup_printf("vfio-pci,host=%s", bdf);
    g_autofree char *qmp = g_strdup_printf("unix:%s/qmp.sock,server=on,"
                                           "wait=off", dir);
    g_autofree char *log = g_strdup_printf("%s/trace.log", dir);
    const char *qemu = g_getenv("QEMU") ? g_getenv("QEMU")
                                        : "qemu-system-x86_64";
    const char *argv[] = {
        qemu, "-machine", "q35", "-accel", "tcg", "-S", "-nodefaults",
        "-display", "none", "-m", mem, "-device", dev, "-qmp", qmp,
        "-trace", "vfio_listener_region_add_ram", "-D", log, NULL,
    };
    g_autoptr(GError) err = NULL;
    GPid pid;

    if (!g_spawn_async(NULL, (char **)argv, NULL,
                       G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH |
                       G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, &pid, &err)) {
        g_error("%s: %s", qemu, err->message);
    }
    return pid;
}

static void qemu_once(unsigned ram_mib, const char *bdf, int rep)
{
    g_autofree char *dir = g_dir_make_tmp("vfio-bench-qemu-XXXXXX", NULL);
    g_autofree char *sock = g_strdup_printf("%s/qmp.sock", dir);
    g_autofree char *log = g_strdup_printf("%s/trace.log", dir);
    g_autoptr(JsonNode) pci = NULL, quit = NULL;
    uint64_t t0 = bench_now_us(), t1;
    GPid pid = qemu_spawn(ram_mib, bdf, dir);
    VhtQmp *q = vht_qmp_connect(NULL, sock);
    int status;

    vht_qmp_negotiate(q);
    pci = vht_qmp_ok(q, "{'execute': 'query-pci'}");
    t1 = bench_now_us();
    printf("qemu ram_mib=%u repeat=%d setup_us=%" PRIu64 " vmpin_kb=%ld "
           "vmlck_kb=%ld ram_maps=%u\n", ram_mib, rep, t1 - t0,
           bench_status_kb(pid, "VmPin:"), bench_status_kb(pid, "VmLck:"),
           count_lines_with(log, "vfio_listener_region_add_ram"));
    fflush(stdout);
    quit = vht_qmp_ok(q, "{'execute': 'quit'}");
    vht_qmp_close(q);
    waitpid(pid, &status, 0);
    g_unlink(sock);
    g_unlink(log);
    g_rmdir(dir);
}

int measure_qemu(unsigned ram_mib, int repeats)
{
    char bdfs[BENCH_MAX_EDUS][32];

    if (bench_find_edus(bdfs) < 1) {
        fprintf(stderr, "measure: no edu device\n");
        return 1;
    }
    for (int rep = 1; rep <= repeats; rep++) {
        qemu_once(ram_mib, bdfs[0], rep);
    }
    return 0;
}
