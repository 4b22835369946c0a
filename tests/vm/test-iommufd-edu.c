/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-iommufd-edu: the iommufd path on the real kernel.  Device A (the
 * first edu) is bound through its VFIO cdev and attached to IOAS 1, which
 * is filled with IOMMU_IOAS_MAP; device B is attached to IOAS 2, which is
 * filled only with IOMMU_IOAS_COPY from IOAS 1 (the seed's COPY path).
 * Both must DMA through their mappings, COPY must not pin again (VmPin),
 * an IOAS with a device attached cannot be destroyed (EBUSY), and after
 * UNMAP a device write to that IOVA must leave memory untouched.
 * Runs in the rig's guest (tests/vm/rig.sh); needs root and vfio-pci.
 */

#include "edu.h"
#include "harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* The same IOVAs as the type1 test: below edu's default 28-bit mask. */
#define IOVA_SRC 0x100000
#define IOVA_DST 0x200000
#define IOVA_VICTIM 0x300000

struct dev {
    char bdf[32];
    int fd;
    uint32_t devid;
    uint32_t hwpt;
    struct edu edu;
};

/* Name of the cdev ("vfio0") from BDF/vfio-dev/; false if none. */
static bool cdev_name(const char *bdf, char *name, size_t size)
{
    char path[PATH_MAX];
    struct dirent *de;
    DIR *d;
    bool found = false;

    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
    d = opendir(path);
    if (!d) {
        return false;
    }
    while (!found && (de = readdir(d))) {
        if (strncmp(de->d_name, "vfio", 4) == 0) {
            snprintf(name, size, "%s", de->d_name);
            found = true;
        }
    }
    closedir(d);
    return found;
}

/* The cdev's "major:minor" as sysfs states it. */
static bool cdev_devt(const char *bdf, const char *name, unsigned *maj,
                      unsigned *min)
{
    char path[PATH_MAX];
    FILE *f;
    bool ok;

    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev/%s/dev",
             bdf, name);
    f = fopen(path, "r");
    if (!f) {
        return false;
    }
    ok = fscanf(f, "%u:%u", maj, min) == 2;
    fclose(f);
    return ok;
}

/* Find the cdev in sysfs and check /dev/vfio/devices/ agrees, then open. */
static bool open_cdev(struct dev *d)
{
    char name[NAME_MAX + 1], path[PATH_MAX];
    unsigned maj = 0, min = 0;
    struct stat st;

    if (!CHECK(cdev_name(d->bdf, name, sizeof(name)) &&
               cdev_devt(d->bdf, name, &maj, &min),
               "%s: sysfs names its VFIO cdev", d->bdf)) {
        return false;
    }
    snprintf(path, sizeof(path), "/dev/vfio/devices/%s", name);
    if (!CHECK(stat(path, &st) == 0 && S_ISCHR(st.st_mode) &&
               major(st.st_rdev) == maj && minor(st.st_rdev) == min,
               "%s: %s is char device %u:%u", d->bdf, path, maj, min)) {
        return false;
    }
    d->fd = open(path, O_RDWR);
    return CHECK(d->fd >= 0, "%s: open %s", d->bdf, path);
}

static bool bind_dev(struct dev *d, int iommufd)
{
    struct vfio_device_bind_iommufd b = {
        .argsz = sizeof(b), .iommufd = iommufd,
    };

    if (!CHECK(ioctl(d->fd, VFIO_DEVICE_BIND_IOMMUFD, &b) == 0,
               "%s: VFIO_DEVICE_BIND_IOMMUFD", d->bdf)) {
        return false;
    }
    d->devid = b.out_devid;
    tap_note("%s: device id %u", d->bdf, d->devid);
    return true;
}

/* Attach to an IOAS; the kernel answers with the HWPT it picked or made. */
static bool attach_dev(struct dev *d, uint32_t ioas)
{
    struct vfio_device_attach_iommufd_pt a = {
        .argsz = sizeof(a), .pt_id = ioas,
    };

    if (!CHECK(ioctl(d->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a) == 0,
               "%s: ATTACH_IOMMUFD_PT to IOAS %u", d->bdf, ioas)) {
        return false;
    }
    d->hwpt = a.pt_id;
    tap_note("%s: attached to IOAS %u through HWPT %u", d->bdf, ioas,
             d->hwpt);
    return CHECK(d->hwpt != ioas && d->hwpt != 0,
                 "%s: ATTACH reports a HWPT id (%u)", d->bdf, d->hwpt);
}

static bool detach_dev(struct dev *d)
{
    struct vfio_device_detach_iommufd_pt dt = { .argsz = sizeof(dt) };

    return ioctl(d->fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &dt) == 0;
}

static uint32_t ioas_alloc(int fd)
{
    struct iommu_ioas_alloc a = { .size = sizeof(a) };

    if (!CHECK(ioctl(fd, IOMMU_IOAS_ALLOC, &a) == 0 && a.out_ioas_id,
               "IOMMU_IOAS_ALLOC (id %u)", a.out_ioas_id)) {
        return 0;
    }
    return a.out_ioas_id;
}

static int destroy(int fd, uint32_t id)
{
    struct iommu_destroy d = { .size = sizeof(d), .id = id };

    return ioctl(fd, IOMMU_DESTROY, &d);
}

static bool in_ranges(const struct iommu_iova_range *r, unsigned n,
                      uint64_t start, uint64_t last)
{
    for (unsigned i = 0; i < n; i++) {
        if (r[i].start <= start && last <= r[i].last) {
            return true;
        }
    }
    return false;
}

/* IOVA_RANGES the documented way: ask for the count, then fetch. */
static void check_iova_ranges(int fd, uint32_t ioas, const char *when)
{
    struct iommu_ioas_iova_ranges q = { .size = sizeof(q), .ioas_id = ioas };
    struct iommu_iova_range r[16];

    CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &q), EMSGSIZE,
                "IOVA_RANGES %s with no room: EMSGSIZE", when);
    if (!CHECK(q.num_iovas >= 1 && q.num_iovas <= 16,
               "IOVA_RANGES %s: needs %u entries", when, q.num_iovas)) {
        return;
    }
    q.allowed_iovas = (uintptr_t)r;
    if (!CHECK(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &q) == 0,
               "IOVA_RANGES %s: second pass", when)) {
        return;
    }
    for (unsigned i = 0; i < q.num_iovas; i++) {
        tap_note("  range 0x%llx-0x%llx", (unsigned long long)r[i].start,
                 (unsigned long long)r[i].last);
    }
    tap_note("  alignment 0x%llx", (unsigned long long)q.out_iova_alignment);
    CHECK(in_ranges(r, q.num_iovas, IOVA_SRC, IOVA_VICTIM + 0xfff) &&
          q.out_iova_alignment >= 1 && q.out_iova_alignment <= 4096,
          "IOVA_RANGES %s: the test IOVAs are usable, page alignment", when);
}

static bool ioas_map(int fd, uint32_t ioas, void *va, size_t len,
                     uint64_t iova)
{
    struct iommu_ioas_map m = {
        .size = sizeof(m),
        .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
                 IOMMU_IOAS_MAP_WRITEABLE,
        .ioas_id = ioas,
        .user_va = (uintptr_t)va,
        .length = len,
        .iova = iova,
    };

    return CHECK(ioctl(fd, IOMMU_IOAS_MAP, &m) == 0,
                 "IOAS_MAP IOAS %u: 0x%zx bytes at IOVA 0x%llx", ioas, len,
                 (unsigned long long)iova);
}

static bool ioas_copy(int fd, uint32_t dst, uint32_t src, size_t len,
                      uint64_t iova)
{
    struct iommu_ioas_copy c = {
        .size = sizeof(c),
        .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
                 IOMMU_IOAS_MAP_WRITEABLE,
        .dst_ioas_id = dst,
        .src_ioas_id = src,
        .length = len,
        .dst_iova = iova,
        .src_iova = iova,
    };

    return CHECK(ioctl(fd, IOMMU_IOAS_COPY, &c) == 0,
                 "IOAS_COPY IOAS %u -> %u: 0x%zx bytes at IOVA 0x%llx", src,
                 dst, len, (unsigned long long)iova);
}

/* Bytes unmapped, or -1 with errno set. */
static long long ioas_unmap(int fd, uint32_t ioas, uint64_t iova,
                            uint64_t len)
{
    struct iommu_ioas_unmap u = {
        .size = sizeof(u), .ioas_id = ioas, .iova = iova, .length = len,
    };

    if (ioctl(fd, IOMMU_IOAS_UNMAP, &u) != 0) {
        return -1;
    }
    return u.length;
}

/* Everything the test shares between its steps. */
struct ctx {
    int iommufd;
    uint32_t ioas1, ioas2;
    size_t page;
    uint8_t *src, *dst, *victim;
    long pin0;
    struct dev a, b;
};

static bool setup_device(struct ctx *c, struct dev *d, uint32_t ioas)
{
    return open_cdev(d) && bind_dev(d, c->iommufd) && attach_dev(d, ioas) &&
           edu_open(&d->edu, d->bdf, d->fd);
}

/* IOAS 1 gets real mappings; A reaches them. */
static bool step_map(struct ctx *c)
{
    long kb = (long)(3 * c->page / 1024);

    if (!ioas_map(c->iommufd, c->ioas1, c->src, c->page, IOVA_SRC) ||
        !ioas_map(c->iommufd, c->ioas1, c->dst, c->page, IOVA_DST) ||
        !ioas_map(c->iommufd, c->ioas1, c->victim, c->page, IOVA_VICTIM)) {
        return false;
    }
    CHECK_EQ(vm_pinned_kb() - c->pin0, kb,
             "VmPin grew by %ld kB after mapping 3 pages", kb);
    /* The control for the blocked writes later: while mapped, they land. */
    CHECK(edu_write_lands(&c->a.edu, IOVA_SRC, c->src, c->victim,
                          IOVA_VICTIM, c->page),
          "A: DMA to the mapped victim page reaches it");
    return CHECK(edu_round_trip(&c->a.edu, c->src, IOVA_SRC, c->dst,
                                IOVA_DST, EDU_DMA_MAX, 1),
                 "A: %d-byte DMA RAM -> edu -> RAM through IOAS %u",
                 EDU_DMA_MAX, c->ioas1);
}

/* IOAS 2 gets src and dst by COPY only (not the victim); B uses it. */
static bool step_copy(struct ctx *c)
{
    long pin = vm_pinned_kb();

    c->ioas2 = ioas_alloc(c->iommufd);
    if (!c->ioas2 ||
        !ioas_copy(c->iommufd, c->ioas2, c->ioas1, c->page, IOVA_SRC) ||
        !ioas_copy(c->iommufd, c->ioas2, c->ioas1, c->page, IOVA_DST)) {
        return false;
    }
    CHECK_EQ(vm_pinned_kb(), pin, "VmPin unchanged by IOAS_COPY");
    if (!setup_device(c, &c->b, c->ioas2)) {
        return false;
    }
    CHECK(c->b.hwpt != c->a.hwpt, "B's HWPT %u differs from A's %u",
          c->b.hwpt, c->a.hwpt);
    CHECK_EQ(vm_pinned_kb(), pin,
             "VmPin unchanged after B's domain is filled from the copy");
    CHECK(edu_round_trip(&c->b.edu, c->src, IOVA_SRC, c->dst, IOVA_DST,
                         EDU_DMA_MAX, 2),
          "B: %d-byte DMA through the COPIED mapping in IOAS %u",
          EDU_DMA_MAX, c->ioas2);
    CHECK(edu_write_blocked(&c->b.edu, IOVA_SRC, c->src, c->victim,
                            IOVA_VICTIM, c->page),
          "B: DMA to the victim IOVA (not copied) leaves memory untouched");
    return true;
}

static void step_busy(struct ctx *c)
{
    CHECK_ERRNO(destroy(c->iommufd, c->ioas1), EBUSY,
                "DESTROY of IOAS %u with A attached: EBUSY", c->ioas1);
    CHECK_ERRNO(destroy(c->iommufd, c->a.hwpt), EBUSY,
                "DESTROY of A's HWPT %u while attached: EBUSY", c->a.hwpt);
}

/* After UNMAP the device must not reach the page any more. */
static void step_unmap(struct ctx *c)
{
    long kb = (long)(c->page / 1024), pin = vm_pinned_kb();

    CHECK_EQ(ioas_unmap(c->iommufd, c->ioas1, IOVA_VICTIM, c->page), c->page,
             "IOAS_UNMAP of the victim page from IOAS %u", c->ioas1);
    CHECK_EQ(pin - vm_pinned_kb(), kb, "VmPin dropped by %ld kB", kb);
    CHECK(edu_write_blocked(&c->a.edu, IOVA_SRC, c->src, c->victim,
                            IOVA_VICTIM, c->page),
          "A: DMA to the unmapped victim IOVA leaves memory untouched");
    CHECK_ERRNO(ioas_unmap(c->iommufd, c->ioas1, IOVA_VICTIM, c->page),
                ENOENT, "IOAS_UNMAP of the same range again: ENOENT");

    /* dst leaves IOAS 1 only: IOAS 2's copy must keep working for B */
    CHECK_EQ(ioas_unmap(c->iommufd, c->ioas1, IOVA_DST, c->page), c->page,
             "IOAS_UNMAP of dst from IOAS %u only", c->ioas1);
    CHECK(edu_write_blocked(&c->a.edu, IOVA_SRC, c->src, c->dst, IOVA_DST,
                            c->page),
          "A: DMA to the unmapped dst IOVA leaves memory untouched");
    CHECK(edu_round_trip(&c->b.edu, c->src, IOVA_SRC, c->dst, IOVA_DST,
                         EDU_DMA_MAX, 3),
          "B: DMA into dst through IOAS %u still works", c->ioas2);
}

static void step_teardown(struct ctx *c)
{
    CHECK(ioas_unmap(c->iommufd, c->ioas2, 0, UINT64_MAX) >= 0 &&
          ioas_unmap(c->iommufd, c->ioas1, 0, UINT64_MAX) >= 0,
          "IOAS_UNMAP of everything in both IOASes");
    CHECK_EQ(vm_pinned_kb(), c->pin0, "VmPin back to %ld kB", c->pin0);
    CHECK(detach_dev(&c->a) && detach_dev(&c->b),
          "DETACH_IOMMUFD_PT of both devices");
    CHECK(destroy(c->iommufd, c->ioas1) == 0 &&
          destroy(c->iommufd, c->ioas2) == 0,
          "DESTROY of both IOASes once detached");
}

/*
 * A device's reserved regions clash with an IOAS's mappings: the kernel
 * refuses the attach with EADDRINUSE (the x86 MSI window 0xfee00000 is
 * reserved by every device behind VT-d).  QEMU must take that as "try
 * another IOAS" (tests/vm/test-qemu-series.c, "eaddrinuse").
 */
static void step_reserved_clash(struct ctx *c)
{
    struct vfio_device_attach_iommufd_pt a = { .argsz = sizeof(a) };
    uint32_t ioas = ioas_alloc(c->iommufd);

    if (!ioas || !ioas_map(c->iommufd, ioas, c->src, c->page, 0xfee00000)) {
        return;
    }
    a.pt_id = ioas;
    CHECK_ERRNO(ioctl(c->a.fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a), EADDRINUSE,
                "%s: ATTACH to an IOAS that maps the MSI window: EADDRINUSE",
                c->a.bdf);
    CHECK_EQ(ioas_unmap(c->iommufd, ioas, 0xfee00000, c->page), c->page,
             "IOAS_UNMAP of the clashing page");
    a.pt_id = ioas;
    CHECK(ioctl(c->a.fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a) == 0,
          "%s: the same ATTACH once the clash is gone", c->a.bdf);
    CHECK(detach_dev(&c->a) && destroy(c->iommufd, ioas) == 0,
          "DETACH and DESTROY of that IOAS");
}

static void run(struct ctx *c)
{
    if (!setup_device(c, &c->a, c->ioas1)) {
        return;
    }
    check_iova_ranges(c->iommufd, c->ioas1, "after attach");
    if (!step_map(c)) {
        return;
    }
    if (!CHECK(c->b.bdf[0] != '\0', "a second edu for IOAS_COPY (the rig "
               "and L2 always have two or more)")) {
        return;
    }
    if (!step_copy(c)) {
        return;
    }
    step_busy(c);
    step_unmap(c);
    step_teardown(c);
    step_reserved_clash(c);
}

static void close_dev(struct dev *d)
{
    edu_close(&d->edu);
    if (d->fd >= 0) {
        close(d->fd);
    }
}

int main(void)
{
    char bdfs[EDU_MAX_DEVS][32];
    struct ctx c = { .a.fd = -1, .b.fd = -1 };
    struct stat st;
    uint8_t *buf;
    int n;

    tap_init();
    c.page = sysconf(_SC_PAGESIZE);
    n = edu_find(bdfs, EDU_MAX_DEVS);
    if (!CHECK(n >= 1, "found %d edu device(s) in sysfs", n)) {
        return tap_done();
    }
    snprintf(c.a.bdf, sizeof(c.a.bdf), "%.31s", bdfs[0]);
    if (n >= 2) {
        snprintf(c.b.bdf, sizeof(c.b.bdf), "%.31s", bdfs[1]);
    }
    CHECK(stat("/dev/iommu", &st) == 0 && S_ISCHR(st.st_mode),
          "/dev/iommu is a char device");
    c.iommufd = open("/dev/iommu", O_RDWR);
    buf = mmap(NULL, 3 * c.page, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!CHECK(c.iommufd >= 0, "open /dev/iommu") ||
        !CHECK(buf != MAP_FAILED, "allocate 3 buffer pages")) {
        return tap_done();
    }
    c.src = buf;
    c.dst = buf + c.page;
    c.victim = buf + 2 * c.page;
    c.pin0 = vm_pinned_kb();
    c.ioas1 = ioas_alloc(c.iommufd);
    if (c.ioas1) {
        check_iova_ranges(c.iommufd, c.ioas1, "of an empty IOAS");
        run(&c);
    }
    close_dev(&c.a);
    close_dev(&c.b);
    close(c.iommufd);
    return tap_done();
}
