/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The legacy VFIO backend: a type1 container (/dev/vfio/vfio) holding one
 * or more IOMMU groups (/dev/vfio/N).  Groups of one address space share a
 * container whenever the kernel accepts them in it, as QEMU does.
 */
#ifndef HW_VFIO_VFIO_LEGACY_H
#define HW_VFIO_VFIO_LEGACY_H

#include "hw/vfio/vfio-container.h"

#define VFIO_TYPE_LEGACY_CONTAINER (vfio_legacy_container_get_type())
G_DECLARE_FINAL_TYPE(VFIOLegacyContainer, vfio_legacy_container, VFIO,
                     LEGACY_CONTAINER, VFIOContainer)

/**
 * vfio_legacy_container_iommu_type() - the type1 flavour in use
 * @c: the container
 *
 * Return: VFIO_TYPE1v2_IOMMU or VFIO_TYPE1_IOMMU.
 */
int vfio_legacy_container_iommu_type(VFIOLegacyContainer *c);

/**
 * vfio_legacy_container_group_count() - Return: the groups it holds
 */
guint vfio_legacy_container_group_count(VFIOLegacyContainer *c);

#endif /* HW_VFIO_VFIO_LEGACY_H */
