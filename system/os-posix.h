/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Process plumbing of vfio-host: -daemonize and -pidfile.
 */
#ifndef SYSTEM_OS_POSIX_H
#define SYSTEM_OS_POSIX_H

#include <glib.h>
#include <stdbool.h>

/**
 * os_daemonize() - detach into the background, QEMU style
 * @ready_fd: set, in the child, to the pipe end for os_daemonize_done()
 * @errp: set if fork() or pipe() fails
 *
 * The parent does not return: it waits until the child reports that
 * start-up is over, and exits 0 if it succeeded, 1 otherwise.  The child
 * starts a new session and keeps stdio until os_daemonize_done(), so its
 * start-up errors still reach the terminal.
 *
 * Return: true in the child.
 */
bool os_daemonize(int *ready_fd, GError **errp);

/**
 * os_daemonize_done() - tell the waiting parent how start-up went
 * @ready_fd: from os_daemonize() (-1: not daemonized, no-op); closed
 * @ok: whether start-up succeeded; if so, the child changes directory to
 *      / and points stdio at /dev/null
 */
void os_daemonize_done(int ready_fd, bool ok);

/**
 * os_pidfile_create() - write and lock the pid file
 * @path: the file
 * @errp: set if it cannot be created, or is locked by a running process
 *
 * Return: the open, locked fd (keep it until os_pidfile_remove()), or -1.
 */
int os_pidfile_create(const char *path, GError **errp);

/**
 * os_pidfile_remove() - delete the pid file at exit
 * @path: the file (NULL: no-op)
 * @fd: from os_pidfile_create(); closed
 */
void os_pidfile_remove(const char *path, int fd);

#endif /* SYSTEM_OS_POSIX_H */
