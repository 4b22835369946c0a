/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The table of creatable types: QEMU type names ("pc-dimm") mapped to the
 * GObject classes implementing them.  Each subsystem adds its types with a
 * register function (hostmem_register_types(), ...); there is one table per
 * machine, not a process-wide one.
 */
#ifndef QOM_TYPE_TABLE_H
#define QOM_TYPE_TABLE_H

#include <glib-object.h>
#include <stdbool.h>

typedef struct TypeTable TypeTable;

/** type_table_new() - Return: an empty table; free with type_table_free() */
TypeTable *type_table_new(void);

/** type_table_free() - free @tt (NULL: no-op) */
void type_table_free(TypeTable *tt);

/**
 * type_table_add() - make a concrete Object subclass creatable by name
 * @tt: the table
 * @type: a non-abstract subclass of Object whose class sets type_name
 *
 * Adding two types of the same name is a programming error (asserted).
 */
void type_table_add(TypeTable *tt, GType type);

/**
 * type_table_lookup() - the type of a name
 * @tt: the table
 * @name: a QEMU type name
 *
 * Return: the GType, or G_TYPE_INVALID if @name is not in the table.
 */
GType type_table_lookup(TypeTable *tt, const char *name);

/**
 * type_table_list() - the names of the types deriving from @base
 * @tt: the table
 * @base: a GType (TYPE_OBJECT for all)
 * @exclude: leave out types deriving from this one (G_TYPE_INVALID: none)
 *
 * Return: a sorted NULL-terminated array of names (borrowed strings);
 * free the array with g_free().
 */
const char **type_table_list(TypeTable *tt, GType base, GType exclude);

/**
 * object_type_name() - the QEMU name of any Object type
 * @type: a subclass of Object, abstract or not
 *
 * Return: the class's type_name (static), e.g. "memory-backend".
 */
const char *object_type_name(GType type);

#endif /* QOM_TYPE_TABLE_H */
