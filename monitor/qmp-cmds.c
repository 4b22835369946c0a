/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Built-in QMP commands of the protocol and the process: qmp_capabilities,
 * query-version, query-commands, query-status, quit.
 */
#include <errno.h>
#include <string.h>

#include "monitor/qmp-args.h"
#include "monitor-internal.h"
#include "util/error.h"

/* Return: a new node holding @obj, which it takes over. */
static JsonNode *object_node(JsonObject *obj)
{
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);

    json_node_take_object(node, obj);
    return node;
}

/*
 * We offer no capability (no "oob"), so "enable" may only list nothing;
 * whether this may run at all is decided by dispatch.
 */
static JsonNode *qmp_capabilities(QmpServer *qmp, JsonObject *args,
                                  Monitor *mon, void *opaque, GError **errp)
{
    static const char *const allowed[] = { "enable", NULL };
    g_auto(GStrv) enable = NULL;

    if (!qmp_arg_get_string_array(args, "enable", false, &enable, errp) ||
        !qmp_args_check_only(args, allowed, errp)) {
        return NULL;
    }
    if (enable && enable[0]) {
        error_setg(errp, MONITOR_ERROR, EINVAL,
                   "Capability '%s' not available", enable[0]);
        return NULL;
    }
    monitor_set_negotiated(mon);
    return NULL;
}

static JsonNode *query_version(QmpServer *qmp, JsonObject *args,
                               Monitor *mon, void *opaque, GError **errp)
{
    if (!qmp_args_check_only(args, NULL, errp)) {
        return NULL;
    }
    return qmp_version_json(qmp);
}

static JsonNode *query_commands(QmpServer *qmp, JsonObject *args,
                                Monitor *mon, void *opaque, GError **errp)
{
    g_autoptr(GList) names = NULL;
    JsonArray *arr;
    JsonNode *node;

    if (!qmp_args_check_only(args, NULL, errp)) {
        return NULL;
    }
    names = g_list_sort(g_hash_table_get_keys(qmp->commands),
                        (GCompareFunc)strcmp);
    arr = json_array_new();
    for (GList *l = names; l; l = l->next) {
        JsonObject *cmd = json_object_new();

        json_object_set_string_member(cmd, "name", l->data);
        json_array_add_object_element(arr, cmd);
    }
    node = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(node, arr);
    return node;
}

static JsonNode *query_status(QmpServer *qmp, JsonObject *args,
                              Monitor *mon, void *opaque, GError **errp)
{
    const QmpRunState *rs = &qmp->run_state;
    const char *status = "running";
    JsonObject *ret;

    if (!qmp_args_check_only(args, NULL, errp)) {
        return NULL;
    }
    if (rs->status) {
        status = rs->status(rs->opaque);
    }
    ret = json_object_new();
    json_object_set_boolean_member(ret, "running", !strcmp(status, "running"));
    json_object_set_string_member(ret, "status", status);
    return object_node(ret);
}

static JsonNode *quit(QmpServer *qmp, JsonObject *args, Monitor *mon,
                      void *opaque, GError **errp)
{
    const QmpRunState *rs = &qmp->run_state;

    if (!qmp_args_check_only(args, NULL, errp)) {
        return NULL;
    }
    if (!rs->request_quit) {
        error_setg(errp, MONITOR_ERROR, ENOTSUP,
                   "quit is not available in this process");
        return NULL;
    }
    rs->request_quit(rs->opaque);
    return NULL;
}

void qmp_register_builtin_commands(QmpServer *qmp)
{
    qmp_register_command(qmp, "qmp_capabilities", qmp_capabilities, NULL);
    qmp_register_command(qmp, "query-commands", query_commands, NULL);
    qmp_register_command(qmp, "query-status", query_status, NULL);
    qmp_register_command(qmp, "query-version", query_version, NULL);
    qmp_register_command(qmp, "quit", quit, NULL);
}
