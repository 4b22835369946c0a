/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Character devices that carry the QMP and qtest protocols: listening
 * sockets (a path, or an inherited listening fd as libvirt passes it) and
 * stdio.  A chardev has one frontend, which is handed each client stream.
 */
#ifndef CHARDEV_CHAR_H
#define CHARDEV_CHAR_H

#include <gio/gio.h>
#include <stdbool.h>

#include "monitor/fds.h"

/* Errors of chardevs: codes are errno values (EINVAL, EEXIST, ENOTSOCK...). */
#define CHARDEV_ERROR chardev_error_quark()
GQuark chardev_error_quark(void);

typedef struct Chardev Chardev;

/**
 * ChardevConnectFunc - a new client is connected
 * @chr: the chardev
 * @stream: the client's stream (socket connection or stdio); the frontend
 *          takes a reference if it keeps it
 * @opaque: the frontend's pointer
 *
 * One client at a time, as in QEMU: a socket chardev accepts the next
 * client only once @stream is finalized, i.e. when the frontend, having
 * seen the hang-up, drops its last reference.  Meanwhile further clients
 * wait in the listen queue.
 */
typedef void (*ChardevConnectFunc)(Chardev *chr, GIOStream *stream,
                                   void *opaque);

/**
 * chardev_new() - create a chardev from -chardev style options
 * @opts: "socket,id=ID,path=PATH,server=on,wait=off",
 *        "socket,id=ID,fd=N|NAME,server=on,wait=off", or "stdio,id=ID"
 * @fds: the fd registry, to resolve fd= (borrowed)
 * @errp: set on a bad option, naming it
 *
 * Only server sockets are supported (the process never connects out):
 * server defaults to on and wait to off; server=off and wait=on are
 * rejected with a message saying so.  A stale socket at PATH is replaced
 * (and PATH is unlinked again by chardev_free()); anything else there is
 * an error.  fd= must be a listening AF_UNIX stream socket: an inherited
 * number stays open in the process (the chardev listens on a duplicate),
 * an fd from getfd belongs to the chardev from then on.
 *
 * Return: the chardev; free with chardev_free().
 */
Chardev *chardev_new(const char *opts, FdRegistry *fds, GError **errp);

/**
 * chardev_new_from_legacy() - the short forms of -qmp and -qtest
 * @spec: "unix:PATH[,server=on,wait=off]" or "stdio"
 * @id: the id to give the new chardev
 * @fds: the fd registry (borrowed)
 * @errp: set on failure
 *
 * Return: the chardev; free with chardev_free().
 */
Chardev *chardev_new_from_legacy(const char *spec, const char *id,
                                 FdRegistry *fds, GError **errp);

/** chardev_id() - Return: the chardev's id */
const char *chardev_id(Chardev *chr);

/**
 * chardev_set_frontend() - start accepting clients
 * @chr: the chardev
 * @connect: called for every client
 * @opaque: passed to @connect
 * @errp: set if the chardev already has a frontend
 *
 * Return: true on success.
 */
bool chardev_set_frontend(Chardev *chr, ChardevConnectFunc connect,
                          void *opaque, GError **errp);

/** chardev_free() - stop listening, close what the chardev owns, free it */
void chardev_free(Chardev *chr);

#endif /* CHARDEV_CHAR_H */
