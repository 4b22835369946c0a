/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iommufd.h: the /dev/iommu uAPI used by the rig's programs (layout of Linux 6.12) */
#ifndef VFIO_HOST_LINUX_IOMMUFD_H
#define VFIO_HOST_LINUX_IOMMUFD_H

/*
 * Written from the kernel ABI (request numbers, struct layouts); see
 * docs/kernel-uapi.md in the shared notes.  Names follow the kernel so that
 * calling code reads like kernel-facing code.  Every iommufd request is
 * _IO(';', nr): the direction and size bits are zero, and each struct
 * starts with a u32 "size" that the caller sets to sizeof(struct).
 *
 * Each UAPI_ASSERT_* line is also compiled against the headers of a real
 * kernel by scripts/update-linux-headers.sh; keep them one per line.
 */

#include <linux/ioctl.h>
#include <linux/types.h>

#include "uapi-assert.h"

#define IOMMUFD_TYPE (';')

/* Command numbers (the "nr" byte of the request) */
enum {
    IOMMUFD_CMD_BASE = 0x80,
    IOMMUFD_CMD_DESTROY = IOMMUFD_CMD_BASE,
    IOMMUFD_CMD_IOAS_ALLOC = 0x81,
    IOMMUFD_CMD_IOAS_ALLOW_IOVAS = 0x82,
    IOMMUFD_CMD_IOAS_COPY = 0x83,
    IOMMUFD_CMD_IOAS_IOVA_RANGES = 0x84,
    IOMMUFD_CMD_IOAS_MAP = 0x85,
    IOMMUFD_CMD_IOAS_UNMAP = 0x86,
    IOMMUFD_CMD_OPTION = 0x87,
    IOMMUFD_CMD_VFIO_IOAS = 0x88,
    IOMMUFD_CMD_HWPT_ALLOC = 0x89,
    IOMMUFD_CMD_GET_HW_INFO = 0x8a,
    IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING = 0x8b,
    IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP = 0x8c,
};

UAPI_ASSERT_VALUE(IOMMUFD_TYPE, 0x3b);
UAPI_ASSERT_VALUE(IOMMUFD_CMD_BASE, 0x80);

/* IOMMU_DESTROY: destroy any object (IOAS, HWPT, ...) by its id */
struct iommu_destroy {
    __u32 size;
    __u32 id;
};
#define IOMMU_DESTROY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY)

UAPI_ASSERT_SIZE(struct iommu_destroy, 8);
UAPI_ASSERT_OFFSET(struct iommu_destroy, size, 0);
UAPI_ASSERT_OFFSET(struct iommu_destroy, id, 4);
UAPI_ASSERT_IOCTL(IOMMU_DESTROY, 0x3b80);

/* IOMMU_IOAS_ALLOC: create an empty I/O address space, id returned */
struct iommu_ioas_alloc {
    __u32 size;
    __u32 flags;
    __u32 out_ioas_id;
};
#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC)

UAPI_ASSERT_SIZE(struct iommu_ioas_alloc, 12);
UAPI_ASSERT_OFFSET(struct iommu_ioas_alloc, size, 0);
UAPI_ASSERT_OFFSET(struct iommu_ioas_alloc, flags, 4);
UAPI_ASSERT_OFFSET(struct iommu_ioas_alloc, out_ioas_id, 8);
UAPI_ASSERT_IOCTL(IOMMU_IOAS_ALLOC, 0x3b81);

/* One IOVA interval; "last" is inclusive */
struct iommu_iova_range {
    __aligned_u64 start;
    __aligned_u64 last;
};

UAPI_ASSERT_SIZE(struct iommu_iova_range, 16);
UAPI_ASSERT_OFFSET(struct iommu_iova_range, start, 0);
UAPI_ASSERT_OFFSET(struct iommu_iova_range, last, 8);

/*
 * IOMMU_IOAS_IOVA_RANGES: read the usable IOVA intervals of an IOAS into an
 * array of num_iovas struct iommu_iova_range at allowed_iovas (a user
 * pointer); num_iovas comes back as the total (EMSGSIZE if it did not fit).
 */
struct iommu_ioas_iova_ranges {
    __u32 size;
    __u32 ioas_id;
    __u32 num_iovas;
    __u32 __reserved;
    __aligned_u64 allowed_iovas;
    __aligned_u64 out_iova_alignment;
};
#define IOMMU_IOAS_IOVA_RANGES _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_IOVA_RANGES)

UAPI_ASSERT_SIZE(struct iommu_ioas_iova_ranges, 32);
UAPI_ASSERT_OFFSET(struct iommu_ioas_iova_ranges, size, 0);
UAPI_ASSERT_OFFSET(struct iommu_ioas_iova_ranges, ioas_id, 4);
UAPI_ASSERT_OFFSET(struct iommu_ioas_iova_ranges, num_iovas, 8);
UAPI_ASSERT_OFFSET(struct iommu_ioas_iova_ranges, __reserved, 12);
UAPI_ASSERT_OFFSET(struct iommu_ioas_iova_ranges, allowed_iovas, 16);
UAPI_ASSERT_OFFSET(struct iommu_ioas_iova_ranges, out_iova_alignment, 24);
UAPI_ASSERT_IOCTL(IOMMU_IOAS_IOVA_RANGES, 0x3b84);

/*
 * IOMMU_IOAS_ALLOW_IOVAS: restrict automatic IOVA allocation to the given
 * struct iommu_iova_range array (replaces the previous list; 0 clears it).
 */
struct iommu_ioas_allow_iovas {
    __u32 size;
    __u32 ioas_id;
    __u32 num_iovas;
    __u32 __reserved;
    __aligned_u64 allowed_iovas;
};
#define IOMMU_IOAS_ALLOW_IOVAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOW_IOVAS)

UAPI_ASSERT_SIZE(struct iommu_ioas_allow_iovas, 24);
UAPI_ASSERT_OFFSET(struct iommu_ioas_allow_iovas, size, 0);
UAPI_ASSERT_OFFSET(struct iommu_ioas_allow_iovas, ioas_id, 4);
UAPI_ASSERT_OFFSET(struct iommu_ioas_allow_iovas, num_iovas, 8);
UAPI_ASSERT_OFFSET(struct iommu_ioas_allow_iovas, __reserved, 12);
UAPI_ASSERT_OFFSET(struct iommu_ioas_allow_iovas, allowed_iovas, 16);
UAPI_ASSERT_IOCTL(IOMMU_IOAS_ALLOW_IOVAS, 0x3b82);

/* Flags of IOMMU_IOAS_MAP and IOMMU_IOAS_COPY */
enum iommufd_ioas_map_flags {
    IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,   /* iova is an input */
    IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,    /* device may write */
    IOMMU_IOAS_MAP_READABLE = 1 << 2,     /* device may read */
};

UAPI_ASSERT_VALUE(IOMMU_IOAS_MAP_FIXED_IOVA, 1);
UAPI_ASSERT_VALUE(IOMMU_IOAS_MAP_WRITEABLE, 2);
UAPI_ASSERT_VALUE(IOMMU_IOAS_MAP_READABLE, 4);

/*
 * IOMMU_IOAS_MAP: map length bytes of process memory at user_va into the
 * IOAS; iova is chosen by the kernel (and returned) unless FIXED_IOVA.
 */
struct iommu_ioas_map {
    __u32 size;
    __u32 flags;
    __u32 ioas_id;
    __u32 __reserved;
    __aligned_u64 user_va;
    __aligned_u64 length;
    __aligned_u64 iova;
};
#define IOMMU_IOAS_MAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP)

UAPI_ASSERT_SIZE(struct iommu_ioas_map, 40);
UAPI_ASSERT_OFFSET(struct iommu_ioas_map, size, 0);
UAPI_ASSERT_OFFSET(struct iommu_ioas_map, flags, 4);
UAPI_ASSERT_OFFSET(struct iommu_ioas_map, ioas_id, 8);
UAPI_ASSERT_OFFSET(struct iommu_ioas_map, __reserved, 12);
UAPI_ASSERT_OFFSET(struct iommu_ioas_map, user_va, 16);
UAPI_ASSERT_OFFSET(struct iommu_ioas_map, length, 24);
UAPI_ASSERT_OFFSET(struct iommu_ioas_map, iova, 32);
UAPI_ASSERT_IOCTL(IOMMU_IOAS_MAP, 0x3b85);

/*
 * IOMMU_IOAS_COPY: map into dst_ioas_id the pages already mapped at
 * [src_iova, src_iova + length) of src_ioas_id, sharing their pins.
 * Flags are enum iommufd_ioas_map_flags.
 */
struct iommu_ioas_copy {
    __u32 size;
    __u32 flags;
    __u32 dst_ioas_id;
    __u32 src_ioas_id;
    __aligned_u64 length;
    __aligned_u64 dst_iova;
    __aligned_u64 src_iova;
};
#define IOMMU_IOAS_COPY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_COPY)

UAPI_ASSERT_SIZE(struct iommu_ioas_copy, 40);
UAPI_ASSERT_OFFSET(struct iommu_ioas_copy, size, 0);
UAPI_ASSERT_OFFSET(struct iommu_ioas_copy, flags, 4);
UAPI_ASSERT_OFFSET(struct iommu_ioas_copy, dst_ioas_id, 8);
UAPI_ASSERT_OFFSET(struct iommu_ioas_copy, src_ioas_id, 12);
UAPI_ASSERT_OFFSET(struct iommu_ioas_copy, length, 16);
UAPI_ASSERT_OFFSET(struct iommu_ioas_copy, dst_iova, 24);
UAPI_ASSERT_OFFSET(struct iommu_ioas_copy, src_iova, 32);
UAPI_ASSERT_IOCTL(IOMMU_IOAS_COPY, 0x3b83);

/*
 * IOMMU_IOAS_UNMAP: remove every mapping fully inside [iova, iova + length);
 * iova 0 with length UINT64_MAX removes all.  length returns bytes removed.
 */
struct iommu_ioas_unmap {
    __u32 size;
    __u32 ioas_id;
    __aligned_u64 iova;
    __aligned_u64 length;
};
#define IOMMU_IOAS_UNMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_UNMAP)

UAPI_ASSERT_SIZE(struct iommu_ioas_unmap, 24);
UAPI_ASSERT_OFFSET(struct iommu_ioas_unmap, size, 0);
UAPI_ASSERT_OFFSET(struct iommu_ioas_unmap, ioas_id, 4);
UAPI_ASSERT_OFFSET(struct iommu_ioas_unmap, iova, 8);
UAPI_ASSERT_OFFSET(struct iommu_ioas_unmap, length, 16);
UAPI_ASSERT_IOCTL(IOMMU_IOAS_UNMAP, 0x3b86);

/* IOMMU_OPTION: option_id values */
enum iommufd_option {
    IOMMU_OPTION_RLIMIT_MODE = 0,   /* global: 0 per-user, 1 per-mm */
    IOMMU_OPTION_HUGE_PAGES = 1,    /* per IOAS (object_id) */
};

/* IOMMU_OPTION: op values */
enum iommufd_option_ops {
    IOMMU_OPTION_OP_SET = 0,
    IOMMU_OPTION_OP_GET = 1,
};

UAPI_ASSERT_VALUE(IOMMU_OPTION_RLIMIT_MODE, 0);
UAPI_ASSERT_VALUE(IOMMU_OPTION_HUGE_PAGES, 1);
UAPI_ASSERT_VALUE(IOMMU_OPTION_OP_SET, 0);
UAPI_ASSERT_VALUE(IOMMU_OPTION_OP_GET, 1);

/* IOMMU_OPTION: read or change an option; val64 carries the value */
struct iommu_option {
    __u32 size;
    __u32 option_id;
    __u16 op;
    __u16 __reserved;
    __u32 object_id;
    __aligned_u64 val64;
};
#define IOMMU_OPTION _IO(IOMMUFD_TYPE, IOMMUFD_CMD_OPTION)

UAPI_ASSERT_SIZE(struct iommu_option, 24);
UAPI_ASSERT_OFFSET(struct iommu_option, size, 0);
UAPI_ASSERT_OFFSET(struct iommu_option, option_id, 4);
UAPI_ASSERT_OFFSET(struct iommu_option, op, 8);
UAPI_ASSERT_OFFSET(struct iommu_option, __reserved, 10);
UAPI_ASSERT_OFFSET(struct iommu_option, object_id, 12);
UAPI_ASSERT_OFFSET(struct iommu_option, val64, 16);
UAPI_ASSERT_IOCTL(IOMMU_OPTION, 0x3b87);

/* IOMMU_VFIO_IOAS: op values */
enum iommufd_vfio_ioas_op {
    IOMMU_VFIO_IOAS_GET = 0,
    IOMMU_VFIO_IOAS_SET = 1,
    IOMMU_VFIO_IOAS_CLEAR = 2,
};

UAPI_ASSERT_VALUE(IOMMU_VFIO_IOAS_GET, 0);
UAPI_ASSERT_VALUE(IOMMU_VFIO_IOAS_SET, 1);
UAPI_ASSERT_VALUE(IOMMU_VFIO_IOAS_CLEAR, 2);

/* IOMMU_VFIO_IOAS: get/set/clear the IOAS used by the VFIO compat layer */
struct iommu_vfio_ioas {
    __u32 size;
    __u32 ioas_id;
    __u16 op;
    __u16 __reserved;
};
#define IOMMU_VFIO_IOAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VFIO_IOAS)

UAPI_ASSERT_SIZE(struct iommu_vfio_ioas, 12);
UAPI_ASSERT_OFFSET(struct iommu_vfio_ioas, size, 0);
UAPI_ASSERT_OFFSET(struct iommu_vfio_ioas, ioas_id, 4);
UAPI_ASSERT_OFFSET(struct iommu_vfio_ioas, op, 8);
UAPI_ASSERT_OFFSET(struct iommu_vfio_ioas, __reserved, 10);
UAPI_ASSERT_IOCTL(IOMMU_VFIO_IOAS, 0x3b88);

/* IOMMU_HWPT_ALLOC: flags */
enum iommufd_hwpt_alloc_flags {
    IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0,
    IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1,
    IOMMU_HWPT_FAULT_ID_VALID = 1 << 2,
};

/* IOMMU_HWPT_ALLOC: data_type values (driver-specific data for nesting) */
enum iommu_hwpt_data_type {
    IOMMU_HWPT_DATA_NONE = 0,
    IOMMU_HWPT_DATA_VTD_S1 = 1,
};

UAPI_ASSERT_VALUE(IOMMU_HWPT_ALLOC_NEST_PARENT, 1);
UAPI_ASSERT_VALUE(IOMMU_HWPT_ALLOC_DIRTY_TRACKING, 2);
UAPI_ASSERT_VALUE(IOMMU_HWPT_FAULT_ID_VALID, 4);
UAPI_ASSERT_VALUE(IOMMU_HWPT_DATA_NONE, 0);
UAPI_ASSERT_VALUE(IOMMU_HWPT_DATA_VTD_S1, 1);

/*
 * IOMMU_HWPT_ALLOC: allocate a hardware page table for device dev_id on
 * pt_id (an IOAS: paging HWPT; a paging HWPT: nested HWPT).  The new HWPT
 * is not attached to anything.
 */
struct iommu_hwpt_alloc {
    __u32 size;
    __u32 flags;
    __u32 dev_id;
    __u32 pt_id;
    __u32 out_hwpt_id;
    __u32 __reserved;
    __u32 data_type;
    __u32 data_len;
    __aligned_u64 data_uptr;
    __u32 fault_id;
    __u32 __reserved2;
};
#define IOMMU_HWPT_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_ALLOC)

UAPI_ASSERT_SIZE(struct iommu_hwpt_alloc, 48);
UAPI_ASSERT_OFFSET(struct iommu_hwpt_alloc, size, 0);
UAPI_ASSERT_OFFSET(struct iommu_hwpt_alloc, flags, 4);
UAPI_ASSERT_OFFSET(struct iommu_hwpt_alloc, dev_id, 8);
UAPI_ASSERT_OFFSET(struct iommu_hwpt_alloc, pt_id, 12);
UAPI_ASSERT_OFFSET(struct iommu_hwpt_alloc, out_hwpt_id, 16);
UAPI_ASSERT_OFFSET(struct iommu_hwpt_alloc, __reserved, 20);
UAPI_ASSERT_OFFSET(struct iommu_hwpt_alloc, data_type, 24);
UAPI_ASSERT_OFFSET(struct iommu_hwpt_alloc, data_len, 28);
UAPI_ASSERT_OFFSET(struct iommu_hwpt_alloc, data_uptr, 32);
UAPI_ASSERT_OFFSET(struct iommu_hwpt_alloc, fault_id, 40);
UAPI_ASSERT_OFFSET(struct iommu_hwpt_alloc, __reserved2, 44);
UAPI_ASSERT_IOCTL(IOMMU_HWPT_ALLOC, 0x3b89);

/* IOMMU_GET_HW_INFO: flags of struct iommu_hw_info_vtd */
enum iommu_hw_info_vtd_flags {
    IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17 = 1 << 0,
};

UAPI_ASSERT_VALUE(IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17, 1);

/* IOMMU_GET_HW_INFO data for IOMMU_HW_INFO_TYPE_INTEL_VTD: raw registers */
struct iommu_hw_info_vtd {
    __u32 flags;
    __u32 __reserved;
    __aligned_u64 cap_reg;
    __aligned_u64 ecap_reg;
};

UAPI_ASSERT_SIZE(struct iommu_hw_info_vtd, 24);
UAPI_ASSERT_OFFSET(struct iommu_hw_info_vtd, flags, 0);
UAPI_ASSERT_OFFSET(struct iommu_hw_info_vtd, __reserved, 4);
UAPI_ASSERT_OFFSET(struct iommu_hw_info_vtd, cap_reg, 8);
UAPI_ASSERT_OFFSET(struct iommu_hw_info_vtd, ecap_reg, 16);

/* IOMMU_GET_HW_INFO: out_data_type values */
enum iommu_hw_info_type {
    IOMMU_HW_INFO_TYPE_NONE = 0,
    IOMMU_HW_INFO_TYPE_INTEL_VTD = 1,
};

/* IOMMU_GET_HW_INFO: out_capabilities bits */
enum iommufd_hw_capabilities {
    IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0,
    IOMMU_HW_CAP_PCI_PASID_EXEC = 1 << 1,
    IOMMU_HW_CAP_PCI_PASID_PRIV = 1 << 2,
};

UAPI_ASSERT_VALUE(IOMMU_HW_INFO_TYPE_NONE, 0);
UAPI_ASSERT_VALUE(IOMMU_HW_INFO_TYPE_INTEL_VTD, 1);
UAPI_ASSERT_VALUE(IOMMU_HW_CAP_DIRTY_TRACKING, 1);
UAPI_ASSERT_VALUE(IOMMU_HW_CAP_PCI_PASID_EXEC, 2);
UAPI_ASSERT_VALUE(IOMMU_HW_CAP_PCI_PASID_PRIV, 4);

/*
 * IOMMU_GET_HW_INFO: describe the IOMMU behind device dev_id; the driver
 * fills data_len bytes at data_uptr (e.g. struct iommu_hw_info_vtd) and
 * returns its real length in data_len.
 */
struct iommu_hw_info {
    __u32 size;
    __u32 flags;
    __u32 dev_id;
    __u32 data_len;
    __aligned_u64 data_uptr;
    __u32 out_data_type;
    __u8 out_max_pasid_log2;
    __u8 __reserved[3];
    __aligned_u64 out_capabilities;
};
#define IOMMU_GET_HW_INFO _IO(IOMMUFD_TYPE, IOMMUFD_CMD_GET_HW_INFO)

UAPI_ASSERT_SIZE(struct iommu_hw_info, 40);
UAPI_ASSERT_OFFSET(struct iommu_hw_info, size, 0);
UAPI_ASSERT_OFFSET(struct iommu_hw_info, flags, 4);
UAPI_ASSERT_OFFSET(struct iommu_hw_info, dev_id, 8);
UAPI_ASSERT_OFFSET(struct iommu_hw_info, data_len, 12);
UAPI_ASSERT_OFFSET(struct iommu_hw_info, data_uptr, 16);
UAPI_ASSERT_OFFSET(struct iommu_hw_info, out_data_type, 24);
UAPI_ASSERT_OFFSET(struct iommu_hw_info, out_max_pasid_log2, 28);
UAPI_ASSERT_OFFSET(struct iommu_hw_info, __reserved, 29);
UAPI_ASSERT_OFFSET(struct iommu_hw_info, out_capabilities, 32);
UAPI_ASSERT_IOCTL(IOMMU_GET_HW_INFO, 0x3b8a);

/* IOMMU_HWPT_SET_DIRTY_TRACKING: flags */
enum iommufd_hwpt_set_dirty_tracking_flags {
    IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1,
};

UAPI_ASSERT_VALUE(IOMMU_HWPT_DIRTY_TRACKING_ENABLE, 1);

/* IOMMU_HWPT_SET_DIRTY_TRACKING: start (flag set) or stop dirty tracking */
struct iommu_hwpt_set_dirty_tracking {
    __u32 size;
    __u32 flags;
    __u32 hwpt_id;
    __u32 __reserved;
};
#define IOMMU_HWPT_SET_DIRTY_TRACKING \
    _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING)

UAPI_ASSERT_SIZE(struct iommu_hwpt_set_dirty_tracking, 16);
UAPI_ASSERT_OFFSET(struct iommu_hwpt_set_dirty_tracking, size, 0);
UAPI_ASSERT_OFFSET(struct iommu_hwpt_set_dirty_tracking, flags, 4);
UAPI_ASSERT_OFFSET(struct iommu_hwpt_set_dirty_tracking, hwpt_id, 8);
UAPI_ASSERT_OFFSET(struct iommu_hwpt_set_dirty_tracking, __reserved, 12);
UAPI_ASSERT_IOCTL(IOMMU_HWPT_SET_DIRTY_TRACKING, 0x3b8b);

/* IOMMU_HWPT_GET_DIRTY_BITMAP: flags */
enum iommufd_hwpt_get_dirty_bitmap_flags {
    IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1,
};

UAPI_ASSERT_VALUE(IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR, 1);

/*
 * IOMMU_HWPT_GET_DIRTY_BITMAP: set one bit per dirty page_size page of
 * [iova, iova + length) in the zeroed u64 bitmap at data (a user pointer).
 */
struct iommu_hwpt_get_dirty_bitmap {
    __u32 size;
    __u32 hwpt_id;
    __u32 flags;
    __u32 __reserved;
    __aligned_u64 iova;
    __aligned_u64 length;
    __aligned_u64 page_size;
    __aligned_u64 data;
};
#define IOMMU_HWPT_GET_DIRTY_BITMAP \
    _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP)

UAPI_ASSERT_SIZE(struct iommu_hwpt_get_dirty_bitmap, 48);
UAPI_ASSERT_OFFSET(struct iommu_hwpt_get_dirty_bitmap, size, 0);
UAPI_ASSERT_OFFSET(struct iommu_hwpt_get_dirty_bitmap, hwpt_id, 4);
UAPI_ASSERT_OFFSET(struct iommu_hwpt_get_dirty_bitmap, flags, 8);
UAPI_ASSERT_OFFSET(struct iommu_hwpt_get_dirty_bitmap, __reserved, 12);
UAPI_ASSERT_OFFSET(struct iommu_hwpt_get_dirty_bitmap, iova, 16);
UAPI_ASSERT_OFFSET(struct iommu_hwpt_get_dirty_bitmap, length, 24);
UAPI_ASSERT_OFFSET(struct iommu_hwpt_get_dirty_bitmap, page_size, 32);
UAPI_ASSERT_OFFSET(struct iommu_hwpt_get_dirty_bitmap, data, 40);
UAPI_ASSERT_IOCTL(IOMMU_HWPT_GET_DIRTY_BITMAP, 0x3b8c);

#endif /* VFIO_HOST_LINUX_IOMMUFD_H */
