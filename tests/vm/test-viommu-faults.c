/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-viommu-faults: every VFIO/iommufd call site of the vIOMMU scenario
 * (viommu-scenario.h: devices hot-added behind virtio-iommu, the ram
 * source, a DIMM in bypass, guest MAP/UNMAP through the vIOMMU, teardown)
 * failed in turn by fault-ioctl.so in the patched build; after each run
 * the invariants (a) QEMU answers, (b) DMA lands only where the guest can
 * reach memory, (c) nothing is left after the teardown (VmPin, fds,
 * containers, the devices bindable again), (d) quit exits 0.
 *
 * The dry run lists every call with its step.  A call site is a run of
 * consecutive calls of one request in one step (the ram source's five
 * IOAS_MAPs are one site, the device's IOAS_ALLOC and the ram source's
 * two); the sites the vIOMMU path adds are marked (*): the ram source's
 * IOMMU_IOAS_ALLOC, IOAS_IOVA_RANGES and IOAS_MAPs (add-e0, dimm-plug),
 * every IOMMU_IOAS_COPY from it (add-e0, add-e1, dimm-plug, map), the
 * guest's UNMAP of a copy, the ram source's last IOAS_UNMAPs and DESTROY
 * (teardown).
 *
 * Usage: test-viommu-faults [--dry-run] [--sites | --all | --points=N,...]
 *                           [--errno=E,...] [--table=FILE]
 *   default: the first call of each vIOMMU-path site, once (what the vm
 *            suite runs): ENOMEM for the map-class calls (IOMMU_IOAS_MAP,
 *            IOMMU_IOAS_COPY, IOMMU_HWPT_ALLOC,
 *            VFIO_DEVICE_ATTACH_IOMMUFD_PT: what the kernel answers over
 *            RLIMIT_MEMLOCK), EIO for the others
 *   --sites  the first call of every site, with EIO, and the map-class
 *            ones once more with ENOMEM (make check-viommu-faults)
 *   --all    every call, as --sites
 *   --errno  only these errnos (names or numbers)
 * $VIOMMU_FAULTS_TIMING=1: each step's start time on stderr
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "viommu-scenario.h"

typedef struct Call {
    unsigned long n;
    char request[48];
    char step[16];
    int rc, err;
    /* a site: a run of consecutive calls of one request in one step */
    bool first;         /* the first call of its run */
    int run;            /* 1, 2...: its run among its step's of that request */
    bool last_run;      /* the last such run of the step */
    bool before_copy;   /* no IOMMU_IOAS_COPY before it in its step */
} Call;

/* one run, in a child: it reports "key value" lines to the parent */
typedef struct Child {
    FILE *out;
    const char *step;
    char failed_step[16];
    char first_error[256];
    char b[512];
} Child;

static char bdfs[HEDU_MAX][32];
static const char *patched;
static char *log_path;

static void emit(Child *c, const char *key, const char *val)
{
    fprintf(c->out, "%s %s\n", key, val && *val ? val : "-");
    fflush(c->out);
}

static void on_step(void *opaque, const char *name)
{
    Child *c = opaque;
    FILE *f = fopen(log_path, "a");

    c->step = name;
    if (g_getenv("VIOMMU_FAULTS_TIMING")) {
        fprintf(stderr, "step %s at %.2f s\n", name,
                g_get_monotonic_time() / 1e6);
    }
    if (f) {
        fprintf(f, "# step %s\n", name);
        fclose(f);
    }
}

static void on_fail(void *opaque, const char *what)
{
    Child *c = opaque;

    if (!c->failed_step[0]) {
        g_strlcpy(c->failed_step, c->step, sizeof(c->failed_step));
        g_strlcpy(c->first_error, what, sizeof(c->first_error));
        for (char *p = c->first_error; *p; p++) {
            *p = *p == '\n' ? ' ' : *p;
        }
    }
}

static void on_check(ViommuScenario *s, const char *when, char *mismatch)
{
    Child *c = s->opaque;

    if (mismatch && !c->b[0]) {
        snprintf(c->b, sizeof(c->b), "after %s: %s", when, mismatch);
    }
    g_free(mismatch);
}

static void child(unsigned long n, int err, int out_fd)
{
    g_autofree char *nth = g_strdup_printf("%lu", n);
    Child c = { .out = fdopen(out_fd, "w"), .step = "start" };
    QeduStartOpts o = { .fault_requests = "", .fault_nth = nth,
                        .fault_errno = err, .fault_log = log_path };
    const char *b[VIOMMU_SCENARIO_NDEV] = { bdfs[0], bdfs[1] };
    ViommuScenario s = { .binary = patched, .bdfs = b, .opts = &o,
                         .step = on_step, .fail = on_fail, .opaque = &c };
    g_autofree char *clean = NULL;
    bool a;

    /* the helpers' TAP notes go to stderr here */
    dup2(STDERR_FILENO, STDOUT_FILENO);
    if (!viommu_scenario_start(&s)) {
        emit(&c, "a", "QEMU did not start");
        _exit(0);
    }
    viommu_scenario_run(&s, on_check);
    a = viommu_scenario_teardown(&s);
    emit(&c, "a", a ? "ok" : "no answer");
    emit(&c, "b", c.b[0] ? c.b : "ok");
    clean = viommu_scenario_check_clean(&s);
    emit(&c, "c", clean ? clean : "ok");
    emit(&c, "step", c.failed_step[0] ? c.failed_step : "-");
    emit(&c, "error", c.first_error[0] ? c.first_error : "-");
    on_step(&c, "quit");
    vht_end(s.p);                   /* g_error()s unless exit status 0 */
    emit(&c, "d", "ok");
    fclose(c.out);
    _exit(0);
}

static GHashTable *run(unsigned long n, int err)
{
    GHashTable *res = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                            g_free);
    int pipefd[2];
    pid_t pid;

    unlink(log_path);
    if (pipe(pipefd) < 0) {
        return res;
    }
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        close(pipefd[0]);
        child(n, err, pipefd[1]);
    }
    close(pipefd[1]);
    hedu_read_child(pid, pipefd[0], res);
    return res;
}

static const char *get(GHashTable *h, const char *key)
{
    const char *v = g_hash_table_lookup(h, key);

    return v ? v : g_hash_table_lookup(h, "child") ? "(stopped)" : "(none)";
}

static bool all_ok(GHashTable *h)
{
    return !strcmp(get(h, "a"), "ok") && !strcmp(get(h, "b"), "ok") &&
           !strcmp(get(h, "c"), "ok") && !strcmp(get(h, "d"), "ok");
}

static GArray *read_calls(void)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    GArray *calls = g_array_new(false, true, sizeof(Call));
    char step_name[16] = "start";

    if (!g_file_get_contents(log_path, &text, NULL, NULL)) {
        return calls;
    }
    lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        Call c = { 0 };
        char req[32], name[48];

        if (sscanf(lines[i], "# step %15s", step_name) == 1) {
            continue;
        }
        if (sscanf(lines[i], "%lu %31s %47s rc=%d", &c.n, req, name,
                   &c.rc) == 4) {
            const char *e = strstr(lines[i], " errno=");

            c.err = e ? atoi(e + 7) : 0;
            g_strlcpy(c.request, name, sizeof(c.request));
            g_strlcpy(c.step, step_name, sizeof(c.step));
            g_array_append_val(calls, c);
        }
    }
    return calls;
}

/* The sites: runs of one request in one step (struct Call) */
static void find_sites(GArray *calls)
{
    for (guint i = 0; i < calls->len; i++) {
        Call *c = &g_array_index(calls, Call, i);
        Call *prev = i ? &g_array_index(calls, Call, i - 1) : NULL;
        bool copied = false;

        c->first = !prev || strcmp(prev->request, c->request) ||
                   strcmp(prev->step, c->step);
        c->run = c->first ? 1 : prev->run;
        for (guint j = 0; j < i; j++) {
            Call *d = &g_array_index(calls, Call, j);

            if (strcmp(d->step, c->step)) {
                continue;
            }
            copied |= !strcmp(d->request, "IOMMU_IOAS_COPY");
            if (c->first && d->first && !strcmp(d->request, c->request)) {
                c->run++;
            }
        }
        c->before_copy = !copied;
    }
    for (guint i = 0; i < calls->len; i++) {
        Call *c = &g_array_index(calls, Call, i);

        c->last_run = true;
        for (guint j = i + 1; j < calls->len; j++) {
            Call *d = &g_array_index(calls, Call, j);

            c->last_run &= strcmp(d->step, c->step) ||
                           strcmp(d->request, c->request) || !d->first;
        }
    }
}

/*
 * Whether the call is one the vIOMMU path adds: every IOMMU_IOAS_COPY
 * (from the ram source); the ram source's IOAS_ALLOC and IOVA_RANGES (the
 * second of add-e0: the device's IOAS comes first) and IOAS_MAPs of the
 * RAM sections (add-e0, before the device copies) and of the DIMM; the
 * guest's UNMAP of a copy; the ram source's release (the last UNMAPs and
 * DESTROY of the teardown)
 */
static bool viommu_site(const Call *c)
{
    const char *r = c->request, *st = c->step;

    if (!strcmp(r, "IOMMU_IOAS_COPY")) {
        return true;
    }
    if (!strcmp(st, "add-e0")) {
        return ((!strcmp(r, "IOMMU_IOAS_ALLOC") ||
                 !strcmp(r, "IOMMU_IOAS_IOVA_RANGES")) && c->run == 2) ||
               (!strcmp(r, "IOMMU_IOAS_MAP") && c->before_copy);
    }
    if (!strcmp(st, "dimm-plug")) {
        return !strcmp(r, "IOMMU_IOAS_MAP");
    }
    if (!strcmp(st, "unmap")) {
        return !strcmp(r, "IOMMU_IOAS_UNMAP");
    }
    return !strcmp(st, "teardown") && c->last_run &&
           (!strcmp(r, "IOMMU_DESTROY") || !strcmp(r, "IOMMU_IOAS_UNMAP"));
}

static bool map_class(const char *request)
{
    return !strcmp(request, "IOMMU_IOAS_MAP") ||
           !strcmp(request, "IOMMU_IOAS_COPY") ||
           !strcmp(request, "IOMMU_HWPT_ALLOC") ||
           !strcmp(request, "VFIO_DEVICE_ATTACH_IOMMUFD_PT");
}

static int parse_errno(const char *s)
{
    static const struct {
        const char *name;
        int val;
    } names[] = {
        { "EIO", EIO }, { "ENOMEM", ENOMEM }, { "EFAULT", EFAULT },
        { "EINVAL", EINVAL }, { "ENOENT", ENOENT }, { "EBUSY", EBUSY },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (!strcmp(s, names[i].name)) {
            return names[i].val;
        }
    }
    return atoi(s);
}

int main(int argc, char **argv)
{
    g_autofree char *dir = g_dir_make_tmp("viommu-faults-XXXXXX", NULL);
    g_autoptr(GArray) calls = NULL;
    g_autoptr(GArray) errnos = g_array_new(false, false, sizeof(int));
    g_autoptr(GArray) points = g_array_new(false, false, sizeof(gulong));
    g_autoptr(GHashTable) dry = NULL;
    GString *table = g_string_new(NULL);
    const char *table_path = NULL;
    bool dry_run = false, sites = true, every_site = false, explicit;
    guint total = 0, pass = 0, nsites = 0, nviommu = 0;
    gint64 t0 = g_get_monotonic_time();

    hedu_init();
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dry-run")) {
            dry_run = true;
        } else if (!strcmp(argv[i], "--all")) {
            sites = false;
        } else if (!strcmp(argv[i], "--sites")) {
            every_site = true;
        } else if (g_str_has_prefix(argv[i], "--errno=")) {
            g_auto(GStrv) v = g_strsplit(argv[i] + 8, ",", -1);

            for (int j = 0; v[j]; j++) {
                int e = parse_errno(v[j]);

                g_array_append_val(errnos, e);
            }
        } else if (g_str_has_prefix(argv[i], "--points=")) {
            g_auto(GStrv) v = g_strsplit(argv[i] + 9, ",", -1);

            for (int j = 0; v[j]; j++) {
                gulong n = strtoul(v[j], NULL, 0);

                g_array_append_val(points, n);
            }
        } else if (g_str_has_prefix(argv[i], "--table=")) {
            table_path = argv[i] + 8;
        } else {
            fprintf(stderr, "test-viommu-faults: unknown argument %s\n",
                    argv[i]);
            return 2;
        }
    }
    patched = qedu_binary("patched");
    if (!CHECK(patched && g_getenv("VFIO_FAULT_IOCTL"),
               "the patched binary and the fault shim ($VFIO_FAULT_IOCTL)") ||
        hedu_find(bdfs, VIOMMU_SCENARIO_NDEV) < VIOMMU_SCENARIO_NDEV) {
        return tap_done();
    }
    log_path = g_build_filename(dir, "calls.log", NULL);
    explicit = points->len > 0;

    dry = run(0, 0);
    calls = read_calls();
    CHECK(all_ok(dry) && !strcmp(get(dry, "step"), "-"),
          "dry run without a fault: %u VFIO/iommufd calls; a %s, b %s, c %s, "
          "d %s, failed step %s (%s)", calls->len, get(dry, "a"),
          get(dry, "b"), get(dry, "c"), get(dry, "d"), get(dry, "step"),
          get(dry, "error"));
    find_sites(calls);
    for (guint i = 0; i < calls->len; i++) {
        Call *c = &g_array_index(calls, Call, i);

        nsites += c->first;
        nviommu += c->first && viommu_site(c);
        if (!explicit && (!sites || (c->first && (every_site ||
                                                  viommu_site(c))))) {
            g_array_append_val(points, c->n);
        }
    }
    tap_note("%u calls, %u call sites, %u of them on the vIOMMU path (*)",
             calls->len, nsites, nviommu);
    for (guint i = 0; i < calls->len; i++) {
        Call *c = &g_array_index(calls, Call, i);

        if (dry_run || (c->first && viommu_site(c))) {
            tap_note("call %lu: %s in %s: rc %d%s%s%s", c->n, c->request,
                     c->step, c->rc, c->rc < 0 ? " errno " : "",
                     c->rc < 0 ? strerrorname_np(c->err) : "",
                     c->first && viommu_site(c) ? " (*)" : "");
        }
    }
    if (dry_run) {
        return tap_done();
    }
    g_string_append(table, "| N | ioctl | in step | vIOMMU path | errno | "
                    "failed step | error | a | b | c | d |\n"
                    "|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (guint k = 0; k < points->len; k++) {
        gulong n = g_array_index(points, gulong, k);
        const Call *c = NULL;
        int plan[4], nplan = 0;

        for (guint i = 0; i < calls->len; i++) {
            if (g_array_index(calls, Call, i).n == n) {
                c = &g_array_index(calls, Call, i);
            }
        }
        if (!c) {
            continue;
        }
        if (errnos->len) {
            for (guint e = 0; e < errnos->len && nplan < 4; e++) {
                plan[nplan++] = g_array_index(errnos, int, e);
            }
        } else if (!every_site && sites) {
            /* the suite's run: each site once, as the kernel would fail */
            plan[nplan++] = map_class(c->request) ? ENOMEM : EIO;
        } else {
            plan[nplan++] = EIO;
            if (map_class(c->request)) {
                plan[nplan++] = ENOMEM;
            }
        }
        for (int e = 0; e < nplan; e++) {
            g_autoptr(GHashTable) res = run(n, plan[e]);
            bool ok = all_ok(res);

            total++;
            pass += ok;
            CHECK(ok, "call %lu (%s in %s%s) fails with %s: a %s; b %s; c %s; "
                  "d %s [failed step %s: %s]", n, c->request, c->step,
                  viommu_site(c) ? ", vIOMMU path" : "",
                  strerrorname_np(plan[e]), get(res, "a"), get(res, "b"),
                  get(res, "c"), get(res, "d"), get(res, "step"),
                  get(res, "error"));
            g_string_append_printf(table, "| %lu | %s | %s | %s | %s | %s | "
                                   "%s | %s | %s | %s | %s |\n", n,
                                   c->request, c->step,
                                   viommu_site(c) ? "yes" : "",
                                   strerrorname_np(plan[e]), get(res, "step"),
                                   get(res, "error"), get(res, "a"),
                                   get(res, "b"), get(res, "c"),
                                   get(res, "d"));
        }
    }
    g_string_append_printf(table, "\n%u of %u runs kept every invariant; %u "
                           "calls in the dry run, %u call sites (%u on the "
                           "vIOMMU path); %.0f s.\n", pass, total, calls->len,
                           nsites, nviommu,
                           (g_get_monotonic_time() - t0) / 1e6);
    tap_note("%u of %u fault runs kept every invariant (%.0f s)", pass, total,
             (g_get_monotonic_time() - t0) / 1e6);
    if (table_path && !g_file_set_contents(table_path, table->str, -1, NULL)) {
        tap_note("cannot write %s", table_path);
    }
    g_string_free(table, true);
    return tap_done();
}
