/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The iommufd VFIO container: one IOAS on an IOMMUFDBackend, its HWPTs,
 * and the devices bound through their VFIO cdev.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "hw/vfio/vfio-address-space.h"
#include "hw/vfio/vfio-iommufd.h"
#include "util/chardev-open.h"
#include "util/error.h"
#include "vfio-internal.h"
#include "trace-vfio.h"

/* A HWPT devices of this container are attached to. */
typedef struct VFIOHwpt {
    uint32_t id;
    guint users;            /* devices attached to it */
    bool allocated;         /* made by HWPT_ALLOC: destroy when unused;
                             * else the kernel's auto domain, which goes
                             * away with its last device */
    bool dirty;             /* allocated with DIRTY_TRACKING */
} VFIOHwpt;

struct _VFIOIOMMUFDContainer {
    VFIOContainer parent;
    IOMMUFDBackend *be;     /* a reference */
    uint32_t ioas_id;
    GArray *hwpts;          /* VFIOHwpt */
};

G_DEFINE_TYPE(VFIOIOMMUFDContainer, vfio_iommufd_container,
              VFIO_TYPE_CONTAINER)

#define IOMMUFD(c) VFIO_IOMMUFD_CONTAINER(c)

/* ---- device cdev ioctls: one wrapper each ------------------------------- */

static bool cdev_bind(VFIODevice *dev, IOMMUFDBackend *be, GError **errp)
{
    struct vfio_device_bind_iommufd bind = {
        .argsz = sizeof(bind),
        .iommufd = iommufd_backend_get_fd(be),
    };
    int ret = ioctl(dev->fd, VFIO_DEVICE_BIND_IOMMUFD, &bind);
    int err = ret ? errno : 0;

    vfio_device_count(dev, VFIO_IOCTL_BIND_IOMMUFD);
    trace_vfio_iommufd_bind(dev->name, bind.iommufd, bind.out_devid, -err);
    if (ret) {
        error_setg_errno(errp, VFIO_ERROR, err, "%s: VFIO_DEVICE_BIND_IOMMUFD"
                         "%s", dev->name, err == EBUSY ? " (the device is "
                         "open through its legacy group)" : err == EINVAL ?
                         " (the device is already bound or opened)" : "");
        return false;
    }
    dev->devid = bind.out_devid;
    return true;
}

/*
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT to @pt_id (an IOAS or a HWPT); on success
 * *@hwpt_id is the HWPT the kernel used.  Raw -errno, because the caller
 * branches on it: EINVAL means "incompatible, try the next one".
 */
static int cdev_attach_pt(VFIODevice *dev, uint32_t pt_id, uint32_t *hwpt_id)
{
    struct vfio_device_attach_iommufd_pt attach = {
        .argsz = sizeof(attach),
        .pt_id = pt_id,
    };
    int ret = ioctl(dev->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);
    int err = ret ? errno : 0;

    vfio_device_count(dev, VFIO_IOCTL_ATTACH_IOMMUFD_PT);
    trace_vfio_iommufd_attach_pt(dev->name, pt_id, attach.pt_id, -err);
    if (!ret) {
        *hwpt_id = attach.pt_id;
    }
    return -err;
}

static void cdev_detach_pt(VFIODevice *dev)
{
    struct vfio_device_detach_iommufd_pt detach = {
        .argsz = sizeof(detach),
    };
    int ret = ioctl(dev->fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach);
    int err = ret ? errno : 0;

    vfio_device_count(dev, VFIO_IOCTL_DETACH_IOMMUFD_PT);
    trace_vfio_iommufd_detach_pt(dev->name, -err);
    if (ret) {
        warn_report("%s: VFIO_DEVICE_DETACH_IOMMUFD_PT: %s", dev->name,
                    g_strerror(err));
    }
}

/* The device's IOMMU capabilities (IOMMU_HW_CAP_*); 0 if unknown. */
static uint64_t cdev_hw_caps(VFIODevice *dev, IOMMUFDBackend *be)
{
    g_autoptr(GError) err = NULL;
    uint32_t type, len = 0;
    uint64_t caps = 0;

    vfio_device_count(dev, VFIO_IOCTL_GET_HW_INFO);
    if (!iommufd_backend_get_hw_info(be, dev->devid, &type, NULL, &len,
                                     &caps, &err)) {
        trace_vfio_iommufd_no_hw_info(dev->name, err->message);
        return 0;
    }
    return caps;
}

/* ---- finding and opening the cdev --------------------------------------- */

/* "<sysfsdev>/vfio-dev/vfioN" -> "vfioN"; NULL with @errp set if none. */
static char *cdev_name(VFIODevice *dev, GError **errp)
{
    g_autofree char *dir = g_build_filename(dev->sysfsdev, "vfio-dev", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *entry;

    while (d && (entry = g_dir_read_name(d))) {
        if (g_str_has_prefix(entry, "vfio")) {
            return g_strdup(entry);
        }
    }
    error_setg(errp, VFIO_ERROR, ENODEV, "%s has no VFIO cdev (%s missing: "
               "bind the device to vfio-pci; the kernel needs "
               "CONFIG_VFIO_DEVICE_CDEV)", dev->name, dir);
    return NULL;
}

/* Open the cdev named by sysfs, checking its device number. */
static bool cdev_open(VFIODevice *dev, GError **errp)
{
    g_autofree char *name = cdev_name(dev, errp);
    g_autofree char *attr = NULL;
    g_autofree char *rel = NULL;
    g_autofree char *path = NULL;
    g_autofree char *char_dir = NULL;
    dev_t devnum;
    int fd;

    if (!name) {
        return false;
    }
    attr = g_build_filename(dev->sysfsdev, "vfio-dev", name, "dev", NULL);
    if (!read_sysfs_devnum(attr, &devnum, errp)) {
        return false;
    }
    rel = g_strdup_printf("vfio/devices/%s", name);
    path = vfio_dev_path(dev->ctx, rel);
    char_dir = vfio_dev_path(dev->ctx, "char");
    fd = open_cdev_in(path, devnum, O_RDWR, char_dir, errp);
    if (fd < 0) {
        return false;
    }
    dev->fd = fd;
    dev->fd_owned = true;
    return true;
}

/* ---- HWPT bookkeeping --------------------------------------------------- */

static VFIOHwpt *hwpt_find(VFIOIOMMUFDContainer *c, uint32_t id)
{
    for (guint i = 0; i < c->hwpts->len; i++) {
        if (g_array_index(c->hwpts, VFIOHwpt, i).id == id) {
            return &g_array_index(c->hwpts, VFIOHwpt, i);
        }
    }
    return NULL;
}

/* @dev now uses HWPT @id (known, or new: allocated by us or the kernel). */
static void hwpt_use(VFIOIOMMUFDContainer *c, VFIODevice *dev, uint32_t id,
                     bool allocated, bool dirty)
{
    VFIOHwpt *h = hwpt_find(c, id);

    if (!h) {
        VFIOHwpt fresh = { .id = id, .allocated = allocated, .dirty = dirty };

        g_array_append_val(c->hwpts, fresh);
        h = hwpt_find(c, id);
    }
    h->users++;
    dev->hwpt_id = id;
}

/* @dev left its HWPT: forget it with its last user (destroying ours). */
static void hwpt_put(VFIOIOMMUFDContainer *c, VFIODevice *dev)
{
    VFIOHwpt *h = hwpt_find(c, dev->hwpt_id);
    g_autoptr(GError) err = NULL;

    dev->hwpt_id = 0;
    if (!h || --h->users) {
        return;
    }
    if (h->allocated) {
        vfio_container_count(&c->parent, VFIO_IOCTL_DESTROY);
        if (!iommufd_backend_destroy(c->be, h->id, &err)) {
            warn_report("%s", err->message);
        }
    }
    g_array_remove_index(c->hwpts, h - &g_array_index(c->hwpts, VFIOHwpt, 0));
}

/* ---- attach: share an existing container if the kernel lets us ---------- */

/* Try @c's HWPTs, then its IOAS.  1: attached; 0: incompatible; -1: a
 * real error (@errp set). */
static int try_container(VFIOIOMMUFDContainer *c, VFIODevice *dev,
                         GError **errp)
{
    uint32_t hwpt;
    int ret;

    for (guint i = 0; i < c->hwpts->len; i++) {
        VFIOHwpt *h = &g_array_index(c->hwpts, VFIOHwpt, i);

        ret = cdev_attach_pt(dev, h->id, &hwpt);
        if (ret == 0) {
            hwpt_use(c, dev, h->id, false, false);
            return 1;
        }
        if (ret != -EINVAL) {
            goto fail;
        }
    }
    ret = cdev_attach_pt(dev, c->ioas_id, &hwpt);
    if (ret == 0) {
        hwpt_use(c, dev, hwpt, false, false);
        return 1;
    }
    /* EINVAL: no compatible domain; EADDRINUSE: the device's reserved
     * regions clash with what this IOAS maps.  Either way: not this one. */
    if (ret == -EINVAL || ret == -EADDRINUSE) {
        return 0;
    }
fail:
    error_setg_errno(errp, VFIO_ERROR, -ret, "%s: VFIO_DEVICE_ATTACH_IOMMUFD_PT"
                     " to container %u (ioas %u)", dev->name, c->parent.id,
                     c->ioas_id);
    return -1;
}

/* Join an existing container of @space on @be.  false only on a real
 * error; *@joined stays NULL when none accepted the device. */
static bool attach_existing(VFIOAddressSpace *space, VFIODevice *dev,
                            IOMMUFDBackend *be, VFIOContainer **joined,
                            GError **errp)
{
    for (GList *l = vfio_address_space_containers(space); l; l = l->next) {
        VFIOIOMMUFDContainer *c;
        int ret;

        if (!VFIO_IS_IOMMUFD_CONTAINER(l->data) ||
            IOMMUFD(l->data)->be != be) {
            continue;
        }
        c = IOMMUFD(l->data);
        ret = try_container(c, dev, errp);
        if (ret < 0) {
            return false;
        }
        if (ret == 0) {
            continue;
        }
        /* The device's reserved regions may narrow the valid IOVAs. */
        vfio_container_refresh_iova_ranges(&c->parent);
        *joined = &c->parent;
        return true;
    }
    return true;
}

/* ---- attach: a new IOAS ------------------------------------------------- */

/* First device of a new IOAS: a dirty-tracking HWPT if the IOMMU can, else
 * the kernel's auto domain through the IOAS itself. */
static bool attach_first(VFIOIOMMUFDContainer *c, VFIODevice *dev,
                         uint64_t caps, GError **errp)
{
    g_autoptr(GError) err = NULL;
    uint32_t hwpt = 0;
    int ret;

    if (caps & IOMMU_HW_CAP_DIRTY_TRACKING) {
        vfio_container_count(&c->parent, VFIO_IOCTL_HWPT_ALLOC);
        if (iommufd_backend_alloc_hwpt(c->be, dev->devid, c->ioas_id,
                                       IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
                                       IOMMU_HWPT_DATA_NONE, 0, NULL, &hwpt,
                                       &err) &&
            cdev_attach_pt(dev, hwpt, &hwpt) == 0) {
            hwpt_use(c, dev, hwpt, true, true);
            return true;
        }
        trace_vfio_iommufd_no_dirty_hwpt(dev->name, err ? err->message : "");
        if (!err) {
            vfio_container_count(&c->parent, VFIO_IOCTL_DESTROY);
            iommufd_backend_destroy(c->be, hwpt, NULL);
        }
    }
    ret = cdev_attach_pt(dev, c->ioas_id, &hwpt);
    if (ret) {
        error_setg_errno(errp, VFIO_ERROR, -ret, "%s: VFIO_DEVICE_ATTACH_"
                         "IOMMUFD_PT to ioas %u", dev->name, c->ioas_id);
        return false;
    }
    hwpt_use(c, dev, hwpt, false, false);
    return true;
}

static void ioas_destroy(VFIOIOMMUFDContainer *c)
{
    g_autoptr(GError) err = NULL;

    vfio_container_count(&c->parent, VFIO_IOCTL_DESTROY);
    if (!iommufd_backend_destroy(c->be, c->ioas_id, &err)) {
        warn_report("%s", err->message);
    }
    c->ioas_id = 0;
}

/* A new IOAS for @dev, joined to @space (the listener fills it). */
static VFIOContainer *create_container(VFIOAddressSpace *space,
                                       VFIODevice *dev, IOMMUFDBackend *be,
                                       GError **errp)
{
    g_autoptr(VFIOIOMMUFDContainer) c =
        g_object_new(VFIO_TYPE_IOMMUFD_CONTAINER, NULL);

    vfio_container_setup(&c->parent, dev->ctx);
    c->be = g_object_ref(be);
    vfio_container_count(&c->parent, VFIO_IOCTL_IOAS_ALLOC);
    if (!iommufd_backend_alloc_ioas(be, &c->ioas_id, errp)) {
        return NULL;
    }
    if (!attach_first(c, dev, cdev_hw_caps(dev, be), errp)) {
        goto err_ioas;
    }
    if (!vfio_container_get_iova_ranges(&c->parent, errp) ||
        !vfio_address_space_add_container(space, &c->parent, errp)) {
        goto err_detach;
    }
    return &g_steal_pointer(&c)->parent;

err_detach:
    cdev_detach_pt(dev);
    hwpt_put(c, dev);
err_ioas:
    ioas_destroy(c);
    return NULL;
}

static VFIOContainer *iommufd_attach_device(VFIOContainerClass *klass,
                                            VFIOAddressSpace *space,
                                            VFIODevice *dev, GError **errp)
{
    IOMMUFDBackend *be = dev->iommufd;
    VFIOContainer *c = NULL;
    bool given_fd = dev->fd >= 0;

    if (!iommufd_backend_connect(be, errp)) {
        return NULL;
    }
    if ((!given_fd && !cdev_open(dev, errp)) || !cdev_bind(dev, be, errp)) {
        goto err;
    }
    if (!dev->separate_container &&
        !attach_existing(space, dev, be, &c, errp)) {
        goto err;
    }
    if (!c) {
        c = create_container(space, dev, be, errp);
    }
    if (!c) {
        goto err;
    }
    dev->fd_owned = true;
    dev->container = c;
    c->devices = g_list_append(c->devices, dev);
    trace_vfio_iommufd_attach(dev->name, dev->devid, c->id,
                              IOMMUFD(c)->ioas_id, dev->hwpt_id);
    return c;

err:
    /* A given fd stays the caller's; closing ours also unbinds it. */
    if (!given_fd && dev->fd >= 0) {
        close(dev->fd);
        dev->fd = -1;
        dev->fd_owned = false;
    }
    dev->devid = 0;
    iommufd_backend_disconnect(be);
    return NULL;
}

/* Leave (if last), detach, destroy what no device uses, close, disconnect:
 * in that order, so nothing stays mapped and DESTROY never sees EBUSY. */
static void iommufd_detach_device(VFIOContainer *base, VFIODevice *dev)
{
    VFIOIOMMUFDContainer *c = IOMMUFD(base);
    bool last = base->devices && !base->devices->next;

    trace_vfio_iommufd_detach(dev->name, base->id, c->ioas_id, last);
    if (last) {
        vfio_address_space_remove_container(base);
    }
    cdev_detach_pt(dev);
    hwpt_put(c, dev);
    base->devices = g_list_remove(base->devices, dev);
    dev->container = NULL;
    if (last) {
        ioas_destroy(c);
    } else {
        vfio_container_refresh_iova_ranges(base);
    }
    if (dev->fd >= 0 && dev->fd_owned) {
        close(dev->fd);
    }
    dev->fd = -1;
    dev->devid = 0;
    iommufd_backend_disconnect(c->be);
    if (last) {
        g_object_unref(c);
    }
}

/* ---- mapping ops -------------------------------------------------------- */

static bool iommufd_dma_map(VFIOContainer *base, const Range *iova,
                            void *vaddr, bool readonly, GError **errp)
{
    VFIOIOMMUFDContainer *c = IOMMUFD(base);
    uint64_t size;

    if (!range_size(iova, &size)) {
        error_setg(errp, VFIO_ERROR, EINVAL, "cannot map all of 2^64");
        return false;
    }
    vfio_container_count(base, VFIO_IOCTL_IOAS_MAP);
    return iommufd_backend_map_dma(c->be, c->ioas_id, iova->start, size,
                                   vaddr, readonly, errp);
}

static gconstpointer iommufd_copy_domain(VFIOContainer *base)
{
    return IOMMUFD(base)->be;
}

static bool iommufd_dma_copy(VFIOContainer *dst, VFIOContainer *src,
                             const Range *iova, bool readonly, GError **errp)
{
    VFIOIOMMUFDContainer *d = IOMMUFD(dst);
    uint64_t size;

    /* Same copy domain = same IOMMUFDBackend, so @src is one of ours. */
    g_assert(IOMMUFD(src)->be == d->be);
    if (!range_size(iova, &size)) {
        error_setg(errp, VFIO_ERROR, EINVAL, "cannot copy all of 2^64");
        return false;
    }
    vfio_container_count(dst, VFIO_IOCTL_IOAS_COPY);
    return iommufd_backend_copy_dma(d->be, IOMMUFD(src)->ioas_id, d->ioas_id,
                                    iova->start, size, readonly, errp);
}

static bool iommufd_dma_unmap(VFIOContainer *base, const Range *iova,
                              GError **errp)
{
    VFIOIOMMUFDContainer *c = IOMMUFD(base);
    uint64_t size, unmapped;

    if (!range_size(iova, &size)) {
        error_setg(errp, VFIO_ERROR, EINVAL, "cannot unmap all of 2^64");
        return false;
    }
    vfio_container_count(base, VFIO_IOCTL_IOAS_UNMAP);
    if (!iommufd_backend_unmap_dma(c->be, c->ioas_id, iova->start, size,
                                   &unmapped, errp)) {
        return false;
    }
    /* 0 is "already gone" (ENOENT, normalised by the backend); anything
     * else short would be a mapping we did not make. */
    if (unmapped != 0 && unmapped != size) {
        error_setg(errp, VFIO_ERROR, EIO, "IOMMU_IOAS_UNMAP ioas %u iova 0x%"
                   PRIx64 ": unmapped 0x%" PRIx64 " of 0x%" PRIx64 " bytes",
                   c->ioas_id, iova->start, unmapped, size);
        return false;
    }
    return true;
}

static bool iommufd_get_iova_ranges(VFIOContainer *base, GError **errp)
{
    VFIOIOMMUFDContainer *c = IOMMUFD(base);
    g_autoptr(GArray) ranges = NULL;
    g_autoptr(IntervalSet) set = interval_set_new();
    uint64_t align = 0;
    guint calls = 0;
    bool ok;

    ok = iommufd_backend_get_iova_ranges(c->be, c->ioas_id, &ranges, &align,
                                         &calls, errp);
    for (guint i = 0; i < calls; i++) {
        vfio_container_count(base, VFIO_IOCTL_IOAS_IOVA_RANGES);
    }
    if (!ok) {
        return false;
    }
    for (guint i = 0; i < ranges->len; i++) {
        IOMMUFDIovaRange *r = &g_array_index(ranges, IOMMUFDIovaRange, i);
        Range range = range_make(r->start, r->last);

        if (r->last >= r->start) {
            interval_set_insert(set, &range);
        }
    }
    /* The IOAS alignment is the smallest page of its domains (1 when it
     * has none yet); the page size never goes below the host's anyway. */
    vfio_container_set_iova_ranges(base, set, align);
    return true;
}

static bool iommufd_set_dirty_tracking(VFIOContainer *base, bool start,
                                       GError **errp)
{
    VFIOIOMMUFDContainer *c = IOMMUFD(base);

    for (guint i = 0; i < c->hwpts->len; i++) {
        VFIOHwpt *h = &g_array_index(c->hwpts, VFIOHwpt, i);

        if (!h->dirty) {
            error_setg(errp, VFIO_ERROR, EOPNOTSUPP, "container %u: hwpt %u "
                       "has no dirty tracking (the IOMMU cannot do it)",
                       base->id, h->id);
            return false;
        }
        vfio_container_count(base, VFIO_IOCTL_HWPT_SET_DIRTY_TRACKING);
        if (!iommufd_backend_set_dirty_tracking(c->be, h->id, start, errp)) {
            return false;
        }
    }
    return true;
}

static bool iommufd_query_dirty_bitmap(VFIOContainer *base, const Range *iova,
                                       uint64_t pgsize, uint64_t *bitmap,
                                       GError **errp)
{
    VFIOIOMMUFDContainer *c = IOMMUFD(base);
    uint64_t size;

    if (!range_size(iova, &size)) {
        error_setg(errp, VFIO_ERROR, EINVAL, "no bitmap for all of 2^64");
        return false;
    }
    /* Every HWPT maps the whole IOAS: OR their bits (the kernel only sets
     * bits, never clears them). */
    for (guint i = 0; i < c->hwpts->len; i++) {
        vfio_container_count(base, VFIO_IOCTL_HWPT_GET_DIRTY_BITMAP);
        if (!iommufd_backend_get_dirty_bitmap(c->be, g_array_index(c->hwpts,
                                              VFIOHwpt, i).id, iova->start,
                                              size, pgsize, bitmap, errp)) {
            return false;
        }
    }
    return true;
}

static void iommufd_describe(VFIOContainer *base, JsonBuilder *b)
{
    VFIOIOMMUFDContainer *c = IOMMUFD(base);
    const char *label = iommufd_backend_get_label(c->be);

    json_builder_set_member_name(b, "iommufd");
    json_builder_add_string_value(b, label ? label : "");
    json_builder_set_member_name(b, "ioas");
    json_builder_add_int_value(b, c->ioas_id);
    json_builder_set_member_name(b, "hwpts");
    json_builder_begin_array(b);
    for (guint i = 0; i < c->hwpts->len; i++) {
        json_builder_add_int_value(b, g_array_index(c->hwpts, VFIOHwpt, i).id);
    }
    json_builder_end_array(b);
}

static void iommufd_describe_device(VFIOContainer *base, VFIODevice *dev,
                                    JsonBuilder *b)
{
    json_builder_set_member_name(b, "devid");
    json_builder_add_int_value(b, dev->devid);
    json_builder_set_member_name(b, "hwpt");
    json_builder_add_int_value(b, dev->hwpt_id);
}

/* ---- the class ---------------------------------------------------------- */

static void vfio_iommufd_container_finalize(GObject *obj)
{
    VFIOIOMMUFDContainer *c = IOMMUFD(obj);

    g_array_unref(c->hwpts);
    g_clear_object(&c->be);
    G_OBJECT_CLASS(vfio_iommufd_container_parent_class)->finalize(obj);
}

static void vfio_iommufd_container_class_init(VFIOIOMMUFDContainerClass *klass)
{
    VFIOContainerClass *vc = VFIO_CONTAINER_CLASS(klass);

    G_OBJECT_CLASS(klass)->finalize = vfio_iommufd_container_finalize;
    vc->backend_name = "iommufd";
    vc->map_origin = VFIO_MAPPING_MAP;
    vc->attach_device = iommufd_attach_device;
    vc->detach_device = iommufd_detach_device;
    vc->dma_map = iommufd_dma_map;
    vc->copy_domain = iommufd_copy_domain;
    vc->dma_copy = iommufd_dma_copy;
    vc->dma_unmap = iommufd_dma_unmap;
    vc->get_iova_ranges = iommufd_get_iova_ranges;
    vc->set_dirty_tracking = iommufd_set_dirty_tracking;
    vc->query_dirty_bitmap = iommufd_query_dirty_bitmap;
    vc->describe = iommufd_describe;
    vc->describe_device = iommufd_describe_device;
}

static void vfio_iommufd_container_init(VFIOIOMMUFDContainer *c)
{
    c->hwpts = g_array_new(FALSE, FALSE, sizeof(VFIOHwpt));
}

uint32_t vfio_iommufd_container_ioas_id(VFIOIOMMUFDContainer *c)
{
    return c->ioas_id;
}

IOMMUFDBackend *vfio_iommufd_container_backend(VFIOIOMMUFDContainer *c)
{
    return c->be;
}

GArray *vfio_iommufd_container_hwpts(VFIOIOMMUFDContainer *c)
{
    GArray *ids = g_array_new(FALSE, FALSE, sizeof(uint32_t));

    for (guint i = 0; i < c->hwpts->len; i++) {
        g_array_append_val(ids, g_array_index(c->hwpts, VFIOHwpt, i).id);
    }
    return ids;
}
