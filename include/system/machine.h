/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Machine: the root of one vfio-host instance.
 *
 * It owns everything the process serves: the memory topology with the
 * system memory container and its address space, the table of creatable
 * types, the registry of objects and devices, the fd registry, the QMP
 * server, the qtest server, the chardevs, the boot RAM and the memory
 * hotplug window, and the run state.  Nothing is process-global, so a
 * test can make several machines.
 *
 * Guest-physical layout: boot RAM at 0; the hotplug window (pc-dimm) at
 * the first 1 GiB boundary at or above the end of boot RAM, maxmem - size
 * bytes long; the PCI MMIO window (vfio-pci BARs) at the first 4 GiB
 * boundary at or above both, and at least at 4 GiB, MACHINE_PCI_MMIO_SIZE
 * bytes long.
 */
#ifndef SYSTEM_MACHINE_H
#define SYSTEM_MACHINE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "chardev/char.h"
#include "exec/memory.h"
#include "monitor/fds.h"
#include "monitor/qmp.h"
#include "qom/object-registry.h"
#include "util/range.h"

#define MACHINE_ERROR machine_error_quark()
GQuark machine_error_quark(void);

typedef struct Machine Machine;
typedef struct QTest QTest;
typedef struct VFIOContext VFIOContext;     /* hw/vfio/vfio-context.h */

/* The most hotplug slots -m slots= accepts (QEMU's ACPI limit) */
#define MACHINE_MAX_RAM_SLOTS 256

/* The boot RAM size when -m is not given */
#define MACHINE_DEFAULT_RAM_SIZE (UINT64_C(128) << 20)

/* The size of the PCI MMIO window */
#define MACHINE_PCI_MMIO_SIZE (UINT64_C(256) << 30)

/* The id of the boot RAM backend made when -machine memory-backend= is not
 * given (as QEMU's pc machines name it) */
#define MACHINE_DEFAULT_RAM_ID "pc.ram"

/**
 * struct MachineMemoryConfig - what -m and -machine memory-backend= say
 * @size: boot RAM size in bytes (0: not given)
 * @maxmem: boot RAM plus hotpluggable memory (0: not given)
 * @slots: hotplug slots (0: no hotplug)
 * @backend_id: boot RAM backend id, or NULL to make a memfd one
 */
typedef struct MachineMemoryConfig {
    uint64_t size;
    uint64_t maxmem;
    unsigned slots;
    const char *backend_id;
} MachineMemoryConfig;

/**
 * struct DeviceMemoryWindow - where pc-dimms go
 * @base: first guest-physical address
 * @size: bytes (0: memory hotplug is disabled)
 * @slots: how many DIMMs may be plugged
 */
typedef struct DeviceMemoryWindow {
    uint64_t base;
    uint64_t size;
    unsigned slots;
} DeviceMemoryWindow;

/**
 * machine_new() - an empty machine
 *
 * Creates the topology, the "system" container (the whole 2^64 space),
 * the "memory" address space over it, the fd registry and the type table
 * with every built-in type.  No RAM, QMP or qtest yet.
 *
 * Return: the machine; free with machine_free().
 */
Machine *machine_new(void);

/**
 * machine_free() - tear down everything, in order
 * @m: the machine (NULL: no-op)
 *
 * QMP and qtest clients are closed, devices unrealized, boot RAM unmapped,
 * objects finalized, chardevs closed, fds the registry owns closed.
 */
void machine_free(Machine *m);

/**
 * machine_init_memory() - set up boot RAM and the hotplug window
 * @m: the machine
 * @cfg: the configuration
 * @errp: set (EINVAL) on an inconsistent configuration (maxmem below size,
 *        slots without maxmem, a backend of another size...), ENOENT for
 *        an unknown backend, or the backend's error
 *
 * Call once, after -object backends exist.
 *
 * Return: true on success.
 */
bool machine_init_memory(Machine *m, const MachineMemoryConfig *cfg,
                         GError **errp);

/** machine_get_topology() - Return: the memory topology (borrowed) */
MemoryTopology *machine_get_topology(Machine *m);

/** machine_get_system_memory() - Return: the root container (borrowed) */
MemoryRegion *machine_get_system_memory(Machine *m);

/** machine_get_address_space() - Return: the system address space */
AddressSpace *machine_get_address_space(Machine *m);

/** machine_get_types() - Return: the type table (borrowed) */
TypeTable *machine_get_types(Machine *m);

/** machine_get_objects() - Return: the object registry (borrowed) */
ObjectRegistry *machine_get_objects(Machine *m);

/** machine_get_fds() - Return: the fd registry (borrowed) */
FdRegistry *machine_get_fds(Machine *m);

/** machine_get_ram_size() - Return: the boot RAM size (0 before init) */
uint64_t machine_get_ram_size(Machine *m);

/** machine_get_device_memory() - Return: the hotplug window (borrowed) */
const DeviceMemoryWindow *machine_get_device_memory(Machine *m);

/**
 * machine_get_pci_mmio_window() - where PCI BARs go
 * @m: the machine, after machine_init_memory()
 * @out: set to the window (see the layout above)
 */
void machine_get_pci_mmio_window(Machine *m, Range *out);

/**
 * machine_get_vfio_context() - the VFIO layer's state for this machine
 * @m: the machine
 *
 * Made on first use, with the hook that turns runtime map failures into
 * VFIO_MAP_FAILED events; freed by machine_free() after the devices.
 *
 * Return: the context (borrowed).
 */
VFIOContext *machine_get_vfio_context(Machine *m);

/**
 * machine_set_qmp() - hand the QMP server to the machine
 * @m: the machine
 * @qmp: the server; the machine frees it first thing in machine_free()
 *
 * Registers the machine's QMP commands and run-state hooks on @qmp.
 */
void machine_set_qmp(Machine *m, QmpServer *qmp);

/** machine_get_qmp() - Return: the QMP server (borrowed) or NULL */
QmpServer *machine_get_qmp(Machine *m);

/**
 * machine_emit_event() - send a QMP event if there is a QMP server
 * @m: the machine
 * @event: the event name
 * @data: the data member, consumed (NULL: none)
 */
void machine_emit_event(Machine *m, const char *event, JsonObject *data);

/** machine_set_qtest() - hand the qtest server over (freed with @m) */
void machine_set_qtest(Machine *m, QTest *qtest);

/** machine_get_qtest() - Return: the qtest server (borrowed) or NULL */
QTest *machine_get_qtest(Machine *m);

/**
 * machine_add_chardev() - keep a chardev made by -chardev
 * @m: the machine
 * @chr: the chardev; the machine owns it from now on
 * @errp: set (EEXIST) if the id is taken; @chr is then freed
 *
 * Return: true on success.
 */
bool machine_add_chardev(Machine *m, Chardev *chr, GError **errp);

/** machine_find_chardev() - Return: the chardev with @id (borrowed), or NULL */
Chardev *machine_find_chardev(Machine *m, const char *id);

/** machine_set_name() - the -name guest name (copied; NULL: none) */
void machine_set_name(Machine *m, const char *name);

/** machine_get_name() - Return: the guest name, or NULL */
const char *machine_get_name(Machine *m);

/* Run state (system/runstate.c) */

/**
 * machine_set_running() - leave "prelaunch" (-S) for "running"
 * @m: the machine
 * @running: the new state
 */
void machine_set_running(Machine *m, bool running);

/** machine_is_running() - Return: whether the machine is running */
bool machine_is_running(Machine *m);

/** machine_status() - Return: QEMU's status name: "running"/"prelaunch" */
const char *machine_status(Machine *m);

/**
 * machine_set_quit_handler() - who stops the process
 * @m: the machine
 * @quit: called (from an idle callback, so a QMP reply is sent first)
 *        when quit is requested
 * @opaque: passed to @quit
 */
void machine_set_quit_handler(Machine *m, void (*quit)(void *opaque),
                              void *opaque);

/**
 * machine_request_quit() - ask for a clean shutdown
 * @m: the machine
 * @reason: QEMU's SHUTDOWN reason ("host-qmp-quit", "host-signal")
 *
 * Emits the SHUTDOWN event and schedules the quit handler.
 */
void machine_request_quit(Machine *m, const char *reason);

#endif /* SYSTEM_MACHINE_H */
