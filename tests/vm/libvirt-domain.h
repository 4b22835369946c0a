/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libvirt-domain.h: libvirt-managed domains on the rig's edu devices, for
 * the tests that run inside the trixie userland (tests/vm/trixie-root.sh
 * --libvirt: libvirt 12.x's daemon is up and virsh talks to it).
 *
 * A domain is q35 under TCG, 128 MiB, one vCPU, no disk, SeaBIOS stopping
 * at "No bootable device"; its hostdevs sit each in slot 0 of a
 * pcie-root-port of its own (libvirt index 1.. in pcie.0 slot index + 1),
 * so that each is a requester id of its own behind a vIOMMU.  Through
 * <qemu:commandline> it gets, for the test only, a second QMP monitor and a
 * qtest socket in the domain's directory (vht_adopt()), an isa-debugcon
 * with SeaBIOS's log, and through <qemu:env> devnode-log.so
 * ($VFIO_DEVNODE_LOG), which records every /dev/iommu and /dev/vfio/ node
 * QEMU opens itself.  No guest OS runs: the qtest socket does what a guest
 * would (bus mastering on the BARs SeaBIOS assigned, the edus' DMA, the
 * ACPI eject that completes an unplug).
 */
#ifndef VFIO_TESTS_VM_LIBVIRT_DOMAIN_H
#define VFIO_TESTS_VM_LIBVIRT_DOMAIN_H

#include "qemu-edu.h"

#define LV_RAM_MB QEDU_RAM_MB
/* RAM + the 256 KiB BIOS: what one IOAS or type1 container pins */
#define LV_PINNED_KB QEDU_PINNED_KB
#define LV_MAX_HOSTDEVS 6

/* one <hostdev> */
typedef struct LvHostdev {
    const char *bdf;
    int port;               /* libvirt index of its pcie-root-port */
    const char *iommufd;    /* <driver iommufd=...>: NULL (none), yes, no */
} LvHostdev;

typedef struct LvSpec {
    const char *name;
    const char *emulator;
    const char *iommu;          /* <iommu model=...>: NULL, intel, virtio */
    const char *iommufd;        /* attributes of a domain-wide <iommufd>,
                                 * e.g. "enabled='yes'"; NULL: none */
    long hard_limit_kb;         /* <memtune><hard_limit>; 0: none */
    bool memfd;                 /* <memoryBacking>: shared memfd RAM */
    int ports;                  /* pcie-root-ports, index 1..ports */
    int n;
    LvHostdev hd[LV_MAX_HOSTDEVS];
} LvSpec;

typedef struct LvDomain {
    char *name;
    char *dir;          /* its sockets, logs and XML (mode 0777: QEMU runs
                         * as libvirt-qemu) */
    pid_t pid;
    VhtProc *p;         /* adopted: QMP + qtest */
} LvDomain;

/** lv_init() - the test's scratch directory; Return: success */
bool lv_init(void);

/**
 * lv_sh() - run a /bin/sh command line.  Return: whether it exited 0;
 * its stdout + stderr in *@out (g_free()) when @out is not NULL.
 */
bool lv_sh(char **out, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/** lv_hostdev_xml() - Return: the <hostdev> of @h (g_free()) */
char *lv_hostdev_xml(const LvHostdev *h);

/** lv_domain_xml() - Return: the domain @s in directory @dir (g_free()) */
char *lv_domain_xml(const LvSpec *s, const char *dir);

/**
 * lv_start() - virsh define + start of @s, adopt its QEMU.
 * Return: the domain, or NULL with virsh's error and the end of the
 * domain's log in *@why (g_free(); @why may be NULL); the domain is then
 * undefined again.
 */
LvDomain *lv_start(const LvSpec *s, char **why);

/**
 * lv_destroy() - virsh destroy + undefine; wait until QEMU is gone.
 * Return: whether it is gone.
 */
bool lv_destroy(LvDomain *d);

/** lv_log() - Return: the domain's log, /var/log/libvirt/qemu/NAME.log */
char *lv_log(const char *name);

/** lv_note_log() - the last @lines lines of the domain's log as notes */
void lv_note_log(const char *name, int lines);

/** lv_wait_firmware() - wait until SeaBIOS gave up booting */
bool lv_wait_firmware(LvDomain *d);

/**
 * lv_enable_edu() - the edu in slot 0 behind root port @port: BAR0 as
 * SeaBIOS placed it, bus mastering on.  Return: BAR0, or 0.
 */
uint64_t lv_enable_edu(LvDomain *d, int port);

/** lv_port_bus() - Return: the secondary bus SeaBIOS gave root port @port */
int lv_port_bus(LvDomain *d, int port);

/** lv_memlock() - Return: RLIMIT_MEMLOCK (soft) of @pid in bytes, -1 */
long long lv_memlock(pid_t pid);

/** lv_count_opens() - Return: lines in the domain's devnode log */
int lv_count_opens(LvDomain *d);

/** lv_opens() - Return: the domain's devnode log (g_free()) */
char *lv_opens(LvDomain *d);

/** lv_shim_loaded() - Return: whether devnode-log.so is mapped in @pid */
bool lv_shim_loaded(pid_t pid);

/** lv_cmdline() - Return: /proc/@pid/cmdline, words joined by spaces */
char *lv_cmdline(pid_t pid);

/**
 * lv_fd_target() - Return: what fd @fd of @pid points at (g_free()), or
 * NULL
 */
char *lv_fd_target(pid_t pid, int fd);

/** lv_count_substr() - Return: occurrences of @needle in @text */
int lv_count_substr(const char *text, const char *needle);

/**
 * lv_eject_when_requested() - answer the unplug request for slot 0 behind
 * root port @port_id (QEMU id, "pci.N") as ACPI firmware would.
 * Return: whether a request came within @timeout_s.
 */
bool lv_eject_when_requested(VhtProc *p, const char *port_id, int timeout_s);

/** lv_qom_gone() - Return: whether /machine/peripheral/@id went away */
bool lv_qom_gone(VhtProc *p, const char *id, int timeout_s);

/**
 * lv_domcaps_iommufd() - `virsh domcapabilities` of @emulator (qemu, q35)
 * Return: the values of its hostdev enum 'iommufd', e.g. "yes,no"
 * (g_free()), or NULL when it has none.
 */
char *lv_domcaps_iommufd(const char *emulator);

/**
 * lv_upstream() - Debian's newest QEMU in the trixie root
 * ($VFIO_UPSTREAM_QEMU, default /usr/bin/qemu-system-x86_64), when this
 * program runs there; NULL otherwise
 */
const char *lv_upstream(void);

/**
 * lv_enter_trixie_root() - outside the trixie root ($VFIO_TRIXIE_MOUNT
 * unset): re-run this program with @argv's arguments inside it, through
 * tests/vm/trixie-root.sh (--libvirt when @libvirt); does not return.
 * Inside it: returns at once.
 */
void lv_enter_trixie_root(char **argv, bool libvirt);

#endif /* VFIO_TESTS_VM_LIBVIRT_DOMAIN_H */
