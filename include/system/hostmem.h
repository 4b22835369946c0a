/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host memory backends: -object memory-backend-{ram,memfd,file}.
 *
 * A backend allocates host memory when it is completed and wraps it in a
 * RAM MemoryRegion named after its id (with its fd and offset when it is
 * file backed, so consumers can pass the memory by fd).  The region is
 * mapped into guest memory by its users: the machine (boot RAM) and
 * pc-dimm devices; a backend with a user cannot be deleted.
 *
 * Common properties: size (required), prealloc, prealloc-threads, share,
 * dump, merge.  memfd adds hugetlb, hugetlbsize and seal; file
 * adds mem-path, readonly and discard-data.
 */
#ifndef SYSTEM_HOSTMEM_H
#define SYSTEM_HOSTMEM_H

#include <stdbool.h>
#include <stdint.h>

#include "exec/memory.h"
#include "qom/object.h"
#include "qom/type-table.h"

#define TYPE_MEMORY_BACKEND (host_memory_backend_get_type())
G_DECLARE_DERIVABLE_TYPE(HostMemoryBackend, host_memory_backend, HOST,
                         MEMORY_BACKEND, Object)

#define TYPE_MEMORY_BACKEND_RAM_NAME "memory-backend-ram"
#define TYPE_MEMORY_BACKEND_MEMFD_NAME "memory-backend-memfd"
#define TYPE_MEMORY_BACKEND_FILE_NAME "memory-backend-file"

/**
 * struct HostMemoryAlloc - what a backend's alloc() produced
 * @host: the mapping (at least the backend's size)
 * @map_len: bytes to munmap() when the region is freed
 * @fd: the file behind it, owned (closed with the region); -1 if none
 * @fd_offset: offset of @host in @fd
 * @page_size: the backing page size (hugepages: the hugepage size)
 * @readonly: the mapping is read-only (the region is made read-only)
 */
typedef struct HostMemoryAlloc {
    void *host;
    size_t map_len;
    int fd;
    uint64_t fd_offset;
    uint64_t page_size;
    bool readonly;
} HostMemoryAlloc;

/**
 * struct _HostMemoryBackendClass - what a backend kind implements
 * @parent_class: Object's
 * @alloc: map @size bytes; fill @out (fd -1 when there is none).  On
 *         failure nothing may be left mapped or open.
 */
struct _HostMemoryBackendClass {
    ObjectClass parent_class;
    bool (*alloc)(HostMemoryBackend *backend, uint64_t size,
                  HostMemoryAlloc *out, GError **errp);
};

/* Property ids shared by every backend; subclasses number theirs from
 * HOST_MEMORY_BACKEND_PROP_LAST. */
enum {
    HOST_MEMORY_BACKEND_PROP_0,
    HOST_MEMORY_BACKEND_PROP_SIZE,
    HOST_MEMORY_BACKEND_PROP_PREALLOC,
    HOST_MEMORY_BACKEND_PROP_PREALLOC_THREADS,
    HOST_MEMORY_BACKEND_PROP_DUMP,
    HOST_MEMORY_BACKEND_PROP_MERGE,
    HOST_MEMORY_BACKEND_PROP_SHARE,
    HOST_MEMORY_BACKEND_PROP_LAST,
};

/**
 * host_memory_backend_class_add_share() - install the "share" property
 * @klass: a backend class
 * @def: its default for this kind (memfd: on, ram and file: off)
 *
 * Each kind installs it with its own default, so help shows the right one;
 * the base class stores it.  A subclass's set/get_property must pass
 * HOST_MEMORY_BACKEND_PROP_SHARE on to host_memory_backend_set_share() /
 * host_memory_backend_get_share().
 */
void host_memory_backend_class_add_share(GObjectClass *klass, bool def);

/** host_memory_backend_set_share() - see host_memory_backend_class_add_share() */
void host_memory_backend_set_share(HostMemoryBackend *backend, bool share);

/** host_memory_backend_get_share() - Return: whether mappings are shared */
bool host_memory_backend_get_share(HostMemoryBackend *backend);

/**
 * host_memory_backend_get_memory() - the backend's RAM region
 * @backend: a completed backend
 *
 * Return: the region (borrowed; take a reference to keep it).
 */
MemoryRegion *host_memory_backend_get_memory(HostMemoryBackend *backend);

/** host_memory_backend_get_size() - Return: the size in bytes */
uint64_t host_memory_backend_get_size(HostMemoryBackend *backend);

/**
 * host_memory_backend_get_page_size() - the backing page size
 * @backend: a completed backend
 *
 * Return: the host page size, or the hugepage size for hugetlb memory;
 * guest addresses of the region must be aligned to it.
 */
uint64_t host_memory_backend_get_page_size(HostMemoryBackend *backend);

/**
 * hostmem_register_types() - add the backend types to a type table
 * @tt: the table
 */
void hostmem_register_types(TypeTable *tt);

/* The concrete types, for hostmem_register_types() */
GType host_memory_backend_ram_get_type(void);
GType host_memory_backend_memfd_get_type(void);
GType host_memory_backend_file_get_type(void);

#endif /* SYSTEM_HOSTMEM_H */
