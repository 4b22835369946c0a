/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-libvirt: libvirt 12.x with native iommufd drives the patched
 * qemu-system-x86_64, with edu devices assigned through VFIO on the rig's
 * real kernel.
 *
 * Debian's libvirt 12.9.0 (trixie-backports) runs in the trixie userland
 * of scripts/trixie-root.sh, which tests/vm/trixie-root.sh --libvirt lays
 * under the rig's guest; this program re-runs itself there.  QEMU runs as
 * libvirt-qemu without capabilities (Debian's default), so the /dev/vfio
 * device cdevs (root, 0600) are out of its reach, and libvirt opens
 * /dev/iommu and the cdevs and passes them (-object iommufd,fd=...,
 * -device vfio-pci,fd=...).  Domains (libvirt-domain.c): q35, TCG,
 * 128 MiB, SeaBIOS, every hostdev in a root port of its own.
 *
 *  caps     `virsh domcapabilities` of the patched build, the control and
 *           Debian's newest QEMU: the hostdev enum 'iommufd' libvirt
 *           offers (yes, no).
 *  hostdev  per-hostdev <driver iommufd='yes'/> (2 edus) next to a legacy
 *           hostdev (1 edu): the fds libvirt passes and what they point
 *           at, the nodes QEMU opens itself (devnode-log.so: only the
 *           legacy device's group), RLIMIT_MEMLOCK, one shared IOAS that
 *           pins guest RAM once (VmPin; VmLck: libvirt set process-based
 *           accounting on the iommufd), DMA through each device; live
 *           attach of a third iommufd hostdev with virsh (a new fd, no
 *           node opened, no MAP/COPY/UNMAP in the running IOAS, DMA) and
 *           live detach (the guest's ACPI eject played over qtest).
 *  wide     the domain-wide <iommufd enabled='yes'/>: hostdevs without an
 *           attribute use iommufd, one with iommufd='no' stays legacy.
 *  fdgroup  <iommufd enabled='yes' fdgroup=.../>: the /dev/iommu fd a
 *           management application opened, handed over with virsh
 *           dom-fd-associate, is the one QEMU uses (its IOAS is visible
 *           through the application's fd), and libvirt leaves its
 *           accounting mode alone.
 *  memfd    <memoryBacking><source type='memfd'/> (what vhost-user and
 *           virtiofs need) with an iommufd hostdev on Linux 6.12, which
 *           has no IOMMU_IOAS_MAP_FILE: the patched build maps by address
 *           (patch 2); the control and Debian's newest do not start.
 *           Where the kernel has it (probed: Linux >= 6.13) all three
 *           start and DMA.
 *  mixed    the hostdev domain (iommufd and legacy hostdevs in one
 *           address space) on the control and on Debian's newest QEMU:
 *           both abort at start-up in a checked QOM cast (the series'
 *           patch 3 fixes it).
 *
 * Usage: test-libvirt [--only=NAME,...]
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/iommufd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "edu.h"
#include "harness.h"
#include "libvirt-domain.h"

#define LEN 4000
#define DETACH_TIMEOUT_S 60
/* libvirt's RLIMIT_MEMLOCK for VFIO hostdevs without a vIOMMU */
#define LIMIT_NO_VIOMMU ((long long)(LV_RAM_MB + 1024) << 20)
/* Debian's build-time QEMU user */
#define QEMU_UID 64055

static char bdfs[HEDU_MAX][32];
static const char *patched, *control, *upstream;
static const char *only;

static bool selected(const char *name)
{
    g_auto(GStrv) names = only ? g_strsplit(only, ",", -1) : NULL;

    return !names || g_strv_contains((const char *const *)names, name);
}

/* ---- the QEMU process ---- */

/* The -device/-object JSON argument of @cmdline holding "id":"@id" */
static char *json_arg(const char *cmdline, const char *id)
{
    g_autofree char *key = g_strdup_printf("\"id\":\"%s\"", id);
    const char *k = strstr(cmdline, key), *b, *e;

    if (!k) {
        return NULL;
    }
    for (b = k; b > cmdline && *b != '{'; b--) {
    }
    e = strchr(k, '}');
    return e ? g_strndup(b, e - b + 1) : NULL;
}

/* The number after "fd":" in @arg, -1 if none */
static int fd_of(const char *arg)
{
    const char *f = arg ? strstr(arg, "\"fd\":\"") : NULL;

    return f ? atoi(f + 6) : -1;
}

static int fds_to(pid_t pid, const char *prefix)
{
    g_autoptr(GArray) fds = hedu_fds_to(pid, prefix);

    return fds->len;
}

static long status_hex(pid_t pid, const char *name, bool hex)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", pid);
    g_autofree char *text = NULL;
    g_autofree char *key = g_strdup_printf("\n%s:", name);
    const char *l;

    if (!g_file_get_contents(path, &text, NULL, NULL) ||
        !(l = strstr(text, key))) {
        return -1;
    }
    return strtol(l + strlen(key), NULL, hex ? 16 : 10);
}

/* The iommu group of @bdf, -1 if none */
static int group_of(const char *bdf)
{
    g_autofree char *link = g_strdup_printf(
        "/sys/bus/pci/devices/%s/iommu_group", bdf);
    g_autofree char *target = g_file_read_link(link, NULL);

    return target ? atoi(strrchr(target, '/') + 1) : -1;
}

/*
 * A hostdev libvirt gave to QEMU on iommufd: its -device argument has
 * "iommufd":"iommufd0" and an fd, and that fd of the process is @bdf's
 * cdev
 */
static void check_passed_device(LvDomain *d, const char *cmdline,
                                const char *id, const char *bdf)
{
    g_autofree char *arg = json_arg(cmdline, id);
    g_autofree char *cdev = hedu_cdev_path(bdf);
    g_autofree char *target = NULL;
    int fd = fd_of(arg);

    target = fd >= 0 ? lv_fd_target(d->pid, fd) : NULL;
    CHECK(arg && strstr(arg, "\"iommufd\":\"iommufd0\"") && !strstr(arg,
                                                                 "\"host\""),
          "%s: %s is -device %s", d->name, id, arg ? arg : "(missing)");
    CHECK(target && cdev && !strcmp(target, cdev),
          "%s: %s's fd %d is %s's cdev %s (QEMU's fd points at %s)", d->name,
          id, fd, bdf, cdev ? cdev : "?", target ? target : "nothing");
}

/* A legacy hostdev: host= and no fd, no iommufd */
static void check_legacy_device(LvDomain *d, const char *cmdline,
                                const char *id, const char *bdf)
{
    g_autofree char *arg = json_arg(cmdline, id);
    g_autofree char *host = g_strdup_printf("\"host\":\"%s\"", bdf);

    CHECK(arg && strstr(arg, host) && !strstr(arg, "\"fd\"") &&
          !strstr(arg, "iommufd"),
          "%s: %s is a legacy -device %s", d->name, id,
          arg ? arg : "(missing)");
}

/* The iommufd object: one, with an fd that is /dev/iommu */
static void check_passed_iommufd(LvDomain *d, const char *cmdline)
{
    g_autofree char *arg = json_arg(cmdline, "iommufd0");
    g_autofree char *target = NULL;
    int fd = fd_of(arg);

    target = fd >= 0 ? lv_fd_target(d->pid, fd) : NULL;
    CHECK(arg && strstr(arg, "\"qom-type\":\"iommufd\"") && fd >= 0 &&
          lv_count_substr(cmdline, "\"qom-type\":\"iommufd\"") == 1,
          "%s: one -object %s", d->name, arg ? arg : "iommufd (missing)");
    CHECK(target && !strcmp(target, "/dev/iommu"), "%s: its fd %d is "
          "/dev/iommu (QEMU's fd points at %s)", d->name, fd,
          target ? target : "nothing");
}

/* What QEMU opened itself: nothing of iommufd; @group's node if >= 0 */
static void check_opens(LvDomain *d, int group)
{
    g_autofree char *log = lv_opens(d);
    g_autofree char *node = g_strdup_printf("open /dev/vfio/%d\n", group);
    g_auto(GStrv) lines = g_strsplit(log, "\n", -1);

    for (int i = 0; lines[i]; i++) {
        if (*lines[i]) {
            tap_note("%s: QEMU itself: %s", d->name, lines[i]);
        }
    }
    CHECK(lv_shim_loaded(d->pid), "%s: devnode-log.so is loaded in QEMU",
          d->name);
    CHECK(!strstr(log, "/dev/iommu") && !strstr(log, "/dev/vfio/devices/"),
          "%s: QEMU opened neither /dev/iommu nor a VFIO cdev", d->name);
    if (group >= 0) {
        CHECK_EQ(lv_count_substr(log, node), 1, "%s: it opened the legacy "
                 "hostdev's group /dev/vfio/%d once", d->name, group);
    } else {
        CHECK_EQ(lv_count_opens(d), 0, "%s: it opened no /dev/iommu or "
                 "/dev/vfio/ node at all", d->name);
    }
}

static void check_unprivileged(LvDomain *d)
{
    long uid = status_hex(d->pid, "Uid", false);
    long cap = status_hex(d->pid, "CapEff", true);

    CHECK(uid == QEMU_UID && cap == 0, "%s: QEMU runs as libvirt-qemu "
          "(uid %ld) without capabilities (CapEff %lx)", d->name, uid, cap);
}

/* ---- x-query-vfio ---- */

/* virsh qemu-monitor-command DOM x-query-vfio: through libvirt's monitor */
static JsonNode *query_via_libvirt(const char *dom)
{
    g_autofree char *out = NULL;
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *o;

    if (!lv_sh(&out, "virsh qemu-monitor-command %s "
               "'{\"execute\": \"x-query-vfio\"}'", dom) ||
        !json_parser_load_from_data(parser, out, -1, NULL)) {
        return NULL;
    }
    o = json_node_get_object(json_parser_get_root(parser));
    return o && json_object_has_member(o, "return") ?
           json_node_copy(json_object_get_member(o, "return")) : NULL;
}

static const char *backend(JsonObject *c)
{
    return c ? json_object_get_string_member_with_default(c, "type", "?")
             : "none";
}

static int64_t mapped_kb(JsonObject *c)
{
    JsonArray *ms = c ? json_object_get_array_member(c, "mappings") : NULL;
    int64_t sum = 0;

    for (guint i = 0; ms && i < json_array_get_length(ms); i++) {
        sum += json_object_get_int_member(json_array_get_object_element(ms, i),
                                          "size");
    }
    return sum >> 10;
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

/* hostdev0..@n_iommufd-1 share one iommufd container, the rest legacy */
static JsonObject *check_containers(LvDomain *d, JsonNode *q, int n_iommufd,
                                    int n)
{
    JsonObject *shared = qedu_container_of(q, "hostdev0");
    int same = 0;

    for (int i = 0; i < n_iommufd; i++) {
        g_autofree char *id = g_strdup_printf("hostdev%d", i);

        same += shared && qedu_container_of(q, id) == shared;
    }
    CHECK(same == n_iommufd && strstr(backend(shared), "iommufd"),
          "%s: x-query-vfio: the %d iommufd hostdevs share one %s container "
          "(IOAS %" PRId64 ")", d->name, n_iommufd, backend(shared),
          shared ? json_object_get_int_member_with_default(shared, "ioas-id",
                                                           -1) : -1);
    for (int i = n_iommufd; i < n; i++) {
        g_autofree char *id = g_strdup_printf("hostdev%d", i);
        JsonObject *c = qedu_container_of(q, id);

        CHECK(c && c != shared && strstr(backend(c), "legacy"),
              "%s: %s is in a %s container", d->name, id, backend(c));
    }
    return shared;
}

/* ---- DMA ---- */

static void dma_checks(LvDomain *d, const char *when, const uint64_t *bar,
                       int n, unsigned seed)
{
    for (int i = 0; i < n; i++) {
        CHECK(bar[i] && hedu_round_trip(d->p, bar[i], QEDU_SRC_GPA,
                                        QEDU_DST_GPA, LEN, seed + i),
              "%s: %s: hostdev%d DMAs RAM -> edu -> RAM byte-exact",
              d->name, when, i);
    }
}

/*
 * BAR0 for the edu hot-added behind root port @port: SeaBIOS sized the
 * port's window at boot; the device gets its base
 */
static uint64_t place_hotplugged(LvDomain *d, int port)
{
    int slot = 1 + port, bus = lv_port_bus(d, port);
    uint32_t mem = qedu_cfg_read(d->p, 0, slot, 0x20, 4);
    uint64_t base = (uint64_t)(mem & 0xfff0) << 16;
    uint64_t limit = ((uint64_t)(mem >> 16 & 0xfff0) << 16) | 0xfffff;

    tap_note("%s: root port %d: bus %d, window 0x%" PRIx64 "-0x%" PRIx64,
             d->name, port, bus, base, limit);
    if (!bus || limit < base + 0xfffff) {
        return 0;
    }
    return qedu_enable(d->p, bus, 0, base);
}

/* ---- scenarios ---- */

static void scenario_caps(void)
{
    const char *bins[] = { patched, control, upstream };
    const char *names[] = { "patched", "control", "Debian's newest" };

    for (int i = 0; i < 3; i++) {
        g_autofree char *v = bins[i] ? lv_domcaps_iommufd(bins[i]) : NULL;

        if (!bins[i]) {
            continue;
        }
        CHECK(v && !strcmp(v, "yes,no"), "caps: virsh domcapabilities of "
              "the %s QEMU (%s): hostdev iommufd values %s (want yes,no)",
              names[i], bins[i], v ? v : "(none)");
    }
}

static LvSpec hostdev_spec(const char *name, const char *emulator)
{
    return (LvSpec){ .name = name, .emulator = emulator, .ports = 4, .n = 3,
                     .hd = { { bdfs[0], 1, "yes" }, { bdfs[1], 2, "yes" },
                             { bdfs[2], 3, NULL } } };
}

static void hot_attach_detach(LvDomain *d, JsonObject *shared0,
                              const uint64_t *bar)
{
    LvHostdev h = { bdfs[3], 4, "yes" };
    g_autofree char *xml = lv_hostdev_xml(&h);
    g_autofree char *path = g_build_filename(d->dir, "hostdev3.xml", NULL);
    g_autofree char *dump = NULL, *cdev = hedu_cdev_path(bdfs[3]);
    g_autoptr(JsonNode) q1 = NULL, q2 = NULL;
    g_autoptr(GError) err = NULL;
    const char *argv[] = { "virsh", "detach-device", d->name, path, "--live",
                           NULL };
    int opens = lv_count_opens(d);
    long pin = qedu_vmpin(d->p);
    Counts a0 = counts(shared0), a1;
    JsonObject *c;
    uint64_t bar3;
    int status = -1;
    GPid pid;

    g_file_set_contents(path, xml, -1, NULL);
    if (!CHECK(lv_sh(NULL, "virsh attach-device %s %s --live", d->name, path),
               "%s: virsh attach-device --live of an iommufd hostdev (%s)",
               d->name, bdfs[3])) {
        return;
    }
    q1 = qedu_query(d->p);
    c = qedu_container_of(q1, "hostdev3");
    CHECK(c && c == qedu_container_of(q1, "hostdev0"), "%s: hostdev3 joined "
          "the shared IOAS", d->name);
    a1 = counts(qedu_container_of(q1, "hostdev0"));
    same_counts("attach: the running IOAS", a0, a1);
    CHECK_EQ(qedu_vmpin(d->p), pin, "%s: VmPin unchanged (%ld kB)", d->name,
             pin);
    CHECK_EQ(fds_to(d->pid, "/dev/vfio/devices/"), 3, "%s: QEMU holds 3 "
             "cdev fds", d->name);
    {
        g_autoptr(GArray) fds = hedu_fds_to(d->pid, cdev ? cdev : "?");

        CHECK_EQ(fds->len, 1, "%s: one of them is %s's cdev %s, passed by "
                 "libvirt", d->name, bdfs[3], cdev ? cdev : "?");
    }
    CHECK_EQ(lv_count_opens(d), opens, "%s: QEMU opened no node for it",
             d->name);
    lv_sh(&dump, "virsh dumpxml %s", d->name);
    CHECK_EQ(lv_count_substr(dump, "<hostdev "), 4, "%s: virsh dumpxml "
             "lists 4 hostdevs", d->name);
    bar3 = place_hotplugged(d, 4);
    CHECK(bar3 && hedu_round_trip(d->p, bar3, QEDU_SRC_GPA, QEDU_DST_GPA,
                                  LEN, 40),
          "%s: the hot-added hostdev3 DMAs byte-exact", d->name);

    /* libvirt sends device_del and waits; the guest must eject */
    if (!CHECK(g_spawn_async(NULL, (char **)argv, NULL,
                             G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                             NULL, NULL, &pid, &err),
               "%s: virsh detach-device started", d->name)) {
        return;
    }
    CHECK(lv_eject_when_requested(d->p, "pci.4", DETACH_TIMEOUT_S),
          "%s: the unplug request reached the guest; ejected as ACPI would",
          d->name);
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "%s: virsh detach-device succeeded (status 0x%x)", d->name, status);
    CHECK(lv_qom_gone(d->p, "hostdev3", 20), "%s: hostdev3 left QEMU's QOM "
          "tree", d->name);
    CHECK_EQ(qedu_wait_vfio_fds(d->pid, 2), 2, "%s: QEMU holds 2 cdev fds "
             "again", d->name);
    q2 = qedu_query(d->p);
    CHECK(q2 && !qedu_container_of(q2, "hostdev3"), "%s: x-query-vfio no "
          "longer lists hostdev3", d->name);
    same_counts("attach + detach: the running IOAS", a0,
                counts(qedu_container_of(q2, "hostdev0")));
    CHECK_EQ(qedu_vmpin(d->p), pin, "%s: VmPin %ld kB", d->name, pin);
    for (int i = 0; i < 20; i++) {
        g_free(dump);
        dump = NULL;
        lv_sh(&dump, "virsh dumpxml %s", d->name);
        if (lv_count_substr(dump, "<hostdev ") == 3) {
            break;
        }
        g_usleep(250000);
    }
    CHECK_EQ(lv_count_substr(dump, "<hostdev "), 3, "%s: virsh dumpxml "
             "lists 3 hostdevs", d->name);
    dma_checks(d, "after the detach", bar, 3, 50);
}

/*
 * The hostdev and wide domains: hostdev0, hostdev1 on iommufd (passed
 * fds), hostdev2 legacy; @hotplug: attach and detach a fourth
 */
static void iommufd_and_legacy(LvSpec s, bool hotplug)
{
    g_autofree char *why = NULL, *cmdline = NULL;
    g_autoptr(JsonNode) q = NULL;
    LvDomain *d = lv_start(&s, &why);
    JsonObject *shared;
    uint64_t bar[3];
    long pin, lck;

    if (!CHECK(d && d->p, "%s: virsh define + start (patched)", s.name)) {
        tap_note("%s", why ? why : "");
        lv_destroy(d);
        return;
    }
    cmdline = lv_cmdline(d->pid);
    check_unprivileged(d);
    check_passed_iommufd(d, cmdline);
    check_passed_device(d, cmdline, "hostdev0", bdfs[0]);
    check_passed_device(d, cmdline, "hostdev1", bdfs[1]);
    check_legacy_device(d, cmdline, "hostdev2", bdfs[2]);
    CHECK(fds_to(d->pid, "/dev/iommu") == 1 &&
          fds_to(d->pid, "/dev/vfio/devices/") == 2,
          "%s: QEMU holds 1 /dev/iommu fd and 2 cdev fds", s.name);
    check_opens(d, group_of(bdfs[2]));
    CHECK_EQ(lv_memlock(d->pid), LIMIT_NO_VIOMMU, "%s: RLIMIT_MEMLOCK %lld "
             "= RAM + 1 GiB (no vIOMMU)", s.name, lv_memlock(d->pid));
    CHECK(lv_wait_firmware(d), "%s: SeaBIOS ran to the end", s.name);

    q = hotplug ? query_via_libvirt(s.name) : qedu_query(d->p);
    qedu_note_query(q);
    shared = check_containers(d, q, 2, 3);
    pin = qedu_vmpin(d->p);
    lck = qedu_status_kb(d->pid, "VmLck");
    CHECK_EQ(pin, LV_PINNED_KB, "%s: VmPin %ld kB: RAM + BIOS pinned once "
             "for both iommufd hostdevs", s.name, pin);
    CHECK_EQ(mapped_kb(shared), pin, "%s: the shared IOAS maps what is "
             "pinned (%" PRId64 " kB)", s.name, mapped_kb(shared));
    CHECK_EQ(lck, 2 * LV_PINNED_KB, "%s: VmLck %ld kB: the shared IOAS "
             "(process-based accounting, set by libvirt) + the type1 "
             "container", s.name, lck);
    for (int i = 0; i < 3; i++) {
        bar[i] = lv_enable_edu(d, s.hd[i].port);
    }
    dma_checks(d, "started by libvirt", bar, 3, 10);
    if (hotplug) {
        hot_attach_detach(d, shared, bar);
    }
    CHECK(lv_destroy(d), "%s: virsh destroy: the QEMU process is gone",
          s.name);
}

static void scenario_fdgroup(void)
{
    LvSpec s = { .name = "edu-fdgroup", .emulator = patched,
                 .iommufd = "enabled='yes' fdgroup='iommu0'", .ports = 2,
                 .n = 2, .hd = { { bdfs[0], 1, NULL }, { bdfs[1], 2, NULL } } };
    g_autofree char *why = NULL, *cmdline = NULL, *path = NULL, *xml = NULL;
    g_autofree char *out = NULL, *dir = NULL;
    g_autoptr(JsonNode) q = NULL;
    struct iommu_option opt = { .size = sizeof(opt),
                                .option_id = IOMMU_OPTION_RLIMIT_MODE,
                                .op = IOMMU_OPTION_OP_GET };
    struct iommu_ioas_iova_ranges r = { .size = sizeof(r) };
    int fd = open("/dev/iommu", O_RDWR), other;
    LvDomain *d = NULL;
    JsonObject *c;
    uint64_t bar[2];
    bool started;

    if (!CHECK(fd >= 0, "fdgroup: the application opens /dev/iommu")) {
        return;
    }
    CHECK(ioctl(fd, IOMMU_OPTION, &opt) == 0 && opt.val64 == 0,
          "fdgroup: its accounting mode is the default, user-based (%llu)",
          (unsigned long long)opt.val64);
    /* lv_start() without the start: the fd must reach the same virsh */
    dir = g_build_filename(g_get_tmp_dir(), "vfio-fdgroup-XXXXXX", NULL);
    g_mkdtemp(dir);
    chmod(dir, 0777);
    xml = lv_domain_xml(&s, dir);
    path = g_build_filename(dir, "domain.xml", NULL);
    g_file_set_contents(path, xml, -1, NULL);
    started = CHECK(lv_sh(NULL, "virsh define %s", path) &&
                    lv_sh(&out, "virsh 'dom-fd-associate %s --name iommu0 "
                          "--pass-fds 3; start %s' 3<&%d", s.name, s.name, fd),
                    "fdgroup: virsh dom-fd-associate --name iommu0 "
                    "--pass-fds 3 + start, in one connection");
    if (!started) {
        tap_note("%s", out);
        lv_note_log(s.name, 10);
        lv_sh(NULL, "virsh undefine %s", s.name);
        close(fd);
        return;
    }
    d = g_new0(LvDomain, 1);
    d->name = g_strdup(s.name);
    d->dir = g_strdup(dir);
    {
        g_autofree char *pidtext = NULL;

        g_file_get_contents("/run/libvirt/qemu/edu-fdgroup.pid", &pidtext,
                            NULL, NULL);
        d->pid = pidtext ? atoi(pidtext) : 0;
    }
    d->p = d->pid > 0 ? vht_adopt(d->pid, d->dir) : NULL;
    if (!CHECK(d->p, "fdgroup: QEMU runs (pid %d)", d->pid)) {
        lv_destroy(d);
        close(fd);
        return;
    }
    cmdline = lv_cmdline(d->pid);
    check_passed_iommufd(d, cmdline);
    check_passed_device(d, cmdline, "hostdev0", bdfs[0]);
    check_passed_device(d, cmdline, "hostdev1", bdfs[1]);
    check_opens(d, -1);
    CHECK(lv_wait_firmware(d), "fdgroup: SeaBIOS ran to the end");
    q = qedu_query(d->p);
    c = check_containers(d, q, 2, 2);
    r.ioas_id = c ? json_object_get_int_member_with_default(c, "ioas-id", 0)
                  : 0;
    /* no room for ranges: EMSGSIZE and their number, or ENOENT */
    CHECK(r.ioas_id && ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &r) == -1 &&
          errno == EMSGSIZE && r.num_iovas == 2,
          "fdgroup: QEMU's IOAS %u answers IOMMU_IOAS_IOVA_RANGES through "
          "the application's own fd (%u ranges): it is the same iommufd",
          r.ioas_id, r.num_iovas);
    r.num_iovas = 0;
    other = open("/dev/iommu", O_RDWR);
    CHECK_ERRNO(ioctl(other, IOMMU_IOAS_IOVA_RANGES, &r), ENOENT,
                "fdgroup: through a fresh /dev/iommu that IOAS does not "
                "exist (ENOENT)");
    close(other);
    opt.val64 = 99;
    CHECK(ioctl(fd, IOMMU_OPTION, &opt) == 0 && opt.val64 == 0,
          "fdgroup: libvirt left the passed fd's accounting user-based "
          "(%llu)", (unsigned long long)opt.val64);
    CHECK(qedu_vmpin(d->p) == LV_PINNED_KB &&
          qedu_status_kb(d->pid, "VmLck") == 0,
          "fdgroup: VmPin %ld kB, VmLck %ld kB: the pins are charged to the "
          "user libvirt-qemu, not to the process", qedu_vmpin(d->p),
          qedu_status_kb(d->pid, "VmLck"));
    for (int i = 0; i < 2; i++) {
        bar[i] = lv_enable_edu(d, s.hd[i].port);
    }
    dma_checks(d, "on the application's iommufd", bar, 2, 60);
    CHECK(lv_destroy(d), "fdgroup: virsh destroy: the QEMU process is gone");
    close(fd);
}

static void scenario_memfd(const char *label, const char *bin, bool fixed)
{
    g_autofree char *name = g_strdup_printf("edu-memfd-%s", label);
    LvSpec s = { .name = name, .emulator = bin, .memfd = true,
                 .iommufd = "enabled='yes'", .ports = 1, .n = 1,
                 .hd = { { bdfs[0], 1, NULL } } };
    g_autofree char *why = NULL, *cmdline = NULL;
    LvDomain *d = lv_start(&s, &why);

    if (!fixed) {
        CHECK(!d && why && strstr(why, "memory listener initialization "
                                  "failed: Region pc.ram") &&
              strstr(why, "= -25 (Inappropriate ioctl for device)"),
              "memfd: %s QEMU (%s): virsh start fails: mapping the memfd "
              "RAM failed with ENOTTY (IOMMU_IOAS_MAP_FILE)", label, bin);
        lv_destroy(d);
        return;
    }
    if (!CHECK(d && d->p, "memfd: %s: virsh start with memfd guest RAM",
               label)) {
        tap_note("%s", why ? why : "");
        lv_destroy(d);
        return;
    }
    cmdline = lv_cmdline(d->pid);
    CHECK(strstr(cmdline, "\"qom-type\":\"memory-backend-memfd\",\"id\":"
                 "\"pc.ram\"") != NULL,
          "memfd: %s: libvirt backs guest RAM with memory-backend-memfd",
          label);
    CHECK(lv_wait_firmware(d), "memfd: %s: SeaBIOS ran to the end", label);
    CHECK_EQ(qedu_vmpin(d->p), LV_PINNED_KB, "memfd: %s: VmPin %ld kB",
             label, qedu_vmpin(d->p));
    CHECK(hedu_round_trip(d->p, lv_enable_edu(d, 1), QEDU_SRC_GPA,
                          QEDU_DST_GPA, LEN, 80),
          "memfd: %s: hostdev0 DMAs RAM -> edu -> RAM byte-exact", label);
    CHECK(lv_destroy(d), "memfd: %s: virsh destroy: the QEMU process is "
          "gone", label);
}

static void scenario_mixed_unpatched(const char *label, const char *bin)
{
    g_autofree char *name = g_strdup_printf("edu-mixed-%s", label);
    LvSpec s = hostdev_spec(name, bin);
    g_autofree char *why = NULL;
    LvDomain *d = lv_start(&s, &why);

    /* iommufd hostdevs come first: the legacy one's attach loop casts */
    CHECK(!d && why && strstr(why, "is not an instance of type "
                              "vfio-iommu-legacy"),
          "mixed: %s QEMU (%s): virsh start of iommufd + legacy hostdevs "
          "fails, QEMU aborting in the checked cast to vfio-iommu-legacy",
          label, bin);
    if (d) {
        lv_destroy(d);
    } else if (why) {
        g_auto(GStrv) lines = g_strsplit(why, "\n", -1);

        for (int i = 0; lines[i]; i++) {
            if (strstr(lines[i], "instance") || strstr(lines[i], "error:")) {
                tap_note("mixed %s: %s", label, lines[i]);
            }
        }
    }
}

int main(int argc, char **argv)
{
    gint64 t0 = g_get_monotonic_time();

    if (!g_getenv("VFIO_TRIXIE_MOUNT")) {
        lv_enter_trixie_root(argv, true);
    }
    for (int i = 1; i < argc; i++) {
        if (g_str_has_prefix(argv[i], "--only=")) {
            only = argv[i] + 7;
        }
    }
    hedu_init();
    if (hedu_find(bdfs, 4) < 4) {
        return tap_done();
    }
    patched = qedu_binary("patched");
    control = qedu_binary("control");
    upstream = lv_upstream();
    if (!CHECK(patched && control, "the patched and control binaries in "
               "$VFIO_QEMU_BINARIES") ||
        !CHECK(g_getenv("VFIO_DEVNODE_LOG") != NULL,
               "the open logger ($VFIO_DEVNODE_LOG)") ||
        !CHECK(lv_init(), "a scratch directory")) {
        return tap_done();
    }
    {
        g_autofree char *v = NULL;

        lv_sh(&v, "virsh --version; %s --version | head -n1", upstream);
        tap_note("libvirt %s", g_strdelimit(v, "\n", ' '));
    }
    if (selected("caps")) {
        scenario_caps();
    }
    if (selected("hostdev")) {
        iommufd_and_legacy(hostdev_spec("edu-hostdev", patched), true);
    }
    if (selected("wide")) {
        iommufd_and_legacy((LvSpec){ .name = "edu-wide", .emulator = patched,
            .iommufd = "enabled='yes'", .ports = 3, .n = 3,
            .hd = { { bdfs[0], 1, NULL }, { bdfs[1], 2, NULL },
                    { bdfs[2], 3, "no" } } }, false);
    }
    if (selected("fdgroup")) {
        scenario_fdgroup();
    }
    if (selected("memfd")) {
        int map_file = qedu_probe_map_file();

        if (map_file < 0) {
            tap_result(false, "memfd: IOMMU_IOAS_MAP_FILE on a scratch IOAS: "
                       "mapped or ENOTTY");
        } else {
            tap_note("memfd: the kernel %s IOMMU_IOAS_MAP_FILE",
                     map_file ? "has" : "lacks (ENOTTY)");
            scenario_memfd("patched", patched, true);
            scenario_memfd("control", control, map_file);
            if (upstream) {
                scenario_memfd("upstream", upstream, map_file);
            }
        }
    }
    if (selected("mixed")) {
        scenario_mixed_unpatched("control", control);
        if (upstream) {
            scenario_mixed_unpatched("upstream", upstream);
        }
    }
    tap_note("test-libvirt took %.1f s", (g_get_monotonic_time() - t0) / 1e6);
    return tap_done();
}
