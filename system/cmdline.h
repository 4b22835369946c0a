/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command line of vfio-host, parsed and checked before anything is
 * created (system/cmdline.c), then applied by system/vl.c.
 */
#ifndef SYSTEM_CMDLINE_H
#define SYSTEM_CMDLINE_H

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

#include "system/machine.h"

/**
 * struct VlConfig - what the command line asks for
 * @chardevs: -chardev arguments, in order (char *, owned)
 * @mon_chardevs: chardev ids of -mon mode=control (char *, owned)
 * @qmps: -qmp arguments (char *, owned)
 * @objects: -object arguments (char *, owned)
 * @devices: -device arguments (char *, owned)
 * @memory: -m and -machine memory-backend= (backend_id points into
 *          @memory_backend)
 * @memory_backend: storage for memory.backend_id
 * @qtest: the -qtest argument, or NULL
 * @name: the -name guest name, or NULL
 * @process_name: the -name process= value, or NULL
 * @pidfile: the -pidfile path made absolute, or NULL
 * @daemonize: -daemonize
 * @start_paused: -S
 * @exit_now: an informational option (-help, -version, -trace help,
 *            -machine help) printed its answer: exit with success
 */
typedef struct VlConfig {
    GPtrArray *chardevs;
    GPtrArray *mon_chardevs;
    GPtrArray *qmps;
    GPtrArray *objects;
    GPtrArray *devices;
    MachineMemoryConfig memory;
    char *memory_backend;
    char *qtest;
    char *name;
    char *process_name;
    char *pidfile;
    bool daemonize;
    bool start_paused;
    bool exit_now;
} VlConfig;

/** vl_config_new() - Return: an empty configuration; free with vl_config_free() */
VlConfig *vl_config_new(void);

/** vl_config_free() - free @cfg (NULL: no-op) */
void vl_config_free(VlConfig *cfg);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VlConfig, vl_config_free)

/**
 * vl_parse_args() - parse and check the command line
 * @cfg: filled
 * @argc: from main()
 * @argv: from main()
 * @errp: set on the first bad option, prefixed with the option
 *        ("-m 1X: ..."); unknown options, options that need vCPUs or
 *        devices vfio-host does not have, and bad values all fail here
 *
 * -trace is applied at once (its events are process-wide); -object and
 * -device arguments are only syntax-checked: their types and properties
 * are checked when they are created.
 *
 * Return: true on success (then check @cfg->exit_now).
 */
bool vl_parse_args(VlConfig *cfg, int argc, char **argv, GError **errp);

/**
 * vl_print_help() - the -help text, generated from the option table
 * @out: where to print
 */
void vl_print_help(FILE *out);

#endif /* SYSTEM_CMDLINE_H */
