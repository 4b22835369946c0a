/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The registry of live objects and devices of one machine.
 */
#include <errno.h>
#include <string.h>

#include "qom/object-registry.h"
#include "util/error.h"

#define OBJECTS_PREFIX "/objects/"
#define PERIPHERAL_PREFIX "/machine/peripheral/"
#define ANON_PREFIX "/machine/peripheral-anon/"

struct ObjectRegistry {
    TypeTable *types;           /* borrowed */
    FdRegistry *fds;            /* borrowed */
    Machine *machine;           /* borrowed */
    GHashTable *by_path;        /* path (object-owned) -> Object* */
    GPtrArray *order;           /* Object*, creation order, one ref each */
    unsigned anon_count;
    bool started;
};

ObjectRegistry *object_registry_new(TypeTable *types, FdRegistry *fds,
                                    Machine *machine)
{
    ObjectRegistry *reg = g_new0(ObjectRegistry, 1);

    reg->types = types;
    reg->fds = fds;
    reg->machine = machine;
    reg->by_path = g_hash_table_new(g_str_hash, g_str_equal);
    reg->order = g_ptr_array_new();
    return reg;
}

/* Drop the newest object of @type, if any. Return: false if none is left */
static bool object_registry_drop_newest(ObjectRegistry *reg, GType type)
{
    for (guint i = reg->order->len; i-- > 0;) {
        Object *obj = g_ptr_array_index(reg->order, i);

        if (g_type_is_a(G_OBJECT_TYPE(obj), type)) {
            object_registry_remove(reg, obj);
            return true;
        }
    }
    return false;
}

void object_registry_clear(ObjectRegistry *reg)
{
    while (object_registry_drop_newest(reg, TYPE_DEVICE)) {
        /* devices first: they use the objects */
    }
    while (object_registry_drop_newest(reg, TYPE_OBJECT)) {
        /* then objects, newest first: later ones may link earlier ones */
    }
}

void object_registry_free(ObjectRegistry *reg)
{
    if (!reg) {
        return;
    }
    object_registry_clear(reg);
    g_hash_table_unref(reg->by_path);
    g_ptr_array_unref(reg->order);
    g_free(reg);
}

TypeTable *object_registry_types(ObjectRegistry *reg)
{
    return reg->types;
}

FdRegistry *object_registry_fds(ObjectRegistry *reg)
{
    return reg->fds;
}

Machine *object_registry_machine(ObjectRegistry *reg)
{
    return reg->machine;
}

void object_registry_set_started(ObjectRegistry *reg)
{
    reg->started = true;
}

bool object_registry_is_started(ObjectRegistry *reg)
{
    return reg->started;
}

Object *object_registry_resolve_path(ObjectRegistry *reg, const char *path)
{
    return g_hash_table_lookup(reg->by_path, path);
}

Object *object_registry_find_object(ObjectRegistry *reg, const char *id)
{
    g_autofree char *path = NULL;
    Object *obj;

    if (id[0] == '/') {
        obj = object_registry_resolve_path(reg, id);
    } else {
        path = g_strconcat(OBJECTS_PREFIX, id, NULL);
        obj = object_registry_resolve_path(reg, path);
    }
    return obj && !QOM_IS_DEVICE(obj) ? obj : NULL;
}

DeviceState *object_registry_find_device(ObjectRegistry *reg,
                                         const char *id)
{
    g_autofree char *path = NULL;
    Object *obj;

    if (id[0] == '/') {
        obj = object_registry_resolve_path(reg, id);
    } else {
        path = g_strconcat(PERIPHERAL_PREFIX, id, NULL);
        obj = object_registry_resolve_path(reg, path);
    }
    return obj && QOM_IS_DEVICE(obj) ? QOM_DEVICE(obj) : NULL;
}

GPtrArray *object_registry_list(ObjectRegistry *reg, GType type)
{
    GPtrArray *list = g_ptr_array_new();

    for (guint i = 0; i < reg->order->len; i++) {
        Object *obj = g_ptr_array_index(reg->order, i);

        if (g_type_is_a(G_OBJECT_TYPE(obj), type)) {
            g_ptr_array_add(list, obj);
        }
    }
    return list;
}

char *object_registry_make_path(ObjectRegistry *reg, GType type,
                                const char *id)
{
    if (!g_type_is_a(type, TYPE_DEVICE)) {
        return g_strconcat(OBJECTS_PREFIX, id, NULL);
    }
    if (id) {
        return g_strconcat(PERIPHERAL_PREFIX, id, NULL);
    }
    return g_strdup_printf(ANON_PREFIX "device[%u]", reg->anon_count++);
}

/* QEMU's id_wellformed(): a letter, then letters, digits, '-', '.', '_' */
static bool id_wellformed(const char *id)
{
    if (!g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *p = id + 1; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}

bool object_registry_check_id(ObjectRegistry *reg, GType type,
                              const char *id, GError **errp)
{
    bool device = g_type_is_a(type, TYPE_DEVICE);

    if (!id_wellformed(id)) {
        error_setg(errp, QOM_ERROR, EINVAL,
                   "Parameter 'id' expects an identifier (a letter, then "
                   "letters, digits, '-', '.', '_'), got '%s'", id);
        return false;
    }
    if (device ? object_registry_find_device(reg, id) != NULL
               : object_registry_find_object(reg, id) != NULL) {
        error_setg(errp, QOM_ERROR, EEXIST, "Duplicate ID '%s' for %s", id,
                   device ? "device" : "object");
        return false;
    }
    return true;
}

void object_registry_insert(ObjectRegistry *reg, Object *obj)
{
    const char *path = object_get_path(obj);

    g_assert(path && !g_hash_table_contains(reg->by_path, path));
    g_hash_table_insert(reg->by_path, (char *)path, g_object_ref(obj));
    g_ptr_array_add(reg->order, obj);
}

void object_registry_remove(ObjectRegistry *reg, Object *obj)
{
    ObjectClass *klass = QOM_OBJECT_GET_CLASS(obj);

    if (klass->unparent) {
        klass->unparent(obj);
    }
    g_hash_table_remove(reg->by_path, object_get_path(obj));
    g_ptr_array_remove(reg->order, obj);
    g_object_unref(obj);
}
