/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of qom/keyval.c and the scalar parsers of qom/object-props.c:
 * key=value strings, the JSON form, sizes and booleans.
 */
#include <errno.h>

#include "qom/keyval.h"
#include "qom/object-props.h"

static JsonObject *parse_ok(const char *s, const char *implied)
{
    g_autoptr(GError) err = NULL;
    JsonObject *o = keyval_parse(s, implied, &err);

    g_assert_no_error(err);
    g_assert_nonnull(o);
    return o;
}

static void parse_err(const char *s, const char *implied, const char *msg)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(keyval_parse(s, implied, &err));
    g_assert_error(err, QOM_ERROR, EINVAL);
    g_assert_cmpstr(err->message, ==, msg);
}

static void test_keyval_basic(void)
{
    g_autoptr(JsonObject) o = parse_ok("a=1,bb=two,c-d.e_f=", NULL);

    g_assert_cmpuint(json_object_get_size(o), ==, 3);
    g_assert_cmpstr(qom_options_get_string(o, "a"), ==, "1");
    g_assert_cmpstr(qom_options_get_string(o, "bb"), ==, "two");
    g_assert_cmpstr(qom_options_get_string(o, "c-d.e_f"), ==, "");
}

static void test_keyval_implied(void)
{
    g_autoptr(JsonObject) o = parse_ok("memory-backend-ram,id=m,size=1G",
                                       "qom-type");
    g_autoptr(JsonObject) m = parse_ok("512", "size");
    g_autoptr(JsonObject) only_keys = parse_ok("size=1G", "size");

    g_assert_cmpstr(qom_options_get_string(o, "qom-type"), ==,
                    "memory-backend-ram");
    g_assert_cmpstr(qom_options_get_string(o, "id"), ==, "m");
    g_assert_cmpstr(qom_options_get_string(m, "size"), ==, "512");
    g_assert_cmpstr(qom_options_get_string(only_keys, "size"), ==, "1G");
}

static void test_keyval_escape(void)
{
    g_autoptr(JsonObject) o = parse_ok("a,,b,path=/x,,y,,,,z,q=", "t");

    g_assert_cmpstr(qom_options_get_string(o, "t"), ==, "a,b");
    g_assert_cmpstr(qom_options_get_string(o, "path"), ==, "/x,y,,z");
    g_assert_cmpstr(qom_options_get_string(o, "q"), ==, "");
}

static void test_keyval_order_and_trailing_comma(void)
{
    g_autoptr(JsonObject) o = parse_ok("z=1,a=2,", NULL);
    g_autoptr(JsonObject) empty = parse_ok("", "t");
    JsonObjectIter it;
    const char *k1, *k2;

    json_object_iter_init_ordered(&it, o);
    g_assert_true(json_object_iter_next_ordered(&it, &k1, NULL));
    g_assert_true(json_object_iter_next_ordered(&it, &k2, NULL));
    g_assert_cmpstr(k1, ==, "z");
    g_assert_cmpstr(k2, ==, "a");
    g_assert_false(json_object_iter_next_ordered(&it, NULL, NULL));
    g_assert_cmpuint(json_object_get_size(empty), ==, 0);
}

static void test_keyval_help(void)
{
    g_autoptr(JsonObject) a = parse_ok("help", "qom-type");
    g_autoptr(JsonObject) b = parse_ok("pc-dimm,help", "driver");
    g_autoptr(JsonObject) c = parse_ok("pc-dimm,?", "driver");
    g_autoptr(JsonObject) d = parse_ok("pc-dimm,id=x", "driver");

    g_assert_true(qom_options_wants_help(a, "qom-type"));
    g_assert_true(qom_options_wants_help(b, "driver"));
    g_assert_true(qom_options_wants_help(c, "driver"));
    g_assert_false(qom_options_wants_help(d, "driver"));
}

static void test_keyval_errors(void)
{
    parse_err("a=1,b", NULL, "Expected '=' after parameter 'b'");
    parse_err("foo", NULL, "Expected '=' after parameter 'foo'");
    parse_err("t,b", "t", "Expected '=' after parameter 'b'");
    parse_err("=1", NULL, "Invalid parameter ''");
    parse_err("a b=1", NULL, "Invalid parameter 'a b'");
    parse_err("a=1,a=2", NULL, "Parameter 'a' given more than once");
    parse_err("x,t=1", "t", "Parameter 't' given more than once");
    parse_err("a=1,,b,c", NULL, "Expected '=' after parameter 'c'");
}

static void test_json_object(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonObject) o = qom_parse_options(
        "{\"qom-type\":\"memory-backend-memfd\",\"id\":\"ram0\","
        "\"size\":1073741824,\"fd\":\"23\",\"share\":true}", "qom-type", &err);

    g_assert_no_error(err);
    g_assert_cmpstr(qom_options_get_string(o, "qom-type"), ==,
                    "memory-backend-memfd");
    g_assert_cmpint(json_object_get_int_member(o, "size"), ==, 1073741824);
    g_assert_cmpstr(qom_options_get_string(o, "fd"), ==, "23");
    g_assert_null(qom_options_get_string(o, "size"));
    g_assert_true(json_object_get_boolean_member(o, "share"));
}

static void json_err(const char *text, const char *substr)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(qom_json_parse_object(text, &err));
    g_assert_error(err, QOM_ERROR, EINVAL);
    g_assert_nonnull(strstr(err->message, substr));
}

static void test_json_errors(void)
{
    json_err("{\"a\":", "invalid JSON");
    json_err("{\"a\":1} x", "invalid JSON");
    json_err("[1,2]", "expected an object");
    json_err("{\"size\":18446744073709551616}",
             "18446744073709551616 does not fit in 64 bits");
    json_err("{\"size\":-9223372036854775809}", "does not fit");
    /* integers inside strings are not numbers */
    {
        g_autoptr(GError) err = NULL;
        g_autoptr(JsonObject) o =
            qom_json_parse_object("{\"s\":\"99999999999999999999\\\"9\","
                                  "\"n\":9223372036854775807}", &err);

        g_assert_no_error(err);
        g_assert_cmpint(json_object_get_int_member(o, "n"), ==, G_MAXINT64);
    }
}

static void test_node_to_string(void)
{
    g_autoptr(JsonNode) i = json_node_init_int(json_node_alloc(), -5);
    g_autoptr(JsonNode) b = json_node_init_boolean(json_node_alloc(), TRUE);
    g_autoptr(JsonNode) s = json_node_init_string(json_node_alloc(), "x");
    g_autoptr(JsonNode) n = json_node_init_null(json_node_alloc());
    g_autofree char *si = qom_json_node_to_string(i);
    g_autofree char *sb = qom_json_node_to_string(b);
    g_autofree char *ss = qom_json_node_to_string(s);

    g_assert_cmpstr(si, ==, "-5");
    g_assert_cmpstr(sb, ==, "on");
    g_assert_cmpstr(ss, ==, "x");
    g_assert_null(qom_json_node_to_string(n));
}

static void size_ok(const char *s, uint64_t unit, uint64_t want)
{
    uint64_t v = 0;

    g_assert_true(qom_parse_size(s, unit, &v));
    g_assert_cmpuint(v, ==, want);
}

static void test_size(void)
{
    const uint64_t MiB = UINT64_C(1) << 20;
    static const char *const bad[] = {
        "", "x", "1X", "-1", "1K2", "0x", "0xg", "1.", ".5K", "1.5",
        "18446744073709551616", "16E", "17179869184G", "1 K", " 1", NULL,
    };

    size_ok("0", 1, 0);
    size_ok("4096", 1, 4096);
    size_ok("0x1000", 1, 4096);
    size_ok("1k", 1, 1024);
    size_ok("1K", 1, 1024);
    size_ok("512M", 1, 512 * MiB);
    size_ok("2G", 1, 2048 * MiB);
    size_ok("1T", 1, UINT64_C(1) << 40);
    size_ok("1P", 1, UINT64_C(1) << 50);
    size_ok("15E", 1, UINT64_C(15) << 60);
    size_ok("1.5G", 1, 1536 * MiB);
    size_ok("1048576k", 1, 1024 * MiB);
    size_ok("8B", 1, 8);
    size_ok("512", MiB, 512 * MiB);
    size_ok("1.5", MiB, MiB + MiB / 2);
    size_ok("1G", MiB, 1024 * MiB);
    size_ok("18446744073709551615", 1, G_MAXUINT64);
    for (const char *const *b = bad; *b; b++) {
        uint64_t v;

        g_assert_false(qom_parse_size(*b, 1, &v));
    }
}

static void test_bool(void)
{
    static const char *const yes[] = { "on", "yes", "true", "y", NULL };
    static const char *const no[] = { "off", "no", "false", "n", NULL };
    static const char *const bad[] = { "", "1", "ON", "maybe", NULL };
    bool b;

    for (const char *const *s = yes; *s; s++) {
        g_assert_true(qom_parse_bool(*s, &b) && b);
    }
    for (const char *const *s = no; *s; s++) {
        g_assert_true(qom_parse_bool(*s, &b) && !b);
    }
    for (const char *const *s = bad; *s; s++) {
        g_assert_false(qom_parse_bool(*s, &b));
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/keyval/basic", test_keyval_basic);
    g_test_add_func("/keyval/implied", test_keyval_implied);
    g_test_add_func("/keyval/escape", test_keyval_escape);
    g_test_add_func("/keyval/order", test_keyval_order_and_trailing_comma);
    g_test_add_func("/keyval/help", test_keyval_help);
    g_test_add_func("/keyval/errors", test_keyval_errors);
    g_test_add_func("/json/object", test_json_object);
    g_test_add_func("/json/errors", test_json_errors);
    g_test_add_func("/json/node-to-string", test_node_to_string);
    g_test_add_func("/parse/size", test_size);
    g_test_add_func("/parse/bool", test_bool);
    return g_test_run();
}
