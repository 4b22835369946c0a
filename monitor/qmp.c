/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The QMP server: command table, live monitors, greeting and events.
 */
#include <errno.h>
#include <string.h>

#include "monitor-internal.h"
#include "util/error.h"
#include "trace-monitor.h"

G_DEFINE_QUARK(vfio-host-qmp-error, qmp_error)
G_DEFINE_QUARK(vfio-host-monitor-error, monitor_error)

/* "8.2.1" -> {8, 2, 1}; missing or non-numeric parts are 0. */
static void parse_version(const char *version, int out[3])
{
    g_auto(GStrv) parts = g_strsplit(version ? version : "", ".", 3);
    guint n = g_strv_length(parts);

    for (guint i = 0; i < 3; i++) {
        out[i] = i < n ? (int)g_ascii_strtoll(parts[i], NULL, 10) : 0;
    }
}

QmpServer *qmp_server_new(FdRegistry *fds, const char *version)
{
    QmpServer *qmp = g_new0(QmpServer, 1);

    qmp->fds = fds;
    parse_version(version, qmp->version);
    qmp->commands = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                          g_free);
    qmp_register_builtin_commands(qmp);
    qmp_register_fd_commands(qmp);
    return qmp;
}

void qmp_server_free(QmpServer *qmp)
{
    if (!qmp) {
        return;
    }
    g_list_free_full(qmp->monitors, (GDestroyNotify)monitor_free);
    g_hash_table_unref(qmp->commands);
    g_free(qmp);
}

void qmp_register_command(QmpServer *qmp, const char *name,
                          QmpCommandFunc fn, void *opaque)
{
    QmpCommand *cmd = g_new0(QmpCommand, 1);

    g_return_if_fail(!g_hash_table_contains(qmp->commands, name));
    cmd->fn = fn;
    cmd->opaque = opaque;
    g_hash_table_insert(qmp->commands, g_strdup(name), cmd);
}

void qmp_server_set_run_state(QmpServer *qmp, const QmpRunState *rs)
{
    qmp->run_state = *rs;
}

JsonNode *qmp_version_json(QmpServer *qmp)
{
    g_autoptr(JsonBuilder) b = json_builder_new_immutable();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "qemu");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "micro");
    json_builder_add_int_value(b, qmp->version[2]);
    json_builder_set_member_name(b, "minor");
    json_builder_add_int_value(b, qmp->version[1]);
    json_builder_set_member_name(b, "major");
    json_builder_add_int_value(b, qmp->version[0]);
    json_builder_end_object(b);
    json_builder_set_member_name(b, "package");
    json_builder_add_string_value(b, "");
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/*
 * {"QMP": {"version": ..., "capabilities": []}}: we implement no
 * out-of-band execution, so unlike QEMU we do not offer "oob".
 */
JsonNode *qmp_greeting(QmpServer *qmp)
{
    g_autoptr(JsonBuilder) b = json_builder_new_immutable();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "QMP");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "version");
    json_builder_add_value(b, qmp_version_json(qmp));
    json_builder_set_member_name(b, "capabilities");
    json_builder_begin_array(b);
    json_builder_end_array(b);
    json_builder_end_object(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

static JsonNode *timestamp_now(void)
{
    gint64 now = g_get_real_time();
    g_autoptr(JsonBuilder) b = json_builder_new_immutable();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "seconds");
    json_builder_add_int_value(b, now / G_USEC_PER_SEC);
    json_builder_set_member_name(b, "microseconds");
    json_builder_add_int_value(b, now % G_USEC_PER_SEC);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

static char *event_text(const char *event, JsonObject *data)
{
    g_autoptr(JsonBuilder) b = json_builder_new_immutable();
    g_autoptr(JsonNode) root = NULL;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "event");
    json_builder_add_string_value(b, event);
    if (data) {
        JsonNode *node = json_node_new(JSON_NODE_OBJECT);

        json_node_take_object(node, data);
        json_builder_set_member_name(b, "data");
        json_builder_add_value(b, node);
    }
    json_builder_set_member_name(b, "timestamp");
    json_builder_add_value(b, timestamp_now());
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    return json_to_string(root, false) ?: g_strdup("{}");
}

void qmp_emit_event(QmpServer *qmp, const char *event, JsonObject *data)
{
    g_autofree char *text = event_text(event, data);

    trace_qmp_event(event);
    for (GList *l = qmp->monitors; l; l = l->next) {
        if (monitor_is_negotiated(l->data)) {
            monitor_send_text(l->data, text, strlen(text));
        }
    }
}

void qmp_monitor_attach_stream(QmpServer *qmp, GIOStream *stream)
{
    Monitor *mon = monitor_new(qmp, stream, qmp->next_monitor_id++);

    qmp->monitors = g_list_append(qmp->monitors, mon);
}

void qmp_server_forget_monitor(QmpServer *qmp, Monitor *mon)
{
    qmp->monitors = g_list_remove(qmp->monitors, mon);
}

static void on_client(Chardev *chr, GIOStream *stream, void *opaque)
{
    qmp_monitor_attach_stream(opaque, stream);
}

bool qmp_monitor_attach(QmpServer *qmp, Chardev *chr, GError **errp)
{
    g_autoptr(GError) err = NULL;

    if (!chardev_set_frontend(chr, on_client, qmp, &err)) {
        g_propagate_prefixed_error(errp, g_steal_pointer(&err),
                                   "cannot serve QMP on chardev '%s': ",
                                   chardev_id(chr));
        return false;
    }
    return true;
}
