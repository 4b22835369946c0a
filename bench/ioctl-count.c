/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ioctl-count.so: an LD_PRELOAD shim that counts a process's VFIO and
 * iommufd ioctls (type ';') by number, with their failures and the time
 * spent in the kernel, in the shared table of ioctl-count.h.
 *
 *   BENCH_IOCTL_FILE=/tmp/x   an existing file of sizeof(IoctlTable)
 *                             bytes, zeroed; the shim maps it shared and
 *                             the benchmark driver reads it at any time
 *
 * The benchmarks preload it the same way into the patched QEMU, the
 * unpatched QEMU and bench/vfio-raw, so that their counts compare.  Every
 * ioctl goes to the real one; without the variable nothing is counted.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ioctl-count.h"

typedef int (*ioctl_fn)(int, unsigned long, ...);

static ioctl_fn real_ioctl;
static IoctlTable *table;

__attribute__((constructor)) static void ioctl_count_init(void)
{
    const char *path = getenv("BENCH_IOCTL_FILE");
    void *m;
    int fd;

    real_ioctl = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
    if (!path || (fd = open(path, O_RDWR | O_CLOEXEC)) < 0) {
        return;
    }
    m = mmap(NULL, sizeof(IoctlTable), PROT_READ | PROT_WRITE, MAP_SHARED,
             fd, 0);
    close(fd);
    if (m != MAP_FAILED) {
        table = m;
        table->magic = IOCTL_COUNT_MAGIC;
    }
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Is @fd a type1 container (/dev/vfio/vfio)? */
static bool is_container(int fd)
{
    char link[64], target[256];
    ssize_t n;

    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    n = readlink(link, target, sizeof(target) - 1);
    if (n < 0) {
        return false;
    }
    target[n] = 0;
    n = strlen(target);
    return n >= 14 && !strcmp(target + n - 14, "/dev/vfio/vfio");
}

int ioctl(int fd, unsigned long request, ...)
{
    unsigned nr = _IOC_NR(request);
    uint64_t t0;
    va_list ap;
    void *arg;
    int ret;

    va_start(ap, request);
    arg = va_arg(ap, void *);
    va_end(ap);
    if (!real_ioctl) {
        real_ioctl = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
    }
    if (!table || _IOC_TYPE(request) != ';') {
        return real_ioctl(fd, request, arg);
    }
    if (nr >= IOCTL_COUNT_SHARED_FIRST && nr <= IOCTL_COUNT_SHARED_LAST &&
        !is_container(fd)) {
        nr += IOCTL_COUNT_DEVICE_SLOT;
    }
    t0 = now_ns();
    ret = real_ioctl(fd, request, arg);
    __atomic_add_fetch(&table->slot[nr].ns, now_ns() - t0, __ATOMIC_RELAXED);
    __atomic_add_fetch(&table->slot[nr].calls, 1, __ATOMIC_RELAXED);
    if (ret < 0) {
        __atomic_add_fetch(&table->slot[nr].errors, 1, __ATOMIC_RELAXED);
    }
    return ret;
}
