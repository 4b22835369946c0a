/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * viommu-bench: devices behind a vIOMMU (virtio-iommu), the patched QEMU
 * against the control (10.2.2 + patch 1), in one boot of the rig
 * (scripts/viommu.sh bench, `make bench-viommu`; docs/viommu.md).  Tables,
 * never timed assertions:
 *
 *  1. pinned memory with N = 1..8 edus behind the vIOMMU in boot bypass
 *     (guest RAM -m MiB): VmPin, the map-path ioctls at start-up, the
 *     start-up time;
 *  2. one guest vIOMMU MAP of 4 KiB and of 2 MiB (then its UNMAP), with
 *     1 and 2 devices in the domain, -k times: the time of the request's
 *     round trip (the driver's MAP request until the device returns it,
 *     over qtest) and the time inside the ioctl each notification makes
 *     (IOMMU_IOAS_COPY patched, IOMMU_IOAS_MAP control);
 *  3. filling a new device's address space of -f MiB of guest RAM: a
 *     device hot-added behind the vIOMMU in bypass, first (nothing of the
 *     object pinned yet) and second (the first one's domain holds the
 *     pages): the device_add's time and the time inside its map-path
 *     ioctls (COPY vs MAP);
 *  4. the ram source alone: one IOAS, its IOMMU_IOAS_MAPs (count, time),
 *     and VmPin with it as the only mapping of guest RAM (the device
 *     attached to an empty domain).
 *
 * bench/ioctl-count.so is preloaded into both QEMUs alike and counts
 * their VFIO/iommufd ioctls with the time spent in the kernel.  Guest RAM
 * is preallocated (prealloc=on), as a running guest's is populated.
 *
 * Environment (scripts/viommu.sh sets it through RIG_ENV):
 *   VFIO_QEMU_BINARIES  patched=PATH,control=PATH
 *   BENCH_IOCTL_COUNT   bench/ioctl-count.so
 *
 * Usage: viommu-bench -o FILE [-r REPEATS] [-n NMAX] [-m RAM_MIB]
 *                     [-f FILL_MIB] [-k MAPS] [-s SECTIONS]
 *   -s: which sections to run, e.g. "124" (default all: "1234")
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>

#include "bench-util.h"
#include "harness.h"
#include "ioctl-count.h"
#include "qemu-edu.h"
#include "qviommu.h"

#define MIB (1ULL << 20)
#define MAX_N 8
#define MAX_REPEATS 9
#define MAX_MAPS 2000
#define VIOMMU_SLOT 0x1d            /* after 8 edus in slots 4..11 */
#define VIOMMU_BAR 0xc8000000ULL
#define RING_GPA 0x3000000ULL
#define BUF_GPA 0x3100000ULL
#define MAP_GPA 0x4000000ULL        /* 2 MiB aligned */
#define MAP_IOVA 0x10000000ULL
#define ROOT_PORT_SLOT 0x10

enum { T_PATCHED, T_CONTROL, N_TOOLS };
static const char *const tool_name[N_TOOLS] = { "patched", "control" };
static const char *bin[N_TOOLS];
static char bdfs[BENCH_MAX_EDUS][32];
static int n_edus;
static const char *shim;

/* ---- ioctl counts (bench/ioctl-count.so) ---- */

typedef struct Counts {
    uint64_t calls[IOCTL_COUNT_SLOTS];
    uint64_t ns[IOCTL_COUNT_SLOTS];
} Counts;

static IoctlTable *table;
static char table_path[64];

static void table_open(void)
{
    snprintf(table_path, sizeof(table_path), "/tmp/viommu-bench-%d", (int)getpid());
    table = bench_shared_file(table_path, sizeof(IoctlTable));
}

static Counts snap(void)
{
    Counts c;

    for (int i = 0; i < IOCTL_COUNT_SLOTS; i++) {
        c.calls[i] = __atomic_load_n(&table->slot[i].calls, __ATOMIC_RELAXED);
        c.ns[i] = __atomic_load_n(&table->slot[i].ns, __ATOMIC_RELAXED);
    }
    return c;
}

static Counts diff(Counts a, Counts b)
{
    for (int i = 0; i < IOCTL_COUNT_SLOTS; i++) {
        b.calls[i] -= a.calls[i];
        b.ns[i] -= a.ns[i];
    }
    return b;
}

#define MAP IOMMUFD_CMD_IOAS_MAP
#define COPY IOMMUFD_CMD_IOAS_COPY
#define UNMAP IOMMUFD_CMD_IOAS_UNMAP

/*
 * QEMU @tool with @ram_mb of guest RAM, preallocated: as in a running
 * guest, its pages exist before a device pins them (under qtest nothing
 * touches guest RAM, and the first pin would also fault every page in)
 */
static VhtProc *start(int tool, unsigned ram_mb, const char *args)
{
    g_autofree char *all = g_strdup_printf(
        "-object memory-backend-ram,id=bench-ram,size=%uM,prealloc=on "
        "-machine memory-backend=bench-ram %s", ram_mb, args);
    VhtProc *p;

    memset(table, 0, sizeof(*table));
    g_setenv("LD_PRELOAD", shim, true);
    g_setenv("BENCH_IOCTL_FILE", table_path, true);
    p = qedu_start_sized(bin[tool], ram_mb, 2, ram_mb + 1024, all, NULL,
                         false);
    g_unsetenv("LD_PRELOAD");
    g_unsetenv("BENCH_IOCTL_FILE");
    return p;
}

/* -device arguments: virtio-iommu, iommufd if0, @n edus behind it */
static char *devices(int n, bool root_port)
{
    GString *s = g_string_new(NULL);

    g_string_append_printf(s, "-device virtio-iommu-pci,bus=pcie.0,addr=0x%x "
                           "-object iommufd,id=if0", VIOMMU_SLOT);
    for (int i = 0; root_port && i < 2; i++) {
        g_string_append_printf(s, " -device pcie-root-port,id=rp%d,"
                               "chassis=%d,bus=pcie.0,addr=0x%x", i, i + 1,
                               ROOT_PORT_SLOT + i);
    }
    for (int i = 0; i < n; i++) {
        g_string_append_printf(s, " -device vfio-pci,host=%s,id=e%d,"
                               "iommufd=if0,bus=pcie.0,addr=0x%x", bdfs[i],
                               i, QEDU_FIRST_SLOT + i);
    }
    return g_string_free(s, false);
}

static double med(double *v, int n)
{
    return n ? bench_stats(v, n).med : 0;
}

static char *mms(double *v, int n)
{
    BenchStats s = bench_stats(v, n);

    return g_strdup_printf("%.0f / %.0f / %.0f", s.min, s.med, s.max);
}

/* ---- 1: pinned memory, N = 1..nmax in bypass ---- */

typedef struct PinRow {
    long pin[N_TOOLS];
    double start_ms[N_TOOLS][MAX_REPEATS];
    uint64_t maps[N_TOOLS], copies[N_TOOLS];
    double map_ms[N_TOOLS], copy_ms[N_TOOLS];
    bool steady[N_TOOLS];           /* VmPin the same in every repeat */
} PinRow;

static void pinned(GString *out, int nmax, unsigned ram_mb, int repeats)
{
    PinRow rows[MAX_N + 1] = { 0 };

    for (int r = 0; r < repeats; r++) {
        for (int n = 1; n <= nmax; n++) {
            for (int t = 0; t < N_TOOLS; t++) {
                g_autofree char *args = devices(n, false);
                PinRow *row = &rows[n];
                uint64_t t0 = bench_now_us();
                VhtProc *p = start(t, ram_mb, args);
                double ms = (bench_now_us() - t0) / 1e3;
                Counts c = snap();
                long pin = qedu_vmpin(p);

                row->start_ms[t][r] = ms;
                if (!r) {
                    row->pin[t] = pin;
                    row->steady[t] = true;
                    row->maps[t] = c.calls[MAP];
                    row->copies[t] = c.calls[COPY];
                    row->map_ms[t] = c.ns[MAP] / 1e6;
                    row->copy_ms[t] = c.ns[COPY] / 1e6;
                }
                row->steady[t] &= pin == row->pin[t];
                printf("pin n=%d tool=%s repeat=%d vmpin_kb=%ld start_ms=%.1f "
                       "map=%" PRIu64 " map_ms=%.2f copy=%" PRIu64
                       " copy_ms=%.2f\n", n, tool_name[t], r, pin, ms,
                       c.calls[MAP], c.ns[MAP] / 1e6, c.calls[COPY],
                       c.ns[COPY] / 1e6);
                fflush(stdout);
                vht_end(p);
            }
        }
    }
    g_string_append_printf(out, "\n## 1. Pinned memory, N devices behind "
        "virtio-iommu in boot bypass, %u MiB of guest RAM\n\n"
        "VmPin after start-up (identical in every repeat unless marked); "
        "the map-path ioctls of the start-up (count, ms inside them, first "
        "repeat); start-up time min / median / max over %d repeats "
        "(from the spawn to QMP ready: every device realized and filled).\n\n"
        "| N | patched VmPin MiB | control VmPin MiB | control / patched | "
        "patched IOAS_MAP | patched IOAS_COPY | control IOAS_MAP | "
        "patched start ms | control start ms |\n"
        "|---|---|---|---|---|---|---|---|---|\n", ram_mb, repeats);
    for (int n = 1; n <= nmax; n++) {
        PinRow *row = &rows[n];
        g_autofree char *sp = mms(row->start_ms[T_PATCHED], repeats);
        g_autofree char *sc = mms(row->start_ms[T_CONTROL], repeats);

        g_string_append_printf(out, "| %d | %.2f%s | %.2f%s | %.2f | "
            "%" PRIu64 " (%.1f ms) | %" PRIu64 " (%.1f ms) | %" PRIu64
            " (%.1f ms) | %s | %s |\n", n, row->pin[T_PATCHED] / 1024.0,
            row->steady[T_PATCHED] ? "" : " (varies)",
            row->pin[T_CONTROL] / 1024.0,
            row->steady[T_CONTROL] ? "" : " (varies)",
            (double)row->pin[T_CONTROL] / row->pin[T_PATCHED],
            row->maps[T_PATCHED], row->map_ms[T_PATCHED],
            row->copies[T_PATCHED], row->copy_ms[T_PATCHED],
            row->maps[T_CONTROL], row->map_ms[T_CONTROL], sp, sc);
        CHECK(row->pin[T_PATCHED] == rows[1].pin[T_PATCHED] &&
              row->pin[T_CONTROL] == n * rows[1].pin[T_CONTROL],
              "pinned, N = %d: patched %ld kB (as N = 1), control %ld kB "
              "(N x %ld)", n, row->pin[T_PATCHED], row->pin[T_CONTROL],
              rows[1].pin[T_CONTROL]);
    }
}

/* ---- 2: one guest MAP ---- */

typedef struct MapRow {
    double map_us[MAX_MAPS], unmap_us[MAX_MAPS];
    uint64_t calls, unmaps;
    double ioctl_us, unmap_ioctl_us;    /* per call */
    int slot;                           /* MAP or COPY */
    long pin;                           /* while one mapping is live */
} MapRow;

static void map_latency(GString *out, int iters)
{
    static const uint64_t sizes[] = { 4096, 2 * MIB };
    static MapRow rows[2][2][N_TOOLS];      /* [size][devices-1][tool] */

    for (int d = 1; d <= 2; d++) {
        for (int t = 0; t < N_TOOLS; t++) {
            g_autofree char *args = devices(d, false);
            VhtProc *p = start(t, 256, args);
            QViommu v;
            bool ok = qviommu_virtio(&v, p, VIOMMU_SLOT, VIOMMU_BAR, RING_GPA,
                                     BUF_GPA);

            for (int i = 0; ok && i < d; i++) {
                qedu_enable(p, 0, QEDU_FIRST_SLOT + i, qedu_bar(i));
                ok = qviommu_attach(&v, 1, qviommu_endpoint(
                                           0, QEDU_FIRST_SLOT + i));
            }
            if (!CHECK(ok, "map latency, %s, %d device(s): driver up, "
                       "attached", tool_name[t], d)) {
                vht_end(p);
                continue;
            }
            for (int s = 0; s < 2; s++) {
                MapRow *row = &rows[s][d - 1][t];
                Counts c0 = snap(), c1, c2;
                double unmap_ns = 0;

                row->slot = t == T_PATCHED ? COPY : MAP;
                for (int k = 0; k < iters; k++) {
                    uint64_t t0 = bench_now_us(), t1, t2;

                    ok &= qviommu_map(&v, 1, MAP_IOVA, MAP_GPA, sizes[s],
                                      true);
                    t1 = bench_now_us();
                    if (!k) {
                        row->pin = qedu_vmpin(p);
                    }
                    c1 = snap();
                    ok &= qviommu_unmap(&v, 1, MAP_IOVA, sizes[s]);
                    t2 = bench_now_us();
                    c2 = snap();
                    unmap_ns += c2.ns[UNMAP] - c1.ns[UNMAP];
                    row->map_us[k] = t1 - t0;
                    row->unmap_us[k] = t2 - t1;
                }
                c1 = diff(c0, snap());
                row->calls = c1.calls[row->slot];
                row->unmaps = c1.calls[UNMAP];
                row->ioctl_us = row->calls ?
                                c1.ns[row->slot] / 1e3 / row->calls : 0;
                row->unmap_ioctl_us = row->unmaps ?
                                      unmap_ns / 1e3 / row->unmaps : 0;
                CHECK(ok && row->calls == (uint64_t)iters * d &&
                      c1.calls[t == T_PATCHED ? MAP : COPY] == 0,
                      "map latency, %s, %d device(s), %" PRIu64 " B: %d MAP "
                      "+ UNMAP requests, %" PRIu64 " %s (one per device "
                      "and request)", tool_name[t], d, sizes[s], iters,
                      row->calls, t == T_PATCHED ? "IOAS_COPY" : "IOAS_MAP");
                printf("map size=%" PRIu64 " devices=%d tool=%s iters=%d "
                       "req_med_us=%.0f ioctl_us=%.1f unmap_req_med_us=%.0f "
                       "unmap_ioctl_us=%.1f vmpin_kb=%ld\n", sizes[s], d,
                       tool_name[t], iters, med(row->map_us, iters),
                       row->ioctl_us, med(row->unmap_us, iters),
                       row->unmap_ioctl_us, row->pin);
                fflush(stdout);
            }
            vht_end(p);
        }
    }
    g_string_append_printf(out, "\n## 2. One guest vIOMMU MAP (virtio-iommu), "
        "patched (IOMMU_IOAS_COPY from the ram source) vs control "
        "(IOMMU_IOAS_MAP)\n\n"
        "%d MAP requests then UNMAP of the same range, one domain with 1 or 2 "
        "devices, 256 MiB guest.  *request*: the driver's MAP request from "
        "submission to its return on the used ring, median, µs (over qtest: "
        "includes the test's own round trips, the same for both builds); "
        "*ioctl*: mean time inside each IOAS_COPY / IOAS_MAP (one per "
        "device and request), µs; the same for the UNMAP.\n\n"
        "| size | devices | patched request µs | control request µs | "
        "patched IOAS_COPY µs | control IOAS_MAP µs | patched UNMAP µs | "
        "control UNMAP µs | VmPin patched / control kB |\n"
        "|---|---|---|---|---|---|---|---|---|\n", iters);
    for (int s = 0; s < 2; s++) {
        for (int d = 0; d < 2; d++) {
            MapRow *pa = &rows[s][d][T_PATCHED], *co = &rows[s][d][T_CONTROL];

            g_string_append_printf(out, "| %s | %d | %.0f | %.0f | %.1f | "
                "%.1f | %.1f | %.1f | %ld / %ld |\n",
                s ? "2 MiB" : "4 KiB", d + 1, med(pa->map_us, iters),
                med(co->map_us, iters), pa->ioctl_us, co->ioctl_us,
                pa->unmap_ioctl_us, co->unmap_ioctl_us, pa->pin, co->pin);
        }
    }
}

/* ---- 3: filling a new device's address space ---- */

typedef struct FillRow {
    double add_ms[MAX_REPEATS];
    double ioctl_ms[MAX_REPEATS];
    uint64_t maps, copies;
    uint64_t map_mb, copy_mb;
    long pin_growth;
} FillRow;

static void fill(GString *out, unsigned fill_mb, int repeats)
{
    /* [first/second][tool] */
    static FillRow rows[2][N_TOOLS];

    for (int r = 0; r < repeats; r++) {
        for (int t = 0; t < N_TOOLS; t++) {
            g_autofree char *args = devices(0, true);
            VhtProc *p = start(t, fill_mb, args);

            qedu_root_port(p, ROOT_PORT_SLOT, 1, QEDU_HOTPLUG_BAR);
            qedu_root_port(p, ROOT_PORT_SLOT + 1, 2, QEDU_HOTPLUG_BAR + MIB);
            for (int which = 0; which < 2; which++) {
                FillRow *row = &rows[which][t];
                g_autofree char *err = NULL;
                g_autoptr(JsonNode) ok = NULL;
                long pin0 = qedu_vmpin(p);
                Counts c0 = snap(), c;
                uint64_t t0 = bench_now_us();

                ok = hedu_qmp(p, &err, "{'execute': 'device_add', "
                              "'arguments': {'driver': 'vfio-pci', "
                              "'host': '%s', 'id': 'h%d', 'bus': 'rp%d', "
                              "'iommufd': 'if0'}}", bdfs[which], which,
                              which);
                row->add_ms[r] = (bench_now_us() - t0) / 1e3;
                c = diff(c0, snap());
                row->ioctl_ms[r] = (c.ns[MAP] + c.ns[COPY]) / 1e6;
                if (!CHECK(ok, "fill %u MiB, %s, %s device: device_add (%s)",
                           fill_mb, tool_name[t], which ? "second" : "first",
                           err ? err : "ok")) {
                    break;
                }
                row->maps = c.calls[MAP];
                row->copies = c.calls[COPY];
                row->pin_growth = qedu_vmpin(p) - pin0;
                printf("fill mb=%u tool=%s which=%d repeat=%d add_ms=%.1f "
                       "ioctl_ms=%.1f map=%" PRIu64 " copy=%" PRIu64
                       " pin_growth_kb=%ld\n", fill_mb, tool_name[t], which,
                       r, row->add_ms[r], row->ioctl_ms[r], row->maps,
                       row->copies, row->pin_growth);
                fflush(stdout);
            }
            vht_end(p);
        }
    }
    g_string_append_printf(out, "\n## 3. Filling a new device's address "
        "space of %u MiB of guest RAM (hot-added behind virtio-iommu, "
        "bypass)\n\n"
        "*first*: no device of the iommufd object yet (patched: the ram "
        "source is made, it MAPs without pinning, the device's IOAS COPYs "
        "and pins; control: the device's IOAS MAPs and pins); *second*: the "
        "first device's domain already holds the pages (patched: COPY, the "
        "pages are not pinned again; control: MAP, pinned again).  "
        "device_add time and the time inside the IOAS_MAP + IOAS_COPY calls, "
        "ms, min / median / max over %d repeats.\n\n"
        "| device | build | device_add ms | in IOAS_MAP + IOAS_COPY ms | "
        "IOAS_MAP | IOAS_COPY | VmPin growth MiB |\n"
        "|---|---|---|---|---|---|---|\n", fill_mb, repeats);
    for (int which = 0; which < 2; which++) {
        for (int t = 0; t < N_TOOLS; t++) {
            FillRow *row = &rows[which][t];
            g_autofree char *a = mms(row->add_ms, repeats);
            g_autofree char *i = mms(row->ioctl_ms, repeats);

            g_string_append_printf(out, "| %s | %s | %s | %s | %" PRIu64
                " | %" PRIu64 " | %.2f |\n", which ? "second" : "first",
                tool_name[t], a, i, row->maps, row->copies,
                row->pin_growth / 1024.0);
        }
    }
}

/* ---- 4: the ram source alone ---- */

static void ram_source(GString *out)
{
    g_autofree char *args = devices(1, false);
    VhtProc *p = start(T_PATCHED, 256, args);
    Counts c = snap();
    long pin_bypass = qedu_vmpin(p), pin_alone;
    g_autoptr(JsonNode) q = NULL;
    JsonObject *dev, *rs = NULL;
    uint64_t rs_bytes = 0;
    QViommu v;

    qedu_enable(p, 0, QEDU_FIRST_SLOT, qedu_bar(0));
    if (!CHECK(qviommu_virtio(&v, p, VIOMMU_SLOT, VIOMMU_BAR, RING_GPA,
                              BUF_GPA) &&
               qviommu_attach(&v, 1, qviommu_endpoint(0, QEDU_FIRST_SLOT)),
               "ram source: the device attached to an empty domain")) {
        vht_end(p);
        return;
    }
    pin_alone = qedu_vmpin(p);
    q = qedu_query(p);
    dev = qedu_container_of(q, "e0");
    if (dev && json_object_has_member(dev, "guest-ram-from")) {
        rs = qedu_container_by_id(q, json_object_get_int_member(
                                         dev, "guest-ram-from"));
    }
    for (guint i = 0; rs && i < json_array_get_length(
             json_object_get_array_member(rs, "mappings")); i++) {
        rs_bytes += json_object_get_int_member(json_array_get_object_element(
            json_object_get_array_member(rs, "mappings"), i), "size");
    }
    CHECK(rs && pin_alone == 0, "ram source alone: %.2f MiB mapped, VmPin "
          "%ld kB", rs_bytes / (double)MIB, pin_alone);
    g_string_append_printf(out, "\n## 4. The ram source alone (patched, 256 "
        "MiB guest, one device behind virtio-iommu)\n\n"
        "| | |\n|---|---|\n"
        "| its IOAS | 1 (IOMMU_IOAS_ALLOC), no device, no HWPT |\n"
        "| its IOMMU_IOAS_MAP calls at start-up | %" PRId64 " (every "
        "IOAS_MAP of the start-up is the ram source's), %.2f ms inside "
        "them |\n"
        "| guest RAM it maps at the end | %.2f MiB (x-query-vfio) |\n"
        "| VmPin, the device in bypass (its IOAS copies all) | %ld kB |\n"
        "| VmPin, the device attached to an empty domain: the ram source "
        "is the only mapping of guest RAM | %ld kB |\n"
        "| the device IOAS's IOMMU_IOAS_COPY calls at start-up | %" PRIu64
        " (%.2f ms inside them: the pinning) |\n",
        (int64_t)c.calls[MAP], c.ns[MAP] / 1e6, rs_bytes / (double)MIB,
        pin_bypass, pin_alone, c.calls[COPY], c.ns[COPY] / 1e6);
    vht_end(p);
}

int main(int argc, char **argv)
{
    const char *out_path = NULL, *sections = "1234";
    int repeats = 3, nmax = MAX_N, iters = 200;
    unsigned ram_mb = 256, fill_mb = 1024;
    GString *out = g_string_new(NULL);
    uint64_t t0 = bench_now_us();
    int opt;

    while ((opt = getopt(argc, argv, "o:r:n:m:f:k:s:")) != -1) {
        switch (opt) {
        case 'o': out_path = optarg; break;
        case 'r': repeats = CLAMP(atoi(optarg), 1, MAX_REPEATS); break;
        case 'n': nmax = CLAMP(atoi(optarg), 1, MAX_N); break;
        case 'm': ram_mb = atoi(optarg); break;
        case 'f': fill_mb = atoi(optarg); break;
        case 'k': iters = CLAMP(atoi(optarg), 1, MAX_MAPS); break;
        case 's': sections = optarg; break;
        default:
            fprintf(stderr, "usage: viommu-bench -o FILE [-r N] [-n NMAX] "
                    "[-m MIB] [-f MIB] [-k MAPS] [-s 1234]\n");
            return 2;
        }
    }
    hedu_init();
    bin[T_PATCHED] = qedu_binary("patched");
    bin[T_CONTROL] = qedu_binary("control");
    shim = g_getenv("BENCH_IOCTL_COUNT");
    if (!CHECK(out_path && bin[T_PATCHED] && bin[T_CONTROL] && shim,
               "-o FILE, the patched and control binaries, "
               "$BENCH_IOCTL_COUNT")) {
        return tap_done();
    }
    n_edus = bench_find_edus(bdfs);
    nmax = MIN(nmax, n_edus);
    table_open();
    tap_note("%d edus; sections %s; %d repeats", n_edus, sections, repeats);
    if (strchr(sections, '1')) {
        pinned(out, nmax, ram_mb, repeats);
    }
    if (strchr(sections, '2') && n_edus >= 2) {
        map_latency(out, iters);
    }
    if (strchr(sections, '3') && n_edus >= 2) {
        fill(out, fill_mb, repeats);
    }
    if (strchr(sections, '4')) {
        ram_source(out);
    }
    g_string_append_printf(out, "\nviommu-bench ran %.0f s in the rig's "
                           "guest.\n", (bench_now_us() - t0) / 1e6);
    if (!g_file_set_contents(out_path, out->str, -1, NULL)) {
        tap_note("cannot write %s", out_path);
    }
    unlink(table_path);
    g_string_free(out, true);
    return tap_done();
}
