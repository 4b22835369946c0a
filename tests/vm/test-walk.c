/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-walk: a seeded random walk of hot-plug operations on real QEMU in
 * the rig (issue 26), every step checked against the walk's own model of
 * the machine, not against what QEMU says about itself.
 *
 * The machine: q35 under qtest, 128 MiB, 3 DIMM slots, 6 PCIe root ports
 * (rp0..rp5), iommufd objects A (ifa) and B (ifb), the rig's 4 edus.
 * Each step, at random among those possible, one token:
 *   +KHP   hot-add host edu H (0-3) on root port P (0-5) as device eP,
 *          K: a (iommufd A), s (A with x-separate-ioas), b (iommufd B),
 *          t (type1); an absent object is object-added first
 *   -P     unplug eP (ACPI eject), wait until QEMU closed its VFIO fds
 *   mS     plug DIMM dN (N counts the DIMMs plugged so far) of S MiB
 *          (2-64, even: a memory-backend-ram must be a multiple of 2 MiB)
 *          on a shared memory-backend-file (a memory-backend-ram in the
 *          upstream mix)
 *   uN     unplug DIMM dN and object-del its backend
 *   xa xb  object-del iommufd A or B (only when no device uses it)
 *   r      system_reset (then the root ports and BARs are set up again,
 *          as firmware would)
 * After every step:
 *   - QEMU answers QMP (query-status);
 *   - every device's DMA lands in base RAM and in every plugged DIMM,
 *     byte for byte and nothing past it (the DIMM read back from its
 *     file; all devices DMA at once);
 *   - DMA into a former DIMM range (not covered by a DIMM now) is
 *     blocked, write and read back, for every device (one range per step,
 *     in turn);
 *   - the full mix (the series): x-query-vfio lists the containers the
 *     model expects (one per iommufd object with shared-IOAS devices, one
 *     per x-separate-ioas device, one type1), and each device's container
 *     maps exactly the model's RAM map: base RAM, the BIOS ROM and every
 *     DIMM covered, nothing outside them and the legacy ROM window
 *     0xa0000-0xfffff, nothing stale;
 *   - VmPin equals guest RAM + DIMMs + 128 KiB per iommufd object in use,
 *     + 128 KiB while the object's founding container (its first, made
 *     when it had none) is there: that one maps the isa-bios window at
 *     0xe0000 before the BIOS whose last 128 KiB it aliases, so it pins
 *     those pages twice; every later IOAS copies both from the BIOS
 *     mapping, and when the founder goes, its second pin goes with it
 *     (the control, one container per object, always pins 256 KiB);
 *     VmLck the same once (256 KiB) if a type1 device is there.
 * A step that fails, QEMU dying or hanging (the walk runs in a child
 * process: libvhtest fails it), or quit not exiting 0 (a sanitizer
 * report) fails the walk; the report names the seed, the step, the
 * tokens so far and the end of QEMU's stderr (a sanitizer's report whole).
 *
 * Usage: test-walk [--seeds=S[,S...]] [--steps=N] [--replay=TOKENS]
 *                  [--binary=LABEL|PATH] [--mix=full|upstream]
 *                  [--table=FILE] [--progress]
 *   (none)      the named sample the vm suite runs (sample_seeds[],
 *               SAMPLE_STEPS steps each, on the patched build)
 *   --seed(s)   the walks' seeds; --steps their length
 *   --replay    run these tokens (comma or space separated) instead
 *   --binary    a label of $VFIO_QEMU_BINARIES (patched, control) or a
 *               path (e.g. build/qemu-asan's binary); the control runs
 *               the upstream mix unless --mix says otherwise
 *   --mix       full: every kind, file-backed DIMMs, x-query-vfio;
 *               upstream: iommufd A and B only, RAM DIMMs, no
 *               x-query-vfio (10.2.2 aborts on a type1 device beside an
 *               iommufd one, and on file-backed DIMMs on Linux 6.12:
 *               patches 3 and 2; it has no x-separate-ioas or
 *               x-query-vfio)
 *   --table     append one markdown row per walk to FILE
 *   --progress  print each step (time, seed, number, token) on stderr as
 *               it starts: where a walk that hangs the machine stopped
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "edu.h"
#include "harness.h"
#include "qemu-edu.h"

#define NPORT 6
#define NHOST 4
#define NSLOT 3
#define LEN 2000
#define TAIL 64
#define MARK 0xa5
#define FLUSH 0x5a
#define PAGE 4096ULL
#define PORT_SLOT(i) (0x10 + (i))
#define PORT_BUS(i) (1 + (i))
#define PORT_WINDOW(i) (QEDU_BAR_BASE + ((uint64_t)(i) << 20))
#define RAM_END ((uint64_t)QEDU_RAM_MB << 20)
#define BIOS_GPA 0xfffc0000ULL
#define BIOS_END 0x100000000ULL
#define LEGACY_GPA 0xa0000ULL
#define LEGACY_END 0x100000ULL
#define MAX_FORMER 32
/* per device: DMA source, flush source and read-back areas in base RAM */
#define SRC(p) (QEDU_SRC_GPA + (uint64_t)(p) * 0x2000)
#define FLUSH_SRC(p) (QEDU_SRC_GPA + 0x100000 + (uint64_t)(p) * 0x2000)
#define DST(p) (QEDU_DST_GPA + (uint64_t)(p) * 0x2000)
#define BACK(p) (QEDU_DST_GPA + 0x100000 + (uint64_t)(p) * 0x2000)

/*
 * The sample the vm suite runs: a step takes 1.5-2 s in the rig (2 s
 * under a load of 8; docs/walk.md), so 3 seeds x SAMPLE_STEPS stay
 * within 3 minutes.
 */
static const unsigned sample_seeds[] = { 1, 2, 3 };
#define SAMPLE_STEPS 30

enum { K_A, K_SEP, K_B, K_T1 };
/* an object's founding container: none yet, its shared IOAS, gone */
enum { FOUNDER_NONE = -1, FOUNDER_SHARED = -2, FOUNDER_GONE = -3 };
static const char kind_char[] = "asbt";

static char bdfs[HEDU_MAX][32];

typedef struct Dev {
    bool present;
    int kind, host;
    uint64_t bar;
} Dev;

typedef struct Dimm {
    bool present;
    unsigned n, mb;
    uint64_t gpa;
    int slot, fd;
    char *path;
} Dimm;

typedef struct Range {
    uint64_t gpa, size;
} Range;

typedef struct Walk {
    VhtProc *p;
    const char *binary;
    bool full;
    char *dir;
    FILE *out;              /* to the parent: "key value" lines */
    Dev dev[NPORT];
    bool obj[2];            /* ifa, ifb exist */
    int founder[2];         /* see check_pins(): FOUNDER_* or a port */
    Dimm dimm[NSLOT];
    unsigned next_dimm;
    GArray *former;         /* Range: unplugged DIMM memory, free now */
    unsigned step;
    char *fail;
    unsigned long landed, blocked, queries, pins;
} Walk;

static void fail(Walk *w, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void fail(Walk *w, const char *fmt, ...)
{
    va_list ap;

    if (w->fail) {
        return;
    }
    va_start(ap, fmt);
    w->fail = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    for (char *c = w->fail; *c; c++) {
        if (*c == '\n' || *c == '|') {
            *c = ' ';
        }
    }
}

static void emit(Walk *w, const char *key, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
static void emit(Walk *w, const char *key, const char *fmt, ...)
{
    va_list ap;

    fprintf(w->out, "%s ", key);
    va_start(ap, fmt);
    vfprintf(w->out, fmt, ap);
    va_end(ap);
    fputc('\n', w->out);
    fflush(w->out);
}

static const char *obj_id(int kind)
{
    return kind == K_B ? "ifb" : kind == K_T1 ? NULL : "ifa";
}

static int obj_index(int kind)
{
    return kind == K_B ? 1 : kind == K_T1 ? -1 : 0;
}

/* Devices per iommufd object @o: on its shared IOAS, with IOAS of their own */
static void obj_devs(Walk *w, int o, int *shared, int *sep)
{
    *shared = *sep = 0;
    for (int p = 0; p < NPORT; p++) {
        if (w->dev[p].present && obj_index(w->dev[p].kind) == o) {
            (*(w->dev[p].kind == K_SEP ? sep : shared))++;
        }
    }
}

/* The device on @port left: did its object's founding container go? */
static void founder_left(Walk *w, int port)
{
    int o = obj_index(w->dev[port].kind), shared, sep;

    if (o < 0) {
        return;
    }
    obj_devs(w, o, &shared, &sep);
    if (!shared && !sep) {
        w->founder[o] = FOUNDER_NONE;
    } else if (w->founder[o] == (w->dev[port].kind == K_SEP ? port
                                                            : FOUNDER_SHARED) &&
               (w->dev[port].kind == K_SEP || !shared)) {
        w->founder[o] = FOUNDER_GONE;
    }
}

/* QEMU's fds to VFIO nodes, device fds included */
static guint vfio_fds(Walk *w)
{
    g_autoptr(GArray) fds = hedu_fds_to(vht_pid(w->p), "vfio");

    return fds->len;
}

static bool qmp(Walk *w, const char *what, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
static bool qmp(Walk *w, const char *what, const char *fmt, ...)
{
    g_autofree char *cmd = NULL, *err = NULL;
    g_autoptr(JsonNode) r = NULL;
    va_list ap;

    va_start(ap, fmt);
    cmd = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    r = hedu_qmp(w->p, &err, "%s", cmd);
    if (!r) {
        fail(w, "%s: %s", what, err ? err : "QMP error");
    }
    return r != NULL;
}

/* ---- the steps ---- */

static void do_add(Walk *w, int kind, int host, int port)
{
    const char *obj = obj_id(kind);
    int o = obj_index(kind);
    g_autofree char *extra = NULL;

    if (w->dev[port].present) {
        fail(w, "rp%d is taken", port);
        return;
    }
    for (int p = 0; p < NPORT; p++) {
        if (w->dev[p].present && w->dev[p].host == host) {
            fail(w, "host edu %d is in use (e%d)", host, p);
            return;
        }
    }
    if (o >= 0 && !w->obj[o]) {
        if (!qmp(w, "object-add iommufd", "{'execute': 'object-add', "
                 "'arguments': {'qom-type': 'iommufd', 'id': '%s'}}", obj)) {
            return;
        }
        w->obj[o] = true;
    }
    extra = obj ? g_strdup_printf(", 'iommufd': '%s'%s", obj,
                                  kind == K_SEP ? ", 'x-separate-ioas': true"
                                                : "")
                : g_strdup("");
    if (!qmp(w, "device_add", "{'execute': 'device_add', 'arguments': "
             "{'driver': 'vfio-pci', 'host': '%s', 'id': 'e%d', "
             "'bus': 'rp%d'%s}}", bdfs[host], port, port, extra)) {
        return;
    }
    if (o >= 0) {
        int shared, sep;

        obj_devs(w, o, &shared, &sep);
        if (!shared && !sep) {
            w->founder[o] = kind == K_SEP ? port : FOUNDER_SHARED;
        }
    }
    w->dev[port] = (Dev){ .present = true, .kind = kind, .host = host };
    w->dev[port].bar = qedu_enable(w->p, PORT_BUS(port), 0,
                                   PORT_WINDOW(port));
    if (!w->dev[port].bar) {
        fail(w, "e%d: no edu behind rp%d", port, port);
    }
}

static void do_unplug(Walk *w, int port)
{
    g_autofree char *id = g_strdup_printf("e%d", port);
    g_autofree char *rp = g_strdup_printf("rp%d", port);
    guint before;

    if (!w->dev[port].present) {
        fail(w, "no device on rp%d", port);
        return;
    }
    before = vfio_fds(w);
    if (!qedu_unplug_pci(w->p, id, rp)) {
        fail(w, "unplug of %s did not complete", id);
        return;
    }
    w->dev[port].present = false;
    founder_left(w, port);
    /* released when the device is finalized, a little after the eject */
    for (int i = 0; i < 100 && vfio_fds(w) >= before; i++) {
        g_usleep(50000);
    }
    if (vfio_fds(w) >= before) {
        fail(w, "%s unplugged but QEMU still holds its VFIO fds (%u)", id,
             vfio_fds(w));
    }
}

/* Former DIMM ranges minus [@gpa, +@size) (a DIMM plugged there now) */
static void former_cut(Walk *w, uint64_t gpa, uint64_t size)
{
    g_autoptr(GArray) keep = g_array_new(false, false, sizeof(Range));

    for (guint i = 0; i < w->former->len; i++) {
        Range r = g_array_index(w->former, Range, i);
        Range lo = { r.gpa, gpa > r.gpa ? MIN(gpa, r.gpa + r.size) - r.gpa
                                         : 0 };
        uint64_t hi_start = MAX(gpa + size, r.gpa);
        Range hi = { hi_start, r.gpa + r.size > hi_start ?
                               r.gpa + r.size - hi_start : 0 };

        if (lo.size >= 2 * PAGE) {
            g_array_append_val(keep, lo);
        }
        if (hi.size >= 2 * PAGE) {
            g_array_append_val(keep, hi);
        }
    }
    g_array_set_size(w->former, 0);
    g_array_append_vals(w->former, keep->data, keep->len);
}

static void do_dimm_plug(Walk *w, unsigned mb)
{
    Dimm *d = NULL;
    g_autofree char *id = g_strdup_printf("d%u", w->next_dimm);

    for (int i = 0; i < NSLOT && !d; i++) {
        d = w->dimm[i].present ? NULL : &w->dimm[i];
    }
    if (!d || mb < 2 || mb > 64 || mb % 2) {
        fail(w, "no free DIMM slot for %u MiB", mb);
        return;
    }
    *d = (Dimm){ .n = w->next_dimm++, .mb = mb, .fd = -1 };
    if (w->full) {
        d->path = g_strdup_printf("%s/%s", w->dir, id);
        d->fd = qedu_dimm_file(d->path, mb);
        if (d->fd < 0) {
            fail(w, "cannot create %s: %s", d->path, g_strerror(errno));
            return;
        }
    }
    d->gpa = qedu_plug_dimm(w->p, id, d->path, mb, &d->slot);
    if (!d->gpa) {
        fail(w, "DIMM %s of %u MiB not plugged", id, mb);
        qedu_dimm_file_drop(d->fd, d->path);
        g_free(d->path);
        return;
    }
    d->present = true;
    /* the model: above RAM, clear of the other DIMMs */
    if (d->gpa < BIOS_END) {
        fail(w, "DIMM %s at 0x%" PRIx64 ", below 4 GiB", id, d->gpa);
    }
    for (int i = 0; i < NSLOT; i++) {
        Dimm *o = &w->dimm[i];

        if (o != d && o->present && o->gpa < d->gpa + ((uint64_t)mb << 20) &&
            d->gpa < o->gpa + ((uint64_t)o->mb << 20)) {
            fail(w, "DIMM %s at 0x%" PRIx64 " overlaps d%u", id, d->gpa,
                 o->n);
        }
    }
    former_cut(w, d->gpa, (uint64_t)mb << 20);
}

static void do_dimm_unplug(Walk *w, unsigned n)
{
    g_autofree char *id = g_strdup_printf("d%u", n);
    g_autofree char *mem = g_strdup_printf("mem-d%u", n);
    Dimm *d = NULL;
    Range r;

    for (int i = 0; i < NSLOT && !d; i++) {
        d = w->dimm[i].present && w->dimm[i].n == n ? &w->dimm[i] : NULL;
    }
    if (!d) {
        fail(w, "no DIMM %s", id);
        return;
    }
    if (!qedu_unplug_dimm(w->p, id, d->slot, mem)) {
        fail(w, "DIMM %s not unplugged", id);
        return;
    }
    d->present = false;
    if (d->path) {
        qedu_dimm_file_drop(d->fd, d->path);
        g_clear_pointer(&d->path, g_free);
    }
    r = (Range){ d->gpa, (uint64_t)d->mb << 20 };
    if (w->former->len == MAX_FORMER) {
        g_array_remove_index(w->former, 0);
    }
    g_array_append_val(w->former, r);
}

static bool obj_used(Walk *w, int o)
{
    for (int p = 0; p < NPORT; p++) {
        if (w->dev[p].present && obj_index(w->dev[p].kind) == o) {
            return true;
        }
    }
    return false;
}

static void do_object_del(Walk *w, int o)
{
    if (!w->obj[o] || obj_used(w, o)) {
        fail(w, "iommufd %s is absent or in use", o ? "ifb" : "ifa");
        return;
    }
    if (qmp(w, "object-del", "{'execute': 'object-del', 'arguments': "
            "{'id': '%s'}}", o ? "ifb" : "ifa")) {
        w->obj[o] = false;
    }
}

/* The chores of firmware: root ports' buses and windows, the BARs */
static void setup_pci(Walk *w)
{
    for (int p = 0; p < NPORT; p++) {
        qedu_root_port(w->p, PORT_SLOT(p), PORT_BUS(p), PORT_WINDOW(p));
    }
    for (int p = 0; p < NPORT; p++) {
        if (w->dev[p].present) {
            w->dev[p].bar = qedu_enable(w->p, PORT_BUS(p), 0,
                                        PORT_WINDOW(p));
            if (!w->dev[p].bar) {
                fail(w, "e%d: no edu behind rp%d", p, p);
            }
        }
    }
}

static void do_reset(Walk *w)
{
    g_autoptr(JsonObject) ev = NULL;

    if (!qmp(w, "system_reset", "{'execute': 'system_reset'}")) {
        return;
    }
    ev = vht_qmp_wait_event(vht_qmp_main(w->p), "RESET", 10000);
    if (!ev) {
        fail(w, "no RESET event after system_reset");
        return;
    }
    setup_pci(w);
}

/* Run one token; Return: false if it is not a token */
static bool apply(Walk *w, const char *t)
{
    const char *k;

    switch (t[0]) {
    case '+':
        k = t[1] ? strchr(kind_char, t[1]) : NULL;
        if (!k || strlen(t) != 4 || t[2] < '0' || t[2] >= '0' + NHOST ||
            t[3] < '0' || t[3] >= '0' + NPORT) {
            return false;
        }
        do_add(w, k - kind_char, t[2] - '0', t[3] - '0');
        return true;
    case '-':
        if (strlen(t) != 2 || t[1] < '0' || t[1] >= '0' + NPORT) {
            return false;
        }
        do_unplug(w, t[1] - '0');
        return true;
    case 'm':
        do_dimm_plug(w, strtoul(t + 1, NULL, 10));
        return true;
    case 'u':
        do_dimm_unplug(w, strtoul(t + 1, NULL, 10));
        return true;
    case 'x':
        if (strcmp(t, "xa") && strcmp(t, "xb")) {
            return false;
        }
        do_object_del(w, t[1] == 'b');
        return true;
    case 'r':
        if (t[1]) {
            return false;
        }
        do_reset(w);
        return true;
    }
    return false;
}

/* A random step among those possible now */
static char *choose(Walk *w, GRand *rng)
{
    for (;;) {
        int r = g_rand_int_range(rng, 0, 100);

        if (r < 30) {
            int ports[NPORT], hosts[NHOST], np = 0, nh = 0;
            int kinds = w->full ? 4 : 2;
            int kind;

            for (int p = 0; p < NPORT; p++) {
                if (!w->dev[p].present) {
                    ports[np++] = p;
                }
            }
            for (int h = 0; h < NHOST; h++) {
                bool busy = false;

                for (int p = 0; p < NPORT; p++) {
                    busy |= w->dev[p].present && w->dev[p].host == h;
                }
                if (!busy) {
                    hosts[nh++] = h;
                }
            }
            if (!np || !nh) {
                continue;
            }
            kind = g_rand_int_range(rng, 0, kinds);
            if (!w->full) {
                kind = kind ? K_B : K_A;
            }
            return g_strdup_printf("+%c%d%d", kind_char[kind],
                                   hosts[g_rand_int_range(rng, 0, nh)],
                                   ports[g_rand_int_range(rng, 0, np)]);
        } else if (r < 50) {
            int ports[NPORT], np = 0;

            for (int p = 0; p < NPORT; p++) {
                if (w->dev[p].present) {
                    ports[np++] = p;
                }
            }
            if (np) {
                return g_strdup_printf("-%d", ports[g_rand_int_range(rng, 0,
                                                                     np)]);
            }
        } else if (r < 70) {
            bool free_slot = false;

            for (int i = 0; i < NSLOT; i++) {
                free_slot |= !w->dimm[i].present;
            }
            if (free_slot) {
                return g_strdup_printf("m%d",
                                       2 * g_rand_int_range(rng, 1, 33));
            }
        } else if (r < 85) {
            unsigned ns[NSLOT];
            int n = 0;

            for (int i = 0; i < NSLOT; i++) {
                if (w->dimm[i].present) {
                    ns[n++] = w->dimm[i].n;
                }
            }
            if (n) {
                return g_strdup_printf("u%u", ns[g_rand_int_range(rng, 0,
                                                                  n)]);
            }
        } else if (r < 92) {
            int o = g_rand_int_range(rng, 0, 2);

            if (w->obj[o] && !obj_used(w, o)) {
                return g_strdup(o ? "xb" : "xa");
            }
        } else {
            return g_strdup("r");
        }
    }
}

/* ---- the checks ---- */

static unsigned present_devs(Walk *w, int *ports)
{
    unsigned n = 0;

    for (int p = 0; p < NPORT; p++) {
        if (w->dev[p].present && w->dev[p].bar) {
            ports[n++] = p;
        }
    }
    return n;
}

/* One DMA on each device of @ports at once; Return: all finished */
static bool dma_all(Walk *w, const int *ports, unsigned n,
                    const uint64_t *src, const uint64_t *dst, bool to_ram)
{
    bool ok = true;

    for (unsigned i = 0; i < n; i++) {
        hedu_dma_start(w->p, w->dev[ports[i]].bar, src[i], dst[i], LEN,
                       to_ram);
    }
    for (unsigned i = 0; i < n; i++) {
        if (!hedu_dma_wait(w->p, w->dev[ports[i]].bar)) {
            fail(w, "e%d: DMA did not finish", ports[i]);
            ok = false;
        }
    }
    return ok;
}

/* Where device @port writes in DIMM @d this step: a page of its own */
static uint64_t dimm_off(Walk *w, const Dimm *d, int port)
{
    uint64_t pages = ((uint64_t)d->mb << 20) / PAGE - 1;

    return ((w->step * 37 + port * (pages / NPORT)) % pages) * PAGE;
}

static void fill(Walk *w, uint64_t gpa, const Dimm *d, uint64_t off,
                 uint8_t val)
{
    uint8_t buf[LEN + TAIL];

    memset(buf, val, sizeof(buf));
    if (d && d->fd >= 0) {
        if (pwrite(d->fd, buf, sizeof(buf), off) != (ssize_t)sizeof(buf)) {
            fail(w, "pwrite into %s: %s", d->path, g_strerror(errno));
        }
    } else {
        vht_memwrite(w->p, gpa, buf, sizeof(buf));
    }
}

/* Read back what the device wrote; Return: landed, blocked or corrupt */
static HeduResult readback(Walk *w, uint64_t gpa, const Dimm *d,
                           uint64_t off, const uint8_t *pat)
{
    uint8_t got[LEN + TAIL];
    bool marker = true, tail = true;

    if (d && d->fd >= 0) {
        if (pread(d->fd, got, sizeof(got), off) != (ssize_t)sizeof(got)) {
            return HEDU_CORRUPT;
        }
    } else {
        vht_memread(w->p, gpa, got, sizeof(got));
    }
    for (size_t i = 0; i < sizeof(got); i++) {
        marker &= got[i] == MARK;
        tail &= i < LEN || got[i] == MARK;
    }
    if (marker) {
        return HEDU_BLOCKED;
    }
    return !memcmp(got, pat, LEN) && tail ? HEDU_LANDED : HEDU_CORRUPT;
}

/*
 * Every device writes its pattern into base RAM and every DIMM (all
 * devices at once, one target after the other); then, if there are
 * former DIMM ranges, into one of them and back: blocked both ways.
 */
static void check_dma(Walk *w)
{
    int ports[NPORT];
    unsigned n = present_devs(w, ports);
    uint8_t pat[NPORT][LEN];
    uint64_t src[NPORT], dst[NPORT];
    Range fr;

    if (!n) {
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        edu_pattern(pat[i], LEN, w->step * 16 + ports[i]);
        vht_memwrite(w->p, SRC(ports[i]), pat[i], LEN);
        src[i] = SRC(ports[i]);
        dst[i] = EDU_BUF_ADDR;
    }
    if (!dma_all(w, ports, n, src, dst, false)) {
        return;
    }
    for (int t = -1; t < NSLOT && !w->fail; t++) {
        const Dimm *d = t < 0 ? NULL : &w->dimm[t];
        uint64_t off[NPORT];

        if (d && !d->present) {
            continue;
        }
        for (unsigned i = 0; i < n; i++) {
            off[i] = d ? dimm_off(w, d, ports[i]) : 0;
            dst[i] = d ? d->gpa + off[i] : DST(ports[i]);
            fill(w, dst[i], d, off[i], MARK);
            src[i] = EDU_BUF_ADDR;
        }
        if (!dma_all(w, ports, n, src, dst, true)) {
            return;
        }
        for (unsigned i = 0; i < n; i++) {
            HeduResult r = readback(w, dst[i], d, off[i], pat[i]);

            if (r != HEDU_LANDED) {
                fail(w, "e%d (%c): DMA into %s at 0x%" PRIx64 " %s", ports[i],
                     kind_char[w->dev[ports[i]].kind],
                     d ? "a DIMM" : "base RAM", dst[i], hedu_result_name(r));
                return;
            }
            w->landed++;
        }
    }
    if (!w->former->len || w->fail) {
        return;
    }
    /* the devices' buffers hold their patterns: out to the former range */
    fr = g_array_index(w->former, Range, w->step % w->former->len);
    for (unsigned i = 0; i < n; i++) {
        uint64_t pages = fr.size / PAGE - 1;

        dst[i] = fr.gpa + ((w->step * 37 + ports[i] * (pages / NPORT)) %
                           pages) * PAGE;
        src[i] = EDU_BUF_ADDR;
    }
    if (!dma_all(w, ports, n, src, dst, true)) {
        return;
    }
    /* the buffers overwritten, then back from the former range */
    for (unsigned i = 0; i < n; i++) {
        g_autofree uint8_t *flush = g_malloc(LEN);

        memset(flush, FLUSH, LEN);
        vht_memwrite(w->p, FLUSH_SRC(ports[i]), flush, LEN);
        src[i] = FLUSH_SRC(ports[i]);
        dst[i] = EDU_BUF_ADDR;
    }
    if (!dma_all(w, ports, n, src, dst, false)) {
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        uint64_t pages = fr.size / PAGE - 1;

        src[i] = fr.gpa + ((w->step * 37 + ports[i] * (pages / NPORT)) %
                           pages) * PAGE;
        dst[i] = EDU_BUF_ADDR;
    }
    if (!dma_all(w, ports, n, src, dst, false)) {
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        vht_memset(w->p, BACK(ports[i]), MARK, LEN);
        src[i] = EDU_BUF_ADDR;
        dst[i] = BACK(ports[i]);
    }
    if (!dma_all(w, ports, n, src, dst, true)) {
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        uint8_t got[LEN];
        bool uniform = true;

        vht_memread(w->p, BACK(ports[i]), got, LEN);
        for (size_t j = 0; j < LEN; j++) {
            uniform &= got[j] == got[0];
        }
        /* a blocked read leaves the flush pattern or zeros */
        if (!uniform || (got[0] != FLUSH && got[0] != 0)) {
            fail(w, "e%d (%c): DMA into the former DIMM range 0x%" PRIx64
                 "+0x%" PRIx64 " %s", ports[i],
                 kind_char[w->dev[ports[i]].kind], fr.gpa, fr.size,
                 !memcmp(got, pat[i], LEN) ? "landed and read back"
                                           : "came back corrupt");
            return;
        }
        w->blocked++;
    }
}

static bool any_type1(Walk *w)
{
    for (int p = 0; p < NPORT; p++) {
        if (w->dev[p].present && w->dev[p].kind == K_T1) {
            return true;
        }
    }
    return false;
}

static long ram_kb(Walk *w)
{
    long kb = QEDU_RAM_MB * 1024L;

    for (int i = 0; i < NSLOT; i++) {
        kb += w->dimm[i].present ? w->dimm[i].mb * 1024L : 0;
    }
    return kb;
}

/* VmPin and VmLck as the model says (pins go a little after the fds) */
static void check_pins(Walk *w)
{
    long want_pin = 0, want_lck = any_type1(w) ? ram_kb(w) + 256 : 0;
    long pin = -1, lck = -1;

    for (int o = 0; o < 2; o++) {
        int shared, sep;

        obj_devs(w, o, &shared, &sep);
        if (shared + sep) {
            bool founder = w->founder[o] >= 0 ||
                           w->founder[o] == FOUNDER_SHARED;

            want_pin += ram_kb(w) + 128 + (founder ? 128 : 0);
        }
    }
    for (int i = 0; i < 40; i++) {
        pin = qedu_vmpin(w->p);
        lck = qedu_status_kb(vht_pid(w->p), "VmLck");
        if (pin == want_pin && lck == want_lck) {
            w->pins++;
            return;
        }
        g_usleep(50000);
    }
    fail(w, "VmPin %ld kB (want %ld), VmLck %ld kB (want %ld)", pin,
         want_pin, lck, want_lck);
}

/* Whether [@lo, @hi) is covered by the union of @c's mappings */
static bool covered(JsonArray *ms, uint64_t lo, uint64_t hi)
{
    bool moved = true;

    while (lo < hi && moved) {
        moved = false;
        for (guint i = 0; ms && i < json_array_get_length(ms); i++) {
            JsonObject *m = json_array_get_object_element(ms, i);
            uint64_t a = json_object_get_int_member(m, "iova");
            uint64_t b = a + json_object_get_int_member(m, "size");

            if (a <= lo && lo < b) {
                lo = b;
                moved = true;
            }
        }
    }
    return lo >= hi;
}

/*
 * Whether [@a, @b) lies in the model's RAM map or the legacy window; for
 * a type1 container (@type1) also a present device's BAR0 (1 MiB at the
 * start of its root port's window): type1 maps BARs for peer-to-peer,
 * iommufd cannot ("PCI BAR?")
 */
static bool in_model(Walk *w, uint64_t a, uint64_t b, bool type1)
{
    if (b <= RAM_END || (a >= BIOS_GPA && b <= BIOS_END)) {
        return true;
    }
    for (int p = 0; type1 && p < NPORT; p++) {
        if (w->dev[p].present && w->dev[p].bar && a >= w->dev[p].bar &&
            b <= w->dev[p].bar + (1 << 20)) {
            return true;
        }
    }
    for (int i = 0; i < NSLOT; i++) {
        const Dimm *d = &w->dimm[i];

        if (d->present && a >= d->gpa && b <= d->gpa + ((uint64_t)d->mb << 20)) {
            return true;
        }
    }
    return false;
}

static void check_query(Walk *w)
{
    g_autoptr(JsonNode) q = qedu_query(w->p);
    int want = any_type1(w);

    if (!q) {
        fail(w, "x-query-vfio failed");
        return;
    }
    for (int o = 0; o < 2; o++) {
        int shared, sep;

        obj_devs(w, o, &shared, &sep);
        want += (shared > 0) + sep;
    }
    if (qedu_container_count(q) != want) {
        fail(w, "x-query-vfio lists %d containers, the model %d",
             qedu_container_count(q), want);
        return;
    }
    for (int p = 0; p < NPORT; p++) {
        g_autofree char *id = g_strdup_printf("e%d", p);
        JsonObject *c;
        JsonArray *ms;

        if (!w->dev[p].present) {
            continue;
        }
        c = qedu_container_of(q, id);
        ms = c ? json_object_get_array_member(c, "mappings") : NULL;
        if (!ms) {
            fail(w, "x-query-vfio: no container lists %s", id);
            return;
        }
        if (!covered(ms, 0, LEGACY_GPA) ||
            !covered(ms, LEGACY_END, RAM_END) ||
            !covered(ms, BIOS_GPA, BIOS_END)) {
            fail(w, "x-query-vfio: %s's container does not map all of base "
                 "RAM and the BIOS", id);
            return;
        }
        for (int i = 0; i < NSLOT; i++) {
            const Dimm *d = &w->dimm[i];

            if (d->present &&
                !covered(ms, d->gpa, d->gpa + ((uint64_t)d->mb << 20))) {
                fail(w, "x-query-vfio: %s's container does not map DIMM d%u "
                     "at 0x%" PRIx64, id, d->n, d->gpa);
                return;
            }
        }
        for (guint i = 0; i < json_array_get_length(ms); i++) {
            JsonObject *m = json_array_get_object_element(ms, i);
            uint64_t a = json_object_get_int_member(m, "iova");
            uint64_t b = a + json_object_get_int_member(m, "size");

            if (!in_model(w, a, b, w->dev[p].kind == K_T1) ||
                json_object_get_boolean_member_with_default(m, "stale",
                                                            false)) {
                fail(w, "x-query-vfio: %s's container maps 0x%" PRIx64
                     "-0x%" PRIx64 "%s, not in the model's RAM map", id, a, b,
                     json_object_get_boolean_member_with_default(
                         m, "stale", false) ? " (stale)" : "");
                return;
            }
        }
    }
    w->queries++;
}

static void check(Walk *w)
{
    g_autofree char *err = NULL;
    g_autoptr(JsonNode) st = hedu_qmp(w->p, &err,
                                      "{'execute': 'query-status'}");

    if (!st) {
        fail(w, "QEMU does not answer query-status: %s", err);
        return;
    }
    check_dma(w);
    if (!w->fail && w->full) {
        check_query(w);
    }
    if (!w->fail) {
        check_pins(w);
    }
}

/* ---- one walk, in a child process ---- */

/*
 * The walk dies when libvhtest fails it (g_error(): SIGTRAP or SIGABRT),
 * as it does when QEMU dies under it: say how QEMU ended, if it did
 * (this child is its parent), before dying.
 */
static int walk_out_fd = -1;
static pid_t walk_qemu = -1;

static void on_fatal(int sig)
{
    char buf[160];
    int st, n = 0;

    for (int i = 0; i < 100 && walk_qemu > 0; i++) {
        if (waitpid(walk_qemu, &st, WNOHANG) == walk_qemu) {
            n = WIFSIGNALED(st)
                ? snprintf(buf, sizeof(buf), "qemu killed by signal %d (%s)\n",
                           WTERMSIG(st), strsignal(WTERMSIG(st)))
                : snprintf(buf, sizeof(buf), "qemu exited with status %d\n",
                           WEXITSTATUS(st));
            break;
        }
        usleep(20000);
    }
    if (n > 0 && write(walk_out_fd, buf, n) != n) {
        n = 0;
    }
    signal(sig, SIG_DFL);
    raise(sig);
}


typedef struct Spec {
    const char *binary;
    bool full;
    unsigned seed, steps;
    char **replay;          /* NULL: random steps */
    const char *qemu_err;   /* QEMU's stderr */
} Spec;

static void walk(const Spec *s, FILE *out)
{
    Walk w = { .binary = s->binary, .full = s->full, .out = out,
               .former = g_array_new(false, false, sizeof(Range)) };
    QeduStartOpts o = { .stderr_path = s->qemu_err, .slots = NSLOT };
    GString *args = g_string_new("-object iommufd,id=ifa "
                                 "-object iommufd,id=ifb");
    g_autoptr(GRand) rng = g_rand_new_with_seed(s->seed);
    gint64 t0;

    w.dir = g_dir_make_tmp("walk-XXXXXX", NULL);
    for (int p = 0; p < NPORT; p++) {
        g_string_append_printf(args, " -device pcie-root-port,id=rp%d,"
                               "chassis=%d,addr=0x%x", p, p + 1,
                               PORT_SLOT(p));
    }
    w.obj[0] = w.obj[1] = true;
    w.founder[0] = w.founder[1] = FOUNDER_NONE;
    w.p = qedu_start_with(s->binary, args->str, &o);
    g_string_free(args, true);
    walk_out_fd = fileno(out);
    walk_qemu = vht_pid(w.p);
    signal(SIGTRAP, on_fatal);
    signal(SIGABRT, on_fatal);
    setup_pci(&w);
    t0 = g_get_monotonic_time();
    for (w.step = 1; !w.fail; w.step++) {
        g_autofree char *tok = NULL;

        if (s->replay) {
            if (!s->replay[w.step - 1]) {
                break;
            }
            tok = g_strdup(s->replay[w.step - 1]);
        } else if (w.step > s->steps) {
            break;
        } else {
            tok = choose(&w, rng);
        }
        emit(&w, "tok", "%u %s", w.step, tok);
        if (!apply(&w, tok)) {
            fail(&w, "'%s' is not a step", tok);
            break;
        }
        if (!w.fail) {
            check(&w);
        }
        emit(&w, "counts", "%lu %lu %lu %lu", w.landed, w.blocked, w.queries,
             w.pins);
        if (!w.fail) {
            emit(&w, "done", "%u", w.step);
        }
    }
    emit(&w, "seconds", "%.0f", (g_get_monotonic_time() - t0) / 1e6);
    if (w.fail) {
        emit(&w, "fail", "%s", w.fail);
    }
    for (int i = 0; i < NSLOT; i++) {
        if (w.dimm[i].path) {
            qedu_dimm_file_drop(w.dimm[i].fd, w.dimm[i].path);
        }
    }
    rmdir(w.dir);
    walk_qemu = -1;         /* vht_end() reaps it and says how it ended */
    vht_end(w.p);           /* g_error()s unless quit exits 0 */
    emit(&w, "quit", "ok");
}

typedef struct Result {
    unsigned done, last;
    GString *tokens;
    unsigned long landed, blocked, queries, pins;
    char *fail, *seconds, *child, *qemu;
    bool quit;
} Result;

static char *tail_of(const char *path, int lines)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) v = NULL;
    int n;

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        return g_strdup("");
    }
    v = g_strsplit(g_strchomp(text), "\n", -1);
    n = g_strv_length(v);
    return g_strjoinv("\n", v + (n > lines ? n - lines : 0));
}

/*
 * What of QEMU's stderr a failed walk prints: a sanitizer's report whole
 * (from its "==PID==ERROR:" line, at most 150 lines: the stacks of the
 * access, of the free and of the allocation), else the last 12 lines.
 */
static char *qemu_err_excerpt(const char *path)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) v = NULL;
    const char *report;

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        return g_strdup("");
    }
    report = strstr(text, "ERROR: AddressSanitizer");
    if (!report) {
        return tail_of(path, 12);
    }
    while (report > text && report[-1] != '\n') {
        report--;
    }
    v = g_strsplit(g_strchomp((char *)report), "\n", 151);
    if (g_strv_length(v) > 150) {
        g_free(v[150]);
        v[150] = NULL;
    }
    return g_strjoinv("\n", v);
}

/* --progress: each step's token on stderr as the walk reads it */
static bool progress;

/* The "SUMMARY: AddressSanitizer: ..." line of QEMU's stderr, if any */
static char *asan_summary(const char *path)
{
    g_autofree char *text = NULL;
    const char *sum;

    if (!g_file_get_contents(path, &text, NULL, NULL) ||
        !(sum = strstr(text, "SUMMARY: AddressSanitizer"))) {
        return NULL;
    }
    return g_strndup(sum, strcspn(sum, "\n"));
}

static void run_walk(const Spec *s, Result *res, const char *err_path)
{
    int pipefd[2], status;
    char line[1024];
    FILE *in;
    pid_t pid;

    *res = (Result){ .tokens = g_string_new(NULL) };
    if (pipe(pipefd) < 0) {
        res->child = g_strdup("pipe failed");
        return;
    }
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid == 0) {
        int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

        close(pipefd[0]);
        if (fd >= 0) {
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
        walk(s, fdopen(pipefd[1], "w"));
        _exit(0);
    }
    close(pipefd[1]);
    in = fdopen(pipefd[0], "r");
    while (in && fgets(line, sizeof(line), in)) {
        char *v = strchr(line, ' ');

        line[strcspn(line, "\n")] = 0;
        v = v ? v + 1 : line + strlen(line);
        if (g_str_has_prefix(line, "tok ")) {
            if (progress) {
                g_autoptr(GDateTime) now = g_date_time_new_now_local();
                g_autofree char *hms = g_date_time_format(now, "%T");

                fprintf(stderr, "%s seed %u step %s\n", hms, s->seed, v);
            }
            res->last = strtoul(v, NULL, 10);
            g_string_append_printf(res->tokens, "%s%s",
                                   res->tokens->len ? "," : "",
                                   strchr(v, ' ') ? strchr(v, ' ') + 1 : v);
        } else if (g_str_has_prefix(line, "done ")) {
            res->done = strtoul(v, NULL, 10);
        } else if (g_str_has_prefix(line, "counts ")) {
            sscanf(v, "%lu %lu %lu %lu", &res->landed, &res->blocked,
                   &res->queries, &res->pins);
        } else if (g_str_has_prefix(line, "fail ")) {
            res->fail = g_strdup(v);
        } else if (g_str_has_prefix(line, "seconds ")) {
            res->seconds = g_strdup(v);
        } else if (g_str_has_prefix(line, "quit ")) {
            res->quit = true;
        } else if (g_str_has_prefix(line, "qemu ")) {
            res->qemu = g_strdup(line);
        }
    }
    if (in) {
        fclose(in);
    }
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        g_autofree char *why = tail_of(err_path, 1);

        /* libvhtest's message may quote a whole qtest line */
        if (strlen(why) > 200) {
            strcpy(why + 190, " [...]");
        }
        res->child = g_strdup_printf("the walk stopped (status 0x%x%s%s): %s",
                                     status, res->qemu ? ", " : "",
                                     res->qemu ? res->qemu : "", why);
    }
}

static const char *label_of(const char *bin)
{
    const char *labels[16], *paths[16];
    int n = qedu_binaries(labels, paths, 16);

    for (int i = 0; i < n; i++) {
        if (!strcmp(paths[i], bin)) {
            return labels[i];
        }
    }
    return bin;
}

/* One walk as one TAP check; a row of @table (if not NULL) */
static bool report(const Spec *s, const char *table)
{
    g_autofree char *dir = g_dir_make_tmp("walk-run-XXXXXX", NULL);
    g_autofree char *qemu_err = g_build_filename(dir, "qemu.err", NULL);
    g_autofree char *walk_err = g_build_filename(dir, "walk.err", NULL);
    Spec sp = *s;
    Result r;
    g_autofree char *what = NULL, *seed = NULL, *asan = NULL;
    bool ok;

    sp.qemu_err = qemu_err;
    run_walk(&sp, &r, walk_err);
    ok = !r.fail && !r.child && r.quit;
    seed = s->replay ? g_strdup("replay") : g_strdup_printf("seed %u", s->seed);
    asan = asan_summary(qemu_err);
    what = r.child ? g_strdup_printf("%s at step %u (%s)%s%s", r.child, r.last,
                                     r.last ? strrchr(r.tokens->str, ',') ?
                                              strrchr(r.tokens->str, ',') + 1
                                              : r.tokens->str : "start",
                                     asan ? "; " : "", asan ? asan : "")
         : r.fail ? g_strdup_printf("step %u fails: %s", r.last, r.fail)
         : g_strdup("ok");
    CHECK(ok, "walk %s %s (%s mix): %u steps of %u kept every invariant, "
          "%lu DMAs landed, %lu blocked in former DIMM ranges, %lu "
          "x-query-vfio and %lu VmPin/VmLck checks, %s s: %s",
          label_of(s->binary), seed, s->full ? "full" : "upstream", r.done,
          s->replay ? g_strv_length(s->replay) : s->steps, r.landed,
          r.blocked, r.queries, r.pins, r.seconds ? r.seconds : "?", what);
    if (!ok) {
        g_autofree char *qt = qemu_err_excerpt(qemu_err);
        g_autofree char *wt = tail_of(walk_err, 6);
        g_auto(GStrv) ql = g_strsplit(qt, "\n", -1);
        g_auto(GStrv) wl = g_strsplit(wt, "\n", -1);

        tap_note("%s: replay with --binary=%s --mix=%s --replay=%s", seed,
                 s->binary, s->full ? "full" : "upstream", r.tokens->str);
        for (int i = 0; ql[i]; i++) {
            tap_note("  qemu stderr: %s", ql[i]);
        }
        for (int i = 0; wl[i]; i++) {
            tap_note("  walk stderr: %.300s", wl[i]);
        }
    } else {
        tap_note("%s: tokens %s", seed, r.tokens->str);
    }
    if (table) {
        FILE *f = fopen(table, "a");

        if (f) {
            fprintf(f, "| %s | %s | %s | %u / %u | %lu | %lu | %lu | %lu | "
                    "%s | %s |\n", label_of(s->binary),
                    s->full ? "full" : "upstream", seed, r.done,
                    s->replay ? g_strv_length(s->replay) : s->steps,
                    r.landed, r.blocked, r.queries, r.pins,
                    r.seconds ? r.seconds : "?", ok ? "ok" : what);
            fclose(f);
        }
    }
    unlink(qemu_err);
    unlink(walk_err);
    rmdir(dir);
    g_string_free(r.tokens, true);
    g_free(r.fail);
    g_free(r.seconds);
    g_free(r.child);
    g_free(r.qemu);
    return ok;
}

int main(int argc, char **argv)
{
    g_autoptr(GArray) seeds = g_array_new(false, false, sizeof(unsigned));
    g_auto(GStrv) replay = NULL;
    const char *binary = NULL, *mix = NULL, *table = NULL;
    unsigned steps = SAMPLE_STEPS;
    Spec s = { 0 };

    hedu_init();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (g_str_has_prefix(a, "--seeds=") || g_str_has_prefix(a, "--seed=")) {
            g_auto(GStrv) v = g_strsplit(strchr(a, '=') + 1, ",", -1);

            for (int j = 0; v[j]; j++) {
                unsigned n = strtoul(v[j], NULL, 0);

                g_array_append_val(seeds, n);
            }
        } else if (g_str_has_prefix(a, "--steps=")) {
            steps = strtoul(a + 8, NULL, 0);
        } else if (g_str_has_prefix(a, "--replay=")) {
            g_strfreev(replay);
            replay = g_strsplit_set(a + 9, ", ", -1);
        } else if (g_str_has_prefix(a, "--binary=")) {
            binary = a + 9;
        } else if (g_str_has_prefix(a, "--mix=")) {
            mix = a + 6;
        } else if (g_str_has_prefix(a, "--table=")) {
            table = a + 8;
        } else if (!strcmp(a, "--progress")) {
            progress = true;
        } else {
            fprintf(stderr, "test-walk: unknown argument %s\n", a);
            return 2;
        }
    }
    if (!seeds->len) {
        g_array_append_vals(seeds, sample_seeds, G_N_ELEMENTS(sample_seeds));
    }
    s.binary = !binary ? qedu_binary("patched")
               : strchr(binary, '/') ? binary : qedu_binary(binary);
    s.full = mix ? !strcmp(mix, "full")
                 : !(binary && !strcmp(binary, "control"));
    s.steps = steps;
    if (mix && strcmp(mix, "full") && strcmp(mix, "upstream")) {
        fprintf(stderr, "test-walk: --mix is full or upstream\n");
        return 2;
    }
    if (!CHECK(s.binary && g_file_test(s.binary, G_FILE_TEST_IS_EXECUTABLE),
               "the QEMU binary %s", binary ? binary : "patched") ||
        hedu_find(bdfs, NHOST) < NHOST) {
        return tap_done();
    }
    if (replay) {
        /* g_strsplit_set() leaves empty strings between separators */
        GPtrArray *v = g_ptr_array_new();

        for (int i = 0; replay[i]; i++) {
            if (replay[i][0]) {
                g_ptr_array_add(v, replay[i]);
            }
        }
        g_ptr_array_add(v, NULL);
        s.replay = (char **)v->pdata;
        report(&s, table);
        g_ptr_array_free(v, true);
        return tap_done();
    }
    for (guint i = 0; i < seeds->len; i++) {
        s.seed = g_array_index(seeds, unsigned, i);
        report(&s, table);
    }
    return tap_done();
}
