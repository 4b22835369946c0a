/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of qom/object-props.c: every property kind set from keyval
 * strings and from typed JSON, range and type errors naming the key and
 * the value, links, fds, and reading properties back.
 */
#include <fcntl.h>

#include "test-qom-types.h"

typedef struct Fixture {
    TypeTable *types;
    FdRegistry *fds;
    ObjectRegistry *reg;
} Fixture;

static void fixture_setup(Fixture *f, const void *data)
{
    f->types = test_type_table_new();
    f->fds = fd_registry_new();
    f->reg = object_registry_new(f->types, f->fds, NULL);
}

static void fixture_teardown(Fixture *f, const void *data)
{
    object_registry_free(f->reg);
    fd_registry_free(f->fds);
    type_table_free(f->types);
}

static TestObj *add(Fixture *f, const char *text)
{
    return TEST_OBJ(test_add(f->reg, text));
}

static void add_err(Fixture *f, const char *text, int code, const char *msg)
{
    g_autoptr(GError) err = test_add_err(f->reg, text);

    g_assert_cmpint(err->code, ==, code);
    if (msg) {
        g_assert_cmpstr(err->message, ==, msg);
    }
}

static void test_scalars_keyval(Fixture *f, const void *data)
{
    TestObj *t = add(f, "test-object,id=a,str=hello,,world,flag=on,i32=-10,"
                        "u32=0x3e8,i64=-9223372036854775808,"
                        "u64=18446744073709551615,size=1.5K,mode=slow");

    g_assert_cmpstr(t->str, ==, "hello,world");
    g_assert_true(t->flag);
    g_assert_cmpint(t->i32, ==, -10);
    g_assert_cmpuint(t->u32, ==, 1000);
    g_assert_cmpint(t->i64, ==, G_MININT64);
    g_assert_cmpuint(t->u64, ==, G_MAXUINT64);
    g_assert_cmpuint(t->size, ==, 1536);
    g_assert_cmpint(t->mode, ==, TEST_MODE_SLOW);
}

static void test_scalars_json(Fixture *f, const void *data)
{
    TestObj *t = add(f, "{\"qom-type\":\"test-object\",\"id\":\"j\","
                        "\"str\":\"s\",\"flag\":true,\"i32\":7,\"u32\":\"9\","
                        "\"i64\":-3,\"u64\":\"0x10\",\"size\":1073741824}");
    TestObj *s = add(f, "{\"qom-type\":\"test-object\",\"id\":\"k\","
                        "\"size\":\"2G\",\"flag\":\"yes\"}");

    g_assert_cmpstr(t->str, ==, "s");
    g_assert_true(t->flag);
    g_assert_cmpint(t->i32, ==, 7);
    g_assert_cmpuint(t->u32, ==, 9);
    g_assert_cmpint(t->i64, ==, -3);
    g_assert_cmpuint(t->u64, ==, 16);
    g_assert_cmpuint(t->size, ==, UINT64_C(1) << 30);
    g_assert_cmpuint(s->size, ==, UINT64_C(2) << 30);
    g_assert_true(s->flag);
}

static void test_value_errors(Fixture *f, const void *data)
{
    add_err(f, "test-object,id=a,flag=maybe", EINVAL,
            "Parameter 'flag' expects 'on' or 'off', got 'maybe'");
    add_err(f, "test-object,id=a,i32=11", EINVAL,
            "Parameter 'i32' expects an integer in [-10, 10], got '11'");
    add_err(f, "test-object,id=a,i32=-11", EINVAL,
            "Parameter 'i32' expects an integer in [-10, 10], got '-11'");
    add_err(f, "test-object,id=a,u32=-1", EINVAL,
            "Parameter 'u32' expects an integer in [0, 1000], got '-1'");
    add_err(f, "test-object,id=a,i32=1x", EINVAL,
            "Parameter 'i32' expects an integer, got '1x'");
    add_err(f, "test-object,id=a,u64=18446744073709551616", EINVAL,
            "Parameter 'u64' expects an integer, got '18446744073709551616'");
    add_err(f, "test-object,id=a,i64=9223372036854775808", EINVAL,
            "Parameter 'i64' expects an integer in [-9223372036854775808, "
            "9223372036854775807], got '9223372036854775808'");
    add_err(f, "test-object,id=a,size=16E", EINVAL,
            "Parameter 'size' expects a size (a number with an optional K, "
            "M, G, T, P or E suffix, below 2^64), got '16E'");
    add_err(f, "test-object,id=a,mode=medium", EINVAL,
            "Parameter 'mode' expects one of 'fast', 'slow', got 'medium'");
    add_err(f, "test-object,id=a,nosuch=1", EINVAL,
            "Property 'test-object.nosuch' not found");
    add_err(f, "test-object,id=a,mem_path=1", EINVAL,
            "Property 'test-object.mem_path' not found");
}

static void test_json_type_errors(Fixture *f, const void *data)
{
    add_err(f, "{\"qom-type\":\"test-object\",\"id\":\"a\",\"str\":5}",
            EINVAL, "Parameter 'str' expects a string, got 5");
    add_err(f, "{\"qom-type\":\"test-object\",\"id\":\"a\",\"flag\":1}",
            EINVAL, "Parameter 'flag' expects 'on' or 'off', got 1");
    add_err(f, "{\"qom-type\":\"test-object\",\"id\":\"a\",\"i32\":true}",
            EINVAL, "Parameter 'i32' expects an integer, got true");
    add_err(f, "{\"qom-type\":\"test-object\",\"id\":\"a\",\"size\":-1}",
            EINVAL, "Parameter 'size' expects an integer in [0, "
                    "18446744073709551615], got -1");
    add_err(f, "{\"qom-type\":\"test-object\",\"id\":\"a\",\"u64\":1.5}",
            EINVAL, "Parameter 'u64' expects an integer, got 1.5");
    add_err(f, "{\"qom-type\":\"test-object\",\"id\":\"a\",\"str\":[1]}",
            EINVAL, "Parameter 'str' expects a string, got an array");
    add_err(f, "{\"qom-type\":\"test-object\",\"id\":\"a\",\"str\":{}}",
            EINVAL, "Parameter 'str' expects a string, got an object");
    add_err(f, "{\"qom-type\":\"test-object\",\"id\":\"a\",\"str\":null}",
            EINVAL, "Parameter 'str' expects a string, got null");
}

static void test_link(Fixture *f, const void *data)
{
    TestObj *a = add(f, "test-object,id=a");
    TestObj *b = add(f, "test-object,id=b,peer=a");
    TestObj *c = add(f, "test-object,id=c,peer=/objects/b");

    g_assert_true(b->peer == a);
    g_assert_true(c->peer == b);
    g_assert_true(object_is_in_use(QOM_OBJECT(a)));
    add_err(f, "test-object,id=d,peer=nosuch", ENOENT,
            "Parameter 'peer' expects the id of a test-object object, got "
            "'nosuch': no such object");
    test_add(f->reg, "test-required,id=r,name=x");
    add_err(f, "test-object,id=d,peer=r", EINVAL,
            "Parameter 'peer' expects the id of a test-object object, got "
            "'r': it is a test-required");
    add_err(f, "{\"qom-type\":\"test-object\",\"id\":\"d\",\"peer\":1}",
            EINVAL, "Parameter 'peer' expects the id of a test-object "
                    "object, got 1");
}

static void test_fd_number_and_name(Fixture *f, const void *data)
{
    int named = open("/dev/null", O_RDONLY | O_CLOEXEC);
    TestObj *t;
    g_autofree char *arg = NULL;

    g_assert_cmpint(named, >=, 0);
    fd_registry_add_named(f->fds, "myfd", named);
    t = add(f, "test-object,id=a,fd=myfd");
    g_assert_cmpint(t->fd.fd, ==, named);
    g_assert_true(t->fd.owned);

    /* a number is an inherited fd: used, never closed by the object */
    arg = g_strdup_printf("{\"qom-type\":\"test-object\",\"id\":\"b\","
                          "\"fd\":\"%d\"}", STDERR_FILENO);
    t = add(f, arg);
    g_assert_cmpint(t->fd.fd, ==, STDERR_FILENO);
    g_assert_false(t->fd.owned);
    g_assert_true(user_creatable_del(f->reg, "b", NULL));
    g_assert_cmpint(fcntl(STDERR_FILENO, F_GETFD), >=, 0);

    /* the name was taken by "a": it is gone from the registry */
    add_err(f, "test-object,id=c,fd=myfd", ENOENT, NULL);
}

static void test_fd_errors(Fixture *f, const void *data)
{
    g_autoptr(GError) err = test_add_err(f->reg,
                                         "test-object,id=a,fd=nosuchname");

    g_assert_cmpint(err->code, ==, ENOENT);
    g_assert_true(g_str_has_prefix(err->message, "Parameter 'fd': "));
    g_clear_error(&err);
    err = test_add_err(f->reg,
                       "{\"qom-type\":\"test-object\",\"id\":\"a\","
                       "\"fd\":true}");
    g_assert_cmpstr(err->message, ==, "Parameter 'fd' expects an fd number "
                                      "or a getfd name, got true");
}

static void test_required(Fixture *f, const void *data)
{
    add_err(f, "test-required,id=r", EINVAL, "Parameter 'name' is missing");
    test_add(f->reg, "test-required,id=r,name=");
}

static void test_get_json(Fixture *f, const void *data)
{
    Object *b;
    struct { const char *prop; const char *json; } cases[] = {
        { "str", "\"x\"" }, { "flag", "true" }, { "i32", "-2" },
        { "u32", "3" }, { "size", "4096" }, { "peer", "\"/objects/a\"" },
        { "mode", "\"slow\"" }, { "fd", "-1" }, { "u64", "0" },
    };

    add(f, "test-object,id=a");
    b = QOM_OBJECT(add(f, "test-object,id=b,str=x,flag=on,i32=-2,u32=3,"
                          "size=4K,peer=a,mode=slow"));
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(JsonNode) n =
            object_property_get_json(b, object_find_property(b,
                                                             cases[i].prop));
        g_autofree char *s = json_to_string(n, FALSE);

        g_assert_cmpstr(s, ==, cases[i].json);
    }
}

static void test_type_strings(Fixture *f, const void *data)
{
    Object *a = QOM_OBJECT(add(f, "test-object,id=a"));
    struct { const char *prop, *type, *def; } cases[] = {
        { "str", "str", NULL }, { "flag", "bool", "off" },
        { "i32", "int32", "0" }, { "u32", "uint32", "0" },
        { "i64", "int64", "0" }, { "u64", "uint64", "0" },
        { "size", "size", "0" }, { "peer", "link<test-object>", NULL },
        { "fd", "fd", NULL }, { "mode", "enum", "fast" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        GParamSpec *p = object_find_property(a, cases[i].prop);
        g_autofree char *type = object_property_type_string(p);
        g_autofree char *def = object_property_default_string(p);

        g_assert_cmpstr(type, ==, cases[i].type);
        g_assert_cmpstr(def, ==, cases[i].def);
    }
    g_assert_true(object_property_is_size(object_find_property(a, "size")));
    g_assert_false(object_property_is_size(object_find_property(a, "u64")));
    g_assert_true(object_property_is_link(object_find_property(a, "peer")));
    g_assert_true(object_property_is_fd(object_find_property(a, "fd")));
    g_assert_null(object_find_property(a, "nosuch"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) \
    g_test_add("/qom-props/" path, Fixture, NULL, fixture_setup, fn, \
               fixture_teardown)
    ADD("scalars-keyval", test_scalars_keyval);
    ADD("scalars-json", test_scalars_json);
    ADD("value-errors", test_value_errors);
    ADD("json-type-errors", test_json_type_errors);
    ADD("link", test_link);
    ADD("fd-number-and-name", test_fd_number_and_name);
    ADD("fd-errors", test_fd_errors);
    ADD("required", test_required);
    ADD("get-json", test_get_json);
    ADD("type-strings", test_type_strings);
#undef ADD
    return g_test_run();
}
