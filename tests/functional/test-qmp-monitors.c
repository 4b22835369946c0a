/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Functional tests of several QMP monitors at once: -qmp, -chardev path=
 * with -mon, and libvirt's form, an inherited listening socket passed as
 * -chardev socket,fd=N.  Each negotiates on its own, gets events once
 * negotiated, and is never disturbed by what another one sends.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "libvhtest.h"

typedef struct Setup {
    char *dir;              /* where the inherited socket lives */
    char *fd_path;
    int listen_fd;
    VhtProc *p;
    char *path_sock;
} Setup;

static int listening_socket(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(listen(fd, 8), ==, 0);
    return fd;
}

/*
 * vfio-host with -qmp, a path monitor, and an inherited-fd monitor spelt
 * as libvirt does.
 */
static void setup_start(Setup *s)
{
    g_autofree char *fd_chardev = NULL;
    const char *args[] = {
        "-chardev", "socket,id=m1,path=@DIR@/m1.sock,server=on,wait=off",
        "-mon", "chardev=m1,mode=control",
        "-chardev", NULL,
        "-mon", "chardev=charmonitor,id=monitor,mode=control",
        NULL,
    };
    int pass[2] = { -1, -1 };
    VhtOptions opts = { .args = args, .pass_fds = pass };

    s->dir = g_dir_make_tmp("vht-mon-XXXXXX", NULL);
    s->fd_path = g_build_filename(s->dir, "libvirt.sock", NULL);
    s->listen_fd = listening_socket(s->fd_path);
    fd_chardev = g_strdup_printf("socket,id=charmonitor,fd=%d,server=on,"
                                 "wait=off", s->listen_fd);
    args[5] = fd_chardev;
    pass[0] = s->listen_fd;
    s->p = vht_start_opts(&opts);
    s->path_sock = g_build_filename(vht_dir(s->p), "m1.sock", NULL);
}

static void setup_free(Setup *s)
{
    close(s->listen_fd);
    g_unlink(s->fd_path);
    g_rmdir(s->dir);
    g_free(s->fd_path);
    g_free(s->dir);
    g_free(s->path_sock);
}

static void assert_works(VhtQmp *q)
{
    g_autoptr(JsonNode) ret = vht_qmp_ok(q, "{'execute': 'query-status'}");
}

static void test_three_monitors(void)
{
    Setup s = { 0 };
    VhtQmp *a, *b;

    setup_start(&s);
    a = vht_qmp_connect(s.p, s.path_sock);
    b = vht_qmp_connect(s.p, s.fd_path);
    /* b still negotiating does not hold a back */
    vht_qmp_negotiate(a);
    assert_works(a);
    vht_qmp_expect_error(b, "CommandNotFound", "Expecting capabilities",
                         "{'execute': 'query-status'}");
    vht_qmp_negotiate(b);
    assert_works(b);
    assert_works(vht_qmp_main(s.p));
    vht_qmp_close(a);
    vht_qmp_close(b);
    vht_end(s.p);
    /* the inherited listening socket is still open in the test */
    g_assert_cmpint(fcntl(s.listen_fd, F_GETFD), >=, 0);
    setup_free(&s);
}

static void test_events_only_when_negotiated(void)
{
    Setup s = { 0 };
    VhtQmp *a, *b;
    g_autoptr(JsonObject) ev = NULL;

    setup_start(&s);
    a = vht_qmp_connect(s.p, s.path_sock);
    b = vht_qmp_connect(s.p, s.fd_path);
    vht_qmp_negotiate(a);
    vht_end(s.p);
    ev = vht_qmp_wait_event(a, "SHUTDOWN", 5000);
    g_assert_nonnull(ev);
    /* b never negotiated: hang-up without any event */
    g_assert_null(vht_qmp_wait_event(b, "SHUTDOWN", 5000));
    vht_qmp_close(a);
    vht_qmp_close(b);
    setup_free(&s);
}

static void test_malformed_does_not_spread(void)
{
    Setup s = { 0 };
    VhtQmp *a, *b, *main_q;
    g_autofree char *huge = g_strnfill(6 * 1024 * 1024, 'x');
    g_autoptr(JsonObject) rsp = NULL;

    setup_start(&s);
    main_q = vht_qmp_main(s.p);
    a = vht_qmp_connect(s.p, s.path_sock);
    b = vht_qmp_connect(s.p, s.fd_path);
    vht_qmp_negotiate(a);
    vht_qmp_negotiate(b);
    /* a: half a command, then garbage that breaks it */
    vht_qmp_send_raw(a, "{\"execute\": \"query-", 19);
    assert_works(b);
    assert_works(main_q);
    vht_qmp_send_raw(a, "\x01\xff]}", 4);
    rsp = vht_qmp_receive(a);
    vht_assert_error(rsp, "GenericError", "JSON parse error");
    /* b: a huge line; a and main go on meanwhile */
    vht_qmp_send_raw(b, "[\"", 2);
    vht_qmp_send_raw(b, huge, 6 * 1024 * 1024);
    assert_works(a);
    vht_qmp_send_raw(b, "\"]", 2);
    g_clear_pointer(&rsp, json_object_unref);
    rsp = vht_qmp_receive(b);
    vht_assert_error(rsp, "GenericError", "JSON size limit");
    assert_works(b);
    /* a hangs up in the middle of a command */
    vht_qmp_send_raw(a, "{\"execute\":", 11);
    vht_qmp_close(a);
    assert_works(main_q);
    assert_works(b);
    vht_qmp_close(b);
    vht_end(s.p);
    setup_free(&s);
}

static int raw_connect(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    return fd;
}

static bool readable_within(int fd, int ms)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };

    return poll(&pfd, 1, ms) == 1;
}

static void test_one_client_per_chardev(void)
{
    Setup s = { 0 };
    VhtQmp *first;
    int second;

    setup_start(&s);
    first = vht_qmp_connect(s.p, s.path_sock);
    second = raw_connect(s.path_sock);
    /* queued, not served: no greeting while the first is connected */
    g_assert_false(readable_within(second, 300));
    vht_qmp_close(first);
    g_assert_true(readable_within(second, 5000));
    close(second);
    vht_end(s.p);
    setup_free(&s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp-monitors/three-monitors", test_three_monitors);
    g_test_add_func("/qmp-monitors/events-only-when-negotiated",
                    test_events_only_when_negotiated);
    g_test_add_func("/qmp-monitors/malformed-does-not-spread",
                    test_malformed_does_not_spread);
    g_test_add_func("/qmp-monitors/one-client-per-chardev",
                    test_one_client_per_chardev);
    return g_test_run();
}
