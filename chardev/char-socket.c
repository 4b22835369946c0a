/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Listening unix sockets, on a path or on an inherited listening fd.
 *
 * One client at a time, as QEMU does: once a client is accepted the
 * listener stops accepting, and starts again when the frontend has let go
 * of the client's stream (a weak reference tells us).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gio/gunixsocketaddress.h>

#include "char-internal.h"
#include "util/error.h"
#include "trace-chardev.h"

/* After an accept error (EMFILE...), wait this long before retrying. */
#define ACCEPT_RETRY_MS 100

typedef struct SocketChardev {
    Chardev parent;
    GSocket *listener;
    char *path;                 /* unlinked at the end; NULL for fd= */
    GSource *accept_source;     /* while waiting for a client */
    GSource *retry_source;      /* while pausing after an accept error */
    GObject *client;            /* weak: the connected client's stream */
} SocketChardev;

static void start_accepting(SocketChardev *s);

static SocketChardev *socket_chardev(Chardev *chr)
{
    return (SocketChardev *)((char *)chr - offsetof(SocketChardev, parent));
}

static void drop_source(GSource **source)
{
    if (*source) {
        g_source_destroy(*source);
        g_source_unref(*source);
        *source = NULL;
    }
}

static void on_client_gone(gpointer opaque, GObject *stream)
{
    SocketChardev *s = opaque;

    trace_chardev_client_gone(s->parent.id);
    s->client = NULL;
    start_accepting(s);
}

static gboolean on_retry(gpointer opaque)
{
    SocketChardev *s = opaque;

    g_clear_pointer(&s->retry_source, g_source_unref);
    start_accepting(s);
    return G_SOURCE_REMOVE;
}

static void pause_accepting(SocketChardev *s, const GError *err)
{
    trace_chardev_accept_error(s->parent.id, err->message);
    drop_source(&s->accept_source);
    s->retry_source = g_timeout_source_new(ACCEPT_RETRY_MS);
    g_source_set_callback(s->retry_source, on_retry, s, NULL);
    g_source_attach(s->retry_source, g_main_context_get_thread_default());
}

static gboolean on_incoming(GSocket *listener, GIOCondition cond,
                            gpointer opaque)
{
    SocketChardev *s = opaque;
    g_autoptr(GError) err = NULL;
    g_autoptr(GSocket) sock = g_socket_accept(listener, NULL, &err);
    g_autoptr(GSocketConnection) conn = NULL;

    if (!sock) {
        if (!g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
            pause_accepting(s, err);
        }
        return G_SOURCE_CONTINUE;
    }
    drop_source(&s->accept_source);
    conn = g_socket_connection_factory_create_connection(sock);
    s->client = G_OBJECT(conn);
    g_object_weak_ref(s->client, on_client_gone, s);
    chardev_notify_client(&s->parent, G_IO_STREAM(conn));
    /* if the frontend kept no reference, on_client_gone runs now */
    return G_SOURCE_REMOVE;
}

static void start_accepting(SocketChardev *s)
{
    s->accept_source = g_socket_create_source(s->listener, G_IO_IN, NULL);
    g_source_set_callback(s->accept_source, G_SOURCE_FUNC(on_incoming), s,
                          NULL);
    g_source_attach(s->accept_source, g_main_context_get_thread_default());
}

static bool socket_start(Chardev *chr, GError **errp)
{
    start_accepting(socket_chardev(chr));
    return true;
}

static void socket_finalize(Chardev *chr)
{
    SocketChardev *s = socket_chardev(chr);

    drop_source(&s->accept_source);
    drop_source(&s->retry_source);
    if (s->client) {
        g_object_weak_unref(s->client, on_client_gone, s);
    }
    if (s->listener) {
        g_socket_close(s->listener, NULL);
        g_object_unref(s->listener);
    }
    if (s->path) {
        unlink(s->path);
        g_free(s->path);
    }
}

static const ChardevClass socket_class = {
    .name = "socket",
    .start = socket_start,
    .finalize = socket_finalize,
};

/* Make room for a socket at @path: only a stale socket may be replaced. */
static bool clear_path(const char *path, GError **errp)
{
    struct stat st;

    if (strlen(path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
        error_setg(errp, CHARDEV_ERROR, ENAMETOOLONG, "socket path '%s' is "
                   "longer than %zu bytes", path,
                   sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1);
        return false;
    }
    if (lstat(path, &st) < 0) {
        return true;
    }
    if (!S_ISSOCK(st.st_mode)) {
        error_setg(errp, CHARDEV_ERROR, EEXIST,
                   "'%s' exists and is not a socket", path);
        return false;
    }
    if (unlink(path) < 0) {
        error_setg_errno(errp, CHARDEV_ERROR, errno,
                         "cannot remove stale socket '%s'", path);
        return false;
    }
    return true;
}

static GSocket *listen_path(const char *path, GError **errp)
{
    g_autoptr(GSocket) sock = NULL;
    g_autoptr(GSocketAddress) addr = NULL;
    g_autoptr(GError) err = NULL;

    if (!*path) {
        error_setg(errp, CHARDEV_ERROR, EINVAL, "path must not be empty");
        return NULL;
    }
    if (!clear_path(path, errp)) {
        return NULL;
    }
    sock = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                        G_SOCKET_PROTOCOL_DEFAULT, &err);
    addr = g_unix_socket_address_new(path);
    if (!sock || !g_socket_bind(sock, addr, false, &err) ||
        !g_socket_listen(sock, &err)) {
        g_propagate_prefixed_error(errp, g_steal_pointer(&err),
                                   "cannot listen on '%s': ", path);
        return NULL;
    }
    return g_steal_pointer(&sock);
}

static bool sockopt_is(int fd, int opt, int want)
{
    int val = -1;
    socklen_t len = sizeof(val);

    return getsockopt(fd, SOL_SOCKET, opt, &val, &len) == 0 && val == want;
}

/* Is @fd a listening AF_UNIX stream socket, as libvirt passes it? */
static bool check_listening_fd(int fd, const char *value, GError **errp)
{
    struct stat st;

    if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
        error_setg(errp, CHARDEV_ERROR, ENOTSOCK,
                   "fd=%s (fd %d) is not a socket", value, fd);
        return false;
    }
    if (!sockopt_is(fd, SO_DOMAIN, AF_UNIX) ||
        !sockopt_is(fd, SO_TYPE, SOCK_STREAM)) {
        error_setg(errp, CHARDEV_ERROR, EAFNOSUPPORT,
                   "fd=%s (fd %d) is not an AF_UNIX stream socket", value, fd);
        return false;
    }
    if (!sockopt_is(fd, SO_ACCEPTCONN, 1)) {
        error_setg(errp, CHARDEV_ERROR, EINVAL, "fd=%s (fd %d) is not "
                   "listening: pass a socket after listen()", value, fd);
        return false;
    }
    return true;
}

/* An inherited fd is never closed: listen on a duplicate of it. */
static GSocket *listen_fd(FdRegistry *fds, const char *value, GError **errp)
{
    FdParam p;
    int fd;
    GSocket *sock;

    if (!fd_param_resolve(fds, value, &p, errp)) {
        return NULL;
    }
    if (!check_listening_fd(p.fd, value, errp)) {
        fd_param_release(&p);
        return NULL;
    }
    fd = p.owned ? p.fd : fcntl(p.fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
        error_setg_errno(errp, CHARDEV_ERROR, errno, "fd=%s: dup", value);
        return NULL;
    }
    sock = g_socket_new_from_fd(fd, errp);
    if (!sock) {
        close(fd);
    }
    return sock;
}

static bool check_server_opts(ChardevOpts *opts, GError **errp)
{
    bool server, wait;

    if (!chardev_opts_take_bool(opts, "server", true, &server, errp) ||
        !chardev_opts_take_bool(opts, "wait", false, &wait, errp)) {
        return false;
    }
    if (!server) {
        error_setg(errp, CHARDEV_ERROR, ENOTSUP, "server=off is not "
                   "supported: vfio-host only listens (server=on)");
        return false;
    }
    if (wait) {
        error_setg(errp, CHARDEV_ERROR, ENOTSUP, "wait=on is not "
                   "supported: vfio-host never waits for a client (wait=off)");
        return false;
    }
    return chardev_opts_check_empty(opts, errp);
}

static GSocket *open_listener(ChardevOpts *opts, FdRegistry *fds,
                              char **path_out, GError **errp)
{
    const char *path = chardev_opts_take(opts, "path");
    const char *fd = chardev_opts_take(opts, "fd");

    if (path && fd) {
        error_setg(errp, CHARDEV_ERROR, EINVAL,
                   "'path' and 'fd' are mutually exclusive");
        return NULL;
    }
    if (!path && !fd) {
        error_setg(errp, CHARDEV_ERROR, EINVAL,
                   "a socket needs 'path' or 'fd'");
        return NULL;
    }
    if (!check_server_opts(opts, errp)) {
        return NULL;
    }
    *path_out = g_strdup(path);
    return path ? listen_path(path, errp) : listen_fd(fds, fd, errp);
}

Chardev *chardev_socket_new(const char *id, ChardevOpts *opts,
                            FdRegistry *fds, GError **errp)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;
    GSocket *listener = open_listener(opts, fds, &path, &err);
    SocketChardev *s;

    if (!listener) {
        g_propagate_prefixed_error(errp, g_steal_pointer(&err),
                                   "chardev '%s': ", id);
        return NULL;
    }
    g_socket_set_blocking(listener, false);
    trace_chardev_listen(id, path ? path : "", g_socket_get_fd(listener));
    s = g_new0(SocketChardev, 1);
    chardev_init(&s->parent, &socket_class, id);
    s->listener = listener;
    s->path = g_steal_pointer(&path);
    return &s->parent;
}
