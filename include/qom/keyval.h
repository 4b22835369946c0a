/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Option strings: QEMU's key=value syntax and the JSON form libvirt uses.
 *
 * keyval: "TYPE,key=value,key2=value2".  A comma inside a value is written
 * ",,".  The first element may omit its key ("the implied key": the type
 * of -object/-device, the size of -m).  Every value is a string; typing
 * happens later, in the property setter.  A bare "help" (or "?") element
 * asks for help and is returned as the member "help" = "on".
 *
 * JSON: an argument starting with '{' is a JSON object, e.g.
 * {"qom-type":"memory-backend-memfd","id":"ram0","size":1073741824}.
 * Both forms give a JsonObject, so they feed the same property setter.
 */
#ifndef QOM_KEYVAL_H
#define QOM_KEYVAL_H

#include <json-glib/json-glib.h>
#include <stdbool.h>

/**
 * keyval_parse() - parse a key=value,... string
 * @params: the string
 * @implied_key: the key of a first element without '=' (NULL: none
 *               allowed)
 * @errp: set (EINVAL) on an empty or malformed key, a missing '=', or a
 *        key given twice, naming it
 *
 * Keys are letters, digits, '-', '_' and '.'.
 *
 * Return: a new JsonObject of string members in order of appearance;
 * free with json_object_unref().
 */
JsonObject *keyval_parse(const char *params, const char *implied_key,
                         GError **errp);

/**
 * qom_json_parse_object() - parse a JSON object argument
 * @text: the JSON text
 * @errp: set (EINVAL) on a syntax error, a value that is not an object, or
 *        an integer that does not fit in 64 bits (json-glib would wrap it
 *        silently, so it is refused before parsing)
 *
 * Return: a new JsonObject; free with json_object_unref().
 */
JsonObject *qom_json_parse_object(const char *text, GError **errp);

/**
 * qom_parse_options() - parse an option argument in either form
 * @arg: JSON if it starts with '{' (or '[' or '"', which are then refused
 *       as not being an object), keyval otherwise
 * @implied_key: for the keyval form (see keyval_parse())
 * @errp: set on failure
 *
 * Return: a new JsonObject; free with json_object_unref().
 */
JsonObject *qom_parse_options(const char *arg, const char *implied_key,
                              GError **errp);

/**
 * qom_options_get_string() - a string member of parsed options
 * @opts: parsed options
 * @key: the member name
 *
 * Return: the string (borrowed), or NULL if @key is absent or not a string.
 */
const char *qom_options_get_string(JsonObject *opts, const char *key);

/**
 * qom_options_wants_help() - does the option ask for help?
 * @opts: parsed options
 * @implied_key: the implied key the options were parsed with, or NULL
 *
 * Return: true if @opts has "help" (keyval "help" or "?") or if the
 * implied value is "help" (-object help).
 */
bool qom_options_wants_help(JsonObject *opts, const char *implied_key);

/**
 * qom_json_node_to_string() - a scalar JSON value as option text
 * @node: a string, integer, boolean or double node
 *
 * Return: a new string (strings as-is, integers in decimal, booleans as
 * "on"/"off"), or NULL for null, objects and arrays; free with g_free().
 */
char *qom_json_node_to_string(JsonNode *node);

#endif /* QOM_KEYVAL_H */
