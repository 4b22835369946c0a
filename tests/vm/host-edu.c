/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * host-edu.c: edu DMA through a QEMU process (qtest), QMP, /proc and
 * sysfs inspection for the real-kernel tests.
 */
#include <dirent.h>
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
#include "host-edu.h"

#define MARKER 0xa5
#define TAIL 64                 /* bytes past a transfer that must stay */
#define DMA_TIMEOUT_US (10 * G_USEC_PER_SEC)

/* ---- set-up ---- */

void hedu_init(void)
{
    tap_init();
    if (!g_getenv("VHT_TIMEOUT_S")) {
        g_setenv("VHT_TIMEOUT_S", "60", true);     /* TCG is slow */
    }
}

int hedu_find(char bdfs[][32], int need)
{
    int n = edu_find(bdfs, HEDU_MAX);

    CHECK(n >= need, "%d edu device(s) found in sysfs (need %d)", n, need);
    for (int i = 0; i < n; i++) {
        tap_note("edu %d: %s, IOMMU group %d", i, bdfs[i], edu_group(bdfs[i]));
    }
    return n;
}

/* ---- QMP ---- */

static JsonNode *qmp_vtry(VhtProc *p, char **errp, const char *fmt,
                          va_list ap)
{
    g_autofree char *req = g_strdup_vprintf(fmt, ap);
    g_autoptr(JsonObject) rsp = NULL;

    /* after formatting: arguments may carry JSON members too */
    g_strdelimit(req, "'", '"');
    rsp = vht_qmp(p, "%s", req);
    if (json_object_has_member(rsp, "return")) {
        return json_node_copy(json_object_get_member(rsp, "return"));
    }
    if (errp) {
        JsonObject *e = json_object_get_object_member(rsp, "error");
        const char *desc = e ? json_object_get_string_member(e, "desc") : NULL;

        *errp = g_strdup(desc ? desc : "(no desc)");
    }
    return NULL;
}

JsonNode *hedu_qmp(VhtProc *p, char **errp, const char *fmt, ...)
{
    JsonNode *ret;
    va_list ap;

    va_start(ap, fmt);
    ret = qmp_vtry(p, errp, fmt, ap);
    va_end(ap);
    return ret;
}

bool hedu_qmp_try(VhtProc *p, char **errp, const char *fmt, ...)
{
    JsonNode *ret;
    va_list ap;

    va_start(ap, fmt);
    ret = qmp_vtry(p, errp, fmt, ap);
    va_end(ap);
    if (ret) {
        json_node_unref(ret);
    }
    return ret != NULL;
}

bool hedu_qmp_ok(VhtProc *p, const char *what, const char *fmt, ...)
{
    g_autofree char *err = NULL;
    JsonNode *ret;
    va_list ap;

    va_start(ap, fmt);
    ret = qmp_vtry(p, &err, fmt, ap);
    va_end(ap);
    if (!tap_result(ret != NULL, "%s", what)) {
        tap_note("  QMP error: %s", err);
        return false;
    }
    json_node_unref(ret);
    return true;
}

void hedu_read_child(pid_t pid, int fd, GHashTable *res)
{
    FILE *in = fdopen(fd, "r");
    char line[1024];
    int status;

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
    } else {
        close(fd);
    }
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        g_hash_table_replace(res, g_strdup("child"), g_strdup_printf(
            "the scenario stopped (status 0x%x): QEMU died or hung", status));
    }
}

char *hedu_scratch(const char *prefix)
{
    g_autofree char *tmpl = g_strdup_printf("%s-XXXXXX", prefix);
    char *dir = g_dir_make_tmp(tmpl, NULL);

    g_assert_nonnull(dir);
    return dir;
}

void hedu_scratch_drop(char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);

        unlink(path);
    }
    rmdir(dir);
    g_free(dir);
}

char *hedu_slurp(const char *path)
{
    char *text = NULL;

    return g_file_get_contents(path, &text, NULL, NULL) ? text : g_strdup("");
}

char *hedu_status_text(int status)
{
    if (WIFEXITED(status)) {
        return g_strdup_printf("exit %d", WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        return g_strdup_printf("signal %d (%s)", WTERMSIG(status),
                               strsignal(WTERMSIG(status)));
    }
    return g_strdup_printf("wait status 0x%x", status);
}

/* ---- edu DMA ---- */

void hedu_dma_start(VhtProc *p, uint64_t bar0, uint64_t src, uint64_t dst,
                    uint32_t len, bool to_ram)
{
    vht_writeq(p, bar0 + EDU_REG_DMA_SRC, src);
    vht_writeq(p, bar0 + EDU_REG_DMA_DST, dst);
    vht_writeq(p, bar0 + EDU_REG_DMA_COUNT, len);
    vht_writeq(p, bar0 + EDU_REG_DMA_CMD,
               EDU_DMA_CMD_START | (to_ram ? EDU_DMA_CMD_TO_RAM : 0));
}

bool hedu_dma_wait(VhtProc *p, uint64_t bar0)
{
    gint64 deadline = g_get_monotonic_time() + DMA_TIMEOUT_US;

    while (vht_readq(p, bar0 + EDU_REG_DMA_CMD) & EDU_DMA_CMD_START) {
        if (g_get_monotonic_time() > deadline) {
            tap_note("edu at BAR0 0x%" PRIx64 ": DMA did not finish", bar0);
            return false;
        }
        g_usleep(10000);
    }
    return true;
}

bool hedu_dma(VhtProc *p, uint64_t bar0, uint64_t src, uint64_t dst,
              uint32_t len, bool to_ram)
{
    hedu_dma_start(p, bar0, src, dst, len, to_ram);
    return hedu_dma_wait(p, bar0);
}

static void dest_fill(VhtProc *p, const HeduDest *d, size_t len)
{
    g_autofree uint8_t *buf = g_malloc(len);

    if (d->fd < 0) {
        vht_memset(p, d->gpa, MARKER, len);
        return;
    }
    memset(buf, MARKER, len);
    if (pwrite(d->fd, buf, len, d->off) != (ssize_t)len) {
        tap_note("pwrite of the marker failed: %s", strerror(errno));
    }
}

static bool dest_read(VhtProc *p, const HeduDest *d, uint8_t *buf,
                      size_t len)
{
    if (d->fd < 0) {
        vht_memread(p, d->gpa, buf, len);
        return true;
    }
    return pread(d->fd, buf, len, d->off) == (ssize_t)len;
}

static bool all_marker(const uint8_t *b, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (b[i] != MARKER) {
            return false;
        }
    }
    return true;
}

HeduResult hedu_copy(VhtProc *p, uint64_t bar0, uint64_t src_gpa,
                     const HeduDest *dst, uint32_t len, unsigned seed)
{
    g_autofree uint8_t *pat = g_malloc(len);
    g_autofree uint8_t *got = g_malloc(len + TAIL);

    if (!bar0) {
        return HEDU_NO_BAR;
    }
    edu_pattern(pat, len, seed);
    vht_memwrite(p, src_gpa, pat, len);
    dest_fill(p, dst, len + TAIL);
    if (!hedu_dma(p, bar0, src_gpa, EDU_BUF_ADDR, len, false) ||
        !hedu_dma(p, bar0, EDU_BUF_ADDR, dst->gpa, len, true)) {
        return HEDU_TIMEOUT;
    }
    if (!dest_read(p, dst, got, len + TAIL)) {
        return HEDU_CORRUPT;
    }
    if (all_marker(got, len + TAIL)) {
        return HEDU_BLOCKED;
    }
    if (!memcmp(got, pat, len) && all_marker(got + len, TAIL)) {
        return HEDU_LANDED;
    }
    return HEDU_CORRUPT;
}

bool hedu_round_trip(VhtProc *p, uint64_t bar0, uint64_t src_gpa,
                     uint64_t dst_gpa, uint32_t len, unsigned seed)
{
    HeduDest d = { .gpa = dst_gpa, .fd = -1 };
    HeduResult r = hedu_copy(p, bar0, src_gpa, &d, len, seed);

    if (r != HEDU_LANDED) {
        tap_note("  DMA 0x%" PRIx64 " -> edu -> 0x%" PRIx64 " (%u bytes): %s",
                 src_gpa, dst_gpa, len, hedu_result_name(r));
    }
    return r == HEDU_LANDED;
}

const char *hedu_result_name(HeduResult r)
{
    static const char *const names[] = {
        [HEDU_LANDED] = "landed", [HEDU_BLOCKED] = "blocked",
        [HEDU_CORRUPT] = "corrupt", [HEDU_TIMEOUT] = "device timeout",
        [HEDU_NO_BAR] = "no BAR0 address",
    };

    return names[r];
}

/* ---- /proc and sysfs ---- */

static GArray *fds_matching(pid_t pid, const char *prefix)
{
    g_autofree char *dir = g_strdup_printf("/proc/%d/fd", (int)pid);
    GArray *fds = g_array_new(FALSE, FALSE, sizeof(int));
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *link = g_build_filename(dir, name, NULL);
        g_autofree char *target = g_file_read_link(link, NULL);
        int fd = atoi(name);

        if (!prefix || (target && strstr(target, prefix))) {
            g_array_append_val(fds, fd);
        }
    }
    return fds;
}

static gint cmp_int(gconstpointer a, gconstpointer b)
{
    return *(const int *)a - *(const int *)b;
}

char *hedu_fd_text(pid_t pid)
{
    g_autoptr(GArray) fds = hedu_fds_to(pid, NULL);
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < fds->len; i++) {
        int fd = g_array_index(fds, int, i);
        g_autofree char *link = g_strdup_printf("/proc/%d/fd/%d", (int)pid,
                                                fd);
        g_autofree char *target = g_file_read_link(link, NULL);

        g_string_append_printf(s, "%s%d:%s", i ? " " : "", fd,
                               target ? target : "?");
    }
    return g_string_free(s, FALSE);
}

GArray *hedu_fds_to(pid_t pid, const char *prefix)
{
    GArray *fds = fds_matching(pid, prefix);

    g_array_sort(fds, cmp_int);
    return fds;
}

char *hedu_cdev_path(const char *bdf)
{
    g_autofree char *dev = g_strdup_printf("/sys/bus/pci/devices/%s", bdf);

    return hedu_cdev_of(dev);
}

char *hedu_cdev_of(const char *sysfs_dev)
{
    g_autofree char *dir = g_build_filename(sysfs_dev, "vfio-dev", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        if (g_str_has_prefix(name, "vfio")) {
            return g_strdup_printf("/dev/vfio/devices/%s", name);
        }
    }
    return NULL;
}

bool hedu_bindable(const char *bdf)
{
    g_autofree char *cdev = hedu_cdev_path(bdf);
    struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
    int iommu = open("/dev/iommu", O_RDWR | O_CLOEXEC);
    int dev = cdev ? open(cdev, O_RDWR | O_CLOEXEC) : -1;
    bool ok;
    int err;

    bind.iommufd = iommu;
    ok = iommu >= 0 && dev >= 0 &&
         ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) == 0;
    err = errno;
    if (dev >= 0) {
        close(dev);
    }
    if (iommu >= 0) {
        close(iommu);
    }
    errno = err;
    return ok;
}
