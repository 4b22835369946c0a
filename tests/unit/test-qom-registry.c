/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the object registry and of creating/deleting objects and
 * devices: ids, paths, duplicate ids, all-or-nothing creation, users that
 * block deletion, hotplug flags, teardown order, and help output.
 */
#include "test-qom-types.h"

typedef struct Fixture {
    TypeTable *types;
    ObjectRegistry *reg;
} Fixture;

static void fixture_setup(Fixture *f, const void *data)
{
    f->types = test_type_table_new();
    f->reg = object_registry_new(f->types, NULL, NULL);
}

static void fixture_teardown(Fixture *f, const void *data)
{
    object_registry_free(f->reg);
    type_table_free(f->types);
}

static DeviceState *dev_add(Fixture *f, const char *text, GError **errp)
{
    g_autoptr(JsonObject) opts = qom_parse_options(text, "driver", NULL);

    g_assert_nonnull(opts);
    return qdev_device_add(f->reg, opts, errp);
}

static void assert_err(GError *err, int code, const char *msg)
{
    g_assert_nonnull(err);
    g_assert_cmpint(err->code, ==, code);
    g_assert_cmpstr(err->message, ==, msg);
    g_error_free(err);
}

static void test_type_table(Fixture *f, const void *data)
{
    g_autofree const char **objs =
        type_table_list(f->types, TYPE_OBJECT, TYPE_DEVICE);
    g_autofree const char **devs =
        type_table_list(f->types, TYPE_DEVICE, G_TYPE_INVALID);

    g_assert_cmpuint(g_strv_length((char **)objs), ==, 2);
    g_assert_cmpstr(objs[0], ==, "test-object");
    g_assert_cmpstr(objs[1], ==, "test-required");
    g_assert_cmpuint(g_strv_length((char **)devs), ==, 2);
    g_assert_cmpstr(devs[0], ==, "test-coldplug");
    g_assert_cmpstr(devs[1], ==, "test-device");
    g_assert_true(type_table_lookup(f->types, "test-device") ==
                  test_dev_get_type());
    g_assert_true(type_table_lookup(f->types, "nosuch") == G_TYPE_INVALID);
    g_assert_cmpstr(object_type_name(TYPE_DEVICE), ==, "device");
}

static void test_object_ids(Fixture *f, const void *data)
{
    Object *a = test_add(f->reg, "test-object,id=a");

    g_assert_cmpstr(object_get_id(a), ==, "a");
    g_assert_cmpstr(object_get_path(a), ==, "/objects/a");
    g_assert_cmpstr(object_get_type_name(a), ==, "test-object");
    g_assert_true(object_is_completed(a));
    g_assert_true(object_registry_find_object(f->reg, "a") == a);
    g_assert_true(object_registry_find_object(f->reg, "/objects/a") == a);
    g_assert_true(object_registry_resolve_path(f->reg, "/objects/a") == a);
    g_assert_null(object_registry_find_device(f->reg, "a"));

    assert_err(test_add_err(f->reg, "test-object,id=a"), EEXIST,
               "Duplicate ID 'a' for object");
    assert_err(test_add_err(f->reg, "test-object"), EINVAL,
               "Parameter 'id' is missing");
    assert_err(test_add_err(f->reg, "test-object,id=1a"), EINVAL,
               "Parameter 'id' expects an identifier (a letter, then "
               "letters, digits, '-', '.', '_'), got '1a'");
    assert_err(test_add_err(f->reg, "{\"qom-type\":\"test-object\","
                                     "\"id\":5}"),
               EINVAL, "Parameter 'id' expects a string");
    assert_err(test_add_err(f->reg, "nosuch,id=b"), EINVAL,
               "invalid object type: nosuch");
    assert_err(test_add_err(f->reg, "test-device,id=b"), EINVAL,
               "invalid object type: test-device");
    assert_err(test_add_err(f->reg, "{\"id\":\"b\"}"), EINVAL,
               "Parameter 'qom-type' is missing");
}

static void test_all_or_nothing(Fixture *f, const void *data)
{
    /* a failing complete() or property leaves nothing registered */
    assert_err(test_add_err(f->reg, "test-object,id=a,str=fail"), EIO,
               "complete failed as asked");
    g_assert_null(object_registry_find_object(f->reg, "a"));
    g_error_free(test_add_err(f->reg, "test-object,id=a,i32=99"));
    g_assert_null(object_registry_find_object(f->reg, "a"));
    test_add(f->reg, "test-object,id=a");
}

static void test_delete_in_use(Fixture *f, const void *data)
{
    GError *err = NULL;

    test_add(f->reg, "test-object,id=a");
    test_add(f->reg, "test-object,id=b,peer=a");
    g_assert_false(user_creatable_del(f->reg, "a", &err));
    assert_err(g_steal_pointer(&err), EBUSY, "object 'a' is in use by object 'b'");
    g_assert_true(user_creatable_del(f->reg, "b", NULL));
    g_assert_true(user_creatable_del(f->reg, "a", NULL));
    g_assert_false(user_creatable_del(f->reg, "a", &err));
    assert_err(g_steal_pointer(&err), ENOENT, "object 'a' not found");

    test_add(f->reg, "test-object,id=s,str=sticky");
    g_assert_false(user_creatable_del(f->reg, "s", &err));
    assert_err(g_steal_pointer(&err), EPERM, "sticky objects stay");
}

static void test_devices(Fixture *f, const void *data)
{
    GError *err = NULL;
    Object *obj = test_add(f->reg, "test-object,id=o");
    DeviceState *d1 = dev_add(f, "test-device,id=d1,obj=o", &err);
    DeviceState *anon;

    g_assert_no_error(err);
    g_assert_true(device_is_realized(d1));
    g_assert_false(device_is_hotplugged(d1));
    g_assert_cmpstr(object_get_path(QOM_OBJECT(d1)), ==,
                    "/machine/peripheral/d1");
    g_assert_true(object_is_in_use(obj));
    anon = dev_add(f, "{\"driver\":\"test-device\"}", &err);
    g_assert_no_error(err);
    g_assert_null(object_get_id(QOM_OBJECT(anon)));
    g_assert_cmpstr(object_get_path(QOM_OBJECT(anon)), ==,
                    "/machine/peripheral-anon/device[0]");

    g_assert_null(dev_add(f, "test-device,id=d1", &err));
    assert_err(g_steal_pointer(&err), EEXIST, "Duplicate ID 'd1' for device");
    g_assert_null(dev_add(f, "nosuch", &err));
    assert_err(g_steal_pointer(&err), EINVAL, "'nosuch' is not a valid device model name");
    g_assert_null(dev_add(f, "test-object,id=x", &err));
    assert_err(g_steal_pointer(&err), EINVAL, "'test-object' is not a valid device model name");
    g_assert_null(dev_add(f, "test-device,id=x,fail=on", &err));
    assert_err(g_steal_pointer(&err), EIO, "realize failed as asked");
    g_assert_null(object_registry_find_device(f->reg, "x"));

    /* an object and a device may share an id: separate namespaces */
    g_assert_nonnull(dev_add(f, "test-device,id=o", NULL));
}

static void test_device_del(Fixture *f, const void *data)
{
    GError *err = NULL;
    Object *obj = test_add(f->reg, "test-object,id=o");
    DeviceState *d;

    dev_add(f, "test-device,id=d1,obj=o", NULL);
    g_assert_false(user_creatable_del(f->reg, "o", &err));
    assert_err(g_steal_pointer(&err), EBUSY,
               "object 'o' is in use by /machine/peripheral/d1");
    g_assert_true(qdev_device_del(f->reg, "d1", NULL));
    g_assert_false(object_is_in_use(obj));
    g_assert_false(qdev_device_del(f->reg, "d1", &err));
    assert_err(g_steal_pointer(&err), ENODEV, "Device 'd1' not found");

    d = dev_add(f, "test-device", NULL);
    g_assert_true(qdev_device_del(f->reg, object_get_path(QOM_OBJECT(d)),
                                  NULL));
    dev_add(f, "test-coldplug,id=c", NULL);
    g_assert_false(qdev_device_del(f->reg, "c", &err));
    assert_err(g_steal_pointer(&err), EPERM, "Device 'c' does not support hot-unplug");
}

static void test_hotplug_after_start(Fixture *f, const void *data)
{
    GError *err = NULL;
    DeviceState *d;

    dev_add(f, "test-coldplug,id=c1", NULL);
    object_registry_set_started(f->reg);
    d = dev_add(f, "test-device,id=d", &err);
    g_assert_no_error(err);
    g_assert_true(device_is_hotplugged(d));
    g_assert_null(dev_add(f, "test-coldplug,id=c2", &err));
    assert_err(g_steal_pointer(&err), EPERM, "Device 'test-coldplug' can not be hotplugged on "
                           "this machine");
}

static void test_teardown_order(Fixture *f, const void *data)
{
    /* devices go first, then objects newest first: users never dangle */
    test_add(f->reg, "test-object,id=a");
    test_add(f->reg, "test-object,id=b,peer=a");
    dev_add(f, "test-device,id=d,obj=b", NULL);
    test_add(f->reg, "test-object,id=c,peer=b");
    object_registry_clear(f->reg);
    g_assert_null(object_registry_find_object(f->reg, "a"));
    g_assert_null(object_registry_find_device(f->reg, "d"));
}

static void test_list(Fixture *f, const void *data)
{
    g_autoptr(GPtrArray) all = NULL;
    g_autoptr(GPtrArray) devs = NULL;

    test_add(f->reg, "test-object,id=a");
    dev_add(f, "test-device,id=d", NULL);
    test_add(f->reg, "test-object,id=b");
    all = object_registry_list(f->reg, TYPE_OBJECT);
    devs = object_registry_list(f->reg, TYPE_DEVICE);
    g_assert_cmpuint(all->len, ==, 3);
    g_assert_cmpuint(devs->len, ==, 1);
    g_assert_cmpstr(object_get_id(g_ptr_array_index(all, 2)), ==, "b");
}

static char *capture(void (*fn)(Fixture *, FILE *), Fixture *f)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);

    fn(f, out);
    fclose(out);
    return buf;
}

static void print_objects(Fixture *f, FILE *out)
{
    qom_print_type_list(f->types, false, out);
}

static void print_devices(Fixture *f, FILE *out)
{
    qom_print_type_list(f->types, true, out);
}

static void print_object_help(Fixture *f, FILE *out)
{
    g_assert_true(qom_print_type_help(f->types, "test-object", false, out,
                                      NULL));
}

static void test_help(Fixture *f, const void *data)
{
    g_autofree char *objs = capture(print_objects, f);
    g_autofree char *devs = capture(print_devices, f);
    g_autofree char *help = capture(print_object_help, f);
    GError *err = NULL;

    g_assert_cmpstr(objs, ==, "List of user creatable objects:\n"
                              "  test-object\n  test-required\n");
    g_assert_cmpstr(devs, ==, "Devices:\n"
                              "name \"test-coldplug\", desc \"\"\n"
                              "name \"test-device\", desc \"a device for "
                              "tests\"\n");
    g_assert_true(g_str_has_prefix(help, "test-object options:\n"));
    g_assert_nonnull(strstr(help, "  size=<size>              - a size "
                                  "(default: 0)\n"));
    g_assert_nonnull(strstr(help, "  peer=<link<test-object>> - another "
                                  "one\n"));
    g_assert_false(qom_print_type_help(f->types, "test-object", true, stdout,
                                       &err));
    assert_err(g_steal_pointer(&err), EINVAL, "'test-object' is not a valid device model name");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) \
    g_test_add("/qom-registry/" path, Fixture, NULL, fixture_setup, fn, \
               fixture_teardown)
    ADD("type-table", test_type_table);
    ADD("object-ids", test_object_ids);
    ADD("all-or-nothing", test_all_or_nothing);
    ADD("delete-in-use", test_delete_in_use);
    ADD("devices", test_devices);
    ADD("device-del", test_device_del);
    ADD("hotplug-after-start", test_hotplug_after_start);
    ADD("teardown-order", test_teardown_order);
    ADD("list", test_list);
    ADD("help", test_help);
#undef ADD
    return g_test_run();
}
