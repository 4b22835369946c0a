/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qvirtio.c: a minimal modern virtio-pci driver over qtest (qvirtio.h).
 * The layouts are those of the virtio 1.x specification (PCI transport,
 * split virtqueues); every access is a little-endian guest access.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "qemu-edu.h"
#include "qvirtio.h"

/* PCI configuration space */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_BAR0 0x10
#define PCI_CAP_PTR 0x34
#define PCI_CAP_ID_VNDR 0x09

/* struct virtio_pci_cap and virtio_pci_notify_cap */
#define CAP_NEXT 1
#define CAP_CFG_TYPE 3
#define CAP_BAR 4
#define CAP_OFFSET 8
#define CAP_NOTIFY_MULT 16
#define CFG_COMMON 1
#define CFG_NOTIFY 2
#define CFG_ISR 3
#define CFG_DEVICE 4

/* struct virtio_pci_common_cfg */
#define CC_DFSELECT 0
#define CC_DF 4
#define CC_GFSELECT 8
#define CC_GF 12
#define CC_NUMQ 18
#define CC_STATUS 20
#define CC_CFGGEN 21
#define CC_Q_SELECT 22
#define CC_Q_SIZE 24
#define CC_Q_ENABLE 28
#define CC_Q_NOFF 30
#define CC_Q_DESC 32
#define CC_Q_AVAIL 40
#define CC_Q_USED 48

/* split virtqueue */
#define DESC_SIZE 16
#define DESC_F_NEXT 1
#define DESC_F_WRITE 2
#define PAGE 4096
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((uint64_t)(a) - 1))

#define RESET_TIMEOUT_US (5 * G_USEC_PER_SEC)

static uint32_t cfg_read(QVirtioDev *d, int off, int size)
{
    return qedu_cfg_read(d->p, d->bus, d->slot, off, size);
}

static void cfg_write(QVirtioDev *d, int off, int size, uint32_t val)
{
    qedu_cfg_write(d->p, d->bus, d->slot, off, size, val);
}

/* Size the memory BAR @bar and place it at @addr; Return: its size. */
static uint64_t place_bar(QVirtioDev *d, int bar, uint64_t addr)
{
    int reg = PCI_BAR0 + 4 * bar;
    uint32_t lo = cfg_read(d, reg, 4);
    bool is64 = (lo & 0x6) == 0x4;
    uint64_t mask;

    if (lo & 1) {
        return 0;                       /* an I/O BAR */
    }
    cfg_write(d, reg, 4, 0xffffffffu);
    mask = cfg_read(d, reg, 4) & ~0xfull;
    if (is64) {
        cfg_write(d, reg + 4, 4, 0xffffffffu);
        mask |= (uint64_t)cfg_read(d, reg + 4, 4) << 32;
    } else {
        mask |= 0xffffffff00000000ull;
    }
    cfg_write(d, reg, 4, (uint32_t)addr);
    if (is64) {
        cfg_write(d, reg + 4, 4, addr >> 32);
    }
    return ~mask + 1;
}

bool qvirtio_init(QVirtioDev *d, VhtProc *p, int bus, int slot,
                  uint16_t pci_id, uint64_t bar)
{
    uint64_t *where[] = { [CFG_COMMON] = &d->common,
                          [CFG_NOTIFY] = &d->notify, [CFG_ISR] = &d->isr,
                          [CFG_DEVICE] = &d->device };
    uint32_t id;
    int bar_index = -1, hops = 0;
    uint64_t bar_size;
    uint8_t cap;

    memset(d, 0, sizeof(*d));
    d->p = p;
    d->bus = bus;
    d->slot = slot;
    id = cfg_read(d, PCI_VENDOR_ID, 4);
    if (id != (QVIRTIO_VENDOR | (uint32_t)pci_id << 16)) {
        tap_note("PCI %02x:%02x.0 has id 0x%08x, not virtio 0x%04x", bus,
                 slot, id, pci_id);
        return false;
    }
    if (!(cfg_read(d, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST)) {
        tap_note("virtio %02x:%02x.0 has no capability list", bus, slot);
        return false;
    }
    /* First pass: the BAR index; every structure must live in it. */
    for (cap = cfg_read(d, PCI_CAP_PTR, 1) & 0xfc; cap && hops < 48;
         cap = cfg_read(d, cap + CAP_NEXT, 1) & 0xfc, hops++) {
        uint8_t type = cfg_read(d, cap + CAP_CFG_TYPE, 1);
        int b = cfg_read(d, cap + CAP_BAR, 1);

        if (cfg_read(d, cap, 1) != PCI_CAP_ID_VNDR || type < CFG_COMMON ||
            type > CFG_DEVICE || *where[type]) {
            continue;
        }
        if (bar_index >= 0 && b != bar_index) {
            tap_note("virtio structures in BARs %d and %d", bar_index, b);
            return false;
        }
        bar_index = b;
        /* an offset for now; the BAR address is added below */
        *where[type] = cfg_read(d, cap + CAP_OFFSET, 4) | 1ull << 63;
        if (type == CFG_NOTIFY) {
            d->notify_mult = cfg_read(d, cap + CAP_NOTIFY_MULT, 4);
        }
    }
    if (!d->common || !d->notify || !d->isr || !d->device) {
        tap_note("virtio %02x:%02x.0: a capability is missing (common %d, "
                 "notify %d, ISR %d, device %d)", bus, slot, !!d->common,
                 !!d->notify, !!d->isr, !!d->device);
        return false;
    }
    bar_size = place_bar(d, bar_index, bar);
    if (!bar_size || (bar & (bar_size - 1))) {
        tap_note("virtio %02x:%02x.0: BAR%d (size 0x%" PRIx64 ") cannot go "
                 "at 0x%" PRIx64, bus, slot, bar_index, bar_size, bar);
        return false;
    }
    for (int t = CFG_COMMON; t <= CFG_DEVICE; t++) {
        *where[t] = bar + (*where[t] & ~(1ull << 63));
    }
    cfg_write(d, PCI_COMMAND, 2, cfg_read(d, PCI_COMMAND, 2) |
              PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    return true;
}

uint8_t qvirtio_status(QVirtioDev *d)
{
    return vht_readb(d->p, d->common + CC_STATUS);
}

static void set_status(QVirtioDev *d, uint8_t bits)
{
    vht_writeb(d->p, d->common + CC_STATUS, qvirtio_status(d) | bits);
}

bool qvirtio_negotiate(QVirtioDev *d, uint64_t want, uint64_t *offered)
{
    gint64 deadline = g_get_monotonic_time() + RESET_TIMEOUT_US;
    uint64_t dev = 0;

    vht_writeb(d->p, d->common + CC_STATUS, 0);
    while (qvirtio_status(d)) {                 /* reset completes at 0 */
        if (g_get_monotonic_time() > deadline) {
            tap_note("virtio %02x:%02x.0 does not reset", d->bus, d->slot);
            return false;
        }
        g_usleep(1000);
    }
    set_status(d, QVIRTIO_S_ACKNOWLEDGE);
    set_status(d, QVIRTIO_S_DRIVER);
    for (uint32_t half = 0; half < 2; half++) {
        vht_writel(d->p, d->common + CC_DFSELECT, half);
        dev |= (uint64_t)vht_readl(d->p, d->common + CC_DF) << (32 * half);
    }
    if (offered) {
        *offered = dev;
    }
    if (!(dev & 1ull << QVIRTIO_F_VERSION_1)) {
        tap_note("virtio %02x:%02x.0 does not offer VIRTIO_F_VERSION_1",
                 d->bus, d->slot);
        return false;
    }
    d->features = (want | 1ull << QVIRTIO_F_VERSION_1) & dev;
    for (uint32_t half = 0; half < 2; half++) {
        vht_writel(d->p, d->common + CC_GFSELECT, half);
        vht_writel(d->p, d->common + CC_GF, d->features >> (32 * half));
    }
    set_status(d, QVIRTIO_S_FEATURES_OK);
    if (!(qvirtio_status(d) & QVIRTIO_S_FEATURES_OK)) {
        tap_note("virtio %02x:%02x.0 refused features 0x%" PRIx64
                 " (offered 0x%" PRIx64 ")", d->bus, d->slot, d->features,
                 dev);
        set_status(d, QVIRTIO_S_FAILED);
        return false;
    }
    return true;
}

bool qvirtio_queue_setup(QVirtioDev *d, QVirtQueue *q, uint16_t index,
                         uint64_t gpa)
{
    uint16_t max;

    memset(q, 0, sizeof(*q));
    if (index >= vht_readw(d->p, d->common + CC_NUMQ)) {
        tap_note("virtio %02x:%02x.0 has no queue %u", d->bus, d->slot,
                 index);
        return false;
    }
    vht_writew(d->p, d->common + CC_Q_SELECT, index);
    max = vht_readw(d->p, d->common + CC_Q_SIZE);
    if (!max) {
        tap_note("virtio %02x:%02x.0: queue %u is not available", d->bus,
                 d->slot, index);
        return false;
    }
    q->dev = d;
    q->index = index;
    q->size = MIN(max, QVIRTIO_QUEUE_MAX);
    q->desc = gpa;
    q->avail = gpa + q->size * DESC_SIZE;
    q->used = ALIGN_UP(q->avail + 6 + 2 * q->size, PAGE);
    vht_memset(d->p, gpa, 0, q->used + 6 + 8 * q->size - gpa);
    vht_writew(d->p, d->common + CC_Q_SIZE, q->size);
    vht_writeq(d->p, d->common + CC_Q_DESC, q->desc);
    vht_writeq(d->p, d->common + CC_Q_AVAIL, q->avail);
    vht_writeq(d->p, d->common + CC_Q_USED, q->used);
    q->notify_addr = d->notify + (uint64_t)vht_readw(
        d->p, d->common + CC_Q_NOFF) * d->notify_mult;
    vht_writew(d->p, d->common + CC_Q_ENABLE, 1);
    return vht_readw(d->p, d->common + CC_Q_ENABLE) == 1;
}

bool qvirtio_driver_ok(QVirtioDev *d)
{
    set_status(d, QVIRTIO_S_DRIVER_OK);
    return (qvirtio_status(d) & (QVIRTIO_S_DRIVER_OK | QVIRTIO_S_FAILED |
                                 QVIRTIO_S_NEEDS_RESET)) ==
           QVIRTIO_S_DRIVER_OK;
}

uint64_t qvirtio_cfg_read(QVirtioDev *d, unsigned off, unsigned size)
{
    uint64_t addr = d->device + off;
    int tries = 0;
    uint8_t gen;
    uint64_t v;

    /*
     * A field read in two halves is consistent if the generation is; a
     * device that keeps changing its config gets the last read.
     */
    do {
        gen = vht_readb(d->p, d->common + CC_CFGGEN);
        switch (size) {
        case 1:
            v = vht_readb(d->p, addr);
            break;
        case 2:
            v = vht_readw(d->p, addr);
            break;
        case 4:
            v = vht_readl(d->p, addr);
            break;
        default:
            v = vht_readl(d->p, addr) |
                (uint64_t)vht_readl(d->p, addr + 4) << 32;
            break;
        }
    } while (gen != vht_readb(d->p, d->common + CC_CFGGEN) && ++tries < 100);
    return v;
}

static void write_desc(QVirtQueue *q, uint16_t i, uint64_t addr, uint32_t len,
                       uint16_t flags, uint16_t next)
{
    uint64_t at = q->desc + (uint64_t)i * DESC_SIZE;

    vht_writeq(q->dev->p, at, addr);
    vht_writel(q->dev->p, at + 8, len);
    vht_writew(q->dev->p, at + 12, flags);
    vht_writew(q->dev->p, at + 14, next);
}

bool qvirtio_request(QVirtQueue *q, uint64_t out, uint32_t out_len,
                     uint64_t in, uint32_t in_len, uint32_t *written,
                     int timeout_ms)
{
    VhtProc *p = q->dev->p;
    gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000ll;
    uint16_t head = 0;          /* one request at a time: descriptors 0, 1 */
    uint16_t slot = q->avail_idx % q->size;
    uint16_t used;

    write_desc(q, head, out, out_len, DESC_F_NEXT, 1);
    write_desc(q, 1, in, in_len, DESC_F_WRITE, 0);
    vht_writew(p, q->avail + 4 + 2 * slot, head);
    q->avail_idx++;
    /* the ring entry is written before the index that publishes it */
    vht_writew(p, q->avail + 2, q->avail_idx);
    vht_writew(p, q->notify_addr, q->index);
    while ((used = vht_readw(p, q->used + 2)) == q->used_idx) {
        if (g_get_monotonic_time() > deadline) {
            tap_note("virtio %02x:%02x.0 queue %u: no used entry after %d "
                     "ms (status 0x%02x)", q->dev->bus, q->dev->slot,
                     q->index, timeout_ms, qvirtio_status(q->dev));
            return false;
        }
        g_usleep(1000);
    }
    slot = q->used_idx % q->size;
    if (vht_readl(p, q->used + 4 + 8 * slot) != head) {
        tap_note("virtio queue %u: used entry for descriptor %u, not %u",
                 q->index, vht_readl(p, q->used + 4 + 8 * slot), head);
    }
    if (written) {
        *written = vht_readl(p, q->used + 4 + 8 * slot + 4);
    }
    q->used_idx++;
    return true;
}
