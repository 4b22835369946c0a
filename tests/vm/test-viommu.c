/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-viommu: assigned devices behind a guest-visible IOMMU
 * (virtio-iommu-pci), on the rig's real kernel.  The test is the guest's
 * virtio-iommu driver (qvirtio.c): it attaches each edu's endpoint (its
 * PCI requester id) to a domain and maps guest IOVAs to guest RAM pages
 * with MAP/UNMAP requests; QEMU's IOMMU notifiers turn them into
 * IOMMU_IOAS_MAP (iommufd) or VFIO_IOMMU_MAP_DMA (type1) on the real
 * kernel.
 *
 * e0 and e1 are on one iommufd object, e2 on a legacy type1 container;
 * e0 and e2 are attached to domain 1, e1 to domain 2.
 *
 *  - before the driver attaches anything (boot bypass) each edu DMAs to
 *    guest-physical addresses; each edu has an address space of its own
 *    with one container, so the two iommufd containers both map guest RAM
 *    (no COPY across address spaces: VmPin is twice guest RAM);
 *  - attached to a domain with nothing mapped, DMA is blocked;
 *  - an IOVA mapped in a domain reaches the guest page it maps, for the
 *    iommufd and the legacy container of that domain; the same IOVA in
 *    the other domain reaches that domain's page (isolation), an IOVA
 *    mapped only in domain 1 is blocked for domain 2's device;
 *  - unmapped: blocked; remapped to another page: DMA follows;
 *  - a fourth edu hot-added behind the vIOMMU starts in bypass and, once
 *    attached to domain 1, reaches that domain's pages: its mappings are
 *    replayed into its own container, the running ones issue nothing;
 *  - (patched) x-query-vfio: one address space per device, one container
 *    each, no COPY; one IOAS_MAP / MAP_DMA per guest MAP request in every
 *    container of the domain, one UNMAP per UNMAP request.
 * The control (unpatched 10.0.2) runs the same DMA and pinning checks.
 *
 * x-query-vfio's mapping list shows the RAM sections of boot bypass and,
 * once translated, each live vIOMMU mapping of the container with origin
 * "viommu": the test checks them against the counters and the pinned
 * memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edu.h"
#include "harness.h"
#include "qemu-edu.h"
#include "qvirtio.h"

#define LEN 4000
#define PAGE 4096
#define MARK 0x5a
#define TAIL 64

#define VIRTIO_BAR 0xc8000000ULL     /* above the edu BARs and window */
#define VIRTIO_SLOT 8
#define RING_GPA 0x3000000ULL
#define REQ_GPA 0x3100000ULL
#define RESP_GPA 0x3101000ULL

/* guest pages that the IOVAs map to */
#define PAGE_A 0x4000000ULL
#define PAGE_B 0x4100000ULL
#define PAGE_C 0x4200000ULL
#define PAGE_D 0x4300000ULL
/* IOVAs (below the edu's 28-bit default mask; the rig sets a full one) */
#define IOVA_DST 0x200000ULL
#define IOVA_ONLY1 0x300000ULL
/* the DMA source is mapped 1:1 so that qtest writes it where edu reads */
#define IOVA_SRC QEDU_SRC_GPA

/* virtio-iommu requests (the out part; the in part is the 4-byte tail) */
#define VIOMMU_F_INPUT_RANGE 0
#define VIOMMU_F_DOMAIN_RANGE 1
#define VIOMMU_F_MAP_UNMAP 2
#define VIOMMU_T_ATTACH 1
#define VIOMMU_T_MAP 3
#define VIOMMU_T_UNMAP 4
#define VIOMMU_MAP_F_READ 1
#define VIOMMU_MAP_F_WRITE 2
#define VIOMMU_ATTACH_LEN 20
#define VIOMMU_MAP_LEN 36
#define VIOMMU_UNMAP_LEN 28
#define VIOMMU_S_OK 0

#define NEDU 3
/* e0..e2, and the edu hot-added at the end */
static const char *const kind[NEDU + 1] = { "iommufd", "iommufd", "legacy",
                                            "iommufd, hot-added" };
static const uint32_t domain_of[NEDU + 1] = { 1, 2, 1, 1 };
static char bdfs[HEDU_MAX][32];

typedef struct VIommu {
    const char *tag;
    bool patched;
    VhtProc *p;
    QVirtioDev dev;
    QVirtQueue vq;
    uint64_t bar[NEDU + 1];
} VIommu;

/* ---- the driver's requests ---- */

static int request(VIommu *v, const uint8_t *req, uint32_t len)
{
    uint8_t tail[4];

    vht_memwrite(v->p, REQ_GPA, req, len);
    vht_memset(v->p, RESP_GPA, 0xff, sizeof(tail));
    if (!qvirtio_request(&v->vq, REQ_GPA, len, RESP_GPA, sizeof(tail), NULL,
                         10000)) {
        return -1;
    }
    vht_memread(v->p, RESP_GPA, tail, sizeof(tail));
    return tail[0];
}

static void put32(uint8_t *b, unsigned off, uint32_t v)
{
    memcpy(b + off, &v, 4);     /* little-endian, as the guest's */
}

static void put64(uint8_t *b, unsigned off, uint64_t v)
{
    memcpy(b + off, &v, 8);
}

static int attach(VIommu *v, uint32_t domain, uint32_t endpoint)
{
    uint8_t req[VIOMMU_ATTACH_LEN] = { VIOMMU_T_ATTACH };

    put32(req, 4, domain);
    put32(req, 8, endpoint);
    return request(v, req, sizeof(req));
}

static int map(VIommu *v, uint32_t domain, uint64_t iova, uint64_t gpa,
               uint32_t flags)
{
    uint8_t req[VIOMMU_MAP_LEN] = { VIOMMU_T_MAP };

    put32(req, 4, domain);
    put64(req, 8, iova);
    put64(req, 16, iova + PAGE - 1);
    put64(req, 24, gpa);
    put32(req, 32, flags);
    return request(v, req, sizeof(req));
}

static int unmap(VIommu *v, uint32_t domain, uint64_t iova)
{
    uint8_t req[VIOMMU_UNMAP_LEN] = { VIOMMU_T_UNMAP };

    put32(req, 4, domain);
    put64(req, 8, iova);
    put64(req, 16, iova + PAGE - 1);
    return request(v, req, sizeof(req));
}

/* ---- DMA to an IOVA, read back at guest pages ---- */

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
 * edu @i copies a pattern from IOVA_SRC to @iova; Return: how page @gpa
 * looks afterwards; @other (0: none) is another page that must not change.
 */
static HeduResult dma_to(VIommu *v, int i, uint64_t iova, uint64_t gpa,
                         uint64_t other, unsigned seed)
{
    uint8_t pat[LEN], got[LEN + TAIL];
    HeduResult r;

    edu_pattern(pat, LEN, seed);
    vht_memwrite(v->p, QEDU_SRC_GPA, pat, LEN);
    vht_memset(v->p, gpa, MARK, LEN + TAIL);
    if (other) {
        vht_memset(v->p, other, MARK, LEN + TAIL);
    }
    if (!hedu_dma(v->p, v->bar[i], IOVA_SRC, EDU_BUF_ADDR, LEN, false) ||
        !hedu_dma(v->p, v->bar[i], EDU_BUF_ADDR, iova, LEN, true)) {
        return HEDU_TIMEOUT;
    }
    vht_memread(v->p, gpa, got, sizeof(got));
    if (all_mark(got, sizeof(got))) {
        r = HEDU_BLOCKED;
    } else if (!memcmp(got, pat, LEN) && all_mark(got + LEN, TAIL)) {
        r = HEDU_LANDED;
    } else {
        r = HEDU_CORRUPT;
    }
    if (other) {
        vht_memread(v->p, other, got, sizeof(got));
        if (!all_mark(got, sizeof(got))) {
            tap_note("%s: edu%d DMA to IOVA 0x%" PRIx64 " also changed "
                     "page 0x%" PRIx64, v->tag, i, iova, other);
            r = HEDU_CORRUPT;
        }
    }
    return r;
}

static void check_dma(VIommu *v, int i, uint64_t iova, uint64_t gpa,
                      uint64_t other, bool lands, const char *what,
                      unsigned seed)
{
    HeduResult want = lands ? HEDU_LANDED : HEDU_BLOCKED;
    HeduResult r = dma_to(v, i, iova, gpa, other, seed);

    CHECK(r == want, "%s: %s: edu%d (%s, domain %u) DMA to IOVA 0x%" PRIx64
          " %s page 0x%" PRIx64 " (%s)", v->tag, what, i, kind[i],
          domain_of[i], iova, lands ? "lands in" : "is blocked, nothing in",
          gpa, hedu_result_name(r));
}

/* ---- x-query-vfio ---- */

typedef struct Counts {
    QeduCounts c[NEDU];
} Counts;

static Counts counts(VIommu *v)
{
    static const char *const ids[NEDU] = { "e0", "e1", "e2" };
    Counts c;

    qedu_counts(v->p, ids, NEDU, c.c);
    return c;
}

static void note_delta(VIommu *v, const char *what, Counts a, Counts b)
{
    for (int i = 0; i < NEDU; i++) {
        tap_note("%s: %s: e%d (%s): MAP %+" PRId64 ", COPY %+" PRId64
                 ", UNMAP %+" PRId64, v->tag, what, i, kind[i],
                 b.c[i].map - a.c[i].map, b.c[i].copy - a.c[i].copy,
                 b.c[i].unmap - a.c[i].unmap);
    }
}

/*
 * Each edu in an address space of its own, with one container holding
 * only it, and no container got a COPY.  Return: the number of spaces.
 */
static int check_spaces(VIommu *v, const char *what)
{
    g_autoptr(JsonNode) q = qedu_query(v->p);
    JsonArray *spaces = q ? json_node_get_array(q) : NULL;
    int n = spaces ? json_array_get_length(spaces) : 0;
    bool one_each = n == NEDU, no_copy = true;

    qedu_note_query(q);
    for (int s = 0; s < n; s++) {
        JsonArray *cs = json_object_get_array_member(
            json_array_get_object_element(spaces, s), "containers");

        one_each &= cs && json_array_get_length(cs) == 1 &&
                    json_array_get_length(json_object_get_array_member(
                        json_array_get_object_element(cs, 0),
                        "devices")) == 1;
        for (guint c = 0; cs && c < json_array_get_length(cs); c++) {
            JsonObject *o = json_array_get_object_element(cs, c);

            no_copy &= qedu_counter(o, "copy") == 0 &&
                       qedu_mappings(o, "copy") == 0;
        }
    }
    CHECK(one_each, "%s: %s: %d address spaces, one per device, each with "
          "one container", v->tag, what, n);
    CHECK(no_copy, "%s: %s: no IOMMU_IOAS_COPY across address spaces",
          v->tag, what);
    return n;
}

/* ---- the scenario ---- */

static bool driver(VIommu *v)
{
    uint64_t offered = 0, want = 1ull << VIOMMU_F_INPUT_RANGE |
                                 1ull << VIOMMU_F_DOMAIN_RANGE |
                                 1ull << VIOMMU_F_MAP_UNMAP;
    uint64_t mask;

    if (!CHECK(qvirtio_init(&v->dev, v->p, 0, VIRTIO_SLOT,
                            QVIRTIO_PCI_ID(QVIRTIO_ID_IOMMU), VIRTIO_BAR),
               "%s: virtio-iommu-pci found, BAR placed at 0x%llx", v->tag,
               VIRTIO_BAR) ||
        !CHECK(qvirtio_negotiate(&v->dev, want, &offered) &&
               (v->dev.features & want) == want,
               "%s: features negotiated, MAP_UNMAP accepted (offered 0x%"
               PRIx64 ")", v->tag, offered) ||
        !CHECK(qvirtio_queue_setup(&v->dev, &v->vq, 0, RING_GPA) &&
               qvirtio_driver_ok(&v->dev),
               "%s: request queue (%u entries) set up, DRIVER_OK", v->tag,
               v->vq.size)) {
        return false;
    }
    mask = qvirtio_cfg_read(&v->dev, 0, 8);
    tap_note("%s: page_size_mask 0x%" PRIx64 ", input range 0x%" PRIx64
             "..0x%" PRIx64 ", domains %u..%u, bypass %u", v->tag, mask,
             qvirtio_cfg_read(&v->dev, 8, 8),
             qvirtio_cfg_read(&v->dev, 16, 8),
             (unsigned)qvirtio_cfg_read(&v->dev, 24, 4),
             (unsigned)qvirtio_cfg_read(&v->dev, 28, 4),
             (unsigned)qvirtio_cfg_read(&v->dev, 36, 1));
    return CHECK(mask & PAGE, "%s: the IOMMU's granule is 4 KiB (the "
                 "host's; page_size_mask 0x%" PRIx64 ")", v->tag, mask);
}

static long vmlck(VIommu *v)
{
    return qedu_status_kb(vht_pid(v->p), "VmLck");
}

/*
 * A fourth edu hot-added behind the vIOMMU (root port rp0, bus 1): it
 * starts in boot bypass (its own address space maps guest RAM), and once
 * attached to domain 1 gets that domain's live mappings replayed into
 * its container; nothing happens in the running containers.
 */
static void hotplug_into_domain(VIommu *v)
{
    const char *tag = v->tag, *what = "hot-added";
    g_autoptr(GArray) fds = hedu_fds_to(vht_pid(v->p), "/dev/vfio/devices/");
    guint fds0 = fds->len;
    uint32_t ep = 1 << 8;               /* bus 1, devfn 0 */
    long pin0 = qedu_vmpin(v->p), pin;
    Counts a = { 0 }, b = { 0 };
    g_autofree char *check = g_strdup_printf(
        "%s: device_add of a fourth edu behind the vIOMMU", tag);
    uint64_t bar;

    qedu_root_port(v->p, QEDU_ROOT_PORT_SLOT, 1, QEDU_HOTPLUG_BAR);
    if (v->patched) {
        a = counts(v);
    }
    if (!hedu_qmp_ok(v->p, check,
                     "{'execute': 'device_add', 'arguments': {'driver': "
                     "'vfio-pci', 'host': '%s', 'id': 'hp0', 'bus': 'rp0', "
                     "'iommufd': 'if0'}}", bdfs[NEDU])) {
        return;
    }
    pin = qedu_vmpin(v->p);
    tap_note("%s: %s, in bypass: VmPin %+ld kB", tag, what, pin - pin0);
    CHECK_EQ(pin - pin0, QEDU_PINNED_KB, "%s: %s, in bypass: its address "
             "space pins guest RAM itself (VmPin %+ld kB)", tag, what,
             pin - pin0);
    bar = qedu_enable(v->p, 1, 0, QEDU_HOTPLUG_BAR);
    CHECK(hedu_round_trip(v->p, bar, QEDU_SRC_GPA, QEDU_DST_GPA, LEN, 250),
          "%s: %s, in bypass: DMA to guest-physical addresses byte-exact",
          tag, what);
    if (!CHECK(attach(v, 1, ep) == VIOMMU_S_OK,
               "%s: ATTACH endpoint 0x%x (the hot-added edu) to domain 1",
               tag, ep)) {
        return;
    }
    pin = qedu_vmpin(v->p);
    CHECK_EQ(pin - pin0, 3 * PAGE / 1024, "%s: %s, attached: domain 1's 3 "
             "mappings replayed into its container (VmPin %+ld kB)", tag,
             what, pin - pin0);
    if (v->patched) {
        g_autoptr(JsonNode) q = qedu_query(v->p);
        JsonObject *c = qedu_container_of(q, "hp0");

        b = counts(v);
        CHECK(!memcmp(&a, &b, sizeof(a)), "%s: %s: the running containers "
              "issued no MAP, COPY or UNMAP", tag, what);
        tap_note("%s: %s: its container: MAP %" PRId64 ", COPY %" PRId64
                 ", UNMAP %" PRId64 ", %u address spaces", tag, what,
                 qedu_counter(c, "map"), qedu_counter(c, "copy"),
                 qedu_counter(c, "unmap"),
                 q ? json_array_get_length(json_node_get_array(q)) : 0);
        CHECK(c && qedu_counter(c, "copy") == 0 &&
              qedu_counter(c, "map") - qedu_counter(c, "unmap") == 3 &&
              json_array_get_length(json_node_get_array(q)) == NEDU + 1,
              "%s: %s: an address space and container of its own, 3 live "
              "mappings, no COPY", tag, what);
    }
    v->bar[NEDU] = bar;
    check_dma(v, NEDU, IOVA_DST, PAGE_D, PAGE_A, true, what, 260);
    check_dma(v, NEDU, IOVA_ONLY1, PAGE_C, 0, true, what, 261);
    check_dma(v, NEDU, QEDU_DST_GPA, QEDU_DST_GPA, 0, false, what, 262);
    CHECK(qedu_unplug_pci(v->p, "hp0", "rp0") &&
          qedu_wait_vfio_fds(vht_pid(v->p), fds0) == fds0,
          "%s: %s edu unplugged, its device fd closed", tag, what);
    CHECK_EQ(qedu_vmpin(v->p), pin0, "%s: VmPin back to %ld kB", tag, pin0);
}

static void scenario(const char *bin, const char *tag, bool patched)
{
    g_autofree char *args = g_strdup_printf(
        "-device virtio-iommu-pci,id=viommu,addr=0x%x "
        "-object iommufd,id=if0 "
        "-device vfio-pci,host=%s,id=e0,iommufd=if0,addr=0x4 "
        "-device vfio-pci,host=%s,id=e1,iommufd=if0,addr=0x5 "
        "-device vfio-pci,host=%s,id=e2,addr=0x6 "
        "-device pcie-root-port,id=rp0,chassis=1,addr=0x%x",
        VIRTIO_SLOT, bdfs[0], bdfs[1], bdfs[2], QEDU_ROOT_PORT_SLOT);
    VIommu v = { .tag = tag, .patched = patched };
    gint64 t0 = g_get_monotonic_time();
    Counts a = { 0 }, b = { 0 };
    bool ok = true;

    v.p = qedu_start(bin, args, NULL, false);
    for (int i = 0; i < NEDU; i++) {
        v.bar[i] = qedu_enable(v.p, 0, QEDU_FIRST_SLOT + i, qedu_bar(i));
        CHECK(hedu_round_trip(v.p, v.bar[i], QEDU_SRC_GPA, QEDU_DST_GPA, LEN,
                              200 + i),
              "%s: boot bypass: edu%d (%s) DMA to guest-physical addresses "
              "byte-exact", tag, i, kind[i]);
    }
    if (patched) {
        check_spaces(&v, "boot bypass");
    }
    tap_note("%s: boot bypass: VmPin %ld kB, VmLck %ld kB", tag,
             qedu_vmpin(v.p), vmlck(&v));
    CHECK(qedu_vmpin(v.p) == 2 * QEDU_PINNED_KB &&
          vmlck(&v) == QEDU_PINNED_KB,
          "%s: boot bypass: each iommufd address space pins guest RAM "
          "itself (VmPin 2 x %ld kB), type1 once (VmLck)", tag,
          QEDU_PINNED_KB);
    if (!driver(&v)) {
        vht_end(v.p);
        return;
    }

    /* attach: e0 and e2 to domain 1, e1 to domain 2 */
    for (int i = 0; i < NEDU; i++) {
        uint32_t ep = (QEDU_FIRST_SLOT + i) << 3;   /* bus 0, devfn */

        ok &= CHECK(attach(&v, domain_of[i], ep) == VIOMMU_S_OK,
                    "%s: ATTACH endpoint 0x%x (edu%d) to domain %u", tag, ep,
                    i, domain_of[i]);
    }
    if (!ok) {
        vht_end(v.p);
        return;
    }
    tap_note("%s: attached, nothing mapped: VmPin %ld kB, VmLck %ld kB", tag,
             qedu_vmpin(v.p), vmlck(&v));
    CHECK(qedu_vmpin(v.p) == 0 && vmlck(&v) == 0,
          "%s: attached, nothing mapped: nothing pinned", tag);
    for (int i = 0; i < NEDU; i++) {
        check_dma(&v, i, QEDU_DST_GPA, QEDU_DST_GPA, 0, false,
                  "attached, nothing mapped", 210 + i);
    }

    /* map: the source 1:1 in both; IOVA_DST to A (domain 1), B (2) */
    if (patched) {
        a = counts(&v);
    }
    ok = map(&v, 1, IOVA_SRC, QEDU_SRC_GPA, VIOMMU_MAP_F_READ) ==
         VIOMMU_S_OK &&
         map(&v, 1, IOVA_DST, PAGE_A, VIOMMU_MAP_F_READ |
             VIOMMU_MAP_F_WRITE) == VIOMMU_S_OK &&
         map(&v, 1, IOVA_ONLY1, PAGE_C, VIOMMU_MAP_F_READ |
             VIOMMU_MAP_F_WRITE) == VIOMMU_S_OK &&
         map(&v, 2, IOVA_SRC, QEDU_SRC_GPA, VIOMMU_MAP_F_READ) ==
         VIOMMU_S_OK &&
         map(&v, 2, IOVA_DST, PAGE_B, VIOMMU_MAP_F_READ |
             VIOMMU_MAP_F_WRITE) == VIOMMU_S_OK;
    if (!CHECK(ok, "%s: MAP: domain 1 source, 0x%llx -> 0x%llx, 0x%llx -> "
               "0x%llx; domain 2 source, 0x%llx -> 0x%llx", tag, IOVA_DST,
               PAGE_A, IOVA_ONLY1, PAGE_C, IOVA_DST, PAGE_B)) {
        vht_end(v.p);
        return;
    }
    if (patched) {
        b = counts(&v);
        note_delta(&v, "5 MAP requests", a, b);
        CHECK(b.c[0].map - a.c[0].map == 3 && b.c[2].map - a.c[2].map == 3 &&
              b.c[1].map - a.c[1].map == 2,
              "%s: one IOAS_MAP / MAP_DMA per MAP request in each container "
              "of the domain (domain 1: 3 each, domain 2: 2)", tag);
        CHECK(b.c[0].copy == a.c[0].copy && b.c[1].copy == a.c[1].copy,
              "%s: no COPY for vIOMMU mappings", tag);
    }
    tap_note("%s: mapped: VmPin %ld kB, VmLck %ld kB", tag, qedu_vmpin(v.p),
             vmlck(&v));
    CHECK(qedu_vmpin(v.p) == 5 * PAGE / 1024 && vmlck(&v) == 3 * PAGE / 1024,
          "%s: one page pinned per mapped IOVA in each container (VmPin 20 "
          "kB for 3 + 2 iommufd pages, VmLck 12 kB)", tag);
    check_dma(&v, 0, IOVA_DST, PAGE_A, PAGE_B, true, "mapped", 220);
    check_dma(&v, 2, IOVA_DST, PAGE_A, PAGE_B, true, "mapped", 221);
    check_dma(&v, 1, IOVA_DST, PAGE_B, PAGE_A, true, "mapped", 222);
    check_dma(&v, 0, IOVA_ONLY1, PAGE_C, 0, true, "mapped in domain 1 only",
              223);
    check_dma(&v, 1, IOVA_ONLY1, PAGE_C, 0, false,
              "mapped in domain 1 only", 224);
    check_dma(&v, 1, QEDU_DST_GPA, QEDU_DST_GPA, 0, false,
              "never mapped", 225);

    /* unmap IOVA_DST in domain 1 */
    if (patched) {
        a = counts(&v);
    }
    if (CHECK(unmap(&v, 1, IOVA_DST) == VIOMMU_S_OK,
              "%s: UNMAP 0x%llx in domain 1", tag, IOVA_DST) && patched) {
        b = counts(&v);
        note_delta(&v, "UNMAP in domain 1", a, b);
        CHECK(b.c[0].unmap - a.c[0].unmap == 1 &&
              b.c[2].unmap - a.c[2].unmap == 1 &&
              b.c[1].unmap == a.c[1].unmap,
              "%s: one UNMAP in each container of domain 1, none in domain "
              "2's", tag);
    }
    check_dma(&v, 0, IOVA_DST, PAGE_A, 0, false, "unmapped", 230);
    check_dma(&v, 2, IOVA_DST, PAGE_A, 0, false, "unmapped", 231);
    check_dma(&v, 1, IOVA_DST, PAGE_B, PAGE_A, true,
              "unmapped in the other domain", 232);

    /* remap IOVA_DST in domain 1 to another page */
    CHECK(map(&v, 1, IOVA_DST, PAGE_D, VIOMMU_MAP_F_READ |
              VIOMMU_MAP_F_WRITE) == VIOMMU_S_OK,
          "%s: MAP 0x%llx -> 0x%llx in domain 1 (remap)", tag, IOVA_DST,
          PAGE_D);
    check_dma(&v, 0, IOVA_DST, PAGE_D, PAGE_A, true, "remapped", 240);
    check_dma(&v, 2, IOVA_DST, PAGE_D, PAGE_A, true, "remapped", 241);
    check_dma(&v, 1, IOVA_DST, PAGE_B, PAGE_D, true, "remapped elsewhere",
              242);
    if (patched) {
        g_autoptr(JsonNode) q = NULL;

        check_spaces(&v, "translated");
        q = qedu_query(v.p);
        for (int i = 0; i < NEDU; i++) {
            g_autofree char *id = g_strdup_printf("e%d", i);
            JsonObject *c = qedu_container_of(q, id);

            int live = domain_of[i] == 1 ? 3 : 2;

            tap_note("%s: e%d: %d mapping(s) listed (%d viommu, %d map, "
                     "%d copy), %" PRId64 " live by the counters (MAP - "
                     "UNMAP)", tag, i, qedu_mappings(c, NULL),
                     qedu_mappings(c, "viommu"), qedu_mappings(c, "map"),
                     qedu_mappings(c, "copy"),
                     qedu_counter(c, "map") - qedu_counter(c, "unmap"));
            CHECK(qedu_mappings(c, NULL) == live &&
                  qedu_mappings(c, "viommu") == live &&
                  qedu_counter(c, "map") - qedu_counter(c, "unmap") == live &&
                  qedu_covers(c, IOVA_DST, PAGE),
                  "%s: e%d: x-query-vfio lists the %d live vIOMMU mappings "
                  "(IOVA 0x%llx among them), origin viommu, as the "
                  "counters count them", tag, i, live, IOVA_DST);
        }
    }
    tap_note("%s: remapped: VmPin %ld kB, VmLck %ld kB", tag,
             qedu_vmpin(v.p), vmlck(&v));
    CHECK(qedu_vmpin(v.p) == 5 * PAGE / 1024 && vmlck(&v) == 3 * PAGE / 1024,
          "%s: after unmap + remap still one page per mapped IOVA (VmPin 20 "
          "kB, VmLck 12 kB)", tag);
    hotplug_into_domain(&v);
    vht_end(v.p);
    tap_result(true, "%s: QEMU quit cleanly", tag);
    tap_note("%s: scenario took %.1f s", tag,
             (g_get_monotonic_time() - t0) / 1e6);
}

int main(int argc, char **argv)
{
    const char *patched, *control;

    hedu_init();
    patched = qedu_binary("patched");
    control = qedu_binary("control");
    if (!CHECK(patched, "the patched binary in $VFIO_QEMU_BINARIES") ||
        hedu_find(bdfs, NEDU + 1) < NEDU + 1) {
        return tap_done();
    }
    scenario(patched, "patched", true);
    if (CHECK(control, "the control binary in $VFIO_QEMU_BINARIES")) {
        scenario(control, "control", false);
    }
    return tap_done();
}
