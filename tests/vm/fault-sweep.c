/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fault-sweep: make each VFIO/iommufd ioctl of the patched QEMU fail in
 * turn (fault-ioctl.so) during one scenario, and check after every run
 * that nothing leaked, aborted or lied.
 *
 * The scenario, on three PCIe root ports of q35 under qtest:
 *   add-e0      edu 0 on -object iommufd if0 (the shared IOAS)
 *   add-e1      edu 1 on if0 with x-separate-ioas=on (filled by COPY)
 *   add-e2      edu 2 on the legacy type1 container
 *   dma         each device DMAs RAM -> edu -> RAM
 *   dimm-plug   a 16 MiB DIMM; each device DMAs into it
 *   readd-e0    e0 unplugged and added again; DMA
 *   dimm-unplug the DIMM removed
 *   teardown    every device unplugged, if0 deleted
 * A step that fails is recorded (its error text) and the scenario goes
 * on.  The invariants, one TAP check each per run:
 *   (a) QEMU did not die and still answers QMP;
 *   (b) with the DIMM plugged, every device's DMA lands in RAM and in the
 *       DIMM exactly when its container's x-query-vfio mappings cover the
 *       address (blocked otherwise);
 *   (c) after teardown: VmPin 0, VmLck 0, QEMU's fd count back to its
 *       value before any device, x-query-vfio lists no container, each
 *       edu can be bound to a new iommufd by this program, and QEMU asked
 *       the kernel to destroy every IOAS and HWPT it allocated;
 *   (d) quit exits 0.
 *
 * Usage: fault-sweep [--dry-run] [--sites | --all] [--errno=E]
 *                    [--kernel[=K]] [--points=N[,N...]] [--table=FILE]
 *                    [--soak=CYCLES]
 *   (none)      the named sample (sample[] below; what the vm suite runs):
 *               each distinct request failed once with EIO at a chosen
 *               site, and a few sites with ENOMEM, EFAULT, EBUSY and in
 *               the kernel mode
 *   --dry-run   one run without a fault: prints every call (N, request,
 *               step, result) and the number T of calls
 *   --sites     the first call of each (request, step) pair, every
 *               distinct call site once, with every row of the plan
 *   --all       every call 1..T, with every row of the plan (make sweep)
 *   --points    the calls to fail, with every row of the plan
 *   --errno     the plan's row for E only (a name or a number; an errno
 *               not in the plan: every call with E); the plan: EIO for
 *               every call, ENOMEM and EFAULT for the map, copy and
 *               attach calls, EBUSY for the unmaps, and the kernel mode
 *               (fail-nth 1) for every call; alone it means --sites
 *   --kernel    the kernel mode only: the kernel fails the Kth (default
 *               1) fault-injection point inside the call (fail-nth);
 *               alone it means --sites
 *   --table     also write the results as a markdown table
 *   $FAULT_SWEEP_TIMES set: each step's time on stderr
 *   --soak      instead: add the three devices, then CYCLES hot-plug
 *               cycles alternating a device's unplug and re-add with a
 *               DIMM's plug and unplug, DMA after each, then the
 *               teardown; the same invariants ($FAULT_SWEEP_LABEL picks
 *               the binary: "asan" for make soak)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "edu.h"
#include "harness.h"
#include "qemu-edu.h"

#define LEN 2000
#define DIMM_MB 16
#define NDEV 3
#define PORT_SLOT(i) (0x10 + (i))
#define PORT_BUS(i) (1 + (i))
#define PORT_WINDOW(i) (QEDU_BAR_BASE + ((uint64_t)(i) << 20))

static char bdfs[HEDU_MAX][32];
static const char *patched;
static char *log_path;

/* A call of the log (qedu_log_calls()): its mark is the step's name */
typedef QeduCall Call;

/* ---- one run (in a child process: a dying QEMU takes only it down) ---- */

typedef struct Run {
    VhtProc *p;
    FILE *out;              /* the parent reads "key value" lines */
    const char *step;
    char first_error[256];
    char failed_step[16];
    bool present[NDEV];
    uint64_t bar[NDEV];
} Run;

static void record(Run *r, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* A runtime error QEMU reported during the step (x-query-vfio) */
static void note_runtime_errors(Run *r)
{
    g_autoptr(JsonNode) q = NULL;
    JsonArray *spaces;

    if (!r->p || r->failed_step[0]) {
        return;
    }
    q = qedu_query(r->p);
    spaces = q ? json_node_get_array(q) : NULL;
    for (guint i = 0; spaces && i < json_array_get_length(spaces); i++) {
        JsonArray *cs = json_object_get_array_member(
            json_array_get_object_element(spaces, i), "containers");

        for (guint j = 0; cs && j < json_array_get_length(cs); j++) {
            JsonObject *c = json_array_get_object_element(cs, j);
            const char *e = json_object_get_string_member_with_default(
                c, "first-map-error", NULL);

            if (e) {
                record(r, "runtime: %s", e);
                return;
            }
        }
    }
}

static void step(Run *r, const char *name)
{
    static gint64 t0;
    gint64 now = g_get_monotonic_time();

    if (g_getenv("FAULT_SWEEP_TIMES")) {
        fprintf(stderr, "# step %s after %.2f s\n", name,
                t0 ? (now - t0) / 1e6 : 0.0);
    }
    t0 = now;
    note_runtime_errors(r);
    r->step = name;
    qedu_log_mark(log_path, name);
}

static void record(Run *r, const char *fmt, ...)
{
    va_list ap;

    if (r->failed_step[0]) {
        return;
    }
    g_strlcpy(r->failed_step, r->step, sizeof(r->failed_step));
    va_start(ap, fmt);
    vsnprintf(r->first_error, sizeof(r->first_error), fmt, ap);
    va_end(ap);
    for (char *c = r->first_error; *c; c++) {
        if (*c == '\n' || *c == '|') {
            *c = ' ';
        }
    }
}

static bool qmp_step(Run *r, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static bool qmp_step(Run *r, const char *fmt, ...)
{
    g_autofree char *cmd = NULL, *err = NULL;
    va_list ap;

    va_start(ap, fmt);
    cmd = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (!hedu_qmp_try(r->p, &err, "%s", cmd)) {
        record(r, "%s", err ? err : "QMP error");
        return false;
    }
    return true;
}

static const char *const dev_extra[NDEV] = {
    "'iommufd': 'if0'",
    "'iommufd': 'if0', 'x-separate-ioas': true",
    NULL,
};

static void add_device(Run *r, int i)
{
    g_autofree char *extra = dev_extra[i] ?
        g_strdup_printf(", %s", dev_extra[i]) : g_strdup("");

    r->present[i] = qmp_step(r, "{'execute': 'device_add', 'arguments': "
                             "{'driver': 'vfio-pci', 'host': '%s', "
                             "'id': 'e%d', 'bus': 'rp%d'%s}}", bdfs[i], i, i,
                             extra);
    r->bar[i] = r->present[i] ? qedu_enable(r->p, PORT_BUS(i), 0,
                                            PORT_WINDOW(i)) : 0;
}

static void remove_device(Run *r, int i)
{
    g_autofree char *id = g_strdup_printf("e%d", i);
    g_autofree char *port = g_strdup_printf("rp%d", i);

    if (r->present[i] && !qedu_unplug_pci(r->p, id, port)) {
        record(r, "unplug of %s did not complete", id);
    }
    r->present[i] = false;
}

/*
 * Invariant (b); @landed (if not NULL) counts the devices whose DMA into
 * the DIMM landed.  Return: a description of the first mismatch, or NULL
 */
static char *check_listed_is_dmaable(Run *r, uint64_t dimm, int fd,
                                     guint *landed)
{
    g_autoptr(JsonNode) q = qedu_query(r->p);

    for (int i = 0; i < NDEV; i++) {
        g_autofree char *id = g_strdup_printf("e%d", i);
        JsonObject *c = qedu_container_of(q, id);
        bool ram, in_dimm;
        HeduResult got;

        if (!r->present[i] || !c) {
            continue;
        }
        ram = hedu_round_trip(r->p, r->bar[i], QEDU_SRC_GPA, QEDU_DST_GPA,
                              LEN, 70 + i);
        if (ram != qedu_covers(c, QEDU_DST_GPA, LEN)) {
            return g_strdup_printf("e%d: RAM DMA %s, x-query-vfio %s it", i,
                                   ram ? "lands" : "blocked",
                                   ram ? "does not list" : "lists");
        }
        if (!dimm) {
            continue;
        }
        got = qedu_file_copy(r->p, r->bar[i], dimm + ((uint64_t)i << 20), fd,
                             (off_t)i << 20, LEN, 80 + i);
        in_dimm = qedu_covers(c, dimm + ((uint64_t)i << 20), LEN);
        if (landed) {
            *landed += got == HEDU_LANDED;
        }
        if ((got == HEDU_LANDED) != in_dimm ||
            (got != HEDU_LANDED && got != HEDU_BLOCKED)) {
            return g_strdup_printf("e%d: DIMM DMA %s, x-query-vfio %s it", i,
                                   hedu_result_name(got),
                                   in_dimm ? "lists" : "does not list");
        }
    }
    return NULL;
}

static char *check_clean(Run *r, guint fds0)
{
    g_autoptr(JsonNode) q = NULL;
    JsonArray *spaces;
    pid_t pid = vht_pid(r->p);
    guint fds = qedu_wait_vfio_fds(pid, 0);
    g_autoptr(GArray) all = NULL, calls = NULL;
    guint containers = 0, made, destroyed;
    long pin, lck;

    /* fds close when the objects are finalized, a little after the eject */
    for (int i = 0; i < 50; i++) {
        if (all) {
            g_array_unref(all);
        }
        all = hedu_fds_to(pid, NULL);
        if (all->len == fds0) {
            break;
        }
        g_usleep(100000);
    }
    /* read once the devices' fds (and so their pins) are gone */
    q = qedu_query(r->p);
    spaces = q ? json_node_get_array(q) : NULL;
    pin = qedu_vmpin(r->p);
    lck = qedu_status_kb(pid, "VmLck");
    for (guint i = 0; spaces && i < json_array_get_length(spaces); i++) {
        containers += json_array_get_length(json_object_get_array_member(
            json_array_get_object_element(spaces, i), "containers"));
    }
    if (pin || lck) {
        g_autofree char *text = hedu_fd_text(pid);

        return g_strdup_printf("VmPin %ld kB, VmLck %ld kB; fds: %s", pin,
                               lck, text);
    }
    if (fds || all->len != fds0) {
        g_autofree char *text = hedu_fd_text(pid);

        return g_strdup_printf("%u fds (%u before the devices): %s",
                               all->len, fds0, text);
    }
    if (!q || containers) {
        return g_strdup_printf("x-query-vfio: %u container(s) left",
                               containers);
    }
    /* the objects QEMU made on if0: it must have destroyed each */
    calls = qedu_log_calls(log_path);
    made = qedu_log_count(calls, "IOMMU_IOAS_ALLOC", NULL, true) +
           qedu_log_count(calls, "IOMMU_HWPT_ALLOC", NULL, true);
    destroyed = qedu_log_count(calls, "IOMMU_DESTROY", NULL, false);
    if (made != destroyed) {
        return g_strdup_printf("iommufd objects: %u allocated (IOAS, HWPT), "
                               "%u IOMMU_DESTROY calls", made, destroyed);
    }
    for (int i = 0; i < NDEV; i++) {
        if (!hedu_bindable(bdfs[i])) {
            return g_strdup_printf("%s cannot be bound to a new iommufd: %s",
                                   bdfs[i], g_strerror(errno));
        }
    }
    return NULL;
}

static void emit(Run *r, const char *key, const char *val)
{
    fprintf(r->out, "%s %s\n", key, val ? val : "");
    fflush(r->out);
}

/* q35 with the three root ports; Return: QEMU's fd count before devices */
static guint start_qemu(Run *r)
{
    GString *args = g_string_new("-object iommufd,id=if0");
    g_autoptr(GArray) fds = NULL;

    for (int i = 0; i < NDEV; i++) {
        g_string_append_printf(args, " -device pcie-root-port,id=rp%d,"
                               "chassis=%d,addr=0x%x", i, i + 1,
                               PORT_SLOT(i));
    }
    step(r, "start");
    r->p = qedu_start(patched, args->str, NULL, false);
    g_string_free(args, true);
    for (int i = 0; i < NDEV; i++) {
        qedu_root_port(r->p, PORT_SLOT(i), PORT_BUS(i), PORT_WINDOW(i));
    }
    fds = hedu_fds_to(vht_pid(r->p), NULL);
    return fds->len;
}

/* Every device unplugged, if0 deleted; invariants (a), (c) and (d) */
static void finish(Run *r, guint fds0)
{
    g_autofree char *c = NULL;

    step(r, "teardown");
    for (int i = 0; i < NDEV; i++) {
        remove_device(r, i);
    }
    /* the devices let go of if0 when they are finalized, a little later */
    qedu_wait_vfio_fds(vht_pid(r->p), 0);
    for (int i = 0; i < 50; i++) {
        g_autoptr(JsonNode) res = hedu_qmp(r->p, NULL, "{'execute': "
            "'object-del', 'arguments': {'id': 'if0'}}");

        if (res) {
            break;
        }
        if (i == 49) {
            qmp_step(r, "{'execute': 'object-del', 'arguments': "
                     "{'id': 'if0'}}");
        }
        g_usleep(100000);
    }
    emit(r, "a", qmp_step(r, "{'execute': 'query-status'}") ? "ok"
                                                           : "no answer");
    c = check_clean(r, fds0);
    emit(r, "c", c ? c : "ok");
    emit(r, "step", r->failed_step[0] ? r->failed_step : "-");
    emit(r, "error", r->first_error[0] ? r->first_error : "-");
    step(r, "quit");
    vht_end(r->p);                  /* g_error()s unless exit status 0 */
    emit(r, "d", "ok");
}

static void scenario(Run *r)
{
    g_autofree char *dimm_path = g_strdup_printf("/tmp/fault-sweep-dimm-%d",
                                                 getpid());
    g_autofree char *b = NULL;
    uint64_t dimm = 0;
    int slot = -1, fd;
    guint fds0 = start_qemu(r);

    step(r, "add-e0");
    add_device(r, 0);
    step(r, "add-e1");
    add_device(r, 1);
    step(r, "add-e2");
    add_device(r, 2);
    step(r, "dma");
    for (int i = 0; i < NDEV; i++) {
        if (r->present[i] && !hedu_round_trip(r->p, r->bar[i], QEDU_SRC_GPA,
                                              QEDU_DST_GPA, LEN, 10 + i)) {
            record(r, "e%d DMA into RAM did not land", i);
        }
    }
    step(r, "dimm-plug");
    fd = qedu_dimm_file(dimm_path, DIMM_MB);
    dimm = fd >= 0 ? qedu_plug_dimm(r->p, "dimm0", dimm_path, DIMM_MB,
                                    &slot) : 0;
    if (!dimm) {
        record(r, "DIMM hot-add failed");
    }
    b = check_listed_is_dmaable(r, dimm, fd, NULL);
    emit(r, "b", b ? b : "ok");
    step(r, "readd-e0");
    if (r->present[0]) {
        remove_device(r, 0);
        /* its fd closes when it is finalized; until then no re-bind */
        qedu_wait_vfio_fds(vht_pid(r->p), r->present[1]);
        add_device(r, 0);
    }
    if (r->present[0] && !hedu_round_trip(r->p, r->bar[0], QEDU_SRC_GPA,
                                          QEDU_DST_GPA, LEN, 20)) {
        record(r, "e0 DMA after re-adding did not land");
    }
    step(r, "dimm-unplug");
    if (dimm && !qedu_unplug_dimm(r->p, "dimm0", slot, "mem-dimm0")) {
        record(r, "DIMM unplug failed");
    }
    /* a mapping the kernel kept must still be listed, and only such */
    g_free(b);
    b = check_listed_is_dmaable(r, dimm, fd, NULL);
    emit(r, "b2", b ? b : "ok");
    qedu_dimm_file_drop(fd, dimm_path);
    finish(r, fds0);
}

static unsigned soak_cycles;

/* QEMU's fds to VFIO nodes and devices (cdevs, groups, containers) */
static guint vfio_fds(Run *r)
{
    g_autoptr(GArray) fds = hedu_fds_to(vht_pid(r->p), "vfio");

    return fds->len;
}

/*
 * The soak: the three devices are added once; then cycles alternate
 * between unplugging and re-adding one device (each in turn, DMA through
 * it afterwards) and plugging a DIMM (every device DMAs into it,
 * invariant b) and unplugging it.  A cycle that fails stops the soak.
 */
static void soak(Run *r)
{
    g_autofree char *dimm_path = g_strdup_printf("/tmp/fault-sweep-dimm-%d",
                                                 getpid());
    guint fds0 = start_qemu(r);
    g_autofree char *b_first = NULL;
    char num[32];
    gint64 t0;
    unsigned i;

    for (int d = 0; d < NDEV; d++) {
        step(r, "add");
        add_device(r, d);
    }
    t0 = g_get_monotonic_time();
    for (i = 0; i < soak_cycles && !r->failed_step[0]; i++) {
        if (i % 2 == 0) {
            int d = (i / 2) % NDEV;
            guint before = vfio_fds(r);

            step(r, "soak-device");
            remove_device(r, d);
            /* its fds close when it is finalized: wait for that */
            for (int k = 0; k < 100 && vfio_fds(r) >= before; k++) {
                g_usleep(50000);
            }
            add_device(r, d);
            if (r->present[d] &&
                !hedu_round_trip(r->p, r->bar[d], QEDU_SRC_GPA, QEDU_DST_GPA,
                                 LEN, 30 + d)) {
                record(r, "cycle %u: e%d DMA after re-adding did not land",
                       i, d);
            }
        } else {
            g_autofree char *b = NULL;
            int slot = -1, fd;
            uint64_t dimm;
            guint landed = 0;

            step(r, "soak-dimm");
            fd = qedu_dimm_file(dimm_path, DIMM_MB);
            dimm = fd >= 0 ? qedu_plug_dimm(r->p, "dimm0", dimm_path, DIMM_MB,
                                            &slot) : 0;
            if (!dimm) {
                record(r, "cycle %u: DIMM hot-add failed", i);
            }
            b = check_listed_is_dmaable(r, dimm, fd, &landed);
            if (b && !b_first) {
                b_first = g_strdup_printf("cycle %u: %s", i, b);
            }
            if (b || landed != NDEV) {
                record(r, "cycle %u: DMA into the DIMM landed for %u of %d "
                       "devices%s%s", i, landed, NDEV, b ? ": " : "",
                       b ? b : "");
            }
            if (dimm && !qedu_unplug_dimm(r->p, "dimm0", slot, "mem-dimm0")) {
                record(r, "cycle %u: DIMM unplug failed", i);
            }
            qedu_dimm_file_drop(fd, dimm_path);
        }
        if ((i + 1) % 100 == 0) {
            g_autoptr(GArray) fds = hedu_fds_to(vht_pid(r->p), NULL);

            tap_note("soak: %u cycles, %.0f s, VmPin %ld kB, %u fds", i + 1,
                     (g_get_monotonic_time() - t0) / 1e6, qedu_vmpin(r->p),
                     fds->len);
        }
    }
    step(r, "soak-end");
    /* a failed cycle does not count */
    snprintf(num, sizeof(num), "%u", i - !!r->failed_step[0]);
    emit(r, "cycles", num);
    snprintf(num, sizeof(num), "%.0f", (g_get_monotonic_time() - t0) / 1e6);
    emit(r, "seconds", num);
    emit(r, "b", b_first ? b_first : "ok");
    finish(r, fds0);
}

/*
 * Fork a child that runs @body with fault @n (0: none): the call fails
 * with @err, or with @kernel the kernel fails its @kernel-th fault
 * injection point inside the call.
 */
static GHashTable *run_child(void (*body)(Run *), unsigned long n, int err,
                             unsigned kernel)
{
    GHashTable *res = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                            g_free);
    int pipefd[2];
    pid_t pid;

    if (pipe(pipefd) < 0) {
        return res;
    }
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        Run r = { .out = fdopen(pipefd[1], "w") };
        g_autofree char *nth = g_strdup_printf("%lu", n);
        g_autofree char *e = g_strdup_printf("%d", err);
        g_autofree char *k = g_strdup_printf("%u", kernel);

        close(pipefd[0]);
        /* the harness's TAP lines of the helpers go to stderr here */
        dup2(STDERR_FILENO, STDOUT_FILENO);
        g_setenv("LD_PRELOAD", g_getenv("VFIO_FAULT_IOCTL"), true);
        g_setenv("FAULT_IOCTL_NTH", nth, true);
        g_setenv("FAULT_IOCTL_ERRNO", e, true);
        g_setenv("FAULT_IOCTL_KERNEL", k, true);
        g_setenv("FAULT_IOCTL_LOG", log_path, true);
        g_unsetenv("FAULT_IOCTL_REQUEST");
        if (body == soak) {
            /* nothing to inject; an ASan build refuses a preloaded lib */
            g_unsetenv("LD_PRELOAD");
            g_unsetenv("FAULT_IOCTL_LOG");
        }
        body(&r);
        fclose(r.out);
        _exit(0);
    }
    close(pipefd[1]);
    hedu_read_child(pid, pipefd[0], res);
    return res;
}

/* The calls the log of a run recorded, each with its step */
static GArray *read_calls(void)
{
    return qedu_log_calls(log_path);
}

static const struct {
    const char *name;
    int val;
} errno_names[] = {
    { "EIO", EIO }, { "ENOMEM", ENOMEM }, { "EFAULT", EFAULT },
    { "EINVAL", EINVAL }, { "EBUSY", EBUSY }, { "ENOSPC", ENOSPC },
    { "ENOENT", ENOENT }, { "EADDRINUSE", EADDRINUSE },
};

static int parse_errno(const char *s)
{
    for (size_t i = 0; i < G_N_ELEMENTS(errno_names); i++) {
        if (!strcmp(s, errno_names[i].name)) {
            return errno_names[i].val;
        }
    }
    return atoi(s);
}

static const char *errno_name(int err)
{
    const char *name = strerrorname_np(err);

    return name ? name : "errno";
}

static const char *get(GHashTable *h, const char *key)
{
    const char *v = g_hash_table_lookup(h, key);

    return v ? v : g_hash_table_lookup(h, "child") ? "(stopped)" : "(none)";
}

/* (b): with the DIMM plugged, then after it was unplugged */
static const char *get_b(GHashTable *h)
{
    return strcmp(get(h, "b"), "ok") ? get(h, "b") : get(h, "b2");
}

static bool all_ok(GHashTable *h)
{
    return !strcmp(get(h, "a"), "ok") && !strcmp(get_b(h), "ok") &&
           !strcmp(get(h, "c"), "ok") && !strcmp(get(h, "d"), "ok");
}

/*
 * How each call fails: EIO everywhere; the errors the kernel really gives
 * map, copy and attach calls (ENOMEM: over the memlock limit; EFAULT: a
 * bad user address); for unmaps EBUSY (iommufd's answer to an unmap that
 * races a map of the area); and, in the kernel mode, whatever the kernel
 * makes of its first allocation inside the call failing (fail-nth).
 *
 * Not ENOENT for the unmaps: iommufd's backend takes ENOENT from
 * IOMMU_IOAS_UNMAP for "nothing mapped there", a success (upstream, for
 * the vIOMMU's redundant unmaps), and a real kernel answers ENOENT only
 * then, or for a range that cuts a mapping, which QEMU never asks for:
 * it unmaps whole recorded mappings.  ENOENT injected over a real
 * mapping would make x-query-vfio drop a range the device still reaches
 * because the shim lies, not QEMU (docs/fault-sweep.md).  For the same
 * reason the kernel mode leaves IOMMU_IOAS_UNMAP out: the first fault
 * point it reaches is the rig kernel's fail_iommufd (CONFIG_IOMMUFD_TEST)
 * in the IOAS lookup, which answers ENOENT as if the IOAS did not exist.
 */
typedef struct Plan {
    const char *requests;   /* NULL: every request */
    int err;                /* the errno the shim answers, or 0: */
    unsigned kernel;        /* the kernel fails its Kth injection point */
    const char *defect;     /* a defect class this row would show */
    const char *except;     /* requests left out */
} Plan;

#define MAPS "IOMMU_IOAS_MAP IOMMU_IOAS_MAP_FILE IOMMU_IOAS_COPY " \
             "VFIO_IOMMU_MAP_DMA VFIO_DEVICE_ATTACH_IOMMUFD_PT"
#define UNMAPS "IOMMU_IOAS_UNMAP VFIO_IOMMU_UNMAP_DMA"
static const Plan plan[] = {
    { NULL, EIO, 0, NULL },
    { MAPS, ENOMEM, 0, NULL },
    { MAPS, EFAULT, 0, NULL },
    { UNMAPS, EBUSY, 0, "an unmap refused: the record must stay, stale" },
    { NULL, 0, 1, NULL, "IOMMU_IOAS_UNMAP" },
};

/*
 * The named sample the vm suite runs (30 runs; --sites makes 184 of the
 * scenario as it is, --all 482): EIO for each request
 * that maps, copies, unmaps, allocates, binds, attaches, detaches or
 * destroys, at the site where it matters most (where it comes at run
 * time and at realize, both), and for two of the queries a device's
 * realize makes (one iommufd, one type1 device: the cleanup after a
 * failed realize); the other rows of the plan at the sites they are for.
 * A site the dry run does not reach fails a check: the scenario changed,
 * and so must this list.
 *
 * The DIMM's backing file is mapped with IOMMU_IOAS_MAP_FILE; Linux 6.12
 * answers ENOTTY and QEMU maps it by address (IOMMU_IOAS_MAP: patch 2's
 * fallback).  Where the kernel has MAP_FILE (probed: Linux >= 6.13) the
 * fallback's sites must be absent from the dry run, and their faults go
 * to the MAP_FILE in the same step, unless a row of its own has them.
 */
typedef struct Site {
    const char *request, *step;
    int err;
    unsigned kernel;
    bool fallback;      /* only called where the kernel lacks MAP_FILE */
} Site;

static const Site sample[] = {
    { "IOMMU_IOAS_CHANGE_PROCESS", "add-e0", EIO, 0 },
    { "VFIO_DEVICE_BIND_IOMMUFD", "readd-e0", EIO, 0 },
    { "IOMMU_IOAS_ALLOC", "add-e1", EIO, 0 },
    { "IOMMU_HWPT_ALLOC", "add-e1", EIO, 0 },
    { "VFIO_DEVICE_ATTACH_IOMMUFD_PT", "readd-e0", EIO, 0 },
    { "IOMMU_IOAS_MAP", "add-e0", EIO, 0 },
    { "IOMMU_IOAS_MAP", "dimm-plug", EIO, 0, true },
    { "IOMMU_IOAS_MAP_FILE", "dimm-plug", EIO, 0 },
    { "IOMMU_IOAS_COPY", "add-e1", EIO, 0 },
    { "IOMMU_IOAS_COPY", "dimm-plug", EIO, 0 },
    { "IOMMU_IOAS_UNMAP", "dimm-unplug", EIO, 0 },
    { "IOMMU_IOAS_UNMAP", "teardown", EIO, 0 },
    { "IOMMU_DESTROY", "teardown", EIO, 0 },
    { "VFIO_DEVICE_DETACH_IOMMUFD_PT", "readd-e0", EIO, 0 },
    { "VFIO_DEVICE_GET_REGION_INFO", "add-e0", EIO, 0 },
    { "VFIO_DEVICE_SET_IRQS", "teardown", EIO, 0 },
    { "VFIO_GROUP_SET_CONTAINER", "add-e2", EIO, 0 },
    { "VFIO_SET_IOMMU", "add-e2", EIO, 0 },
    { "VFIO_GROUP_GET_DEVICE_FD", "add-e2", EIO, 0 },
    { "VFIO_IOMMU_MAP_DMA", "dimm-plug", EIO, 0 },
    { "VFIO_IOMMU_UNMAP_DMA", "dimm-unplug", EIO, 0 },
    { "VFIO_GROUP_UNSET_CONTAINER", "teardown", EIO, 0 },
    { "IOMMU_IOAS_MAP", "dimm-plug", ENOMEM, 0, true },
    { "VFIO_DEVICE_ATTACH_IOMMUFD_PT", "add-e1", ENOMEM, 0 },
    { "IOMMU_IOAS_COPY", "dimm-plug", EFAULT, 0 },
    { "VFIO_IOMMU_UNMAP_DMA", "readd-e0", EBUSY, 0 },
    { "IOMMU_IOAS_MAP", "dimm-plug", 0, 1, true },
    { "IOMMU_IOAS_COPY", "add-e1", 0, 1 },
    { "VFIO_DEVICE_ATTACH_IOMMUFD_PT", "readd-e0", 0, 1 },
    { "VFIO_IOMMU_MAP_DMA", "add-e2", 0, 1 },
};

/* Whether sample[] has a row of @request in @step with @err and @kernel */
static bool sampled(const char *request, const char *step, int err,
                    unsigned kernel)
{
    for (size_t i = 0; i < G_N_ELEMENTS(sample); i++) {
        if (!strcmp(sample[i].request, request) &&
            !strcmp(sample[i].step, step) && sample[i].err == err &&
            sample[i].kernel == kernel) {
            return true;
        }
    }
    return false;
}

static bool planned(const Plan *pl, const char *request)
{
    g_auto(GStrv) v = pl->requests ? g_strsplit(pl->requests, " ", -1)
                                   : NULL;

    return (!v || g_strv_contains((const char *const *)v, request)) &&
           g_strcmp0(pl->except, request);
}

static void note_defect(const Call *c, const char *defect)
{
    if (defect) {
        tap_note("  (defect class: %s)", defect);
    } else if (!strcmp(c->name, "VFIO_DEVICE_ATTACH_IOMMUFD_PT") ||
               !strcmp(c->name, "VFIO_DEVICE_BIND_IOMMUFD")) {
        tap_note("  (defect class: a device fd not released after a "
                 "failed attach)");
    } else if (!strcmp(c->mark, "teardown") || !strcmp(c->mark, "readd-e0")) {
        tap_note("  (defect class: a device fd not released on unplug)");
    }
}

/*
 * The kernel mode's fault-injection setup (debugfs): fail-nth counts the
 * failslab and fail_page_alloc points, but by default both ignore
 * allocations that may sleep (most of them) and fail_page_alloc ignores
 * order-0 and highmem pages.  Return: an error text, or NULL.
 */
static char *setup_kernel_faults(void)
{
    static const char *const knobs[][2] = {
        { "failslab/ignore-gfp-wait", "N" },
        { "failslab/verbose", "0" },
        { "fail_page_alloc/ignore-gfp-wait", "N" },
        { "fail_page_alloc/ignore-gfp-highmem", "N" },
        { "fail_page_alloc/min-order", "0" },
        { "fail_page_alloc/verbose", "0" },
    };
    const char *dbg = "/sys/kernel/debug";

    if (!g_file_test("/sys/kernel/debug/failslab", G_FILE_TEST_IS_DIR) &&
        mount("debugfs", dbg, "debugfs", 0, NULL)) {
        return g_strdup_printf("mount debugfs on %s: %s", dbg,
                               g_strerror(errno));
    }
    for (size_t i = 0; i < G_N_ELEMENTS(knobs); i++) {
        g_autofree char *path = g_build_filename(dbg, knobs[i][0], NULL);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        bool ok = fd >= 0 && write(fd, knobs[i][1], strlen(knobs[i][1])) ==
                             (ssize_t)strlen(knobs[i][1]);

        if (fd >= 0) {
            close(fd);
        }
        if (!ok) {
            return g_strdup_printf("%s: %s", path, g_strerror(errno));
        }
    }
    if (access("/proc/thread-self/fail-nth", W_OK)) {
        return g_strdup_printf("/proc/thread-self/fail-nth: %s",
                               g_strerror(errno));
    }
    return NULL;
}

/* The errno column: the injected errno, or what the kernel made of it */
static char *outcome(const Plan *pl, unsigned long n)
{
    g_autoptr(GArray) calls = NULL;

    if (!pl->kernel) {
        return g_strdup(errno_name(pl->err));
    }
    calls = read_calls();
    for (guint i = 0; i < calls->len; i++) {
        Call *c = &g_array_index(calls, Call, i);

        if (c->n != n) {
            continue;
        }
        if (!c->fault) {
            return g_strdup_printf("fail-nth %u: not reached", pl->kernel);
        }
        return c->rc < 0 ? g_strdup_printf("fail-nth %u: %s", pl->kernel,
                                           errno_name(c->err))
                         : g_strdup_printf("fail-nth %u: call succeeded",
                                           pl->kernel);
    }
    return g_strdup_printf("fail-nth %u: call not made", pl->kernel);
}

static int run_soak(unsigned cycles)
{
    g_autoptr(GHashTable) res = NULL;
    char want[32];

    soak_cycles = cycles;
    res = run_child(soak, 0, 0, 0);
    snprintf(want, sizeof(want), "%u", cycles);
    CHECK(!strcmp(get(res, "step"), "-") && !strcmp(get(res, "cycles"), want),
          "soak: %s of %u hot-plug cycles in %s s (%s) [failed step %s: %s]",
          get(res, "cycles"), cycles, get(res, "seconds"), patched,
          get(res, "step"), get(res, "error"));
    CHECK(!strcmp(get(res, "a"), "ok"), "soak (a): QEMU answers QMP: %s",
          get(res, "a"));
    CHECK(!strcmp(get(res, "b"), "ok"), "soak (b): DMA lands exactly where "
          "x-query-vfio lists a mapping: %s", get(res, "b"));
    CHECK(!strcmp(get(res, "c"), "ok"), "soak (c): nothing left after the "
          "teardown: %s", get(res, "c"));
    CHECK(!strcmp(get(res, "d"), "ok"), "soak (d): quit exits 0: %s",
          get(res, "d"));
    return tap_done();
}

/* One fault run: call @n of the dry run's @calls fails as @pl says */
typedef struct Tally {
    guint pass, total, reached, kernel_runs;
    GString *table;
} Tally;

static void fault_run(GArray *calls, unsigned long n, const Plan *pl,
                      Tally *t)
{
    const Call *c = NULL;
    g_autoptr(GHashTable) res = NULL;
    g_autofree char *how = NULL;
    bool ok;

    for (guint i = 0; i < calls->len; i++) {
        if (g_array_index(calls, Call, i).n == n) {
            c = &g_array_index(calls, Call, i);
        }
    }
    if (!c || !planned(pl, c->name)) {
        return;
    }
    unlink(log_path);
    res = run_child(scenario, n, pl->err, pl->kernel);
    how = outcome(pl, n);
    ok = all_ok(res);
    t->total++;
    t->pass += ok;
    t->kernel_runs += !!pl->kernel;
    t->reached += pl->kernel && !strstr(how, "not ");
    CHECK(ok, "call %lu (%s in %s) fails with %s: a %s; b %s; c %s; d %s "
          "[failed step %s: %s]", n, c->name, c->mark, how, get(res, "a"),
          get_b(res), get(res, "c"), get(res, "d"), get(res, "step"),
          get(res, "error"));
    note_defect(c, pl->defect);
    g_string_append_printf(t->table, "| %lu | %s | %s | %s | %s | %s | %s | "
                           "%s | %s | %s |\n", n, c->name, c->mark, how,
                           get(res, "step"), get(res, "error"),
                           get(res, "a"), get_b(res), get(res, "c"),
                           get(res, "d"));
}

/* The first call of the dry run at @request in @step, or 0 */
static unsigned long site_call(GArray *calls, const char *request,
                               const char *step)
{
    for (guint i = 0; i < calls->len; i++) {
        Call *c = &g_array_index(calls, Call, i);

        if (!strcmp(c->name, request) && !strcmp(c->mark, step)) {
            return c->n;
        }
    }
    return 0;
}

/* The first call of each (request, step) pair: every distinct site */
static void add_sites(GArray *calls, GArray *points, bool sites)
{
    for (guint i = 0; i < calls->len; i++) {
        Call *c = &g_array_index(calls, Call, i);

        if (!sites || site_call(calls, c->name, c->mark) == c->n) {
            g_array_append_val(points, c->n);
        }
    }
}

int main(int argc, char **argv)
{
    g_autoptr(GArray) calls = NULL, points = g_array_new(false, false,
                                                          sizeof(gulong));
    g_autoptr(GArray) plans = g_array_new(false, false, sizeof(Plan));
    g_autoptr(GHashTable) dry = NULL;
    g_autofree char *dir = g_dir_make_tmp("fault-sweep-XXXXXX", NULL);
    Tally t = { .table = g_string_new(NULL) };
    const char *table_path = NULL, *mode = "sample";
    bool dry_run = false, kernel = false;
    int map_file = 0;
    gint64 t0 = g_get_monotonic_time();
    guint ebadf = 0;
    unsigned soak_n = 0;

    hedu_init();
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dry-run")) {
            dry_run = true;
        } else if (!strcmp(argv[i], "--all")) {
            mode = "all";
        } else if (!strcmp(argv[i], "--sites")) {
            mode = "sites";
        } else if (g_str_has_prefix(argv[i], "--errno=")) {
            Plan pl = { .err = parse_errno(argv[i] + 8) };

            for (size_t j = 0; j < G_N_ELEMENTS(plan); j++) {
                if (plan[j].err == pl.err) {
                    pl = plan[j];
                }
            }
            g_array_append_val(plans, pl);
        } else if (g_str_has_prefix(argv[i], "--kernel")) {
            Plan pl = { .kernel = argv[i][8] == '=' ?
                                  strtoul(argv[i] + 9, NULL, 0) : 1,
                        .except = plan[G_N_ELEMENTS(plan) - 1].except };

            g_array_append_val(plans, pl);
        } else if (g_str_has_prefix(argv[i], "--points=")) {
            g_auto(GStrv) v = g_strsplit(argv[i] + 9, ",", -1);

            for (int j = 0; v[j]; j++) {
                gulong n = strtoul(v[j], NULL, 0);

                g_array_append_val(points, n);
            }
            mode = "points";
        } else if (g_str_has_prefix(argv[i], "--soak=")) {
            soak_n = strtoul(argv[i] + 7, NULL, 0);
        } else if (g_str_has_prefix(argv[i], "--table=")) {
            table_path = argv[i] + 8;
        } else {
            fprintf(stderr, "fault-sweep: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    if (plans->len && !strcmp(mode, "sample")) {
        mode = "sites";
    }
    if (!plans->len) {
        g_array_append_vals(plans, plan, G_N_ELEMENTS(plan));
    }
    patched = qedu_binary(g_getenv("FAULT_SWEEP_LABEL") ?
                          g_getenv("FAULT_SWEEP_LABEL") : "patched");
    if (!CHECK(patched && g_getenv("VFIO_FAULT_IOCTL"),
               "the patched binary and the fault shim ($VFIO_FAULT_IOCTL)") ||
        hedu_find(bdfs, NDEV) < NDEV) {
        return tap_done();
    }
    if (!strcmp(mode, "sample")) {
        map_file = qedu_probe_map_file();
        if (map_file < 0) {
            tap_result(false, "IOMMU_IOAS_MAP_FILE on a scratch IOAS: mapped "
                       "or ENOTTY");
            return tap_done();
        }
        tap_note("the kernel %s IOMMU_IOAS_MAP_FILE",
                 map_file ? "has" : "lacks (ENOTTY)");
    }
    log_path = g_build_filename(dir, "calls.log", NULL);
    if (soak_n) {
        return run_soak(soak_n);
    }

    /* the dry run: every call site the scenario reaches */
    dry = run_child(scenario, 0, 0, 0);
    calls = read_calls();
    CHECK(all_ok(dry) && !strcmp(get(dry, "step"), "-"),
          "dry run without a fault: %u VFIO/iommufd calls; a %s, b %s, "
          "c %s, d %s, failed step %s (%s)", calls->len, get(dry, "a"),
          get_b(dry), get(dry, "c"), get(dry, "d"), get(dry, "step"),
          get(dry, "error"));
    for (guint i = 0; i < calls->len; i++) {
        Call *c = &g_array_index(calls, Call, i);

        if (c->rc < 0 && c->err == EBADF) {
            tap_note("call %lu (%s in %s) went to an fd that is not open",
                     c->n, c->name, c->mark);
            ebadf++;
        }
    }
    CHECK(!ebadf, "dry run: no call went to an fd that is not open (%u did)",
          ebadf);
    if (dry_run) {
        for (guint i = 0; i < calls->len; i++) {
            Call *c = &g_array_index(calls, Call, i);

            tap_note("call %lu: %s in %s: rc %d%s%s", c->n, c->name,
                     c->mark, c->rc, c->rc < 0 ? " " : "",
                     c->rc < 0 ? errno_name(c->err) : "");
        }
        return tap_done();
    }
    if (!strcmp(mode, "sample")) {
        for (size_t i = 0; i < G_N_ELEMENTS(sample); i++) {
            kernel |= sample[i].kernel;
        }
    }
    for (guint k = 0; k < plans->len && strcmp(mode, "sample"); k++) {
        kernel |= g_array_index(plans, Plan, k).kernel;
    }
    if (kernel) {
        g_autofree char *why = setup_kernel_faults();

        if (!CHECK(!why, "kernel fault injection set up (debugfs, "
                   "fail-nth)%s%s", why ? ": " : "", why ? why : "")) {
            return tap_done();
        }
    }
    g_string_append(t.table, "| N | ioctl | in step | errno | failed step | "
                    "error | a | b | c | d |\n|---|---|---|---|---|---|---|"
                    "---|---|---|\n");
    if (!strcmp(mode, "sample")) {
        for (size_t i = 0; i < G_N_ELEMENTS(sample); i++) {
            const Site *st = &sample[i];
            const char *request = st->request;
            Plan pl = { .err = st->err, .kernel = st->kernel };
            unsigned long n;

            if (st->fallback && map_file) {
                CHECK(!site_call(calls, st->request, st->step),
                      "sample site %s in %s is not in the dry run: the "
                      "kernel has IOMMU_IOAS_MAP_FILE, the by-address "
                      "fallback stays idle", st->request, st->step);
                if (sampled("IOMMU_IOAS_MAP_FILE", st->step, st->err,
                            st->kernel)) {
                    continue;
                }
                request = "IOMMU_IOAS_MAP_FILE";
            }
            n = site_call(calls, request, st->step);
            if (CHECK(n, "sample site %s in %s is in the dry run", request,
                      st->step)) {
                fault_run(calls, n, &pl, &t);
            }
        }
    } else {
        if (strcmp(mode, "points")) {
            add_sites(calls, points, !strcmp(mode, "sites"));
        }
        for (guint e = 0; e < plans->len; e++) {
            for (guint k = 0; k < points->len; k++) {
                fault_run(calls, g_array_index(points, gulong, k),
                          &g_array_index(plans, Plan, e), &t);
            }
        }
    }
    if (t.kernel_runs) {
        tap_note("kernel mode: the injected fault was reached inside %u of "
                 "%u calls", t.reached, t.kernel_runs);
        g_string_append_printf(t.table, "\nKernel mode: the injected fault "
                               "was reached inside %u of %u calls.\n",
                               t.reached, t.kernel_runs);
    }
    g_string_append_printf(t.table, "\n%s: %u of %u runs kept every "
                           "invariant; %u calls in the dry run; %.0f s.\n",
                           mode, t.pass, t.total, calls->len,
                           (g_get_monotonic_time() - t0) / 1e6);
    tap_note("%s: %u of %u fault runs kept every invariant (%.0f s)", mode,
             t.pass, t.total, (g_get_monotonic_time() - t0) / 1e6);
    if (table_path && !g_file_set_contents(table_path, t.table->str, -1,
                                           NULL)) {
        tap_note("cannot write %s", table_path);
    }
    g_string_free(t.table, true);
    return tap_done();
}
