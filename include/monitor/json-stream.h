/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JSON stream splitter: cuts a byte stream into top-level JSON values.
 *
 * Bytes are fed as they arrive (any split, several values per chunk); the
 * splitter counts braces and brackets, tracks string/escape state, queues
 * each complete value and parses it with json-glib when it is taken.
 * Garbage is an error, not a stall: a stray byte is reported once and the
 * splitter resynchronises as QEMU's streamer does (skip to the next
 * structural character or line end, then drop the rest of the broken value
 * until its brackets balance; a control character ends a string there).
 * Size and depth are limited, so a huge line or deep nesting costs an
 * error, never unbounded memory.
 */
#ifndef MONITOR_JSON_STREAM_H
#define MONITOR_JSON_STREAM_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stddef.h>

/* QEMU's streamer allows 1024 levels; the size limit is ours. */
#define JSON_STREAM_MAX_DEPTH 1024
#define JSON_STREAM_MAX_SIZE (4 * 1024 * 1024)

#define JSON_STREAM_ERROR json_stream_error_quark()
GQuark json_stream_error_quark(void);

typedef struct JsonStream JsonStream;

/**
 * json_stream_new() - create a splitter
 * @max_size: the largest value accepted, in bytes
 * @max_depth: the deepest nesting accepted (1: a flat object)
 *
 * Return: the splitter; free with json_stream_free().
 */
JsonStream *json_stream_new(size_t max_size, unsigned int max_depth);

/** json_stream_free() - free @js and every queued value (NULL: no-op) */
void json_stream_free(JsonStream *js);

/**
 * json_stream_feed() - feed bytes
 * @js: the splitter
 * @buf: the bytes (not NUL-terminated; NUL bytes are garbage)
 * @len: their number
 *
 * Every value or error completed by these bytes is queued; take them with
 * json_stream_pop().
 */
void json_stream_feed(JsonStream *js, const char *buf, size_t len);

/** json_stream_pending() - Return: the number of queued values and errors */
size_t json_stream_pending(JsonStream *js);

/**
 * json_stream_pop() - take the oldest queued value
 * @js: the splitter; json_stream_pending() must be non-zero
 * @errp: set (code EINVAL, or EMSGSIZE for a limit) if the input there was
 *        not a JSON value; the message starts with "JSON "
 *
 * Return: the parsed value (free with json_node_unref()), or NULL.
 */
JsonNode *json_stream_pop(JsonStream *js, GError **errp);

#endif /* MONITOR_JSON_STREAM_H */
