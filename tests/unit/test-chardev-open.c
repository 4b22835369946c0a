/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of util/chardev-open.c on /dev/null (1:3) and /dev/zero (1:5).
 */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/chardev-open.h"
#include "util/error.h"

static dev_t devnum_of(const char *path)
{
    struct stat st;

    g_assert_cmpint(stat(path, &st), ==, 0);
    return st.st_rdev;
}

static void test_right_devnum(void)
{
    g_autoptr(GError) err = NULL;
    int fd = open_cdev("/dev/null", devnum_of("/dev/null"), O_RDWR, &err);

    g_assert_no_error(err);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(fcntl(fd, F_GETFD), ==, FD_CLOEXEC);
    close(fd);
}

static void test_wrong_devnum(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *char_dir = g_dir_make_tmp("cdev-XXXXXX", NULL);
    int fd = open_cdev_in("/dev/null", devnum_of("/dev/zero"), O_RDWR,
                          char_dir, &err);

    g_assert_cmpint(fd, ==, -1);
    g_assert_error(err, UTIL_ERROR, ENODEV);
    /* the message names what was found and what was wanted */
    g_assert_nonnull(strstr(err->message, "/dev/null is character device 1:3"));
    g_assert_nonnull(strstr(err->message, "1:5"));
    g_rmdir(char_dir);
}

static void test_not_a_chardev(void)
{
    g_autoptr(GError) err = NULL;
    int fd = open_cdev_in("/", makedev(1, 3), O_RDONLY, "/nonexistent", &err);

    g_assert_cmpint(fd, ==, -1);
    g_assert_nonnull(strstr(err->message, "/ is not a character device"));
}

/* A missing or wrong node falls back to CHAR_DIR/MAJ:MIN, as udev makes. */
static void test_fallback_to_char_dir(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *char_dir = g_dir_make_tmp("cdev-XXXXXX", NULL);
    dev_t zero = devnum_of("/dev/zero");
    g_autofree char *link = g_strdup_printf("%s/%u:%u", char_dir, major(zero),
                                            minor(zero));
    char byte = 1;
    int fd;

    g_assert_cmpint(symlink("/dev/zero", link), ==, 0);
    fd = open_cdev_in("/dev/null", zero, O_RDONLY, char_dir, &err);
    g_assert_no_error(err);
    g_assert_cmpint(read(fd, &byte, 1), ==, 1);
    g_assert_cmpint(byte, ==, 0);         /* it really is /dev/zero */
    close(fd);
    fd = open_cdev_in("/nonexistent/node", zero, O_RDONLY, char_dir, &err);
    g_assert_no_error(err);
    close(fd);
    g_unlink(link);
    g_rmdir(char_dir);
}

static void test_sysfs_devnum(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("sysfs-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "dev", NULL);
    dev_t devnum;

    g_assert_true(g_file_set_contents(path, "252:7\n", -1, NULL));
    g_assert_true(read_sysfs_devnum(path, &devnum, &err));
    g_assert_cmpuint(major(devnum), ==, 252);
    g_assert_cmpuint(minor(devnum), ==, 7);
    g_assert_true(g_file_set_contents(path, "vfio0\n", -1, NULL));
    g_assert_false(read_sysfs_devnum(path, &devnum, &err));
    g_assert_error(err, UTIL_ERROR, EINVAL);
    g_assert_nonnull(strstr(err->message, "holds 'vfio0'"));
    g_clear_error(&err);
    g_unlink(path);
    g_assert_false(read_sysfs_devnum(path, &devnum, &err));
    g_assert_error(err, UTIL_ERROR, ENOENT);
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/chardev-open/right-devnum", test_right_devnum);
    g_test_add_func("/chardev-open/wrong-devnum", test_wrong_devnum);
    g_test_add_func("/chardev-open/not-a-chardev", test_not_a_chardev);
    g_test_add_func("/chardev-open/fallback-to-char-dir",
                    test_fallback_to_char_dir);
    g_test_add_func("/chardev-open/sysfs-devnum", test_sysfs_devnum);
    return g_test_run();
}
