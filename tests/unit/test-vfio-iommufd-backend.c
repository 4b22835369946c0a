/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of IOMMUFDBackend (backends/iommufd.c) that need no
 * /dev/iommu: the fd lifetime rules (lazy open, close with the last user,
 * never close a given fd unless owned), the check of a given fd, and the
 * errors of the ioctl wrappers.  /dev/null stands in for the device node.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <linux/iommufd.h>

#include "system/iommufd.h"

static bool fd_is_open(int fd)
{
    return fcntl(fd, F_GETFD) >= 0;
}

static void test_lazy_open_and_close(void)
{
    g_autoptr(IOMMUFDBackend) be = iommufd_backend_new("iommufd0");
    g_autoptr(GError) err = NULL;
    int fd;

    iommufd_backend_set_dev_path(be, "/dev/null");
    g_assert_cmpint(iommufd_backend_get_fd(be), ==, -1);
    g_assert_true(iommufd_backend_can_be_deleted(be));
    g_assert_true(iommufd_backend_connect(be, &err));
    g_assert_no_error(err);
    fd = iommufd_backend_get_fd(be);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(fcntl(fd, F_GETFD), ==, FD_CLOEXEC);
    g_assert_true(iommufd_backend_owns_fd(be));
    g_assert_true(iommufd_backend_connect(be, &err));
    g_assert_cmpint(iommufd_backend_get_fd(be), ==, fd);
    g_assert_cmpuint(iommufd_backend_users(be), ==, 2);
    g_assert_false(iommufd_backend_can_be_deleted(be));
    iommufd_backend_disconnect(be);
    g_assert_true(fd_is_open(fd));
    iommufd_backend_disconnect(be);
    g_assert_cmpint(iommufd_backend_get_fd(be), ==, -1);
    g_assert_false(fd_is_open(fd));
    g_assert_true(iommufd_backend_can_be_deleted(be));
    g_assert_cmpstr(iommufd_backend_get_label(be), ==, "iommufd0");
}

static void test_open_failure(void)
{
    g_autoptr(IOMMUFDBackend) be = iommufd_backend_new("iommufd0");
    g_autoptr(GError) err = NULL;

    iommufd_backend_set_dev_path(be, "/nonexistent/iommu");
    g_assert_false(iommufd_backend_connect(be, &err));
    g_assert_error(err, IOMMUFD_ERROR, ENOENT);
    g_assert_nonnull(strstr(err->message, "/nonexistent/iommu"));
    g_assert_cmpuint(iommufd_backend_users(be), ==, 0);
    g_assert_cmpint(iommufd_backend_get_fd(be), ==, -1);
}

static void test_given_fd_not_iommufd(void)
{
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    g_autoptr(GError) err = NULL;
    IOMMUFDBackend *be = iommufd_backend_new_fd("passed", fd, false);

    g_assert_false(iommufd_backend_connect(be, &err));
    g_assert_error(err, IOMMUFD_ERROR, ENOTTY);
    g_assert_nonnull(strstr(err->message, "is not an open iommufd"));
    g_assert_cmpuint(iommufd_backend_users(be), ==, 0);
    g_object_unref(be);
    /* Not ours: never closed */
    g_assert_true(fd_is_open(fd));
    close(fd);
}

static void test_given_fd_closed(void)
{
    int fds[2];
    g_autoptr(GError) err = NULL;
    g_autoptr(IOMMUFDBackend) be = NULL;

    g_assert_cmpint(pipe(fds), ==, 0);
    close(fds[0]);
    close(fds[1]);
    be = iommufd_backend_new_fd("closed", fds[0], false);
    g_assert_false(iommufd_backend_connect(be, &err));
    g_assert_error(err, IOMMUFD_ERROR, EBADF);
}

static void test_owned_fd_closed_on_finalize(void)
{
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    IOMMUFDBackend *be = iommufd_backend_new_fd("owned", fd, true);
    int prop_fd = -2;
    gboolean owned = FALSE;

    g_object_get(be, "fd", &prop_fd, "owned", &owned, NULL);
    g_assert_cmpint(prop_fd, ==, fd);
    g_assert_true(owned);
    g_object_unref(be);
    g_assert_false(fd_is_open(fd));
}

static void test_wrapper_errors_name_the_ioctl(void)
{
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    g_autoptr(IOMMUFDBackend) be = iommufd_backend_new_fd("null", fd, true);
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) ranges = NULL;
    uint32_t id = 0;
    guint calls = 0;
    char buf[64];

    g_assert_false(iommufd_backend_map_dma(be, 7, 0x100000, 0x1000, buf,
                                           false, &err));
    g_assert_error(err, IOMMUFD_ERROR, ENOTTY);
    g_assert_nonnull(strstr(err->message,
                            "IOMMU_IOAS_MAP ioas 7 iova 0x100000"));
    g_clear_error(&err);
    g_assert_false(iommufd_backend_copy_dma(be, 1, 2, 0x2000, 0x1000, true,
                                            &err));
    g_assert_nonnull(strstr(err->message, "IOMMU_IOAS_COPY ioas 1 -> 2"));
    g_clear_error(&err);
    g_assert_false(iommufd_backend_unmap_dma(be, 3, 0, 0x1000, NULL, &err));
    g_assert_nonnull(strstr(err->message, "IOMMU_IOAS_UNMAP ioas 3"));
    g_clear_error(&err);
    g_assert_false(iommufd_backend_alloc_ioas(be, &id, &err));
    g_assert_nonnull(strstr(err->message, "IOMMU_IOAS_ALLOC"));
    g_clear_error(&err);
    g_assert_false(iommufd_backend_destroy(be, 9, &err));
    g_assert_nonnull(strstr(err->message, "IOMMU_DESTROY id 9"));
    g_clear_error(&err);
    g_assert_false(iommufd_backend_get_iova_ranges(be, 4, &ranges, NULL,
                                                   &calls, &err));
    g_assert_nonnull(strstr(err->message, "IOMMU_IOAS_IOVA_RANGES ioas 4"));
    g_assert_cmpuint(calls, ==, 1);
    g_assert_null(ranges);
    g_clear_error(&err);
    g_assert_false(iommufd_backend_set_option(be, IOMMU_OPTION_HUGE_PAGES, 4,
                                              0, &err));
    g_assert_nonnull(strstr(err->message, "IOMMU_OPTION SET option 1 "
                            "object 4"));
    g_clear_error(&err);
    g_assert_false(iommufd_backend_alloc_hwpt(be, 2, 1, 0, 0, 0, NULL, &id,
                                              &err));
    g_assert_nonnull(strstr(err->message, "IOMMU_HWPT_ALLOC dev 2 pt 1"));
    g_clear_error(&err);
    g_assert_false(iommufd_backend_set_dirty_tracking(be, 5, true, &err));
    g_assert_nonnull(strstr(err->message,
                            "IOMMU_HWPT_SET_DIRTY_TRACKING hwpt 5 enable"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/iommufd/backend/lazy-open-and-close",
                    test_lazy_open_and_close);
    g_test_add_func("/iommufd/backend/open-failure", test_open_failure);
    g_test_add_func("/iommufd/backend/given-fd-not-iommufd",
                    test_given_fd_not_iommufd);
    g_test_add_func("/iommufd/backend/given-fd-closed",
                    test_given_fd_closed);
    g_test_add_func("/iommufd/backend/owned-fd-closed-on-finalize",
                    test_owned_fd_closed_on_finalize);
    g_test_add_func("/iommufd/backend/wrapper-errors-name-the-ioctl",
                    test_wrapper_errors_name_the_ioctl);
    return g_test_run();
}
