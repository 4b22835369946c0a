/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command line, form by form: informational options, -m, -machine
 * memory-backend=, -object/-device in keyval and JSON, -chardev + -mon,
 * -qmp, -qtest (unix, stdio, chardev:), -trace, -name, -pidfile, -S,
 * -daemonize, libvirt's exact form with an inherited listening socket, and
 * the shutdown paths (quit, SIGTERM, SIGINT, SIGHUP).
 */
#include <errno.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <gio/gio.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libvhtest.h"

#define MiB (UINT64_C(1) << 20)

/* Run vfio-host to completion. Return: its exit status; *out: its stdout */
static int run_capture(const char *const *args, char **out, char **err)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autoptr(GError) error = NULL;
    int status = -1;

    g_ptr_array_add(argv, (char *)g_getenv("VFIO_HOST_BINARY"));
    for (int i = 0; args[i]; i++) {
        g_ptr_array_add(argv, (char *)args[i]);
    }
    g_ptr_array_add(argv, NULL);
    g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL,
                               G_SPAWN_DEFAULT, NULL, NULL, out, err,
                               &status, &error));
    g_assert_no_error(error);
    g_assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static char *run_ok(const char *const *args)
{
    char *out = NULL;

    g_assert_cmpint(run_capture(args, &out, NULL), ==, 0);
    return out;
}

static void assert_contains(const char *text, const char *what)
{
    if (!strstr(text, what)) {
        g_error("'%s' not found in:\n%s", what, text);
    }
}

static char *ok_string(JsonNode *node)
{
    char *s = g_strdup(json_node_get_string(node));

    json_node_unref(node);
    return s;
}

static gint64 ok_int(JsonNode *node)
{
    gint64 v = json_node_get_int(node);

    json_node_unref(node);
    return v;
}

static void assert_exit_ok(int status)
{
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

/* ------------------------------------------------------------------ */
/* Informational options                                                */
/* ------------------------------------------------------------------ */

static void test_help_and_version(void)
{
    static const char *const options[] = {
        "-m ", "-machine ", "-object ", "-device ", "-chardev ", "-mon ",
        "-qmp ", "-qtest ", "-trace ", "-name ", "-pidfile ", "-daemonize",
        "-S\n", "-version", "-nodefaults", "-no-user-config", "-display ",
        "-overcommit ", "-msg ", "-sandbox ", "-rtc ", "-boot ", "-uuid ",
        "-accel ", "-smp", "-cpu", NULL,
    };
    g_autofree char *help = run_ok((const char *[]){ "-help", NULL });
    g_autofree char *dashes = run_ok((const char *[]){ "--help", NULL });
    g_autofree char *version = run_ok((const char *[]){ "-version", NULL });

    for (const char *const *o = options; *o; o++) {
        assert_contains(help, *o);
    }
    g_assert_cmpstr(help, ==, dashes);
    g_assert_true(g_str_has_prefix(version, "vfio-host version "));
}

static void test_type_help(void)
{
    g_autofree char *objs = run_ok((const char *[]){ "-object", "help",
                                                    NULL });
    g_autofree char *devs = run_ok((const char *[]){ "-device", "help",
                                                    NULL });
    g_autofree char *memfd = run_ok((const char *[]){
        "-object", "memory-backend-memfd,help", NULL });
    g_autofree char *dimm = run_ok((const char *[]){ "-device", "pc-dimm,?",
                                                    NULL });
    g_autofree char *machines = run_ok((const char *[]){ "-machine", "help",
                                                        NULL });
    g_autofree char *events = run_ok((const char *[]){ "-trace", "help",
                                                      NULL });

    assert_contains(objs, "  memory-backend-file\n");
    assert_contains(objs, "  memory-backend-memfd\n");
    assert_contains(objs, "  memory-backend-ram\n");
    assert_contains(devs, "name \"pc-dimm\", desc \"DIMM memory module\"");
    assert_contains(memfd, "memory-backend-memfd options:\n");
    assert_contains(memfd, "  hugetlbsize=<size>");
    assert_contains(memfd, "  size=<size>              - Size of the memory "
                           "region (ex: 500M) (required)");
    assert_contains(memfd, "  share=<bool>");
    assert_contains(dimm, "  memdev=<link<memory-backend>>");
    assert_contains(dimm, "  slot=<int32>");
    assert_contains(machines, "q35");
    assert_contains(events, "device_realize");
    assert_contains(events, "pc_dimm_plug");
}

/* ------------------------------------------------------------------ */
/* Memory options                                                       */
/* ------------------------------------------------------------------ */

static void assert_ram_ends_at(VhtProc *p, uint64_t size)
{
    g_autofree char *last = vht_qtest(p, "readb 0x%" PRIx64, size - 1);
    g_autofree char *past = vht_qtest(p, "readb 0x%" PRIx64, size);

    g_assert_true(g_str_has_prefix(last, "OK "));
    g_assert_true(g_str_has_prefix(past, "ERR "));
}

static void test_m_forms(void)
{
    static const struct { const char *arg; uint64_t size; } forms[] = {
        { "-m 256", 256 * MiB },
        { "-m 64M", 64 * MiB },
        { "-m size=1048576k", 1024 * MiB },
        { "-m 0.5G", 512 * MiB },
        { "-m 128M,slots=4,maxmem=4G", 128 * MiB },
        { "", 128 * MiB },                  /* the default */
    };

    for (size_t i = 0; i < G_N_ELEMENTS(forms); i++) {
        VhtProc *p = vht_start("%s", forms[i].arg);
        g_autoptr(JsonObject) rsp = NULL;

        assert_ram_ends_at(p, forms[i].size);
        g_assert_cmpint(ok_int(vht_qmp_ok(vht_qmp_main(p),
                        "{'execute': 'qom-get', 'arguments': {'path': "
                        "'/objects/pc.ram', 'property': 'size'}}")), ==,
                        (gint64)forms[i].size);
        vht_end(p);
    }
}

static void test_machine_memory_backend(void)
{
    VhtProc *p = vht_start("-object memory-backend-ram,id=ram0,size=64M "
                           "-machine q35,memory-backend=ram0,usb=off");
    g_autoptr(JsonNode) list = vht_qmp_ok(vht_qmp_main(p),
        "{'execute': 'qom-list', 'arguments': {'path': '/objects'}}");
    g_autofree char *text = json_to_string(list, FALSE);

    assert_contains(text, "{\"name\":\"ram0\",\"type\":"
                          "\"child<memory-backend-ram>\"}");
    g_assert_null(strstr(text, "pc.ram"));
    assert_ram_ends_at(p, 64 * MiB);
    vht_qmp_expect_error(vht_qmp_main(p), "GenericError",
                         "object 'ram0' is in use by machine boot RAM",
                         "{'execute': 'object-del', 'arguments': "
                         "{'id': 'ram0'}}");
    vht_end(p);
}

static void test_object_device_forms(void)
{
    static const char *const args[] = {
        "-m", "128M,slots=4,maxmem=2G",
        "-object", "memory-backend-memfd,id=m1,size=64M,share=on",
        "-object", "{\"qom-type\":\"memory-backend-ram\",\"id\":\"m2\","
                   "\"size\":\"32M\",\"prealloc\":true}",
        "-device", "pc-dimm,id=d1,memdev=m1",
        "-device", "{\"driver\":\"pc-dimm\",\"id\":\"d2\",\"memdev\":\"m2\","
                   "\"slot\":\"3\",\"addr\":1610612736}",
        NULL,
    };
    VhtOptions opts = { .args = args, .qtest = true };
    VhtProc *p = vht_start_opts(&opts);
    g_autoptr(JsonNode) devs = vht_qmp_ok(vht_qmp_main(p),
        "{'execute': 'query-memory-devices'}");
    JsonArray *list = json_node_get_array(devs);
    JsonObject *d1, *d2;

    g_assert_cmpuint(json_array_get_length(list), ==, 2);
    d1 = json_object_get_object_member(json_array_get_object_element(list, 0),
                                       "data");
    d2 = json_object_get_object_member(json_array_get_object_element(list, 1),
                                       "data");
    g_assert_cmpint(json_object_get_int_member(d1, "addr"), ==, 1LL << 30);
    g_assert_cmpint(json_object_get_int_member(d2, "addr"), ==, 3LL << 29);
    g_assert_cmpint(json_object_get_int_member(d2, "slot"), ==, 3);
    g_assert_false(json_object_get_boolean_member(d1, "hotplugged"));
    vht_writeq(p, 3ULL << 29, 0x1234);
    g_assert_cmpuint(vht_readq(p, 3ULL << 29), ==, 0x1234);
    vht_end(p);
}

/* ------------------------------------------------------------------ */
/* Monitors and qtest                                                   */
/* ------------------------------------------------------------------ */

static int unix_connect(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    return fd;
}

/* One qtest exchange on a raw socket */
static char *raw_qtest(int fd, const char *cmd)
{
    GString *line = g_string_new(NULL);
    char c;

    g_assert_cmpint(write(fd, cmd, strlen(cmd)), ==, (ssize_t)strlen(cmd));
    while (read(fd, &c, 1) == 1 && c != '\n') {
        g_string_append_c(line, c);
    }
    return g_string_free(line, FALSE);
}

static void test_chardev_mon_qtest(void)
{
    static const char *const args[] = {
        "-chardev", "socket,id=mon0,path=@DIR@/mon0.sock,server=on,wait=off",
        "-mon", "chardev=mon0,mode=control,pretty=off",
        "-chardev", "socket,id=qt0,path=@DIR@/qt0.sock,server=on,wait=off",
        "-qtest", "chardev:qt0",
        "-qmp", "unix:@DIR@/second.sock,server=on,wait=off",
        NULL,
    };
    VhtOptions opts = { .args = args, .no_qmp = true };
    VhtProc *p = vht_start_opts(&opts);
    g_autofree char *mon = g_build_filename(vht_dir(p), "mon0.sock", NULL);
    g_autofree char *qt = g_build_filename(vht_dir(p), "qt0.sock", NULL);
    g_autofree char *second = g_build_filename(vht_dir(p), "second.sock",
                                               NULL);
    VhtQmp *q = vht_qmp_connect(p, mon);
    VhtQmp *q2 = vht_qmp_connect(p, second);
    int fd;
    g_autofree char *w = NULL, *r = NULL;

    vht_qmp_negotiate(q);
    vht_qmp_negotiate(q2);
    fd = unix_connect(qt);
    w = raw_qtest(fd, "writel 0x100 0xfeedf00d\n");
    r = raw_qtest(fd, "readl 0x100\n");
    g_assert_cmpstr(w, ==, "OK");
    g_assert_cmpstr(r, ==, "OK 0x00000000feedf00d");
    close(fd);
    json_node_unref(vht_qmp_ok(q2, "{'execute': 'query-status'}"));
    vht_qmp_close(q2);
    json_node_unref(vht_qmp_ok(q, "{'execute': 'quit'}"));
    vht_qmp_close(q);
    assert_exit_ok(vht_wait_exit(p));
}

static char *read_line(GDataInputStream *in)
{
    g_autoptr(GError) err = NULL;
    char *line = g_data_input_stream_read_line(in, NULL, NULL, &err);

    g_assert_no_error(err);
    g_assert_nonnull(line);
    return line;
}

static void test_qtest_stdio(void)
{
    const char *argv[] = { g_getenv("VFIO_HOST_BINARY"), "-m", "16M",
                           "-qtest", "stdio", NULL };
    g_autoptr(GError) err = NULL;
    g_autoptr(GSubprocess) sp = g_subprocess_newv(argv,
        G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &err);
    g_autoptr(GDataInputStream) in = NULL;
    static const char cmds[] = "writeq 0x8 0x5555aaaa\nreadq 0x8\n"
                               "readb 0x1000000\n";
    g_autofree char *l1 = NULL, *l2 = NULL, *l3 = NULL;

    g_assert_no_error(err);
    in = g_data_input_stream_new(g_subprocess_get_stdout_pipe(sp));
    g_assert_true(g_output_stream_write_all(g_subprocess_get_stdin_pipe(sp),
                                            cmds, strlen(cmds), NULL, NULL,
                                            &err));
    l1 = read_line(in);
    l2 = read_line(in);
    l3 = read_line(in);
    g_assert_cmpstr(l1, ==, "OK");
    g_assert_cmpstr(l2, ==, "OK 0x000000005555aaaa");
    g_assert_true(g_str_has_prefix(l3, "ERR "));
    g_subprocess_send_signal(sp, SIGTERM);
    g_assert_true(g_subprocess_wait(sp, NULL, &err));
    g_assert_true(g_subprocess_get_if_exited(sp));
    g_assert_cmpint(g_subprocess_get_exit_status(sp), ==, 0);
}

static void test_trace_file(void)
{
    g_autofree char *dir = g_dir_make_tmp("vfio-host-trace-XXXXXX", NULL);
    g_autofree char *log = g_build_filename(dir, "trace.log", NULL);
    g_autofree char *text = NULL;
    VhtProc *p = vht_start("-trace enable=pc_dimm_*,file=%s "
                           "-m 128M,slots=1,maxmem=1G "
                           "-object memory-backend-ram,id=m,size=16M "
                           "-device pc-dimm,id=d,memdev=m", log);

    vht_end(p);
    g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
    assert_contains(text, ":pc_dimm_plug /machine/peripheral/d memdev m "
                          "addr 0x40000000 size 0x1000000 slot 0");
    assert_contains(text, ":pc_dimm_unplug /machine/peripheral/d");
    g_unlink(log);
    g_rmdir(dir);
}

/* ------------------------------------------------------------------ */
/* -name, -S, -pidfile, libvirt                                         */
/* ------------------------------------------------------------------ */

static void test_name_paused_pidfile(void)
{
    g_autofree char *dir = g_dir_make_tmp("vfio-host-pid-XXXXXX", NULL);
    g_autofree char *pidfile = g_build_filename(dir, "vm.pid", NULL);
    g_autofree char *text = NULL;
    g_autofree char *pid = NULL;
    VhtProc *p = vht_start("-name guest=vm7,process=vm7-host -S -pidfile %s",
                           pidfile);
    VhtQmp *q = vht_qmp_main(p);
    g_autoptr(JsonNode) name = vht_qmp_ok(q, "{'execute': 'query-name'}");
    g_autoptr(JsonNode) st1 = vht_qmp_ok(q, "{'execute': 'query-status'}");
    g_autoptr(JsonNode) st2 = NULL;
    g_autoptr(JsonObject) ev = NULL;

    g_assert_cmpstr(json_object_get_string_member(
                        json_node_get_object(name), "name"), ==, "vm7");
    g_assert_cmpstr(json_object_get_string_member(
                        json_node_get_object(st1), "status"), ==, "prelaunch");
    g_assert_true(g_file_get_contents(pidfile, &text, NULL, NULL));
    pid = g_strdup_printf("%d\n", (int)vht_pid(p));
    g_assert_cmpstr(text, ==, pid);
    json_node_unref(vht_qmp_ok(q, "{'execute': 'cont'}"));
    ev = vht_qmp_wait_event(q, "RESUME", 5000);
    g_assert_nonnull(ev);
    st2 = vht_qmp_ok(q, "{'execute': 'query-status'}");
    g_assert_true(json_object_get_boolean_member(json_node_get_object(st2),
                                                 "running"));
    vht_end(p);
    g_assert_false(g_file_test(pidfile, G_FILE_TEST_EXISTS));
    g_rmdir(dir);
}

static int listen_unix(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(listen(fd, 1), ==, 0);
    return fd;
}

/* What libvirt passes, with the monitor on a listening socket it made */
static void test_libvirt_form(void)
{
    g_autofree char *dir = g_dir_make_tmp("vfio-host-libvirt-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "monitor.sock", NULL);
    int lfd = listen_unix(path);
    g_autofree char *chardev = g_strdup_printf(
        "socket,id=charmonitor,fd=%d,server=on,wait=off", lfd);
    const char *args[] = {
        "-name", "guest=vm1,debug-threads=on", "-S",
        "-object", "{\"qom-type\":\"memory-backend-memfd\",\"id\":\"ram0\","
                   "\"size\":1073741824}",
        "-machine", "pc-q35-8.0,usb=off,vmport=off,dump-guest-core=off,"
                    "memory-backend=ram0",
        "-m", "size=1048576k",
        "-overcommit", "mem-lock=off",
        "-uuid", "c7a5fdbd-edaf-9455-926a-d65c16db1809",
        "-no-user-config", "-nodefaults",
        "-chardev", chardev,
        "-mon", "chardev=charmonitor,id=monitor,mode=control",
        "-rtc", "base=utc", "-no-shutdown", "-boot", "strict=on",
        "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,"
                    "resourcecontrol=deny",
        "-msg", "timestamp=on", "-display", "none",
        NULL,
    };
    const int pass[] = { lfd, -1 };
    VhtOptions opts = { .args = args, .no_qmp = true, .pass_fds = pass };
    VhtProc *p = vht_start_opts(&opts);
    VhtQmp *q;
    g_autoptr(JsonNode) status = NULL;
    g_autoptr(JsonNode) objs = NULL;
    g_autofree char *text = NULL;

    close(lfd);
    q = vht_qmp_connect(p, path);
    vht_qmp_negotiate(q);
    status = vht_qmp_ok(q, "{'execute': 'query-status'}");
    g_assert_cmpstr(json_object_get_string_member(
                        json_node_get_object(status), "status"), ==,
                    "prelaunch");
    objs = vht_qmp_ok(q, "{'execute': 'qom-list', 'arguments': "
                         "{'path': '/objects'}}");
    text = json_to_string(objs, FALSE);
    assert_contains(text, "\"ram0\"");
    g_assert_cmpint(ok_int(vht_qmp_ok(q, "{'execute': 'qom-get', "
        "'arguments': {'path': '/objects/ram0', 'property': 'size'}}")), ==,
        1073741824);
    g_free(ok_string(vht_qmp_ok(q, "{'execute': 'qom-get', 'arguments': "
        "{'path': '/objects/ram0', 'property': 'type'}}")));
    json_node_unref(vht_qmp_ok(q, "{'execute': 'cont'}"));
    json_node_unref(vht_qmp_ok(q, "{'execute': 'quit'}"));
    vht_qmp_close(q);
    assert_exit_ok(vht_wait_exit(p));
    g_unlink(path);
    g_rmdir(dir);
}

/* ------------------------------------------------------------------ */
/* Shutdown paths                                                       */
/* ------------------------------------------------------------------ */

static const char *shutdown_reason(JsonObject *ev)
{
    g_assert_nonnull(ev);
    return json_object_get_string_member(
        json_object_get_object_member(ev, "data"), "reason");
}

static void test_quit(void)
{
    VhtProc *p = vht_start("-qmp unix:@DIR@/second.sock,server=on,wait=off");
    g_autofree char *path = g_build_filename(vht_dir(p), "second.sock", NULL);
    VhtQmp *q2 = vht_qmp_connect(p, path);
    g_autoptr(JsonObject) rsp = NULL;
    g_autoptr(JsonObject) ev = NULL;
    g_autoptr(JsonObject) ev2 = NULL;

    vht_qmp_negotiate(q2);
    rsp = vht_qmp(p, "{'execute': 'quit'}");
    g_assert_true(json_object_has_member(rsp, "return"));
    ev = vht_qmp_wait_event(vht_qmp_main(p), "SHUTDOWN", 5000);
    ev2 = vht_qmp_wait_event(q2, "SHUTDOWN", 5000);
    g_assert_cmpstr(shutdown_reason(ev), ==, "host-qmp-quit");
    g_assert_cmpstr(shutdown_reason(ev2), ==, "host-qmp-quit");
    vht_qmp_close(q2);
    assert_exit_ok(vht_wait_exit(p));
}

static void test_signal(const void *data)
{
    int sig = GPOINTER_TO_INT(data);
    g_autofree char *dir = g_dir_make_tmp("vfio-host-sig-XXXXXX", NULL);
    g_autofree char *pidfile = g_build_filename(dir, "pid", NULL);
    VhtProc *p = vht_start("-m 64M,slots=1,maxmem=1G -pidfile %s "
                           "-object memory-backend-memfd,id=m,size=8M "
                           "-device pc-dimm,id=d,memdev=m", pidfile);
    g_autoptr(JsonObject) ev = NULL;

    vht_writeq(p, 1ULL << 30, 42);
    g_assert_cmpint(kill(vht_pid(p), sig), ==, 0);
    ev = vht_qmp_wait_event(vht_qmp_main(p), "SHUTDOWN", 10000);
    g_assert_cmpstr(shutdown_reason(ev), ==, "host-signal");
    assert_exit_ok(vht_wait_exit(p));
    g_assert_false(g_file_test(pidfile, G_FILE_TEST_EXISTS));
    g_rmdir(dir);
}

static bool process_gone(pid_t pid)
{
    g_autofree char *stat = g_strdup_printf("/proc/%d/stat", (int)pid);
    g_autofree char *text = NULL;
    const char *paren;

    if (!g_file_get_contents(stat, &text, NULL, NULL)) {
        return true;
    }
    paren = strrchr(text, ')');
    return paren && paren[2] == 'Z';        /* a zombie has exited */
}

static void test_daemonize(void)
{
    g_autofree char *dir = g_dir_make_tmp("vfio-host-daemon-XXXXXX", NULL);
    g_autofree char *pidfile = g_build_filename(dir, "pid", NULL);
    g_autofree char *sock = g_build_filename(dir, "qmp.sock", NULL);
    g_autofree char *qmp = g_strdup_printf("unix:%s,server=on,wait=off",
                                           sock);
    g_autofree char *text = NULL;
    pid_t pid;
    VhtQmp *q;

    g_assert_cmpint(run_capture((const char *[]){ "-daemonize", "-pidfile",
                                                 pidfile, "-qmp", qmp, NULL },
                                NULL, NULL), ==, 0);
    /* the parent exits only once the daemon serves: no wait needed */
    g_assert_true(g_file_get_contents(pidfile, &text, NULL, NULL));
    pid = (pid_t)g_ascii_strtoll(text, NULL, 10);
    g_assert_cmpint(pid, >, 0);
    q = vht_qmp_connect(NULL, sock);
    vht_qmp_negotiate(q);
    json_node_unref(vht_qmp_ok(q, "{'execute': 'quit'}"));
    vht_qmp_close(q);
    for (int i = 0; i < 1000 && !process_gone(pid); i++) {
        g_usleep(10000);
    }
    g_assert_true(process_gone(pid));
    g_assert_false(g_file_test(pidfile, G_FILE_TEST_EXISTS));
    g_rmdir(dir);
}

static void test_daemonize_error(void)
{
    g_autofree char *err = NULL;
    int rc = run_capture((const char *[]){ "-daemonize", "-object",
                                          "nosuch,id=x", NULL }, NULL, &err);

    g_assert_cmpint(rc, ==, 1);
    assert_contains(err, "vfio-host: -object nosuch,id=x: invalid object "
                         "type: nosuch\n");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cmdline/help-and-version", test_help_and_version);
    g_test_add_func("/cmdline/type-help", test_type_help);
    g_test_add_func("/cmdline/m-forms", test_m_forms);
    g_test_add_func("/cmdline/machine-memory-backend",
                    test_machine_memory_backend);
    g_test_add_func("/cmdline/object-device-forms", test_object_device_forms);
    g_test_add_func("/cmdline/chardev-mon-qtest", test_chardev_mon_qtest);
    g_test_add_func("/cmdline/qtest-stdio", test_qtest_stdio);
    g_test_add_func("/cmdline/trace-file", test_trace_file);
    g_test_add_func("/cmdline/name-paused-pidfile", test_name_paused_pidfile);
    g_test_add_func("/cmdline/libvirt-form", test_libvirt_form);
    g_test_add_func("/shutdown/quit", test_quit);
    g_test_add_data_func("/shutdown/sigterm", GINT_TO_POINTER(SIGTERM),
                         test_signal);
    g_test_add_data_func("/shutdown/sigint", GINT_TO_POINTER(SIGINT),
                         test_signal);
    g_test_add_data_func("/shutdown/sighup", GINT_TO_POINTER(SIGHUP),
                         test_signal);
    g_test_add_func("/shutdown/daemonize", test_daemonize);
    g_test_add_func("/shutdown/daemonize-error", test_daemonize_error);
    return g_test_run();
}
