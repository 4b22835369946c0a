/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the fd-passing QMP commands (monitor/qmp-cmds-fds.c):
 * getfd/closefd and add-fd/remove-fd/query-fdsets with SCM_RIGHTS over a
 * socketpair.  Fds are pipe write ends: the read end sees the hang-up once
 * the server has closed its copy.
 */
#include <fcntl.h>

#include "test-qmp-common.h"

typedef struct Fixture {
    FdRegistry *fds;
    QmpServer *qmp;
    TestClient *c;
} Fixture;

typedef struct Pipe {
    int r, w;
} Pipe;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    f->fds = fd_registry_new();
    f->qmp = qmp_server_new(f->fds, "1.0.0");
    f->c = tc_new(f->qmp);
    tc_negotiate(f->c);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    tc_free(f->c);
    qmp_server_free(f->qmp);
    fd_registry_free(f->fds);
    tc_spin();
}

static Pipe make_pipe(void)
{
    int p[2];

    g_assert_cmpint(pipe2(p, O_CLOEXEC), ==, 0);
    return (Pipe){ p[0], p[1] };
}

static bool hung_up(const Pipe *p)
{
    struct pollfd pfd = { .fd = p->r, .events = POLLIN };

    tc_spin();
    return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP);
}

/* Send @req with the write end of @p; we keep only the read end. */
static JsonObject *cmd_with_fd(Fixture *f, const char *req, Pipe *p)
{
    tc_send_fd(f->c, req, p->w);
    close(p->w);
    p->w = -1;
    return tc_recv(f->c);
}

static void test_getfd_closefd(Fixture *f, gconstpointer data)
{
    Pipe p = make_pipe();
    g_autoptr(JsonObject) rsp = cmd_with_fd(
        f, "{\"execute\":\"getfd\",\"arguments\":{\"fdname\":\"fd0\"}}", &p);
    g_autoptr(JsonNode) ret = NULL;

    g_assert_true(json_object_has_member(rsp, "return"));
    g_assert_false(hung_up(&p));
    ret = tc_ok(f->c, "{\"execute\":\"closefd\",\"arguments\":"
                "{\"fdname\":\"fd0\"}}");
    g_assert_true(hung_up(&p));
    tc_expect_error(f->c, "{\"execute\":\"closefd\",\"arguments\":"
                    "{\"fdname\":\"fd0\"}}", "GenericError",
                    "File descriptor named 'fd0' not found");
    close(p.r);
}

static void test_getfd_for_fd_param(Fixture *f, gconstpointer data)
{
    Pipe p = make_pipe();
    g_autoptr(JsonObject) rsp = cmd_with_fd(
        f, "{\"execute\":\"getfd\",\"arguments\":{\"fdname\":\"chr\"}}", &p);
    g_autoptr(GError) err = NULL;
    FdParam param;

    g_assert_true(fd_param_resolve(f->fds, "chr", &param, &err));
    g_assert_true(param.owned);
    fd_param_release(&param);
    g_assert_true(hung_up(&p));
    close(p.r);
}

static void test_getfd_errors(Fixture *f, gconstpointer data)
{
    Pipe p1 = make_pipe(), p2 = make_pipe();
    g_autoptr(JsonObject) digit = NULL;
    g_autoptr(JsonObject) missing = NULL;

    tc_expect_error(f->c, "{\"execute\":\"getfd\",\"arguments\":"
                    "{\"fdname\":\"x\"}}", "GenericError",
                    "No file descriptor supplied via SCM_RIGHTS");
    /* a failed getfd closes the fd it came with */
    digit = cmd_with_fd(f, "{\"execute\":\"getfd\",\"arguments\":"
                        "{\"fdname\":\"3x\"}}", &p1);
    tc_assert_error(digit, "GenericError",
                    "Parameter 'fdname' expects a name not starting with a "
                    "digit");
    g_assert_true(hung_up(&p1));
    missing = cmd_with_fd(f, "{\"execute\":\"getfd\"}", &p2);
    tc_assert_error(missing, "GenericError", "Parameter 'fdname' is missing");
    g_assert_true(hung_up(&p2));
    tc_expect_error(f->c, "{\"execute\":\"getfd\",\"arguments\":"
                    "{\"fdname\":\"x\",\"fd\":3}}", "GenericError",
                    "Parameter 'fd' is unexpected");
    close(p1.r);
    close(p2.r);
}

static void test_getfd_replaces(Fixture *f, gconstpointer data)
{
    Pipe p1 = make_pipe(), p2 = make_pipe();
    g_autoptr(JsonObject) r1 = cmd_with_fd(
        f, "{\"execute\":\"getfd\",\"arguments\":{\"fdname\":\"a\"}}", &p1);
    g_autoptr(JsonObject) r2 = cmd_with_fd(
        f, "{\"execute\":\"getfd\",\"arguments\":{\"fdname\":\"a\"}}", &p2);

    g_assert_true(hung_up(&p1));
    g_assert_false(hung_up(&p2));
    close(p1.r);
    close(p2.r);
}

static void test_pipelined_getfd(Fixture *f, gconstpointer data)
{
    Pipe a = make_pipe(), b = make_pipe();
    g_autoptr(JsonObject) ra = NULL;
    g_autoptr(JsonObject) rb = NULL;
    g_autoptr(JsonNode) ret = NULL;

    /* both sent before the server runs: each fd goes with its command */
    tc_send_fd(f->c, "{\"execute\":\"getfd\",\"arguments\":"
               "{\"fdname\":\"a\"}}", a.w);
    tc_send_fd(f->c, "{\"execute\":\"getfd\",\"arguments\":"
               "{\"fdname\":\"b\"}}", b.w);
    close(a.w);
    close(b.w);
    ra = tc_recv(f->c);
    rb = tc_recv(f->c);
    g_assert_true(json_object_has_member(ra, "return"));
    g_assert_true(json_object_has_member(rb, "return"));
    ret = tc_ok(f->c, "{\"execute\":\"closefd\",\"arguments\":"
                "{\"fdname\":\"a\"}}");
    g_assert_true(hung_up(&a));
    g_assert_false(hung_up(&b));
    close(a.r);
    close(b.r);
}

static void test_unclaimed_fd_closed_on_hangup(Fixture *f, gconstpointer data)
{
    Pipe p = make_pipe();
    g_autoptr(JsonObject) rsp = cmd_with_fd(
        f, "{\"execute\":\"query-status\"}", &p);

    g_assert_true(json_object_has_member(rsp, "return"));
    g_assert_false(hung_up(&p));
    close(f->c->fd);
    f->c->fd = -1;
    for (int i = 0; i < 1000 && !hung_up(&p); i++) {
        g_usleep(1000);
    }
    g_assert_true(hung_up(&p));
    close(p.r);
}

static char *query_fdsets(Fixture *f)
{
    g_autoptr(JsonNode) sets = tc_ok(f->c, "{\"execute\":\"query-fdsets\"}");

    return json_to_string(sets, false);
}

static void test_add_fd(Fixture *f, gconstpointer data)
{
    Pipe p1 = make_pipe(), p2 = make_pipe();
    g_autoptr(JsonObject) r1 = cmd_with_fd(f, "{\"execute\":\"add-fd\"}", &p1);
    g_autoptr(JsonObject) r2 = cmd_with_fd(
        f, "{\"execute\":\"add-fd\",\"arguments\":{\"fdset-id\":0,"
        "\"opaque\":\"rdonly:/x\"}}", &p2);
    JsonObject *ret1 = json_object_get_object_member(r1, "return");
    JsonObject *ret2 = json_object_get_object_member(r2, "return");
    gint64 fd1 = json_object_get_int_member(ret1, "fd");
    gint64 fd2 = json_object_get_int_member(ret2, "fd");
    g_autofree char *sets = query_fdsets(f);
    g_autofree char *want = g_strdup_printf(
        "[{\"fdset-id\":0,\"fds\":[{\"fd\":%" G_GINT64_FORMAT "},{\"fd\":%"
        G_GINT64_FORMAT ",\"opaque\":\"rdonly:/x\"}]}]", fd1, fd2);
    g_autoptr(GError) err = NULL;
    int fd;

    g_assert_cmpint(json_object_get_int_member(ret1, "fdset-id"), ==, 0);
    g_assert_cmpint(json_object_get_int_member(ret2, "fdset-id"), ==, 0);
    g_assert_cmpstr(sets, ==, want);
    /* a pipe's write end is O_WRONLY: that is what /dev/fdset/0 offers */
    fd = fd_registry_open(f->fds, "/dev/fdset/0", O_WRONLY, &err);
    g_assert_no_error(err);
    close(fd);
    g_assert_false(hung_up(&p1));
    close(p1.r);
    close(p2.r);
}

static void test_remove_fd(Fixture *f, gconstpointer data)
{
    Pipe p1 = make_pipe(), p2 = make_pipe();
    g_autoptr(JsonObject) r1 = cmd_with_fd(
        f, "{\"execute\":\"add-fd\",\"arguments\":{\"fdset-id\":4}}", &p1);
    g_autoptr(JsonObject) r2 = cmd_with_fd(
        f, "{\"execute\":\"add-fd\",\"arguments\":{\"fdset-id\":4}}", &p2);
    gint64 fd1 = json_object_get_int_member(
        json_object_get_object_member(r1, "return"), "fd");
    g_autofree char *rm1 = g_strdup_printf(
        "{\"execute\":\"remove-fd\",\"arguments\":{\"fdset-id\":4,\"fd\":%"
        G_GINT64_FORMAT "}}", fd1);
    g_autoptr(JsonNode) ret = tc_ok(f->c, rm1);
    g_autofree char *sets = NULL;

    g_assert_true(hung_up(&p1));
    g_assert_false(hung_up(&p2));
    tc_expect_error(f->c, rm1, "GenericError", "not found");
    g_clear_pointer(&ret, json_node_unref);
    ret = tc_ok(f->c, "{\"execute\":\"remove-fd\",\"arguments\":"
                "{\"fdset-id\":4}}");
    g_assert_true(hung_up(&p2));
    sets = query_fdsets(f);
    g_assert_cmpstr(sets, ==, "[]");
    tc_expect_error(f->c, "{\"execute\":\"remove-fd\",\"arguments\":"
                    "{\"fdset-id\":4}}", "GenericError",
                    "File descriptor named 'fdset-id:4' not found");
    close(p1.r);
    close(p2.r);
}

static void test_fdset_errors(Fixture *f, gconstpointer data)
{
    Pipe p = make_pipe();
    g_autoptr(JsonObject) neg = cmd_with_fd(
        f, "{\"execute\":\"add-fd\",\"arguments\":{\"fdset-id\":-1}}", &p);

    tc_assert_error(neg, "GenericError",
                    "Parameter 'fdset-id' expects a non-negative value");
    g_assert_true(hung_up(&p));
    tc_expect_error(f->c, "{\"execute\":\"add-fd\"}", "GenericError",
                    "No file descriptor supplied via SCM_RIGHTS");
    tc_expect_error(f->c, "{\"execute\":\"add-fd\",\"arguments\":"
                    "{\"fdset-id\":\"1\"}}", "GenericError",
                    "Invalid parameter type for 'fdset-id', expected: "
                    "integer");
    tc_expect_error(f->c, "{\"execute\":\"remove-fd\"}", "GenericError",
                    "Parameter 'fdset-id' is missing");
    tc_expect_error(f->c, "{\"execute\":\"remove-fd\",\"arguments\":"
                    "{\"fdset-id\":0,\"fd\":-2}}", "GenericError",
                    "Parameter 'fd' expects a file descriptor number");
    tc_expect_error(f->c, "{\"execute\":\"query-fdsets\",\"arguments\":"
                    "{\"all\":true}}", "GenericError",
                    "Parameter 'all' is unexpected");
    close(p.r);
}

#define ADD(path, fn) \
    g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD("/qmp-fds/getfd-closefd", test_getfd_closefd);
    ADD("/qmp-fds/getfd-for-fd-param", test_getfd_for_fd_param);
    ADD("/qmp-fds/getfd-errors", test_getfd_errors);
    ADD("/qmp-fds/getfd-replaces", test_getfd_replaces);
    ADD("/qmp-fds/pipelined-getfd", test_pipelined_getfd);
    ADD("/qmp-fds/unclaimed-fd-closed-on-hangup",
        test_unclaimed_fd_closed_on_hangup);
    ADD("/qmp-fds/add-fd", test_add_fd);
    ADD("/qmp-fds/remove-fd", test_remove_fd);
    ADD("/qmp-fds/fdset-errors", test_fdset_errors);
    return g_test_run();
}
