/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-pci: the QOM device (properties, realize, unrealize), and the
 * machine's hook for runtime map failures.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <unistd.h>

#include "hw/vfio/vfio-container.h"
#include "pci-internal.h"
#include "qom/object-props.h"
#include "trace-vfio.h"
#include "util/error.h"

enum {
    PROP_0,
    PROP_HOST,
    PROP_SYSFSDEV,
    PROP_IOMMUFD,
    PROP_FD,
    PROP_SEPARATE_IOAS,
    PROP_NO_MMAP,
};

G_DEFINE_TYPE(VFIOPCIDevice, vfio_pci, TYPE_DEVICE)

/* ---- checks and numbering ----------------------------------------------- */

/* "BB:DD.F" or "DDDD:BB:DD.F" (hex) as "dddd:bb:dd.f"; NULL if malformed */
static char *vfio_pci_normalize_host(const char *host)
{
    unsigned dom = 0, bus, slot, fn;
    bool has_domain = g_regex_match_simple(
        "^[[:xdigit:]]{4}:[[:xdigit:]]{2}:[[:xdigit:]]{2}\\.[0-7]$", host, 0,
        0);

    if (!has_domain &&
        !g_regex_match_simple("^[[:xdigit:]]{2}:[[:xdigit:]]{2}\\.[0-7]$",
                              host, 0, 0)) {
        return NULL;
    }
    if (has_domain) {
        sscanf(host, "%x:%x:%x.%x", &dom, &bus, &slot, &fn);
    } else {
        sscanf(host, "%x:%x.%x", &bus, &slot, &fn);
    }
    if (slot > 0x1f) {
        return NULL;
    }
    return g_strdup_printf("%04x:%02x:%02x.%x", dom, bus, slot, fn);
}

static bool vfio_pci_check_props(VFIOPCIDevice *self, GError **errp)
{
    if (self->host && self->sysfsdev) {
        error_setg(errp, VFIO_ERROR, EINVAL, "vfio-pci: host= and sysfsdev= "
                   "are mutually exclusive");
        return false;
    }
    if (!self->host && !self->sysfsdev && !self->has_fd) {
        error_setg(errp, VFIO_ERROR, EINVAL, "vfio-pci: one of host=, "
                   "sysfsdev= or fd= is needed");
        return false;
    }
    if (self->has_fd && !self->iommufd) {
        error_setg(errp, VFIO_ERROR, EINVAL, "vfio-pci: fd= needs iommufd= "
                   "(a VFIO device cdev is bound to an iommufd)");
        return false;
    }
    return true;
}

/* The lowest number in [first, last] that no other realized device has */
static int vfio_pci_lowest_free(VFIOPCIDevice *self, bool irq, int first,
                                int last)
{
    ObjectRegistry *reg = machine_get_objects(self->machine);
    g_autoptr(GPtrArray) devs = object_registry_list(reg, TYPE_VFIO_PCI);

    for (int n = first; n <= last; n++) {
        bool taken = false;

        for (guint i = 0; i < devs->len && !taken; i++) {
            VFIOPCIDevice *d = g_ptr_array_index(devs, i);

            taken = d != self && device_is_realized(QOM_DEVICE(d)) &&
                    (irq ? d->irq : d->slot) == n;
        }
        if (!taken) {
            return n;
        }
    }
    return -1;
}

static bool vfio_pci_number(VFIOPCIDevice *self, GError **errp)
{
    self->slot = vfio_pci_lowest_free(self, false, VFIO_PCI_FIRST_SLOT,
                                      VFIO_PCI_SLOTS - 1);
    self->irq = vfio_pci_lowest_free(self, true, VFIO_PCI_FIRST_IRQ,
                                     VFIO_PCI_LAST_IRQ);
    if (self->slot < 0 || self->irq < 0) {
        error_setg(errp, VFIO_ERROR, ENOSPC, "vfio-pci '%s': no free %s left",
                   self->name, self->slot < 0 ? "PCI slot" : "IRQ line");
        return false;
    }
    return true;
}

/* ---- attach ------------------------------------------------------------- */

/* The fd to give the layer: a getfd fd itself, a duplicate of an
 * inherited one (vfio-host never closes what it inherited), or -1 */
static int vfio_pci_take_fd(VFIOPCIDevice *self, GError **errp)
{
    int fd;

    if (!self->has_fd) {
        return -1;
    }
    if (self->fd.owned) {
        return self->fd.fd;
    }
    fd = fcntl(self->fd.fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
        error_setg_errno(errp, VFIO_ERROR, errno, "vfio-pci '%s': dup of "
                         "fd %d", self->name, self->fd.fd);
    }
    return fd;
}

static bool vfio_pci_attach(VFIOPCIDevice *self, GError **errp)
{
    VFIODeviceConfig cfg = VFIO_DEVICE_CONFIG_INIT;
    g_autofree char *host = NULL;
    g_autoptr(GError) err = NULL;

    if (self->host && !(host = vfio_pci_normalize_host(self->host))) {
        error_setg(errp, VFIO_ERROR, EINVAL, "Parameter 'host' expects a PCI "
                   "address DDDD:BB:DD.F, got '%s'", self->host);
        return false;
    }
    cfg.host = host;
    cfg.sysfsdev = self->sysfsdev;
    cfg.iommufd = self->iommufd ? iommufd_object_get_backend(self->iommufd)
                                : NULL;
    cfg.separate_container = self->separate_ioas;
    cfg.fd = vfio_pci_take_fd(self, errp);
    if (self->has_fd && cfg.fd < 0) {
        return false;
    }
    self->vdev = vfio_device_attach(machine_get_vfio_context(self->machine),
                                    machine_get_address_space(self->machine),
                                    &cfg, &err);
    if (!self->vdev) {
        if (cfg.fd >= 0 && !self->fd.owned) {
            close(cfg.fd);              /* our duplicate */
        }
        g_propagate_prefixed_error(errp, g_steal_pointer(&err),
                                   "vfio-pci '%s': ", self->name);
        return false;
    }
    if (self->fd.owned) {
        self->fd = (FdParam) { .fd = -1 };      /* the device's now */
    }
    if (self->iommufd) {
        self->user = g_strdup_printf("device '%s'", self->name);
        object_add_user(QOM_OBJECT(self->iommufd), self->user);
    }
    return true;
}

/* ---- realize and unrealize ---------------------------------------------- */

/* Identity from config space, for query-pci */
static bool vfio_pci_read_ids(VFIOPCIDevice *self, GError **errp)
{
    uint8_t cfg[PCI_INTERRUPT_PIN + 1];
    uint8_t header;

    if (!vfio_device_config_read(self->vdev, 0, cfg, sizeof(cfg), errp)) {
        return false;
    }
    self->vendor_id = cfg[PCI_VENDOR_ID] | cfg[PCI_VENDOR_ID + 1] << 8;
    self->device_id = cfg[PCI_DEVICE_ID] | cfg[PCI_DEVICE_ID + 1] << 8;
    self->class_code = cfg[PCI_CLASS_DEVICE] | cfg[PCI_CLASS_DEVICE + 1] << 8;
    header = cfg[PCI_HEADER_TYPE] & 0x7f;
    if (header == PCI_HEADER_TYPE_NORMAL) {
        self->subsys_vendor_id = cfg[PCI_SUBSYSTEM_VENDOR_ID] |
                                 cfg[PCI_SUBSYSTEM_VENDOR_ID + 1] << 8;
        self->subsys_id = cfg[PCI_SUBSYSTEM_ID] |
                          cfg[PCI_SUBSYSTEM_ID + 1] << 8;
    }
    self->irq_pin = cfg[PCI_INTERRUPT_PIN];
    return true;
}

/* VFIO_DEVICE_RESET if the device has one; otherwise a warning, as QEMU */
static void vfio_pci_reset(VFIOPCIDevice *self)
{
    g_autoptr(GError) err = NULL;

    self->can_reset = vfio_device_can_reset(self->vdev);
    if (!self->can_reset) {
        warn_report("vfio-pci '%s': %s has no reset mechanism; it starts in "
                    "the state it was left in", self->name,
                    self->vdev->name);
        return;
    }
    if (!vfio_device_reset(self->vdev, &err)) {
        warn_report("vfio-pci '%s': %s", self->name, err->message);
    }
}

/* Everything after the attach: undone by vfio_pci_teardown() */
static bool vfio_pci_bring_up(VFIOPCIDevice *self, GError **errp)
{
    g_autoptr(GError) err = NULL;

    vfio_pci_reset(self);
    if (!vfio_pci_read_ids(self, &err) ||
        !vfio_device_enable_bus_master(self->vdev, &err)) {
        g_propagate_prefixed_error(errp, g_steal_pointer(&err),
                                   "vfio-pci '%s': ", self->name);
        return false;
    }
    if (!vfio_pci_bars_map(self, errp)) {
        return false;
    }
    if (!vfio_pci_msi_setup(self, &err)) {
        g_propagate_prefixed_error(errp, g_steal_pointer(&err),
                                   "vfio-pci '%s': MSI: ", self->name);
        return false;
    }
    return true;
}

static void vfio_pci_teardown(VFIOPCIDevice *self)
{
    vfio_pci_msi_teardown(self);
    vfio_pci_bars_unmap(self);
    g_clear_pointer(&self->vdev, vfio_device_detach);
    if (self->user) {
        object_remove_user(QOM_OBJECT(self->iommufd), self->user);
        g_clear_pointer(&self->user, g_free);
    }
}

static bool vfio_pci_realize(DeviceState *dev, GError **errp)
{
    VFIOPCIDevice *self = VFIO_PCI(dev);
    Object *obj = QOM_OBJECT(dev);

    self->machine = object_get_machine(obj);
    if (!self->machine) {
        error_setg(errp, VFIO_ERROR, EINVAL, "vfio-pci needs a machine");
        return false;
    }
    g_free(self->name);
    self->name = g_strdup(object_get_id(obj) ? object_get_id(obj)
                                             : object_get_path(obj));
    if (!vfio_pci_check_props(self, errp) || !vfio_pci_number(self, errp) ||
        !vfio_pci_attach(self, errp)) {
        return false;
    }
    if (!vfio_pci_bring_up(self, errp)) {
        vfio_pci_teardown(self);
        return false;
    }
    trace_vfio_pci_realize(self->name, self->vdev->name, self->slot,
                           self->irq);
    return true;
}

static void vfio_pci_unrealize(DeviceState *dev)
{
    VFIOPCIDevice *self = VFIO_PCI(dev);

    trace_vfio_pci_unrealize(self->name);
    vfio_pci_teardown(self);
}

/* ---- runtime failures --------------------------------------------------- */

void vfio_pci_report_map_failure(VFIOContext *ctx, VFIOContainer *c,
                                 const GError *err, gpointer opaque)
{
    Machine *m = opaque;
    g_autoptr(GPtrArray) devs =
        object_registry_list(machine_get_objects(m), TYPE_VFIO_PCI);
    JsonArray *names = json_array_new();
    JsonObject *data = json_object_new();

    for (guint i = 0; i < devs->len; i++) {
        VFIOPCIDevice *d = g_ptr_array_index(devs, i);

        if (d->vdev && d->vdev->container == c) {
            d->failed = true;
            g_free(d->failure);
            d->failure = g_strdup(err->message);
            json_array_add_string_element(names, d->name);
        }
    }
    warn_report("VFIO container %u: %s; its devices are marked failed",
                c->id, err->message);
    json_object_set_int_member(data, "container", c->id);
    json_object_set_array_member(data, "devices", names);
    json_object_set_string_member(data, "error", err->message);
    machine_emit_event(m, "VFIO_MAP_FAILED", data);
}

/* ---- properties and class ----------------------------------------------- */

static void vfio_pci_set_property(GObject *gobj, guint id,
                                  const GValue *value, GParamSpec *pspec)
{
    VFIOPCIDevice *self = VFIO_PCI(gobj);
    const FdParam *p;

    switch (id) {
    case PROP_HOST:
        g_free(self->host);
        self->host = g_value_dup_string(value);
        break;
    case PROP_SYSFSDEV:
        g_free(self->sysfsdev);
        self->sysfsdev = g_value_dup_string(value);
        break;
    case PROP_IOMMUFD:
        g_set_object(&self->iommufd, g_value_get_object(value));
        break;
    case PROP_FD:
        p = g_value_get_boxed(value);
        fd_param_release(&self->fd);
        self->fd = p ? *p : (FdParam) { .fd = -1 };
        self->has_fd = p != NULL;
        break;
    case PROP_SEPARATE_IOAS:
        self->separate_ioas = g_value_get_boolean(value);
        break;
    case PROP_NO_MMAP:
        self->no_mmap = g_value_get_boolean(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(gobj, id, pspec);
    }
}

static void vfio_pci_get_property(GObject *gobj, guint id, GValue *value,
                                  GParamSpec *pspec)
{
    VFIOPCIDevice *self = VFIO_PCI(gobj);
    FdParam p = { .fd = -1 };

    switch (id) {
    case PROP_HOST:
        g_value_set_string(value, self->host);
        break;
    case PROP_SYSFSDEV:
        g_value_set_string(value, self->sysfsdev);
        break;
    case PROP_IOMMUFD:
        g_value_set_object(value, self->iommufd);
        break;
    case PROP_FD:
        p.fd = self->vdev && self->has_fd ? self->vdev->fd : self->fd.fd;
        g_value_set_boxed(value, &p);
        break;
    case PROP_SEPARATE_IOAS:
        g_value_set_boolean(value, self->separate_ioas);
        break;
    case PROP_NO_MMAP:
        g_value_set_boolean(value, self->no_mmap);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(gobj, id, pspec);
    }
}

static void vfio_pci_install_properties(GObjectClass *gc)
{
    const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

    g_object_class_install_property(gc, PROP_HOST,
        g_param_spec_string("host", "host",
                            "Host PCI address DDDD:BB:DD.F of the device",
                            NULL, flags));
    g_object_class_install_property(gc, PROP_SYSFSDEV,
        g_param_spec_string("sysfsdev", "sysfsdev",
                            "sysfs directory of the host device", NULL,
                            flags));
    object_class_property_add_link(gc, PROP_IOMMUFD, "iommufd",
        "Attach through this iommufd object (default: legacy VFIO "
        "container)", TYPE_IOMMUFD_OBJECT);
    object_class_property_add_fd(gc, PROP_FD, "fd",
        "An open VFIO device cdev (needs iommufd): inherited fd number or "
        "getfd name");
    g_object_class_install_property(gc, PROP_SEPARATE_IOAS,
        g_param_spec_boolean("x-separate-ioas", "x-separate-ioas",
                             "Own IOAS (container), filled by IOAS_COPY",
                             FALSE, flags));
    g_object_class_install_property(gc, PROP_NO_MMAP,
        g_param_spec_boolean("x-no-mmap", "x-no-mmap",
                             "Access BARs with pread/pwrite, never mmap",
                             FALSE, flags));
}

static void vfio_pci_finalize(GObject *gobj)
{
    VFIOPCIDevice *self = VFIO_PCI(gobj);

    g_warn_if_fail(!self->vdev);
    g_clear_object(&self->iommufd);
    fd_param_release(&self->fd);
    g_free(self->host);
    g_free(self->sysfsdev);
    g_free(self->name);
    g_free(self->user);
    g_free(self->failure);
    G_OBJECT_CLASS(vfio_pci_parent_class)->finalize(gobj);
}

static void vfio_pci_class_init(VFIOPCIDeviceClass *klass)
{
    GObjectClass *gc = G_OBJECT_CLASS(klass);
    ObjectClass *oc = QOM_OBJECT_CLASS(klass);
    DeviceStateClass *dc = QOM_DEVICE_CLASS(klass);

    gc->set_property = vfio_pci_set_property;
    gc->get_property = vfio_pci_get_property;
    gc->finalize = vfio_pci_finalize;
    oc->type_name = TYPE_VFIO_PCI_NAME;
    oc->description = "VFIO-based PCI device assignment";
    dc->realize = vfio_pci_realize;
    dc->unrealize = vfio_pci_unrealize;
    vfio_pci_install_properties(gc);
}

static void vfio_pci_init(VFIOPCIDevice *self)
{
    self->fd.fd = -1;
    self->msi_fd = -1;
    self->slot = -1;
    self->irq = -1;
}

int vfio_pci_get_slot(VFIOPCIDevice *self)
{
    return self->slot;
}

void vfio_pci_register_types(TypeTable *tt)
{
    type_table_add(tt, TYPE_VFIO_PCI);
}
