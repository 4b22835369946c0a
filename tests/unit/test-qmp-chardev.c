/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of chardev/: -chardev options, listening on a path or an
 * inherited fd, one client at a time, and QMP served through a chardev.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <glib/gstdio.h>

#include "chardev/char.h"
#include "test-qmp-common.h"

typedef struct Fixture {
    char *dir;
    char *path;
    FdRegistry *fds;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    f->dir = g_dir_make_tmp("vht-chardev-XXXXXX", NULL);
    f->path = g_build_filename(f->dir, "s.sock", NULL);
    f->fds = fd_registry_new();
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    g_unlink(f->path);
    g_rmdir(f->dir);
    g_free(f->path);
    g_free(f->dir);
    fd_registry_free(f->fds);
    tc_spin();
}

static void assert_chardev_error(Fixture *f, const char *opts,
                                 const char *msg)
{
    g_autoptr(GError) err = NULL;
    Chardev *chr = chardev_new(opts, f->fds, &err);

    g_assert_null(chr);
    g_assert_nonnull(err);
    if (!strstr(err->message, msg)) {
        g_error("'%s': error '%s' does not mention '%s'", opts, err->message,
                msg);
    }
}

static int connect_to(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    return fd;
}

static void test_option_errors(Fixture *f, gconstpointer data)
{
    g_autofree char *p = g_strdup_printf("path=%s", f->path);
    g_autofree char *foo = g_strdup_printf("socket,id=a,%s,foo=bar", p);
    g_autofree char *off = g_strdup_printf("socket,id=a,%s,server=off", p);
    g_autofree char *wait = g_strdup_printf("socket,id=a,%s,wait=on", p);
    g_autofree char *maybe = g_strdup_printf("socket,id=a,%s,server=maybe", p);
    g_autofree char *both = g_strdup_printf("socket,id=a,%s,fd=3", p);

    g_autoptr(GError) err = NULL;

    g_assert_null(chardev_new("socket,id=a,path=/x,bogus=1", f->fds, &err));
    g_assert_error(err, CHARDEV_ERROR, EINVAL);
    assert_chardev_error(f, "socket", "Parameter 'id' is missing");
    assert_chardev_error(f, "socket,id=1x,path=/x", "invalid id '1x'");
    assert_chardev_error(f, "id=a,socket", "must start with the backend");
    assert_chardev_error(f, "socket,id=a,id=b", "duplicate option 'id'");
    assert_chardev_error(f, "socket,id=a,bogus",
                         "option 'bogus' needs a value");
    assert_chardev_error(f, "socket,id=a,,", "chardev");
    assert_chardev_error(f, "pty,id=a", "backend 'pty' is not supported");
    assert_chardev_error(f, "socket,id=a", "a socket needs 'path' or 'fd'");
    assert_chardev_error(f, both, "mutually exclusive");
    assert_chardev_error(f, off, "server=off is not supported");
    assert_chardev_error(f, wait, "wait=on is not supported");
    assert_chardev_error(f, maybe, "option 'server' expects on or off");
    assert_chardev_error(f, foo, "chardev 'a': invalid option 'foo'");
    assert_chardev_error(f, "socket,id=a,path=", "path must not be empty");
    assert_chardev_error(f, "stdio,id=a,path=/x", "invalid option 'path'");
    /* no option error may leave a socket behind */
    g_assert_false(g_file_test(f->path, G_FILE_TEST_EXISTS));
}

static void test_path_socket(Fixture *f, gconstpointer data)
{
    g_autofree char *opts = g_strdup_printf(
        "socket,id=mon0,path=%s,server,nowait", f->path);
    g_autoptr(GError) err = NULL;
    Chardev *chr = chardev_new(opts, f->fds, &err);
    struct stat st;

    g_assert_no_error(err);
    g_assert_cmpstr(chardev_id(chr), ==, "mon0");
    g_assert_cmpint(lstat(f->path, &st), ==, 0);
    g_assert_true(S_ISSOCK(st.st_mode));
    chardev_free(chr);
    g_assert_false(g_file_test(f->path, G_FILE_TEST_EXISTS));
}

static void test_path_with_comma(Fixture *f, gconstpointer data)
{
    g_autofree char *path = g_build_filename(f->dir, "a,b", NULL);
    g_autofree char *opts = g_strdup_printf(
        "socket,id=c,path=%s/a,,b,server=on,wait=off", f->dir);
    g_autoptr(GError) err = NULL;
    Chardev *chr = chardev_new(opts, f->fds, &err);

    g_assert_no_error(err);
    g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
    chardev_free(chr);
}

static void test_stale_socket_replaced(Fixture *f, gconstpointer data)
{
    g_autofree char *opts = g_strdup_printf("socket,id=a,path=%s", f->path);
    g_autoptr(GError) err = NULL;
    Chardev *old = chardev_new(opts, f->fds, &err);
    Chardev *chr;

    g_assert_no_error(err);
    /* @old still exists but was never freed: its socket file is stale */
    chr = chardev_new(opts, f->fds, &err);
    g_assert_no_error(err);
    g_assert_nonnull(chr);
    chardev_free(chr);
    chardev_free(old);
}

static void test_path_not_socket(Fixture *f, gconstpointer data)
{
    g_autofree char *opts = g_strdup_printf("socket,id=a,path=%s", f->path);
    g_autofree char *longp = g_strdup_printf("socket,id=a,path=/%0200d", 0);
    g_autofree char *text = NULL;

    g_assert_true(g_file_set_contents(f->path, "precious", -1, NULL));
    assert_chardev_error(f, opts, "exists and is not a socket");
    g_assert_true(g_file_get_contents(f->path, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "precious");
    assert_chardev_error(f, longp, "is longer than 107 bytes");
}

static int listening_unix_socket(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(listen(fd, 4), ==, 0);
    return fd;
}

static void on_client_count(Chardev *chr, GIOStream *stream, void *opaque)
{
    (*(int *)opaque)++;
}

static void test_inherited_fd(Fixture *f, gconstpointer data)
{
    int lfd = listening_unix_socket(f->path);
    g_autofree char *opts = g_strdup_printf(
        "socket,id=charmonitor,fd=%d,server=on,wait=off", lfd);
    g_autoptr(GError) err = NULL;
    Chardev *chr = chardev_new(opts, f->fds, &err);
    int clients = 0, c;

    g_assert_no_error(err);
    g_assert_true(chardev_set_frontend(chr, on_client_count, &clients, &err));
    c = connect_to(f->path);
    for (int i = 0; i < 1000 && !clients; i++) {
        tc_spin();
        g_usleep(1000);
    }
    g_assert_cmpint(clients, ==, 1);
    chardev_free(chr);
    /* an inherited fd is never closed, and the path is not ours to unlink */
    g_assert_cmpint(fcntl(lfd, F_GETFD), >=, 0);
    g_assert_true(g_file_test(f->path, G_FILE_TEST_EXISTS));
    close(c);
    close(lfd);
}

static void test_fd_from_getfd(Fixture *f, gconstpointer data)
{
    int lfd = listening_unix_socket(f->path);
    g_autoptr(GError) err = NULL;
    Chardev *chr;
    FdParam p;

    fd_registry_add_named(f->fds, "lsock", lfd);
    chr = chardev_new("socket,id=a,fd=lsock", f->fds, &err);
    g_assert_no_error(err);
    /* the chardev took it out of the registry and owns it */
    g_assert_false(fd_param_resolve(f->fds, "lsock", &p, NULL));
    chardev_free(chr);
    g_assert_cmpint(fcntl(lfd, F_GETFD), <, 0);
}

static void test_bad_fds(Fixture *f, gconstpointer data)
{
    int p[2], sv[2];
    int inet = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sin = { .sin_family = AF_INET };
    g_autofree char *o_pipe = NULL, *o_sv = NULL, *o_inet = NULL;
    g_autofree char *o_closed = NULL;

    g_assert_cmpint(pipe2(p, O_CLOEXEC), ==, 0);
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
                    ==, 0);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(inet, (struct sockaddr *)&sin, sizeof(sin)), ==, 0);
    g_assert_cmpint(listen(inet, 1), ==, 0);
    o_pipe = g_strdup_printf("socket,id=a,fd=%d", p[0]);
    o_sv = g_strdup_printf("socket,id=a,fd=%d", sv[0]);
    o_inet = g_strdup_printf("socket,id=a,fd=%d", inet);
    o_closed = g_strdup_printf("socket,id=a,fd=%d", p[1]);
    close(p[1]);
    assert_chardev_error(f, o_pipe, "is not a socket");
    assert_chardev_error(f, o_sv, "is not listening");
    assert_chardev_error(f, o_inet, "is not an AF_UNIX stream socket");
    assert_chardev_error(f, o_closed, "is not open");
    assert_chardev_error(f, "socket,id=a,fd=nosuch", "File descriptor named "
                         "'nosuch' has not been found");
    /* none of the inherited fds was closed */
    g_assert_cmpint(fcntl(p[0], F_GETFD), >=, 0);
    g_assert_cmpint(fcntl(sv[0], F_GETFD), >=, 0);
    close(p[0]);
    close(sv[0]);
    close(sv[1]);
    close(inet);
}

static void test_one_client_at_a_time(Fixture *f, gconstpointer data)
{
    g_autofree char *opts = g_strdup_printf("socket,id=q,path=%s", f->path);
    g_autoptr(GError) err = NULL;
    Chardev *chr = chardev_new(opts, f->fds, &err);
    QmpServer *qmp = qmp_server_new(f->fds, "1.0");
    TestClient *a, *b;
    g_autoptr(JsonObject) ga = NULL;
    g_autoptr(JsonObject) gb = NULL;

    g_assert_true(qmp_monitor_attach(qmp, chr, &err));
    a = tc_new_on_fd(connect_to(f->path));
    b = tc_new_on_fd(connect_to(f->path));
    ga = tc_recv(a);
    g_assert_true(json_object_has_member(ga, "QMP"));
    /* b is connected but not accepted: no greeting while a is there */
    for (int i = 0; i < 50; i++) {
        tc_spin();
        g_usleep(2000);
    }
    g_assert_true(tc_pull(b));
    g_assert_cmpuint(b->in->len, ==, 0);
    tc_free(a);
    gb = tc_recv(b);
    g_assert_true(json_object_has_member(gb, "QMP"));
    tc_free(b);
    qmp_server_free(qmp);
    chardev_free(chr);
}

static void test_frontend_busy(Fixture *f, gconstpointer data)
{
    g_autofree char *opts = g_strdup_printf("socket,id=q,path=%s", f->path);
    g_autoptr(GError) err = NULL;
    Chardev *chr = chardev_new(opts, f->fds, &err);
    QmpServer *qmp = qmp_server_new(f->fds, "1.0");
    int clients = 0;

    g_assert_true(chardev_set_frontend(chr, on_client_count, &clients, &err));
    g_assert_false(qmp_monitor_attach(qmp, chr, &err));
    g_assert_error(err, CHARDEV_ERROR, EBUSY);
    g_assert_cmpstr(err->message, ==, "cannot serve QMP on chardev 'q': "
                    "chardev 'q' is already in use");
    qmp_server_free(qmp);
    chardev_free(chr);
}

static void test_legacy_forms(Fixture *f, gconstpointer data)
{
    g_autofree char *unix1 = g_strdup_printf("unix:%s,server=on,wait=off",
                                             f->path);
    g_autofree char *unix2 = g_strdup_printf("unix:%s", f->path);
    g_autoptr(GError) err = NULL;
    Chardev *chr = chardev_new_from_legacy(unix1, "qmp0", f->fds, &err);
    int clients = 0;

    g_assert_no_error(err);
    g_assert_cmpstr(chardev_id(chr), ==, "qmp0");
    chardev_free(chr);
    chr = chardev_new_from_legacy(unix2, "qtest", f->fds, &err);
    g_assert_no_error(err);
    chardev_free(chr);
    chr = chardev_new_from_legacy("stdio", "qtest", f->fds, &err);
    g_assert_no_error(err);
    g_assert_true(chardev_set_frontend(chr, on_client_count, &clients, &err));
    g_assert_cmpint(clients, ==, 1);
    chardev_free(chr);
    g_assert_null(chardev_new_from_legacy("tcp:127.0.0.1:4444,server=on",
                                          "x", f->fds, &err));
    g_assert_error(err, CHARDEV_ERROR, ENOTSUP);
    g_assert_nonnull(strstr(err->message, "only unix:PATH"));
}

#define ADD(path, fn) \
    g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD("/chardev/option-errors", test_option_errors);
    ADD("/chardev/path-socket", test_path_socket);
    ADD("/chardev/path-with-comma", test_path_with_comma);
    ADD("/chardev/stale-socket-replaced", test_stale_socket_replaced);
    ADD("/chardev/path-not-socket", test_path_not_socket);
    ADD("/chardev/inherited-fd", test_inherited_fd);
    ADD("/chardev/fd-from-getfd", test_fd_from_getfd);
    ADD("/chardev/bad-fds", test_bad_fds);
    ADD("/chardev/one-client-at-a-time", test_one_client_at_a_time);
    ADD("/chardev/frontend-busy", test_frontend_busy);
    ADD("/chardev/legacy-forms", test_legacy_forms);
    return g_test_run();
}
