/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Benchmark: the physical limit of device assignment.  Does only the raw
 * ioctl sequence QEMU needs for one layout (K edu devices, a memfd of
 * RAM_MIB as guest RAM, one of the strategies a-e) and times it: open,
 * group or cdev, bind, attach, then MAP_DMA / IOAS_MAP / IOAS_COPY of the
 * whole RAM at IOVA 0 (as one section at guest-physical 0).  Then it
 * hot-adds one more device the same way.
 *
 *   a  legacy type1, one container per device
 *   b  legacy type1, one container shared by all devices
 *   c  iommufd, one IOAS shared by all devices (one MAP)
 *   d  iommufd, one /dev/iommu and one IOAS per device, each filled by MAP
 *   e  iommufd, one /dev/iommu, one IOAS per device: the first filled by
 *      MAP, the others by IOAS_COPY from it
 *
 * Prints one line of key=value per repeat: times in microseconds, ioctl
 * counts by kind,
 * VmPin/VmLck in kB from /proc/self/status after setup and after the
 * hot-add.  Runs in the rig's guest as root, devices bound to vfio-pci.
 *
 * Usage: vfio-raw STRATEGY K RAM_MIB [REPEATS [WORD...]]
 *        vfio-raw scale N CHUNK_KIB RAM_MIB [WORD...]
 * WORD "anon": private anonymous RAM, as QEMU's default, instead of a
 * memfd; "step": after each step (set-up, hot-add; for scale: set-up,
 * adds, removes) print "step NAME" and wait for a line on stdin, so that
 * bench/qemu-bench can read the process's counters and VmPin there.
 *
 * The scale mode is the raw limit of many small mappings: strategy c with
 * one device and RAM_MIB of RAM, then N more IOMMU_IOAS_MAPs of CHUNK_KIB
 * each at IOVA 4 GiB upwards (as N hot-added DIMMs would be), then their N
 * IOMMU_IOAS_UNMAPs, each phase timed.
 */
#include "bench-util.h"

#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#define MAX_DEVS BENCH_MAX_EDUS
#define SCALE_IOVA (4ULL << 30)

enum { K_OPEN, K_GROUP_SET_CONTAINER, K_SET_IOMMU, K_GET_DEVICE_FD,
       K_MAP_DMA, K_IOAS_ALLOC, K_BIND, K_ATTACH, K_IOAS_MAP, K_IOAS_COPY,
       K_IOAS_UNMAP, K__COUNT };

static const char *const kind_names[K__COUNT] = {
    [K_OPEN] = "open",
    [K_GROUP_SET_CONTAINER] = "VFIO_GROUP_SET_CONTAINER",
    [K_SET_IOMMU] = "VFIO_SET_IOMMU",
    [K_GET_DEVICE_FD] = "VFIO_GROUP_GET_DEVICE_FD",
    [K_MAP_DMA] = "VFIO_IOMMU_MAP_DMA",
    [K_IOAS_ALLOC] = "IOMMU_IOAS_ALLOC",
    [K_BIND] = "VFIO_DEVICE_BIND_IOMMUFD",
    [K_ATTACH] = "VFIO_DEVICE_ATTACH_IOMMUFD_PT",
    [K_IOAS_MAP] = "IOMMU_IOAS_MAP",
    [K_IOAS_COPY] = "IOMMU_IOAS_COPY",
    [K_IOAS_UNMAP] = "IOMMU_IOAS_UNMAP",
};

typedef struct RawDev {
    char bdf[32];
    int group_fd;       /* legacy */
    int container_fd;   /* legacy: this device's container (maybe shared) */
    int iommufd;        /* iommufd: this device's /dev/iommu (maybe shared) */
    uint32_t ioas;      /* iommufd: this device's IOAS */
    int fd;             /* device fd or cdev */
} RawDev;

typedef struct Raw {
    char strategy;
    bool anon;          /* anonymous RAM instead of a memfd */
    bool step;          /* stop after each step until stdin says go */
    uint64_t ram_size;
    int memfd;
    void *ram;
    int n;              /* devices attached */
    RawDev devs[MAX_DEVS];
    unsigned counts[K__COUNT];
} Raw;

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* With "step": say where we are and wait for the driver's go-ahead. */
static void step(Raw *r, const char *name)
{
    char line[16];

    if (!r->step) {
        return;
    }
    printf("step %s\n", name);
    fflush(stdout);
    if (!fgets(line, sizeof(line), stdin)) {
        exit(1);        /* the driver went away */
    }
}

static int xopen(Raw *r, const char *path)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);

    r->counts[K_OPEN]++;
    if (fd < 0) {
        die(path);
    }
    return fd;
}

static int xioctl(Raw *r, int kind, int fd, unsigned long req, void *arg)
{
    int ret = ioctl(fd, req, arg);

    r->counts[kind]++;
    if (ret < 0) {
        die(kind_names[kind]);
    }
    return ret;
}

/* ---- sysfs ---- */

/* /dev/vfio/GROUP of @bdf, from its iommu_group link. */
static void group_path(const char *bdf, char *out, size_t len)
{
    char link[PATH_MAX], target[PATH_MAX];
    ssize_t n;

    snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group", bdf);
    n = readlink(link, target, sizeof(target) - 1);
    if (n < 0) {
        die(link);
    }
    target[n] = 0;
    snprintf(out, len, "/dev/vfio/%s", basename(target));
}

/* /dev/vfio/devices/vfioN of @bdf, from its vfio-dev directory. */
static void cdev_path(const char *bdf, char *out, size_t len)
{
    char dir[PATH_MAX];
    struct dirent *e;
    DIR *d;

    snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
    d = opendir(dir);
    if (!d) {
        die(dir);
    }
    out[0] = 0;
    while ((e = readdir(d))) {
        if (!strncmp(e->d_name, "vfio", 4)) {
            snprintf(out, len, "/dev/vfio/devices/%s", e->d_name);
        }
    }
    closedir(d);
    if (!out[0]) {
        fprintf(stderr, "%s: no vfio cdev\n", bdf);
        exit(1);
    }
}

/* ---- legacy type1 ---- */

static void map_dma(Raw *r, int container)
{
    struct vfio_iommu_type1_dma_map map = {
        .argsz = sizeof(map),
        .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
        .vaddr = (uintptr_t)r->ram,
        .iova = 0,
        .size = r->ram_size,
    };

    xioctl(r, K_MAP_DMA, container, VFIO_IOMMU_MAP_DMA, &map);
}

/* Attach device r->n: a new container for strategy a or the first. */
static void legacy_add(Raw *r, RawDev *d)
{
    bool fresh = r->strategy == 'a' || r->n == 0;
    char path[PATH_MAX];

    d->container_fd = fresh ? xopen(r, "/dev/vfio/vfio")
                            : r->devs[0].container_fd;
    group_path(d->bdf, path, sizeof(path));
    d->group_fd = xopen(r, path);
    xioctl(r, K_GROUP_SET_CONTAINER, d->group_fd, VFIO_GROUP_SET_CONTAINER,
           &d->container_fd);
    if (fresh) {
        xioctl(r, K_SET_IOMMU, d->container_fd, VFIO_SET_IOMMU,
               (void *)(uintptr_t)VFIO_TYPE1v2_IOMMU);
        map_dma(r, d->container_fd);
    }
    d->fd = xioctl(r, K_GET_DEVICE_FD, d->group_fd,
                   VFIO_GROUP_GET_DEVICE_FD, d->bdf);
}

/* ---- iommufd ---- */

static uint32_t ioas_alloc(Raw *r, int iommufd)
{
    struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

    xioctl(r, K_IOAS_ALLOC, iommufd, IOMMU_IOAS_ALLOC, &alloc);
    return alloc.out_ioas_id;
}

static void ioas_map(Raw *r, int iommufd, uint32_t ioas)
{
    struct iommu_ioas_map map = {
        .size = sizeof(map),
        .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
                 IOMMU_IOAS_MAP_WRITEABLE,
        .ioas_id = ioas,
        .user_va = (uintptr_t)r->ram,
        .length = r->ram_size,
        .iova = 0,
    };

    xioctl(r, K_IOAS_MAP, iommufd, IOMMU_IOAS_MAP, &map);
}

static void ioas_copy(Raw *r, int iommufd, uint32_t dst, uint32_t src)
{
    struct iommu_ioas_copy copy = {
        .size = sizeof(copy),
        .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
                 IOMMU_IOAS_MAP_WRITEABLE,
        .dst_ioas_id = dst,
        .src_ioas_id = src,
        .length = r->ram_size,
        .dst_iova = 0,
        .src_iova = 0,
    };

    xioctl(r, K_IOAS_COPY, iommufd, IOMMU_IOAS_COPY, &copy);
}

static void cdev_bind_attach(Raw *r, RawDev *d)
{
    struct vfio_device_bind_iommufd bind = {
        .argsz = sizeof(bind), .iommufd = d->iommufd,
    };
    struct vfio_device_attach_iommufd_pt attach = {
        .argsz = sizeof(attach), .pt_id = d->ioas,
    };
    char path[PATH_MAX];

    cdev_path(d->bdf, path, sizeof(path));
    d->fd = xopen(r, path);
    xioctl(r, K_BIND, d->fd, VFIO_DEVICE_BIND_IOMMUFD, &bind);
    xioctl(r, K_ATTACH, d->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);
}

/* Attach device r->n; fill its IOAS if it is a new one. */
static void iommufd_add(Raw *r, RawDev *d)
{
    bool first = r->n == 0;
    bool own_ictx = first || r->strategy == 'd';
    bool own_ioas = first || r->strategy != 'c';

    d->iommufd = own_ictx ? xopen(r, "/dev/iommu") : r->devs[0].iommufd;
    d->ioas = own_ioas ? ioas_alloc(r, d->iommufd) : r->devs[0].ioas;
    cdev_bind_attach(r, d);
    if (!own_ioas) {
        return;
    }
    if (first || r->strategy == 'd') {
        ioas_map(r, d->iommufd, d->ioas);
    } else {
        ioas_copy(r, d->iommufd, d->ioas, r->devs[0].ioas);
    }
}

/* ---- one repeat ---- */

static void add_device(Raw *r, const char *bdf)
{
    RawDev *d = &r->devs[r->n];

    memset(d, 0, sizeof(*d));
    d->group_fd = d->container_fd = d->iommufd = d->fd = -1;
    snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
    if (r->strategy == 'a' || r->strategy == 'b') {
        legacy_add(r, d);
    } else {
        iommufd_add(r, d);
    }
    r->n++;
}

static void ram_new(Raw *r)
{
    if (r->anon) {
        /* private anonymous memory, as QEMU's default RAM */
        r->memfd = -1;
        r->ram = mmap(NULL, r->ram_size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (r->ram == MAP_FAILED) {
            die("mmap");
        }
        return;
    }
    r->memfd = memfd_create("pc.ram", MFD_CLOEXEC);
    if (r->memfd < 0 || ftruncate(r->memfd, r->ram_size) < 0) {
        die("memfd");
    }
    r->ram = mmap(NULL, r->ram_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                  r->memfd, 0);
    if (r->ram == MAP_FAILED) {
        die("mmap");
    }
}

static void close_if(int fd, int *closed, int *n)
{
    for (int i = 0; i < *n; i++) {
        if (closed[i] == fd) {
            return;
        }
    }
    if (fd >= 0) {
        close(fd);
        closed[(*n)++] = fd;
    }
}

/* Devices first, then groups, containers and iommufds (once each). */
static void teardown(Raw *r)
{
    int closed[4 * MAX_DEVS], n = 0;

    for (int i = 0; i < r->n; i++) {
        close_if(r->devs[i].fd, closed, &n);
        close_if(r->devs[i].group_fd, closed, &n);
    }
    for (int i = 0; i < r->n; i++) {
        close_if(r->devs[i].container_fd, closed, &n);
        close_if(r->devs[i].iommufd, closed, &n);
    }
    munmap(r->ram, r->ram_size);
    if (r->memfd >= 0) {
        close(r->memfd);
    }
    r->n = 0;
}

static unsigned total(const unsigned *counts)
{
    unsigned t = 0;

    for (int i = 0; i < K__COUNT; i++) {
        t += counts[i];
    }
    return t;
}

static void print_kinds(const char *key, const unsigned *counts)
{
    const char *sep = "";

    printf(" %s=", key);
    for (int i = 0; i < K__COUNT; i++) {
        if (counts[i]) {
            printf("%s%s:%u", sep, kind_names[i], counts[i]);
            sep = ",";
        }
    }
    if (!*sep) {
        printf("-");
    }
}

static void run_once(Raw *r, char bdfs[][32], int k, int avail, int rep)
{
    unsigned before[K__COUNT], hot[K__COUNT];
    uint64_t t0, t1, t2 = 0, t3 = 0;
    long pin, lck;

    memset(r->counts, 0, sizeof(r->counts));
    t0 = bench_now_us();
    ram_new(r);
    for (int i = 0; i < k; i++) {
        add_device(r, bdfs[i]);
    }
    t1 = bench_now_us();
    step(r, "setup");
    pin = bench_status_kb(0, "VmPin:");
    lck = bench_status_kb(0, "VmLck:");
    memcpy(before, r->counts, sizeof(before));
    if (avail > k) {
        t2 = bench_now_us();
        add_device(r, bdfs[k]);
        t3 = bench_now_us();
        step(r, "hot");
    }
    for (int i = 0; i < K__COUNT; i++) {
        hot[i] = r->counts[i] - before[i];
    }
    printf("raw strategy=%c k=%d ram_mib=%llu anon=%d repeat=%d "
           "setup_us=%llu ioctls=%u vmpin_kb=%ld vmlck_kb=%ld", r->strategy,
           k, (unsigned long long)(r->ram_size >> 20), r->anon, rep,
           (unsigned long long)(t1 - t0), total(before), pin, lck);
    print_kinds("kinds", before);
    if (avail > k) {
        printf(" hot_us=%llu hot_ioctls=%u hot_vmpin_kb=%ld hot_vmlck_kb=%ld",
               (unsigned long long)(t3 - t2), total(hot),
               bench_status_kb(0, "VmPin:"), bench_status_kb(0, "VmLck:"));
        print_kinds("hot_kinds", hot);
    }
    printf("\n");
    fflush(stdout);
    teardown(r);
}

/* ---- many small mappings ---- */

static void run_scale(Raw *r, const char *bdf, int n, uint64_t chunk)
{
    uint64_t t0, t1, t2, t3;
    unsigned before[K__COUNT], added[K__COUNT], removed[K__COUNT];
    uint8_t *chunks;

    r->strategy = 'c';
    ram_new(r);
    add_device(r, bdf);
    chunks = mmap(NULL, n * chunk, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (chunks == MAP_FAILED) {
        die("mmap");
    }
    step(r, "setup");
    memcpy(before, r->counts, sizeof(before));
    t0 = bench_now_us();
    for (int i = 0; i < n; i++) {
        struct iommu_ioas_map map = {
            .size = sizeof(map),
            .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
                     IOMMU_IOAS_MAP_WRITEABLE,
            .ioas_id = r->devs[0].ioas,
            .user_va = (uintptr_t)(chunks + i * chunk),
            .length = chunk,
            .iova = SCALE_IOVA + i * chunk,
        };

        xioctl(r, K_IOAS_MAP, r->devs[0].iommufd, IOMMU_IOAS_MAP, &map);
    }
    t1 = bench_now_us();
    for (int i = 0; i < K__COUNT; i++) {
        added[i] = r->counts[i] - before[i];
    }
    step(r, "added");
    memcpy(before, r->counts, sizeof(before));
    t2 = bench_now_us();
    for (int i = 0; i < n; i++) {
        struct iommu_ioas_unmap unmap = {
            .size = sizeof(unmap),
            .ioas_id = r->devs[0].ioas,
            .iova = SCALE_IOVA + i * chunk,
            .length = chunk,
        };

        xioctl(r, K_IOAS_UNMAP, r->devs[0].iommufd, IOMMU_IOAS_UNMAP,
               &unmap);
    }
    t3 = bench_now_us();
    for (int i = 0; i < K__COUNT; i++) {
        removed[i] = r->counts[i] - before[i];
    }
    step(r, "removed");
    printf("raw scale n=%d chunk_kib=%llu add_us=%llu remove_us=%llu", n,
           (unsigned long long)(chunk >> 10), (unsigned long long)(t1 - t0),
           (unsigned long long)(t3 - t2));
    print_kinds("add_kinds", added);
    print_kinds("remove_kinds", removed);
    printf("\n");
    fflush(stdout);
    munmap(chunks, n * chunk);
    teardown(r);
}

/* The trailing words: "anon", "step". */
static bool parse_words(Raw *r, int argc, char **argv, int first)
{
    for (int i = first; i < argc; i++) {
        if (!strcmp(argv[i], "anon")) {
            r->anon = true;
        } else if (!strcmp(argv[i], "step")) {
            r->step = true;
        } else {
            return false;
        }
    }
    return true;
}

static int main_scale(Raw *r, int argc, char **argv)
{
    char bdfs[MAX_DEVS][32];
    int n;
    uint64_t chunk;

    if (argc < 5 || !parse_words(r, argc, argv, 5)) {
        fprintf(stderr, "usage: %s scale N CHUNK_KIB RAM_MIB [anon] [step]\n",
                argv[0]);
        return 2;
    }
    n = atoi(argv[2]);
    chunk = strtoull(argv[3], NULL, 0) << 10;
    r->ram_size = strtoull(argv[4], NULL, 0) << 20;
    if (n < 1 || chunk == 0 || chunk % 4096 || r->ram_size == 0 ||
        bench_find_edus(bdfs) < 1) {
        fprintf(stderr, "need N >= 1, CHUNK_KIB a multiple of 4, RAM > 0 "
                "and one edu device\n");
        return 2;
    }
    run_scale(r, bdfs[0], n, chunk);
    return 0;
}

int main(int argc, char **argv)
{
    char bdfs[MAX_DEVS][32];
    Raw r = { .memfd = -1 };
    int k, avail, repeats;

    if (argc > 1 && !strcmp(argv[1], "scale")) {
        return main_scale(&r, argc, argv);
    }
    if (argc < 4 || !strchr("abcde", argv[1][0]) || argv[1][1] ||
        !parse_words(&r, argc, argv, 5)) {
        fprintf(stderr, "usage: %s a|b|c|d|e K RAM_MIB [REPEATS [anon] "
                "[step]]\n", argv[0]);
        return 2;
    }
    r.strategy = argv[1][0];
    k = atoi(argv[2]);
    r.ram_size = strtoull(argv[3], NULL, 0) << 20;
    repeats = argc > 4 ? atoi(argv[4]) : 1;
    avail = bench_find_edus(bdfs);
    if (k < 1 || k > avail || r.ram_size == 0 || repeats < 1) {
        fprintf(stderr, "need 1 <= K <= %d edu devices, RAM > 0, "
                "REPEATS >= 1\n", avail);
        return 2;
    }
    for (int i = 0; i < repeats; i++) {
        run_once(&r, bdfs, k, avail, i + 1);
    }
    return 0;
}
