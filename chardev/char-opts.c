/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -chardev option strings: "backend,key=value,...", QEMU's syntax, where
 * ",," stands for a literal comma inside a value.
 */
#include <errno.h>
#include <string.h>

#include "char-internal.h"
#include "util/error.h"

struct ChardevOpts {
    char *backend;
    GPtrArray *keys;            /* not yet taken, in the order given */
    GPtrArray *values;
    GPtrArray *taken;           /* values handed out, freed with @opts */
};

/* Split at single commas; ",," is a comma inside an element. */
static GPtrArray *split_escaped(const char *text)
{
    GPtrArray *parts = g_ptr_array_new_with_free_func(g_free);
    GString *cur = g_string_new(NULL);

    for (const char *p = text;; p++) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(cur, ',');
            p++;
        } else if (*p == ',' || !*p) {
            g_ptr_array_add(parts, g_string_free(cur, false));
            if (!*p) {
                break;
            }
            cur = g_string_new(NULL);
        } else {
            g_string_append_c(cur, *p);
        }
    }
    return parts;
}

static int find_key(ChardevOpts *opts, const char *key)
{
    for (guint i = 0; i < opts->keys->len; i++) {
        if (!strcmp(opts->keys->pdata[i], key)) {
            return (int)i;
        }
    }
    return -1;
}

/* QEMU's short forms of booleans: "server" and "nowait". */
static bool split_bare_word(const char *word, char **key, char **value)
{
    static const char *const flags[] = { "server", "wait", NULL };

    for (int i = 0; flags[i]; i++) {
        if (!strcmp(word, flags[i])) {
            *key = g_strdup(word);
            *value = g_strdup("on");
            return true;
        }
        if (g_str_has_prefix(word, "no") && !strcmp(word + 2, flags[i])) {
            *key = g_strdup(word + 2);
            *value = g_strdup("off");
            return true;
        }
    }
    return false;
}

static bool add_element(ChardevOpts *opts, const char *elt, GError **errp)
{
    const char *eq = strchr(elt, '=');
    char *key, *value;

    if (!*elt) {
        error_setg(errp, CHARDEV_ERROR, EINVAL, "empty option");
        return false;
    }
    if (eq) {
        key = g_strndup(elt, (gsize)(eq - elt));
        value = g_strdup(eq + 1);
    } else if (!split_bare_word(elt, &key, &value)) {
        error_setg(errp, CHARDEV_ERROR, EINVAL,
                   "option '%s' needs a value (key=value)", elt);
        return false;
    }
    if (find_key(opts, key) >= 0) {
        error_setg(errp, CHARDEV_ERROR, EINVAL, "duplicate option '%s'", key);
        g_free(key);
        g_free(value);
        return false;
    }
    g_ptr_array_add(opts->keys, key);
    g_ptr_array_add(opts->values, value);
    return true;
}

static ChardevOpts *opts_new(void)
{
    ChardevOpts *opts = g_new0(ChardevOpts, 1);

    opts->keys = g_ptr_array_new_with_free_func(g_free);
    opts->values = g_ptr_array_new_with_free_func(g_free);
    opts->taken = g_ptr_array_new_with_free_func(g_free);
    return opts;
}

ChardevOpts *chardev_opts_parse(const char *text, GError **errp)
{
    g_autoptr(GPtrArray) parts = split_escaped(text);
    g_autoptr(ChardevOpts) opts = opts_new();
    const char *first = parts->pdata[0];

    if (!*first || strchr(first, '=')) {
        error_setg(errp, CHARDEV_ERROR, EINVAL, "'%s' must start with the "
                   "backend type (socket or stdio)", text);
        return NULL;
    }
    opts->backend = g_strdup(first);
    for (guint i = 1; i < parts->len; i++) {
        if (!add_element(opts, parts->pdata[i], errp)) {
            return NULL;
        }
    }
    return g_steal_pointer(&opts);
}

void chardev_opts_free(ChardevOpts *opts)
{
    if (!opts) {
        return;
    }
    g_free(opts->backend);
    g_ptr_array_unref(opts->keys);
    g_ptr_array_unref(opts->values);
    g_ptr_array_unref(opts->taken);
    g_free(opts);
}

const char *chardev_opts_backend(ChardevOpts *opts)
{
    return opts->backend;
}

const char *chardev_opts_take(ChardevOpts *opts, const char *key)
{
    int i = find_key(opts, key);
    char *value;

    if (i < 0) {
        return NULL;
    }
    value = g_ptr_array_steal_index(opts->values, (guint)i);
    g_ptr_array_remove_index(opts->keys, (guint)i);
    g_ptr_array_add(opts->taken, value);
    return value;
}

bool chardev_opts_take_bool(ChardevOpts *opts, const char *key, bool def,
                            bool *out, GError **errp)
{
    static const char *const yes[] = { "on", "yes", "true", NULL };
    static const char *const no[] = { "off", "no", "false", NULL };
    const char *value = chardev_opts_take(opts, key);

    if (!value) {
        *out = def;
    } else if (g_strv_contains(yes, value)) {
        *out = true;
    } else if (g_strv_contains(no, value)) {
        *out = false;
    } else {
        error_setg(errp, CHARDEV_ERROR, EINVAL,
                   "option '%s' expects on or off, not '%s'", key, value);
        return false;
    }
    return true;
}

bool chardev_opts_check_empty(ChardevOpts *opts, GError **errp)
{
    if (opts->keys->len) {
        error_setg(errp, CHARDEV_ERROR, EINVAL, "invalid option '%s'",
                   (const char *)opts->keys->pdata[0]);
        return false;
    }
    return true;
}
