/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memory-backend-file: memory from a file (tmpfs, hugetlbfs, a DAX
 * device...), opened through the fd registry so /dev/fdset/N works.  A
 * directory as mem-path gets an unlinked temporary file in it.
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "qom/object-props.h"
#include "qom/object-registry.h"
#include "system/hostmem.h"
#include "system/machine.h"
#include "util/error.h"

enum {
    PROP_MEM_PATH = HOST_MEMORY_BACKEND_PROP_LAST,
    PROP_READONLY,
    PROP_DISCARD_DATA,
};

G_DECLARE_FINAL_TYPE(HostMemoryBackendFile, host_memory_backend_file, HOST,
                     MEMORY_BACKEND_FILE, HostMemoryBackend)

struct _HostMemoryBackendFile {
    HostMemoryBackend parent;
    char *mem_path;
    bool readonly;
    bool discard_data;
    void *host;             /* for discard-data at unparent */
    uint64_t size;
};

G_DEFINE_TYPE(HostMemoryBackendFile, host_memory_backend_file,
              TYPE_MEMORY_BACKEND)

static int file_open_tmp(HostMemoryBackendFile *self, GError **errp)
{
    g_autofree char *tmpl = g_strdup_printf("%s/vfio-host_%s_XXXXXX",
        self->mem_path, object_get_id(QOM_OBJECT(self)));
    int fd = g_mkstemp_full(tmpl, O_RDWR | O_CLOEXEC, 0600);

    if (fd < 0) {
        error_setg_errno(errp, MACHINE_ERROR, errno,
                         "creating a file in mem-path '%s'", self->mem_path);
        return -1;
    }
    unlink(tmpl);
    return fd;
}

static int file_open(HostMemoryBackendFile *self, GError **errp)
{
    ObjectRegistry *reg = object_get_registry(QOM_OBJECT(self));
    int flags = self->readonly ? O_RDONLY : O_RDWR | O_CREAT;

    if (g_file_test(self->mem_path, G_FILE_TEST_IS_DIR)) {
        if (self->readonly) {
            error_setg(errp, MACHINE_ERROR, EINVAL,
                       "mem-path '%s' is a directory: readonly=on needs a "
                       "file", self->mem_path);
            return -1;
        }
        return file_open_tmp(self, errp);
    }
    return fd_registry_open(object_registry_fds(reg), self->mem_path, flags,
                            errp);
}

/* Grow an empty file to @size; refuse a file that is too small */
static bool file_check_size(HostMemoryBackendFile *self, int fd,
                            uint64_t size, GError **errp)
{
    struct stat st;

    if (fstat(fd, &st)) {
        error_setg_errno(errp, MACHINE_ERROR, errno, "stat '%s'",
                         self->mem_path);
        return false;
    }
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size >= size) {
        return true;
    }
    if (st.st_size == 0 && !self->readonly) {
        if (ftruncate(fd, (off_t)size) == 0) {
            return true;
        }
        error_setg_errno(errp, MACHINE_ERROR, errno, "sizing '%s'",
                         self->mem_path);
        return false;
    }
    error_setg(errp, MACHINE_ERROR, EINVAL,
               "backing store %s size 0x%" PRIx64 " does not match "
               "'size' option 0x%" PRIx64, self->mem_path,
               (uint64_t)st.st_size, size);
    return false;
}

static uint64_t file_page_size(int fd)
{
    struct statfs fs;

    if (fstatfs(fd, &fs) == 0 && fs.f_type == HUGETLBFS_MAGIC) {
        return (uint64_t)fs.f_bsize;
    }
    return (uint64_t)sysconf(_SC_PAGESIZE);
}

static bool file_backend_alloc(HostMemoryBackend *b, uint64_t size,
                               HostMemoryAlloc *out, GError **errp)
{
    HostMemoryBackendFile *self = HOST_MEMORY_BACKEND_FILE(b);
    int prot = PROT_READ | (self->readonly ? 0 : PROT_WRITE);
    int share = host_memory_backend_get_share(b) ? MAP_SHARED : MAP_PRIVATE;
    int fd = file_open(self, errp);
    void *host;

    if (fd < 0) {
        return false;
    }
    if (!file_check_size(self, fd, size, errp)) {
        close(fd);
        return false;
    }
    host = mmap(NULL, size, prot, share, fd, 0);
    if (host == MAP_FAILED) {
        error_setg_errno(errp, MACHINE_ERROR, errno,
                         "mapping '%s' (0x%" PRIx64 " bytes)",
                         self->mem_path, size);
        close(fd);
        return false;
    }
    *out = (HostMemoryAlloc) {
        .host = host, .map_len = size, .fd = fd,
        .page_size = file_page_size(fd), .readonly = self->readonly,
    };
    self->host = host;
    self->size = size;
    return true;
}

static void file_backend_unparent(Object *obj)
{
    HostMemoryBackendFile *self = HOST_MEMORY_BACKEND_FILE(obj);

    /* discard-data: the contents need not be written back */
    if (self->discard_data && self->host && !self->readonly) {
        madvise(self->host, self->size, MADV_REMOVE);
    }
    self->host = NULL;
    QOM_OBJECT_CLASS(host_memory_backend_file_parent_class)->unparent(obj);
}

static void file_backend_finalize(GObject *gobj)
{
    g_free(HOST_MEMORY_BACKEND_FILE(gobj)->mem_path);
    G_OBJECT_CLASS(host_memory_backend_file_parent_class)->finalize(gobj);
}

static void file_backend_set_property(GObject *gobj, guint id,
                                      const GValue *value, GParamSpec *pspec)
{
    HostMemoryBackendFile *self = HOST_MEMORY_BACKEND_FILE(gobj);

    switch (id) {
    case HOST_MEMORY_BACKEND_PROP_SHARE:
        host_memory_backend_set_share(HOST_MEMORY_BACKEND(gobj),
                                      g_value_get_boolean(value));
        break;
    case PROP_MEM_PATH:
        g_free(self->mem_path);
        self->mem_path = g_value_dup_string(value);
        break;
    case PROP_READONLY:
        self->readonly = g_value_get_boolean(value);
        break;
    case PROP_DISCARD_DATA:
        self->discard_data = g_value_get_boolean(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(gobj, id, pspec);
    }
}

static void file_backend_get_property(GObject *gobj, guint id, GValue *value,
                                      GParamSpec *pspec)
{
    HostMemoryBackendFile *self = HOST_MEMORY_BACKEND_FILE(gobj);

    switch (id) {
    case HOST_MEMORY_BACKEND_PROP_SHARE:
        g_value_set_boolean(value, host_memory_backend_get_share(
                                       HOST_MEMORY_BACKEND(gobj)));
        break;
    case PROP_MEM_PATH:
        g_value_set_string(value, self->mem_path);
        break;
    case PROP_READONLY:
        g_value_set_boolean(value, self->readonly);
        break;
    case PROP_DISCARD_DATA:
        g_value_set_boolean(value, self->discard_data);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(gobj, id, pspec);
    }
}

static void file_backend_install_properties(GObjectClass *gc)
{
    const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
    GParamSpec *pspec;

    host_memory_backend_class_add_share(gc, false);
    pspec = g_param_spec_string("mem-path", "mem-path",
        "File (or directory for a temporary file) to back the memory; "
        "/dev/fdset/N for an fd set", NULL, flags);
    g_object_class_install_property(gc, PROP_MEM_PATH, pspec);
    object_property_set_required(pspec);
    g_object_class_install_property(gc, PROP_READONLY,
        g_param_spec_boolean("readonly", "readonly",
                             "Map the file read-only", FALSE, flags));
    g_object_class_install_property(gc, PROP_DISCARD_DATA,
        g_param_spec_boolean("discard-data", "discard-data",
                             "Discard the contents when the backend goes "
                             "away", FALSE, flags));
}

static void
host_memory_backend_file_class_init(HostMemoryBackendFileClass *klass)
{
    GObjectClass *gc = G_OBJECT_CLASS(klass);
    ObjectClass *oc = QOM_OBJECT_CLASS(klass);

    gc->set_property = file_backend_set_property;
    gc->get_property = file_backend_get_property;
    gc->finalize = file_backend_finalize;
    oc->type_name = TYPE_MEMORY_BACKEND_FILE_NAME;
    oc->description = "RAM from a file (tmpfs, hugetlbfs, /dev/fdset/N)";
    oc->unparent = file_backend_unparent;
    HOST_MEMORY_BACKEND_CLASS(klass)->alloc = file_backend_alloc;
    file_backend_install_properties(gc);
}

static void host_memory_backend_file_init(HostMemoryBackendFile *self)
{
}
