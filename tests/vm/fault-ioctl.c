/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fault-ioctl.so: an LD_PRELOAD fault injector for the VFIO and iommufd
 * ioctls of a process (QEMU), for what the rig's kernel cannot be made to
 * do on demand.  It counts the calls it watches and makes the Nth fail
 * with a chosen errno, without calling the kernel:
 *
 *   FAULT_IOCTL_REQUEST=0x3b77   watch only these requests: numbers (hex or
 *                                decimal) or names as logged
 *                                ("VFIO_IOMMU_DIRTY_PAGES"), comma-separated;
 *                                unset: every request of type ';', i.e.
 *                                every VFIO and iommufd ioctl
 *   FAULT_IOCTL_NTH=2            fail the Nth watched call (1-based), once;
 *                                a comma-separated list fails each of them;
 *                                unset or 0: fail none (a dry run)
 *   FAULT_IOCTL_ERRNO=98         with this errno (default EIO)
 *   FAULT_IOCTL_KERNEL=K         instead of failing the call here, make the
 *                                kernel fail inside it: write K to
 *                                /proc/thread-self/fail-nth before the real
 *                                ioctl, so that the Kth fault-injection
 *                                point it reaches (failslab,
 *                                fail_page_alloc, as debugfs configures
 *                                them) fails; the errno is the kernel's
 *   FAULT_IOCTL_LOG=/path        append one line per watched call:
 *                                "N REQUEST NAME rc=R [errno=E] fd=F
 *                                [flags=X] [feature=X] [FAULT]"; flags
 *                                of VFIO_IOMMU_DIRTY_PAGES, _MAP_DMA and
 *                                _UNMAP_DMA, feature of
 *                                VFIO_DEVICE_FEATURE (its flags word:
 *                                GET/SET/PROBE | index); FAULT marks a call
 *                                failed here, or one inside which the
 *                                kernel consumed the injected fault
 *
 * A dry run with a log lists every call site a scenario reaches, which is
 * what a sweep over N walks.  Every call not failed goes to the real
 * ioctl().
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

typedef int (*ioctl_fn)(int, unsigned long, ...);

/*
 * VFIO numbers its ioctls per kind of fd, so one request number can mean
 * two things (VFIO_IOMMU_MAP_DMA on a container is
 * VFIO_DEVICE_PCI_HOT_RESET on a device): the container's are looked up
 * only for an fd open on /dev/vfio/vfio.  The device ones the project's
 * trimmed <linux/vfio.h> lacks are spelt out.
 */
#define VFIO_DEVICE_GET_PCI_HOT_RESET_INFO _IO(VFIO_TYPE, VFIO_BASE + 12)
#define VFIO_DEVICE_PCI_HOT_RESET _IO(VFIO_TYPE, VFIO_BASE + 13)
#define VFIO_DEVICE_QUERY_GFX_PLANE _IO(VFIO_TYPE, VFIO_BASE + 14)
#define VFIO_DEVICE_FEATURE _IO(VFIO_TYPE, VFIO_BASE + 17)
/*
 * Linux 6.13's file mapping, which the rig's 6.12 answers with ENOTTY;
 * QEMU >= 10.1 tries it first for RAM that has an fd
 */
#define IOMMU_IOAS_MAP_FILE _IO(IOMMUFD_TYPE, 0x8f)
/* Linux 6.13's too: QEMU >= 10.1 probes it for its CPR blocker (ENOTTY) */
#ifndef IOMMU_IOAS_CHANGE_PROCESS
#define IOMMU_IOAS_CHANGE_PROCESS _IO(IOMMUFD_TYPE, 0x92)
#endif

typedef struct Name {
    unsigned long request;
    const char *name;
} Name;

#define N(x) { x, #x }
static const Name container_names[] = {
    N(VFIO_GET_API_VERSION), N(VFIO_CHECK_EXTENSION), N(VFIO_SET_IOMMU),
    N(VFIO_IOMMU_GET_INFO), N(VFIO_IOMMU_MAP_DMA), N(VFIO_IOMMU_UNMAP_DMA),
    N(VFIO_IOMMU_DIRTY_PAGES), { 0, NULL }
};

static const Name other_names[] = {
    N(VFIO_GROUP_GET_STATUS), N(VFIO_GROUP_SET_CONTAINER),
    N(VFIO_GROUP_UNSET_CONTAINER), N(VFIO_GROUP_GET_DEVICE_FD),
    N(VFIO_DEVICE_GET_INFO), N(VFIO_DEVICE_GET_REGION_INFO),
    N(VFIO_DEVICE_GET_IRQ_INFO), N(VFIO_DEVICE_SET_IRQS),
    N(VFIO_DEVICE_RESET), N(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO),
    N(VFIO_DEVICE_PCI_HOT_RESET), N(VFIO_DEVICE_QUERY_GFX_PLANE),
    N(VFIO_DEVICE_FEATURE), N(VFIO_DEVICE_BIND_IOMMUFD),
    N(VFIO_DEVICE_ATTACH_IOMMUFD_PT), N(VFIO_DEVICE_DETACH_IOMMUFD_PT),
    N(IOMMU_DESTROY), N(IOMMU_IOAS_ALLOC), N(IOMMU_IOAS_IOVA_RANGES),
    N(IOMMU_IOAS_ALLOW_IOVAS), N(IOMMU_IOAS_MAP), N(IOMMU_IOAS_MAP_FILE),
    N(IOMMU_IOAS_COPY), N(IOMMU_IOAS_UNMAP), N(IOMMU_OPTION),
    N(IOMMU_IOAS_CHANGE_PROCESS),
    N(IOMMU_VFIO_IOAS), N(IOMMU_HWPT_ALLOC), N(IOMMU_GET_HW_INFO),
    N(IOMMU_HWPT_SET_DIRTY_TRACKING), N(IOMMU_HWPT_GET_DIRTY_BITMAP),
    { 0, NULL }
};
#undef N

static const char *request_name(int fd, unsigned long request)
{
    char link[64], target[64];
    const Name *t = other_names;
    ssize_t len;

    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    len = readlink(link, target, sizeof(target) - 1);
    if (len > 0) {
        target[len] = 0;
        if (!strcmp(target, "/dev/vfio/vfio")) {
            t = container_names;
        }
    }
    for (; t->name; t++) {
        if (t->request == request) {
            return t->name;
        }
    }
    return "?";
}

static unsigned long env_ulong(const char *name, unsigned long dflt)
{
    const char *v = getenv(name);

    return v && *v ? strtoul(v, NULL, 0) : dflt;
}

/* Whether the comma-separated @list holds @n (numbers) or @name */
static bool in_list(const char *list, unsigned long n, const char *name)
{
    const char *p = list;

    while (*p) {
        size_t len = strcspn(p, ",");
        char *end;

        if (*p >= '0' && *p <= '9') {
            if (strtoul(p, &end, 0) == n && end == p + len) {
                return true;
            }
        } else if (name && strlen(name) == len && !strncmp(p, name, len)) {
            return true;
        }
        p += len + (p[len] == ',');
    }
    return false;
}

static bool watched(int fd, unsigned long request)
{
    const char *only = getenv("FAULT_IOCTL_REQUEST");

    if (_IOC_TYPE(request) != ';') {
        return false;
    }
    return !only || !*only || in_list(only, request, request_name(fd, request));
}

/*
 * The kernel mode: arm /proc/thread-self/fail-nth with @k, on an fd
 * opened first (opening it once armed could consume the fault), and
 * return that fd; disarm_fail_nth() closes it, so that the process under
 * test ends up with no fd of ours.
 */
static int arm_fail_nth(unsigned long k)
{
    int fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
    char buf[24];
    int len = snprintf(buf, sizeof(buf), "%lu", k);

    if (fd >= 0 && pwrite(fd, buf, len, 0) != len) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Whether the armed fault was consumed; disarm it in any case */
static bool disarm_fail_nth(int fd)
{
    char buf[24] = "";
    ssize_t len = pread(fd, buf, sizeof(buf) - 1, 0);
    bool consumed = len > 0 && strtoul(buf, NULL, 10) == 0;

    if (!consumed && pwrite(fd, "0", 1, 0) != 1) {
        /* the next call may fail instead: the log shows it */
    }
    close(fd);
    return consumed;
}

static void log_call(unsigned long n, int on, unsigned long request,
                     void *arg, int rc, int err, bool fault)
{
    const char *path = getenv("FAULT_IOCTL_LOG");
    char line[160];
    int fd, len;

    if (!path || !*path) {
        return;
    }
    len = snprintf(line, sizeof(line), "%lu 0x%lx %s rc=%d", n, request,
                   request_name(on, request), rc);
    if (rc < 0) {
        len += snprintf(line + len, sizeof(line) - len, " errno=%d", err);
    }
    len += snprintf(line + len, sizeof(line) - len, " fd=%d", on);
    if ((!strcmp(request_name(on, request), "VFIO_IOMMU_DIRTY_PAGES") ||
         !strcmp(request_name(on, request), "VFIO_IOMMU_MAP_DMA") ||
         !strcmp(request_name(on, request), "VFIO_IOMMU_UNMAP_DMA")) && arg) {
        /*
         * struct vfio_iommu_type1_dirty_bitmap (start, stop or get), or
         * _dma_map / _dma_unmap (VADDR, ALL: CPR): all start with
         * __u32 argsz, __u32 flags
         */
        len += snprintf(line + len, sizeof(line) - len, " flags=0x%x",
                        ((const unsigned int *)arg)[1]);
    }
    if (!strcmp(request_name(on, request), "VFIO_DEVICE_FEATURE") && arg) {
        /*
         * struct vfio_device_feature: GET/SET/PROBE and the feature
         * (migration state, DMA logging start/stop/report, ...)
         */
        /* its layout starts: __u32 argsz, __u32 flags (<linux/vfio.h>) */
        len += snprintf(line + len, sizeof(line) - len, " feature=0x%x",
                        ((const unsigned int *)arg)[1]);
    }
    len += snprintf(line + len, sizeof(line) - len, "%s\n",
                    fault ? " FAULT" : "");
    /* one write per line, O_APPEND: whole lines whatever the thread */
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        if (write(fd, line, len) != len) {
            /* nothing to do: the log is for the test to read */
        }
        close(fd);
    }
}

int ioctl(int fd, unsigned long request, ...)
{
    static atomic_ulong calls;
    static ioctl_fn real;
    unsigned long n, kernel;
    const char *nth;
    int rc, err, armed;
    bool fault, consumed;
    va_list ap;
    void *arg;

    va_start(ap, request);
    arg = va_arg(ap, void *);
    va_end(ap);
    if (!real) {
        real = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
    }
    if (!watched(fd, request)) {
        return real(fd, request, arg);
    }
    n = atomic_fetch_add(&calls, 1) + 1;
    nth = getenv("FAULT_IOCTL_NTH");
    fault = nth && in_list(nth, n, NULL);
    kernel = env_ulong("FAULT_IOCTL_KERNEL", 0);
    if (fault && !kernel) {
        err = (int)env_ulong("FAULT_IOCTL_ERRNO", EIO);
        log_call(n, fd, request, arg, -1, err, true);
        errno = err;
        return -1;
    }
    armed = fault ? arm_fail_nth(kernel) : -1;
    rc = real(fd, request, arg);
    err = errno;
    consumed = armed >= 0 && disarm_fail_nth(armed);
    log_call(n, fd, request, arg, rc, err, consumed);
    errno = err;
    return rc;
}
