/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Functional tests of fd passing: getfd/closefd, add-fd/remove-fd/
 * query-fdsets, and /dev/fdset/N where vfio-host opens a path.
 *
 * Passed fds are pipe write ends where it matters: once the test has
 * closed its own copy, the read end sees the hang-up exactly when
 * vfio-host has closed its copy.
 */
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "libvhtest.h"

typedef struct Pipe {
    int r, w;
} Pipe;

static Pipe make_pipe(void)
{
    int p[2];

    g_assert_cmpint(pipe2(p, O_CLOEXEC), ==, 0);
    return (Pipe){ p[0], p[1] };
}

/* Has the last write end gone, within @ms? */
static bool hung_up_within(const Pipe *p, int ms)
{
    struct pollfd pfd = { .fd = p->r, .events = POLLIN };

    return poll(&pfd, 1, ms) == 1 && (pfd.revents & POLLHUP);
}

static JsonObject *cmd_with_pipe(VhtQmp *q, Pipe *p, const char *req)
{
    JsonObject *rsp = vht_qmp_fds(q, &p->w, 1, "%s", req);

    close(p->w);
    p->w = -1;
    return rsp;
}

static void test_getfd_closefd(void)
{
    VhtProc *p = vht_start(NULL);
    VhtQmp *q = vht_qmp_main(p);
    Pipe pp = make_pipe();
    g_autoptr(JsonObject) rsp = cmd_with_pipe(
        q, &pp, "{\"execute\": \"getfd\", \"arguments\": {\"fdname\": \"f\"}}");
    g_autoptr(JsonNode) ret = NULL;

    g_assert_true(json_object_has_member(rsp, "return"));
    g_assert_false(hung_up_within(&pp, 50));
    ret = vht_qmp_ok(q, "{'execute': 'closefd', 'arguments': "
                     "{'fdname': 'f'}}");
    g_assert_true(hung_up_within(&pp, 5000));
    vht_qmp_expect_error(q, "GenericError", "File descriptor named 'f' not "
                         "found", "{'execute': 'closefd', 'arguments': "
                         "{'fdname': 'f'}}");
    close(pp.r);
    vht_end(p);
}

static void test_getfd_errors(void)
{
    VhtProc *p = vht_start(NULL);
    VhtQmp *q = vht_qmp_main(p);
    Pipe pp = make_pipe();
    g_autoptr(JsonObject) rsp = cmd_with_pipe(
        q, &pp, "{\"execute\": \"getfd\", \"arguments\": {\"fdname\": \"9\"}}");

    vht_assert_error(rsp, "GenericError", "expects a name not starting with "
                     "a digit");
    g_assert_true(hung_up_within(&pp, 5000));   /* not kept */
    vht_qmp_expect_error(q, "GenericError", "No file descriptor supplied via "
                         "SCM_RIGHTS", "{'execute': 'getfd', 'arguments': "
                         "{'fdname': 'x'}}");
    close(pp.r);
    vht_end(p);
}

static void test_named_fds_freed_at_exit(void)
{
    VhtProc *p = vht_start(NULL);
    Pipe pp = make_pipe();
    g_autoptr(JsonObject) rsp = cmd_with_pipe(
        vht_qmp_main(p), &pp,
        "{\"execute\": \"getfd\", \"arguments\": {\"fdname\": \"kept\"}}");

    g_assert_true(json_object_has_member(rsp, "return"));
    vht_end(p);
    g_assert_true(hung_up_within(&pp, 0));
    close(pp.r);
}

static void test_fdsets(void)
{
    VhtProc *p = vht_start(NULL);
    VhtQmp *q = vht_qmp_main(p);
    Pipe a = make_pipe(), b = make_pipe();
    g_autoptr(JsonObject) ra = cmd_with_pipe(q, &a,
                                             "{\"execute\": \"add-fd\"}");
    g_autoptr(JsonObject) rb = cmd_with_pipe(
        q, &b, "{\"execute\": \"add-fd\", \"arguments\": {\"fdset-id\": 0, "
        "\"opaque\": \"wronly:pipe\"}}");
    g_autoptr(JsonNode) sets = vht_qmp_ok(q, "{'execute': 'query-fdsets'}");
    g_autoptr(JsonNode) ret = NULL;
    JsonArray *arr = json_node_get_array(sets);
    JsonObject *set0 = json_array_get_object_element(arr, 0);
    JsonArray *fds = json_object_get_array_member(set0, "fds");
    gint64 fd_a = json_object_get_int_member(
        json_object_get_object_member(ra, "return"), "fd");

    g_assert_cmpint(json_object_get_int_member(
        json_object_get_object_member(ra, "return"), "fdset-id"), ==, 0);
    g_assert_cmpuint(json_array_get_length(arr), ==, 1);
    g_assert_cmpuint(json_array_get_length(fds), ==, 2);
    g_assert_cmpint(json_object_get_int_member(
        json_array_get_object_element(fds, 0), "fd"), ==, fd_a);
    g_assert_cmpstr(json_object_get_string_member(
        json_array_get_object_element(fds, 1), "opaque"), ==, "wronly:pipe");
    ret = vht_qmp_ok(q, "{'execute': 'remove-fd', 'arguments': "
                     "{'fdset-id': 0, 'fd': %" G_GINT64_FORMAT "}}", fd_a);
    g_assert_true(hung_up_within(&a, 5000));
    g_assert_false(hung_up_within(&b, 50));
    g_clear_pointer(&ret, json_node_unref);
    ret = vht_qmp_ok(q, "{'execute': 'remove-fd', 'arguments': "
                     "{'fdset-id': 0}}");
    g_assert_true(hung_up_within(&b, 5000));
    vht_qmp_expect_error(q, "GenericError", "'fdset-id:0' not found",
                         "{'execute': 'remove-fd', 'arguments': "
                         "{'fdset-id': 0}}");
    close(a.r);
    close(b.r);
    vht_end(p);
}

/* memory-backend-file opens mem-path through the fd registry. */
static void test_dev_fdset_path(void)
{
    VhtProc *p = vht_start(NULL);
    VhtQmp *q = vht_qmp_main(p);
    g_autofree char *file = g_build_filename(vht_dir(p), "ram", NULL);
    int ro, rw;
    g_autoptr(JsonObject) r1 = NULL;
    g_autoptr(JsonObject) r2 = NULL;
    g_autoptr(JsonNode) ret = NULL;

    g_assert_true(g_file_set_contents(file, "", 0, NULL));
    g_assert_cmpint(truncate(file, 1 << 20), ==, 0);
    ro = open(file, O_RDONLY | O_CLOEXEC);
    rw = open(file, O_RDWR | O_CLOEXEC);
    r1 = vht_qmp_fds(q, &ro, 1, "{'execute': 'add-fd', 'arguments': "
                     "{'fdset-id': 3}}");
    /* only a read-only fd in the set: a read-write open must fail */
    vht_qmp_expect_error(q, "GenericError", "fd set 3 has no fd opened with "
                         "access mode O_RDWR",
                         "{'execute': 'object-add', 'arguments': {"
                         "'qom-type': 'memory-backend-file', 'id': 'm0', "
                         "'mem-path': '/dev/fdset/3', 'size': 1048576, "
                         "'share': true}}");
    r2 = vht_qmp_fds(q, &rw, 1, "{'execute': 'add-fd', 'arguments': "
                     "{'fdset-id': 3}}");
    ret = vht_qmp_ok(q, "{'execute': 'object-add', 'arguments': {"
                     "'qom-type': 'memory-backend-file', 'id': 'm0', "
                     "'mem-path': '/dev/fdset/3', 'size': 1048576, "
                     "'share': true}}");
    g_clear_pointer(&ret, json_node_unref);
    ret = vht_qmp_ok(q, "{'execute': 'object-del', 'arguments': "
                     "{'id': 'm0'}}");
    vht_qmp_expect_error(q, "GenericError", "fd set 4 does not exist",
                         "{'execute': 'object-add', 'arguments': {"
                         "'qom-type': 'memory-backend-file', 'id': 'm1', "
                         "'mem-path': '/dev/fdset/4', 'size': 1048576}}");
    close(ro);
    close(rw);
    vht_end(p);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp-fdpass/getfd-closefd", test_getfd_closefd);
    g_test_add_func("/qmp-fdpass/getfd-errors", test_getfd_errors);
    g_test_add_func("/qmp-fdpass/named-fds-freed-at-exit",
                    test_named_fds_freed_at_exit);
    g_test_add_func("/qmp-fdpass/fdsets", test_fdsets);
    g_test_add_func("/qmp-fdpass/dev-fdset-path", test_dev_fdset_path);
    return g_test_run();
}
