/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Opening character devices whose identity is known from sysfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/chardev-open.h"
#include "util/error.h"
#include "trace-util.h"

/*
 * Open @path and check it is the character device @expected.  Returns the
 * fd, or -1 with a description of what was wrong in @why.
 */
static int try_open(const char *path, dev_t expected, int flags, char **why)
{
    struct stat st;
    int fd = open(path, flags | O_CLOEXEC);

    if (fd < 0) {
        *why = g_strdup_printf("%s: %s", path, g_strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) < 0) {
        *why = g_strdup_printf("%s: fstat: %s", path, g_strerror(errno));
    } else if (!S_ISCHR(st.st_mode)) {
        *why = g_strdup_printf("%s is not a character device", path);
    } else if (st.st_rdev != expected) {
        *why = g_strdup_printf("%s is character device %u:%u", path,
                               major(st.st_rdev), minor(st.st_rdev));
    } else {
        return fd;
    }
    close(fd);
    return -1;
}

int open_cdev_in(const char *path, dev_t expected, int flags,
                 const char *char_dir, GError **errp)
{
    g_autofree char *why_path = NULL;
    g_autofree char *why_char = NULL;
    g_autofree char *fallback = g_strdup_printf("%s/%u:%u", char_dir,
                                                major(expected),
                                                minor(expected));
    int fd = try_open(path, expected, flags, &why_path);

    if (fd < 0) {
        fd = try_open(fallback, expected, flags, &why_char);
    }
    trace_open_cdev(path, major(expected), minor(expected), fd);
    if (fd < 0) {
        error_setg(errp, UTIL_ERROR, ENODEV,
                   "cannot open character device %u:%u (%s; %s)",
                   major(expected), minor(expected), why_path, why_char);
    }
    return fd;
}

int open_cdev(const char *path, dev_t expected, int flags, GError **errp)
{
    return open_cdev_in(path, expected, flags, CHARDEV_DIR_DEFAULT, errp);
}

bool read_sysfs_devnum(const char *sysfs_path, dev_t *devnum, GError **errp)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    unsigned int maj, min;
    char tail = '\n';
    int n;

    if (!g_file_get_contents(sysfs_path, &text, NULL, &err)) {
        error_setg(errp, UTIL_ERROR, ENOENT, "cannot read %s: %s",
                   sysfs_path, err->message);
        return false;
    }
    n = sscanf(text, "%u:%u%c", &maj, &min, &tail);
    if (n < 2 || tail != '\n') {
        error_setg(errp, UTIL_ERROR, EINVAL,
                   "%s holds '%s', expected MAJOR:MINOR", sysfs_path,
                   g_strchomp(text));
        return false;
    }
    *devnum = makedev(maj, min);
    return true;
}
