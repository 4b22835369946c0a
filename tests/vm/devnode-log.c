/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * devnode-log.so: an LD_PRELOAD shim that appends one line to the file
 * $DEVNODE_LOG for every open of /dev/iommu or of a node under /dev/vfio/
 * by the process, before the open happens:
 *
 *   open /dev/vfio/devices/vfio3
 *
 * It shows which VFIO nodes QEMU opened itself when a management layer
 * (libvirt) starts it, so that a test can tell them from the fds it was
 * given.  Every call goes on to the real function.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
/* define open() and open64() themselves, not redirects or fortified inlines */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*open2_fn)(const char *, int);
typedef int (*openat2_fn)(int, const char *, int);

static void note(const char *path)
{
    const char *log = getenv("DEVNODE_LOG");
    char line[512];
    int fd, n;

    if (!log || !path || (strcmp(path, "/dev/iommu") &&
                          strncmp(path, "/dev/vfio/", 10))) {
        return;
    }
    n = snprintf(line, sizeof(line), "open %s\n", path);
    fd = ((open_fn)dlsym(RTLD_NEXT, "open"))(log, O_WRONLY | O_APPEND |
                                             O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        if (write(fd, line, n) != n) {
            /* nothing to do: the log is for the test to read */
        }
        close(fd);
    }
}

static mode_t mode_arg(int flags, va_list ap)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ?
           va_arg(ap, mode_t) : 0;
}

#define WRAP_OPEN(name)                                                  \
    int name(const char *path, int flags, ...)                           \
    {                                                                    \
        va_list ap;                                                      \
        mode_t mode;                                                     \
                                                                         \
        va_start(ap, flags);                                             \
        mode = mode_arg(flags, ap);                                      \
        va_end(ap);                                                      \
        note(path);                                                      \
        return ((open_fn)dlsym(RTLD_NEXT, #name))(path, flags, mode);    \
    }

#define WRAP_OPENAT(name)                                                \
    int name(int dirfd, const char *path, int flags, ...)                \
    {                                                                    \
        va_list ap;                                                      \
        mode_t mode;                                                     \
                                                                         \
        va_start(ap, flags);                                             \
        mode = mode_arg(flags, ap);                                      \
        va_end(ap);                                                      \
        note(path);                                                      \
        return ((openat_fn)dlsym(RTLD_NEXT, #name))(dirfd, path, flags,  \
                                                    mode);               \
    }

/* _FORTIFY_SOURCE builds call these when the flags are not constant */
#define WRAP_OPEN2(name)                                                 \
    int name(const char *path, int flags);                               \
    int name(const char *path, int flags)                                \
    {                                                                    \
        note(path);                                                      \
        return ((open2_fn)dlsym(RTLD_NEXT, #name))(path, flags);         \
    }

#define WRAP_OPENAT2(name)                                               \
    int name(int dirfd, const char *path, int flags);                    \
    int name(int dirfd, const char *path, int flags)                     \
    {                                                                    \
        note(path);                                                      \
        return ((openat2_fn)dlsym(RTLD_NEXT, #name))(dirfd, path, flags); \
    }

WRAP_OPEN(open)
WRAP_OPEN(open64)
WRAP_OPENAT(openat)
WRAP_OPENAT(openat64)
WRAP_OPEN2(__open_2)
WRAP_OPEN2(__open64_2)
WRAP_OPENAT2(__openat_2)
WRAP_OPENAT2(__openat64_2)
