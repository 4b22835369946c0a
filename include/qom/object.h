/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The object model: QEMU's QOM objects as GObject classes.
 *
 * Object is the abstract base of everything created by name from the
 * command line or QMP: user-creatable objects (-object, object-add) and
 * devices (-device, device_add, see qom/qdev.h).  Each concrete class sets
 * its QEMU type name ("memory-backend-ram") in class_init and is added to a
 * TypeTable (qom/type-table.h); instances live in an ObjectRegistry
 * (qom/object-registry.h), which gives them their id, path and machine.
 *
 * Properties are plain GObject properties: the GParamSpec's name is the
 * QEMU property name, its blurb the help text and its min/max the range a
 * value must be in.  A few kinds need more than a GParamSpec says, and are
 * made with the helpers below: sizes (a uint64 that takes K/M/G/T
 * suffixes), links to other objects by id, and fd parameters.  Properties
 * are set once, before complete(); they are not changed afterwards.
 *
 * Objects can be "in use" (a memory backend mapped by a pc-dimm, the boot
 * RAM): users are named, and an object with users cannot be deleted.
 */
#ifndef QOM_OBJECT_H
#define QOM_OBJECT_H

#include <glib-object.h>
#include <stdbool.h>
#include <stdint.h>

#define QOM_ERROR qom_error_quark()
GQuark qom_error_quark(void);

typedef struct Machine Machine;              /* system/machine.h */
typedef struct ObjectRegistry ObjectRegistry;

#define TYPE_OBJECT (object_get_type())
G_DECLARE_DERIVABLE_TYPE(Object, object, QOM, OBJECT, GObject)

/**
 * struct _ObjectClass - the virtual methods of every object
 * @parent_class: GObject's
 * @type_name: the QEMU type name ("memory-backend-memfd"); every class,
 *             abstract ones included, sets its own in class_init
 * @description: one line for help output (may be NULL)
 * @complete: finish construction once every property is set; may fail
 *            (the object is then dropped).  NULL: nothing to do.
 * @can_be_deleted: extra veto on deletion, beyond the users check; NULL
 *                  means yes
 * @unparent: the object leaves its registry (deleted, or the machine shuts
 *            down): release what complete() acquired.  Devices unrealize
 *            here.  Called only on completed objects.
 */
struct _ObjectClass {
    GObjectClass parent_class;
    const char *type_name;
    const char *description;
    bool (*complete)(Object *obj, GError **errp);
    bool (*can_be_deleted)(Object *obj, GError **errp);
    void (*unparent)(Object *obj);
};

/** object_get_id() - Return: the id (owned by @obj), NULL if anonymous */
const char *object_get_id(Object *obj);

/**
 * object_get_path() - the QOM path of a registered object
 * @obj: the object
 *
 * "/objects/ID" for user-creatable objects, "/machine/peripheral/ID" for
 * devices with an id, "/machine/peripheral-anon/device[N]" for the others.
 *
 * Return: the path (owned by @obj), or NULL before registration.
 */
const char *object_get_path(Object *obj);

/** object_get_type_name() - Return: the QEMU type name of @obj's class */
const char *object_get_type_name(Object *obj);

/**
 * object_get_machine() - the machine the object belongs to
 * @obj: the object
 *
 * Return: the machine (borrowed), or NULL for an object made outside one
 * (unit tests).
 */
Machine *object_get_machine(Object *obj);

/** object_get_registry() - Return: the registry holding @obj (borrowed) */
ObjectRegistry *object_get_registry(Object *obj);

/** object_is_completed() - Return: whether complete() has succeeded */
bool object_is_completed(Object *obj);

/**
 * object_add_user() - record that something uses @obj
 * @obj: the object
 * @user: who uses it, for messages ("device 'dimm0'", "machine boot RAM");
 *        copied.  The same user may be added once.
 */
void object_add_user(Object *obj, const char *user);

/**
 * object_remove_user() - the inverse of object_add_user()
 * @obj: the object
 * @user: a user previously added
 */
void object_remove_user(Object *obj, const char *user);

/** object_is_in_use() - Return: whether @obj has any user */
bool object_is_in_use(Object *obj);

/**
 * object_can_be_deleted() - may @obj be deleted now?
 * @obj: the object
 * @errp: set (EBUSY) naming the first user, or by the class's veto
 *
 * Return: true if it has no user and its class does not object.
 */
bool object_can_be_deleted(Object *obj, GError **errp);

/* ------------------------------------------------------------------ */
/* Property kinds beyond plain GParamSpecs                              */
/* ------------------------------------------------------------------ */

/**
 * FdParam boxed type: the value of an fd property (see monitor/fds.h).
 * Setting the property moves the fd into the object, which closes it
 * later with fd_param_release() (only if it is owned).
 */
#define TYPE_FD_PARAM (fd_param_get_type())
GType fd_param_get_type(void);

/**
 * object_class_property_add_size() - install a size property
 * @klass: the class
 * @prop_id: the property id (> 0)
 * @name: the property name
 * @desc: help text
 * @min: smallest value accepted
 * @def: default value
 *
 * A uint64 property whose value may be written with a K, M, G, T, P or E
 * suffix ("512M") and is shown as type "size".
 *
 * Return: the param spec (owned by @klass).
 */
GParamSpec *object_class_property_add_size(GObjectClass *klass,
                                           guint prop_id, const char *name,
                                           const char *desc, uint64_t min,
                                           uint64_t def);

/**
 * object_class_property_add_link() - install a link property
 * @klass: the class
 * @prop_id: the property id
 * @name: the property name ("memdev")
 * @desc: help text
 * @target: the GType the linked object must be (or derive from)
 *
 * The value is written as the id (or QOM path) of a registered object,
 * resolved and type-checked when the property is set; get/set_property
 * see a GObject pointer.
 *
 * Return: the param spec (owned by @klass).
 */
GParamSpec *object_class_property_add_link(GObjectClass *klass,
                                           guint prop_id, const char *name,
                                           const char *desc, GType target);

/**
 * object_class_property_add_fd() - install an fd property
 * @klass: the class
 * @prop_id: the property id
 * @name: the property name ("fd")
 * @desc: help text
 *
 * The value is written as an inherited fd number or a getfd name, resolved
 * with fd_param_resolve(); set_property receives a boxed FdParam.
 *
 * Return: the param spec (owned by @klass).
 */
GParamSpec *object_class_property_add_fd(GObjectClass *klass, guint prop_id,
                                         const char *name, const char *desc);

/**
 * object_property_set_required() - the property must be given
 * @pspec: a property of a class
 *
 * Creating an object without it fails with "Parameter 'NAME' is missing".
 */
void object_property_set_required(GParamSpec *pspec);

/** object_property_is_required() - Return: see object_property_set_required() */
bool object_property_is_required(GParamSpec *pspec);

/** object_property_is_size() - Return: whether @pspec is a size property */
bool object_property_is_size(GParamSpec *pspec);

/** object_property_is_link() - Return: whether @pspec is a link property */
bool object_property_is_link(GParamSpec *pspec);

/** object_property_is_fd() - Return: whether @pspec is an fd property */
bool object_property_is_fd(GParamSpec *pspec);

/**
 * object_find_property() - look a property up by its exact name
 * @obj: the object
 * @name: the name (GObject's '_' for '-' leniency is not applied)
 *
 * Return: the param spec, or NULL if @obj has no such property.
 */
GParamSpec *object_find_property(Object *obj, const char *name);

/* private: for the registry */
void object_set_registration(Object *obj, ObjectRegistry *reg,
                             const char *id, const char *path);
void object_set_completed(Object *obj);

#endif /* QOM_OBJECT_H */
