/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-report: the markdown tables and the plain-language summary of the
 * VFIO strategies benchmark, from the key=value lines that vfio-raw and
 * vfio-measure print (one GHashTable of strings per line).
 */
#ifndef BENCH_VFIO_REPORT_H
#define BENCH_VFIO_REPORT_H

#include <glib.h>
#include <stdbool.h>

/* One layout: strategy x K x RAM, measured on vfio-host and raw. */
typedef struct BenchRow {
    char strategy;          /* 'a'..'e' */
    int k;                  /* devices at start */
    unsigned ram_mib;
    bool no_mmap;           /* devices with x-no-mmap=on (no raw runs) */
    bool anon;              /* anonymous boot RAM (for the QEMU peer) */
    GPtrArray *host;        /* one GHashTable per repeat of vfio-host */
    GPtrArray *raw;         /* one GHashTable per repeat of vfio-raw */
} BenchRow;

/* The QEMU peer at one RAM size. */
typedef struct BenchPeer {
    unsigned ram_mib;
    GPtrArray *qemu;        /* one GHashTable per repeat */
} BenchPeer;

/**
 * report_parse_lines() - the key=value lines of @text starting with @tag
 * ("host", "raw", "qemu")
 *
 * Return: one GHashTable (string -> string) per line, in order; free with
 * g_ptr_array_unref().
 */
GPtrArray *report_parse_lines(const char *text, const char *tag);

/**
 * report_print() - every table and the summary, in markdown, to stdout
 * @rows: BenchRow pointers, in run order
 * @peers: BenchPeer pointers (may be empty)
 */
void report_print(GPtrArray *rows, GPtrArray *peers);

#endif /* BENCH_VFIO_REPORT_H */
