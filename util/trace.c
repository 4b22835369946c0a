/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Run-time tracing: the event registry, pattern matching and output.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "util/error.h"
#include "util/trace.h"

/* Filled by constructors before main(), read-only afterwards. */
static GPtrArray *trace_groups;
static FILE *trace_out;

void trace_register_group(const TraceGroup *group)
{
    if (!trace_groups) {
        trace_groups = g_ptr_array_new();
    }
    g_ptr_array_add(trace_groups, (gpointer)group);
}

/* Call @fn on every registered event; stop early if it returns false. */
static void trace_foreach(bool (*fn)(TraceEvent *ev, void *opaque),
                          void *opaque)
{
    for (guint g = 0; trace_groups && g < trace_groups->len; g++) {
        const TraceGroup *group = g_ptr_array_index(trace_groups, g);

        for (unsigned int i = 0; i < group->count; i++) {
            if (!fn(group->events[i], opaque)) {
                return;
            }
        }
    }
}

typedef struct PatternMatch {
    GPatternSpec *spec;
    bool enable;
    unsigned int matched;
} PatternMatch;

static bool apply_pattern(TraceEvent *ev, void *opaque)
{
    PatternMatch *m = opaque;

    if (g_pattern_spec_match_string(m->spec, ev->name)) {
        ev->enabled = m->enable;
        m->matched++;
    }
    return true;
}

bool trace_enable_pattern(const char *pattern, GError **errp)
{
    PatternMatch m = { .enable = pattern[0] != '-' };

    m.spec = g_pattern_spec_new(m.enable ? pattern : pattern + 1);
    trace_foreach(apply_pattern, &m);
    g_pattern_spec_free(m.spec);
    if (!m.matched) {
        error_setg(errp, UTIL_ERROR, ENOENT,
                   "trace pattern '%s' matches no event (-trace help lists them)",
                   pattern);
        return false;
    }
    return true;
}

static bool enable_patterns_from_file(const char *path, GError **errp)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GError) err = NULL;

    if (!g_file_get_contents(path, &text, NULL, &err)) {
        error_setg(errp, UTIL_ERROR, ENOENT, "-trace events=%s: %s", path,
                   err->message);
        return false;
    }
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        char *pattern = g_strstrip(*l);

        if (*pattern && *pattern != '#' &&
            !trace_enable_pattern(pattern, errp)) {
            return false;
        }
    }
    return true;
}

static bool open_trace_file(const char *path, GError **errp)
{
    FILE *f = fopen(path, "a");

    if (!f) {
        error_setg_errno(errp, UTIL_ERROR, errno, "-trace file=%s", path);
        return false;
    }
    setvbuf(f, NULL, _IOLBF, 0);
    trace_set_output(f);
    return true;
}

static bool apply_trace_key(const char *item, GError **errp)
{
    const char *eq = strchr(item, '=');
    g_autofree char *key = eq ? g_strndup(item, eq - item) : NULL;

    if (!key || g_str_equal(key, "enable")) {
        return trace_enable_pattern(eq ? eq + 1 : item, errp);
    }
    if (g_str_equal(key, "events")) {
        return enable_patterns_from_file(eq + 1, errp);
    }
    if (g_str_equal(key, "file")) {
        return open_trace_file(eq + 1, errp);
    }
    error_setg(errp, UTIL_ERROR, EINVAL,
               "-trace: unknown key '%s' (expected enable, events or file)",
               key);
    return false;
}

bool trace_parse_option(const char *arg, GError **errp)
{
    g_auto(GStrv) items = g_strsplit(arg, ",", -1);

    if (!*arg) {
        error_setg(errp, UTIL_ERROR, EINVAL, "-trace: empty argument");
        return false;
    }
    for (char **item = items; *item; item++) {
        if (!apply_trace_key(*item, errp)) {
            return false;
        }
    }
    return true;
}

void trace_set_output(FILE *out)
{
    if (trace_out && trace_out != out && trace_out != stderr) {
        fclose(trace_out);
    }
    trace_out = out;
}

static bool print_event(TraceEvent *ev, void *opaque)
{
    fprintf(opaque, "%s%s\n", ev->name, ev->enabled ? " (enabled)" : "");
    return true;
}

void trace_list_events(FILE *out)
{
    trace_foreach(print_event, out);
}

typedef struct NameLookup {
    const char *name;
    TraceEvent *found;
} NameLookup;

static bool match_name(TraceEvent *ev, void *opaque)
{
    NameLookup *l = opaque;

    if (g_str_equal(ev->name, l->name)) {
        l->found = ev;
        return false;
    }
    return true;
}

TraceEvent *trace_event_lookup(const char *name)
{
    NameLookup l = { .name = name };

    trace_foreach(match_name, &l);
    return l.found;
}

void trace_emit(const TraceEvent *ev, const char *fmt, ...)
{
    FILE *out = trace_out ? trace_out : stderr;
    g_autofree char *args = NULL;
    struct timeval tv;
    va_list ap;

    gettimeofday(&tv, NULL);
    va_start(ap, fmt);
    args = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    /* one fprintf per line, so concurrent writers never interleave a line */
    fprintf(out, "%d@%ld.%06ld:%s %s\n", (int)getpid(), (long)tv.tv_sec,
            (long)tv.tv_usec, ev->name, args);
}
