/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-pci: the QOM device that assigns a host PCI device to the machine.
 *
 * `-device vfio-pci,host=BDF|sysfsdev=PATH[,iommufd=ID][,fd=N|NAME]
 * [,x-separate-ioas=on][,x-no-mmap=on]`.  Realize attaches a VFIODevice
 * (hw/vfio/vfio-device.h) to the machine's VFIOContext for DMA in the
 * system address space, resets the device if it can, enables memory
 * space and bus mastering, places its memory BARs in the machine's PCI
 * MMIO window (ram_device regions over mmaps, or MMIO regions forwarding
 * to pread/pwrite) and enables MSI vector 0 on an eventfd whose events
 * become qtest "IRQ raise/lower N" lines and VFIO_MSI QMP events.
 * Unrealize (device_del) undoes all of it.  See docs/command-line.md.
 */
#ifndef HW_VFIO_VFIO_PCI_H
#define HW_VFIO_VFIO_PCI_H

#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/vfio/vfio-context.h"
#include "qom/qdev.h"
#include "qom/type-table.h"
#include "util/range.h"

#define TYPE_VFIO_PCI (vfio_pci_get_type())
#define TYPE_VFIO_PCI_NAME "vfio-pci"
G_DECLARE_FINAL_TYPE(VFIOPCIDevice, vfio_pci, VFIO, PCI, DeviceState)

/* The first IRQ line given to a device (lines below are left free) */
#define VFIO_PCI_FIRST_IRQ 16
/* The last IRQ line (qtest's limit) */
#define VFIO_PCI_LAST_IRQ 255
/* The first PCI slot given to a device (slot 0: the host bridge) */
#define VFIO_PCI_FIRST_SLOT 1
/* PCI slots on bus 0 */
#define VFIO_PCI_SLOTS 32

/** vfio_pci_register_types() - add vfio-pci to a type table */
void vfio_pci_register_types(TypeTable *tt);

/**
 * vfio_pci_query() - one device as an element of query-pci's "devices"
 * @self: a realized device
 *
 * Return: a new object (see docs/qmp.md); free with json_object_unref().
 */
JsonObject *vfio_pci_query(VFIOPCIDevice *self);

/** vfio_pci_get_slot() - Return: the PCI slot on bus 0 (realized) */
int vfio_pci_get_slot(VFIOPCIDevice *self);

/**
 * vfio_pci_report_map_failure() - the machine's VFIOContext error hook
 * @ctx: the context
 * @c: the container that failed (marked broken by the layer)
 * @err: what failed
 * @opaque: the Machine
 *
 * Marks every vfio-pci device of @c failed and sends VFIO_MAP_FAILED
 * {container, devices, error}.  The process keeps running.
 */
void vfio_pci_report_map_failure(VFIOContext *ctx, VFIOContainer *c,
                                 const GError *err, gpointer opaque);

/**
 * vfio_pci_place_bar() - choose a BAR's guest-physical address
 * @window: the PCI MMIO window
 * @used: ranges already taken, in any order
 * @n_used: how many
 * @size: the BAR size, a power of two (at least 4 KiB)
 * @out: the address on success: the lowest one aligned to @size (natural
 *       alignment) inside @window that overlaps none of @used
 *
 * Return: false when no such address exists.
 */
bool vfio_pci_place_bar(const Range *window, const Range *used,
                        size_t n_used, uint64_t size, uint64_t *out);

#endif /* HW_VFIO_VFIO_PCI_H */
