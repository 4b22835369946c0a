/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-virtio-mem: virtio-mem memory plugged and unplugged under assigned
 * devices, on the rig's real kernel.  The test is the guest's virtio-mem
 * driver (qvirtio.c): it plugs and unplugs blocks with PLUG/UNPLUG
 * requests, and makes the edus DMA into plugged and unplugged blocks.
 *
 * Layouts (all devices in the one address space of the machine):
 *  three-kinds     e0 in the shared IOAS of iommufd object if0, e1 on if0
 *                  with x-separate-ioas=on (an IOAS of its own, in e0's
 *                  copy domain), e2 on a type1 container;
 *  shared          e0 and e1 in one IOAS, patched and control: the
 *                  control (10.2.2 + patch 1) aborts when a type1 and an
 *                  iommufd container share an address space (what patch 3
 *                  fixes), so the comparison leaves type1 out; and its
 *                  iommufd cannot map a file-backed region on Linux 6.12
 *                  (IOMMU_IOAS_MAP_FILE, ENOTTY: what patch 2 fixes; every
 *                  PLUG is answered BUSY), so there the region is a
 *                  memory-backend-ram, read back over qtest.
 *
 * virtio-mem notifies its listeners newest first (QLIST_INSERT_HEAD in
 * virtio_mem_rdm_register_listener()); the containers registered theirs
 * oldest first, so e2's is notified first, then e1's, then e0's.  In the
 * copy domain the first notified MAPs a block and the others COPY it:
 * e1's IOAS maps, e0's copies from e1 (copy-source e1's container).
 *
 * Over two plug/unplug cycles (patched: exact counts from x-query-vfio):
 *  - per plugged block one IOMMU_IOAS_MAP (e1), one IOMMU_IOAS_COPY (e0),
 *    one VFIO_IOMMU_MAP_DMA (e2); per unplug request one UNMAP in each;
 *  - VmPin grows by the plugged size once, VmLck (type1) by the same;
 *  - each container lists exactly the plugged blocks;
 *  - DMA into a plugged block lands in the backend's file for every
 *    device; DMA into a block never plugged, or unplugged, is blocked;
 *  - a device hot-added while blocks are plugged reaches them at once;
 *    the running containers issue nothing; its own IOAS copies all.
 * And, patched, three-kinds:
 *  - refused-discard: the UNMAP of an unplugged block is refused in e1's
 *    IOAS and in e2's type1 container (fault-ioctl.so, EIO): the guest's
 *    UNPLUG is still acknowledged (memory is discarded first), the two
 *    list the block as stale and their devices still reach it (what they
 *    write they read back), e0's is gone; a PLUG of that block retries
 *    the unmaps first: refused again, the PLUG is answered BUSY and
 *    nothing changes; then it succeeds and all is mapped anew;
 *  - populate-refused: with RLIMIT_MEMLOCK set so that the type1
 *    container (notified last here: it is the oldest) cannot pin one more
 *    block while the iommufd IOAS can, a PLUG is answered BUSY, the two
 *    iommufd containers that had mapped and copied it unmap it again, and
 *    nothing is left: no listing, no pin, no DMA.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edu.h"
#include "harness.h"
#include "qemu-edu.h"
#include "qvirtio.h"

#define LEN 4000
#define VMEM_MB 32
#define BLOCK (2ull << 20)
#define BLOCKS (int)((VMEM_MB << 20) / BLOCK)
#define BLOCK_KB (long)(BLOCK >> 10)
#define CYCLES 2
#define SECTIONS 5
/* see test-qemu-series.c: the isa-bios alias copied from another IOAS */
#define ALIAS_KB 128L

/* where the driver keeps its things: away from QEDU_SRC/DST_GPA */
#define VIRTIO_BAR 0xc8000000ULL     /* above the edu BARs and window */
#define VIRTIO_SLOT 8
#define RING_GPA 0x3000000ULL
#define REQ_GPA 0x3100000ULL
#define RESP_GPA 0x3101000ULL

/* virtio-mem (struct virtio_mem_config, requests, responses) */
#define VMEM_F_UNPLUGGED_INACCESSIBLE 1
#define VMEM_CFG_BLOCK_SIZE 0
#define VMEM_CFG_ADDR 16
#define VMEM_CFG_REGION_SIZE 24
#define VMEM_CFG_USABLE 32
#define VMEM_CFG_PLUGGED 40
#define VMEM_REQ_PLUG 0
#define VMEM_REQ_UNPLUG 1
#define VMEM_REQ_SIZE 24
#define VMEM_RESP_SIZE 10
#define VMEM_RESP_ACK 0
#define VMEM_RESP_BUSY 2

static char bdfs[HEDU_MAX][32];
static const char *patched, *control;

typedef enum Kind { SHARED, SEPARATE, LEGACY } Kind;
static const char *const kind_name[] = { "shared IOAS", "separate IOAS",
                                         "type1" };

#define NEDU 3
static const char *const ids[NEDU] = { "e0", "e1", "e2" };

typedef struct VMem {
    const char *tag;
    bool query;             /* x-query-vfio (the patched build) */
    int n;                  /* edus */
    const Kind *kind;
    VhtProc *p;
    QVirtioDev dev;
    QVirtQueue vq;
    uint64_t addr;          /* guest-physical base of the region */
    bool file;              /* a shared memory-backend-file, read back */
    int fd;                 /* the backend's file (-1: read over qtest) */
    char path[64];
    uint64_t bar[NEDU];
    bool separate;          /* some edu has x-separate-ioas */
    bool legacy;            /* some edu is on type1 */
} VMem;

static const Kind three_kinds[NEDU] = { SHARED, SEPARATE, LEGACY };
static const Kind two_shared[NEDU] = { SHARED, SHARED };

/* One PLUG or UNPLUG request; Return: the response type, or -1 */
static int vmem_request(VMem *v, int type, int first, int nb)
{
    uint8_t req[VMEM_REQ_SIZE] = { 0 }, resp[VMEM_RESP_SIZE];
    uint64_t addr = v->addr + first * BLOCK;
    uint32_t written = 0;

    req[0] = type;
    memcpy(req + 8, &addr, 8);          /* little-endian, as the guest's */
    req[16] = nb;
    vht_memwrite(v->p, REQ_GPA, req, sizeof(req));
    vht_memset(v->p, RESP_GPA, 0xff, sizeof(resp));
    if (!qvirtio_request(&v->vq, REQ_GPA, sizeof(req), RESP_GPA,
                         sizeof(resp), &written, 10000)) {
        return -1;
    }
    vht_memread(v->p, RESP_GPA, resp, sizeof(resp));
    return written >= 2 ? resp[0] | resp[1] << 8 : -1;
}

static uint64_t plugged_size(VMem *v)
{
    return qvirtio_cfg_read(&v->dev, VMEM_CFG_PLUGGED, 8);
}

/* The edu at @bar DMAs into the region at @off: the file, or over qtest */
static HeduResult dma_at(VMem *v, uint64_t bar, off_t off, unsigned seed)
{
    return qedu_file_copy(v->p, bar, v->addr + off, v->file ? v->fd : -1,
                          off, LEN, seed);
}

/* edu @i DMAs into block @b (at a page offset that varies with @seed) */
static HeduResult dma_block(VMem *v, int i, int b, unsigned seed)
{
    return dma_at(v, v->bar[i], b * BLOCK + (seed % 16) * 4096, seed);
}

static void check_dma(VMem *v, int b, bool plugged, const char *when,
                      unsigned seed)
{
    for (int i = 0; i < v->n; i++) {
        HeduResult r = dma_block(v, i, b, seed + i);
        HeduResult want = plugged ? HEDU_LANDED : HEDU_BLOCKED;

        CHECK(r == want, "%s: %s: edu%d (%s) DMA into block %d is %s (%s)",
              v->tag, when, i, kind_name[v->kind[i]], b,
              hedu_result_name(want), hedu_result_name(r));
    }
}

static bool vmem_driver(VMem *v)
{
    uint64_t offered = 0;

    if (!CHECK(qvirtio_init(&v->dev, v->p, 0, VIRTIO_SLOT,
                            QVIRTIO_PCI_ID(QVIRTIO_ID_MEM), VIRTIO_BAR),
               "%s: virtio-mem-pci found, BAR placed at 0x%llx", v->tag,
               VIRTIO_BAR) ||
        !CHECK(qvirtio_negotiate(&v->dev,
                                 1ull << VMEM_F_UNPLUGGED_INACCESSIBLE,
                                 &offered) &&
               (v->dev.features & 1ull << VMEM_F_UNPLUGGED_INACCESSIBLE),
               "%s: features negotiated, UNPLUGGED_INACCESSIBLE accepted "
               "(offered 0x%" PRIx64 ")", v->tag, offered) ||
        !CHECK(qvirtio_queue_setup(&v->dev, &v->vq, 0, RING_GPA) &&
               qvirtio_driver_ok(&v->dev),
               "%s: request queue (%u entries) set up, DRIVER_OK", v->tag,
               v->vq.size)) {
        return false;
    }
    v->addr = qvirtio_cfg_read(&v->dev, VMEM_CFG_ADDR, 8);
    tap_note("%s: virtio-mem at 0x%" PRIx64 ", block 0x%" PRIx64
             ", region 0x%" PRIx64 ", usable 0x%" PRIx64, v->tag, v->addr,
             qvirtio_cfg_read(&v->dev, VMEM_CFG_BLOCK_SIZE, 8),
             qvirtio_cfg_read(&v->dev, VMEM_CFG_REGION_SIZE, 8),
             qvirtio_cfg_read(&v->dev, VMEM_CFG_USABLE, 8));
    return CHECK(qvirtio_cfg_read(&v->dev, VMEM_CFG_BLOCK_SIZE, 8) == BLOCK &&
                 qvirtio_cfg_read(&v->dev, VMEM_CFG_REGION_SIZE, 8) ==
                 (uint64_t)VMEM_MB << 20 && v->addr && plugged_size(v) == 0,
                 "%s: config: %d blocks of 2 MiB, nothing plugged", v->tag,
                 BLOCKS);
}

/* Pinned memory: VmPin is iommufd's, VmLck type1's */
typedef struct Pins {
    long pin, lck;
} Pins;

static Pins pins(VMem *v)
{
    return (Pins){ qedu_vmpin(v->p),
                   qedu_status_kb(vht_pid(v->p), "VmLck") };
}

/* What the pins must be with @blocks blocks plugged, above @base */
static bool pins_are(VMem *v, Pins base, int blocks, const char *when)
{
    Pins now = pins(v);
    long want_lck = v->legacy ? blocks * BLOCK_KB : 0;

    return CHECK(now.pin - base.pin == blocks * BLOCK_KB &&
                 now.lck - base.lck == want_lck,
                 "%s: %s: VmPin %+ld kB (want %+ld: once per block), VmLck "
                 "%+ld kB (want %+ld)", v->tag, when, now.pin - base.pin,
                 blocks * BLOCK_KB, now.lck - base.lck, want_lck);
}

/* Counters of each edu's container */
typedef struct Counts {
    QeduCounts c[NEDU];
} Counts;

static Counts counts(VMem *v)
{
    Counts c = { 0 };

    if (v->query) {
        qedu_counts(v->p, ids, v->n, c.c);
    }
    return c;
}

/* The delta of counter @f of edu @i */
#define D(f, i) (b.c[i].f - a.c[i].f)

/*
 * The counters after @blocks blocks were plugged, from @a to @b: the
 * first notified container of the copy domain MAPs, the other COPYs,
 * type1 MAPs.
 */
static void check_plug_counts(VMem *v, Counts a, Counts b, int blocks,
                              const char *when)
{
    for (int i = 0; i < v->n; i++) {
        tap_note("%s: %s: e%d (%s): MAP %+" PRId64 ", COPY %+" PRId64
                 ", UNMAP %+" PRId64 " for %d blocks", v->tag, when, i,
                 kind_name[v->kind[i]], D(map, i), D(copy, i), D(unmap, i),
                 blocks);
    }
    if (v->legacy) {
        CHECK(D(map, 2) == blocks && D(copy, 2) == 0,
              "%s: %s: type1: one VFIO_IOMMU_MAP_DMA per plugged block",
              v->tag, when);
    }
    if (v->separate) {
        CHECK(D(map, 1) == blocks && D(copy, 1) == 0 && D(map, 0) == 0 &&
              D(copy, 0) == blocks,
              "%s: %s: per plugged block one IOMMU_IOAS_MAP in e1's IOAS "
              "(notified first) and one IOMMU_IOAS_COPY into e0's", v->tag,
              when);
    } else {
        CHECK(D(map, 0) == blocks && D(copy, 0) == 0,
              "%s: %s: the shared IOAS: one IOMMU_IOAS_MAP per plugged "
              "block", v->tag, when);
    }
}

/*
 * x-query-vfio: each container lists exactly the blocks @plugged[0..n)
 * (and no other block); e0's copies name e1's container as their source.
 */
static void check_listed(VMem *v, const int *plugged, int n,
                         const char *when)
{
    g_autoptr(JsonNode) q = qedu_query(v->p);
    int64_t src = qedu_container_id(qedu_container_of(q, "e1"));

    for (int i = 0; i < v->n; i++) {
        JsonObject *c = qedu_container_of(q, ids[i]);
        int listed = qedu_mappings_in(c, v->addr, (uint64_t)VMEM_MB << 20);
        bool all = listed == n;

        for (int k = 0; k < n; k++) {
            all &= qedu_covers(c, v->addr + plugged[k] * BLOCK, BLOCK);
        }
        CHECK(all, "%s: %s: e%d: x-query-vfio lists the %d plugged blocks "
              "and no other (%d listed)", v->tag, when, i, n, listed);
    }
    if (v->separate && n) {
        JsonObject *c0 = qedu_container_of(q, "e0");
        bool ok = true;
        uint64_t at = 0;

        for (int k = 0; k < n; k++) {
            uint64_t gpa = v->addr + plugged[k] * BLOCK;

            ok &= qedu_copy_source(c0, gpa, &at) == src && at == gpa;
        }
        CHECK(ok, "%s: %s: e0's copies name e1's container (%" PRId64 ") "
              "as copy-source, at the same IOVA", v->tag, when, src);
    }
}

/*
 * One cycle: plug a single block and a run of two (two requests), DMA
 * into them and next to them, unplug both, DMA again.
 */
static void cycle(VMem *v, int c, Pins base)
{
    int one = 4 * c, two = 4 * c + 1, none = 4 * c + 3;
    int plugged[] = { one, two, two + 1 };
    g_autofree char *when = g_strdup_printf("cycle %d", c);
    Counts a, b;

    a = counts(v);
    if (!CHECK(vmem_request(v, VMEM_REQ_PLUG, one, 1) == VMEM_RESP_ACK &&
               vmem_request(v, VMEM_REQ_PLUG, two, 2) == VMEM_RESP_ACK &&
               plugged_size(v) == 3 * BLOCK,
               "%s: %s: PLUG block %d and blocks %d-%d acknowledged, 6 MiB "
               "plugged", v->tag, when, one, two, two + 1)) {
        return;
    }
    pins_are(v, base, 3, when);
    if (v->query) {
        b = counts(v);
        check_plug_counts(v, a, b, 3, when);
        check_listed(v, plugged, 3, when);
    }
    check_dma(v, one, true, when, 10 * c);
    check_dma(v, two, true, when, 10 * c + 3);
    check_dma(v, two + 1, true, when, 10 * c + 6);
    check_dma(v, none, false, when, 10 * c + 9);

    a = counts(v);
    if (!CHECK(vmem_request(v, VMEM_REQ_UNPLUG, one, 1) == VMEM_RESP_ACK &&
               vmem_request(v, VMEM_REQ_UNPLUG, two, 2) == VMEM_RESP_ACK &&
               plugged_size(v) == 0,
               "%s: %s: UNPLUG of both acknowledged, nothing plugged",
               v->tag, when)) {
        return;
    }
    if (v->query) {
        bool ok = true;

        b = counts(v);
        for (int i = 0; i < v->n; i++) {
            ok &= D(unmap, i) == 2 && D(map, i) == 0 && D(copy, i) == 0;
        }
        CHECK(ok, "%s: %s: one UNMAP per unplug request in each container",
              v->tag, when);
        check_listed(v, NULL, 0, when);
    }
    pins_are(v, base, 0, when);
    check_dma(v, one, false, when, 10 * c + 1);
    check_dma(v, two + 1, false, when, 10 * c + 2);
}

/*
 * A fourth edu hot-added (in the root port rp0) while two blocks are
 * plugged: it joins alone, the running containers issue nothing, and its
 * own container gets the plugged blocks (replayed by the RAM discard
 * manager for the new listener) so that its DMA lands in them at once.
 */
static void hotplug_while_plugged(VMem *v, Pins base)
{
    const char *tag = v->tag, *when = "hot-add";
    static const char *const hp[] = { "hp0" };
    Counts a, b;
    QeduCounts h, h2;
    guint fds0 = qedu_wait_vfio_fds(vht_pid(v->p), v->n - v->legacy);
    g_autofree char *check = g_strdup_printf(
        "%s: device_add of a fourth edu while blocks are plugged", tag);
    uint64_t bar;

    if (!CHECK(vmem_request(v, VMEM_REQ_PLUG, 8, 2) == VMEM_RESP_ACK,
               "%s: %s: PLUG blocks 8-9", tag, when)) {
        return;
    }
    a = counts(v);
    if (!hedu_qmp_ok(v->p, check,
                     "{'execute': 'device_add', 'arguments': {'driver': "
                     "'vfio-pci', 'host': '%s', 'id': 'hp0', 'bus': 'rp0', "
                     "'iommufd': 'if0'%s}}", bdfs[NEDU],
                     v->separate ? ", 'x-separate-ioas': true" : "")) {
        return;
    }
    pins_are(v, base, 2, "after the hot-add: nothing pinned again");
    if (v->query) {
        g_autoptr(JsonNode) q = qedu_query(v->p);
        JsonObject *c = qedu_container_of(q, "hp0");
        JsonObject *c0 = qedu_container_of(q, "e0");
        uint64_t at = 0;

        b = counts(v);
        CHECK(!memcmp(&a, &b, sizeof(a)), "%s: %s: the running containers "
              "issued no MAP, COPY or UNMAP", tag, when);
        qedu_counts(v->p, hp, 1, &h);
        tap_note("%s: %s: hp0's container: MAP %" PRId64 ", COPY %" PRId64
                 ", UNMAP %" PRId64, tag, when, h.map, h.copy, h.unmap);
        if (v->separate) {
            CHECK(c && c != c0 && h.map == 0 && h.copy == SECTIONS + 2 &&
                  qedu_mappings(c, NULL) == SECTIONS + 2,
                  "%s: %s: hp0's own IOAS is filled by COPY alone: one per "
                  "RAM section and one per plugged block (%d; MAP %" PRId64
                  ", COPY %" PRId64 ")", tag, when, SECTIONS + 2, h.map,
                  h.copy);
            CHECK(qedu_copy_source(c, v->addr + 8 * BLOCK, &at) ==
                  qedu_container_id(c0) && at == v->addr + 8 * BLOCK,
                  "%s: %s: its block copies name the oldest holder, e0's "
                  "container, as copy-source", tag, when);
        } else {
            CHECK(c && c == c0, "%s: %s: hp0 joined the shared IOAS", tag,
                  when);
        }
    }
    qedu_root_port(v->p, QEDU_ROOT_PORT_SLOT, 1, QEDU_HOTPLUG_BAR);
    bar = qedu_enable(v->p, 1, 0, QEDU_HOTPLUG_BAR);
    for (int blk = 8; blk < 11; blk++) {
        HeduResult r = dma_at(v, bar, blk * BLOCK + 4096, 300 + blk);
        HeduResult want = blk < 10 ? HEDU_LANDED : HEDU_BLOCKED;

        CHECK(r == want, "%s: %s: the hot-added edu's DMA into block %d is "
              "%s (%s)", tag, when, blk, hedu_result_name(want),
              hedu_result_name(r));
    }
    check_dma(v, 8, true, "after the hot-add", 310);
    CHECK(vmem_request(v, VMEM_REQ_UNPLUG, 8, 2) == VMEM_RESP_ACK,
          "%s: %s: UNPLUG blocks 8-9", tag, when);
    if (v->query && v->separate) {
        qedu_counts(v->p, hp, 1, &h2);
        CHECK(h2.unmap - h.unmap == 1, "%s: %s: one UNMAP in hp0's "
              "container too", tag, when);
    }
    CHECK(dma_at(v, bar, 8 * BLOCK, 320) == HEDU_BLOCKED,
          "%s: %s: the hot-added edu's DMA into the unplugged block 8 is "
          "blocked", tag, when);
    CHECK(qedu_unplug_pci(v->p, "hp0", "rp0") &&
          qedu_wait_vfio_fds(vht_pid(v->p), fds0) == fds0,
          "%s: %s: the hot-added edu unplugged, its device fd closed", tag,
          when);
    pins_are(v, base, 0, "after the unplug");
}

/* QEMU's command line for @v, with @extra before the devices */
static char *vmem_args(VMem *v, const char *extra, bool legacy_first)
{
    GString *s = g_string_new("-object iommufd,id=if0 ");

    g_string_append(s, extra ? extra : "");
    for (int k = 0; k < v->n; k++) {
        /* the type1 device first on the command line: its container oldest */
        int i = legacy_first ? (k + v->n - 1) % v->n : k;

        g_string_append_printf(s, " -device vfio-pci,host=%s,id=%s,addr=0x%x",
                               bdfs[i], ids[i], QEDU_FIRST_SLOT + i);
        if (v->kind[i] != LEGACY) {
            g_string_append(s, ",iommufd=if0");
        }
        if (v->kind[i] == SEPARATE) {
            g_string_append(s, ",x-separate-ioas=on");
        }
    }
    if (v->file) {
        g_string_append_printf(s, " -object memory-backend-file,id=vmem0,"
                               "mem-path=%s,size=%dM,share=on", v->path,
                               VMEM_MB);
    } else {
        g_string_append_printf(s, " -object memory-backend-ram,id=vmem0,"
                               "size=%dM", VMEM_MB);
    }
    g_string_append_printf(s,
        " -device virtio-mem-pci,id=vm0,memdev=vmem0,block-size=2M,"
        "requested-size=%dM,addr=0x%x,vectors=0"
        " -device pcie-root-port,id=rp0,chassis=1,addr=0x%x",
        VMEM_MB, VIRTIO_SLOT, QEDU_ROOT_PORT_SLOT);
    return g_string_free(s, false);
}

/*
 * Start QEMU (with @o: under the fault shim), enable the edus, DMA.
 * @file: the region on a shared memory-backend-file (mapped with the
 * MAP_FILE fallback), else a memory-backend-ram (no fd: what the control
 * can map on Linux 6.12, where it has no fallback).
 */
static bool vmem_start(VMem *v, const char *bin, const char *tag,
                       const Kind *kind, int n, bool file,
                       const QeduStartOpts *o, bool legacy_first)
{
    g_autofree char *args = NULL;

    *v = (VMem){ .tag = tag, .query = bin == patched, .n = n, .kind = kind,
                 .file = file };
    for (int i = 0; i < n; i++) {
        v->separate |= kind[i] == SEPARATE;
        v->legacy |= kind[i] == LEGACY;
    }
    g_snprintf(v->path, sizeof(v->path), "/tmp/vmem-%s-%d", tag, getpid());
    v->fd = -1;
    if (file) {
        v->fd = qedu_dimm_file(v->path, VMEM_MB);
        if (!CHECK(v->fd >= 0, "%s: backend file %s", tag, v->path)) {
            return false;
        }
    }
    args = vmem_args(v, NULL, legacy_first);
    v->p = o ? qedu_start_with(bin, args, o)
             : qedu_start(bin, args, NULL, false);
    if (!v->p) {
        return false;
    }
    for (int i = 0; i < n; i++) {
        v->bar[i] = qedu_enable(v->p, 0, QEDU_FIRST_SLOT + i, qedu_bar(i));
        CHECK(hedu_round_trip(v->p, v->bar[i], QEDU_SRC_GPA, QEDU_DST_GPA,
                              LEN, 100 + i),
              "%s: edu%d (%s) DMA into guest RAM byte-exact", tag, i,
              kind_name[kind[i]]);
    }
    if (v->query) {
        g_autoptr(JsonNode) q = qedu_query(v->p);
        JsonObject *c[NEDU] = { NULL };
        bool distinct = true;

        qedu_note_query(q);
        for (int i = 0; i < n; i++) {
            c[i] = qedu_container_of(q, ids[i]);
            for (int j = 0; j < i; j++) {
                distinct &= c[i] && c[i] != c[j];
            }
        }
        if (v->separate) {
            CHECK(distinct, "%s: three containers: shared IOAS, separate "
                  "IOAS, type1", tag);
        } else {
            CHECK(c[0] && c[0] == c[1], "%s: e0 and e1 share one IOAS", tag);
        }
    }
    return vmem_driver(v);
}

static void vmem_end(VMem *v, gint64 t0)
{
    if (v->p) {
        if (v->query) {
            g_autoptr(JsonNode) q = qedu_query(v->p);

            qedu_note_query(q);
        }
        vht_end(v->p);
        tap_result(true, "%s: QEMU quit cleanly", v->tag);
    }
    tap_note("%s: scenario took %.1f s", v->tag,
             (g_get_monotonic_time() - t0) / 1e6);
    if (v->fd >= 0) {
        qedu_dimm_file_drop(v->fd, v->path);
    }
}

static void scenario_cycles(const char *bin, const char *tag,
                            const Kind *kind, int n, bool file)
{
    gint64 t0 = g_get_monotonic_time();
    VMem v = { .tag = tag, .fd = -1 };
    Pins base;
    bool ok = vmem_start(&v, bin, tag, kind, n, file, NULL, false);

    if (!v.p) {
        vmem_end(&v, t0);
        return;
    }
    base = pins(&v);
    tap_note("%s: before any plug: VmPin %ld kB, VmLck %ld kB", tag,
             base.pin, base.lck);
    /* one iommufd IOAS pins guest RAM and the ROM, two copy the alias */
    CHECK(base.pin == QEDU_PINNED_KB - (v.separate ? ALIAS_KB : 0) &&
          base.lck == (v.legacy ? QEDU_PINNED_KB : 0),
          "%s: guest RAM + BIOS pinned once by iommufd%s", tag,
          v.legacy ? " and once by type1" : "");
    if (ok) {
        check_dma(&v, 0, false, "never plugged", 1);
        for (int c = 0; c < CYCLES; c++) {
            cycle(&v, c, base);
        }
        hotplug_while_plugged(&v, base);
    }
    vmem_end(&v, t0);
}

/* ---- a refused discard: stale, listed, reachable, retried ---- */

static bool stale_block(JsonObject *c, uint64_t gpa)
{
    JsonObject *m = qedu_mapping_at(c, gpa);

    return m && json_object_get_boolean_member_with_default(m, "stale",
                                                            false);
}

static void scenario_refused_discard(void)
{
    const char *tag = "refused-discard";
    const char *shim = g_getenv("VFIO_FAULT_IOCTL");
    g_autofree char *dir = g_dir_make_tmp("vmem-XXXXXX", NULL);
    g_autofree char *log = g_build_filename(dir, "calls.log", NULL);
    /*
     * The watched unmaps: 1-3 at the machine reset (e0's, e1's, e2's
     * container: oldest first), then block 5's UNPLUG: 4 e2's (notified
     * first), 5 e1's, 6 e0's.  4 and 5 are refused; so is 7, the first
     * retry (e2's, at the next PLUG of block 5); 8 and 9 follow below.
     */
    QeduStartOpts o = { .fault_requests = "IOMMU_IOAS_UNMAP,"
                        "VFIO_IOMMU_UNMAP_DMA", .fault_nth = "4,5,7",
                        .fault_errno = EIO, .fault_log = log };
    gint64 t0 = g_get_monotonic_time();
    g_autoptr(GArray) calls = NULL;
    Counts a, b;
    Pins base;
    VMem v = { .tag = tag, .fd = -1 };
    uint64_t gpa;
    int plugged = 5;

    if (!CHECK(shim && g_file_test(shim, G_FILE_TEST_EXISTS),
               "%s: the ioctl fault shim ($VFIO_FAULT_IOCTL)", tag) ||
        !vmem_start(&v, patched, tag, three_kinds, NEDU, true, &o, false)) {
        vmem_end(&v, t0);
        return;
    }
    base = pins(&v);
    gpa = v.addr + plugged * BLOCK;
    CHECK(vmem_request(&v, VMEM_REQ_PLUG, plugged, 1) == VMEM_RESP_ACK,
          "%s: PLUG block %d", tag, plugged);
    check_dma(&v, plugged, true, "plugged", 400);

    qedu_log_mark(log, "unplug");
    a = counts(&v);
    CHECK(vmem_request(&v, VMEM_REQ_UNPLUG, plugged, 1) == VMEM_RESP_ACK &&
          plugged_size(&v) == 0,
          "%s: the UNPLUG is acknowledged although two unmaps are refused: "
          "virtio-mem discarded the memory first", tag);
    b = counts(&v);
    calls = qedu_log_calls(log);
    qedu_log_note(calls, "unplug", tag);
    CHECK(qedu_log_count(calls, NULL, "unplug", false) == 3 &&
          qedu_log_count(calls, "IOMMU_IOAS_UNMAP", "unplug", true) == 1 &&
          D(unmap, 0) == 1 && D(unmap, 1) == 0 && D(unmap, 2) == 0,
          "%s: e2's and e1's unmaps refused (injected), e0's done", tag);
    {
        g_autoptr(JsonNode) q = qedu_query(v.p);

        qedu_note_query(q);
        CHECK(stale_block(qedu_container_of(q, "e1"), gpa) &&
              stale_block(qedu_container_of(q, "e2"), gpa) &&
              !qedu_mapping_at(qedu_container_of(q, "e0"), gpa),
              "%s: e1's and e2's containers list the block, stale; e0's "
              "no more", tag);
    }
    for (int i = 0; i < NEDU; i++) {
        HeduResult r = qedu_dma_reach(v.p, v.bar[i], gpa + 4096, LEN,
                                      410 + i);

        CHECK(r == (i ? HEDU_LANDED : HEDU_BLOCKED),
              "%s: edu%d (%s) %s the discarded block (%s)", tag, i,
              kind_name[v.kind[i]], i ? "still reaches: writes and reads "
              "back through" : "is blocked from", hedu_result_name(r));
    }
    pins_are(&v, base, 1, "the discarded block stays pinned");

    /*
     * The next PLUG retries e2's unmap (notified first): refused again,
     * so its populate fails with EEXIST before any map; its rollback
     * discards the block's range, which unmaps what is recorded there:
     * the stale mapping, this time for good (the 8th call).
     */
    qedu_log_mark(log, "busy");
    a = counts(&v);
    CHECK(vmem_request(&v, VMEM_REQ_PLUG, plugged, 1) == VMEM_RESP_BUSY &&
          plugged_size(&v) == 0,
          "%s: PLUG of the block while e2's retried unmap is refused: "
          "answered BUSY, nothing plugged", tag);
    b = counts(&v);
    g_clear_pointer(&calls, g_array_unref);
    calls = qedu_log_calls(log);
    qedu_log_note(calls, "busy", tag);
    CHECK(qedu_log_count(calls, NULL, "busy", false) == 2 &&
          qedu_log_count(calls, "VFIO_IOMMU_UNMAP_DMA", "busy", true) == 1 &&
          D(unmap, 2) == 1 && D(map, 2) == 0 && D(unmap, 1) == 0 &&
          D(map, 1) == 0 && D(copy, 0) == 0,
          "%s: e2's retry refused, its rollback's unmap done; nothing else "
          "(the others were not notified)", tag);
    {
        g_autoptr(JsonNode) q = qedu_query(v.p);

        CHECK(stale_block(qedu_container_of(q, "e1"), gpa) &&
              !qedu_mapping_at(qedu_container_of(q, "e2"), gpa) &&
              !qedu_mapping_at(qedu_container_of(q, "e0"), gpa),
              "%s: e1's stale block still listed; e2's gone with the "
              "rollback", tag);
    }
    CHECK(qedu_dma_reach(v.p, v.bar[1], gpa + 4096, LEN, 415) == HEDU_LANDED &&
          qedu_dma_reach(v.p, v.bar[2], gpa + 4096, LEN, 416) == HEDU_BLOCKED,
          "%s: e1 still reaches the block, e2 no more", tag);
    {
        Pins now = pins(&v);

        CHECK(now.pin - base.pin == BLOCK_KB && now.lck == base.lck,
              "%s: e1's stale block still pinned (VmPin %+ld kB), e2's "
              "released (VmLck %+ld kB)", tag, now.pin - base.pin,
              now.lck - base.lck);
    }

    /* and again: the retries succeed, all is mapped anew */
    qedu_log_mark(log, "replug");
    a = counts(&v);
    CHECK(vmem_request(&v, VMEM_REQ_PLUG, plugged, 1) == VMEM_RESP_ACK,
          "%s: PLUG again: acknowledged", tag);
    b = counts(&v);
    g_clear_pointer(&calls, g_array_unref);
    calls = qedu_log_calls(log);
    qedu_log_note(calls, "replug", tag);
    CHECK(qedu_log_count(calls, NULL, "replug", false) == 1 &&
          qedu_log_count(calls, "IOMMU_IOAS_UNMAP", "replug", true) == 1 &&
          D(unmap, 2) == 0 && D(map, 2) == 1 && D(unmap, 1) == 1 &&
          D(map, 1) == 1 && D(copy, 0) == 1 && D(map, 0) == 0,
          "%s: e1 unmapped its stale block (the retry) and mapped the new "
          "one, e2 mapped it, e0 copied it", tag);
    {
        g_autoptr(JsonNode) q = qedu_query(v.p);
        const int blocks[] = { plugged };

        CHECK(!stale_block(qedu_container_of(q, "e1"), gpa) &&
              !stale_block(qedu_container_of(q, "e2"), gpa),
              "%s: nothing stale any more", tag);
        check_listed(&v, blocks, 1, "replugged");
    }
    check_dma(&v, plugged, true, "replugged", 420);
    pins_are(&v, base, 1, "replugged: only the new block pinned");
    CHECK(vmem_request(&v, VMEM_REQ_UNPLUG, plugged, 1) == VMEM_RESP_ACK,
          "%s: UNPLUG", tag);
    check_dma(&v, plugged, false, "unplugged", 430);
    check_listed(&v, NULL, 0, "unplugged");
    pins_are(&v, base, 0, "unplugged");
    unlink(log);
    rmdir(dir);
    vmem_end(&v, t0);
}

/* ---- a populate VFIO cannot map: the PLUG fails, nothing is left ---- */

static void scenario_populate_refused(void)
{
    const char *tag = "populate-refused";
    gint64 t0 = g_get_monotonic_time();
    /*
     * iommufd's IOAS pin guest RAM and the ROM once, the alias copied
     * (QEDU_PINNED_KB - 128 kB); type1 pins QEDU_PINNED_KB.  A limit of
     * one block above iommufd's lets e1's IOAS map one block while the
     * type1 container cannot pin it.
     */
    g_autofree char *limit = g_strdup_printf("%ld", QEDU_PINNED_KB -
                                             ALIAS_KB + BLOCK_KB);
    g_autoptr(JsonObject) ev = NULL;
    Counts a, b;
    Pins base;
    VMem v = { .tag = tag, .fd = -1 };
    bool ok;

    g_setenv("QEDU_MEMLOCK_KB", limit, true);
    ok = vmem_start(&v, patched, tag, three_kinds, NEDU, false, NULL, true);
    g_unsetenv("QEDU_MEMLOCK_KB");
    tap_note("%s: RLIMIT_MEMLOCK %s kB, no CAP_IPC_LOCK; e2 (type1) first "
             "on the command line", tag, limit);
    if (!ok) {
        vmem_end(&v, t0);
        return;
    }
    base = pins(&v);
    a = counts(&v);
    CHECK(vmem_request(&v, VMEM_REQ_PLUG, 3, 1) == VMEM_RESP_BUSY &&
          plugged_size(&v) == 0,
          "%s: PLUG of one block: answered BUSY, nothing plugged", tag);
    b = counts(&v);
    {
        g_autoptr(JsonNode) q = qedu_query(v.p);
        JsonObject *c2 = qedu_container_of(q, "e2");

        qedu_note_query(q);
        CHECK(D(map, 1) == 1 && D(unmap, 1) == 1 && D(copy, 0) == 1 &&
              D(unmap, 0) == 1 && D(map, 2) == 0 && D(unmap, 2) == 0,
              "%s: e1 mapped it and e0 copied it (notified first), e2's "
              "map failed, and e1 and e0 unmapped it again", tag);
        CHECK(json_object_get_int_member_with_default(c2, "map-errors", -1)
              == 0,
              "%s: refused, not a run-time map error (map-errors 0)", tag);
    }
    ev = vht_qmp_wait_event(vht_qmp_main(v.p), "VFIO_DMA_MAP_FAILED", 500);
    CHECK(!ev, "%s: no VFIO_DMA_MAP_FAILED event", tag);
    check_listed(&v, NULL, 0, "after the BUSY");
    pins_are(&v, base, 0, "after the BUSY");
    check_dma(&v, 3, false, "after the BUSY", 500);
    for (int i = 0; i < NEDU; i++) {
        CHECK(hedu_round_trip(v.p, v.bar[i], QEDU_SRC_GPA, QEDU_DST_GPA,
                              LEN, 510 + i),
              "%s: edu%d DMA into guest RAM still byte-exact", tag, i);
    }
    vmem_end(&v, t0);
}

int main(int argc, char **argv)
{
    hedu_init();
    patched = qedu_binary("patched");
    control = qedu_binary("control");
    if (!CHECK(patched, "the patched binary in $VFIO_QEMU_BINARIES") ||
        hedu_find(bdfs, NEDU + 1) < NEDU + 1) {
        return tap_done();
    }
    scenario_cycles(patched, "three-kinds", three_kinds, NEDU, true);
    /* the control's layout, for a like-for-like comparison */
    scenario_cycles(patched, "patched-shared", two_shared, 2, false);
    if (CHECK(control, "the control binary in $VFIO_QEMU_BINARIES")) {
        scenario_cycles(control, "control-shared", two_shared, 2, false);
    }
    scenario_refused_discard();
    scenario_populate_refused();
    return tap_done();
}
