/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * viommu-scenario.c: the vIOMMU scenario of the fault runs
 * (viommu-scenario.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "edu.h"
#include "harness.h"
#include "viommu-scenario.h"

#define LEN 2000
#define MIB (1ULL << 20)
#define NDEV VIOMMU_SCENARIO_NDEV
#define PORT_SLOT(i) (0x10 + (i))
#define PORT_BUS(i) (1 + (i))
#define PORT_WINDOW(i) (QEDU_BAR_BASE + ((uint64_t)(i) << 20))
#define VIOMMU_SLOT 8
#define VIOMMU_BAR 0xc8000000ULL
#define RING_GPA 0x3000000ULL
#define BUF_GPA 0x3100000ULL
#define MAP_GPA 0x4000000ULL
#define MAP_SIZE (4 * MIB)
#define IOVA(i) (0x10000000ULL + (uint64_t)(i) * 0x1000000)
#define DIMM_MB 16

static void step(ViommuScenario *s, const char *name)
{
    if (s->step) {
        s->step(s->opaque, name);
    }
}

static void fail(ViommuScenario *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void fail(ViommuScenario *s, const char *fmt, ...)
{
    g_autofree char *what = NULL;
    va_list ap;

    va_start(ap, fmt);
    what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (s->fail) {
        s->fail(s->opaque, what);
    }
}

static bool qmp(ViommuScenario *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static bool qmp(ViommuScenario *s, const char *fmt, ...)
{
    g_autofree char *cmd = NULL, *err = NULL;
    va_list ap;

    va_start(ap, fmt);
    cmd = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (!hedu_qmp_try(s->p, &err, "%s", cmd)) {
        fail(s, "%s", err ? err : "QMP error");
        return false;
    }
    return true;
}

bool viommu_scenario_start(ViommuScenario *s)
{
    GString *args = g_string_new(NULL);
    g_autoptr(GArray) fds = NULL;

    g_string_append_printf(args, "-device virtio-iommu-pci,id=viommu,"
                           "bus=pcie.0,addr=0x%x -object iommufd,id=if0",
                           VIOMMU_SLOT);
    for (int i = 0; i < NDEV; i++) {
        g_string_append_printf(args, " -device pcie-root-port,id=rp%d,"
                               "chassis=%d,addr=0x%x", i, i + 1,
                               PORT_SLOT(i));
    }
    step(s, "start");
    s->p = s->opts ? qedu_start_with(s->binary, args->str, s->opts)
                   : qedu_start(s->binary, args->str, NULL, false);
    g_string_free(args, true);
    if (!s->p) {
        return false;
    }
    for (int i = 0; i < NDEV; i++) {
        qedu_root_port(s->p, PORT_SLOT(i), PORT_BUS(i), PORT_WINDOW(i));
    }
    fds = hedu_fds_to(vht_pid(s->p), NULL);
    s->fds0 = fds->len;
    return true;
}

static void add_device(ViommuScenario *s, int i)
{
    s->present[i] = qmp(s, "{'execute': 'device_add', 'arguments': "
                        "{'driver': 'vfio-pci', 'host': '%s', 'id': 'e%d', "
                        "'bus': 'rp%d', 'iommufd': 'if0'}}", s->bdfs[i], i, i);
    s->bar[i] = s->present[i] ? qedu_enable(s->p, PORT_BUS(i), 0,
                                            PORT_WINDOW(i)) : 0;
}

/* Whether @c reported a failure: a runtime map error or a failed call */
static bool reported(JsonObject *c)
{
    return json_object_get_int_member_with_default(c, "map-errors", 0) > 0 ||
           qedu_counter(c, "failed") > 0;
}

/* edu @i: a pattern at guest @gpa + 64 KiB read at @iova + 64 KiB, DMAed
 * to @iova + @off: Return: how guest @gpa + @off looks */
static HeduResult dma(ViommuScenario *s, int i, uint64_t iova, uint64_t gpa,
                      uint64_t off, unsigned seed)
{
    uint8_t pat[LEN], got[LEN];

    edu_pattern(pat, LEN, seed);
    vht_memwrite(s->p, gpa + 0x10000, pat, LEN);
    vht_memset(s->p, gpa + off, 0x5a, LEN);
    if (!hedu_dma(s->p, s->bar[i], iova + 0x10000, EDU_BUF_ADDR, LEN,
                  false) ||
        !hedu_dma(s->p, s->bar[i], EDU_BUF_ADDR, iova + off, LEN, true)) {
        return HEDU_TIMEOUT;
    }
    vht_memread(s->p, gpa + off, got, LEN);
    if (!memcmp(got, pat, LEN)) {
        return HEDU_LANDED;
    }
    for (int k = 0; k < LEN; k++) {
        if (got[k] != 0x5a) {
            return HEDU_CORRUPT;
        }
    }
    return HEDU_BLOCKED;
}

char *viommu_scenario_check_dma(ViommuScenario *s)
{
    g_autoptr(JsonNode) q = qedu_query(s->p);

    for (int i = 0; i < NDEV; i++) {
        g_autofree char *id = g_strdup_printf("e%d", i);
        JsonObject *c = qedu_container_of(q, id);
        HeduResult r;

        if (!s->present[i] || !s->bar[i] || !c) {
            continue;
        }
        if (!s->driver) {
            /* bypass: guest-physical, as x-query-vfio lists it */
            bool ram = hedu_round_trip(s->p, s->bar[i], QEDU_SRC_GPA,
                                       QEDU_DST_GPA, LEN, 70 + i);

            if (ram != qedu_covers(c, QEDU_DST_GPA, LEN)) {
                return g_strdup_printf("e%d: RAM DMA %s, x-query-vfio %s it",
                                       i, ram ? "lands" : "blocked",
                                       ram ? "does not list" : "lists");
            }
            if (s->dimm) {
                HeduDest d = { .gpa = s->dimm + ((uint64_t)i << 20),
                               .fd = -1 };
                HeduResult got = hedu_copy(s->p, s->bar[i], QEDU_SRC_GPA, &d,
                                           LEN, 80 + i);
                bool in = qedu_covers(c, d.gpa, LEN);

                if ((got == HEDU_LANDED) != in ||
                    (got != HEDU_LANDED && got != HEDU_BLOCKED)) {
                    return g_strdup_printf("e%d: DIMM DMA %s, x-query-vfio "
                                           "%s it", i, hedu_result_name(got),
                                           in ? "lists" : "does not list");
                }
            }
            continue;
        }
        /* through the vIOMMU: only where the guest mapped */
        r = dma(s, i, IOVA(i), MAP_GPA + i * MAP_SIZE, 0x200000, 90 + i);
        if (r == HEDU_LANDED && (!s->mapped[i] ||
                                 (s->unmapped[i] && !reported(c)))) {
            return g_strdup_printf("e%d: DMA through IOVA 0x%llx lands, the "
                                   "guest %s it%s", i, IOVA(i),
                                   s->mapped[i] ? "unmapped" : "never mapped",
                                   s->mapped[i] ? " and QEMU reported no "
                                   "failure" : "");
        }
        if (r == HEDU_BLOCKED && s->mapped[i] && !s->unmapped[i] &&
            !reported(c)) {
            return g_strdup_printf("e%d: DMA through IOVA 0x%llx blocked, "
                                   "mapped by the guest, no failure "
                                   "reported", i, IOVA(i));
        }
        if (r != HEDU_LANDED && r != HEDU_BLOCKED) {
            return g_strdup_printf("e%d: DMA through IOVA 0x%llx: %s", i,
                                   IOVA(i), hedu_result_name(r));
        }
        /* guest-physical addresses are not IOVAs the guest mapped */
        if (hedu_round_trip(s->p, s->bar[i], QEDU_SRC_GPA, QEDU_DST_GPA, LEN,
                            95 + i)) {
            return g_strdup_printf("e%d: DMA to guest-physical 0x%llx lands "
                                   "while attached", i, QEDU_DST_GPA);
        }
    }
    return NULL;
}

void viommu_scenario_run(ViommuScenario *s,
                         void (*check)(ViommuScenario *s, const char *when,
                                       char *mismatch))
{
    for (int i = 0; i < NDEV; i++) {
        g_autofree char *name = g_strdup_printf("add-e%d", i);

        step(s, name);
        add_device(s, i);
    }
    step(s, "dma");
    for (int i = 0; i < NDEV; i++) {
        if (s->present[i] && !hedu_round_trip(s->p, s->bar[i], QEDU_SRC_GPA,
                                              QEDU_DST_GPA, LEN, 10 + i)) {
            fail(s, "e%d DMA into RAM did not land", i);
        }
    }
    step(s, "dimm-plug");
    s->dimm = qedu_plug_dimm(s->p, "dimm0", NULL, DIMM_MB, &s->dimm_slot);
    if (!s->dimm) {
        fail(s, "DIMM hot-add failed");
    }
    if (check) {
        check(s, "dimm-plug", viommu_scenario_check_dma(s));
    }
    step(s, "attach");
    s->driver = qviommu_virtio(&s->iommu, s->p, VIOMMU_SLOT, VIOMMU_BAR,
                               RING_GPA, BUF_GPA);
    if (!s->driver) {
        fail(s, "the virtio-iommu driver did not come up");
        return;
    }
    for (int i = 0; i < NDEV; i++) {
        if (s->present[i] &&
            !qviommu_attach(&s->iommu, i + 1, qviommu_endpoint(PORT_BUS(i),
                                                               0))) {
            fail(s, "ATTACH of e%d refused", i);
        }
    }
    step(s, "map");
    for (int i = 0; i < NDEV; i++) {
        s->mapped[i] = s->present[i] &&
                       qviommu_map(&s->iommu, i + 1, IOVA(i),
                                   MAP_GPA + i * MAP_SIZE, MAP_SIZE, true);
        if (s->present[i] && !s->mapped[i]) {
            fail(s, "MAP in domain %d refused", i + 1);
        }
    }
    if (check) {
        check(s, "map", viommu_scenario_check_dma(s));
    }
    step(s, "unmap");
    if (s->mapped[0]) {
        s->unmapped[0] = qviommu_unmap(&s->iommu, 1, IOVA(0), MAP_SIZE);
        if (!s->unmapped[0]) {
            fail(s, "UNMAP in domain 1 refused");
        }
    }
    if (check) {
        check(s, "unmap", viommu_scenario_check_dma(s));
    }
}

bool viommu_scenario_teardown(ViommuScenario *s)
{
    step(s, "teardown");
    if (s->dimm && !qedu_unplug_dimm(s->p, "dimm0", s->dimm_slot,
                                     "mem-dimm0")) {
        fail(s, "DIMM unplug failed");
    }
    for (int i = 0; i < NDEV; i++) {
        g_autofree char *id = g_strdup_printf("e%d", i);
        g_autofree char *port = g_strdup_printf("rp%d", i);

        if (s->present[i] && !qedu_unplug_pci(s->p, id, port)) {
            fail(s, "unplug of %s did not complete", id);
        }
        s->present[i] = false;
    }
    /* the devices let go of if0 when they are finalized, a little later */
    qedu_wait_vfio_fds(vht_pid(s->p), 0);
    for (int i = 0; i < 50; i++) {
        g_autoptr(JsonNode) res = hedu_qmp(s->p, NULL, "{'execute': "
            "'object-del', 'arguments': {'id': 'if0'}}");

        if (res) {
            break;
        }
        if (i == 49) {
            qmp(s, "{'execute': 'object-del', 'arguments': {'id': 'if0'}}");
        }
        g_usleep(100000);
    }
    return qmp(s, "{'execute': 'query-status'}");
}

char *viommu_scenario_check_clean(ViommuScenario *s)
{
    pid_t pid = vht_pid(s->p);
    guint fds = qedu_wait_vfio_fds(pid, 0);
    g_autoptr(GArray) all = NULL;
    g_autoptr(JsonNode) q = NULL;
    long pin;

    for (int i = 0; i < 50; i++) {
        if (all) {
            g_array_unref(all);
        }
        all = hedu_fds_to(pid, NULL);
        if (all->len == s->fds0) {
            break;
        }
        g_usleep(100000);
    }
    q = qedu_query(s->p);
    pin = qedu_vmpin(s->p);
    if (pin) {
        return g_strdup_printf("VmPin %ld kB", pin);
    }
    if (fds || all->len != s->fds0) {
        g_autofree char *text = hedu_fd_text(pid);

        return g_strdup_printf("%u fds (%u before the devices): %s",
                               all->len, s->fds0, text);
    }
    if (!q || qedu_container_count(q)) {
        return g_strdup_printf("x-query-vfio: %d container(s) left",
                               q ? qedu_container_count(q) : -1);
    }
    for (int i = 0; i < NDEV; i++) {
        if (!hedu_bindable(s->bdfs[i])) {
            return g_strdup_printf("%s cannot be bound to a new iommufd: %s",
                                   s->bdfs[i], g_strerror(errno));
        }
    }
    return NULL;
}
