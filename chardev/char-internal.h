/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the chardev backends share: the base object, their class, and the
 * parsed -chardev options.
 */
#ifndef CHARDEV_CHAR_INTERNAL_H
#define CHARDEV_CHAR_INTERNAL_H

#include "chardev/char.h"

typedef struct ChardevOpts ChardevOpts;

/* A backend: what it does when a frontend arrives, and how it goes away. */
typedef struct ChardevClass {
    const char *name;
    bool (*start)(Chardev *chr, GError **errp);
    void (*finalize)(Chardev *chr);
} ChardevClass;

/* Backends embed this as their first member. */
struct Chardev {
    const ChardevClass *cls;
    char *id;
    ChardevConnectFunc connect;
    void *opaque;
};

/** chardev_init() - fill the base part of a new backend object */
void chardev_init(Chardev *chr, const ChardevClass *cls, const char *id);

/** chardev_notify_client() - hand a new client's stream to the frontend */
void chardev_notify_client(Chardev *chr, GIOStream *stream);

/* char-socket.c */

/**
 * chardev_socket_new() - a listening unix socket
 * @id: the chardev's id
 * @opts: the remaining options (path or fd, server, wait); those it uses
 *        are taken out
 * @fds: the fd registry, to resolve fd=
 * @errp: set on failure, naming the chardev
 *
 * Return: the chardev, or NULL.
 */
Chardev *chardev_socket_new(const char *id, ChardevOpts *opts,
                            FdRegistry *fds, GError **errp);

/* char-stdio.c */

/** chardev_stdio_new() - the process's stdin and stdout */
Chardev *chardev_stdio_new(const char *id, ChardevOpts *opts,
                           GError **errp);

/* char-opts.c: "backend,key=value,..." with ",," for a literal comma */

/**
 * chardev_opts_parse() - split an option string
 * @text: "socket,id=x,path=/a,,b,server=on" (bare "server"/"wait" mean
 *        on, "noserver"/"nowait" off, as QEMU's short forms)
 * @errp: set on a missing backend, a duplicate key or a bare word
 *
 * Return: the options; free with chardev_opts_free().
 */
ChardevOpts *chardev_opts_parse(const char *text, GError **errp);

void chardev_opts_free(ChardevOpts *opts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ChardevOpts, chardev_opts_free)

/** chardev_opts_backend() - Return: the first element ("socket") */
const char *chardev_opts_backend(ChardevOpts *opts);

/**
 * chardev_opts_take() - take an option out
 * Return: its value (valid until chardev_opts_free()), or NULL if absent.
 */
const char *chardev_opts_take(ChardevOpts *opts, const char *key);

/**
 * chardev_opts_take_bool() - take an on/off option out
 * @opts: the options
 * @key: the option
 * @def: the value if it is absent
 * @out: the value
 * @errp: set if the value is not on/off/yes/no/true/false
 *
 * Return: true on success.
 */
bool chardev_opts_take_bool(ChardevOpts *opts, const char *key, bool def,
                            bool *out, GError **errp);

/**
 * chardev_opts_check_empty() - refuse options nobody took
 * @opts: the options
 * @errp: set naming the first unknown option
 *
 * Return: true if all were taken.
 */
bool chardev_opts_check_empty(ChardevOpts *opts, GError **errp);

#endif /* CHARDEV_CHAR_INTERNAL_H */
