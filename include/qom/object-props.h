/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Setting and reading object properties from option values.
 *
 * A value is a JsonNode: a string from keyval ("512M", "on", "ram0"), or a
 * typed JSON value from the JSON form or QMP.  Strings are accepted for
 * every kind (libvirt writes "fd":"23"); typed values must match the kind.
 *
 * Kinds and what they accept:
 *   str        a JSON string
 *   bool       JSON true/false, or on/off/true/false/yes/no
 *   integers   a JSON integer or a decimal/0x-hex string, within the
 *              GParamSpec's [minimum, maximum]
 *   size       as integers, and strings with a K/M/G/T/P/E suffix
 *   enum       the nick of a value
 *   link<T>    the id or QOM path of a registered object of type T
 *   fd         an inherited fd number or a getfd name (fd_param_resolve)
 *
 * Every error names the property and the value, on one line.
 */
#ifndef QOM_OBJECT_PROPS_H
#define QOM_OBJECT_PROPS_H

#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "qom/object.h"

/**
 * qom_parse_size() - parse a size with an optional suffix
 * @str: "4096", "0x1000", "512M", "1.5G", "1048576k"
 * @default_unit: multiplier when there is no suffix (1, or 1 MiB for -m)
 * @out: the value on success
 *
 * Suffixes B, K, M, G, T, P, E (either case) are powers of 1024.  A
 * fraction is allowed with a suffix.  Hex numbers take no suffix.
 *
 * Return: false if @str is not a size or the value reaches 2^64.
 */
bool qom_parse_size(const char *str, uint64_t default_unit, uint64_t *out);

/**
 * qom_parse_bool() - parse on/off/true/false/yes/no
 * @str: the text
 * @out: the value on success
 *
 * Return: false if @str is none of those.
 */
bool qom_parse_bool(const char *str, bool *out);

/**
 * object_property_set_json() - set one property from an option value
 * @obj: the object (attached to its registry, not yet completed)
 * @pspec: one of @obj's properties
 * @value: the value
 * @errp: set (EINVAL, or ENOENT for an unknown link target or fd name)
 *
 * Return: true on success.
 */
bool object_property_set_json(Object *obj, GParamSpec *pspec,
                              JsonNode *value, GError **errp);

/**
 * object_set_properties() - set every member of @props as a property
 * @obj: the object
 * @props: the options
 * @skip: NULL-terminated member names that are not properties ("id",
 *        "qom-type", ...)
 * @errp: set on an unknown property ("Property 'TYPE.NAME' not found"),
 *        a bad value, or a required property left out ("Parameter 'NAME'
 *        is missing")
 *
 * Return: true on success.
 */
bool object_set_properties(Object *obj, JsonObject *props,
                           const char *const *skip, GError **errp);

/**
 * object_property_get_json() - read a property for qom-get
 * @obj: the object
 * @pspec: one of its properties
 *
 * Return: a new node: links as QOM paths ("" if unset), fds as numbers
 * (-1 if unset), enums as nicks; free with json_node_unref().
 */
JsonNode *object_property_get_json(Object *obj, GParamSpec *pspec);

/**
 * object_property_type_string() - the type of a property, QEMU's words
 * @pspec: the property
 *
 * Return: "str", "bool", "int32", "uint32", "int64", "uint64", "size",
 * "link<memory-backend>", "fd"...; free with g_free().
 */
char *object_property_type_string(GParamSpec *pspec);

/**
 * object_property_default_string() - the default value as text
 * @pspec: the property
 *
 * Return: a new string, or NULL when there is none worth showing
 * (strings without default, links, fds); free with g_free().
 */
char *object_property_default_string(GParamSpec *pspec);

#endif /* QOM_OBJECT_PROPS_H */
