/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench-util: clock, edu discovery, /proc status and statistics for the
 * VFIO benchmarks (see bench-util.h).
 */
#include "bench-util.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>

uint64_t bench_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

/* The first line of sysfs attribute @attr of PCI device @bdf, or "". */
static void read_attr(const char *bdf, const char *attr, char *buf, int len)
{
    char path[PATH_MAX];
    FILE *f;

    buf[0] = 0;
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, attr);
    f = fopen(path, "r");
    if (!f) {
        return;
    }
    if (!fgets(buf, len, f)) {
        buf[0] = 0;
    }
    fclose(f);
}

static bool is_edu(const char *bdf)
{
    char vendor[32], device[32];

    read_attr(bdf, "vendor", vendor, sizeof(vendor));
    read_attr(bdf, "device", device, sizeof(device));
    return !strncmp(vendor, "0x1234", 6) && !strncmp(device, "0x11e8", 6);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(a, b);
}

int bench_find_edus(char bdfs[][32])
{
    DIR *d = opendir("/sys/bus/pci/devices");
    struct dirent *e;
    int n = 0;

    if (!d) {
        return 0;
    }
    while ((e = readdir(d)) && n < BENCH_MAX_EDUS) {
        if (e->d_name[0] != '.' && is_edu(e->d_name)) {
            snprintf(bdfs[n++], 32, "%.31s", e->d_name);
        }
    }
    closedir(d);
    qsort(bdfs, n, 32, cmp_str);
    return n;
}

long bench_status_kb(pid_t pid, const char *key)
{
    char path[64], line[256];
    size_t len = strlen(key);
    long v = -1;
    FILE *f;

    if (pid) {
        snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    } else {
        snprintf(path, sizeof(path), "/proc/self/status");
    }
    f = fopen(path, "r");
    if (!f) {
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        if (!strncmp(line, key, len)) {
            v = strtol(line + len, NULL, 10);
        }
    }
    fclose(f);
    return v;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

BenchStats bench_stats(double *v, int n)
{
    BenchStats s = { .n = n };

    if (n == 0) {
        return s;
    }
    qsort(v, n, sizeof(*v), cmp_double);
    s.min = v[0];
    s.max = v[n - 1];
    s.med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return s;
}

void *bench_shared_file(const char *path, size_t size)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    void *m;

    if (fd < 0 || ftruncate(fd, size)) {
        perror(path);
        exit(1);
    }
    m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    return m;
}
