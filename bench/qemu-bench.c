/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qemu-bench: the series against unpatched QEMU 10.0.2 and the raw ioctl
 * limit, in one boot of the real-kernel rig, on the same guest RAM.
 *
 * For every RAM size, K = 1..3 devices and layout (a-e, as bench/vfio-raw),
 * with each tool (the patched qemu-system-x86_64, the unpatched one,
 * bench/vfio-raw) and each repeat: start it, note the time until every
 * device is realized and guest RAM mapped, VmPin/VmLck and the VFIO and
 * iommufd ioctls it issued (bench/ioctl-count.so, preloaded into all three
 * alike); then hot-add one more device the same way and note the same
 * again.  Then the scale row: many small DIMMs added and removed.
 * Writes markdown tables (min/median/max over the repeats) to -o FILE and
 * one line of raw data per run to stdout.
 *
 * Environment (scripts/bench.sh sets it through the rig's RIG_ENV):
 *   VFIO_QEMU_BINARIES  patched=PATH,upstream=PATH (as tests/vm)
 *   BENCH_VFIO_RAW      bench/vfio-raw
 *   BENCH_IOCTL_COUNT   bench/ioctl-count.so
 *
 * Usage: qemu-bench -o FILE [-r REPEATS] [-m MIB,MIB] [-k KMAX]
 *                   [-s N,N,...] [-c CHUNK_MIB] [-S]   (-S: no scale row)
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "bench-util.h"
#include "harness.h"
#include "ioctl-count.h"
#include "qemu-edu.h"

#define MAX_RAMS 4
#define MAX_K 3
#define MAX_REPEATS 9
#define MAX_SCALES 8
#define N_LAYOUTS 5
#define ROM_KB 256              /* the BIOS ROM QEMU maps beside RAM */
#define SCALE_RAM_MB 256

enum { T_PATCHED, T_UPSTREAM, T_RAW, N_TOOLS };
static const char *const tool_name[N_TOOLS] = { "patched", "upstream",
                                                "raw" };

static const char layout_char[N_LAYOUTS] = { 'a', 'b', 'c', 'd', 'e' };
static const char *const layout_name[N_LAYOUTS] = {
    "a: legacy, container per device",
    "b: legacy, shared container",
    "c: iommufd, shared IOAS",
    "d: iommufd, IOAS per device by MAP",
    "e: iommufd, IOAS per device by COPY",
};

/* ---- ioctl counts ---- */

typedef struct Counts {
    uint32_t calls[IOCTL_COUNT_SLOTS];
    uint64_t ns[IOCTL_COUNT_SLOTS];
} Counts;

static IoctlTable *table;
static char table_path[64];
static const char *shim, *raw_bin;

#define VFIO_NR(n) (VFIO_BASE + (n))

static const char *slot_name(int s)
{
    static char buf[16];

    switch (s) {
    case VFIO_NR(0): return "GET_API_VERSION";
    case VFIO_NR(1): return "CHECK_EXTENSION";
    case VFIO_NR(2): return "SET_IOMMU";
    case VFIO_NR(3): return "GROUP_GET_STATUS";
    case VFIO_NR(4): return "GROUP_SET_CONTAINER";
    case VFIO_NR(5): return "GROUP_UNSET_CONTAINER";
    case VFIO_NR(6): return "GROUP_GET_DEVICE_FD";
    case VFIO_NR(7): return "DEVICE_GET_INFO";
    case VFIO_NR(8): return "DEVICE_GET_REGION_INFO";
    case VFIO_NR(9): return "DEVICE_GET_IRQ_INFO";
    case VFIO_NR(10): return "DEVICE_SET_IRQS";
    case VFIO_NR(11): return "DEVICE_RESET";
    case VFIO_NR(12): return "IOMMU_GET_INFO";
    case VFIO_NR(13): return "MAP_DMA";
    case VFIO_NR(14): return "UNMAP_DMA";
    case VFIO_NR(15): return "IOMMU_ENABLE";
    case VFIO_NR(16): return "IOMMU_DISABLE";
    case VFIO_NR(17): return "IOMMU_DIRTY_PAGES";
    case VFIO_NR(18): return "DEVICE_BIND_IOMMUFD";
    case VFIO_NR(19): return "DEVICE_ATTACH_PT";
    case VFIO_NR(20): return "DEVICE_DETACH_PT";
    case IOCTL_COUNT_DEVICE_SLOT + VFIO_NR(12): return "PCI_HOT_RESET_INFO";
    case IOCTL_COUNT_DEVICE_SLOT + VFIO_NR(13): return "PCI_HOT_RESET";
    case IOCTL_COUNT_DEVICE_SLOT + VFIO_NR(14): return "QUERY_GFX_PLANE";
    case IOCTL_COUNT_DEVICE_SLOT + VFIO_NR(15): return "GET_GFX_DMABUF";
    case IOCTL_COUNT_DEVICE_SLOT + VFIO_NR(16): return "DEVICE_IOEVENTFD";
    case IOCTL_COUNT_DEVICE_SLOT + VFIO_NR(17): return "DEVICE_FEATURE";
    case IOMMUFD_CMD_DESTROY: return "DESTROY";
    case IOMMUFD_CMD_IOAS_ALLOC: return "IOAS_ALLOC";
    case IOMMUFD_CMD_IOAS_ALLOW_IOVAS: return "IOAS_ALLOW_IOVAS";
    case IOMMUFD_CMD_IOAS_COPY: return "IOAS_COPY";
    case IOMMUFD_CMD_IOAS_IOVA_RANGES: return "IOAS_IOVA_RANGES";
    case IOMMUFD_CMD_IOAS_MAP: return "IOAS_MAP";
    case IOMMUFD_CMD_IOAS_UNMAP: return "IOAS_UNMAP";
    case IOMMUFD_CMD_OPTION: return "OPTION";
    case IOMMUFD_CMD_VFIO_IOAS: return "VFIO_IOAS";
    case IOMMUFD_CMD_HWPT_ALLOC: return "HWPT_ALLOC";
    case IOMMUFD_CMD_GET_HW_INFO: return "GET_HW_INFO";
    case IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING: return "HWPT_SET_DIRTY";
    case IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP: return "HWPT_GET_DIRTY";
    }
    snprintf(buf, sizeof(buf), "nr%d", s);
    return buf;
}

static bool is_map_slot(int s)
{
    return s == VFIO_NR(13) || s == VFIO_NR(14) ||
           s == IOMMUFD_CMD_IOAS_MAP || s == IOMMUFD_CMD_IOAS_COPY ||
           s == IOMMUFD_CMD_IOAS_UNMAP;
}

static bool is_unmap_slot(int s)
{
    return s == VFIO_NR(14) || s == IOMMUFD_CMD_IOAS_UNMAP;
}

static void table_open(void)
{
    snprintf(table_path, sizeof(table_path), "/tmp/bench-ioctl-%d", (int)getpid());
    table = bench_shared_file(table_path, sizeof(IoctlTable));
}

static void table_reset(void)
{
    memset(table, 0, sizeof(*table));
}

static void snap(Counts *c)
{
    for (int i = 0; i < IOCTL_COUNT_SLOTS; i++) {
        c->calls[i] = __atomic_load_n(&table->slot[i].calls,
                                      __ATOMIC_RELAXED);
        c->ns[i] = __atomic_load_n(&table->slot[i].ns, __ATOMIC_RELAXED);
    }
}

static void diff(Counts *out, const Counts *a, const Counts *b)
{
    for (int i = 0; i < IOCTL_COUNT_SLOTS; i++) {
        out->calls[i] = b->calls[i] - a->calls[i];
        out->ns[i] = b->ns[i] - a->ns[i];
    }
}

/* Calls (and ns) of the slots @pick selects (NULL: all). */
static uint64_t sum_calls(const Counts *c, bool (*pick)(int))
{
    uint64_t n = 0;

    for (int i = 0; i < IOCTL_COUNT_SLOTS; i++) {
        n += !pick || pick(i) ? c->calls[i] : 0;
    }
    return n;
}

static double sum_ms(const Counts *c, bool (*pick)(int))
{
    uint64_t ns = 0;

    for (int i = 0; i < IOCTL_COUNT_SLOTS; i++) {
        ns += !pick || pick(i) ? c->ns[i] : 0;
    }
    return ns / 1e6;
}

/* "IOAS_MAP 6, IOAS_UNMAP 1" (with ms when @times) into @s */
static void kinds_text(GString *s, const Counts *c, bool (*pick)(int),
                       bool times)
{
    const char *sep = "";

    for (int i = 0; i < IOCTL_COUNT_SLOTS; i++) {
        if (c->calls[i] && (!pick || pick(i))) {
            g_string_append_printf(s, "%s%s %u", sep, slot_name(i),
                                   c->calls[i]);
            if (times) {
                g_string_append_printf(s, " (%.1f ms)", c->ns[i] / 1e6);
            }
            sep = ", ";
        }
    }
    if (!*sep) {
        g_string_append(s, "none");
    }
}

static bool same_calls(const Counts *a, const Counts *b)
{
    return !memcmp(a->calls, b->calls, sizeof(a->calls));
}

/* ---- results ---- */

typedef struct Result {
    bool ok;
    char why[160];
    double start_ms, hot_ms;
    long pin, lck, hot_pin, hot_lck;        /* kB */
    Counts start, hot;
    int sections;           /* RAM sections mapped per container, or -1 */
    int xq_agree;           /* patched: shim == x-query-vfio (-1: n/a) */
    int64_t run_map, run_copy, run_unmap;   /* patched: running containers
                                               during the hot-add */
} Result;

static int n_rams, rams[MAX_RAMS], kmax = MAX_K, repeats = 3;
static int n_scales, scales[MAX_SCALES];
static unsigned chunk_mb = 2;
static const char *bin[N_TOOLS];
static char bdfs[BENCH_MAX_EDUS][32];
static int n_edus;

/* [ram][k-1][layout][tool][repeat] */
static Result res[MAX_RAMS][MAX_K][N_LAYOUTS][N_TOOLS][MAX_REPEATS];
/*
 * QEMU with no VFIO device: start-up only, [ram][tool][sample]: one per
 * repeat before each K, so that its samples spread over the run as the
 * layouts' do
 */
#define MAX_BASE (MAX_K * MAX_REPEATS)
static Result base[MAX_RAMS][2][MAX_BASE];
static int n_base;

/* Why QEMU cannot express a layout (NULL: it can). */
static const char *no_layout(int tool, int layout)
{
    if (tool == T_RAW) {
        return NULL;
    }
    if (layout == 0) {
        return "QEMU attaches every group of one address space to the "
               "first container that accepts it; no option asks for a "
               "container per device";
    }
    if (layout == 4 && tool == T_UPSTREAM) {
        return "x-separate-ioas (an IOAS filled by IOMMU_IOAS_COPY) exists "
               "only in the series";
    }
    return NULL;
}

/* ---- one QEMU run ---- */

static char *devices_args(int layout, int k)
{
    GString *s = g_string_new(
        "-device pcie-root-port,id=rp0,chassis=1,addr=0x10");

    if (layout >= 2) {
        g_string_append(s, " -object iommufd,id=if0");
    }
    for (int i = 0; i < k; i++) {
        if (layout == 3 && i > 0) {
            g_string_append_printf(s, " -object iommufd,id=if%d", i);
        }
        g_string_append_printf(s, " -device vfio-pci,host=%s,id=e%d,"
                               "addr=0x%x", bdfs[i], i, QEDU_FIRST_SLOT + i);
        if (layout >= 2) {
            g_string_append_printf(s, ",iommufd=if%d", layout == 3 ? i : 0);
        }
        if (layout == 4 && i > 0) {
            g_string_append(s, ",x-separate-ioas=on");
        }
    }
    return g_string_free(s, FALSE);
}

static VhtProc *start_counted(const char *binary, unsigned ram_mb,
                              unsigned slots, unsigned maxmem_mb,
                              const char *args)
{
    VhtProc *p;

    table_reset();
    g_setenv("LD_PRELOAD", shim, true);
    g_setenv("BENCH_IOCTL_FILE", table_path, true);
    p = qedu_start_sized(binary, ram_mb, slots, maxmem_mb, args, NULL,
                         false);
    g_unsetenv("LD_PRELOAD");
    g_unsetenv("BENCH_IOCTL_FILE");
    return p;
}

/* Sum of MAP/COPY/UNMAP counters of the distinct containers of e0..ek-1 */
static void running_counters(VhtProc *p, int k, int64_t *map, int64_t *copy,
                             int64_t *unmap)
{
    g_autoptr(JsonNode) q = qedu_query(p);
    JsonObject *seen[MAX_K + 1];
    int n = 0;

    *map = *copy = *unmap = 0;
    for (int i = 0; i < k; i++) {
        g_autofree char *id = g_strdup_printf("e%d", i);
        JsonObject *c = qedu_container_of(q, id);
        bool dup = false;

        for (int j = 0; j < n; j++) {
            dup |= seen[j] == c;
        }
        if (!c || dup) {
            continue;
        }
        seen[n++] = c;
        *map += qedu_counter(c, "map");
        *copy += qedu_counter(c, "copy");
        *unmap += qedu_counter(c, "unmap");
    }
}

/* Does x-query-vfio's total of every container match the shim's counts? */
static int xq_agrees(VhtProc *p, const Counts *c)
{
    g_autoptr(JsonNode) q = qedu_query(p);
    JsonArray *spaces = q ? json_node_get_array(q) : NULL;
    int64_t map = 0, copy = 0, unmap = 0;

    if (!spaces) {
        return -1;
    }
    for (guint i = 0; i < json_array_get_length(spaces); i++) {
        JsonArray *cs = json_object_get_array_member(
            json_array_get_object_element(spaces, i), "containers");

        for (guint j = 0; cs && j < json_array_get_length(cs); j++) {
            JsonObject *o = json_array_get_object_element(cs, j);

            map += qedu_counter(o, "map");
            copy += qedu_counter(o, "copy");
            unmap += qedu_counter(o, "unmap");
        }
    }
    return map == c->calls[VFIO_NR(13)] + c->calls[IOMMUFD_CMD_IOAS_MAP] &&
           copy == c->calls[IOMMUFD_CMD_IOAS_COPY] &&
           unmap == c->calls[VFIO_NR(14)] + c->calls[IOMMUFD_CMD_IOAS_UNMAP];
}

static void run_qemu(int tool, int layout, int k, int ram_mb, Result *r)
{
    g_autofree char *args = devices_args(layout, k);
    g_autofree char *err = NULL;
    g_autofree char *how = NULL;
    g_autoptr(JsonNode) ok = NULL;
    Counts c0, c1;
    int64_t m0 = 0, cp0 = 0, u0 = 0, m1, cp1, u1;
    uint64_t t0, t1;
    VhtProc *p;

    t0 = bench_now_us();
    p = start_counted(bin[tool], ram_mb, 2, ram_mb + 1024, args);
    t1 = bench_now_us();
    snap(&c0);
    r->start = c0;
    r->start_ms = (t1 - t0) / 1e3;
    r->pin = qedu_status_kb(vht_pid(p), "VmPin");
    r->lck = qedu_status_kb(vht_pid(p), "VmLck");
    r->sections = -1;
    r->xq_agree = -1;
    if (tool == T_PATCHED) {
        g_autoptr(JsonNode) q = qedu_query(p);

        r->sections = qedu_mappings(qedu_container_of(q, "e0"), NULL);
        r->xq_agree = xq_agrees(p, &c0);
        running_counters(p, k, &m0, &cp0, &u0);
    }

    /* hot-add device k the same way */
    how = layout < 2 ? g_strdup("")
          : g_strdup_printf(", 'iommufd': 'if%d'%s", layout == 3 ? k : 0,
                            layout == 4 ? ", 'x-separate-ioas': true" : "");
    t0 = bench_now_us();
    if (layout == 3) {
        ok = hedu_qmp(p, &err, "{'execute': 'object-add', 'arguments': "
                      "{'qom-type': 'iommufd', 'id': 'if%d'}}", k);
    }
    if (layout != 3 || ok) {
        if (ok) {
            json_node_unref(ok);
        }
        ok = hedu_qmp(p, &err, "{'execute': 'device_add', 'arguments': "
                      "{'driver': 'vfio-pci', 'host': '%s', 'id': 'hp0', "
                      "'bus': 'rp0'%s}}", bdfs[k], how);
    }
    t1 = bench_now_us();
    snap(&c1);
    diff(&r->hot, &c0, &c1);
    if (!ok) {
        snprintf(r->why, sizeof(r->why), "hot-add failed: %s", err);
        vht_end(p);
        return;
    }
    r->hot_ms = (t1 - t0) / 1e3;
    r->hot_pin = qedu_status_kb(vht_pid(p), "VmPin");
    r->hot_lck = qedu_status_kb(vht_pid(p), "VmLck");
    if (tool == T_PATCHED) {
        running_counters(p, k, &m1, &cp1, &u1);
        r->run_map = m1 - m0;
        r->run_copy = cp1 - cp0;
        r->run_unmap = u1 - u0;
    }
    vht_end(p);
    r->ok = true;
}

static void run_base(int tool, int ram_mb, Result *r)
{
    g_autofree char *args = devices_args(1, 0);
    uint64_t t0, t1;
    VhtProc *p;

    t0 = bench_now_us();
    p = start_counted(bin[tool], ram_mb, 2, ram_mb + 1024, args);
    t1 = bench_now_us();
    r->start_ms = (t1 - t0) / 1e3;
    snap(&r->start);
    vht_end(p);
    r->ok = true;
}

/* ---- one vfio-raw run ---- */

typedef struct RawProc {
    GPid pid;
    FILE *in, *out;
} RawProc;

static bool raw_spawn(RawProc *rp, char **argv)
{
    g_auto(GStrv) env = g_get_environ();
    g_autoptr(GError) err = NULL;
    int in, out;

    table_reset();
    env = g_environ_setenv(env, "LD_PRELOAD", shim, true);
    env = g_environ_setenv(env, "BENCH_IOCTL_FILE", table_path, true);
    if (!g_spawn_async_with_pipes(NULL, argv, env, G_SPAWN_DO_NOT_REAP_CHILD,
                                  NULL, NULL, &rp->pid, &in, &out, NULL,
                                  &err)) {
        fprintf(stderr, "qemu-bench: %s: %s\n", argv[0], err->message);
        return false;
    }
    rp->in = fdopen(in, "w");
    rp->out = fdopen(out, "r");
    return true;
}

/* Wait for "step @name"; Return: false if the program said otherwise */
static bool raw_step(RawProc *rp, const char *name, char *line, int len)
{
    if (!fgets(line, len, rp->out)) {
        return false;
    }
    return !strncmp(line, "step ", 5) && !strncmp(line + 5, name,
                                                   strlen(name));
}

static void raw_go(RawProc *rp)
{
    fputs("go\n", rp->in);
    fflush(rp->in);
}

/* Read the final line into @line; reap.  Return: exit status 0 */
static bool raw_finish(RawProc *rp, char *line, int len)
{
    int status = -1;

    if (!fgets(line, len, rp->out)) {
        line[0] = 0;
    }
    fclose(rp->in);
    fclose(rp->out);
    waitpid(rp->pid, &status, 0);
    g_spawn_close_pid(rp->pid);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void run_raw(int layout, int k, int ram_mb, Result *r)
{
    g_autofree char *ks = g_strdup_printf("%d", k);
    g_autofree char *rs = g_strdup_printf("%d", ram_mb);
    char lay[2] = { layout_char[layout], 0 };
    char *argv[] = { (char *)raw_bin, lay, ks, rs, (char *)"1",
                     (char *)"anon", (char *)"step", NULL };
    char line[1024];
    Counts c0, c1;
    uint64_t t0, t1;
    RawProc rp;

    t0 = bench_now_us();
    if (!raw_spawn(&rp, argv)) {
        snprintf(r->why, sizeof(r->why), "vfio-raw did not start");
        return;
    }
    if (!raw_step(&rp, "setup", line, sizeof(line))) {
        snprintf(r->why, sizeof(r->why), "vfio-raw set-up failed");
        raw_finish(&rp, line, sizeof(line));
        return;
    }
    t1 = bench_now_us();
    snap(&c0);
    r->start = c0;
    r->start_ms = (t1 - t0) / 1e3;
    r->pin = qedu_status_kb(rp.pid, "VmPin");
    r->lck = qedu_status_kb(rp.pid, "VmLck");
    r->sections = 1;
    r->xq_agree = -1;
    t0 = bench_now_us();
    raw_go(&rp);
    if (!raw_step(&rp, "hot", line, sizeof(line))) {
        snprintf(r->why, sizeof(r->why), "vfio-raw hot-add failed");
        raw_finish(&rp, line, sizeof(line));
        return;
    }
    t1 = bench_now_us();
    snap(&c1);
    diff(&r->hot, &c0, &c1);
    r->hot_ms = (t1 - t0) / 1e3;
    r->hot_pin = qedu_status_kb(rp.pid, "VmPin");
    r->hot_lck = qedu_status_kb(rp.pid, "VmLck");
    raw_go(&rp);
    r->ok = raw_finish(&rp, line, sizeof(line));
    printf("# %s", line);
    if (!r->ok) {
        snprintf(r->why, sizeof(r->why), "vfio-raw exited non-zero");
    }
}

static void print_run(const char *tool, int layout, int k, int ram,
                      int rep, const Result *r)
{
    g_autoptr(GString) s = g_string_new(NULL);
    g_autoptr(GString) h = g_string_new(NULL);

    kinds_text(s, &r->start, NULL, false);
    kinds_text(h, &r->hot, NULL, false);
    printf("run tool=%s layout=%c k=%d ram_mib=%d repeat=%d ok=%d "
           "start_ms=%.1f vmpin_kb=%ld vmlck_kb=%ld hot_ms=%.1f "
           "hot_vmpin_kb=%ld hot_vmlck_kb=%ld sections=%d xq_agree=%d "
           "run_map=%" PRId64 " run_copy=%" PRId64 " run_unmap=%" PRId64
           " ioctl_ms=%.1f start_ioctls=[%s] hot_ioctls=[%s]%s%s\n",
           tool, layout_char[layout], k, ram, rep, r->ok, r->start_ms,
           r->pin, r->lck, r->hot_ms, r->hot_pin, r->hot_lck, r->sections,
           r->xq_agree, r->run_map, r->run_copy, r->run_unmap,
           sum_ms(&r->start, NULL), s->str, h->str,
           r->why[0] ? " why=" : "", r->why);
    fflush(stdout);
}

/* ---- the scale row: many small DIMMs ---- */

typedef struct ScaleResult {
    bool ok;
    double add_ms, remove_ms;
    Counts add, remove;
} ScaleResult;

enum { S_PATCHED, S_COPY, S_UPSTREAM, S_NODEV, S_RAW, N_STOOLS };
static const char *const stool_name[N_STOOLS] = {
    "patched", "patched, 2nd IOAS by COPY", "upstream",
    "patched, no VFIO device", "raw",
};
static ScaleResult scale_res[N_STOOLS][MAX_SCALES][MAX_REPEATS];

static bool dimm_add(VhtProc *p, int i)
{
    g_autofree char *err = NULL;
    g_autoptr(JsonNode) a = hedu_qmp(p, &err, "{'execute': 'object-add', "
        "'arguments': {'qom-type': 'memory-backend-ram', 'id': 'sm%d', "
        "'size': %u}}", i, chunk_mb << 20);
    g_autoptr(JsonNode) b = NULL;

    if (a) {
        b = hedu_qmp(p, &err, "{'execute': 'device_add', 'arguments': "
                     "{'driver': 'pc-dimm', 'id': 'sd%d', 'memdev': 'sm%d', "
                     "'slot': %d}}", i, i, i);
    }
    if (!b) {
        printf("# DIMM sd%d: %s\n", i, err);
    }
    return b != NULL;
}

/* device_del, the ACPI eject firmware would do, object-del of its RAM */
static bool dimm_remove(VhtProc *p, int i)
{
    g_autofree char *err = NULL;
    g_autoptr(JsonNode) a = hedu_qmp(p, &err, "{'execute': 'device_del', "
                                     "'arguments': {'id': 'sd%d'}}", i);
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    if (!a) {
        printf("# device_del sd%d: %s\n", i, err);
        return false;
    }
    g_free(vht_qtest(p, "outl 0xa00 %d", i));       /* MEMHP selector */
    g_free(vht_qtest(p, "outb 0xa14 0x8"));         /* eject */
    for (;;) {
        g_autoptr(JsonNode) d = NULL;

        g_clear_pointer(&err, g_free);
        d = hedu_qmp(p, &err, "{'execute': 'object-del', 'arguments': "
                     "{'id': 'sm%d'}}", i);
        if (d) {
            return true;
        }
        if (g_get_monotonic_time() > deadline) {
            printf("# object-del sm%d: %s\n", i, err);
            return false;
        }
        g_usleep(1000);
    }
}

static void run_scale_qemu(int st, int rep)
{
    int maxn = scales[n_scales - 1];
    g_autofree char *args = st == S_NODEV ? g_strdup("") : g_strdup_printf(
        "-object iommufd,id=if0 -device vfio-pci,host=%s,id=e0,"
        "iommufd=if0,addr=0x%x", bdfs[0], QEDU_FIRST_SLOT);

    if (st == S_COPY) {
        /* a second device in an IOAS of its own: every DIMM MAP + COPY */
        g_autofree char *first = g_steal_pointer(&args);

        args = g_strdup_printf("%s -device vfio-pci,host=%s,id=e1,"
                               "iommufd=if0,addr=0x%x,x-separate-ioas=on",
                               first, bdfs[1], QEDU_FIRST_SLOT + 1);
    }
    const char *b = bin[st == S_UPSTREAM ? T_UPSTREAM : T_PATCHED];
    VhtProc *p;

    p = start_counted(b, SCALE_RAM_MB, maxn, SCALE_RAM_MB + maxn * chunk_mb,
                      args);

    for (int s = 0; s < n_scales; s++) {
        ScaleResult *r = &scale_res[st][s][rep];
        Counts c0, c1, c2;
        uint64_t t0, t1, t2;
        bool ok = true;

        snap(&c0);
        t0 = bench_now_us();
        for (int i = 0; i < scales[s] && ok; i++) {
            ok = dimm_add(p, i);
        }
        t1 = bench_now_us();
        snap(&c1);
        for (int i = 0; i < scales[s] && ok; i++) {
            ok = dimm_remove(p, i);
        }
        t2 = bench_now_us();
        snap(&c2);
        diff(&r->add, &c0, &c1);
        diff(&r->remove, &c1, &c2);
        r->add_ms = (t1 - t0) / 1e3;
        r->remove_ms = (t2 - t1) / 1e3;
        r->ok = ok;
        printf("scale tool=%s n=%d repeat=%d ok=%d add_ms=%.1f "
               "remove_ms=%.1f add_ioctls=%" PRIu64 " remove_ioctls=%" PRIu64
               "\n", stool_name[st], scales[s], rep + 1, ok, r->add_ms,
               r->remove_ms, sum_calls(&r->add, NULL),
               sum_calls(&r->remove, NULL));
        fflush(stdout);
        if (!ok) {
            break;
        }
    }
    vht_end(p);
}

static void run_scale_raw(int rep)
{
    for (int s = 0; s < n_scales; s++) {
        ScaleResult *r = &scale_res[S_RAW][s][rep];
        g_autofree char *ns = g_strdup_printf("%d", scales[s]);
        g_autofree char *cs = g_strdup_printf("%u", chunk_mb * 1024);
        g_autofree char *rs = g_strdup_printf("%d", SCALE_RAM_MB);
        char *argv[] = { (char *)raw_bin, (char *)"scale", ns, cs, rs,
                         (char *)"anon", (char *)"step", NULL };
        char line[1024];
        Counts c0, c1, c2;
        uint64_t t0, t1, t2;
        RawProc rp;

        if (!raw_spawn(&rp, argv)) {
            return;
        }
        if (!raw_step(&rp, "setup", line, sizeof(line))) {
            raw_finish(&rp, line, sizeof(line));
            return;
        }
        snap(&c0);
        t0 = bench_now_us();
        raw_go(&rp);
        r->ok = raw_step(&rp, "added", line, sizeof(line));
        t1 = bench_now_us();
        snap(&c1);
        raw_go(&rp);
        r->ok &= raw_step(&rp, "removed", line, sizeof(line));
        t2 = bench_now_us();
        snap(&c2);
        raw_go(&rp);
        r->ok &= raw_finish(&rp, line, sizeof(line));
        printf("# %s", line);
        diff(&r->add, &c0, &c1);
        diff(&r->remove, &c1, &c2);
        r->add_ms = (t1 - t0) / 1e3;
        r->remove_ms = (t2 - t1) / 1e3;
        printf("scale tool=raw n=%d repeat=%d ok=%d add_ms=%.1f "
               "remove_ms=%.1f add_ioctls=%" PRIu64 " remove_ioctls=%" PRIu64
               "\n", scales[s], rep + 1, r->ok, r->add_ms, r->remove_ms,
               sum_calls(&r->add, NULL), sum_calls(&r->remove, NULL));
        fflush(stdout);
    }
}

/* ---- tables ---- */

static FILE *md;

typedef double (*Field)(const Result *r);

static double f_start(const Result *r) { return r->start_ms; }
static double f_hot(const Result *r) { return r->hot_ms; }
static double f_pinned(const Result *r)
{
    return (r->pin + r->lck) / 1024.0;
}
static double f_hot_pinned(const Result *r)
{
    return (r->hot_pin + r->hot_lck) / 1024.0;
}
static double f_ioctl_ms(const Result *r) { return sum_ms(&r->start, NULL); }
static double f_map_ms(const Result *r)
{
    return sum_ms(&r->start, is_map_slot);
}
/* start-up time outside VFIO/iommufd ioctls */
static double f_outside(const Result *r)
{
    return r->start_ms - sum_ms(&r->start, NULL);
}

/* Stats of @f over the successful ones of @count results; n = 0: none */
static BenchStats stats_n(const Result *rs, int count, Field f)
{
    double v[MAX_BASE];
    int n = 0;

    for (int i = 0; i < count; i++) {
        if (rs[i].ok) {
            v[n++] = f(&rs[i]);
        }
    }
    return bench_stats(v, n);
}

/* Stats of @f over the successful repeats of @rs */
static BenchStats stats_of(const Result *rs, Field f)
{
    return stats_n(rs, repeats, f);
}

/* Median start-up of QEMU @tool without VFIO devices at RAM @ri */
static double base_med(int ri, int tool)
{
    BenchStats s = stats_n(base[ri][tool], n_base, f_start);

    return s.n ? s.med : -1;
}

/* "min / med / max", or one value when they agree (@exact) */
static char *cell(BenchStats s, int dec, bool exact)
{
    g_autofree char *a = NULL, *b = NULL, *c = NULL;

    if (!s.n) {
        return g_strdup("failed");
    }
    a = g_strdup_printf("%.*f", dec, s.min);
    b = g_strdup_printf("%.*f", dec, s.med);
    c = g_strdup_printf("%.*f", dec, s.max);
    if (exact && !strcmp(a, c)) {
        return g_strdup(a);
    }
    return g_strdup_printf("%s / %s / %s", a, b, c);
}

/* The cell of tool @t for @rs, or n/a with its footnote mark */
static char *tool_cell(int t, int layout, const Result *rs, Field f,
                       int dec, bool exact)
{
    if (no_layout(t, layout)) {
        return g_strdup(layout == 0 ? "n/a ¹" : "n/a ²");
    }
    if (!stats_of(rs, f).n) {
        return g_strdup_printf("failed (%s)", rs[0].why);
    }
    return cell(stats_of(rs, f), dec, exact);
}

static void footnotes(void)
{
    fprintf(md, "\n¹ %s.  \n² %s.\n", no_layout(T_PATCHED, 0),
            no_layout(T_UPSTREAM, 4));
}

/* The first successful repeat of @rs (NULL if none) */
static const Result *first_ok(const Result *rs)
{
    for (int i = 0; i < repeats; i++) {
        if (rs[i].ok) {
            return &rs[i];
        }
    }
    return NULL;
}

/* Do the successful repeats of @rs all issue the same ioctls? */
static bool counts_stable(const Result *rs)
{
    const Result *a = first_ok(rs);

    for (int i = 0; a && i < repeats; i++) {
        if (rs[i].ok && (!same_calls(&rs[i].start, &a->start) ||
                         !same_calls(&rs[i].hot, &a->hot))) {
            return false;
        }
    }
    return true;
}

static void table_pinned(int ri)
{
    fprintf(md, "\n### Pinned memory, guest RAM %d MiB (MiB of VmPin + "
            "VmLck)\n\n| layout | K | patched | patched after hot-add | "
            "upstream | upstream after hot-add | raw | raw after hot-add "
            "|\n|---|---|---|---|---|---|---|---|\n", rams[ri]);
    for (int l = 0; l < N_LAYOUTS; l++) {
        for (int k = 1; k <= kmax; k++) {
            fprintf(md, "| %s | %d |", layout_name[l], k);
            for (int t = 0; t < N_TOOLS; t++) {
                const Result *rs = res[ri][k - 1][l][t];
                g_autofree char *a = tool_cell(t, l, rs, f_pinned, 2,
                                               true);
                g_autofree char *b = tool_cell(t, l, rs, f_hot_pinned,
                                               2, true);

                fprintf(md, " %s | %s |", a, b);
            }
            fprintf(md, "\n");
        }
    }
    footnotes();
}

static void table_ioctls(int ri)
{
    fprintf(md, "\n### Start-up ioctls by kind, guest RAM %d MiB\n\n"
            "Map-path ioctls (MAP_DMA, UNMAP_DMA, IOAS_MAP, IOAS_COPY, "
            "IOAS_UNMAP) over the whole start-up, the RAM sections each "
            "container maps at the end, and every VFIO/iommufd ioctl.\n\n"
            "| layout | K | tool | map path | sections | map path per "
            "container-section | all ioctls | all by kind | x-query-vfio "
            "agrees |\n|---|---|---|---|---|---|---|---|---|\n", rams[ri]);
    for (int l = 0; l < N_LAYOUTS; l++) {
        for (int k = 1; k <= kmax; k++) {
            for (int t = 0; t < N_TOOLS; t++) {
                const Result *rs = res[ri][k - 1][l][t];
                const Result *a = first_ok(rs);
                const Result *pa = first_ok(res[ri][k - 1][l][T_PATCHED]);
                g_autoptr(GString) mp = g_string_new(NULL);
                g_autoptr(GString) all = g_string_new(NULL);
                int sections = t == T_RAW ? 1 : pa ? pa->sections : -1;
                int containers;

                if (no_layout(t, l) || !a) {
                    fprintf(md, "| %s | %d | %s | %s |||||\n", layout_name[l],
                            k, tool_name[t], no_layout(t, l)
                            ? (l == 0 ? "n/a ¹" : "n/a ²") : "failed");
                    continue;
                }
                /* containers (IOASes) the layout fills */
                containers = l == 1 || l == 2 ? 1 : k;
                kinds_text(mp, &a->start, is_map_slot, false);
                kinds_text(all, &a->start, NULL, false);
                fprintf(md, "| %s | %d | %s | %s%s | %d%s | %.2f | %" PRIu64
                        " | %s | %s |\n", layout_name[l], k, tool_name[t],
                        mp->str, counts_stable(rs) ? "" : " (varies)",
                        sections, t == T_UPSTREAM ? " ³" : "",
                        sections > 0 ? (double)sum_calls(&a->start,
                                                         is_map_slot) /
                                       (sections * containers) : 0.0,
                        sum_calls(&a->start, NULL), all->str,
                        a->xq_agree < 0 ? "-" : a->xq_agree ? "yes" : "NO");
            }
        }
    }
    footnotes();
    fprintf(md, "³ Upstream has no x-query-vfio: the sections are the "
            "patched build's count for the same machine and RAM.\n");
}

static void table_hotadd(int ri)
{
    fprintf(md, "\n### Hot-add of one more device, guest RAM %d MiB\n\n"
            "Every VFIO/iommufd ioctl the process issued during the "
            "`device_add` (its own new container included), the UNMAPs "
            "among them, the MAP/COPY/UNMAP counters of the containers "
            "that were running before (x-query-vfio, patched only) and "
            "the time of the QMP command(s) (ms).\n\n"
            "| layout | K | tool | ioctls by kind | UNMAP | running "
            "containers MAP/COPY/UNMAP | time ms |\n"
            "|---|---|---|---|---|---|---|\n", rams[ri]);
    for (int l = 0; l < N_LAYOUTS; l++) {
        for (int k = 1; k <= kmax; k++) {
            for (int t = 0; t < N_TOOLS; t++) {
                const Result *rs = res[ri][k - 1][l][t];
                const Result *a = first_ok(rs);
                g_autoptr(GString) h = g_string_new(NULL);
                g_autofree char *tm = NULL;
                g_autofree char *run = NULL;

                if (no_layout(t, l) || !a) {
                    fprintf(md, "| %s | %d | %s | %s ||||\n", layout_name[l],
                            k, tool_name[t], no_layout(t, l)
                            ? (l == 0 ? "n/a ¹" : "n/a ²") : "failed");
                    continue;
                }
                kinds_text(h, &a->hot, NULL, false);
                tm = cell(stats_of(rs, f_hot), 1, false);
                run = t == T_PATCHED
                      ? g_strdup_printf("%+" PRId64 " / %+" PRId64 " / %+"
                                        PRId64, a->run_map, a->run_copy,
                                        a->run_unmap)
                      : g_strdup("-");
                fprintf(md, "| %s | %d | %s | %s%s | %" PRIu64 " | %s | %s "
                        "|\n", layout_name[l], k, tool_name[t], h->str,
                        counts_stable(rs) ? "" : " (varies)",
                        sum_calls(&a->hot, is_unmap_slot), run, tm);
            }
        }
    }
    footnotes();
}

static double med(const Result *rs, Field f)
{
    BenchStats s = stats_of(rs, f);

    return s.n ? s.med : -1;
}

static void ratio(GString *s, double a, double b)
{
    if (a > 0 && b > 0) {
        g_string_append_printf(s, " %.2f× |", a / b);
    } else {
        g_string_append(s, " - |");
    }
}

static void table_time(int ri)
{
    g_autofree char *bp = cell(stats_n(base[ri][T_PATCHED], n_base,
                                       f_start), 1, false);
    g_autofree char *bu = cell(stats_n(base[ri][T_UPSTREAM], n_base,
                                       f_start), 1, false);

    fprintf(md, "\n### Start-up time, guest RAM %d MiB (ms, process start "
            "to every device realized and RAM mapped)\n\n"
            "QEMU with no VFIO device, same command line otherwise (%d "
            "samples spread over the run): patched %s, upstream %s.\n\n"
            "| layout | K | patched | upstream | raw | patched / raw | "
            "patched / upstream | upstream / raw |\n"
            "|---|---|---|---|---|---|---|---|\n", rams[ri], n_base, bp,
            bu);
    for (int l = 0; l < N_LAYOUTS; l++) {
        for (int k = 1; k <= kmax; k++) {
            g_autoptr(GString) s = g_string_new(NULL);
            double m[N_TOOLS];

            g_string_append_printf(s, "| %s | %d |", layout_name[l], k);
            for (int t = 0; t < N_TOOLS; t++) {
                const Result *rs = res[ri][k - 1][l][t];
                g_autofree char *c = tool_cell(t, l, rs, f_start, 1,
                                               false);

                m[t] = no_layout(t, l) ? -1 : med(rs, f_start);
                g_string_append_printf(s, " %s |", c);
            }
            ratio(s, m[T_PATCHED], m[T_RAW]);
            ratio(s, m[T_PATCHED], m[T_UPSTREAM]);
            ratio(s, m[T_UPSTREAM], m[T_RAW]);
            fprintf(md, "%s\n", s->str);
        }
    }
    footnotes();
}

static void table_breakdown(int ri)
{
    int k = kmax;

    fprintf(md, "\n### Where the start-up time goes, guest RAM %d MiB, "
            "K = %d (medians, ms)\n\n"
            "start: the row above; in ioctls: time inside VFIO/iommufd "
            "ioctls (ioctl-count.so); map path: the part in "
            "MAP/COPY/UNMAP; outside ioctls: start minus in ioctls (median "
            "of the repeats), to compare with QEMU's start-up without any "
            "VFIO device (patched %.1f, upstream %.1f ms); by kind: the "
            "first repeat's ioctls with their time.\n\n"
            "| layout | tool | start | in ioctls | map path | outside "
            "ioctls | ioctls / raw's | in ioctls / raw's | by kind |\n"
            "|---|---|---|---|---|---|---|---|---|\n", rams[ri], k,
            base_med(ri, T_PATCHED), base_med(ri, T_UPSTREAM));
    for (int l = 0; l < N_LAYOUTS; l++) {
        const Result *raw = res[ri][k - 1][l][T_RAW];

        for (int t = 0; t < N_TOOLS; t++) {
            const Result *rs = res[ri][k - 1][l][t];
            const Result *a = first_ok(rs);
            g_autoptr(GString) kinds = g_string_new(NULL);

            if (no_layout(t, l) || !a || !first_ok(raw)) {
                continue;
            }
            kinds_text(kinds, &a->start, NULL, true);
            fprintf(md, "| %s | %s | %.1f | %.1f | %.1f | %.1f | %.2f× | "
                    "%.2f× | %s |\n", layout_name[l], tool_name[t],
                    med(rs, f_start), med(rs, f_ioctl_ms), med(rs, f_map_ms),
                    med(rs, f_outside),
                    (double)sum_calls(&a->start, NULL) /
                    sum_calls(&first_ok(raw)->start, NULL),
                    med(rs, f_ioctl_ms) / med(raw, f_ioctl_ms), kinds->str);
        }
    }
}

typedef double (*SField)(const ScaleResult *r);
static double s_add(const ScaleResult *r) { return r->add_ms; }
static double s_remove(const ScaleResult *r) { return r->remove_ms; }
static double s_add_io(const ScaleResult *r)
{
    return sum_ms(&r->add, NULL);
}
static double s_remove_io(const ScaleResult *r)
{
    return sum_ms(&r->remove, NULL);
}

static BenchStats sstats(const ScaleResult *rs, SField f)
{
    double v[MAX_REPEATS];
    int n = 0;

    for (int i = 0; i < repeats; i++) {
        if (rs[i].ok) {
            v[n++] = f(&rs[i]);
        }
    }
    return bench_stats(v, n);
}

static void table_scale(void)
{
    fprintf(md, "\n### Scale: N DIMMs of %u MiB hot-added, then removed "
            "(iommufd, one device, guest RAM %d MiB)\n\n"
            "QEMU: `object-add memory-backend-ram` + `device_add pc-dimm` "
            "per DIMM, then `device_del` + the ACPI eject + `object-del` "
            "per DIMM, one QEMU per repeat running every N in turn.  Raw: "
            "N IOMMU_IOAS_MAPs of %u MiB, then N IOMMU_IOAS_UNMAPs.  "
            "Times in ms (min / median / max); in ioctls: time inside "
            "VFIO/iommufd ioctls; ratio: remove / add of the medians; per "
            "DIMM: median / N; above no device: minus the same median of "
            "the patched QEMU without any VFIO device, / N.\n\n"
            "| tool | N | add | remove | remove / add | add ioctls | remove "
            "ioctls | add in ioctls | remove in ioctls | add per DIMM | "
            "remove per DIMM | add per DIMM above no device | remove per "
            "DIMM above no device |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
            chunk_mb,
            SCALE_RAM_MB, chunk_mb);
    for (int st = 0; st < N_STOOLS; st++) {
        for (int s = 0; s < n_scales; s++) {
            const ScaleResult *rs = scale_res[st][s];
            BenchStats a = sstats(rs, s_add), r = sstats(rs, s_remove);
            BenchStats na = sstats(scale_res[S_NODEV][s], s_add);
            BenchStats nr = sstats(scale_res[S_NODEV][s], s_remove);
            g_autofree char *xa = NULL, *xr = NULL;
            g_autofree char *ca = cell(a, 1, false);
            g_autofree char *cr = cell(r, 1, false);
            g_autofree char *ia = cell(sstats(rs, s_add_io), 1, false);
            g_autofree char *ir = cell(sstats(rs, s_remove_io), 1,
                                       false);
            g_autoptr(GString) ka = g_string_new(NULL);
            g_autoptr(GString) kr = g_string_new(NULL);
            const ScaleResult *f = NULL;

            for (int i = 0; i < repeats && !f; i++) {
                f = rs[i].ok ? &rs[i] : NULL;
            }
            if (!f) {
                fprintf(md, "| %s | %d | failed ||||||||||\n", stool_name[st],
                        scales[s]);
                continue;
            }
            kinds_text(ka, &f->add, NULL, false);
            kinds_text(kr, &f->remove, NULL, false);
            if (st < S_NODEV && na.n && nr.n) {
                xa = g_strdup_printf("%.2f", (a.med - na.med) / scales[s]);
                xr = g_strdup_printf("%.2f", (r.med - nr.med) / scales[s]);
            }
            fprintf(md, "| %s | %d | %s | %s | %.2f | %s | %s | %s | %s | "
                    "%.2f | %.2f | %s | %s |\n", stool_name[st], scales[s],
                    ca, cr, r.med / a.med, ka->str, kr->str, ia, ir,
                    a.med / scales[s], r.med / scales[s], xa ? xa : "-",
                    xr ? xr : "-");
        }
    }
}

/* The acceptance claims, from the medians measured above. */
static void claims(void)
{
    int ri = n_rams - 1, k = kmax;
    double ram_mib = rams[ri];
    double pe = med(res[ri][k - 1][4][T_PATCHED], f_pinned);
    double pc = med(res[ri][k - 1][2][T_PATCHED], f_pinned);
    double ud = med(res[ri][k - 1][3][T_UPSTREAM], f_pinned);
    int64_t unmaps[N_TOOLS] = { 0 };
    int64_t run_unmap = 0;

    fprintf(md, "\n### The acceptance claims, measured (guest RAM %d MiB, "
            "K = %d unless said)\n\n", rams[ri], k);
    fprintf(md, "- Pinned memory: patched COPY layout (e) %.2f MiB, "
            "patched shared IOAS (c) %.2f MiB: %s; upstream one iommufd "
            "object per device (d) %.2f MiB, %.2f MiB above e; "
            "(K−1)×RAM = %.0f MiB (%s; each IOAS also maps the %d KiB "
            "BIOS ROM).\n", pe, pc, pe == pc ? "equal" : "NOT equal", ud,
            ud - pe, (k - 1) * ram_mib,
            ud - pe == (k - 1) * (ram_mib + ROM_KB / 1024.0)
            ? "the difference is (K−1)×(RAM + ROM)"
            : "the difference is NOT (K−1)×(RAM + ROM)", ROM_KB);
    for (int r = 0; r < n_rams; r++) {
        for (int kk = 1; kk <= kmax; kk++) {
            for (int l = 0; l < N_LAYOUTS; l++) {
                for (int t = 0; t < N_TOOLS; t++) {
                    for (int i = 0; i < repeats; i++) {
                        const Result *x = &res[r][kk - 1][l][t][i];

                        if (!x->ok) {
                            continue;
                        }
                        unmaps[t] += sum_calls(&x->hot, is_unmap_slot);
                        if (t == T_PATCHED) {
                            run_unmap += x->run_unmap;
                        }
                    }
                }
            }
        }
    }
    fprintf(md, "- UNMAPs during a hot-add, summed over every layout, K, "
            "RAM size and repeat: patched %" PRId64 " (x-query-vfio on the "
            "running containers: %" PRId64 "), upstream %" PRId64 ", raw %"
            PRId64 ".\n", unmaps[T_PATCHED], run_unmap, unmaps[T_UPSTREAM],
            unmaps[T_RAW]);
    for (int l = 1; l < N_LAYOUTS; l++) {
        const Result *raw = res[ri][k - 1][l][T_RAW];

        for (int t = 0; t < T_RAW; t++) {
            const Result *rs = res[ri][k - 1][l][t];
            const Result *up = res[ri][k - 1][l][T_UPSTREAM];
            g_autofree char *vs = NULL;

            if (no_layout(t, l) || !first_ok(rs) || !first_ok(raw)) {
                continue;
            }
            vs = t == T_PATCHED && first_ok(up)
                 ? g_strdup_printf("%.2f× upstream",
                                   med(rs, f_start) / med(up, f_start))
                 : g_strdup("breakdown: \"Where the start-up time goes\"");
            fprintf(md, "- Start-up, %s, %s: %.2f× raw in wall time "
                    "(%.0f vs %.0f ms), of which %.0f ms outside VFIO "
                    "ioctls (QEMU alone, no device: %.0f ms); %.2f× raw "
                    "in time inside ioctls, %.2f× raw in ioctl count; "
                    "%s.\n", tool_name[t], layout_name[l],
                    med(rs, f_start) / med(raw, f_start), med(rs, f_start),
                    med(raw, f_start), med(rs, f_outside), base_med(ri, t),
                    med(rs, f_ioctl_ms) / med(raw, f_ioctl_ms),
                    (double)sum_calls(&first_ok(rs)->start, NULL) /
                    sum_calls(&first_ok(raw)->start, NULL), vs);
        }
    }
    if (n_scales) {
        int s = n_scales - 1;

        for (int st = 0; st < N_STOOLS; st++) {
            BenchStats a = sstats(scale_res[st][s], s_add);
            BenchStats r = sstats(scale_res[st][s], s_remove);

            if (a.n && r.n) {
                fprintf(md, "- Scale, %s, N = %d: remove / add = %.2f "
                        "(medians %.1f / %.1f ms).\n", stool_name[st],
                        scales[s], r.med / a.med, r.med, a.med);
            }
        }
    }
}

/* ---- main ---- */

static int parse_list(const char *arg, int *out, int max)
{
    g_auto(GStrv) parts = g_strsplit(arg, ",", -1);
    int n = 0;

    for (int i = 0; parts[i] && n < max; i++) {
        out[n++] = atoi(parts[i]);
    }
    return n;
}

int main(int argc, char **argv)
{
    const char *out = NULL;
    bool scale = true;
    uint64_t t0 = bench_now_us();
    int opt;

    n_rams = parse_list("256,1024", rams, MAX_RAMS);
    n_scales = parse_list("1,16,64,256", scales, MAX_SCALES);
    while ((opt = getopt(argc, argv, "o:r:m:k:s:c:S")) != -1) {
        switch (opt) {
        case 'o': out = optarg; break;
        case 'r': repeats = atoi(optarg); break;
        case 'm': n_rams = parse_list(optarg, rams, MAX_RAMS); break;
        case 'k': kmax = atoi(optarg); break;
        case 's': n_scales = parse_list(optarg, scales, MAX_SCALES); break;
        case 'c': chunk_mb = atoi(optarg); break;
        case 'S': scale = false; break;
        default:
            fprintf(stderr, "usage: %s -o FILE [-r REPEATS] [-m MIB,...] "
                    "[-k KMAX] [-s N,...] [-c CHUNK_MIB] [-S]\n", argv[0]);
            return 2;
        }
    }
    hedu_init();
    bin[T_PATCHED] = qedu_binary("patched");
    bin[T_UPSTREAM] = qedu_binary("upstream");
    shim = g_getenv("BENCH_IOCTL_COUNT");
    raw_bin = g_getenv("BENCH_VFIO_RAW");
    n_edus = bench_find_edus(bdfs);
    if (!out || !bin[T_PATCHED] || !bin[T_UPSTREAM] || !shim || !raw_bin ||
        repeats < 1 || repeats > MAX_REPEATS || kmax < 1 || kmax > MAX_K ||
        n_edus < kmax + 1 || !n_rams || (scale && !n_scales) ||
        (scale && scales[n_scales - 1] > 256)) {
        fprintf(stderr, "qemu-bench: need -o, patched= and upstream= in "
                "$VFIO_QEMU_BINARIES, $BENCH_IOCTL_COUNT, $BENCH_VFIO_RAW, "
                "1..%d repeats, K <= %d, K+1 edus (found %d), at most 256 "
                "DIMMs\n", MAX_REPEATS, MAX_K, n_edus);
        return 2;
    }
    md = fopen(out, "w");
    if (!md) {
        perror(out);
        return 1;
    }
    if (!scale) {
        n_scales = 0;
    }
    table_open();

    /* warm both binaries up (page cache, the accelerator probe) */
    for (int t = 0; t < T_RAW; t++) {
        vht_end(qedu_start_sized(bin[t], rams[0], 2, rams[0] + 1024, NULL,
                                 NULL, false));
    }
    n_base = kmax * repeats;
    for (int ri = 0; ri < n_rams; ri++) {
        for (int k = 1; k <= kmax; k++) {
            for (int rep = 0; rep < repeats; rep++) {
                for (int t = 0; t < T_RAW; t++) {
                    Result *b = &base[ri][t][(k - 1) * repeats + rep];

                    run_base(t, rams[ri], b);
                    printf("base tool=%s ram_mib=%d sample=%d "
                           "start_ms=%.1f\n", tool_name[t], rams[ri],
                           (k - 1) * repeats + rep + 1, b->start_ms);
                }
            }
            for (int l = 0; l < N_LAYOUTS; l++) {
                /* repeats outermost: noise spreads over the tools */
                for (int rep = 0; rep < repeats; rep++) {
                    for (int t = 0; t < N_TOOLS; t++) {
                        Result *r = &res[ri][k - 1][l][t][rep];

                        if (no_layout(t, l)) {
                            continue;
                        }
                        if (t == T_RAW) {
                            run_raw(l, k, rams[ri], r);
                        } else {
                            run_qemu(t, l, k, rams[ri], r);
                        }
                        print_run(tool_name[t], l, k, rams[ri], rep + 1, r);
                    }
                }
            }
        }
    }
    for (int rep = 0; rep < repeats && n_scales; rep++) {
        for (int st = 0; st < S_RAW; st++) {
            run_scale_qemu(st, rep);
        }
        run_scale_raw(rep);
    }

    fprintf(md, "%d repeats of every measurement; cells show min / median "
            "/ max, or one number where every repeat measured the same.  "
            "Driver run time %.0f s.\n", repeats,
            (bench_now_us() - t0) / 1e6);
    fprintf(md, "\n## Pinned memory\n");
    for (int ri = 0; ri < n_rams; ri++) {
        table_pinned(ri);
    }
    fprintf(md, "\n## ioctls\n");
    for (int ri = n_rams - 1; ri >= 0; ri--) {
        table_ioctls(ri);
    }
    fprintf(md, "\n## Hot-add\n");
    for (int ri = 0; ri < n_rams; ri++) {
        table_hotadd(ri);
    }
    fprintf(md, "\n## Start-up time\n");
    for (int ri = 0; ri < n_rams; ri++) {
        table_time(ri);
    }
    table_breakdown(n_rams - 1);
    if (n_scales) {
        fprintf(md, "\n## Scale\n");
        table_scale();
    }
    fprintf(md, "\n## Claims\n");
    claims();
    fclose(md);
    unlink(table_path);
    printf("qemu-bench: tables in %s after %.0f s\n", out,
           (bench_now_us() - t0) / 1e6);
    return 0;
}
