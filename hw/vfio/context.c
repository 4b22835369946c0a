/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VFIOContext: the address spaces, the devices and the error hook.
 */
#include "hw/vfio/vfio-context.h"
#include "hw/vfio/vfio-device.h"
#include "util/error.h"
#include "vfio-internal.h"

struct VFIOContext {
    GList *spaces;              /* VFIOAddressSpace *, owned */
    GList *devices;             /* VFIODevice *, attached */
    guint next_container_id;
    VFIOContainerErrorFunc error_hook;
    gpointer error_opaque;
    char *sysfs_root;
    char *dev_root;
};

G_DEFINE_QUARK(vfio-host-vfio-error, vfio_error)

VFIOContext *vfio_context_new(void)
{
    VFIOContext *ctx = g_new0(VFIOContext, 1);

    ctx->next_container_id = 1;
    ctx->sysfs_root = g_strdup("/sys");
    ctx->dev_root = g_strdup("/dev");
    return ctx;
}

void vfio_context_free(VFIOContext *ctx)
{
    if (!ctx) {
        return;
    }
    while (ctx->devices) {
        vfio_device_detach(g_list_last(ctx->devices)->data);
    }
    /* Spaces with no container left (a failed attach) */
    while (ctx->spaces) {
        vfio_address_space_free(ctx->spaces->data);
    }
    g_free(ctx->sysfs_root);
    g_free(ctx->dev_root);
    g_free(ctx);
}

void vfio_context_set_error_hook(VFIOContext *ctx, VFIOContainerErrorFunc fn,
                                 gpointer opaque)
{
    ctx->error_hook = fn;
    ctx->error_opaque = opaque;
}

void vfio_context_set_roots(VFIOContext *ctx, const char *sysfs_root,
                            const char *dev_root)
{
    if (sysfs_root) {
        g_free(ctx->sysfs_root);
        ctx->sysfs_root = g_strdup(sysfs_root);
    }
    if (dev_root) {
        g_free(ctx->dev_root);
        ctx->dev_root = g_strdup(dev_root);
    }
}

const char *vfio_context_sysfs_root(VFIOContext *ctx)
{
    return ctx->sysfs_root;
}

const char *vfio_context_dev_root(VFIOContext *ctx)
{
    return ctx->dev_root;
}

VFIOAddressSpace *vfio_context_get_address_space(VFIOContext *ctx,
                                                 AddressSpace *as)
{
    VFIOAddressSpace *space;

    for (GList *l = ctx->spaces; l; l = l->next) {
        if (vfio_address_space_get_as(l->data) == as) {
            return l->data;
        }
    }
    space = vfio_address_space_new(ctx, as);
    ctx->spaces = g_list_append(ctx->spaces, space);
    return space;
}

void vfio_context_forget_address_space(VFIOContext *ctx,
                                       VFIOAddressSpace *space)
{
    ctx->spaces = g_list_remove(ctx->spaces, space);
}

GList *vfio_context_address_spaces(VFIOContext *ctx)
{
    return ctx->spaces;
}

GList *vfio_context_devices(VFIOContext *ctx)
{
    return ctx->devices;
}

guint vfio_context_new_container_id(VFIOContext *ctx)
{
    return ctx->next_container_id++;
}

void vfio_context_add_device(VFIOContext *ctx, VFIODevice *dev)
{
    ctx->devices = g_list_append(ctx->devices, dev);
}

void vfio_context_remove_device(VFIOContext *ctx, VFIODevice *dev)
{
    ctx->devices = g_list_remove(ctx->devices, dev);
}

void vfio_context_report_container_error(VFIOContext *ctx, VFIOContainer *c,
                                         const GError *err)
{
    if (ctx->error_hook) {
        ctx->error_hook(ctx, c, err, ctx->error_opaque);
    } else {
        error_report("VFIO container %u is broken: %s", c->id, err->message);
    }
}
