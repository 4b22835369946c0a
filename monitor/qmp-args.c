/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Checking the "arguments" object of a QMP command.
 */
#include <errno.h>

#include "monitor/qmp.h"
#include "monitor/qmp-args.h"
#include "util/error.h"

bool qmp_args_check_only(JsonObject *args, const char *const *allowed,
                         GError **errp)
{
    JsonObjectIter iter;
    const char *name;

    json_object_iter_init_ordered(&iter, args);
    while (json_object_iter_next_ordered(&iter, &name, NULL)) {
        if (!allowed || !g_strv_contains(allowed, name)) {
            error_setg(errp, MONITOR_ERROR, EINVAL,
                       "Parameter '%s' is unexpected", name);
            return false;
        }
    }
    return true;
}

bool qmp_arg_has(JsonObject *args, const char *name)
{
    return json_object_has_member(args, name);
}

/* Find member @name: *node is NULL if it is absent and optional. */
static bool lookup(JsonObject *args, const char *name, bool required,
                   JsonNode **node, GError **errp)
{
    *node = json_object_get_member(args, name);
    if (!*node && required) {
        error_setg(errp, MONITOR_ERROR, EINVAL, "Parameter '%s' is missing",
                   name);
        return false;
    }
    return true;
}

static bool type_error(const char *name, const char *expected,
                       GError **errp)
{
    error_setg(errp, MONITOR_ERROR, EINVAL,
               "Invalid parameter type for '%s', expected: %s", name,
               expected);
    return false;
}

static bool is_value_of(JsonNode *node, GType type)
{
    return JSON_NODE_HOLDS_VALUE(node) &&
           json_node_get_value_type(node) == type;
}

bool qmp_arg_get_string(JsonObject *args, const char *name, bool required,
                        const char **out, GError **errp)
{
    JsonNode *node;

    if (!lookup(args, name, required, &node, errp)) {
        return false;
    }
    if (!node) {
        return true;
    }
    if (!is_value_of(node, G_TYPE_STRING)) {
        return type_error(name, "string", errp);
    }
    *out = json_node_get_string(node);
    return true;
}

bool qmp_arg_get_int(JsonObject *args, const char *name, bool required,
                     gint64 *out, GError **errp)
{
    JsonNode *node;

    if (!lookup(args, name, required, &node, errp)) {
        return false;
    }
    if (!node) {
        return true;
    }
    if (!is_value_of(node, G_TYPE_INT64)) {
        return type_error(name, "integer", errp);
    }
    *out = json_node_get_int(node);
    return true;
}

bool qmp_arg_get_bool(JsonObject *args, const char *name, bool required,
                      bool *out, GError **errp)
{
    JsonNode *node;

    if (!lookup(args, name, required, &node, errp)) {
        return false;
    }
    if (!node) {
        return true;
    }
    if (!is_value_of(node, G_TYPE_BOOLEAN)) {
        return type_error(name, "boolean", errp);
    }
    *out = json_node_get_boolean(node);
    return true;
}

bool qmp_arg_get_object(JsonObject *args, const char *name, bool required,
                        JsonObject **out, GError **errp)
{
    JsonNode *node;

    if (!lookup(args, name, required, &node, errp)) {
        return false;
    }
    if (!node) {
        return true;
    }
    if (!JSON_NODE_HOLDS_OBJECT(node)) {
        return type_error(name, "object", errp);
    }
    *out = json_node_get_object(node);
    return true;
}

bool qmp_arg_get_array(JsonObject *args, const char *name, bool required,
                       JsonArray **out, GError **errp)
{
    JsonNode *node;

    if (!lookup(args, name, required, &node, errp)) {
        return false;
    }
    if (!node) {
        return true;
    }
    if (!JSON_NODE_HOLDS_ARRAY(node)) {
        return type_error(name, "array", errp);
    }
    *out = json_node_get_array(node);
    return true;
}

bool qmp_arg_get_string_array(JsonObject *args, const char *name,
                              bool required, char ***out, GError **errp)
{
    JsonArray *arr = NULL;
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();

    if (!qmp_arg_get_array(args, name, required, &arr, errp)) {
        return false;
    }
    if (!arr) {
        return true;
    }
    for (guint i = 0; i < json_array_get_length(arr); i++) {
        JsonNode *elt = json_array_get_element(arr, i);

        if (!is_value_of(elt, G_TYPE_STRING)) {
            g_autofree char *what = g_strdup_printf("%s[%u]", name, i);

            return type_error(what, "string", errp);
        }
        g_strv_builder_add(b, json_node_get_string(elt));
    }
    *out = g_strv_builder_end(b);
    return true;
}
