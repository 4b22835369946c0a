/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IOMMUFDBackend: the /dev/iommu fd, its users, and one wrapper per ioctl.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/iommufd.h>

#include "system/iommufd.h"
#include "util/error.h"
#include "trace-backends.h"

G_DEFINE_QUARK(vfio-host-iommufd-error, iommufd_error)

#define IOMMUFD_DEV_PATH "/dev/iommu"

struct _IOMMUFDBackend {
    GObject parent;
    char *label;
    char *dev_path;     /* what connect opens when no fd was given */
    int fd;             /* -1 while closed */
    bool given_fd;      /* fd came from the creator */
    bool owned;         /* we close fd: opened it, or told we own it */
    bool checked;       /* a given fd answered IOMMU_OPTION once */
    guint users;
};

G_DEFINE_TYPE(IOMMUFDBackend, iommufd_backend, G_TYPE_OBJECT)

enum {
    PROP_0,
    PROP_LABEL,
    PROP_FD,
    PROP_OWNED,
    N_PROPS
};

static GParamSpec *props[N_PROPS];

static void iommufd_backend_set_property(GObject *obj, guint id,
                                         const GValue *value, GParamSpec *ps)
{
    IOMMUFDBackend *be = IOMMUFD_BACKEND(obj);

    switch (id) {
    case PROP_LABEL:
        g_free(be->label);
        be->label = g_value_dup_string(value);
        break;
    case PROP_FD:
        be->fd = g_value_get_int(value);
        be->given_fd = be->fd >= 0;
        break;
    case PROP_OWNED:
        be->owned = g_value_get_boolean(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, ps);
    }
}

static void iommufd_backend_get_property(GObject *obj, guint id,
                                         GValue *value, GParamSpec *ps)
{
    IOMMUFDBackend *be = IOMMUFD_BACKEND(obj);

    switch (id) {
    case PROP_LABEL:
        g_value_set_string(value, be->label);
        break;
    case PROP_FD:
        g_value_set_int(value, be->fd);
        break;
    case PROP_OWNED:
        g_value_set_boolean(value, be->owned);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, ps);
    }
}

static void iommufd_backend_finalize(GObject *obj)
{
    IOMMUFDBackend *be = IOMMUFD_BACKEND(obj);

    /* Every user holds a reference, so none can be left here. */
    g_warn_if_fail(be->users == 0);
    if (be->fd >= 0 && be->owned) {
        close(be->fd);
    }
    trace_iommufd_backend_finalize(be->label ? be->label : "", be->fd,
                                   be->owned);
    g_free(be->label);
    g_free(be->dev_path);
    G_OBJECT_CLASS(iommufd_backend_parent_class)->finalize(obj);
}

static void iommufd_backend_class_init(IOMMUFDBackendClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                        G_PARAM_STATIC_STRINGS;

    oc->set_property = iommufd_backend_set_property;
    oc->get_property = iommufd_backend_get_property;
    oc->finalize = iommufd_backend_finalize;
    props[PROP_LABEL] = g_param_spec_string("label", "Label",
                                            "name for messages and queries",
                                            NULL, flags);
    props[PROP_FD] = g_param_spec_int("fd", "File descriptor",
                                      "an open /dev/iommu fd, or -1 to open "
                                      "/dev/iommu on first use",
                                      -1, G_MAXINT, -1, flags);
    props[PROP_OWNED] = g_param_spec_boolean("owned", "Owned",
                                             "close the given fd on finalize",
                                             FALSE, flags);
    g_object_class_install_properties(oc, N_PROPS, props);
}

static void iommufd_backend_init(IOMMUFDBackend *be)
{
    be->fd = -1;
    be->dev_path = g_strdup(IOMMUFD_DEV_PATH);
}

IOMMUFDBackend *iommufd_backend_new(const char *label)
{
    return g_object_new(IOMMUFD_TYPE_BACKEND, "label", label, NULL);
}

IOMMUFDBackend *iommufd_backend_new_fd(const char *label, int fd, bool owned)
{
    g_return_val_if_fail(fd >= 0, NULL);
    return g_object_new(IOMMUFD_TYPE_BACKEND, "label", label, "fd", fd,
                        "owned", owned, NULL);
}

void iommufd_backend_set_dev_path(IOMMUFDBackend *be, const char *path)
{
    g_return_if_fail(!be->given_fd && be->users == 0);
    g_free(be->dev_path);
    be->dev_path = g_strdup(path);
}

/*
 * A given fd must be an iommufd: IOMMU_OPTION(RLIMIT_MODE, GET) is valid
 * on every iommufd and on nothing else (a closed fd gives EBADF, another
 * file ENOTTY or EINVAL).
 */
static bool iommufd_backend_check_fd(IOMMUFDBackend *be, GError **errp)
{
    g_autoptr(GError) err = NULL;
    uint64_t mode;

    if (be->checked) {
        return true;
    }
    if (!iommufd_backend_get_option(be, IOMMU_OPTION_RLIMIT_MODE, 0, &mode,
                                    &err)) {
        g_set_error(errp, IOMMUFD_ERROR, err->code,
                    "iommufd %s: fd %d is not an open iommufd (%s)",
                    be->label ? be->label : "", be->fd, err->message);
        return false;
    }
    be->checked = true;
    return true;
}

static bool iommufd_backend_open(IOMMUFDBackend *be, GError **errp)
{
    int fd = open(be->dev_path, O_RDWR | O_CLOEXEC);

    if (fd < 0) {
        error_setg_errno(errp, IOMMUFD_ERROR, errno, "iommufd %s: open %s",
                         be->label ? be->label : "", be->dev_path);
        return false;
    }
    be->fd = fd;
    be->owned = true;
    return true;
}

bool iommufd_backend_connect(IOMMUFDBackend *be, GError **errp)
{
    bool ok = true;

    if (be->users == 0) {
        ok = be->given_fd ? iommufd_backend_check_fd(be, errp)
                          : iommufd_backend_open(be, errp);
    }
    if (ok) {
        be->users++;
    }
    trace_iommufd_backend_connect(be->label ? be->label : "", be->fd,
                                  be->users, ok);
    return ok;
}

void iommufd_backend_disconnect(IOMMUFDBackend *be)
{
    g_return_if_fail(be->users > 0);
    be->users--;
    if (be->users == 0 && !be->given_fd && be->fd >= 0) {
        close(be->fd);
        be->fd = -1;
        be->owned = false;
    }
    trace_iommufd_backend_disconnect(be->label ? be->label : "", be->fd,
                                     be->users);
}

guint iommufd_backend_users(IOMMUFDBackend *be)
{
    return be->users;
}

bool iommufd_backend_can_be_deleted(IOMMUFDBackend *be)
{
    return be->users == 0;
}

int iommufd_backend_get_fd(IOMMUFDBackend *be)
{
    return be->fd;
}

const char *iommufd_backend_get_label(IOMMUFDBackend *be)
{
    return be->label;
}

bool iommufd_backend_owns_fd(IOMMUFDBackend *be)
{
    return be->owned;
}

/* ---- one wrapper per ioctl ---------------------------------------------- */

bool iommufd_backend_alloc_ioas(IOMMUFDBackend *be, uint32_t *ioas_id,
                                GError **errp)
{
    struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
    int ret = ioctl(be->fd, IOMMU_IOAS_ALLOC, &cmd);
    int err = ret ? errno : 0;

    trace_iommufd_backend_alloc_ioas(be->fd, cmd.out_ioas_id, -err);
    if (ret) {
        error_setg_errno(errp, IOMMUFD_ERROR, err, "IOMMU_IOAS_ALLOC");
        return false;
    }
    *ioas_id = cmd.out_ioas_id;
    return true;
}

bool iommufd_backend_destroy(IOMMUFDBackend *be, uint32_t id, GError **errp)
{
    struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };
    int ret = ioctl(be->fd, IOMMU_DESTROY, &cmd);
    int err = ret ? errno : 0;

    trace_iommufd_backend_destroy(be->fd, id, -err);
    if (ret) {
        error_setg_errno(errp, IOMMUFD_ERROR, err, "IOMMU_DESTROY id %u", id);
        return false;
    }
    return true;
}

static uint32_t map_flags(bool readonly)
{
    return IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
           (readonly ? 0 : IOMMU_IOAS_MAP_WRITEABLE);
}

bool iommufd_backend_map_dma(IOMMUFDBackend *be, uint32_t ioas_id,
                             uint64_t iova, uint64_t size, void *vaddr,
                             bool readonly, GError **errp)
{
    struct iommu_ioas_map cmd = {
        .size = sizeof(cmd),
        .flags = map_flags(readonly),
        .ioas_id = ioas_id,
        .user_va = (uintptr_t)vaddr,
        .length = size,
        .iova = iova,
    };
    int ret = ioctl(be->fd, IOMMU_IOAS_MAP, &cmd);
    int err = ret ? errno : 0;

    trace_iommufd_backend_map_dma(be->fd, ioas_id, iova, size,
                                  (uintptr_t)vaddr, readonly, -err);
    if (ret) {
        error_setg_errno(errp, IOMMUFD_ERROR, err,
                         "IOMMU_IOAS_MAP ioas %u iova 0x%" PRIx64
                         " size 0x%" PRIx64 " vaddr %p", ioas_id, iova, size,
                         vaddr);
        return false;
    }
    return true;
}

bool iommufd_backend_copy_dma(IOMMUFDBackend *be, uint32_t src_ioas_id,
                              uint32_t dst_ioas_id, uint64_t iova,
                              uint64_t size, bool readonly, GError **errp)
{
    struct iommu_ioas_copy cmd = {
        .size = sizeof(cmd),
        .flags = map_flags(readonly),
        .dst_ioas_id = dst_ioas_id,
        .src_ioas_id = src_ioas_id,
        .length = size,
        .dst_iova = iova,
        .src_iova = iova,
    };
    int ret = ioctl(be->fd, IOMMU_IOAS_COPY, &cmd);
    int err = ret ? errno : 0;

    trace_iommufd_backend_copy_dma(be->fd, src_ioas_id, dst_ioas_id, iova,
                                   size, readonly, -err);
    if (ret) {
        error_setg_errno(errp, IOMMUFD_ERROR, err,
                         "IOMMU_IOAS_COPY ioas %u -> %u iova 0x%" PRIx64
                         " size 0x%" PRIx64, src_ioas_id, dst_ioas_id, iova,
                         size);
        return false;
    }
    return true;
}

bool iommufd_backend_unmap_dma(IOMMUFDBackend *be, uint32_t ioas_id,
                               uint64_t iova, uint64_t size,
                               uint64_t *unmapped, GError **errp)
{
    struct iommu_ioas_unmap cmd = {
        .size = sizeof(cmd),
        .ioas_id = ioas_id,
        .iova = iova,
        .length = size,
    };
    int ret = ioctl(be->fd, IOMMU_IOAS_UNMAP, &cmd);
    int err = ret ? errno : 0;

    trace_iommufd_backend_unmap_dma(be->fd, ioas_id, iova, size, cmd.length,
                                    -err);
    /*
     * ENOENT means "no area in the range" (or an area only partly inside
     * it, which our callers never ask for: they unmap exactly what they
     * mapped).  Removing nothing is what type1 reports as success with
     * size 0, so both backends look the same to the listener: an unmap of
     * something already gone is not an error.
     */
    if (ret && err == ENOENT) {
        cmd.length = 0;
    } else if (ret) {
        error_setg_errno(errp, IOMMUFD_ERROR, err,
                         "IOMMU_IOAS_UNMAP ioas %u iova 0x%" PRIx64
                         " size 0x%" PRIx64, ioas_id, iova, size);
        return false;
    }
    if (unmapped) {
        *unmapped = cmd.length;
    }
    return true;
}

/* One IOMMU_IOAS_IOVA_RANGES call; raw -errno because EMSGSIZE drives the
 * two-pass protocol of the caller. */
static int iova_ranges_once(IOMMUFDBackend *be, uint32_t ioas_id,
                            GArray *ranges, uint32_t *count,
                            uint64_t *alignment)
{
    struct iommu_ioas_iova_ranges cmd = {
        .size = sizeof(cmd),
        .ioas_id = ioas_id,
        .num_iovas = ranges->len,
        .allowed_iovas = (uintptr_t)ranges->data,
    };
    int ret = ioctl(be->fd, IOMMU_IOAS_IOVA_RANGES, &cmd);
    int err = ret ? errno : 0;

    trace_iommufd_backend_get_iova_ranges(be->fd, ioas_id, ranges->len,
                                          cmd.num_iovas,
                                          cmd.out_iova_alignment, -err);
    *count = cmd.num_iovas;
    *alignment = cmd.out_iova_alignment;
    return -err;
}

bool iommufd_backend_get_iova_ranges(IOMMUFDBackend *be, uint32_t ioas_id,
                                     GArray **ranges, uint64_t *alignment,
                                     guint *calls, GError **errp)
{
    g_autoptr(GArray) out = g_array_new(FALSE, TRUE,
                                        sizeof(struct iommu_iova_range));
    uint64_t align = 0;
    uint32_t count = 0;
    guint n = 0;
    int ret = 0;

    /* Room for the usual few ranges first; on EMSGSIZE the kernel said how
     * many there are: retry with that much (bounded: it cannot keep
     * growing). */
    g_array_set_size(out, 4);
    while (n < 8) {
        n++;
        ret = iova_ranges_once(be, ioas_id, out, &count, &align);
        if (ret != -EMSGSIZE) {
            break;
        }
        g_array_set_size(out, count);
    }
    if (calls) {
        *calls = n;
    }
    if (ret) {
        error_setg_errno(errp, IOMMUFD_ERROR, -ret,
                         "IOMMU_IOAS_IOVA_RANGES ioas %u", ioas_id);
        return false;
    }
    g_array_set_size(out, count);
    /* struct iommu_iova_range and IOMMUFDIovaRange have the same layout */
    G_STATIC_ASSERT(sizeof(IOMMUFDIovaRange) ==
                    sizeof(struct iommu_iova_range));
    *ranges = g_steal_pointer(&out);
    if (alignment) {
        *alignment = align;
    }
    return true;
}

static bool iommufd_option(IOMMUFDBackend *be, uint16_t op, uint32_t option,
                           uint32_t object_id, uint64_t *val, GError **errp)
{
    struct iommu_option cmd = {
        .size = sizeof(cmd),
        .option_id = option,
        .op = op,
        .object_id = object_id,
        .val64 = *val,
    };
    int ret = ioctl(be->fd, IOMMU_OPTION, &cmd);
    int err = ret ? errno : 0;

    trace_iommufd_backend_option(be->fd, op, option, object_id, cmd.val64,
                                 -err);
    if (ret) {
        error_setg_errno(errp, IOMMUFD_ERROR, err,
                         "IOMMU_OPTION %s option %u object %u",
                         op == IOMMU_OPTION_OP_GET ? "GET" : "SET", option,
                         object_id);
        return false;
    }
    *val = cmd.val64;
    return true;
}

bool iommufd_backend_get_option(IOMMUFDBackend *be, uint32_t option,
                                uint32_t object_id, uint64_t *val,
                                GError **errp)
{
    *val = 0;
    return iommufd_option(be, IOMMU_OPTION_OP_GET, option, object_id, val,
                          errp);
}

bool iommufd_backend_set_option(IOMMUFDBackend *be, uint32_t option,
                                uint32_t object_id, uint64_t val,
                                GError **errp)
{
    return iommufd_option(be, IOMMU_OPTION_OP_SET, option, object_id, &val,
                          errp);
}

bool iommufd_backend_get_hw_info(IOMMUFDBackend *be, uint32_t dev_id,
                                 uint32_t *type, void *data,
                                 uint32_t *data_len, uint64_t *caps,
                                 GError **errp)
{
    struct iommu_hw_info cmd = {
        .size = sizeof(cmd),
        .dev_id = dev_id,
        .data_len = *data_len,
        .data_uptr = (uintptr_t)data,
    };
    int ret = ioctl(be->fd, IOMMU_GET_HW_INFO, &cmd);
    int err = ret ? errno : 0;

    trace_iommufd_backend_get_hw_info(be->fd, dev_id, cmd.out_data_type,
                                      cmd.out_capabilities, -err);
    if (ret) {
        error_setg_errno(errp, IOMMUFD_ERROR, err,
                         "IOMMU_GET_HW_INFO dev %u", dev_id);
        return false;
    }
    *type = cmd.out_data_type;
    *data_len = cmd.data_len;
    *caps = cmd.out_capabilities;
    return true;
}

bool iommufd_backend_alloc_hwpt(IOMMUFDBackend *be, uint32_t dev_id,
                                uint32_t pt_id, uint32_t flags,
                                uint32_t data_type, uint32_t data_len,
                                void *data, uint32_t *hwpt_id, GError **errp)
{
    struct iommu_hwpt_alloc cmd = {
        .size = sizeof(cmd),
        .flags = flags,
        .dev_id = dev_id,
        .pt_id = pt_id,
        .data_type = data_type,
        .data_len = data_len,
        .data_uptr = (uintptr_t)data,
    };
    int ret = ioctl(be->fd, IOMMU_HWPT_ALLOC, &cmd);
    int err = ret ? errno : 0;

    trace_iommufd_backend_alloc_hwpt(be->fd, dev_id, pt_id, flags,
                                     cmd.out_hwpt_id, -err);
    if (ret) {
        error_setg_errno(errp, IOMMUFD_ERROR, err,
                         "IOMMU_HWPT_ALLOC dev %u pt %u flags 0x%x", dev_id,
                         pt_id, flags);
        return false;
    }
    *hwpt_id = cmd.out_hwpt_id;
    return true;
}

bool iommufd_backend_set_dirty_tracking(IOMMUFDBackend *be, uint32_t hwpt_id,
                                        bool start, GError **errp)
{
    struct iommu_hwpt_set_dirty_tracking cmd = {
        .size = sizeof(cmd),
        .flags = start ? IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0,
        .hwpt_id = hwpt_id,
    };
    int ret = ioctl(be->fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &cmd);
    int err = ret ? errno : 0;

    trace_iommufd_backend_set_dirty_tracking(be->fd, hwpt_id, start, -err);
    if (ret) {
        error_setg_errno(errp, IOMMUFD_ERROR, err,
                         "IOMMU_HWPT_SET_DIRTY_TRACKING hwpt %u %s", hwpt_id,
                         start ? "enable" : "disable");
        return false;
    }
    return true;
}

bool iommufd_backend_get_dirty_bitmap(IOMMUFDBackend *be, uint32_t hwpt_id,
                                      uint64_t iova, uint64_t size,
                                      uint64_t page_size, uint64_t *bitmap,
                                      GError **errp)
{
    struct iommu_hwpt_get_dirty_bitmap cmd = {
        .size = sizeof(cmd),
        .hwpt_id = hwpt_id,
        .iova = iova,
        .length = size,
        .page_size = page_size,
        .data = (uintptr_t)bitmap,
    };
    int ret = ioctl(be->fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &cmd);
    int err = ret ? errno : 0;

    trace_iommufd_backend_get_dirty_bitmap(be->fd, hwpt_id, iova, size,
                                           page_size, -err);
    if (ret) {
        error_setg_errno(errp, IOMMUFD_ERROR, err,
                         "IOMMU_HWPT_GET_DIRTY_BITMAP hwpt %u iova 0x%" PRIx64
                         " size 0x%" PRIx64, hwpt_id, iova, size);
        return false;
    }
    return true;
}
