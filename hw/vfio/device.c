/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VFIODevice: attach through a backend, regions, config space, BAR mmap,
 * reset and MSI.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "hw/vfio/vfio-device.h"
#include "hw/vfio/vfio-iommufd.h"
#include "hw/vfio/vfio-legacy.h"
#include "util/error.h"
#include "vfio-internal.h"
#include "trace-vfio.h"

/* One BAR mapping made by vfio_device_region_mmap() */
typedef struct VFIOMmap {
    void *ptr;
    uint64_t size;
} VFIOMmap;

char *vfio_sysfs_path(VFIOContext *ctx, const char *rel)
{
    return g_build_filename(vfio_context_sysfs_root(ctx), rel, NULL);
}

char *vfio_dev_path(VFIOContext *ctx, const char *rel)
{
    return g_build_filename(vfio_context_dev_root(ctx), rel, NULL);
}

/* ---- attach and detach -------------------------------------------------- */

/* The sysfs directory of the device named by @cfg, checked. */
static bool device_resolve(VFIODevice *dev, const VFIODeviceConfig *cfg,
                           GError **errp)
{
    g_autofree char *subsystem = NULL;

    if (cfg->sysfsdev) {
        dev->sysfsdev = g_strdup(cfg->sysfsdev);
    } else if (cfg->host) {
        g_autofree char *rel = g_build_filename("bus/pci/devices", cfg->host,
                                                NULL);

        dev->sysfsdev = vfio_sysfs_path(dev->ctx, rel);
    } else if (cfg->fd >= 0) {
        dev->name = g_strdup_printf("fd:%d", cfg->fd);
        return true;
    } else {
        error_setg(errp, VFIO_ERROR, EINVAL, "a VFIO device needs host=, "
                   "sysfsdev= or fd=");
        return false;
    }
    dev->name = g_path_get_basename(dev->sysfsdev);
    if (!g_file_test(dev->sysfsdev, G_FILE_TEST_IS_DIR)) {
        error_setg(errp, VFIO_ERROR, ENOENT, "no such device: %s does not "
                   "exist", dev->sysfsdev);
        return false;
    }
    subsystem = g_build_filename(dev->sysfsdev, "subsystem", NULL);
    if (!g_file_test(subsystem, G_FILE_TEST_EXISTS)) {
        error_setg(errp, VFIO_ERROR, ENODEV, "%s is not a device (it has no "
                   "subsystem link)", dev->sysfsdev);
        return false;
    }
    return true;
}

static bool device_get_info(VFIODevice *dev, GError **errp)
{
    struct vfio_device_info info = { .argsz = sizeof(info) };
    int ret = ioctl(dev->fd, VFIO_DEVICE_GET_INFO, &info);
    int err = ret ? errno : 0;

    vfio_device_count(dev, VFIO_IOCTL_DEVICE_GET_INFO);
    trace_vfio_device_get_info(dev->name, info.flags, info.num_regions,
                               info.num_irqs, -err);
    if (ret) {
        error_setg_errno(errp, VFIO_ERROR, err, "%s: VFIO_DEVICE_GET_INFO",
                         dev->name);
        return false;
    }
    dev->flags = info.flags;
    dev->num_regions = info.num_regions;
    dev->num_irqs = info.num_irqs;
    return true;
}

static void region_info_free(gpointer p)
{
    VFIORegionInfo *info = p;

    if (info) {
        vfio_region_info_clear(info);
        g_free(info);
    }
}

static void device_free(VFIODevice *dev)
{
    g_clear_object(&dev->iommufd);
    g_ptr_array_unref(dev->regions);
    g_array_unref(dev->mmaps);
    g_free(dev->sysfsdev);
    g_free(dev->name);
    g_free(dev);
}

VFIODevice *vfio_device_attach(VFIOContext *ctx, AddressSpace *as,
                               const VFIODeviceConfig *cfg, GError **errp)
{
    VFIODevice *dev = g_new0(VFIODevice, 1);
    VFIOAddressSpace *space;
    GType type = cfg->iommufd ? VFIO_TYPE_IOMMUFD_CONTAINER
                              : VFIO_TYPE_LEGACY_CONTAINER;

    dev->ctx = ctx;
    dev->fd = cfg->fd;
    dev->iommufd = cfg->iommufd ? g_object_ref(cfg->iommufd) : NULL;
    dev->separate_container = cfg->separate_container;
    dev->regions = g_ptr_array_new_with_free_func(region_info_free);
    dev->mmaps = g_array_new(FALSE, FALSE, sizeof(VFIOMmap));
    if (!device_resolve(dev, cfg, errp)) {
        device_free(dev);
        return NULL;
    }
    space = vfio_context_get_address_space(ctx, as);
    if (!vfio_container_attach_device(type, space, dev, errp)) {
        vfio_address_space_release_if_unused(space);
        device_free(dev);
        return NULL;
    }
    vfio_context_add_device(ctx, dev);
    if (!device_get_info(dev, errp)) {
        vfio_device_detach(dev);
        return NULL;
    }
    g_ptr_array_set_size(dev->regions, dev->num_regions);
    trace_vfio_device_attach(dev->name, dev->container->id,
                             vfio_container_backend_name(dev->container));
    return dev;
}

void vfio_device_detach(VFIODevice *dev)
{
    VFIOAddressSpace *space;
    g_autoptr(GError) err = NULL;

    if (!dev) {
        return;
    }
    trace_vfio_device_detach(dev->name, dev->container->id);
    if (dev->msi_enabled && !vfio_device_msi_disable(dev, &err)) {
        warn_report("%s", err->message);
    }
    while (dev->mmaps->len) {
        vfio_device_region_munmap(dev,
                                  g_array_index(dev->mmaps, VFIOMmap, 0).ptr);
    }
    space = dev->container->space;
    vfio_container_detach_device(dev->container, dev);
    vfio_address_space_release_if_unused(space);
    vfio_context_remove_device(dev->ctx, dev);
    device_free(dev);
}

/* ---- regions ------------------------------------------------------------ */

static void region_parse_caps(VFIORegionInfo *info,
                              const struct vfio_region_info *ri)
{
    const struct vfio_region_info_cap_sparse_mmap *sparse;
    const struct vfio_region_info_cap_type *type;
    size_t avail = 0;

    if (!(ri->flags & VFIO_REGION_INFO_FLAG_CAPS)) {
        return;
    }
    sparse = vfio_info_find_cap(ri, ri->argsz, ri->cap_offset,
                                VFIO_REGION_INFO_CAP_SPARSE_MMAP, &avail);
    if (sparse && avail >= sizeof(*sparse)) {
        uint32_t n = MIN(sparse->nr_areas, (avail - sizeof(*sparse)) /
                         sizeof(sparse->areas[0]));

        info->sparse = g_array_new(FALSE, FALSE, sizeof(Range));
        for (uint32_t i = 0; i < n; i++) {
            Range r;

            if (range_from_size(sparse->areas[i].offset,
                                sparse->areas[i].size, &r)) {
                g_array_append_val(info->sparse, r);
            }
        }
    }
    type = vfio_info_find_cap(ri, ri->argsz, ri->cap_offset,
                              VFIO_REGION_INFO_CAP_TYPE, &avail);
    if (type && avail >= sizeof(*type)) {
        info->type = type->type;
        info->subtype = type->subtype;
    }
}

bool vfio_device_get_region_info(VFIODevice *dev, uint32_t index,
                                 VFIORegionInfo *info, GError **errp)
{
    g_autofree struct vfio_region_info *ri = NULL;
    uint32_t argsz = sizeof(*ri);

    for (int tries = 0; tries < 4; tries++) {
        int ret;

        ri = g_realloc(ri, argsz);
        memset(ri, 0, argsz);
        ri->argsz = argsz;
        ri->index = index;
        ret = ioctl(dev->fd, VFIO_DEVICE_GET_REGION_INFO, ri);
        vfio_device_count(dev, VFIO_IOCTL_DEVICE_GET_REGION_INFO);
        trace_vfio_device_region_info(dev->name, index, ri->flags, ri->size,
                                      ri->offset, ret ? -errno : 0);
        if (ret) {
            error_setg_errno(errp, VFIO_ERROR, errno, "%s: VFIO_DEVICE_GET_"
                             "REGION_INFO region %u", dev->name, index);
            return false;
        }
        if (ri->argsz <= argsz) {
            *info = (VFIORegionInfo) {
                .index = index, .flags = ri->flags,
                .size = ri->size, .offset = ri->offset,
            };
            region_parse_caps(info, ri);
            return true;
        }
        argsz = ri->argsz;
    }
    error_setg(errp, VFIO_ERROR, EMSGSIZE, "%s: region %u info keeps "
               "growing", dev->name, index);
    return false;
}

void vfio_region_info_clear(VFIORegionInfo *info)
{
    if (info->sparse) {
        g_array_unref(info->sparse);
        info->sparse = NULL;
    }
}

/* The cached info of region @index (read once: it never changes). */
static const VFIORegionInfo *device_region(VFIODevice *dev, uint32_t index,
                                           GError **errp)
{
    VFIORegionInfo *info;

    if (index >= dev->regions->len) {
        error_setg(errp, VFIO_ERROR, EINVAL, "%s has no region %u",
                   dev->name, index);
        return NULL;
    }
    info = g_ptr_array_index(dev->regions, index);
    if (!info) {
        info = g_new0(VFIORegionInfo, 1);
        if (!vfio_device_get_region_info(dev, index, info, errp)) {
            g_free(info);
            return NULL;
        }
        g_ptr_array_index(dev->regions, index) = info;
    }
    return info;
}

/* Map the sparse areas of @info into a reserved, inaccessible span. */
static void *region_mmap_sparse(VFIODevice *dev, const VFIORegionInfo *info,
                                int prot, GError **errp)
{
    void *base = mmap(NULL, info->size, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (base == MAP_FAILED) {
        error_setg_errno(errp, VFIO_ERROR, errno, "%s: reserve region %u",
                         dev->name, info->index);
        return NULL;
    }
    for (guint i = 0; i < info->sparse->len; i++) {
        const Range *r = &g_array_index(info->sparse, Range, i);
        uint64_t size = r->last - r->start + 1;

        if (r->last >= info->size ||
            mmap((uint8_t *)base + r->start, size, prot,
                 MAP_SHARED | MAP_FIXED, dev->fd,
                 info->offset + r->start) == MAP_FAILED) {
            error_setg_errno(errp, VFIO_ERROR, r->last >= info->size ? EINVAL
                             : errno, "%s: mmap region %u area 0x%" PRIx64,
                             dev->name, info->index, r->start);
            munmap(base, info->size);
            return NULL;
        }
    }
    return base;
}

void *vfio_device_region_mmap(VFIODevice *dev, uint32_t index,
                              uint64_t *size, GError **errp)
{
    const VFIORegionInfo *info = device_region(dev, index, errp);
    int prot;
    VFIOMmap m;

    if (!info) {
        return NULL;
    }
    if (!(info->flags & VFIO_REGION_INFO_FLAG_MMAP) || !info->size) {
        error_setg(errp, VFIO_ERROR, EINVAL, "%s: region %u cannot be "
                   "mmap'ed (flags 0x%x, size 0x%" PRIx64 ")", dev->name,
                   index, info->flags, info->size);
        return NULL;
    }
    prot = ((info->flags & VFIO_REGION_INFO_FLAG_READ) ? PROT_READ : 0) |
           ((info->flags & VFIO_REGION_INFO_FLAG_WRITE) ? PROT_WRITE : 0);
    if (info->sparse) {
        m.ptr = region_mmap_sparse(dev, info, prot, errp);
    } else {
        m.ptr = mmap(NULL, info->size, prot, MAP_SHARED, dev->fd,
                     info->offset);
        if (m.ptr == MAP_FAILED) {
            error_setg_errno(errp, VFIO_ERROR, errno, "%s: mmap region %u",
                             dev->name, index);
            m.ptr = NULL;
        }
    }
    trace_vfio_device_region_mmap(dev->name, index, info->size,
                                  (uintptr_t)m.ptr);
    if (!m.ptr) {
        return NULL;
    }
    m.size = info->size;
    g_array_append_val(dev->mmaps, m);
    *size = info->size;
    return m.ptr;
}

void vfio_device_region_munmap(VFIODevice *dev, void *ptr)
{
    for (guint i = 0; i < dev->mmaps->len; i++) {
        VFIOMmap *m = &g_array_index(dev->mmaps, VFIOMmap, i);

        if (m->ptr == ptr) {
            munmap(m->ptr, m->size);
            g_array_remove_index(dev->mmaps, i);
            return;
        }
    }
    g_warn_if_reached();
}

/* Check [offset, offset + len) lies in region @index; its info. */
static const VFIORegionInfo *region_access(VFIODevice *dev, uint32_t index,
                                           uint64_t offset, size_t len,
                                           GError **errp)
{
    const VFIORegionInfo *info = device_region(dev, index, errp);
    uint64_t end;

    if (info && (__builtin_add_overflow(offset, len, &end) ||
                 end > info->size)) {
        error_setg(errp, VFIO_ERROR, EINVAL, "%s: 0x%zx bytes at 0x%" PRIx64
                   " are outside region %u (size 0x%" PRIx64 ")", dev->name,
                   len, offset, index, info->size);
        return NULL;
    }
    return info;
}

bool vfio_device_region_read(VFIODevice *dev, uint32_t index,
                             uint64_t offset, void *buf, size_t len,
                             GError **errp)
{
    const VFIORegionInfo *info = region_access(dev, index, offset, len, errp);
    ssize_t got;

    if (!info) {
        return false;
    }
    got = pread(dev->fd, buf, len, info->offset + offset);
    if (got != (ssize_t)len) {
        error_setg_errno(errp, VFIO_ERROR, got < 0 ? errno : EIO, "%s: read "
                         "0x%zx bytes at 0x%" PRIx64 " of region %u",
                         dev->name, len, offset, index);
        return false;
    }
    return true;
}

bool vfio_device_region_write(VFIODevice *dev, uint32_t index,
                              uint64_t offset, const void *buf, size_t len,
                              GError **errp)
{
    const VFIORegionInfo *info = region_access(dev, index, offset, len, errp);
    ssize_t put;

    if (!info) {
        return false;
    }
    put = pwrite(dev->fd, buf, len, info->offset + offset);
    if (put != (ssize_t)len) {
        error_setg_errno(errp, VFIO_ERROR, put < 0 ? errno : EIO, "%s: write "
                         "0x%zx bytes at 0x%" PRIx64 " of region %u",
                         dev->name, len, offset, index);
        return false;
    }
    return true;
}

bool vfio_device_config_read(VFIODevice *dev, uint64_t offset, void *buf,
                             size_t len, GError **errp)
{
    return vfio_device_region_read(dev, VFIO_PCI_CONFIG_REGION_INDEX, offset,
                                   buf, len, errp);
}

bool vfio_device_config_write(VFIODevice *dev, uint64_t offset,
                              const void *buf, size_t len, GError **errp)
{
    return vfio_device_region_write(dev, VFIO_PCI_CONFIG_REGION_INDEX, offset,
                                    buf, len, errp);
}

bool vfio_device_enable_bus_master(VFIODevice *dev, GError **errp)
{
    const uint16_t want = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
    uint16_t cmd;

    if (!vfio_device_config_read(dev, PCI_COMMAND, &cmd, 2, errp)) {
        return false;
    }
    cmd = GUINT16_FROM_LE(cmd) | want;
    cmd = GUINT16_TO_LE(cmd);
    if (!vfio_device_config_write(dev, PCI_COMMAND, &cmd, 2, errp) ||
        !vfio_device_config_read(dev, PCI_COMMAND, &cmd, 2, errp)) {
        return false;
    }
    cmd = GUINT16_FROM_LE(cmd);
    trace_vfio_device_bus_master(dev->name, cmd);
    if ((cmd & want) != want) {
        error_setg(errp, VFIO_ERROR, EIO, "%s: PCI command 0x%04x: memory "
                   "and bus master did not stick", dev->name, cmd);
        return false;
    }
    return true;
}

/* ---- reset and interrupts ----------------------------------------------- */

bool vfio_device_can_reset(VFIODevice *dev)
{
    return dev->flags & VFIO_DEVICE_FLAGS_RESET;
}

bool vfio_device_reset(VFIODevice *dev, GError **errp)
{
    int ret, err;

    if (!vfio_device_can_reset(dev)) {
        error_setg(errp, VFIO_ERROR, EOPNOTSUPP, "%s cannot be reset (no "
                   "reset mechanism)", dev->name);
        return false;
    }
    ret = ioctl(dev->fd, VFIO_DEVICE_RESET);
    err = ret ? errno : 0;
    vfio_device_count(dev, VFIO_IOCTL_DEVICE_RESET);
    trace_vfio_device_reset(dev->name, -err);
    if (ret) {
        error_setg_errno(errp, VFIO_ERROR, err, "%s: VFIO_DEVICE_RESET",
                         dev->name);
        return false;
    }
    return true;
}

bool vfio_device_get_irq_info(VFIODevice *dev, uint32_t index,
                              uint32_t *count, uint32_t *flags, GError **errp)
{
    struct vfio_irq_info info = { .argsz = sizeof(info), .index = index };
    int ret = ioctl(dev->fd, VFIO_DEVICE_GET_IRQ_INFO, &info);
    int err = ret ? errno : 0;

    vfio_device_count(dev, VFIO_IOCTL_DEVICE_GET_IRQ_INFO);
    trace_vfio_device_irq_info(dev->name, index, info.count, info.flags,
                               -err);
    if (ret) {
        error_setg_errno(errp, VFIO_ERROR, err, "%s: VFIO_DEVICE_GET_IRQ_INFO"
                         " index %u", dev->name, index);
        return false;
    }
    *count = info.count;
    *flags = info.flags;
    return true;
}

/* VFIO_DEVICE_SET_IRQS on MSI vector 0: an eventfd, or none (count 0). */
static bool device_set_msi(VFIODevice *dev, int eventfd, GError **errp)
{
    struct {
        struct vfio_irq_set set;
        int32_t fd;
    } cmd = {
        .set = {
            .argsz = sizeof(cmd),
            .flags = VFIO_IRQ_SET_ACTION_TRIGGER |
                     (eventfd >= 0 ? VFIO_IRQ_SET_DATA_EVENTFD
                                   : VFIO_IRQ_SET_DATA_NONE),
            .index = VFIO_PCI_MSI_IRQ_INDEX,
            .count = eventfd >= 0 ? 1 : 0,
        },
        .fd = eventfd,
    };
    int ret, err;

    G_STATIC_ASSERT(offsetof(__typeof__(cmd), fd) ==
                    sizeof(struct vfio_irq_set));
    ret = ioctl(dev->fd, VFIO_DEVICE_SET_IRQS, &cmd);
    err = ret ? errno : 0;
    vfio_device_count(dev, VFIO_IOCTL_DEVICE_SET_IRQS);
    trace_vfio_device_set_msi(dev->name, eventfd, -err);
    if (ret) {
        error_setg_errno(errp, VFIO_ERROR, err, "%s: VFIO_DEVICE_SET_IRQS "
                         "MSI %s", dev->name, eventfd >= 0 ? "enable"
                         : "disable");
        return false;
    }
    dev->msi_enabled = eventfd >= 0;
    return true;
}

bool vfio_device_msi_enable(VFIODevice *dev, int eventfd, GError **errp)
{
    g_return_val_if_fail(eventfd >= 0, false);
    return device_set_msi(dev, eventfd, errp);
}

bool vfio_device_msi_disable(VFIODevice *dev, GError **errp)
{
    return device_set_msi(dev, -1, errp);
}
