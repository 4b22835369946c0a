/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The iommufd VFIO backend: a container is one IOAS on an IOMMUFDBackend,
 * with the HWPTs its devices are attached to.  Devices come in through
 * their VFIO cdev (VFIO_DEVICE_BIND_IOMMUFD).
 *
 * Attach policy ("share before copy"): a device tries every iommufd
 * container of its address space on the same IOMMUFDBackend, first their
 * HWPTs, then the IOAS itself; only when none accepts it (or when the
 * device asks for a separate container) is a new IOAS made, which the
 * listener then fills by IOMMU_IOAS_COPY from the first one.
 */
#ifndef HW_VFIO_VFIO_IOMMUFD_H
#define HW_VFIO_VFIO_IOMMUFD_H

#include "hw/vfio/vfio-container.h"
#include "system/iommufd.h"

#define VFIO_TYPE_IOMMUFD_CONTAINER (vfio_iommufd_container_get_type())
G_DECLARE_FINAL_TYPE(VFIOIOMMUFDContainer, vfio_iommufd_container, VFIO,
                     IOMMUFD_CONTAINER, VFIOContainer)

/** vfio_iommufd_container_ioas_id() - Return: the IOAS id */
uint32_t vfio_iommufd_container_ioas_id(VFIOIOMMUFDContainer *c);

/** vfio_iommufd_container_backend() - Return: the iommufd (borrowed) */
IOMMUFDBackend *vfio_iommufd_container_backend(VFIOIOMMUFDContainer *c);

/**
 * vfio_iommufd_container_hwpts() - the HWPT ids its devices use
 * @c: the container
 *
 * Return: a new array of uint32_t; free with g_array_unref().
 */
GArray *vfio_iommufd_container_hwpts(VFIOIOMMUFDContainer *c);

#endif /* HW_VFIO_VFIO_IOMMUFD_H */
