/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fault-ioctl.so: an LD_PRELOAD shim that makes one chosen ioctl of a
 * process fail, to show on the real kernel what QEMU does with an errno
 * the rig cannot produce on demand (the first seed of the fault injector).
 *
 *   FAULT_IOCTL_REQUEST=0x3b77   the request to fail (hex or decimal)
 *   FAULT_IOCTL_NTH=2            fail its Nth call (1-based), once
 *   FAULT_IOCTL_ERRNO=98         with this errno, without calling the kernel
 *
 * Every other call goes to the real ioctl().
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/ioctl.h>

typedef int (*ioctl_fn)(int, unsigned long, ...);

static unsigned long env_ulong(const char *name)
{
    const char *v = getenv(name);

    return v ? strtoul(v, NULL, 0) : 0;
}

int ioctl(int fd, unsigned long request, ...)
{
    static atomic_ulong calls;
    static ioctl_fn real;
    va_list ap;
    void *arg;

    va_start(ap, request);
    arg = va_arg(ap, void *);
    va_end(ap);
    if (!real) {
        real = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
    }
    if (request == env_ulong("FAULT_IOCTL_REQUEST") &&
        atomic_fetch_add(&calls, 1) + 1 == env_ulong("FAULT_IOCTL_NTH")) {
        errno = (int)env_ulong("FAULT_IOCTL_ERRNO");
        return -1;
    }
    return real(fd, request, arg);
}
