/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * HostMemoryBackend: the abstract memory backend.  Its kinds allocate; the
 * base applies the common properties and wraps the memory in a region.
 */
#include <errno.h>
#include <inttypes.h>
#include <sys/mman.h>
#include <unistd.h>

#include "qom/object-props.h"
#include "system/hostmem.h"
#include "system/machine.h"
#include "trace-backends.h"
#include "util/error.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

typedef struct HostMemoryBackendPrivate {
    uint64_t size;
    bool prealloc;
    unsigned prealloc_threads;
    bool dump;
    bool merge;
    bool share;
    MemoryRegion *mr;
    uint64_t page_size;
} HostMemoryBackendPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE(HostMemoryBackend, host_memory_backend,
                                    TYPE_OBJECT)

#define GET_PRIV(b) \
    ((HostMemoryBackendPrivate *)host_memory_backend_get_instance_private(b))

/* What the region's destroy notify releases */
typedef struct HostMemoryMapping {
    void *host;
    size_t len;
    int fd;
} HostMemoryMapping;

static void host_memory_mapping_free(void *opaque)
{
    HostMemoryMapping *map = opaque;

    trace_hostmem_free(map->host, map->len, map->fd);
    munmap(map->host, map->len);
    if (map->fd >= 0) {
        close(map->fd);
    }
    g_free(map);
}

static bool host_memory_prealloc(HostMemoryBackend *b, const HostMemoryAlloc *a,
                                 GError **errp)
{
    HostMemoryBackendPrivate *priv = GET_PRIV(b);
    const char *id = object_get_id(QOM_OBJECT(b));
    int advice = a->readonly ? MADV_POPULATE_READ : MADV_POPULATE_WRITE;
    int ret = madvise(a->host, priv->size, advice);

    trace_hostmem_prealloc(id, priv->size, ret ? errno : 0);
    if (ret) {
        error_setg_errno(errp, MACHINE_ERROR, errno,
                         "preallocating 0x%" PRIx64 " bytes of '%s'",
                         priv->size, id);
        return false;
    }
    return true;
}

/* dump= and merge= are advice: the kernel may not support them */
static void host_memory_advise(HostMemoryBackend *b, const HostMemoryAlloc *a)
{
    HostMemoryBackendPrivate *priv = GET_PRIV(b);

    if (!priv->dump) {
        madvise(a->host, priv->size, MADV_DONTDUMP);
    }
    if (!priv->merge) {
        madvise(a->host, priv->size, MADV_UNMERGEABLE);
    }
}

static MemoryRegion *host_memory_make_region(HostMemoryBackend *b,
                                             MemoryTopology *topo,
                                             const HostMemoryAlloc *a)
{
    HostMemoryBackendPrivate *priv = GET_PRIV(b);
    const char *id = object_get_id(QOM_OBJECT(b));
    HostMemoryMapping *map = g_new(HostMemoryMapping, 1);
    MemoryRegion *mr;

    if (a->fd >= 0) {
        mr = memory_region_new_ram_from_fd(topo, id, priv->size, a->host,
                                           a->fd, a->fd_offset);
    } else {
        mr = memory_region_new_ram_ptr(topo, id, priv->size, a->host);
    }
    *map = (HostMemoryMapping) { a->host, a->map_len, a->fd };
    memory_region_set_destroy_notify(mr, host_memory_mapping_free, map);
    if (a->readonly) {
        memory_region_set_readonly(mr, true);
    }
    return mr;
}

static bool host_memory_backend_complete(Object *obj, GError **errp)
{
    HostMemoryBackend *b = HOST_MEMORY_BACKEND(obj);
    HostMemoryBackendPrivate *priv = GET_PRIV(b);
    Machine *m = object_get_machine(obj);
    HostMemoryAlloc a = { .fd = -1 };

    if (!m) {
        error_setg(errp, MACHINE_ERROR, EINVAL,
                   "memory backend '%s' needs a machine", object_get_id(obj));
        return false;
    }
    if (priv->size == 0) {
        error_setg(errp, MACHINE_ERROR, EINVAL,
                   "can't create backend with size 0");
        return false;
    }
    if (!HOST_MEMORY_BACKEND_GET_CLASS(b)->alloc(b, priv->size, &a, errp)) {
        return false;
    }
    trace_hostmem_alloc(object_get_id(obj), priv->size, a.host, a.fd,
                        a.page_size);
    host_memory_advise(b, &a);
    priv->page_size = a.page_size;
    priv->mr = host_memory_make_region(b, machine_get_topology(m), &a);
    if (priv->prealloc && !host_memory_prealloc(b, &a, errp)) {
        g_clear_pointer(&priv->mr, memory_region_unref);
        return false;
    }
    return true;
}

static void host_memory_backend_unparent(Object *obj)
{
    HostMemoryBackendPrivate *priv = GET_PRIV(HOST_MEMORY_BACKEND(obj));

    g_clear_pointer(&priv->mr, memory_region_unref);
}

static void host_memory_backend_finalize(GObject *gobj)
{
    host_memory_backend_unparent(QOM_OBJECT(gobj));
    G_OBJECT_CLASS(host_memory_backend_parent_class)->finalize(gobj);
}

static void host_memory_backend_set_property(GObject *gobj, guint id,
                                             const GValue *value,
                                             GParamSpec *pspec)
{
    HostMemoryBackendPrivate *priv = GET_PRIV(HOST_MEMORY_BACKEND(gobj));

    switch (id) {
    case HOST_MEMORY_BACKEND_PROP_SIZE:
        priv->size = g_value_get_uint64(value);
        break;
    case HOST_MEMORY_BACKEND_PROP_PREALLOC:
        priv->prealloc = g_value_get_boolean(value);
        break;
    case HOST_MEMORY_BACKEND_PROP_PREALLOC_THREADS:
        priv->prealloc_threads = g_value_get_uint(value);
        break;
    case HOST_MEMORY_BACKEND_PROP_DUMP:
        priv->dump = g_value_get_boolean(value);
        break;
    case HOST_MEMORY_BACKEND_PROP_MERGE:
        priv->merge = g_value_get_boolean(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(gobj, id, pspec);
    }
}

static void host_memory_backend_get_property(GObject *gobj, guint id,
                                             GValue *value, GParamSpec *pspec)
{
    HostMemoryBackendPrivate *priv = GET_PRIV(HOST_MEMORY_BACKEND(gobj));

    switch (id) {
    case HOST_MEMORY_BACKEND_PROP_SIZE:
        g_value_set_uint64(value, priv->size);
        break;
    case HOST_MEMORY_BACKEND_PROP_PREALLOC:
        g_value_set_boolean(value, priv->prealloc);
        break;
    case HOST_MEMORY_BACKEND_PROP_PREALLOC_THREADS:
        g_value_set_uint(value, priv->prealloc_threads);
        break;
    case HOST_MEMORY_BACKEND_PROP_DUMP:
        g_value_set_boolean(value, priv->dump);
        break;
    case HOST_MEMORY_BACKEND_PROP_MERGE:
        g_value_set_boolean(value, priv->merge);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(gobj, id, pspec);
    }
}

static void host_memory_backend_install_properties(GObjectClass *gc)
{
    const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
    GParamSpec *pspec;

    pspec = object_class_property_add_size(gc, HOST_MEMORY_BACKEND_PROP_SIZE,
        "size", "Size of the memory region (ex: 500M)", 0, 0);
    object_property_set_required(pspec);
    g_object_class_install_property(gc, HOST_MEMORY_BACKEND_PROP_PREALLOC,
        g_param_spec_boolean("prealloc", "prealloc",
                             "Preallocate memory", FALSE, flags));
    g_object_class_install_property(gc,
        HOST_MEMORY_BACKEND_PROP_PREALLOC_THREADS,
        g_param_spec_uint("prealloc-threads", "prealloc-threads",
                          "Number of CPU threads to use for prealloc "
                          "(accepted; preallocation runs in one thread)",
                          1, 256, 1, flags));
    g_object_class_install_property(gc, HOST_MEMORY_BACKEND_PROP_DUMP,
        g_param_spec_boolean("dump", "dump",
                             "Set to 'off' to exclude from core dump",
                             TRUE, flags));
    g_object_class_install_property(gc, HOST_MEMORY_BACKEND_PROP_MERGE,
        g_param_spec_boolean("merge", "merge",
                             "Mark memory as mergeable (KSM)", TRUE, flags));
}

static void host_memory_backend_class_init(HostMemoryBackendClass *klass)
{
    GObjectClass *gc = G_OBJECT_CLASS(klass);
    ObjectClass *oc = QOM_OBJECT_CLASS(klass);

    gc->set_property = host_memory_backend_set_property;
    gc->get_property = host_memory_backend_get_property;
    gc->finalize = host_memory_backend_finalize;
    oc->type_name = "memory-backend";
    oc->complete = host_memory_backend_complete;
    oc->unparent = host_memory_backend_unparent;
    host_memory_backend_install_properties(gc);
}

static void host_memory_backend_init(HostMemoryBackend *b)
{
    HostMemoryBackendPrivate *priv = GET_PRIV(b);

    priv->prealloc_threads = 1;
    priv->dump = true;
    priv->merge = true;
}

void host_memory_backend_class_add_share(GObjectClass *klass, bool def)
{
    g_object_class_install_property(klass, HOST_MEMORY_BACKEND_PROP_SHARE,
        g_param_spec_boolean("share", "share",
                             "Mark the memory as private or shared",
                             def, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}

void host_memory_backend_set_share(HostMemoryBackend *backend, bool share)
{
    GET_PRIV(backend)->share = share;
}

bool host_memory_backend_get_share(HostMemoryBackend *backend)
{
    return GET_PRIV(backend)->share;
}

MemoryRegion *host_memory_backend_get_memory(HostMemoryBackend *backend)
{
    return GET_PRIV(backend)->mr;
}

uint64_t host_memory_backend_get_size(HostMemoryBackend *backend)
{
    return GET_PRIV(backend)->size;
}

uint64_t host_memory_backend_get_page_size(HostMemoryBackend *backend)
{
    return GET_PRIV(backend)->page_size;
}

void hostmem_register_types(TypeTable *tt)
{
    type_table_add(tt, host_memory_backend_file_get_type());
    type_table_add(tt, host_memory_backend_memfd_get_type());
    type_table_add(tt, host_memory_backend_ram_get_type());
}
