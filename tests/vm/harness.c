/* SPDX-License-Identifier: GPL-2.0-or-later */
/* harness.c: TAP output for the real-kernel tests (see harness.h). */

#include "harness.h"

#include <stdarg.h>

static int tap_count;
static int tap_failed;

void tap_init(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
}

static void tap_vline(bool ok, const char *fmt, va_list ap)
{
    tap_count++;
    if (!ok) {
        tap_failed++;
    }
    printf("%s %d - ", ok ? "ok" : "not ok", tap_count);
    vprintf(fmt, ap);
    putchar('\n');
}

bool tap_result(bool ok, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    tap_vline(ok, fmt, ap);
    va_end(ap);
    return ok;
}

void tap_note(const char *fmt, ...)
{
    va_list ap;

    fputs("# ", stdout);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

void tap_explain(const char *expr, const char *file, int line, int err)
{
    tap_note("  failed: %s  (%s:%d)", expr, file, line);
    if (err) {
        tap_note("  errno %d (%s)", err, strerror(err));
    }
}

int tap_done(void)
{
    printf("1..%d\n", tap_count);
    tap_note("%d passed, %d failed", tap_count - tap_failed, tap_failed);
    return tap_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
