/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VFIODevice: one assigned device, opened through a legacy group or its
 * VFIO cdev, with its regions, config space, BAR mappings, reset and MSI.
 *
 * The vfio-pci QOM device wraps one: its properties fill a
 * VFIODeviceConfig, realize calls vfio_device_attach(), the BARs become
 * ram_device regions over vfio_device_region_mmap() (or MMIO regions over
 * vfio_device_region_read/write()), and unrealize calls
 * vfio_device_detach().
 */
#ifndef HW_VFIO_VFIO_DEVICE_H
#define HW_VFIO_VFIO_DEVICE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "exec/memory.h"
#include "hw/vfio/vfio-common.h"
#include "system/iommufd.h"

/**
 * struct VFIODeviceConfig - what to attach, and how
 * @host: PCI address "DDDD:BB:DD.F" (looked up under
 *        <sysfs>/bus/pci/devices/), or NULL
 * @sysfsdev: sysfs directory of the device, or NULL; one of @host and
 *            @sysfsdev is needed unless @fd is given
 * @iommufd: attach through this iommufd object (VFIO cdev); NULL: through
 *           the legacy group and a type1 container
 * @fd: an open VFIO device cdev (iommufd only; libvirt's fd passing), or
 *      -1 to open it from sysfs.  The device owns it once attached; if the
 *      attach fails the caller still owns it
 * @separate_container: do not share: a container (iommufd: an IOAS) of its
 *      own, filled by COPY when another container on the same iommufd
 *      object exists (what `x-separate-ioas=on` sets)
 */
typedef struct VFIODeviceConfig {
    const char *host;
    const char *sysfsdev;
    IOMMUFDBackend *iommufd;
    int fd;
    bool separate_container;
} VFIODeviceConfig;

/* A config with no fd; fill in the rest. */
#define VFIO_DEVICE_CONFIG_INIT { .fd = -1 }

/**
 * struct VFIORegionInfo - one region of the device fd
 * @index: the region index (VFIO_PCI_*_REGION_INDEX for PCI)
 * @flags: VFIO_REGION_INFO_FLAG_*
 * @size: bytes (0: the region does not exist, e.g. an unused BAR)
 * @offset: where it is in the device fd (for pread/pwrite/mmap)
 * @sparse: Range (relative to the region) of the parts that may be
 *          mmap'ed, or NULL when the whole region may be (if MMAP is set)
 * @type: VFIO_REGION_INFO_CAP_TYPE type, or 0
 * @subtype: its subtype, or 0
 */
typedef struct VFIORegionInfo {
    uint32_t index;
    uint32_t flags;
    uint64_t size;
    uint64_t offset;
    GArray *sparse;
    uint32_t type;
    uint32_t subtype;
} VFIORegionInfo;

/**
 * struct VFIODevice - an attached device
 * @ctx: the context
 * @name: the PCI address, or "fd:N" for a passed fd without host/sysfsdev
 * @sysfsdev: its sysfs directory, or NULL
 * @fd: the device fd (legacy: from the group; iommufd: the cdev)
 * @fd_owned: @fd is closed on detach
 * @container: the container it is attached to
 * @counters: group and device ioctls issued for it
 * @flags: VFIO_DEVICE_FLAGS_* from DEVICE_GET_INFO
 * @num_regions: from DEVICE_GET_INFO
 * @num_irqs: from DEVICE_GET_INFO
 * @msi_enabled: an MSI eventfd is set
 * @iommufd: from the config (a reference), or NULL for legacy
 * @separate_container: from the config
 * @group: legacy backend state: the group (opaque)
 * @devid: iommufd backend state: the DEVICE object id
 * @hwpt_id: iommufd backend state: the HWPT it is attached to
 * @regions: private: VFIORegionInfo * by index, read on first use
 * @mmaps: private: BAR mappings made by vfio_device_region_mmap()
 */
struct VFIODevice {
    VFIOContext *ctx;
    char *name;
    char *sysfsdev;
    int fd;
    bool fd_owned;
    VFIOContainer *container;
    VFIOIoctlCounters counters;
    uint32_t flags;
    uint32_t num_regions;
    uint32_t num_irqs;
    bool msi_enabled;
    IOMMUFDBackend *iommufd;
    bool separate_container;
    struct VFIOGroup *group;
    uint32_t devid;
    uint32_t hwpt_id;
    GPtrArray *regions;
    GArray *mmaps;
};

/**
 * vfio_device_attach() - open and attach a device for DMA in @as
 * @ctx: the context
 * @as: the guest address space the device does DMA in (IOVA = address)
 * @cfg: what and how
 * @errp: set on failure (ENOENT no such device, ENODEV no IOMMU group or
 *        no cdev, EBUSY group or device in use, ...); nothing is leaked
 *
 * Attaches through the iommufd backend if @cfg->iommufd is set, else
 * through the legacy one; maps the current memory into a new container,
 * or shares an existing one; reads the device info.
 *
 * Return: the device; detach with vfio_device_detach().  NULL on failure.
 */
VFIODevice *vfio_device_attach(VFIOContext *ctx, AddressSpace *as,
                               const VFIODeviceConfig *cfg, GError **errp);

/**
 * vfio_device_detach() - undo vfio_device_attach() and free @dev
 * @dev: the device (NULL is a no-op)
 *
 * Disables MSI, unmaps the BAR mappings (pointers from
 * vfio_device_region_mmap() become invalid: remove their memory regions
 * first), leaves the container (the container leaves its address space
 * when this was its last device) and closes the fd if owned.
 */
void vfio_device_detach(VFIODevice *dev);

/**
 * vfio_device_get_region_info() - DEVICE_GET_REGION_INFO with caps
 * @dev: the device
 * @index: the region
 * @info: filled; release with vfio_region_info_clear()
 * @errp: set on failure
 *
 * Return: true on success.
 */
bool vfio_device_get_region_info(VFIODevice *dev, uint32_t index,
                                 VFIORegionInfo *info, GError **errp);

/** vfio_region_info_clear() - free what @info holds */
void vfio_region_info_clear(VFIORegionInfo *info);

/**
 * vfio_device_region_mmap() - map a region (a BAR) into the process
 * @dev: the device
 * @index: the region; it must have VFIO_REGION_INFO_FLAG_MMAP
 * @size: set to the region size
 * @errp: set on failure (EINVAL: not mmap-able)
 *
 * With a sparse-mmap capability only its areas are mapped; the rest of
 * the returned span is inaccessible.  The mapping is the host memory of a
 * ram_device MemoryRegion; it lives until vfio_device_region_munmap() or
 * vfio_device_detach().
 *
 * Return: the address, or NULL with @errp set.
 */
void *vfio_device_region_mmap(VFIODevice *dev, uint32_t index,
                              uint64_t *size, GError **errp);

/**
 * vfio_device_region_munmap() - undo vfio_device_region_mmap()
 * @dev: the device
 * @ptr: an address it returned
 */
void vfio_device_region_munmap(VFIODevice *dev, void *ptr);

/**
 * vfio_device_region_read() - pread from a region
 * @dev: the device
 * @index: the region
 * @offset: offset in the region
 * @buf: @len bytes to fill
 * @len: bytes
 * @errp: set on failure (a short read is EIO)
 *
 * Return: true on success.
 */
bool vfio_device_region_read(VFIODevice *dev, uint32_t index,
                             uint64_t offset, void *buf, size_t len,
                             GError **errp);

/** vfio_device_region_write() - pwrite to a region; as the read */
bool vfio_device_region_write(VFIODevice *dev, uint32_t index,
                              uint64_t offset, const void *buf, size_t len,
                              GError **errp);

/** vfio_device_config_read() - read PCI config space (region 7) */
bool vfio_device_config_read(VFIODevice *dev, uint64_t offset, void *buf,
                             size_t len, GError **errp);

/** vfio_device_config_write() - write PCI config space (region 7) */
bool vfio_device_config_write(VFIODevice *dev, uint64_t offset,
                              const void *buf, size_t len, GError **errp);

/**
 * vfio_device_enable_bus_master() - set MEMORY and BUS MASTER in the PCI
 * command register (a device does no DMA without them)
 * @dev: the device
 * @errp: set on failure, or if the bits do not stick
 *
 * Return: true on success.
 */
bool vfio_device_enable_bus_master(VFIODevice *dev, GError **errp);

/** vfio_device_can_reset() - Return: true if DEVICE_RESET is supported */
bool vfio_device_can_reset(VFIODevice *dev);

/**
 * vfio_device_reset() - VFIO_DEVICE_RESET
 * @dev: the device
 * @errp: set on failure (EOPNOTSUPP if the device cannot reset)
 *
 * Return: true on success.
 */
bool vfio_device_reset(VFIODevice *dev, GError **errp);

/**
 * vfio_device_get_irq_info() - DEVICE_GET_IRQ_INFO
 * @dev: the device
 * @index: VFIO_PCI_*_IRQ_INDEX
 * @count: set to the number of vectors
 * @flags: set to VFIO_IRQ_INFO_*
 * @errp: set on failure
 *
 * Return: true on success.
 */
bool vfio_device_get_irq_info(VFIODevice *dev, uint32_t index,
                              uint32_t *count, uint32_t *flags, GError **errp);

/**
 * vfio_device_msi_enable() - signal MSI vector 0 on @eventfd
 * @dev: the device
 * @eventfd: an eventfd (borrowed; the kernel takes its own reference)
 * @errp: set on failure
 *
 * Return: true on success.
 */
bool vfio_device_msi_enable(VFIODevice *dev, int eventfd, GError **errp);

/**
 * vfio_device_msi_disable() - stop MSI
 * @dev: the device
 * @errp: set on failure
 *
 * Return: true on success (also when MSI was off).
 */
bool vfio_device_msi_disable(VFIODevice *dev, GError **errp);

#endif /* HW_VFIO_VFIO_DEVICE_H */
