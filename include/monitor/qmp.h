/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP: the QEMU Machine Protocol server, wire-compatible with QEMU's.
 *
 * A QmpServer holds the command table and the list of live monitors (one
 * per QMP connection); events are broadcast to every monitor that has
 * finished capabilities negotiation.  Commands are plain functions taking
 * the "arguments" object and returning the "return" value.
 */
#ifndef MONITOR_QMP_H
#define MONITOR_QMP_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

#include "chardev/char.h"
#include "monitor/fds.h"

#define QMP_ERROR qmp_error_quark()
GQuark qmp_error_quark(void);

/*
 * Error classes on the wire.  A command fails with any GError; its "class"
 * is GenericError unless the error is in QMP_ERROR with one of these codes
 * (the one exception to "codes are errno values": QMP classes are not).
 */
typedef enum QmpErrorClass {
    QMP_ERROR_CLASS_GENERIC = 1,        /* "GenericError" */
    QMP_ERROR_CLASS_COMMAND_NOT_FOUND,  /* "CommandNotFound" */
    QMP_ERROR_CLASS_DEVICE_NOT_FOUND,   /* "DeviceNotFound" */
} QmpErrorClass;

/*
 * Errors of the QMP server itself and of its built-in commands (bad
 * arguments, no fd passed...): codes are errno values, class GenericError.
 */
#define MONITOR_ERROR monitor_error_quark()
GQuark monitor_error_quark(void);

typedef struct QmpServer QmpServer;
typedef struct Monitor Monitor;

/**
 * QmpCommandFunc - a QMP command handler
 * @qmp: the server
 * @args: the "arguments" object (an empty object if the client sent none);
 *        borrowed
 * @mon: the monitor the command came from (for per-connection state such
 *       as SCM_RIGHTS fds received with the command)
 * @opaque: the pointer given at registration
 * @errp: set on failure
 *
 * Return: the "return" value (a new JsonNode the server takes ownership
 * of); NULL means failure if @errp was set, otherwise the empty object {}.
 */
typedef JsonNode *(*QmpCommandFunc)(QmpServer *qmp, JsonObject *args,
                                    Monitor *mon, void *opaque,
                                    GError **errp);

/**
 * qmp_server_new() - create a QMP server
 * @fds: the process's fd registry (getfd/add-fd land there); borrowed,
 *       must outlive the server
 * @version: the version reported by the greeting and query-version
 *
 * Registers the built-in commands: qmp_capabilities, query-version,
 * query-commands, query-status, quit, getfd, closefd, add-fd, remove-fd,
 * query-fdsets.
 *
 * Return: the server; free with qmp_server_free().
 */
QmpServer *qmp_server_new(FdRegistry *fds, const char *version);

/** qmp_server_free() - close every monitor and free @qmp (NULL: no-op) */
void qmp_server_free(QmpServer *qmp);

/**
 * qmp_register_command() - add a command
 * @qmp: the server
 * @name: the command name ("object-add")
 * @fn: the handler
 * @opaque: passed to @fn
 */
void qmp_register_command(QmpServer *qmp, const char *name,
                          QmpCommandFunc fn, void *opaque);

/**
 * qmp_emit_event() - broadcast an asynchronous event to every monitor
 * @qmp: the server
 * @event: the event name ("DEVICE_DELETED")
 * @data: the "data" member, consumed (NULL: no data member)
 *
 * Each event carries a "timestamp" {seconds, microseconds}.
 */
void qmp_emit_event(QmpServer *qmp, const char *event, JsonObject *data);

/**
 * qmp_monitor_attach() - serve QMP on a character device
 * @qmp: the server
 * @chr: a socket chardev; every client that connects gets the greeting
 * @errp: set if @chr cannot carry QMP
 *
 * Return: true on success.
 */
bool qmp_monitor_attach(QmpServer *qmp, Chardev *chr, GError **errp);

/**
 * qmp_monitor_attach_stream() - serve QMP on one connected stream
 * @qmp: the server
 * @stream: a socket connection (fds may come with SCM_RIGHTS) or any
 *          GIOStream whose input and output streams are pollable; the
 *          monitor takes a reference and drops it when the peer hangs up
 *          or the server is freed
 *
 * The greeting is sent at once.  This is what a chardev frontend does for
 * each client; tests use it with one end of a socketpair.
 */
void qmp_monitor_attach_stream(QmpServer *qmp, GIOStream *stream);

/* Hooks into the process's run state, set by system/vl.c. */
typedef struct QmpRunState {
    void (*request_quit)(void *opaque);            /* "quit" */
    const char *(*status)(void *opaque);           /* "running"/"prelaunch" */
    void *opaque;
} QmpRunState;

/**
 * qmp_server_set_run_state() - install the run-state hooks
 * @qmp: the server
 * @rs: the hooks, copied; request_quit must not free @qmp synchronously
 *      (stop the main loop, then free the server after it)
 */
void qmp_server_set_run_state(QmpServer *qmp, const QmpRunState *rs);

/**
 * qmp_monitor_take_received_fd() - take an fd received over SCM_RIGHTS
 * @mon: the monitor
 *
 * Fds arrive with the bytes of the command they belong to and wait until a
 * command takes them; with several pending (pipelined commands), the oldest
 * is taken first.  Fds nobody takes are closed when the monitor goes away
 * (and beyond 16 pending, the oldest are closed).
 *
 * Return: the fd (the caller owns it), or -1 if none is pending.
 */
int qmp_monitor_take_received_fd(Monitor *mon);

#endif /* MONITOR_QMP_H */
