/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * host-edu.h: the real-kernel tests (tests/vm/test-qemu-*.c) drive edu
 * devices assigned to a QEMU process over qtest and inspect it over QMP
 * (libvhtest).  The process runs inside the rig's guest on its real
 * /dev/vfio and /dev/iommu.
 *
 * DMA: edu's registers are written through BAR0 (qemu-edu.c places it);
 * the IOVA is the guest-physical address, so a DMA lands where QEMU's
 * listener mapped guest RAM.  Where a destination
 * is not guest RAM (an unplugged DIMM), the test reads the backing FILE
 * of a memory-backend-file instead: the bytes the device would have
 * written are visible there, or not.
 */
#ifndef VFIO_TESTS_VM_HOST_EDU_H
#define VFIO_TESTS_VM_HOST_EDU_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "libvhtest.h"

#define HEDU_MAX 8

/* The outcome of one edu write into a destination. */
typedef enum HeduResult {
    HEDU_LANDED,        /* exactly the bytes, nothing past them */
    HEDU_BLOCKED,       /* the destination still holds only the marker */
    HEDU_CORRUPT,       /* anything else */
    HEDU_TIMEOUT,       /* the device did not finish */
    HEDU_NO_BAR,        /* no BAR0 address for the device */
} HeduResult;

/* Where a DMA's bytes are read back: guest RAM, or a file. */
typedef struct HeduDest {
    uint64_t gpa;       /* the IOVA the device writes to */
    int fd;             /* -1: read @gpa over qtest; else pread here */
    off_t off;          /* offset in @fd of @gpa */
} HeduDest;

/** hedu_init() - line-buffered TAP and a 60 s libvhtest timeout (TCG) */
void hedu_init(void);

/**
 * hedu_find() - the edu BDFs from sysfs, sorted; one TAP check that at
 * least @need are there.  Return: how many (at most HEDU_MAX).
 */
int hedu_find(char bdfs[][32], int need);

/**
 * hedu_qmp() - run a QMP command and keep the error instead of failing
 * the program.  Single quotes stand for double quotes, in the format AND
 * in its arguments (so an argument may add JSON members).
 * @errp: set to the error's desc on failure (free with g_free()), or NULL
 * Return: the "return" value (free with json_node_unref()), NULL on error.
 */
JsonNode *hedu_qmp(VhtProc *p, char **errp, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/**
 * hedu_qmp_try() - hedu_qmp() for a command whose result is not needed
 * Return: whether it succeeded; @errp as for hedu_qmp().
 */
bool hedu_qmp_try(VhtProc *p, char **errp, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/**
 * hedu_qmp_ok() - hedu_qmp() as one TAP check named @what
 * Return: whether the command succeeded.
 */
bool hedu_qmp_ok(VhtProc *p, const char *what, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/**
 * hedu_read_child() - collect what a forked scenario reported, then reap it
 * @pid: the child, which writes "KEY VALUE" lines to the pipe's other end
 * @fd: the pipe's read end (closed here)
 * @res: receives KEY -> VALUE; and "child" -> a sentence if the child did
 *       not exit with status 0 (QEMU died or hung under it)
 */
void hedu_read_child(pid_t pid, int fd, GHashTable *res);

/**
 * hedu_scratch() - a new directory /tmp/@prefix-XXXXXX (aborts if it
 * cannot be made).  Return: its path, for hedu_scratch_drop().
 */
char *hedu_scratch(const char *prefix);

/** hedu_scratch_drop() - remove @dir, its files, and free @dir */
void hedu_scratch_drop(char *dir);

/** hedu_slurp() - @path's contents, "" if unreadable; g_free() it */
char *hedu_slurp(const char *path);

/**
 * hedu_status_text() - a wait status in words ("exit 1", "signal 6
 * (Aborted)"); g_free() it
 */
char *hedu_status_text(int status);

/** hedu_dma_start() - program one edu DMA and start it, not waiting */
void hedu_dma_start(VhtProc *p, uint64_t bar0, uint64_t src, uint64_t dst,
                    uint32_t len, bool to_ram);

/** hedu_dma_wait() - poll DMA_CMD until done; Return: false on timeout */
bool hedu_dma_wait(VhtProc *p, uint64_t bar0);

/** hedu_dma() - one edu DMA, polling DMA_CMD. Return: false on timeout */
bool hedu_dma(VhtProc *p, uint64_t bar0, uint64_t src, uint64_t dst,
              uint32_t len, bool to_ram);

/**
 * hedu_copy() - write a pattern (from @seed) at guest @src_gpa, fill @dst
 * with a marker, then edu DMA src -> edu buffer -> dst.
 * Return: how the destination looks afterwards.
 */
HeduResult hedu_copy(VhtProc *p, uint64_t bar0, uint64_t src_gpa,
                     const HeduDest *dst, uint32_t len, unsigned seed);

/** hedu_round_trip() - hedu_copy() into guest RAM; Return: true if landed */
bool hedu_round_trip(VhtProc *p, uint64_t bar0, uint64_t src_gpa,
                     uint64_t dst_gpa, uint32_t len, unsigned seed);

/** hedu_result_name() - Return: "landed", "blocked", ... */
const char *hedu_result_name(HeduResult r);

/* ---- the process ---- */

/** hedu_fd_text() - Return: "FD:TARGET ..." of @pid (free with g_free()) */
char *hedu_fd_text(pid_t pid);

/**
 * hedu_fds_to() - fds of @pid whose target contains @part ("dev/iommu",
 * "dev/vfio/"; a device node opened before a mount change reads as
 * /mnt/host/dev/... from inside the rig's chroot).  Return: their
 * numbers, sorted; free with g_array_unref().
 */
GArray *hedu_fds_to(pid_t pid, const char *prefix);

/**
 * hedu_cdev_path() - the VFIO device cdev of @bdf ("/dev/vfio/devices/
 * vfioN", from sysfs).  Return: free with g_free(); NULL if none.
 */
char *hedu_cdev_path(const char *bdf);

/**
 * hedu_cdev_of() - the VFIO device cdev of the device whose sysfs
 * directory is @sysfs_dev (a PCI device, an mdev).  Return: as above.
 */
char *hedu_cdev_of(const char *sysfs_dev);

/**
 * hedu_bindable() - whether @bdf's cdev can be opened and bound to a new
 * iommufd now (it cannot while another process still holds it bound).
 * Return: the outcome; errno says why not.
 */
bool hedu_bindable(const char *bdf);

#endif /* VFIO_TESTS_VM_HOST_EDU_H */
