/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * main(): parse the command line, build the machine in QEMU's order
 * (chardevs and monitors, objects, boot RAM, devices, qtest), serve until
 * quit or a termination signal, then tear everything down.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include <glib-unix.h>

#include "monitor/qmp.h"
#include "qom/keyval.h"
#include "qom/object-interfaces.h"
#include "cmdline.h"
#include "system/machine.h"
#include "os-posix.h"
#include "system/qtest.h"
#include "trace-system.h"
#include "util/error.h"

typedef struct Vl {
    VlConfig *cfg;
    Machine *machine;
    GMainLoop *loop;
    int pidfile_fd;
    guint signal_sources[3];
} Vl;

/* Print @err on one line, whatever the user's input put in it */
static void vl_report(GError *err)
{
    g_strdelimit(err->message, "\r\n\t", ' ');
    error_report_err(err);
}

/* ------------------------------------------------------------------ */
/* -object help, -device help, -object TYPE,help ...                    */
/* ------------------------------------------------------------------ */

static bool vl_qom_help_one(TypeTable *types, const char *arg, bool devices,
                            bool *printed, GError **errp)
{
    const char *implied = devices ? "driver" : "qom-type";
    g_autoptr(JsonObject) opts = qom_parse_options(arg, implied, NULL);
    const char *type;

    if (!opts || !qom_options_wants_help(opts, implied)) {
        return true;
    }
    *printed = true;
    type = qom_options_get_string(opts, implied);
    if (!type || strcmp(type, "help") == 0 || strcmp(type, "?") == 0) {
        qom_print_type_list(types, devices, stdout);
        return true;
    }
    if (!qom_print_type_help(types, type, devices, stdout, errp)) {
        g_prefix_error(errp, "%s %s: ", devices ? "-device" : "-object", arg);
        return false;
    }
    return true;
}

/* Return: false on error; *printed tells whether some help was printed */
static bool vl_qom_help(Vl *vl, bool *printed, GError **errp)
{
    TypeTable *types = machine_get_types(vl->machine);

    for (guint i = 0; i < vl->cfg->objects->len; i++) {
        if (!vl_qom_help_one(types, g_ptr_array_index(vl->cfg->objects, i),
                             false, printed, errp)) {
            return false;
        }
    }
    for (guint i = 0; i < vl->cfg->devices->len; i++) {
        if (!vl_qom_help_one(types, g_ptr_array_index(vl->cfg->devices, i),
                             true, printed, errp)) {
            return false;
        }
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* Start-up, one step per function                                      */
/* ------------------------------------------------------------------ */

static bool vl_create_chardevs(Vl *vl, GError **errp)
{
    FdRegistry *fds = machine_get_fds(vl->machine);

    for (guint i = 0; i < vl->cfg->chardevs->len; i++) {
        const char *arg = g_ptr_array_index(vl->cfg->chardevs, i);
        Chardev *chr = chardev_new(arg, fds, errp);

        if (!chr || !machine_add_chardev(vl->machine, chr, errp)) {
            g_prefix_error(errp, "-chardev %s: ", arg);
            return false;
        }
    }
    return true;
}

static bool vl_start_monitors(Vl *vl, GError **errp)
{
    Machine *m = vl->machine;
    QmpServer *qmp = qmp_server_new(machine_get_fds(m), VFIO_HOST_VERSION);

    machine_set_qmp(m, qmp);
    for (guint i = 0; i < vl->cfg->mon_chardevs->len; i++) {
        const char *id = g_ptr_array_index(vl->cfg->mon_chardevs, i);
        Chardev *chr = machine_find_chardev(m, id);

        if (!chr) {
            error_setg(errp, MACHINE_ERROR, ENOENT,
                       "-mon chardev=%s: chardev '%s' not found", id, id);
            return false;
        }
        if (!qmp_monitor_attach(qmp, chr, errp)) {
            g_prefix_error(errp, "-mon chardev=%s: ", id);
            return false;
        }
    }
    return true;
}

static bool vl_start_qmp_options(Vl *vl, GError **errp)
{
    Machine *m = vl->machine;

    for (guint i = 0; i < vl->cfg->qmps->len; i++) {
        const char *spec = g_ptr_array_index(vl->cfg->qmps, i);
        g_autofree char *id = g_strdup_printf("compat_monitor%u", i);
        Chardev *chr = chardev_new_from_legacy(spec, id, machine_get_fds(m),
                                               errp);

        if (!chr || !machine_add_chardev(m, chr, errp) ||
            !qmp_monitor_attach(machine_get_qmp(m), chr, errp)) {
            g_prefix_error(errp, "-qmp %s: ", spec);
            return false;
        }
    }
    return true;
}

static bool vl_create_objects(Vl *vl, GPtrArray *args, bool devices,
                              GError **errp)
{
    ObjectRegistry *reg = machine_get_objects(vl->machine);

    for (guint i = 0; i < args->len; i++) {
        const char *arg = g_ptr_array_index(args, i);
        g_autoptr(JsonObject) opts =
            qom_parse_options(arg, devices ? "driver" : "qom-type", errp);
        bool ok = opts && (devices ? qdev_device_add(reg, opts, errp) != NULL
                                   : user_creatable_add(reg, opts, errp)
                                     != NULL);

        if (!ok) {
            g_prefix_error(errp, "%s %s: ", devices ? "-device" : "-object",
                           arg);
            return false;
        }
    }
    return true;
}

static bool vl_init_memory(Vl *vl, GError **errp)
{
    if (!machine_init_memory(vl->machine, &vl->cfg->memory, errp)) {
        g_prefix_error(errp, "%s: ",
                       vl->cfg->memory.backend_id ? "-machine memory-backend"
                                                  : "-m");
        return false;
    }
    return true;
}

static bool vl_start_qtest(Vl *vl, GError **errp)
{
    Machine *m = vl->machine;
    const char *spec = vl->cfg->qtest;
    QTest *qt;
    Chardev *chr;

    if (!spec) {
        return true;
    }
    if (g_str_has_prefix(spec, "chardev:")) {
        chr = machine_find_chardev(m, spec + strlen("chardev:"));
        if (!chr) {
            error_setg(errp, MACHINE_ERROR, ENOENT,
                       "-qtest %s: chardev '%s' not found", spec,
                       spec + strlen("chardev:"));
            return false;
        }
    } else {
        chr = chardev_new_from_legacy(spec, "qtest", machine_get_fds(m), errp);
        if (!chr || !machine_add_chardev(m, chr, errp)) {
            g_prefix_error(errp, "-qtest %s: ", spec);
            return false;
        }
    }
    qt = qtest_new(machine_get_address_space(m));
    machine_set_qtest(m, qt);
    if (!qtest_attach(qt, chr, errp)) {
        g_prefix_error(errp, "-qtest %s: ", spec);
        return false;
    }
    return true;
}

static bool vl_check_daemonize(VlConfig *cfg, GError **errp)
{
    bool stdio = cfg->qtest && strcmp(cfg->qtest, "stdio") == 0;

    for (guint i = 0; i < cfg->qmps->len; i++) {
        stdio |= strcmp(g_ptr_array_index(cfg->qmps, i), "stdio") == 0;
    }
    if (cfg->daemonize && stdio) {
        error_setg(errp, MACHINE_ERROR, EINVAL,
                   "-daemonize: stdio cannot be used by a daemon "
                   "(-qmp stdio, -qtest stdio)");
        return false;
    }
    return true;
}

static bool vl_init(Vl *vl, GError **errp)
{
    VlConfig *cfg = vl->cfg;
    Machine *m = vl->machine;

    machine_set_name(m, cfg->name);
    if (cfg->process_name) {
        prctl(PR_SET_NAME, cfg->process_name);
    }
    if (cfg->pidfile) {
        vl->pidfile_fd = os_pidfile_create(cfg->pidfile, errp);
        if (vl->pidfile_fd < 0) {
            return false;
        }
    }
    if (!vl_create_chardevs(vl, errp) || !vl_start_monitors(vl, errp) ||
        !vl_start_qmp_options(vl, errp) ||
        !vl_create_objects(vl, cfg->objects, false, errp) ||
        !vl_init_memory(vl, errp) ||
        !vl_create_objects(vl, cfg->devices, true, errp) ||
        !vl_start_qtest(vl, errp)) {
        return false;
    }
    object_registry_set_started(machine_get_objects(m));
    machine_set_running(m, !cfg->start_paused);
    trace_vl_startup_done(machine_status(m));
    return true;
}

/* ------------------------------------------------------------------ */
/* Main loop and shutdown                                               */
/* ------------------------------------------------------------------ */

static void vl_quit(void *opaque)
{
    Vl *vl = opaque;

    g_main_loop_quit(vl->loop);
}

static gboolean vl_on_signal(void *opaque)
{
    Vl *vl = opaque;

    machine_request_quit(vl->machine, "host-signal");
    return G_SOURCE_CONTINUE;
}

static void vl_run_loop(Vl *vl)
{
    static const int signals[] = { SIGTERM, SIGINT, SIGHUP };

    vl->loop = g_main_loop_new(NULL, FALSE);
    machine_set_quit_handler(vl->machine, vl_quit, vl);
    for (size_t i = 0; i < G_N_ELEMENTS(signals); i++) {
        vl->signal_sources[i] = g_unix_signal_add(signals[i], vl_on_signal,
                                                  vl);
    }
    g_main_loop_run(vl->loop);
    for (size_t i = 0; i < G_N_ELEMENTS(signals); i++) {
        g_source_remove(vl->signal_sources[i]);
    }
    g_main_loop_unref(vl->loop);
}

static void vl_cleanup(Vl *vl)
{
    trace_vl_shutdown();
    machine_free(vl->machine);
    os_pidfile_remove(vl->cfg->pidfile, vl->pidfile_fd);
}

/* Build the machine, serve, tear down. Return: the exit status */
static int vl_run(VlConfig *cfg, int ready_fd)
{
    Vl vl = { .cfg = cfg, .pidfile_fd = -1 };
    g_autoptr(GError) err = NULL;
    bool help = false;

    vl.machine = machine_new();
    if (!vl_qom_help(&vl, &help, &err) || help) {
        /* -object help and friends: print, then exit without serving */
        os_daemonize_done(ready_fd, help && !err);
        machine_free(vl.machine);
        if (err) {
            vl_report(g_steal_pointer(&err));
            return 1;
        }
        return 0;
    }
    if (!vl_init(&vl, &err)) {
        vl_report(g_steal_pointer(&err));
        os_daemonize_done(ready_fd, false);
        vl_cleanup(&vl);
        return 1;
    }
    os_daemonize_done(ready_fd, true);
    vl_run_loop(&vl);
    vl_cleanup(&vl);
    return 0;
}

int main(int argc, char **argv)
{
    g_autoptr(VlConfig) cfg = vl_config_new();
    g_autoptr(GError) err = NULL;
    int ready_fd = -1;

    /* a client that hangs up must not kill us: writes fail with EPIPE */
    signal(SIGPIPE, SIG_IGN);
    if (!vl_parse_args(cfg, argc, argv, &err) ||
        !vl_check_daemonize(cfg, &err)) {
        vl_report(g_steal_pointer(&err));
        return 1;
    }
    if (cfg->exit_now) {
        return 0;
    }
    if (cfg->daemonize && !os_daemonize(&ready_fd, &err)) {
        vl_report(g_steal_pointer(&err));
        return 1;
    }
    return vl_run(cfg, ready_fd);
}
