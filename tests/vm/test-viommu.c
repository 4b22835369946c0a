/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-viommu: assigned devices behind a guest-visible IOMMU, all on one
 * iommufd object, on the rig's real kernel: guest RAM pinned once per
 * iommufd object across address spaces (issue 22), the patched build
 * against the control (10.2.2 + patch 1) with the same command lines.
 *
 * The test plays the guest's vIOMMU driver (qviommu.c: virtio-iommu
 * requests, or VT-d tables and registers) and, where needed, its
 * virtio-mem driver (qvirtio.c), and makes the edus DMA (host-edu.c).
 * Behind a vIOMMU each device has an address space, a container and an
 * IOAS of its own; the patched build keeps guest RAM mapped by
 * guest-physical address in a container of the system address space (the
 * "ram source", devices [] in x-query-vfio unless a device outside the
 * vIOMMU owns it), which pins nothing by itself, and fills every device's
 * IOAS by IOMMU_IOAS_COPY from it.
 *
 *  bypass       N = 1, 2, 4 edus behind virtio-iommu in boot bypass (and
 *               N = 2 behind intel-iommu with DMA remapping off): VmPin is
 *               guest RAM + ROM once (control: once per device); each
 *               device DMAs byte-exact; x-query-vfio: the ram source is
 *               the only container that MAPs, each device's IOAS is a
 *               COPY of it (copy-source, guest-ram-from, one HWPT each).
 *  translated   4 edus each in a domain of its own, each domain mapping
 *               16 MiB of the same guest pages (one of them half other
 *               pages) at its own IOVA (virtio-iommu and intel-iommu):
 *               VmPin is the union of the mapped pages (control: the sum);
 *               DMA lands only where mapped; an unmap blocks it and unpins
 *               nothing another domain maps; one IOMMU_IOAS_COPY per
 *               notification (viommu-copy), no IOMMU_IOAS_MAP.
 *  memlock      QEMU without CAP_IPC_LOCK and RLIMIT_MEMLOCK = guest RAM
 *               + 64 MiB, 2 and 4 edus behind virtio-iommu: the patched
 *               build starts and every device DMAs (bypass, then
 *               translated); the control fails to start: which ioctl,
 *               which errno, what it prints.
 *  hotplug      an edu hot-added behind the vIOMMU (running containers
 *               +0 map/copy/unmap); a DIMM in bypass pinned once; the
 *               first device behind the vIOMMU unplugged, later guest
 *               MAPs still copy and DMA lands; the ram source owned by a
 *               device outside the vIOMMU (pxb-pcie,bypass_iommu=on),
 *               which is unplugged: its container stays as the ram
 *               source, later mappings still copy, a new device outside
 *               joins it.
 *  virtio-mem   blocks plugged under 2 edus behind virtio-iommu in bypass:
 *               pinned once.
 *
 * Guest RAM is 128 MiB (qedu_start()).  VmPin is compared exactly:
 *   control, per IOAS: QEDU_PINNED_KB = RAM + 256 KiB (the RAM below
 *     1 MiB is split by two 128 KiB read-only windows, pc.rom at 0xc0000
 *     and isa-bios at 0xe0000, the BIOS's last 128 KiB; the 256 KiB BIOS
 *     at 0xfffc0000: 128 MiB - 256 KiB + 128 + 128 + 256 KiB);
 *   patched, for any number of IOAS: 128 KiB less, because the isa-bios
 *     window is copied from the BIOS mapping whose pages it shares
 *     (COPY finds it by host address), where upstream pins it again.
 *
 * Usage: test-viommu [--only=NAME,...]   (bypass, translated, vtd,
 *                                         memlock, hotplug, virtio-mem)
 * $VIOMMU_IOCTL_LOG=FILE: log QEMU's VFIO/iommufd ioctls there (debugging)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "edu.h"
#include "harness.h"
#include "qemu-edu.h"
#include "qviommu.h"
#include "qvirtio.h"

#define LEN 4000
#define PAGE 4096ULL
#define MIB (1ULL << 20)
#define MARK 0x5a
#define TAIL 64

/* where the drivers keep their things (guest RAM is 128 MiB) */
#define VIOMMU_SLOT 8
#define VIOMMU_BAR 0xc8000000ULL
#define VMEM_SLOT 9
#define VMEM_BAR 0xca000000ULL
#define RING_GPA 0x3000000ULL
#define BUF_GPA 0x3100000ULL
#define VMEM_RING_GPA 0x3200000ULL
#define VMEM_BUF_GPA 0x3300000ULL
#define VTD_POOL 0x3400000ULL
#define VTD_POOL_SIZE (8 * MIB)
/* the guest pages translated domains map: 64..96 MiB */
#define SHARED_GPA 0x4000000ULL
#define MAP_SIZE (16 * MIB)
#define MAP_KB (long)(MAP_SIZE >> 10)
/* domain d maps at IOVA_BASE + d * IOVA_STEP */
#define IOVA_BASE 0x10000000ULL
#define IOVA_STEP (32 * MIB)

/* hot-add: root port rp0 (bus 1) behind the vIOMMU; pxb-pcie bus 0x20
 * with bypass_iommu=on and root port rpx (bus 0x21) outside it */
#define PXB_BUS 0x20
#define PXB_SLOT 0x1e
#define RPX_BUS 0x21
#define RPX_WINDOW 0xc2000000ULL

/* VmPin: see the head comment */
#define PIN_IOAS_KB QEDU_PINNED_KB
#define PIN_ONCE_KB (QEDU_PINNED_KB - 128)
/* RLIMIT_MEMLOCK of the memlock scenario: guest RAM + 64 MiB */
#define MEMLOCK_KB (QEDU_RAM_MB * 1024L + 64 * 1024L)

static char bdfs[HEDU_MAX][32];
static int nbdfs;
static const char *only;

/* one QEMU process and what the test knows of it */
typedef struct Vm {
    const char *tag;            /* "patched", "control" */
    bool patched;
    QViommuKind kind;
    VhtProc *p;
    QViommu iommu;
    int n;                      /* edus e0..e(n-1) */
    uint64_t bar[HEDU_MAX];
    uint32_t ep[HEDU_MAX];      /* their endpoint ids */
} Vm;

static bool selected(const char *name)
{
    g_auto(GStrv) names = only ? g_strsplit(only, ",", -1) : NULL;

    return !names || g_strv_contains((const char *const *)names, name);
}

static const char *iommu_name(QViommuKind k)
{
    return k == QVIOMMU_VTD ? "intel-iommu" : "virtio-iommu";
}

static const char *iommu_arg(QViommuKind k)
{
    /* the rig's own VT-d has 39 address bits: QEMU checks the host's */
    return k == QVIOMMU_VTD ?
           "-device intel-iommu,caching-mode=on,aw-bits=39" :
           "-device virtio-iommu-pci,id=viommu,bus=pcie.0,addr=0x8";
}

/*
 * The command line of @n edus e0.. behind the vIOMMU on iommufd if0 at
 * pcie.0 slots 4..; @before goes before them, @after after them.
 */
static char *command(QViommuKind k, int n, const char *before,
                     const char *after)
{
    GString *s = g_string_new(iommu_arg(k));

    g_string_append_printf(s, " -object iommufd,id=if0 %s",
                           before ? before : "");
    for (int i = 0; i < n; i++) {
        g_string_append_printf(s, " -device vfio-pci,host=%s,id=e%d,"
                               "iommufd=if0,bus=pcie.0,addr=0x%x", bdfs[i],
                               i, QEDU_FIRST_SLOT + i);
    }
    g_string_append_printf(s, " %s", after ? after : "");
    return g_string_free(s, false);
}

static bool vm_start(Vm *vm, const char *bin, const char *tag, bool patched,
                     QViommuKind k, int n, const char *before,
                     const char *after)
{
    g_autofree char *args = command(k, n, before, after);

    memset(vm, 0, sizeof(*vm));
    vm->tag = tag;
    vm->patched = patched;
    vm->kind = k;
    vm->n = n;
    if (g_getenv("VIOMMU_IOCTL_LOG")) {
        /* debugging: every VFIO/iommufd ioctl logged (fault-ioctl.so) */
        QeduStartOpts o = { .fault_requests = "", .fault_nth = "0",
                            .fault_log = g_getenv("VIOMMU_IOCTL_LOG") };

        vm->p = qedu_start_with(bin, args, &o);
    } else {
        vm->p = qedu_start(bin, args, NULL, false);
    }
    for (int i = 0; i < n; i++) {
        vm->bar[i] = qedu_enable(vm->p, 0, QEDU_FIRST_SLOT + i, qedu_bar(i));
        vm->ep[i] = qviommu_endpoint(0, QEDU_FIRST_SLOT + i);
        if (!vm->bar[i]) {
            return false;
        }
    }
    return true;
}

static bool vm_driver(Vm *vm)
{
    bool ok = vm->kind == QVIOMMU_VTD ?
              qviommu_vtd(&vm->iommu, vm->p, VTD_POOL, VTD_POOL_SIZE) :
              qviommu_virtio(&vm->iommu, vm->p, VIOMMU_SLOT, VIOMMU_BAR,
                             RING_GPA, BUF_GPA);

    return CHECK(ok && (vm->iommu.page_mask & PAGE),
                 "%s: %s: the guest's driver is up, 4 KiB pages (page "
                 "mask 0x%" PRIx64 ")", vm->tag, iommu_name(vm->kind),
                 vm->iommu.page_mask);
}

/* ---- DMA ---- */

static bool all_mark(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (b[i] != MARK) {
            return false;
        }
    }
    return true;
}

/*
 * edu @i copies a pattern from @src_iova (which reaches guest @src_gpa,
 * where the test writes it) to @dst_iova.  Return: how guest @dst_gpa
 * looks afterwards; @other (0: none) is another guest page that must not
 * change.
 */
static HeduResult dma_via(Vm *vm, int i, uint64_t src_iova, uint64_t src_gpa,
                          uint64_t dst_iova, uint64_t dst_gpa,
                          uint64_t other, unsigned seed)
{
    uint8_t pat[LEN], got[LEN + TAIL];
    HeduResult r;

    edu_pattern(pat, LEN, seed);
    vht_memwrite(vm->p, src_gpa, pat, LEN);
    vht_memset(vm->p, dst_gpa, MARK, LEN + TAIL);
    if (other) {
        vht_memset(vm->p, other, MARK, LEN + TAIL);
    }
    if (!hedu_dma(vm->p, vm->bar[i], src_iova, EDU_BUF_ADDR, LEN, false) ||
        !hedu_dma(vm->p, vm->bar[i], EDU_BUF_ADDR, dst_iova, LEN, true)) {
        return HEDU_TIMEOUT;
    }
    vht_memread(vm->p, dst_gpa, got, sizeof(got));
    if (all_mark(got, sizeof(got))) {
        r = HEDU_BLOCKED;
    } else if (!memcmp(got, pat, LEN) && all_mark(got + LEN, TAIL)) {
        r = HEDU_LANDED;
    } else {
        r = HEDU_CORRUPT;
    }
    if (other) {
        vht_memread(vm->p, other, got, sizeof(got));
        if (!all_mark(got, sizeof(got))) {
            tap_note("%s: edu%d's DMA to IOVA 0x%" PRIx64 " also changed "
                     "guest page 0x%" PRIx64, vm->tag, i, dst_iova, other);
            r = HEDU_CORRUPT;
        }
    }
    return r;
}

/* All devices DMA to guest-physical addresses (bypass); Return: all landed */
static bool dma_bypass(Vm *vm, const char *when, unsigned seed)
{
    bool all = true;

    for (int i = 0; i < vm->n; i++) {
        if (!vm->bar[i]) {
            continue;
        }
        all &= CHECK(hedu_round_trip(vm->p, vm->bar[i], QEDU_SRC_GPA,
                                     QEDU_DST_GPA, LEN, seed + i),
                     "%s: %s: e%d DMAs to guest-physical addresses, "
                     "byte-exact", vm->tag, when, i);
    }
    return all;
}

static bool dma_bypass_one(Vm *vm, int i, unsigned seed)
{
    return hedu_round_trip(vm->p, vm->bar[i], QEDU_SRC_GPA, QEDU_DST_GPA, LEN,
                           seed);
}

/* ---- x-query-vfio ---- */

static int64_t member_int(JsonObject *o, const char *name)
{
    return o ? json_object_get_int_member_with_default(o, name, -1) : -1;
}

static guint array_len(JsonObject *o, const char *name)
{
    JsonArray *a = o && json_object_has_member(o, name) ?
                   json_object_get_array_member(o, name) : NULL;

    return a ? json_array_get_length(a) : 0;
}

/* The name of the address space holding container @c */
static const char *space_of(JsonNode *q, JsonObject *c)
{
    JsonArray *spaces = q ? json_node_get_array(q) : NULL;

    for (guint i = 0; spaces && i < json_array_get_length(spaces); i++) {
        JsonObject *as = json_array_get_object_element(spaces, i);
        JsonArray *cs = json_object_get_array_member(as, "containers");

        for (guint j = 0; cs && j < json_array_get_length(cs); j++) {
            if (json_array_get_object_element(cs, j) == c) {
                return json_object_get_string_member_with_default(as, "name",
                                                                  "");
            }
        }
    }
    return NULL;
}

/* The device's hwpt-id in its container @c, -1 if none */
static int64_t device_hwpt(JsonObject *c)
{
    JsonArray *devs = c ? json_object_get_array_member(c, "devices") : NULL;

    return devs && json_array_get_length(devs) == 1 ?
           member_int(json_array_get_object_element(devs, 0), "hwpt-id") : -1;
}

/* Whether every mapping of @c is a COPY from container @source */
static bool all_copied_from(JsonObject *c, int64_t source)
{
    JsonArray *ms = c ? json_object_get_array_member(c, "mappings") : NULL;

    for (guint i = 0; ms && i < json_array_get_length(ms); i++) {
        JsonObject *m = json_array_get_object_element(ms, i);

        if (g_strcmp0(json_object_get_string_member_with_default(m, "origin",
                                                                 ""), "copy") ||
            member_int(m, "copy-source") != source) {
            return false;
        }
    }
    return ms && json_array_get_length(ms);
}

/* Bytes of guest memory @c's mappings cover */
static uint64_t mapped_bytes(JsonObject *c)
{
    JsonArray *ms = c ? json_object_get_array_member(c, "mappings") : NULL;
    uint64_t n = 0;

    for (guint i = 0; ms && i < json_array_get_length(ms); i++) {
        n += member_int(json_array_get_object_element(ms, i), "size");
    }
    return n;
}

/* Whether every copy-source named in @q is a container that exists */
static bool sources_exist(JsonNode *q)
{
    JsonArray *spaces = q ? json_node_get_array(q) : NULL;

    for (guint i = 0; spaces && i < json_array_get_length(spaces); i++) {
        JsonArray *cs = json_object_get_array_member(
            json_array_get_object_element(spaces, i), "containers");

        for (guint j = 0; cs && j < json_array_get_length(cs); j++) {
            JsonArray *ms = json_object_get_array_member(
                json_array_get_object_element(cs, j), "mappings");

            for (guint k = 0; ms && k < json_array_get_length(ms); k++) {
                JsonObject *m = json_array_get_object_element(ms, k);

                if (json_object_has_member(m, "copy-source") &&
                    !qedu_container_by_id(q, member_int(m, "copy-source"))) {
                    return false;
                }
            }
        }
    }
    return true;
}

/*
 * The ram source: the container the device @id's container copies guest
 * RAM from.  Return: borrowed from @q, or NULL.
 */
static JsonObject *ram_source(JsonNode *q, const char *id)
{
    JsonObject *c = qedu_container_of(q, id);

    return c && json_object_has_member(c, "guest-ram-from") ?
           qedu_container_by_id(q, member_int(c, "guest-ram-from")) : NULL;
}

/* The counters of one container, x-query-vfio's names */
typedef struct Cnt {
    int64_t map, copy, unmap, failed, viommu_map, viommu_copy;
    int64_t map_bytes, copy_bytes;
} Cnt;

static Cnt cnt(JsonObject *c)
{
    return (Cnt){ qedu_counter(c, "map"), qedu_counter(c, "copy"),
                  qedu_counter(c, "unmap"), qedu_counter(c, "failed"),
                  qedu_counter(c, "viommu-map"), qedu_counter(c, "viommu-copy"),
                  qedu_counter(c, "map-bytes"), qedu_counter(c, "copy-bytes") };
}

static Cnt cnt_sub(Cnt a, Cnt b)
{
    return (Cnt){ a.map - b.map, a.copy - b.copy, a.unmap - b.unmap,
                  a.failed - b.failed, a.viommu_map - b.viommu_map,
                  a.viommu_copy - b.viommu_copy, a.map_bytes - b.map_bytes,
                  a.copy_bytes - b.copy_bytes };
}

static bool cnt_same(Cnt a, Cnt b)
{
    return a.map == b.map && a.copy == b.copy && a.unmap == b.unmap &&
           a.failed == b.failed;
}

/* The counters of the containers of e0..e(n-1) and of the ram source */
typedef struct Snap {
    Cnt dev[HEDU_MAX];
    Cnt rs;
    int64_t rs_id;
} Snap;

static Snap snap(Vm *vm, const char *const *ids, int n)
{
    g_autoptr(JsonNode) q = qedu_query(vm->p);
    Snap s = { .rs_id = -1 };
    JsonObject *rs = NULL;

    for (int i = 0; i < n; i++) {
        s.dev[i] = cnt(qedu_container_of(q, ids[i]));
        rs = rs ? rs : ram_source(q, ids[i]);
    }
    s.rs = cnt(rs);
    s.rs_id = member_int(rs, "id");
    return s;
}

static void note_cnt(const char *who, Cnt d)
{
    tap_note("  %-14s MAP %+" PRId64 " (%+" PRId64 " B), COPY %+" PRId64
             " (%+" PRId64 " B), UNMAP %+" PRId64 ", viommu-map %+" PRId64
             ", viommu-copy %+" PRId64 ", failed %+" PRId64, who, d.map,
             d.map_bytes, d.copy, d.copy_bytes, d.unmap, d.viommu_map,
             d.viommu_copy, d.failed);
}

/* ---- results for the summary at the end ---- */

typedef struct Row {
    char what[96];
    long patched, control;
} Row;

static GArray *rows;
#define NO_START (-2)           /* QEMU did not start */

static void row(const char *what, bool patched, long kb)
{
    Row *r = NULL;

    for (guint i = 0; i < rows->len; i++) {
        if (!strcmp(g_array_index(rows, Row, i).what, what)) {
            r = &g_array_index(rows, Row, i);
        }
    }
    if (!r) {
        Row n = { .patched = -1, .control = -1 };

        g_strlcpy(n.what, what, sizeof(n.what));
        g_array_append_val(rows, n);
        r = &g_array_index(rows, Row, rows->len - 1);
    }
    *(patched ? &r->patched : &r->control) = kb;
}

/* ==== bypass ==== */

/*
 * x-query-vfio with @vm's n devices behind the vIOMMU in bypass: one
 * address space per device with one container holding it alone, copying
 * every mapping from the ram source, a device-less container of the
 * system address space that alone MAPs.
 */
static void check_bypass_query(Vm *vm, const char *what)
{
    g_autoptr(JsonNode) q = qedu_query(vm->p);
    JsonObject *rs = ram_source(q, "e0");
    int64_t rs_id = member_int(rs, "id");
    GHashTable *hwpts = g_hash_table_new(NULL, NULL);
    int64_t dev_map = 0, dev_copy = 0, rs_maps = 0;
    bool each = true, hw = true, bars = true;

    qedu_note_query(q);
    CHECK(rs && !g_strcmp0(space_of(q, rs), "memory") &&
          array_len(rs, "devices") == 0 && array_len(rs, "hwpt-ids") == 0 &&
          member_int(rs, "copy-rank") == 0,
          "%s: %s: the ram source (container %" PRId64 ") is in the system "
          "address space, holds no device and no HWPT, rank 0", vm->tag,
          what, rs_id);
    CHECK_EQ(qedu_container_count(q), vm->n + 1,
             "%s: %s: %d containers: one per device + the ram source",
             vm->tag, what, vm->n + 1);
    for (int i = 0; i < vm->n; i++) {
        g_autofree char *id = g_strdup_printf("e%d", i);
        JsonObject *c = qedu_container_of(q, id);
        Cnt k = cnt(c);
        JsonArray *h = c ? json_object_get_array_member(c, "hwpt-ids") : NULL;
        int64_t hwpt = device_hwpt(c);

        each &= c && array_len(c, "devices") == 1 &&
                g_strcmp0(space_of(q, c), "memory") &&
                member_int(c, "guest-ram-from") == rs_id &&
                all_copied_from(c, rs_id) && k.map == 0 &&
                k.viommu_map == 0 && k.viommu_copy == 0 &&
                k.copy - k.unmap == qedu_mappings(c, NULL);
        bars &= mapped_bytes(c) == mapped_bytes(rs);
        hw &= h && json_array_get_length(h) == 1 && hwpt >= 0 &&
              json_array_get_int_element(h, 0) == hwpt &&
              g_hash_table_add(hwpts, GINT_TO_POINTER(hwpt));
        dev_map += k.map;
        dev_copy += k.copy;
    }
    rs_maps = cnt(rs).map;
    CHECK(each, "%s: %s: each device in an address space and container of "
          "its own, guest-ram-from %" PRId64 ", every mapping (%d) a COPY "
          "from it, no MAP (COPY - UNMAP = mappings listed)", vm->tag, what,
          rs_id, qedu_mappings(qedu_container_of(q, "e0"), NULL));
    CHECK(bars, "%s: %s: the ram source maps what each device's IOAS maps "
          "(%.2f MiB), no device BAR (%.2f MiB)", vm->tag, what,
          mapped_bytes(qedu_container_of(q, "e0")) / (double)MIB,
          mapped_bytes(rs) / (double)MIB);
    CHECK(hw, "%s: %s: each container lists one HWPT, its device's, all "
          "%d distinct", vm->tag, what, vm->n);
    CHECK(rs_maps > 0 && dev_map == 0 && sources_exist(q),
          "%s: %s: only the ram source issued IOMMU_IOAS_MAP (%" PRId64
          " MAPs there, %" PRId64 " COPYs into the devices' IOAS); every "
          "copy-source exists", vm->tag, what, rs_maps, dev_copy);
    tap_note("%s: %s: the ram source's mappings: %d map, %d copy (the "
             "machine reset re-lays RAM below 1 MiB in the system address "
             "space first: those are re-filled from a device IOAS that "
             "still maps the old section)", vm->tag, what,
             qedu_mappings(rs, "map"), qedu_mappings(rs, "copy"));
    g_hash_table_unref(hwpts);
}

static void bypass(const char *bin, const char *tag, bool patched,
                   QViommuKind k, int n)
{
    g_autofree char *what = g_strdup_printf("%s bypass, %d device%s",
                                            iommu_name(k), n,
                                            n > 1 ? "s" : "");
    long want = patched ? PIN_ONCE_KB : n * PIN_IOAS_KB, pin;
    Vm vm;

    if (!vm_start(&vm, bin, tag, patched, k, n, NULL, NULL)) {
        CHECK(false, "%s: %s: the edus' BARs placed", tag, what);
        vht_end(vm.p);
        return;
    }
    dma_bypass(&vm, what, 10 * n);
    pin = qedu_vmpin(vm.p);
    row(what, patched, pin);
    CHECK_EQ(pin, want, "%s: %s: VmPin %ld kB = %s", tag, what, pin,
             patched ? "guest RAM + ROM once (131200 kB)" :
             "guest RAM + ROM once per device (n x 131328 kB)");
    if (patched) {
        check_bypass_query(&vm, what);
    }
    vht_end(vm.p);
}

/* ==== translated ==== */

/* domain d = device d + 1: its IOVA and the guest pages it maps */
static uint64_t dom_iova(int d)
{
    return IOVA_BASE + d * IOVA_STEP;
}

static uint64_t dom_gpa(int d)
{
    /* domain 2 maps the upper half of the shared pages and 8 MiB more */
    return SHARED_GPA + (d == 2 ? MAP_SIZE / 2 : 0);
}

/* kB in the union of the guest pages domains 0..n-1 map */
static long union_kb(int n)
{
    return (n > 2 ? MAP_SIZE + MAP_SIZE / 2 : MAP_SIZE) >> 10;
}

/* notifications per MAP_SIZE request: VT-d walks its 2 MiB entries */
static int notifications(Vm *vm)
{
    return vm->kind == QVIOMMU_VTD && vm->iommu.large ? MAP_SIZE / (2 * MIB) :
           vm->kind == QVIOMMU_VTD ? MAP_SIZE / PAGE : 1;
}

/* edu @i DMAs within its domain's mapping: @off_src -> @off_dst */
static HeduResult dma_in_domain(Vm *vm, int i, int d, uint64_t off,
                                unsigned seed)
{
    uint64_t src = 0x10000, dst = 0x200000 + off;

    return dma_via(vm, i, dom_iova(d) + src, dom_gpa(d) + src,
                   dom_iova(d) + dst, dom_gpa(d) + dst,
                   dom_gpa(d) + dst + PAGE, seed);
}

static void translated(const char *bin, const char *tag, bool patched,
                       QViommuKind k, int n)
{
    static const char *const ids[] = { "e0", "e1", "e2", "e3" };
    g_autofree char *what = g_strdup_printf("%s translated, %d devices",
                                            iommu_name(k), n);
    long pin, want;
    Snap a = { 0 }, b;
    bool ok = true;
    Vm vm;

    if (!vm_start(&vm, bin, tag, patched, k, n, NULL, NULL) ||
        !vm_driver(&vm)) {
        vht_end(vm.p);
        return;
    }
    for (int i = 0; i < n; i++) {
        ok &= CHECK(qviommu_attach(&vm.iommu, i + 1, vm.ep[i]),
                    "%s: %s: e%d (endpoint 0x%x) attached to domain %d",
                    tag, what, i, vm.ep[i], i + 1);
    }
    if (!ok) {
        vht_end(vm.p);
        return;
    }
    pin = qedu_vmpin(vm.p);
    CHECK_EQ(pin, 0, "%s: %s: attached, nothing mapped: VmPin %ld kB",
             tag, what, pin);
    if (patched) {
        g_autoptr(JsonNode) q = qedu_query(vm.p);
        JsonObject *rs = ram_source(q, "e0");
        bool empty = true;

        for (int i = 0; i < n; i++) {
            empty &= qedu_container_of(q, ids[i]) &&
                     qedu_mappings(qedu_container_of(q, ids[i]), NULL) == 0;
        }
        /* the ram source alone: all of guest RAM mapped, nothing pinned */
        CHECK(empty && rs && mapped_bytes(rs) >= (uint64_t)QEDU_RAM_MB * MIB -
              256 * 1024 && pin == 0,
              "%s: %s: the devices' containers list no mapping; the ram "
              "source (container %" PRId64 ", one IOAS, %d mappings, %.2f "
              "MiB) maps guest RAM and pins nothing: VmPin %ld kB", tag,
              what, member_int(rs, "id"), qedu_mappings(rs, NULL),
              mapped_bytes(rs) / (double)MIB, pin);
        a = snap(&vm, ids, n);
    }
    for (int i = 0; i < n; i++) {
        CHECK(dma_via(&vm, i, QEDU_SRC_GPA, QEDU_SRC_GPA, QEDU_DST_GPA,
                      QEDU_DST_GPA, 0, 100 + i) == HEDU_BLOCKED,
              "%s: %s: nothing mapped: e%d's DMA to guest-physical 0x%llx "
              "is blocked", tag, what, i, QEDU_DST_GPA);
    }

    /* each domain maps 16 MiB of the shared pages at its own IOVA */
    ok = true;
    for (int d = 0; d < n; d++) {
        ok &= CHECK(qviommu_map(&vm.iommu, d + 1, dom_iova(d), dom_gpa(d),
                                MAP_SIZE, true),
                    "%s: %s: domain %d maps IOVA 0x%" PRIx64 " + 16 MiB -> "
                    "guest 0x%" PRIx64, tag, what, d + 1, dom_iova(d),
                    dom_gpa(d));
    }
    if (!ok) {
        vht_end(vm.p);
        return;
    }
    pin = qedu_vmpin(vm.p);
    want = patched ? union_kb(n) : n * MAP_KB;
    row(what, patched, pin);
    CHECK_EQ(pin, want, "%s: %s: VmPin %ld kB = %s", tag, what, pin,
             patched ? "the union of the mapped guest pages, once" :
             "16 MiB per domain (the sum)");
    if (patched) {
        Cnt d;
        bool each = true;

        b = snap(&vm, ids, n);
        tap_note("%s: %s: %d MAP requests (16 MiB each): counters", tag,
                 what, n);
        for (int i = 0; i < n; i++) {
            d = cnt_sub(b.dev[i], a.dev[i]);
            note_cnt(ids[i], d);
            each &= d.viommu_copy == notifications(&vm) &&
                    d.copy == notifications(&vm) && d.viommu_map == 0 &&
                    d.map == 0 && d.copy_bytes == (int64_t)MAP_SIZE &&
                    d.failed == 0;
        }
        note_cnt("ram source", cnt_sub(b.rs, a.rs));
        CHECK(each && cnt_same(a.rs, b.rs),
              "%s: %s: each container: viommu-copy +%d = IOMMU_IOAS_COPY "
              "+%d (one per notification: %s), 16 MiB copied, viommu-map "
              "+0, IOMMU_IOAS_MAP +0; the ram source +0", tag, what,
              notifications(&vm), notifications(&vm),
              k == QVIOMMU_VTD ? "VT-d walks 8 entries of 2 MiB" :
              "one per MAP request");
    }
    for (int i = 0; i < n; i++) {
        HeduResult r = dma_in_domain(&vm, i, i, i * 0x10000, 110 + i);

        CHECK(r == HEDU_LANDED, "%s: %s: e%d's DMA through domain %d "
              "lands in the guest page it maps, nothing next to it (%s)",
              tag, what, i, i + 1, hedu_result_name(r));
        r = dma_via(&vm, i, dom_iova(i) + 0x10000, dom_gpa(i) + 0x10000,
                    dom_iova(i) + MAP_SIZE + 0x1000,
                    dom_gpa(i) + MAP_SIZE + 0x1000, 0, 120 + i);
        CHECK(r == HEDU_BLOCKED, "%s: %s: e%d's DMA past its domain's "
              "mapping is blocked (%s)", tag, what, i, hedu_result_name(r));
    }
    /* domain 1's IOVA in domain 2: not mapped there */
    CHECK(dma_via(&vm, 1, dom_iova(1) + 0x10000, dom_gpa(1) + 0x10000,
                  dom_iova(0) + 0x300000, dom_gpa(0) + 0x300000, 0, 130) ==
          HEDU_BLOCKED, "%s: %s: e1's DMA to an IOVA only domain 1 maps is "
          "blocked", tag, what);

    /* domain 1 unmaps: e0 blocked, the pages stay pinned for the others */
    if (patched) {
        a = snap(&vm, ids, n);
    }
    CHECK(qviommu_unmap(&vm.iommu, 1, dom_iova(0), MAP_SIZE),
          "%s: %s: domain 1 unmaps its 16 MiB", tag, what);
    pin = qedu_vmpin(vm.p);
    want = patched ? union_kb(n) : (n - 1) * MAP_KB;
    CHECK_EQ(pin, want, "%s: %s: after domain 1's unmap VmPin %ld kB (%s)",
             tag, what, pin, patched ? "unchanged: the other domains still "
             "map those pages" : "16 MiB less");
    if (patched) {
        b = snap(&vm, ids, n);
        CHECK(cnt_sub(b.dev[0], a.dev[0]).unmap == notifications(&vm) &&
              cnt_same(a.dev[1], b.dev[1]) && cnt_same(a.rs, b.rs),
              "%s: %s: the unmap: e0's container UNMAP +%d, e1's and the "
              "ram source's +0", tag, what, notifications(&vm));
    }
    CHECK(dma_in_domain(&vm, 0, 0, 0, 140) == HEDU_BLOCKED,
          "%s: %s: unmapped: e0's DMA is blocked", tag, what);
    CHECK(dma_in_domain(&vm, 1, 1, 0, 141) == HEDU_LANDED,
          "%s: %s: e1's DMA to the same guest pages through domain 2 still "
          "lands", tag, what);
    for (int d = 1; d < n; d++) {
        qviommu_unmap(&vm.iommu, d + 1, dom_iova(d), MAP_SIZE);
    }
    pin = qedu_vmpin(vm.p);
    CHECK_EQ(pin, 0, "%s: %s: every domain unmapped: VmPin %ld kB", tag,
             what, pin);
    vht_end(vm.p);
}

/* ==== memlock ==== */

/* The failed ioctls of a fault-ioctl.so log: "NAME errno=E", one a line */
static char *failed_calls(const char *log, int *count)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    GString *s = g_string_new(NULL);

    *count = 0;
    if (!g_file_get_contents(log, &text, NULL, NULL)) {
        return g_string_free(s, false);
    }
    lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        g_auto(GStrv) w = g_strsplit(lines[i], " ", -1);

        if (g_strv_length(w) >= 5 && g_str_has_prefix(w[4], "errno=")) {
            g_string_append_printf(s, "%s%s %s (call %s)", (*count)++ ? "; " :
                                   "", w[2], w[4], w[0]);
        }
    }
    return g_string_free(s, false);
}

/*
 * The calls of a fault-ioctl.so log that failed with ENOMEM; the name of
 * the first in *@first (g_free()).  Return: how many.
 */
static int enomem_calls(const char *log, char **first)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    int n = 0;

    *first = NULL;
    if (!g_file_get_contents(log, &text, NULL, NULL)) {
        return 0;
    }
    lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        g_auto(GStrv) w = g_strsplit(lines[i], " ", -1);

        if (g_strv_length(w) >= 5 && !strcmp(w[4], "errno=12") && !n++) {
            *first = g_strdup(w[2]);
        }
    }
    return n;
}

static void memlock(const char *bin, const char *tag, bool patched, int n)
{
    g_autofree char *what = g_strdup_printf("memlock %ld kB, %d devices",
                                            MEMLOCK_KB, n);
    g_autofree char *lim = g_strdup_printf("%ld", MEMLOCK_KB);

    g_setenv("QEDU_MEMLOCK_KB", lim, true);
    if (patched) {
        Vm vm;
        long pin;
        bool ok = vm_start(&vm, bin, tag, patched, QVIOMMU_VIRTIO, n, NULL,
                           NULL);

        CHECK(ok, "%s: %s: QEMU started (without CAP_IPC_LOCK, "
              "RLIMIT_MEMLOCK %ld kB)", tag, what, MEMLOCK_KB);
        dma_bypass(&vm, what, 150);
        pin = qedu_vmpin(vm.p);
        row(what, patched, pin);
        CHECK_EQ(pin, PIN_ONCE_KB, "%s: %s: bypass: VmPin %ld kB, within "
                 "the limit", tag, what, pin);
        ok = ok && vm_driver(&vm);
        for (int i = 0; ok && i < n; i++) {
            ok &= qviommu_attach(&vm.iommu, i + 1, vm.ep[i]) &&
                  qviommu_map(&vm.iommu, i + 1, dom_iova(i), SHARED_GPA,
                              MAP_SIZE, true);
        }
        CHECK(ok, "%s: %s: every device attached to a domain of its own, "
              "each mapping the same 16 MiB", tag, what);
        for (int i = 0; ok && i < n; i++) {
            uint64_t off = 0x200000 + i * 0x10000;
            HeduResult r = dma_via(&vm, i, dom_iova(i) + 0x10000,
                                   SHARED_GPA + 0x10000, dom_iova(i) + off,
                                   SHARED_GPA + off, 0, 160 + i);

            CHECK(r == HEDU_LANDED, "%s: %s: translated: e%d's DMA lands "
                  "(%s)", tag, what, i, hedu_result_name(r));
        }
        CHECK_EQ(qedu_vmpin(vm.p), MAP_KB, "%s: %s: translated: VmPin %ld "
                 "kB (16 MiB once)", tag, what, qedu_vmpin(vm.p));
        vht_end(vm.p);
    } else {
        g_autofree char *args = command(QVIOMMU_VIRTIO, n, NULL, NULL);
        g_autofree char *log = g_strdup_printf("/tmp/viommu-memlock-%d.log",
                                               (int)getpid());
        QeduStartOpts o = { .fault_requests = "", .fault_nth = "0",
                            .fault_log = log };
        g_autofree char *err = NULL, *fails = NULL, *first_enomem = NULL;
        g_auto(GStrv) lines = NULL;
        int status, nfail;

        unlink(log);
        status = qedu_try_run(bin, args, &o, 30, &err);
        fails = failed_calls(log, &nfail);
        lines = g_strsplit(err ? err : "", "\n", -1);
        for (int i = 0; lines[i] && *lines[i]; i++) {
            if (!strstr(lines[i], "no available reset mechanism")) {
                tap_note("%s: %s: stderr: %s", tag, what, lines[i]);
            }
        }
        tap_note("%s: %s: failed ioctls: %s", tag, what,
                 nfail ? fails : "none");
        row(what, patched, status == -1 ? -1 : NO_START);
        CHECK(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 1,
              "%s: %s: QEMU does not start: it exits with status 1 (wait "
              "status %d)", tag, what, status);
        /* the others are the probes of every start (ENOTTY, EMSGSIZE...) */
        CHECK(enomem_calls(log, &first_enomem) == 1 &&
              !g_strcmp0(first_enomem, "IOMMU_IOAS_MAP"),
              "%s: %s: one ioctl failed with ENOMEM: IOMMU_IOAS_MAP (%s)",
              tag, what, first_enomem ? first_enomem : "none");
        CHECK(err && strstr(err, bdfs[1]) &&
              strstr(err, "memory listener initialization failed: Region "
                     "pc.ram") && strstr(err, "= -12 (Cannot allocate "
                                              "memory)"),
              "%s: %s: QEMU says the second device (%s) failed to map "
              "pc.ram: ENOMEM", tag, what, bdfs[1]);
        unlink(log);
    }
    g_unsetenv("QEDU_MEMLOCK_KB");
}

/* ==== hotplug ==== */

/*
 * The hot-plug layout: e0 in root port rp0 (bus 1), e1 in pcie.0 slot 4,
 * both behind the vIOMMU; rp1 (bus 2) for e2, hot-added behind it; the
 * pxb-pcie bus PXB_BUS bypasses the vIOMMU, its root port rpx (bus
 * RPX_BUS) takes eo, a device outside the vIOMMU.  @eo_first: eo is
 * cold-plugged first on the command line.
 */
enum { E0, E1, E2, EO, NDEV };
static const char *const dev_id[NDEV] = { "e0", "e1", "e2", "eo" };

static char *hotplug_command(bool eo_first)
{
    g_autofree char *eo = g_strdup_printf(
        "-device vfio-pci,host=%s,id=eo,iommufd=if0,bus=rpx", bdfs[EO]);

    return g_strdup_printf(
        "%s -object iommufd,id=if0 "
        "-device pxb-pcie,id=pxb,bus_nr=%d,bypass_iommu=on,bus=pcie.0,"
        "addr=0x%x "
        "-device pcie-root-port,id=rpx,bus=pxb,chassis=9,addr=0 "
        "-device pcie-root-port,id=rp0,chassis=1,bus=pcie.0,addr=0x10 "
        "-device pcie-root-port,id=rp1,chassis=2,bus=pcie.0,addr=0x11 "
        "%s "
        "-device vfio-pci,host=%s,id=e0,iommufd=if0,bus=rp0 "
        "-device vfio-pci,host=%s,id=e1,iommufd=if0,bus=pcie.0,addr=0x4",
        iommu_arg(QVIOMMU_VIRTIO), PXB_BUS, PXB_SLOT, eo_first ? eo : "",
        bdfs[E0], bdfs[E1]);
}

/* A root port at @bus:@slot.0 gets secondary bus @sec, a 1 MiB window */
static void root_port(VhtProc *p, int bus, int slot, int sec,
                      uint64_t window)
{
    uint16_t mem = (window >> 16) & 0xfff0;

    qedu_cfg_write(p, bus, slot, 0x18, 1, bus);          /* primary */
    qedu_cfg_write(p, bus, slot, 0x19, 1, sec);          /* secondary */
    qedu_cfg_write(p, bus, slot, 0x1a, 1, sec);          /* subordinate */
    qedu_cfg_write(p, bus, slot, 0x20, 2, mem);          /* memory base */
    qedu_cfg_write(p, bus, slot, 0x22, 2, mem);          /* memory limit */
    qedu_cfg_write(p, bus, slot, 0x04, 2,
                   qedu_cfg_read(p, bus, slot, 0x04, 2) | 0x6);
    /*
     * Power its slot on, as a guest's pciehp would: QEMU powers an empty
     * slot off at reset, and a device added there under native PCIe
     * hotplug (rpx: ACPI hotplug covers the root ports of pcie.0) would
     * answer no configuration cycle.  Slot Control: power indicator on,
     * power controller on.
     */
    for (int cap = qedu_cfg_read(p, bus, slot, 0x34, 1) & 0xfc; cap;
         cap = qedu_cfg_read(p, bus, slot, cap + 1, 1) & 0xfc) {
        if (qedu_cfg_read(p, bus, slot, cap, 1) == 0x10) {
            uint16_t ctl = qedu_cfg_read(p, bus, slot, cap + 0x18, 2);

            ctl = (ctl & ~(0x3 << 8 | 1 << 10)) | 1 << 8;
            qedu_cfg_write(p, bus, slot, cap + 0x18, 2, ctl);
            break;
        }
    }
}

/* Where each device of the layout sits: bus, BAR, endpoint */
static void hotplug_layout(Vm *vm)
{
    root_port(vm->p, 0, 0x10, 1, QEDU_HOTPLUG_BAR);
    root_port(vm->p, 0, 0x11, 2, QEDU_HOTPLUG_BAR + MIB);
    root_port(vm->p, PXB_BUS, 0, RPX_BUS, RPX_WINDOW);
    vm->n = NDEV;
    vm->ep[E0] = qviommu_endpoint(1, 0);
    vm->ep[E1] = qviommu_endpoint(0, QEDU_FIRST_SLOT);
    vm->ep[E2] = qviommu_endpoint(2, 0);
}

static uint64_t enable(Vm *vm, int i)
{
    static const int bus[NDEV] = { 1, 0, 2, RPX_BUS };
    static const int slot[NDEV] = { 0, QEDU_FIRST_SLOT, 0, 0 };
    const uint64_t at[NDEV] = { QEDU_HOTPLUG_BAR, qedu_bar(0),
                                QEDU_HOTPLUG_BAR + MIB, RPX_WINDOW };

    vm->bar[i] = qedu_enable(vm->p, bus[i], slot[i], at[i]);
    return vm->bar[i];
}

static bool device_add(Vm *vm, int i, const char *port)
{
    g_autofree char *what = g_strdup_printf(
        "%s: device_add %s (vfio-pci %s, iommufd if0) in %s", vm->tag,
        dev_id[i], bdfs[i], port);

    return hedu_qmp_ok(vm->p, what, "{'execute': 'device_add', "
                       "'arguments': {'driver': 'vfio-pci', 'host': '%s', "
                       "'id': '%s', 'bus': '%s', 'iommufd': 'if0'}}",
                       bdfs[i], dev_id[i], port);
}

/* QEMU's VFIO device fds */
static guint device_fds(Vm *vm)
{
    g_autoptr(GArray) fds = hedu_fds_to(vht_pid(vm->p), "/dev/vfio/devices/");

    return fds->len;
}

static bool unplug(Vm *vm, int i, const char *port, guint fds_after)
{
    bool ok = qedu_unplug_pci(vm->p, dev_id[i], port) &&
              qedu_wait_vfio_fds(vht_pid(vm->p), fds_after) == fds_after;

    vm->bar[i] = 0;
    return CHECK(ok, "%s: %s unplugged from %s, its device fd closed",
                 vm->tag, dev_id[i], port);
}

/* Counters of the listed devices' containers and of the ram source */
static Snap snap_devs(Vm *vm, const int *devs, int n)
{
    const char *ids[NDEV];

    for (int i = 0; i < n; i++) {
        ids[i] = dev_id[devs[i]];
    }
    return snap(vm, ids, n);
}

/* A DIMM in bypass: mapped by the ram source, copied by the others */
static void dimm_in_bypass(Vm *vm, int ndev_iommu)
{
    static const int devs[] = { E0, E1, E2 };
    const char *tag = vm->tag, *what = "DIMM in bypass";
    long pin0 = qedu_vmpin(vm->p), pin;
    Snap a = { 0 }, b;
    uint64_t gpa;
    int slot;

    if (vm->patched) {
        a = snap_devs(vm, devs, ndev_iommu);
    }
    gpa = qedu_plug_dimm(vm->p, "dimm0", NULL, 16, &slot);
    if (!CHECK(gpa, "%s: %s: 16 MiB DIMM plugged (memory-backend-ram)",
               tag, what)) {
        return;
    }
    pin = qedu_vmpin(vm->p);
    row("DIMM 16 MiB in bypass, 3 devices: VmPin growth", vm->patched,
        pin - pin0);
    CHECK_EQ(pin - pin0, (vm->patched ? 1 : ndev_iommu) * 16 * 1024L,
             "%s: %s: VmPin %+ld kB (%s)", tag, what, pin - pin0,
             vm->patched ? "pinned once" : "once per device's IOAS");
    if (vm->patched) {
        bool each = true;

        b = snap_devs(vm, devs, ndev_iommu);
        tap_note("%s: %s: counters", tag, what);
        note_cnt("ram source", cnt_sub(b.rs, a.rs));
        for (int i = 0; i < ndev_iommu; i++) {
            Cnt d = cnt_sub(b.dev[i], a.dev[i]);

            note_cnt(dev_id[devs[i]], d);
            each &= d.map == 0 && d.copy == 1 && d.copy_bytes == 16 * MIB;
        }
        CHECK(each && cnt_sub(b.rs, a.rs).map == 1 &&
              cnt_sub(b.rs, a.rs).copy == 0,
              "%s: %s: the ram source MAPs it once, each device's IOAS "
              "COPYs it once", tag, what);
    }
    for (int i = 0; i < ndev_iommu; i++) {
        HeduDest d = { .gpa = gpa + 0x100000 + i * PAGE * 2, .fd = -1 };

        CHECK(hedu_copy(vm->p, vm->bar[devs[i]], QEDU_SRC_GPA, &d, LEN,
                        170 + i) == HEDU_LANDED,
              "%s: %s: %s DMAs into it, byte-exact", tag, what,
              dev_id[devs[i]]);
    }
    CHECK(qedu_unplug_dimm(vm->p, "dimm0", slot, "mem-dimm0") &&
          qedu_vmpin(vm->p) == pin0,
          "%s: %s: unplugged, VmPin back to %ld kB", tag, what, pin0);
}

/*
 * A: the ram source has no device.  e2 hot-added behind the vIOMMU (the
 * running containers see nothing), a DIMM in bypass, translated domains;
 * e0, the device whose container made the ram source, unplugged: the
 * ram source stays, later guest MAPs still copy; then eo, a device
 * outside the vIOMMU, hot-added: it shares the ram source's IOAS.
 */
static void hotplug(const char *bin, const char *tag, bool patched)
{
    static const int running[] = { E0, E1 }, after[] = { E1, E2 };
    g_autofree char *args = hotplug_command(false);
    const char *what = "hotplug";
    guint fds;
    long pin0, pin;
    Snap a = { 0 }, b;
    Vm vm = { .tag = tag, .patched = patched, .kind = QVIOMMU_VIRTIO };

    vm.p = qedu_start(bin, args, NULL, false);
    hotplug_layout(&vm);
    if (!CHECK(enable(&vm, E0) && enable(&vm, E1), "%s: %s: e0 (in rp0) "
               "and e1 (in pcie.0) behind the vIOMMU, BARs placed", tag,
               what)) {
        vht_end(vm.p);
        return;
    }
    fds = device_fds(&vm);
    pin0 = qedu_vmpin(vm.p);
    CHECK_EQ(pin0, patched ? PIN_ONCE_KB : 2 * PIN_IOAS_KB,
             "%s: %s: 2 devices in bypass: VmPin %ld kB", tag, what, pin0);

    /* e2 hot-added behind the vIOMMU, in bypass */
    if (patched) {
        a = snap_devs(&vm, running, 2);
    }
    if (!device_add(&vm, E2, "rp1")) {
        vht_end(vm.p);
        return;
    }
    pin = qedu_vmpin(vm.p);
    row("hot-add behind the vIOMMU (bypass): VmPin growth", patched,
        pin - pin0);
    CHECK_EQ(pin - pin0, patched ? 0 : PIN_IOAS_KB, "%s: %s: e2 hot-added: "
             "VmPin %+ld kB", tag, what, pin - pin0);
    if (patched) {
        g_autoptr(JsonNode) q = qedu_query(vm.p);
        JsonObject *c = qedu_container_of(q, "e2");
        Cnt k = cnt(c);

        b = snap_devs(&vm, running, 2);
        CHECK(cnt_same(a.rs, b.rs) && cnt_same(a.dev[0], b.dev[0]) &&
              cnt_same(a.dev[1], b.dev[1]),
              "%s: %s: e2 hot-added: the ram source, e0's and e1's "
              "containers: MAP +0, COPY +0, UNMAP +0", tag, what);
        CHECK(c && k.map == 0 && k.copy == qedu_mappings(c, NULL) &&
              k.copy > 0 && all_copied_from(c, b.rs_id) &&
              member_int(c, "guest-ram-from") == b.rs_id,
              "%s: %s: e2's new container: %" PRId64 " COPYs from the ram "
              "source (one per mapping), no MAP", tag, what, k.copy);
    }
    fds++;
    if (CHECK(enable(&vm, E2), "%s: %s: e2's BAR placed", tag, what)) {
        CHECK(hedu_round_trip(vm.p, vm.bar[E2], QEDU_SRC_GPA, QEDU_DST_GPA,
                              LEN, 180),
              "%s: %s: e2 DMAs to guest-physical addresses (bypass)", tag,
              what);
    }

    dimm_in_bypass(&vm, 3);

    /* translated: domains 1-3, the same 16 MiB each */
    if (!vm_driver(&vm)) {
        vht_end(vm.p);
        return;
    }
    for (int i = E0; i <= E2; i++) {
        CHECK(qviommu_attach(&vm.iommu, i + 1, vm.ep[i]) &&
              qviommu_map(&vm.iommu, i + 1, dom_iova(i), SHARED_GPA,
                          MAP_SIZE, true),
              "%s: %s: %s attached to domain %d, 16 MiB mapped", tag, what,
              dev_id[i], i + 1);
    }
    CHECK_EQ(qedu_vmpin(vm.p), (patched ? 1 : 3) * MAP_KB,
             "%s: %s: translated: VmPin %ld kB", tag, what,
             qedu_vmpin(vm.p));

    /* e0 leaves: its container was the first behind the vIOMMU */
    if (!unplug(&vm, E0, "rp0", --fds)) {
        vht_end(vm.p);
        return;
    }
    pin = qedu_vmpin(vm.p);
    CHECK_EQ(pin, (patched ? 1 : 2) * MAP_KB, "%s: %s: e0 unplugged: VmPin "
             "%ld kB", tag, what, pin);
    if (patched) {
        g_autoptr(JsonNode) q = qedu_query(vm.p);
        JsonObject *rs = ram_source(q, "e1");

        qedu_note_query(q);
        CHECK(rs && rs == ram_source(q, "e2") && array_len(rs, "devices") == 0
              && qedu_container_count(q) == 3 && sources_exist(q),
              "%s: %s: e0 unplugged: the ram source stays (containers: it, "
              "e1's, e2's); every copy-source exists", tag, what);
        a = snap_devs(&vm, after, 2);
    }
    /* a new guest MAP after that: 4 MiB of other pages for e2 */
    CHECK(qviommu_map(&vm.iommu, E2 + 1, dom_iova(E2) + MAP_SIZE,
                      SHARED_GPA + MAP_SIZE, 4 * MIB, true),
          "%s: %s: domain 3 maps 4 MiB more (other pages)", tag, what);
    pin = qedu_vmpin(vm.p);
    CHECK_EQ(pin, (patched ? 1 : 2) * MAP_KB + 4096, "%s: %s: VmPin %ld "
             "kB (+4 MiB)", tag, what, pin);
    if (patched) {
        Cnt d;

        b = snap_devs(&vm, after, 2);
        d = cnt_sub(b.dev[1], a.dev[1]);
        note_cnt("e2", d);
        CHECK(d.viommu_copy == 1 && d.copy == 1 && d.map == 0 &&
              d.viommu_map == 0,
              "%s: %s: the new mapping is a COPY from the ram source "
              "(viommu-copy +1, no MAP)", tag, what);
    }
    CHECK(dma_via(&vm, E2, dom_iova(E2) + 0x10000, SHARED_GPA + 0x10000,
                  dom_iova(E2) + MAP_SIZE + 0x3000, SHARED_GPA + MAP_SIZE +
                  0x3000, 0, 190) == HEDU_LANDED,
          "%s: %s: e2's DMA to the new mapping lands", tag, what);
    CHECK(dma_in_domain(&vm, E1, E1, 0x40000, 191) == HEDU_LANDED,
          "%s: %s: e1's DMA through domain 2 still lands", tag, what);

    /* eo, outside the vIOMMU, joins the ram source's IOAS */
    if (device_add(&vm, EO, "rpx")) {
        fds++;
        if (patched) {
            g_autoptr(JsonNode) q = qedu_query(vm.p);
            JsonObject *c = qedu_container_of(q, "eo");

            qedu_note_query(q);
            CHECK(c && c == ram_source(q, "e1") &&
                  qedu_container_count(q) == 3,
                  "%s: %s: eo (outside the vIOMMU) shares the ram source's "
                  "IOAS (container %" PRId64 "; containers: %d)", tag, what,
                  member_int(c, "id"), qedu_container_count(q));
        }
        CHECK(enable(&vm, EO) &&
              hedu_round_trip(vm.p, vm.bar[EO], QEDU_SRC_GPA, QEDU_DST_GPA,
                              LEN, 195),
              "%s: %s: eo DMAs to guest-physical addresses", tag, what);
    }
    vht_end(vm.p);
}

/*
 * B: the ram source is the container of eo, a device outside the
 * vIOMMU; eo is unplugged: the container stays as the ram source without
 * a device; later guest MAPs copy from it; eo comes back and shares it.
 */
static void hotplug_owner(const char *bin, const char *tag, bool patched)
{
    static const int devs[] = { E0, E1 };
    g_autofree char *args = hotplug_command(true);
    const char *what = "ram source's device";
    int64_t rs_id = -1;
    guint fds;
    long pin;
    Snap a = { 0 }, b;
    Vm vm = { .tag = tag, .patched = patched, .kind = QVIOMMU_VIRTIO };

    vm.p = qedu_start(bin, args, NULL, false);
    hotplug_layout(&vm);
    if (!CHECK(enable(&vm, E0) && enable(&vm, E1) && enable(&vm, EO),
               "%s: %s: eo (outside the vIOMMU), e0, e1 (behind it), BARs "
               "placed", tag, what)) {
        vht_end(vm.p);
        return;
    }
    fds = device_fds(&vm);
    pin = qedu_vmpin(vm.p);
    row("eo outside + 2 behind the vIOMMU (bypass)", patched, pin);
    CHECK_EQ(pin, patched ? PIN_ONCE_KB : 3 * PIN_IOAS_KB, "%s: %s: VmPin "
             "%ld kB", tag, what, pin);
    if (patched) {
        g_autoptr(JsonNode) q = qedu_query(vm.p);
        JsonObject *rs = ram_source(q, "e0");

        qedu_note_query(q);
        rs_id = member_int(rs, "id");
        CHECK(rs && rs == qedu_container_of(q, "eo") &&
              rs == ram_source(q, "e1") &&
              all_copied_from(qedu_container_of(q, "e0"), rs_id) &&
              all_copied_from(qedu_container_of(q, "e1"), rs_id) &&
              qedu_container_count(q) == 3,
              "%s: %s: the ram source is eo's container (%" PRId64 "); e0 "
              "and e1 copy everything from it; 3 containers", tag, what,
              rs_id);
    }
    for (int i = E0; i <= EO; i += (i == E1 ? 2 : 1)) {
        CHECK(hedu_round_trip(vm.p, vm.bar[i], QEDU_SRC_GPA, QEDU_DST_GPA,
                              LEN, 200 + i),
              "%s: %s: %s DMAs to guest-physical addresses", tag, what,
              dev_id[i]);
    }
    if (!unplug(&vm, EO, "rpx", --fds)) {
        vht_end(vm.p);
        return;
    }
    pin = qedu_vmpin(vm.p);
    CHECK_EQ(pin, patched ? PIN_ONCE_KB : 2 * PIN_IOAS_KB, "%s: %s: eo "
             "unplugged: VmPin %ld kB", tag, what, pin);
    if (patched) {
        g_autoptr(JsonNode) q = qedu_query(vm.p);
        JsonObject *rs = qedu_container_by_id(q, rs_id);

        qedu_note_query(q);
        CHECK(rs && rs == ram_source(q, "e0") &&
              array_len(rs, "devices") == 0 &&
              array_len(rs, "hwpt-ids") == 0 && sources_exist(q),
              "%s: %s: eo unplugged: its container (%" PRId64 ") stays, "
              "without device or HWPT, as the ram source", tag, what, rs_id);
    }
    CHECK(dma_bypass_one(&vm, E0, 210), "%s: %s: e0 still DMAs (bypass)",
          tag, what);
    if (!vm_driver(&vm)) {
        vht_end(vm.p);
        return;
    }
    if (patched) {
        a = snap_devs(&vm, devs, 2);
    }
    for (int i = E0; i <= E1; i++) {
        CHECK(qviommu_attach(&vm.iommu, i + 1, vm.ep[i]) &&
              qviommu_map(&vm.iommu, i + 1, dom_iova(i), SHARED_GPA,
                          MAP_SIZE, true),
              "%s: %s: %s attached to domain %d, 16 MiB mapped", tag, what,
              dev_id[i], i + 1);
        CHECK(dma_in_domain(&vm, i, i, i * 0x10000, 220 + i) == HEDU_LANDED,
              "%s: %s: %s's DMA through domain %d lands", tag, what,
              dev_id[i], i + 1);
    }
    pin = qedu_vmpin(vm.p);
    CHECK_EQ(pin, (patched ? 1 : 2) * MAP_KB, "%s: %s: translated: VmPin "
             "%ld kB", tag, what, pin);
    if (patched) {
        bool each = true;

        b = snap_devs(&vm, devs, 2);
        for (int i = 0; i < 2; i++) {
            Cnt d = cnt_sub(b.dev[i], a.dev[i]);

            each &= d.viommu_copy == 1 && d.viommu_map == 0 && d.map == 0;
        }
        CHECK(each, "%s: %s: each guest MAP a COPY from the device-less "
              "ram source, no MAP", tag, what);
    }
    /* eo back: it shares the ram source's IOAS again */
    if (device_add(&vm, EO, "rpx")) {
        if (patched) {
            g_autoptr(JsonNode) q = qedu_query(vm.p);

            qedu_note_query(q);
            CHECK(qedu_container_of(q, "eo") &&
                  member_int(qedu_container_of(q, "eo"), "id") == rs_id &&
                  qedu_container_count(q) == 3,
                  "%s: %s: eo hot-added again: it joins the ram source's "
                  "IOAS (container %" PRId64 ")", tag, what,
                  member_int(qedu_container_of(q, "eo"), "id"));
        }
        CHECK(enable(&vm, EO) &&
              hedu_round_trip(vm.p, vm.bar[EO], QEDU_SRC_GPA, QEDU_DST_GPA,
                              LEN, 230),
              "%s: %s: eo DMAs to guest-physical addresses", tag, what);
    }
    vht_end(vm.p);
}

/* ==== virtio-mem under the vIOMMU in bypass ==== */

#define VMEM_F_UNPLUGGED_INACCESSIBLE 1
#define VMEM_MB 32
#define VMEM_BLOCK (2 * MIB)
#define VMEM_REQ_PLUG 0
#define VMEM_REQ_UNPLUG 1
#define VMEM_RESP_ACK 0

/* One PLUG or UNPLUG of @nb blocks from block @first; Return: ACK? */
static bool vmem_request(VhtProc *p, QVirtQueue *vq, uint64_t base, int type,
                         int first, int nb)
{
    uint8_t req[24] = { type }, resp[10];
    uint64_t addr = base + first * VMEM_BLOCK;
    uint32_t written = 0;

    memcpy(req + 8, &addr, 8);
    req[16] = nb;
    vht_memwrite(p, VMEM_BUF_GPA, req, sizeof(req));
    vht_memset(p, VMEM_BUF_GPA + PAGE, 0xff, sizeof(resp));
    if (!qvirtio_request(vq, VMEM_BUF_GPA, sizeof(req), VMEM_BUF_GPA + PAGE,
                         sizeof(resp), &written, 10000)) {
        return false;
    }
    vht_memread(p, VMEM_BUF_GPA + PAGE, resp, sizeof(resp));
    if (written < 2 || (resp[0] | resp[1] << 8) != VMEM_RESP_ACK) {
        tap_note("virtio-mem: request %d answered %u (%u bytes)", type,
                 resp[0] | resp[1] << 8, written);
        return false;
    }
    return true;
}

/* Mappings of @c starting in [@lo, @lo + @len) */
static int mappings_in(JsonObject *c, uint64_t lo, uint64_t len)
{
    JsonArray *ms = c ? json_object_get_array_member(c, "mappings") : NULL;
    int n = 0;

    for (guint i = 0; ms && i < json_array_get_length(ms); i++) {
        uint64_t iova = member_int(json_array_get_object_element(ms, i),
                                   "iova");

        n += iova >= lo && iova - lo < len;
    }
    return n;
}

static void virtio_mem(const char *bin, const char *tag, bool patched)
{
    static const char *const ids[] = { "e0", "e1" };
    /*
     * Anonymous memory: the control cannot map a file-backed block on
     * Linux 6.12 (IOMMU_IOAS_MAP_FILE gets ENOTTY, and 10.2.2 does not
     * fall back: what patch 2 fixes, test-qemu-fixes shows it)
     */
    g_autofree char *after = g_strdup_printf(
        "-object memory-backend-ram,id=vmem0,size=%dM "
        "-device virtio-mem-pci,id=vm0,memdev=vmem0,block-size=2M,"
        "requested-size=%dM,bus=pcie.0,addr=0x%x,vectors=0", VMEM_MB,
        VMEM_MB, VMEM_SLOT);
    const char *what = "virtio-mem in bypass, 2 devices";
    QVirtioDev dev;
    QVirtQueue vq;
    uint64_t base, offered = 0;
    long pin0, pin;
    Snap a = { 0 }, b;
    Vm vm;

    if (!vm_start(&vm, bin, tag, patched, QVIOMMU_VIRTIO, 2, NULL, after)) {
        vht_end(vm.p);
        return;
    }
    if (!CHECK(qvirtio_init(&dev, vm.p, 0, VMEM_SLOT,
                            QVIRTIO_PCI_ID(QVIRTIO_ID_MEM), VMEM_BAR) &&
               qvirtio_negotiate(&dev, 1ull << VMEM_F_UNPLUGGED_INACCESSIBLE,
                                 &offered) &&
               qvirtio_queue_setup(&dev, &vq, 0, VMEM_RING_GPA) &&
               qvirtio_driver_ok(&dev),
               "%s: %s: the virtio-mem driver is up", tag, what)) {
        vht_end(vm.p);
        return;
    }
    base = qvirtio_cfg_read(&dev, 16, 8);
    pin0 = qedu_vmpin(vm.p);
    if (patched) {
        a = snap(&vm, ids, 2);
    }
    if (!CHECK(vmem_request(vm.p, &vq, base, VMEM_REQ_PLUG, 0, 3),
               "%s: %s: PLUG of blocks 0-2 (6 MiB at 0x%" PRIx64 ") "
               "acknowledged", tag, what, base)) {
        vht_end(vm.p);
        return;
    }
    pin = qedu_vmpin(vm.p);
    row("virtio-mem 6 MiB plugged in bypass, 2 devices: VmPin growth",
        patched, pin - pin0);
    CHECK_EQ(pin - pin0, (patched ? 1 : 2) * 6144L, "%s: %s: VmPin %+ld kB "
             "(%s)", tag, what, pin - pin0, patched ? "the 6 MiB once" :
             "once per device's IOAS");
    if (patched) {
        g_autoptr(JsonNode) q = qedu_query(vm.p);
        JsonObject *cs[3] = { ram_source(q, "e0"),
                              qedu_container_of(q, "e0"),
                              qedu_container_of(q, "e1") };
        Cnt d[3];
        int64_t maps = 0, copies = 0;
        bool listed = true;

        b = snap(&vm, ids, 2);
        d[0] = cnt_sub(b.rs, a.rs);
        d[1] = cnt_sub(b.dev[0], a.dev[0]);
        d[2] = cnt_sub(b.dev[1], a.dev[1]);
        tap_note("%s: %s: PLUG of 3 blocks: counters", tag, what);
        for (int i = 0; i < 3; i++) {
            note_cnt(i ? ids[i - 1] : "ram source", d[i]);
            maps += d[i].map;
            copies += d[i].copy;
            listed &= mappings_in(cs[i], base, VMEM_MB * MIB) == 3;
        }
        CHECK(maps == 3 && copies == 6 && listed,
              "%s: %s: each block mapped once in the copy domain (MAP %"
              PRId64 ") and copied into the two other IOAS (COPY %" PRId64
              "); each container lists the 3 blocks", tag, what, maps,
              copies);
    }
    for (int i = 0; i < 2; i++) {
        for (int blk = 0; blk < 4; blk++) {
            HeduDest d = { .gpa = base + blk * VMEM_BLOCK +
                                  (i + 1) * 2 * PAGE, .fd = -1 };
            HeduResult r = hedu_copy(vm.p, vm.bar[i], QEDU_SRC_GPA, &d, LEN,
                                     240 + 4 * i + blk);

            CHECK(r == (blk < 3 ? HEDU_LANDED : HEDU_BLOCKED),
                  "%s: %s: e%d's DMA into block %d (%s) is %s", tag, what,
                  i, blk, blk < 3 ? "plugged" : "never plugged",
                  hedu_result_name(r));
        }
    }
    CHECK(vmem_request(vm.p, &vq, base, VMEM_REQ_UNPLUG, 0, 3) &&
          qedu_vmpin(vm.p) == pin0,
          "%s: %s: UNPLUG acknowledged, VmPin back to %ld kB", tag, what,
          pin0);
    for (int i = 0; i < 2; i++) {
        HeduDest d = { .gpa = base + VMEM_BLOCK + PAGE, .fd = -1 };
        HeduResult r = hedu_copy(vm.p, vm.bar[i], QEDU_SRC_GPA, &d, LEN,
                                 250 + i);

        CHECK(r == HEDU_BLOCKED, "%s: %s: unplugged: e%d's DMA into block "
              "1 is blocked (%s)", tag, what, i, hedu_result_name(r));
    }
    vht_end(vm.p);
}

int main(int argc, char **argv)
{
    const char *bins[2];
    const char *tags[2] = { "patched", "control" };
    gint64 t0 = g_get_monotonic_time();

    for (int i = 1; i < argc; i++) {
        if (g_str_has_prefix(argv[i], "--only=")) {
            only = argv[i] + 7;
        }
    }
    hedu_init();
    rows = g_array_new(false, true, sizeof(Row));
    bins[0] = qedu_binary("patched");
    bins[1] = qedu_binary("control");
    if (!CHECK(bins[0] && bins[1], "the patched and control binaries in "
               "$VFIO_QEMU_BINARIES")) {
        return tap_done();
    }
    nbdfs = hedu_find(bdfs, 4);
    if (nbdfs < 4) {
        return tap_done();
    }
    for (int b = 0; b < 2; b++) {
        if (selected("bypass")) {
            bypass(bins[b], tags[b], !b, QVIOMMU_VIRTIO, 1);
            bypass(bins[b], tags[b], !b, QVIOMMU_VIRTIO, 2);
            bypass(bins[b], tags[b], !b, QVIOMMU_VIRTIO, 4);
        }
        if (selected("vtd")) {
            bypass(bins[b], tags[b], !b, QVIOMMU_VTD, 2);
        }
        if (selected("translated")) {
            translated(bins[b], tags[b], !b, QVIOMMU_VIRTIO, 4);
        }
        if (selected("vtd")) {
            translated(bins[b], tags[b], !b, QVIOMMU_VTD, 4);
        }
        if (selected("hotplug")) {
            hotplug(bins[b], tags[b], !b);
            hotplug_owner(bins[b], tags[b], !b);
        }
        if (selected("virtio-mem")) {
            virtio_mem(bins[b], tags[b], !b);
        }
        if (selected("memlock")) {
            memlock(bins[b], tags[b], !b, 2);
            memlock(bins[b], tags[b], !b, 4);
        }
    }
    tap_note("%-64s %10s %10s", "VmPin (kB)", "patched", "control");
    for (guint i = 0; i < rows->len; i++) {
        Row *r = &g_array_index(rows, Row, i);
        g_autofree char *pa = r->patched == NO_START ? g_strdup("no start") :
                              g_strdup_printf("%ld", r->patched);
        g_autofree char *co = r->control == NO_START ? g_strdup("no start") :
                              g_strdup_printf("%ld", r->control);

        tap_note("%-64s %10s %10s", r->what, pa, co);
    }
    tap_note("test-viommu took %.1f s",
             (g_get_monotonic_time() - t0) / 1e6);
    return tap_done();
}
