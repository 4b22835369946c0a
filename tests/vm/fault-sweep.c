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
 *       value before any device, x-query-vfio lists no container, and each
 *       edu can be bound to a new iommufd by this program;
 *   (d) quit exits 0.
 *
 * Usage: fault-sweep [--dry-run] [--errno=E] [--points=N[,N...]]
 *                    [--all] [--table=FILE]
 *   --dry-run   one run without a fault: prints every call (N, request,
 *               step) and the number T of calls
 *   --points    the calls to fail
 *   --all       every call 1..T; the default is the first call of each
 *               (request, step) pair: every distinct call site once (what
 *               the vm suite runs)
 *   --errno     fail every chosen call with E (a name or a number); the
 *               default plan: EIO for every call, ENOMEM and EFAULT for
 *               the map, copy and attach calls, ENOENT for the unmaps
 *   --table     also write the results as a markdown table
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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

typedef struct Call {
    unsigned long n;
    char request[48];
    char step[16];
} Call;

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
                c, "first-runtime-error", NULL);

            if (e) {
                record(r, "runtime: %s", e);
                return;
            }
        }
    }
}

static void step(Run *r, const char *name)
{
    FILE *f;

    note_runtime_errors(r);
    f = fopen(log_path, "a");

    r->step = name;
    if (f) {
        fprintf(f, "# step %s\n", name);
        fclose(f);
    }
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
    g_autoptr(JsonNode) res = NULL;
    va_list ap;

    va_start(ap, fmt);
    cmd = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    res = hedu_qmp(r->p, &err, "%s", cmd);
    if (!res) {
        record(r, "%s", err ? err : "QMP error");
    }
    return res != NULL;
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

/* Does @c map [@addr, @addr + @len)? */
static bool covers(JsonObject *c, uint64_t addr, uint64_t len)
{
    JsonArray *ms = c ? json_object_get_array_member(c, "mappings") : NULL;

    for (guint i = 0; ms && i < json_array_get_length(ms); i++) {
        JsonObject *m = json_array_get_object_element(ms, i);
        uint64_t iova = json_object_get_int_member(m, "iova");
        uint64_t size = json_object_get_int_member(m, "size");

        if (addr >= iova && addr + len <= iova + size) {
            return true;
        }
    }
    return false;
}

/* Invariant (b); Return: a description of the first mismatch, or NULL */
static char *check_listed_is_dmaable(Run *r, uint64_t dimm, int fd)
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
        if (ram != covers(c, QEDU_DST_GPA, LEN)) {
            return g_strdup_printf("e%d: RAM DMA %s, x-query-vfio %s it", i,
                                   ram ? "lands" : "blocked",
                                   ram ? "does not list" : "lists");
        }
        if (!dimm) {
            continue;
        }
        got = qedu_file_copy(r->p, r->bar[i], dimm + ((uint64_t)i << 20), fd,
                             (off_t)i << 20, LEN, 80 + i);
        in_dimm = covers(c, dimm + ((uint64_t)i << 20), LEN);
        if ((got == HEDU_LANDED) != in_dimm ||
            (got != HEDU_LANDED && got != HEDU_BLOCKED)) {
            return g_strdup_printf("e%d: DIMM DMA %s, x-query-vfio %s it", i,
                                   hedu_result_name(got),
                                   in_dimm ? "lists" : "does not list");
        }
    }
    return NULL;
}

static bool bindable(const char *bdf)
{
    g_autofree char *cdev = hedu_cdev_path(bdf);
    struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
    int iommu = open("/dev/iommu", O_RDWR | O_CLOEXEC);
    int dev = cdev ? open(cdev, O_RDWR | O_CLOEXEC) : -1;
    bool ok;

    bind.iommufd = iommu;
    ok = iommu >= 0 && dev >= 0 &&
         ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) == 0;
    if (dev >= 0) {
        close(dev);
    }
    if (iommu >= 0) {
        close(iommu);
    }
    return ok;
}

static char *check_clean(Run *r, guint fds0)
{
    g_autoptr(JsonNode) q = NULL;
    JsonArray *spaces;
    pid_t pid = vht_pid(r->p);
    guint fds = qedu_wait_vfio_fds(pid, 0);
    g_autoptr(GArray) all = NULL;
    guint containers = 0;
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
    for (int i = 0; i < NDEV; i++) {
        if (!bindable(bdfs[i])) {
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

static void scenario(Run *r)
{
    g_autofree char *dimm_path = g_strdup_printf("/tmp/fault-sweep-dimm-%d",
                                                 getpid());
    g_autofree char *b = NULL, *c = NULL;
    GString *args = g_string_new("-object iommufd,id=if0");
    g_autoptr(GArray) fds = NULL;
    uint64_t dimm = 0;
    int slot = -1, fd;

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
    b = check_listed_is_dmaable(r, dimm, fd);
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
    b = check_listed_is_dmaable(r, dimm, fd);
    emit(r, "b2", b ? b : "ok");
    qedu_dimm_file_drop(fd, dimm_path);
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
    c = check_clean(r, fds->len);
    emit(r, "c", c ? c : "ok");
    emit(r, "step", r->failed_step[0] ? r->failed_step : "-");
    emit(r, "error", r->first_error[0] ? r->first_error : "-");
    step(r, "quit");
    vht_end(r->p);                  /* g_error()s unless exit status 0 */
    emit(r, "d", "ok");
}

/* Fork a child that runs the scenario with fault @n (0: none), @err. */
static GHashTable *run_child(unsigned long n, int err)
{
    GHashTable *res = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                            g_free);
    int pipefd[2];
    pid_t pid;
    FILE *in;
    char line[1024];
    int status;

    if (pipe(pipefd) < 0) {
        return res;
    }
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        Run r = { .out = fdopen(pipefd[1], "w") };
        g_autofree char *nth = g_strdup_printf("%lu", n);
        g_autofree char *e = g_strdup_printf("%d", err);

        close(pipefd[0]);
        /* the harness's TAP lines of the helpers go to stderr here */
        dup2(STDERR_FILENO, STDOUT_FILENO);
        g_setenv("LD_PRELOAD", g_getenv("VFIO_FAULT_IOCTL"), true);
        g_setenv("FAULT_IOCTL_NTH", nth, true);
        g_setenv("FAULT_IOCTL_ERRNO", e, true);
        g_setenv("FAULT_IOCTL_LOG", log_path, true);
        g_unsetenv("FAULT_IOCTL_REQUEST");
        scenario(&r);
        fclose(r.out);
        _exit(0);
    }
    close(pipefd[1]);
    in = fdopen(pipefd[0], "r");
    while (in && fgets(line, sizeof(line), in)) {
        char *sp = strchr(line, ' ');

        line[strcspn(line, "\n")] = 0;
        if (sp) {
            *sp = 0;
            g_hash_table_replace(res, g_strdup(line), g_strdup(sp + 1));
        }
    }
    if (in) {
        fclose(in);
    }
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        g_hash_table_replace(res, g_strdup("child"),
                             g_strdup_printf("the scenario stopped (status "
                                             "0x%x): QEMU died or hung", status));
    }
    return res;
}

/* The calls the log of a run recorded, with their steps. */
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
        if (sscanf(lines[i], "%lu %31s %47s", &c.n, req, name) == 3) {
            g_strlcpy(c.request, name, sizeof(c.request));
            g_strlcpy(c.step, step_name, sizeof(c.step));
            g_array_append_val(calls, c);
        }
    }
    return calls;
}

static const struct {
    const char *name;
    int val;
} errno_names[] = {
    { "EIO", EIO }, { "ENOMEM", ENOMEM }, { "EFAULT", EFAULT },
    { "EINVAL", EINVAL }, { "EBUSY", EBUSY }, { "ENOSPC", ENOSPC },
    { "ENOENT", ENOENT },
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
    for (size_t i = 0; i < G_N_ELEMENTS(errno_names); i++) {
        if (errno_names[i].val == err) {
            return errno_names[i].name;
        }
    }
    return "errno";
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
 * Which errno values a call gets: EIO everywhere; the errors the kernel
 * really gives map, copy and attach calls (ENOMEM: over the memlock
 * limit; EFAULT: a bad user address); and for unmaps ENOENT, which a
 * backend must not take for "already gone" while the kernel still maps
 * the range.
 */
static const struct {
    const char *requests;   /* NULL: every request */
    int err;
    const char *defect;     /* a defect class this row would show */
} plan[] = {
    { NULL, EIO, NULL },
    { "IOMMU_IOAS_MAP IOMMU_IOAS_COPY VFIO_IOMMU_MAP_DMA "
      "VFIO_DEVICE_ATTACH_IOMMUFD_PT", ENOMEM, NULL },
    { "IOMMU_IOAS_MAP IOMMU_IOAS_COPY VFIO_IOMMU_MAP_DMA "
      "VFIO_DEVICE_ATTACH_IOMMUFD_PT", EFAULT, NULL },
    { "IOMMU_IOAS_UNMAP VFIO_IOMMU_UNMAP_DMA", ENOENT,
      "an unmap refused with ENOENT: the record must stay" },
};

static bool planned(const char *requests, const char *request)
{
    g_auto(GStrv) v = requests ? g_strsplit(requests, " ", -1) : NULL;

    return !v || g_strv_contains((const char *const *)v, request);
}

static void note_defect(const Call *c, int err, const char *defect)
{
    if (defect) {
        tap_note("  (defect class: %s)", defect);
    } else if (!strcmp(c->request, "VFIO_DEVICE_ATTACH_IOMMUFD_PT") ||
               !strcmp(c->request, "VFIO_DEVICE_BIND_IOMMUFD")) {
        tap_note("  (defect class: a device fd not released after a "
                 "failed attach)");
    } else if (!strcmp(c->step, "teardown") || !strcmp(c->step, "readd-e0")) {
        tap_note("  (defect class: a device fd not released on unplug)");
    }
}

int main(int argc, char **argv)
{
    g_autoptr(GArray) calls = NULL, points = g_array_new(false, false,
                                                          sizeof(gulong));
    g_autoptr(GHashTable) dry = NULL;
    g_autofree char *dir = g_dir_make_tmp("fault-sweep-XXXXXX", NULL);
    GString *table = g_string_new(NULL);
    const char *table_path = NULL;
    bool dry_run = false, sites = true;
    gint64 t0 = g_get_monotonic_time();
    guint pass = 0, total = 0;
    int only_errno = 0;

    hedu_init();
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dry-run")) {
            dry_run = true;
        } else if (!strcmp(argv[i], "--all")) {
            sites = false;
        } else if (g_str_has_prefix(argv[i], "--errno=")) {
            only_errno = parse_errno(argv[i] + 8);
        } else if (g_str_has_prefix(argv[i], "--points=")) {
            g_auto(GStrv) v = g_strsplit(argv[i] + 9, ",", -1);

            for (int j = 0; v[j]; j++) {
                gulong n = strtoul(v[j], NULL, 0);

                g_array_append_val(points, n);
            }
        } else if (g_str_has_prefix(argv[i], "--table=")) {
            table_path = argv[i] + 8;
        } else {
            fprintf(stderr, "fault-sweep: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    patched = qedu_binary(g_getenv("FAULT_SWEEP_LABEL") ?
                          g_getenv("FAULT_SWEEP_LABEL") : "patched");
    if (!CHECK(patched && g_getenv("VFIO_FAULT_IOCTL"),
               "the patched binary and the fault shim ($VFIO_FAULT_IOCTL)") ||
        hedu_find(bdfs, NDEV) < NDEV) {
        return tap_done();
    }
    log_path = g_build_filename(dir, "calls.log", NULL);

    /* the dry run: every call site the scenario reaches */
    dry = run_child(0, 0);
    calls = read_calls();
    CHECK(all_ok(dry) && !strcmp(get(dry, "step"), "-"),
          "dry run without a fault: %u VFIO/iommufd calls; a %s, b %s, "
          "c %s, d %s, failed step %s (%s)", calls->len, get(dry, "a"),
          get_b(dry), get(dry, "c"), get(dry, "d"), get(dry, "step"),
          get(dry, "error"));
    if (dry_run) {
        for (guint i = 0; i < calls->len; i++) {
            Call *c = &g_array_index(calls, Call, i);

            tap_note("call %lu: %s in %s", c->n, c->request, c->step);
        }
        return tap_done();
    }
    if (!points->len) {
        for (guint i = 0; i < calls->len; i++) {
            Call *c = &g_array_index(calls, Call, i);
            bool seen = false;

            for (guint j = 0; sites && j < i; j++) {
                Call *d = &g_array_index(calls, Call, j);

                seen |= !strcmp(c->request, d->request) &&
                        !strcmp(c->step, d->step);
            }
            if (!seen) {
                g_array_append_val(points, c->n);
            }
        }
    }
    g_string_append(table, "| N | ioctl | in step | errno | failed step | "
                    "error | a | b | c | d |\n|---|---|---|---|---|---|---|"
                    "---|---|---|\n");
    for (guint e = 0; e < G_N_ELEMENTS(plan); e++) {
        int err = plan[e].err;

        if (only_errno && err != only_errno) {
            continue;
        }
        for (guint k = 0; k < points->len; k++) {
            gulong n = g_array_index(points, gulong, k);
            const Call *c = NULL;
            g_autoptr(GHashTable) res = NULL;
            bool ok;

            for (guint i = 0; i < calls->len; i++) {
                if (g_array_index(calls, Call, i).n == n) {
                    c = &g_array_index(calls, Call, i);
                }
            }
            if (!c || (!only_errno && !planned(plan[e].requests, c->request))) {
                continue;
            }
            unlink(log_path);
            res = run_child(n, err);
            ok = all_ok(res);
            total++;
            pass += ok;
            CHECK(ok, "call %lu (%s in %s) fails with %s: a %s; b %s; c %s; "
                  "d %s [failed step %s: %s]", n, c->request, c->step,
                  errno_name(err), get(res, "a"), get_b(res), get(res, "c"),
                  get(res, "d"), get(res, "step"), get(res, "error"));
            note_defect(c, err, plan[e].defect);
            g_string_append_printf(table, "| %lu | %s | %s | %s | %s | %s | "
                                   "%s | %s | %s | %s |\n", n, c->request,
                                   c->step, errno_name(err), get(res, "step"),
                                   get(res, "error"), get(res, "a"),
                                   get_b(res), get(res, "c"), get(res, "d"));
        }
    }
    g_string_append_printf(table, "\n%u of %u runs kept every invariant; "
                           "%u calls in the dry run; %.0f s.\n", pass, total,
                           calls->len, (g_get_monotonic_time() - t0) / 1e6);
    tap_note("%u of %u fault runs kept every invariant (%.0f s)", pass, total,
             (g_get_monotonic_time() - t0) / 1e6);
    if (table_path && !g_file_set_contents(table_path, table->str, -1, NULL)) {
        tap_note("cannot write %s", table_path);
    }
    g_string_free(table, true);
    return tap_done();
}
