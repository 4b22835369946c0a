/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-uapi.c: run-time checks of our kernel uAPI headers (linux-headers/) */

/*
 * Including the headers compiles every UAPI_ASSERT_* in them (sizes, field
 * offsets, request numbers).  The cases below check what those one-line
 * assertions cannot say: how each request decodes, that the numbers form
 * the documented tables, that no struct has padding the kernel would see as
 * a non-zero tail, and that the flag sets are disjoint single bits.
 */

#include <glib.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>

/* Our headers, not /usr/include/linux/vfio.h (6.1, no iommufd.h), won. */
#ifndef VFIO_HOST_LINUX_IOMMUFD_H
#error "linux-headers/linux/iommufd.h was not the one included"
#endif
#ifndef VFIO_HOST_LINUX_VFIO_H
#error "linux-headers/linux/vfio.h was not the one included"
#endif

typedef struct {
    const char *name;
    unsigned long request;
    unsigned nr;            /* the documented command number */
} UapiIoctl;

#define IOCTL(req, nr) { #req, req, nr }

/* kernel-uapi.md §1.1: IOMMUFD_CMD_BASE (0x80) + n, in table order */
static const UapiIoctl iommufd_ioctls[] = {
    IOCTL(IOMMU_DESTROY, 0x80),
    IOCTL(IOMMU_IOAS_ALLOC, 0x81),
    IOCTL(IOMMU_IOAS_ALLOW_IOVAS, 0x82),
    IOCTL(IOMMU_IOAS_COPY, 0x83),
    IOCTL(IOMMU_IOAS_IOVA_RANGES, 0x84),
    IOCTL(IOMMU_IOAS_MAP, 0x85),
    IOCTL(IOMMU_IOAS_UNMAP, 0x86),
    IOCTL(IOMMU_OPTION, 0x87),
    IOCTL(IOMMU_VFIO_IOAS, 0x88),
    IOCTL(IOMMU_HWPT_ALLOC, 0x89),
    IOCTL(IOMMU_GET_HW_INFO, 0x8a),
    IOCTL(IOMMU_HWPT_SET_DIRTY_TRACKING, 0x8b),
    IOCTL(IOMMU_HWPT_GET_DIRTY_BITMAP, 0x8c),
};

/* kernel-uapi.md §3.2, §4.1: VFIO_BASE (100) + n */
static const UapiIoctl vfio_ioctls[] = {
    IOCTL(VFIO_GET_API_VERSION, 100 + 0),
    IOCTL(VFIO_CHECK_EXTENSION, 100 + 1),
    IOCTL(VFIO_SET_IOMMU, 100 + 2),
    IOCTL(VFIO_GROUP_GET_STATUS, 100 + 3),
    IOCTL(VFIO_GROUP_SET_CONTAINER, 100 + 4),
    IOCTL(VFIO_GROUP_UNSET_CONTAINER, 100 + 5),
    IOCTL(VFIO_GROUP_GET_DEVICE_FD, 100 + 6),
    IOCTL(VFIO_DEVICE_GET_INFO, 100 + 7),
    IOCTL(VFIO_DEVICE_GET_REGION_INFO, 100 + 8),
    IOCTL(VFIO_DEVICE_GET_IRQ_INFO, 100 + 9),
    IOCTL(VFIO_DEVICE_SET_IRQS, 100 + 10),
    IOCTL(VFIO_DEVICE_RESET, 100 + 11),
    IOCTL(VFIO_IOMMU_GET_INFO, 100 + 12),
    IOCTL(VFIO_IOMMU_MAP_DMA, 100 + 13),
    IOCTL(VFIO_IOMMU_UNMAP_DMA, 100 + 14),
    IOCTL(VFIO_IOMMU_DIRTY_PAGES, 100 + 17),
    IOCTL(VFIO_DEVICE_BIND_IOMMUFD, 100 + 18),
    IOCTL(VFIO_DEVICE_ATTACH_IOMMUFD_PT, 100 + 19),
    IOCTL(VFIO_DEVICE_DETACH_IOMMUFD_PT, 100 + 20),
};

/* Every request is _IO(';', nr): no direction, no size, type ';'. */
static void check_ioctls(const UapiIoctl *t, gsize n, unsigned lo,
                         unsigned hi)
{
    for (gsize i = 0; i < n; i++) {
        g_test_message("%s = %#lx", t[i].name, t[i].request);
        g_assert_cmphex(_IOC_TYPE(t[i].request), ==, ';');
        g_assert_cmphex(_IOC_DIR(t[i].request), ==, _IOC_NONE);
        g_assert_cmpuint(_IOC_SIZE(t[i].request), ==, 0);
        g_assert_cmphex(_IOC_NR(t[i].request), ==, t[i].nr);
        g_assert_cmphex(_IOC_NR(t[i].request), >=, lo);
        g_assert_cmphex(_IOC_NR(t[i].request), <=, hi);
        g_assert_cmphex(t[i].request, ==, (';' << 8) | t[i].nr);
        /* no two requests of one family share a number */
        for (gsize j = 0; j < i; j++) {
            g_assert_cmphex(t[j].request, !=, t[i].request);
        }
    }
}

static void test_iommufd_ioctl_numbers(void)
{
    check_ioctls(iommufd_ioctls, G_N_ELEMENTS(iommufd_ioctls),
                 IOMMUFD_CMD_BASE, 0xff);
    /* the table is contiguous from IOMMUFD_CMD_BASE */
    for (gsize i = 0; i < G_N_ELEMENTS(iommufd_ioctls); i++) {
        g_assert_cmphex(_IOC_NR(iommufd_ioctls[i].request), ==,
                        IOMMUFD_CMD_BASE + i);
    }
}

static void test_vfio_ioctl_numbers(void)
{
    /* VFIO numbers stay below IOMMUFD_CMD_BASE: both share type ';' */
    check_ioctls(vfio_ioctls, G_N_ELEMENTS(vfio_ioctls),
                 VFIO_BASE, IOMMUFD_CMD_BASE - 1);
}

typedef struct {
    const char *name;
    gsize size;             /* sizeof the struct */
    gsize members;          /* sum of the sizes of its members */
} UapiStruct;

#define MSZ(type, field) sizeof(((type *)0)->field)
#define M(field) MSZ(T_, field)

/*
 * iommufd rejects a struct whose bytes past the kernel's sizeof are not
 * zero (E2BIG) and reserved fields that are not zero (EOPNOTSUPP): every
 * byte must belong to a named field that a zero initialiser clears and
 * the caller can see.  No hidden padding, then: sizeof equals the sum of
 * the member sizes.  (T_ names the struct for M() in each entry.)
 */
static const UapiStruct iommufd_structs[] = {
#define T_ struct iommu_destroy
    { "iommu_destroy", sizeof(T_), M(size) + M(id) },
#undef T_
#define T_ struct iommu_ioas_alloc
    { "iommu_ioas_alloc", sizeof(T_), M(size) + M(flags) + M(out_ioas_id) },
#undef T_
#define T_ struct iommu_iova_range
    { "iommu_iova_range", sizeof(T_), M(start) + M(last) },
#undef T_
#define T_ struct iommu_ioas_iova_ranges
    { "iommu_ioas_iova_ranges", sizeof(T_),
      M(size) + M(ioas_id) + M(num_iovas) + M(__reserved) +
      M(allowed_iovas) + M(out_iova_alignment) },
#undef T_
#define T_ struct iommu_ioas_allow_iovas
    { "iommu_ioas_allow_iovas", sizeof(T_),
      M(size) + M(ioas_id) + M(num_iovas) + M(__reserved) +
      M(allowed_iovas) },
#undef T_
#define T_ struct iommu_ioas_map
    { "iommu_ioas_map", sizeof(T_),
      M(size) + M(flags) + M(ioas_id) + M(__reserved) + M(user_va) +
      M(length) + M(iova) },
#undef T_
#define T_ struct iommu_ioas_copy
    { "iommu_ioas_copy", sizeof(T_),
      M(size) + M(flags) + M(dst_ioas_id) + M(src_ioas_id) + M(length) +
      M(dst_iova) + M(src_iova) },
#undef T_
#define T_ struct iommu_ioas_unmap
    { "iommu_ioas_unmap", sizeof(T_),
      M(size) + M(ioas_id) + M(iova) + M(length) },
#undef T_
#define T_ struct iommu_option
    { "iommu_option", sizeof(T_),
      M(size) + M(option_id) + M(op) + M(__reserved) + M(object_id) +
      M(val64) },
#undef T_
#define T_ struct iommu_vfio_ioas
    { "iommu_vfio_ioas", sizeof(T_),
      M(size) + M(ioas_id) + M(op) + M(__reserved) },
#undef T_
#define T_ struct iommu_hwpt_alloc
    { "iommu_hwpt_alloc", sizeof(T_),
      M(size) + M(flags) + M(dev_id) + M(pt_id) + M(out_hwpt_id) +
      M(__reserved) + M(data_type) + M(data_len) + M(data_uptr) +
      M(fault_id) + M(__reserved2) },
#undef T_
#define T_ struct iommu_hw_info_vtd
    { "iommu_hw_info_vtd", sizeof(T_),
      M(flags) + M(__reserved) + M(cap_reg) + M(ecap_reg) },
#undef T_
#define T_ struct iommu_hw_info
    { "iommu_hw_info", sizeof(T_),
      M(size) + M(flags) + M(dev_id) + M(data_len) + M(data_uptr) +
      M(out_data_type) + M(out_max_pasid_log2) + M(__reserved) +
      M(out_capabilities) },
#undef T_
#define T_ struct iommu_hwpt_set_dirty_tracking
    { "iommu_hwpt_set_dirty_tracking", sizeof(T_),
      M(size) + M(flags) + M(hwpt_id) + M(__reserved) },
#undef T_
#define T_ struct iommu_hwpt_get_dirty_bitmap
    { "iommu_hwpt_get_dirty_bitmap", sizeof(T_),
      M(size) + M(hwpt_id) + M(flags) + M(__reserved) + M(iova) +
      M(length) + M(page_size) + M(data) },
#undef T_
};

static void test_iommufd_no_padding(void)
{
    for (gsize i = 0; i < G_N_ELEMENTS(iommufd_structs); i++) {
        const UapiStruct *s = &iommufd_structs[i];

        g_test_message("%s: sizeof %zu, members %zu", s->name, s->size,
                       s->members);
        g_assert_cmpuint(s->size, ==, s->members);
        /* and they are made of whole u32s */
        g_assert_cmpuint(s->size % 4, ==, 0);
    }
}

/* The flexible tails and payloads: argsz a caller must pass. */
static void test_vfio_argsz(void)
{
    /* UNMAP_DMA with GET_DIRTY_BITMAP: header + struct vfio_bitmap */
    g_assert_cmpuint(sizeof(struct vfio_iommu_type1_dma_unmap) +
                     sizeof(struct vfio_bitmap), ==, 48);
    /* DIRTY_PAGES with GET_BITMAP: header + the _get payload */
    g_assert_cmpuint(sizeof(struct vfio_iommu_type1_dirty_bitmap) +
                     sizeof(struct vfio_iommu_type1_dirty_bitmap_get), ==, 48);
    /* the tails start right after the fixed part */
    g_assert_cmpuint(G_STRUCT_OFFSET(struct vfio_iommu_type1_dma_unmap, data),
                     ==, sizeof(struct vfio_iommu_type1_dma_unmap));
    g_assert_cmpuint(G_STRUCT_OFFSET(struct vfio_irq_set, data), ==,
                     sizeof(struct vfio_irq_set));
    /* one capability chain walker serves every info struct */
    g_assert_cmpuint(G_STRUCT_OFFSET(struct vfio_region_info_cap_sparse_mmap,
                                     areas), ==,
                     sizeof(struct vfio_region_info_cap_sparse_mmap));
    g_assert_cmpuint(
        G_STRUCT_OFFSET(struct vfio_iommu_type1_info_cap_iova_range,
                        iova_ranges), ==,
        sizeof(struct vfio_iommu_type1_info_cap_iova_range));
    /* VFIO_GROUP_SET_CONTAINER and BIND_IOMMUFD carry an int fd */
    g_assert_cmpuint(MSZ(struct vfio_device_bind_iommufd, iommufd), ==,
                     sizeof(int));
    g_assert_true((__typeof__(((struct vfio_device_bind_iommufd *)0)->iommufd))
                  -1 < 0);
}

/* Each flag of a set is one bit, and no two flags of a set overlap. */
static void check_flags(const char *set, const guint64 *flags, gsize n)
{
    guint64 seen = 0;

    for (gsize i = 0; i < n; i++) {
        g_test_message("%s[%zu] = %#" G_GINT64_MODIFIER "x", set, i,
                       flags[i]);
        g_assert_cmpuint(flags[i], !=, 0);
        g_assert_cmpuint(flags[i] & (flags[i] - 1), ==, 0);
        g_assert_cmpuint(seen & flags[i], ==, 0);
        seen |= flags[i];
    }
}

#define CHECK_FLAGS(set, ...) do { \
        static const guint64 f_[] = { __VA_ARGS__ }; \
        check_flags(set, f_, G_N_ELEMENTS(f_)); \
    } while (0)

static void test_iommufd_flags(void)
{
    CHECK_FLAGS("ioas_map", IOMMU_IOAS_MAP_FIXED_IOVA,
                IOMMU_IOAS_MAP_WRITEABLE, IOMMU_IOAS_MAP_READABLE);
    CHECK_FLAGS("hwpt_alloc", IOMMU_HWPT_ALLOC_NEST_PARENT,
                IOMMU_HWPT_ALLOC_DIRTY_TRACKING, IOMMU_HWPT_FAULT_ID_VALID);
    CHECK_FLAGS("hw_caps", IOMMU_HW_CAP_DIRTY_TRACKING,
                IOMMU_HW_CAP_PCI_PASID_EXEC, IOMMU_HW_CAP_PCI_PASID_PRIV);
    CHECK_FLAGS("dirty", IOMMU_HWPT_DIRTY_TRACKING_ENABLE);
    CHECK_FLAGS("bitmap", IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR);
}

static void test_vfio_flags(void)
{
    CHECK_FLAGS("group", VFIO_GROUP_FLAGS_VIABLE,
                VFIO_GROUP_FLAGS_CONTAINER_SET);
    CHECK_FLAGS("device", VFIO_DEVICE_FLAGS_RESET, VFIO_DEVICE_FLAGS_PCI,
                VFIO_DEVICE_FLAGS_CAPS);
    CHECK_FLAGS("region", VFIO_REGION_INFO_FLAG_READ,
                VFIO_REGION_INFO_FLAG_WRITE, VFIO_REGION_INFO_FLAG_MMAP,
                VFIO_REGION_INFO_FLAG_CAPS);
    CHECK_FLAGS("irq_info", VFIO_IRQ_INFO_EVENTFD, VFIO_IRQ_INFO_MASKABLE,
                VFIO_IRQ_INFO_AUTOMASKED, VFIO_IRQ_INFO_NORESIZE);
    CHECK_FLAGS("irq_set", VFIO_IRQ_SET_DATA_NONE, VFIO_IRQ_SET_DATA_BOOL,
                VFIO_IRQ_SET_DATA_EVENTFD, VFIO_IRQ_SET_ACTION_MASK,
                VFIO_IRQ_SET_ACTION_UNMASK, VFIO_IRQ_SET_ACTION_TRIGGER);
    g_assert_cmphex(VFIO_IRQ_SET_DATA_TYPE_MASK &
                    VFIO_IRQ_SET_ACTION_TYPE_MASK, ==, 0);
    CHECK_FLAGS("type1_info", VFIO_IOMMU_INFO_PGSIZES, VFIO_IOMMU_INFO_CAPS);
    CHECK_FLAGS("dma_map", VFIO_DMA_MAP_FLAG_READ, VFIO_DMA_MAP_FLAG_WRITE,
                VFIO_DMA_MAP_FLAG_VADDR);
    CHECK_FLAGS("dma_unmap", VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP,
                VFIO_DMA_UNMAP_FLAG_ALL, VFIO_DMA_UNMAP_FLAG_VADDR);
    CHECK_FLAGS("dirty_pages", VFIO_IOMMU_DIRTY_PAGES_FLAG_START,
                VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP,
                VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/uapi/iommufd/ioctl-numbers", test_iommufd_ioctl_numbers);
    g_test_add_func("/uapi/iommufd/no-padding", test_iommufd_no_padding);
    g_test_add_func("/uapi/iommufd/flags", test_iommufd_flags);
    g_test_add_func("/uapi/vfio/ioctl-numbers", test_vfio_ioctl_numbers);
    g_test_add_func("/uapi/vfio/argsz", test_vfio_argsz);
    g_test_add_func("/uapi/vfio/flags", test_vfio_flags);
    return g_test_run();
}
