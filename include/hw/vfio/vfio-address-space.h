/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VFIOAddressSpace: ONE MemoryListener per guest AddressSpace, feeding
 * every container attached in it.
 *
 * For each section the listener adds, each container in turn gets it:
 *   - a container whose copy domain (vfio_container_copy_domain(): the
 *     iommufd object) already has the range mapped in an earlier
 *     container gets a dma_copy from that one, the copy source (falling
 *     back to dma_map if the copy fails);
 *   - every other container gets a dma_map (iommufd IOAS_MAP for the
 *     first container of an iommufd object, legacy MAP_DMA, or a second
 *     iommufd object).
 * The source is always the first container, in join order, of the same
 * copy domain that has the range mapped, so when a source leaves, the
 * next one takes over by itself.
 *
 * A container joining a live address space replays the current view for
 * itself alone; leaving unmaps only its own mappings; the listener is
 * registered when the first container joins and unregistered when the
 * last leaves, so the others never see a gap or a single ioctl.
 *
 * Failure policy: see vfio_failure_action() in vfio-section.h.
 */
#ifndef HW_VFIO_VFIO_ADDRESS_SPACE_H
#define HW_VFIO_VFIO_ADDRESS_SPACE_H

#include "exec/memory.h"
#include "hw/vfio/vfio-common.h"
#include "util/interval-set.h"

/**
 * vfio_address_space_add_container() - join @c to @space
 * @space: the address space
 * @c: a container set up by its backend, with its first device attached
 *     and its IOVA ranges known
 * @errp: set on failure
 *
 * Registers the listener if @c is the first container, then maps every
 * current section into @c alone (and starts dirty tracking on @c if
 * global dirty logging is on).  If any of it fails, what @c mapped is
 * unmapped again and @c is not in @space.
 *
 * Return: true on success; false with @errp set to the first failure.
 */
bool vfio_address_space_add_container(VFIOAddressSpace *space,
                                      VFIOContainer *c, GError **errp);

/**
 * vfio_address_space_remove_container() - @c leaves its address space
 * @c: a container in an address space
 *
 * Stops @c's dirty tracking, unmaps everything @c mapped (no other
 * container is touched), and unregisters the listener if @c was the last
 * container.  The VFIOAddressSpace stays until
 * vfio_address_space_release_if_unused() (vfio_device_detach() calls it).
 */
void vfio_address_space_remove_container(VFIOContainer *c);

/**
 * vfio_address_space_release_if_unused() - free @space if it is empty
 * @space: an address space whose attach attempt may have failed
 *
 * Return: true if @space was freed.
 */
bool vfio_address_space_release_if_unused(VFIOAddressSpace *space);

/** vfio_address_space_get_as() - Return: the guest AddressSpace */
AddressSpace *vfio_address_space_get_as(VFIOAddressSpace *space);

/** vfio_address_space_context() - Return: the owning context */
VFIOContext *vfio_address_space_context(VFIOAddressSpace *space);

/**
 * vfio_address_space_containers() - the containers in join order
 * @space: the address space
 *
 * Return: a list of VFIOContainer * (borrowed); do not modify.
 */
GList *vfio_address_space_containers(VFIOAddressSpace *space);

/**
 * vfio_address_space_listening() - Return: whether the listener is
 * registered (exactly when there is at least one container)
 */
bool vfio_address_space_listening(VFIOAddressSpace *space);

/**
 * vfio_address_space_copy_source() - the source @c copies from by default
 * @space: the address space
 * @c: a container of @space
 *
 * Return: the first container before @c in join order with the same
 * non-NULL copy domain, or NULL when @c itself maps.
 */
VFIOContainer *vfio_address_space_copy_source(VFIOAddressSpace *space,
                                              VFIOContainer *c);

/**
 * vfio_address_space_take_dirty() - guest pages reported dirty
 * @space: the address space
 *
 * Every log_sync adds the pages the containers report written.
 *
 * Return: the guest-physical ranges dirtied since the last call (a new
 * set; free with interval_set_free()).
 */
IntervalSet *vfio_address_space_take_dirty(VFIOAddressSpace *space);

#endif /* HW_VFIO_VFIO_ADDRESS_SPACE_H */
