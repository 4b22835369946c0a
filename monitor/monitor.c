/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One QMP connection: reads requests (and fds passed with SCM_RIGHTS),
 * hands complete ones to the dispatcher one read at a time, and writes
 * responses and events without ever blocking the main loop.
 */
#include <gio/gunixfdmessage.h>
#include <string.h>
#include <unistd.h>

#include "monitor/json-stream.h"
#include "monitor-internal.h"
#include "util/error.h"
#include "trace-monitor.h"

#define MONITOR_READ_SIZE 4096
#define MONITOR_MAX_PENDING_FDS 16
/* A client that leaves this much output unread is dropped. */
#define MONITOR_MAX_OUTPUT (16 * 1024 * 1024)

struct Monitor {
    QmpServer *qmp;
    unsigned int id;
    GIOStream *stream;
    GSocket *socket;                /* NULL unless a socket connection */
    GPollableInputStream *in;
    GPollableOutputStream *out;
    GSource *in_source;
    GSource *out_source;            /* while output waits for the peer */
    GSource *close_source;          /* set once the connection is dead */
    JsonStream *parser;
    GByteArray *outbuf;
    GQueue fds;                     /* received, not yet taken */
    bool negotiated;
};

static void drop_source(GSource **source)
{
    if (*source) {
        g_source_destroy(*source);
        g_source_unref(*source);
        *source = NULL;
    }
}

static void attach_source(GSource *source, GSourceFunc fn, Monitor *mon)
{
    g_source_set_callback(source, fn, mon, NULL);
    g_source_attach(source, g_main_context_get_thread_default());
}

static gboolean close_now(gpointer opaque)
{
    Monitor *mon = opaque;

    qmp_server_forget_monitor(mon->qmp, mon);
    monitor_free(mon);
    return G_SOURCE_REMOVE;
}

/*
 * The connection is dead (hang-up, I/O error): stop all I/O now, free the
 * monitor from the main loop, where no caller is using it any more.
 */
static void close_later(Monitor *mon)
{
    if (mon->close_source) {
        return;
    }
    drop_source(&mon->in_source);
    drop_source(&mon->out_source);
    g_byte_array_set_size(mon->outbuf, 0);
    mon->close_source = g_idle_source_new();
    attach_source(mon->close_source, close_now, mon);
}

static gboolean on_output(GObject *stream, gpointer opaque);

static void flush(Monitor *mon)
{
    g_autoptr(GError) err = NULL;

    while (mon->outbuf->len) {
        gssize n = g_pollable_output_stream_write_nonblocking(
            mon->out, mon->outbuf->data, mon->outbuf->len, NULL, &err);

        if (n < 0 && g_error_matches(err, G_IO_ERROR,
                                     G_IO_ERROR_WOULD_BLOCK)) {
            break;
        }
        if (n < 0) {
            trace_qmp_monitor_io_error(mon->id, err->message);
            close_later(mon);
            return;
        }
        g_byte_array_remove_range(mon->outbuf, 0, (guint)n);
    }
    if (mon->outbuf->len && !mon->out_source) {
        mon->out_source = g_pollable_output_stream_create_source(mon->out,
                                                                 NULL);
        attach_source(mon->out_source, G_SOURCE_FUNC(on_output), mon);
    } else if (!mon->outbuf->len) {
        drop_source(&mon->out_source);
    }
}

static gboolean on_output(GObject *stream, gpointer opaque)
{
    flush(opaque);
    return G_SOURCE_CONTINUE;
}

void monitor_send_text(Monitor *mon, const char *text, size_t len)
{
    if (mon->close_source) {
        return;
    }
    g_byte_array_append(mon->outbuf, (const guint8 *)text, (guint)len);
    g_byte_array_append(mon->outbuf, (const guint8 *)"\n", 1);
    if (mon->outbuf->len > MONITOR_MAX_OUTPUT) {
        trace_qmp_monitor_io_error(mon->id, "client does not read");
        close_later(mon);
        return;
    }
    flush(mon);
}

void monitor_send(Monitor *mon, JsonNode *msg)
{
    g_autofree char *text = json_to_string(msg, false);

    monitor_send_text(mon, text, strlen(text));
}

static void keep_fds(Monitor *mon, GUnixFDMessage *msg)
{
    gint n = 0;
    g_autofree gint *fds = g_unix_fd_message_steal_fds(msg, &n);

    for (gint i = 0; i < n; i++) {
        trace_qmp_monitor_fd_received(mon->id, fds[i]);
        g_queue_push_tail(&mon->fds, GINT_TO_POINTER(fds[i]));
    }
    while (g_queue_get_length(&mon->fds) > MONITOR_MAX_PENDING_FDS) {
        close(GPOINTER_TO_INT(g_queue_pop_head(&mon->fds)));
    }
}

static gssize read_socket(Monitor *mon, char *buf, size_t size,
                          GError **errp)
{
    GInputVector vec = { buf, size };
    GSocketControlMessage **msgs = NULL;
    gint nmsgs = 0, flags = 0;
    gssize n = g_socket_receive_message(mon->socket, NULL, &vec, 1, &msgs,
                                        &nmsgs, &flags, NULL, errp);

    for (gint i = 0; i < nmsgs; i++) {
        if (G_IS_UNIX_FD_MESSAGE(msgs[i])) {
            keep_fds(mon, G_UNIX_FD_MESSAGE(msgs[i]));
        }
        g_object_unref(msgs[i]);
    }
    g_free(msgs);
    return n;
}

/* Dispatch every complete request of the last read, in order. */
static void handle_requests(Monitor *mon)
{
    while (json_stream_pending(mon->parser) && !mon->close_source) {
        g_autoptr(GError) err = NULL;
        g_autoptr(JsonNode) req = json_stream_pop(mon->parser, &err);
        g_autoptr(JsonNode) rsp = NULL;

        if (req) {
            rsp = qmp_dispatch(mon->qmp, mon, req);
        } else {
            trace_qmp_monitor_bad_input(mon->id, err->message);
            rsp = qmp_error_response(err, NULL);
        }
        monitor_send(mon, rsp);
    }
}

static gboolean on_input(gpointer opaque)
{
    Monitor *mon = opaque;
    char buf[MONITOR_READ_SIZE];
    g_autoptr(GError) err = NULL;
    gssize n;

    if (mon->socket) {
        n = read_socket(mon, buf, sizeof(buf), &err);
    } else {
        n = g_pollable_input_stream_read_nonblocking(mon->in, buf,
                                                     sizeof(buf), NULL, &err);
    }
    if (n < 0 && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {
        trace_qmp_monitor_io_error(mon->id, err ? err->message : "EOF");
        close_later(mon);
        return G_SOURCE_REMOVE;
    }
    json_stream_feed(mon->parser, buf, (size_t)n);
    handle_requests(mon);
    return G_SOURCE_CONTINUE;
}

static gboolean on_socket_input(GSocket *socket, GIOCondition cond,
                                gpointer opaque)
{
    return on_input(opaque);
}

static gboolean on_stream_input(GObject *stream, gpointer opaque)
{
    return on_input(opaque);
}

static void watch_input(Monitor *mon)
{
    if (mon->socket) {
        mon->in_source = g_socket_create_source(
            mon->socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
        attach_source(mon->in_source, G_SOURCE_FUNC(on_socket_input), mon);
    } else {
        mon->in_source = g_pollable_input_stream_create_source(mon->in, NULL);
        attach_source(mon->in_source, G_SOURCE_FUNC(on_stream_input), mon);
    }
}

Monitor *monitor_new(QmpServer *qmp, GIOStream *stream, unsigned int id)
{
    Monitor *mon = g_new0(Monitor, 1);
    g_autoptr(JsonNode) greeting = qmp_greeting(qmp);

    /* receive_message drops fds of control message types not registered */
    g_type_ensure(G_TYPE_UNIX_FD_MESSAGE);
    mon->qmp = qmp;
    mon->id = id;
    mon->stream = g_object_ref(stream);
    if (G_IS_SOCKET_CONNECTION(stream)) {
        mon->socket = g_socket_connection_get_socket(
            G_SOCKET_CONNECTION(stream));
        g_socket_set_blocking(mon->socket, false);
    }
    mon->in = G_POLLABLE_INPUT_STREAM(g_io_stream_get_input_stream(stream));
    mon->out = G_POLLABLE_OUTPUT_STREAM(
        g_io_stream_get_output_stream(stream));
    mon->parser = json_stream_new(JSON_STREAM_MAX_SIZE,
                                  JSON_STREAM_MAX_DEPTH);
    mon->outbuf = g_byte_array_new();
    g_queue_init(&mon->fds);
    trace_qmp_monitor_connect(id);
    watch_input(mon);
    monitor_send(mon, greeting);
    return mon;
}

void monitor_free(Monitor *mon)
{
    trace_qmp_monitor_disconnect(mon->id);
    if (mon->outbuf->len && !mon->close_source) {
        flush(mon);     /* last words, such as the reply to quit */
    }
    drop_source(&mon->in_source);
    drop_source(&mon->out_source);
    drop_source(&mon->close_source);
    while (!g_queue_is_empty(&mon->fds)) {
        close(GPOINTER_TO_INT(g_queue_pop_head(&mon->fds)));
    }
    json_stream_free(mon->parser);
    g_byte_array_unref(mon->outbuf);
    g_io_stream_close(mon->stream, NULL, NULL);
    g_object_unref(mon->stream);
    g_free(mon);
}

unsigned int monitor_id(Monitor *mon)
{
    return mon->id;
}

bool monitor_is_negotiated(Monitor *mon)
{
    return mon->negotiated;
}

void monitor_set_negotiated(Monitor *mon)
{
    mon->negotiated = true;
}

int qmp_monitor_take_received_fd(Monitor *mon)
{
    if (g_queue_is_empty(&mon->fds)) {
        return -1;
    }
    return GPOINTER_TO_INT(g_queue_pop_head(&mon->fds));
}
