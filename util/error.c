/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Error helpers on GError.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/error.h"

G_DEFINE_QUARK(vfio-host-util-error, util_error)

void error_setg_errno(GError **errp, GQuark domain, int errnum,
                      const char *fmt, ...)
{
    g_autofree char *what = NULL;
    va_list ap;

    va_start(ap, fmt);
    what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(errp, domain, errnum, "%s: %s", what, g_strerror(errnum));
}

void error_setg(GError **errp, GQuark domain, int code, const char *fmt, ...)
{
    va_list ap;

    if (!errp) {
        return;
    }
    g_assert(*errp == NULL);
    va_start(ap, fmt);
    *errp = g_error_new_valist(domain, code, fmt, ap);
    va_end(ap);
}

static void report_line(const char *prefix, const char *fmt, va_list ap)
{
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);

    fprintf(stderr, "vfio-host: %s%s\n", prefix, msg);
}

void error_report_err(GError *err)
{
    if (err) {
        fprintf(stderr, "vfio-host: %s\n", err->message);
        g_error_free(err);
    }
}

void error_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report_line("", fmt, ap);
    va_end(ap);
}

void warn_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report_line("warning: ", fmt, ap);
    va_end(ap);
}
