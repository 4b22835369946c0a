/* SPDX-License-Identifier: GPL-2.0-or-later */
/* edu.c: QEMU's edu test device behind a VFIO device fd (see edu.h). */

#include "edu.h"
#include "harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static unsigned long read_hex_file(const char *dir, const char *name)
{
    char path[PATH_MAX];
    unsigned long v = 0;
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "r");
    if (!f) {
        return 0;
    }
    if (fscanf(f, "%lx", &v) != 1) {
        v = 0;
    }
    fclose(f);
    return v;
}

static int cmp_bdf(const void *a, const void *b)
{
    return strcmp(a, b);
}

int edu_find(char bdfs[][32], int max)
{
    const char *root = "/sys/bus/pci/devices";
    const char *only = getenv("EDU_BDFS");
    char dir[PATH_MAX];
    struct dirent *de;
    DIR *d = opendir(root);
    int n = 0;

    if (!d) {
        return 0;
    }
    while ((de = readdir(d)) && n < max) {
        if (de->d_name[0] == '.') {
            continue;
        }
        snprintf(dir, sizeof(dir), "%s/%s", root, de->d_name);
        if (only && !strstr(only, de->d_name)) {
            continue;
        }
        if (read_hex_file(dir, "vendor") == EDU_VENDOR &&
            read_hex_file(dir, "device") == EDU_DEVICE) {
            snprintf(bdfs[n++], 32, "%.31s", de->d_name);
        }
    }
    closedir(d);
    qsort(bdfs, n, 32, cmp_bdf);
    return n;
}

int edu_group(const char *bdf)
{
    char path[PATH_MAX], target[PATH_MAX];
    ssize_t len;

    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
    len = readlink(path, target, sizeof(target) - 1);
    if (len < 0) {
        return -1;
    }
    target[len] = '\0';
    return atoi(basename(target));
}

static uint32_t edu_read32(struct edu *e, uint32_t off)
{
    return *(volatile uint32_t *)(e->bar + off);
}

static void edu_write32(struct edu *e, uint32_t off, uint32_t val)
{
    *(volatile uint32_t *)(e->bar + off) = val;
}

/* The DMA registers are 64-bit; edu accepts 8-byte accesses there. */
static void edu_write64(struct edu *e, uint32_t off, uint64_t val)
{
    *(volatile uint64_t *)(e->bar + off) = val;
}

static bool region_info(int fd, uint32_t index, struct vfio_region_info *ri)
{
    memset(ri, 0, sizeof(*ri));
    ri->argsz = sizeof(*ri);
    ri->index = index;
    return ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, ri) == 0;
}

/* Without MEMORY the BAR is dead; without MASTER QEMU drops edu's DMA. */
static bool enable_bus_master(int fd, const char *bdf)
{
    struct vfio_region_info cfg;
    uint16_t cmd = 0;
    off_t at;

    if (!CHECK(region_info(fd, VFIO_PCI_CONFIG_REGION_INDEX, &cfg),
               "%s: GET_REGION_INFO(config)", bdf)) {
        return false;
    }
    at = cfg.offset + PCI_COMMAND;
    if (!CHECK(pread(fd, &cmd, 2, at) == 2, "%s: read PCI_COMMAND", bdf)) {
        return false;
    }
    cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
    if (!CHECK(pwrite(fd, &cmd, 2, at) == 2, "%s: write PCI_COMMAND", bdf)) {
        return false;
    }
    cmd = 0;
    return CHECK(pread(fd, &cmd, 2, at) == 2 &&
                 (cmd & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)) ==
                 (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER),
                 "%s: memory and bus master enabled (command 0x%04x)",
                 bdf, cmd);
}

static bool map_bar0(struct edu *e)
{
    struct vfio_region_info bar;
    void *p;

    if (!CHECK(region_info(e->fd, VFIO_PCI_BAR0_REGION_INDEX, &bar) &&
               (bar.flags & VFIO_REGION_INFO_FLAG_MMAP) && bar.size >= 0x100,
               "%s: BAR0 is mmap-able (size 0x%llx, flags 0x%x)", e->bdf,
               (unsigned long long)bar.size, bar.flags)) {
        return false;
    }
    p = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED, e->fd,
             bar.offset);
    if (!CHECK(p != MAP_FAILED, "%s: mmap BAR0", e->bdf)) {
        return false;
    }
    e->bar = p;
    e->bar_size = bar.size;
    return true;
}

bool edu_open(struct edu *e, const char *bdf, int fd)
{
    struct vfio_device_info info = { .argsz = sizeof(info) };
    uint32_t live;

    memset(e, 0, sizeof(*e));
    snprintf(e->bdf, sizeof(e->bdf), "%s", bdf);
    e->fd = fd;
    if (!CHECK(ioctl(fd, VFIO_DEVICE_GET_INFO, &info) == 0 &&
               (info.flags & VFIO_DEVICE_FLAGS_PCI) &&
               info.num_regions >= VFIO_PCI_CONFIG_REGION_INDEX + 1,
               "%s: DEVICE_GET_INFO: PCI, %u regions, %u irqs", bdf,
               info.num_regions, info.num_irqs)) {
        return false;
    }
    if (!map_bar0(e) || !enable_bus_master(fd, bdf)) {
        return false;
    }
    if (!CHECK_EQ(edu_read32(e, EDU_REG_ID), EDU_ID_VALUE,
                  "%s: edu id register", bdf)) {
        return false;
    }
    edu_write32(e, EDU_REG_LIVENESS, 0x12345678);
    live = edu_read32(e, EDU_REG_LIVENESS);
    return CHECK_EQ(live, ~0x12345678u, "%s: edu liveness register", bdf);
}

void edu_close(struct edu *e)
{
    if (e->bar) {
        munmap((void *)e->bar, e->bar_size);
        e->bar = NULL;
    }
}

bool edu_dma(struct edu *e, uint64_t iova, uint32_t len, bool to_ram,
             uint32_t edu_off)
{
    struct timespec tick = { 0, 5 * 1000 * 1000 };
    uint64_t cmd = EDU_DMA_CMD_START | (to_ram ? EDU_DMA_CMD_TO_RAM : 0);
    int i;

    edu_write64(e, EDU_REG_DMA_SRC, to_ram ? EDU_BUF_ADDR + edu_off : iova);
    edu_write64(e, EDU_REG_DMA_DST, to_ram ? iova : EDU_BUF_ADDR + edu_off);
    edu_write64(e, EDU_REG_DMA_COUNT, len);
    edu_write64(e, EDU_REG_DMA_CMD, cmd);
    for (i = 0; i < 2000; i++) {          /* 10 s: TCG on a busy host */
        if (!(edu_read32(e, EDU_REG_DMA_CMD) & EDU_DMA_CMD_START)) {
            return true;
        }
        nanosleep(&tick, NULL);
    }
    return false;
}

void edu_pattern(uint8_t *buf, size_t len, unsigned seed)
{
    uint32_t x = seed * 2654435761u + 1;

    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = x >> 16;
    }
}

static bool all_bytes(const uint8_t *p, size_t len, uint8_t v)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] != v) {
            return false;
        }
    }
    return true;
}

bool edu_round_trip(struct edu *e, uint8_t *src, uint64_t src_iova,
                    uint8_t *dst, uint64_t dst_iova, uint32_t len,
                    unsigned seed)
{
    size_t page = sysconf(_SC_PAGESIZE);

    edu_pattern(src, len, seed);
    memset(dst, 0xaa, page);
    if (!edu_dma(e, src_iova, len, false, 0) ||
        !edu_dma(e, dst_iova, len, true, 0)) {
        tap_note("  %s: DMA did not complete", e->bdf);
        return false;
    }
    if (memcmp(src, dst, len) != 0) {
        tap_note("  %s: bytes differ after the round trip", e->bdf);
        return false;
    }
    if (!all_bytes(dst + len, page - len, 0xaa)) {
        tap_note("  %s: DMA wrote past %u bytes", e->bdf, len);
        return false;
    }
    return true;
}

/*
 * Fill @victim with a marker, load the edu buffer with other bytes from
 * @src_iova, then make the device write them to @victim_iova.  Sets
 * *@untouched; false if the device did not finish.
 */
static bool write_victim(struct edu *e, uint64_t src_iova, uint8_t *src,
                         uint8_t *victim, uint64_t victim_iova, size_t page,
                         bool *untouched)
{
    uint32_t len = EDU_DMA_MAX;

    memset(src, 0x3c, page);
    memset(victim, 0x5a, page);
    if (!edu_dma(e, src_iova, len, false, 0) ||
        !edu_dma(e, victim_iova, len, true, 0)) {
        tap_note("  %s: DMA did not complete", e->bdf);
        return false;
    }
    *untouched = all_bytes(victim, page, 0x5a);
    return true;
}

bool edu_write_blocked(struct edu *e, uint64_t src_iova, uint8_t *src,
                       uint8_t *victim, uint64_t victim_iova, size_t page)
{
    bool untouched = false;

    return write_victim(e, src_iova, src, victim, victim_iova, page,
                        &untouched) && untouched;
}

bool edu_write_lands(struct edu *e, uint64_t src_iova, uint8_t *src,
                     uint8_t *victim, uint64_t victim_iova, size_t page)
{
    bool untouched = true;

    return write_victim(e, src_iova, src, victim, victim_iova, page,
                        &untouched) && !untouched &&
           all_bytes(victim, EDU_DMA_MAX, 0x3c);
}

long vm_pinned_kb(void)
{
    char line[256];
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "r");

    if (!f) {
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "VmPin: %ld kB", &kb) == 1) {
            break;
        }
    }
    fclose(f);
    return kb;
}
