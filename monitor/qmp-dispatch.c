/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP dispatch: check a request's shape, find the command, run it and
 * build the response, with QEMU's messages and error classes.
 */
#include <errno.h>
#include <string.h>

#include "monitor-internal.h"
#include "util/error.h"
#include "trace-monitor.h"

static const char *error_class(const GError *err)
{
    if (err->domain == QMP_ERROR) {
        switch (err->code) {
        case QMP_ERROR_CLASS_COMMAND_NOT_FOUND:
            return "CommandNotFound";
        case QMP_ERROR_CLASS_DEVICE_NOT_FOUND:
            return "DeviceNotFound";
        default:
            break;
        }
    }
    return "GenericError";
}

JsonNode *qmp_error_response(const GError *err, JsonNode *id)
{
    g_autoptr(JsonBuilder) b = json_builder_new_immutable();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "error");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "class");
    json_builder_add_string_value(b, error_class(err));
    json_builder_set_member_name(b, "desc");
    json_builder_add_string_value(b, err->message);
    json_builder_end_object(b);
    if (id) {
        json_builder_set_member_name(b, "id");
        json_builder_add_value(b, json_node_copy(id));
    }
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/* {"return": @ret, "id": @id}; @ret is consumed. */
static JsonNode *return_response(JsonNode *ret, JsonNode *id)
{
    g_autoptr(JsonBuilder) b = json_builder_new_immutable();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "return");
    json_builder_add_value(b, ret);
    if (id) {
        json_builder_set_member_name(b, "id");
        json_builder_add_value(b, json_node_copy(id));
    }
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

static bool check_member(const char *name, JsonNode *value, GError **errp)
{
    if (!strcmp(name, "execute")) {
        if (!JSON_NODE_HOLDS_VALUE(value) ||
            json_node_get_value_type(value) != G_TYPE_STRING) {
            error_setg(errp, MONITOR_ERROR, EINVAL,
                       "QMP input member 'execute' must be a string");
            return false;
        }
    } else if (!strcmp(name, "arguments")) {
        if (!JSON_NODE_HOLDS_OBJECT(value)) {
            error_setg(errp, MONITOR_ERROR, EINVAL,
                       "QMP input member 'arguments' must be an object");
            return false;
        }
    } else if (strcmp(name, "id")) {
        /* "exec-oob" lands here too: we do not offer out-of-band */
        error_setg(errp, MONITOR_ERROR, EINVAL,
                   "QMP input member '%s' is unexpected", name);
        return false;
    }
    return true;
}

/* Check the request's members; Return: the command name, or NULL. */
static const char *check_request(JsonObject *req, GError **errp)
{
    JsonObjectIter iter;
    const char *name;
    JsonNode *value;

    json_object_iter_init_ordered(&iter, req);
    while (json_object_iter_next_ordered(&iter, &name, &value)) {
        if (!check_member(name, value, errp)) {
            return NULL;
        }
    }
    if (!json_object_has_member(req, "execute")) {
        error_setg(errp, MONITOR_ERROR, EINVAL,
                   "QMP input lacks member 'execute'");
        return NULL;
    }
    return json_object_get_string_member(req, "execute");
}

/* Capabilities negotiation mode allows qmp_capabilities alone, once. */
static bool check_negotiation(Monitor *mon, const char *name, GError **errp)
{
    bool is_caps = !strcmp(name, "qmp_capabilities");

    if (!monitor_is_negotiated(mon) && !is_caps) {
        error_setg(errp, QMP_ERROR, QMP_ERROR_CLASS_COMMAND_NOT_FOUND,
                   "Expecting capabilities negotiation with "
                   "'qmp_capabilities'");
        return false;
    }
    if (monitor_is_negotiated(mon) && is_caps) {
        error_setg(errp, QMP_ERROR, QMP_ERROR_CLASS_COMMAND_NOT_FOUND,
                   "Capabilities negotiation is already complete, command "
                   "ignored");
        return false;
    }
    return true;
}

static JsonNode *run_command(QmpServer *qmp, Monitor *mon, const char *name,
                             JsonObject *args, GError **errp)
{
    QmpCommand *cmd = g_hash_table_lookup(qmp->commands, name);
    g_autoptr(GError) err = NULL;
    JsonNode *ret;

    if (!check_negotiation(mon, name, errp)) {
        return NULL;
    }
    if (!cmd) {
        error_setg(errp, QMP_ERROR, QMP_ERROR_CLASS_COMMAND_NOT_FOUND,
                   "The command %s has not been found", name);
        return NULL;
    }
    ret = cmd->fn(qmp, args, mon, cmd->opaque, &err);
    if (err) {
        g_clear_pointer(&ret, json_node_unref);
        g_propagate_error(errp, g_steal_pointer(&err));
        return NULL;
    }
    if (!ret) {
        ret = json_node_new(JSON_NODE_OBJECT);
        json_node_take_object(ret, json_object_new());
    }
    return ret;
}

static JsonNode *dispatch_object(QmpServer *qmp, Monitor *mon,
                                 JsonObject *req, GError **errp)
{
    g_autoptr(JsonObject) empty = json_object_new();
    JsonObject *args = empty;
    const char *name = check_request(req, errp);

    if (!name) {
        return NULL;
    }
    if (json_object_has_member(req, "arguments")) {
        args = json_object_get_object_member(req, "arguments");
    }
    trace_qmp_command(monitor_id(mon), name);
    return run_command(qmp, mon, name, args, errp);
}

JsonNode *qmp_dispatch(QmpServer *qmp, Monitor *mon, JsonNode *request)
{
    g_autoptr(GError) err = NULL;
    JsonObject *req = NULL;
    JsonNode *id = NULL;
    JsonNode *ret = NULL;

    if (JSON_NODE_HOLDS_OBJECT(request)) {
        req = json_node_get_object(request);
        id = json_object_get_member(req, "id");
        ret = dispatch_object(qmp, mon, req, &err);
    } else {
        error_setg(&err, MONITOR_ERROR, EINVAL,
                   "QMP input must be a JSON object");
    }
    if (!ret) {
        trace_qmp_command_error(monitor_id(mon), error_class(err),
                                err->message);
        return qmp_error_response(err, id);
    }
    return return_response(ret, id);
}
