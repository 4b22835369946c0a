/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qviommu.c: a guest's vIOMMU driver over qtest (qviommu.h): virtio-iommu
 * requests, or Intel VT-d tables and registers.
 */
#include <string.h>

#include "harness.h"
#include "qviommu.h"

#define PAGE 4096ULL

/* ---- virtio-iommu (virtio spec 5.13) ---- */

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

static void put32(uint8_t *b, unsigned off, uint32_t v)
{
    memcpy(b + off, &v, 4);     /* little-endian, as the guest's */
}

static void put64(uint8_t *b, unsigned off, uint64_t v)
{
    memcpy(b + off, &v, 8);
}

/* One request; Return: the status in its tail, -1 if it did not return */
static int virtio_request(QViommu *v, const uint8_t *req, uint32_t len)
{
    uint8_t tail[4];

    vht_memwrite(v->p, v->req, req, len);
    vht_memset(v->p, v->resp, 0xff, sizeof(tail));
    if (!qvirtio_request(&v->vq, v->req, len, v->resp, sizeof(tail), NULL,
                         10000)) {
        return -1;
    }
    vht_memread(v->p, v->resp, tail, sizeof(tail));
    return tail[0];
}

bool qviommu_virtio(QViommu *v, VhtProc *p, int slot, uint64_t bar,
                    uint64_t ring, uint64_t buf)
{
    uint64_t offered = 0, want = 1ull << VIOMMU_F_INPUT_RANGE |
                                 1ull << VIOMMU_F_DOMAIN_RANGE |
                                 1ull << VIOMMU_F_MAP_UNMAP;

    memset(v, 0, sizeof(*v));
    v->kind = QVIOMMU_VIRTIO;
    v->name = "virtio-iommu";
    v->p = p;
    v->req = buf;
    v->resp = buf + PAGE;
    if (!qvirtio_init(&v->dev, p, 0, slot, QVIRTIO_PCI_ID(QVIRTIO_ID_IOMMU),
                      bar)) {
        tap_note("virtio-iommu-pci: not found at 0:%x.0", slot);
        return false;
    }
    if (!qvirtio_negotiate(&v->dev, want, &offered) ||
        (v->dev.features & want) != want) {
        tap_note("virtio-iommu-pci: features 0x%" PRIx64 " offered, 0x%"
                 PRIx64 " wanted", offered, want);
        return false;
    }
    if (!qvirtio_queue_setup(&v->dev, &v->vq, 0, ring) ||
        !qvirtio_driver_ok(&v->dev)) {
        tap_note("virtio-iommu-pci: request queue or DRIVER_OK failed");
        return false;
    }
    v->page_mask = qvirtio_cfg_read(&v->dev, 0, 8);
    return true;
}

/* ---- Intel VT-d (VT-d spec 3.x; QEMU's hw/i386/intel_iommu*) ---- */

#define DMAR_CAP 0x08
#define DMAR_ECAP 0x10
#define DMAR_GCMD 0x18
#define DMAR_GSTS 0x1c
#define DMAR_RTADDR 0x20
#define DMAR_CCMD 0x28
#define GCMD_TE (1u << 31)
#define GCMD_SRTP (1u << 30)
#define GSTS_TES (1u << 31)
#define GSTS_RTPS (1u << 30)
#define CCMD_ICC (1ull << 63)
#define CCMD_GLOBAL (1ull << 61)
#define IOTLB_IVT (1ull << 63)
#define IOTLB_GLOBAL (1ull << 60)
#define IOTLB_PSI (3ull << 60)
#define IOTLB_DID(d) ((uint64_t)(d) << 32)
#define CAP_CM (1ull << 7)
#define CAP_SAGAW(c) (((c) >> 8) & 0x1f)
#define CAP_SLLPS_2M (1ull << 34)
#define CAP_MAMV(c) (((c) >> 48) & 0x3f)
#define ECAP_IRO(e) ((((e) >> 8) & 0x3ff) * 16)
#define SL_R 1ull
#define SL_W 2ull
#define SL_PS (1ull << 7)
#define ENTRY_P 1ull

static uint64_t reg_read64(QViommu *v, unsigned off)
{
    return vht_readq(v->p, QVIOMMU_VTD_BASE + off);
}

static void reg_write64(QViommu *v, unsigned off, uint64_t val)
{
    vht_writeq(v->p, QVIOMMU_VTD_BASE + off, val);
}

static uint64_t alloc_page(QViommu *v)
{
    uint64_t gpa = v->pool;

    g_assert(v->pool + PAGE <= v->pool_end);
    v->pool += PAGE;
    vht_memset(v->p, gpa, 0, PAGE);
    return gpa;
}

/* A command of GCMD, and wait until GSTS shows @status (Return: it did) */
static bool gcmd(QViommu *v, uint32_t cmd, uint32_t status)
{
    v->gcmd |= cmd;
    vht_writel(v->p, QVIOMMU_VTD_BASE + DMAR_GCMD, v->gcmd);
    for (int i = 0; i < 100; i++) {
        if (vht_readl(v->p, QVIOMMU_VTD_BASE + DMAR_GSTS) & status) {
            return true;
        }
        g_usleep(1000);
    }
    return false;
}

static bool ccmd_global(QViommu *v)
{
    reg_write64(v, DMAR_CCMD, CCMD_ICC | CCMD_GLOBAL);
    return !(reg_read64(v, DMAR_CCMD) & CCMD_ICC);
}

static bool iotlb(QViommu *v, uint64_t cmd, uint64_t iva)
{
    if (iva != UINT64_MAX) {
        reg_write64(v, v->iotlb_reg - 8, iva);
    }
    reg_write64(v, v->iotlb_reg, IOTLB_IVT | cmd);
    return !(reg_read64(v, v->iotlb_reg) & IOTLB_IVT);
}

bool qviommu_vtd(QViommu *v, VhtProc *p, uint64_t pool, uint64_t size)
{
    memset(v, 0, sizeof(*v));
    v->kind = QVIOMMU_VTD;
    v->name = "intel-iommu";
    v->p = p;
    v->pool = pool;
    v->pool_end = pool + size;
    v->cap = reg_read64(v, DMAR_CAP);
    v->ecap = reg_read64(v, DMAR_ECAP);
    v->iotlb_reg = ECAP_IRO(v->ecap) + 8;
    tap_note("intel-iommu: CAP 0x%" PRIx64 ", ECAP 0x%" PRIx64, v->cap,
             v->ecap);
    if (!(v->cap & CAP_CM)) {
        tap_note("intel-iommu: no caching mode (caching-mode=on is needed "
                 "for assigned devices)");
        return false;
    }
    /* SAGAW bit 1: 39-bit, 3-level tables; bit 2: 48-bit, 4-level */
    v->levels = CAP_SAGAW(v->cap) & 2 ? 3 : CAP_SAGAW(v->cap) & 4 ? 4 : 0;
    if (!v->levels) {
        tap_note("intel-iommu: SAGAW 0x%x: no 3- or 4-level tables",
                 (unsigned)CAP_SAGAW(v->cap));
        return false;
    }
    v->large = v->cap & CAP_SLLPS_2M;
    v->page_mask = PAGE | (v->large ? 2ull << 20 : 0);
    v->root = alloc_page(v);
    reg_write64(v, DMAR_RTADDR, v->root);
    if (!gcmd(v, GCMD_SRTP, GSTS_RTPS)) {
        tap_note("intel-iommu: the root table pointer did not take");
        return false;
    }
    v->gcmd &= ~GCMD_SRTP;      /* one-shot */
    return true;
}

/* Set the 16-byte entry @idx of table @table */
static void write_entry(QViommu *v, uint64_t table, unsigned idx,
                        uint64_t lo, uint64_t hi)
{
    uint64_t e[2] = { lo, hi };

    vht_memwrite(v->p, table + idx * 16, e, sizeof(e));
}

static bool vtd_attach(QViommu *v, uint32_t domain, uint32_t ep)
{
    unsigned bus = ep >> 8, devfn = ep & 0xff;
    /* context entry: AW 1 = 39-bit (3 levels), 2 = 48-bit (4 levels) */
    uint64_t aw = v->levels == 3 ? 1 : 2;

    if (!v->slpt[domain]) {
        v->slpt[domain] = alloc_page(v);
    }
    if (!v->ctx[bus]) {
        v->ctx[bus] = alloc_page(v);
        write_entry(v, v->root, bus, v->ctx[bus] | ENTRY_P, 0);
    }
    /* translation type 0: second-level (multi-level) page tables */
    write_entry(v, v->ctx[bus], devfn, v->slpt[domain] | ENTRY_P,
                aw | (uint64_t)domain << 8);
    if (!ccmd_global(v) || !iotlb(v, IOTLB_GLOBAL, UINT64_MAX)) {
        tap_note("intel-iommu: an invalidation did not complete");
        return false;
    }
    if (!(v->gcmd & GCMD_TE) && !gcmd(v, GCMD_TE, GSTS_TES)) {
        tap_note("intel-iommu: translation did not turn on");
        return false;
    }
    return true;
}

/*
 * The table entry for @iova at @level (1: 4 KiB pages, 2: 2 MiB) in
 * @domain's tables, making the tables above it.  Return: its guest
 * address.
 */
static uint64_t pte_addr(QViommu *v, uint32_t domain, uint64_t iova,
                         int level)
{
    uint64_t table = v->slpt[domain];

    for (int l = v->levels; l > level; l--) {
        uint64_t at = table + ((iova >> (12 + 9 * (l - 1))) & 511) * 8;
        uint64_t e = vht_readq(v->p, at);

        if (!(e & (SL_R | SL_W))) {
            e = alloc_page(v) | SL_R | SL_W;
            vht_writeq(v->p, at, e);
        }
        table = e & ~0xfffull & ((1ull << 52) - 1);
    }
    return table + ((iova >> (12 + 9 * (level - 1))) & 511) * 8;
}

/* Page-selective invalidations covering [@iova, @iova + @size) */
static bool vtd_invalidate(QViommu *v, uint32_t domain, uint64_t iova,
                           uint64_t size)
{
    uint64_t end = iova + size;
    unsigned mamv = CAP_MAMV(v->cap);

    while (iova < end) {
        unsigned am = 0;

        while (am < mamv && !(iova & ((PAGE << (am + 1)) - 1)) &&
               iova + (PAGE << (am + 1)) <= end) {
            am++;
        }
        if (!iotlb(v, IOTLB_PSI | IOTLB_DID(domain), iova | am)) {
            return false;
        }
        iova += PAGE << am;
    }
    return true;
}

/* Whether [@a, @a + @left) backed from @g starts with a 2 MiB page */
static bool big_page(QViommu *v, uint64_t a, uint64_t g, uint64_t left)
{
    return v->large && !(a & 0x1fffff) && !(g & 0x1fffff) &&
           left >= (2ull << 20);
}

/*
 * Set the leaf entries of [@iova, @iova + @size) to @gpa onwards with
 * @perm (0: clear them, @gpa is then @iova); the entries of a run in one
 * table are written at once.
 */
static void vtd_set(QViommu *v, uint32_t domain, uint64_t iova, uint64_t gpa,
                    uint64_t size, uint64_t perm)
{
    uint64_t done = 0;

    while (done < size) {
        uint64_t a = iova + done, g = gpa + done;
        bool big = big_page(v, a, g, size - done);
        uint64_t step = big ? 2ull << 20 : PAGE;
        uint64_t first = pte_addr(v, domain, a, big ? 2 : 1);
        uint64_t e[512];
        unsigned n = 0;

        for (;;) {
            e[n] = perm ? (g + n * step) | perm | (big ? SL_PS : 0) : 0;
            n++;
            if (done + n * step == size || !((first + n * 8) & 0xfff) ||
                big_page(v, a + n * step, g + n * step,
                         size - done - n * step) != big) {
                break;
            }
        }
        vht_memwrite(v->p, first, e, n * 8);
        done += n * step;
    }
}

bool qviommu_attach(QViommu *v, uint32_t domain, uint32_t ep)
{
    uint8_t req[VIOMMU_ATTACH_LEN] = { VIOMMU_T_ATTACH };

    g_assert(domain && domain < QVIOMMU_MAX_DOMAINS);
    if (v->kind == QVIOMMU_VTD) {
        return vtd_attach(v, domain, ep);
    }
    put32(req, 4, domain);
    put32(req, 8, ep);
    return virtio_request(v, req, sizeof(req)) == VIOMMU_S_OK;
}

bool qviommu_map(QViommu *v, uint32_t domain, uint64_t iova, uint64_t gpa,
                 uint64_t size, bool write)
{
    uint8_t req[VIOMMU_MAP_LEN] = { VIOMMU_T_MAP };

    g_assert(domain && domain < QVIOMMU_MAX_DOMAINS);
    if (v->kind == QVIOMMU_VTD) {
        if (!v->slpt[domain]) {
            v->slpt[domain] = alloc_page(v);
        }
        vtd_set(v, domain, iova, gpa, size, SL_R | (write ? SL_W : 0));
        return vtd_invalidate(v, domain, iova, size);
    }
    put32(req, 4, domain);
    put64(req, 8, iova);
    put64(req, 16, iova + size - 1);
    put64(req, 24, gpa);
    put32(req, 32, VIOMMU_MAP_F_READ | (write ? VIOMMU_MAP_F_WRITE : 0));
    return virtio_request(v, req, sizeof(req)) == VIOMMU_S_OK;
}

bool qviommu_unmap(QViommu *v, uint32_t domain, uint64_t iova,
                   uint64_t size)
{
    uint8_t req[VIOMMU_UNMAP_LEN] = { VIOMMU_T_UNMAP };

    g_assert(domain && domain < QVIOMMU_MAX_DOMAINS);
    if (v->kind == QVIOMMU_VTD) {
        vtd_set(v, domain, iova, iova, size, 0);
        return vtd_invalidate(v, domain, iova, size);
    }
    put32(req, 4, domain);
    put64(req, 8, iova);
    put64(req, 16, iova + size - 1);
    return virtio_request(v, req, sizeof(req)) == VIOMMU_S_OK;
}
