/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-type1-edu: the legacy VFIO path (container + groups, type1 IOMMU) on
 * the real kernel.  Every edu device joins one container; each one moves
 * bytes RAM -> device -> RAM through IOVAs mapped with VFIO_IOMMU_MAP_DMA,
 * and a device write to an unmapped IOVA must leave memory untouched.
 * Runs in the rig's guest (tests/vm/rig.sh); needs root and vfio-pci.
 */

#include "edu.h"
#include "harness.h"

#include <fcntl.h>
#include <linux/vfio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * IOVAs of the three test pages: below 256 MiB so the test also passes
 * with edu's default 28-bit DMA mask; 0x5000000 is never mapped.
 */
#define IOVA_SRC 0x100000
#define IOVA_DST 0x200000
#define IOVA_VICTIM 0x300000
#define IOVA_NEVER 0x5000000

struct group {
    char bdf[32];
    int group_fd;
    int dev_fd;
    struct edu edu;
};

static int open_container(void)
{
    int c = open("/dev/vfio/vfio", O_RDWR);

    if (!CHECK(c >= 0, "open /dev/vfio/vfio")) {
        return -1;
    }
    CHECK_EQ(ioctl(c, VFIO_GET_API_VERSION), VFIO_API_VERSION,
             "VFIO_GET_API_VERSION");
    CHECK_EQ(ioctl(c, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU), 1,
             "VFIO_CHECK_EXTENSION(TYPE1v2)");
    return c;
}

/* The first group makes the container usable: SET_IOMMU comes after it. */
static bool join_container(struct group *g, int container, bool first)
{
    struct vfio_group_status st = { .argsz = sizeof(st) };
    char path[64];
    int n = edu_group(g->bdf);

    if (!CHECK(n >= 0, "%s: has an IOMMU group", g->bdf)) {
        return false;
    }
    snprintf(path, sizeof(path), "/dev/vfio/%d", n);
    g->group_fd = open(path, O_RDWR);
    if (!CHECK(g->group_fd >= 0, "%s: open %s", g->bdf, path) ||
        !CHECK(ioctl(g->group_fd, VFIO_GROUP_GET_STATUS, &st) == 0 &&
               (st.flags & VFIO_GROUP_FLAGS_VIABLE),
               "%s: group %d is viable", g->bdf, n) ||
        !CHECK(ioctl(g->group_fd, VFIO_GROUP_SET_CONTAINER, &container) == 0,
               "%s: GROUP_SET_CONTAINER", g->bdf)) {
        return false;
    }
    if (first &&
        !CHECK(ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) == 0,
               "VFIO_SET_IOMMU(TYPE1v2)")) {
        return false;
    }
    g->dev_fd = ioctl(g->group_fd, VFIO_GROUP_GET_DEVICE_FD, g->bdf);
    return CHECK(g->dev_fd >= 0, "%s: GROUP_GET_DEVICE_FD", g->bdf) &&
           edu_open(&g->edu, g->bdf, g->dev_fd);
}

static void note_iommu_info(int container)
{
    struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };

    if (CHECK(ioctl(container, VFIO_IOMMU_GET_INFO, &info) == 0 &&
              (info.flags & VFIO_IOMMU_INFO_PGSIZES) && info.iova_pgsizes,
              "VFIO_IOMMU_GET_INFO reports page sizes")) {
        tap_note("iova_pgsizes 0x%llx", (unsigned long long)info.iova_pgsizes);
    }
}

static bool map_dma(int container, void *va, uint64_t iova, size_t size)
{
    struct vfio_iommu_type1_dma_map m = {
        .argsz = sizeof(m),
        .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
        .vaddr = (uintptr_t)va,
        .iova = iova,
        .size = size,
    };

    return CHECK(ioctl(container, VFIO_IOMMU_MAP_DMA, &m) == 0,
                 "MAP_DMA 0x%zx bytes at IOVA 0x%llx", size,
                 (unsigned long long)iova);
}

/* Returns the size the kernel reports as unmapped, or -1 on error. */
static long long unmap_dma(int container, uint64_t iova, size_t size)
{
    struct vfio_iommu_type1_dma_unmap u = {
        .argsz = sizeof(u), .iova = iova, .size = size,
    };

    if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &u) != 0) {
        return -1;
    }
    return u.size;
}

static void check_blocked(int container, struct edu *e, uint8_t *src,
                          uint8_t *victim, size_t page)
{
    /* The control: the same write does land while the page is mapped. */
    CHECK(edu_write_lands(e, IOVA_SRC, src, victim, IOVA_VICTIM, page),
          "%s: DMA to the mapped victim page reaches it", e->bdf);
    CHECK_EQ(unmap_dma(container, IOVA_VICTIM, page), page,
             "UNMAP_DMA of the victim page returns its size");
    /* type1 reports an empty unmap as success with size 0 */
    CHECK_EQ(unmap_dma(container, IOVA_VICTIM, page), 0,
             "UNMAP_DMA of the same range again unmaps 0 bytes");
    CHECK(edu_write_blocked(e, IOVA_SRC, src, victim, IOVA_VICTIM, page),
          "%s: DMA to the unmapped victim IOVA leaves memory untouched",
          e->bdf);
    CHECK(edu_dma(e, IOVA_NEVER, EDU_DMA_MAX, true, 0),
          "%s: DMA to the never-mapped IOVA 0x%x completes", e->bdf,
          IOVA_NEVER);
}

static void run_dma_checks(int container, struct group *g, int n)
{
    size_t page = sysconf(_SC_PAGESIZE);
    uint8_t *buf = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint8_t *src = buf, *dst = buf + page, *victim = buf + 2 * page;

    if (!CHECK(buf != MAP_FAILED, "allocate 3 buffer pages") ||
        !map_dma(container, src, IOVA_SRC, page) ||
        !map_dma(container, dst, IOVA_DST, page) ||
        !map_dma(container, victim, IOVA_VICTIM, page)) {
        return;
    }
    for (int i = 0; i < n; i++) {
        CHECK(edu_round_trip(&g[i].edu, src, IOVA_SRC, dst, IOVA_DST,
                             EDU_DMA_MAX, i + 1),
              "%s: %d-byte DMA RAM -> edu -> RAM through the IOMMU",
              g[i].bdf, EDU_DMA_MAX);
    }
    check_blocked(container, &g[0].edu, src, victim, page);
    CHECK(edu_round_trip(&g[0].edu, src, IOVA_SRC, dst, IOVA_DST, 512, 99),
          "%s: DMA works again after the blocked writes", g[0].bdf);
    CHECK(unmap_dma(container, IOVA_SRC, page) == (long long)page &&
          unmap_dma(container, IOVA_DST, page) == (long long)page,
          "UNMAP_DMA of the remaining pages");
    munmap(buf, 3 * page);
}

static void close_all(struct group *g, int n, int container)
{
    for (int i = 0; i < n; i++) {
        edu_close(&g[i].edu);
        if (g[i].dev_fd >= 0) {
            close(g[i].dev_fd);
        }
        if (g[i].group_fd >= 0) {
            CHECK(ioctl(g[i].group_fd, VFIO_GROUP_UNSET_CONTAINER) == 0,
                  "%s: GROUP_UNSET_CONTAINER", g[i].bdf);
            close(g[i].group_fd);
        }
    }
    close(container);
}

int main(void)
{
    char bdfs[EDU_MAX_DEVS][32];
    struct group g[EDU_MAX_DEVS];
    int n, joined = 0, container;

    tap_init();
    n = edu_find(bdfs, EDU_MAX_DEVS);
    if (!CHECK(n >= 1, "found %d edu device(s) in sysfs", n)) {
        return tap_done();
    }
    container = open_container();
    if (container < 0) {
        return tap_done();
    }
    for (int i = 0; i < n; i++) {
        g[i] = (struct group){ .group_fd = -1, .dev_fd = -1 };
        snprintf(g[i].bdf, sizeof(g[i].bdf), "%.31s", bdfs[i]);
        joined = i + 1;
        if (!join_container(&g[i], container, i == 0)) {
            break;
        }
    }
    if (joined == n && g[n - 1].edu.bar) {
        note_iommu_info(container);
        run_dma_checks(container, g, n);
    }
    close_all(g, joined, container);
    return tap_done();
}
