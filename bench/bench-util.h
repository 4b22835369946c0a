/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench-util: what the VFIO benchmarks share: a monotonic clock, the edu
 * devices of the rig's guest, /proc/PID/status fields, and min/median/max
 * of repeated timings.
 */
#ifndef BENCH_BENCH_UTIL_H
#define BENCH_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BENCH_MAX_EDUS 8

/** bench_now_us() - Return: CLOCK_MONOTONIC in microseconds */
uint64_t bench_now_us(void);

/**
 * bench_find_edus() - the edu devices (1234:11e8) in sysfs, sorted by BDF
 * @bdfs: filled with up to BENCH_MAX_EDUS addresses ("0000:00:04.0")
 *
 * Return: how many were found.
 */
int bench_find_edus(char bdfs[][32]);

/**
 * bench_status_kb() - one "Key:  N kB" field of /proc/PID/status
 * @pid: the process, 0 for this one
 * @key: the field with its colon ("VmPin:")
 *
 * Return: its value in kB, -1 if unreadable.
 */
long bench_status_kb(pid_t pid, const char *key);

/**
 * bench_shared_file() - create (or truncate) @path with @size zero bytes
 * and map it shared, so that processes that map it too (the ioctl counter
 * preloaded into QEMU) write into it; prints the error and exits on failure
 * Return: the mapping.
 */
void *bench_shared_file(const char *path, size_t size);

/** struct BenchStats - min, median and max of some samples */
typedef struct BenchStats {
    double min, med, max;
    int n;
} BenchStats;

/**
 * bench_stats() - min/median/max of @n samples (sorts @v in place)
 * Return: the statistics; n = 0 when @n is 0.
 */
BenchStats bench_stats(double *v, int n);

#endif /* BENCH_BENCH_UTIL_H */
