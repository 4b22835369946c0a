/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of monitor/qmp-args.c: argument checking for QMP commands.
 */
#include <errno.h>

#include "monitor/qmp.h"
#include "monitor/qmp-args.h"

static JsonObject *parse_args(const char *text)
{
    g_autoptr(JsonParser) p = json_parser_new();

    g_assert_true(json_parser_load_from_data(p, text, -1, NULL));
    return json_object_ref(json_node_get_object(json_parser_get_root(p)));
}

static void assert_arg_error(GError *err, const char *msg)
{
    g_assert_error(err, MONITOR_ERROR, EINVAL);
    g_assert_cmpstr(err->message, ==, msg);
}

static void test_string(void)
{
    g_autoptr(JsonObject) a = parse_args("{\"id\": \"x\", \"n\": 1, "
                                         "\"z\": null}");
    g_autoptr(GError) err = NULL;
    const char *s = "default";

    g_assert_true(qmp_arg_get_string(a, "id", true, &s, &err));
    g_assert_cmpstr(s, ==, "x");
    s = "default";
    g_assert_true(qmp_arg_get_string(a, "absent", false, &s, &err));
    g_assert_cmpstr(s, ==, "default");  /* untouched */
    g_assert_false(qmp_arg_get_string(a, "absent", true, &s, &err));
    assert_arg_error(err, "Parameter 'absent' is missing");
    g_clear_error(&err);
    g_assert_false(qmp_arg_get_string(a, "n", true, &s, &err));
    assert_arg_error(err, "Invalid parameter type for 'n', expected: string");
    g_clear_error(&err);
    g_assert_false(qmp_arg_get_string(a, "z", false, &s, &err));
    assert_arg_error(err, "Invalid parameter type for 'z', expected: string");
}

static void test_int_bool(void)
{
    g_autoptr(JsonObject) a = parse_args("{\"i\": -5, \"d\": 1.5, \"b\": true, "
                                         "\"s\": \"1\"}");
    g_autoptr(GError) err = NULL;
    gint64 i = 0;
    bool b = false;

    g_assert_true(qmp_arg_get_int(a, "i", true, &i, &err));
    g_assert_cmpint(i, ==, -5);
    g_assert_false(qmp_arg_get_int(a, "d", true, &i, &err));
    assert_arg_error(err, "Invalid parameter type for 'd', expected: integer");
    g_clear_error(&err);
    g_assert_false(qmp_arg_get_int(a, "s", true, &i, &err));
    g_clear_error(&err);
    g_assert_true(qmp_arg_get_bool(a, "b", true, &b, &err));
    g_assert_true(b);
    g_assert_false(qmp_arg_get_bool(a, "i", true, &b, &err));
    assert_arg_error(err, "Invalid parameter type for 'i', expected: boolean");
}

static void test_object_array(void)
{
    g_autoptr(JsonObject) a = parse_args("{\"o\": {\"k\": 1}, \"l\": [\"a\", "
                                         "\"b\"], \"m\": [\"a\", 2]}");
    g_autoptr(GError) err = NULL;
    JsonObject *o = NULL;
    JsonArray *l = NULL;
    g_auto(GStrv) v = NULL;

    g_assert_true(qmp_arg_get_object(a, "o", true, &o, &err));
    g_assert_true(json_object_has_member(o, "k"));
    g_assert_false(qmp_arg_get_object(a, "l", true, &o, &err));
    assert_arg_error(err, "Invalid parameter type for 'l', expected: object");
    g_clear_error(&err);
    g_assert_true(qmp_arg_get_array(a, "l", true, &l, &err));
    g_assert_cmpuint(json_array_get_length(l), ==, 2);
    g_assert_false(qmp_arg_get_array(a, "o", true, &l, &err));
    assert_arg_error(err, "Invalid parameter type for 'o', expected: array");
    g_clear_error(&err);
    g_assert_true(qmp_arg_get_string_array(a, "l", true, &v, &err));
    g_assert_cmpstr(v[1], ==, "b");
    g_assert_null(v[2]);
    g_clear_pointer(&v, g_strfreev);
    g_assert_false(qmp_arg_get_string_array(a, "m", true, &v, &err));
    assert_arg_error(err,
                     "Invalid parameter type for 'm[1]', expected: string");
    g_assert_null(v);
}

static void test_check_only(void)
{
    static const char *const allowed[] = { "a", "b", NULL };
    g_autoptr(JsonObject) ok = parse_args("{\"b\": 1, \"a\": 2}");
    g_autoptr(JsonObject) bad = parse_args("{\"a\": 1, \"zz\": 2, \"yy\": 3}");
    g_autoptr(JsonObject) empty = parse_args("{}");
    g_autoptr(GError) err = NULL;

    g_assert_true(qmp_args_check_only(ok, allowed, &err));
    g_assert_true(qmp_args_check_only(empty, NULL, &err));
    g_assert_true(qmp_arg_has(ok, "a"));
    g_assert_false(qmp_arg_has(ok, "zz"));
    /* the first unexpected member in the order given */
    g_assert_false(qmp_args_check_only(bad, allowed, &err));
    assert_arg_error(err, "Parameter 'zz' is unexpected");
    g_clear_error(&err);
    g_assert_false(qmp_args_check_only(ok, NULL, &err));
    assert_arg_error(err, "Parameter 'b' is unexpected");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp-args/string", test_string);
    g_test_add_func("/qmp-args/int-bool", test_int_bool);
    g_test_add_func("/qmp-args/object-array", test_object_array);
    g_test_add_func("/qmp-args/check-only", test_check_only);
    return g_test_run();
}
