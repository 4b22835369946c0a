/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VFIOContext: everything the VFIO layer knows, in one object.
 *
 * It holds the VFIOAddressSpaces (and through them the containers and
 * their mappings) and the attached devices, the hook that reports runtime
 * failures, and the roots under which sysfs and /dev are looked up.  The
 * host process makes one per machine; tests make as many as they like.
 */
#ifndef HW_VFIO_VFIO_CONTEXT_H
#define HW_VFIO_VFIO_CONTEXT_H

#include <glib.h>

#include "exec/memory.h"
#include "hw/vfio/vfio-common.h"

/**
 * VFIOContainerErrorFunc - a runtime failure of a container
 * @ctx: the context
 * @c: the container, now marked broken (c->broken)
 * @err: what failed (borrowed)
 * @opaque: the hook's data
 *
 * Called when a map of guest RAM fails outside a device's attach: the
 * device keeps running but some guest memory is not DMA-able through it.
 * The host process turns this into a QMP event; the default prints an
 * error line.  It must not attach or detach devices.
 */
typedef void (*VFIOContainerErrorFunc)(VFIOContext *ctx, VFIOContainer *c,
                                       const GError *err, gpointer opaque);

/**
 * vfio_context_new() - an empty context
 *
 * Return: the context; free with vfio_context_free().
 */
VFIOContext *vfio_context_new(void);

/**
 * vfio_context_free() - detach every device left and free @ctx
 * @ctx: the context (NULL is a no-op)
 *
 * The address spaces the devices used must still exist.
 */
void vfio_context_free(VFIOContext *ctx);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VFIOContext, vfio_context_free)

/**
 * vfio_context_set_error_hook() - choose who hears of runtime failures
 * @ctx: the context
 * @fn: the hook (NULL: print an error line)
 * @opaque: passed to @fn
 */
void vfio_context_set_error_hook(VFIOContext *ctx, VFIOContainerErrorFunc fn,
                                 gpointer opaque);

/**
 * vfio_context_set_roots() - where sysfs and /dev are
 * @ctx: the context, before any attach
 * @sysfs_root: replaces "/sys" (copied; NULL keeps it)
 * @dev_root: replaces "/dev" (copied; NULL keeps it)
 *
 * For tests that build a fake sysfs tree.
 */
void vfio_context_set_roots(VFIOContext *ctx, const char *sysfs_root,
                            const char *dev_root);

/** vfio_context_sysfs_root() - Return: "/sys" or the test's root */
const char *vfio_context_sysfs_root(VFIOContext *ctx);

/** vfio_context_dev_root() - Return: "/dev" or the test's root */
const char *vfio_context_dev_root(VFIOContext *ctx);

/**
 * vfio_context_get_address_space() - the VFIOAddressSpace of @as
 * @ctx: the context
 * @as: a guest address space
 *
 * Made on first use; it registers its listener when its first container
 * joins and is freed when its last container leaves.
 *
 * Return: the VFIOAddressSpace (owned by @ctx).
 */
VFIOAddressSpace *vfio_context_get_address_space(VFIOContext *ctx,
                                                 AddressSpace *as);

/**
 * vfio_context_address_spaces() - the address spaces in creation order
 * @ctx: the context
 *
 * Return: a list of VFIOAddressSpace * owned by @ctx; do not modify.
 */
GList *vfio_context_address_spaces(VFIOContext *ctx);

/**
 * vfio_context_devices() - the attached devices in attach order
 * @ctx: the context
 *
 * Return: a list of VFIODevice * owned by @ctx's users; do not modify.
 */
GList *vfio_context_devices(VFIOContext *ctx);

/**
 * vfio_context_report_container_error() - a container broke at run time
 * @ctx: the context
 * @c: the container (already marked broken)
 * @err: what failed (borrowed)
 *
 * Calls the error hook, or prints the error.
 */
void vfio_context_report_container_error(VFIOContext *ctx, VFIOContainer *c,
                                         const GError *err);

#endif /* HW_VFIO_VFIO_CONTEXT_H */
