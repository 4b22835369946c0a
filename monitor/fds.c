/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fd registry: named fds (getfd), fd sets (add-fd, /dev/fdset/N) and
 * the resolution of fd= parameters.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "monitor/fds.h"
#include "util/error.h"
#include "trace-monitor.h"

#define FDSET_PREFIX "/dev/fdset/"

G_DEFINE_QUARK(vfio-host-fds-error, fds_error)

typedef struct FdSetMember {
    int fd;
    char *opaque;
} FdSetMember;

typedef struct FdSet {
    gint64 id;
    GArray *members;            /* FdSetMember */
} FdSet;

struct FdRegistry {
    GHashTable *named;          /* name -> fd (GINT_TO_POINTER) */
    GList *sets;                /* FdSet, by increasing id */
};

static void close_named(gpointer data)
{
    close(GPOINTER_TO_INT(data));
}

static void fd_set_member_clear(gpointer data)
{
    FdSetMember *m = data;

    close(m->fd);
    g_free(m->opaque);
}

static FdSet *fd_set_new(gint64 id)
{
    FdSet *set = g_new0(FdSet, 1);

    set->id = id;
    set->members = g_array_new(false, false, sizeof(FdSetMember));
    g_array_set_clear_func(set->members, fd_set_member_clear);
    return set;
}

static void fd_set_free(gpointer data)
{
    FdSet *set = data;

    g_array_unref(set->members);
    g_free(set);
}

FdRegistry *fd_registry_new(void)
{
    FdRegistry *fds = g_new0(FdRegistry, 1);

    fds->named = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                       close_named);
    return fds;
}

void fd_registry_free(FdRegistry *fds)
{
    if (!fds) {
        return;
    }
    g_hash_table_unref(fds->named);
    g_list_free_full(fds->sets, fd_set_free);
    g_free(fds);
}

void fd_registry_add_named(FdRegistry *fds, const char *name, int fd)
{
    trace_fd_registry_add_named(name, fd);
    g_hash_table_replace(fds->named, g_strdup(name), GINT_TO_POINTER(fd));
}

bool fd_registry_close_named(FdRegistry *fds, const char *name,
                             GError **errp)
{
    if (!g_hash_table_remove(fds->named, name)) {
        error_setg(errp, FDS_ERROR, ENOENT,
                   "File descriptor named '%s' not found", name);
        return false;
    }
    trace_fd_registry_close_named(name);
    return true;
}

/* Take the fd named @name out of the registry; -1 if there is none. */
static int steal_named(FdRegistry *fds, const char *name)
{
    gpointer key, value;

    if (!g_hash_table_steal_extended(fds->named, name, &key, &value)) {
        return -1;
    }
    g_free(key);
    return GPOINTER_TO_INT(value);
}

static bool resolve_number(const char *value, FdParam *out, GError **errp)
{
    guint64 n;

    if (!g_ascii_string_to_unsigned(value, 10, 0, G_MAXINT, &n, NULL)) {
        error_setg(errp, FDS_ERROR, EINVAL,
                   "'%s' is not a valid file descriptor number", value);
        return false;
    }
    if (fcntl((int)n, F_GETFD) < 0) {
        error_setg_errno(errp, FDS_ERROR, EBADF,
                         "file descriptor %s is not open", value);
        return false;
    }
    out->fd = (int)n;
    out->owned = false;
    return true;
}

bool fd_param_resolve(FdRegistry *fds, const char *value, FdParam *out,
                      GError **errp)
{
    int fd;

    if (!value || !*value) {
        error_setg(errp, FDS_ERROR, EINVAL,
                   "fd needs a file descriptor number or a name from getfd");
        return false;
    }
    if (g_ascii_isdigit(value[0]) || value[0] == '-') {
        return resolve_number(value, out, errp);
    }
    fd = steal_named(fds, value);
    if (fd < 0) {
        error_setg(errp, FDS_ERROR, ENOENT,
                   "File descriptor named '%s' has not been found", value);
        return false;
    }
    trace_fd_param_resolve(value, fd);
    out->fd = fd;
    out->owned = true;
    return true;
}

void fd_param_release(FdParam *p)
{
    if (p->owned && p->fd >= 0) {
        close(p->fd);
    }
    p->fd = -1;
    p->owned = false;
}

static FdSet *find_set(FdRegistry *fds, gint64 id)
{
    for (GList *l = fds->sets; l; l = l->next) {
        FdSet *set = l->data;

        if (set->id == id) {
            return set;
        }
    }
    return NULL;
}

static gint compare_sets(gconstpointer a, gconstpointer b)
{
    const FdSet *sa = a, *sb = b;

    return (sa->id > sb->id) - (sa->id < sb->id);
}

/* The lowest id no set has, as QEMU picks it. */
static gint64 lowest_free_id(FdRegistry *fds)
{
    gint64 id = 0;

    for (GList *l = fds->sets; l; l = l->next) {
        FdSet *set = l->data;

        if (set->id != id) {
            break;
        }
        id++;
    }
    return id;
}

gint64 fd_registry_add_to_set(FdRegistry *fds, gint64 fdset_id, int fd,
                              const char *opaque)
{
    FdSetMember m = { .fd = fd, .opaque = g_strdup(opaque) };
    FdSet *set;

    g_return_val_if_fail(fdset_id >= -1, -1);
    if (fdset_id < 0) {
        fdset_id = lowest_free_id(fds);
    }
    set = find_set(fds, fdset_id);
    if (!set) {
        set = fd_set_new(fdset_id);
        fds->sets = g_list_insert_sorted(fds->sets, set, compare_sets);
    }
    g_array_append_val(set->members, m);
    trace_fd_set_add(fdset_id, fd);
    return fdset_id;
}

static bool remove_member(FdSet *set, int fd)
{
    for (guint i = 0; i < set->members->len; i++) {
        if (g_array_index(set->members, FdSetMember, i).fd == fd) {
            g_array_remove_index(set->members, i);
            return true;
        }
    }
    return false;
}

bool fd_registry_remove_from_set(FdRegistry *fds, gint64 fdset_id, int fd,
                                 GError **errp)
{
    FdSet *set = find_set(fds, fdset_id);

    if (set && fd < 0) {
        g_array_set_size(set->members, 0);
    } else if (!set || !remove_member(set, fd)) {
        if (fd < 0) {
            error_setg(errp, FDS_ERROR, ENOENT, "File descriptor named "
                       "'fdset-id:%" G_GINT64_FORMAT "' not found", fdset_id);
        } else {
            error_setg(errp, FDS_ERROR, ENOENT, "File descriptor named "
                       "'fdset-id:%" G_GINT64_FORMAT ", fd:%d' not found",
                       fdset_id, fd);
        }
        return false;
    }
    trace_fd_set_remove(fdset_id, fd);
    if (set->members->len == 0) {
        fds->sets = g_list_remove(fds->sets, set);
        fd_set_free(set);
    }
    return true;
}

static JsonNode *set_to_json(const FdSet *set)
{
    g_autoptr(JsonBuilder) b = json_builder_new_immutable();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "fdset-id");
    json_builder_add_int_value(b, set->id);
    json_builder_set_member_name(b, "fds");
    json_builder_begin_array(b);
    for (guint i = 0; i < set->members->len; i++) {
        const FdSetMember *m = &g_array_index(set->members, FdSetMember, i);

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "fd");
        json_builder_add_int_value(b, m->fd);
        if (m->opaque) {
            json_builder_set_member_name(b, "opaque");
            json_builder_add_string_value(b, m->opaque);
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

JsonNode *fd_registry_query_sets(FdRegistry *fds)
{
    JsonArray *arr = json_array_new();
    JsonNode *node = json_node_new(JSON_NODE_ARRAY);

    for (GList *l = fds->sets; l; l = l->next) {
        json_array_add_element(arr, set_to_json(l->data));
    }
    json_node_take_array(node, arr);
    return node;
}

static const char *accmode_name(int flags)
{
    switch (flags & O_ACCMODE) {
    case O_RDONLY:
        return "O_RDONLY";
    case O_WRONLY:
        return "O_WRONLY";
    default:
        return "O_RDWR";
    }
}

/* Dup the member of set @id whose access mode is that of @flags. */
static int open_fdset(FdRegistry *fds, const char *path, const char *id_str,
                      int flags, GError **errp)
{
    guint64 id;
    FdSet *set;

    if (!g_ascii_string_to_unsigned(id_str, 10, 0, G_MAXINT64, &id, NULL)) {
        error_setg(errp, FDS_ERROR, EINVAL, "Could not open '%s': '%s' is "
                   "not an fd set id", path, id_str);
        return -1;
    }
    set = find_set(fds, (gint64)id);
    if (!set) {
        error_setg(errp, FDS_ERROR, ENOENT, "Could not open '%s': fd set "
                   "%s does not exist", path, id_str);
        return -1;
    }
    for (guint i = 0; i < set->members->len; i++) {
        int fd = g_array_index(set->members, FdSetMember, i).fd;
        int fl = fcntl(fd, F_GETFL);

        if (fl >= 0 && (fl & O_ACCMODE) == (flags & O_ACCMODE)) {
            int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);

            if (dup < 0) {
                error_setg_errno(errp, FDS_ERROR, errno,
                                 "Could not open '%s': dup", path);
            }
            return dup;
        }
    }
    error_setg(errp, FDS_ERROR, EACCES, "Could not open '%s': fd set %s has "
               "no fd opened with access mode %s", path, id_str,
               accmode_name(flags));
    return -1;
}

int fd_registry_open(FdRegistry *fds, const char *path, int flags,
                     GError **errp)
{
    int fd;

    if (g_str_has_prefix(path, FDSET_PREFIX)) {
        fd = open_fdset(fds, path, path + strlen(FDSET_PREFIX), flags, errp);
    } else {
        fd = open(path, flags | O_CLOEXEC, 0666);
        if (fd < 0) {
            error_setg_errno(errp, FDS_ERROR, errno, "Could not open '%s'",
                             path);
        }
    }
    trace_fd_registry_open(path, flags, fd);
    return fd;
}
