/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The stdio chardev: one client, the process's stdin and stdout.  They are
 * never closed (the process did not open them).
 */
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "char-internal.h"
#include "util/error.h"

static bool stdio_start(Chardev *chr, GError **errp)
{
    g_autoptr(GInputStream) in = g_unix_input_stream_new(0, false);
    g_autoptr(GOutputStream) out = g_unix_output_stream_new(1, false);
    g_autoptr(GIOStream) io = g_simple_io_stream_new(in, out);

    chardev_notify_client(chr, io);
    return true;
}

static void stdio_finalize(Chardev *chr)
{
}

static const ChardevClass stdio_class = {
    .name = "stdio",
    .start = stdio_start,
    .finalize = stdio_finalize,
};

Chardev *chardev_stdio_new(const char *id, ChardevOpts *opts, GError **errp)
{
    g_autoptr(GError) err = NULL;
    Chardev *chr;

    if (!chardev_opts_check_empty(opts, &err)) {
        g_propagate_prefixed_error(errp, g_steal_pointer(&err),
                                   "chardev '%s': ", id);
        return NULL;
    }
    chr = g_new0(Chardev, 1);
    chardev_init(chr, &stdio_class, id);
    return chr;
}
