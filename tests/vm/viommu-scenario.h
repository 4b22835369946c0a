/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * viommu-scenario.h: the vIOMMU scenario of the fault runs, as functions
 * any fault driver can call (tests/vm/test-viommu-faults.c runs it with
 * every call failed in turn; fault-sweep.c can run it the same way).
 *
 * QEMU (the patched build) runs with a virtio-iommu, iommufd object if0
 * and three PCIe root ports behind the vIOMMU.  The steps, each announced
 * through ViommuScenario.step() (a fault driver writes it into the
 * fault-ioctl.so log, so that each call has a step):
 *
 *   add-e0      edu 0 hot-added behind the vIOMMU: the iommufd object gets
 *               its ram source (IOMMU_IOAS_ALLOC, IOMMU_IOAS_IOVA_RANGES,
 *               one IOMMU_IOAS_MAP per RAM section, no device) and e0's
 *               container (IOAS_ALLOC, HWPT_ALLOC, ATTACH, one
 *               IOMMU_IOAS_COPY per RAM section from the ram source)
 *   add-e1      edu 1 likewise: its container COPYs from the ram source
 *   dma         both DMA to guest-physical addresses (bypass)
 *   dimm-plug   a 16 MiB DIMM: the ram source MAPs it, e0 and e1 COPY it
 *   attach      the virtio-iommu driver attaches e0 to domain 1, e1 to
 *               domain 2 (the bypass sections are unmapped)
 *   map         each domain maps 4 MiB of guest RAM: IOMMU_IOAS_COPY from
 *               the ram source (vfio_container_viommu_map())
 *   unmap       domain 1 unmaps it (IOMMU_IOAS_UNMAP)
 *   teardown    the DIMM, e0 and e1 unplugged (the last one releases the
 *               ram source: IOMMU_IOAS_UNMAP, IOMMU_DESTROY), if0 deleted
 *
 * A step that goes wrong is reported through ViommuScenario.fail() and
 * the scenario goes on.  The invariants a driver checks after a run:
 *   (a) QEMU answers QMP (viommu_scenario_teardown() tells);
 *   (b) DMA lands only where the guest can reach memory: in bypass where
 *       the device's container lists guest RAM, through the vIOMMU only at
 *       IOVAs the guest mapped and QEMU did not report failing to map,
 *       never at an IOVA the guest unmapped unless QEMU counted the failed
 *       unmap (viommu_scenario_check_dma() after "dimm-plug", "map",
 *       "unmap");
 *   (c) after the teardown: VmPin 0, QEMU's fds back to their number
 *       before the devices, x-query-vfio lists no container, each edu can
 *       be bound to a new iommufd (viommu_scenario_check_clean());
 *   (d) quit exits 0 (vht_end()).
 */
#ifndef VFIO_TESTS_VM_VIOMMU_SCENARIO_H
#define VFIO_TESTS_VM_VIOMMU_SCENARIO_H

#include "qemu-edu.h"
#include "qviommu.h"

#define VIOMMU_SCENARIO_NDEV 2

typedef struct ViommuScenario {
    /* set by the caller */
    const char *binary;
    const char *const *bdfs;    /* VIOMMU_SCENARIO_NDEV edus */
    const QeduStartOpts *opts;  /* how to start QEMU (the fault shim) */
    void (*step)(void *opaque, const char *name);
    void (*fail)(void *opaque, const char *what);
    void *opaque;
    /* the state */
    VhtProc *p;
    guint fds0;                 /* QEMU's fds before any device */
    bool present[VIOMMU_SCENARIO_NDEV];
    uint64_t bar[VIOMMU_SCENARIO_NDEV];
    QViommu iommu;
    bool driver;
    bool mapped[VIOMMU_SCENARIO_NDEV];      /* the guest mapped its domain */
    bool unmapped[VIOMMU_SCENARIO_NDEV];    /* ... and unmapped it again */
    uint64_t dimm;
    int dimm_slot;
} ViommuScenario;

/* viommu_scenario_start() - start QEMU; Return: false if it did not */
bool viommu_scenario_start(ViommuScenario *s);

/*
 * viommu_scenario_run() - the steps up to "unmap"; after "dimm-plug",
 * "map" and "unmap" it calls @check (may be NULL) with what
 * viommu_scenario_check_dma() returned.
 */
void viommu_scenario_run(ViommuScenario *s,
                         void (*check)(ViommuScenario *s, const char *when,
                                       char *mismatch));

/*
 * viommu_scenario_check_dma() - invariant (b) now.
 * Return: a description of the first mismatch (g_free()), or NULL.
 */
char *viommu_scenario_check_dma(ViommuScenario *s);

/*
 * viommu_scenario_teardown() - the "teardown" step.
 * Return: whether QEMU still answers QMP afterwards (invariant a).
 */
bool viommu_scenario_teardown(ViommuScenario *s);

/*
 * viommu_scenario_check_clean() - invariant (c), after the teardown.
 * Return: a description of what is left (g_free()), or NULL.
 */
char *viommu_scenario_check_clean(ViommuScenario *s);

#endif /* VFIO_TESTS_VM_VIOMMU_SCENARIO_H */
