/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * edu.h: QEMU's "edu" PCI test device, driven through a VFIO device fd
 * (a legacy group's device fd or a VFIO device cdev: the region and DMA
 * code is the same for both).
 */
#ifndef VFIO_HOST_TESTS_VM_EDU_H
#define VFIO_HOST_TESTS_VM_EDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_ID_VALUE 0x010000edu    /* register 0x00: version 1.0, "ed" */
#define EDU_MAX_DEVS 16

/* edu BAR0 registers */
#define EDU_REG_ID 0x00
#define EDU_REG_LIVENESS 0x04           /* reads back the complement */
#define EDU_REG_DMA_SRC 0x80
#define EDU_REG_DMA_DST 0x88
#define EDU_REG_DMA_COUNT 0x90
#define EDU_REG_DMA_CMD 0x98
#define EDU_DMA_CMD_START 0x1           /* cleared by the device when done */
#define EDU_DMA_CMD_TO_RAM 0x2          /* edu buffer -> RAM; else RAM -> edu */

/*
 * The device's 4 KiB DMA buffer.  QEMU 7.2's bounds check is off by one
 * and aborts the whole VM on a transfer that reaches its last byte, so
 * tests move at most EDU_DMA_MAX bytes.
 */
#define EDU_BUF_ADDR 0x40000
#define EDU_DMA_MAX 4000

struct edu {
    char bdf[32];
    int fd;                     /* VFIO device fd (not owned) */
    volatile uint8_t *bar;      /* BAR0 mmap */
    size_t bar_size;
};

/**
 * edu_find: list the edu devices from sysfs, sorted by BDF; only those
 * named in $EDU_BDFS ("0000:01:00.0 ..."), when it is set.
 * @bdfs: filled with up to @max names such as "0000:00:04.0"
 * Return: how many were found (0 if none or sysfs is unreadable).
 */
int edu_find(char bdfs[][32], int max);

/**
 * edu_group: the IOMMU group number of @bdf, from its iommu_group link.
 * Return: the group, or -1 if the device has none.
 */
int edu_group(const char *bdf);

/**
 * edu_open: check the device fd and make the device usable: GET_INFO,
 * BAR0 region info and mmap, and bus mastering on (without it QEMU drops
 * the device's DMA).  Each step is one TAP check.
 * Return: true if the device is ready for edu_dma().
 */
bool edu_open(struct edu *e, const char *bdf, int fd);

/* edu_close: unmap BAR0 (the fd stays open: the caller owns it). */
void edu_close(struct edu *e);

/**
 * edu_dma: one DMA between RAM at @iova and the edu buffer at @edu_off,
 * polling for completion (edu's DMA timer fires after 100 ms).
 * Return: false only if the device did not finish within 10 s.
 */
bool edu_dma(struct edu *e, uint64_t iova, uint32_t len, bool to_ram,
             uint32_t edu_off);

/* Fill @buf with a pattern derived from @seed, so each check differs. */
void edu_pattern(uint8_t *buf, size_t len, unsigned seed);

/**
 * edu_round_trip: RAM @src_iova -> edu -> RAM @dst_iova of @len bytes,
 * then compare dst with src and check that dst past @len is untouched.
 * @src, @dst: the process's views of the two IOVAs (page sized)
 * Return: true if the bytes arrived exactly.
 */
bool edu_round_trip(struct edu *e, uint8_t *src, uint64_t src_iova,
                    uint8_t *dst, uint64_t dst_iova, uint32_t len,
                    unsigned seed);

/**
 * edu_write_blocked: fill @victim with a marker, load the edu buffer with
 * other bytes from @src_iova, then make the device write them to
 * @victim_iova.  Return: true if the device finished and @victim still
 * holds only the marker (the IOMMU blocked the write).
 */
bool edu_write_blocked(struct edu *e, uint64_t src_iova, uint8_t *src,
                       uint8_t *victim, uint64_t victim_iova, size_t page);

/**
 * edu_write_lands: the same write, as the control for edu_write_blocked().
 * Return: true if the device finished and the bytes reached @victim.
 */
bool edu_write_lands(struct edu *e, uint64_t src_iova, uint8_t *src,
                     uint8_t *victim, uint64_t victim_iova, size_t page);

/**
 * vm_pinned_kb: VmPin of this process, from /proc/self/status.
 * Return: kB, or -1 if the line is missing.
 */
long vm_pinned_kb(void);

#endif /* VFIO_HOST_TESTS_VM_EDU_H */
