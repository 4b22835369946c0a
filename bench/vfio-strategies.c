/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Benchmark: VFIO device-assignment strategies on the real kernel (run in
 * the rig's guest).  For each RAM size, strategy (a-e, see vfio-raw.c) and
 * K, it measures vfio-host (spawned, read over QMP) and the raw ioctl
 * program vfio-raw, each in a child process, then the QEMU 7.2 peer, and
 * prints markdown tables plus a summary (vfio-report.c).
 *
 * Usage: vfio-strategies [-r REPEATS,..] [-m MIB,..] [-k K,..] [-s abcde]
 *                        [--no-qemu]
 * -r gives the repeats for each RAM size of -m in turn (the last one for
 * the rest): default 3 at 256 MiB and 1 at 1024 MiB, since pinning 1 GiB
 * takes seconds under TCG.  Then each strategy once more at the first RAM
 * size and K=2, every device with x-no-mmap=on (vfio-host only): the
 * hot-add without peer-to-peer BAR mappings.  The QEMU peer is compared
 * with layout b, K=1 on private anonymous RAM (memory-backend-ram), as
 * QEMU's own RAM, besides vfio-host's default memfd.
 *        vfio-strategies --measure-host S K MIB REPEATS [no-mmap|anon]
 *                                                          (a child)
 *        vfio-strategies --measure-qemu MIB REPEATS        (a child)
 * $VFIO_HOST_BINARY: vfio-host (default: ../vfio-host from this program);
 * $VFIO_RAW: vfio-raw (default: beside this program).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "bench-util.h"
#include "vfio-measure.h"
#include "vfio-report.h"

typedef struct Config {
    GArray *repeats;        /* int, per RAM size */
    GArray *rams;           /* unsigned MiB */
    GArray *ks;             /* int */
    char strategies[8];
    bool qemu;
    char *self;             /* this program's absolute path */
} Config;

static GArray *parse_list(const char *text)
{
    g_auto(GStrv) parts = g_strsplit(text, ",", -1);
    GArray *a = g_array_new(false, false, sizeof(int));

    for (int i = 0; parts[i]; i++) {
        int v = atoi(parts[i]);

        if (v <= 0) {
            g_printerr("vfio-strategies: bad list '%s'\n", text);
            exit(2);
        }
        g_array_append_val(a, v);
    }
    return a;
}

static void parse_args(Config *c, int argc, char **argv)
{
    c->repeats = parse_list("3,1");
    c->rams = parse_list("256,1024");
    c->ks = parse_list("1,2,3");
    g_strlcpy(c->strategies, "abcde", sizeof(c->strategies));
    c->qemu = true;
    for (int i = 1; i < argc; i++) {
        bool more = i + 1 < argc;

        if (!strcmp(argv[i], "-r") && more) {
            g_array_unref(c->repeats);
            c->repeats = parse_list(argv[++i]);
        } else if (!strcmp(argv[i], "-m") && more) {
            g_array_unref(c->rams);
            c->rams = parse_list(argv[++i]);
        } else if (!strcmp(argv[i], "-k") && more) {
            g_array_unref(c->ks);
            c->ks = parse_list(argv[++i]);
        } else if (!strcmp(argv[i], "-s") && more) {
            g_strlcpy(c->strategies, argv[++i], sizeof(c->strategies));
        } else if (!strcmp(argv[i], "--no-qemu")) {
            c->qemu = false;
        } else {
            g_printerr("usage: %s [-r REPEATS,..] [-m MIB,..] [-k K,..] "
                       "[-s abcde] [--no-qemu]\n", argv[0]);
            exit(2);
        }
    }
}

/* The repeats for the @m-th RAM size. */
static int repeats_for(const Config *c, guint m)
{
    return g_array_index(c->repeats, int, MIN(m, c->repeats->len - 1));
}

/* vfio-raw: $VFIO_RAW, else beside this program.  Free with g_free(). */
static char *raw_path(const Config *c)
{
    g_autofree char *dir = g_path_get_dirname(c->self);

    return g_getenv("VFIO_RAW") ? g_strdup(g_getenv("VFIO_RAW"))
                                : g_build_filename(dir, "vfio-raw", NULL);
}

/* Run @argv; Return: its stdout (stderr passes through); free with
 * g_free().  A failure is reported on stderr and gives what was printed. */
static char *run_child(const char *const *argv)
{
    g_autoptr(GError) err = NULL;
    char *out = NULL;
    int status = 0;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                      &out, NULL, &status, &err)) {
        g_printerr("vfio-strategies: %s: %s\n", argv[0], err->message);
        return g_strdup("");
    }
    if (!g_spawn_check_wait_status(status, &err)) {
        g_printerr("vfio-strategies: %s %s %s %s: %s\n", argv[0], argv[1],
                   argv[2], argv[3] ? argv[3] : "", err->message);
    }
    return out;
}

/* The child's variant word for @flags (MEASURE_*), or NULL. */
static const char *variant(unsigned flags)
{
    return flags & MEASURE_NO_MMAP ? "no-mmap" :
           flags & MEASURE_ANON_RAM ? "anon" : NULL;
}

static BenchRow *measure_row(const Config *c, char s, int k, unsigned ram,
                             int repeats, unsigned flags)
{
    g_autofree char *ks = g_strdup_printf("%d", k);
    g_autofree char *rams = g_strdup_printf("%u", ram);
    g_autofree char *reps = g_strdup_printf("%d", repeats);
    g_autofree char *raw = raw_path(c);
    char sv[2] = { s, 0 };
    const char *host_argv[] = { c->self, "--measure-host", sv, ks, rams,
                                reps, variant(flags), NULL };
    const char *raw_argv[] = { raw, sv, ks, rams, reps, variant(flags),
                               NULL };
    bool no_mmap = flags & MEASURE_NO_MMAP;
    g_autofree char *host_out = run_child(host_argv);
    g_autofree char *raw_out = no_mmap ? g_strdup("") : run_child(raw_argv);
    BenchRow *r = g_new0(BenchRow, 1);

    r->no_mmap = no_mmap;
    r->anon = flags & MEASURE_ANON_RAM;
    r->strategy = s;
    r->k = k;
    r->ram_mib = ram;
    r->host = report_parse_lines(host_out, "host");
    r->raw = report_parse_lines(raw_out, "raw");
    g_printerr("vfio-strategies: %c K=%d %u MiB%s%s: %u+%u runs\n", s, k,
               ram, variant(flags) ? " " : "",
               variant(flags) ? variant(flags) : "", r->host->len,
               r->raw->len);
    return r;
}

static BenchPeer *measure_peer(const Config *c, unsigned ram, int repeats)
{
    g_autofree char *rams = g_strdup_printf("%u", ram);
    g_autofree char *reps = g_strdup_printf("%d", repeats);
    const char *argv[] = { c->self, "--measure-qemu", rams, reps, NULL };
    g_autofree char *out = run_child(argv);
    BenchPeer *p = g_new0(BenchPeer, 1);

    p->ram_mib = ram;
    p->qemu = report_parse_lines(out, "qemu");
    return p;
}

/* The default vfio-host: ../vfio-host from this program (the build dir). */
static void default_binary(const char *self)
{
    g_autofree char *dir = g_path_get_dirname(self);
    g_autofree char *bin = g_build_filename(dir, "..", "vfio-host", NULL);

    g_setenv("VFIO_HOST_BINARY", bin, false);
    /* TCG: a 1 GiB pin or unpin takes seconds */
    g_setenv("VHT_TIMEOUT_S", "120", false);
}

/* Run @argv once, output dropped. */
static void run_quiet(const char *const *argv)
{
    g_spawn_sync(NULL, (char **)argv, NULL,
                 G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                 G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, NULL,
                 NULL);
}

/* Load every binary once and do one unmeasured start-up: the first exec
 * reads a binary (and its libraries) over the rig's 9p root, and the first
 * run after boot was seen to take ~60% longer than the next ones. */
static void warm_up(const Config *c)
{
    const char *qemu = g_getenv("QEMU") ? g_getenv("QEMU")
                                        : "qemu-system-x86_64";
    const char *host[] = { g_getenv("VFIO_HOST_BINARY"), "-version", NULL };
    const char *q[] = { qemu, "-version", NULL };
    const char *self[] = { c->self, "--measure-host", "b", "1", "64", "1",
                           NULL };
    g_autofree char *raw = raw_path(c);
    const char *rawv[] = { raw, "b", "1", "64", NULL };

    run_quiet(host);
    run_quiet(q);
    run_quiet(self);
    run_quiet(rawv);
}

static int run_all(Config *c)
{
    g_autoptr(GPtrArray) rows = g_ptr_array_new();
    g_autoptr(GPtrArray) peers = g_ptr_array_new();

    warm_up(c);
    for (guint m = 0; m < c->rams->len; m++) {
        unsigned ram = g_array_index(c->rams, int, m);
        int reps = repeats_for(c, m);

        for (const char *s = c->strategies; *s; s++) {
            for (guint i = 0; i < c->ks->len; i++) {
                int k = g_array_index(c->ks, int, i);

                g_ptr_array_add(rows, measure_row(c, *s, k, ram, reps, 0));
            }
        }
        if (c->qemu) {
            g_ptr_array_add(peers, measure_peer(c, ram, reps));
            g_ptr_array_add(rows, measure_row(c, 'b', 1, ram, reps,
                                              MEASURE_ANON_RAM));
        }
    }
    for (const char *s = c->strategies; *s; s++) {
        g_ptr_array_add(rows, measure_row(c, *s, 2, g_array_index(
                            c->rams, int, 0), 1, MEASURE_NO_MMAP));
    }
    report_print(rows, peers);
    return 0;
}

int main(int argc, char **argv)
{
    Config c = { 0 };

    c.self = g_canonicalize_filename(argv[0], NULL);
    default_binary(c.self);
    if (argc >= 6 && !strcmp(argv[1], "--measure-host")) {
        const char *v = argc > 6 ? argv[6] : "";

        return measure_host(argv[2][0], atoi(argv[3]), atoi(argv[4]),
                            atoi(argv[5]),
                            (!strcmp(v, "no-mmap") ? MEASURE_NO_MMAP : 0) |
                            (!strcmp(v, "anon") ? MEASURE_ANON_RAM : 0));
    }
    if (argc == 4 && !strcmp(argv[1], "--measure-qemu")) {
        return measure_qemu(atoi(argv[2]), atoi(argv[3]));
    }
    parse_args(&c, argc, argv);
    return run_all(&c);
}
