/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VFIOContainer: the abstract base, its thin op wrappers and the mapping
 * records.
 */
#include <errno.h>
#include <unistd.h>

#include "hw/vfio/vfio-container.h"
#include "util/error.h"
#include "vfio-internal.h"
#include "trace-vfio.h"

G_DEFINE_ABSTRACT_TYPE(VFIOContainer, vfio_container, G_TYPE_OBJECT)

const char *vfio_ioctl_name(VFIOIoctl kind)
{
    static const char *const names[VFIO_IOCTL__COUNT] = {
        [VFIO_IOCTL_GET_API_VERSION] = "VFIO_GET_API_VERSION",
        [VFIO_IOCTL_CHECK_EXTENSION] = "VFIO_CHECK_EXTENSION",
        [VFIO_IOCTL_SET_IOMMU] = "VFIO_SET_IOMMU",
        [VFIO_IOCTL_IOMMU_GET_INFO] = "VFIO_IOMMU_GET_INFO",
        [VFIO_IOCTL_MAP_DMA] = "VFIO_IOMMU_MAP_DMA",
        [VFIO_IOCTL_UNMAP_DMA] = "VFIO_IOMMU_UNMAP_DMA",
        [VFIO_IOCTL_DIRTY_PAGES] = "VFIO_IOMMU_DIRTY_PAGES",
        [VFIO_IOCTL_IOAS_ALLOC] = "IOMMU_IOAS_ALLOC",
        [VFIO_IOCTL_IOAS_MAP] = "IOMMU_IOAS_MAP",
        [VFIO_IOCTL_IOAS_COPY] = "IOMMU_IOAS_COPY",
        [VFIO_IOCTL_IOAS_UNMAP] = "IOMMU_IOAS_UNMAP",
        [VFIO_IOCTL_IOAS_IOVA_RANGES] = "IOMMU_IOAS_IOVA_RANGES",
        [VFIO_IOCTL_HWPT_ALLOC] = "IOMMU_HWPT_ALLOC",
        [VFIO_IOCTL_HWPT_SET_DIRTY_TRACKING] = "IOMMU_HWPT_SET_DIRTY_TRACKING",
        [VFIO_IOCTL_HWPT_GET_DIRTY_BITMAP] = "IOMMU_HWPT_GET_DIRTY_BITMAP",
        [VFIO_IOCTL_DESTROY] = "IOMMU_DESTROY",
        [VFIO_IOCTL_GROUP_GET_STATUS] = "VFIO_GROUP_GET_STATUS",
        [VFIO_IOCTL_GROUP_SET_CONTAINER] = "VFIO_GROUP_SET_CONTAINER",
        [VFIO_IOCTL_GROUP_UNSET_CONTAINER] = "VFIO_GROUP_UNSET_CONTAINER",
        [VFIO_IOCTL_GROUP_GET_DEVICE_FD] = "VFIO_GROUP_GET_DEVICE_FD",
        [VFIO_IOCTL_BIND_IOMMUFD] = "VFIO_DEVICE_BIND_IOMMUFD",
        [VFIO_IOCTL_ATTACH_IOMMUFD_PT] = "VFIO_DEVICE_ATTACH_IOMMUFD_PT",
        [VFIO_IOCTL_DETACH_IOMMUFD_PT] = "VFIO_DEVICE_DETACH_IOMMUFD_PT",
        [VFIO_IOCTL_GET_HW_INFO] = "IOMMU_GET_HW_INFO",
        [VFIO_IOCTL_DEVICE_GET_INFO] = "VFIO_DEVICE_GET_INFO",
        [VFIO_IOCTL_DEVICE_GET_REGION_INFO] = "VFIO_DEVICE_GET_REGION_INFO",
        [VFIO_IOCTL_DEVICE_GET_IRQ_INFO] = "VFIO_DEVICE_GET_IRQ_INFO",
        [VFIO_IOCTL_DEVICE_SET_IRQS] = "VFIO_DEVICE_SET_IRQS",
        [VFIO_IOCTL_DEVICE_RESET] = "VFIO_DEVICE_RESET",
    };

    g_assert(kind < VFIO_IOCTL__COUNT && names[kind]);
    return names[kind];
}

guint64 vfio_ioctl_total(const VFIOIoctlCounters *c)
{
    guint64 total = 0;

    for (guint i = 0; i < VFIO_IOCTL__COUNT; i++) {
        total += c->n[i];
    }
    return total;
}

const char *vfio_mapping_origin_name(VFIOMappingOrigin origin)
{
    switch (origin) {
    case VFIO_MAPPING_MAP:
        return "map";
    case VFIO_MAPPING_COPY:
        return "copy";
    case VFIO_MAPPING_MAP_DMA:
        return "map_dma";
    }
    g_assert_not_reached();
}

/* ---- the object --------------------------------------------------------- */

static void vfio_container_finalize(GObject *obj)
{
    VFIOContainer *c = VFIO_CONTAINER(obj);

    g_warn_if_fail(c->space == NULL && c->devices == NULL);
    trace_vfio_container_finalize(c->id);
    g_array_unref(c->mappings);
    interval_set_free(c->iova_ranges);
    g_free(c->broken_reason);
    g_clear_error(&c->join_error);
    G_OBJECT_CLASS(vfio_container_parent_class)->finalize(obj);
}

static void vfio_container_class_init(VFIOContainerClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = vfio_container_finalize;
    klass->backend_name = "abstract";
    klass->map_origin = VFIO_MAPPING_MAP;
}

static void vfio_container_init(VFIOContainer *c)
{
    Range all = range_make(0, UINT64_MAX);

    c->mappings = g_array_new(FALSE, FALSE, sizeof(VFIOMapping));
    c->iova_ranges = interval_set_new();
    interval_set_insert(c->iova_ranges, &all);
    c->pgsizes = 4096;
}

void vfio_container_setup(VFIOContainer *c, VFIOContext *ctx)
{
    c->ctx = ctx;
    c->id = vfio_context_new_container_id(ctx);
    trace_vfio_container_setup(c->id,
                               VFIO_CONTAINER_GET_CLASS(c)->backend_name);
}

const char *vfio_container_backend_name(VFIOContainer *c)
{
    return VFIO_CONTAINER_GET_CLASS(c)->backend_name;
}

/* ---- op wrappers: assert the mandatory, default the optional ------------ */

VFIOContainer *vfio_container_attach_device(GType type,
                                            VFIOAddressSpace *space,
                                            VFIODevice *dev, GError **errp)
{
    g_autoptr(GTypeClass) klass = g_type_class_ref(type);
    VFIOContainerClass *vc = VFIO_CONTAINER_CLASS(klass);

    g_assert(vc->attach_device);
    return vc->attach_device(vc, space, dev, errp);
}

void vfio_container_detach_device(VFIOContainer *c, VFIODevice *dev)
{
    VFIOContainerClass *vc = VFIO_CONTAINER_GET_CLASS(c);

    g_assert(vc->detach_device);
    vc->detach_device(c, dev);
}

bool vfio_container_dma_map(VFIOContainer *c, const Range *iova, void *vaddr,
                            bool readonly, GError **errp)
{
    VFIOContainerClass *vc = VFIO_CONTAINER_GET_CLASS(c);
    bool ok;

    g_assert(vc->dma_map);
    ok = vc->dma_map(c, iova, vaddr, readonly, errp);
    trace_vfio_container_dma_map(c->id, iova->start, iova->last,
                                 (uintptr_t)vaddr, readonly, ok);
    return ok;
}

gconstpointer vfio_container_copy_domain(VFIOContainer *c)
{
    VFIOContainerClass *vc = VFIO_CONTAINER_GET_CLASS(c);

    return vc->copy_domain ? vc->copy_domain(c) : NULL;
}

bool vfio_container_dma_copy(VFIOContainer *dst, VFIOContainer *src,
                             const Range *iova, bool readonly, GError **errp)
{
    VFIOContainerClass *vc = VFIO_CONTAINER_GET_CLASS(dst);
    bool ok;

    if (!vc->dma_copy) {
        error_setg(errp, VFIO_ERROR, EOPNOTSUPP,
                   "%s containers cannot copy mappings", vc->backend_name);
        return false;
    }
    ok = vc->dma_copy(dst, src, iova, readonly, errp);
    trace_vfio_container_dma_copy(src->id, dst->id, iova->start, iova->last,
                                  readonly, ok);
    return ok;
}

bool vfio_container_dma_unmap(VFIOContainer *c, const Range *iova,
                              GError **errp)
{
    VFIOContainerClass *vc = VFIO_CONTAINER_GET_CLASS(c);
    bool ok;

    g_assert(vc->dma_unmap);
    ok = vc->dma_unmap(c, iova, errp);
    trace_vfio_container_dma_unmap(c->id, iova->start, iova->last, ok);
    return ok;
}

bool vfio_container_get_iova_ranges(VFIOContainer *c, GError **errp)
{
    VFIOContainerClass *vc = VFIO_CONTAINER_GET_CLASS(c);

    g_assert(vc->get_iova_ranges);
    return vc->get_iova_ranges(c, errp);
}

void vfio_container_refresh_iova_ranges(VFIOContainer *c)
{
    g_autoptr(GError) err = NULL;

    if (!vfio_container_get_iova_ranges(c, &err)) {
        warn_report("%s", err->message);
    }
}

bool vfio_container_set_dirty_tracking(VFIOContainer *c, bool start,
                                       GError **errp)
{
    VFIOContainerClass *vc = VFIO_CONTAINER_GET_CLASS(c);
    bool ok;

    if (!vc->set_dirty_tracking) {
        error_setg(errp, VFIO_ERROR, EOPNOTSUPP,
                   "%s container %u has no dirty tracking",
                   vc->backend_name, c->id);
        return false;
    }
    ok = vc->set_dirty_tracking(c, start, errp);
    if (ok) {
        c->dirty_tracking = start;
    }
    trace_vfio_container_set_dirty_tracking(c->id, start, ok);
    return ok;
}

bool vfio_container_query_dirty_bitmap(VFIOContainer *c, const Range *iova,
                                       uint64_t pgsize, uint64_t *bitmap,
                                       GError **errp)
{
    VFIOContainerClass *vc = VFIO_CONTAINER_GET_CLASS(c);

    if (!vc->query_dirty_bitmap) {
        error_setg(errp, VFIO_ERROR, EOPNOTSUPP,
                   "%s container %u has no dirty bitmap",
                   vc->backend_name, c->id);
        return false;
    }
    return vc->query_dirty_bitmap(c, iova, pgsize, bitmap, errp);
}

uint64_t vfio_container_page_size(VFIOContainer *c)
{
    uint64_t host = (uint64_t)sysconf(_SC_PAGESIZE);
    uint64_t iommu = c->pgsizes ? c->pgsizes & -c->pgsizes : host;

    return MAX(host, iommu);
}

void vfio_container_set_iova_ranges(VFIOContainer *c,
                                    const IntervalSet *ranges,
                                    uint64_t pgsizes)
{
    interval_set_free(c->iova_ranges);
    c->iova_ranges = interval_set_copy(ranges);
    if (pgsizes) {
        c->pgsizes = pgsizes;
    }
    trace_vfio_container_iova_ranges(c->id, interval_set_count(ranges),
                                     c->pgsizes);
}

/* ---- mapping records ---------------------------------------------------- */

/* Index of the first mapping whose start is >= @start. */
static guint mapping_lower_bound(GArray *maps, uint64_t start)
{
    guint lo = 0, hi = maps->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;

        if (g_array_index(maps, VFIOMapping, mid).iova.start < start) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

void vfio_container_record_mapping(VFIOContainer *c, const VFIOMapping *m)
{
    guint i = mapping_lower_bound(c->mappings, m->iova.start);

    g_assert(i == c->mappings->len ||
             g_array_index(c->mappings, VFIOMapping, i).iova.start >
             m->iova.last);
    g_assert(i == 0 ||
             g_array_index(c->mappings, VFIOMapping, i - 1).iova.last <
             m->iova.start);
    g_array_insert_val(c->mappings, i, *m);
}

bool vfio_container_forget_mapping(VFIOContainer *c, uint64_t start)
{
    guint i = mapping_lower_bound(c->mappings, start);

    if (i == c->mappings->len ||
        g_array_index(c->mappings, VFIOMapping, i).iova.start != start) {
        return false;
    }
    g_array_remove_index(c->mappings, i);
    return true;
}

const VFIOMapping *vfio_container_find_mapping(VFIOContainer *c,
                                               uint64_t iova)
{
    guint i = mapping_lower_bound(c->mappings, iova);
    const VFIOMapping *m;

    if (i < c->mappings->len &&
        g_array_index(c->mappings, VFIOMapping, i).iova.start == iova) {
        return &g_array_index(c->mappings, VFIOMapping, i);
    }
    if (i == 0) {
        return NULL;
    }
    m = &g_array_index(c->mappings, VFIOMapping, i - 1);
    return range_contains(&m->iova, iova) ? m : NULL;
}

IntervalSet *vfio_container_mapped_in(VFIOContainer *c, const Range *window)
{
    IntervalSet *set = interval_set_new();
    guint i = mapping_lower_bound(c->mappings, window->start);

    /* The mapping before the lower bound may reach into the window. */
    for (i = i ? i - 1 : 0; i < c->mappings->len; i++) {
        const VFIOMapping *m = &g_array_index(c->mappings, VFIOMapping, i);
        Range part;

        if (m->iova.start > window->last) {
            break;
        }
        if (range_intersect(&m->iova, window, &part)) {
            interval_set_insert(set, &part);
        }
    }
    return set;
}
