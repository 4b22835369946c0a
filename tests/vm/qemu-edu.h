/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qemu-edu.h: drive real qemu-system-x86_64 (the patched build or the
 * control) inside the rig's guest, with edu devices assigned
 * through vfio-pci, over qtest and QMP (libvhtest, host-edu).
 *
 * QEMU runs with -machine q35 under qtest: there is no firmware or guest
 * OS, so nothing enumerates PCI.  These helpers do the few things a guest
 * would: program BAR0 and the command register through the 0xcf8/0xcfc
 * configuration ports, set up a PCIe root port's bus numbers and memory
 * window for hot-added devices, and answer unplug requests the way ACPI
 * firmware does (the PCI hotplug and memory hotplug eject registers).
 */
#ifndef VFIO_TESTS_VM_QEMU_EDU_H
#define VFIO_TESTS_VM_QEMU_EDU_H

#include "host-edu.h"

/* Guest RAM of every scenario, and where DMA sources/destinations go. */
#define QEDU_RAM_MB 128
#define QEDU_SRC_GPA 0x1000000ULL
#define QEDU_DST_GPA 0x2000000ULL

/* The q35 layout the tests use: cold edus in pcie.0 slots 4.., one root
 * port for hot-added devices, BARs in the 32-bit PCI hole. */
#define QEDU_FIRST_SLOT 4
#define QEDU_ROOT_PORT_SLOT 0x10
#define QEDU_BAR_BASE 0xc0000000ULL
#define QEDU_HOTPLUG_BAR 0xc1000000ULL

/*
 * What QEMU pins for DMA under qtest: guest RAM and the 256 KiB BIOS ROM
 * (bios-256k.bin at 0xfffc0000, mapped read-only); nothing else is RAM.
 */
#define QEDU_PINNED_KB (QEDU_RAM_MB * 1024L + 256)

/* BAR0 of the cold-plugged edu number @i */
static inline uint64_t qedu_bar(int i)
{
    return QEDU_BAR_BASE + (uint64_t)i * 0x100000;
}

/**
 * qedu_binaries() - the QEMU binaries to test, from $VFIO_QEMU_BINARIES
 * ("label=path,label=path,...").  Return: NULL-terminated labels and
 * paths in @labels/@paths (static storage), the count.
 */
int qedu_binaries(const char **labels, const char **paths, int max);

/** qedu_binary() - Return: the path labelled @label, or NULL */
const char *qedu_binary(const char *label);

/**
 * qedu_start() - start @binary under qtest (-accel qtest: no vCPU runs,
 * so no firmware touches the PCI devices or the PAM registers): q35, no defaults, 128 MiB of
 * RAM with two DIMM slots, seabios from Debian, plus @extra (split like a
 * shell would; "@DIR@" is the process's temporary directory).
 * @pass_fds: fds the child keeps (-1 terminated), or NULL
 * @hide_dev_nodes: run it where /dev/iommu and /dev/vfio/ are not
 *                  reachable (a private mount namespace), to show that it
 *                  opens no device node itself
 *
 * With $QEDU_MEMLOCK_KB set, QEMU runs with that RLIMIT_MEMLOCK and
 * without CAP_IPC_LOCK (tests/vm/qemu-wrap.sh).
 * Return: the process (vht_end() it).
 */
VhtProc *qedu_start(const char *binary, const char *extra,
                    const int *pass_fds, bool hide_dev_nodes);

/**
 * qedu_start_sized() - qedu_start() with @ram_mb MiB of guest RAM and
 * @slots DIMM slots up to @maxmem_mb MiB (qedu_start() is QEDU_RAM_MB,
 * 2 slots, 1 GiB): the benchmarks' sizes.  Pinned memory under qtest is
 * then @ram_mb MiB + 256 KiB (the BIOS ROM).
 */
VhtProc *qedu_start_sized(const char *binary, unsigned ram_mb,
                          unsigned slots, unsigned maxmem_mb,
                          const char *extra, const int *pass_fds,
                          bool hide_dev_nodes);

/* What qedu_start_with() adds to qedu_start() */
typedef struct QeduStartOpts {
    /* QEMU's stderr into this file (NULL: the test's own stderr) */
    const char *stderr_path;
    /*
     * Under the ioctl fault shim $VFIO_FAULT_IOCTL (fault-ioctl.so) when
     * set: the FAULT_IOCTL_REQUEST it watches; the watched calls numbered
     * @fault_nth ("0": none, a dry run) fail with @fault_errno (0: EIO);
     * every watched call is logged to @fault_log (NULL: no log)
     */
    const char *fault_requests;
    const char *fault_nth;
    int fault_errno;
    const char *fault_log;
    /* DIMM slots (0: 2), up to 1 GiB of memory in all */
    unsigned slots;
} QeduStartOpts;

/**
 * qedu_start_with() - qedu_start() (no fds passed, device nodes visible)
 * as @o says.  Return: the process (vht_end() it), or NULL (with a TAP
 * note) when @o asks for the fault shim and $VFIO_FAULT_IOCTL names none.
 */
VhtProc *qedu_start_with(const char *binary, const char *extra,
                         const QeduStartOpts *o);

/** qedu_cfg_read() - PCI config read of @size bytes (1, 2, 4) */
uint32_t qedu_cfg_read(VhtProc *p, int bus, int slot, int off, int size);

/** qedu_cfg_write() - PCI config write of @size bytes (1, 2, 4) */
void qedu_cfg_write(VhtProc *p, int bus, int slot, int off, int size,
                    uint32_t val);

/**
 * qedu_enable() - check that bus:slot.0 is an edu, place its BAR0 at
 * @bar0 and enable memory decoding and bus mastering, as firmware would.
 * Return: @bar0, or 0 (with a TAP note) if the device is not an edu.
 */
uint64_t qedu_enable(VhtProc *p, int bus, int slot, uint64_t bar0);

/**
 * qedu_root_port() - give the root port in pcie.0 slot @slot secondary
 * bus @bus and a 1 MiB memory window at @window, and enable it.
 */
void qedu_root_port(VhtProc *p, int slot, int bus, uint64_t window);

/**
 * qedu_unplug_pci() - device_del @id (in slot 0 of the root port @port)
 * and eject it as ACPI firmware would; wait until it is gone.
 * Return: whether the device disappeared (TAP notes on failure).
 */
bool qedu_unplug_pci(VhtProc *p, const char *id, const char *port);

/**
 * qedu_plug_dimm() - object-add a shared memory-backend-file of @mb MiB
 * at @path (NULL: a memory-backend-ram, which has no fd) and device_add
 * pc-dimm @id on it.
 * Return: its guest address (0 on failure, with a TAP note); its slot in
 * @slot.
 */
uint64_t qedu_plug_dimm(VhtProc *p, const char *id, const char *path,
                        unsigned mb, int *slot);

/**
 * qedu_dimm_addr() - Return: the guest address of DIMM @id
 * (query-memory-devices), its slot in @slot; 0 if it is not listed.
 */
uint64_t qedu_dimm_addr(VhtProc *p, const char *id, int *slot);

/**
 * qedu_dimm_file() - create @path, @mb MiB long, as a DIMM's backing file
 * Return: an fd open on it read-write, -1 on failure
 */
int qedu_dimm_file(const char *path, unsigned mb);

/** qedu_dimm_file_drop() - close @fd (if >= 0) and remove @path */
void qedu_dimm_file_drop(int fd, const char *path);

/**
 * qedu_unplug_dimm() - device_del @id, eject DIMM @slot as ACPI firmware
 * would, wait until it is gone and object-del its backend @backend.
 * Return: success (TAP notes on failure).
 */
bool qedu_unplug_dimm(VhtProc *p, const char *id, int slot,
                      const char *backend);

/**
 * qedu_wait_vfio_fds() - wait (5 s at most) until @pid holds @want VFIO
 * device fds.  QEMU (10.0.2 and 10.2.2) detaches an unplugged vfio-pci device (closes
 * its fd, leaves its container) only when the device object is finalized,
 * a little after it left the QOM tree; until then its host device cannot
 * be bound again.  Return: the number it holds at the end.
 */
guint qedu_wait_vfio_fds(pid_t pid, guint want);

/** qedu_vmpin() - Return: VmPin of QEMU @p in kB, or -1 */
long qedu_vmpin(VhtProc *p);

/** qedu_status_kb() - Return: /proc/@pid/status field @name in kB, or -1 */
long qedu_status_kb(pid_t pid, const char *name);

/**
 * qedu_file_copy() - DMA a pattern from guest RAM through the edu at
 * @bar0 into @len bytes at guest address @gpa, read back from @fd at
 * offset @off (a DIMM's backing file).  Return: the outcome.
 */
HeduResult qedu_file_copy(VhtProc *p, uint64_t bar0, uint64_t gpa, int fd,
                          off_t off, uint32_t len, unsigned seed);

/* ---- x-query-vfio (the series) ---- */

/** qedu_query() - Return: x-query-vfio's result, NULL (TAP note) on error */
JsonNode *qedu_query(VhtProc *p);

/**
 * qedu_container_of() - the container holding device @id (qom-path
 * /machine/peripheral/@id) in @q.  Return: borrowed, or NULL.
 */
JsonObject *qedu_container_of(JsonNode *q, const char *id);

/** qedu_counter() - Return: counter @name ("map", "copy", ...) of @c */
int64_t qedu_counter(JsonObject *c, const char *name);

/** qedu_mappings() - Return: @c's mappings of @origin (NULL: all) */
int qedu_mappings(JsonObject *c, const char *origin);

/** qedu_covers() - Return: whether one of @c's mappings holds [@addr, +@len) */
bool qedu_covers(JsonObject *c, uint64_t addr, uint64_t len);

/** qedu_note_query() - print @q as a table, one TAP note per line */
void qedu_note_query(JsonNode *q);

/* ---- per-container DMA counters (test-virtio-mem, test-viommu) ---- */

/* The MAP, COPY and UNMAP counters of one container */
typedef struct QeduCounts {
    int64_t map, copy, unmap;
} QeduCounts;

/**
 * qedu_counts() - one x-query-vfio, then the counters of the containers
 * holding the devices @ids[0..@n) (-1 each where a device has none).
 */
void qedu_counts(VhtProc *p, const char *const *ids, int n,
                 QeduCounts *out);

/* ---- a QEMU that may fail to start (test-viommu) ---- */

/**
 * qedu_try_run() - run @binary with qedu_start()'s command line plus
 * @extra but no monitor or qtest (under qemu-wrap.sh when
 * $QEDU_MEMLOCK_KB is set, under the fault shim when @o asks, as
 * qedu_start_with() does; @o may be NULL), and wait @timeout_s at most
 * for it to exit by itself: for a QEMU that may fail to start.
 * Return: the wait status, or -1 if it was still running at the end (it
 * is then killed: it started); its stderr in *@stderr_out (g_free()).
 */
int qedu_try_run(const char *binary, const char *extra,
                 const QeduStartOpts *o, int timeout_s, char **stderr_out);

/** qedu_container_by_id() - Return: container @id of @q (borrowed), or NULL */
JsonObject *qedu_container_by_id(JsonNode *q, int64_t id);

/** qedu_container_count() - Return: the number of containers in @q */
int qedu_container_count(JsonNode *q);

/* ---- mdevs and CPR (test-migration) ---- */

/**
 * qedu_args_mixed() - the extra arguments of a type1 device (t0, on edu
 * @type1_bdf) and an iommufd one (i0 on if0, on edu @iommufd_bdf) in one
 * address space, in the order @iommufd_first says.  Return: g_free() it.
 */
char *qedu_args_mixed(const char *type1_bdf, const char *iommufd_bdf,
                      bool iommufd_first);

/**
 * qedu_args_memfd_ram() - the extra arguments of QEDU_RAM_MB of guest RAM
 * from memory-backend-memfd (mem0) and an iommufd device (e0 on if0, on
 * edu @bdf).  Return: g_free() it.
 */
char *qedu_args_memfd_ram(const char *bdf);

/**
 * qedu_mdev_create() - create an instance of the mdev type @type (e.g.
 * "mtty-1", the sample driver's one-port serial card) through
 * /sys/class/mdev_bus/<parent>/mdev_supported_types/@type/create.
 * Return: its UUID (free with g_free(); the device is
 * /sys/bus/mdev/devices/UUID), or NULL with a TAP note.
 */
char *qedu_mdev_create(const char *type);

/**
 * qedu_mdev_remove() - remove mdev @uuid (no process may hold it open).
 * Return: success (a TAP note on failure).
 */
bool qedu_mdev_remove(const char *uuid);

/**
 * qedu_mdev_cdev() - Return: the VFIO device cdev of mdev @uuid
 * ("/dev/vfio/devices/vfioN"; free with g_free()), or NULL
 */
char *qedu_mdev_cdev(const char *uuid);

/**
 * qedu_start_sized_with() - qedu_start_with() with @ram_mb MiB of guest
 * RAM (2 DIMM slots up to 1 GiB)
 */
VhtProc *qedu_start_sized_with(const char *binary, unsigned ram_mb,
                               const char *extra, const QeduStartOpts *o);

/**
 * qedu_start_deferred() - qedu_start_with(), but without connecting to
 * QEMU: it serves QMP on @DIR@/qmp.sock and qtest on @DIR@/qtest.sock,
 * which vht_adopt(vht_pid(p), vht_dir(p)) reaches once they listen.  For
 * a QEMU that opens its monitors late: the destination of cpr-transfer
 * reads its CPR channel first.  Return: the process (reap it with
 * vht_wait_exit() or vht_kill()), or NULL as qedu_start_with().
 */
VhtProc *qedu_start_deferred(const char *binary, const char *extra,
                             const QeduStartOpts *o);

/* ---- a container's mappings (x-query-vfio) ---- */

/**
 * qedu_mapping_at() - the mapping of container @c that holds @iova
 * Return: borrowed, or NULL.
 */
JsonObject *qedu_mapping_at(JsonObject *c, uint64_t iova);

/** qedu_mappings_in() - Return: how many of @c's mappings start in [@lo, +@len) */
int qedu_mappings_in(JsonObject *c, uint64_t lo, uint64_t len);

/**
 * qedu_copy_source() - where the mapping of @c holding @iova is copied
 * from: the @id of its copy-source (-1: none listed, -2: no mapping
 * holds @iova), and its source-iova in *@src_iova (if not NULL).
 */
int64_t qedu_copy_source(JsonObject *c, uint64_t iova, uint64_t *src_iova);

/** qedu_container_id() - Return: @c's "id", -1 for NULL */
int64_t qedu_container_id(JsonObject *c);

/**
 * qedu_dma_reach() - whether the edu at @bar0 can write @len bytes at
 * @iova AND read them back, through the host IOMMU: a pattern goes guest
 * RAM -> edu -> @iova, the edu buffer is overwritten with a marker from
 * guest RAM, then @iova -> edu -> guest RAM.  For ranges whose memory
 * QEMU no longer shows (a stale mapping of discarded or unplugged
 * memory).  Return: HEDU_LANDED if the pattern came back, HEDU_BLOCKED if
 * the marker or zeros did (the rig's edu reads zeros where the IOMMU
 * blocks the read).
 */
HeduResult qedu_dma_reach(VhtProc *p, uint64_t bar0, uint64_t iova,
                          uint32_t len, unsigned seed);

/**
 * qedu_probe_map_file() - whether the kernel has IOMMU_IOAS_MAP_FILE,
 * asked of the kernel, not read from its version: one page of a memfd
 * mapped into a scratch IOAS (closing the iommufd destroys both).
 * Return: 1 if it mapped (Linux >= 6.13), 0 if the kernel answered ENOTTY
 * (6.12), -1 on any other answer (a TAP note says which).
 */
int qedu_probe_map_file(void);

/* ---- the fault shim's log (tests/vm/fault-ioctl.so, FAULT_IOCTL_LOG) ---- */

/* One watched call, as the shim logged it */
typedef struct QeduCall {
    unsigned long n;        /* its number among the watched calls */
    char name[48];          /* "IOMMU_IOAS_MAP", "?" if unknown */
    int rc, err;            /* the result, its errno (0 if none) */
    int fd;
    unsigned flags;         /* VFIO_IOMMU_DIRTY_PAGES' flags, else 0 */
    bool fault;             /* failed by the shim (or the kernel's fault) */
    char mark[32];          /* the last qedu_log_mark() before it */
} QeduCall;

/** qedu_log_mark() - append the line "# @mark" to the shim's log @path */
void qedu_log_mark(const char *path, const char *mark);

/**
 * qedu_log_calls() - the calls the shim logged to @path, in order, each
 * with the mark before it ("" before the first).  Return: a GArray of
 * QeduCall (g_array_unref() it; empty if there is no log).
 */
GArray *qedu_log_calls(const char *path);

/**
 * qedu_log_count() - how many of @calls are @name (NULL: any), logged
 * between the mark @mark and the next one (NULL: anywhere) and, with
 * @ok, succeeded.
 */
guint qedu_log_count(GArray *calls, const char *name, const char *mark,
                     bool ok);

/** qedu_log_note() - the calls after @mark (up to the next; NULL: all) as TAP notes */
void qedu_log_note(GArray *calls, const char *mark, const char *tag);

#endif /* VFIO_TESTS_VM_QEMU_EDU_H */
