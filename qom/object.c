/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Object: the abstract base of every object created by name; its id,
 * path, registry, users, and the property kinds beyond plain GParamSpecs.
 */
#include <errno.h>
#include <string.h>

#include "monitor/fds.h"
#include "qom/object.h"
#include "qom/object-registry.h"
#include "util/error.h"

G_DEFINE_QUARK(vfio-host-qom-error, qom_error)

typedef struct ObjectPrivate {
    ObjectRegistry *registry;   /* borrowed */
    char *id;
    char *path;
    bool completed;
    GPtrArray *users;           /* char *, who uses this object */
} ObjectPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE(Object, object, G_TYPE_OBJECT)

static void object_finalize(GObject *gobj)
{
    ObjectPrivate *priv = object_get_instance_private(QOM_OBJECT(gobj));

    g_free(priv->id);
    g_free(priv->path);
    g_ptr_array_unref(priv->users);
    G_OBJECT_CLASS(object_parent_class)->finalize(gobj);
}

static void object_class_init(ObjectClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = object_finalize;
    klass->type_name = "object";
}

static void object_init(Object *obj)
{
    ObjectPrivate *priv = object_get_instance_private(obj);

    priv->users = g_ptr_array_new_with_free_func(g_free);
}

const char *object_get_id(Object *obj)
{
    ObjectPrivate *priv = object_get_instance_private(obj);

    return priv->id;
}

const char *object_get_path(Object *obj)
{
    ObjectPrivate *priv = object_get_instance_private(obj);

    return priv->path;
}

const char *object_get_type_name(Object *obj)
{
    return QOM_OBJECT_GET_CLASS(obj)->type_name;
}

ObjectRegistry *object_get_registry(Object *obj)
{
    ObjectPrivate *priv = object_get_instance_private(obj);

    return priv->registry;
}

Machine *object_get_machine(Object *obj)
{
    ObjectPrivate *priv = object_get_instance_private(obj);

    return priv->registry ? object_registry_machine(priv->registry) : NULL;
}

bool object_is_completed(Object *obj)
{
    ObjectPrivate *priv = object_get_instance_private(obj);

    return priv->completed;
}

void object_set_registration(Object *obj, ObjectRegistry *reg,
                             const char *id, const char *path)
{
    ObjectPrivate *priv = object_get_instance_private(obj);

    priv->registry = reg;
    g_free(priv->id);
    priv->id = g_strdup(id);
    g_free(priv->path);
    priv->path = g_strdup(path);
}

void object_set_completed(Object *obj)
{
    ObjectPrivate *priv = object_get_instance_private(obj);

    priv->completed = true;
}

static bool object_find_user(ObjectPrivate *priv, const char *user,
                             guint *index)
{
    for (guint i = 0; i < priv->users->len; i++) {
        if (strcmp(g_ptr_array_index(priv->users, i), user) == 0) {
            *index = i;
            return true;
        }
    }
    return false;
}

void object_add_user(Object *obj, const char *user)
{
    ObjectPrivate *priv = object_get_instance_private(obj);
    guint index;

    g_assert(!object_find_user(priv, user, &index));
    g_ptr_array_add(priv->users, g_strdup(user));
}

void object_remove_user(Object *obj, const char *user)
{
    ObjectPrivate *priv = object_get_instance_private(obj);
    guint index;

    if (object_find_user(priv, user, &index)) {
        g_ptr_array_remove_index(priv->users, index);
    } else {
        g_assert_not_reached();
    }
}

bool object_is_in_use(Object *obj)
{
    ObjectPrivate *priv = object_get_instance_private(obj);

    return priv->users->len > 0;
}

bool object_can_be_deleted(Object *obj, GError **errp)
{
    ObjectPrivate *priv = object_get_instance_private(obj);
    ObjectClass *klass = QOM_OBJECT_GET_CLASS(obj);

    if (priv->users->len > 0) {
        error_setg(errp, QOM_ERROR, EBUSY, "object '%s' is in use by %s",
                   priv->id ? priv->id : priv->path,
                   (const char *)g_ptr_array_index(priv->users, 0));
        return false;
    }
    return !klass->can_be_deleted || klass->can_be_deleted(obj, errp);
}

/* ------------------------------------------------------------------ */
/* Property kinds                                                      */
/* ------------------------------------------------------------------ */

static FdParam *fd_param_copy(const FdParam *p)
{
    return g_memdup2(p, sizeof(*p));
}

G_DEFINE_BOXED_TYPE(FdParam, fd_param, fd_param_copy, g_free)

/* Marks on param specs: a size, a required property, an fd */
static GQuark qom_property_size_quark(void)
{
    return g_quark_from_static_string("qom-property-size");
}

static GQuark qom_property_required_quark(void)
{
    return g_quark_from_static_string("qom-property-required");
}

static GQuark qom_property_fd_quark(void)
{
    return g_quark_from_static_string("qom-property-fd");
}

static const GParamFlags prop_flags = G_PARAM_READWRITE |
                                      G_PARAM_STATIC_STRINGS;

GParamSpec *object_class_property_add_size(GObjectClass *klass,
                                           guint prop_id, const char *name,
                                           const char *desc, uint64_t min,
                                           uint64_t def)
{
    GParamSpec *pspec = g_param_spec_uint64(name, name, desc, min,
                                            G_MAXUINT64, def, prop_flags);

    g_param_spec_set_qdata(pspec, qom_property_size_quark(),
                           GINT_TO_POINTER(1));
    g_object_class_install_property(klass, prop_id, pspec);
    return pspec;
}

GParamSpec *object_class_property_add_link(GObjectClass *klass,
                                           guint prop_id, const char *name,
                                           const char *desc, GType target)
{
    GParamSpec *pspec;

    g_assert(g_type_is_a(target, TYPE_OBJECT));
    pspec = g_param_spec_object(name, name, desc, target, prop_flags);
    g_object_class_install_property(klass, prop_id, pspec);
    return pspec;
}

GParamSpec *object_class_property_add_fd(GObjectClass *klass, guint prop_id,
                                         const char *name, const char *desc)
{
    GParamSpec *pspec = g_param_spec_boxed(name, name, desc, TYPE_FD_PARAM,
                                           prop_flags);

    g_param_spec_set_qdata(pspec, qom_property_fd_quark(),
                           GINT_TO_POINTER(1));
    g_object_class_install_property(klass, prop_id, pspec);
    return pspec;
}

void object_property_set_required(GParamSpec *pspec)
{
    g_param_spec_set_qdata(pspec, qom_property_required_quark(),
                           GINT_TO_POINTER(1));
}

bool object_property_is_required(GParamSpec *pspec)
{
    return g_param_spec_get_qdata(pspec, qom_property_required_quark());
}

bool object_property_is_size(GParamSpec *pspec)
{
    return g_param_spec_get_qdata(pspec, qom_property_size_quark());
}

bool object_property_is_link(GParamSpec *pspec)
{
    return G_IS_PARAM_SPEC_OBJECT(pspec);
}

bool object_property_is_fd(GParamSpec *pspec)
{
    return g_param_spec_get_qdata(pspec, qom_property_fd_quark());
}

GParamSpec *object_find_property(Object *obj, const char *name)
{
    GParamSpec *pspec;

    pspec = g_object_class_find_property(G_OBJECT_GET_CLASS(obj), name);
    if (!pspec || strcmp(g_param_spec_get_name(pspec), name) != 0) {
        return NULL;
    }
    return pspec;
}
