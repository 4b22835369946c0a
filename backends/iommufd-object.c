/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * iommufd: the user-creatable object over an IOMMUFDBackend.
 */
#include <errno.h>

#include "monitor/fds.h"
#include "system/iommufd-object.h"
#include "trace-backends.h"
#include "util/error.h"

enum {
    PROP_0,
    PROP_FD,
};

struct _IOMMUFDObject {
    Object parent;
    FdParam fd;                 /* fd=, until complete() hands it over */
    bool has_fd;
    IOMMUFDBackend *be;
};

G_DEFINE_TYPE(IOMMUFDObject, iommufd_object, TYPE_OBJECT)

/*
 * A given fd is checked now rather than at the first device_add, so a
 * wrong fd= fails the -object/object-add that names it: connecting asks
 * the kernel (IOMMU_OPTION) and disconnecting never closes a given fd.
 */
static bool iommufd_object_check_fd(IOMMUFDObject *self, GError **errp)
{
    if (!iommufd_backend_connect(self->be, errp)) {
        return false;
    }
    iommufd_backend_disconnect(self->be);
    return true;
}

static bool iommufd_object_complete(Object *obj, GError **errp)
{
    IOMMUFDObject *self = IOMMUFD_OBJECT(obj);
    const char *id = object_get_id(obj);

    if (!self->has_fd) {
        self->be = iommufd_backend_new(id);
        trace_iommufd_object_complete(id, -1, false);
        return true;
    }
    self->be = iommufd_backend_new_fd(id, self->fd.fd, self->fd.owned);
    trace_iommufd_object_complete(id, self->fd.fd, self->fd.owned);
    if (!iommufd_object_check_fd(self, errp)) {
        /* the backend closes an owned fd when it goes */
        g_clear_object(&self->be);
        self->fd = (FdParam) { .fd = -1 };
        return false;
    }
    /* the backend has it now (and closes it if owned) */
    self->fd.owned = false;
    return true;
}

static bool iommufd_object_can_be_deleted(Object *obj, GError **errp)
{
    IOMMUFDObject *self = IOMMUFD_OBJECT(obj);

    if (self->be && !iommufd_backend_can_be_deleted(self->be)) {
        error_setg(errp, IOMMUFD_ERROR, EBUSY, "object '%s' is in use by %u "
                   "VFIO container(s)", object_get_id(obj),
                   iommufd_backend_users(self->be));
        return false;
    }
    return true;
}

static void iommufd_object_finalize(GObject *gobj)
{
    IOMMUFDObject *self = IOMMUFD_OBJECT(gobj);

    g_clear_object(&self->be);
    fd_param_release(&self->fd);
    G_OBJECT_CLASS(iommufd_object_parent_class)->finalize(gobj);
}

static void iommufd_object_set_property(GObject *gobj, guint id,
                                        const GValue *value,
                                        GParamSpec *pspec)
{
    IOMMUFDObject *self = IOMMUFD_OBJECT(gobj);
    const FdParam *p;

    switch (id) {
    case PROP_FD:
        p = g_value_get_boxed(value);
        fd_param_release(&self->fd);
        self->fd = p ? *p : (FdParam) { .fd = -1 };
        self->has_fd = p != NULL;
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(gobj, id, pspec);
    }
}

static void iommufd_object_get_property(GObject *gobj, guint id,
                                        GValue *value, GParamSpec *pspec)
{
    IOMMUFDObject *self = IOMMUFD_OBJECT(gobj);
    FdParam p = { .fd = -1 };

    switch (id) {
    case PROP_FD:
        if (self->has_fd) {
            p.fd = self->be ? iommufd_backend_get_fd(self->be) : self->fd.fd;
        }
        g_value_set_boxed(value, &p);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(gobj, id, pspec);
    }
}

static void iommufd_object_class_init(IOMMUFDObjectClass *klass)
{
    GObjectClass *gc = G_OBJECT_CLASS(klass);
    ObjectClass *oc = QOM_OBJECT_CLASS(klass);

    gc->set_property = iommufd_object_set_property;
    gc->get_property = iommufd_object_get_property;
    gc->finalize = iommufd_object_finalize;
    oc->type_name = TYPE_IOMMUFD_OBJECT_NAME;
    oc->description = "an iommufd (/dev/iommu) for VFIO devices";
    oc->complete = iommufd_object_complete;
    oc->can_be_deleted = iommufd_object_can_be_deleted;
    object_class_property_add_fd(gc, PROP_FD, "fd",
        "An open /dev/iommu: inherited fd number or getfd name "
        "(default: open /dev/iommu when first used)");
}

static void iommufd_object_init(IOMMUFDObject *self)
{
    self->fd.fd = -1;
}

IOMMUFDBackend *iommufd_object_get_backend(IOMMUFDObject *obj)
{
    return obj->be;
}

void iommufd_object_register_types(TypeTable *tt)
{
    type_table_add(tt, TYPE_IOMMUFD_OBJECT);
}
