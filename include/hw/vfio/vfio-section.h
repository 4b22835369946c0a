/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The listener's decisions, as small pure functions (hw/vfio/section.c):
 * is a section mappable, at which IOVAs, split how by the container's
 * IOVA ranges, mapped or copied, and what a failure means.  They take
 * plain values so the unit tests can drive every edge case.
 */
#ifndef HW_VFIO_VFIO_SECTION_H
#define HW_VFIO_VFIO_SECTION_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "exec/memory.h"
#include "util/interval-set.h"
#include "util/range.h"

/**
 * struct VFIOSectionInfo - what the decisions need to know of a section
 * @gpa: its guest-physical range (IOVA = GPA)
 * @host: host virtual address of @gpa.start (0 when not host memory)
 * @is_ram: host memory (plain RAM or ram_device)
 * @is_ram_device: a device BAR mmap (peer-to-peer DMA target)
 * @readonly: the guest cannot write it; the device may only read it
 */
typedef struct VFIOSectionInfo {
    Range gpa;
    uint64_t host;
    bool is_ram;
    bool is_ram_device;
    bool readonly;
} VFIOSectionInfo;

/**
 * vfio_section_info() - describe a listener's section
 * @s: the section
 * @info: filled
 */
void vfio_section_info(const MemoryRegionSection *s, VFIOSectionInfo *info);

/**
 * enum VFIOSectionVerdict - what to do with a section
 * @VFIO_SECTION_MAP: map the page-aligned IOVA range returned
 * @VFIO_SECTION_SKIP_NOT_RAM: MMIO or unbacked: no DMA target
 * @VFIO_SECTION_SKIP_MISALIGNED: the IOVA and host address have different
 *     offsets within a page, so no page can be mapped: worth a warning
 * @VFIO_SECTION_SKIP_SAFE_MISALIGNED: the same for a ram_device smaller
 *     than a host page (a small BAR or command buffer placed at a sub-page
 *     address); known safe: nobody DMAs to it, so trace only
 * @VFIO_SECTION_SKIP_TOO_SMALL: no whole page inside the section
 * @VFIO_SECTION_SKIP_RAM_DEVICE_UNALIGNED: a ram_device not aligned to the
 *     mapping page size: left unmapped entirely (P2P to it will not work;
 *     trace only, as for any unaligned BAR)
 */
typedef enum VFIOSectionVerdict {
    VFIO_SECTION_MAP,
    VFIO_SECTION_SKIP_NOT_RAM,
    VFIO_SECTION_SKIP_MISALIGNED,
    VFIO_SECTION_SKIP_SAFE_MISALIGNED,
    VFIO_SECTION_SKIP_TOO_SMALL,
    VFIO_SECTION_SKIP_RAM_DEVICE_UNALIGNED,
} VFIOSectionVerdict;

/** vfio_section_verdict_name() - Return: a static name for traces */
const char *vfio_section_verdict_name(VFIOSectionVerdict v);

/**
 * vfio_section_decide() - is the section mappable, and where
 * @si: the section
 * @page_size: the mapping granularity (a power of two: the largest of the
 *             host page size and the container's IOMMU page size)
 * @iova: set to the range to map when the verdict is VFIO_SECTION_MAP:
 *        the whole pages inside @si->gpa
 *
 * Return: the verdict.
 */
VFIOSectionVerdict vfio_section_decide(const VFIOSectionInfo *si,
                                       uint64_t page_size, Range *iova);

/**
 * vfio_iova_clip() - split a range by the IOVA ranges a container accepts
 * @iova: the page-aligned range to map
 * @valid: the container's valid IOVAs
 * @page_size: the pieces are trimmed to whole pages of this size
 * @clipped: set to true if some of @iova is left out
 *
 * Return: a new array of Range, ascending, possibly empty (free with
 * g_array_unref()).
 */
GArray *vfio_iova_clip(const Range *iova, const IntervalSet *valid,
                       uint64_t page_size, bool *clipped);

/**
 * enum VFIOStepOp - one step of filling a range into a container
 * @VFIO_STEP_MAP: dma_map it
 * @VFIO_STEP_COPY: dma_copy it from the source container
 */
typedef enum VFIOStepOp {
    VFIO_STEP_MAP,
    VFIO_STEP_COPY,
} VFIOStepOp;

/**
 * struct VFIOStep - one map or copy of a range
 * @op: map or copy
 * @iova: the range
 */
typedef struct VFIOStep {
    VFIOStepOp op;
    Range iova;
} VFIOStep;

/**
 * vfio_fill_plan() - how to fill @iova into a container
 * @iova: the range
 * @src_mapped: what the copy source has mapped, or NULL if there is no
 *              source (the container maps everything itself)
 *
 * The parts of @iova the source maps are copied (COPY needs a fully
 * mapped source range); the rest is mapped.
 *
 * Return: a new array of VFIOStep in address order, covering @iova
 * exactly (free with g_array_unref()).
 */
GArray *vfio_fill_plan(const Range *iova, const IntervalSet *src_mapped);

/**
 * enum VFIOFailureAction - the failure policy for a failed map or copy
 * @VFIO_FAILURE_FAIL_ATTACH: the container is joining (its first replay):
 *     remember the error; the device's attach fails and is undone
 * @VFIO_FAILURE_WARN_ONCE: a ram_device (peer-to-peer) section: print a
 *     warning, once per container; the device works without P2P
 * @VFIO_FAILURE_IGNORE: a ram_device again: already warned
 * @VFIO_FAILURE_MARK_BROKEN: guest RAM at run time: mark the container
 *     broken and report through the context's error hook (a QMP event in
 *     the host process); never abort, the other devices keep running
 */
typedef enum VFIOFailureAction {
    VFIO_FAILURE_FAIL_ATTACH,
    VFIO_FAILURE_WARN_ONCE,
    VFIO_FAILURE_IGNORE,
    VFIO_FAILURE_MARK_BROKEN,
} VFIOFailureAction;

/**
 * vfio_failure_action() - THE failure policy of the listener
 * @joining: the failure happened during the container's join replay
 * @ram_device: the section is a ram_device
 * @warned: a ram_device failure was already reported for the container
 *
 * Return: what to do.
 */
VFIOFailureAction vfio_failure_action(bool joining, bool ram_device,
                                      bool warned);

#endif /* HW_VFIO_VFIO_SECTION_H */
