/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memory-backend-memfd: memory from memfd_create(), shared by default,
 * optionally on hugetlbfs pages, sealed against resizing by default.
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "qom/object-props.h"
#include "system/hostmem.h"
#include "system/machine.h"
#include "util/error.h"

#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT 26
#endif

enum {
    PROP_HUGETLB = HOST_MEMORY_BACKEND_PROP_LAST,
    PROP_HUGETLBSIZE,
    PROP_SEAL,
};

G_DECLARE_FINAL_TYPE(HostMemoryBackendMemfd, host_memory_backend_memfd, HOST,
                     MEMORY_BACKEND_MEMFD, HostMemoryBackend)

struct _HostMemoryBackendMemfd {
    HostMemoryBackend parent;
    bool hugetlb;
    uint64_t hugetlbsize;
    bool seal;
};

G_DEFINE_TYPE(HostMemoryBackendMemfd, host_memory_backend_memfd,
              TYPE_MEMORY_BACKEND)

/* Check the hugetlb options. Return: the page size, 0 on error */
static uint64_t memfd_page_size(HostMemoryBackendMemfd *self, uint64_t size,
                                GError **errp)
{
    uint64_t page = self->hugetlbsize;

    if (!self->hugetlb) {
        if (page) {
            error_setg(errp, MACHINE_ERROR, EINVAL,
                       "Parameter 'hugetlbsize' needs hugetlb=on");
            return 0;
        }
        return (uint64_t)sysconf(_SC_PAGESIZE);
    }
    if (!page) {
        page = UINT64_C(2) << 20;       /* the kernel's default on x86 */
    }
    if (page & (page - 1) || page < 4096) {
        error_setg(errp, MACHINE_ERROR, EINVAL,
                   "Parameter 'hugetlbsize' expects a power of two of at "
                   "least 4K, got %" PRIu64, page);
        return 0;
    }
    if (size % page) {
        error_setg(errp, MACHINE_ERROR, EINVAL,
                   "size 0x%" PRIx64 " is not a multiple of the hugepage "
                   "size 0x%" PRIx64, size, page);
        return 0;
    }
    return page;
}

static int memfd_open(HostMemoryBackendMemfd *self, uint64_t page,
                      GError **errp)
{
    const char *id = object_get_id(QOM_OBJECT(self));
    unsigned flags = MFD_CLOEXEC | (self->seal ? MFD_ALLOW_SEALING : 0);
    int fd;

    if (self->hugetlb) {
        flags |= MFD_HUGETLB | ((unsigned)__builtin_ctzll(page)
                                << MFD_HUGE_SHIFT);
    }
    fd = memfd_create(id, flags);
    if (fd < 0) {
        error_setg_errno(errp, MACHINE_ERROR, errno, "memfd_create '%s'%s",
                         id, self->hugetlb ? " (hugetlb)" : "");
    }
    return fd;
}

static bool memfd_size_and_seal(HostMemoryBackendMemfd *self, int fd,
                                uint64_t size, GError **errp)
{
    const char *id = object_get_id(QOM_OBJECT(self));

    if (ftruncate(fd, (off_t)size)) {
        error_setg_errno(errp, MACHINE_ERROR, errno,
                         "sizing memfd '%s' to 0x%" PRIx64, id, size);
        return false;
    }
    if (self->seal &&
        fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL)) {
        error_setg_errno(errp, MACHINE_ERROR, errno, "sealing memfd '%s'",
                         id);
        return false;
    }
    return true;
}

static bool memfd_backend_alloc(HostMemoryBackend *b, uint64_t size,
                                HostMemoryAlloc *out, GError **errp)
{
    HostMemoryBackendMemfd *self = HOST_MEMORY_BACKEND_MEMFD(b);
    int share = host_memory_backend_get_share(b) ? MAP_SHARED : MAP_PRIVATE;
    uint64_t page = memfd_page_size(self, size, errp);
    void *host;
    int fd;

    if (!page || (fd = memfd_open(self, page, errp)) < 0) {
        return false;
    }
    if (!memfd_size_and_seal(self, fd, size, errp)) {
        close(fd);
        return false;
    }
    host = mmap(NULL, size, PROT_READ | PROT_WRITE, share, fd, 0);
    if (host == MAP_FAILED) {
        error_setg_errno(errp, MACHINE_ERROR, errno,
                         "mapping memfd '%s' (0x%" PRIx64 " bytes)",
                         object_get_id(QOM_OBJECT(b)), size);
        close(fd);
        return false;
    }
    *out = (HostMemoryAlloc) {
        .host = host, .map_len = size, .fd = fd, .page_size = page,
    };
    return true;
}

static void memfd_backend_set_property(GObject *gobj, guint id,
                                       const GValue *value, GParamSpec *pspec)
{
    HostMemoryBackendMemfd *self = HOST_MEMORY_BACKEND_MEMFD(gobj);

    switch (id) {
    case HOST_MEMORY_BACKEND_PROP_SHARE:
        host_memory_backend_set_share(HOST_MEMORY_BACKEND(gobj),
                                      g_value_get_boolean(value));
        break;
    case PROP_HUGETLB:
        self->hugetlb = g_value_get_boolean(value);
        break;
    case PROP_HUGETLBSIZE:
        self->hugetlbsize = g_value_get_uint64(value);
        break;
    case PROP_SEAL:
        self->seal = g_value_get_boolean(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(gobj, id, pspec);
    }
}

static void memfd_backend_get_property(GObject *gobj, guint id, GValue *value,
                                       GParamSpec *pspec)
{
    HostMemoryBackendMemfd *self = HOST_MEMORY_BACKEND_MEMFD(gobj);

    switch (id) {
    case HOST_MEMORY_BACKEND_PROP_SHARE:
        g_value_set_boolean(value, host_memory_backend_get_share(
                                       HOST_MEMORY_BACKEND(gobj)));
        break;
    case PROP_HUGETLB:
        g_value_set_boolean(value, self->hugetlb);
        break;
    case PROP_HUGETLBSIZE:
        g_value_set_uint64(value, self->hugetlbsize);
        break;
    case PROP_SEAL:
        g_value_set_boolean(value, self->seal);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(gobj, id, pspec);
    }
}

static void
host_memory_backend_memfd_class_init(HostMemoryBackendMemfdClass *klass)
{
    const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
    GObjectClass *gc = G_OBJECT_CLASS(klass);
    ObjectClass *oc = QOM_OBJECT_CLASS(klass);

    gc->set_property = memfd_backend_set_property;
    gc->get_property = memfd_backend_get_property;
    oc->type_name = TYPE_MEMORY_BACKEND_MEMFD_NAME;
    oc->description = "RAM from a memfd (shareable by fd)";
    HOST_MEMORY_BACKEND_CLASS(klass)->alloc = memfd_backend_alloc;
    host_memory_backend_class_add_share(gc, true);
    g_object_class_install_property(gc, PROP_HUGETLB,
        g_param_spec_boolean("hugetlb", "hugetlb", "Use huge pages",
                             FALSE, flags));
    object_class_property_add_size(gc, PROP_HUGETLBSIZE, "hugetlbsize",
        "Huge page size (ex: 2M, 1G; 0: 2M)", 0, 0);
    g_object_class_install_property(gc, PROP_SEAL,
        g_param_spec_boolean("seal", "seal",
                             "Seal growing & shrinking", TRUE, flags));
}

static void host_memory_backend_memfd_init(HostMemoryBackendMemfd *self)
{
    self->seal = true;
    host_memory_backend_set_share(HOST_MEMORY_BACKEND(self), true);
}
