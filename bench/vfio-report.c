/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-report: markdown tables and a generated plain-language summary of
 * the VFIO strategies benchmark (see vfio-report.h).  A row whose program
 * failed shows "failed" instead of numbers; nothing is left out silently.
 */
#include "vfio-report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-util.h"

static const char *const layout_names[] = {
    "a legacy, container per device",
    "b legacy, shared container",
    "c iommufd, shared IOAS",
    "d iommufd, IOAS per device, MAP",
    "e iommufd, IOAS per device, COPY",
};

static const char *layout(char s)
{
    return s >= 'a' && s <= 'e' ? layout_names[s - 'a'] : "?";
}

GPtrArray *report_parse_lines(const char *text, const char *tag)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(
        (GDestroyNotify)g_hash_table_unref);
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);

    for (int i = 0; lines[i]; i++) {
        g_auto(GStrv) words = g_strsplit(lines[i], " ", -1);
        GHashTable *h;

        if (!words[0] || strcmp(words[0], tag)) {
            continue;
        }
        h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        for (int j = 1; words[j]; j++) {
            char *eq = strchr(words[j], '=');

            if (eq) {
                g_hash_table_insert(h, g_strndup(words[j], eq - words[j]),
                                    g_strdup(eq + 1));
            }
        }
        g_ptr_array_add(out, h);
    }
    return out;
}

/* ---- reading the samples ---- */

static const char *first(GPtrArray *runs, const char *key)
{
    return runs->len ? g_hash_table_lookup(runs->pdata[0], key) : NULL;
}

static double first_num(GPtrArray *runs, const char *key)
{
    const char *v = first(runs, key);

    return v ? g_ascii_strtod(v, NULL) : -1;
}

/* min/median/max of @key over @runs, times @scale; n = 0 if missing. */
static BenchStats stats(GPtrArray *runs, const char *key, double scale)
{
    double v[64];
    int n = 0;

    for (guint i = 0; i < runs->len && n < 64; i++) {
        const char *s = g_hash_table_lookup(runs->pdata[i], key);

        if (s) {
            v[n++] = g_ascii_strtod(s, NULL) * scale;
        }
    }
    return bench_stats(v, n);
}

static char *fmt_num(double v)
{
    return g_strdup_printf(v < 10 ? "%.2f" : v < 100 ? "%.1f" : "%.0f", v);
}

/* "min / med / max" or "failed". Free with g_free(). */
static char *fmt_stats(BenchStats s)
{
    g_autofree char *a = fmt_num(s.min), *b = fmt_num(s.med);
    g_autofree char *c = fmt_num(s.max);

    return s.n ? g_strdup_printf("%s / %s / %s", a, b, c) : g_strdup("failed");
}

/* @key of the first run in MiB (it is in kB), or "-". */
static char *fmt_mib(GPtrArray *runs, const char *key)
{
    double kb = first_num(runs, key);

    return kb < 0 ? g_strdup("-") : g_strdup_printf("%.0f", kb / 1024);
}

static char *fmt_int(GPtrArray *runs, const char *key)
{
    const char *v = first(runs, key);

    return g_strdup(v ? v : "-");
}

static char *fmt_ratio(BenchStats num, BenchStats den)
{
    if (!num.n || !den.n || den.med <= 0) {
        return g_strdup("-");
    }
    return g_strdup_printf("%.1f", num.med / den.med);
}

/* "NAME:N,..." as "NAME N, ..." without the common prefixes. */
static char *fmt_kinds(const char *kinds)
{
    GString *s = g_string_new(NULL);
    g_auto(GStrv) parts = NULL;

    if (!kinds || !strcmp(kinds, "-")) {
        return g_strdup(kinds ? "none" : "-");
    }
    parts = g_strsplit(kinds, ",", -1);
    for (int i = 0; parts[i]; i++) {
        char *colon = strrchr(parts[i], ':');
        const char *name = parts[i];

        if (!colon) {
            continue;
        }
        *colon = 0;
        name = g_str_has_prefix(name, "VFIO_") ? name + 5 : name;
        name = g_str_has_prefix(name, "IOMMU_") ? name + 6 : name;
        g_string_append_printf(s, "%s%s %s", s->len ? ", " : "", name,
                               colon + 1);
    }
    return g_string_free(s, false);
}

/* ---- the tables ---- */

static void table_setup(GPtrArray *rows)
{
    printf("### Start-up: spawn to all devices attached and RAM mapped\n\n"
           "Times in ms (min / median / max); overhead = vfio-host median / "
           "raw median; ioctls = every VFIO/iommufd ioctl issued (raw: "
           "plus its open() calls).\n\n"
           "| layout | RAM MiB | K | containers | vfio-host ms | raw ms | "
           "overhead | ioctls vfio-host | ioctls raw |\n"
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (guint i = 0; i < rows->len; i++) {
        BenchRow *r = rows->pdata[i];
        BenchStats h = stats(r->host, "setup_us", 1e-3);
        BenchStats w = stats(r->raw, "setup_us", 1e-3);
        g_autofree char *hs = fmt_stats(h), *ws = fmt_stats(w);
        g_autofree char *ratio = fmt_ratio(h, w);
        g_autofree char *nc = fmt_int(r->host, "containers");
        g_autofree char *hi = fmt_int(r->host, "ioctls");
        g_autofree char *wi = fmt_int(r->raw, "ioctls");

        printf("| %s | %u | %d | %s | %s | %s | %s | %s | %s |\n",
               layout(r->strategy), r->ram_mib, r->k, nc, hs, ws, ratio, hi,
               wi);
    }
    printf("\n");
}

static void table_memory(GPtrArray *rows)
{
    printf("### Pinned and locked memory (MiB, from /proc/PID/status)\n\n"
           "| layout | RAM MiB | K | VmPin | VmLck | raw VmPin | raw VmLck | "
           "VmPin after hot-add | VmLck after hot-add |\n"
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (guint i = 0; i < rows->len; i++) {
        BenchRow *r = rows->pdata[i];
        g_autofree char *p = fmt_mib(r->host, "vmpin_kb");
        g_autofree char *l = fmt_mib(r->host, "vmlck_kb");
        g_autofree char *rp = fmt_mib(r->raw, "vmpin_kb");
        g_autofree char *rl = fmt_mib(r->raw, "vmlck_kb");
        g_autofree char *hp = fmt_mib(r->host, "hot_vmpin_kb");
        g_autofree char *hl = fmt_mib(r->host, "hot_vmlck_kb");

        printf("| %s | %u | %d | %s | %s | %s | %s | %s | %s |\n",
               layout(r->strategy), r->ram_mib, r->k, p, l, rp, rl, hp, hl);
    }
    printf("\n");
}

static void table_hotplug(GPtrArray *rows)
{
    printf("### Hot-add of one more device (QMP device_add)\n\n"
           "Times in ms (min / median / max).  \"Running containers\": the "
           "ioctls counted, during the device_add, on the containers that "
           "existed before and on their devices, with the UNMAPs among them "
           "(an UNMAP would be a DMA gap for a running device) and by kind.\n\n"
           "| layout | RAM MiB | K → K+1 | vfio-host ms | raw ms | "
           "overhead | ioctls vfio-host | ioctls raw | running containers: "
           "ioctls (unmaps) | by kind |\n"
           "|---|---:|---|---:|---:|---:|---:|---:|---:|---|\n");
    for (guint i = 0; i < rows->len; i++) {
        BenchRow *r = rows->pdata[i];
        BenchStats h = stats(r->host, "hot_us", 1e-3);
        BenchStats w = stats(r->raw, "hot_us", 1e-3);
        g_autofree char *hs = fmt_stats(h), *ws = fmt_stats(w);
        g_autofree char *ratio = fmt_ratio(h, w);
        g_autofree char *hi = fmt_int(r->host, "hot_ioctls");
        g_autofree char *wi = fmt_int(r->raw, "hot_ioctls");
        g_autofree char *ri = fmt_int(r->host, "hot_running_ioctls");
        g_autofree char *ru = fmt_int(r->host, "hot_running_unmaps");
        g_autofree char *rk = fmt_kinds(first(r->host, "hot_running_kinds"));

        printf("| %s | %u | %d → %d | %s | %s | %s | %s | %s | %s (%s) | %s "
               "|\n", layout(r->strategy), r->ram_mib, r->k, r->k + 1, hs,
               ws, ratio, hi, wi, ri, ru, rk);
    }
    printf("\n");
}

static void table_kinds(GPtrArray *rows)
{
    unsigned ram = rows->len ? ((BenchRow *)rows->pdata[0])->ram_mib : 0;

    printf("### ioctls by kind (RAM %u MiB; the counts do not depend on the "
           "RAM size when it is one section)\n\n"
           "| layout | K | vfio-host start-up | raw start-up | vfio-host "
           "hot-add | raw hot-add |\n|---|---:|---|---|---|---|\n", ram);
    for (guint i = 0; i < rows->len; i++) {
        BenchRow *r = rows->pdata[i];
        g_autofree char *hk = fmt_kinds(first(r->host, "kinds"));
        g_autofree char *wk = fmt_kinds(first(r->raw, "kinds"));
        g_autofree char *hh = fmt_kinds(first(r->host, "hot_kinds"));
        g_autofree char *wh = fmt_kinds(first(r->raw, "hot_kinds"));

        if (r->ram_mib == ram) {
            printf("| %s | %d | %s | %s | %s | %s |\n", layout(r->strategy),
                   r->k, hk, wk, hh, wh);
        }
    }
    printf("\n");
}

static BenchRow *find_row(GPtrArray *rows, char s, int k, unsigned ram)
{
    for (guint i = 0; i < rows->len; i++) {
        BenchRow *r = rows->pdata[i];

        if (r->strategy == s && r->k == k && r->ram_mib == ram) {
            return r;
        }
    }
    return NULL;
}

/* start-up ms of @r's vfio-host (@host) or raw runs; "not run" if no @r */
static char *row_stats(BenchRow *r, bool host)
{
    if (!r) {
        return g_strdup("not run");
    }
    return fmt_stats(stats(host ? r->host : r->raw, "setup_us", 1e-3));
}

static void table_peer(GPtrArray *rows, GPtrArray *anon, GPtrArray *peers)
{
    if (!peers->len) {
        return;
    }
    printf("### Peer: QEMU 7.2 (Debian) vs vfio-host, one device, legacy "
           "type1\n\n"
           "QEMU: `-machine q35 -accel tcg -S -nodefaults -m RAM -device "
           "vfio-pci,host=BDF -qmp ...`, timed from spawn to its first "
           "query-pci answer (realize, and so the RAM mapping, happens "
           "before its main loop serves QMP).  vfio-host: layout b, K=1, "
           "with private anonymous RAM like QEMU's (`-object "
           "memory-backend-ram` + `-machine memory-backend=`) and with its "
           "default memfd RAM; raw likewise.\n\n"
           "| RAM MiB | QEMU ms | vfio-host anon ms | raw anon ms | "
           "vfio-host / QEMU | vfio-host memfd ms | raw memfd ms | QEMU RAM "
           "sections mapped | VmLck QEMU / vfio-host |\n"
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (guint i = 0; i < peers->len; i++) {
        BenchPeer *p = peers->pdata[i];
        BenchRow *a = find_row(anon, 'b', 1, p->ram_mib);
        BenchRow *m = find_row(rows, 'b', 1, p->ram_mib);
        BenchStats q = stats(p->qemu, "setup_us", 1e-3);
        g_autofree char *qs = fmt_stats(q);
        g_autofree char *ah = row_stats(a, true), *ar = row_stats(a, false);
        g_autofree char *mh = row_stats(m, true), *mr = row_stats(m, false);
        g_autofree char *ratio = a ? fmt_ratio(stats(a->host, "setup_us",
                                                     1e-3), q)
                                   : g_strdup("-");
        g_autofree char *maps = fmt_int(p->qemu, "ram_maps");
        g_autofree char *ql = fmt_mib(p->qemu, "vmlck_kb");
        g_autofree char *hl = a ? fmt_mib(a->host, "vmlck_kb")
                                : g_strdup("-");

        printf("| %u | %s | %s | %s | %s | %s | %s | %s | %s / %s |\n",
               p->ram_mib, qs, ah, ar, ratio, mh, mr, maps, ql, hl);
    }
    printf("\n");
}

/* ---- the summary ---- */

static double mib_of(BenchRow *r, const char *key)
{
    double kb = r ? first_num(r->host, key) : -1;

    return kb < 0 ? -1 : kb / 1024;
}

static int cmp_ptr_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *verdict(bool ok)
{
    return ok ? "yes" : "NO";
}

static void summary_memory(GPtrArray *rows, unsigned ram, int k)
{
    BenchRow *a = find_row(rows, 'a', k, ram), *b = find_row(rows, 'b', k, ram);
    BenchRow *c = find_row(rows, 'c', k, ram), *d = find_row(rows, 'd', k, ram);
    BenchRow *e = find_row(rows, 'e', k, ram);
    double pc = mib_of(c, "vmpin_kb"), pd = mib_of(d, "vmpin_kb");
    double pe = mib_of(e, "vmpin_kb"), la = mib_of(a, "vmlck_kb");
    double lb = mib_of(b, "vmlck_kb");

    if (pc < 0 || pd < 0 || pe < 0 || la < 0 || lb < 0) {
        printf("- Memory, %u MiB of RAM, K=%d: not compared (a layout was "
               "not run or failed).\n", ram, k);
        return;
    }
    printf("- Memory, %u MiB of RAM, K=%d: VmPin is %.0f MiB with a shared "
           "IOAS (c), %.0f MiB with COPY (e) and %.0f MiB with MAP per IOAS "
           "(d); legacy type1 charges VmLck instead: %.0f MiB with a "
           "container per device (a), %.0f MiB shared (b).  (e) pins the "
           "same as (c): %s; below (d): %s; below (a): %s.\n", ram, k, pc,
           pe, pd, la, lb, verdict(pe == pc),
           verdict(pe < pd), verdict(pe < la));
}

static void summary_kind_list(GHashTable *kinds)
{
    g_autofree gpointer *keys = g_hash_table_get_keys_as_array(kinds, NULL);
    guint n = g_hash_table_size(kinds);

    qsort(keys, n, sizeof(*keys), cmp_ptr_str);
    for (guint i = 0; i < n; i++) {
        printf("%s \"%s\"", i ? "," : "", (char *)keys[i]);
    }
}

static void summary_hotplug(GPtrArray *rows, const char *lead)
{
    gint64 worst = 0, unmaps = 0;
    int measured = 0, unmapped = 0;
    g_autoptr(GHashTable) kinds = g_hash_table_new_full(g_str_hash,
                                                        g_str_equal, g_free,
                                                        NULL);

    for (guint i = 0; i < rows->len; i++) {
        BenchRow *r = rows->pdata[i];
        double all = first_num(r->host, "hot_running_ioctls");
        const char *k = first(r->host, "hot_running_kinds");

        if (all < 0) {
            continue;
        }
        measured++;
        worst = MAX(worst, (gint64)all);
        unmaps += (gint64)first_num(r->host, "hot_running_unmaps");
        unmapped += first_num(r->host, "hot_running_mapped") != 1;
        g_hash_table_add(kinds, fmt_kinds(k));
    }
    printf("%sin %d measured hot-adds, the containers already "
           "running saw at most %" G_GINT64_FORMAT " ioctl(s) each time and "
           "%" G_GINT64_FORMAT " UNMAP(s) in all; %d time(s) a running "
           "container did not map all of RAM afterwards.  What they saw, by "
           "kind:", lead, measured, worst, unmaps, unmapped);
    summary_kind_list(kinds);
    printf(".\n");
}

static void summary_overhead(GPtrArray *rows, const char *key,
                             const char *what)
{
    double lo = 1e9, hi = 0;
    int n = 0;

    for (guint i = 0; i < rows->len; i++) {
        BenchRow *r = rows->pdata[i];
        BenchStats h = stats(r->host, key, 1), w = stats(r->raw, key, 1);

        if (h.n && w.n && w.med > 0) {
            lo = MIN(lo, h.med / w.med);
            hi = MAX(hi, h.med / w.med);
            n++;
        }
    }
    if (n) {
        printf("- Overhead of vfio-host over the raw ioctl sequence (%s, "
               "median / median): %.1f× to %.1f× over %d rows.\n", what, lo,
               hi, n);
    }
}

static void summary_peer(GPtrArray *rows, GPtrArray *anon, GPtrArray *peers)
{
    for (guint i = 0; i < peers->len; i++) {
        BenchPeer *p = peers->pdata[i];
        BenchRow *a = find_row(anon, 'b', 1, p->ram_mib);
        BenchRow *m = find_row(rows, 'b', 1, p->ram_mib);
        BenchStats q = stats(p->qemu, "setup_us", 1e-3);
        BenchStats h = a ? stats(a->host, "setup_us", 1e-3) : q;
        BenchStats hm = m ? stats(m->host, "setup_us", 1e-3) : q;

        if (!q.n || !a || !h.n || !m || !hm.n) {
            printf("- Peer, %u MiB: not compared (QEMU or vfio-host layout "
                   "b K=1 has no result).\n", p->ram_mib);
            continue;
        }
        printf("- Peer, %u MiB: QEMU 7.2 takes %.0f ms (median) to realize "
               "one device and map its RAM; vfio-host %.0f ms on the same "
               "kind of RAM (anonymous), %.2f× QEMU's time, and %.0f ms on "
               "its default memfd RAM.\n", p->ram_mib, q.med, h.med,
               h.med / q.med, hm.med);
    }
}

/* Median ms of @key for layout @s, or -1. */
static double med_ms(GPtrArray *rows, char s, int k, unsigned ram,
                     const char *key)
{
    BenchRow *r = find_row(rows, s, k, ram);
    BenchStats st = r ? stats(r->host, key, 1e-3) : (BenchStats){ 0 };

    return st.n ? st.med : -1;
}

static void summary_hot_times(GPtrArray *rows, unsigned ram, int k)
{
    double a = med_ms(rows, 'a', k, ram, "hot_us");
    double b = med_ms(rows, 'b', k, ram, "hot_us");
    double c = med_ms(rows, 'c', k, ram, "hot_us");
    double d = med_ms(rows, 'd', k, ram, "hot_us");
    double e = med_ms(rows, 'e', k, ram, "hot_us");

    if (a < 0 || b < 0 || c < 0 || d < 0 || e < 0) {
        return;
    }
    printf("- Hot-add of a device next to %d at %u MiB (median): a new "
           "IOAS filled by COPY (e) %.0f ms vs by MAP (d) %.0f ms; joining "
           "the shared IOAS (c) %.0f ms; legacy: own container (a) %.0f "
           "ms, shared container (b) %.0f ms.", k, ram, e, d, c, a, b);
    if (e < d && c < d && b < a) {
        printf("  The layouts that pin RAM again (a, d) are the slow "
               "ones; COPY and joining a container do not pin.");
    }
    printf("\n");
}

static void summary(GPtrArray *rows, GPtrArray *anon, GPtrArray *peers)
{
    int kmax = 0;
    unsigned rmax = 0;

    for (guint i = 0; i < rows->len; i++) {
        BenchRow *r = rows->pdata[i];

        kmax = MAX(kmax, r->k);
        rmax = MAX(rmax, r->ram_mib);
    }
    summary_memory(rows, rmax, kmax);
    summary_hotplug(rows, "- Hotplug: ");
    summary_hot_times(rows, rmax, kmax);
    summary_overhead(rows, "setup_us", "start-up");
    summary_overhead(rows, "hot_us", "hot-add");
    summary_peer(rows, anon, peers);
}

static void table_hotplug_no_mmap(GPtrArray *rows)
{
    if (!rows->len) {
        return;
    }
    printf("### Hot-add with x-no-mmap=on (no BAR is mapped for "
           "peer-to-peer DMA)\n\n"
           "The same hot-add with every device's BARs accessed by "
           "pread/pwrite, so the new device adds no RAM-device region to "
           "the address space: what running containers see then comes "
           "from the attach alone.\n\n"
           "| layout | RAM MiB | K → K+1 | vfio-host ms | ioctls | running "
           "containers: ioctls (unmaps) | by kind |\n"
           "|---|---:|---|---:|---:|---:|---|\n");
    for (guint i = 0; i < rows->len; i++) {
        BenchRow *r = rows->pdata[i];
        g_autofree char *hs = fmt_stats(stats(r->host, "hot_us", 1e-3));
        g_autofree char *hi = fmt_int(r->host, "hot_ioctls");
        g_autofree char *ri = fmt_int(r->host, "hot_running_ioctls");
        g_autofree char *ru = fmt_int(r->host, "hot_running_unmaps");
        g_autofree char *rk = fmt_kinds(first(r->host, "hot_running_kinds"));

        printf("| %s | %u | %d → %d | %s | %s | %s (%s) | %s |\n",
               layout(r->strategy), r->ram_mib, r->k, r->k + 1, hs, hi, ri,
               ru, rk);
    }
    printf("\n");
}

void report_print(GPtrArray *all, GPtrArray *peers)
{
    g_autoptr(GPtrArray) rows = g_ptr_array_new();
    g_autoptr(GPtrArray) no_mmap = g_ptr_array_new();
    g_autoptr(GPtrArray) anon = g_ptr_array_new();

    for (guint i = 0; i < all->len; i++) {
        BenchRow *r = all->pdata[i];

        g_ptr_array_add(r->no_mmap ? no_mmap : r->anon ? anon : rows, r);
    }
    table_setup(rows);
    table_memory(rows);
    table_hotplug(rows);
    table_hotplug_no_mmap(no_mmap);
    table_kinds(rows);
    table_peer(rows, anon, peers);
    printf("### Summary (generated from the numbers above)\n\n");
    summary(rows, anon, peers);
    if (no_mmap->len) {
        summary_hotplug(no_mmap, "- Hotplug without BAR mmap "
                        "(x-no-mmap=on): ");
    }
    printf("\n");
}
