/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Object and device types for the qom unit tests: one property of every
 * kind, a complete() and a realize() that can be told to fail, a veto on
 * deletion, and a device that uses an object.  Included by exactly one
 * file of each test program.
 */
#ifndef TEST_QOM_TYPES_H
#define TEST_QOM_TYPES_H

#include <errno.h>
#include <unistd.h>

#include "monitor/fds.h"
#include "qom/keyval.h"
#include "qom/object-interfaces.h"
#include "qom/object-props.h"
#include "util/error.h"

/* ---- test-object ---- */

enum {
    TP_0, TP_STR, TP_FLAG, TP_I32, TP_U32, TP_I64, TP_U64, TP_SIZE,
    TP_PEER, TP_FD, TP_MODE,
};

typedef enum { TEST_MODE_FAST, TEST_MODE_SLOW } TestMode;

G_DECLARE_FINAL_TYPE(TestObj, test_obj, TEST, OBJ, Object)

struct _TestObj {
    Object parent;
    char *str;
    bool flag;
    int i32;
    unsigned u32;
    gint64 i64;
    guint64 u64;
    guint64 size;
    TestObj *peer;
    FdParam fd;
    TestMode mode;
    char *peer_user;
};

G_DEFINE_TYPE(TestObj, test_obj, TYPE_OBJECT)

static GType test_mode_get_type(void)
{
    static const GEnumValue values[] = {
        { TEST_MODE_FAST, "TEST_MODE_FAST", "fast" },
        { TEST_MODE_SLOW, "TEST_MODE_SLOW", "slow" },
        { 0, NULL, NULL },
    };
    static GType type;

    if (!type) {
        type = g_enum_register_static("TestMode", values);
    }
    return type;
}

static bool test_obj_complete(Object *obj, GError **errp)
{
    TestObj *t = TEST_OBJ(obj);

    if (g_strcmp0(t->str, "fail") == 0) {
        error_setg(errp, QOM_ERROR, EIO, "complete failed as asked");
        return false;
    }
    if (t->peer) {
        t->peer_user = g_strdup_printf("object '%s'", object_get_id(obj));
        object_add_user(QOM_OBJECT(t->peer), t->peer_user);
    }
    return true;
}

static void test_obj_unparent(Object *obj)
{
    TestObj *t = TEST_OBJ(obj);

    if (t->peer_user) {
        object_remove_user(QOM_OBJECT(t->peer), t->peer_user);
        g_clear_pointer(&t->peer_user, g_free);
    }
}

static bool test_obj_can_be_deleted(Object *obj, GError **errp)
{
    if (g_strcmp0(TEST_OBJ(obj)->str, "sticky") == 0) {
        error_setg(errp, QOM_ERROR, EPERM, "sticky objects stay");
        return false;
    }
    return true;
}

static void test_obj_finalize(GObject *gobj)
{
    TestObj *t = TEST_OBJ(gobj);

    g_free(t->str);
    g_clear_object(&t->peer);
    fd_param_release(&t->fd);
    g_free(t->peer_user);
    G_OBJECT_CLASS(test_obj_parent_class)->finalize(gobj);
}

static void test_obj_set_property(GObject *gobj, guint id, const GValue *v,
                                  GParamSpec *pspec)
{
    TestObj *t = TEST_OBJ(gobj);

    switch (id) {
    case TP_STR: g_free(t->str); t->str = g_value_dup_string(v); break;
    case TP_FLAG: t->flag = g_value_get_boolean(v); break;
    case TP_I32: t->i32 = g_value_get_int(v); break;
    case TP_U32: t->u32 = g_value_get_uint(v); break;
    case TP_I64: t->i64 = g_value_get_int64(v); break;
    case TP_U64: t->u64 = g_value_get_uint64(v); break;
    case TP_SIZE: t->size = g_value_get_uint64(v); break;
    case TP_PEER: g_set_object(&t->peer, g_value_get_object(v)); break;
    case TP_FD:
        fd_param_release(&t->fd);
        t->fd = *(const FdParam *)g_value_get_boxed(v);
        break;
    case TP_MODE: t->mode = g_value_get_enum(v); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(gobj, id, pspec);
    }
}

static void test_obj_get_property(GObject *gobj, guint id, GValue *v,
                                  GParamSpec *pspec)
{
    TestObj *t = TEST_OBJ(gobj);

    switch (id) {
    case TP_STR: g_value_set_string(v, t->str); break;
    case TP_FLAG: g_value_set_boolean(v, t->flag); break;
    case TP_I32: g_value_set_int(v, t->i32); break;
    case TP_U32: g_value_set_uint(v, t->u32); break;
    case TP_I64: g_value_set_int64(v, t->i64); break;
    case TP_U64: g_value_set_uint64(v, t->u64); break;
    case TP_SIZE: g_value_set_uint64(v, t->size); break;
    case TP_PEER: g_value_set_object(v, t->peer); break;
    case TP_FD: g_value_set_boxed(v, t->fd.fd >= 0 ? &t->fd : NULL); break;
    case TP_MODE: g_value_set_enum(v, t->mode); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(gobj, id, pspec);
    }
}

static void test_obj_class_init(TestObjClass *klass)
{
    const GParamFlags f = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
    GObjectClass *gc = G_OBJECT_CLASS(klass);
    ObjectClass *oc = QOM_OBJECT_CLASS(klass);

    gc->set_property = test_obj_set_property;
    gc->get_property = test_obj_get_property;
    gc->finalize = test_obj_finalize;
    oc->type_name = "test-object";
    oc->description = "an object for tests";
    oc->complete = test_obj_complete;
    oc->unparent = test_obj_unparent;
    oc->can_be_deleted = test_obj_can_be_deleted;
    g_object_class_install_property(gc, TP_STR,
        g_param_spec_string("str", "str", "a string", NULL, f));
    g_object_class_install_property(gc, TP_FLAG,
        g_param_spec_boolean("flag", "flag", "a bool", FALSE, f));
    g_object_class_install_property(gc, TP_I32,
        g_param_spec_int("i32", "i32", "an int", -10, 10, 0, f));
    g_object_class_install_property(gc, TP_U32,
        g_param_spec_uint("u32", "u32", "a uint", 0, 1000, 0, f));
    g_object_class_install_property(gc, TP_I64,
        g_param_spec_int64("i64", "i64", "an int64", G_MININT64, G_MAXINT64,
                           0, f));
    g_object_class_install_property(gc, TP_U64,
        g_param_spec_uint64("u64", "u64", "a uint64", 0, G_MAXUINT64, 0, f));
    object_class_property_add_size(gc, TP_SIZE, "size", "a size", 0, 0);
    object_class_property_add_link(gc, TP_PEER, "peer", "another one",
                                   test_obj_get_type());
    object_class_property_add_fd(gc, TP_FD, "fd", "an fd");
    g_object_class_install_property(gc, TP_MODE,
        g_param_spec_enum("mode", "mode", "an enum", test_mode_get_type(),
                          TEST_MODE_FAST, f));
}

static void test_obj_init(TestObj *t)
{
    t->fd.fd = -1;
}

/* ---- test-required: an object with a required property ---- */

G_DECLARE_FINAL_TYPE(TestReq, test_req, TEST, REQ, Object)

struct _TestReq {
    Object parent;
    char *name;
};

G_DEFINE_TYPE(TestReq, test_req, TYPE_OBJECT)

static void test_req_set_property(GObject *gobj, guint id, const GValue *v,
                                  GParamSpec *pspec)
{
    g_free(TEST_REQ(gobj)->name);
    TEST_REQ(gobj)->name = g_value_dup_string(v);
}

static void test_req_get_property(GObject *gobj, guint id, GValue *v,
                                  GParamSpec *pspec)
{
    g_value_set_string(v, TEST_REQ(gobj)->name);
}

static void test_req_finalize(GObject *gobj)
{
    g_free(TEST_REQ(gobj)->name);
    G_OBJECT_CLASS(test_req_parent_class)->finalize(gobj);
}

static void test_req_class_init(TestReqClass *klass)
{
    GObjectClass *gc = G_OBJECT_CLASS(klass);
    GParamSpec *p = g_param_spec_string("name", "name", "needed", NULL,
                                        G_PARAM_READWRITE);

    gc->set_property = test_req_set_property;
    gc->get_property = test_req_get_property;
    gc->finalize = test_req_finalize;
    QOM_OBJECT_CLASS(klass)->type_name = "test-required";
    g_object_class_install_property(gc, 1, p);
    object_property_set_required(p);
}

static void test_req_init(TestReq *t)
{
}

/* ---- test-device: uses a test-object while realized ---- */

G_DECLARE_FINAL_TYPE(TestDev, test_dev, TEST, DEV, DeviceState)

struct _TestDev {
    DeviceState parent;
    TestObj *obj;
    bool fail;
};

G_DEFINE_TYPE(TestDev, test_dev, TYPE_DEVICE)

static bool test_dev_realize(DeviceState *dev, GError **errp)
{
    TestDev *d = TEST_DEV(dev);

    if (d->fail) {
        error_setg(errp, QOM_ERROR, EIO, "realize failed as asked");
        return false;
    }
    if (d->obj) {
        object_add_user(QOM_OBJECT(d->obj),
                        object_get_path(QOM_OBJECT(dev)));
    }
    return true;
}

static void test_dev_unrealize(DeviceState *dev)
{
    TestDev *d = TEST_DEV(dev);

    if (d->obj) {
        object_remove_user(QOM_OBJECT(d->obj),
                           object_get_path(QOM_OBJECT(dev)));
    }
}

static void test_dev_set_property(GObject *gobj, guint id, const GValue *v,
                                  GParamSpec *pspec)
{
    if (id == 1) {
        g_set_object(&TEST_DEV(gobj)->obj, g_value_get_object(v));
    } else {
        TEST_DEV(gobj)->fail = g_value_get_boolean(v);
    }
}

static void test_dev_get_property(GObject *gobj, guint id, GValue *v,
                                  GParamSpec *pspec)
{
    if (id == 1) {
        g_value_set_object(v, TEST_DEV(gobj)->obj);
    } else {
        g_value_set_boolean(v, TEST_DEV(gobj)->fail);
    }
}

static void test_dev_finalize(GObject *gobj)
{
    g_clear_object(&TEST_DEV(gobj)->obj);
    G_OBJECT_CLASS(test_dev_parent_class)->finalize(gobj);
}

static void test_dev_class_init(TestDevClass *klass)
{
    GObjectClass *gc = G_OBJECT_CLASS(klass);
    DeviceStateClass *dc = QOM_DEVICE_CLASS(klass);

    gc->set_property = test_dev_set_property;
    gc->get_property = test_dev_get_property;
    gc->finalize = test_dev_finalize;
    QOM_OBJECT_CLASS(klass)->type_name = "test-device";
    QOM_OBJECT_CLASS(klass)->description = "a device for tests";
    dc->realize = test_dev_realize;
    dc->unrealize = test_dev_unrealize;
    object_class_property_add_link(gc, 1, "obj", "the object it uses",
                                   test_obj_get_type());
    g_object_class_install_property(gc, 2,
        g_param_spec_boolean("fail", "fail", "fail realize", FALSE,
                             G_PARAM_READWRITE));
}

static void test_dev_init(TestDev *d)
{
}

/* ---- test-coldplug: a device that cannot be hotplugged ---- */

G_DECLARE_FINAL_TYPE(TestCold, test_cold, TEST, COLD, DeviceState)

struct _TestCold {
    DeviceState parent;
};

G_DEFINE_TYPE(TestCold, test_cold, TYPE_DEVICE)

static void test_cold_class_init(TestColdClass *klass)
{
    QOM_OBJECT_CLASS(klass)->type_name = "test-coldplug";
    QOM_DEVICE_CLASS(klass)->hotpluggable = false;
}

static void test_cold_init(TestCold *d)
{
}

static G_GNUC_UNUSED TypeTable *test_type_table_new(void)
{
    TypeTable *tt = type_table_new();

    type_table_add(tt, test_obj_get_type());
    type_table_add(tt, test_req_get_type());
    type_table_add(tt, test_dev_get_type());
    type_table_add(tt, test_cold_get_type());
    return tt;
}

/* Parse @text (keyval or JSON) and create an object, which must work */
static G_GNUC_UNUSED Object *test_add(ObjectRegistry *reg, const char *text)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonObject) opts = qom_parse_options(text, "qom-type", &err);
    Object *obj;

    g_assert_no_error(err);
    obj = user_creatable_add(reg, opts, &err);
    g_assert_no_error(err);
    return obj;
}

/* Create an object that must fail: Return: the error (free it) */
static G_GNUC_UNUSED GError *test_add_err(ObjectRegistry *reg,
                                          const char *text)
{
    GError *err = NULL;
    g_autoptr(JsonObject) opts = qom_parse_options(text, "qom-type", &err);

    g_assert_no_error(err);
    g_assert_null(user_creatable_add(reg, opts, &err));
    g_assert_nonnull(err);
    return err;
}

#endif /* TEST_QOM_TYPES_H */
