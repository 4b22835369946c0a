/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libvirt-domain.c: libvirt-managed domains on the rig's edu devices
 * (libvirt-domain.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edu.h"
#include "harness.h"
#include "libvirt-domain.h"

#define FIRMWARE_DONE "No bootable device"
#define FIRMWARE_TIMEOUT_S 300

/* ACPI PCI hotplug registers (ICH9), as in qemu-edu.c */
#define PCIHP_BASE 0x0cc0
#define PCIHP_DOWN (PCIHP_BASE + 0x04)
#define PCIHP_EJECT (PCIHP_BASE + 0x08)
#define PCIHP_SELECT (PCIHP_BASE + 0x10)

#define PORT_SLOT(index) (1 + (index))

static char *top;       /* every domain's directory is under it */

bool lv_init(void)
{
    char tmpl[] = "/tmp/vfio-libvirt-XXXXXX";

    if (!g_mkdtemp(tmpl)) {
        return false;
    }
    top = g_strdup(tmpl);
    /* QEMU runs as libvirt-qemu and makes its sockets here */
    return chmod(top, 0777) == 0;
}

bool lv_sh(char **out, const char *fmt, ...)
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
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_LEAVE_DESCRIPTORS_OPEN,
                      NULL, NULL, &o, &e, &status, &err)) {
        tap_note("cannot run '%s': %s", cmd, err->message);
        if (out) {
            *out = g_strdup(err->message);
        }
        return false;
    }
    if (out) {
        *out = g_strconcat(o, e, NULL);
    }
    return g_spawn_check_wait_status(status, NULL);
}

char *lv_hostdev_xml(const LvHostdev *h)
{
    unsigned d, b, s, f;
    g_autofree char *drv = h->iommufd ?
        g_strdup_printf(" iommufd='%s'", h->iommufd) : g_strdup("");

    if (sscanf(h->bdf, "%x:%x:%x.%x", &d, &b, &s, &f) != 4) {
        d = b = s = f = 0xff;
    }
    return g_strdup_printf(
        "<hostdev mode='subsystem' type='pci' managed='no'>"
        "<driver name='vfio'%s/>"
        "<source><address domain='0x%04x' bus='0x%02x' slot='0x%02x' "
        "function='0x%x'/></source><rom bar='off'/>"
        "<address type='pci' domain='0x0000' bus='0x%02x' slot='0x00' "
        "function='0x0'/></hostdev>\n", drv, d, b, s, f, h->port);
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

char *lv_domain_xml(const LvSpec *s, const char *dir)
{
    GString *x = g_string_new(NULL);
    g_autofree char *a1 = qemu_arg("-qmp");
    g_autofree char *a2 = qemu_arg("unix:%s/qmp.sock,server=on,wait=off", dir);
    g_autofree char *a3 = qemu_arg("-qtest");
    g_autofree char *a4 = qemu_arg("unix:%s/qtest.sock,server=on,wait=off",
                                   dir);
    g_autofree char *a5 = qemu_arg("-chardev");
    g_autofree char *a6 = qemu_arg("file,id=fwlog,path=%s/firmware.log", dir);
    g_autofree char *a7 = qemu_arg("-device");
    g_autofree char *a8 = qemu_arg("isa-debugcon,iobase=0x402,chardev=fwlog");

    g_string_append_printf(x,
        "<domain type='qemu' "
        "xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n"
        "<name>%s</name>\n<memory unit='MiB'>%d</memory>\n<vcpu>1</vcpu>\n",
        s->name, LV_RAM_MB);
    if (s->iommufd) {
        g_string_append_printf(x, "<iommufd %s/>\n", s->iommufd);
    }
    if (s->hard_limit_kb) {
        g_string_append_printf(x, "<memtune><hard_limit unit='KiB'>%ld"
                               "</hard_limit></memtune>\n", s->hard_limit_kb);
    }
    if (s->memfd) {
        g_string_append(x, "<memoryBacking><source type='memfd'/>"
                           "<access mode='shared'/></memoryBacking>\n");
    }
    g_string_append_printf(x,
        "<os><type arch='x86_64' machine='q35'>hvm</type>"
        "<bios rebootTimeout='-1'/></os>\n"
        "<features><acpi/></features>\n<devices>\n"
        "<emulator>%s</emulator>\n"
        "<controller type='usb' model='none'/>\n"
        "<controller type='pci' index='0' model='pcie-root'/>\n",
        s->emulator);
    for (int i = 1; i <= s->ports; i++) {
        g_string_append_printf(x,
            "<controller type='pci' index='%d' model='pcie-root-port'>"
            "<address type='pci' domain='0x0000' bus='0x00' slot='0x%02x' "
            "function='0x0'/></controller>\n", i, PORT_SLOT(i));
    }
    for (int i = 0; i < s->n; i++) {
        g_autofree char *h = lv_hostdev_xml(&s->hd[i]);

        g_string_append(x, h);
    }
    if (s->iommu && !strcmp(s->iommu, "intel")) {
        /* the rig's VT-d has 39 address bits: QEMU refuses a wider vIOMMU */
        g_string_append(x, "<iommu model='intel'><driver caching_mode='on' "
                           "aw_bits='39'/></iommu>\n");
    } else if (s->iommu) {
        g_string_append_printf(x, "<iommu model='%s'/>\n", s->iommu);
    }
    g_string_append_printf(x,
        "<video><model type='none'/></video>\n<memballoon model='none'/>\n"
        "</devices>\n<qemu:commandline>\n%s%s%s%s%s%s%s%s"
        "<qemu:env name='LD_PRELOAD' value='%s'/>\n"
        "<qemu:env name='DEVNODE_LOG' value='%s/devnodes.log'/>\n"
        "</qemu:commandline>\n</domain>\n",
        a1, a2, a3, a4, a5, a6, a7, a8,
        g_getenv("VFIO_DEVNODE_LOG") ? g_getenv("VFIO_DEVNODE_LOG") : "",
        dir);
    return g_string_free(x, false);
}

char *lv_log(const char *name)
{
    g_autofree char *path = g_strdup_printf("/var/log/libvirt/qemu/%s.log",
                                            name);

    return hedu_slurp(path);
}

void lv_note_log(const char *name, int lines)
{
    g_autofree char *log = lv_log(name);
    g_auto(GStrv) l = g_strsplit(log, "\n", -1);
    guint n = g_strv_length(l);

    for (guint i = n > (guint)lines ? n - lines : 0; i < n; i++) {
        if (*l[i]) {
            tap_note("%s log: %s", name, l[i]);
        }
    }
}

static pid_t domain_pid(const char *name)
{
    g_autofree char *path = g_strdup_printf("/run/libvirt/qemu/%s.pid", name);
    g_autofree char *pid = hedu_slurp(path);

    return (pid_t)atoi(pid);
}

LvDomain *lv_start(const LvSpec *s, char **why)
{
    g_autofree char *dir = g_build_filename(top, s->name, NULL);
    g_autofree char *xml = NULL, *path = NULL, *out = NULL;
    LvDomain *d;

    if (g_mkdir_with_parents(dir, 0777) || chmod(dir, 0777)) {
        tap_note("cannot make %s", dir);
        return NULL;
    }
    xml = lv_domain_xml(s, dir);
    path = g_build_filename(dir, "domain.xml", NULL);
    if (!g_file_set_contents(path, xml, -1, NULL) ||
        !lv_sh(&out, "virsh define %s", path)) {
        tap_note("virsh define %s: %s", s->name, out ? out : "");
        if (why) {
            *why = g_strdup_printf("define: %s", out ? out : "");
        }
        return NULL;
    }
    g_free(out);
    out = NULL;
    if (!lv_sh(&out, "virsh start %s", s->name)) {
        if (why) {
            g_autofree char *log = lv_log(s->name);

            *why = g_strdup_printf("%s\n%s", out, log);
        }
        lv_sh(NULL, "virsh undefine %s", s->name);
        return NULL;
    }
    d = g_new0(LvDomain, 1);
    d->name = g_strdup(s->name);
    d->dir = g_steal_pointer(&dir);
    d->pid = domain_pid(s->name);
    d->p = d->pid > 0 ? vht_adopt(d->pid, d->dir) : NULL;
    return d;
}

bool lv_destroy(LvDomain *d)
{
    bool gone;

    if (!d) {
        return true;
    }
    if (d->p) {
        vht_release(d->p);
    }
    lv_sh(NULL, "virsh destroy %s", d->name);
    for (int i = 0; i < 100 && d->pid > 0 && kill(d->pid, 0) == 0; i++) {
        g_usleep(100000);
    }
    gone = d->pid > 0 && kill(d->pid, 0) < 0 && errno == ESRCH;
    lv_sh(NULL, "virsh undefine %s", d->name);
    g_free(d->name);
    g_free(d->dir);
    g_free(d);
    return gone;
}

bool lv_wait_firmware(LvDomain *d)
{
    g_autofree char *path = g_build_filename(d->dir, "firmware.log", NULL);
    gint64 t0 = g_get_monotonic_time();

    while (g_get_monotonic_time() - t0 < FIRMWARE_TIMEOUT_S * G_USEC_PER_SEC) {
        g_autofree char *log = hedu_slurp(path);

        if (strstr(log, FIRMWARE_DONE)) {
            return true;
        }
        g_usleep(250000);
    }
    return false;
}

int lv_port_bus(LvDomain *d, int port)
{
    return (int)qedu_cfg_read(d->p, 0, PORT_SLOT(port), 0x19, 1);
}

uint64_t lv_enable_edu(LvDomain *d, int port)
{
    int bus = lv_port_bus(d, port);
    uint64_t bar = bus ? qedu_cfg_read(d->p, bus, 0, 0x10, 4) & ~0xfULL : 0;

    if (!bar) {
        tap_note("%s: no BAR0 behind root port %d (bus %d)", d->name, port,
                 bus);
        return 0;
    }
    return qedu_enable(d->p, bus, 0, bar);
}

long long lv_memlock(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/limits", pid);
    g_autofree char *text = hedu_slurp(path);
    const char *l = strstr(text, "Max locked memory");
    long long soft = -1;

    if (l) {
        sscanf(l + strlen("Max locked memory"), "%lld", &soft);
    }
    return soft;
}

char *lv_opens(LvDomain *d)
{
    g_autofree char *path = g_build_filename(d->dir, "devnodes.log", NULL);

    return hedu_slurp(path);
}

int lv_count_opens(LvDomain *d)
{
    g_autofree char *text = lv_opens(d);

    return lv_count_substr(text, "\n");
}

bool lv_shim_loaded(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/maps", pid);
    g_autofree char *maps = hedu_slurp(path);

    return strstr(maps, "/devnode-log.so") != NULL;
}

char *lv_cmdline(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/cmdline", pid);
    char *text = NULL;
    gsize len = 0;

    if (!g_file_get_contents(path, &text, &len, NULL)) {
        return g_strdup("");
    }
    for (gsize i = 0; i + 1 < len; i++) {
        if (!text[i]) {
            text[i] = ' ';
        }
    }
    return text;
}

char *lv_fd_target(pid_t pid, int fd)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/fd/%d", pid, fd);

    return g_file_read_link(path, NULL);
}

int lv_count_substr(const char *text, const char *needle)
{
    int n = 0;

    for (const char *c = text; c && (c = strstr(c, needle));
         c += strlen(needle)) {
        n++;
    }
    return n;
}

static uint32_t inl(VhtProc *p, uint16_t port)
{
    g_autofree char *r = vht_qtest(p, "inl 0x%x", port);

    return g_str_has_prefix(r, "OK ") ? (uint32_t)strtoul(r + 3, NULL, 0) : 0;
}

bool lv_eject_when_requested(VhtProc *p, const char *port_id, int timeout_s)
{
    g_autofree char *err = NULL;
    g_autoptr(JsonNode) bsel = hedu_qmp(p, &err, "{'execute': 'qom-get', "
        "'arguments': {'path': '/machine/peripheral/%s/%s', "
        "'property': 'acpi-pcihp-bsel'}}", port_id, port_id);
    gint64 end = g_get_monotonic_time() + timeout_s * G_USEC_PER_SEC;

    if (!bsel) {
        tap_note("no ACPI hotplug selector on %s: %s", port_id, err);
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

bool lv_qom_gone(VhtProc *p, const char *id, int timeout_s)
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

char *lv_domcaps_iommufd(const char *emulator)
{
    g_autofree char *out = NULL;
    GString *vals = g_string_new(NULL);
    const char *hd, *e, *end;

    if (!lv_sh(&out, "virsh domcapabilities --emulatorbin %s --virttype qemu "
               "--machine q35", emulator) ||
        !(hd = strstr(out, "<hostdev supported='yes'>")) ||
        !(end = strstr(hd, "</hostdev>")) ||
        !(e = strstr(hd, "<enum name='iommufd'>")) || e > end) {
        g_string_free(vals, true);
        return NULL;
    }
    end = strstr(e, "</enum>");
    for (const char *v = e; (v = strstr(v, "<value>")) && v < end; v++) {
        const char *ve = strstr(v, "</value>");

        g_string_append_printf(vals, "%s%.*s", vals->len ? "," : "",
                               (int)(ve - v - 7), v + 7);
    }
    return g_string_free(vals, false);
}

const char *lv_upstream(void)
{
    const char *bin = g_getenv("VFIO_UPSTREAM_QEMU");

    if (!g_getenv("VFIO_TRIXIE_MOUNT")) {
        return NULL;
    }
    return bin ? bin : "/usr/bin/qemu-system-x86_64";
}

void lv_enter_trixie_root(char **argv, bool libvirt)
{
    g_autofree char *script = NULL, *self = NULL;
    int argc = g_strv_length(argv), n = 0;
    char **args;

    if (g_getenv("VFIO_TRIXIE_MOUNT")) {
        return;
    }
    script = g_build_filename(g_getenv("VFIO_RIG_SRCDIR") ?
                              g_getenv("VFIO_RIG_SRCDIR") : ".",
                              "trixie-root.sh", NULL);
    self = g_file_read_link("/proc/self/exe", NULL);
    args = g_new0(char *, argc + 3);
    args[n++] = script;
    if (libvirt) {
        args[n++] = (char *)"--libvirt";
    }
    args[n++] = self ? self : argv[0];
    for (int i = 1; i < argc; i++) {
        args[n++] = argv[i];
    }
    execv(script, args);
    printf("1..1\nnot ok 1 - cannot run %s: %s\n", script, g_strerror(errno));
    exit(1);
}
