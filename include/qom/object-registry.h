/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The registry of live objects of one machine: user-creatable objects by
 * id (QOM path /objects/ID) and devices (/machine/peripheral/ID, or
 * /machine/peripheral-anon/device[N] without an id).  Objects and devices
 * are separate namespaces, as in QEMU.  The registry holds one reference
 * on each object and remembers the creation order, so shutdown tears down
 * in reverse: devices first, then objects.
 *
 * It also carries what property setters and complete() need: the type
 * table, the fd registry (fd= properties) and the machine.
 */
#ifndef QOM_OBJECT_REGISTRY_H
#define QOM_OBJECT_REGISTRY_H

#include <glib-object.h>
#include <stdbool.h>

#include "monitor/fds.h"
#include "qom/qdev.h"
#include "qom/type-table.h"

/**
 * object_registry_new() - create an empty registry
 * @types: the creatable types (borrowed; must outlive the registry)
 * @fds: the fd registry for fd= properties (borrowed; may be NULL in
 *       tests, then fd properties fail)
 * @machine: the machine objects belong to (borrowed; may be NULL in tests)
 *
 * Return: the registry; free with object_registry_free().
 */
ObjectRegistry *object_registry_new(TypeTable *types, FdRegistry *fds,
                                    Machine *machine);

/**
 * object_registry_clear() - unparent and drop every object
 * @reg: the registry
 *
 * Devices go first, newest first, then objects, newest first; users
 * registered on objects are ignored (everything is going away).
 */
void object_registry_clear(ObjectRegistry *reg);

/** object_registry_free() - clear and free @reg (NULL: no-op) */
void object_registry_free(ObjectRegistry *reg);

/** object_registry_types() - Return: the type table (borrowed) */
TypeTable *object_registry_types(ObjectRegistry *reg);

/** object_registry_fds() - Return: the fd registry (borrowed, may be NULL) */
FdRegistry *object_registry_fds(ObjectRegistry *reg);

/** object_registry_machine() - Return: the machine (borrowed, may be NULL) */
Machine *object_registry_machine(ObjectRegistry *reg);

/**
 * object_registry_set_started() - start-up is over
 * @reg: the registry
 *
 * Devices created from now on are "hotplugged" (device_add).
 */
void object_registry_set_started(ObjectRegistry *reg);

/** object_registry_is_started() - Return: see object_registry_set_started() */
bool object_registry_is_started(ObjectRegistry *reg);

/**
 * object_registry_find_object() - a user-creatable object by id or path
 * @reg: the registry
 * @id: "ID" or "/objects/ID"
 *
 * Return: the object (borrowed) or NULL.
 */
Object *object_registry_find_object(ObjectRegistry *reg, const char *id);

/**
 * object_registry_find_device() - a device by id or QOM path
 * @reg: the registry
 * @id: "ID", "/machine/peripheral/ID" or "/machine/peripheral-anon/..."
 *
 * Return: the device (borrowed) or NULL.
 */
DeviceState *object_registry_find_device(ObjectRegistry *reg,
                                         const char *id);

/**
 * object_registry_resolve_path() - any registered object by QOM path
 * @reg: the registry
 * @path: an absolute QOM path
 *
 * Return: the object (borrowed) or NULL.
 */
Object *object_registry_resolve_path(ObjectRegistry *reg, const char *path);

/**
 * object_registry_list() - the registered objects of a type
 * @reg: the registry
 * @type: TYPE_OBJECT for every object, TYPE_DEVICE for devices, ...
 *
 * Return: the objects in creation order (borrowed pointers); free the
 * array with g_ptr_array_unref().
 */
GPtrArray *object_registry_list(ObjectRegistry *reg, GType type);

/* private: for object-interfaces.c */
char *object_registry_make_path(ObjectRegistry *reg, GType type,
                                const char *id);
bool object_registry_check_id(ObjectRegistry *reg, GType type,
                              const char *id, GError **errp);
void object_registry_insert(ObjectRegistry *reg, Object *obj);
void object_registry_remove(ObjectRegistry *reg, Object *obj);

#endif /* QOM_OBJECT_REGISTRY_H */
