/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qviommu.h: the guest's vIOMMU driver, played over qtest, for a QEMU
 * process under test (VhtProc): virtio-iommu (through qvirtio.c) or
 * Intel VT-d (intel-iommu, register-based invalidation, legacy root and
 * context tables, second-level page tables in guest RAM).  One interface
 * for both: put an endpoint (a PCI requester id) in a domain, map and
 * unmap IOVA ranges of a domain to guest-physical memory.
 *
 * QEMU turns each of these into IOMMU notifications for the assigned
 * devices of the domain (VT-d: caching-mode=on, so the invalidations the
 * driver issues after every change make QEMU walk the page tables), and
 * VFIO into IOMMU_IOAS_MAP / IOMMU_IOAS_COPY / VFIO_IOMMU_MAP_DMA on the
 * real kernel.
 *
 * virtio-iommu starts in boot bypass: an endpoint not attached reaches
 * guest-physical addresses.  VT-d starts with DMA remapping off (every
 * device reaches guest-physical addresses); the first attach turns it on
 * (GCMD.TE), after which an endpoint without a context entry is blocked.
 */
#ifndef VFIO_TESTS_VM_QVIOMMU_H
#define VFIO_TESTS_VM_QVIOMMU_H

#include <stdbool.h>
#include <stdint.h>

#include "libvhtest.h"
#include "qvirtio.h"

#define QVIOMMU_MAX_DOMAINS 16

/* VT-d's register block on q35 (Q35_HOST_BRIDGE_IOMMU_ADDR) */
#define QVIOMMU_VTD_BASE 0xfed90000ULL

typedef enum QViommuKind {
    QVIOMMU_VIRTIO,
    QVIOMMU_VTD,
} QViommuKind;

typedef struct QViommu {
    QViommuKind kind;
    VhtProc *p;
    const char *name;           /* "virtio-iommu", "intel-iommu" */
    uint64_t page_mask;         /* page sizes the IOMMU maps */
    /* virtio-iommu */
    QVirtioDev dev;
    QVirtQueue vq;
    uint64_t req, resp;         /* request and response buffers */
    /* VT-d */
    uint64_t cap, ecap;
    uint64_t iotlb_reg;         /* offset of the IOTLB register */
    uint64_t root;              /* root table */
    uint64_t ctx[256];          /* context table of each bus, 0: none */
    uint64_t slpt[QVIOMMU_MAX_DOMAINS];  /* each domain's page table */
    uint64_t pool, pool_end;    /* where new table pages come from */
    int levels;                 /* 3 (39-bit) or 4 (48-bit) */
    bool large;                 /* 2 MiB second-level pages */
    uint32_t gcmd;              /* the commands in force */
} QViommu;

/*
 * qviommu_virtio() - the driver of the virtio-iommu-pci at 0:@slot.0: its
 * BAR at @bar, its request queue at guest @ring (3 pages), requests and
 * responses at guest @buf (2 pages).  Negotiates INPUT_RANGE,
 * DOMAIN_RANGE and MAP_UNMAP.  Return: false (TAP notes) on failure.
 */
bool qviommu_virtio(QViommu *v, VhtProc *p, int slot, uint64_t bar,
                    uint64_t ring, uint64_t buf);

/*
 * qviommu_vtd() - the driver of q35's intel-iommu (caching-mode=on): its
 * tables in guest RAM at [@pool, @pool + @size), 4 KiB aligned; sets the
 * root table pointer (translation stays off until the first attach).
 * Return: false (TAP notes) on failure.
 */
bool qviommu_vtd(QViommu *v, VhtProc *p, uint64_t pool, uint64_t size);

/* qviommu_endpoint() - Return: the endpoint id of bus:slot.0 */
static inline uint32_t qviommu_endpoint(int bus, int slot)
{
    return (uint32_t)bus << 8 | (uint32_t)slot << 3;
}

/*
 * qviommu_attach() - put endpoint @ep in @domain (1..QVIOMMU_MAX_DOMAINS-1)
 * Return: whether the IOMMU accepted it.
 */
bool qviommu_attach(QViommu *v, uint32_t domain, uint32_t ep);

/*
 * qviommu_map() - map [@iova, @iova + @size) of @domain to guest-physical
 * @gpa, readable and (@write) writable; virtio-iommu: one MAP request;
 * VT-d: page table entries (2 MiB ones where aligned), then one
 * page-selective invalidation per naturally aligned power-of-two block.
 * Return: whether the IOMMU accepted it.
 */
bool qviommu_map(QViommu *v, uint32_t domain, uint64_t iova, uint64_t gpa,
                 uint64_t size, bool write);

/* qviommu_unmap() - unmap [@iova, @iova + @size) of @domain */
bool qviommu_unmap(QViommu *v, uint32_t domain, uint64_t iova,
                   uint64_t size);

#endif /* VFIO_TESTS_VM_QVIOMMU_H */
