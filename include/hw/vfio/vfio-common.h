/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Types shared by the whole VFIO layer: the error domain, the ioctl
 * counters and the record of one DMA mapping.
 *
 * Object map (all hang off a VFIOContext; nothing is process-global):
 *
 *   VFIOContext
 *     +- VFIOAddressSpace (one per AddressSpace, ONE listener)
 *          +- VFIOContainer (a legacy type1 container, or one iommufd
 *               |            IOAS on an IOMMUFDBackend)
 *               +- VFIOMapping (every IOVA range it maps)
 *               +- VFIODevice (the devices attached to it)
 */
#ifndef HW_VFIO_VFIO_COMMON_H
#define HW_VFIO_VFIO_COMMON_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/range.h"

/* Errors of the VFIO layer; the code is always an errno value. */
#define VFIO_ERROR vfio_error_quark()
GQuark vfio_error_quark(void);

typedef struct VFIOAddressSpace VFIOAddressSpace;
typedef struct VFIOContainer VFIOContainer;
typedef struct VFIOContainerClass VFIOContainerClass;
typedef struct VFIOContext VFIOContext;
typedef struct VFIODevice VFIODevice;

/*
 * Every ioctl the layer issues, by kind.  Counters of the first group are
 * kept per container (ioctls on a container fd or an IOAS/HWPT object),
 * those of the second per device (group and device fd ioctls), so "this
 * container saw no ioctl during that hotplug" is a plain comparison.
 */
typedef enum VFIOIoctl {
    /* container: legacy type1 */
    VFIO_IOCTL_GET_API_VERSION,
    VFIO_IOCTL_CHECK_EXTENSION,
    VFIO_IOCTL_SET_IOMMU,
    VFIO_IOCTL_IOMMU_GET_INFO,
    VFIO_IOCTL_MAP_DMA,
    VFIO_IOCTL_UNMAP_DMA,
    VFIO_IOCTL_DIRTY_PAGES,
    /* container: iommufd IOAS and its HWPTs */
    VFIO_IOCTL_IOAS_ALLOC,
    VFIO_IOCTL_IOAS_MAP,
    VFIO_IOCTL_IOAS_COPY,
    VFIO_IOCTL_IOAS_UNMAP,
    VFIO_IOCTL_IOAS_IOVA_RANGES,
    VFIO_IOCTL_HWPT_ALLOC,
    VFIO_IOCTL_HWPT_SET_DIRTY_TRACKING,
    VFIO_IOCTL_HWPT_GET_DIRTY_BITMAP,
    VFIO_IOCTL_DESTROY,
    /* device: legacy group fd */
    VFIO_IOCTL_GROUP_GET_STATUS,
    VFIO_IOCTL_GROUP_SET_CONTAINER,
    VFIO_IOCTL_GROUP_UNSET_CONTAINER,
    VFIO_IOCTL_GROUP_GET_DEVICE_FD,
    /* device: cdev and iommufd device object */
    VFIO_IOCTL_BIND_IOMMUFD,
    VFIO_IOCTL_ATTACH_IOMMUFD_PT,
    VFIO_IOCTL_DETACH_IOMMUFD_PT,
    VFIO_IOCTL_GET_HW_INFO,
    /* device fd */
    VFIO_IOCTL_DEVICE_GET_INFO,
    VFIO_IOCTL_DEVICE_GET_REGION_INFO,
    VFIO_IOCTL_DEVICE_GET_IRQ_INFO,
    VFIO_IOCTL_DEVICE_SET_IRQS,
    VFIO_IOCTL_DEVICE_RESET,
    VFIO_IOCTL__COUNT
} VFIOIoctl;

/**
 * struct VFIOIoctlCounters - how many ioctls of each kind were issued
 * @n: indexed by VFIOIoctl; failed calls count too
 */
typedef struct VFIOIoctlCounters {
    guint64 n[VFIO_IOCTL__COUNT];
} VFIOIoctlCounters;

/**
 * vfio_ioctl_name() - the kernel's name of an ioctl kind
 * @kind: the kind
 *
 * Return: a static string such as "IOMMU_IOAS_MAP".
 */
const char *vfio_ioctl_name(VFIOIoctl kind);

/** vfio_ioctl_count() - count one ioctl of @kind in @c */
static inline void vfio_ioctl_count(VFIOIoctlCounters *c, VFIOIoctl kind)
{
    c->n[kind]++;
}

/** vfio_ioctl_total() - Return: the sum of all counters of @c */
guint64 vfio_ioctl_total(const VFIOIoctlCounters *c);

/**
 * enum VFIOMappingOrigin - how a mapping was made
 * @VFIO_MAPPING_MAP: IOMMU_IOAS_MAP (pins the pages)
 * @VFIO_MAPPING_COPY: IOMMU_IOAS_COPY from another container's IOAS on
 *                     the same iommufd (shares the pins)
 * @VFIO_MAPPING_MAP_DMA: VFIO_IOMMU_MAP_DMA on a legacy container
 */
typedef enum VFIOMappingOrigin {
    VFIO_MAPPING_MAP,
    VFIO_MAPPING_COPY,
    VFIO_MAPPING_MAP_DMA,
} VFIOMappingOrigin;

/** vfio_mapping_origin_name() - Return: "map", "copy" or "map_dma" */
const char *vfio_mapping_origin_name(VFIOMappingOrigin origin);

/**
 * struct VFIOMapping - one IOVA range a container has mapped
 * @iova: the IOVA range (start + inclusive last)
 * @vaddr: host virtual address of @iova.start
 * @origin: how it was made
 * @source_id: for VFIO_MAPPING_COPY, the id of the source container
 * @readonly: mapped for device reads only
 * @ram_device: backed by a device BAR (peer-to-peer), not RAM
 */
typedef struct VFIOMapping {
    Range iova;
    uint64_t vaddr;
    VFIOMappingOrigin origin;
    guint source_id;
    bool readonly;
    bool ram_device;
} VFIOMapping;

#endif /* HW_VFIO_VFIO_COMMON_H */
