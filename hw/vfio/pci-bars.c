/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-pci BARs: read from the device, placed in the machine's PCI MMIO
 * window (naturally aligned, first fit) and mapped into system memory as
 * ram_device regions over an mmap of the BAR, or as MMIO regions whose
 * accesses are pread/pwrite on the device fd.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <string.h>

#include "pci-internal.h"
#include "trace-vfio.h"
#include "util/error.h"

/* The smallest BAR footprint: a host page, so mmaps and IOMMU maps fit */
#define VFIO_PCI_MIN_BAR_ALIGN UINT64_C(4096)

/* ---- placement (pure) --------------------------------------------------- */

static int range_cmp_start(const void *a, const void *b)
{
    const Range *ra = a, *rb = b;

    return ra->start < rb->start ? -1 : ra->start > rb->start;
}

/* Round @addr up to @align (a power of two); false on overflow */
static bool align_up(uint64_t addr, uint64_t align, uint64_t *out)
{
    uint64_t sum;

    if (__builtin_add_overflow(addr, align - 1, &sum)) {
        return false;
    }
    *out = sum & ~(align - 1);
    return true;
}

bool vfio_pci_place_bar(const Range *window, const Range *used,
                        size_t n_used, uint64_t size, uint64_t *out)
{
    g_autofree Range *sorted = g_memdup2(used, n_used * sizeof(Range));
    uint64_t addr, last;

    g_return_val_if_fail(size && !(size & (size - 1)), false);
    if (n_used) {
        qsort(sorted, n_used, sizeof(Range), range_cmp_start);
    }
    if (!align_up(window->start, size, &addr)) {
        return false;
    }
    for (size_t i = 0; i <= n_used; i++) {
        if (__builtin_add_overflow(addr, size - 1, &last) ||
            last > window->last) {
            return false;
        }
        if (i == n_used || last < sorted[i].start) {
            break;
        }
        if (sorted[i].last >= addr &&
            (sorted[i].last == UINT64_MAX ||
             !align_up(sorted[i].last + 1, size, &addr))) {
            return false;
        }
    }
    *out = addr;
    return true;
}

/* ---- MMIO through the device fd ----------------------------------------- */

static bool vfio_pci_bar_read(void *opaque, uint64_t addr, uint64_t *data,
                              unsigned size, GError **errp)
{
    VFIOPCIBar *bar = opaque;
    uint8_t buf[8] = { 0 };
    uint64_t v;

    if (!vfio_device_region_read(bar->dev->vdev, bar->index, addr, buf, size,
                                 errp)) {
        return false;
    }
    memcpy(&v, buf, sizeof(v));
    *data = GUINT64_FROM_LE(v);
    return true;
}

static bool vfio_pci_bar_write(void *opaque, uint64_t addr, uint64_t data,
                               unsigned size, GError **errp)
{
    VFIOPCIBar *bar = opaque;
    uint64_t v = GUINT64_TO_LE(data);

    return vfio_device_region_write(bar->dev->vdev, bar->index, addr, &v,
                                    size, errp);
}

static const MemoryRegionOps vfio_pci_bar_ops = {
    .read = vfio_pci_bar_read,
    .write = vfio_pci_bar_write,
    .max_access_size = 8,
};

/* ---- reading and mapping ------------------------------------------------ */

/* Size and kind of BAR @i; size 0 when it does not exist */
static bool vfio_pci_bar_probe(VFIOPCIDevice *self, uint32_t i,
                               VFIORegionInfo *info, GError **errp)
{
    VFIOPCIBar *bar = &self->bars[i];
    uint32_t reg = 0;

    *bar = (VFIOPCIBar) { .dev = self, .index = i };
    if (!vfio_device_get_region_info(self->vdev, i, info, errp)) {
        return false;
    }
    if (!info->size) {
        return true;
    }
    if (!vfio_device_config_read(self->vdev, PCI_BASE_ADDRESS_0 + 4 * i,
                                 &reg, 4, errp)) {
        return false;
    }
    reg = GUINT32_FROM_LE(reg);
    bar->size = info->size;
    bar->io = reg & PCI_BASE_ADDRESS_SPACE_IO;
    bar->mem64 = !bar->io && (reg & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
                 PCI_BASE_ADDRESS_MEM_TYPE_64;
    bar->prefetch = !bar->io && (reg & PCI_BASE_ADDRESS_MEM_PREFETCH);
    return true;
}

/* The ranges taken by the BARs of every other device and ours so far */
static GArray *vfio_pci_used_ranges(VFIOPCIDevice *self)
{
    ObjectRegistry *reg = machine_get_objects(self->machine);
    g_autoptr(GPtrArray) devs = object_registry_list(reg, TYPE_VFIO_PCI);
    GArray *used = g_array_new(FALSE, FALSE, sizeof(Range));

    g_ptr_array_add(devs, self);
    for (guint d = 0; d < devs->len; d++) {
        VFIOPCIDevice *other = g_ptr_array_index(devs, d);

        if (other != self && !device_is_realized(QOM_DEVICE(other))) {
            continue;
        }
        for (int i = 0; i < VFIO_PCI_NUM_BARS; i++) {
            Range r;

            if (other->bars[i].mr &&
                range_from_size(other->bars[i].addr,
                                MAX(other->bars[i].size,
                                    VFIO_PCI_MIN_BAR_ALIGN), &r)) {
                g_array_append_val(used, r);
            }
        }
    }
    return used;
}

static bool vfio_pci_bar_place(VFIOPCIDevice *self, VFIOPCIBar *bar,
                               GError **errp)
{
    g_autoptr(GArray) used = vfio_pci_used_ranges(self);
    uint64_t align = MAX(bar->size, VFIO_PCI_MIN_BAR_ALIGN);
    Range window;

    machine_get_pci_mmio_window(self->machine, &window);
    if (align & (align - 1)) {
        align = UINT64_C(1) << g_bit_storage(align);
    }
    if (!vfio_pci_place_bar(&window, (Range *)used->data, used->len, align,
                            &bar->addr)) {
        error_setg(errp, VFIO_ERROR, ENOSPC, "vfio-pci '%s': no room for "
                   "BAR %u (0x%" PRIx64 " bytes) in the PCI MMIO window "
                   "[0x%" PRIx64 ":0x%" PRIx64 "]", self->name, bar->index,
                   bar->size, window.start, window.last);
        return false;
    }
    return true;
}

/* The region of @bar: a ram_device over an mmap when allowed, else MMIO */
static MemoryRegion *vfio_pci_bar_region(VFIOPCIDevice *self,
                                         VFIOPCIBar *bar,
                                         const VFIORegionInfo *info)
{
    MemoryTopology *topo = machine_get_topology(self->machine);
    g_autofree char *name = g_strdup_printf("vfio-pci %s BAR%u", self->name,
                                            bar->index);
    g_autoptr(GError) err = NULL;

    if (!self->no_mmap && (info->flags & VFIO_REGION_INFO_FLAG_MMAP) &&
        !info->sparse) {
        uint64_t size;
        void *host = vfio_device_region_mmap(self->vdev, bar->index, &size,
                                             &err);

        if (host) {
            bar->mmap = true;
            return memory_region_new_ram_device_ptr(topo, name, size, host);
        }
        warn_report("vfio-pci '%s': BAR %u: %s; using pread/pwrite",
                    self->name, bar->index, err->message);
    }
    bar->mmap = false;
    return memory_region_new_io(topo, name, bar->size, &vfio_pci_bar_ops,
                                bar);
}

static bool vfio_pci_bar_map_one(VFIOPCIDevice *self, uint32_t i,
                                 GError **errp)
{
    VFIORegionInfo info = { 0 };
    VFIOPCIBar *bar = &self->bars[i];
    bool ok = vfio_pci_bar_probe(self, i, &info, errp);

    if (ok && bar->size && !bar->io) {
        ok = vfio_pci_bar_place(self, bar, errp);
        if (ok) {
            bar->mr = vfio_pci_bar_region(self, bar, &info);
            memory_region_add_subregion(
                machine_get_system_memory(self->machine), bar->addr, bar->mr);
            trace_vfio_pci_bar_map(self->name, i, bar->addr, bar->size,
                                   bar->mmap);
        }
    }
    vfio_region_info_clear(&info);
    return ok;
}

bool vfio_pci_bars_map(VFIOPCIDevice *self, GError **errp)
{
    MemoryTopology *topo = machine_get_topology(self->machine);
    bool ok = true;

    /* one commit: the listener sees every BAR at once */
    memory_region_transaction_begin(topo);
    for (uint32_t i = 0; i < VFIO_PCI_NUM_BARS && ok; i++) {
        ok = vfio_pci_bar_map_one(self, i, errp);
    }
    if (!ok) {
        vfio_pci_bars_unmap(self);
    }
    memory_region_transaction_commit(topo);
    return ok;
}

void vfio_pci_bars_unmap(VFIOPCIDevice *self)
{
    MemoryTopology *topo = machine_get_topology(self->machine);
    MemoryRegion *sysmem = machine_get_system_memory(self->machine);

    memory_region_transaction_begin(topo);
    for (int i = 0; i < VFIO_PCI_NUM_BARS; i++) {
        VFIOPCIBar *bar = &self->bars[i];

        if (bar->mr) {
            trace_vfio_pci_bar_unmap(self->name, i, bar->addr);
            memory_region_del_subregion(sysmem, bar->mr);
            g_clear_pointer(&bar->mr, memory_region_unref);
        }
    }
    memory_region_transaction_commit(topo);
}
