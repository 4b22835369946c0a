/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Machine structure, shared by the files of system/ that implement it
 * (machine.c, runstate.c); everyone else uses system/machine.h.
 */
#ifndef SYSTEM_MACHINE_INTERNAL_H
#define SYSTEM_MACHINE_INTERNAL_H

#include "system/machine.h"

struct Machine {
    MemoryTopology *topo;
    MemoryRegion *system_memory;
    AddressSpace *as;
    TypeTable *types;
    FdRegistry *fds;
    ObjectRegistry *objects;
    QmpServer *qmp;
    QTest *qtest;
    GPtrArray *chardevs;            /* Chardev *, owned */
    char *name;

    /* memory */
    Object *ram_backend;            /* referenced; NULL before init */
    uint64_t ram_size;
    DeviceMemoryWindow device_memory;

    /* VFIO device assignment: made on first use, freed after devices */
    VFIOContext *vfio;

    /* run state */
    bool running;
    void (*quit)(void *opaque);
    void *quit_opaque;
    guint quit_source;
};

#endif /* SYSTEM_MACHINE_INTERNAL_H */
