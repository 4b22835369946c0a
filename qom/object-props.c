/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Setting object properties from option values (keyval strings or typed
 * JSON), and reading them back for qom-get and help.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/fds.h"
#include "qom/keyval.h"
#include "qom/object-props.h"
#include "qom/object-registry.h"
#include "trace-qom.h"
#include "util/error.h"

/* ------------------------------------------------------------------ */
/* Scalars from text                                                    */
/* ------------------------------------------------------------------ */

static uint64_t size_suffix_multiplier(char c)
{
    switch (g_ascii_tolower(c)) {
    case 'b': return 1;
    case 'k': return UINT64_C(1) << 10;
    case 'm': return UINT64_C(1) << 20;
    case 'g': return UINT64_C(1) << 30;
    case 't': return UINT64_C(1) << 40;
    case 'p': return UINT64_C(1) << 50;
    case 'e': return UINT64_C(1) << 60;
    default: return 0;
    }
}

static bool parse_hex_u64(const char *digits, uint64_t *out)
{
    return g_ascii_isxdigit(digits[0]) &&
           g_ascii_string_to_unsigned(digits, 16, 0, G_MAXUINT64, out, NULL);
}

bool qom_parse_size(const char *str, uint64_t default_unit, uint64_t *out)
{
    size_t int_len = strspn(str, "0123456789");
    size_t frac_len = 0;
    const char *p = str + int_len;
    g_autofree char *int_part = g_strndup(str, int_len);
    uint64_t mul = default_unit, val, frac_bytes = 0;
    double frac = 0;

    if (str[0] == '0' && (str[1] == 'x' || str[1] == 'X')) {
        return parse_hex_u64(str + 2, out);
    }
    if (!int_len ||
        !g_ascii_string_to_unsigned(int_part, 10, 0, G_MAXUINT64, &val,
                                    NULL)) {
        return false;
    }
    if (*p == '.') {
        frac_len = strspn(p + 1, "0123456789");
        if (!frac_len) {
            return false;
        }
        frac = g_ascii_strtod(p, NULL);
        p += 1 + frac_len;
    }
    if (*p) {
        mul = size_suffix_multiplier(*p++);
        if (!mul || *p) {
            return false;
        }
    }
    if (frac_len && mul == 1) {
        return false;                   /* no fractions of a byte */
    }
    frac_bytes = (uint64_t)(frac * (double)mul);
    if (__builtin_mul_overflow(val, mul, &val) ||
        __builtin_add_overflow(val, frac_bytes, out)) {
        return false;
    }
    return true;
}

bool qom_parse_bool(const char *str, bool *out)
{
    static const char *const yes[] = { "on", "true", "yes", "y", NULL };
    static const char *const no[] = { "off", "false", "no", "n", NULL };

    if (g_strv_contains(yes, str)) {
        *out = true;
        return true;
    }
    if (g_strv_contains(no, str)) {
        *out = false;
        return true;
    }
    return false;
}

/* Parse a decimal or 0x-hex integer, optionally negative */
static bool parse_integer(const char *str, bool *negative, uint64_t *mag)
{
    *negative = str[0] == '-';
    if (*negative) {
        str++;
    }
    if (str[0] == '0' && (str[1] == 'x' || str[1] == 'X')) {
        return parse_hex_u64(str + 2, mag);
    }
    return g_ascii_isdigit(str[0]) &&
           g_ascii_string_to_unsigned(str, 10, 0, G_MAXUINT64, mag, NULL);
}

/* ------------------------------------------------------------------ */
/* Error messages                                                       */
/* ------------------------------------------------------------------ */

/* How a value is shown in messages: 'text', 5, true, an array... */
static char *describe_value(JsonNode *value)
{
    g_autofree char *text = NULL;

    switch (JSON_NODE_TYPE(value)) {
    case JSON_NODE_OBJECT:
        return g_strdup("an object");
    case JSON_NODE_ARRAY:
        return g_strdup("an array");
    case JSON_NODE_NULL:
        return g_strdup("null");
    default:
        break;
    }
    text = qom_json_node_to_string(value);
    if (json_node_get_value_type(value) == G_TYPE_STRING) {
        return g_strdup_printf("'%s'", text);
    }
    if (json_node_get_value_type(value) == G_TYPE_BOOLEAN) {
        return g_strdup(json_node_get_boolean(value) ? "true" : "false");
    }
    return g_steal_pointer(&text);
}

static bool expect_error(GError **errp, GParamSpec *pspec, JsonNode *value,
                         const char *what)
{
    g_autofree char *got = describe_value(value);

    error_setg(errp, QOM_ERROR, EINVAL, "Parameter '%s' expects %s, got %s",
               g_param_spec_get_name(pspec), what, got);
    return false;
}

static bool node_is_string(JsonNode *value)
{
    return JSON_NODE_HOLDS_VALUE(value) &&
           json_node_get_value_type(value) == G_TYPE_STRING;
}

static bool node_is_int(JsonNode *value)
{
    return JSON_NODE_HOLDS_VALUE(value) &&
           json_node_get_value_type(value) == G_TYPE_INT64;
}

/* ------------------------------------------------------------------ */
/* Setting one property                                                 */
/* ------------------------------------------------------------------ */

/* The range of an integer pspec, as signed or unsigned 64-bit bounds */
typedef struct IntRange {
    bool is_signed;
    int64_t smin, smax;
    uint64_t umin, umax;
} IntRange;

static bool int_range_of(GParamSpec *pspec, IntRange *r)
{
    memset(r, 0, sizeof(*r));
    r->is_signed = true;
    if (G_IS_PARAM_SPEC_INT(pspec)) {
        r->smin = G_PARAM_SPEC_INT(pspec)->minimum;
        r->smax = G_PARAM_SPEC_INT(pspec)->maximum;
    } else if (G_IS_PARAM_SPEC_INT64(pspec)) {
        r->smin = G_PARAM_SPEC_INT64(pspec)->minimum;
        r->smax = G_PARAM_SPEC_INT64(pspec)->maximum;
    } else if (G_IS_PARAM_SPEC_UINT(pspec)) {
        r->is_signed = false;
        r->umin = G_PARAM_SPEC_UINT(pspec)->minimum;
        r->umax = G_PARAM_SPEC_UINT(pspec)->maximum;
    } else if (G_IS_PARAM_SPEC_UINT64(pspec)) {
        r->is_signed = false;
        r->umin = G_PARAM_SPEC_UINT64(pspec)->minimum;
        r->umax = G_PARAM_SPEC_UINT64(pspec)->maximum;
    } else {
        return false;
    }
    return true;
}

static bool range_error(GError **errp, GParamSpec *pspec, JsonNode *value,
                        const IntRange *r)
{
    g_autofree char *what = r->is_signed
        ? g_strdup_printf("an integer in [%" PRId64 ", %" PRId64 "]",
                          r->smin, r->smax)
        : g_strdup_printf("an integer in [%" PRIu64 ", %" PRIu64 "]",
                          r->umin, r->umax);

    return expect_error(errp, pspec, value, what);
}

/* Read an integer node or string as sign + magnitude */
static bool value_to_integer(GParamSpec *pspec, JsonNode *value,
                             bool *negative, uint64_t *mag)
{
    if (node_is_int(value)) {
        int64_t v = json_node_get_int(value);

        *negative = v < 0;
        *mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
        return true;
    }
    if (!node_is_string(value)) {
        return false;
    }
    if (object_property_is_size(pspec)) {
        *negative = false;
        return qom_parse_size(json_node_get_string(value), 1, mag);
    }
    return parse_integer(json_node_get_string(value), negative, mag);
}

static bool set_value_integer(GParamSpec *pspec, JsonNode *value,
                              GValue *gv, GError **errp)
{
    IntRange r;
    bool negative;
    uint64_t mag;

    int_range_of(pspec, &r);
    if (!value_to_integer(pspec, value, &negative, &mag)) {
        return expect_error(errp, pspec, value,
                            object_property_is_size(pspec)
                            ? "a size (a number with an optional K, M, G, "
                              "T, P or E suffix, below 2^64)"
                            : "an integer");
    }
    if (r.is_signed) {
        int64_t v;

        if (negative ? mag > (uint64_t)G_MAXINT64 + 1
                     : mag > (uint64_t)G_MAXINT64) {
            return range_error(errp, pspec, value, &r);
        }
        v = negative ? (int64_t)(0 - mag) : (int64_t)mag;
        if (v < r.smin || v > r.smax) {
            return range_error(errp, pspec, value, &r);
        }
        if (G_IS_PARAM_SPEC_INT(pspec)) {
            g_value_set_int(gv, (int)v);
        } else {
            g_value_set_int64(gv, v);
        }
        return true;
    }
    if ((negative && mag) || mag < r.umin || mag > r.umax) {
        return range_error(errp, pspec, value, &r);
    }
    if (G_IS_PARAM_SPEC_UINT(pspec)) {
        g_value_set_uint(gv, (unsigned)mag);
    } else {
        g_value_set_uint64(gv, mag);
    }
    return true;
}

static bool set_value_bool(GParamSpec *pspec, JsonNode *value, GValue *gv,
                           GError **errp)
{
    bool b;

    if (JSON_NODE_HOLDS_VALUE(value) &&
        json_node_get_value_type(value) == G_TYPE_BOOLEAN) {
        g_value_set_boolean(gv, json_node_get_boolean(value));
        return true;
    }
    if (!node_is_string(value) ||
        !qom_parse_bool(json_node_get_string(value), &b)) {
        return expect_error(errp, pspec, value, "'on' or 'off'");
    }
    g_value_set_boolean(gv, b);
    return true;
}

static bool set_value_string(GParamSpec *pspec, JsonNode *value, GValue *gv,
                             GError **errp)
{
    if (!node_is_string(value)) {
        return expect_error(errp, pspec, value, "a string");
    }
    g_value_set_string(gv, json_node_get_string(value));
    return true;
}

static bool set_value_enum(GParamSpec *pspec, JsonNode *value, GValue *gv,
                           GError **errp)
{
    GEnumClass *ec = G_PARAM_SPEC_ENUM(pspec)->enum_class;
    GEnumValue *ev = NULL;
    g_autoptr(GString) what = g_string_new("one of");

    if (node_is_string(value)) {
        ev = g_enum_get_value_by_nick(ec, json_node_get_string(value));
    }
    if (ev) {
        g_value_set_enum(gv, ev->value);
        return true;
    }
    for (guint i = 0; i < ec->n_values; i++) {
        g_string_append_printf(what, "%s '%s'", i ? "," : "",
                               ec->values[i].value_nick);
    }
    return expect_error(errp, pspec, value, what->str);
}

static bool set_value_link(Object *obj, GParamSpec *pspec, JsonNode *value,
                           GValue *gv, GError **errp)
{
    ObjectRegistry *reg = object_get_registry(obj);
    const char *target_type = object_type_name(pspec->value_type);
    g_autofree char *what = g_strdup_printf("the id of a %s object",
                                            target_type);
    g_autofree char *got = describe_value(value);
    Object *target = NULL;

    if (!node_is_string(value)) {
        return expect_error(errp, pspec, value, what);
    }
    if (reg) {
        target = object_registry_find_object(reg, json_node_get_string(value));
    }
    if (!target) {
        error_setg(errp, QOM_ERROR, ENOENT,
                   "Parameter '%s' expects %s, got %s: no such object",
                   g_param_spec_get_name(pspec), what, got);
        return false;
    }
    if (!g_type_is_a(G_OBJECT_TYPE(target), pspec->value_type)) {
        error_setg(errp, QOM_ERROR, EINVAL,
                   "Parameter '%s' expects %s, got %s: it is a %s",
                   g_param_spec_get_name(pspec), what, got,
                   object_get_type_name(target));
        return false;
    }
    g_value_set_object(gv, target);
    return true;
}

static bool set_value_fd(Object *obj, GParamSpec *pspec, JsonNode *value,
                         GValue *gv, GError **errp)
{
    ObjectRegistry *reg = object_get_registry(obj);
    FdRegistry *fds = reg ? object_registry_fds(reg) : NULL;
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    FdParam p;

    if (!node_is_string(value) && !node_is_int(value)) {
        return expect_error(errp, pspec, value,
                            "an fd number or a getfd name");
    }
    text = qom_json_node_to_string(value);
    if (!fds || !fd_param_resolve(fds, text, &p, &err)) {
        error_setg(errp, QOM_ERROR, ENOENT, "Parameter '%s': %s",
                   g_param_spec_get_name(pspec),
                   err ? err->message : "no fd registry");
        return false;
    }
    g_value_set_boxed(gv, &p);
    return true;
}

static bool set_value(Object *obj, GParamSpec *pspec, JsonNode *value,
                      GValue *gv, GError **errp)
{
    GType type = G_PARAM_SPEC_VALUE_TYPE(pspec);
    IntRange r;

    if (object_property_is_fd(pspec)) {
        return set_value_fd(obj, pspec, value, gv, errp);
    }
    if (object_property_is_link(pspec)) {
        return set_value_link(obj, pspec, value, gv, errp);
    }
    if (int_range_of(pspec, &r)) {
        return set_value_integer(pspec, value, gv, errp);
    }
    if (type == G_TYPE_BOOLEAN) {
        return set_value_bool(pspec, value, gv, errp);
    }
    if (type == G_TYPE_STRING) {
        return set_value_string(pspec, value, gv, errp);
    }
    if (G_IS_PARAM_SPEC_ENUM(pspec)) {
        return set_value_enum(pspec, value, gv, errp);
    }
    error_setg(errp, QOM_ERROR, ENOTSUP,
               "Parameter '%s' has a type that cannot be set",
               g_param_spec_get_name(pspec));
    return false;
}

bool object_property_set_json(Object *obj, GParamSpec *pspec,
                              JsonNode *value, GError **errp)
{
    g_auto(GValue) gv = G_VALUE_INIT;
    g_autofree char *text = NULL;

    g_value_init(&gv, G_PARAM_SPEC_VALUE_TYPE(pspec));
    if (!set_value(obj, pspec, value, &gv, errp)) {
        return false;
    }
    text = describe_value(value);
    trace_object_set_property(object_get_path(obj) ?: "",
                              g_param_spec_get_name(pspec), text);
    g_object_set_property(G_OBJECT(obj), g_param_spec_get_name(pspec), &gv);
    return true;
}

static bool check_required(Object *obj, GHashTable *given, GError **errp)
{
    guint n;
    g_autofree GParamSpec **props =
        g_object_class_list_properties(G_OBJECT_GET_CLASS(obj), &n);

    for (guint i = 0; i < n; i++) {
        if (object_property_is_required(props[i]) &&
            !g_hash_table_contains(given, props[i])) {
            error_setg(errp, QOM_ERROR, EINVAL, "Parameter '%s' is missing",
                       g_param_spec_get_name(props[i]));
            return false;
        }
    }
    return true;
}

bool object_set_properties(Object *obj, JsonObject *props,
                           const char *const *skip, GError **errp)
{
    g_autoptr(GHashTable) given = g_hash_table_new(NULL, NULL);
    JsonObjectIter iter;
    const char *name;
    JsonNode *value;

    json_object_iter_init_ordered(&iter, props);
    while (json_object_iter_next_ordered(&iter, &name, &value)) {
        GParamSpec *pspec;

        if (skip && g_strv_contains(skip, name)) {
            continue;
        }
        pspec = object_find_property(obj, name);
        if (!pspec) {
            error_setg(errp, QOM_ERROR, EINVAL, "Property '%s.%s' not found",
                       object_get_type_name(obj), name);
            return false;
        }
        if (!object_property_set_json(obj, pspec, value, errp)) {
            return false;
        }
        g_hash_table_add(given, pspec);
    }
    return check_required(obj, given, errp);
}

/* ------------------------------------------------------------------ */
/* Reading back                                                         */
/* ------------------------------------------------------------------ */

static JsonNode *get_json_special(GValue *gv, GParamSpec *pspec)
{
    JsonNode *node = json_node_new(JSON_NODE_VALUE);

    if (object_property_is_fd(pspec)) {
        const FdParam *p = g_value_get_boxed(gv);

        json_node_set_int(node, p ? p->fd : -1);
    } else if (object_property_is_link(pspec)) {
        GObject *target = g_value_get_object(gv);

        json_node_set_string(node, target ?
                             object_get_path(QOM_OBJECT(target)) : "");
    } else {
        GEnumValue *ev = g_enum_get_value(G_PARAM_SPEC_ENUM(pspec)->enum_class,
                                          g_value_get_enum(gv));

        json_node_set_string(node, ev ? ev->value_nick : "");
    }
    return node;
}

JsonNode *object_property_get_json(Object *obj, GParamSpec *pspec)
{
    g_auto(GValue) gv = G_VALUE_INIT;
    g_auto(GValue) as_int = G_VALUE_INIT;
    JsonNode *node;

    g_value_init(&gv, G_PARAM_SPEC_VALUE_TYPE(pspec));
    g_object_get_property(G_OBJECT(obj), g_param_spec_get_name(pspec), &gv);
    if (object_property_is_fd(pspec) || object_property_is_link(pspec) ||
        G_IS_PARAM_SPEC_ENUM(pspec)) {
        return get_json_special(&gv, pspec);
    }
    node = json_node_new(JSON_NODE_VALUE);
    if (G_VALUE_HOLDS_BOOLEAN(&gv)) {
        json_node_set_boolean(node, g_value_get_boolean(&gv));
    } else if (G_VALUE_HOLDS_STRING(&gv)) {
        json_node_set_string(node, g_value_get_string(&gv) ?: "");
    } else {
        g_value_init(&as_int, G_TYPE_INT64);
        g_value_transform(&gv, &as_int);
        json_node_set_int(node, g_value_get_int64(&as_int));
    }
    return node;
}

char *object_property_type_string(GParamSpec *pspec)
{
    GType type = G_PARAM_SPEC_VALUE_TYPE(pspec);

    if (object_property_is_fd(pspec)) {
        return g_strdup("fd");
    }
    if (object_property_is_size(pspec)) {
        return g_strdup("size");
    }
    if (object_property_is_link(pspec)) {
        return g_strdup_printf("link<%s>", object_type_name(type));
    }
    switch (type) {
    case G_TYPE_BOOLEAN: return g_strdup("bool");
    case G_TYPE_STRING: return g_strdup("str");
    case G_TYPE_INT: return g_strdup("int32");
    case G_TYPE_UINT: return g_strdup("uint32");
    case G_TYPE_INT64: return g_strdup("int64");
    case G_TYPE_UINT64: return g_strdup("uint64");
    default: return g_strdup(G_IS_PARAM_SPEC_ENUM(pspec) ? "enum"
                                                         : g_type_name(type));
    }
}

char *object_property_default_string(GParamSpec *pspec)
{
    const GValue *def = g_param_spec_get_default_value(pspec);

    if (object_property_is_fd(pspec) || object_property_is_link(pspec)) {
        return NULL;
    }
    if (G_VALUE_HOLDS_STRING(def)) {
        return g_value_get_string(def) ?
               g_strdup_printf("\"%s\"", g_value_get_string(def)) : NULL;
    }
    if (G_VALUE_HOLDS_BOOLEAN(def)) {
        return g_strdup(g_value_get_boolean(def) ? "on" : "off");
    }
    if (G_IS_PARAM_SPEC_ENUM(pspec)) {
        GEnumValue *ev = g_enum_get_value(G_PARAM_SPEC_ENUM(pspec)->enum_class,
                                          g_value_get_enum(def));
        return ev ? g_strdup(ev->value_nick) : NULL;
    }
    return g_strdup_value_contents(def);
}
