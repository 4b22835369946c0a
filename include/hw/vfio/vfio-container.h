/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VFIOContainer: the abstract container class; its virtual methods are
 * the backend ops.
 *
 * A container is one IOMMU address space as the kernel sees it: a legacy
 * type1 container (/dev/vfio/vfio plus groups) or an iommufd IOAS.  The
 * listener code (address-space.c) only talks to containers through the
 * vfio_container_*() wrappers below; it never asks which backend it has.
 * Backends are subclasses (container-legacy.c, container-iommufd.c, and
 * the recording fake of the unit tests).
 *
 * Every op returns bool and takes a trailing GError **errp, set on every
 * failure with an errno-valued code (VFIO_ERROR or the backend's domain).
 */
#ifndef HW_VFIO_VFIO_CONTAINER_H
#define HW_VFIO_VFIO_CONTAINER_H

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "hw/vfio/vfio-common.h"
#include "util/interval-set.h"

#define VFIO_TYPE_CONTAINER (vfio_container_get_type())
#define VFIO_CONTAINER(obj) \
    (G_TYPE_CHECK_INSTANCE_CAST((obj), VFIO_TYPE_CONTAINER, VFIOContainer))
#define VFIO_CONTAINER_CLASS(klass) \
    (G_TYPE_CHECK_CLASS_CAST((klass), VFIO_TYPE_CONTAINER, VFIOContainerClass))
#define VFIO_IS_CONTAINER(obj) \
    (G_TYPE_CHECK_INSTANCE_TYPE((obj), VFIO_TYPE_CONTAINER))
#define VFIO_CONTAINER_GET_CLASS(obj) \
    (G_TYPE_INSTANCE_GET_CLASS((obj), VFIO_TYPE_CONTAINER, VFIOContainerClass))

GType vfio_container_get_type(void);

/**
 * struct VFIOContainer - state common to every backend
 * @parent: the GObject
 * @ctx: the context (borrowed; it outlives every container)
 * @id: unique within @ctx, from 1; names the container in queries
 * @space: the address space joined, or NULL before joining
 * @devices: VFIODevice * attached (not owned), in attach order
 * @mappings: VFIOMapping, sorted by IOVA, never overlapping
 * @iova_ranges: IOVAs the container accepts; set by the backend
 * @pgsizes: bitmap of IOMMU page sizes; the lowest bit is the granularity
 * @counters: ioctls issued on this container
 * @broken: a runtime map of RAM failed: some guest RAM is not DMA-able
 * @broken_reason: the first such failure (message), or NULL
 * @dirty_tracking: dirty tracking is on
 * @ram_device_warned: a failed ram_device map was reported already
 * @joining: private to address-space.c: the join replay is running
 * @join_error: private to address-space.c: the replay's first failure
 *
 * Fields are written by the base, the backend and address-space.c as
 * documented; everything else reads them.
 */
struct VFIOContainer {
    GObject parent;
    VFIOContext *ctx;
    guint id;
    VFIOAddressSpace *space;
    GList *devices;
    GArray *mappings;
    IntervalSet *iova_ranges;
    uint64_t pgsizes;
    VFIOIoctlCounters counters;
    bool broken;
    char *broken_reason;
    bool dirty_tracking;
    bool ram_device_warned;
    bool joining;
    GError *join_error;
};

/**
 * struct VFIOContainerClass - the backend ops
 * @parent_class: the GObject class
 * @backend_name: "legacy", "iommufd"...: for queries and messages only
 * @map_origin: what a dma_map of this backend is called in mapping
 *              records (VFIO_MAPPING_MAP or VFIO_MAPPING_MAP_DMA)
 *
 * @attach_device: (mandatory; a class method) connect @dev to a
 *     container of this class in @space: reuse a compatible one or create
 *     one and join @space with it (vfio_address_space_add_container()),
 *     then open the device fd.  On success @dev->container and @dev->fd
 *     are set and @dev is in the container's @devices; on failure
 *     everything done is undone.  Return: the container (borrowed), or
 *     NULL with @errp set.
 * @detach_device: (mandatory) undo @attach_device for @dev: when @dev was
 *     the last device, leave the address space first
 *     (vfio_address_space_remove_container()), then detach, then free the
 *     kernel objects and drop the container's last reference.  Cannot fail:
 *     problems are reported as warnings.
 * @dma_map: (mandatory) map @iova to host memory at @vaddr; @readonly
 *     maps for device reads only.  @iova is aligned to the container's
 *     page size and inside its IOVA ranges.  Return: true on success.
 * @copy_domain: (optional, default: none) a key naming the group of
 *     containers that can share pinned pages with @dma_copy (iommufd: the
 *     IOMMUFDBackend).  Containers with the same non-NULL key copy from
 *     one another.  Return: the key, or NULL if @dma_copy is not possible.
 * @dma_copy: (optional; needed when @copy_domain is set) make @dst map
 *     @iova exactly like @src does, sharing @src's pinned pages (iommufd
 *     IOMMU_IOAS_COPY).  @src has @iova fully mapped.  Return: true on
 *     success; on false the caller falls back to @dma_map.
 * @dma_unmap: (mandatory) unmap exactly @iova, a range earlier mapped by
 *     @dma_map or @dma_copy.  Nothing mapped there is success (backends
 *     normalise their "nothing unmapped" answer); a partial unmap is an
 *     error.  Return: true on success.
 * @get_iova_ranges: (mandatory) re-read from the kernel the IOVA ranges
 *     and page sizes, storing them in @iova_ranges and @pgsizes.  Called
 *     after every attach and detach.  Return: true on success.
 * @set_dirty_tracking: (optional, default: EOPNOTSUPP) start or stop
 *     dirty tracking of everything mapped.  Return: true on success.
 * @query_dirty_bitmap: (optional, default: EOPNOTSUPP) fill @bitmap
 *     (zeroed by the caller; one bit per @pgsize page of @iova, u64 words)
 *     with the pages written since the last query.  Return: true on
 *     success.
 * @describe: (optional) add backend members (ids...) to the container's
 *     JSON object in x-query-vfio; @b is inside that object.
 * @describe_device: (optional) the same for one device of the container.
 */
struct VFIOContainerClass {
    GObjectClass parent_class;
    const char *backend_name;
    VFIOMappingOrigin map_origin;

    VFIOContainer *(*attach_device)(VFIOContainerClass *klass,
                                    VFIOAddressSpace *space, VFIODevice *dev,
                                    GError **errp);
    void (*detach_device)(VFIOContainer *c, VFIODevice *dev);
    bool (*dma_map)(VFIOContainer *c, const Range *iova, void *vaddr,
                    bool readonly, GError **errp);
    gconstpointer (*copy_domain)(VFIOContainer *c);
    bool (*dma_copy)(VFIOContainer *dst, VFIOContainer *src,
                     const Range *iova, bool readonly, GError **errp);
    bool (*dma_unmap)(VFIOContainer *c, const Range *iova, GError **errp);
    bool (*get_iova_ranges)(VFIOContainer *c, GError **errp);
    bool (*set_dirty_tracking)(VFIOContainer *c, bool start, GError **errp);
    bool (*query_dirty_bitmap)(VFIOContainer *c, const Range *iova,
                               uint64_t pgsize, uint64_t *bitmap,
                               GError **errp);
    void (*describe)(VFIOContainer *c, JsonBuilder *b);
    void (*describe_device)(VFIOContainer *c, VFIODevice *dev,
                            JsonBuilder *b);
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VFIOContainer, g_object_unref)

/**
 * vfio_container_setup() - initialise the base of a new container
 * @c: a container just made with g_object_new() by its backend
 * @ctx: the context it belongs to
 *
 * Gives it its id.  Until its backend stores real ones, the container
 * accepts the whole IOVA space with 4 KiB pages.
 */
void vfio_container_setup(VFIOContainer *c, VFIOContext *ctx);

/**
 * vfio_container_attach_device() - attach @dev through backend @type
 * @type: a VFIOContainer subclass
 * @space: the address space the device does DMA in
 * @dev: the device (not attached)
 * @errp: set on failure
 *
 * Return: the container (borrowed), or NULL with @errp set.
 */
VFIOContainer *vfio_container_attach_device(GType type,
                                            VFIOAddressSpace *space,
                                            VFIODevice *dev, GError **errp);

/** vfio_container_detach_device() - the backend's detach_device op */
void vfio_container_detach_device(VFIOContainer *c, VFIODevice *dev);

/** vfio_container_backend_name() - Return: the class's backend_name */
const char *vfio_container_backend_name(VFIOContainer *c);

/** vfio_container_dma_map() - the dma_map op, traced */
bool vfio_container_dma_map(VFIOContainer *c, const Range *iova, void *vaddr,
                            bool readonly, GError **errp);

/** vfio_container_copy_domain() - the copy_domain op, NULL by default */
gconstpointer vfio_container_copy_domain(VFIOContainer *c);

/**
 * vfio_container_dma_copy() - the dma_copy op
 * @dst: the container to fill
 * @src: a container of the same copy domain with @iova mapped
 * @iova: the range
 * @readonly: map for device reads only
 * @errp: set on failure (EOPNOTSUPP when the backend has no dma_copy)
 *
 * Return: true on success.
 */
bool vfio_container_dma_copy(VFIOContainer *dst, VFIOContainer *src,
                             const Range *iova, bool readonly, GError **errp);

/** vfio_container_dma_unmap() - the dma_unmap op */
bool vfio_container_dma_unmap(VFIOContainer *c, const Range *iova,
                              GError **errp);

/** vfio_container_get_iova_ranges() - the get_iova_ranges op */
bool vfio_container_get_iova_ranges(VFIOContainer *c, GError **errp);

/**
 * vfio_container_refresh_iova_ranges() - re-read the IOVA ranges after a
 * device joined or left @c, warning if the kernel refuses
 * @c: the container
 *
 * The membership change has already happened and cannot be undone, so a
 * failure here is a warning and @c keeps the ranges it had.
 */
void vfio_container_refresh_iova_ranges(VFIOContainer *c);

/** vfio_container_set_dirty_tracking() - the set_dirty_tracking op */
bool vfio_container_set_dirty_tracking(VFIOContainer *c, bool start,
                                       GError **errp);

/** vfio_container_query_dirty_bitmap() - the query_dirty_bitmap op */
bool vfio_container_query_dirty_bitmap(VFIOContainer *c, const Range *iova,
                                       uint64_t pgsize, uint64_t *bitmap,
                                       GError **errp);

/**
 * vfio_container_page_size() - the mapping granularity
 * @c: the container
 *
 * Return: the smallest IOMMU page size, and at least the host page size.
 */
uint64_t vfio_container_page_size(VFIOContainer *c);

/**
 * vfio_container_set_iova_ranges() - store what the kernel reported
 * @c: the container
 * @ranges: the valid IOVA ranges (copied)
 * @pgsizes: the IOMMU page sizes bitmap (0: keep the current one)
 */
void vfio_container_set_iova_ranges(VFIOContainer *c,
                                    const IntervalSet *ranges,
                                    uint64_t pgsizes);

/* ---- mapping records (written by address-space.c) ----------------------- */

/**
 * vfio_container_record_mapping() - remember a new mapping
 * @c: the container
 * @m: the mapping (copied); must not overlap an existing one
 */
void vfio_container_record_mapping(VFIOContainer *c, const VFIOMapping *m);

/**
 * vfio_container_forget_mapping() - drop the record starting at @start
 * @c: the container
 * @start: the mapping's first IOVA
 *
 * Return: false if no mapping starts there.
 */
bool vfio_container_forget_mapping(VFIOContainer *c, uint64_t start);

/**
 * vfio_container_find_mapping() - the mapping containing @iova
 * @c: the container
 * @iova: an address
 *
 * Return: the record (valid until the next change), or NULL.
 */
const VFIOMapping *vfio_container_find_mapping(VFIOContainer *c,
                                               uint64_t iova);

/**
 * vfio_container_mapped_in() - what @c maps inside @window
 * @c: the container
 * @window: the IOVA range of interest
 *
 * Return: a new set of the IOVAs of @window that @c maps (adjacent
 * mappings merged); free with interval_set_free().
 */
IntervalSet *vfio_container_mapped_in(VFIOContainer *c, const Range *window);

/** vfio_container_count() - count one ioctl of @kind on @c */
static inline void vfio_container_count(VFIOContainer *c, VFIOIoctl kind)
{
    vfio_ioctl_count(&c->counters, kind);
}

#endif /* HW_VFIO_VFIO_CONTAINER_H */
