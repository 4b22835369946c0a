/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP commands on passed fds: getfd, closefd, add-fd, remove-fd,
 * query-fdsets.
 *
 * getfd and add-fd take the fd that came with the command (SCM_RIGHTS)
 * first, so that it is closed, not left pending, if the command fails.
 */
#include <errno.h>
#include <unistd.h>

#include "monitor/qmp-args.h"
#include "monitor-internal.h"
#include "util/error.h"

static void no_fd_error(GError **errp)
{
    error_setg(errp, MONITOR_ERROR, EBADF,
               "No file descriptor supplied via SCM_RIGHTS");
}

static void close_if_valid(int fd)
{
    if (fd >= 0) {
        close(fd);
    }
}

static bool get_fdname(JsonObject *args, const char **name, GError **errp)
{
    static const char *const allowed[] = { "fdname", NULL };

    return qmp_arg_get_string(args, "fdname", true, name, errp) &&
           qmp_args_check_only(args, allowed, errp);
}

/* A name must not read as an fd number in fd= parameters. */
static bool check_new_fdname(const char *name, GError **errp)
{
    if (!*name || g_ascii_isdigit(*name) || *name == '-') {
        error_setg(errp, MONITOR_ERROR, EINVAL, "Parameter 'fdname' expects "
                   "a name not starting with a digit");
        return false;
    }
    return true;
}

static JsonNode *getfd(QmpServer *qmp, JsonObject *args, Monitor *mon,
                       void *opaque, GError **errp)
{
    int fd = qmp_monitor_take_received_fd(mon);
    const char *name;

    if (!get_fdname(args, &name, errp) || !check_new_fdname(name, errp)) {
        close_if_valid(fd);
        return NULL;
    }
    if (fd < 0) {
        no_fd_error(errp);
        return NULL;
    }
    fd_registry_add_named(qmp->fds, name, fd);
    return NULL;
}

static JsonNode *closefd(QmpServer *qmp, JsonObject *args, Monitor *mon,
                         void *opaque, GError **errp)
{
    const char *name;

    if (get_fdname(args, &name, errp)) {
        fd_registry_close_named(qmp->fds, name, errp);
    }
    return NULL;
}

static bool get_add_fd_args(JsonObject *args, gint64 *id,
                            const char **opaque, GError **errp)
{
    static const char *const allowed[] = { "fdset-id", "opaque", NULL };

    if (!qmp_arg_get_int(args, "fdset-id", false, id, errp) ||
        !qmp_arg_get_string(args, "opaque", false, opaque, errp) ||
        !qmp_args_check_only(args, allowed, errp)) {
        return false;
    }
    if (*id < -1 || (*id == -1 && qmp_arg_has(args, "fdset-id"))) {
        error_setg(errp, MONITOR_ERROR, EINVAL,
                   "Parameter 'fdset-id' expects a non-negative value");
        return false;
    }
    return true;
}

static JsonNode *add_fd(QmpServer *qmp, JsonObject *args, Monitor *mon,
                        void *opaque, GError **errp)
{
    int fd = qmp_monitor_take_received_fd(mon);
    const char *text = NULL;
    gint64 id = -1;
    JsonObject *ret;
    JsonNode *node;

    if (!get_add_fd_args(args, &id, &text, errp)) {
        close_if_valid(fd);
        return NULL;
    }
    if (fd < 0) {
        no_fd_error(errp);
        return NULL;
    }
    id = fd_registry_add_to_set(qmp->fds, id, fd, text);
    ret = json_object_new();
    json_object_set_int_member(ret, "fdset-id", id);
    json_object_set_int_member(ret, "fd", fd);
    node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, ret);
    return node;
}

static JsonNode *remove_fd(QmpServer *qmp, JsonObject *args, Monitor *mon,
                           void *opaque, GError **errp)
{
    static const char *const allowed[] = { "fdset-id", "fd", NULL };
    gint64 id = 0, fd = -1;

    if (!qmp_arg_get_int(args, "fdset-id", true, &id, errp) ||
        !qmp_arg_get_int(args, "fd", false, &fd, errp) ||
        !qmp_args_check_only(args, allowed, errp)) {
        return NULL;
    }
    if (qmp_arg_has(args, "fd") && (fd < 0 || fd > G_MAXINT)) {
        error_setg(errp, MONITOR_ERROR, EINVAL,
                   "Parameter 'fd' expects a file descriptor number");
        return NULL;
    }
    fd_registry_remove_from_set(qmp->fds, id, (int)fd, errp);
    return NULL;
}

static JsonNode *query_fdsets(QmpServer *qmp, JsonObject *args, Monitor *mon,
                              void *opaque, GError **errp)
{
    if (!qmp_args_check_only(args, NULL, errp)) {
        return NULL;
    }
    return fd_registry_query_sets(qmp->fds);
}

void qmp_register_fd_commands(QmpServer *qmp)
{
    qmp_register_command(qmp, "add-fd", add_fd, NULL);
    qmp_register_command(qmp, "closefd", closefd, NULL);
    qmp_register_command(qmp, "getfd", getfd, NULL);
    qmp_register_command(qmp, "query-fdsets", query_fdsets, NULL);
    qmp_register_command(qmp, "remove-fd", remove_fd, NULL);
}
