/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Creating and deleting objects and devices by name, as -object/-device
 * and object-add/object-del/device_add/device_del do, and their help.
 *
 * Options are a JsonObject (see qom/keyval.h): for objects "qom-type" and
 * "id" plus properties, for devices "driver", optional "id", plus
 * properties.  Creation is all or nothing: the object is registered only
 * once its properties are set and complete()/realize() succeeded.
 */
#ifndef QOM_OBJECT_INTERFACES_H
#define QOM_OBJECT_INTERFACES_H

#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdio.h>

#include "qom/object-registry.h"

/**
 * user_creatable_add() - create a user-creatable object
 * @reg: the registry
 * @opts: "qom-type", "id" and the properties
 * @errp: set on failure: EINVAL for an unknown type, a missing or
 *        malformed id, or a bad property; EEXIST for a duplicate id; or
 *        complete()'s error
 *
 * Return: the object (borrowed: the registry owns it) or NULL.
 */
Object *user_creatable_add(ObjectRegistry *reg, JsonObject *opts,
                           GError **errp);

/**
 * user_creatable_del() - delete an object by id
 * @reg: the registry
 * @id: the id
 * @errp: set: ENOENT if there is no such object, EBUSY if it is in use
 *
 * Return: true on success.
 */
bool user_creatable_del(ObjectRegistry *reg, const char *id, GError **errp);

/**
 * qdev_device_add() - create and realize a device
 * @reg: the registry
 * @opts: "driver", optional "id" and the properties
 * @errp: set on failure (as user_creatable_add(), or realize's error)
 *
 * Return: the device (borrowed) or NULL.
 */
DeviceState *qdev_device_add(ObjectRegistry *reg, JsonObject *opts,
                             GError **errp);

/**
 * qdev_device_del() - unrealize and delete a device
 * @reg: the registry
 * @id: an id or QOM path
 * @errp: set: ENODEV if there is no such device, EPERM if it is not
 *        hotpluggable, EBUSY if in use
 *
 * Return: true on success.
 */
bool qdev_device_del(ObjectRegistry *reg, const char *id, GError **errp);

/**
 * qom_print_type_list() - "-object help" / "-device help"
 * @types: the type table
 * @devices: list device types (else user-creatable object types)
 * @out: where to print
 */
void qom_print_type_list(TypeTable *types, bool devices, FILE *out);

/**
 * qom_print_type_help() - "-device pc-dimm,help": a type's properties
 * @types: the type table
 * @name: the type name
 * @devices: @name must be a device type (else an object type)
 * @out: where to print
 * @errp: set (EINVAL) if @name is not such a type
 *
 * Return: true on success.
 */
bool qom_print_type_help(TypeTable *types, const char *name, bool devices,
                         FILE *out, GError **errp);

#endif /* QOM_OBJECT_INTERFACES_H */
