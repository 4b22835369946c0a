/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qvirtio.h: a minimal virtio 1.x driver for modern virtio-pci devices of
 * a QEMU process under qtest (VhtProc): the tests play the guest's driver
 * for virtio-mem (plug/unplug requests) and virtio-iommu (attach/map).
 *
 * What it does is what a guest driver does, nothing more: find the vendor
 * capabilities (common, notify, ISR, device configuration) in PCI
 * configuration space, place the BAR that holds them, reset the device,
 * negotiate features, lay out split virtqueues in guest RAM, and run one
 * request at a time (an out buffer and an in buffer), polling the used
 * ring.  No interrupts: QEMU handles a notification in its main loop (an
 * ioeventfd or the MMIO write itself), which runs while the test waits.
 */
#ifndef VFIO_TESTS_VM_QVIRTIO_H
#define VFIO_TESTS_VM_QVIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include "libvhtest.h"

#define QVIRTIO_VENDOR 0x1af4
/* modern device ids: 0x1040 + the virtio device id */
#define QVIRTIO_PCI_ID(virtio_id) (0x1040 + (virtio_id))
#define QVIRTIO_ID_IOMMU 23
#define QVIRTIO_ID_MEM 24

#define QVIRTIO_F_VERSION_1 32

/* device status bits */
#define QVIRTIO_S_ACKNOWLEDGE 0x01
#define QVIRTIO_S_DRIVER 0x02
#define QVIRTIO_S_DRIVER_OK 0x04
#define QVIRTIO_S_FEATURES_OK 0x08
#define QVIRTIO_S_NEEDS_RESET 0x40
#define QVIRTIO_S_FAILED 0x80

/* the largest queue the driver sets up (the device may offer more) */
#define QVIRTIO_QUEUE_MAX 16

typedef struct QVirtioDev {
    VhtProc *p;
    int bus, slot;
    uint64_t common;        /* guest-physical address of each structure */
    uint64_t notify;
    uint64_t isr;
    uint64_t device;
    uint32_t notify_mult;   /* notify_off_multiplier */
    uint64_t features;      /* what the driver accepted */
} QVirtioDev;

typedef struct QVirtQueue {
    QVirtioDev *dev;
    uint16_t index;
    uint16_t size;
    uint64_t desc, avail, used;     /* guest-physical addresses */
    uint64_t notify_addr;
    uint16_t avail_idx;             /* next free avail ring slot */
    uint16_t used_idx;              /* used entries consumed so far */
} QVirtQueue;

/**
 * qvirtio_init() - find the virtio device at @bus:@slot.0 (PCI device id
 * @pci_id), place the memory BAR holding its structures at @bar (64-bit
 * BARs are supported; @bar must be aligned to the BAR's size), and enable
 * memory decoding and bus mastering, as firmware would.
 * Return: false, with a TAP note, if anything is missing.
 */
bool qvirtio_init(QVirtioDev *d, VhtProc *p, int bus, int slot,
                  uint16_t pci_id, uint64_t bar);

/**
 * qvirtio_negotiate() - reset the device, set ACKNOWLEDGE and DRIVER,
 * accept VIRTIO_F_VERSION_1 and the bits of @want the device offers, and
 * set FEATURES_OK.
 * Return: whether the device kept FEATURES_OK (TAP note if not); the
 * offered features in @offered (may be NULL).
 */
bool qvirtio_negotiate(QVirtioDev *d, uint64_t want, uint64_t *offered);

/**
 * qvirtio_queue_setup() - lay out split virtqueue @index in guest RAM at
 * @gpa (at most 3 pages: descriptors, avail ring, used ring on the next
 * page boundary) with at most QVIRTIO_QUEUE_MAX entries, and enable it.
 * Return: false (TAP note) if the device has no such queue.
 */
bool qvirtio_queue_setup(QVirtioDev *d, QVirtQueue *q, uint16_t index,
                         uint64_t gpa);

/** qvirtio_driver_ok() - set DRIVER_OK; Return: whether it stuck */
bool qvirtio_driver_ok(QVirtioDev *d);

/** qvirtio_status() - Return: the device status byte */
uint8_t qvirtio_status(QVirtioDev *d);

/** qvirtio_cfg_read() - read @size (1, 2, 4, 8) bytes of device config */
uint64_t qvirtio_cfg_read(QVirtioDev *d, unsigned off, unsigned size);

/**
 * qvirtio_request() - submit a chain of one device-readable buffer
 * (@out_len bytes at guest @out) and one device-writable buffer (@in_len
 * bytes at guest @in), notify, and wait (@timeout_ms at most) until the
 * device returns it on the used ring.
 * Return: whether it came back; the length the device wrote in @written
 * (may be NULL).
 */
bool qvirtio_request(QVirtQueue *q, uint64_t out, uint32_t out_len,
                     uint64_t in, uint32_t in_len, uint32_t *written,
                     int timeout_ms);

#endif /* VFIO_TESTS_VM_QVIRTIO_H */
