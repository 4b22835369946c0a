/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Option strings: QEMU's key=value,... syntax and JSON objects.
 *
 * Grammar of the keyval form (as QEMU's, without nested keys):
 *   key-vals = [ key-val { ',' key-val } [ ',' ] ]
 *   key-val  = key '=' val | 'help' | '?' | val (first element only,
 *              when there is an implied key)
 *   val      = { any character but ',' | ',,' }
 */
#include <errno.h>
#include <string.h>

#include "qom/keyval.h"
#include "qom/object.h"
#include "util/error.h"

static bool keyval_key_char(char c)
{
    return g_ascii_isalnum(c) || c == '-' || c == '_' || c == '.';
}

/* Parse a value up to an unescaped ',' or the end. Return: the next char */
static const char *keyval_parse_value(const char *s, GString *val)
{
    for (;;) {
        if (*s == ',' && s[1] == ',') {
            g_string_append_c(val, ',');
            s += 2;
        } else if (*s == ',' || *s == '\0') {
            return s;
        } else {
            g_string_append_c(val, *s++);
        }
    }
}

static bool keyval_put(JsonObject *opts, const char *key, const char *val,
                       GError **errp)
{
    if (json_object_has_member(opts, key)) {
        error_setg(errp, QOM_ERROR, EINVAL,
                   "Parameter '%s' given more than once", key);
        return false;
    }
    json_object_set_string_member(opts, key, val);
    return true;
}

static bool keyval_check_key(const char *key, GError **errp)
{
    if (!*key) {
        error_setg(errp, QOM_ERROR, EINVAL, "Invalid parameter ''");
        return false;
    }
    for (const char *p = key; *p; p++) {
        if (!keyval_key_char(*p)) {
            error_setg(errp, QOM_ERROR, EINVAL, "Invalid parameter '%s'",
                       key);
            return false;
        }
    }
    return true;
}

/*
 * Parse one element at @s into @opts.
 * Return: the character after it (',' or NUL), or NULL on error.
 */
static const char *keyval_parse_one(JsonObject *opts, const char *s,
                                    const char *implied_key, GError **errp)
{
    size_t len = strcspn(s, "=,");
    g_autofree char *key = g_strndup(s, len);
    g_autoptr(GString) val = g_string_new(NULL);

    if (s[len] == '=') {
        s = keyval_parse_value(s + len + 1, val);
        if (!keyval_check_key(key, errp)) {
            return NULL;
        }
        return keyval_put(opts, key, val->str, errp) ? s : NULL;
    }
    if (implied_key) {
        s = keyval_parse_value(s, val);
        return keyval_put(opts, implied_key, val->str, errp) ? s : NULL;
    }
    if (strcmp(key, "help") == 0 || strcmp(key, "?") == 0) {
        return keyval_put(opts, "help", "on", errp) ? s + len : NULL;
    }
    if (!keyval_check_key(key, errp)) {
        return NULL;
    }
    error_setg(errp, QOM_ERROR, EINVAL,
               "Expected '=' after parameter '%s'", key);
    return NULL;
}

JsonObject *keyval_parse(const char *params, const char *implied_key,
                         GError **errp)
{
    g_autoptr(JsonObject) opts = json_object_new();
    const char *s = params;
    bool first = true;

    while (*s) {
        s = keyval_parse_one(opts, s, first ? implied_key : NULL, errp);
        if (!s) {
            return NULL;
        }
        if (*s == ',') {
            s++;
        }
        first = false;
    }
    return g_steal_pointer(&opts);
}

/* ------------------------------------------------------------------ */
/* JSON                                                                 */
/* ------------------------------------------------------------------ */

/* Return: the end of the string literal starting at @s (after the '"') */
static const char *json_skip_string(const char *s)
{
    for (s++; *s && *s != '"'; s++) {
        if (*s == '\\' && s[1]) {
            s++;
        }
    }
    return *s ? s + 1 : s;
}

/*
 * json-glib stores every integer literal in a gint64 and wraps those that
 * do not fit ({"size": 18446744073709551616} becomes 0), so refuse them
 * before parsing.
 */
static bool json_check_integers(const char *text, GError **errp)
{
    const char *s = text;

    while (*s) {
        if (*s == '"') {
            s = json_skip_string(s);
        } else if (*s == '-' || g_ascii_isdigit(*s)) {
            size_t len = strspn(s, "-+0123456789.eE");
            g_autofree char *num = g_strndup(s, len);

            if (strspn(num + (num[0] == '-'), "0123456789") ==
                strlen(num + (num[0] == '-')) &&
                !g_ascii_string_to_signed(num, 10, G_MININT64, G_MAXINT64,
                                          NULL, NULL)) {
                error_setg(errp, QOM_ERROR, EINVAL,
                           "JSON number %s does not fit in 64 bits "
                           "(write it as a string)", num);
                return false;
            }
            s += len;
        } else {
            s++;
        }
    }
    return true;
}

JsonObject *qom_json_parse_object(const char *text, GError **errp)
{
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    g_autoptr(GError) err = NULL;
    JsonNode *root;

    if (!json_check_integers(text, errp)) {
        return NULL;
    }
    if (!json_parser_load_from_data(parser, text, -1, &err)) {
        error_setg(errp, QOM_ERROR, EINVAL, "invalid JSON: %s",
                   err->message);
        return NULL;
    }
    root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        error_setg(errp, QOM_ERROR, EINVAL,
                   "invalid JSON: expected an object {...}");
        return NULL;
    }
    return json_object_ref(json_node_get_object(root));
}

JsonObject *qom_parse_options(const char *arg, const char *implied_key,
                              GError **errp)
{
    /* '[' and '"' can only be JSON meant as an object: say so */
    if (arg[0] == '{' || arg[0] == '[' || arg[0] == '"') {
        return qom_json_parse_object(arg, errp);
    }
    return keyval_parse(arg, implied_key, errp);
}

static bool is_help(const char *s)
{
    return s && (strcmp(s, "help") == 0 || strcmp(s, "?") == 0);
}

const char *qom_options_get_string(JsonObject *opts, const char *key)
{
    JsonNode *node = json_object_get_member(opts, key);

    if (!node || !JSON_NODE_HOLDS_VALUE(node) ||
        json_node_get_value_type(node) != G_TYPE_STRING) {
        return NULL;
    }
    return json_node_get_string(node);
}

bool qom_options_wants_help(JsonObject *opts, const char *implied_key)
{
    if (json_object_has_member(opts, "help")) {
        return true;
    }
    return implied_key && is_help(qom_options_get_string(opts, implied_key));
}

char *qom_json_node_to_string(JsonNode *node)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    GType type;

    if (!JSON_NODE_HOLDS_VALUE(node)) {
        return NULL;
    }
    type = json_node_get_value_type(node);
    if (type == G_TYPE_STRING) {
        return g_strdup(json_node_get_string(node));
    }
    if (type == G_TYPE_INT64) {
        return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(node));
    }
    if (type == G_TYPE_BOOLEAN) {
        return g_strdup(json_node_get_boolean(node) ? "on" : "off");
    }
    return g_strdup(g_ascii_dtostr(buf, sizeof(buf),
                                   json_node_get_double(node)));
}
