/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Checking the "arguments" object of a QMP command, with QEMU's messages:
 * "Parameter 'fdname' is missing", "Invalid parameter type for 'fdname',
 * expected: string", "Parameter 'foo' is unexpected".
 *
 * Each getter takes @required: a required member that is absent is an
 * error; an optional one leaves *out untouched (so preset the default) and
 * succeeds.  A member that is present must have the right type (null is
 * not a string).  After taking its members, a command calls
 * qmp_args_check_only() so that a misspelt or unknown member is refused.
 * Errors are in MONITOR_ERROR with code EINVAL.
 */
#ifndef MONITOR_QMP_ARGS_H
#define MONITOR_QMP_ARGS_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

/**
 * qmp_args_check_only() - refuse members that are not in a list
 * @args: the arguments
 * @allowed: NULL-terminated names of the members the command takes
 *           (NULL: it takes none)
 * @errp: set for the first unexpected member
 *
 * Return: true if every member of @args is in @allowed.
 */
bool qmp_args_check_only(JsonObject *args, const char *const *allowed,
                         GError **errp);

/** qmp_arg_has() - Return: true if @args has a member @name (even null) */
bool qmp_arg_has(JsonObject *args, const char *name);

/**
 * qmp_arg_get_string() - take a string member
 * @args: the arguments
 * @name: the member
 * @required: whether it must be present
 * @out: set to the string (borrowed from @args) if present
 * @errp: set if it is missing and required, or not a string
 *
 * Return: true on success.
 */
bool qmp_arg_get_string(JsonObject *args, const char *name, bool required,
                        const char **out, GError **errp);

/** qmp_arg_get_int() - as qmp_arg_get_string(), for an integer member */
bool qmp_arg_get_int(JsonObject *args, const char *name, bool required,
                     gint64 *out, GError **errp);

/** qmp_arg_get_bool() - as qmp_arg_get_string(), for a boolean member */
bool qmp_arg_get_bool(JsonObject *args, const char *name, bool required,
                      bool *out, GError **errp);

/**
 * qmp_arg_get_object() - as qmp_arg_get_string(), for an object member
 *
 * *out is borrowed from @args.
 */
bool qmp_arg_get_object(JsonObject *args, const char *name, bool required,
                        JsonObject **out, GError **errp);

/**
 * qmp_arg_get_array() - as qmp_arg_get_string(), for an array member
 *
 * *out is borrowed from @args.
 */
bool qmp_arg_get_array(JsonObject *args, const char *name, bool required,
                       JsonArray **out, GError **errp);

/**
 * qmp_arg_get_string_array() - an optional array of strings
 * @args: the arguments
 * @name: the member
 * @required: whether it must be present
 * @out: set to a new NULL-terminated vector (free with g_strfreev()) if
 *       present
 * @errp: set if missing and required, not an array, or an element is not
 *        a string ("Invalid parameter type for 'enable[1]', expected:
 *        string")
 *
 * Return: true on success.
 */
bool qmp_arg_get_string_array(JsonObject *args, const char *name,
                              bool required, char ***out, GError **errp);

#endif /* MONITOR_QMP_ARGS_H */
