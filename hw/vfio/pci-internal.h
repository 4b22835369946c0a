/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-pci internals shared by pci.c (the QOM device), pci-bars.c (BARs
 * in the MMIO window), pci-msi.c (MSI and IRQ lines) and pci-query.c.
 */
#ifndef HW_VFIO_PCI_INTERNAL_H
#define HW_VFIO_PCI_INTERNAL_H

#include "exec/memory.h"
#include "hw/vfio/vfio-device.h"
#include "hw/vfio/vfio-pci.h"
#include "monitor/fds.h"
#include "system/iommufd-object.h"
#include "system/machine.h"

#define VFIO_PCI_NUM_BARS 6

/**
 * struct VFIOPCIBar - one BAR as the machine sees it
 * @size: bytes (0: no such BAR, or the upper half of a 64-bit one)
 * @addr: guest-physical address while @mr is mapped
 * @io: an I/O-port BAR (never mapped)
 * @mem64: a 64-bit memory BAR
 * @prefetch: prefetchable
 * @mmap: @mr is a ram_device over an mmap (else MMIO over pread/pwrite)
 * @mr: the region in system memory, or NULL
 * @dev: back pointer for the MMIO callbacks
 * @index: the BAR number (= the VFIO region index)
 */
typedef struct VFIOPCIBar {
    uint64_t size;
    uint64_t addr;
    bool io;
    bool mem64;
    bool prefetch;
    bool mmap;
    MemoryRegion *mr;
    VFIOPCIDevice *dev;
    uint32_t index;
} VFIOPCIBar;

struct _VFIOPCIDevice {
    DeviceState parent;

    /* properties */
    char *host;
    char *sysfsdev;
    IOMMUFDObject *iommufd;
    FdParam fd;
    bool has_fd;
    bool separate_ioas;
    bool no_mmap;

    /* realized state */
    Machine *machine;
    VFIODevice *vdev;
    char *name;                 /* id, or path: for messages and events */
    char *user;                 /* our name among the iommufd's users */
    int slot;
    int irq;
    uint16_t vendor_id;
    uint16_t device_id;
    uint16_t class_code;
    uint16_t subsys_vendor_id;
    uint16_t subsys_id;
    uint8_t irq_pin;
    bool can_reset;
    VFIOPCIBar bars[VFIO_PCI_NUM_BARS];

    /* MSI */
    int msi_fd;
    guint msi_source;
    uint32_t msi_vectors;
    uint64_t msi_count;

    /* runtime failure (VFIO_MAP_FAILED) */
    bool failed;
    char *failure;
};

/* pci-bars.c */

/**
 * vfio_pci_bars_map() - read the BARs and map the memory ones
 * @self: a device with an attached @vdev
 * @errp: set on failure; nothing is left mapped
 *
 * Return: true on success.
 */
bool vfio_pci_bars_map(VFIOPCIDevice *self, GError **errp);

/** vfio_pci_bars_unmap() - remove every BAR region (idempotent) */
void vfio_pci_bars_unmap(VFIOPCIDevice *self);

/* pci-msi.c */

/**
 * vfio_pci_msi_setup() - enable MSI vector 0 on an eventfd, if the device
 * has MSI
 * @self: a device with an attached @vdev and an IRQ line
 * @errp: set on failure; nothing is left behind
 *
 * Return: true on success (also when the device has no MSI).
 */
bool vfio_pci_msi_setup(VFIOPCIDevice *self, GError **errp);

/** vfio_pci_msi_teardown() - undo vfio_pci_msi_setup() (idempotent) */
void vfio_pci_msi_teardown(VFIOPCIDevice *self);

#endif /* HW_VFIO_PCI_INTERNAL_H */
