/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The legacy VFIO container: /dev/vfio/vfio with the type1 IOMMU, and the
 * IOMMU groups (/dev/vfio/N) attached to it.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "hw/vfio/vfio-address-space.h"
#include "hw/vfio/vfio-legacy.h"
#include "util/error.h"
#include "vfio-internal.h"
#include "trace-vfio.h"

/* One IOMMU group: the unit of ownership of the legacy API. */
typedef struct VFIOGroup {
    int groupid;
    int fd;
    VFIOLegacyContainer *container;
    GList *devices;             /* VFIODevice *, borrowed */
} VFIOGroup;

struct _VFIOLegacyContainer {
    VFIOContainer parent;
    int fd;
    int iommu_type;
    GList *groups;              /* VFIOGroup *, owned */
    uint32_t dma_avail;         /* mapping slots left, when reported */
    uint64_t max_dirty_bitmap;  /* bytes, from the migration capability */
};

G_DEFINE_TYPE(VFIOLegacyContainer, vfio_legacy_container, VFIO_TYPE_CONTAINER)

#define LEGACY(c) VFIO_LEGACY_CONTAINER(c)

/* ---- one wrapper per ioctl ---------------------------------------------- */

/* VFIO_CHECK_EXTENSION: 1 if supported, 0 if not (or on error). */
static int legacy_check_extension(VFIOLegacyContainer *c, int ext)
{
    int ret = ioctl(c->fd, VFIO_CHECK_EXTENSION, ext);

    vfio_container_count(&c->parent, VFIO_IOCTL_CHECK_EXTENSION);
    trace_vfio_legacy_check_extension(c->fd, ext, ret < 0 ? -errno : ret);
    return ret > 0;
}

static bool legacy_check_api_version(VFIOLegacyContainer *c, GError **errp)
{
    int ret = ioctl(c->fd, VFIO_GET_API_VERSION);

    vfio_container_count(&c->parent, VFIO_IOCTL_GET_API_VERSION);
    trace_vfio_legacy_api_version(c->fd, ret < 0 ? -errno : ret);
    if (ret != VFIO_API_VERSION) {
        error_setg(errp, VFIO_ERROR, EINVAL,
                   "VFIO_GET_API_VERSION: %d, expected %d", ret,
                   VFIO_API_VERSION);
        return false;
    }
    return true;
}

/* VFIO_SET_IOMMU; raw -errno: the caller falls back from v2 to v1. */
static int legacy_set_iommu(VFIOLegacyContainer *c, int type)
{
    int ret = ioctl(c->fd, VFIO_SET_IOMMU, type);
    int err = ret ? errno : 0;

    vfio_container_count(&c->parent, VFIO_IOCTL_SET_IOMMU);
    trace_vfio_legacy_set_iommu(c->fd, type, -err);
    return -err;
}

static bool group_get_status(VFIOGroup *group, VFIODevice *dev,
                             uint32_t *flags, GError **errp)
{
    struct vfio_group_status status = { .argsz = sizeof(status) };
    int ret = ioctl(group->fd, VFIO_GROUP_GET_STATUS, &status);
    int err = ret ? errno : 0;

    vfio_device_count(dev, VFIO_IOCTL_GROUP_GET_STATUS);
    trace_vfio_legacy_group_status(group->groupid, status.flags, -err);
    if (ret) {
        error_setg_errno(errp, VFIO_ERROR, err, "VFIO_GROUP_GET_STATUS "
                         "group %d", group->groupid);
        return false;
    }
    *flags = status.flags;
    return true;
}

/* VFIO_GROUP_SET_CONTAINER; raw -errno: "not accepted" means try the
 * next container. */
static int group_set_container(VFIOGroup *group, VFIODevice *dev,
                               VFIOLegacyContainer *c)
{
    int ret = ioctl(group->fd, VFIO_GROUP_SET_CONTAINER, &c->fd);
    int err = ret ? errno : 0;

    vfio_device_count(dev, VFIO_IOCTL_GROUP_SET_CONTAINER);
    trace_vfio_legacy_group_set_container(group->groupid, c->parent.id,
                                          -err);
    return -err;
}

static void group_unset_container(VFIOGroup *group, VFIODevice *dev)
{
    int ret = ioctl(group->fd, VFIO_GROUP_UNSET_CONTAINER);
    int err = ret ? errno : 0;

    vfio_device_count(dev, VFIO_IOCTL_GROUP_UNSET_CONTAINER);
    trace_vfio_legacy_group_unset_container(group->groupid, -err);
    if (ret) {
        warn_report("VFIO_GROUP_UNSET_CONTAINER group %d: %s",
                    group->groupid, g_strerror(err));
    }
}

static int group_get_device_fd(VFIOGroup *group, VFIODevice *dev,
                               GError **errp)
{
    int fd = ioctl(group->fd, VFIO_GROUP_GET_DEVICE_FD, dev->name);
    int err = fd < 0 ? errno : 0;

    vfio_device_count(dev, VFIO_IOCTL_GROUP_GET_DEVICE_FD);
    trace_vfio_legacy_group_get_device_fd(group->groupid, dev->name, fd);
    if (fd < 0) {
        error_setg_errno(errp, VFIO_ERROR, err, "VFIO_GROUP_GET_DEVICE_FD "
                         "group %d device %s", group->groupid, dev->name);
    }
    return fd;
}

/* VFIO_IOMMU_GET_INFO, growing the buffer until the capabilities fit. */
static struct vfio_iommu_type1_info *legacy_get_info(VFIOLegacyContainer *c,
                                                     GError **errp)
{
    g_autofree struct vfio_iommu_type1_info *info = NULL;
    uint32_t argsz = sizeof(*info);

    for (int tries = 0; tries < 4; tries++) {
        int ret;

        info = g_realloc(info, argsz);
        memset(info, 0, argsz);
        info->argsz = argsz;
        ret = ioctl(c->fd, VFIO_IOMMU_GET_INFO, info);
        vfio_container_count(&c->parent, VFIO_IOCTL_IOMMU_GET_INFO);
        trace_vfio_legacy_get_info(c->parent.id, argsz, info->argsz,
                                   ret ? -errno : 0);
        if (ret) {
            error_setg_errno(errp, VFIO_ERROR, errno, "VFIO_IOMMU_GET_INFO "
                             "container %u", c->parent.id);
            return NULL;
        }
        if (info->argsz <= argsz) {
            return g_steal_pointer(&info);
        }
        argsz = info->argsz;
    }
    error_setg(errp, VFIO_ERROR, EMSGSIZE, "VFIO_IOMMU_GET_INFO container "
               "%u: the capability chain keeps growing", c->parent.id);
    return NULL;
}

static bool legacy_map_dma(VFIOContainer *base, const Range *iova,
                           void *vaddr, bool readonly, GError **errp)
{
    VFIOLegacyContainer *c = LEGACY(base);
    struct vfio_iommu_type1_dma_map map = {
        .argsz = sizeof(map),
        .flags = VFIO_DMA_MAP_FLAG_READ |
                 (readonly ? 0 : VFIO_DMA_MAP_FLAG_WRITE),
        .vaddr = (uintptr_t)vaddr,
        .iova = iova->start,
    };
    uint64_t size;
    int ret, err;

    if (!range_size(iova, &size)) {
        error_setg(errp, VFIO_ERROR, EINVAL, "cannot map all of 2^64");
        return false;
    }
    map.size = size;
    ret = ioctl(c->fd, VFIO_IOMMU_MAP_DMA, &map);
    err = ret ? errno : 0;
    vfio_container_count(base, VFIO_IOCTL_MAP_DMA);
    trace_vfio_legacy_map_dma(base->id, map.iova, map.size, map.vaddr,
                              readonly, -err);
    if (ret) {
        error_setg_errno(errp, VFIO_ERROR, err, "VFIO_IOMMU_MAP_DMA "
                         "container %u iova 0x%" PRIx64 " size 0x%" PRIx64,
                         base->id, (uint64_t)map.iova, (uint64_t)map.size);
        return false;
    }
    return true;
}

static bool legacy_dma_unmap(VFIOContainer *base, const Range *iova,
                             GError **errp)
{
    VFIOLegacyContainer *c = LEGACY(base);
    struct vfio_iommu_type1_dma_unmap unmap = {
        .argsz = sizeof(unmap),
        .iova = iova->start,
    };
    uint64_t want;
    int ret, err;

    if (!range_size(iova, &want)) {
        error_setg(errp, VFIO_ERROR, EINVAL, "cannot unmap all of 2^64");
        return false;
    }
    unmap.size = want;
    ret = ioctl(c->fd, VFIO_IOMMU_UNMAP_DMA, &unmap);
    err = ret ? errno : 0;
    vfio_container_count(base, VFIO_IOCTL_UNMAP_DMA);
    trace_vfio_legacy_unmap_dma(base->id, iova->start, want, unmap.size,
                                -err);
    if (ret) {
        error_setg_errno(errp, VFIO_ERROR, err, "VFIO_IOMMU_UNMAP_DMA "
                         "container %u iova 0x%" PRIx64 " size 0x%" PRIx64,
                         base->id, iova->start, want);
        return false;
    }
    /*
     * type1 answers "nothing mapped there" with success and size 0, where
     * iommufd says ENOENT; both mean the range is already gone, which is
     * what the caller wants.  Anything else short is a partial unmap.
     */
    if (unmap.size != 0 && unmap.size != want) {
        error_setg(errp, VFIO_ERROR, EIO, "VFIO_IOMMU_UNMAP_DMA container %u "
                   "iova 0x%" PRIx64 ": unmapped 0x%" PRIx64 " of 0x%" PRIx64
                   " bytes", base->id, iova->start, (uint64_t)unmap.size,
                   want);
        return false;
    }
    return true;
}

static bool legacy_dirty_pages(VFIOLegacyContainer *c, uint32_t flag,
                               GError **errp)
{
    struct vfio_iommu_type1_dirty_bitmap dirty = {
        .argsz = sizeof(dirty),
        .flags = flag,
    };
    int ret = ioctl(c->fd, VFIO_IOMMU_DIRTY_PAGES, &dirty);
    int err = ret ? errno : 0;

    vfio_container_count(&c->parent, VFIO_IOCTL_DIRTY_PAGES);
    trace_vfio_legacy_dirty_pages(c->parent.id, flag, -err);
    if (ret) {
        error_setg_errno(errp, VFIO_ERROR, err, "VFIO_IOMMU_DIRTY_PAGES "
                         "container %u flags 0x%x", c->parent.id, flag);
        return false;
    }
    return true;
}

static bool legacy_get_dirty_bitmap(VFIOLegacyContainer *c, const Range *iova,
                                    uint64_t pgsize, uint64_t *bitmap,
                                    GError **errp)
{
    struct {
        struct vfio_iommu_type1_dirty_bitmap hdr;
        struct vfio_iommu_type1_dirty_bitmap_get get;
    } cmd = {
        .hdr = { .argsz = sizeof(cmd),
                 .flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP },
        .get = { .iova = iova->start,
                 .bitmap = { .pgsize = pgsize, .data = (__u64 *)bitmap } },
    };
    uint64_t size;
    int ret, err;

    if (!range_size(iova, &size)) {
        error_setg(errp, VFIO_ERROR, EINVAL, "no bitmap for all of 2^64");
        return false;
    }
    cmd.get.size = size;
    cmd.get.bitmap.size = (size / pgsize + 63) / 64 * 8;
    ret = ioctl(c->fd, VFIO_IOMMU_DIRTY_PAGES, &cmd);
    err = ret ? errno : 0;
    vfio_container_count(&c->parent, VFIO_IOCTL_DIRTY_PAGES);
    trace_vfio_legacy_get_dirty_bitmap(c->parent.id, iova->start, size,
                                       pgsize, -err);
    if (ret) {
        error_setg_errno(errp, VFIO_ERROR, err, "VFIO_IOMMU_DIRTY_PAGES "
                         "GET_BITMAP container %u iova 0x%" PRIx64
                         " size 0x%" PRIx64, c->parent.id, iova->start, size);
        return false;
    }
    return true;
}

/* ---- the container ops -------------------------------------------------- */

/* Store the IOVA ranges (or the whole space without the capability). */
static void legacy_parse_iova_ranges(VFIOLegacyContainer *c,
                                     const struct vfio_iommu_type1_info *info)
{
    const struct vfio_iommu_type1_info_cap_iova_range *cap;
    g_autoptr(IntervalSet) set = interval_set_new();
    Range all = range_make(0, UINT64_MAX);
    size_t avail = 0;

    cap = (info->flags & VFIO_IOMMU_INFO_CAPS) ?
          vfio_info_find_cap(info, info->argsz, info->cap_offset,
                             VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, &avail) :
          NULL;
    if (!cap || avail < sizeof(*cap)) {
        interval_set_insert(set, &all);
    } else {
        uint32_t n = MIN(cap->nr_iovas,
                         (avail - sizeof(*cap)) / sizeof(cap->iova_ranges[0]));

        for (uint32_t i = 0; i < n; i++) {
            Range r = range_make(cap->iova_ranges[i].start,
                                 cap->iova_ranges[i].end);

            if (r.last >= r.start) {
                interval_set_insert(set, &r);
            }
        }
    }
    vfio_container_set_iova_ranges(&c->parent, set,
                                   (info->flags & VFIO_IOMMU_INFO_PGSIZES) ?
                                   info->iova_pgsizes : 0);
}

/* The migration (dirty bitmap limits) and DMA-avail capabilities. */
static void legacy_parse_other_caps(VFIOLegacyContainer *c,
                                    const struct vfio_iommu_type1_info *info)
{
    const struct vfio_iommu_type1_info_cap_migration *mig;
    const struct vfio_iommu_type1_info_dma_avail *avail_cap;
    size_t avail = 0;

    if (!(info->flags & VFIO_IOMMU_INFO_CAPS)) {
        return;
    }
    mig = vfio_info_find_cap(info, info->argsz, info->cap_offset,
                             VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, &avail);
    if (mig && avail >= sizeof(*mig)) {
        c->max_dirty_bitmap = mig->max_dirty_bitmap_size;
    }
    avail_cap = vfio_info_find_cap(info, info->argsz, info->cap_offset,
                                   VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, &avail);
    if (avail_cap && avail >= sizeof(*avail_cap)) {
        c->dma_avail = avail_cap->avail;
    }
}

static bool legacy_get_iova_ranges(VFIOContainer *base, GError **errp)
{
    VFIOLegacyContainer *c = LEGACY(base);
    g_autofree struct vfio_iommu_type1_info *info = legacy_get_info(c, errp);

    if (!info) {
        return false;
    }
    legacy_parse_iova_ranges(c, info);
    legacy_parse_other_caps(c, info);
    return true;
}

static bool legacy_set_dirty_tracking(VFIOContainer *base, bool start,
                                      GError **errp)
{
    return legacy_dirty_pages(LEGACY(base),
                              start ? VFIO_IOMMU_DIRTY_PAGES_FLAG_START
                                    : VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP,
                              errp);
}

static bool legacy_query_dirty_bitmap(VFIOContainer *base, const Range *iova,
                                      uint64_t pgsize, uint64_t *bitmap,
                                      GError **errp)
{
    return legacy_get_dirty_bitmap(LEGACY(base), iova, pgsize, bitmap, errp);
}

static void legacy_describe(VFIOContainer *base, JsonBuilder *b)
{
    VFIOLegacyContainer *c = LEGACY(base);

    json_builder_set_member_name(b, "iommu-type");
    json_builder_add_string_value(b, c->iommu_type == VFIO_TYPE1v2_IOMMU ?
                                     "type1v2" : "type1");
    json_builder_set_member_name(b, "groups");
    json_builder_begin_array(b);
    for (GList *l = c->groups; l; l = l->next) {
        json_builder_add_int_value(b, ((VFIOGroup *)l->data)->groupid);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "dma-avail");
    json_builder_add_int_value(b, c->dma_avail);
}

static void legacy_describe_device(VFIOContainer *base, VFIODevice *dev,
                                   JsonBuilder *b)
{
    json_builder_set_member_name(b, "group");
    json_builder_add_int_value(b, dev->group->groupid);
}

/* ---- groups ------------------------------------------------------------- */

/* The group number of @dev, from its sysfs iommu_group link. */
static bool device_iommu_group(VFIODevice *dev, int *groupid, GError **errp)
{
    g_autofree char *link = g_build_filename(dev->sysfsdev, "iommu_group",
                                             NULL);
    g_autofree char *target = g_file_read_link(link, NULL);
    g_autofree char *base = NULL;
    char *end;
    long n;

    if (!target) {
        error_setg(errp, VFIO_ERROR, ENODEV, "%s has no IOMMU group (%s "
                   "missing: is the IOMMU enabled?)", dev->name, link);
        return false;
    }
    base = g_path_get_basename(target);
    n = strtol(base, &end, 10);
    if (*end || end == base || n < 0 || n > G_MAXINT) {
        error_setg(errp, VFIO_ERROR, EINVAL, "%s: bad IOMMU group link %s",
                   dev->name, target);
        return false;
    }
    *groupid = (int)n;
    return true;
}

/* The group @groupid if this context has it open already. */
static VFIOGroup *legacy_find_group(VFIOContext *ctx, int groupid)
{
    for (GList *s = vfio_context_address_spaces(ctx); s; s = s->next) {
        for (GList *l = vfio_address_space_containers(s->data); l;
             l = l->next) {
            if (!VFIO_IS_LEGACY_CONTAINER(l->data)) {
                continue;
            }
            for (GList *g = LEGACY(l->data)->groups; g; g = g->next) {
                if (((VFIOGroup *)g->data)->groupid == groupid) {
                    return g->data;
                }
            }
        }
    }
    return NULL;
}

static void group_free(VFIOGroup *group)
{
    if (group->fd >= 0) {
        close(group->fd);
    }
    g_free(group);
}

static VFIOGroup *group_open(VFIODevice *dev, int groupid, GError **errp)
{
    g_autofree char *rel = g_strdup_printf("vfio/%d", groupid);
    g_autofree char *path = vfio_dev_path(dev->ctx, rel);
    VFIOGroup *group = g_new0(VFIOGroup, 1);
    uint32_t flags;

    group->groupid = groupid;
    group->fd = open(path, O_RDWR | O_CLOEXEC);
    if (group->fd < 0) {
        int err = errno;

        error_setg_errno(errp, VFIO_ERROR, err, "%s: open %s%s", dev->name,
                         path, err == EBUSY ? " (the group is in use by "
                         "another process, or its device is bound through "
                         "its VFIO cdev)" : "");
        group_free(group);
        return NULL;
    }
    if (!group_get_status(group, dev, &flags, errp)) {
        group_free(group);
        return NULL;
    }
    if (!(flags & VFIO_GROUP_FLAGS_VIABLE)) {
        error_setg(errp, VFIO_ERROR, EPERM, "%s: group %d is not viable "
                   "(bind every device of the group to vfio-pci)", dev->name,
                   groupid);
        group_free(group);
        return NULL;
    }
    return group;
}

/* ---- attach and detach -------------------------------------------------- */

/* Put @group into an existing container of @space that accepts it. */
static VFIOLegacyContainer *legacy_join_existing(VFIOAddressSpace *space,
                                                 VFIOGroup *group,
                                                 VFIODevice *dev)
{
    for (GList *l = vfio_address_space_containers(space); l; l = l->next) {
        VFIOLegacyContainer *c;

        if (!VFIO_IS_LEGACY_CONTAINER(l->data)) {
            continue;
        }
        c = LEGACY(l->data);
        if (group_set_container(group, dev, c) != 0) {
            continue;
        }
        /* New reserved regions may have narrowed the valid IOVAs. */
        vfio_container_refresh_iova_ranges(&c->parent);
        return c;
    }
    return NULL;
}

/* Open /dev/vfio/vfio and check it speaks type1; picks v2 if it can. */
static bool legacy_open(VFIOLegacyContainer *c, VFIODevice *dev,
                        GError **errp)
{
    g_autofree char *path = vfio_dev_path(dev->ctx, "vfio/vfio");

    c->fd = open(path, O_RDWR | O_CLOEXEC);
    if (c->fd < 0) {
        error_setg_errno(errp, VFIO_ERROR, errno, "open %s", path);
        return false;
    }
    if (!legacy_check_api_version(c, errp)) {
        return false;
    }
    if (legacy_check_extension(c, VFIO_TYPE1v2_IOMMU)) {
        c->iommu_type = VFIO_TYPE1v2_IOMMU;
    } else if (legacy_check_extension(c, VFIO_TYPE1_IOMMU)) {
        c->iommu_type = VFIO_TYPE1_IOMMU;
    } else {
        error_setg(errp, VFIO_ERROR, ENODEV, "%s: no type1 IOMMU", path);
        return false;
    }
    return true;
}

/* SET_CONTAINER then SET_IOMMU, falling back from type1v2 to type1. */
static bool legacy_connect_group(VFIOLegacyContainer *c, VFIOGroup *group,
                                 VFIODevice *dev, GError **errp)
{
    int ret = group_set_container(group, dev, c);

    if (ret) {
        error_setg_errno(errp, VFIO_ERROR, -ret, "VFIO_GROUP_SET_CONTAINER "
                         "group %d", group->groupid);
        return false;
    }
    ret = legacy_set_iommu(c, c->iommu_type);
    if (ret && c->iommu_type == VFIO_TYPE1v2_IOMMU) {
        c->iommu_type = VFIO_TYPE1_IOMMU;
        ret = legacy_set_iommu(c, c->iommu_type);
    }
    if (ret) {
        error_setg_errno(errp, VFIO_ERROR, -ret, "VFIO_SET_IOMMU container "
                         "%u", c->parent.id);
        group_unset_container(group, dev);
        return false;
    }
    return true;
}

/* A new container for @group, joined to @space (its memory mapped). */
static VFIOLegacyContainer *legacy_create(VFIOAddressSpace *space,
                                          VFIOGroup *group, VFIODevice *dev,
                                          GError **errp)
{
    g_autoptr(VFIOLegacyContainer) c =
        g_object_new(VFIO_TYPE_LEGACY_CONTAINER, NULL);

    vfio_container_setup(&c->parent, dev->ctx);
    if (!legacy_open(c, dev, errp) ||
        !legacy_connect_group(c, group, dev, errp)) {
        return NULL;
    }
    if (!vfio_container_get_iova_ranges(&c->parent, errp)) {
        goto err_unset;
    }
    group->container = c;
    c->groups = g_list_append(c->groups, group);
    if (!vfio_address_space_add_container(space, &c->parent, errp)) {
        c->groups = g_list_remove(c->groups, group);
        group->container = NULL;
        goto err_unset;
    }
    return g_steal_pointer(&c);

err_unset:
    group_unset_container(group, dev);
    return NULL;
}

/* The group of @dev in this context, opened and in a container of
 * @space. */
static VFIOGroup *legacy_get_group(VFIOAddressSpace *space, VFIODevice *dev,
                                   GError **errp)
{
    VFIOLegacyContainer *c = NULL;
    VFIOGroup *group;
    int groupid;

    if (!device_iommu_group(dev, &groupid, errp)) {
        return NULL;
    }
    group = legacy_find_group(dev->ctx, groupid);
    if (group) {
        if (group->container->parent.space != space) {
            error_setg(errp, VFIO_ERROR, EBUSY, "%s: group %d is already "
                       "used in another address space", dev->name, groupid);
            return NULL;
        }
        return group;
    }
    group = group_open(dev, groupid, errp);
    if (!group) {
        return NULL;
    }
    if (!dev->separate_container) {
        c = legacy_join_existing(space, group, dev);
    }
    if (c) {
        group->container = c;
        c->groups = g_list_append(c->groups, group);
    } else if (!legacy_create(space, group, dev, errp)) {
        group_free(group);
        return NULL;
    }
    return group;
}

/* Close @group if no device uses it; the container goes with its last
 * group (after leaving the address space: nothing of it stays mapped). */
static void legacy_put_group(VFIOGroup *group, VFIODevice *dev)
{
    VFIOLegacyContainer *c = group->container;

    if (group->devices) {
        return;
    }
    if (!c->groups->next) {
        vfio_address_space_remove_container(&c->parent);
    }
    group_unset_container(group, dev);
    c->groups = g_list_remove(c->groups, group);
    group_free(group);
    if (!c->groups) {
        close(c->fd);
        c->fd = -1;
        g_object_unref(c);
    } else {
        vfio_container_refresh_iova_ranges(&c->parent);
    }
}

static VFIOContainer *legacy_attach_device(VFIOContainerClass *klass,
                                           VFIOAddressSpace *space,
                                           VFIODevice *dev, GError **errp)
{
    VFIOGroup *group;
    int fd;

    if (dev->fd >= 0) {
        error_setg(errp, VFIO_ERROR, EINVAL, "%s: a device fd needs an "
                   "iommufd object (the legacy backend opens the group)",
                   dev->name);
        return NULL;
    }
    group = legacy_get_group(space, dev, errp);
    if (!group) {
        return NULL;
    }
    fd = group_get_device_fd(group, dev, errp);
    if (fd < 0) {
        legacy_put_group(group, dev);
        return NULL;
    }
    dev->fd = fd;
    dev->fd_owned = true;
    dev->group = group;
    dev->container = &group->container->parent;
    group->devices = g_list_append(group->devices, dev);
    dev->container->devices = g_list_append(dev->container->devices, dev);
    trace_vfio_legacy_attach(dev->name, group->groupid, dev->container->id);
    return dev->container;
}

static void legacy_detach_device(VFIOContainer *base, VFIODevice *dev)
{
    VFIOGroup *group = dev->group;

    trace_vfio_legacy_detach(dev->name, group->groupid, base->id);
    /* Device fds first: UNSET_CONTAINER is EBUSY while one is open. */
    if (dev->fd >= 0 && dev->fd_owned) {
        close(dev->fd);
    }
    dev->fd = -1;
    group->devices = g_list_remove(group->devices, dev);
    base->devices = g_list_remove(base->devices, dev);
    dev->container = NULL;
    dev->group = NULL;
    legacy_put_group(group, dev);
}

/* ---- the class ---------------------------------------------------------- */

static void vfio_legacy_container_finalize(GObject *obj)
{
    VFIOLegacyContainer *c = LEGACY(obj);

    if (c->fd >= 0) {
        close(c->fd);
    }
    G_OBJECT_CLASS(vfio_legacy_container_parent_class)->finalize(obj);
}

static void vfio_legacy_container_class_init(VFIOLegacyContainerClass *klass)
{
    VFIOContainerClass *vc = VFIO_CONTAINER_CLASS(klass);

    G_OBJECT_CLASS(klass)->finalize = vfio_legacy_container_finalize;
    vc->backend_name = "legacy";
    vc->map_origin = VFIO_MAPPING_MAP_DMA;
    vc->attach_device = legacy_attach_device;
    vc->detach_device = legacy_detach_device;
    vc->dma_map = legacy_map_dma;
    vc->dma_unmap = legacy_dma_unmap;
    vc->get_iova_ranges = legacy_get_iova_ranges;
    vc->set_dirty_tracking = legacy_set_dirty_tracking;
    vc->query_dirty_bitmap = legacy_query_dirty_bitmap;
    vc->describe = legacy_describe;
    vc->describe_device = legacy_describe_device;
}

static void vfio_legacy_container_init(VFIOLegacyContainer *c)
{
    c->fd = -1;
}

int vfio_legacy_container_iommu_type(VFIOLegacyContainer *c)
{
    return c->iommu_type;
}

guint vfio_legacy_container_group_count(VFIOLegacyContainer *c)
{
    return g_list_length(c->groups);
}
