/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest server: accepts clients on a chardev, splits their input into
 * lines, answers each with qtest_process_line(), and broadcasts IRQ lines.
 *
 * Input is read with a pollable-stream source rather than async reads, so
 * that tearing a client down is synchronous: nothing is left pending in
 * the main loop after qtest_free().
 */
#include <errno.h>
#include <string.h>

#include "system/machine.h"
#include "system/qtest.h"
#include "trace-system.h"
#include "util/error.h"

#define QTEST_MAX_IRQ 256
/* the longest request: a write of QTEST_MAX_ACCESS bytes in hex */
#define QTEST_MAX_LINE (QTEST_MAX_ACCESS * 2 + 4096)

typedef struct QTestClient {
    QTest *qt;
    GIOStream *stream;
    GSource *source;
    GString *inbuf;
} QTestClient;

struct QTest {
    AddressSpace *as;
    GPtrArray *clients;         /* QTestClient *, owned */
    bool irq_levels[QTEST_MAX_IRQ];
};

static void qtest_client_free(QTestClient *client)
{
    trace_qtest_client_close(client);
    g_source_destroy(client->source);
    g_source_unref(client->source);
    g_io_stream_close(client->stream, NULL, NULL);
    g_object_unref(client->stream);
    g_string_free(client->inbuf, TRUE);
    g_free(client);
}

static void qtest_client_drop(QTestClient *client)
{
    g_ptr_array_remove(client->qt->clients, client);
}

static bool qtest_client_send(QTestClient *client, const char *text)
{
    GOutputStream *out = g_io_stream_get_output_stream(client->stream);

    return g_output_stream_write_all(out, text, strlen(text), NULL, NULL,
                                     NULL);
}

/* Answer every complete line. Return: false if the client must go */
static bool qtest_client_process(QTestClient *client)
{
    char *nl;

    while ((nl = memchr(client->inbuf->str, '\n', client->inbuf->len))) {
        size_t len = (size_t)(nl - client->inbuf->str);
        g_autofree char *line = g_strndup(client->inbuf->str, len);
        g_autofree char *reply = NULL;

        g_string_erase(client->inbuf, 0, (gssize)len + 1);
        reply = qtest_process_line(client->qt->as, line);
        if (!qtest_client_send(client, reply)) {
            return false;
        }
    }
    if (client->inbuf->len > QTEST_MAX_LINE) {
        qtest_client_send(client, "ERR line too long\n");
        return false;
    }
    return true;
}

static gboolean qtest_client_readable(GObject *stream, void *opaque)
{
    QTestClient *client = opaque;
    GPollableInputStream *in = G_POLLABLE_INPUT_STREAM(stream);
    g_autoptr(GError) err = NULL;
    char buf[65536];
    gssize n;

    n = g_pollable_input_stream_read_nonblocking(in, buf, sizeof(buf), NULL,
                                                 &err);
    if (n < 0 && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
        return G_SOURCE_CONTINUE;
    }
    if (n > 0) {
        g_string_append_len(client->inbuf, buf, n);
        if (qtest_client_process(client)) {
            return G_SOURCE_CONTINUE;
        }
    }
    qtest_client_drop(client);          /* EOF, error or a bad line */
    return G_SOURCE_REMOVE;
}

static void qtest_client_connect(Chardev *chr, GIOStream *stream,
                                 void *opaque)
{
    QTest *qt = opaque;
    GInputStream *in = g_io_stream_get_input_stream(stream);
    QTestClient *client;

    if (!G_IS_POLLABLE_INPUT_STREAM(in) ||
        !g_pollable_input_stream_can_poll(G_POLLABLE_INPUT_STREAM(in))) {
        error_report("qtest: chardev '%s' gives a stream that cannot be "
                     "polled", chardev_id(chr));
        return;
    }
    client = g_new0(QTestClient, 1);
    client->qt = qt;
    client->stream = g_object_ref(stream);
    client->inbuf = g_string_new(NULL);
    client->source = g_pollable_input_stream_create_source(
        G_POLLABLE_INPUT_STREAM(in), NULL);
    g_source_set_callback(client->source,
                          G_SOURCE_FUNC(qtest_client_readable),
                          client, NULL);
    g_source_attach(client->source, NULL);
    memset(qt->irq_levels, 0, sizeof(qt->irq_levels));
    g_ptr_array_add(qt->clients, client);
    trace_qtest_client_open(client);
}

QTest *qtest_new(AddressSpace *as)
{
    QTest *qt = g_new0(QTest, 1);

    qt->as = as;
    qt->clients = g_ptr_array_new_with_free_func(
        (GDestroyNotify)qtest_client_free);
    return qt;
}

void qtest_free(QTest *qt)
{
    if (!qt) {
        return;
    }
    g_ptr_array_unref(qt->clients);
    g_free(qt);
}

bool qtest_attach(QTest *qt, Chardev *chr, GError **errp)
{
    return chardev_set_frontend(chr, qtest_client_connect, qt, errp);
}

void qtest_set_irq(QTest *qt, int n, bool level)
{
    g_autofree char *line = NULL;

    if (!qt || n < 0 || n >= QTEST_MAX_IRQ || qt->irq_levels[n] == level) {
        return;
    }
    qt->irq_levels[n] = level;
    trace_qtest_irq(n, level);
    line = g_strdup_printf("IRQ %s %d\n", level ? "raise" : "lower", n);
    for (guint i = 0; i < qt->clients->len; i++) {
        qtest_client_send(g_ptr_array_index(qt->clients, i), line);
    }
}
