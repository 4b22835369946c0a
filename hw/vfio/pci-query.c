/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-pci in query-pci: one device in QEMU's PciDeviceInfo shape, plus
 * our "msi" and "vfio" members (see docs/qmp.md).
 */
#include "hw/vfio/vfio-container.h"
#include "pci-internal.h"

static JsonArray *vfio_pci_query_regions(VFIOPCIDevice *self)
{
    JsonArray *regions = json_array_new();

    for (int i = 0; i < VFIO_PCI_NUM_BARS; i++) {
        const VFIOPCIBar *bar = &self->bars[i];
        JsonObject *r;

        if (!bar->mr) {
            continue;
        }
        r = json_object_new();
        json_object_set_int_member(r, "bar", i);
        json_object_set_string_member(r, "type", "memory");
        json_object_set_int_member(r, "address", (gint64)bar->addr);
        json_object_set_int_member(r, "size", (gint64)bar->size);
        json_object_set_boolean_member(r, "prefetch", bar->prefetch);
        json_object_set_boolean_member(r, "mem_type_64", bar->mem64);
        json_object_set_boolean_member(r, "mmap", bar->mmap);
        json_array_add_object_element(regions, r);
    }
    return regions;
}

static JsonObject *vfio_pci_query_ids(VFIOPCIDevice *self)
{
    JsonObject *id = json_object_new();

    json_object_set_int_member(id, "vendor", self->vendor_id);
    json_object_set_int_member(id, "device", self->device_id);
    if (self->subsys_vendor_id || self->subsys_id) {
        json_object_set_int_member(id, "subsystem-vendor",
                                   self->subsys_vendor_id);
        json_object_set_int_member(id, "subsystem", self->subsys_id);
    }
    return id;
}

static JsonObject *vfio_pci_query_msi(VFIOPCIDevice *self)
{
    JsonObject *msi = json_object_new();

    json_object_set_boolean_member(msi, "enabled", self->msi_vectors > 0);
    json_object_set_int_member(msi, "vectors", self->msi_vectors);
    json_object_set_int_member(msi, "irq", self->irq);
    json_object_set_int_member(msi, "count", (gint64)self->msi_count);
    return msi;
}

static JsonObject *vfio_pci_query_vfio(VFIOPCIDevice *self)
{
    JsonObject *v = json_object_new();
    VFIODevice *vdev = self->vdev;

    json_object_set_string_member(v, "host", vdev->name);
    if (vdev->sysfsdev) {
        json_object_set_string_member(v, "sysfsdev", vdev->sysfsdev);
    }
    json_object_set_string_member(v, "backend",
                                  vfio_container_backend_name(
                                      vdev->container));
    if (self->iommufd) {
        json_object_set_string_member(v, "iommufd",
            object_get_id(QOM_OBJECT(self->iommufd)));
    }
    json_object_set_int_member(v, "container", vdev->container->id);
    json_object_set_boolean_member(v, "reset", self->can_reset);
    json_object_set_boolean_member(v, "failed", self->failed);
    if (self->failure) {
        json_object_set_string_member(v, "error", self->failure);
    }
    return v;
}

JsonObject *vfio_pci_query(VFIOPCIDevice *self)
{
    JsonObject *info = json_object_new();
    JsonObject *class_info = json_object_new();
    Object *obj = QOM_OBJECT(self);

    json_object_set_int_member(info, "bus", 0);
    json_object_set_int_member(info, "slot", self->slot);
    json_object_set_int_member(info, "function", 0);
    json_object_set_int_member(class_info, "class", self->class_code);
    json_object_set_object_member(info, "class_info", class_info);
    json_object_set_object_member(info, "id", vfio_pci_query_ids(self));
    json_object_set_int_member(info, "irq", self->irq);
    json_object_set_int_member(info, "irq_pin", self->irq_pin);
    json_object_set_string_member(info, "qdev_id",
                                  object_get_id(obj) ? object_get_id(obj)
                                                     : "");
    json_object_set_array_member(info, "regions",
                                 vfio_pci_query_regions(self));
    json_object_set_object_member(info, "msi", vfio_pci_query_msi(self));
    json_object_set_object_member(info, "vfio", vfio_pci_query_vfio(self));
    return info;
}
