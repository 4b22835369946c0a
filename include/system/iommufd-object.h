/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The user-creatable `iommufd` object: `-object iommufd,id=ID[,fd=N|NAME]`
 * and QMP object-add.
 *
 * A QOM wrapper around an IOMMUFDBackend (system/iommufd.h), which does
 * the work: without fd= it opens /dev/iommu when its first user connects
 * and closes it when the last one leaves; with fd= it uses the given fd
 * and never closes an inherited number (a getfd fd is the object's and is
 * closed when the object is deleted).  A given fd is checked at creation.
 * Devices that attach through the object record themselves as its users
 * (object_add_user()), so object-del is refused while one is attached.
 */
#ifndef SYSTEM_IOMMUFD_OBJECT_H
#define SYSTEM_IOMMUFD_OBJECT_H

#include "qom/object.h"
#include "qom/type-table.h"
#include "system/iommufd.h"

#define TYPE_IOMMUFD_OBJECT (iommufd_object_get_type())
#define TYPE_IOMMUFD_OBJECT_NAME "iommufd"
G_DECLARE_FINAL_TYPE(IOMMUFDObject, iommufd_object, IOMMUFD, OBJECT, Object)

/**
 * iommufd_object_get_backend() - the backend behind the object
 * @obj: a completed object
 *
 * Return: the backend (borrowed; take a reference to keep it).
 */
IOMMUFDBackend *iommufd_object_get_backend(IOMMUFDObject *obj);

/** iommufd_object_register_types() - add `iommufd` to a type table */
void iommufd_object_register_types(TypeTable *tt);

#endif /* SYSTEM_IOMMUFD_OBJECT_H */
