/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memory-backend-ram: anonymous memory (private, or shared with share=on).
 */
#include <errno.h>
#include <inttypes.h>
#include <sys/mman.h>
#include <unistd.h>

#include "system/hostmem.h"
#include "system/machine.h"
#include "util/error.h"

G_DECLARE_FINAL_TYPE(HostMemoryBackendRam, host_memory_backend_ram, HOST,
                     MEMORY_BACKEND_RAM, HostMemoryBackend)

struct _HostMemoryBackendRam {
    HostMemoryBackend parent;
};

G_DEFINE_TYPE(HostMemoryBackendRam, host_memory_backend_ram,
              TYPE_MEMORY_BACKEND)

static bool ram_backend_alloc(HostMemoryBackend *b, uint64_t size,
                              HostMemoryAlloc *out, GError **errp)
{
    int flags = MAP_ANONYMOUS |
                (host_memory_backend_get_share(b) ? MAP_SHARED : MAP_PRIVATE);
    void *host = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0);

    if (host == MAP_FAILED) {
        error_setg_errno(errp, MACHINE_ERROR, errno,
                         "mapping 0x%" PRIx64 " bytes of anonymous memory "
                         "for '%s'", size, object_get_id(QOM_OBJECT(b)));
        return false;
    }
    *out = (HostMemoryAlloc) {
        .host = host, .map_len = size, .fd = -1,
        .page_size = (uint64_t)sysconf(_SC_PAGESIZE),
    };
    return true;
}

static void ram_backend_set_property(GObject *gobj, guint id,
                                     const GValue *value, GParamSpec *pspec)
{
    if (id == HOST_MEMORY_BACKEND_PROP_SHARE) {
        host_memory_backend_set_share(HOST_MEMORY_BACKEND(gobj),
                                      g_value_get_boolean(value));
    } else {
        G_OBJECT_WARN_INVALID_PROPERTY_ID(gobj, id, pspec);
    }
}

static void ram_backend_get_property(GObject *gobj, guint id, GValue *value,
                                     GParamSpec *pspec)
{
    if (id == HOST_MEMORY_BACKEND_PROP_SHARE) {
        g_value_set_boolean(value, host_memory_backend_get_share(
                                       HOST_MEMORY_BACKEND(gobj)));
    } else {
        G_OBJECT_WARN_INVALID_PROPERTY_ID(gobj, id, pspec);
    }
}

static void host_memory_backend_ram_class_init(HostMemoryBackendRamClass *klass)
{
    GObjectClass *gc = G_OBJECT_CLASS(klass);
    ObjectClass *oc = QOM_OBJECT_CLASS(klass);

    gc->set_property = ram_backend_set_property;
    gc->get_property = ram_backend_get_property;
    oc->type_name = TYPE_MEMORY_BACKEND_RAM_NAME;
    oc->description = "RAM from anonymous host memory";
    HOST_MEMORY_BACKEND_CLASS(klass)->alloc = ram_backend_alloc;
    host_memory_backend_class_add_share(gc, false);
}

static void host_memory_backend_ram_init(HostMemoryBackendRam *self)
{
}
