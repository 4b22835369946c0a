/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Chardevs: creation from -chardev options and the short forms of -qmp
 * and -qtest, and the frontend that is handed each client.
 */
#include <errno.h>
#include <string.h>

#include "char-internal.h"
#include "util/error.h"
#include "trace-chardev.h"

G_DEFINE_QUARK(vfio-host-chardev-error, chardev_error)

void chardev_init(Chardev *chr, const ChardevClass *cls, const char *id)
{
    chr->cls = cls;
    chr->id = g_strdup(id);
}

void chardev_notify_client(Chardev *chr, GIOStream *stream)
{
    trace_chardev_client_connect(chr->id);
    chr->connect(chr, stream, chr->opaque);
}

/* QEMU's rule for ids: a letter, then letters, digits, '-', '.', '_'. */
static bool id_is_valid(const char *id)
{
    if (!g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *p = id; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}

static Chardev *new_backend(const char *id, ChardevOpts *opts,
                            FdRegistry *fds, GError **errp)
{
    const char *backend = chardev_opts_backend(opts);

    if (!strcmp(backend, "socket")) {
        return chardev_socket_new(id, opts, fds, errp);
    }
    if (!strcmp(backend, "stdio")) {
        return chardev_stdio_new(id, opts, errp);
    }
    error_setg(errp, CHARDEV_ERROR, ENOTSUP, "chardev '%s': backend '%s' is "
               "not supported (only socket and stdio are)", id, backend);
    return NULL;
}

Chardev *chardev_new(const char *opts_text, FdRegistry *fds, GError **errp)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(ChardevOpts) opts = chardev_opts_parse(opts_text, &err);
    const char *id;

    if (!opts) {
        g_propagate_prefixed_error(errp, g_steal_pointer(&err), "chardev: ");
        return NULL;
    }
    id = chardev_opts_take(opts, "id");
    if (!id) {
        error_setg(errp, CHARDEV_ERROR, EINVAL,
                   "chardev: Parameter 'id' is missing in '%s'", opts_text);
        return NULL;
    }
    if (!id_is_valid(id)) {
        error_setg(errp, CHARDEV_ERROR, EINVAL, "chardev: invalid id '%s' "
                   "(a letter, then letters, digits, '-', '.' or '_')", id);
        return NULL;
    }
    return new_backend(id, opts, fds, errp);
}

Chardev *chardev_new_from_legacy(const char *spec, const char *id,
                                 FdRegistry *fds, GError **errp)
{
    g_autofree char *text = NULL;

    if (g_str_has_prefix(spec, "unix:")) {
        text = g_strdup_printf("socket,id=%s,path=%s", id, spec + 5);
    } else if (!strcmp(spec, "stdio")) {
        text = g_strdup_printf("stdio,id=%s", id);
    } else {
        error_setg(errp, CHARDEV_ERROR, ENOTSUP, "'%s': only "
                   "unix:PATH[,server=on,wait=off] and stdio are supported",
                   spec);
        return NULL;
    }
    return chardev_new(text, fds, errp);
}

const char *chardev_id(Chardev *chr)
{
    return chr->id;
}

bool chardev_set_frontend(Chardev *chr, ChardevConnectFunc connect,
                          void *opaque, GError **errp)
{
    if (chr->connect) {
        error_setg(errp, CHARDEV_ERROR, EBUSY,
                   "chardev '%s' is already in use", chr->id);
        return false;
    }
    chr->connect = connect;
    chr->opaque = opaque;
    if (!chr->cls->start(chr, errp)) {
        chr->connect = NULL;
        return false;
    }
    return true;
}

void chardev_free(Chardev *chr)
{
    if (!chr) {
        return;
    }
    chr->cls->finalize(chr);
    g_free(chr->id);
    g_free(chr);
}
