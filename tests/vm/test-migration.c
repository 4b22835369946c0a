/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-migration: live migration and CPR of assigned devices on the rig's
 * real kernel, the patched build against the control (pristine 10.2.2 +
 * patch 1) for the same layouts.  The binaries come from
 * $VFIO_QEMU_BINARIES, labelled "control" and "patched"
 * (docs/migration.md has the results and what they mean).
 *
 * The migratable device is the kernel's mtty sample mdev (a 16550-like
 * serial card with a loopback FIFO, VFIO migration since Linux 6.7): the
 * test creates mdev instances through sysfs, a fresh one per QEMU, and
 * assigns them with vfio-pci,sysfsdev= on a type1 container (the mdev's
 * own IOMMU group) or on an iommufd object (an emulated device: iommufd
 * attaches it to the IOAS through an access, no HWPT).
 *
 *  - live migration between two QEMUs of one binary in the guest, over a
 *    unix socket, for four layouts (and a fifth, a type1 and an iommufd
 *    container in one address space, that the control cannot start:
 *    test-qemu-fixes shows its abort): the device's registers and FIFO
 *    cross (written before, read back on the destination's fresh mdev);
 *    guest RAM arrives exactly, with pages written over qtest while the
 *    migration runs and while it waits before switching over
 *    (pause-before-switchover): a shared memory-backend-file the test
 *    compares whole, or, for the iommufd layouts both binaries run,
 *    anonymous RAM read through qtest (the control cannot map fd-backed
 *    RAM on iommufd without IOMMU_IOAS_MAP_FILE, Linux < 6.13);
 *    x-query-vfio (patched) shows the same containers and mappings on both
 *    sides; and every dirty-tracking call each container and device
 *    received (fault-ioctl.so's log) is counted: one start, one report per
 *    RAM section per bitmap sync (query-migrate's dirty-sync-count), no
 *    stop (the source stays stopped, so the memory core never stops the
 *    log), nothing on the destination, the same on both binaries.
 *    mtty implements DMA logging, so by default the device tracks
 *    (VFIO_DEVICE_FEATURE DMA_LOGGING_*); with
 *    x-device-dirty-page-tracking=off the type1 container does
 *    (VFIO_IOMMU_DIRTY_PAGES) and an iommufd container without a
 *    dirty-tracking HWPT has nothing (enable-migration=on accepts that).
 *  - an edu (vfio-pci without a migration driver) next to an mtty blocks
 *    migration with upstream's message, unchanged.
 *  - CPR (cpr-transfer, the mode 10.2 supports for VFIO): an mdev blocks
 *    it on type1 ("CPR does not support vfio mdev"); an iommufd backend
 *    blocks it where the kernel lacks IOMMU_IOAS_CHANGE_PROCESS (Linux <
 *    6.13; patch 1 makes that blocker an error message instead of a
 *    SIGSEGV); an edu on type1 is transferred: its DMA works in the new
 *    process, VmLck moved from the old process to the new one (pinned
 *    once), the new one only gave the mappings their new vaddr, the old
 *    one quits cleanly.  Where the kernel has IOMMU_IOAS_CHANGE_PROCESS
 *    (Linux >= 6.13: the rig's 7.3 kernel) the same on iommufd, without
 *    CAP_IPC_LOCK, with a second IOAS filled by COPY from the first
 *    (patched).  The control's old process dies of SIGSEGV in both
 *    transfers (the upstream defects of cpr-transfer without KVM that
 *    patches 6 and 7 fix).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/iommufd.h>

#include "edu.h"
#include "harness.h"
#include "qemu-edu.h"

#define PAGE 4096ULL
/*
 * Guest RAM of the migrations: small, because under TCG in TCG the time
 * goes into touching it (the source's zero-page scan faults in every page
 * of a shared file; the test compares the files whole)
 */
#define MIG_RAM_MB 32
#define RAM_BYTES ((uint64_t)MIG_RAM_MB << 20)
/* guest RAM the test fills before the migration (the rest is zero) */
#define PREFILL_GPA 0x1000000ULL
#define PREFILL_BYTES (512ULL << 10)
/* the migration's bandwidth until the test lets it converge */
#define SLOW_BPS (16 << 20)
#define FAST_BPS (1ULL << 30)
/*
 * RAM sections the listener syncs per bitmap sync under qtest: RAM below
 * 0xc0000, the two 128 KiB PAM ROM windows, RAM from 1 MiB, the BIOS ROM
 * (x-query-vfio lists the same five mappings)
 */
#define RAM_SECTIONS 5
#define LEN 4000

/* VFIO_DEVICE_FEATURE flags words (linux/vfio.h) */
#define FEAT_GET 0x10000
#define FEAT_SET 0x20000
#define DMA_LOG_START (FEAT_SET | 6)
#define DMA_LOG_STOP (FEAT_SET | 7)
#define DMA_LOG_REPORT (FEAT_GET | 8)
/* struct vfio_iommu_type1_dirty_bitmap flags */
#define DIRTY_START 0x1
#define DIRTY_STOP 0x2
#define DIRTY_GET 0x4
/* struct vfio_iommu_type1_dma_map / _unmap flags */
#define DMA_MAP_VADDR 0x4
#define DMA_UNMAP_ALL 0x2
#define DMA_UNMAP_VADDR 0x4

/* mtty's 16550 registers (BAR0: 8 I/O ports) */
#define UART_RX 0
#define UART_TX 0
#define UART_DLL 0
#define UART_DLM 1
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7
#define LSR_DR 0x01
#define LSR_EMPTY 0x60          /* THRE | TEMT */
#define MTTY_PORT_BASE 0x1000
#define MTTY_FIRST_SLOT 6

#define BLOCKED_EDU "VFIO migration is not supported in kernel"
#define BLOCKED_MDEV "CPR does not support vfio mdev "
#define BLOCKED_IOMMUFD "vfio iommufd backend does not support " \
                        "IOMMU_IOAS_CHANGE_PROCESS"
#define NO_DIRTY_WARNING "VFIO device doesn't support device and IOMMU " \
                         "dirty tracking"

static char bdfs[HEDU_MAX][32];
static bool change_process;     /* the kernel has IOMMU_IOAS_CHANGE_PROCESS */

/* ---- small helpers ---- */

static void note_lines(const char *tag, const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);

    for (int i = 0; lines[i]; i++) {
        if (*lines[i]) {
            tap_note("%s: | %s", tag, lines[i]);
        }
    }
}

/* Whether @pid has exited (a zombie, or gone), waiting @ms at most */
static bool exited_within(pid_t pid, int ms)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
    gint64 deadline = g_get_monotonic_time() + (gint64)ms * 1000;

    for (;;) {
        g_autofree char *stat = NULL;
        const char *paren;

        if (!g_file_get_contents(path, &stat, NULL, NULL)) {
            return true;
        }
        paren = strrchr(stat, ')');
        if (paren && paren[1] == ' ' && paren[2] == 'Z') {
            return true;
        }
        if (g_get_monotonic_time() > deadline) {
            return false;
        }
        g_usleep(20000);
    }
}

/* The fds of @pid whose link is exactly @target; Return: how many */
static int fds_exactly(pid_t pid, const char *target, int *first)
{
    g_autofree char *dir = g_strdup_printf("/proc/%d/fd", (int)pid);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    int n = 0;

    if (first) {
        *first = -1;
    }
    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *link = g_build_filename(dir, name, NULL);
        g_autofree char *to = g_file_read_link(link, NULL);

        if (to && !strcmp(to, target)) {
            if (first && (*first < 0 || atoi(name) < *first)) {
                *first = atoi(name);
            }
            n++;
        }
    }
    return n;
}

/* VFIO group fds (/dev/vfio/N) of @pid */
static int group_fds(pid_t pid)
{
    g_autofree char *dir = g_strdup_printf("/proc/%d/fd", (int)pid);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    int n = 0;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *link = g_build_filename(dir, name, NULL);
        g_autofree char *to = g_file_read_link(link, NULL);

        n += to && g_str_has_prefix(to, "/dev/vfio/") &&
             g_ascii_isdigit(to[strlen("/dev/vfio/")]);
    }
    return n;
}

static const char *str_member(JsonObject *o, const char *name)
{
    return o ? json_object_get_string_member_with_default(o, name, "")
             : "(none)";
}

/* query-migrate's return, or NULL */
static JsonObject *query_migrate(VhtProc *p)
{
    g_autoptr(JsonNode) r = hedu_qmp(p, NULL,
                                     "{'execute': 'query-migrate'}");

    return r && JSON_NODE_HOLDS_OBJECT(r) ?
           json_object_ref(json_node_get_object(r)) : NULL;
}

/*
 * Poll query-migrate until its status is one of @want (space-separated)
 * or "failed" (bounded: 60 s).  Return: the last answer.
 */
static JsonObject *wait_migration(VhtProc *p, const char *want)
{
    g_auto(GStrv) states = g_strsplit(want, " ", -1);
    gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;

    for (;;) {
        JsonObject *m = query_migrate(p);
        const char *s = str_member(m, "status");

        if (g_strv_contains((const char *const *)states, s) ||
            !strcmp(s, "failed") || g_get_monotonic_time() > deadline) {
            return m;
        }
        if (m) {
            json_object_unref(m);
        }
        g_usleep(20000);
    }
}

/* query-status of @p until "running" (bounded: 30 s); Return: the last */
static char *wait_running(VhtProc *p)
{
    gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

    for (;;) {
        g_autoptr(JsonNode) r = hedu_qmp(p, NULL,
                                         "{'execute': 'query-status'}");
        const char *s = r ? str_member(json_node_get_object(r), "status")
                          : "(no answer)";

        if (!strcmp(s, "running") || g_get_monotonic_time() > deadline) {
            return g_strdup(s);
        }
        g_usleep(20000);
    }
}

static int64_t ram_stat(JsonObject *m, const char *name)
{
    JsonObject *ram = m && json_object_has_member(m, "ram") ?
                      json_object_get_object_member(m, "ram") : NULL;

    return ram ? json_object_get_int_member_with_default(ram, name, -1) : -1;
}

/* ---- the fault shim's log: "N REQ NAME rc=R [errno=E] fd=F [flags=X]
 * [feature=X] [FAULT]" ---- */

typedef struct Call {
    char name[48];
    int fd, rc;
    long flags, feature;        /* -1: not logged */
} Call;

static GArray *read_log(const char *path)
{
    g_autofree char *text = hedu_slurp(path);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    GArray *calls = g_array_new(false, true, sizeof(Call));

    for (int i = 0; lines[i]; i++) {
        g_auto(GStrv) w = g_strsplit(lines[i], " ", -1);
        Call c = { .fd = -1, .flags = -1, .feature = -1 };

        if (g_strv_length(w) < 4) {
            continue;
        }
        g_strlcpy(c.name, w[2], sizeof(c.name));
        for (int j = 3; w[j]; j++) {
            if (g_str_has_prefix(w[j], "fd=")) {
                c.fd = atoi(w[j] + 3);
            } else if (g_str_has_prefix(w[j], "rc=")) {
                c.rc = atoi(w[j] + 3);
            } else if (g_str_has_prefix(w[j], "flags=")) {
                c.flags = strtol(w[j] + 6, NULL, 0);
            } else if (g_str_has_prefix(w[j], "feature=")) {
                c.feature = strtol(w[j] + 8, NULL, 0);
            }
        }
        g_array_append_val(calls, c);
    }
    return calls;
}

/* Calls named @name on @fd (-1: any) with flags (or feature) @v (-1: any) */
static int count(GArray *calls, const char *name, int fd, long v)
{
    int n = 0;

    for (guint i = 0; i < calls->len; i++) {
        Call *c = &g_array_index(calls, Call, i);
        long cv = c->feature >= 0 ? c->feature : c->flags;

        n += !strcmp(c->name, name) && (fd < 0 || c->fd == fd) &&
             (v < 0 || cv == v);
    }
    return n;
}

/* Calls named @name that succeeded (@ok) or failed */
static int count_rc(GArray *calls, const char *name, bool ok)
{
    int n = 0;

    for (guint i = 0; i < calls->len; i++) {
        Call *c = &g_array_index(calls, Call, i);

        n += !strcmp(c->name, name) && (c->rc >= 0) == ok;
    }
    return n;
}

/* Every dirty-tracking call of any kind in @calls */
static int dirty_calls(GArray *calls)
{
    return count(calls, "VFIO_IOMMU_DIRTY_PAGES", -1, -1) +
           count(calls, "VFIO_DEVICE_FEATURE", -1, DMA_LOG_START) +
           count(calls, "VFIO_DEVICE_FEATURE", -1, DMA_LOG_STOP) +
           count(calls, "VFIO_DEVICE_FEATURE", -1, DMA_LOG_REPORT) +
           count(calls, "IOMMU_HWPT_SET_DIRTY_TRACKING", -1, -1) +
           count(calls, "IOMMU_HWPT_GET_DIRTY_BITMAP", -1, -1);
}

/* ---- guest RAM: a file the test fills and reads ---- */

static uint64_t pattern_word(uint64_t addr, unsigned seed)
{
    uint64_t x = (addr >> 3) * 0x9e3779b97f4a7c15ULL + seed;

    return x ^ (x >> 29) ^ ((uint64_t)seed << 56);
}

/* The pages written while migrating, and with which seed, in order */
typedef struct PageWrite {
    uint64_t gpa;
    unsigned seed;
} PageWrite;

static const PageWrite during_active[] = {
    { PREFILL_GPA + 0x3000, 11 }, { PREFILL_GPA + 0x40000, 12 },
    { PREFILL_GPA + PREFILL_BYTES - PAGE, 13 }, { 0x1800000, 14 },
    { RAM_BYTES - PAGE, 15 }, { 0x9000, 16 },
};
static const PageWrite during_pause[] = {
    { PREFILL_GPA + 0x3000, 21 }, { PREFILL_GPA + 0x1000, 22 },
    { 0x1c00000, 23 }, { 0x50000, 24 },
};

/* The seed of the pattern page @page holds at the end; 0: zeros */
static unsigned expected_seed(uint64_t page)
{
    for (int i = G_N_ELEMENTS(during_pause) - 1; i >= 0; i--) {
        if (during_pause[i].gpa == page) {
            return during_pause[i].seed;
        }
    }
    for (int i = G_N_ELEMENTS(during_active) - 1; i >= 0; i--) {
        if (during_active[i].gpa == page) {
            return during_active[i].seed;
        }
    }
    return page >= PREFILL_GPA && page < PREFILL_GPA + PREFILL_BYTES;
}

/* What guest RAM must hold at @addr (8-aligned) after all the writes */
static uint64_t expected_word(uint64_t addr)
{
    unsigned seed = expected_seed(addr & ~(PAGE - 1));

    return seed ? pattern_word(addr, seed) : 0;
}

/* The guest RAM file @path, prefilled (or all zero) */
static bool ram_file(const char *path, bool prefill)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    g_autofree uint64_t *buf = g_new(uint64_t, PREFILL_BYTES / 8);
    bool ok = fd >= 0 && !ftruncate(fd, RAM_BYTES);

    for (size_t i = 0; i < PREFILL_BYTES / 8; i++) {
        buf[i] = pattern_word(PREFILL_GPA + i * 8, 1);
    }
    if (ok && prefill) {
        ok = pwrite(fd, buf, PREFILL_BYTES, PREFILL_GPA) ==
             (ssize_t)PREFILL_BYTES;
    }
    if (fd >= 0) {
        close(fd);
    }
    return ok;
}

static void write_pages(VhtProc *p, const PageWrite *w, int n)
{
    uint64_t buf[PAGE / 8];

    for (int i = 0; i < n; i++) {
        for (size_t j = 0; j < G_N_ELEMENTS(buf); j++) {
            buf[j] = pattern_word(w[i].gpa + j * 8, w[i].seed);
        }
        vht_memwrite(p, w[i].gpa, buf, sizeof(buf));
    }
}

/* guest memory through qtest, base64 (hex costs twice the bytes) */
static void qt_write(VhtProc *p, uint64_t gpa, const void *buf, size_t len)
{
    g_autofree char *b64 = g_base64_encode(buf, len);

    g_free(vht_qtest(p, "b64write 0x%" PRIx64 " 0x%zx %s", gpa, len, b64));
}

static bool qt_read(VhtProc *p, uint64_t gpa, void *buf, size_t len)
{
    g_autofree char *r = vht_qtest(p, "b64read 0x%" PRIx64 " 0x%zx", gpa,
                                   len);
    g_autofree guchar *data = NULL;
    gsize n = 0;

    if (strncmp(r, "OK ", 3)) {
        return false;
    }
    data = g_base64_decode(r + 3, &n);
    if (n != len) {
        return false;
    }
    memcpy(buf, data, len);
    return true;
}

/* Guest RAM without a file: the prefill through qtest */
static void prefill_qtest(VhtProc *p)
{
    g_autofree uint64_t *buf = g_new(uint64_t, PREFILL_BYTES / 8);

    for (size_t i = 0; i < PREFILL_BYTES / 8; i++) {
        buf[i] = pattern_word(PREFILL_GPA + i * 8, 1);
    }
    qt_write(p, PREFILL_GPA, buf, PREFILL_BYTES);
}

/*
 * The ranges the checksum covers, in order: the prefill, every page
 * written while migrating, and two pages nobody wrote
 */
static GArray *check_ranges(void)
{
    GArray *ranges = g_array_new(false, false, sizeof(uint64_t) * 2);
    static const uint64_t zero[] = { 0x800000, 0x1e00000 };
    uint64_t r[2] = { PREFILL_GPA, PREFILL_BYTES };

    g_array_append_val(ranges, r);
    for (size_t i = 0; i < G_N_ELEMENTS(during_active); i++) {
        r[0] = during_active[i].gpa, r[1] = PAGE;
        g_array_append_val(ranges, r);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(during_pause); i++) {
        r[0] = during_pause[i].gpa, r[1] = PAGE;
        g_array_append_val(ranges, r);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(zero); i++) {
        r[0] = zero[i], r[1] = PAGE;
        g_array_append_val(ranges, r);
    }
    return ranges;
}

/*
 * Guest RAM after the migration, on source @s and destination @d: read
 * from the RAM files @src and @dst when they are given (then also compared
 * whole, and every page the test did not write must be zero), else
 * through qtest.  Return: whether both sides hold exactly the test's
 * bytes; in *@sum the checksum (FNV-1a) of check_ranges() on the
 * destination, the same definition whatever the RAM.
 */
static bool ram_check(const char *tag, VhtProc *s, VhtProc *d,
                      const char *src, const char *dst, uint64_t *sum)
{
    g_autoptr(GArray) ranges = check_ranges();
    int fs = src ? open(src, O_RDONLY | O_CLOEXEC) : -1;
    int fd = dst ? open(dst, O_RDONLY | O_CLOEXEC) : -1;
    uint8_t *ms = fs >= 0 ? mmap(NULL, RAM_BYTES, PROT_READ, MAP_SHARED, fs, 0)
                          : MAP_FAILED;
    uint8_t *md = fd >= 0 ? mmap(NULL, RAM_BYTES, PROT_READ, MAP_SHARED, fd, 0)
                          : MAP_FAILED;
    g_autofree uint64_t *bs = g_new(uint64_t, PREFILL_BYTES / 8);
    g_autofree uint64_t *bd = g_new(uint64_t, PREFILL_BYTES / 8);
    static const uint8_t zero[PAGE];
    uint64_t h = 0xcbf29ce484222325ULL;
    int bad = 0;

    if (src && (ms == MAP_FAILED || md == MAP_FAILED)) {
        tap_note("%s: cannot map the guest RAM files", tag);
        bad++;
        goto out;
    }
    if (src) {
        if (memcmp(ms, md, RAM_BYTES)) {
            tap_note("%s: the RAM files differ", tag);
            bad++;
        }
        for (uint64_t page = 0; page < RAM_BYTES; page += PAGE) {
            if (!expected_seed(page) && memcmp(md + page, zero, PAGE) &&
                bad++ < 4) {
                tap_note("%s: page 0x%" PRIx64 " is not zero", tag, page);
            }
        }
    }
    for (guint i = 0; i < ranges->len; i++) {
        uint64_t *rg = &g_array_index(ranges, uint64_t, i * 2);

        if (src) {
            memcpy(bs, ms + rg[0], rg[1]);
            memcpy(bd, md + rg[0], rg[1]);
        } else if (!qt_read(s, rg[0], bs, rg[1]) ||
                   !qt_read(d, rg[0], bd, rg[1])) {
            tap_note("%s: b64read 0x%" PRIx64 " failed", tag, rg[0]);
            bad++;
            continue;
        }
        for (size_t w = 0; w < rg[1] / 8; w++) {
            uint64_t want = expected_word(rg[0] + w * 8);

            if ((bs[w] != want || bd[w] != want) && bad++ < 4) {
                tap_note("%s: at 0x%" PRIx64 ": source 0x%016" PRIx64
                         ", destination 0x%016" PRIx64 ", want 0x%016"
                         PRIx64, tag, rg[0] + w * 8, bs[w], bd[w], want);
            }
            h = (h ^ bd[w]) * 0x100000001b3ULL;
        }
    }
out:
    if (ms != MAP_FAILED) {
        munmap(ms, RAM_BYTES);
    }
    if (md != MAP_FAILED) {
        munmap(md, RAM_BYTES);
    }
    if (fs >= 0) {
        close(fs);
    }
    if (fd >= 0) {
        close(fd);
    }
    *sum = h;
    return !bad;
}

/* ---- mtty through qtest ---- */

static uint16_t mtty_port(int i)
{
    return MTTY_PORT_BASE + i * 0x100;
}

static uint8_t inb(VhtProc *p, uint16_t port)
{
    g_autofree char *r = vht_qtest(p, "inb 0x%x", port);

    return strncmp(r, "OK ", 3) ? 0xff : (uint8_t)strtoul(r + 3, NULL, 0);
}

static void outb(VhtProc *p, uint16_t port, uint8_t v)
{
    g_free(vht_qtest(p, "outb 0x%x 0x%x", port, v));
}

/* Place mtty @i's BAR0 (I/O) and enable I/O decoding; Return: its id */
static uint32_t mtty_enable(VhtProc *p, int i)
{
    int slot = MTTY_FIRST_SLOT + i;

    qedu_cfg_write(p, 0, slot, 0x10, 4, mtty_port(i));
    qedu_cfg_write(p, 0, slot, 0x04, 2,
                   qedu_cfg_read(p, 0, slot, 0x04, 2) | 0x1);
    return qedu_cfg_read(p, 0, slot, 0x00, 4);
}

/* What mtty @i is given before the migration */
static char *mtty_bytes(int i)
{
    return g_strdup_printf("vfio-migr-%d", i);
}

static uint8_t mtty_scr(int i) { return 0xa5 + i; }
static uint8_t mtty_divisor(int i) { return 0x0c + i; }

static void mtty_program(VhtProc *p, int i)
{
    uint16_t b = mtty_port(i);
    g_autofree char *bytes = mtty_bytes(i);

    outb(p, b + UART_FCR, 0x07);                /* FIFO on, both cleared */
    outb(p, b + UART_LCR, 0x03);                /* 8N1 */
    outb(p, b + UART_MCR, 0x0b);                /* DTR RTS OUT2 */
    outb(p, b + UART_SCR, mtty_scr(i));
    for (const char *c = bytes; *c; c++) {
        outb(p, b + UART_TX, *c);               /* loops back into the FIFO */
    }
    /*
     * The divisor last, DLAB left set: mtty zeroes the divisor whenever
     * DLAB is set, so it can only be read back before DLAB is cleared
     */
    outb(p, b + UART_LCR, 0x83);
    outb(p, b + UART_DLL, mtty_divisor(i));
    outb(p, b + UART_DLM, 0x00);
}

/*
 * Read mtty @i's state back (draining its FIFO).  Return: whether all of
 * it is what mtty_program() left; a TAP note for each difference.
 */
static bool mtty_verify(const char *tag, VhtProc *p, int i)
{
    uint16_t b = mtty_port(i);
    g_autofree char *want = mtty_bytes(i);
    char got[32] = "";
    uint8_t lcr = inb(p, b + UART_LCR);
    uint8_t dll = inb(p, b + UART_DLL), dlm = inb(p, b + UART_DLM);
    uint8_t mcr, scr, lsr, lsr_after;
    bool ok;
    size_t n;

    outb(p, b + UART_LCR, 0x03);                /* DLAB off */
    mcr = inb(p, b + UART_MCR);
    scr = inb(p, b + UART_SCR);
    lsr = inb(p, b + UART_LSR);
    for (n = 0; n < strlen(want) && n < sizeof(got) - 1; n++) {
        got[n] = inb(p, b + UART_RX);
    }
    lsr_after = inb(p, b + UART_LSR);
    ok = lcr == 0x83 && dll == mtty_divisor(i) && dlm == 0 && mcr == 0x0b &&
         scr == mtty_scr(i) && lsr == LSR_DR && !strcmp(got, want) &&
         lsr_after == LSR_EMPTY;
    if (!ok) {
        tap_note("%s: mtty %d: LCR 0x%02x (want 0x83) divisor 0x%02x%02x "
                 "(want 0x00%02x) MCR 0x%02x SCR 0x%02x (want 0x%02x) "
                 "LSR 0x%02x then 0x%02x FIFO '%s' (want '%s')", tag, i, lcr,
                 dlm, dll, mtty_divisor(i), mcr, scr, mtty_scr(i), lsr,
                 lsr_after, got, want);
    }
    return ok;
}

/* ---- x-query-vfio, as one comparable line per container ---- */

static char *query_shape(VhtProc *p)
{
    g_autoptr(JsonNode) q = qedu_query(p);
    JsonArray *spaces = q ? json_node_get_array(q) : NULL;
    GString *s = g_string_new(NULL);

    for (guint i = 0; spaces && i < json_array_get_length(spaces); i++) {
        JsonObject *as = json_array_get_object_element(spaces, i);
        JsonArray *cs = json_object_get_array_member(as, "containers");

        g_string_append_printf(s, "[%s]", str_member(as, "name"));
        for (guint j = 0; cs && j < json_array_get_length(cs); j++) {
            JsonObject *c = json_array_get_object_element(cs, j);
            JsonArray *devs = json_object_get_array_member(c, "devices");
            JsonArray *ms = json_object_get_array_member(c, "mappings");
            JsonArray *hw = json_object_has_member(c, "hwpt-ids") ?
                            json_object_get_array_member(c, "hwpt-ids") : NULL;

            g_string_append_printf(s, " {%s%s%s hwpts=%u:", str_member(c, "type"),
                                   json_object_has_member(c, "iommufd") ? " " : "",
                                   json_object_has_member(c, "iommufd") ?
                                   str_member(c, "iommufd") : "",
                                   hw ? json_array_get_length(hw) : 0);
            for (guint k = 0; devs && k < json_array_get_length(devs); k++) {
                JsonObject *d = json_array_get_object_element(devs, k);

                g_string_append_printf(s, " %s%s", str_member(d, "qom-path"),
                                       json_object_has_member(d, "hwpt-id") ?
                                       "+hwpt" : "");
            }
            g_string_append(s, " |");
            for (guint k = 0; ms && k < json_array_get_length(ms); k++) {
                JsonObject *m = json_array_get_object_element(ms, k);

                g_string_append_printf(s, " 0x%" PRIx64 "+0x%" PRIx64 "%s",
                    (uint64_t)json_object_get_int_member(m, "iova"),
                    (uint64_t)json_object_get_int_member(m, "size"),
                    json_object_get_boolean_member_with_default(m, "readonly",
                                                                false) ?
                    "r" : "");
            }
            g_string_append(s, "}");
        }
    }
    return g_string_free(s, false);
}

/* ---- live migration ---- */

typedef struct MigDev {
    const char *backend;        /* NULL: type1, else an iommufd object */
    bool container_log;         /* x-device-dirty-page-tracking=off */
} MigDev;

typedef struct Layout {
    const char *name;
    const char *what;
    int n;
    MigDev dev[2];
    bool patched_only;
} Layout;

static const Layout layouts[] = {
    { "type1-devlog", "one mtty on type1; the device logs DMA",
      1, { { NULL, false } } },
    { "type1-iommulog", "one mtty on type1; the container tracks "
      "(VFIO_IOMMU_DIRTY_PAGES)", 1, { { NULL, true } } },
    { "iommufd-2x", "two iommufd objects, an mtty on each: two containers "
      "in one address space; the devices log DMA",
      2, { { "if0", false }, { "if1", false } } },
    { "iommufd-nolog", "one mtty on iommufd without dirty tracking "
      "(enable-migration=on)", 1, { { "if0", true } } },
    { "mixed", "an mtty on type1 (the container tracks) and one on iommufd "
      "(the device logs) in one address space",
      2, { { NULL, true }, { "if0", false } }, true },
};

/* What one migration of one layout showed */
typedef struct MigRun {
    bool ran, completed;
    int64_t syncs, vfio_bytes;
    uint64_t ram_sum;
    /* per device: DMA logging start, report, stop on its fd */
    int start[2], report[2], stop[2];
    /* the type1 container: VFIO_IOMMU_DIRTY_PAGES start, get, stop */
    int c_start, c_get, c_stop;
    int hwpt_dirty;             /* IOMMU_HWPT_{SET_DIRTY_TRACKING,GET_DIRTY_BITMAP} */
    int dst_dirty;              /* any dirty-tracking call on the destination */
} MigRun;

static char *device_args(const Layout *l, char *const *uuids)
{
    GString *s = g_string_new(NULL);
    bool if0 = false, if1 = false;

    for (int i = 0; i < l->n; i++) {
        if0 |= !g_strcmp0(l->dev[i].backend, "if0");
        if1 |= !g_strcmp0(l->dev[i].backend, "if1");
    }
    if (if0) {
        g_string_append(s, "-object iommufd,id=if0 ");
    }
    if (if1) {
        g_string_append(s, "-object iommufd,id=if1 ");
    }
    for (int i = 0; i < l->n; i++) {
        g_string_append_printf(s, "-device vfio-pci,sysfsdev=/sys/bus/mdev/"
                               "devices/%s,id=m%d,addr=0x%x%s%s%s ", uuids[i], i,
                               MTTY_FIRST_SLOT + i,
                               l->dev[i].backend ? ",iommufd=" : "",
                               l->dev[i].backend ? l->dev[i].backend : "",
                               l->dev[i].container_log ?
                               ",x-device-dirty-page-tracking=off,"
                               "enable-migration=on" : "");
    }
    return g_string_free(s, false);
}

/* The fd of mtty @i (@uuid) in @pid: its cdev, or type1's device fd */
static int mtty_fd(pid_t pid, const Layout *l, int i, const char *uuid)
{
    g_autofree char *cdev = l->dev[i].backend ? qedu_mdev_cdev(uuid) : NULL;
    int fd = -1, n;

    n = fds_exactly(pid, cdev ? cdev : "anon_inode:[vfio-device]", &fd);
    return n == 1 ? fd : -1;
}

static void mig_counts(const char *tag, const Layout *l, MigRun *r,
                       const char *src_log, const char *dst_log,
                       const int *dev_fd, int ctr_fd)
{
    g_autoptr(GArray) s = read_log(src_log);
    g_autoptr(GArray) d = read_log(dst_log);

    for (int i = 0; i < l->n; i++) {
        r->start[i] = dev_fd[i] < 0 ? -1 :
            count(s, "VFIO_DEVICE_FEATURE", dev_fd[i], DMA_LOG_START);
        r->report[i] = dev_fd[i] < 0 ? -1 :
            count(s, "VFIO_DEVICE_FEATURE", dev_fd[i], DMA_LOG_REPORT);
        r->stop[i] = dev_fd[i] < 0 ? -1 :
            count(s, "VFIO_DEVICE_FEATURE", dev_fd[i], DMA_LOG_STOP);
        tap_note("%s: m%d (fd %d): DMA logging start %d, report %d, stop %d",
                 tag, i, dev_fd[i], r->start[i], r->report[i], r->stop[i]);
    }
    r->c_start = count(s, "VFIO_IOMMU_DIRTY_PAGES", ctr_fd, DIRTY_START);
    r->c_get = count(s, "VFIO_IOMMU_DIRTY_PAGES", ctr_fd, DIRTY_GET);
    r->c_stop = count(s, "VFIO_IOMMU_DIRTY_PAGES", ctr_fd, DIRTY_STOP);
    r->hwpt_dirty = count(s, "IOMMU_HWPT_SET_DIRTY_TRACKING", -1, -1) +
                    count(s, "IOMMU_HWPT_GET_DIRTY_BITMAP", -1, -1);
    r->dst_dirty = dirty_calls(d);
    tap_note("%s: type1 container (fd %d): VFIO_IOMMU_DIRTY_PAGES start %d, "
             "get_bitmap %d, stop %d; IOMMU_HWPT_*DIRTY* %d; destination %d",
             tag, ctr_fd, r->c_start, r->c_get, r->c_stop, r->hwpt_dirty,
             r->dst_dirty);
}

/* The dirty-tracking calls of @r against what @l must receive */
static void check_counts(const char *tag, const Layout *l, const MigRun *r)
{
    int64_t want = r->syncs * RAM_SECTIONS;
    bool type1_tracks = false;

    for (int i = 0; i < l->n; i++) {
        bool logs = !l->dev[i].container_log;

        type1_tracks |= !l->dev[i].backend && l->dev[i].container_log;
        if (logs) {
            CHECK(r->start[i] == 1 && r->report[i] == want && r->stop[i] == 0,
                  "%s: m%d's DMA logging: 1 start, %" PRId64 " reports "
                  "(%" PRId64 " syncs x %d sections), no stop (got %d, %d, "
                  "%d)", tag, i, want, r->syncs, RAM_SECTIONS, r->start[i],
                  r->report[i], r->stop[i]);
        } else {
            CHECK(r->start[i] == 0 && r->report[i] == 0 && r->stop[i] == 0,
                  "%s: m%d (x-device-dirty-page-tracking=off) logs no DMA "
                  "(got %d, %d, %d)", tag, i, r->start[i], r->report[i],
                  r->stop[i]);
        }
    }
    if (type1_tracks) {
        CHECK(r->c_start == 1 && r->c_get == want && r->c_stop == 0,
              "%s: the type1 container: 1 VFIO_IOMMU_DIRTY_PAGES start, "
              "%" PRId64 " get_bitmap, no stop (got %d, %d, %d)", tag, want,
              r->c_start, r->c_get, r->c_stop);
    } else {
        CHECK(r->c_start + r->c_get + r->c_stop == 0,
              "%s: no VFIO_IOMMU_DIRTY_PAGES (got %d)", tag,
              r->c_start + r->c_get + r->c_stop);
    }
    CHECK_EQ(r->hwpt_dirty, 0, "%s: no HWPT dirty tracking (iommufd: the "
             "mdev has no HWPT)", tag);
    CHECK_EQ(r->dst_dirty, 0, "%s: the destination made no dirty-tracking "
             "call", tag);
}

static void migrate_layout(const char *label, const char *bin, bool patched,
                           const Layout *l, MigRun *r)
{
    g_autofree char *tag = g_strdup_printf("%s %s", label, l->name);
    char *dir = hedu_scratch("migr");
    g_autofree char *ram_src = g_build_filename(dir, "ram-src", NULL);
    g_autofree char *ram_dst = g_build_filename(dir, "ram-dst", NULL);
    g_autofree char *src_log = g_build_filename(dir, "src.log", NULL);
    g_autofree char *dst_log = g_build_filename(dir, "dst.log", NULL);
    g_autofree char *src_err = g_build_filename(dir, "src.err", NULL);
    g_autofree char *dst_err = g_build_filename(dir, "dst.err", NULL);
    g_autofree char *sock = g_build_filename(dir, "mig.sock", NULL);
    char *src_uuid[2] = { NULL, NULL }, *dst_uuid[2] = { NULL, NULL };
    g_autofree char *src_devs = NULL, *dst_devs = NULL;
    g_autofree char *src_args = NULL, *dst_args = NULL;
    g_autofree char *shape_src = NULL, *shape_dst = NULL, *run = NULL;
    g_autofree char *err_text = NULL, *src_ram = NULL, *dst_ram = NULL;
    QeduStartOpts so = { .stderr_path = src_err, .fault_requests = "",
                         .fault_nth = "0", .fault_log = src_log };
    QeduStartOpts dopt = { .stderr_path = dst_err, .fault_requests = "",
                           .fault_nth = "0", .fault_log = dst_log };
    g_autoptr(JsonObject) m = NULL;
    VhtProc *s = NULL, *d = NULL;
    int dev_fd[2] = { -1, -1 }, ctr_fd = -1;
    bool ok = true, file_ram;

    /*
     * The control cannot map guest RAM that has an fd on an iommufd
     * container (no IOMMU_IOAS_MAP_FILE on 6.12; patch 2): iommufd layouts
     * that both binaries run use anonymous RAM, which the test checks
     * through qtest, range by range, instead of reading the files whole
     */
    file_ram = true;
    for (int i = 0; i < l->n; i++) {
        file_ram &= l->patched_only || !l->dev[i].backend;
    }
    tap_note("--- %s: %s; guest RAM %s", tag, l->what,
             file_ram ? "a shared file" : "anonymous");
    for (int i = 0; i < l->n; i++) {
        src_uuid[i] = qedu_mdev_create("mtty-1");
        dst_uuid[i] = qedu_mdev_create("mtty-1");
        ok &= src_uuid[i] && dst_uuid[i];
    }
    if (!CHECK(ok && (!file_ram || (ram_file(ram_src, true) &&
                                    ram_file(ram_dst, false))),
               "%s: fresh mtty instances%s", tag,
               file_ram ? " and guest RAM files" : "")) {
        goto out;
    }
    src_devs = device_args(l, src_uuid);
    dst_devs = device_args(l, dst_uuid);
    if (file_ram) {
        src_ram = g_strdup_printf("-machine memory-backend=ram0 -object "
                                  "memory-backend-file,id=ram0,size=%dM,"
                                  "mem-path=%s,share=on", MIG_RAM_MB, ram_src);
        dst_ram = g_strdup_printf("-machine memory-backend=ram0 -object "
                                  "memory-backend-file,id=ram0,size=%dM,"
                                  "mem-path=%s,share=on", MIG_RAM_MB, ram_dst);
    }
    src_args = g_strdup_printf("%s %s", src_ram ? src_ram : "", src_devs);
    dst_args = g_strdup_printf("%s %s -incoming unix:%s",
                               dst_ram ? dst_ram : "", dst_devs, sock);
    d = qedu_start_sized_with(bin, MIG_RAM_MB, dst_args, &dopt);
    s = d ? qedu_start_sized_with(bin, MIG_RAM_MB, src_args, &so) : NULL;
    if (!CHECK(s && d, "%s: source and destination (-incoming) start", tag)) {
        goto out;
    }
    r->ran = true;
    if (!file_ram) {
        prefill_qtest(s);
    }
    for (int i = 0; i < l->n; i++) {
        CHECK_EQ(mtty_enable(s, i), 0x32534348, "%s: m%d is an mtty (id "
                 "0x32534348), its I/O BAR at 0x%x", tag, i, mtty_port(i));
        mtty_program(s, i);
        dev_fd[i] = mtty_fd(vht_pid(s), l, i, src_uuid[i]);
    }
    fds_exactly(vht_pid(s), "/dev/vfio/vfio", &ctr_fd);
    /*
     * No IOMMU domain behind an mdev: type1 maps without pinning when a
     * container has none, iommufd pins only for a domain or for the
     * driver's own accesses, and mtty never pins
     */
    CHECK(qedu_status_kb(vht_pid(s), "VmLck") == 0 && qedu_vmpin(s) == 0,
          "%s: nothing pinned (VmLck %ld kB, VmPin %ld kB): an mdev has no "
          "IOMMU domain", tag, qedu_status_kb(vht_pid(s), "VmLck"),
          qedu_vmpin(s));
    if (patched) {
        shape_src = query_shape(s);
    }
    err_text = hedu_slurp(src_err);
    for (int i = 0; i < l->n; i++) {
        if (l->dev[i].backend && l->dev[i].container_log) {
            CHECK(strstr(err_text, NO_DIRTY_WARNING),
                  "%s: QEMU warns that m%d has no dirty tracking", tag, i);
        }
    }

    hedu_qmp_ok(s, "pause-before-switchover",
                "{'execute': 'migrate-set-capabilities', 'arguments': "
                "{'capabilities': [{'capability': 'pause-before-switchover', "
                "'state': true}]}}");
    hedu_qmp_ok(s, "max-bandwidth 16 MiB/s",
                "{'execute': 'migrate-set-parameters', 'arguments': "
                "{'max-bandwidth': %d}}", SLOW_BPS);
    if (!hedu_qmp_ok(s, "migrate",
                     "{'execute': 'migrate', 'arguments': {'uri': 'unix:%s'}}",
                     sock)) {
        goto out;
    }
    m = wait_migration(s, "active pre-switchover");
    tap_note("%s: writing %zu pages while the migration is %s (%" PRId64
             " bytes sent)", tag, G_N_ELEMENTS(during_active),
             str_member(m, "status"), ram_stat(m, "transferred"));
    write_pages(s, during_active, G_N_ELEMENTS(during_active));
    g_clear_pointer(&m, json_object_unref);
    hedu_qmp(s, NULL, "{'execute': 'migrate-set-parameters', 'arguments': "
             "{'max-bandwidth': %llu}}", FAST_BPS);
    m = wait_migration(s, "pre-switchover");
    if (!CHECK(!strcmp(str_member(m, "status"), "pre-switchover"),
               "%s: the migration pauses before switching over (%s%s%s)",
               tag, str_member(m, "status"),
               json_object_has_member(m, "error-desc") ? ": " : "",
               str_member(m, "error-desc"))) {
        goto out;
    }
    write_pages(s, during_pause, G_N_ELEMENTS(during_pause));
    hedu_qmp_ok(s, "migrate-continue", "{'execute': 'migrate-continue', "
                "'arguments': {'state': 'pre-switchover'}}");
    g_clear_pointer(&m, json_object_unref);
    m = wait_migration(s, "completed");
    r->completed = !strcmp(str_member(m, "status"), "completed");
    if (!CHECK(r->completed, "%s: migration completed (%s%s%s)", tag,
               str_member(m, "status"),
               json_object_has_member(m, "error-desc") ? ": " : "",
               str_member(m, "error-desc"))) {
        g_autofree char *e1 = hedu_slurp(src_err), *e2 = hedu_slurp(dst_err);

        note_lines("source", e1);
        note_lines("destination", e2);
        goto out;
    }
    r->syncs = ram_stat(m, "dirty-sync-count");
    r->vfio_bytes = json_object_has_member(m, "vfio") ?
        json_object_get_int_member(json_object_get_object_member(m, "vfio"),
                                   "transferred") : -1;
    tap_note("%s: %" PRId64 " RAM bytes, %" PRId64 " VFIO device bytes, %"
             PRId64 " dirty bitmap syncs", tag, ram_stat(m, "transferred"),
             r->vfio_bytes, r->syncs);
    run = wait_running(d);
    CHECK(!strcmp(run, "running"), "%s: the destination runs (%s)", tag, run);

    /* the device's state crossed: the destination's mdev is a fresh one */
    for (int i = 0; i < l->n; i++) {
        CHECK(mtty_verify(tag, d, i), "%s: m%d's registers and FIFO arrived "
              "on the destination's mtty (%s)", tag, i, dst_uuid[i]);
    }
    CHECK(ram_check(tag, s, d, file_ram ? ram_src : NULL,
                    file_ram ? ram_dst : NULL, &r->ram_sum),
          "%s: guest RAM holds exactly what the test wrote before and during "
          "the migration, on both sides (%s; checksum 0x%016" PRIx64 ")",
          tag, file_ram ? "the files compared whole, every other page zero"
                        : "read through qtest: the prefill, the pages "
                          "written, two pages not written", r->ram_sum);
    if (patched) {
        shape_dst = query_shape(d);
        tap_note("%s: x-query-vfio: %s", tag, shape_dst);
        CHECK(shape_src && !strcmp(shape_src, shape_dst),
              "%s: x-query-vfio shows the same containers, devices and "
              "mappings on both sides", tag);
        for (int i = 0; i < l->n; i++) {
            g_autofree char *path = g_strdup_printf("/machine/peripheral/m%d+",
                                                    i);

            if (l->dev[i].backend) {
                CHECK(!strstr(shape_dst, path), "%s: m%d on iommufd has no "
                      "HWPT (an emulated device)", tag, i);
            }
        }
    }
    mig_counts(tag, l, r, src_log, dst_log, dev_fd, ctr_fd);
    check_counts(tag, l, r);

out:
    if (s) {
        vht_end(s);
    }
    if (d) {
        vht_end(d);
    }
    for (int i = 0; i < l->n; i++) {
        if (src_uuid[i]) {
            qedu_mdev_remove(src_uuid[i]);
        }
        if (dst_uuid[i]) {
            qedu_mdev_remove(dst_uuid[i]);
        }
        g_free(src_uuid[i]);
        g_free(dst_uuid[i]);
    }
    hedu_scratch_drop(dir);
}

/* The same layout on both binaries: the same calls, the same bytes */
static void compare_runs(const Layout *l, const MigRun *c, const MigRun *p)
{
    bool same = c->vfio_bytes == p->vfio_bytes && c->ram_sum == p->ram_sum &&
                c->c_start == p->c_start && c->c_stop == p->c_stop &&
                c->c_get * p->syncs == p->c_get * c->syncs &&
                c->hwpt_dirty == p->hwpt_dirty && c->dst_dirty == p->dst_dirty;

    for (int i = 0; i < l->n; i++) {
        same &= c->start[i] == p->start[i] && c->stop[i] == p->stop[i] &&
                c->report[i] * p->syncs == p->report[i] * c->syncs;
    }
    CHECK(c->completed && p->completed && same,
          "%s: patched and control: the same VFIO state bytes (%" PRId64
          "), guest RAM, and dirty-tracking calls per container and per sync "
          "(syncs: control %" PRId64 ", patched %" PRId64 ")", l->name,
          p->vfio_bytes, c->syncs, p->syncs);
}

/* ---- an edu blocks migration ---- */

static void scenario_edu_blocks(const char *label, const char *bin)
{
    g_autofree char *tag = g_strdup_printf("%s edu-blocks", label);
    g_autofree char *uuid = qedu_mdev_create("mtty-1");
    g_autofree char *args = g_strdup_printf(
        "-device vfio-pci,host=%s,id=e0,addr=0x%x "
        "-device vfio-pci,sysfsdev=/sys/bus/mdev/devices/%s,id=m0,addr=0x%x",
        bdfs[0], QEDU_FIRST_SLOT, uuid, MTTY_FIRST_SLOT);
    g_autofree char *want = g_strdup_printf("%s: " BLOCKED_EDU, bdfs[0]);
    g_autofree char *err = NULL;
    g_autoptr(JsonNode) r = NULL;
    g_autoptr(JsonObject) m = NULL;
    VhtProc *p;

    if (!CHECK(uuid, "%s: an mtty instance", tag)) {
        return;
    }
    p = qedu_start(bin, args, NULL, false);
    r = hedu_qmp(p, &err, "{'execute': 'migrate', 'arguments': "
                 "{'uri': 'unix:%s/never.sock'}}", vht_dir(p));
    CHECK(!r && !g_strcmp0(err, want), "%s: migrate fails with '%s' (got "
          "'%s')", tag, want, err ? err : "success");
    m = query_migrate(p);
    CHECK(m && !json_object_has_member(m, "status"),
          "%s: and no migration started", tag);
    CHECK(hedu_round_trip(p, qedu_enable(p, 0, QEDU_FIRST_SLOT, qedu_bar(0)),
                          QEDU_SRC_GPA, QEDU_DST_GPA, LEN, 3),
          "%s: the edu still DMAs", tag);
    vht_end(p);
    qedu_mdev_remove(uuid);
}

/* ---- CPR ---- */

/* blocked-reasons of query-migrate in cpr-transfer mode, one per line */
static char *cpr_blockers(VhtProc *p)
{
    g_autoptr(JsonObject) m = NULL;
    JsonArray *b;
    GString *s = g_string_new(NULL);

    hedu_qmp_ok(p, "migrate-set-parameters mode=cpr-transfer",
                "{'execute': 'migrate-set-parameters', 'arguments': "
                "{'mode': 'cpr-transfer'}}");
    m = query_migrate(p);
    b = m && json_object_has_member(m, "blocked-reasons") ?
        json_object_get_array_member(m, "blocked-reasons") : NULL;
    for (guint i = 0; b && i < json_array_get_length(b); i++) {
        g_string_append_printf(s, "%s\n", json_array_get_string_element(b, i));
    }
    return g_string_free(s, false);
}

static int lines_equal(const char *text, const char *line)
{
    g_auto(GStrv) l = g_strsplit(text, "\n", -1);
    int n = 0;

    for (int i = 0; l[i]; i++) {
        n += !strcmp(l[i], line);
    }
    return n;
}

/* the cpr-transfer migrate command, with its cpr channel */
static JsonNode *cpr_migrate(VhtProc *p, const char *dir, char **err)
{
    return hedu_qmp(p, err, "{'execute': 'migrate', 'arguments': "
                    "{'channels': [{'channel-type': 'main', 'addr': "
                    "{'transport': 'socket', 'type': 'unix', 'path': "
                    "'%s/main.sock'}}, {'channel-type': 'cpr', 'addr': "
                    "{'transport': 'socket', 'type': 'unix', 'path': "
                    "'%s/cpr.sock'}}]}}", dir, dir);
}

#define CPR_RAM "-machine memory-backend=ram0,aux-ram-share=on -object " \
                "memory-backend-memfd,id=ram0,size=128M,share=on "

/* An mdev on type1: CPR refuses it */
static void scenario_cpr_mdev(const char *label, const char *bin)
{
    g_autofree char *tag = g_strdup_printf("%s cpr-mdev", label);
    g_autofree char *uuid = qedu_mdev_create("mtty-1");
    g_autofree char *args = g_strdup_printf(
        CPR_RAM "-device vfio-pci,host=%s,id=e0,addr=0x%x "
        "-device vfio-pci,sysfsdev=/sys/bus/mdev/devices/%s,id=m0,addr=0x%x",
        bdfs[0], QEDU_FIRST_SLOT, uuid, MTTY_FIRST_SLOT);
    g_autofree char *want = g_strdup_printf(BLOCKED_MDEV "%s", uuid);
    g_autofree char *want_list = g_strdup_printf("%s\n", want);
    g_autofree char *list = NULL, *err = NULL;
    g_autoptr(JsonNode) r = NULL;
    VhtProc *p;

    if (!CHECK(uuid, "%s: an mtty instance", tag)) {
        return;
    }
    p = qedu_start(bin, args, NULL, false);
    list = cpr_blockers(p);
    CHECK(!strcmp(list, want_list), "%s: cpr-transfer is blocked by the mdev "
          "alone: '%s'", tag, want);
    if (strcmp(list, want_list)) {
        note_lines(tag, list);
    }
    r = cpr_migrate(p, vht_dir(p), &err);
    CHECK(!r && !g_strcmp0(err, want), "%s: migrate fails with it (got '%s')",
          tag, err ? err : "success");
    vht_end(p);
    qedu_mdev_remove(uuid);
}

/*
 * iommufd: blocked without IOMMU_IOAS_CHANGE_PROCESS.  Anonymous RAM (the
 * control cannot map memfd RAM on 6.12): the same blockers on both
 * binaries; Return: them.
 */
static char *scenario_cpr_iommufd_blockers(const char *label, const char *bin)
{
    g_autofree char *tag = g_strdup_printf("%s cpr-iommufd-blockers", label);
    g_autofree char *args = g_strdup_printf(
        "-object iommufd,id=if0 -device vfio-pci,host=%s,id=e0,addr=0x%x,"
        "iommufd=if0", bdfs[1], QEDU_FIRST_SLOT);
    VhtProc *p = qedu_start(bin, args, NULL, false);
    char *list = cpr_blockers(p);
    int n = lines_equal(list, BLOCKED_IOMMUFD);

    tap_note("%s: blocked-reasons:", tag);
    note_lines(tag, list);
    CHECK_EQ(n, change_process ? 0 : 1, "%s: the iommufd backend's blocker "
             "'%s' is %s (the kernel %s IOMMU_IOAS_CHANGE_PROCESS)", tag,
             BLOCKED_IOMMUFD, change_process ? "absent" : "listed once",
             change_process ? "has" : "lacks");
    vht_end(p);
    return list;
}

static void cpr_fds(pid_t pid, int *group, int *container, int *device,
                    int *iommu)
{
    *group = group_fds(pid);
    *container = fds_exactly(pid, "/dev/vfio/vfio", NULL);
    g_autoptr(GArray) cdevs = hedu_fds_to(pid, "/dev/vfio/devices/");

    *device = fds_exactly(pid, "anon_inode:[vfio-device]", NULL) +
              (int)cdevs->len;
    *iommu = fds_exactly(pid, "/dev/iommu", NULL);
}

/*
 * cpr-transfer of an edu (type1, or iommufd where the kernel lets it):
 * @crash: the control's source dies of SIGSEGV in the transfer
 * (what patch 6 fixes), check that instead.
 */
static void scenario_cpr_transfer(const char *label, const char *bin,
                                  bool patched, bool iommufd, bool crash)
{
    g_autofree char *tag = g_strdup_printf("%s cpr-transfer-%s", label,
                                           iommufd ? "iommufd" : "type1");
    /*
     * iommufd, patched: a second edu in an IOAS of its own on the same
     * iommufd object (x-separate-ioas), which the series fills with
     * IOMMU_IOAS_COPY from the first one's MAP_FILE'd mappings
     */
    bool copy = iommufd && patched;
    g_autofree char *second = copy ? g_strdup_printf(
        " -device vfio-pci,host=%s,id=e1,addr=0x%x,iommufd=if0,"
        "x-separate-ioas=on", bdfs[3], QEDU_FIRST_SLOT + 1) : g_strdup("");
    g_autofree char *args = g_strdup_printf(
        CPR_RAM "%s-device vfio-pci,host=%s,id=e0,addr=0x%x%s%s",
        iommufd ? "-object iommufd,id=if0 " : "", bdfs[2], QEDU_FIRST_SLOT,
        iommufd ? ",iommufd=if0" : "", second);
    char *dir = hedu_scratch("migr");
    g_autofree char *cpr_sock = g_build_filename(dir, "cpr.sock", NULL);
    g_autofree char *new_args = g_strdup_printf(
        "%s -incoming unix:%s/main.sock -incoming '{\"channel-type\":\"cpr\","
        "\"addr\":{\"transport\":\"socket\",\"type\":\"unix\","
        "\"path\":\"%s\"}}'", args, dir, cpr_sock);
    g_autofree char *src_err = g_build_filename(dir, "src.err", NULL);
    g_autofree char *dst_err = g_build_filename(dir, "dst.err", NULL);
    g_autofree char *src_log = g_build_filename(dir, "src.log", NULL);
    g_autofree char *dst_log = g_build_filename(dir, "dst.log", NULL);
    g_autofree char *list = NULL, *run = NULL, *err = NULL;
    g_autofree char *shape_old = NULL, *shape_new = NULL;
    QeduStartOpts so = { .stderr_path = src_err, .fault_requests = "",
                         .fault_nth = "0", .fault_log = src_log };
    QeduStartOpts no = { .stderr_path = dst_err, .fault_requests = "",
                         .fault_nth = "0", .fault_log = dst_log };
    const char *pin_field = iommufd ? "VmPin" : "VmLck";
    g_autofree char *wrap = NULL;
    g_autoptr(JsonNode) r = NULL;
    g_autoptr(JsonObject) m = NULL;
    g_autoptr(GArray) calls = NULL;
    VhtProc *old, *new = NULL, *adopted = NULL;
    int g0, c0, d0, i0, g1, c1, d1, i1;
    long pinned, old_after, new_pinned;
    /*
     * type1: the five RAM sections and the edu's BAR0 (mapped for P2P);
     * iommufd: the five RAM sections (the BAR's map fails: no P2P)
     */
    int maps_old = iommufd ? 5 : 6, own_maps = maps_old, map_calls = -1;
    /*
     * What is pinned: guest RAM + BIOS; with the second IOAS, 128 KiB less:
     * the isa-bios alias at 0xe0000 (the BIOS's last 128 KiB) is then a
     * COPY of the BIOS's mapping, not a second MAP of the same pages
     */
    long want_pinned = QEDU_PINNED_KB - (copy ? 128 : 0);
    uint64_t bar, bar1 = 0;
    int status;

    if (iommufd) {
        /*
         * Without CAP_IPC_LOCK (as libvirt runs QEMU), iommufd charges the
         * user's locked_vm and the mm's pinned_vm (VmPin), and
         * IOMMU_IOAS_CHANGE_PROCESS moves both to the new process; as root
         * it charges pinned_vm alone and does not move it (docs).  The new
         * process is charged before the old one is uncharged: the limit
         * must hold twice guest RAM.
         */
        const char *src = g_getenv("VFIO_RIG_SRCDIR");
        g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
        g_autofree char *here = g_path_get_dirname(self);

        wrap = g_build_filename(src ? src : here, "qemu-wrap.sh", NULL);
        g_setenv("QEDU_REAL_QEMU", bin, true);
        g_setenv("QEDU_HIDE_NODES", "0", true);
        g_setenv("QEDU_MEMLOCK_KB", "1048576", true);
        bin = wrap;
    }
    old = qedu_start_with(bin, args, &so);
    if (!CHECK(old, "%s: QEMU starts%s", tag,
               iommufd ? " (without CAP_IPC_LOCK, RLIMIT_MEMLOCK 1 GiB)" : "")) {
        g_unsetenv("QEDU_MEMLOCK_KB");
        hedu_scratch_drop(dir);
        return;
    }
    bar = qedu_enable(old, 0, QEDU_FIRST_SLOT, qedu_bar(0));
    CHECK(hedu_round_trip(old, bar, QEDU_SRC_GPA, QEDU_DST_GPA, LEN, 5),
          "%s: the edu DMAs before the transfer", tag);
    if (copy) {
        bar1 = qedu_enable(old, 0, QEDU_FIRST_SLOT + 1, qedu_bar(1));
        CHECK(hedu_round_trip(old, bar1, QEDU_SRC_GPA, QEDU_DST_GPA, LEN, 9),
              "%s: e1 DMAs through the copied mappings", tag);
    }
    pinned = qedu_status_kb(vht_pid(old), pin_field);
    CHECK_EQ(pinned, want_pinned, "%s: guest RAM + BIOS pinned once%s "
             "(%s %ld kB)", tag, copy ? " for both IOAS" : "", pin_field,
             pinned);
    cpr_fds(vht_pid(old), &g0, &c0, &d0, &i0);
    if (patched) {
        g_autoptr(JsonNode) q = qedu_query(old);
        JsonObject *c = qedu_container_of(q, "e0");

        shape_old = query_shape(old);
        own_maps = qedu_mappings(c, "map");
        map_calls = qedu_counter(c, "map");
        CHECK_EQ(qedu_mappings(c, NULL), maps_old,
                 "%s: x-query-vfio: the edu's container holds %d mappings "
                 "(%d of them mapped by itself)", tag, maps_old, own_maps);
        if (copy) {
            JsonObject *cc = qedu_container_of(q, "e1");

            CHECK(cc != c && qedu_mappings(cc, "copy") == maps_old &&
                  qedu_mappings(cc, NULL) == maps_old,
                  "%s: x-query-vfio: e1's IOAS holds %d mappings, all "
                  "IOMMU_IOAS_COPY", tag, maps_old);
        }
    }
    list = cpr_blockers(old);
    CHECK(!*list, "%s: nothing blocks cpr-transfer", tag);
    note_lines(tag, list);

    new = qedu_start_deferred(bin, new_args, &no);
    g_unsetenv("QEDU_MEMLOCK_KB");
    for (int i = 0; i < 1000 && !g_file_test(cpr_sock, G_FILE_TEST_EXISTS);
         i++) {
        g_usleep(20000);
    }
    r = cpr_migrate(old, dir, &err);
    if (!CHECK(r, "%s: migrate (cpr-transfer) is accepted (%s)", tag,
               err ? err : "ok")) {
        goto kill;
    }
    if (crash) {
        bool gone = vht_qmp_hung_up(vht_qmp_main(old), 30000);
        int st = gone ? vht_wait_exit(old) : vht_kill(old, SIGKILL);
        g_autofree char *how = hedu_status_text(st);

        old = NULL;
        CHECK(gone && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
              "%s: the old QEMU dies of SIGSEGV (%s): it removes a KVM irqfd "
              "with no KVM (patch 6 fixes it)", tag, how);
        CHECK(exited_within(vht_pid(new), 30000), "%s: the new QEMU gives up "
              "too", tag);
        st = vht_wait_exit(new);
        new = NULL;
        g_free(how);
        how = hedu_status_text(st);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1, "%s: the new QEMU exits "
              "1 (%s)", tag, how);
        goto out;
    }
    m = wait_migration(old, "completed");
    if (!CHECK(!strcmp(str_member(m, "status"), "completed"),
               "%s: the transfer completes (%s%s%s)", tag,
               str_member(m, "status"),
               json_object_has_member(m, "error-desc") ? ": " : "",
               str_member(m, "error-desc"))) {
        goto kill;
    }
    adopted = vht_adopt(vht_pid(new), vht_dir(new));
    run = wait_running(adopted);
    CHECK(!strcmp(run, "running"), "%s: the new QEMU runs (%s)", tag, run);
    old_after = qedu_status_kb(vht_pid(old), pin_field);
    new_pinned = qedu_status_kb(vht_pid(new), pin_field);
    CHECK(old_after == 0 && new_pinned == pinned, "%s: %s moved to the new "
          "process: old %ld kB, new %ld kB (want 0 and %ld: pinned once)",
          tag, pin_field, old_after, new_pinned, pinned);
    cpr_fds(vht_pid(new), &g1, &c1, &d1, &i1);
    CHECK(g1 == g0 && c1 == c0 && d1 == d0 && i1 == i0,
          "%s: the new process holds the old one's VFIO fds: %d group, %d "
          "container, %d device, %d iommufd (old: %d, %d, %d, %d)", tag, g1,
          c1, d1, i1, g0, c0, d0, i0);
    CHECK_EQ(vht_readl(adopted, bar + EDU_REG_ID), EDU_ID_VALUE,
             "%s: the edu's BAR answers at 0x%" PRIx64 " (config space "
             "kept, the device not reset)", tag, bar);
    CHECK(hedu_round_trip(adopted, bar, QEDU_SRC_GPA, QEDU_DST_GPA, LEN, 6),
          "%s: the edu DMAs in the new process", tag);
    if (copy) {
        CHECK(hedu_round_trip(adopted, bar1, QEDU_SRC_GPA, QEDU_DST_GPA, LEN,
                              10),
              "%s: e1 DMAs in the new process through the copied mappings",
              tag);
    }
    if (patched) {
        shape_new = query_shape(adopted);
        tap_note("%s: x-query-vfio: %s", tag, shape_new);
        CHECK(shape_old && !strcmp(shape_old, shape_new),
              "%s: x-query-vfio: the same container and mappings", tag);
    }
    calls = read_log(dst_log);
    if (iommufd) {
        g_autoptr(GArray) old_calls = read_log(src_log);

        /* Linux >= 6.13 has MAP_FILE: the by-address fallback stays idle */
        int files = count_rc(old_calls, "IOMMU_IOAS_MAP_FILE", true);
        int unmaps = count_rc(old_calls, "IOMMU_IOAS_UNMAP", true);

        CHECK(files == map_calls &&
              count_rc(old_calls, "IOMMU_IOAS_MAP_FILE", false) == 0 &&
              count_rc(old_calls, "IOMMU_IOAS_MAP", true) == 0,
              "%s: every map of the old process was an IOMMU_IOAS_MAP_FILE "
              "(memfd RAM and ROMs), none by address: MAP_FILE %d ok, %d "
              "failed, IOAS_MAP %d ok (x-query-vfio: %d maps; %d sections "
              "mapped, %d copied, %d unmapped)", tag, files,
              count_rc(old_calls, "IOMMU_IOAS_MAP_FILE", false),
              count_rc(old_calls, "IOMMU_IOAS_MAP", true), map_calls,
              own_maps, maps_old - own_maps, unmaps);
        CHECK(count_rc(calls, "IOMMU_IOAS_CHANGE_PROCESS", true) >= 1 &&
              count_rc(calls, "IOMMU_IOAS_MAP", true) +
              count_rc(calls, "IOMMU_IOAS_MAP_FILE", true) +
              count_rc(calls, "IOMMU_IOAS_COPY", true) +
              count_rc(calls, "IOMMU_IOAS_UNMAP", true) == 0 &&
              count_rc(calls, "IOMMU_IOAS_MAP", false) ==
              count_rc(old_calls, "IOMMU_IOAS_MAP", false),
              "%s: the new process called IOMMU_IOAS_CHANGE_PROCESS (%d) and "
              "mapped, copied, unmapped nothing; it tried the edu BARs' "
              "IOAS_MAP by address as the old process did, refused there "
              "too (no P2P: %d and %d)", tag,
              count_rc(calls, "IOMMU_IOAS_CHANGE_PROCESS", true),
              count_rc(calls, "IOMMU_IOAS_MAP", false),
              count_rc(old_calls, "IOMMU_IOAS_MAP", false));
    } else {
        g_autoptr(GArray) old_calls = read_log(src_log);
        int maps = count(calls, "VFIO_IOMMU_MAP_DMA", -1, -1);

        CHECK(count(old_calls, "VFIO_IOMMU_UNMAP_DMA", -1,
                    DMA_UNMAP_VADDR | DMA_UNMAP_ALL) == 1,
              "%s: the old process dropped its vaddrs in one "
              "VFIO_IOMMU_UNMAP_DMA (VADDR | ALL)", tag);
        CHECK(maps == count(calls, "VFIO_IOMMU_MAP_DMA", -1, DMA_MAP_VADDR) &&
              maps == maps_old,
              "%s: the new process gave each of the %d mappings its vaddr "
              "(VFIO_IOMMU_MAP_DMA with VADDR only: %d calls) and mapped "
              "nothing new", tag, maps_old, maps);
    }

    vht_end(old);
    old = NULL;
    tap_result(true, "%s: the old QEMU quits cleanly", tag);
    new_pinned = qedu_status_kb(vht_pid(new), pin_field);
    CHECK_EQ(new_pinned, pinned, "%s: %s of the new process still %ld kB",
             tag, pin_field, pinned);
    CHECK(hedu_round_trip(adopted, bar, QEDU_SRC_GPA, QEDU_DST_GPA, LEN, 7),
          "%s: the edu DMAs after the old process is gone", tag);
    if (copy) {
        CHECK(hedu_round_trip(adopted, bar1, QEDU_SRC_GPA, QEDU_DST_GPA, LEN,
                              11),
              "%s: and e1 through the copied mappings", tag);
    }
    g_clear_pointer(&r, json_node_unref);
    r = hedu_qmp(adopted, NULL, "{'execute': 'quit'}");
    vht_release(adopted);
    adopted = NULL;
    status = vht_wait_exit(new);
    new = NULL;
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "%s: the new QEMU quits cleanly", tag);
    goto out;

kill:
    {
        g_autofree char *e1 = hedu_slurp(src_err), *e2 = hedu_slurp(dst_err);

        note_lines("old", e1);
        note_lines("new", e2);
    }
out:
    if (adopted) {
        vht_release(adopted);
    }
    if (new) {
        vht_kill(new, SIGKILL);
    }
    if (old) {
        vht_kill(old, SIGKILL);
    }
    hedu_scratch_drop(dir);
}

/* patched: memfd RAM and aux-ram-share: the iommufd blocker alone */
static void scenario_cpr_iommufd_only(const char *label, const char *bin)
{
    g_autofree char *tag = g_strdup_printf("%s cpr-iommufd", label);
    g_autofree char *args = g_strdup_printf(
        CPR_RAM "-object iommufd,id=if0 "
        "-device vfio-pci,host=%s,id=e0,addr=0x%x,iommufd=if0",
        bdfs[1], QEDU_FIRST_SLOT);
    VhtProc *p = qedu_start(bin, args, NULL, false);
    g_autofree char *list = cpr_blockers(p), *err = NULL;
    g_autoptr(JsonNode) r = NULL;

    CHECK(!strcmp(list, BLOCKED_IOMMUFD "\n"), "%s: cpr-transfer is blocked "
          "by the iommufd backend alone: '%s'", tag, BLOCKED_IOMMUFD);
    if (strcmp(list, BLOCKED_IOMMUFD "\n")) {
        note_lines(tag, list);
    }
    r = cpr_migrate(p, vht_dir(p), &err);
    CHECK(!r && !g_strcmp0(err, BLOCKED_IOMMUFD), "%s: migrate fails with "
          "it (got '%s')", tag, err ? err : "success");
    CHECK(hedu_round_trip(p, qedu_enable(p, 0, QEDU_FIRST_SLOT, qedu_bar(0)),
                          QEDU_SRC_GPA, QEDU_DST_GPA, LEN, 8),
          "%s: the edu still DMAs", tag);
    vht_end(p);
}

/* Whether /dev/iommu knows IOMMU_IOAS_CHANGE_PROCESS (Linux >= 6.13) */
static bool probe_change_process(void)
{
    struct {
        uint32_t size, reserved;
    } args = { .size = sizeof(args) };
    int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
    bool ok = fd >= 0 && !ioctl(fd, _IO(IOMMUFD_TYPE, 0x92), &args);

    if (fd >= 0) {
        close(fd);
    }
    return ok;
}

int main(int argc, char **argv)
{
    const char *labels[2] = { "control", "patched" };
    MigRun runs[G_N_ELEMENTS(layouts)][2] = { 0 };
    g_autofree char *blockers[2] = { NULL, NULL };

    hedu_init();
    if (!CHECK(qedu_binary("control") && qedu_binary("patched"),
               "a control and a patched binary in $VFIO_QEMU_BINARIES") ||
        hedu_find(bdfs, 4) < 4) {
        return tap_done();
    }
    change_process = probe_change_process();
    tap_note("the kernel %s IOMMU_IOAS_CHANGE_PROCESS",
             change_process ? "has" : "lacks");
    for (int b = 0; b < 2; b++) {
        const char *bin = qedu_binary(labels[b]);
        bool patched = b == 1;
        gint64 t = g_get_monotonic_time();

/* each scenario's wall time, as a note: where the program's time goes */
#define TIMED(what, call) do {                                            \
            call;                                                         \
            tap_note("%s %s: %.1f s", labels[b], what,                    \
                     (g_get_monotonic_time() - t) / 1e6);                 \
            t = g_get_monotonic_time();                                   \
        } while (0)

        tap_note("=== %s: %s", labels[b], bin);
        for (guint i = 0; i < G_N_ELEMENTS(layouts); i++) {
            if (!patched && layouts[i].patched_only) {
                tap_note("control %s: not run: the control aborts on a type1 "
                         "and an iommufd container in one address space "
                         "(patch 3; test-qemu-fixes)", layouts[i].name);
                continue;
            }
            TIMED(layouts[i].name, migrate_layout(labels[b], bin, patched,
                                                  &layouts[i], &runs[i][b]));
        }
        TIMED("edu-blocks", scenario_edu_blocks(labels[b], bin));
        TIMED("cpr-mdev", scenario_cpr_mdev(labels[b], bin));
        TIMED("cpr-iommufd-blockers",
              blockers[b] = scenario_cpr_iommufd_blockers(labels[b], bin));
        if (patched && !change_process) {
            TIMED("cpr-iommufd", scenario_cpr_iommufd_only(labels[b], bin));
        }
        TIMED("cpr-transfer-type1",
              scenario_cpr_transfer(labels[b], bin, patched, false, !patched));
        if (change_process) {
            TIMED("cpr-transfer-iommufd",
                  scenario_cpr_transfer(labels[b], bin, patched, true,
                                        !patched));
        }
#undef TIMED
    }
    for (guint i = 0; i < G_N_ELEMENTS(layouts); i++) {
        if (!layouts[i].patched_only) {
            compare_runs(&layouts[i], &runs[i][0], &runs[i][1]);
        }
    }
    CHECK(blockers[0] && blockers[1] && !strcmp(blockers[0], blockers[1]),
          "cpr-transfer with an iommufd device and anonymous RAM: the same "
          "blocked-reasons on both binaries");
    return tap_done();
}
