/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qemu-edu.c: real QEMU under qtest in the rig: PCI and hotplug chores a
 * guest would do, and /proc inspection.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <linux/iommufd.h>

#include "edu.h"
#include "harness.h"
#include "qemu-edu.h"

#define PCI_VENDOR_ID 0x00
#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_BAR0 0x10
#define PCI_PRIMARY_BUS 0x18
#define PCI_SECONDARY_BUS 0x19
#define PCI_SUBORDINATE_BUS 0x1a
#define PCI_MEMORY_BASE 0x20
#define PCI_MEMORY_LIMIT 0x22

/* ICH9 ACPI PCI hotplug (hw/acpi/pcihp.c) and memory hotplug registers */
#define PCIHP_BASE 0x0cc0
#define PCIHP_EJECT (PCIHP_BASE + 0x08)
#define PCIHP_SELECT (PCIHP_BASE + 0x10)
#define MEMHP_BASE 0x0a00
#define MEMHP_SELECT (MEMHP_BASE + 0x00)
#define MEMHP_FLAGS (MEMHP_BASE + 0x14)
#define MEMHP_EJECT 0x08

#define UNPLUG_TIMEOUT_US (10 * G_USEC_PER_SEC)

#define MAX_BINARIES 16

int qedu_binaries(const char **labels, const char **paths, int max)
{
    /* parsed once: the strings handed out stay valid for the program */
    static const char *label[MAX_BINARIES], *path[MAX_BINARIES];
    static int count = -1;
    int n;

    if (count < 0) {
        const char *env = g_getenv("VFIO_QEMU_BINARIES");
        g_auto(GStrv) parts = env ? g_strsplit(env, ",", -1) : NULL;

        count = 0;
        for (int i = 0; parts && parts[i] && count < MAX_BINARIES; i++) {
            char *word = g_strdup(parts[i]), *eq = strchr(word, '=');

            if (!eq) {
                g_free(word);
                continue;
            }
            *eq = '\0';
            label[count] = word;
            path[count++] = eq + 1;
        }
    }
    for (n = 0; n < count && n < max; n++) {
        labels[n] = label[n];
        paths[n] = path[n];
    }
    return n;
}

const char *qedu_binary(const char *label)
{
    const char *labels[MAX_BINARIES], *paths[MAX_BINARIES];
    int n = qedu_binaries(labels, paths, MAX_BINARIES);

    for (int i = 0; i < n; i++) {
        if (!strcmp(labels[i], label)) {
            return paths[i];
        }
    }
    return NULL;
}

/*
 * -accel qtest runs no vCPU, so no firmware enumerates PCI or shadows the
 * BIOS behind the tests' back.  A binary without the qtest accelerator
 * (Debian's packages drop its module) gets TCG with -S (stopped: no vCPU
 * runs either), which the tests cannot tell apart; both binaries the
 * tooling builds have it.
 */
static const char *accel_for(const char *binary)
{
    static char *last_binary;
    static const char *last_accel;
    /* -accel help does not list qtest: try it, quitting at once */
    g_autofree char *cmd = g_strdup_printf(
        "echo quit | '%s' -machine none -nodefaults -display none "
        "-accel qtest -monitor stdio >/dev/null 2>&1", binary);
    const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
    int status = -1;

    if (g_strcmp0(binary, last_binary)) {
        g_free(last_binary);
        last_binary = g_strdup(binary);
        g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT,
                     NULL, NULL, NULL, NULL, &status, NULL);
        last_accel = status == 0 ? "-accel qtest" : "-accel tcg -S";
        tap_note("%s: %s", binary, last_accel);
    }
    return last_accel;
}

VhtProc *qedu_start(const char *binary, const char *extra,
                    const int *pass_fds, bool hide_dev_nodes)
{
    return qedu_start_sized(binary, QEDU_RAM_MB, 2, 1024, extra, pass_fds,
                            hide_dev_nodes);
}

/* The arguments of every scenario, plus @extra */
static char **command_line(const char *binary, unsigned ram_mb,
                           unsigned slots, unsigned maxmem_mb,
                           const char *extra)
{
    g_autofree char *line = g_strdup_printf(
        "-machine q35 %s -nodefaults -display none "
        "-m %uM,slots=%u,maxmem=%uM "
        "-L /usr/share/seabios -L /usr/share/qemu -qtest-log none %s",
        accel_for(binary), ram_mb, slots, maxmem_mb, extra ? extra : "");
    g_autoptr(GError) err = NULL;
    char **args = NULL;

    if (!g_shell_parse_argv(line, NULL, &args, &err)) {
        g_error("bad QEMU arguments '%s': %s", line, err->message);
    }
    return args;
}

/*
 * Starts @binary with @args and @opts, under the ioctl fault shim
 * ($VFIO_FAULT_IOCTL, LD_PRELOADed into QEMU only) when @o asks for faults.
 */
static VhtProc *start_shimmed(const char *binary, char **args,
                              VhtOptions *opts, const QeduStartOpts *o)
{
    const char *shim = g_getenv("VFIO_FAULT_IOCTL");
    g_autofree char *err = g_strdup_printf("%d", o->fault_errno ?: EIO);
    VhtProc *p;

    if (o->fault_requests && !(shim && g_file_test(shim, G_FILE_TEST_EXISTS))) {
        tap_note("no ioctl fault shim: $VFIO_FAULT_IOCTL is '%s'",
                 shim ? shim : "(unset)");
        return NULL;
    }
    if (o->fault_requests) {
        g_setenv("LD_PRELOAD", shim, true);
        g_setenv("FAULT_IOCTL_REQUEST", o->fault_requests, true);
        g_setenv("FAULT_IOCTL_NTH", o->fault_nth ? o->fault_nth : "0", true);
        g_setenv("FAULT_IOCTL_ERRNO", err, true);
        if (o->fault_log) {
            g_setenv("FAULT_IOCTL_LOG", o->fault_log, true);
        }
    }
    g_setenv("VHT_BINARY", binary, true);
    opts->args = (const char *const *)args;
    p = vht_start_opts(opts);
    g_unsetenv("LD_PRELOAD");
    g_unsetenv("FAULT_IOCTL_LOG");
    return p;
}

VhtProc *qedu_start_with(const char *binary, const char *extra,
                         const QeduStartOpts *o)
{
    g_auto(GStrv) args = command_line(binary, QEDU_RAM_MB, o->slots ?: 2,
                                      1024, extra);
    VhtOptions opts = { .qtest = true, .stderr_path = o->stderr_path };

    return start_shimmed(binary, args, &opts, o);
}

VhtProc *qedu_start_sized(const char *binary, unsigned ram_mb,
                          unsigned slots, unsigned maxmem_mb,
                          const char *extra, const int *pass_fds,
                          bool hide_dev_nodes)
{
    g_auto(GStrv) args = command_line(binary, ram_mb, slots, maxmem_mb,
                                      extra);
    VhtOptions opts = { .qtest = true, .pass_fds = pass_fds };

    if (hide_dev_nodes || g_getenv("QEDU_MEMLOCK_KB")) {
        /* tests/vm/qemu-wrap.sh runs $QEDU_REAL_QEMU as the env says */
        g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
        g_autofree char *dir = g_path_get_dirname(self);
        const char *src = g_getenv("VFIO_RIG_SRCDIR");
        g_autofree char *wrap = g_build_filename(src ? src : dir,
                                                 "qemu-wrap.sh", NULL);

        g_setenv("QEDU_REAL_QEMU", binary, true);
        g_setenv("QEDU_HIDE_NODES", hide_dev_nodes ? "1" : "0", true);
        g_setenv("VHT_BINARY", wrap, true);
    } else {
        g_setenv("VHT_BINARY", binary, true);
    }
    opts.args = (const char *const *)args;
    return vht_start_opts(&opts);
}

static uint32_t cfg_addr(int bus, int slot, int off)
{
    return 0x80000000u | (bus << 16) | (slot << 11) | (off & 0xfc);
}

uint32_t qedu_cfg_read(VhtProc *p, int bus, int slot, int off, int size)
{
    static const char *const op[] = { [1] = "inb", [2] = "inw", [4] = "inl" };
    g_autofree char *r = vht_qtest(p, "outl 0xcf8 0x%x",
                                   cfg_addr(bus, slot, off));
    g_autofree char *v = vht_qtest(p, "%s 0x%x", op[size],
                                   0xcfc + (off & 3));

    return strncmp(v, "OK ", 3) ? 0xffffffffu
                                : (uint32_t)strtoull(v + 3, NULL, 0);
}

void qedu_cfg_write(VhtProc *p, int bus, int slot, int off, int size,
                    uint32_t val)
{
    static const char *const op[] = { [1] = "outb", [2] = "outw",
                                      [4] = "outl" };
    g_autofree char *r = vht_qtest(p, "outl 0xcf8 0x%x",
                                   cfg_addr(bus, slot, off));
    g_autofree char *w = vht_qtest(p, "%s 0x%x 0x%x", op[size],
                                   0xcfc + (off & 3), val);
}

uint64_t qedu_enable(VhtProc *p, int bus, int slot, uint64_t bar0)
{
    uint32_t id = qedu_cfg_read(p, bus, slot, PCI_VENDOR_ID, 4);
    uint32_t cmd;

    if (id != (EDU_VENDOR | (EDU_DEVICE << 16))) {
        tap_note("PCI %02x:%02x.0 has id 0x%08x, not an edu", bus, slot, id);
        return 0;
    }
    qedu_cfg_write(p, bus, slot, PCI_BAR0, 4, (uint32_t)bar0);
    cmd = qedu_cfg_read(p, bus, slot, PCI_COMMAND, 2);
    qedu_cfg_write(p, bus, slot, PCI_COMMAND, 2,
                   cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    if (vht_readl(p, bar0 + EDU_REG_ID) != EDU_ID_VALUE) {
        tap_note("edu at %02x:%02x.0: BAR0 0x%" PRIx64 " does not read back "
                 "its id register", bus, slot, bar0);
        return 0;
    }
    return bar0;
}

void qedu_root_port(VhtProc *p, int slot, int bus, uint64_t window)
{
    uint16_t mem = (window >> 16) & 0xfff0;
    uint32_t cmd;

    qedu_cfg_write(p, 0, slot, PCI_PRIMARY_BUS, 1, 0);
    qedu_cfg_write(p, 0, slot, PCI_SECONDARY_BUS, 1, bus);
    qedu_cfg_write(p, 0, slot, PCI_SUBORDINATE_BUS, 1, bus);
    qedu_cfg_write(p, 0, slot, PCI_MEMORY_BASE, 2, mem);
    qedu_cfg_write(p, 0, slot, PCI_MEMORY_LIMIT, 2, mem);
    cmd = qedu_cfg_read(p, 0, slot, PCI_COMMAND, 2);
    qedu_cfg_write(p, 0, slot, PCI_COMMAND, 2,
                   cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

static bool qom_exists(VhtProc *p, const char *path)
{
    g_autoptr(JsonNode) r = hedu_qmp(p, NULL,
        "{'execute': 'qom-list', 'arguments': {'path': '%s'}}", path);

    return r != NULL;
}

/* Wait until device @id left the QOM tree; Return: whether it did */
static bool wait_gone(VhtProc *p, const char *id)
{
    g_autofree char *path = g_strdup_printf("/machine/peripheral/%s", id);
    gint64 deadline = g_get_monotonic_time() + UNPLUG_TIMEOUT_US;

    while (qom_exists(p, path)) {
        if (g_get_monotonic_time() > deadline) {
            tap_note("%s still exists after the eject", path);
            return false;
        }
        g_usleep(20000);
    }
    return true;
}

/* device_del @id; Return: whether QEMU accepted it (a TAP note if not) */
static bool device_del(VhtProc *p, const char *id)
{
    g_autofree char *err = NULL;
    g_autoptr(JsonNode) r = hedu_qmp(p, &err, "{'execute': 'device_del', "
                                     "'arguments': {'id': '%s'}}", id);

    if (!r) {
        tap_note("device_del %s: %s", id, err);
    }
    return r != NULL;
}

bool qedu_unplug_pci(VhtProc *p, const char *id, const char *port)
{
    g_autofree char *err = NULL;
    g_autoptr(JsonNode) bsel = NULL;

    if (!device_del(p, id)) {
        return false;
    }
    /* the root port's secondary bus carries the ACPI hotplug selector */
    bsel = hedu_qmp(p, &err, "{'execute': 'qom-get', 'arguments': "
                    "{'path': '/machine/peripheral/%s/%s', "
                    "'property': 'acpi-pcihp-bsel'}}", port, port);
    if (!bsel) {
        tap_note("no ACPI hotplug selector on %s: %s", port, err);
        return false;
    }
    g_free(vht_qtest(p, "outl 0x%x %" PRId64, PCIHP_SELECT,
                     json_node_get_int(bsel)));
    g_free(vht_qtest(p, "outl 0x%x 0x1", PCIHP_EJECT));     /* slot 0 */
    return wait_gone(p, id);
}

uint64_t qedu_dimm_addr(VhtProc *p, const char *id, int *slot)
{
    g_autoptr(JsonNode) r = hedu_qmp(p, NULL,
                                     "{'execute': 'query-memory-devices'}");
    JsonArray *devs = r && JSON_NODE_HOLDS_ARRAY(r) ? json_node_get_array(r)
                                                     : NULL;

    for (guint i = 0; devs && i < json_array_get_length(devs); i++) {
        JsonObject *d = json_object_get_object_member(
            json_array_get_object_element(devs, i), "data");

        if (d && !g_strcmp0(json_object_get_string_member_with_default(
                                d, "id", ""), id)) {
            *slot = json_object_get_int_member(d, "slot");
            return json_object_get_int_member(d, "addr");
        }
    }
    return 0;
}

uint64_t qedu_plug_dimm(VhtProc *p, const char *id, const char *path,
                        unsigned mb, int *slot)
{
    g_autofree char *err = NULL;
    g_autoptr(JsonNode) r = NULL;
    uint64_t addr;

    *slot = -1;
    if (path) {
        r = hedu_qmp(p, &err, "{'execute': 'object-add', 'arguments': "
                     "{'qom-type': 'memory-backend-file', 'id': 'mem-%s', "
                     "'mem-path': '%s', 'size': %u, 'share': true}}",
                     id, path, mb << 20);
    } else {
        r = hedu_qmp(p, &err, "{'execute': 'object-add', 'arguments': "
                     "{'qom-type': 'memory-backend-ram', 'id': 'mem-%s', "
                     "'size': %u}}", id, mb << 20);
    }
    if (!r) {
        tap_note("object-add mem-%s: %s", id, err);
        return 0;
    }
    json_node_unref(r);
    r = hedu_qmp(p, &err, "{'execute': 'device_add', 'arguments': "
                 "{'driver': 'pc-dimm', 'id': '%s', 'memdev': 'mem-%s'}}",
                 id, id);
    if (!r) {
        tap_note("device_add pc-dimm %s: %s", id, err);
        return 0;
    }
    addr = qedu_dimm_addr(p, id, slot);
    if (!addr) {
        tap_note("query-memory-devices does not list %s", id);
    }
    return addr;
}

bool qedu_unplug_dimm(VhtProc *p, const char *id, int slot,
                      const char *backend)
{
    g_autofree char *err = NULL;
    g_autoptr(JsonNode) r = NULL;

    if (!device_del(p, id)) {
        return false;
    }
    g_free(vht_qtest(p, "outl 0x%x %d", MEMHP_SELECT, slot));
    g_free(vht_qtest(p, "outb 0x%x 0x%x", MEMHP_FLAGS, MEMHP_EJECT));
    if (!wait_gone(p, id)) {
        return false;
    }
    r = hedu_qmp(p, &err, "{'execute': 'object-del', 'arguments': "
                 "{'id': '%s'}}", backend);
    if (!r) {
        tap_note("object-del %s: %s", backend, err);
        return false;
    }
    return true;
}

guint qedu_wait_vfio_fds(pid_t pid, guint want)
{
    gint64 deadline = g_get_monotonic_time() + UNPLUG_TIMEOUT_US / 2;

    for (;;) {
        g_autoptr(GArray) fds = hedu_fds_to(pid, "/dev/vfio/devices/");

        if (fds->len == want || g_get_monotonic_time() > deadline) {
            return fds->len;
        }
        g_usleep(50000);
    }
}

int qedu_dimm_file(const char *path, unsigned mb)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

    if (fd >= 0 && ftruncate(fd, (off_t)mb << 20)) {
        close(fd);
        unlink(path);
        return -1;
    }
    return fd;
}

void qedu_dimm_file_drop(int fd, const char *path)
{
    if (fd >= 0) {
        close(fd);
    }
    unlink(path);
}

long qedu_vmpin(VhtProc *p)
{
    return qedu_status_kb(vht_pid(p), "VmPin");
}

long qedu_status_kb(pid_t pid, const char *name)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)pid);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    size_t n = strlen(name);

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        return -1;
    }
    lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        if (!strncmp(lines[i], name, n) && lines[i][n] == ':') {
            return strtol(lines[i] + n + 1, NULL, 10);
        }
    }
    return -1;
}

HeduResult qedu_file_copy(VhtProc *p, uint64_t bar0, uint64_t gpa, int fd,
                          off_t off, uint32_t len, unsigned seed)
{
    HeduDest d = { .gpa = gpa, .fd = fd, .off = off };

    return hedu_copy(p, bar0, QEDU_SRC_GPA, &d, len, seed);
}

/* ---- x-query-vfio ---- */

JsonNode *qedu_query(VhtProc *p)
{
    g_autofree char *err = NULL;
    JsonNode *q = hedu_qmp(p, &err, "{'execute': 'x-query-vfio'}");

    if (!q || !JSON_NODE_HOLDS_ARRAY(q)) {
        tap_note("x-query-vfio failed: %s", err ? err : "not an array");
        if (q) {
            json_node_unref(q);
        }
        return NULL;
    }
    return q;
}

/* Calls @fn on every container of @q until it returns true. */
static JsonObject *find_container(JsonNode *q,
                                  bool (*fn)(JsonObject *, const void *),
                                  const void *arg)
{
    JsonArray *spaces = q ? json_node_get_array(q) : NULL;

    for (guint i = 0; spaces && i < json_array_get_length(spaces); i++) {
        JsonArray *cs = json_object_get_array_member(
            json_array_get_object_element(spaces, i), "containers");

        for (guint j = 0; cs && j < json_array_get_length(cs); j++) {
            JsonObject *c = json_array_get_object_element(cs, j);

            if (fn(c, arg)) {
                return c;
            }
        }
    }
    return NULL;
}

static bool holds_device(JsonObject *c, const void *arg)
{
    g_autofree char *path = g_strdup_printf("/machine/peripheral/%s",
                                            (const char *)arg);
    JsonArray *devs = json_object_get_array_member(c, "devices");

    for (guint i = 0; devs && i < json_array_get_length(devs); i++) {
        JsonObject *d = json_array_get_object_element(devs, i);

        if (!g_strcmp0(json_object_get_string_member_with_default(
                           d, "qom-path", ""), path)) {
            return true;
        }
    }
    return false;
}

JsonObject *qedu_container_of(JsonNode *q, const char *id)
{
    return find_container(q, holds_device, id);
}

int64_t qedu_counter(JsonObject *c, const char *name)
{
    JsonObject *n = c ? json_object_get_object_member(c, "counters") : NULL;

    return n ? json_object_get_int_member_with_default(n, name, -1) : -1;
}

int qedu_mappings(JsonObject *c, const char *origin)
{
    JsonArray *ms = c ? json_object_get_array_member(c, "mappings") : NULL;
    int n = 0;

    for (guint i = 0; ms && i < json_array_get_length(ms); i++) {
        JsonObject *m = json_array_get_object_element(ms, i);

        n += !origin || !g_strcmp0(json_object_get_string_member_with_default(
                                       m, "origin", ""), origin);
    }
    return n;
}

static char *device_names(JsonObject *c)
{
    JsonArray *devs = json_object_get_array_member(c, "devices");
    GString *s = g_string_new(NULL);

    for (guint i = 0; devs && i < json_array_get_length(devs); i++) {
        const char *path = json_object_get_string_member_with_default(
            json_array_get_object_element(devs, i), "qom-path", "?");

        g_string_append_printf(s, "%s%s", i ? "," : "",
                               strrchr(path, '/') ? strrchr(path, '/') + 1
                                                  : path);
    }
    return g_string_free(s, FALSE);
}

bool qedu_covers(JsonObject *c, uint64_t addr, uint64_t len)
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

void qedu_note_query(JsonNode *q)
{
    JsonArray *spaces = q ? json_node_get_array(q) : NULL;

    for (guint i = 0; spaces && i < json_array_get_length(spaces); i++) {
        JsonObject *as = json_array_get_object_element(spaces, i);
        JsonArray *cs = json_object_get_array_member(as, "containers");

        tap_note("address space %s", json_object_get_string_member_with_default(
                     as, "name", "?"));
        tap_note("  %-3s %-20s %-5s %-4s %-16s %-10s %5s %5s %5s %4s",
                 "id", "type", "ioas", "rank", "devices", "mapped MiB",
                 "MAP", "COPY", "UNMAP", "err");
        for (guint j = 0; cs && j < json_array_get_length(cs); j++) {
            JsonObject *c = json_array_get_object_element(cs, j);
            g_autofree char *devs = device_names(c);
            JsonArray *ms = json_object_get_array_member(c, "mappings");
            uint64_t bytes = 0;

            for (guint k = 0; ms && k < json_array_get_length(ms); k++) {
                bytes += json_object_get_int_member(
                    json_array_get_object_element(ms, k), "size");
            }
            tap_note("  %-3" PRId64 " %-20s %-5" PRId64 " %-4" PRId64
                     " %-16s %-10.2f %5" PRId64 " %5" PRId64 " %5" PRId64
                     " %4" PRId64,
                     json_object_get_int_member_with_default(c, "id", -1),
                     json_object_get_string_member_with_default(c, "type",
                                                                "?"),
                     json_object_get_int_member_with_default(c, "ioas-id", -1),
                     json_object_get_int_member_with_default(c, "copy-rank",
                                                             -1),
                     devs, bytes / 1048576.0, qedu_counter(c, "map"),
                     qedu_counter(c, "copy"), qedu_counter(c, "unmap"),
                     json_object_get_int_member_with_default(
                         c, "map-errors", 0));
            for (guint k = 0; ms && k < json_array_get_length(ms); k++) {
                JsonObject *m = json_array_get_object_element(ms, k);

                g_autofree char *from = NULL;

                if (json_object_has_member(m, "copy-source")) {
                    from = g_strdup_printf(
                        " from %" PRId64 " at 0x%" PRIx64,
                        json_object_get_int_member(m, "copy-source"),
                        json_object_get_int_member(m, "source-iova"));
                }
                tap_note("      0x%09" PRIx64 " +0x%08" PRIx64 " %s%s %s%s",
                         json_object_get_int_member(m, "iova"),
                         json_object_get_int_member(m, "size"),
                         json_object_get_string_member_with_default(
                             m, "origin", "?"), from ? from : "",
                         json_object_get_boolean_member_with_default(
                             m, "readonly", false) ? "ro" : "rw",
                         json_object_get_boolean_member_with_default(
                             m, "stale", false) ? " STALE" : "");
            }
        }
    }
}

void qedu_counts(VhtProc *p, const char *const *ids, int n,
                 QeduCounts *out)
{
    g_autoptr(JsonNode) q = qedu_query(p);

    for (int i = 0; i < n; i++) {
        JsonObject *c = qedu_container_of(q, ids[i]);

        out[i] = (QeduCounts){ qedu_counter(c, "map"),
                               qedu_counter(c, "copy"),
                               qedu_counter(c, "unmap") };
    }
}

/* ---- a QEMU that may or may not start (test-viommu) ---- */

int qedu_try_run(const char *binary, const char *extra,
                 const QeduStartOpts *o, int timeout_s, char **stderr_out)
{
    const char *shim = g_getenv("VFIO_FAULT_IOCTL");
    g_auto(GStrv) args = command_line(binary, QEDU_RAM_MB, 2, 1024, extra);
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) envp = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) env = g_get_environ();
    g_autofree char *err_path = NULL;
    g_autoptr(GError) gerr = NULL;
    gint64 deadline = g_get_monotonic_time() + timeout_s * G_USEC_PER_SEC;
    int status = -1, fd;
    GPid pid;

    if (g_getenv("QEDU_MEMLOCK_KB")) {
        g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
        g_autofree char *dir = g_path_get_dirname(self);
        const char *src = g_getenv("VFIO_RIG_SRCDIR");

        g_ptr_array_add(argv, g_build_filename(src ? src : dir,
                                               "qemu-wrap.sh", NULL));
        env = g_environ_setenv(env, "QEDU_REAL_QEMU", binary, true);
        env = g_environ_setenv(env, "QEDU_HIDE_NODES", "0", true);
    } else {
        g_ptr_array_add(argv, g_strdup(binary));
    }
    for (int i = 0; args[i]; i++) {
        g_ptr_array_add(argv, g_strdup(args[i]));
    }
    g_ptr_array_add(argv, NULL);
    if (o && o->fault_requests && shim) {
        g_autofree char *e = g_strdup_printf("%d", o->fault_errno ?: EIO);

        env = g_environ_setenv(env, "LD_PRELOAD", shim, true);
        env = g_environ_setenv(env, "FAULT_IOCTL_REQUEST", o->fault_requests,
                               true);
        env = g_environ_setenv(env, "FAULT_IOCTL_NTH",
                               o->fault_nth ? o->fault_nth : "0", true);
        env = g_environ_setenv(env, "FAULT_IOCTL_ERRNO", e, true);
        if (o->fault_log) {
            env = g_environ_setenv(env, "FAULT_IOCTL_LOG", o->fault_log,
                                   true);
        }
    }
    fd = g_file_open_tmp("qedu-err-XXXXXX", &err_path, &gerr);
    if (fd < 0) {
        tap_note("temporary file: %s", gerr->message);
        return -1;
    }
    if (!g_spawn_async_with_fds(NULL, (char **)argv->pdata, env,
                                G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
                                -1, -1, fd, &gerr)) {
        tap_note("cannot run %s: %s", binary, gerr->message);
        close(fd);
        unlink(err_path);
        return -1;
    }
    close(fd);
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);

        if (r == pid) {
            break;
        }
        if (g_get_monotonic_time() > deadline) {
            /* it started: stop it (and what qemu-wrap.sh exec'd) */
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            status = -1;
            break;
        }
        g_usleep(20000);
    }
    if (stderr_out) {
        g_file_get_contents(err_path, stderr_out, NULL, NULL);
    }
    unlink(err_path);
    return status;
}

static bool has_id(JsonObject *c, const void *arg)
{
    return json_object_get_int_member_with_default(c, "id", -1) ==
           *(const int64_t *)arg;
}

JsonObject *qedu_container_by_id(JsonNode *q, int64_t id)
{
    return find_container(q, has_id, &id);
}

int qedu_container_count(JsonNode *q)
{
    JsonArray *spaces = q ? json_node_get_array(q) : NULL;
    int n = 0;

    for (guint i = 0; spaces && i < json_array_get_length(spaces); i++) {
        JsonArray *cs = json_object_get_array_member(
            json_array_get_object_element(spaces, i), "containers");

        n += cs ? json_array_get_length(cs) : 0;
    }
    return n;
}

/* ---- mdevs and CPR ---- */

char *qedu_mdev_create(const char *type)
{
    g_autofree char *pattern = g_strdup_printf(
        "/sys/class/mdev_bus/*/mdev_supported_types/%s/create", type);
    g_autofree char *uuid = g_uuid_string_random();
    glob_t g = { 0 };
    int fd = -1;
    bool ok;

    if (glob(pattern, 0, NULL, &g) || g.gl_pathc != 1) {
        tap_note("no mdev type %s (%zu matches of %s)", type, g.gl_pathc,
                 pattern);
        globfree(&g);
        return NULL;
    }
    fd = open(g.gl_pathv[0], O_WRONLY | O_CLOEXEC);
    ok = fd >= 0 && write(fd, uuid, strlen(uuid)) == (ssize_t)strlen(uuid);
    if (!ok) {
        tap_note("creating a %s mdev through %s: %s", type, g.gl_pathv[0],
                 strerror(errno));
    }
    if (fd >= 0) {
        close(fd);
    }
    globfree(&g);
    return ok ? g_steal_pointer(&uuid) : NULL;
}

bool qedu_mdev_remove(const char *uuid)
{
    g_autofree char *path = g_strdup_printf("/sys/bus/mdev/devices/%s/remove",
                                            uuid);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    bool ok = fd >= 0 && write(fd, "1", 1) == 1;

    if (!ok) {
        tap_note("removing mdev %s: %s", uuid, strerror(errno));
    }
    if (fd >= 0) {
        close(fd);
    }
    return ok;
}

char *qedu_args_mixed(const char *type1_bdf, const char *iommufd_bdf,
                      bool iommufd_first)
{
    g_autofree char *type1 = g_strdup_printf(
        "-device vfio-pci,host=%s,id=t0,addr=0x%x", type1_bdf,
        QEDU_FIRST_SLOT);
    g_autofree char *iommufd = g_strdup_printf(
        "-device vfio-pci,host=%s,id=i0,iommufd=if0,addr=0x%x", iommufd_bdf,
        QEDU_FIRST_SLOT + 1);

    return g_strdup_printf("-object iommufd,id=if0 %s %s",
                           iommufd_first ? iommufd : type1,
                           iommufd_first ? type1 : iommufd);
}

char *qedu_args_memfd_ram(const char *bdf)
{
    return g_strdup_printf(
        "-machine memory-backend=mem0 "
        "-object memory-backend-memfd,id=mem0,size=%dM "
        "-object iommufd,id=if0 "
        "-device vfio-pci,host=%s,id=e0,iommufd=if0,addr=0x%x",
        QEDU_RAM_MB, bdf, QEDU_FIRST_SLOT);
}

char *qedu_mdev_cdev(const char *uuid)
{
    g_autofree char *dev = g_strdup_printf("/sys/bus/mdev/devices/%s", uuid);

    return hedu_cdev_of(dev);
}

VhtProc *qedu_start_deferred(const char *binary, const char *extra,
                             const QeduStartOpts *o)
{
    g_autofree char *more = g_strdup_printf(
        "%s -qmp unix:@DIR@/qmp.sock,server=on,wait=off "
        "-qtest unix:@DIR@/qtest.sock,server=on,wait=off", extra);
    g_auto(GStrv) args = command_line(binary, QEDU_RAM_MB, 2, 1024, more);
    VhtOptions opts = { .no_qmp = true, .stderr_path = o->stderr_path };

    return start_shimmed(binary, args, &opts, o);
}

VhtProc *qedu_start_sized_with(const char *binary, unsigned ram_mb,
                               const char *extra, const QeduStartOpts *o)
{
    g_auto(GStrv) args = command_line(binary, ram_mb, 2, 1024, extra);
    VhtOptions opts = { .qtest = true, .stderr_path = o->stderr_path };

    return start_shimmed(binary, args, &opts, o);
}

/* ---- a container's mappings ---- */

JsonObject *qedu_mapping_at(JsonObject *c, uint64_t iova)
{
    JsonArray *ms = c ? json_object_get_array_member(c, "mappings") : NULL;

    for (guint i = 0; ms && i < json_array_get_length(ms); i++) {
        JsonObject *m = json_array_get_object_element(ms, i);
        uint64_t start = json_object_get_int_member(m, "iova");
        uint64_t size = json_object_get_int_member(m, "size");

        if (iova >= start && iova - start < size) {
            return m;
        }
    }
    return NULL;
}

int qedu_mappings_in(JsonObject *c, uint64_t lo, uint64_t len)
{
    JsonArray *ms = c ? json_object_get_array_member(c, "mappings") : NULL;
    int n = 0;

    for (guint i = 0; ms && i < json_array_get_length(ms); i++) {
        uint64_t iova = json_object_get_int_member(
            json_array_get_object_element(ms, i), "iova");

        n += iova >= lo && iova - lo < len;
    }
    return n;
}

int64_t qedu_copy_source(JsonObject *c, uint64_t iova, uint64_t *src_iova)
{
    JsonObject *m = qedu_mapping_at(c, iova);

    if (!m) {
        return -2;
    }
    if (!json_object_has_member(m, "copy-source")) {
        return -1;
    }
    if (src_iova) {
        *src_iova = json_object_get_int_member(m, "source-iova");
    }
    return json_object_get_int_member(m, "copy-source");
}

int64_t qedu_container_id(JsonObject *c)
{
    return c ? json_object_get_int_member_with_default(c, "id", -1) : -1;
}

HeduResult qedu_dma_reach(VhtProc *p, uint64_t bar0, uint64_t iova,
                          uint32_t len, unsigned seed)
{
    g_autofree uint8_t *pat = g_malloc(len);
    g_autofree uint8_t *got = g_malloc(len);

    if (!bar0) {
        return HEDU_NO_BAR;
    }
    edu_pattern(pat, len, seed);
    vht_memwrite(p, QEDU_SRC_GPA, pat, len);
    vht_memset(p, QEDU_DST_GPA, 0x5a, len);
    /* out to @iova, the buffer overwritten, back from @iova */
    if (!hedu_dma(p, bar0, QEDU_SRC_GPA, EDU_BUF_ADDR, len, false) ||
        !hedu_dma(p, bar0, EDU_BUF_ADDR, iova, len, true) ||
        !hedu_dma(p, bar0, QEDU_DST_GPA, EDU_BUF_ADDR, len, false) ||
        !hedu_dma(p, bar0, iova, EDU_BUF_ADDR, len, false) ||
        !hedu_dma(p, bar0, EDU_BUF_ADDR, QEDU_DST_GPA, len, true)) {
        return HEDU_TIMEOUT;
    }
    vht_memread(p, QEDU_DST_GPA, got, len);
    if (!memcmp(got, pat, len)) {
        return HEDU_LANDED;
    }
    /* a read the IOMMU blocks fills the rig's edu buffer with zeros */
    for (uint32_t i = 0; i < len; i++) {
        if (got[i] != got[0] || (got[0] != 0x5a && got[0] != 0)) {
            return HEDU_CORRUPT;
        }
    }
    return HEDU_BLOCKED;
}

/*
 * Linux 6.13's file mapping, struct iommu_ioas_map_file (linux-headers/ is
 * 6.12's, which lacks it)
 */
#ifndef IOMMU_IOAS_MAP_FILE
#define IOMMU_IOAS_MAP_FILE _IO(IOMMUFD_TYPE, 0x8f)
#endif
struct ioas_map_file {
    uint32_t size;
    uint32_t flags;
    uint32_t ioas_id;
    int32_t fd;
    uint64_t start;
    uint64_t length;
    uint64_t iova;
};

int qedu_probe_map_file(void)
{
    struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
    struct ioas_map_file map = {
        .size = sizeof(map),
        .flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
        .length = 4096,
    };
    int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
    int mfd = memfd_create("probe-map-file", MFD_CLOEXEC);
    int ret = -1;

    if (fd < 0 || mfd < 0 || ftruncate(mfd, map.length) ||
        ioctl(fd, IOMMU_IOAS_ALLOC, &alloc)) {
        tap_note("MAP_FILE probe: no scratch IOAS and memfd: %s",
                 g_strerror(errno));
    } else {
        map.ioas_id = alloc.out_ioas_id;
        map.fd = mfd;
        if (!ioctl(fd, IOMMU_IOAS_MAP_FILE, &map)) {
            ret = 1;
        } else if (errno == ENOTTY) {
            ret = 0;
        } else {
            tap_note("MAP_FILE probe: IOMMU_IOAS_MAP_FILE: %s",
                     g_strerror(errno));
        }
    }
    if (mfd >= 0) {
        close(mfd);
    }
    if (fd >= 0) {
        close(fd);
    }
    return ret;
}

/* ---- the fault shim's log ---- */

void qedu_log_mark(const char *path, const char *mark)
{
    FILE *f = fopen(path, "a");

    if (f) {
        fprintf(f, "# %s\n", mark);
        fclose(f);
    }
}

GArray *qedu_log_calls(const char *path)
{
    GArray *calls = g_array_new(false, true, sizeof(QeduCall));
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    char mark[32] = "";

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        return calls;
    }
    lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        QeduCall c = { 0 };
        char req[32];
        const char *s;

        if (lines[i][0] == '#') {
            g_strlcpy(mark, lines[i] + 1 + (lines[i][1] == ' '), sizeof(mark));
            continue;
        }
        if (sscanf(lines[i], "%lu %31s %47s rc=%d", &c.n, req, c.name,
                   &c.rc) != 4) {
            continue;
        }
        s = strstr(lines[i], " errno=");
        c.err = s ? atoi(s + 7) : 0;
        s = strstr(lines[i], " fd=");
        c.fd = s ? atoi(s + 4) : -1;
        s = strstr(lines[i], " flags=");
        c.flags = s ? strtoul(s + 7, NULL, 16) : 0;
        c.fault = strstr(lines[i], " FAULT") != NULL;
        g_strlcpy(c.mark, mark, sizeof(c.mark));
        g_array_append_val(calls, c);
    }
    return calls;
}

guint qedu_log_count(GArray *calls, const char *name, const char *mark,
                     bool ok)
{
    guint n = 0;

    for (guint i = 0; calls && i < calls->len; i++) {
        QeduCall *c = &g_array_index(calls, QeduCall, i);

        n += (!name || !strcmp(c->name, name)) &&
             (!mark || !strcmp(c->mark, mark)) && (!ok || c->rc == 0);
    }
    return n;
}

void qedu_log_note(GArray *calls, const char *mark, const char *tag)
{
    for (guint i = 0; calls && i < calls->len; i++) {
        QeduCall *c = &g_array_index(calls, QeduCall, i);
        g_autofree char *flags = NULL;

        if (mark && strcmp(c->mark, mark)) {
            continue;
        }
        flags = c->flags ? g_strdup_printf(" flags 0x%x", c->flags)
                         : g_strdup("");
        tap_note("%s: call %lu %s fd %d%s: rc %d%s%s%s", tag, c->n, c->name,
                 c->fd, flags, c->rc,
                 c->err ? " " : "", c->err ? g_strerror(c->err) : "",
                 c->fault ? " (injected)" : "");
    }
}
