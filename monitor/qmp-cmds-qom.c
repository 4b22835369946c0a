/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP commands on objects and devices: object-add, object-del,
 * device_add, device_del (and its DEVICE_DELETED event), qom-list and
 * qom-get.
 *
 * The QOM tree shown is the one QEMU users know: "/objects/ID" for
 * user-creatable objects, "/machine/peripheral/ID" and
 * "/machine/peripheral-anon/device[N]" for devices.
 */
#include <errno.h>
#include <string.h>

#include "monitor/qmp-args.h"
#include "monitor/qmp-cmds-machine.h"
#include "qom/object-interfaces.h"
#include "qom/object-props.h"
#include "util/error.h"

/* The containers of the tree, each with its parent's path */
static const char *const qom_containers[][2] = {
    { "/", NULL },
    { "/machine", "/" },
    { "/machine/peripheral", "/machine" },
    { "/machine/peripheral-anon", "/machine" },
    { "/objects", "/" },
};

/* The {} of commands that return nothing */
static JsonNode *empty_return(void)
{
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);

    json_node_take_object(node, json_object_new());
    return node;
}

static JsonNode *qmp_object_add(QmpServer *qmp, JsonObject *args,
                                Monitor *mon, void *opaque, GError **errp)
{
    Machine *m = opaque;

    if (!user_creatable_add(machine_get_objects(m), args, errp)) {
        return NULL;
    }
    return empty_return();
}

static JsonNode *qmp_object_del(QmpServer *qmp, JsonObject *args,
                                Monitor *mon, void *opaque, GError **errp)
{
    static const char *const allowed[] = { "id", NULL };
    Machine *m = opaque;
    const char *id;

    if (!qmp_arg_get_string(args, "id", true, &id, errp) ||
        !qmp_args_check_only(args, allowed, errp) ||
        !user_creatable_del(machine_get_objects(m), id, errp)) {
        return NULL;
    }
    return empty_return();
}

static JsonNode *qmp_device_add(QmpServer *qmp, JsonObject *args,
                                Monitor *mon, void *opaque, GError **errp)
{
    Machine *m = opaque;

    if (!qdev_device_add(machine_get_objects(m), args, errp)) {
        return NULL;
    }
    return empty_return();
}

static void emit_device_deleted(Machine *m, const char *id, const char *path)
{
    JsonObject *data = json_object_new();

    if (id) {
        json_object_set_string_member(data, "device", id);
    }
    json_object_set_string_member(data, "path", path);
    machine_emit_event(m, "DEVICE_DELETED", data);
}

static JsonNode *qmp_device_del(QmpServer *qmp, JsonObject *args,
                                Monitor *mon, void *opaque, GError **errp)
{
    static const char *const allowed[] = { "id", NULL };
    Machine *m = opaque;
    ObjectRegistry *reg = machine_get_objects(m);
    g_autofree char *dev_id = NULL;
    g_autofree char *path = NULL;
    DeviceState *dev;
    const char *id;

    if (!qmp_arg_get_string(args, "id", true, &id, errp) ||
        !qmp_args_check_only(args, allowed, errp)) {
        return NULL;
    }
    dev = object_registry_find_device(reg, id);
    if (!dev) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_DEVICE_NOT_FOUND,
                    "Device '%s' not found", id);
        return NULL;
    }
    dev_id = g_strdup(object_get_id(QOM_OBJECT(dev)));
    path = g_strdup(object_get_path(QOM_OBJECT(dev)));
    if (!qdev_device_del(reg, id, errp)) {
        return NULL;
    }
    /* unplug is synchronous (there is no guest to ask), as is the event */
    emit_device_deleted(m, dev_id, path);
    return empty_return();
}

/* ------------------------------------------------------------------ */
/* qom-list, qom-get                                                    */
/* ------------------------------------------------------------------ */

static bool is_container(const char *path)
{
    for (size_t i = 0; i < G_N_ELEMENTS(qom_containers); i++) {
        if (strcmp(qom_containers[i][0], path) == 0) {
            return true;
        }
    }
    return false;
}

static void list_add(JsonArray *list, const char *name, const char *type,
                     const char *description)
{
    JsonObject *info = json_object_new();

    json_object_set_string_member(info, "name", name);
    json_object_set_string_member(info, "type", type);
    if (description) {
        json_object_set_string_member(info, "description", description);
    }
    json_array_add_object_element(list, info);
}

static void list_container(ObjectRegistry *reg, const char *path,
                           JsonArray *list)
{
    g_autoptr(GPtrArray) objs = object_registry_list(reg, TYPE_OBJECT);

    for (size_t i = 0; i < G_N_ELEMENTS(qom_containers); i++) {
        if (g_strcmp0(qom_containers[i][1], path) == 0) {
            list_add(list, strrchr(qom_containers[i][0], '/') + 1,
                     "child<container>", NULL);
        }
    }
    for (guint i = 0; i < objs->len; i++) {
        Object *obj = g_ptr_array_index(objs, i);
        const char *opath = object_get_path(obj);
        const char *slash = strrchr(opath, '/');
        g_autofree char *type = NULL;

        if (strlen(path) == (size_t)(slash - opath) &&
            strncmp(opath, path, strlen(path)) == 0) {
            type = g_strdup_printf("child<%s>", object_get_type_name(obj));
            list_add(list, slash + 1, type, NULL);
        }
    }
}

static void list_properties(Object *obj, JsonArray *list)
{
    guint n;
    g_autofree GParamSpec **props =
        g_object_class_list_properties(G_OBJECT_GET_CLASS(obj), &n);

    for (guint i = 0; i < n; i++) {
        g_autofree char *type = object_property_type_string(props[i]);

        list_add(list, g_param_spec_get_name(props[i]), type,
                 g_param_spec_get_blurb(props[i]));
    }
}

static bool path_not_found(const char *path, GError **errp)
{
    g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_DEVICE_NOT_FOUND,
                "Device '%s' not found", path);
    return false;
}

static JsonNode *qmp_qom_list(QmpServer *qmp, JsonObject *args,
                              Monitor *mon, void *opaque, GError **errp)
{
    static const char *const allowed[] = { "path", NULL };
    ObjectRegistry *reg = machine_get_objects(opaque);
    g_autoptr(JsonArray) list = json_array_new();
    const char *path;
    Object *obj = NULL;

    if (!qmp_arg_get_string(args, "path", true, &path, errp) ||
        !qmp_args_check_only(args, allowed, errp)) {
        return NULL;
    }
    if (!is_container(path) &&
        !(obj = object_registry_resolve_path(reg, path))) {
        path_not_found(path, errp);
        return NULL;
    }
    list_add(list, "type", "string", NULL);
    if (obj) {
        list_properties(obj, list);
    } else {
        list_container(reg, path, list);
    }
    return json_node_init_array(json_node_alloc(), list);
}

static JsonNode *qom_get_object(Object *obj, const char *property,
                                GError **errp)
{
    GParamSpec *pspec;

    if (strcmp(property, "type") == 0) {
        return json_node_init_string(json_node_alloc(),
                                     object_get_type_name(obj));
    }
    pspec = object_find_property(obj, property);
    if (!pspec) {
        error_setg(errp, QOM_ERROR, ENOENT, "Property '%s.%s' not found",
                   object_get_type_name(obj), property);
        return NULL;
    }
    return object_property_get_json(obj, pspec);
}

static JsonNode *qmp_qom_get(QmpServer *qmp, JsonObject *args,
                             Monitor *mon, void *opaque, GError **errp)
{
    static const char *const allowed[] = { "path", "property", NULL };
    ObjectRegistry *reg = machine_get_objects(opaque);
    const char *path, *property;
    Object *obj;

    if (!qmp_arg_get_string(args, "path", true, &path, errp) ||
        !qmp_arg_get_string(args, "property", true, &property, errp) ||
        !qmp_args_check_only(args, allowed, errp)) {
        return NULL;
    }
    if (is_container(path)) {
        if (strcmp(property, "type") == 0) {
            return json_node_init_string(json_node_alloc(), "container");
        }
        error_setg(errp, QOM_ERROR, ENOENT,
                   "Property 'container.%s' not found", property);
        return NULL;
    }
    obj = object_registry_resolve_path(reg, path);
    if (!obj) {
        path_not_found(path, errp);
        return NULL;
    }
    return qom_get_object(obj, property, errp);
}

void qmp_cmds_qom_register(QmpServer *qmp, Machine *m)
{
    qmp_register_command(qmp, "device_add", qmp_device_add, m);
    qmp_register_command(qmp, "device_del", qmp_device_del, m);
    qmp_register_command(qmp, "object-add", qmp_object_add, m);
    qmp_register_command(qmp, "object-del", qmp_object_del, m);
    qmp_register_command(qmp, "qom-get", qmp_qom_get, m);
    qmp_register_command(qmp, "qom-list", qmp_qom_list, m);
}
