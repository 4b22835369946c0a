/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the trace machinery: generated trace functions, glob
 * patterns, -trace option parsing and the output format.
 */
#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>

#include "util/error.h"
#include "util/trace.h"
#include "trace-test.h"

/* Run @fn with trace output captured; Return: what it printed. */
static char *capture(void (*fn)(void))
{
    FILE *f = tmpfile();
    char *text = g_malloc0(4096);
    size_t len;

    trace_set_output(f);
    fn();
    fflush(f);
    rewind(f);
    len = fread(text, 1, 4095, f);
    g_assert_false(ferror(f));
    text[len] = '\0';
    trace_set_output(NULL);     /* closes f */
    return text;
}

static void disable_all(void)
{
    g_assert_true(trace_enable_pattern("-test_trace_*", NULL));
}

static void fire_all(void)
{
    trace_test_trace_map(0x100000, 0x1000, 0);
    trace_test_trace_unmap(0x100000);
    trace_test_trace_other("x");
    trace_test_trace_void();
}

static void test_disabled_prints_nothing(void)
{
    g_autofree char *out = NULL;

    disable_all();
    out = capture(fire_all);
    g_assert_cmpstr(out, ==, "");
}

static void test_glob_pattern(void)
{
    g_autofree char *out = NULL;

    disable_all();
    g_assert_true(trace_enable_pattern("test_trace_*map", NULL));
    out = capture(fire_all);
    g_assert_nonnull(strstr(out, ":test_trace_map iova 0x100000 size 0x1000 ret 0\n"));
    g_assert_nonnull(strstr(out, ":test_trace_unmap iova 0x100000\n"));
    g_assert_null(strstr(out, "test_trace_other"));
    g_assert_null(strstr(out, "test_trace_void"));
}

static void test_line_format(void)
{
    g_autofree char *out = NULL;
    g_autofree char *prefix = g_strdup_printf("%d@", (int)getpid());
    char *colon;

    disable_all();
    g_assert_true(trace_enable_pattern("test_trace_void", NULL));
    out = capture(fire_all);
    /* PID@SECONDS.MICROSECONDS:NAME ARGS */
    g_assert_true(g_str_has_prefix(out, prefix));
    colon = strchr(out, ':');
    g_assert_nonnull(colon);
    g_assert_cmpstr(colon, ==, ":test_trace_void no arguments\n");
    g_assert_nonnull(strchr(out, '.'));
}

static void test_no_match_is_an_error(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_false(trace_enable_pattern("no_such_event*", &err));
    g_assert_error(err, UTIL_ERROR, ENOENT);
    g_assert_nonnull(strstr(err->message, "no_such_event*"));
}

static void test_option_forms(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("trace-XXXXXX", NULL);
    g_autofree char *events = g_build_filename(dir, "events", NULL);
    g_autofree char *file = g_build_filename(dir, "out", NULL);
    g_autofree char *arg = g_strdup_printf("events=%s,file=%s", events, file);
    g_autofree char *text = NULL;

    disable_all();
    g_assert_true(g_file_set_contents(events, "# comment\n\ntest_trace_other\n",
                                      -1, NULL));
    g_assert_true(trace_parse_option("enable=test_trace_unmap", &err));
    g_assert_true(trace_event_lookup("test_trace_unmap")->enabled);
    g_assert_true(trace_parse_option(arg, &err));
    g_assert_no_error(err);
    g_assert_true(trace_event_lookup("test_trace_other")->enabled);
    trace_test_trace_other("to-file");
    trace_set_output(NULL);
    g_assert_true(g_file_get_contents(file, &text, NULL, NULL));
    g_assert_nonnull(strstr(text, ":test_trace_other name to-file\n"));
    g_unlink(events);
    g_unlink(file);
    g_rmdir(dir);
}

static void test_option_errors(void)
{
    static const char *const bad[] = {
        "", "bogus=1", "events=/nonexistent/file", "file=/nonexistent/dir/x",
        "enable=nothing_matches_this",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;

        g_assert_false(trace_parse_option(bad[i], &err));
        g_assert_nonnull(err);
        g_assert_true(g_str_has_prefix(err->message, "-trace") ||
                      strstr(err->message, "nothing_matches_this"));
    }
}

static void test_lookup(void)
{
    g_assert_nonnull(trace_event_lookup("test_trace_map"));
    g_assert_null(trace_event_lookup("test_trace"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/trace/disabled-prints-nothing", test_disabled_prints_nothing);
    g_test_add_func("/trace/glob-pattern", test_glob_pattern);
    g_test_add_func("/trace/line-format", test_line_format);
    g_test_add_func("/trace/no-match-is-an-error", test_no_match_is_an_error);
    g_test_add_func("/trace/option/forms", test_option_forms);
    g_test_add_func("/trace/option/errors", test_option_errors);
    g_test_add_func("/trace/lookup", test_lookup);
    return g_test_run();
}
