/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the QMP server (monitor/qmp*.c, monitor/monitor.c) driven
 * through socketpairs: greeting, negotiation, dispatch, errors, events,
 * framing, several monitors.
 */
#include <errno.h>

#include "monitor/json-stream.h"
#include "monitor/qmp-args.h"
#include "test-qmp-common.h"
#include "util/error.h"

typedef struct Fixture {
    FdRegistry *fds;
    QmpServer *qmp;
    int quit_requests;
    const char *status;
} Fixture;

static void request_quit(void *opaque)
{
    ((Fixture *)opaque)->quit_requests++;
}

static const char *status(void *opaque)
{
    return ((Fixture *)opaque)->status;
}

/* "echo": returns its arguments; "fail": fails with the class asked for. */
static JsonNode *cmd_echo(QmpServer *qmp, JsonObject *args, Monitor *mon,
                          void *opaque, GError **errp)
{
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);

    json_node_set_object(node, args);
    return node;
}

static JsonNode *cmd_fail(QmpServer *qmp, JsonObject *args, Monitor *mon,
                          void *opaque, GError **errp)
{
    static const char *const allowed[] = { "device", NULL };
    const char *dev = NULL;

    if (!qmp_arg_get_string(args, "device", false, &dev, errp) ||
        !qmp_args_check_only(args, allowed, errp)) {
        return NULL;
    }
    if (dev) {
        error_setg(errp, QMP_ERROR, QMP_ERROR_CLASS_DEVICE_NOT_FOUND,
                   "Device '%s' not found", dev);
    } else {
        error_setg(errp, UTIL_ERROR, EIO, "it failed");
    }
    return NULL;
}

/* "big": a 1 MiB string, to fill a client's socket */
static JsonNode *cmd_big(QmpServer *qmp, JsonObject *args, Monitor *mon,
                         void *opaque, GError **errp)
{
    g_autofree char *s = g_strnfill(1 << 20, 'b');
    JsonNode *node = json_node_new(JSON_NODE_VALUE);

    json_node_set_string(node, s);
    return node;
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    QmpRunState rs = { request_quit, status, f };

    f->fds = fd_registry_new();
    f->qmp = qmp_server_new(f->fds, "8.2.1");
    f->status = "running";
    qmp_server_set_run_state(f->qmp, &rs);
    qmp_register_command(f->qmp, "echo", cmd_echo, NULL);
    qmp_register_command(f->qmp, "fail", cmd_fail, NULL);
    qmp_register_command(f->qmp, "big", cmd_big, NULL);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    qmp_server_free(f->qmp);
    fd_registry_free(f->fds);
    tc_spin();
}

static TestClient *negotiated_client(Fixture *f)
{
    TestClient *c = tc_new(f->qmp);

    tc_negotiate(c);
    return c;
}

static void test_greeting(Fixture *f, gconstpointer data)
{
    TestClient *c = tc_new(f->qmp);
    g_autofree char *line = tc_recv_line(c);

    g_assert_cmpstr(line, ==, "{\"QMP\":{\"version\":{\"qemu\":{\"micro\":1,"
                    "\"minor\":2,\"major\":8},\"package\":\"\"},"
                    "\"capabilities\":[]}}");
    tc_free(c);
}

static void test_negotiation(Fixture *f, gconstpointer data)
{
    TestClient *c = tc_new(f->qmp);
    g_autoptr(JsonObject) greeting = tc_recv(c);
    g_autoptr(JsonNode) ret = NULL;

    tc_expect_error(c, "{\"execute\": \"query-version\"}", "CommandNotFound",
                    "Expecting capabilities negotiation with "
                    "'qmp_capabilities'");
    /* even unknown commands get the negotiation hint, as in QEMU */
    tc_expect_error(c, "{\"execute\": \"nonsense\"}", "CommandNotFound",
                    "Expecting capabilities negotiation");
    tc_expect_error(c, "{\"execute\": \"qmp_capabilities\", \"arguments\": "
                    "{\"enable\": [\"oob\"]}}", "GenericError",
                    "Capability 'oob' not available");
    tc_expect_error(c, "{\"execute\": \"qmp_capabilities\", \"arguments\": "
                    "{\"enable\": \"oob\"}}", "GenericError",
                    "Invalid parameter type for 'enable', expected: array");
    ret = tc_ok(c, "{\"execute\": \"qmp_capabilities\", \"arguments\": "
                "{\"enable\": []}}");
    tc_expect_error(c, "{\"execute\": \"qmp_capabilities\"}",
                    "CommandNotFound", "Capabilities negotiation is already "
                    "complete, command ignored");
    tc_free(c);
}

static void test_id_echoed(Fixture *f, gconstpointer data)
{
    static const char *const ids[] = {
        "1", "\"abc\"", "{\"a\":[1,2]}", "null", "-3.5",
    };
    TestClient *c = negotiated_client(f);

    for (size_t i = 0; i < G_N_ELEMENTS(ids); i++) {
        g_autofree char *ok = g_strdup_printf(
            "{\"execute\":\"query-status\",\"id\":%s}", ids[i]);
        g_autofree char *bad = g_strdup_printf(
            "{\"execute\":\"nonsense\",\"id\":%s}", ids[i]);
        g_autofree char *want_ok = g_strdup_printf(
            "{\"return\":{\"running\":true,\"status\":\"running\"},"
            "\"id\":%s}", ids[i]);
        g_autofree char *want_bad = g_strdup_printf(
            "{\"error\":{\"class\":\"CommandNotFound\",\"desc\":\"The command "
            "nonsense has not been found\"},\"id\":%s}", ids[i]);
        g_autofree char *got_ok = NULL;
        g_autofree char *got_bad = NULL;

        tc_send(c, ok);
        got_ok = tc_recv_line(c);
        g_assert_cmpstr(got_ok, ==, want_ok);
        tc_send(c, bad);
        got_bad = tc_recv_line(c);
        g_assert_cmpstr(got_bad, ==, want_bad);
    }
    tc_free(c);
}

static void test_request_shape_errors(Fixture *f, gconstpointer data)
{
    TestClient *c = negotiated_client(f);

    tc_expect_error(c, "[1,2]", "GenericError",
                    "QMP input must be a JSON object");
    tc_expect_error(c, "\"quit\"", "GenericError",
                    "QMP input must be a JSON object");
    tc_expect_error(c, "{}", "GenericError",
                    "QMP input lacks member 'execute'");
    tc_expect_error(c, "{\"execute\": 1}", "GenericError",
                    "QMP input member 'execute' must be a string");
    tc_expect_error(c, "{\"execute\": \"echo\", \"arguments\": []}",
                    "GenericError",
                    "QMP input member 'arguments' must be an object");
    tc_expect_error(c, "{\"execute\": \"echo\", \"foo\": 1}", "GenericError",
                    "QMP input member 'foo' is unexpected");
    tc_expect_error(c, "{\"exec-oob\": \"echo\"}", "GenericError",
                    "QMP input member 'exec-oob' is unexpected");
    tc_expect_error(c, "{\"execute\": \"fail\", \"arguments\": {\"x\": 1}}",
                    "GenericError", "Parameter 'x' is unexpected");
    tc_free(c);
}

static void test_dispatch(Fixture *f, gconstpointer data)
{
    TestClient *c = negotiated_client(f);
    g_autoptr(JsonNode) echo = tc_ok(c, "{\"execute\":\"echo\",\"arguments\":"
                                     "{\"a\":[1,{\"b\":null}]}}");
    g_autoptr(JsonNode) noargs = tc_ok(c, "{\"execute\":\"echo\"}");
    g_autofree char *echo_text = json_to_string(echo, false);
    g_autofree char *noargs_text = json_to_string(noargs, false);

    g_assert_cmpstr(echo_text, ==, "{\"a\":[1,{\"b\":null}]}");
    g_assert_cmpstr(noargs_text, ==, "{}");
    tc_expect_error(c, "{\"execute\":\"fail\"}", "GenericError", "it failed");
    tc_expect_error(c, "{\"execute\":\"fail\",\"arguments\":{\"device\":"
                    "\"d0\"}}", "DeviceNotFound", "Device 'd0' not found");
    tc_expect_error(c, "{\"execute\":\"fail\",\"arguments\":{\"device\":7}}",
                    "GenericError", "Invalid parameter type for 'device', "
                    "expected: string");
    tc_free(c);
}

static void test_builtin_queries(Fixture *f, gconstpointer data)
{
    TestClient *c = negotiated_client(f);
    g_autoptr(JsonNode) version = tc_ok(c, "{\"execute\":\"query-version\"}");
    g_autoptr(JsonNode) cmds = tc_ok(c, "{\"execute\":\"query-commands\"}");
    g_autoptr(JsonNode) st = NULL;
    g_autofree char *v = json_to_string(version, false);
    g_autofree char *l = json_to_string(cmds, false);
    g_autofree char *s = NULL;

    g_assert_cmpstr(v, ==, "{\"qemu\":{\"micro\":1,\"minor\":2,\"major\":8},"
                    "\"package\":\"\"}");
    g_assert_cmpstr(l, ==, "[{\"name\":\"add-fd\"},{\"name\":\"big\"},"
                    "{\"name\":\"closefd\"},"
                    "{\"name\":\"echo\"},{\"name\":\"fail\"},"
                    "{\"name\":\"getfd\"},{\"name\":\"qmp_capabilities\"},"
                    "{\"name\":\"query-commands\"},{\"name\":\"query-fdsets\"},"
                    "{\"name\":\"query-status\"},{\"name\":\"query-version\"},"
                    "{\"name\":\"quit\"},{\"name\":\"remove-fd\"}]");
    f->status = "prelaunch";
    st = tc_ok(c, "{\"execute\":\"query-status\"}");
    s = json_to_string(st, false);
    g_assert_cmpstr(s, ==, "{\"running\":false,\"status\":\"prelaunch\"}");
    tc_expect_error(c, "{\"execute\":\"query-version\",\"arguments\":"
                    "{\"x\":1}}", "GenericError",
                    "Parameter 'x' is unexpected");
    tc_free(c);
}

static void test_quit(Fixture *f, gconstpointer data)
{
    TestClient *c = negotiated_client(f);
    g_autoptr(JsonNode) ret = tc_ok(c, "{\"execute\":\"quit\"}");

    g_assert_cmpint(f->quit_requests, ==, 1);
    tc_free(c);
}

static void test_quit_without_hook(void)
{
    FdRegistry *fds = fd_registry_new();
    QmpServer *qmp = qmp_server_new(fds, "1");
    TestClient *c = tc_new(qmp);

    tc_negotiate(c);
    tc_expect_error(c, "{\"execute\":\"quit\"}", "GenericError",
                    "quit is not available");
    tc_free(c);
    qmp_server_free(qmp);
    fd_registry_free(fds);
}

static void test_events(Fixture *f, gconstpointer data)
{
    TestClient *a = negotiated_client(f);
    TestClient *b = tc_new(f->qmp);     /* still negotiating */
    g_autoptr(JsonObject) greeting = tc_recv(b);
    JsonObject *d = json_object_new();
    g_autoptr(JsonObject) ev = NULL;
    g_autoptr(JsonObject) after = NULL;
    JsonObject *ts;
    gint64 before = g_get_real_time() / G_USEC_PER_SEC;

    json_object_set_string_member(d, "device", "dimm0");
    qmp_emit_event(f->qmp, "DEVICE_DELETED", d);
    qmp_emit_event(f->qmp, "SHUTDOWN", NULL);
    ev = tc_recv(a);
    g_assert_cmpstr(json_object_get_string_member(ev, "event"), ==,
                    "DEVICE_DELETED");
    g_assert_cmpstr(json_object_get_string_member(
        json_object_get_object_member(ev, "data"), "device"), ==, "dimm0");
    ts = json_object_get_object_member(ev, "timestamp");
    g_assert_cmpint(json_object_get_int_member(ts, "seconds"), >=, before);
    g_assert_cmpint(json_object_get_int_member(ts, "microseconds"), <,
                    G_USEC_PER_SEC);
    g_clear_pointer(&ev, json_object_unref);
    ev = tc_recv(a);
    g_assert_false(json_object_has_member(ev, "data"));
    /* the unnegotiated monitor got nothing: its next line is the reply */
    after = tc_cmd(b, "{\"execute\":\"qmp_capabilities\"}");
    g_assert_true(json_object_has_member(after, "return"));
    tc_free(a);
    tc_free(b);
}

static void test_framing_byte_by_byte(Fixture *f, gconstpointer data)
{
    static const char req[] =
        "{\"execute\": \"echo\", \"arguments\": {\"s\": \"}{\\\"\"}, "
        "\"id\": 9}";
    TestClient *c = negotiated_client(f);
    g_autofree char *line = NULL;

    for (size_t i = 0; i < sizeof(req) - 1; i++) {
        tc_send_bytes(c, req + i, 1);
        tc_spin();
    }
    line = tc_recv_line(c);
    g_assert_cmpstr(line, ==, "{\"return\":{\"s\":\"}{\\\"\"},\"id\":9}");
    tc_free(c);
}

static void test_framing_several_per_read(Fixture *f, gconstpointer data)
{
    TestClient *c = negotiated_client(f);

    tc_send(c, "{\"execute\":\"echo\",\"id\":1}{\"execute\":\"echo\",\"id\":2}"
            "\n{\"execute\":\"nonsense\",\"id\":3} {\"execute\":\"echo\","
            "\"id\":4}");
    for (int i = 1; i <= 4; i++) {
        g_autoptr(JsonObject) rsp = tc_recv(c);

        g_assert_cmpint(json_object_get_int_member(rsp, "id"), ==, i);
        g_assert_true(json_object_has_member(rsp, i == 3 ? "error"
                                                         : "return"));
    }
    tc_free(c);
}

static void test_framing_garbage(Fixture *f, gconstpointer data)
{
    TestClient *c = negotiated_client(f);
    g_autoptr(JsonObject) bad = NULL;
    g_autoptr(JsonObject) ok = NULL;

    tc_send(c, "@#garbage!\n{\"execute\":\"echo\",\"id\":\"after\"}");
    bad = tc_recv(c);
    tc_assert_error(bad, "GenericError", "JSON parse error, stray '@'");
    g_assert_false(json_object_has_member(bad, "id"));
    ok = tc_recv(c);
    g_assert_cmpstr(json_object_get_string_member(ok, "id"), ==, "after");
    tc_expect_error(c, "{\"execute\" \"echo\"}", "GenericError",
                    "JSON parse error, ");
    tc_free(c);
}

static void test_huge_input(Fixture *f, gconstpointer data)
{
    TestClient *c = negotiated_client(f);
    size_t n = JSON_STREAM_MAX_SIZE + 4096;
    g_autofree char *big = g_malloc(n + 64);
    g_autoptr(JsonObject) rsp = NULL;
    g_autoptr(JsonNode) ok = NULL;

    strcpy(big, "{\"execute\":\"echo\",\"arguments\":{\"s\":\"");
    memset(big + strlen(big), 'x', n);
    strcpy(big + n, "\"}}");
    tc_send(c, big);
    rsp = tc_recv(c);
    tc_assert_error(rsp, "GenericError", "JSON size limit");
    ok = tc_ok(c, "{\"execute\":\"echo\"}");     /* still connected */
    tc_free(c);
}

static void test_deep_nesting(Fixture *f, gconstpointer data)
{
    TestClient *c = negotiated_client(f);
    g_autofree char *open = g_strnfill(5000, '[');
    g_autofree char *close = g_strnfill(5000, ']');
    g_autoptr(JsonNode) ok = NULL;

    tc_send(c, open);
    tc_send(c, close);
    tc_expect_error(c, "", "GenericError", "JSON nesting depth limit");
    ok = tc_ok(c, "{\"execute\":\"echo\"}");
    tc_free(c);
}

static void test_monitors_isolated(Fixture *f, gconstpointer data)
{
    TestClient *a = negotiated_client(f);
    TestClient *b = negotiated_client(f);
    g_autoptr(JsonObject) bad = NULL;
    g_autoptr(JsonNode) ok = NULL;

    /* a leaves a value half-sent and then sends garbage */
    tc_send(a, "{\"execute\": \"echo\", \"arguments\": {\"s\": [1, ");
    tc_spin();
    ok = tc_ok(b, "{\"execute\":\"echo\"}");
    g_clear_pointer(&ok, json_node_unref);
    tc_send(a, "\x01\x02]}}");
    bad = tc_recv(a);
    tc_assert_error(bad, "GenericError", "stray '\\x01'");
    ok = tc_ok(b, "{\"execute\":\"query-status\"}");
    g_clear_pointer(&ok, json_node_unref);
    /* a hangs up mid-value: b does not notice */
    tc_send(a, "{\"execute\":");
    tc_free(a);
    tc_spin();
    ok = tc_ok(b, "{\"execute\":\"echo\"}");
    tc_free(b);
}

static void test_client_not_reading(Fixture *f, gconstpointer data)
{
    TestClient *c = negotiated_client(f);
    TestClient *other = negotiated_client(f);
    g_autoptr(JsonNode) ok = NULL;

    /* 24 MiB of replies nobody reads: the client is dropped, not fed */
    for (int i = 0; i < 24; i++) {
        tc_send(c, "{\"execute\":\"big\"}");
    }
    g_assert_true(tc_wait_hangup(c));
    ok = tc_ok(other, "{\"execute\":\"query-status\"}");
    tc_free(c);
    tc_free(other);
}

static void test_server_hangs_up_on_free(void)
{
    FdRegistry *fds = fd_registry_new();
    QmpServer *qmp = qmp_server_new(fds, "1.0");
    TestClient *c = tc_new(qmp);
    g_autoptr(JsonObject) greeting = tc_recv(c);

    qmp_server_free(qmp);
    g_assert_true(tc_wait_hangup(c));
    tc_free(c);
    fd_registry_free(fds);
}

#define ADD(path, fn) \
    g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD("/qmp/greeting", test_greeting);
    ADD("/qmp/negotiation", test_negotiation);
    ADD("/qmp/id-echoed", test_id_echoed);
    ADD("/qmp/request-shape-errors", test_request_shape_errors);
    ADD("/qmp/dispatch", test_dispatch);
    ADD("/qmp/builtin-queries", test_builtin_queries);
    ADD("/qmp/quit", test_quit);
    g_test_add_func("/qmp/quit-without-hook", test_quit_without_hook);
    ADD("/qmp/events", test_events);
    ADD("/qmp/framing/byte-by-byte", test_framing_byte_by_byte);
    ADD("/qmp/framing/several-per-read", test_framing_several_per_read);
    ADD("/qmp/framing/garbage", test_framing_garbage);
    ADD("/qmp/framing/huge-input", test_huge_input);
    ADD("/qmp/framing/deep-nesting", test_deep_nesting);
    ADD("/qmp/monitors-isolated", test_monitors_isolated);
    ADD("/qmp/client-not-reading", test_client_not_reading);
    g_test_add_func("/qmp/server-hangs-up-on-free",
                    test_server_hangs_up_on_free);
    return g_test_run();
}
