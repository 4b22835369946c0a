/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-libvirt: a libvirt-managed VM on the patched qemu-system-x86_64,
 * with edu devices assigned through VFIO, on the rig's real kernel.
 *
 * Debian's libvirt 11.3.0 (bookworm-backports) runs in the rig's guest,
 * laid over its root by libvirt-root.sh, which also re-runs this program
 * there.  That libvirt has no iommufd support for hostdevs (no
 * <driver iommufd=...> and no <iommufd> element: its domain schema and
 * QEMU driver never mention the object), so the domain has:
 *
 *  - one <hostdev> that libvirt manages: the legacy VFIO type1 container;
 *  - through <qemu:commandline>: -object iommufd and two vfio-pci devices
 *    on it, which libvirt passes through without knowing them, plus a
 *    second QMP monitor and a qtest socket for this test, and an ISA
 *    debug console for the firmware's log;
 *  - through <qemu:env>: devnode-log.so, which records every /dev/iommu
 *    and /dev/vfio/ node QEMU opens itself.
 *
 * q35 under TCG (the rig has no KVM), 128 MiB, no disk: SeaBIOS runs and
 * stops at "No bootable device" (no reboot).  No guest OS runs, so the
 * qtest socket does what a guest would: the edus' DMA, and the ACPI
 * eject that completes an unplug.
 *
 * Checks: libvirt's capability probe of the patched binary; define and
 * start; x-query-vfio through `virsh qemu-monitor-command`: one shared
 * IOAS for both iommufd devices with guest RAM mapped once (VmPin), the
 * hostdev in a type1 container (VmLck); DMA through each device;
 * `virsh attach-device` / `detach-device` of a third edu hostdev, with no
 * unmap in the running containers and `virsh dumpxml` agreeing; a fourth
 * device on the iommufd object from an fd handed over by
 * `virsh qemu-monitor-command --pass-fds`, with QEMU opening no node for
 * it; `virsh destroy`: QEMU is gone and a fresh QEMU binds every edu.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "edu.h"
#include "harness.h"
#include "qemu-edu.h"

#define DOM "vfio-edu"
#define RAM_MB QEDU_RAM_MB
#define LEN 4000
#define FIRMWARE_DONE "No bootable device"
#define FIRMWARE_TIMEOUT_S 300
#define DETACH_TIMEOUT_S 60

/* ACPI PCI hotplug registers (ICH9), as in qemu-edu.c */
#define PCIHP_BASE 0x0cc0
#define PCIHP_DOWN (PCIHP_BASE + 0x04)
#define PCIHP_EJECT (PCIHP_BASE + 0x08)
#define PCIHP_SELECT (PCIHP_BASE + 0x10)

/* Guest-side layout: iommufd edus in pcie.0, root ports in slots 2-4 */
#define IOMMUFD_SLOT 0x10
#define PORT_SLOT(index) (1 + (index))

static char bdfs[HEDU_MAX][32];
static char *dir;               /* sockets, XML and logs of this run */
static const char *qemu_bin;

/* ---- running commands ---- */

/* Run @cmd with /bin/sh; Return: whether it exited 0.  @out: its output */
static bool sh(char **out, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static bool sh(char **out, const char *fmt, ...)
{
    g_autofree char *cmd = NULL, *o = NULL, *e = NULL;
    g_autoptr(GError) err = NULL;
    const char *argv[] = { "/bin/sh", "-c", NULL, NULL };
    va_list ap;
    int status = -1;

    va_start(ap, fmt);
    cmd = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    argv[2] = cmd;
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                      &o, &e, &status, &err)) {
        tap_note("cannot run '%s': %s", cmd, err->message);
        return false;
    }
    if (!g_spawn_check_wait_status(status, NULL)) {
        tap_note("'%s' failed: %s%s", cmd, e, o);
    }
    if (out) {
        *out = g_strconcat(o, e, NULL);
    }
    return g_spawn_check_wait_status(status, NULL);
}

/* virsh qemu-monitor-command DOM @json; Return: its "return", or NULL */
static JsonNode *monitor(const char *json)
{
    g_autofree char *out = NULL;
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *o;

    if (!sh(&out, "virsh qemu-monitor-command %s '%s'", DOM, json) ||
        !json_parser_load_from_data(parser, out, -1, NULL)) {
        return NULL;
    }
    o = json_node_get_object(json_parser_get_root(parser));
    return o && json_object_has_member(o, "return") ?
           json_node_copy(json_object_get_member(o, "return")) : NULL;
}

static char *read_file(const char *path)
{
    char *text = NULL;

    return g_file_get_contents(path, &text, NULL, NULL) ? text : g_strdup("");
}

/* ---- the domain ---- */

/* "0000:00:05.0" -> libvirt's <address domain=... function=.../> */
static char *source_address(const char *bdf)
{
    unsigned d, b, s, f;

    if (sscanf(bdf, "%x:%x:%x.%x", &d, &b, &s, &f) != 4) {
        return g_strdup("<address/>");
    }
    return g_strdup_printf("<address domain='0x%04x' bus='0x%02x' "
                           "slot='0x%02x' function='0x%x'/>", d, b, s, f);
}

/* A <hostdev> for @bdf on the root port with libvirt index @port */
static char *hostdev_xml(const char *bdf, int port)
{
    g_autofree char *src = source_address(bdf);

    return g_strdup_printf(
        "<hostdev mode='subsystem' type='pci' managed='no'>"
        "<driver name='vfio'/><source>%s</source><rom bar='off'/>"
        "<address type='pci' domain='0x0000' bus='0x%02x' slot='0x00' "
        "function='0x0'/></hostdev>\n", src, port);
}

static char *qemu_arg(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static char *qemu_arg(const char *fmt, ...)
{
    g_autofree char *v = NULL;
    va_list ap;

    va_start(ap, fmt);
    v = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return g_strdup_printf("<qemu:arg value='%s'/>\n", v);
}

static char *domain_xml(void)
{
    GString *x = g_string_new(NULL);
    g_autofree char *hd = hostdev_xml(bdfs[2], 1);

    g_string_append_printf(x,
        "<domain type='qemu' "
        "xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n"
        "<name>%s</name>\n<memory unit='MiB'>%d</memory>\n<vcpu>1</vcpu>\n"
        "<os><type arch='x86_64' machine='q35'>hvm</type>"
        "<bios rebootTimeout='-1'/></os>\n"
        "<features><acpi/></features>\n<devices>\n"
        "<emulator>%s</emulator>\n"
        "<controller type='usb' model='none'/>\n"
        "<controller type='pci' index='0' model='pcie-root'/>\n",
        DOM, RAM_MB, qemu_bin);
    for (int i = 1; i <= 3; i++) {
        g_string_append_printf(x,
            "<controller type='pci' index='%d' model='pcie-root-port'>"
            "<address type='pci' domain='0x0000' bus='0x00' slot='0x%02x' "
            "function='0x0'/></controller>\n", i, PORT_SLOT(i));
    }
    g_string_append_printf(x, "%s<video><model type='none'/></video>\n"
                           "<memballoon model='none'/>\n</devices>\n"
                           "<qemu:commandline>\n", hd);
    g_string_append_printf(x, "%s%s", qemu_arg("-object"),
                           qemu_arg("iommufd,id=iommufd0"));
    for (int i = 0; i < 2; i++) {
        g_string_append_printf(x, "%s%s", qemu_arg("-device"),
            qemu_arg("vfio-pci,host=%s,id=edu-%c,iommufd=iommufd0,"
                     "bus=pcie.0,addr=0x%x,rombar=0", bdfs[i], 'a' + i,
                     IOMMUFD_SLOT + i));
    }
    g_string_append_printf(x, "%s%s%s%s%s%s%s%s",
        qemu_arg("-qmp"), qemu_arg("unix:%s/qmp.sock,server=on,wait=off", dir),
        qemu_arg("-qtest"),
        qemu_arg("unix:%s/qtest.sock,server=on,wait=off", dir),
        qemu_arg("-chardev"), qemu_arg("file,id=fwlog,path=%s/firmware.log",
                                       dir),
        qemu_arg("-device"), qemu_arg("isa-debugcon,iobase=0x402,"
                                      "chardev=fwlog"));
    g_string_append_printf(x,
        "<qemu:env name='LD_PRELOAD' value='%s'/>\n"
        "<qemu:env name='DEVNODE_LOG' value='%s/devnodes.log'/>\n"
        "</qemu:commandline>\n</domain>\n",
        g_getenv("VFIO_DEVNODE_LOG"), dir);
    return g_string_free(x, false);
}

static bool write_text(const char *name, const char *text)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);

    return g_file_set_contents(path, text, -1, NULL);
}

static pid_t qemu_pid(void)
{
    g_autofree char *pid = read_file("/run/libvirt/qemu/" DOM ".pid");

    return (pid_t)atoi(pid);
}

static void note_domain_log(void)
{
    g_autofree char *log = read_file("/var/log/libvirt/qemu/" DOM ".log");
    g_auto(GStrv) lines = g_strsplit(log, "\n", -1);
    guint n = g_strv_length(lines);

    for (guint i = n > 30 ? n - 30 : 0; i < n; i++) {
        if (*lines[i]) {
            tap_note("domain log: %s", lines[i]);
        }
    }
}

/* Wait until the firmware gave up booting (its debug console says so). */
static bool wait_firmware(void)
{
    g_autofree char *path = g_build_filename(dir, "firmware.log", NULL);
    gint64 t0 = g_get_monotonic_time();

    while (g_get_monotonic_time() - t0 < FIRMWARE_TIMEOUT_S * G_USEC_PER_SEC) {
        g_autofree char *log = read_file(path);

        if (strstr(log, FIRMWARE_DONE)) {
            tap_note("SeaBIOS reached \"%s\" after %.1f s", FIRMWARE_DONE,
                     (g_get_monotonic_time() - t0) / 1e6);
            return true;
        }
        g_usleep(500000);
    }
    return false;
}

static int count_lines(const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *text = read_file(path);
    int n = 0;

    for (const char *c = text; *c; c++) {
        n += *c == '\n';
    }
    return n;
}

/* ---- x-query-vfio ---- */

static int64_t mapped_bytes(JsonObject *c)
{
    JsonArray *ms = c ? json_object_get_array_member(c, "mappings") : NULL;
    int64_t sum = 0;

    for (guint i = 0; ms && i < json_array_get_length(ms); i++) {
        sum += json_object_get_int_member(json_array_get_object_element(ms, i),
                                          "size");
    }
    return sum;
}

static const char *backend(JsonObject *c)
{
    return c ? json_object_get_string_member_with_default(c, "backend", "?")
             : "none";
}

static int64_t index_of(JsonObject *c)
{
    return c ? json_object_get_int_member(c, "index") : -1;
}

typedef struct Counts {
    int64_t map, copy, unmap;
} Counts;

static Counts counts(JsonObject *c)
{
    return (Counts){ qedu_counter(c, "map"), qedu_counter(c, "copy"),
                     qedu_counter(c, "unmap") };
}

static bool same_counts(const char *what, Counts a, Counts b)
{
    return CHECK(a.map == b.map && a.copy == b.copy && a.unmap == b.unmap,
                 "%s: MAP %+" PRId64 ", COPY %+" PRId64 ", UNMAP %+" PRId64
                 " (all 0)", what, b.map - a.map, b.copy - a.copy,
                 b.unmap - a.unmap);
}

/* ---- guest chores over qtest ---- */

/* BAR0 that SeaBIOS gave the edu at @bus:@slot, then bus mastering on */
static uint64_t enable_edu(VhtProc *p, int bus, int slot)
{
    uint64_t bar = qedu_cfg_read(p, bus, slot, 0x10, 4) & ~0xfULL;

    return bar ? qedu_enable(p, bus, slot, bar) : 0;
}

/* The bus number SeaBIOS gave the root port with libvirt index @port */
static int port_bus(VhtProc *p, int port)
{
    return (int)qedu_cfg_read(p, 0, PORT_SLOT(port), 0x19, 1);
}

static uint32_t inl(VhtProc *p, uint16_t port)
{
    g_autofree char *r = vht_qtest(p, "inl 0x%x", port);

    return g_str_has_prefix(r, "OK ") ? (uint32_t)strtoul(r + 3, NULL, 0) : 0;
}

/*
 * Answer the unplug request for slot 0 behind root port @port (QEMU id)
 * as ACPI firmware would: wait until the hotplug controller shows it,
 * then eject.  Return: whether a request came within @timeout_s.
 */
static bool eject_when_requested(VhtProc *p, const char *port, int timeout_s)
{
    g_autofree char *err = NULL;
    g_autoptr(JsonNode) bsel = hedu_qmp(p, &err, "{'execute': 'qom-get', "
        "'arguments': {'path': '/machine/peripheral/%s/%s', "
        "'property': 'acpi-pcihp-bsel'}}", port, port);
    gint64 end = g_get_monotonic_time() + timeout_s * G_USEC_PER_SEC;

    if (!bsel) {
        tap_note("no ACPI hotplug selector on %s: %s", port, err);
        return false;
    }
    while (g_get_monotonic_time() < end) {
        g_free(vht_qtest(p, "outl 0x%x %" PRId64, PCIHP_SELECT,
                         json_node_get_int(bsel)));
        if (inl(p, PCIHP_DOWN) & 1) {
            g_free(vht_qtest(p, "outl 0x%x 0x1", PCIHP_EJECT));
            return true;
        }
        g_usleep(50000);
    }
    return false;
}

static bool qom_gone(VhtProc *p, const char *id, int timeout_s)
{
    gint64 end = g_get_monotonic_time() + timeout_s * G_USEC_PER_SEC;

    while (g_get_monotonic_time() < end) {
        g_autofree char *err = NULL;
        g_autoptr(JsonNode) r = hedu_qmp(p, &err, "{'execute': 'qom-list', "
            "'arguments': {'path': '/machine/peripheral/%s'}}", id);

        if (!r) {
            return true;
        }
        g_usleep(50000);
    }
    return false;
}

static int count_substr(const char *text, const char *needle)
{
    int n = 0;

    for (const char *c = text; (c = strstr(c, needle)); c += strlen(needle)) {
        n++;
    }
    return n;
}

/* ---- the scenario ---- */

static void dma_checks(const char *when, VhtProc *p, const uint64_t *bar,
                       const char *const *names, int n, unsigned seed)
{
    for (int i = 0; i < n; i++) {
        CHECK(bar[i] && hedu_round_trip(p, bar[i], QEDU_SRC_GPA,
                                        QEDU_DST_GPA, LEN, seed + i),
              "%s: %s DMA RAM -> edu -> RAM byte-exact", when, names[i]);
    }
}

static void hotplug_hostdev(VhtProc *p, const uint64_t *bar,
                            const char *const *names)
{
    g_autofree char *xml = hostdev_xml(bdfs[3], 2);
    g_autofree char *path = g_build_filename(dir, "hostdev3.xml", NULL);
    g_autofree char *dump = NULL;
    g_autoptr(JsonNode) q0 = NULL, q1 = NULL, q2 = NULL;
    g_autoptr(GError) err = NULL;
    const char *argv[] = { "virsh", "detach-device", DOM, path, "--live",
                           NULL };
    GPid pid;
    int status = -1;
    Counts a0, a1, a2, h0, h1;

    write_text("hostdev3.xml", xml);
    q0 = monitor("{\"execute\": \"x-query-vfio\"}");
    a0 = counts(qedu_container_of(q0, "edu-a"));
    h0 = counts(qedu_container_of(q0, "hostdev0"));
    if (!CHECK(sh(NULL, "virsh attach-device %s %s --live", DOM, path),
               "virsh attach-device of a third edu hostdev (%s, live)",
               bdfs[3])) {
        return;
    }
    q1 = monitor("{\"execute\": \"x-query-vfio\"}");
    CHECK(qedu_container_of(q1, "hostdev1") != NULL,
          "x-query-vfio lists the attached hostdev1 (container %" PRId64
          ", %s)", index_of(qedu_container_of(q1, "hostdev1")),
          backend(qedu_container_of(q1, "hostdev1")));
    a1 = counts(qedu_container_of(q1, "edu-a"));
    h1 = counts(qedu_container_of(q1, "hostdev0"));
    same_counts("attach: the running iommufd container", a0, a1);
    same_counts("attach: the running type1 container", h0, h1);
    sh(&dump, "virsh dumpxml %s", DOM);
    CHECK_EQ(count_substr(dump, "<hostdev "), 2,
             "virsh dumpxml lists 2 hostdevs after the attach");

    /* libvirt sends device_del and waits; the guest must eject */
    if (!CHECK(g_spawn_async(NULL, (char **)argv, NULL,
                             G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                             NULL, NULL, &pid, &err),
               "virsh detach-device started")) {
        return;
    }
    CHECK(eject_when_requested(p, "pci.2", DETACH_TIMEOUT_S),
          "the unplug request reached the guest; ejected as ACPI would");
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "virsh detach-device succeeded (status 0x%x)", status);
    CHECK(qom_gone(p, "hostdev1", 20), "hostdev1 left QEMU's QOM tree");
    q2 = monitor("{\"execute\": \"x-query-vfio\"}");
    CHECK(q2 && !qedu_container_of(q2, "hostdev1"),
          "x-query-vfio no longer lists hostdev1");
    a2 = counts(qedu_container_of(q2, "edu-a"));
    same_counts("attach + detach: the running iommufd container", a0, a2);
    same_counts("attach + detach: the running type1 container", h0,
                counts(qedu_container_of(q2, "hostdev0")));
    for (int i = 0; i < 20; i++) {
        g_free(dump);
        dump = NULL;
        sh(&dump, "virsh dumpxml %s", DOM);
        if (count_substr(dump, "<hostdev ") == 1) {
            break;
        }
        g_usleep(250000);
    }
    CHECK_EQ(count_substr(dump, "<hostdev "), 1,
             "virsh dumpxml lists 1 hostdev after the detach");
    dma_checks("after the hot-plug", p, bar, names, 3, 30);
}

static void hotplug_passed_fd(VhtProc *p)
{
    g_autofree char *cdev = hedu_cdev_path(bdfs[3]);
    g_autoptr(JsonNode) q0 = NULL, q1 = NULL, r = NULL;
    int opened = count_lines("devnodes.log");
    pid_t pid = vht_pid(p);
    Counts a0;

    q0 = monitor("{\"execute\": \"x-query-vfio\"}");
    a0 = counts(qedu_container_of(q0, "edu-a"));
    /* the shell opens the node, virsh hands the fd to libvirtd, which
     * passes it to QEMU with the command (SCM_RIGHTS) */
    if (!CHECK(cdev && sh(NULL, "virsh qemu-monitor-command %s --pass-fds 3 "
                          "'{\"execute\": \"getfd\", \"arguments\": "
                          "{\"fdname\": \"edu3\"}}' 3<>%s", DOM, cdev),
               "virsh qemu-monitor-command --pass-fds: %s handed to QEMU "
               "as fd 'edu3'", cdev ? cdev : "(no cdev)")) {
        return;
    }
    r = monitor("{\"execute\": \"device_add\", \"arguments\": "
                "{\"driver\": \"vfio-pci\", \"id\": \"edu-d\", "
                "\"bus\": \"pci.3\", \"iommufd\": \"iommufd0\", "
                "\"fd\": \"edu3\", \"rombar\": 0}}");
    if (!CHECK(r != NULL, "device_add vfio-pci fd=edu3 iommufd=iommufd0 "
               "through libvirt's monitor")) {
        return;
    }
    q1 = monitor("{\"execute\": \"x-query-vfio\"}");
    CHECK(qedu_container_of(q1, "edu-d") &&
          qedu_container_of(q1, "edu-d") == qedu_container_of(q1, "edu-a"),
          "edu-d joined the shared IOAS (container %" PRId64 ")",
          index_of(qedu_container_of(q1, "edu-d")));
    same_counts("fd hot-add: the shared IOAS", a0,
                counts(qedu_container_of(q1, "edu-a")));
    CHECK_EQ(count_lines("devnodes.log"), opened,
             "QEMU opened no /dev/iommu or /dev/vfio node for the device "
             "whose fd libvirt passed");
    CHECK(qedu_unplug_pci(p, "edu-d", "pci.3"),
          "edu-d unplugged (device_del + ACPI eject)");
    CHECK_EQ(qedu_wait_vfio_fds(pid, 2), 2,
             "QEMU holds 2 VFIO device fds again after the unplug");
}

static void fresh_qemu_binds_all(void)
{
    GString *args = g_string_new("-object iommufd,id=if0");
    g_autoptr(JsonNode) q = NULL;
    JsonObject *c;
    VhtProc *p;
    int n = 0;

    for (int i = 0; i < 4; i++) {
        g_string_append_printf(args, " -device vfio-pci,host=%s,id=e%d,"
                               "iommufd=if0,addr=0x%x", bdfs[i], i,
                               QEDU_FIRST_SLOT + i);
    }
    p = qedu_start(qemu_bin, args->str, NULL, false);
    q = qedu_query(p);
    c = qedu_container_of(q, "e0");
    for (int i = 0; i < 4; i++) {
        g_autofree char *id = g_strdup_printf("e%d", i);

        n += c && qedu_container_of(q, id) == c;
    }
    CHECK_EQ(n, 4, "after virsh destroy: a fresh QEMU binds all 4 edus "
             "(one IOAS)");
    CHECK_EQ(qedu_vmpin(p), QEDU_PINNED_KB, "the fresh QEMU pins its own "
             "RAM + BIOS once (%ld kB)", qedu_vmpin(p));
    vht_end(p);
    g_string_free(args, true);
}

static void scenario(void)
{
    g_autofree char *xml = domain_xml(), *out = NULL, *dump = NULL;
    g_autofree char *xml_path = g_build_filename(dir, "domain.xml", NULL);
    g_autoptr(JsonNode) q = NULL;
    const char *names[] = { "edu-a (iommufd)", "edu-b (iommufd)",
                            "hostdev0 (type1)" };
    JsonObject *ca, *cb, *ch;
    uint64_t bar[3];
    VhtProc *p;
    pid_t pid;
    long pin, lck;

    CHECK(sh(&out, "virsh domcapabilities --emulatorbin %s --virttype qemu "
             "--machine q35", qemu_bin) &&
          strstr(out, qemu_bin) && strstr(out, "<value>vfio</value>"),
          "libvirt's capability probe of the patched binary (domcapabilities: "
          "q35, hostdev backend vfio)");
    write_text("domain.xml", xml);
    if (!CHECK(sh(NULL, "virsh define %s", xml_path), "virsh define")) {
        return;
    }
    if (!CHECK(sh(&out, "virsh start %s", DOM), "virsh start")) {
        note_domain_log();
        sh(NULL, "virsh undefine %s", DOM);
        return;
    }
    pid = qemu_pid();
    g_free(out);
    out = NULL;
    sh(&out, "virsh domstate %s", DOM);
    CHECK(pid > 0 && strstr(out, "running"),
          "the domain runs (QEMU pid %d, virsh domstate: %s)", pid,
          g_strstrip(out));
    p = vht_adopt(pid, dir);
    CHECK(wait_firmware(), "the firmware ran to \"%s\"", FIRMWARE_DONE);

    q = monitor("{\"execute\": \"x-query-vfio\"}");
    ca = qedu_container_of(q, "edu-a");
    cb = qedu_container_of(q, "edu-b");
    ch = qedu_container_of(q, "hostdev0");
    qedu_note_query(q);
    CHECK(q && ca && ca == cb && strstr(backend(ca), "iommufd"),
          "virsh qemu-monitor-command x-query-vfio: edu-a and edu-b share "
          "one iommufd container (IOAS %" PRId64 ")",
          ca ? json_object_get_int_member_with_default(ca, "ioas-id", -1)
             : -1);
    CHECK(ch && ch != ca && strstr(backend(ch), "legacy"),
          "libvirt's hostdev0 is in a type1 container (%s)", backend(ch));
    pin = qedu_vmpin(p);
    lck = qedu_status_kb(pid, "VmLck");
    tap_note("VmPin %ld kB, VmLck %ld kB; shared IOAS maps %" PRId64
             " kB in %d mappings (MAP %" PRId64 ", UNMAP %" PRId64 ")",
             pin, lck, mapped_bytes(ca) >> 10, qedu_mappings(ca, NULL),
             qedu_counter(ca, "map"), qedu_counter(ca, "unmap"));
    CHECK_EQ(pin, QEDU_PINNED_KB, "VmPin: guest RAM + BIOS pinned once "
             "for the two iommufd devices (%ld kB)", pin);
    CHECK_EQ(mapped_bytes(ca) >> 10, pin, "the shared IOAS maps exactly "
             "what is pinned (%" PRId64 " kB)", mapped_bytes(ca) >> 10);
    CHECK_EQ(lck, QEDU_PINNED_KB, "VmLck: the type1 container locks "
             "guest RAM + BIOS once (%ld kB)", lck);

    bar[0] = enable_edu(p, 0, IOMMUFD_SLOT);
    bar[1] = enable_edu(p, 0, IOMMUFD_SLOT + 1);
    bar[2] = enable_edu(p, port_bus(p, 1), 0);
    dma_checks("started by libvirt", p, bar, names, 3, 10);

    hotplug_hostdev(p, bar, names);
    hotplug_passed_fd(p);

    CHECK(sh(NULL, "virsh destroy %s", DOM), "virsh destroy");
    vht_release(p);
    for (int i = 0; i < 100 && kill(pid, 0) == 0; i++) {
        g_usleep(100000);
    }
    CHECK(kill(pid, 0) < 0 && errno == ESRCH, "the QEMU process is gone");
    sh(&dump, "virsh domstate %s", DOM);
    CHECK(strstr(dump, "shut off") != NULL, "virsh domstate: shut off");
    CHECK(sh(NULL, "virsh undefine %s", DOM), "virsh undefine");
    fresh_qemu_binds_all();
}

/* Outside libvirt's root: re-run this program inside it. */
static void enter_libvirt_root(char **argv)
{
    g_autofree char *script = g_build_filename(
        g_getenv("VFIO_RIG_SRCDIR") ? g_getenv("VFIO_RIG_SRCDIR") : ".",
        "libvirt-root.sh", NULL);
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);

    if (!self) {
        self = g_strdup(argv[0]);
    }
    execl(script, script, self, (char *)NULL);
    printf("1..1\nnot ok 1 - cannot run %s: %s\n", script, g_strerror(errno));
    exit(1);
}

int main(int argc, char **argv)
{
    char tmpl[] = "/tmp/vfio-libvirt-XXXXXX";

    if (!g_getenv("VFIO_LIBVIRT_ROOT")) {
        enter_libvirt_root(argv);
    }
    hedu_init();
    if (hedu_find(bdfs, 4) < 4) {
        return tap_done();
    }
    qemu_bin = qedu_binary("patched");
    if (!CHECK(qemu_bin != NULL, "the patched binary in "
               "$VFIO_QEMU_BINARIES") ||
        !CHECK(g_getenv("VFIO_DEVNODE_LOG") != NULL,
               "the open logger ($VFIO_DEVNODE_LOG)")) {
        return tap_done();
    }
    dir = g_mkdtemp(tmpl);
    scenario();
    return tap_done();
}
