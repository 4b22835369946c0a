/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Error helpers on GError.
 *
 * Conventions (see DESIGN.md): a fallible function returns bool (or a
 * pointer, NULL on failure) and takes a trailing GError **errp.  It sets an
 * error on every failure path, never touches *errp on success and never
 * reads it.  Every subsystem has its own error domain; in every domain the
 * error code is an errno value (EINVAL, ENOENT, EBUSY, ...), so a caller can
 * branch on g_error_matches(err, DOMAIN, EBUSY) whatever the subsystem.
 */
#ifndef UTIL_ERROR_H
#define UTIL_ERROR_H

#include <glib.h>
#include <stdbool.h>

#define UTIL_ERROR util_error_quark()
GQuark util_error_quark(void);

/**
 * error_setg_errno() - set an error that carries an errno value
 * @errp: where to store the error (may be NULL)
 * @domain: the subsystem's error domain
 * @errnum: the errno value (positive); it becomes the error code
 * @fmt: printf format naming the operation and its key arguments
 *
 * The message is "<formatted text>: <strerror(errnum)>", e.g.
 * "IOMMU_IOAS_MAP ioas 3 iova 0x100000 size 0x1000: Invalid argument".
 */
void error_setg_errno(GError **errp, GQuark domain, int errnum,
                      const char *fmt, ...) G_GNUC_PRINTF(4, 5);

/**
 * error_setg() - set an error with an errno-valued code and no strerror
 * @errp: where to store the error (may be NULL)
 * @domain: the subsystem's error domain
 * @code: the errno value that classifies the error (e.g. EINVAL)
 * @fmt: printf format of the whole message
 */
void error_setg(GError **errp, GQuark domain, int code,
                const char *fmt, ...) G_GNUC_PRINTF(4, 5);

/**
 * error_report_err() - print an error to stderr and free it
 * @err: the error (consumed; NULL is a no-op)
 *
 * Prints "vfio-host: <message>" on one line, as QEMU's error_report does.
 */
void error_report_err(GError *err);

/**
 * error_report() - print a formatted error line to stderr
 * @fmt: printf format
 */
void error_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/**
 * warn_report() - print a formatted warning line to stderr
 * @fmt: printf format
 */
void warn_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

#endif /* UTIL_ERROR_H */
