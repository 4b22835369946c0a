/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The table of creatable types, QEMU type name -> GType.
 */
#include <string.h>

#include "qom/object.h"
#include "qom/type-table.h"

struct TypeTable {
    GHashTable *by_name;        /* const char * (class-owned) -> GType */
};

TypeTable *type_table_new(void)
{
    TypeTable *tt = g_new0(TypeTable, 1);

    tt->by_name = g_hash_table_new(g_str_hash, g_str_equal);
    return tt;
}

void type_table_free(TypeTable *tt)
{
    if (!tt) {
        return;
    }
    g_hash_table_unref(tt->by_name);
    g_free(tt);
}

const char *object_type_name(GType type)
{
    ObjectClass *klass = g_type_class_ref(type);
    const char *name = klass->type_name;

    /* classes of static types are never freed: the name stays valid */
    g_type_class_unref(klass);
    return name;
}

void type_table_add(TypeTable *tt, GType type)
{
    const char *name;

    g_assert(g_type_is_a(type, TYPE_OBJECT));
    g_assert(!G_TYPE_IS_ABSTRACT(type));
    name = object_type_name(type);
    g_assert(name && !g_hash_table_contains(tt->by_name, name));
    g_hash_table_insert(tt->by_name, (char *)name, GSIZE_TO_POINTER(type));
}

GType type_table_lookup(TypeTable *tt, const char *name)
{
    return GPOINTER_TO_SIZE(g_hash_table_lookup(tt->by_name, name));
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **type_table_list(TypeTable *tt, GType base, GType exclude)
{
    GPtrArray *names = g_ptr_array_new();
    GHashTableIter iter;
    void *key, *value;

    g_hash_table_iter_init(&iter, tt->by_name);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        GType type = GPOINTER_TO_SIZE(value);

        if (g_type_is_a(type, base) &&
            (exclude == G_TYPE_INVALID || !g_type_is_a(type, exclude))) {
            g_ptr_array_add(names, key);
        }
    }
    g_ptr_array_sort(names, compare_names);
    g_ptr_array_add(names, NULL);
    return (const char **)g_ptr_array_free(names, FALSE);
}
