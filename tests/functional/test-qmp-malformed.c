/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Malformed QMP input, table-driven: each message gets one error whose
 * class and text name the problem; the connection stays usable, another
 * monitor is never disturbed, and the process exits cleanly at the end.
 */
#include <string.h>

#include "libvhtest.h"

typedef struct BadMessage {
    const char *name;
    const char *raw;            /* sent as is */
    const char *cls;
    const char *desc;           /* a substring of the error's desc */
} BadMessage;

#define GENERIC "GenericError"
#define NOT_FOUND "CommandNotFound"

static const BadMessage bad_messages[] = {
    /* not a request object */
    { "array", "[]", GENERIC, "QMP input must be a JSON object" },
    { "number", "42\n", GENERIC, "QMP input must be a JSON object" },
    { "string", "\"execute\"", GENERIC, "QMP input must be a JSON object" },
    { "null", "null\n", GENERIC, "QMP input must be a JSON object" },
    { "true", "true\n", GENERIC, "QMP input must be a JSON object" },
    /* request members */
    { "empty-object", "{}", GENERIC, "QMP input lacks member 'execute'" },
    { "arguments-only", "{\"arguments\": {}}", GENERIC,
      "QMP input lacks member 'execute'" },
    { "execute-number", "{\"execute\": 42}", GENERIC,
      "QMP input member 'execute' must be a string" },
    { "execute-null", "{\"execute\": null}", GENERIC,
      "QMP input member 'execute' must be a string" },
    { "execute-array", "{\"execute\": [\"quit\"]}", GENERIC,
      "QMP input member 'execute' must be a string" },
    { "arguments-array",
      "{\"execute\": \"query-status\", \"arguments\": []}", GENERIC,
      "QMP input member 'arguments' must be an object" },
    { "arguments-string",
      "{\"execute\": \"query-status\", \"arguments\": \"x\"}", GENERIC,
      "QMP input member 'arguments' must be an object" },
    { "unknown-member", "{\"execute\": \"query-status\", \"foo\": 1}",
      GENERIC, "QMP input member 'foo' is unexpected" },
    { "exec-oob", "{\"exec-oob\": \"query-status\"}", GENERIC,
      "QMP input member 'exec-oob' is unexpected" },
    { "unknown-command", "{\"execute\": \"no-such-command\"}", NOT_FOUND,
      "The command no-such-command has not been found" },
    { "empty-command", "{\"execute\": \"\"}", NOT_FOUND,
      "has not been found" },
    { "caps-again", "{\"execute\": \"qmp_capabilities\"}", NOT_FOUND,
      "Capabilities negotiation is already complete" },
    /* arguments */
    { "unknown-argument",
      "{\"execute\": \"query-status\", \"arguments\": {\"foo\": 1}}",
      GENERIC, "Parameter 'foo' is unexpected" },
    { "missing-argument", "{\"execute\": \"getfd\"}", GENERIC,
      "Parameter 'fdname' is missing" },
    { "fdname-number",
      "{\"execute\": \"getfd\", \"arguments\": {\"fdname\": 7}}", GENERIC,
      "Invalid parameter type for 'fdname', expected: string" },
    { "fdname-null",
      "{\"execute\": \"closefd\", \"arguments\": {\"fdname\": null}}",
      GENERIC, "Invalid parameter type for 'fdname', expected: string" },
    { "fdname-digit",
      "{\"execute\": \"getfd\", \"arguments\": {\"fdname\": \"1abc\"}}",
      GENERIC, "expects a name not starting with a digit" },
    { "getfd-without-fd",
      "{\"execute\": \"getfd\", \"arguments\": {\"fdname\": \"f\"}}",
      GENERIC, "No file descriptor supplied via SCM_RIGHTS" },
    { "add-fd-without-fd", "{\"execute\": \"add-fd\"}", GENERIC,
      "No file descriptor supplied via SCM_RIGHTS" },
    { "unknown-fd-name",
      "{\"execute\": \"closefd\", \"arguments\": {\"fdname\": \"nope\"}}",
      GENERIC, "File descriptor named 'nope' not found" },
    { "fdset-id-string",
      "{\"execute\": \"add-fd\", \"arguments\": {\"fdset-id\": \"0\"}}",
      GENERIC, "Invalid parameter type for 'fdset-id', expected: integer" },
    { "fdset-id-float",
      "{\"execute\": \"add-fd\", \"arguments\": {\"fdset-id\": 1.5}}",
      GENERIC, "Invalid parameter type for 'fdset-id', expected: integer" },
    { "fdset-id-negative",
      "{\"execute\": \"add-fd\", \"arguments\": {\"fdset-id\": -7}}",
      GENERIC, "Parameter 'fdset-id' expects a non-negative value" },
    { "opaque-number",
      "{\"execute\": \"add-fd\", \"arguments\": {\"opaque\": 5}}", GENERIC,
      "Invalid parameter type for 'opaque', expected: string" },
    { "remove-fd-no-id", "{\"execute\": \"remove-fd\"}", GENERIC,
      "Parameter 'fdset-id' is missing" },
    { "unknown-fdset",
      "{\"execute\": \"remove-fd\", \"arguments\": {\"fdset-id\": 99}}",
      GENERIC, "File descriptor named 'fdset-id:99' not found" },
    { "unknown-fd-in-fdset",
      "{\"execute\": \"remove-fd\", \"arguments\": {\"fdset-id\": 0, "
      "\"fd\": 12345}}", GENERIC, "'fdset-id:0, fd:12345' not found" },
    { "quit-unknown-argument",
      "{\"execute\": \"quit\", \"arguments\": {\"now\": true}}", GENERIC,
      "Parameter 'now' is unexpected" },
    /* broken JSON */
    { "missing-colon", "{\"execute\" \"query-status\"}", GENERIC,
      "JSON parse error, unexpected string constant" },
    { "trailing-comma", "{\"execute\": \"query-status\",}", GENERIC,
      "JSON parse error, " },
    { "missing-value", "{\"execute\": }", GENERIC, "JSON parse error, " },
    { "single-quotes", "{'execute': 'query-status'}", GENERIC,
      "JSON parse error, stray '''" },
    { "bare-word", "execute\n", GENERIC,
      "JSON parse error, unexpected identifier `execute'" },
    { "garbage", "@#$%\n", GENERIC, "JSON parse error, stray '@'" },
    { "control-chars", "\x01\x02\x03\n", GENERIC,
      "JSON parse error, stray '\\x01'" },
    { "high-bytes", "\xff\xfe\n", GENERIC, "JSON parse error, stray '\\xff'" },
    { "stray-closer", "}", GENERIC, "JSON parse error, stray '}'" },
    { "mismatched-closer", "{\"execute\": [\"x\"}]", GENERIC,
      "JSON parse error, stray '}'" },
    { "unterminated-string", "{\"execute\": \"query-status\n}", GENERIC,
      "JSON parse error, stray '\\x0a' in string" },
    { "leading-zero", "{\"execute\": \"x\", \"id\": 01}", GENERIC,
      "JSON parse error, invalid number '01'" },
    { "hex-number", "{\"execute\": \"x\", \"id\": 0x10}", GENERIC,
      "JSON parse error, invalid number '0x10'" },
    { "huge-integer",
      "{\"execute\": \"add-fd\", \"arguments\": "
      "{\"fdset-id\": 99999999999999999999}}", GENERIC,
      "JSON parse error, number '99999999999999999999' is out of range" },
    { "huge-float", "{\"execute\": \"x\", \"id\": 1e999}", GENERIC,
      "JSON parse error, number '1e999' is out of range" },
};

static VhtProc *start_with_second_monitor(VhtQmp **second)
{
    static const char *const args[] = {
        "-chardev", "socket,id=m1,path=@DIR@/m1.sock,server=on,wait=off",
        "-mon", "chardev=m1,mode=control",
        NULL
    };
    VhtOptions opts = { .args = args };
    VhtProc *p = vht_start_opts(&opts);
    g_autofree char *path = g_build_filename(vht_dir(p), "m1.sock", NULL);

    *second = vht_qmp_connect(p, path);
    vht_qmp_negotiate(*second);
    return p;
}

static void send_str(VhtQmp *q, const char *s)
{
    vht_qmp_send_raw(q, s, strlen(s));
}

static void assert_alive(VhtQmp *q)
{
    g_autoptr(JsonNode) ret = vht_qmp_ok(q, "{'execute': 'query-status'}");
}

/* One table entry: its error, then both monitors still answer. */
static void check_bad_message(VhtProc *p, VhtQmp *other,
                              const BadMessage *m)
{
    VhtQmp *q = vht_qmp_main(p);
    g_autoptr(JsonObject) rsp = NULL;

    g_test_message("malformed message '%s'", m->name);
    send_str(q, m->raw);
    rsp = vht_qmp_receive(q);
    vht_assert_error(rsp, m->cls, m->desc);
    /* no "id" unless the request was an object that had one */
    g_assert_false(json_object_has_member(rsp, "id"));
    assert_alive(q);
    assert_alive(other);
}

static void test_table(void)
{
    VhtQmp *other;
    VhtProc *p = start_with_second_monitor(&other);

    g_assert_cmpuint(G_N_ELEMENTS(bad_messages), >=, 30);
    for (size_t i = 0; i < G_N_ELEMENTS(bad_messages); i++) {
        check_bad_message(p, other, &bad_messages[i]);
    }
    vht_qmp_close(other);
    vht_end(p);
}

static void test_error_keeps_id(void)
{
    VhtProc *p = vht_start(NULL);
    g_autoptr(JsonObject) rsp = vht_qmp(
        p, "{'execute': 'getfd', 'arguments': {'fdname': 3}, 'id': 'x1'}");

    vht_assert_error(rsp, "GenericError", "Invalid parameter type");
    g_assert_cmpstr(json_object_get_string_member(rsp, "id"), ==, "x1");
    vht_end(p);
}

static void test_huge_line(void)
{
    VhtQmp *other;
    VhtProc *p = start_with_second_monitor(&other);
    VhtQmp *q = vht_qmp_main(p);
    size_t n = 8 * 1024 * 1024;
    g_autofree char *huge = g_strnfill(n, 'a');
    g_autoptr(JsonObject) r1 = NULL;
    g_autoptr(JsonObject) r2 = NULL;

    /* a huge string, then a huge scalar: each one error, no more */
    send_str(q, "{\"execute\": \"");
    vht_qmp_send_raw(q, huge, n);
    send_str(q, "\"}");
    r1 = vht_qmp_receive(q);
    vht_assert_error(r1, "GenericError", "JSON size limit");
    assert_alive(other);
    vht_qmp_send_raw(q, huge, n);
    send_str(q, "\n");
    r2 = vht_qmp_receive(q);
    vht_assert_error(r2, "GenericError", "JSON size limit");
    assert_alive(q);
    vht_qmp_close(other);
    vht_end(p);
}

static void test_deep_nesting(void)
{
    VhtQmp *other;
    VhtProc *p = start_with_second_monitor(&other);
    VhtQmp *q = vht_qmp_main(p);
    size_t n = 100000;
    g_autofree char *open = g_strnfill(n, '[');
    g_autofree char *close = g_strnfill(n, ']');
    g_autoptr(JsonObject) rsp = NULL;

    send_str(q, "{\"execute\": \"x\", \"arguments\": {\"a\": ");
    vht_qmp_send_raw(q, open, n);
    rsp = vht_qmp_receive(q);   /* reported before the value ends */
    vht_assert_error(rsp, "GenericError", "JSON nesting depth limit");
    assert_alive(other);
    vht_qmp_send_raw(q, close, n);
    send_str(q, "}}");
    assert_alive(q);
    vht_qmp_close(other);
    vht_end(p);
}

static void test_hangup_mid_message(void)
{
    VhtQmp *other;
    VhtProc *p = start_with_second_monitor(&other);
    VhtQmp *q = vht_qmp_main(p);

    send_str(other, "{\"execute\": \"query-st");
    vht_qmp_close(other);
    assert_alive(q);
    vht_end(p);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp-malformed/table", test_table);
    g_test_add_func("/qmp-malformed/error-keeps-id", test_error_keeps_id);
    g_test_add_func("/qmp-malformed/huge-line", test_huge_line);
    g_test_add_func("/qmp-malformed/deep-nesting", test_deep_nesting);
    g_test_add_func("/qmp-malformed/hangup-mid-message",
                    test_hangup_mid_message);
    return g_test_run();
}
