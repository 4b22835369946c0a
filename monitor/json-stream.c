/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JSON stream splitter: top-level values out of a byte stream.
 *
 * A small state machine over bytes.  It only needs to know where a value
 * ends, so it counts braces and brackets, tracks string/escape state and
 * leaves the grammar to json-glib, which parses each complete value.  A
 * "broken" value (stray byte, control character in a string, a limit
 * exceeded) yields one error, then its remaining bytes are dropped until
 * its brackets balance.
 *
 * Numbers are checked here too, because json-glib is lax about them: it
 * takes 0x10 and 01, and wraps integers beyond 64 bits instead of failing.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "monitor/json-stream.h"

G_DEFINE_QUARK(vfio-host-json-stream-error, json_stream_error)

typedef enum JsState {
    JS_TOP,         /* between values */
    JS_VALUE,       /* inside an object or array, outside strings */
    JS_STRING,      /* inside a string */
    JS_ESCAPE,      /* after a backslash inside a string */
    JS_SCALAR,      /* a bare number or keyword at top level */
    JS_RECOVER,     /* after a stray byte: skip to a resync point */
} JsState;

/* A queued result: a value's text, or an error. */
typedef struct JsItem {
    GString *text;
    GError *err;
} JsItem;

struct JsonStream {
    size_t max_size;
    unsigned int max_depth;
    JsState state;
    size_t braces;          /* open '{' of the current value */
    size_t brackets;        /* open '[' of the current value */
    GByteArray *openers;    /* the open '{' and '[' in order, unless
                               discarding */
    bool discard;           /* dropping the rest of a broken value */
    bool in_token;          /* inside a number or keyword */
    size_t token_start;     /* where it starts in @buf */
    GString *buf;           /* the current value so far */
    GQueue items;           /* JsItem, oldest first */
};

static void js_item_free(gpointer data)
{
    JsItem *item = data;

    if (item->text) {
        g_string_free(item->text, true);
    }
    if (item->err) {
        g_error_free(item->err);
    }
    g_free(item);
}

JsonStream *json_stream_new(size_t max_size, unsigned int max_depth)
{
    JsonStream *js = g_new0(JsonStream, 1);

    js->max_size = max_size;
    js->max_depth = max_depth;
    js->state = JS_TOP;
    js->buf = g_string_new(NULL);
    js->openers = g_byte_array_new();
    g_queue_init(&js->items);
    return js;
}

void json_stream_free(JsonStream *js)
{
    if (!js) {
        return;
    }
    g_queue_clear_full(&js->items, js_item_free);
    g_string_free(js->buf, true);
    g_byte_array_unref(js->openers);
    g_free(js);
}

static void queue_error(JsonStream *js, int code, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void queue_error(JsonStream *js, int code, const char *fmt, ...)
{
    JsItem *item = g_new0(JsItem, 1);
    va_list ap;

    va_start(ap, fmt);
    item->err = g_error_new_valist(JSON_STREAM_ERROR, code, fmt, ap);
    va_end(ap);
    g_queue_push_tail(&js->items, item);
}

/*
 * The current value is broken: report it (unless it already was) and drop
 * the rest of it.
 */
static void break_value(JsonStream *js, int code, const char *what)
{
    if (!js->discard) {
        queue_error(js, code, "JSON %s", what);
    }
    js->discard = true;
    js->in_token = false;
    g_string_truncate(js->buf, 0);
    g_byte_array_set_size(js->openers, 0);
}

static void break_value_stray(JsonStream *js, unsigned char c,
                              const char *where)
{
    g_autofree char *what = NULL;

    if (c >= 0x20 && c < 0x7f) {
        what = g_strdup_printf("parse error, stray '%c'%s", c, where);
    } else {
        what = g_strdup_printf("parse error, stray '\\x%02x'%s", c, where);
    }
    break_value(js, EINVAL, what);
}

/* The current value ended: queue it, or forget it if it was broken. */
static void finish_value(JsonStream *js)
{
    JsItem *item;

    js->state = JS_TOP;
    js->braces = 0;
    js->brackets = 0;
    g_byte_array_set_size(js->openers, 0);
    if (js->discard) {
        js->discard = false;
        return;
    }
    item = g_new0(JsItem, 1);
    item->text = js->buf;
    js->buf = g_string_new(NULL);
    g_queue_push_tail(&js->items, item);
}

static void append(JsonStream *js, unsigned char c)
{
    if (js->discard) {
        return;
    }
    if (js->buf->len >= js->max_size) {
        g_autofree char *what =
            g_strdup_printf("size limit of %zu bytes exceeded", js->max_size);

        break_value(js, EMSGSIZE, what);
        return;
    }
    g_string_append_c(js->buf, (char)c);
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_scalar_char(unsigned char c)
{
    return g_ascii_isalnum(c) || c == '-' || c == '+' || c == '.';
}

static bool is_structural(unsigned char c)
{
    return c == '{' || c == '}' || c == '[' || c == ']' || c == ',' ||
           c == ':';
}

static bool skip_digits(const char **p)
{
    const char *start = *p;

    while (g_ascii_isdigit(**p)) {
        (*p)++;
    }
    return *p > start;
}

/* RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool is_json_number(const char *s, bool *integer)
{
    const char *p = s + (*s == '-');

    *integer = true;
    if (*p == '0' && g_ascii_isdigit(p[1])) {
        return false;
    }
    if (!skip_digits(&p)) {
        return false;
    }
    if (*p == '.') {
        p++;
        *integer = false;
        if (!skip_digits(&p)) {
            return false;
        }
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        *integer = false;
        p += (*p == '+' || *p == '-');
        if (!skip_digits(&p)) {
            return false;
        }
    }
    return !*p;
}

static bool number_in_range(const char *s, bool integer)
{
    if (integer) {
        return g_ascii_string_to_signed(s, 10, G_MININT64, G_MAXINT64, NULL,
                                        NULL);
    }
    return isfinite(g_ascii_strtod(s, NULL));
}

/* A number or keyword just ended: json-glib checks keywords, we numbers. */
static void end_token(JsonStream *js)
{
    g_autofree char *tok = NULL;
    g_autofree char *what = NULL;
    bool integer;

    if (!js->in_token) {
        return;
    }
    js->in_token = false;
    tok = g_strdup(js->buf->str + js->token_start);
    if (g_ascii_isalpha(tok[0])) {
        return;
    }
    if (!is_json_number(tok, &integer)) {
        what = g_strdup_printf("parse error, invalid number '%.32s'", tok);
    } else if (!number_in_range(tok, integer)) {
        what = g_strdup_printf("parse error, number '%.32s' is out of range",
                               tok);
    } else {
        return;
    }
    break_value(js, EINVAL, what);
}

static void token_char(JsonStream *js, unsigned char c)
{
    if (!js->in_token && !js->discard) {
        js->in_token = true;
        js->token_start = js->buf->len;
    }
    append(js, c);
}

static size_t depth(JsonStream *js)
{
    return js->braces + js->brackets;
}

static void open_bracket(JsonStream *js, unsigned char c)
{
    if (c == '{') {
        js->braces++;
    } else {
        js->brackets++;
    }
    if (!js->discard && depth(js) <= js->max_depth) {
        g_byte_array_append(js->openers, &c, 1);
    }
    append(js, c);
    if (depth(js) > js->max_depth) {
        g_autofree char *what =
            g_strdup_printf("nesting depth limit of %u exceeded",
                            js->max_depth);

        break_value(js, EMSGSIZE, what);
    }
}

/*
 * Each step consumes @c and returns true, or changes state and returns
 * false to have @c looked at again in the new state.
 */
static bool step_top(JsonStream *js, unsigned char c)
{
    if (is_space(c)) {
        return true;
    }
    if (c == '{' || c == '[') {
        js->state = JS_VALUE;
        open_bracket(js, c);
    } else if (c == '"') {
        js->state = JS_STRING;
        append(js, c);
    } else if (is_scalar_char(c)) {
        js->state = JS_SCALAR;
        token_char(js, c);
    } else {
        /* a stray closer or separator is one byte; anything else may be
         * the start of a run of garbage */
        break_value_stray(js, c, "");
        js->discard = false;
        js->state = is_structural(c) ? JS_TOP : JS_RECOVER;
    }
    return true;
}

/*
 * A closer that does not match the last opener breaks the value at once.
 * To find where a broken value ends, braces and brackets are counted apart
 * as QEMU's streamer does (a closer with none of its kind open counts for
 * nothing): it ends when both counts are back to zero.
 */
static void close_bracket(JsonStream *js, unsigned char c)
{
    size_t *count = c == '}' ? &js->braces : &js->brackets;
    guint8 want = c == '}' ? '{' : '[';
    GByteArray *op = js->openers;

    if (!js->discard && (!op->len || op->data[op->len - 1] != want)) {
        break_value_stray(js, c, "");
    }
    if (*count) {
        (*count)--;
    }
    if (!js->discard) {
        g_byte_array_set_size(op, op->len - 1);
        append(js, c);
    }
    if (!depth(js)) {
        finish_value(js);
    }
}

static bool step_value(JsonStream *js, unsigned char c)
{
    if (is_scalar_char(c)) {
        token_char(js, c);
        return true;
    }
    end_token(js);
    if (c == '{' || c == '[') {
        open_bracket(js, c);
    } else if (c == '}' || c == ']') {
        close_bracket(js, c);
    } else if (c == '"') {
        append(js, c);
        js->state = JS_STRING;
    } else if (is_space(c) || c == ',' || c == ':') {
        append(js, c);
    } else {
        break_value_stray(js, c, "");
        js->state = JS_RECOVER;
    }
    return true;
}

/*
 * A control character in a string breaks the value, and QEMU's lexer
 * resyncs right there: the string is over, the character is dropped.
 */
static void string_control_char(JsonStream *js, unsigned char c)
{
    break_value_stray(js, c, " in string");
    if (depth(js)) {
        js->state = JS_VALUE;
    } else {
        js->state = JS_TOP;
        js->discard = false;
    }
}

static bool step_string(JsonStream *js, unsigned char c)
{
    if (c < 0x20) {
        string_control_char(js, c);
        return true;
    }
    append(js, c);
    if (c == '\\') {
        js->state = JS_ESCAPE;
    } else if (c == '"') {
        js->state = JS_VALUE;
        if (!depth(js)) {
            finish_value(js);
        }
    }
    return true;
}

static bool step_escape(JsonStream *js, unsigned char c)
{
    if (c < 0x20) {
        string_control_char(js, c);
        return true;
    }
    append(js, c);
    js->state = JS_STRING;
    return true;
}

static bool step_scalar(JsonStream *js, unsigned char c)
{
    if (is_scalar_char(c)) {
        token_char(js, c);
        return true;
    }
    end_token(js);
    finish_value(js);
    return false;
}

/* Skip garbage up to a structural character or a line end. */
static bool step_recover(JsonStream *js, unsigned char c)
{
    if (!is_structural(c) && c != '\n' && c != '\r') {
        return true;
    }
    js->state = depth(js) ? JS_VALUE : JS_TOP;
    return false;
}

static bool step(JsonStream *js, unsigned char c)
{
    switch (js->state) {
    case JS_TOP:
        return step_top(js, c);
    case JS_VALUE:
        return step_value(js, c);
    case JS_STRING:
        return step_string(js, c);
    case JS_ESCAPE:
        return step_escape(js, c);
    case JS_SCALAR:
        return step_scalar(js, c);
    case JS_RECOVER:
        return step_recover(js, c);
    }
    g_assert_not_reached();
}

void json_stream_feed(JsonStream *js, const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        while (!step(js, (unsigned char)buf[i])) {
            /* re-examine the byte in the new state */
        }
    }
}

size_t json_stream_pending(JsonStream *js)
{
    return g_queue_get_length(&js->items);
}

/* json-glib says "<data>:LINE:COL: Parse error: WHAT"; say "WHAT at ...". */
static char *tidy_message(const char *msg)
{
    static const char marker[] = "Parse error: ";
    const char *what = strstr(msg, marker);
    unsigned int line, col;

    if (what && sscanf(msg, "<data>:%u:%u:", &line, &col) == 2) {
        return g_strdup_printf("%s at line %u column %u",
                               what + strlen(marker), line, col);
    }
    return g_strdup(msg);
}

static JsonNode *parse_value(const GString *text, GError **errp)
{
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    g_autoptr(GError) err = NULL;

    if (!json_parser_load_from_data(parser, text->str, (gssize)text->len,
                                    &err)) {
        g_autofree char *what = tidy_message(err->message);

        g_set_error(errp, JSON_STREAM_ERROR, EINVAL, "JSON parse error, %s",
                    what);
        return NULL;
    }
    return json_parser_steal_root(parser);
}

JsonNode *json_stream_pop(JsonStream *js, GError **errp)
{
    JsItem *item = g_queue_pop_head(&js->items);
    JsonNode *node = NULL;

    g_return_val_if_fail(item, NULL);
    if (item->err) {
        g_propagate_error(errp, item->err);
        item->err = NULL;
    } else {
        node = parse_value(item->text, errp);
    }
    js_item_free(item);
    return node;
}
