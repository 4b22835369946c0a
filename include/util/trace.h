/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Run-time tracing.
 *
 * Every folder has a trace-events file; scripts/tracetool.py turns it into
 * trace-FOLDER.h (one static inline trace_NAME() per event) and
 * trace-FOLDER.c (the events' state, registered at start-up).  A disabled
 * event costs one predictable branch on a bool.  Events are enabled by glob
 * patterns (-trace 'vfio_*') and print one line each to the trace output
 * (stderr by default) as "PID@SECONDS.MICROSECONDS:NAME ARGS".  With
 * sys/sdt.h every event is also a USDT probe in the "vfio_host" provider.
 *
 * The registry is process-wide by necessity, as in QEMU: trace points are
 * called from code that has no context object to hang it on.
 */
#ifndef UTIL_TRACE_H
#define UTIL_TRACE_H

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

typedef struct TraceEvent {
    const char *name;
    bool enabled;
} TraceEvent;

typedef struct TraceGroup {
    const char *name;
    TraceEvent *const *events;
    unsigned int count;
} TraceGroup;

/** trace_register_group() - make a folder's events known (generated code) */
void trace_register_group(const TraceGroup *group);

/**
 * trace_enable_pattern() - enable or disable events by glob pattern
 * @pattern: glob over event names ("vfio_*"); a leading '-' disables
 * @errp: set if no event matches @pattern
 *
 * Return: true if at least one event matched.
 */
bool trace_enable_pattern(const char *pattern, GError **errp);

/**
 * trace_parse_option() - apply one -trace option argument
 * @arg: "PATTERN", "enable=PATTERN", "events=FILE" (one pattern per line,
 *       '#' comments) or "file=FILE" (output file), comma-separated
 * @errp: set on an unknown key, an unreadable file or a pattern that
 *        matches nothing
 *
 * Return: true on success.
 */
bool trace_parse_option(const char *arg, GError **errp);

/**
 * trace_set_output() - send trace lines to @out (NULL: back to stderr)
 * @out: the stream; tracing owns it from now on and closes it when it is
 *       replaced (stderr is never closed)
 */
void trace_set_output(FILE *out);

/** trace_list_events() - print every known event name and state to @out */
void trace_list_events(FILE *out);

/**
 * trace_event_lookup() - find an event by exact name
 * @name: the event name
 *
 * Return: the event, or NULL.
 */
TraceEvent *trace_event_lookup(const char *name);

/** trace_emit() - print one trace line (called by generated code) */
void trace_emit(const TraceEvent *ev, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

#endif /* UTIL_TRACE_H */
