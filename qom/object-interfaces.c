/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Creating and deleting objects and devices by name, and their help.
 */
#include <errno.h>
#include <string.h>

#include "qom/keyval.h"
#include "qom/object-interfaces.h"
#include "qom/object-props.h"
#include "trace-qom.h"
#include "util/error.h"

/* A string option that must be present (or may be absent if optional) */
static bool get_string_option(JsonObject *opts, const char *key,
                              bool optional, const char **out, GError **errp)
{
    *out = qom_options_get_string(opts, key);
    if (*out) {
        return true;
    }
    if (!json_object_has_member(opts, key)) {
        if (optional) {
            return true;
        }
        error_setg(errp, QOM_ERROR, EINVAL, "Parameter '%s' is missing", key);
        return false;
    }
    error_setg(errp, QOM_ERROR, EINVAL, "Parameter '%s' expects a string",
               key);
    return false;
}

/* Create, configure, complete and register an object of @type */
static Object *object_create(ObjectRegistry *reg, GType type, const char *id,
                             JsonObject *opts, const char *const *skip,
                             GError **errp)
{
    g_autoptr(Object) obj = g_object_new(type, NULL);
    g_autofree char *path = object_registry_make_path(reg, type, id);
    ObjectClass *klass = QOM_OBJECT_GET_CLASS(obj);

    object_set_registration(obj, reg, id, path);
    if (QOM_IS_DEVICE(obj)) {
        device_set_hotplugged(QOM_DEVICE(obj),
                              object_registry_is_started(reg));
    }
    if (!object_set_properties(obj, opts, skip, errp)) {
        return NULL;
    }
    if (klass->complete && !klass->complete(obj, errp)) {
        return NULL;
    }
    object_set_completed(obj);
    object_registry_insert(reg, obj);
    trace_object_add(klass->type_name, path);
    /* the registry holds a reference from now on */
    return obj;
}

Object *user_creatable_add(ObjectRegistry *reg, JsonObject *opts,
                           GError **errp)
{
    static const char *const skip[] = { "qom-type", "id", NULL };
    const char *type_name, *id;
    GType type;

    if (!get_string_option(opts, "qom-type", false, &type_name, errp)) {
        return NULL;
    }
    type = type_table_lookup(object_registry_types(reg), type_name);
    if (!type || g_type_is_a(type, TYPE_DEVICE)) {
        error_setg(errp, QOM_ERROR, EINVAL, "invalid object type: %s",
                   type_name);
        return NULL;
    }
    if (!get_string_option(opts, "id", false, &id, errp) ||
        !object_registry_check_id(reg, type, id, errp)) {
        return NULL;
    }
    return object_create(reg, type, id, opts, skip, errp);
}

bool user_creatable_del(ObjectRegistry *reg, const char *id, GError **errp)
{
    Object *obj = object_registry_find_object(reg, id);

    if (!obj) {
        error_setg(errp, QOM_ERROR, ENOENT, "object '%s' not found", id);
        return false;
    }
    if (!object_can_be_deleted(obj, errp)) {
        return false;
    }
    trace_object_del(object_get_type_name(obj), object_get_path(obj));
    object_registry_remove(reg, obj);
    return true;
}

static GType device_type_lookup(ObjectRegistry *reg, const char *driver,
                                GError **errp)
{
    GType type = type_table_lookup(object_registry_types(reg), driver);
    DeviceStateClass *klass;

    if (!type || !g_type_is_a(type, TYPE_DEVICE)) {
        error_setg(errp, QOM_ERROR, EINVAL,
                   "'%s' is not a valid device model name", driver);
        return G_TYPE_INVALID;
    }
    klass = g_type_class_ref(type);
    if (object_registry_is_started(reg) && !klass->hotpluggable) {
        error_setg(errp, QOM_ERROR, EPERM,
                   "Device '%s' can not be hotplugged on this machine",
                   driver);
        type = G_TYPE_INVALID;
    }
    g_type_class_unref(klass);
    return type;
}

DeviceState *qdev_device_add(ObjectRegistry *reg, JsonObject *opts,
                             GError **errp)
{
    static const char *const skip[] = { "driver", "id", NULL };
    const char *driver, *id;
    GType type;
    Object *obj;

    if (!get_string_option(opts, "driver", false, &driver, errp)) {
        return NULL;
    }
    type = device_type_lookup(reg, driver, errp);
    if (!type || !get_string_option(opts, "id", true, &id, errp)) {
        return NULL;
    }
    if (id && !object_registry_check_id(reg, type, id, errp)) {
        return NULL;
    }
    obj = object_create(reg, type, id, opts, skip, errp);
    return obj ? QOM_DEVICE(obj) : NULL;
}

bool qdev_device_del(ObjectRegistry *reg, const char *id, GError **errp)
{
    DeviceState *dev = object_registry_find_device(reg, id);

    if (!dev) {
        error_setg(errp, QOM_ERROR, ENODEV, "Device '%s' not found", id);
        return false;
    }
    if (!QOM_DEVICE_GET_CLASS(dev)->hotpluggable) {
        error_setg(errp, QOM_ERROR, EPERM,
                   "Device '%s' does not support hot-unplug", id);
        return false;
    }
    if (!object_can_be_deleted(QOM_OBJECT(dev), errp)) {
        return false;
    }
    trace_object_del(object_get_type_name(QOM_OBJECT(dev)),
                     object_get_path(QOM_OBJECT(dev)));
    object_registry_remove(reg, QOM_OBJECT(dev));
    return true;
}

/* ------------------------------------------------------------------ */
/* Help                                                                 */
/* ------------------------------------------------------------------ */

void qom_print_type_list(TypeTable *types, bool devices, FILE *out)
{
    g_autofree const char **names =
        devices ? type_table_list(types, TYPE_DEVICE, G_TYPE_INVALID)
                : type_table_list(types, TYPE_OBJECT, TYPE_DEVICE);

    fprintf(out, devices ? "Devices:\n" : "List of user creatable objects:\n");
    for (const char **n = names; *n; n++) {
        GType type = type_table_lookup(types, *n);
        ObjectClass *klass = g_type_class_ref(type);

        if (devices) {
            fprintf(out, "name \"%s\", desc \"%s\"\n", *n,
                    klass->description ? klass->description : "");
        } else {
            fprintf(out, "  %s\n", *n);
        }
        g_type_class_unref(klass);
    }
}

static int compare_pspecs(const void *a, const void *b)
{
    return strcmp(g_param_spec_get_name(*(GParamSpec *const *)a),
                  g_param_spec_get_name(*(GParamSpec *const *)b));
}

static void print_property(GParamSpec *pspec, FILE *out)
{
    g_autofree char *type = object_property_type_string(pspec);
    g_autofree char *def = object_property_default_string(pspec);
    g_autofree char *left = g_strdup_printf("%s=<%s>",
                                            g_param_spec_get_name(pspec), type);
    const char *blurb = g_param_spec_get_blurb(pspec);

    fprintf(out, "  %-24s - %s", left, blurb ? blurb : "");
    if (object_property_is_required(pspec)) {
        fprintf(out, " (required)");
    } else if (def) {
        fprintf(out, " (default: %s)", def);
    }
    fputc('\n', out);
}

bool qom_print_type_help(TypeTable *types, const char *name, bool devices,
                         FILE *out, GError **errp)
{
    GType type = type_table_lookup(types, name);
    GObjectClass *klass;
    g_autofree GParamSpec **props = NULL;
    guint n;

    if (!type || g_type_is_a(type, TYPE_DEVICE) != devices) {
        error_setg(errp, QOM_ERROR, EINVAL,
                   devices ? "'%s' is not a valid device model name"
                           : "invalid object type: %s", name);
        return false;
    }
    klass = g_type_class_ref(type);
    props = g_object_class_list_properties(klass, &n);
    qsort(props, n, sizeof(*props), compare_pspecs);
    if (n == 0) {
        fprintf(out, "There are no options for %s.\n", name);
    } else {
        fprintf(out, "%s options:\n", name);
    }
    for (guint i = 0; i < n; i++) {
        print_property(props[i], out);
    }
    g_type_class_unref(klass);
    return true;
}
