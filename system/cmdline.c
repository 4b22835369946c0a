/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command line: one table of options, each supported, accepted as a
 * documented no-op (what libvirt always passes), or refused with the
 * reason.  -help is generated from the same table.
 */
#include <errno.h>
#include <string.h>

#include "qom/keyval.h"
#include "qom/object-props.h"
#include "cmdline.h"
#include "util/error.h"
#include "util/trace.h"

typedef bool (*VlOptionFunc)(VlConfig *cfg, const char *arg, GError **errp);

typedef enum VlOptionKind {
    VL_OPT_SUPPORTED,
    VL_OPT_NOOP,                /* accepted for libvirt, no effect */
    VL_OPT_REFUSED,
} VlOptionKind;

/**
 * struct VlOption - one command-line option
 * @name: without the dash
 * @arg: synopsis of its argument; NULL if it takes none
 * @fn: handler (NULL for refused options)
 * @kind: supported, no-op or refused
 * @help: what it does, or why it is refused
 */
typedef struct VlOption {
    const char *name;
    const char *arg;
    VlOptionFunc fn;
    VlOptionKind kind;
    const char *help;
} VlOption;

VlConfig *vl_config_new(void)
{
    VlConfig *cfg = g_new0(VlConfig, 1);

    cfg->chardevs = g_ptr_array_new_with_free_func(g_free);
    cfg->mon_chardevs = g_ptr_array_new_with_free_func(g_free);
    cfg->qmps = g_ptr_array_new_with_free_func(g_free);
    cfg->objects = g_ptr_array_new_with_free_func(g_free);
    cfg->devices = g_ptr_array_new_with_free_func(g_free);
    return cfg;
}

void vl_config_free(VlConfig *cfg)
{
    if (!cfg) {
        return;
    }
    g_ptr_array_unref(cfg->chardevs);
    g_ptr_array_unref(cfg->mon_chardevs);
    g_ptr_array_unref(cfg->qmps);
    g_ptr_array_unref(cfg->objects);
    g_ptr_array_unref(cfg->devices);
    g_free(cfg->memory_backend);
    g_free(cfg->qtest);
    g_free(cfg->name);
    g_free(cfg->process_name);
    g_free(cfg->pidfile);
    g_free(cfg);
}

/* ------------------------------------------------------------------ */
/* Helpers for key=value options                                        */
/* ------------------------------------------------------------------ */

static bool check_keys(JsonObject *opts, const char *const *allowed,
                       GError **errp)
{
    JsonObjectIter iter;
    const char *key;

    json_object_iter_init_ordered(&iter, opts);
    while (json_object_iter_next_ordered(&iter, &key, NULL)) {
        if (!g_strv_contains(allowed, key)) {
            error_setg(errp, MACHINE_ERROR, EINVAL,
                       "Invalid parameter '%s'", key);
            return false;
        }
    }
    return true;
}

/* Parse @arg as keyval and refuse keys not in @allowed */
static JsonObject *parse_opts(const char *arg, const char *implied,
                              const char *const *allowed, GError **errp)
{
    g_autoptr(JsonObject) opts = keyval_parse(arg, implied, errp);

    if (!opts || !check_keys(opts, allowed, errp)) {
        return NULL;
    }
    return g_steal_pointer(&opts);
}

/* If @key is present, it must be one of @choices (NULL: a boolean) */
static bool check_choice(JsonObject *opts, const char *key,
                         const char *const *choices, GError **errp)
{
    const char *val = qom_options_get_string(opts, key);
    g_autofree char *list = NULL;
    bool b;

    if (!val || (choices ? g_strv_contains(choices, val)
                         : qom_parse_bool(val, &b))) {
        return true;
    }
    list = choices ? g_strjoinv("', '", (char **)choices) : NULL;
    error_setg(errp, MACHINE_ERROR, EINVAL,
               "Parameter '%s' expects '%s', got '%s'", key,
               list ? list : "on' or 'off", val);
    return false;
}

static bool parse_size_opt(JsonObject *opts, const char *key, uint64_t unit,
                           uint64_t *out, GError **errp)
{
    const char *val = qom_options_get_string(opts, key);

    if (val && !qom_parse_size(val, unit, out)) {
        error_setg(errp, MACHINE_ERROR, EINVAL,
                   "Parameter '%s' expects a size (a number with an "
                   "optional K, M, G, T, P or E suffix, below 2^64), "
                   "got '%s'", key, val);
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* Supported options                                                    */
/* ------------------------------------------------------------------ */

static bool opt_m(VlConfig *cfg, const char *arg, GError **errp)
{
    static const char *const keys[] = { "size", "slots", "maxmem", NULL };
    g_autoptr(JsonObject) opts = parse_opts(arg, "size", keys, errp);
    const char *slots;
    uint64_t n;

    /* as in QEMU, a size without suffix is in MiB, maxmem in bytes */
    if (!opts ||
        !parse_size_opt(opts, "size", UINT64_C(1) << 20, &cfg->memory.size,
                        errp) ||
        !parse_size_opt(opts, "maxmem", 1, &cfg->memory.maxmem, errp)) {
        return false;
    }
    slots = qom_options_get_string(opts, "slots");
    if (slots) {
        if (!g_ascii_string_to_unsigned(slots, 10, 0, MACHINE_MAX_RAM_SLOTS,
                                        &n, NULL)) {
            error_setg(errp, MACHINE_ERROR, EINVAL,
                       "Parameter 'slots' expects an integer in [0, %u], "
                       "got '%s'", MACHINE_MAX_RAM_SLOTS, slots);
            return false;
        }
        cfg->memory.slots = (unsigned)n;
    }
    return true;
}

static bool machine_type_ok(const char *type)
{
    static const char *const types[] = { "none", "pc", "q35", NULL };

    return g_strv_contains(types, type) || g_str_has_prefix(type, "pc-q35-")
           || g_str_has_prefix(type, "pc-i440fx-");
}

static bool opt_machine_type(VlConfig *cfg, const char *type, GError **errp)
{
    if (strcmp(type, "help") == 0 || strcmp(type, "?") == 0) {
        printf("Supported machines are:\n"
               "none                 no board: RAM and devices only "
               "(the only machine)\n"
               "pc, q35, pc-q35-*, pc-i440fx-*\n"
               "                     accepted as names of 'none'\n");
        cfg->exit_now = true;
        return true;
    }
    if (!machine_type_ok(type)) {
        error_setg(errp, MACHINE_ERROR, EINVAL,
                   "unsupported machine type '%s': use none, pc or q35 "
                   "(-machine help)", type);
        return false;
    }
    return true;
}

static bool opt_machine(VlConfig *cfg, const char *arg, GError **errp)
{
    static const char *const keys[] = {
        "type", "memory-backend", "accel", "usb", "vmport",
        "dump-guest-core", "graphics", NULL,
    };
    static const char *const vmport[] = { "on", "off", "auto", NULL };
    static const char *const accel[] = { "qtest", NULL };
    g_autoptr(JsonObject) opts = parse_opts(arg, "type", keys, errp);
    const char *type, *backend;

    if (!opts || !check_choice(opts, "usb", NULL, errp) ||
        !check_choice(opts, "dump-guest-core", NULL, errp) ||
        !check_choice(opts, "graphics", NULL, errp) ||
        !check_choice(opts, "vmport", vmport, errp) ||
        !check_choice(opts, "accel", accel, errp)) {
        return false;
    }
    type = qom_options_get_string(opts, "type");
    if (type && !opt_machine_type(cfg, type, errp)) {
        return false;
    }
    backend = qom_options_get_string(opts, "memory-backend");
    if (backend) {
        g_free(cfg->memory_backend);
        cfg->memory_backend = g_strdup(backend);
        cfg->memory.backend_id = cfg->memory_backend;
    }
    return true;
}

static bool opt_object(VlConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(JsonObject) opts = qom_parse_options(arg, "qom-type", errp);

    if (!opts) {
        return false;
    }
    g_ptr_array_add(cfg->objects, g_strdup(arg));
    return true;
}

static bool opt_device(VlConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(JsonObject) opts = qom_parse_options(arg, "driver", errp);

    if (!opts) {
        return false;
    }
    g_ptr_array_add(cfg->devices, g_strdup(arg));
    return true;
}

static bool opt_chardev(VlConfig *cfg, const char *arg, GError **errp)
{
    g_ptr_array_add(cfg->chardevs, g_strdup(arg));
    return true;
}

static bool opt_mon(VlConfig *cfg, const char *arg, GError **errp)
{
    static const char *const keys[] = {
        "chardev", "mode", "id", "pretty", NULL,
    };
    g_autoptr(JsonObject) opts = parse_opts(arg, "chardev", keys, errp);
    const char *chardev, *mode;

    if (!opts || !check_choice(opts, "pretty", NULL, errp)) {
        return false;
    }
    chardev = qom_options_get_string(opts, "chardev");
    mode = qom_options_get_string(opts, "mode");
    if (!chardev) {
        error_setg(errp, MACHINE_ERROR, EINVAL,
                   "Parameter 'chardev' is missing");
        return false;
    }
    if (!mode || strcmp(mode, "control") != 0) {
        error_setg(errp, MACHINE_ERROR, EINVAL,
                   "mode=%s is not supported: there is no human monitor, "
                   "use mode=control (QMP)", mode ? mode : "readline");
        return false;
    }
    g_ptr_array_add(cfg->mon_chardevs, g_strdup(chardev));
    return true;
}

static bool opt_qmp(VlConfig *cfg, const char *arg, GError **errp)
{
    g_ptr_array_add(cfg->qmps, g_strdup(arg));
    return true;
}

static bool opt_qtest(VlConfig *cfg, const char *arg, GError **errp)
{
    if (cfg->qtest) {
        error_setg(errp, MACHINE_ERROR, EINVAL, "-qtest given more than once");
        return false;
    }
    cfg->qtest = g_strdup(arg);
    return true;
}

static bool opt_trace(VlConfig *cfg, const char *arg, GError **errp)
{
    if (strcmp(arg, "help") == 0 || strcmp(arg, "enable=help") == 0) {
        trace_list_events(stdout);
        cfg->exit_now = true;
        return true;
    }
    return trace_parse_option(arg, errp);
}

static bool opt_name(VlConfig *cfg, const char *arg, GError **errp)
{
    static const char *const keys[] = {
        "guest", "process", "debug-threads", NULL,
    };
    g_autoptr(JsonObject) opts = parse_opts(arg, "guest", keys, errp);

    if (!opts || !check_choice(opts, "debug-threads", NULL, errp)) {
        return false;
    }
    g_free(cfg->name);
    cfg->name = g_strdup(qom_options_get_string(opts, "guest"));
    g_free(cfg->process_name);
    cfg->process_name = g_strdup(qom_options_get_string(opts, "process"));
    return true;
}

static bool opt_pidfile(VlConfig *cfg, const char *arg, GError **errp)
{
    g_free(cfg->pidfile);
    /* absolute: -daemonize changes directory to / */
    cfg->pidfile = g_canonicalize_filename(arg, NULL);
    return true;
}

static bool opt_daemonize(VlConfig *cfg, const char *arg, GError **errp)
{
    cfg->daemonize = true;
    return true;
}

static bool opt_S(VlConfig *cfg, const char *arg, GError **errp)
{
    cfg->start_paused = true;
    return true;
}

static bool opt_version(VlConfig *cfg, const char *arg, GError **errp)
{
    printf("vfio-host version " VFIO_HOST_VERSION "\n");
    cfg->exit_now = true;
    return true;
}

static bool opt_help(VlConfig *cfg, const char *arg, GError **errp)
{
    vl_print_help(stdout);
    cfg->exit_now = true;
    return true;
}

/* ------------------------------------------------------------------ */
/* No-op options: checked, then ignored                                 */
/* ------------------------------------------------------------------ */

static bool opt_nothing(VlConfig *cfg, const char *arg, GError **errp)
{
    return true;
}

static bool opt_display(VlConfig *cfg, const char *arg, GError **errp)
{
    static const char *const keys[] = { "type", NULL };
    static const char *const types[] = { "none", NULL };
    g_autoptr(JsonObject) opts = parse_opts(arg, "type", keys, errp);

    return opts && check_choice(opts, "type", types, errp);
}

static bool opt_overcommit(VlConfig *cfg, const char *arg, GError **errp)
{
    static const char *const keys[] = { "mem-lock", "cpu-pm", NULL };
    static const char *const off[] = { "off", NULL };
    g_autoptr(JsonObject) opts = parse_opts(arg, NULL, keys, errp);

    return opts && check_choice(opts, "mem-lock", off, errp) &&
           check_choice(opts, "cpu-pm", off, errp);
}

static bool opt_msg(VlConfig *cfg, const char *arg, GError **errp)
{
    static const char *const keys[] = { "timestamp", "guest-name", NULL };
    g_autoptr(JsonObject) opts = parse_opts(arg, "timestamp", keys, errp);

    return opts && check_choice(opts, "timestamp", NULL, errp) &&
           check_choice(opts, "guest-name", NULL, errp);
}

static bool opt_sandbox(VlConfig *cfg, const char *arg, GError **errp)
{
    static const char *const keys[] = {
        "enable", "obsolete", "elevateprivileges", "spawn",
        "resourcecontrol", NULL,
    };
    static const char *const allow_deny[] = { "allow", "deny", NULL };
    static const char *const elevate[] = {
        "allow", "deny", "children", NULL,
    };
    g_autoptr(JsonObject) opts = parse_opts(arg, "enable", keys, errp);

    return opts && check_choice(opts, "enable", NULL, errp) &&
           check_choice(opts, "obsolete", allow_deny, errp) &&
           check_choice(opts, "elevateprivileges", elevate, errp) &&
           check_choice(opts, "spawn", allow_deny, errp) &&
           check_choice(opts, "resourcecontrol", allow_deny, errp);
}

static bool opt_rtc(VlConfig *cfg, const char *arg, GError **errp)
{
    static const char *const keys[] = { "base", "clock", "driftfix", NULL };
    static const char *const clocks[] = { "host", "rt", "vm", NULL };
    static const char *const drift[] = { "none", "slew", NULL };
    g_autoptr(JsonObject) opts = parse_opts(arg, NULL, keys, errp);

    return opts && check_choice(opts, "clock", clocks, errp) &&
           check_choice(opts, "driftfix", drift, errp);
}

static bool opt_boot(VlConfig *cfg, const char *arg, GError **errp)
{
    static const char *const keys[] = {
        "order", "once", "menu", "splash", "splash-time", "reboot-timeout",
        "strict", NULL,
    };
    g_autoptr(JsonObject) opts = parse_opts(arg, "order", keys, errp);

    return opts && check_choice(opts, "strict", NULL, errp) &&
           check_choice(opts, "menu", NULL, errp);
}

static bool opt_uuid(VlConfig *cfg, const char *arg, GError **errp)
{
    if (!g_uuid_string_is_valid(arg)) {
        error_setg(errp, MACHINE_ERROR, EINVAL, "invalid UUID '%s'", arg);
        return false;
    }
    return true;
}

static bool opt_accel(VlConfig *cfg, const char *arg, GError **errp)
{
    static const char *const keys[] = { "accel", NULL };
    static const char *const qtest[] = { "qtest", NULL };
    g_autoptr(JsonObject) opts = parse_opts(arg, "accel", keys, errp);

    return opts && check_choice(opts, "accel", qtest, errp);
}

/* ------------------------------------------------------------------ */
/* The table                                                            */
/* ------------------------------------------------------------------ */

#define SUPPORTED(n, a, f, h) { n, a, f, VL_OPT_SUPPORTED, h }
#define NOOP(n, a, f, h) { n, a, f, VL_OPT_NOOP, h }
#define REFUSED(n, why) { n, NULL, NULL, VL_OPT_REFUSED, why }

#define NO_VCPU "vfio-host has no vCPUs"
#define NO_DISK "vfio-host has no block devices"
#define NO_NET "vfio-host has no network devices"
#define NO_UI "vfio-host has no display, audio or serial ports"

static const VlOption vl_options[] = {
    SUPPORTED("m", "[size=]SIZE[,slots=N,maxmem=SIZE]", opt_m,
              "boot RAM size (MiB without suffix), hotplug slots and limit"),
    SUPPORTED("machine", "[type=]TYPE[,memory-backend=ID,...]", opt_machine,
              "machine type (none; pc and q35 are its names) and boot RAM "
              "backend"),
    SUPPORTED("object", "TYPE,id=ID[,PROP=VALUE...] | JSON", opt_object,
              "create an object (-object help, -object TYPE,help)"),
    SUPPORTED("device", "DRIVER[,id=ID][,PROP=VALUE...] | JSON", opt_device,
              "add a device (-device help, -device DRIVER,help)"),
    SUPPORTED("chardev", "socket,id=ID,path=PATH|fd=N,server=on,wait=off",
              opt_chardev, "a listening socket for -mon or -qtest"),
    SUPPORTED("mon", "[chardev=]ID,mode=control[,id=ID][,pretty=on|off]",
              opt_mon, "serve QMP on a chardev"),
    SUPPORTED("qmp", "unix:PATH,server=on,wait=off | stdio", opt_qmp,
              "serve QMP on a new socket"),
    SUPPORTED("qtest", "unix:PATH[,server=on,wait=off] | stdio | chardev:ID",
              opt_qtest, "serve the qtest protocol"),
    SUPPORTED("trace", "[enable=]PATTERN | events=FILE | file=FILE | help",
              opt_trace, "enable trace events"),
    SUPPORTED("name", "[guest=]NAME[,process=NAME][,debug-threads=on|off]",
              opt_name, "guest name (query-name) and process name"),
    SUPPORTED("pidfile", "FILE", opt_pidfile,
              "write the process id to FILE (removed at exit)"),
    SUPPORTED("daemonize", NULL, opt_daemonize,
              "detach once started; errors are still reported"),
    SUPPORTED("S", NULL, opt_S,
              "start in 'prelaunch' state; QMP cont makes it 'running'"),
    SUPPORTED("version", NULL, opt_version, "print the version and exit"),
    SUPPORTED("help", NULL, opt_help, "print this help and exit"),
    SUPPORTED("h", NULL, opt_help, "same as -help"),
    NOOP("nodefaults", NULL, opt_nothing, "there are no default devices"),
    NOOP("no-user-config", NULL, opt_nothing, "no configuration file is read"),
    NOOP("no-shutdown", NULL, opt_nothing, "there is no guest to shut down"),
    NOOP("display", "none", opt_display, "only 'none': there is no display"),
    NOOP("overcommit", "mem-lock=off[,cpu-pm=off]", opt_overcommit,
         "only the 'off' values"),
    NOOP("msg", "timestamp=on|off[,guest-name=on|off]", opt_msg,
         "messages keep their format"),
    NOOP("sandbox", "on|off[,obsolete=...,elevateprivileges=...,...]",
         opt_sandbox, "no seccomp filter is installed"),
    NOOP("rtc", "[base=...][,clock=...][,driftfix=...]", opt_rtc,
         "there is no RTC"),
    NOOP("boot", "[order=...][,strict=on|off,...]", opt_boot,
         "there is nothing to boot"),
    NOOP("uuid", "UUID", opt_uuid, "checked, then unused"),
    NOOP("accel", "qtest", opt_accel, "only qtest: there are no vCPUs"),
    REFUSED("smp", NO_VCPU), REFUSED("cpu", NO_VCPU),
    REFUSED("enable-kvm", NO_VCPU), REFUSED("kernel", NO_VCPU),
    REFUSED("initrd", NO_VCPU), REFUSED("append", NO_VCPU),
    REFUSED("bios", NO_VCPU), REFUSED("icount", NO_VCPU),
    REFUSED("gdb", NO_VCPU), REFUSED("s", NO_VCPU),
    REFUSED("numa", "vfio-host has no NUMA nodes"),
    REFUSED("incoming", "vfio-host does not migrate"),
    REFUSED("loadvm", "vfio-host does not migrate"),
    REFUSED("drive", NO_DISK), REFUSED("blockdev", NO_DISK),
    REFUSED("hda", NO_DISK), REFUSED("cdrom", NO_DISK),
    REFUSED("snapshot", NO_DISK),
    REFUSED("netdev", NO_NET), REFUSED("net", NO_NET), REFUSED("nic", NO_NET),
    REFUSED("vga", NO_UI), REFUSED("vnc", NO_UI), REFUSED("spice", NO_UI),
    REFUSED("nographic", NO_UI), REFUSED("audiodev", NO_UI),
    REFUSED("serial", NO_UI), REFUSED("parallel", NO_UI),
    REFUSED("monitor", "there is no human monitor: use -mon mode=control "
                       "or -qmp"),
    REFUSED("global", "there are no device defaults to change"),
    REFUSED("smbios", "there is no firmware"),
    REFUSED("usb", "there is no USB"),
};

static const VlOption *vl_option_lookup(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(vl_options); i++) {
        if (strcmp(vl_options[i].name, name) == 0) {
            return &vl_options[i];
        }
    }
    return NULL;
}

static void print_options(FILE *out, VlOptionKind kind)
{
    for (size_t i = 0; i < G_N_ELEMENTS(vl_options); i++) {
        const VlOption *o = &vl_options[i];
        g_autofree char *left = NULL;

        if (o->kind != kind) {
            continue;
        }
        left = g_strdup_printf("-%s%s%s", o->name, o->arg ? " " : "",
                               o->arg ? o->arg : "");
        fprintf(out, "  %s\n        %s\n", left, o->help);
    }
}

void vl_print_help(FILE *out)
{
    fprintf(out, "usage: vfio-host [options]\n"
            "vfio-host " VFIO_HOST_VERSION ": a vCPU-less VFIO "
            "device-assignment host driven over QMP and qtest\n\n"
            "Options:\n");
    print_options(out, VL_OPT_SUPPORTED);
    fprintf(out, "\nAccepted for libvirt compatibility, without effect:\n");
    print_options(out, VL_OPT_NOOP);
    fprintf(out, "\nRefused (with the reason):");
    for (size_t i = 0; i < G_N_ELEMENTS(vl_options); i++) {
        if (vl_options[i].kind == VL_OPT_REFUSED) {
            fprintf(out, " -%s", vl_options[i].name);
        }
    }
    fprintf(out, "\n\nOptions may also be written with two dashes.  "
            "See docs/command-line.md.\n");
}

/* Apply argv[*i]; advance *i past its argument */
static bool vl_parse_one(VlConfig *cfg, int argc, char **argv, int *i,
                         GError **errp)
{
    const char *word = argv[*i];
    const char *name = word[1] == '-' ? word + 2 : word + 1;
    const VlOption *opt = vl_option_lookup(name);
    const char *arg = NULL;
    g_autoptr(GError) err = NULL;

    if (!opt) {
        error_setg(errp, MACHINE_ERROR, EINVAL, "%s: invalid option", word);
        return false;
    }
    if (opt->kind == VL_OPT_REFUSED) {
        error_setg(errp, MACHINE_ERROR, ENOTSUP, "%s: not supported: %s",
                   word, opt->help);
        return false;
    }
    if (opt->arg) {
        if (*i + 1 >= argc) {
            error_setg(errp, MACHINE_ERROR, EINVAL,
                       "%s: requires an argument", word);
            return false;
        }
        arg = argv[++*i];
    }
    if (!opt->fn(cfg, arg, &err)) {
        g_propagate_prefixed_error(errp, g_steal_pointer(&err), "%s%s%s: ",
                                   word, arg ? " " : "", arg ? arg : "");
        return false;
    }
    return true;
}

bool vl_parse_args(VlConfig *cfg, int argc, char **argv, GError **errp)
{
    for (int i = 1; i < argc && !cfg->exit_now; i++) {
        if (argv[i][0] != '-' || !argv[i][1]) {
            error_setg(errp, MACHINE_ERROR, EINVAL,
                       "'%s': unexpected argument (vfio-host takes options "
                       "only; it has no disk images)", argv[i]);
            return false;
        }
        if (!vl_parse_one(cfg, argc, argv, &i, errp)) {
            return false;
        }
    }
    return true;
}
