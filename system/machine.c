/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Machine: the root object of a vfio-host instance, its boot RAM and its
 * memory hotplug window.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "hw/mem/pc-dimm.h"
#include "hw/vfio/vfio-context.h"
#include "hw/vfio/vfio-pci.h"
#include "monitor/qmp-cmds-machine.h"
#include "monitor/qmp-cmds-vfio.h"
#include "qom/object-interfaces.h"
#include "system/hostmem.h"
#include "system/iommufd-object.h"
#include "machine-internal.h"
#include "system/qtest.h"
#include "util/error.h"

G_DEFINE_QUARK(vfio-host-machine-error, machine_error)

#define BOOT_RAM_USER "machine boot RAM"
#define DEVICE_MEMORY_ALIGN (UINT64_C(1) << 30)
#define PCI_MMIO_ALIGN (UINT64_C(4) << 30)
/* x86-64's widest guest-physical address space: keeps the layout math far
 * from overflow */
#define MACHINE_MAX_PHYS (UINT64_C(1) << 52)

static void machine_register_types(TypeTable *tt)
{
    hostmem_register_types(tt);
    pc_dimm_register_types(tt);
    iommufd_object_register_types(tt);
    vfio_pci_register_types(tt);
}

Machine *machine_new(void)
{
    Machine *m = g_new0(Machine, 1);

    m->topo = memory_topology_new();
    m->system_memory = memory_region_new_container(m->topo, "system",
                                                   UINT64_MAX);
    m->as = address_space_new(m->topo, m->system_memory, "memory");
    m->types = type_table_new();
    machine_register_types(m->types);
    m->fds = fd_registry_new();
    m->objects = object_registry_new(m->types, m->fds, m);
    m->chardevs = g_ptr_array_new_with_free_func((GDestroyNotify)chardev_free);
    return m;
}

static void machine_remove_boot_ram(Machine *m)
{
    HostMemoryBackend *b;

    if (!m->ram_backend) {
        return;
    }
    b = HOST_MEMORY_BACKEND(m->ram_backend);
    memory_region_del_subregion(m->system_memory,
                                host_memory_backend_get_memory(b));
    object_remove_user(m->ram_backend, BOOT_RAM_USER);
    g_clear_object(&m->ram_backend);
}

void machine_free(Machine *m)
{
    if (!m) {
        return;
    }
    g_clear_handle_id(&m->quit_source, g_source_remove);
    g_clear_pointer(&m->qmp, qmp_server_free);
    g_clear_pointer(&m->qtest, qtest_free);
    machine_remove_boot_ram(m);
    object_registry_free(m->objects);
    g_clear_pointer(&m->vfio, vfio_context_free);
    g_ptr_array_unref(m->chardevs);
    address_space_free(m->as);
    memory_region_unref(m->system_memory);
    memory_topology_unref(m->topo);
    fd_registry_free(m->fds);
    type_table_free(m->types);
    g_free(m->name);
    g_free(m);
}

/* ------------------------------------------------------------------ */
/* Boot RAM and the hotplug window                                      */
/* ------------------------------------------------------------------ */

static bool machine_check_memory_config(const MachineMemoryConfig *cfg,
                                        uint64_t size, GError **errp)
{
    if (size > MACHINE_MAX_PHYS / 2 || cfg->maxmem > MACHINE_MAX_PHYS / 2) {
        error_setg(errp, MACHINE_ERROR, EINVAL,
                   "invalid -m option value: 0x%" PRIx64 " bytes exceed the "
                   "limit of 0x%" PRIx64, MAX(size, cfg->maxmem),
                   MACHINE_MAX_PHYS / 2);
        return false;
    }
    if (cfg->slots > MACHINE_MAX_RAM_SLOTS) {
        error_setg(errp, MACHINE_ERROR, EINVAL,
                   "invalid -m option value: slots=%u is above the limit "
                   "of %u", cfg->slots, MACHINE_MAX_RAM_SLOTS);
        return false;
    }
    if (cfg->maxmem && cfg->maxmem < size) {
        error_setg(errp, MACHINE_ERROR, EINVAL,
                   "invalid -m option value: maxmem (0x%" PRIx64 ") must be "
                   "at least the RAM size (0x%" PRIx64 ")", cfg->maxmem, size);
        return false;
    }
    if (cfg->maxmem > size && !cfg->slots) {
        error_setg(errp, MACHINE_ERROR, EINVAL,
                   "invalid -m option value: maxmem was specified, but no "
                   "hotplug slots were specified");
        return false;
    }
    if (cfg->slots && cfg->maxmem <= size) {
        error_setg(errp, MACHINE_ERROR, EINVAL,
                   "invalid -m option value: slots=%u needs maxmem above "
                   "the RAM size", cfg->slots);
        return false;
    }
    return true;
}

/* The backend given with -machine memory-backend=, checked */
static Object *machine_named_backend(Machine *m,
                                     const MachineMemoryConfig *cfg,
                                     GError **errp)
{
    Object *obj = object_registry_find_object(m->objects, cfg->backend_id);
    uint64_t size;

    if (!obj || !HOST_IS_MEMORY_BACKEND(obj)) {
        error_setg(errp, MACHINE_ERROR, ENOENT,
                   "Memory backend with id '%s' not found", cfg->backend_id);
        return NULL;
    }
    size = host_memory_backend_get_size(HOST_MEMORY_BACKEND(obj));
    if (cfg->size && cfg->size != size) {
        error_setg(errp, MACHINE_ERROR, EINVAL,
                   "-m size 0x%" PRIx64 " does not match the size 0x%" PRIx64
                   " of memory backend '%s'", cfg->size, size,
                   cfg->backend_id);
        return NULL;
    }
    if (object_is_in_use(obj)) {
        error_setg(errp, MACHINE_ERROR, EBUSY,
                   "can't use already busy memdev: %s", cfg->backend_id);
        return NULL;
    }
    return obj;
}

/* The default boot RAM: a memfd backend registered as /objects/pc.ram */
static Object *machine_default_backend(Machine *m, uint64_t size,
                                       GError **errp)
{
    g_autoptr(JsonObject) opts = json_object_new();

    json_object_set_string_member(opts, "qom-type",
                                  TYPE_MEMORY_BACKEND_MEMFD_NAME);
    json_object_set_string_member(opts, "id", MACHINE_DEFAULT_RAM_ID);
    json_object_set_int_member(opts, "size", (gint64)size);
    return user_creatable_add(m->objects, opts, errp);
}

static void machine_set_device_memory(Machine *m,
                                      const MachineMemoryConfig *cfg)
{
    if (!cfg->slots) {
        return;
    }
    m->device_memory.base = (m->ram_size + DEVICE_MEMORY_ALIGN - 1) &
                            ~(DEVICE_MEMORY_ALIGN - 1);
    m->device_memory.size = cfg->maxmem - m->ram_size;
    m->device_memory.slots = cfg->slots;
}

bool machine_init_memory(Machine *m, const MachineMemoryConfig *cfg,
                         GError **errp)
{
    uint64_t size = cfg->size ? cfg->size : MACHINE_DEFAULT_RAM_SIZE;
    Object *backend;

    g_assert(!m->ram_backend);
    if (cfg->backend_id) {
        backend = machine_named_backend(m, cfg, errp);
        if (!backend) {
            return false;
        }
        size = host_memory_backend_get_size(HOST_MEMORY_BACKEND(backend));
        if (!machine_check_memory_config(cfg, size, errp)) {
            return false;
        }
    } else {
        if (size <= MACHINE_MAX_PHYS) {
            size = (size + 4095) & ~UINT64_C(4095);     /* whole pages */
        }
        if (!machine_check_memory_config(cfg, size, errp)) {
            return false;
        }
        backend = machine_default_backend(m, size, errp);
        if (!backend) {
            return false;
        }
    }
    m->ram_backend = g_object_ref(backend);
    m->ram_size = size;
    object_add_user(backend, BOOT_RAM_USER);
    memory_region_add_subregion(m->system_memory, 0,
        host_memory_backend_get_memory(HOST_MEMORY_BACKEND(backend)));
    machine_set_device_memory(m, cfg);
    return true;
}

/* ------------------------------------------------------------------ */
/* Accessors                                                            */
/* ------------------------------------------------------------------ */

MemoryTopology *machine_get_topology(Machine *m)
{
    return m->topo;
}

MemoryRegion *machine_get_system_memory(Machine *m)
{
    return m->system_memory;
}

AddressSpace *machine_get_address_space(Machine *m)
{
    return m->as;
}

TypeTable *machine_get_types(Machine *m)
{
    return m->types;
}

ObjectRegistry *machine_get_objects(Machine *m)
{
    return m->objects;
}

FdRegistry *machine_get_fds(Machine *m)
{
    return m->fds;
}

uint64_t machine_get_ram_size(Machine *m)
{
    return m->ram_size;
}

const DeviceMemoryWindow *machine_get_device_memory(Machine *m)
{
    return &m->device_memory;
}

void machine_get_pci_mmio_window(Machine *m, Range *out)
{
    uint64_t end = MAX(m->ram_size, m->device_memory.base +
                                    m->device_memory.size);
    uint64_t base = MAX((end + PCI_MMIO_ALIGN - 1) & ~(PCI_MMIO_ALIGN - 1),
                        PCI_MMIO_ALIGN);

    /* RAM and hotplug stay below MACHINE_MAX_PHYS: no overflow here */
    range_from_size(base, MACHINE_PCI_MMIO_SIZE, out);
}

VFIOContext *machine_get_vfio_context(Machine *m)
{
    if (!m->vfio) {
        m->vfio = vfio_context_new();
        vfio_context_set_error_hook(m->vfio, vfio_pci_report_map_failure, m);
    }
    return m->vfio;
}

static void machine_qmp_request_quit(void *opaque)
{
    machine_request_quit(opaque, "host-qmp-quit");
}

static const char *machine_qmp_status(void *opaque)
{
    return machine_status(opaque);
}

void machine_set_qmp(Machine *m, QmpServer *qmp)
{
    QmpRunState rs = {
        .request_quit = machine_qmp_request_quit,
        .status = machine_qmp_status,
        .opaque = m,
    };

    g_assert(!m->qmp);
    m->qmp = qmp;
    qmp_server_set_run_state(qmp, &rs);
    qmp_cmds_qom_register(qmp, m);
    qmp_cmds_machine_register(qmp, m);
    qmp_cmds_vfio_register(qmp, m);
}

QmpServer *machine_get_qmp(Machine *m)
{
    return m->qmp;
}

void machine_emit_event(Machine *m, const char *event, JsonObject *data)
{
    if (m->qmp) {
        qmp_emit_event(m->qmp, event, data);
    } else if (data) {
        json_object_unref(data);
    }
}

void machine_set_qtest(Machine *m, QTest *qtest)
{
    g_assert(!m->qtest);
    m->qtest = qtest;
}

QTest *machine_get_qtest(Machine *m)
{
    return m->qtest;
}

bool machine_add_chardev(Machine *m, Chardev *chr, GError **errp)
{
    if (machine_find_chardev(m, chardev_id(chr))) {
        error_setg(errp, MACHINE_ERROR, EEXIST,
                   "Duplicate ID '%s' for chardev", chardev_id(chr));
        chardev_free(chr);
        return false;
    }
    g_ptr_array_add(m->chardevs, chr);
    return true;
}

Chardev *machine_find_chardev(Machine *m, const char *id)
{
    for (guint i = 0; i < m->chardevs->len; i++) {
        Chardev *chr = g_ptr_array_index(m->chardevs, i);

        if (strcmp(chardev_id(chr), id) == 0) {
            return chr;
        }
    }
    return NULL;
}

void machine_set_name(Machine *m, const char *name)
{
    g_free(m->name);
    m->name = g_strdup(name);
}

const char *machine_get_name(Machine *m)
{
    return m->name;
}
