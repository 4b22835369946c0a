/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to hw/vfio: the calls between its files that no user needs.
 */
#ifndef HW_VFIO_VFIO_INTERNAL_H
#define HW_VFIO_VFIO_INTERNAL_H

#include "hw/vfio/vfio-address-space.h"
#include "hw/vfio/vfio-container.h"
#include "hw/vfio/vfio-context.h"
#include "hw/vfio/vfio-device.h"

/* context.c */
guint vfio_context_new_container_id(VFIOContext *ctx);
void vfio_context_forget_address_space(VFIOContext *ctx,
                                       VFIOAddressSpace *space);
void vfio_context_add_device(VFIOContext *ctx, VFIODevice *dev);
void vfio_context_remove_device(VFIOContext *ctx, VFIODevice *dev);

/* address-space.c */
VFIOAddressSpace *vfio_address_space_new(VFIOContext *ctx, AddressSpace *as);
void vfio_address_space_free(VFIOAddressSpace *space);

/* device.c: the device's sysfs path and the host path of a node */
char *vfio_sysfs_path(VFIOContext *ctx, const char *rel);
char *vfio_dev_path(VFIOContext *ctx, const char *rel);

/* device.c: count one group/device ioctl of @dev */
static inline void vfio_device_count(VFIODevice *dev, VFIOIoctl kind)
{
    vfio_ioctl_count(&dev->counters, kind);
}

/* info-caps.c */

/**
 * vfio_info_find_cap() - a capability in a VFIO info buffer
 * @buf: the info struct as the kernel filled it
 * @len: bytes of @buf the kernel filled (its argsz)
 * @first: the struct's cap_offset (0: no chain)
 * @id: the capability id wanted
 * @avail: set to the bytes from the found header to the end of @buf
 *
 * The chain is untrusted input: offsets outside @buf, a header that does
 * not fit, or a loop end the walk.
 *
 * Return: the capability's header, or NULL.
 */
const void *vfio_info_find_cap(const void *buf, size_t len, uint32_t first,
                               uint16_t id, size_t *avail);

#endif /* HW_VFIO_VFIO_INTERNAL_H */
