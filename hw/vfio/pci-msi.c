/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-pci MSI: vector 0 signalled on an eventfd watched by the main
 * loop; each wake-up is reported to qtest clients as "IRQ raise N" +
 * "IRQ lower N" (N = the device's IRQ line + vector) and to QMP clients
 * as a VFIO_MSI event.
 */
#include <errno.h>
#include <glib-unix.h>
#include <linux/vfio.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "pci-internal.h"
#include "system/qtest.h"
#include "trace-vfio.h"
#include "util/error.h"

static void vfio_pci_msi_event(VFIOPCIDevice *self, uint32_t vector,
                               uint64_t count)
{
    Object *obj = QOM_OBJECT(self);
    JsonObject *data = json_object_new();

    if (object_get_id(obj)) {
        json_object_set_string_member(data, "device", object_get_id(obj));
    }
    json_object_set_string_member(data, "path", object_get_path(obj));
    json_object_set_int_member(data, "vector", vector);
    json_object_set_int_member(data, "irq", self->irq + (int)vector);
    json_object_set_int_member(data, "count", (gint64)count);
    machine_emit_event(self->machine, "VFIO_MSI", data);
}

static gboolean vfio_pci_msi_ready(gint fd, GIOCondition cond,
                                   gpointer opaque)
{
    VFIOPCIDevice *self = opaque;
    QTest *qt = machine_get_qtest(self->machine);
    uint64_t count = 0;

    if (read(fd, &count, sizeof(count)) != sizeof(count)) {
        return G_SOURCE_CONTINUE;       /* EAGAIN: nothing after all */
    }
    self->msi_count += count;
    trace_vfio_pci_msi(self->name, self->irq, count);
    qtest_set_irq(qt, self->irq, true);
    qtest_set_irq(qt, self->irq, false);
    vfio_pci_msi_event(self, 0, count);
    return G_SOURCE_CONTINUE;
}

bool vfio_pci_msi_setup(VFIOPCIDevice *self, GError **errp)
{
    uint32_t count = 0, flags = 0;

    if (!vfio_device_get_irq_info(self->vdev, VFIO_PCI_MSI_IRQ_INDEX, &count,
                                  &flags, errp)) {
        return false;
    }
    if (!count) {
        return true;                    /* no MSI capability */
    }
    self->msi_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (self->msi_fd < 0) {
        error_setg_errno(errp, VFIO_ERROR, errno, "vfio-pci '%s': eventfd",
                         self->name);
        return false;
    }
    if (!vfio_device_msi_enable(self->vdev, self->msi_fd, errp)) {
        close(self->msi_fd);
        self->msi_fd = -1;
        return false;
    }
    self->msi_vectors = 1;
    self->msi_source = g_unix_fd_add(self->msi_fd, G_IO_IN,
                                     vfio_pci_msi_ready, self);
    trace_vfio_pci_msi_enable(self->name, self->irq, self->msi_fd);
    return true;
}

void vfio_pci_msi_teardown(VFIOPCIDevice *self)
{
    g_autoptr(GError) err = NULL;

    g_clear_handle_id(&self->msi_source, g_source_remove);
    if (self->msi_vectors && !vfio_device_msi_disable(self->vdev, &err)) {
        warn_report("vfio-pci '%s': %s", self->name, err->message);
    }
    self->msi_vectors = 0;
    if (self->msi_fd >= 0) {
        close(self->msi_fd);
        self->msi_fd = -1;
    }
}
