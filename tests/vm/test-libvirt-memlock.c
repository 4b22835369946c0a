/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-libvirt-memlock: the memory-locking limit libvirt 12.x sets on a
 * domain with a vIOMMU and N iommufd hostdevs, and what QEMU pins under it:
 * the patched build, the control (10.2.2 + patch 1) and Debian's newest
 * QEMU (11.1.3, trixie-backports) as the upstream reference, the same
 * domain XML for each (libvirt-domain.c; the trixie userland, like
 * test-libvirt).
 *
 * libvirt gives QEMU RLIMIT_MEMLOCK = N x guest RAM + 1 GiB for N VFIO
 * hostdevs behind a vIOMMU, because upstream QEMU pins guest RAM once per
 * device there; it opens /dev/iommu itself and sets process-based
 * accounting on it, and QEMU runs as libvirt-qemu without CAP_IPC_LOCK, so
 * every pin counts in VmLck against that limit.
 *
 * For each vIOMMU (<iommu model='intel'> with caching mode, 39 address
 * bits; <iommu model='virtio'>) and N, each binary:
 *  - libvirt's default: the limit (exact), VmPin and VmLck (exact: guest
 *    RAM + BIOS once for the patched build, N times for the others), the
 *    patched build's containers (x-query-vfio), and each device's DMA in
 *    the vIOMMU's boot bypass (SeaBIOS does not enable it);
 *  - <memtune><hard_limit> = guest RAM + 64 MiB, which libvirt 12 makes
 *    the memlock limit: the patched build starts, pins RAM once and every
 *    device DMAs; the control and 11.1.3 fail to start (the second
 *    device's IOMMU_IOAS_MAP gets ENOMEM).
 *
 * Usage: test-libvirt-memlock [--all] [--table=FILE]
 *   default: intel with 2 devices, virtio with 4 (CI); --all: both
 *   vIOMMUs with 2 and 4; --table: the memlock table as markdown
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edu.h"
#include "harness.h"
#include "libvirt-domain.h"

#define LEN 4000
#define HARD_LIMIT_KB ((long)(LV_RAM_MB + 64) * 1024)
#define NBIN 3

static char bdfs[HEDU_MAX][32];
static const char *bins[NBIN];
static const char *const labels[NBIN] = { "patched", "control", "11.1.3" };

typedef struct Row {
    const char *iommu;
    int n;
    long long limit;            /* libvirt's default, bytes */
    long pin[NBIN];             /* -1: did not start */
    long hard_pin[NBIN];        /* under hard_limit; -1: did not start */
    long long hard_limit;       /* RLIMIT_MEMLOCK under hard_limit */
} Row;

static GArray *rows;

static long long default_limit(int n)
{
    return ((long long)n * LV_RAM_MB + 1024) << 20;
}

static LvSpec spec(const char *name, const char *bin, const char *iommu,
                   int n, long hard_limit_kb)
{
    LvSpec s = { .name = name, .emulator = bin, .iommu = iommu,
                 .iommufd = "enabled='yes'", .hard_limit_kb = hard_limit_kb,
                 .ports = n, .n = n };

    for (int i = 0; i < n; i++) {
        s.hd[i] = (LvHostdev){ bdfs[i], i + 1, NULL };
    }
    return s;
}

static void dma_all(LvDomain *d, const char *tag, int n)
{
    for (int i = 0; i < n; i++) {
        uint64_t bar = lv_enable_edu(d, i + 1);

        CHECK(bar && hedu_round_trip(d->p, bar, QEDU_SRC_GPA, QEDU_DST_GPA,
                                     LEN, 70 + i),
              "%s: hostdev%d DMAs RAM -> edu -> RAM byte-exact (vIOMMU "
              "bypass)", tag, i);
    }
}

/* The patched build: N device containers, each alone, + the ram source */
static void check_layout(LvDomain *d, const char *tag, int n)
{
    g_autoptr(JsonNode) q = qedu_query(d->p);
    int alone = 0;

    for (int i = 0; i < n; i++) {
        g_autofree char *id = g_strdup_printf("hostdev%d", i);
        JsonObject *c = qedu_container_of(q, id);
        JsonArray *devs = c ? json_object_get_array_member(c, "devices")
                            : NULL;

        alone += devs && json_array_get_length(devs) == 1;
    }
    CHECK(qedu_container_count(q) == n + 1 && alone == n,
          "%s: x-query-vfio: %d containers, each hostdev alone in one "
          "(%d of %d), + the ram source", tag, qedu_container_count(q),
          alone, n);
}

static long run_default(const char *iommu, int n, int b, Row *row)
{
    g_autofree char *name = g_strdup_printf("ml-%s%d-%s", iommu, n,
                                            b ? (b == 1 ? "control"
                                                        : "upstream")
                                              : "patched");
    g_autofree char *tag = g_strdup_printf("%s, %d x %s, %s", labels[b], n,
                                           iommu, "libvirt's limit");
    LvSpec s = spec(name, bins[b], iommu, n, 0);
    g_autofree char *why = NULL;
    LvDomain *d = lv_start(&s, &why);
    long want = (b ? n : 1) * LV_PINNED_KB, pin, lck;

    if (!CHECK(d && d->p, "%s: virsh start", tag)) {
        tap_note("%s", why ? why : "");
        lv_destroy(d);
        return -1;
    }
    row->limit = lv_memlock(d->pid);
    CHECK_EQ(row->limit, default_limit(n), "%s: RLIMIT_MEMLOCK %lld = %d x "
             "RAM + 1 GiB", tag, row->limit, n);
    CHECK(lv_wait_firmware(d), "%s: SeaBIOS ran to the end", tag);
    pin = qedu_vmpin(d->p);
    lck = qedu_status_kb(d->pid, "VmLck");
    CHECK_EQ(pin, want, "%s: VmPin %ld kB (%s)", tag, pin,
             b ? "guest RAM + BIOS once per device" : "guest RAM + BIOS once");
    CHECK_EQ(lck, pin, "%s: VmLck %ld kB = VmPin: every pin counts against "
             "the limit", tag, lck);
    if (b == 0) {
        check_layout(d, tag, n);
    }
    dma_all(d, tag, n);
    CHECK(lv_destroy(d), "%s: destroyed", tag);
    return pin;
}

static long run_hard_limit(const char *iommu, int n, int b, Row *row)
{
    g_autofree char *name = g_strdup_printf("mlh-%s%d-%d", iommu, n, b);
    g_autofree char *tag = g_strdup_printf("%s, %d x %s, hard_limit %ld KiB",
                                           labels[b], n, iommu,
                                           HARD_LIMIT_KB);
    g_autofree char *key = g_strdup_printf("\"id\":\"hostdev1\"");
    LvSpec s = spec(name, bins[b], iommu, n, HARD_LIMIT_KB);
    g_autofree char *why = NULL;
    LvDomain *d = lv_start(&s, &why);
    long pin = -1;

    if (b == 0) {
        if (!CHECK(d && d->p, "%s: virsh start", tag)) {
            tap_note("%s", why ? why : "");
            lv_destroy(d);
            return -1;
        }
        row->hard_limit = lv_memlock(d->pid);
        CHECK_EQ(row->hard_limit, (long long)HARD_LIMIT_KB << 10,
                 "%s: RLIMIT_MEMLOCK %lld = the hard limit", tag,
                 row->hard_limit);
        CHECK(lv_wait_firmware(d), "%s: SeaBIOS ran to the end", tag);
        pin = qedu_vmpin(d->p);
        CHECK(pin == LV_PINNED_KB &&
              qedu_status_kb(d->pid, "VmLck") == LV_PINNED_KB,
              "%s: VmPin = VmLck = %ld kB, under the limit", tag, pin);
        dma_all(d, tag, n);
        CHECK(lv_destroy(d), "%s: destroyed", tag);
        return pin;
    }
    if (d) {
        pin = qedu_vmpin(d->p);
        CHECK(false, "%s: virsh start fails (it started: VmPin %ld kB)", tag,
              pin);
        lv_destroy(d);
        return pin;
    }
    {
        g_auto(GStrv) lines = g_strsplit(why ? why : "", "\n", -1);
        bool enomem = false;

        for (int i = 0; lines[i]; i++) {
            if (strstr(lines[i], "memory listener initialization failed")) {
                tap_note("%s: %s", tag, lines[i]);
                enomem |= strstr(lines[i], key) &&
                          strstr(lines[i], "(Cannot allocate memory)");
            }
        }
        CHECK(enomem, "%s: virsh start fails: hostdev1's memory listener "
              "cannot map guest RAM, ENOMEM", tag);
    }
    return -1;
}

static void layout(const char *iommu, int n)
{
    Row row = { .iommu = iommu, .n = n };

    for (int b = 0; b < NBIN; b++) {
        row.pin[b] = row.hard_pin[b] = -1;
        if (!bins[b]) {
            continue;
        }
        row.pin[b] = run_default(iommu, n, b, &row);
        row.hard_pin[b] = run_hard_limit(iommu, n, b, &row);
    }
    g_array_append_val(rows, row);
}

static char *kb(long v)
{
    return v < 0 ? g_strdup("does not start") : g_strdup_printf("%ld", v);
}

static void table(const char *path)
{
    GString *t = g_string_new(NULL);

    g_string_append_printf(t,
        "\n## libvirt 12.9.0: RLIMIT_MEMLOCK and pinned memory, N iommufd "
        "hostdevs behind a vIOMMU\n\n"
        "128 MiB guest (SeaBIOS, TCG), `<iommufd enabled='yes'/>`, each "
        "hostdev in a root port of its own; QEMU runs as libvirt-qemu "
        "without CAP_IPC_LOCK and libvirt sets process-based accounting on "
        "the iommufd it passes, so VmLck = VmPin (checked).  VmPin in kB, "
        "compared exactly by `tests/vm/test-libvirt-memlock`.\n\n"
        "| vIOMMU | N | libvirt's RLIMIT_MEMLOCK | patched VmPin | control "
        "VmPin | 11.1.3 VmPin | hard_limit %ld KiB: patched | control | "
        "11.1.3 |\n|---|---|---|---|---|---|---|---|---|\n", HARD_LIMIT_KB);
    for (guint i = 0; i < rows->len; i++) {
        Row *r = &g_array_index(rows, Row, i);
        g_autofree char *p0 = kb(r->pin[0]), *p1 = kb(r->pin[1]);
        g_autofree char *p2 = kb(r->pin[2]), *h0 = kb(r->hard_pin[0]);
        g_autofree char *h1 = kb(r->hard_pin[1]), *h2 = kb(r->hard_pin[2]);

        g_string_append_printf(t, "| %s | %d | %lld (%lld MiB) | %s | %s | "
                               "%s | %s | %s | %s |\n", r->iommu, r->n,
                               r->limit, r->limit >> 20, p0, p1, p2, h0, h1,
                               h2);
    }
    {
        g_auto(GStrv) lines = g_strsplit(t->str, "\n", -1);

        for (int i = 0; lines[i]; i++) {
            if (*lines[i]) {
                tap_note("%s", lines[i]);
            }
        }
    }
    if (path) {
        g_file_set_contents(path, t->str, -1, NULL);
    }
    g_string_free(t, true);
}

int main(int argc, char **argv)
{
    gint64 t0 = g_get_monotonic_time();
    const char *path = NULL;
    bool all = false;

    if (!g_getenv("VFIO_TRIXIE_MOUNT")) {
        lv_enter_trixie_root(argv, true);
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--all")) {
            all = true;
        } else if (g_str_has_prefix(argv[i], "--table=")) {
            path = argv[i] + 8;
        }
    }
    hedu_init();
    rows = g_array_new(false, true, sizeof(Row));
    bins[0] = qedu_binary("patched");
    bins[1] = qedu_binary("control");
    bins[2] = lv_upstream();
    if (!CHECK(bins[0] && bins[1] && bins[2], "the patched, control and "
               "Debian's newest binaries") ||
        hedu_find(bdfs, 4) < 4 || !CHECK(lv_init(), "a scratch directory")) {
        return tap_done();
    }
    layout("intel", 2);
    if (all) {
        layout("intel", 4);
        layout("virtio", 2);
    }
    layout("virtio", 4);
    table(path);
    tap_note("test-libvirt-memlock took %.1f s",
             (g_get_monotonic_time() - t0) / 1e6);
    return tap_done();
}
