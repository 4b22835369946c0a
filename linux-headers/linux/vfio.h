/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vfio.h: the VFIO uAPI used by the rig's programs (layout of Linux 6.12) */
#ifndef VFIO_HOST_LINUX_VFIO_H
#define VFIO_HOST_LINUX_VFIO_H

/*
 * Written from the kernel ABI (request numbers, struct layouts); see
 * docs/kernel-uapi.md in the shared notes.  Names follow the kernel.
 * Every VFIO request is _IO(';', 100 + n).  Structs start with a u32
 * "argsz" that the caller sets to the size of the buffer it passes.
 *
 * Three families: the container (/dev/vfio/vfio) and group (/dev/vfio/N)
 * of the legacy API with the type1 IOMMU, the device fd (from a group or
 * the /dev/vfio/devices/vfioN cdev), and the cdev binding to iommufd.
 *
 * Each UAPI_ASSERT_* line is also compiled against the headers of a real
 * kernel by scripts/update-linux-headers.sh; keep them one per line.
 */

#include <linux/ioctl.h>
#include <linux/types.h>

#include "uapi-assert.h"

#define VFIO_API_VERSION 0

#define VFIO_TYPE (';')
#define VFIO_BASE 100

UAPI_ASSERT_VALUE(VFIO_TYPE, 0x3b);
UAPI_ASSERT_VALUE(VFIO_BASE, 100);
UAPI_ASSERT_VALUE(VFIO_API_VERSION, 0);

/* Extensions (VFIO_CHECK_EXTENSION) and IOMMU types (VFIO_SET_IOMMU) */
#define VFIO_TYPE1_IOMMU 1
#define VFIO_SPAPR_TCE_IOMMU 2
#define VFIO_TYPE1v2_IOMMU 3
#define VFIO_DMA_CC_IOMMU 4         /* all domains enforce cache coherency */
#define VFIO_EEH 5
#define VFIO_SPAPR_TCE_v2_IOMMU 7
#define VFIO_NOIOMMU_IOMMU 8
#define VFIO_UNMAP_ALL 9            /* VFIO_DMA_UNMAP_FLAG_ALL supported */
#define VFIO_UPDATE_VADDR 10        /* the _FLAG_VADDR pair supported */

UAPI_ASSERT_VALUE(VFIO_TYPE1_IOMMU, 1);
UAPI_ASSERT_VALUE(VFIO_SPAPR_TCE_IOMMU, 2);
UAPI_ASSERT_VALUE(VFIO_TYPE1v2_IOMMU, 3);
UAPI_ASSERT_VALUE(VFIO_DMA_CC_IOMMU, 4);
UAPI_ASSERT_VALUE(VFIO_EEH, 5);
UAPI_ASSERT_VALUE(VFIO_SPAPR_TCE_v2_IOMMU, 7);
UAPI_ASSERT_VALUE(VFIO_NOIOMMU_IOMMU, 8);
UAPI_ASSERT_VALUE(VFIO_UNMAP_ALL, 9);
UAPI_ASSERT_VALUE(VFIO_UPDATE_VADDR, 10);

/*
 * Header of each capability in an info chain.  next and the info struct's
 * cap_offset are byte offsets from the start of the info buffer; 0 ends it.
 */
struct vfio_info_cap_header {
    __u16 id;
    __u16 version;
    __u32 next;
};

UAPI_ASSERT_SIZE(struct vfio_info_cap_header, 8);
UAPI_ASSERT_OFFSET(struct vfio_info_cap_header, id, 0);
UAPI_ASSERT_OFFSET(struct vfio_info_cap_header, version, 2);
UAPI_ASSERT_OFFSET(struct vfio_info_cap_header, next, 4);

/* ---- container (/dev/vfio/vfio); arguments passed by value ---- */

#define VFIO_GET_API_VERSION _IO(VFIO_TYPE, VFIO_BASE + 0)
#define VFIO_CHECK_EXTENSION _IO(VFIO_TYPE, VFIO_BASE + 1)
#define VFIO_SET_IOMMU _IO(VFIO_TYPE, VFIO_BASE + 2)

UAPI_ASSERT_IOCTL(VFIO_GET_API_VERSION, 0x3b64);
UAPI_ASSERT_IOCTL(VFIO_CHECK_EXTENSION, 0x3b65);
UAPI_ASSERT_IOCTL(VFIO_SET_IOMMU, 0x3b66);

/* ---- group (/dev/vfio/N) ---- */

/* VFIO_GROUP_GET_STATUS: is the group usable, does it have a container */
struct vfio_group_status {
    __u32 argsz;
    __u32 flags;
};
#define VFIO_GROUP_FLAGS_VIABLE (1 << 0)
#define VFIO_GROUP_FLAGS_CONTAINER_SET (1 << 1)

UAPI_ASSERT_SIZE(struct vfio_group_status, 8);
UAPI_ASSERT_OFFSET(struct vfio_group_status, argsz, 0);
UAPI_ASSERT_OFFSET(struct vfio_group_status, flags, 4);
UAPI_ASSERT_VALUE(VFIO_GROUP_FLAGS_VIABLE, 1);
UAPI_ASSERT_VALUE(VFIO_GROUP_FLAGS_CONTAINER_SET, 2);

#define VFIO_GROUP_GET_STATUS _IO(VFIO_TYPE, VFIO_BASE + 3)
/* argument: pointer to the __s32 container fd */
#define VFIO_GROUP_SET_CONTAINER _IO(VFIO_TYPE, VFIO_BASE + 4)
#define VFIO_GROUP_UNSET_CONTAINER _IO(VFIO_TYPE, VFIO_BASE + 5)
/* argument: NUL-terminated device name ("0000:00:03.0"); returns an fd */
#define VFIO_GROUP_GET_DEVICE_FD _IO(VFIO_TYPE, VFIO_BASE + 6)

UAPI_ASSERT_IOCTL(VFIO_GROUP_GET_STATUS, 0x3b67);
UAPI_ASSERT_IOCTL(VFIO_GROUP_SET_CONTAINER, 0x3b68);
UAPI_ASSERT_IOCTL(VFIO_GROUP_UNSET_CONTAINER, 0x3b69);
UAPI_ASSERT_IOCTL(VFIO_GROUP_GET_DEVICE_FD, 0x3b6a);

/* ---- device fd ---- */

/* VFIO_DEVICE_GET_INFO: kind of device, number of regions and IRQs */
struct vfio_device_info {
    __u32 argsz;
    __u32 flags;
    __u32 num_regions;
    __u32 num_irqs;
    __u32 cap_offset;
    __u32 pad;
};
#define VFIO_DEVICE_FLAGS_RESET (1 << 0)    /* VFIO_DEVICE_RESET works */
#define VFIO_DEVICE_FLAGS_PCI (1 << 1)      /* a vfio-pci device */
#define VFIO_DEVICE_FLAGS_CAPS (1 << 7)     /* cap_offset is valid */
#define VFIO_DEVICE_GET_INFO _IO(VFIO_TYPE, VFIO_BASE + 7)

UAPI_ASSERT_SIZE(struct vfio_device_info, 24);
UAPI_ASSERT_OFFSET(struct vfio_device_info, argsz, 0);
UAPI_ASSERT_OFFSET(struct vfio_device_info, flags, 4);
UAPI_ASSERT_OFFSET(struct vfio_device_info, num_regions, 8);
UAPI_ASSERT_OFFSET(struct vfio_device_info, num_irqs, 12);
UAPI_ASSERT_OFFSET(struct vfio_device_info, cap_offset, 16);
UAPI_ASSERT_OFFSET(struct vfio_device_info, pad, 20);
UAPI_ASSERT_VALUE(VFIO_DEVICE_FLAGS_RESET, 1);
UAPI_ASSERT_VALUE(VFIO_DEVICE_FLAGS_PCI, 2);
UAPI_ASSERT_VALUE(VFIO_DEVICE_FLAGS_CAPS, 0x80);
UAPI_ASSERT_IOCTL(VFIO_DEVICE_GET_INFO, 0x3b6b);

/*
 * VFIO_DEVICE_GET_REGION_INFO: size and access of region "index"; offset
 * is where the region lives in the device fd (for pread/pwrite/mmap).
 */
struct vfio_region_info {
    __u32 argsz;
    __u32 flags;
    __u32 index;
    __u32 cap_offset;
    __aligned_u64 size;
    __aligned_u64 offset;
};
#define VFIO_REGION_INFO_FLAG_READ (1 << 0)
#define VFIO_REGION_INFO_FLAG_WRITE (1 << 1)
#define VFIO_REGION_INFO_FLAG_MMAP (1 << 2)
#define VFIO_REGION_INFO_FLAG_CAPS (1 << 3)
#define VFIO_DEVICE_GET_REGION_INFO _IO(VFIO_TYPE, VFIO_BASE + 8)

UAPI_ASSERT_SIZE(struct vfio_region_info, 32);
UAPI_ASSERT_OFFSET(struct vfio_region_info, argsz, 0);
UAPI_ASSERT_OFFSET(struct vfio_region_info, flags, 4);
UAPI_ASSERT_OFFSET(struct vfio_region_info, index, 8);
UAPI_ASSERT_OFFSET(struct vfio_region_info, cap_offset, 12);
UAPI_ASSERT_OFFSET(struct vfio_region_info, size, 16);
UAPI_ASSERT_OFFSET(struct vfio_region_info, offset, 24);
UAPI_ASSERT_VALUE(VFIO_REGION_INFO_FLAG_READ, 1);
UAPI_ASSERT_VALUE(VFIO_REGION_INFO_FLAG_WRITE, 2);
UAPI_ASSERT_VALUE(VFIO_REGION_INFO_FLAG_MMAP, 4);
UAPI_ASSERT_VALUE(VFIO_REGION_INFO_FLAG_CAPS, 8);
UAPI_ASSERT_IOCTL(VFIO_DEVICE_GET_REGION_INFO, 0x3b6c);

/* Region capability ids */
#define VFIO_REGION_INFO_CAP_SPARSE_MMAP 1
#define VFIO_REGION_INFO_CAP_TYPE 2

UAPI_ASSERT_VALUE(VFIO_REGION_INFO_CAP_SPARSE_MMAP, 1);
UAPI_ASSERT_VALUE(VFIO_REGION_INFO_CAP_TYPE, 2);

/* One mmap-able window of a region, relative to the region start */
struct vfio_region_sparse_mmap_area {
    __aligned_u64 offset;
    __aligned_u64 size;
};

UAPI_ASSERT_SIZE(struct vfio_region_sparse_mmap_area, 16);
UAPI_ASSERT_OFFSET(struct vfio_region_sparse_mmap_area, offset, 0);
UAPI_ASSERT_OFFSET(struct vfio_region_sparse_mmap_area, size, 8);

/* SPARSE_MMAP capability: only these areas of the region may be mmap'ed */
struct vfio_region_info_cap_sparse_mmap {
    struct vfio_info_cap_header header;
    __u32 nr_areas;
    __u32 reserved;
    struct vfio_region_sparse_mmap_area areas[];
};

UAPI_ASSERT_SIZE(struct vfio_region_info_cap_sparse_mmap, 16);
UAPI_ASSERT_OFFSET(struct vfio_region_info_cap_sparse_mmap, header, 0);
UAPI_ASSERT_OFFSET(struct vfio_region_info_cap_sparse_mmap, nr_areas, 8);
UAPI_ASSERT_OFFSET(struct vfio_region_info_cap_sparse_mmap, reserved, 12);
UAPI_ASSERT_OFFSET(struct vfio_region_info_cap_sparse_mmap, areas, 16);

/* TYPE capability: what a device-specific region (index >= 9) holds */
struct vfio_region_info_cap_type {
    struct vfio_info_cap_header header;
    __u32 type;
    __u32 subtype;
};

UAPI_ASSERT_SIZE(struct vfio_region_info_cap_type, 16);
UAPI_ASSERT_OFFSET(struct vfio_region_info_cap_type, header, 0);
UAPI_ASSERT_OFFSET(struct vfio_region_info_cap_type, type, 8);
UAPI_ASSERT_OFFSET(struct vfio_region_info_cap_type, subtype, 12);

/* VFIO_DEVICE_GET_IRQ_INFO: how many vectors IRQ index "index" has */
struct vfio_irq_info {
    __u32 argsz;
    __u32 flags;
    __u32 index;
    __u32 count;
};
#define VFIO_IRQ_INFO_EVENTFD (1 << 0)
#define VFIO_IRQ_INFO_MASKABLE (1 << 1)
#define VFIO_IRQ_INFO_AUTOMASKED (1 << 2)
#define VFIO_IRQ_INFO_NORESIZE (1 << 3)
#define VFIO_DEVICE_GET_IRQ_INFO _IO(VFIO_TYPE, VFIO_BASE + 9)

UAPI_ASSERT_SIZE(struct vfio_irq_info, 16);
UAPI_ASSERT_OFFSET(struct vfio_irq_info, argsz, 0);
UAPI_ASSERT_OFFSET(struct vfio_irq_info, flags, 4);
UAPI_ASSERT_OFFSET(struct vfio_irq_info, index, 8);
UAPI_ASSERT_OFFSET(struct vfio_irq_info, count, 12);
UAPI_ASSERT_VALUE(VFIO_IRQ_INFO_EVENTFD, 1);
UAPI_ASSERT_VALUE(VFIO_IRQ_INFO_MASKABLE, 2);
UAPI_ASSERT_VALUE(VFIO_IRQ_INFO_AUTOMASKED, 4);
UAPI_ASSERT_VALUE(VFIO_IRQ_INFO_NORESIZE, 8);
UAPI_ASSERT_IOCTL(VFIO_DEVICE_GET_IRQ_INFO, 0x3b6d);

/*
 * VFIO_DEVICE_SET_IRQS: apply one action to vectors [start, start + count)
 * of IRQ index "index"; data[] holds count u8 bools or s32 eventfds.
 */
struct vfio_irq_set {
    __u32 argsz;
    __u32 flags;
    __u32 index;
    __u32 start;
    __u32 count;
    __u8 data[];
};
#define VFIO_IRQ_SET_DATA_NONE (1 << 0)
#define VFIO_IRQ_SET_DATA_BOOL (1 << 1)
#define VFIO_IRQ_SET_DATA_EVENTFD (1 << 2)
#define VFIO_IRQ_SET_ACTION_MASK (1 << 3)
#define VFIO_IRQ_SET_ACTION_UNMASK (1 << 4)
#define VFIO_IRQ_SET_ACTION_TRIGGER (1 << 5)
#define VFIO_IRQ_SET_DATA_TYPE_MASK \
    (VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL | \
     VFIO_IRQ_SET_DATA_EVENTFD)
#define VFIO_IRQ_SET_ACTION_TYPE_MASK \
    (VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_UNMASK | \
     VFIO_IRQ_SET_ACTION_TRIGGER)
#define VFIO_DEVICE_SET_IRQS _IO(VFIO_TYPE, VFIO_BASE + 10)

UAPI_ASSERT_SIZE(struct vfio_irq_set, 20);
UAPI_ASSERT_OFFSET(struct vfio_irq_set, argsz, 0);
UAPI_ASSERT_OFFSET(struct vfio_irq_set, flags, 4);
UAPI_ASSERT_OFFSET(struct vfio_irq_set, index, 8);
UAPI_ASSERT_OFFSET(struct vfio_irq_set, start, 12);
UAPI_ASSERT_OFFSET(struct vfio_irq_set, count, 16);
UAPI_ASSERT_OFFSET(struct vfio_irq_set, data, 20);
UAPI_ASSERT_VALUE(VFIO_IRQ_SET_DATA_NONE, 1);
UAPI_ASSERT_VALUE(VFIO_IRQ_SET_DATA_BOOL, 2);
UAPI_ASSERT_VALUE(VFIO_IRQ_SET_DATA_EVENTFD, 4);
UAPI_ASSERT_VALUE(VFIO_IRQ_SET_ACTION_MASK, 8);
UAPI_ASSERT_VALUE(VFIO_IRQ_SET_ACTION_UNMASK, 0x10);
UAPI_ASSERT_VALUE(VFIO_IRQ_SET_ACTION_TRIGGER, 0x20);
UAPI_ASSERT_IOCTL(VFIO_DEVICE_SET_IRQS, 0x3b6e);

/* VFIO_DEVICE_RESET: no argument */
#define VFIO_DEVICE_RESET _IO(VFIO_TYPE, VFIO_BASE + 11)

UAPI_ASSERT_IOCTL(VFIO_DEVICE_RESET, 0x3b6f);

/* Fixed region indices of a vfio-pci device */
enum {
    VFIO_PCI_BAR0_REGION_INDEX,
    VFIO_PCI_BAR1_REGION_INDEX,
    VFIO_PCI_BAR2_REGION_INDEX,
    VFIO_PCI_BAR3_REGION_INDEX,
    VFIO_PCI_BAR4_REGION_INDEX,
    VFIO_PCI_BAR5_REGION_INDEX,
    VFIO_PCI_ROM_REGION_INDEX,
    VFIO_PCI_CONFIG_REGION_INDEX,
    VFIO_PCI_VGA_REGION_INDEX,
    VFIO_PCI_NUM_REGIONS = 9,   /* device-specific regions follow */
};

/* IRQ indices of a vfio-pci device */
enum {
    VFIO_PCI_INTX_IRQ_INDEX,
    VFIO_PCI_MSI_IRQ_INDEX,
    VFIO_PCI_MSIX_IRQ_INDEX,
    VFIO_PCI_ERR_IRQ_INDEX,
    VFIO_PCI_REQ_IRQ_INDEX,
    VFIO_PCI_NUM_IRQS,
};

UAPI_ASSERT_VALUE(VFIO_PCI_BAR0_REGION_INDEX, 0);
UAPI_ASSERT_VALUE(VFIO_PCI_BAR5_REGION_INDEX, 5);
UAPI_ASSERT_VALUE(VFIO_PCI_ROM_REGION_INDEX, 6);
UAPI_ASSERT_VALUE(VFIO_PCI_CONFIG_REGION_INDEX, 7);
UAPI_ASSERT_VALUE(VFIO_PCI_VGA_REGION_INDEX, 8);
UAPI_ASSERT_VALUE(VFIO_PCI_NUM_REGIONS, 9);
UAPI_ASSERT_VALUE(VFIO_PCI_INTX_IRQ_INDEX, 0);
UAPI_ASSERT_VALUE(VFIO_PCI_MSI_IRQ_INDEX, 1);
UAPI_ASSERT_VALUE(VFIO_PCI_MSIX_IRQ_INDEX, 2);
UAPI_ASSERT_VALUE(VFIO_PCI_ERR_IRQ_INDEX, 3);
UAPI_ASSERT_VALUE(VFIO_PCI_REQ_IRQ_INDEX, 4);
UAPI_ASSERT_VALUE(VFIO_PCI_NUM_IRQS, 5);

/* ---- device cdev (/dev/vfio/devices/vfioN) and iommufd ---- */

/* VFIO_DEVICE_BIND_IOMMUFD: bind the cdev to an iommufd; returns dev id */
struct vfio_device_bind_iommufd {
    __u32 argsz;
    __u32 flags;
    __s32 iommufd;
    __u32 out_devid;
};
#define VFIO_DEVICE_BIND_IOMMUFD _IO(VFIO_TYPE, VFIO_BASE + 18)

UAPI_ASSERT_SIZE(struct vfio_device_bind_iommufd, 16);
UAPI_ASSERT_OFFSET(struct vfio_device_bind_iommufd, argsz, 0);
UAPI_ASSERT_OFFSET(struct vfio_device_bind_iommufd, flags, 4);
UAPI_ASSERT_OFFSET(struct vfio_device_bind_iommufd, iommufd, 8);
UAPI_ASSERT_OFFSET(struct vfio_device_bind_iommufd, out_devid, 12);
UAPI_ASSERT_IOCTL(VFIO_DEVICE_BIND_IOMMUFD, 0x3b76);

/*
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT: attach (or replace) to pt_id, an IOAS or a
 * HWPT; pt_id returns the HWPT actually used.
 */
struct vfio_device_attach_iommufd_pt {
    __u32 argsz;
    __u32 flags;
    __u32 pt_id;
};
#define VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 19)

UAPI_ASSERT_SIZE(struct vfio_device_attach_iommufd_pt, 12);
UAPI_ASSERT_OFFSET(struct vfio_device_attach_iommufd_pt, argsz, 0);
UAPI_ASSERT_OFFSET(struct vfio_device_attach_iommufd_pt, flags, 4);
UAPI_ASSERT_OFFSET(struct vfio_device_attach_iommufd_pt, pt_id, 8);
UAPI_ASSERT_IOCTL(VFIO_DEVICE_ATTACH_IOMMUFD_PT, 0x3b77);

/* VFIO_DEVICE_DETACH_IOMMUFD_PT: detach; the device then blocks DMA */
struct vfio_device_detach_iommufd_pt {
    __u32 argsz;
    __u32 flags;
};
#define VFIO_DEVICE_DETACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 20)

UAPI_ASSERT_SIZE(struct vfio_device_detach_iommufd_pt, 8);
UAPI_ASSERT_OFFSET(struct vfio_device_detach_iommufd_pt, argsz, 0);
UAPI_ASSERT_OFFSET(struct vfio_device_detach_iommufd_pt, flags, 4);
UAPI_ASSERT_IOCTL(VFIO_DEVICE_DETACH_IOMMUFD_PT, 0x3b78);

/* ---- type1 IOMMU, on the container ---- */

/*
 * VFIO_IOMMU_GET_INFO: supported page sizes and a capability chain.  If
 * argsz is too small for the chain, argsz returns the size needed.
 */
struct vfio_iommu_type1_info {
    __u32 argsz;
    __u32 flags;
    __aligned_u64 iova_pgsizes;
    __u32 cap_offset;
    __u32 pad;
};
#define VFIO_IOMMU_INFO_PGSIZES (1 << 0)
#define VFIO_IOMMU_INFO_CAPS (1 << 1)
#define VFIO_IOMMU_GET_INFO _IO(VFIO_TYPE, VFIO_BASE + 12)

UAPI_ASSERT_SIZE(struct vfio_iommu_type1_info, 24);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_info, argsz, 0);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_info, flags, 4);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_info, iova_pgsizes, 8);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_info, cap_offset, 16);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_info, pad, 20);
UAPI_ASSERT_VALUE(VFIO_IOMMU_INFO_PGSIZES, 1);
UAPI_ASSERT_VALUE(VFIO_IOMMU_INFO_CAPS, 2);
UAPI_ASSERT_IOCTL(VFIO_IOMMU_GET_INFO, 0x3b70);

/* Type1 info capability ids */
#define VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE 1
#define VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION 2
#define VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL 3

UAPI_ASSERT_VALUE(VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, 1);
UAPI_ASSERT_VALUE(VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, 2);
UAPI_ASSERT_VALUE(VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, 3);

/* One usable IOVA interval; "end" is inclusive */
struct vfio_iova_range {
    __u64 start;
    __u64 end;
};

UAPI_ASSERT_SIZE(struct vfio_iova_range, 16);
UAPI_ASSERT_OFFSET(struct vfio_iova_range, start, 0);
UAPI_ASSERT_OFFSET(struct vfio_iova_range, end, 8);

/* CAP_IOVA_RANGE: the IOVA intervals MAP_DMA accepts */
struct vfio_iommu_type1_info_cap_iova_range {
    struct vfio_info_cap_header header;
    __u32 nr_iovas;
    __u32 reserved;
    struct vfio_iova_range iova_ranges[];
};

UAPI_ASSERT_SIZE(struct vfio_iommu_type1_info_cap_iova_range, 16);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_info_cap_iova_range, header, 0);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_info_cap_iova_range, nr_iovas, 8);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_info_cap_iova_range, reserved, 12);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_info_cap_iova_range, iova_ranges, 16);

/* CAP_MIGRATION: dirty page tracking granularity and bitmap size limit */
struct vfio_iommu_type1_info_cap_migration {
    struct vfio_info_cap_header header;
    __u32 flags;
    __u64 pgsize_bitmap;
    __u64 max_dirty_bitmap_size;
};

UAPI_ASSERT_SIZE(struct vfio_iommu_type1_info_cap_migration, 32);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_info_cap_migration, header, 0);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_info_cap_migration, flags, 8);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_info_cap_migration, pgsize_bitmap, 16);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_info_cap_migration, max_dirty_bitmap_size, 24);

/* DMA_AVAIL: how many more MAP_DMA mappings the container accepts */
struct vfio_iommu_type1_info_dma_avail {
    struct vfio_info_cap_header header;
    __u32 avail;
};

UAPI_ASSERT_SIZE(struct vfio_iommu_type1_info_dma_avail, 12);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_info_dma_avail, header, 0);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_info_dma_avail, avail, 8);

/* VFIO_IOMMU_MAP_DMA: map [vaddr, vaddr + size) at iova (page aligned) */
struct vfio_iommu_type1_dma_map {
    __u32 argsz;
    __u32 flags;
    __u64 vaddr;
    __u64 iova;
    __u64 size;
};
#define VFIO_DMA_MAP_FLAG_READ (1 << 0)     /* device may read */
#define VFIO_DMA_MAP_FLAG_WRITE (1 << 1)    /* device may write */
#define VFIO_DMA_MAP_FLAG_VADDR (1 << 2)    /* only set a new vaddr */
#define VFIO_IOMMU_MAP_DMA _IO(VFIO_TYPE, VFIO_BASE + 13)

UAPI_ASSERT_SIZE(struct vfio_iommu_type1_dma_map, 32);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_dma_map, argsz, 0);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_dma_map, flags, 4);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_dma_map, vaddr, 8);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_dma_map, iova, 16);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_dma_map, size, 24);
UAPI_ASSERT_VALUE(VFIO_DMA_MAP_FLAG_READ, 1);
UAPI_ASSERT_VALUE(VFIO_DMA_MAP_FLAG_WRITE, 2);
UAPI_ASSERT_VALUE(VFIO_DMA_MAP_FLAG_VADDR, 4);
UAPI_ASSERT_IOCTL(VFIO_IOMMU_MAP_DMA, 0x3b71);

/* A dirty bitmap: one bit per pgsize page, size bytes at data (zeroed) */
struct vfio_bitmap {
    __u64 pgsize;
    __u64 size;
    __u64 *data;
};

UAPI_ASSERT_SIZE(struct vfio_bitmap, 24);
UAPI_ASSERT_OFFSET(struct vfio_bitmap, pgsize, 0);
UAPI_ASSERT_OFFSET(struct vfio_bitmap, size, 8);
UAPI_ASSERT_OFFSET(struct vfio_bitmap, data, 16);

/*
 * VFIO_IOMMU_UNMAP_DMA: unmap the mappings in [iova, iova + size); size
 * returns bytes unmapped.  With GET_DIRTY_BITMAP, data[] holds a struct
 * vfio_bitmap that receives the range's dirty bits.
 */
struct vfio_iommu_type1_dma_unmap {
    __u32 argsz;
    __u32 flags;
    __u64 iova;
    __u64 size;
    __u8 data[];
};
#define VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP (1 << 0)
#define VFIO_DMA_UNMAP_FLAG_ALL (1 << 1)    /* everything; iova = size = 0 */
#define VFIO_DMA_UNMAP_FLAG_VADDR (1 << 2)  /* only invalidate the vaddr */
#define VFIO_IOMMU_UNMAP_DMA _IO(VFIO_TYPE, VFIO_BASE + 14)

UAPI_ASSERT_SIZE(struct vfio_iommu_type1_dma_unmap, 24);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_dma_unmap, argsz, 0);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_dma_unmap, flags, 4);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_dma_unmap, iova, 8);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_dma_unmap, size, 16);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_dma_unmap, data, 24);
UAPI_ASSERT_VALUE(VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, 1);
UAPI_ASSERT_VALUE(VFIO_DMA_UNMAP_FLAG_ALL, 2);
UAPI_ASSERT_VALUE(VFIO_DMA_UNMAP_FLAG_VADDR, 4);
UAPI_ASSERT_IOCTL(VFIO_IOMMU_UNMAP_DMA, 0x3b72);

/*
 * VFIO_IOMMU_DIRTY_PAGES: exactly one flag: start or stop dirty tracking,
 * or read a bitmap (data[] then holds a vfio_iommu_type1_dirty_bitmap_get).
 */
struct vfio_iommu_type1_dirty_bitmap {
    __u32 argsz;
    __u32 flags;
    __u8 data[];
};
#define VFIO_IOMMU_DIRTY_PAGES_FLAG_START (1 << 0)
#define VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP (1 << 1)
#define VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP (1 << 2)
#define VFIO_IOMMU_DIRTY_PAGES _IO(VFIO_TYPE, VFIO_BASE + 17)

UAPI_ASSERT_SIZE(struct vfio_iommu_type1_dirty_bitmap, 8);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_dirty_bitmap, argsz, 0);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_dirty_bitmap, flags, 4);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_dirty_bitmap, data, 8);
UAPI_ASSERT_VALUE(VFIO_IOMMU_DIRTY_PAGES_FLAG_START, 1);
UAPI_ASSERT_VALUE(VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP, 2);
UAPI_ASSERT_VALUE(VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP, 4);
UAPI_ASSERT_IOCTL(VFIO_IOMMU_DIRTY_PAGES, 0x3b75);

/* DIRTY_PAGES GET_BITMAP payload: the range and where its bits go */
struct vfio_iommu_type1_dirty_bitmap_get {
    __u64 iova;
    __u64 size;
    struct vfio_bitmap bitmap;
};

UAPI_ASSERT_SIZE(struct vfio_iommu_type1_dirty_bitmap_get, 40);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_dirty_bitmap_get, iova, 0);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_dirty_bitmap_get, size, 8);
UAPI_ASSERT_OFFSET(struct vfio_iommu_type1_dirty_bitmap_get, bitmap, 16);

#endif /* VFIO_HOST_LINUX_VFIO_H */
