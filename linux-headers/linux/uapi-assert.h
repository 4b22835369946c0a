/* SPDX-License-Identifier: GPL-2.0-or-later */
/* uapi-assert.h: one-line compile-time checks of the kernel uAPI layout */
#ifndef VFIO_HOST_LINUX_UAPI_ASSERT_H
#define VFIO_HOST_LINUX_UAPI_ASSERT_H

/*
 * Every struct in linux-headers/linux/ is followed by one UAPI_ASSERT_SIZE
 * and one UAPI_ASSERT_OFFSET per field; every ioctl request by one
 * UAPI_ASSERT_IOCTL, every flag or enum value we rely on by one
 * UAPI_ASSERT_VALUE.  Keep each assertion on ONE line, ending in ");":
 * tests/unit/uapi-mutation.sh and scripts/update-linux-headers.sh extract
 * them with a line-based parser and recompile them against other headers.
 *
 * The message of a failed assertion is the assertion itself, e.g.
 * "offsetof(struct iommu_ioas_map, iova) == 32".
 */
#define UAPI_ASSERT_SIZE(type, size) \
    _Static_assert(sizeof(type) == (size), "sizeof(" #type ") == " #size)
#define UAPI_ASSERT_OFFSET(type, field, off) \
    _Static_assert(__builtin_offsetof(type, field) == (off), \
                   "offsetof(" #type ", " #field ") == " #off)
#define UAPI_ASSERT_IOCTL(request, value) \
    _Static_assert((request) == (value), #request " == " #value)
#define UAPI_ASSERT_VALUE(name, value) \
    _Static_assert((name) == (value), #name " == " #value)

#endif /* VFIO_HOST_LINUX_UAPI_ASSERT_H */
