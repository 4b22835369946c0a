/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pc-dimm: a DIMM plugged into the memory hotplug window.
 */
#include <errno.h>
#include <inttypes.h>

#include "hw/mem/memory-device.h"
#include "hw/mem/pc-dimm.h"
#include "qom/object-props.h"
#include "system/machine.h"
#include "trace-hw_mem.h"
#include "util/error.h"

enum {
    PROP_0,
    PROP_MEMDEV,
    PROP_ADDR,
    PROP_SLOT,
    PROP_NODE,
};

struct _PCDIMMDevice {
    DeviceState parent;
    HostMemoryBackend *memdev;
    uint64_t addr;
    int slot;
    unsigned node;
    char *user;                 /* our name in memdev's users */
};

G_DEFINE_TYPE(PCDIMMDevice, pc_dimm, TYPE_DEVICE)

/* Collect the ranges and slots of the other realized DIMMs */
static GArray *pc_dimm_collect_uses(PCDIMMDevice *self, GHashTable *slots)
{
    ObjectRegistry *reg = object_get_registry(QOM_OBJECT(self));
    g_autoptr(GPtrArray) dimms = object_registry_list(reg, TYPE_PC_DIMM);
    GArray *uses = g_array_new(FALSE, FALSE, sizeof(MemoryDeviceUse));

    for (guint i = 0; i < dimms->len; i++) {
        PCDIMMDevice *d = g_ptr_array_index(dimms, i);
        MemoryDeviceUse use = { .name = object_get_id(QOM_OBJECT(d)) };

        if (d == self || !device_is_realized(QOM_DEVICE(d))) {
            continue;
        }
        if (!use.name) {
            use.name = object_get_path(QOM_OBJECT(d));
        }
        range_from_size(d->addr, pc_dimm_get_size(d), &use.range);
        g_array_append_val(uses, use);
        g_hash_table_add(slots, GINT_TO_POINTER(d->slot));
    }
    return uses;
}

static bool pc_dimm_assign_slot(PCDIMMDevice *self, unsigned nslots,
                                GHashTable *taken, GError **errp)
{
    if (self->slot >= 0) {
        if ((unsigned)self->slot >= nslots) {
            error_setg(errp, MACHINE_ERROR, EINVAL,
                       "Parameter 'slot' expects a value below %u (the "
                       "number of slots), got %d", nslots, self->slot);
            return false;
        }
        if (g_hash_table_contains(taken, GINT_TO_POINTER(self->slot))) {
            error_setg(errp, MACHINE_ERROR, EBUSY, "slot %d is busy",
                       self->slot);
            return false;
        }
        return true;
    }
    for (unsigned s = 0; s < nslots; s++) {
        if (!g_hash_table_contains(taken, GINT_TO_POINTER(s))) {
            self->slot = (int)s;
            return true;
        }
    }
    error_setg(errp, MACHINE_ERROR, ENOSPC, "no free slots left");
    return false;
}

static bool pc_dimm_check(PCDIMMDevice *self, const DeviceMemoryWindow *win,
                          GError **errp)
{
    if (!win->size) {
        error_setg(errp, MACHINE_ERROR, EINVAL,
                   "memory hotplug is not enabled: use -m "
                   "SIZE,slots=N,maxmem=MAX");
        return false;
    }
    if (!self->memdev) {
        error_setg(errp, MACHINE_ERROR, EINVAL,
                   "Parameter 'memdev' is missing");
        return false;
    }
    if (object_is_in_use(QOM_OBJECT(self->memdev))) {
        error_setg(errp, MACHINE_ERROR, EBUSY,
                   "can't use already busy memdev: %s",
                   object_get_id(QOM_OBJECT(self->memdev)));
        return false;
    }
    if (self->node != 0) {
        error_setg(errp, MACHINE_ERROR, EINVAL,
                   "Parameter 'node' expects 0 (there are no NUMA nodes), "
                   "got %u", self->node);
        return false;
    }
    return true;
}

/* Choose the slot and the address. Return: false with @errp set */
static bool pc_dimm_place(PCDIMMDevice *self, const DeviceMemoryWindow *win,
                          GError **errp)
{
    g_autoptr(GHashTable) slots = g_hash_table_new(NULL, NULL);
    g_autoptr(GArray) uses = pc_dimm_collect_uses(self, slots);
    uint64_t size = host_memory_backend_get_size(self->memdev);
    uint64_t align = host_memory_backend_get_page_size(self->memdev);
    Range window;

    if (!pc_dimm_assign_slot(self, win->slots, slots, errp)) {
        return false;
    }
    if (size % align) {
        error_setg(errp, MACHINE_ERROR, EINVAL,
                   "backend memory size must be a multiple of 0x%" PRIx64,
                   align);
        return false;
    }
    range_from_size(win->base, win->size, &window);
    return memory_device_assign_addr(&window, (MemoryDeviceUse *)uses->data,
                                     uses->len, size, align, self->addr,
                                     &self->addr, errp);
}

static bool pc_dimm_realize(DeviceState *dev, GError **errp)
{
    PCDIMMDevice *self = PC_DIMM(dev);
    Object *obj = QOM_OBJECT(dev);
    Machine *m = object_get_machine(obj);
    const DeviceMemoryWindow *win;

    if (!m) {
        error_setg(errp, MACHINE_ERROR, EINVAL, "pc-dimm needs a machine");
        return false;
    }
    win = machine_get_device_memory(m);
    if (!pc_dimm_check(self, win, errp) || !pc_dimm_place(self, win, errp)) {
        return false;
    }
    memory_region_add_subregion(machine_get_system_memory(m), self->addr,
        host_memory_backend_get_memory(self->memdev));
    self->user = g_strdup_printf("device '%s'", object_get_id(obj) ?
                                 object_get_id(obj) : object_get_path(obj));
    object_add_user(QOM_OBJECT(self->memdev), self->user);
    trace_pc_dimm_plug(object_get_path(obj),
                       object_get_id(QOM_OBJECT(self->memdev)), self->addr,
                       pc_dimm_get_size(self), self->slot);
    return true;
}

static void pc_dimm_unrealize(DeviceState *dev)
{
    PCDIMMDevice *self = PC_DIMM(dev);
    Machine *m = object_get_machine(QOM_OBJECT(dev));

    trace_pc_dimm_unplug(object_get_path(QOM_OBJECT(dev)), self->addr,
                         pc_dimm_get_size(self));
    memory_region_del_subregion(machine_get_system_memory(m),
        host_memory_backend_get_memory(self->memdev));
    object_remove_user(QOM_OBJECT(self->memdev), self->user);
    g_clear_pointer(&self->user, g_free);
}

static void pc_dimm_finalize(GObject *gobj)
{
    PCDIMMDevice *self = PC_DIMM(gobj);

    g_clear_object(&self->memdev);
    g_free(self->user);
    G_OBJECT_CLASS(pc_dimm_parent_class)->finalize(gobj);
}

static void pc_dimm_set_property(GObject *gobj, guint id, const GValue *value,
                                 GParamSpec *pspec)
{
    PCDIMMDevice *self = PC_DIMM(gobj);

    switch (id) {
    case PROP_MEMDEV:
        g_set_object(&self->memdev, g_value_get_object(value));
        break;
    case PROP_ADDR:
        self->addr = g_value_get_uint64(value);
        break;
    case PROP_SLOT:
        self->slot = g_value_get_int(value);
        break;
    case PROP_NODE:
        self->node = g_value_get_uint(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(gobj, id, pspec);
    }
}

static void pc_dimm_get_property(GObject *gobj, guint id, GValue *value,
                                 GParamSpec *pspec)
{
    PCDIMMDevice *self = PC_DIMM(gobj);

    switch (id) {
    case PROP_MEMDEV:
        g_value_set_object(value, self->memdev);
        break;
    case PROP_ADDR:
        g_value_set_uint64(value, self->addr);
        break;
    case PROP_SLOT:
        g_value_set_int(value, self->slot);
        break;
    case PROP_NODE:
        g_value_set_uint(value, self->node);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(gobj, id, pspec);
    }
}

static void pc_dimm_install_properties(GObjectClass *gc)
{
    const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
    GParamSpec *pspec;

    pspec = object_class_property_add_link(gc, PROP_MEMDEV, "memdev",
        "The memory backend to map", TYPE_MEMORY_BACKEND);
    object_property_set_required(pspec);
    g_object_class_install_property(gc, PROP_ADDR,
        g_param_spec_uint64("addr", "addr",
                            "Guest-physical address (0: first free)",
                            0, G_MAXUINT64, 0, flags));
    g_object_class_install_property(gc, PROP_SLOT,
        g_param_spec_int("slot", "slot", "Slot number (-1: first free)",
                         -1, MACHINE_MAX_RAM_SLOTS - 1, -1, flags));
    g_object_class_install_property(gc, PROP_NODE,
        g_param_spec_uint("node", "node", "NUMA node (only 0)",
                          0, G_MAXUINT32, 0, flags));
}

static void pc_dimm_class_init(PCDIMMDeviceClass *klass)
{
    GObjectClass *gc = G_OBJECT_CLASS(klass);
    ObjectClass *oc = QOM_OBJECT_CLASS(klass);
    DeviceStateClass *dc = QOM_DEVICE_CLASS(klass);

    gc->set_property = pc_dimm_set_property;
    gc->get_property = pc_dimm_get_property;
    gc->finalize = pc_dimm_finalize;
    oc->type_name = TYPE_PC_DIMM_NAME;
    oc->description = "DIMM memory module";
    dc->realize = pc_dimm_realize;
    dc->unrealize = pc_dimm_unrealize;
    pc_dimm_install_properties(gc);
}

static void pc_dimm_init(PCDIMMDevice *self)
{
    self->slot = -1;
}

uint64_t pc_dimm_get_addr(PCDIMMDevice *dimm)
{
    return dimm->addr;
}

uint64_t pc_dimm_get_size(PCDIMMDevice *dimm)
{
    return host_memory_backend_get_size(dimm->memdev);
}

int pc_dimm_get_slot(PCDIMMDevice *dimm)
{
    return dimm->slot;
}

unsigned pc_dimm_get_node(PCDIMMDevice *dimm)
{
    return dimm->node;
}

HostMemoryBackend *pc_dimm_get_memdev(PCDIMMDevice *dimm)
{
    return dimm->memdev;
}

void pc_dimm_register_types(TypeTable *tt)
{
    type_table_add(tt, TYPE_PC_DIMM);
}
