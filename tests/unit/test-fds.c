/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of monitor/fds.c: named fds, fd= parameters, fd sets and
 * /dev/fdset/N.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "monitor/fds.h"

static bool fd_is_open(int fd)
{
    return fcntl(fd, F_GETFD) >= 0;
}

/*
 * A pipe whose write end is handed over; Return: the read end, which sees
 * the hang-up once every copy of the write end is closed.
 */
static int pipe_handover(int *write_end)
{
    int p[2];

    g_assert_cmpint(pipe2(p, O_CLOEXEC), ==, 0);
    *write_end = p[1];
    return p[0];
}

static bool hung_up(int read_end)
{
    struct pollfd pfd = { .fd = read_end, .events = POLLIN };

    return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP);
}

static void test_named_add_close(void)
{
    FdRegistry *fds = fd_registry_new();
    g_autoptr(GError) err = NULL;
    int w, r = pipe_handover(&w);

    fd_registry_add_named(fds, "fd0", w);
    g_assert_false(hung_up(r));
    g_assert_true(fd_registry_close_named(fds, "fd0", &err));
    g_assert_no_error(err);
    g_assert_true(hung_up(r));
    g_assert_false(fd_registry_close_named(fds, "fd0", &err));
    g_assert_error(err, FDS_ERROR, ENOENT);
    g_assert_cmpstr(err->message, ==, "File descriptor named 'fd0' not found");
    close(r);
    fd_registry_free(fds);
}

static void test_named_replace(void)
{
    FdRegistry *fds = fd_registry_new();
    int w1, r1 = pipe_handover(&w1);
    int w2, r2 = pipe_handover(&w2);

    fd_registry_add_named(fds, "x", w1);
    fd_registry_add_named(fds, "x", w2);
    g_assert_true(hung_up(r1));     /* the old one was closed */
    g_assert_false(hung_up(r2));
    fd_registry_free(fds);          /* and the registry closes the rest */
    g_assert_true(hung_up(r2));
    close(r1);
    close(r2);
}

static void test_param_number(void)
{
    FdRegistry *fds = fd_registry_new();
    g_autoptr(GError) err = NULL;
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    g_autofree char *num = g_strdup_printf("%d", fd);
    FdParam p;

    g_assert_true(fd_param_resolve(fds, num, &p, &err));
    g_assert_cmpint(p.fd, ==, fd);
    g_assert_false(p.owned);
    fd_param_release(&p);
    g_assert_true(fd_is_open(fd));  /* an inherited fd is never closed */
    close(fd);
    g_assert_false(fd_param_resolve(fds, num, &p, &err));
    g_assert_error(err, FDS_ERROR, EBADF);
    g_assert_nonnull(strstr(err->message, "is not open"));
    fd_registry_free(fds);
}

static void test_param_bad_values(void)
{
    static const char *const bad[] = { "", "-1", "12x", "99999999999" };
    FdRegistry *fds = fd_registry_new();
    FdParam p;

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;

        g_assert_false(fd_param_resolve(fds, bad[i], &p, &err));
        g_assert_error(err, FDS_ERROR, EINVAL);
    }
    fd_registry_free(fds);
}

static void test_param_named(void)
{
    FdRegistry *fds = fd_registry_new();
    g_autoptr(GError) err = NULL;
    int w, r = pipe_handover(&w);
    FdParam p;

    fd_registry_add_named(fds, "mon", w);
    g_assert_true(fd_param_resolve(fds, "mon", &p, &err));
    g_assert_cmpint(p.fd, ==, w);
    g_assert_true(p.owned);
    /* taken out of the registry, as in QEMU */
    g_assert_false(fd_param_resolve(fds, "mon", &p, &err));
    g_assert_error(err, FDS_ERROR, ENOENT);
    g_assert_cmpstr(err->message, ==,
                    "File descriptor named 'mon' has not been found");
    fd_registry_free(fds);
    g_assert_false(hung_up(r));     /* the taker owns it now */
    p.fd = w;
    p.owned = true;
    fd_param_release(&p);
    g_assert_true(hung_up(r));
    g_assert_cmpint(p.fd, ==, -1);
    close(r);
}

static void test_fdset_ids(void)
{
    FdRegistry *fds = fd_registry_new();
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(fd_registry_add_to_set(fds, -1, dup(0), NULL), ==, 0);
    g_assert_cmpint(fd_registry_add_to_set(fds, 5, dup(0), NULL), ==, 5);
    g_assert_cmpint(fd_registry_add_to_set(fds, -1, dup(0), NULL), ==, 1);
    g_assert_cmpint(fd_registry_add_to_set(fds, 1, dup(0), "x"), ==, 1);
    /* emptying set 0 frees its id for the next new set */
    g_assert_true(fd_registry_remove_from_set(fds, 0, -1, &err));
    g_assert_cmpint(fd_registry_add_to_set(fds, -1, dup(0), NULL), ==, 0);
    fd_registry_free(fds);
}

static void test_fdset_remove(void)
{
    FdRegistry *fds = fd_registry_new();
    g_autoptr(GError) err = NULL;
    int w1, r1 = pipe_handover(&w1);
    int w2, r2 = pipe_handover(&w2);

    fd_registry_add_to_set(fds, 3, w1, NULL);
    fd_registry_add_to_set(fds, 3, w2, NULL);
    g_assert_false(fd_registry_remove_from_set(fds, 3, 999, &err));
    g_assert_error(err, FDS_ERROR, ENOENT);
    g_assert_cmpstr(err->message, ==,
                    "File descriptor named 'fdset-id:3, fd:999' not found");
    g_clear_error(&err);
    g_assert_true(fd_registry_remove_from_set(fds, 3, w1, &err));
    g_assert_true(hung_up(r1));
    g_assert_false(hung_up(r2));
    g_assert_true(fd_registry_remove_from_set(fds, 3, -1, &err));
    g_assert_true(hung_up(r2));
    g_assert_false(fd_registry_remove_from_set(fds, 3, -1, &err));
    g_assert_cmpstr(err->message, ==,
                    "File descriptor named 'fdset-id:3' not found");
    close(r1);
    close(r2);
    fd_registry_free(fds);
}

static void test_fdset_query(void)
{
    FdRegistry *fds = fd_registry_new();
    int a = dup(0), b = dup(0);
    g_autoptr(JsonNode) empty = fd_registry_query_sets(fds);
    g_autoptr(JsonNode) sets = NULL;
    g_autofree char *none = json_to_string(empty, false);
    g_autofree char *text = NULL;
    g_autofree char *want = NULL;

    g_assert_cmpstr(none, ==, "[]");
    fd_registry_add_to_set(fds, 2, a, "rdonly:/tmp/x");
    fd_registry_add_to_set(fds, 0, b, NULL);
    sets = fd_registry_query_sets(fds);
    text = json_to_string(sets, false);
    want = g_strdup_printf("[{\"fdset-id\":0,\"fds\":[{\"fd\":%d}]},"
                           "{\"fdset-id\":2,\"fds\":[{\"fd\":%d,"
                           "\"opaque\":\"rdonly:/tmp/x\"}]}]", b, a);
    g_assert_cmpstr(text, ==, want);
    fd_registry_free(fds);
}

static void test_open_fdset(void)
{
    FdRegistry *fds = fd_registry_new();
    g_autoptr(GError) err = NULL;
    int ro = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int rw = open("/dev/null", O_RDWR | O_CLOEXEC);
    int fd;

    fd_registry_add_to_set(fds, 7, ro, NULL);
    fd_registry_add_to_set(fds, 7, rw, NULL);
    fd = fd_registry_open(fds, "/dev/fdset/7", O_RDWR, &err);
    g_assert_no_error(err);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(fd, !=, rw);
    g_assert_cmpint(fcntl(fd, F_GETFL) & O_ACCMODE, ==, O_RDWR);
    g_assert_cmpint(fcntl(fd, F_GETFD), ==, FD_CLOEXEC);
    close(fd);
    fd = fd_registry_open(fds, "/dev/fdset/7", O_RDONLY, &err);
    g_assert_cmpint(fcntl(fd, F_GETFL) & O_ACCMODE, ==, O_RDONLY);
    close(fd);
    g_assert_cmpint(fd_registry_open(fds, "/dev/fdset/7", O_WRONLY, &err),
                    ==, -1);
    g_assert_error(err, FDS_ERROR, EACCES);
    g_assert_cmpstr(err->message, ==, "Could not open '/dev/fdset/7': fd set "
                    "7 has no fd opened with access mode O_WRONLY");
    fd_registry_free(fds);
}

static void test_open_errors(void)
{
    FdRegistry *fds = fd_registry_new();
    g_autoptr(GError) err = NULL;
    int fd;

    g_assert_cmpint(fd_registry_open(fds, "/dev/fdset/3", O_RDWR, &err), ==,
                    -1);
    g_assert_error(err, FDS_ERROR, ENOENT);
    g_assert_nonnull(strstr(err->message, "fd set 3 does not exist"));
    g_clear_error(&err);
    g_assert_cmpint(fd_registry_open(fds, "/dev/fdset/x1", O_RDWR, &err), ==,
                    -1);
    g_assert_error(err, FDS_ERROR, EINVAL);
    g_clear_error(&err);
    g_assert_cmpint(fd_registry_open(fds, "/nonexistent/x", O_RDONLY, &err),
                    ==, -1);
    g_assert_error(err, FDS_ERROR, ENOENT);
    g_assert_true(g_str_has_prefix(err->message,
                                   "Could not open '/nonexistent/x': "));
    fd = fd_registry_open(fds, "/dev/null", O_WRONLY, NULL);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(fcntl(fd, F_GETFD), ==, FD_CLOEXEC);
    close(fd);
    fd_registry_free(fds);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fds/named/add-close", test_named_add_close);
    g_test_add_func("/fds/named/replace", test_named_replace);
    g_test_add_func("/fds/param/number", test_param_number);
    g_test_add_func("/fds/param/bad-values", test_param_bad_values);
    g_test_add_func("/fds/param/named", test_param_named);
    g_test_add_func("/fds/fdset/ids", test_fdset_ids);
    g_test_add_func("/fds/fdset/remove", test_fdset_remove);
    g_test_add_func("/fds/fdset/query", test_fdset_query);
    g_test_add_func("/fds/open/fdset", test_open_fdset);
    g_test_add_func("/fds/open/errors", test_open_errors);
    return g_test_run();
}
