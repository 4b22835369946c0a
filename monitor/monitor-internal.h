/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the files of monitor/ share: the server's state, one QMP connection
 * (monitor.c), dispatch (qmp-dispatch.c) and the built-in commands.
 */
#ifndef MONITOR_MONITOR_INTERNAL_H
#define MONITOR_MONITOR_INTERNAL_H

#include "monitor/qmp.h"

typedef struct QmpCommand {
    QmpCommandFunc fn;
    void *opaque;
} QmpCommand;

struct QmpServer {
    FdRegistry *fds;
    int version[3];                 /* major, minor, micro */
    GHashTable *commands;           /* name -> QmpCommand */
    GList *monitors;                /* Monitor: live connections */
    QmpRunState run_state;
    unsigned int next_monitor_id;
};

/* monitor.c: one QMP connection */

/**
 * monitor_new() - serve QMP on @stream (takes a reference) and greet
 * Return: the monitor; it frees itself on hang-up after telling @qmp
 * through qmp_server_forget_monitor(), or is freed by monitor_free().
 */
Monitor *monitor_new(QmpServer *qmp, GIOStream *stream, unsigned int id);

/** monitor_free() - close the connection and free @mon, telling nobody */
void monitor_free(Monitor *mon);

/** monitor_send() - queue one message (@msg is borrowed) and flush */
void monitor_send(Monitor *mon, JsonNode *msg);

/** monitor_send_text() - queue one serialized message and a newline */
void monitor_send_text(Monitor *mon, const char *text, size_t len);

/** monitor_id() - Return: the monitor's number, for traces */
unsigned int monitor_id(Monitor *mon);

/** monitor_is_negotiated() - Return: true once qmp_capabilities ran */
bool monitor_is_negotiated(Monitor *mon);

/** monitor_set_negotiated() - leave capabilities negotiation mode */
void monitor_set_negotiated(Monitor *mon);

/* qmp.c */

/** qmp_server_forget_monitor() - @mon is going away by itself */
void qmp_server_forget_monitor(QmpServer *qmp, Monitor *mon);

/** qmp_greeting() - Return: a new greeting message */
JsonNode *qmp_greeting(QmpServer *qmp);

/** qmp_version_json() - Return: a new {"qemu": {...}, "package": ""} */
JsonNode *qmp_version_json(QmpServer *qmp);

/* qmp-dispatch.c */

/**
 * qmp_dispatch() - run one request
 * @qmp: the server
 * @mon: the monitor it came from
 * @request: the parsed request (borrowed)
 *
 * Return: the response, a new {"return": ...} or {"error": ...} with the
 * request's "id" echoed.
 */
JsonNode *qmp_dispatch(QmpServer *qmp, Monitor *mon, JsonNode *request);

/**
 * qmp_error_response() - Return: a new {"error": {"class", "desc"}} for
 * @err, with a copy of @id if it is not NULL
 */
JsonNode *qmp_error_response(const GError *err, JsonNode *id);

/* qmp-cmds.c, qmp-cmds-fds.c */

/** qmp_register_builtin_commands() - the protocol and query commands */
void qmp_register_builtin_commands(QmpServer *qmp);

/** qmp_register_fd_commands() - getfd, closefd, add-fd, remove-fd... */
void qmp_register_fd_commands(QmpServer *qmp);

#endif /* MONITOR_MONITOR_INTERNAL_H */
