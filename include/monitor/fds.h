/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * File descriptors handed to the process: named fds (QMP getfd/closefd),
 * fd sets (add-fd/remove-fd/query-fdsets, opened as /dev/fdset/N), and
 * fd= parameters of objects and devices.
 *
 * Ownership rule: an fd the process did not open is never closed by it,
 * unless it was handed over (getfd, add-fd): those belong to the registry,
 * and to whoever takes them from it.
 */
#ifndef MONITOR_FDS_H
#define MONITOR_FDS_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

/* Errors of the fd registry: codes are errno values (ENOENT, EBADF...). */
#define FDS_ERROR fds_error_quark()
GQuark fds_error_quark(void);

typedef struct FdRegistry FdRegistry;

/**
 * fd_registry_new() - create an empty registry
 *
 * Return: the registry; free with fd_registry_free().
 */
FdRegistry *fd_registry_new(void);

/** fd_registry_free() - close every fd the registry owns and free it */
void fd_registry_free(FdRegistry *fds);

/**
 * fd_registry_add_named() - store an fd under a name (QMP getfd)
 * @fds: the registry
 * @name: the name; an existing fd of that name is closed and replaced
 * @fd: the fd; the registry owns it from now on
 */
void fd_registry_add_named(FdRegistry *fds, const char *name, int fd);

/**
 * fd_registry_close_named() - close a named fd (QMP closefd)
 * @fds: the registry
 * @name: the name
 * @errp: set if no fd has that name
 *
 * Return: true on success.
 */
bool fd_registry_close_named(FdRegistry *fds, const char *name,
                             GError **errp);

/**
 * FdParam - an fd taken from an fd= parameter
 * @fd: the descriptor
 * @owned: true if it came from the registry (getfd), so the taker must
 *         close it; false for an inherited number, which is never closed
 */
typedef struct FdParam {
    int fd;
    bool owned;
} FdParam;

/**
 * fd_param_resolve() - resolve the value of an fd= parameter
 * @fds: the registry
 * @value: a decimal fd number the process inherited ("23"), or the name of
 *         an fd passed with getfd (which is then removed from the registry,
 *         as in QEMU)
 * @out: filled on success
 * @errp: set if @value is neither an open fd number nor a known name
 *
 * Return: true on success.
 */
bool fd_param_resolve(FdRegistry *fds, const char *value, FdParam *out,
                      GError **errp);

/** fd_param_release() - close @p's fd if it is owned; no-op otherwise */
void fd_param_release(FdParam *p);

/**
 * fd_registry_open() - open a path, honouring /dev/fdset/N
 * @fds: the registry
 * @path: a file path, or "/dev/fdset/N" to dup a member of fd set N whose
 *        access mode matches @flags
 * @flags: open(2) flags
 * @errp: set on failure, naming the path
 *
 * Every place that opens a path the user gave goes through this.
 *
 * Return: a new fd the caller owns, or -1.
 */
int fd_registry_open(FdRegistry *fds, const char *path, int flags,
                     GError **errp);

/**
 * fd_registry_add_to_set() - add an fd to an fd set (QMP add-fd)
 * @fds: the registry
 * @fdset_id: the set (created if it does not exist yet), or -1 for a new
 *            set with the lowest unused id
 * @fd: the fd; the registry owns it from now on
 * @opaque: free-form text query-fdsets reports with the fd, or NULL
 *
 * Return: the id of the set @fd went into.
 */
gint64 fd_registry_add_to_set(FdRegistry *fds, gint64 fdset_id, int fd,
                              const char *opaque);

/**
 * fd_registry_remove_from_set() - close fds of an fd set (QMP remove-fd)
 * @fds: the registry
 * @fdset_id: the set
 * @fd: the fd to close, or -1 for every fd of the set
 * @errp: set (ENOENT) if the set, or @fd in it, does not exist
 *
 * A set left empty disappears.  Fds already handed out by
 * fd_registry_open() are independent duplicates and stay open.
 *
 * Return: true on success.
 */
bool fd_registry_remove_from_set(FdRegistry *fds, gint64 fdset_id, int fd,
                                 GError **errp);

/**
 * fd_registry_query_sets() - describe the fd sets (QMP query-fdsets)
 * @fds: the registry
 *
 * Return: a new JSON array, by set id: [{"fdset-id": N, "fds": [{"fd": N,
 * "opaque": S}]}] ("opaque" only where one was given); free with
 * json_node_unref().
 */
JsonNode *fd_registry_query_sets(FdRegistry *fds);

#endif /* MONITOR_FDS_H */
