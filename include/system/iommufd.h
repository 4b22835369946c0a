/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IOMMUFDBackend: one /dev/iommu file descriptor shared by its users.
 *
 * This is the object behind `-object iommufd,id=ID[,fd=N]`.  It owns no
 * IOAS or HWPT itself: the VFIO iommufd containers allocate those on its
 * fd.  Every kernel call on the fd goes through one small wrapper below,
 * which traces its arguments and result and names the ioctl and its ids
 * in its error (domain IOMMUFD_ERROR, code = the errno).
 *
 * Lifetime of the fd:
 *  - made with iommufd_backend_new(): /dev/iommu is opened by the first
 *    iommufd_backend_connect() and closed when the last user disconnects;
 *  - made with iommufd_backend_new_fd(): the given fd is used as is, is
 *    never closed on disconnect, and is closed on finalize only if the
 *    object was told it owns it.
 * A QOM wrapper resolves `fd=N|NAME` to an int (and whether it owns it),
 * and refuses object-del while iommufd_backend_can_be_deleted() is false.
 * Each user (container) also holds a GObject reference.
 */
#ifndef SYSTEM_IOMMUFD_H
#define SYSTEM_IOMMUFD_H

#include <glib-object.h>
#include <stdbool.h>
#include <stdint.h>

#define IOMMUFD_ERROR iommufd_error_quark()
GQuark iommufd_error_quark(void);

#define IOMMUFD_TYPE_BACKEND (iommufd_backend_get_type())
G_DECLARE_FINAL_TYPE(IOMMUFDBackend, iommufd_backend, IOMMUFD, BACKEND,
                     GObject)

/**
 * iommufd_backend_new() - a backend that opens /dev/iommu when first used
 * @label: a name for messages and queries (copied; may be NULL)
 *
 * Return: a new object; release with g_object_unref().
 */
IOMMUFDBackend *iommufd_backend_new(const char *label);

/**
 * iommufd_backend_new_fd() - a backend on an already open iommufd
 * @label: a name for messages and queries (copied; may be NULL)
 * @fd: an open /dev/iommu file descriptor (checked on first connect)
 * @owned: close @fd when the object is finalized
 *
 * Return: a new object; release with g_object_unref().
 */
IOMMUFDBackend *iommufd_backend_new_fd(const char *label, int fd, bool owned);

/**
 * iommufd_backend_set_dev_path() - open another node than /dev/iommu
 * @be: a backend without a given fd and with no user
 * @path: the node to open on first connect (copied)
 *
 * For tests and unusual systems.
 */
void iommufd_backend_set_dev_path(IOMMUFDBackend *be, const char *path);

/**
 * iommufd_backend_connect() - become a user of the fd
 * @be: the backend
 * @errp: set on failure
 *
 * The first user opens /dev/iommu (or checks the given fd: it must answer
 * IOMMU_OPTION, so a closed fd or any other file is refused).
 *
 * Return: true on success (the users count went up); false with @errp set
 * (ENOENT/EACCES/... from open, EBADF for a closed fd, ENOTTY for a file
 * that is not an iommufd) and nothing changed.
 */
bool iommufd_backend_connect(IOMMUFDBackend *be, GError **errp);

/**
 * iommufd_backend_disconnect() - stop being a user
 * @be: a backend with at least one user
 *
 * The last user's disconnect closes the fd if the backend opened it.
 */
void iommufd_backend_disconnect(IOMMUFDBackend *be);

/** iommufd_backend_users() - Return: the number of connected users */
guint iommufd_backend_users(IOMMUFDBackend *be);

/**
 * iommufd_backend_can_be_deleted() - whether object-del may proceed
 * @be: the backend
 *
 * Return: true when no user is connected.
 */
bool iommufd_backend_can_be_deleted(IOMMUFDBackend *be);

/** iommufd_backend_get_fd() - Return: the fd, or -1 when not open */
int iommufd_backend_get_fd(IOMMUFDBackend *be);

/** iommufd_backend_get_label() - Return: the label (owned by @be) or NULL */
const char *iommufd_backend_get_label(IOMMUFDBackend *be);

/**
 * iommufd_backend_owns_fd() - Return: true if @be closes its fd itself
 * (it opened /dev/iommu, or was given an fd it owns)
 */
bool iommufd_backend_owns_fd(IOMMUFDBackend *be);

/*
 * The wrappers below need a connected backend.  Each issues exactly one
 * ioctl, except iommufd_backend_get_iova_ranges() (the two-pass protocol).
 */

/**
 * iommufd_backend_alloc_ioas() - IOMMU_IOAS_ALLOC
 * @be: the backend
 * @ioas_id: set to the new IOAS id
 * @errp: set on failure
 *
 * Return: true on success.
 */
bool iommufd_backend_alloc_ioas(IOMMUFDBackend *be, uint32_t *ioas_id,
                                GError **errp);

/**
 * iommufd_backend_destroy() - IOMMU_DESTROY of any object
 * @be: the backend
 * @id: the object (IOAS, HWPT...)
 * @errp: set on failure: EBUSY while the object is referenced (an IOAS
 *        with a HWPT, an attached HWPT), ENOENT for an unknown id
 *
 * Return: true on success.
 */
bool iommufd_backend_destroy(IOMMUFDBackend *be, uint32_t id, GError **errp);

/**
 * iommufd_backend_map_dma() - IOMMU_IOAS_MAP at a fixed IOVA
 * @be: the backend
 * @ioas_id: the IOAS
 * @iova: first IOVA
 * @size: bytes (a multiple of the IOAS alignment)
 * @vaddr: host address of the first byte
 * @readonly: map for device reads only
 * @errp: set on failure (EEXIST overlap, EINVAL alignment or reserved
 *        range, EFAULT bad address, ENOMEM over RLIMIT_MEMLOCK...)
 *
 * Return: true on success.
 */
bool iommufd_backend_map_dma(IOMMUFDBackend *be, uint32_t ioas_id,
                             uint64_t iova, uint64_t size, void *vaddr,
                             bool readonly, GError **errp);

/**
 * iommufd_backend_copy_dma() - IOMMU_IOAS_COPY to the same IOVA
 * @be: the backend
 * @src_ioas_id: the IOAS that has [@iova, @iova + @size) mapped
 * @dst_ioas_id: the IOAS to map it into, at the same IOVA
 * @iova: first IOVA
 * @size: bytes
 * @readonly: map for device reads only
 * @errp: set on failure (ENOENT if the source range is not fully mapped,
 *        EEXIST in the destination, EPERM writable copy of a read-only
 *        source...)
 *
 * The copy shares the source's pinned pages: no second pin, no second
 * memlock charge, and it stays valid after the source is unmapped.
 *
 * Return: true on success.
 */
bool iommufd_backend_copy_dma(IOMMUFDBackend *be, uint32_t src_ioas_id,
                              uint32_t dst_ioas_id, uint64_t iova,
                              uint64_t size, bool readonly, GError **errp);

/**
 * iommufd_backend_unmap_dma() - IOMMU_IOAS_UNMAP
 * @be: the backend
 * @ioas_id: the IOAS
 * @iova: first IOVA
 * @size: bytes (UINT64_MAX with @iova 0: everything)
 * @unmapped: if not NULL, set to the bytes actually unmapped
 * @errp: set on failure
 *
 * Nothing mapped in the range is success with *@unmapped = 0 (see the
 * comment in the implementation).
 *
 * Return: true on success.
 */
bool iommufd_backend_unmap_dma(IOMMUFDBackend *be, uint32_t ioas_id,
                               uint64_t iova, uint64_t size,
                               uint64_t *unmapped, GError **errp);

/**
 * struct IOMMUFDIovaRange - one usable IOVA interval (last inclusive)
 * @start: first IOVA
 * @last: last IOVA
 */
typedef struct IOMMUFDIovaRange {
    uint64_t start;
    uint64_t last;
} IOMMUFDIovaRange;

/**
 * iommufd_backend_get_iova_ranges() - IOMMU_IOAS_IOVA_RANGES, two passes
 * @be: the backend
 * @ioas_id: the IOAS
 * @ranges: set to a new array of IOMMUFDIovaRange, ascending (free with
 *          g_array_unref())
 * @alignment: if not NULL, set to the IOAS's IOVA alignment
 * @calls: if not NULL, set to the number of ioctls issued
 * @errp: set on failure
 *
 * A call with room for a few ranges usually gets them all at once; when
 * the kernel answers EMSGSIZE with the real count, a second call with
 * that much room reads them (and again if the count grew meanwhile).
 *
 * Return: true on success.
 */
bool iommufd_backend_get_iova_ranges(IOMMUFDBackend *be, uint32_t ioas_id,
                                     GArray **ranges, uint64_t *alignment,
                                     guint *calls, GError **errp);

/**
 * iommufd_backend_get_option() - IOMMU_OPTION GET
 * @be: the backend
 * @option: IOMMU_OPTION_RLIMIT_MODE (object 0) or IOMMU_OPTION_HUGE_PAGES
 *          (object = an IOAS id)
 * @object_id: the object, or 0 for a global option
 * @val: set to the value
 * @errp: set on failure
 *
 * Return: true on success.
 */
bool iommufd_backend_get_option(IOMMUFDBackend *be, uint32_t option,
                                uint32_t object_id, uint64_t *val,
                                GError **errp);

/**
 * iommufd_backend_set_option() - IOMMU_OPTION SET
 * @be: the backend
 * @option: as for iommufd_backend_get_option()
 * @object_id: the object, or 0 for a global option
 * @val: the new value
 * @errp: set on failure (RLIMIT_MODE: EPERM without CAP_SYS_RESOURCE,
 *        EBUSY once the fd holds any object)
 *
 * Return: true on success.
 */
bool iommufd_backend_set_option(IOMMUFDBackend *be, uint32_t option,
                                uint32_t object_id, uint64_t val,
                                GError **errp);

/**
 * iommufd_backend_get_hw_info() - IOMMU_GET_HW_INFO
 * @be: the backend
 * @dev_id: a bound device
 * @type: set to the data type (IOMMU_HW_INFO_TYPE_*)
 * @data: buffer for the driver data (may be NULL with @data_len 0)
 * @data_len: in: the buffer size; out: the driver's real length
 * @caps: set to out_capabilities (IOMMU_HW_CAP_*)
 * @errp: set on failure
 *
 * Return: true on success.
 */
bool iommufd_backend_get_hw_info(IOMMUFDBackend *be, uint32_t dev_id,
                                 uint32_t *type, void *data,
                                 uint32_t *data_len, uint64_t *caps,
                                 GError **errp);

/**
 * iommufd_backend_alloc_hwpt() - IOMMU_HWPT_ALLOC
 * @be: the backend
 * @dev_id: the device the page table is for
 * @pt_id: an IOAS (for a paging HWPT) or a parent HWPT (nested)
 * @flags: IOMMU_HWPT_ALLOC_*
 * @data_type: IOMMU_HWPT_DATA_* (NONE with @data_len 0)
 * @data_len: bytes at @data
 * @data: driver data or NULL
 * @hwpt_id: set to the new HWPT id
 * @errp: set on failure (EOPNOTSUPP: a flag the device cannot do)
 *
 * Return: true on success.
 */
bool iommufd_backend_alloc_hwpt(IOMMUFDBackend *be, uint32_t dev_id,
                                uint32_t pt_id, uint32_t flags,
                                uint32_t data_type, uint32_t data_len,
                                void *data, uint32_t *hwpt_id, GError **errp);

/**
 * iommufd_backend_set_dirty_tracking() - IOMMU_HWPT_SET_DIRTY_TRACKING
 * @be: the backend
 * @hwpt_id: a HWPT allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING
 * @start: true to enable (clears the dirty bits), false to disable
 * @errp: set on failure (EOPNOTSUPP for a HWPT without dirty tracking)
 *
 * Return: true on success.
 */
bool iommufd_backend_set_dirty_tracking(IOMMUFDBackend *be, uint32_t hwpt_id,
                                        bool start, GError **errp);

/**
 * iommufd_backend_get_dirty_bitmap() - IOMMU_HWPT_GET_DIRTY_BITMAP
 * @be: the backend
 * @hwpt_id: the HWPT
 * @iova: first IOVA (aligned to @page_size)
 * @size: bytes (a multiple of @page_size)
 * @page_size: the granularity of one bit
 * @bitmap: ceil(size / page_size / 64) zeroed u64 words; bits are only set
 * @errp: set on failure
 *
 * Return: true on success.
 */
bool iommufd_backend_get_dirty_bitmap(IOMMUFDBackend *be, uint32_t hwpt_id,
                                      uint64_t iova, uint64_t size,
                                      uint64_t page_size, uint64_t *bitmap,
                                      GError **errp);

#endif /* SYSTEM_IOMMUFD_H */
