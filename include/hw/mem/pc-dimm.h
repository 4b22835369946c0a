/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pc-dimm: a DIMM that maps a memory backend into the hotplug window.
 *
 * Properties: memdev (link to a memory backend, required), addr (0: the
 * lowest free address aligned to the backend's page size), slot (-1: the
 * lowest free slot), node (0: there are no NUMA nodes).  Realize plugs the
 * backend's region into system memory; unrealize (device_del) removes it.
 */
#ifndef HW_MEM_PC_DIMM_H
#define HW_MEM_PC_DIMM_H

#include "qom/qdev.h"
#include "qom/type-table.h"
#include "system/hostmem.h"

#define TYPE_PC_DIMM (pc_dimm_get_type())
#define TYPE_PC_DIMM_NAME "pc-dimm"
G_DECLARE_FINAL_TYPE(PCDIMMDevice, pc_dimm, PC, DIMM, DeviceState)

/** pc_dimm_get_addr() - Return: the guest-physical address (realized) */
uint64_t pc_dimm_get_addr(PCDIMMDevice *dimm);

/** pc_dimm_get_size() - Return: the size in bytes (realized) */
uint64_t pc_dimm_get_size(PCDIMMDevice *dimm);

/** pc_dimm_get_slot() - Return: the slot (realized) */
int pc_dimm_get_slot(PCDIMMDevice *dimm);

/** pc_dimm_get_node() - Return: the NUMA node property */
unsigned pc_dimm_get_node(PCDIMMDevice *dimm);

/** pc_dimm_get_memdev() - Return: the backend (borrowed) */
HostMemoryBackend *pc_dimm_get_memdev(PCDIMMDevice *dimm);

/** pc_dimm_register_types() - add pc-dimm to a type table */
void pc_dimm_register_types(TypeTable *tt);

#endif /* HW_MEM_PC_DIMM_H */
