/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of util/error.c.
 */
#include <errno.h>

#include "util/error.h"

static void test_errno_message(void)
{
    g_autoptr(GError) err = NULL;

    error_setg_errno(&err, UTIL_ERROR, EBUSY, "IOMMU_DESTROY id %u", 3);
    g_assert_error(err, UTIL_ERROR, EBUSY);
    g_assert_cmpstr(err->message, ==,
                    "IOMMU_DESTROY id 3: Device or resource busy");
}

static void test_plain_message(void)
{
    g_autoptr(GError) err = NULL;

    error_setg(&err, UTIL_ERROR, EINVAL, "size '%s' is not a number", "1x");
    g_assert_error(err, UTIL_ERROR, EINVAL);
    g_assert_cmpstr(err->message, ==, "size '1x' is not a number");
}

static void test_null_errp(void)
{
    /* callers that do not care pass NULL; nothing may crash */
    error_setg_errno(NULL, UTIL_ERROR, EIO, "ignored");
    error_setg(NULL, UTIL_ERROR, EIO, "ignored");
    error_report_err(NULL);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/error/errno-message", test_errno_message);
    g_test_add_func("/error/plain-message", test_plain_message);
    g_test_add_func("/error/null-errp", test_null_errp);
    return g_test_run();
}
