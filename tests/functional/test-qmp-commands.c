/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Functional tests of the built-in QMP commands of vfio-host: greeting,
 * negotiation, query-version/commands/status, quit, ids and errors.
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "libvhtest.h"

static const char *const negotiation_args[] = {
    "-chardev", "socket,id=m1,path=@DIR@/m1.sock,server=on,wait=off",
    "-mon", "chardev=m1,mode=control",
    NULL
};

static void test_greeting(void)
{
    VhtProc *p = vht_start(NULL);
    JsonObject *qmp = json_object_get_object_member(
        vht_qmp_greeting(vht_qmp_main(p)), "QMP");
    JsonObject *version = json_object_get_object_member(qmp, "version");
    JsonObject *qemu = json_object_get_object_member(version, "qemu");
    g_autofree char *v = g_strdup_printf(
        "%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT,
        json_object_get_int_member(qemu, "major"),
        json_object_get_int_member(qemu, "minor"),
        json_object_get_int_member(qemu, "micro"));
    g_autoptr(JsonNode) qv = vht_qmp_ok(vht_qmp_main(p),
                                        "{'execute': 'query-version'}");
    JsonObject *ret = json_node_get_object(qv);

    g_assert_cmpstr(v, ==, VFIO_HOST_VERSION);
    g_assert_cmpstr(json_object_get_string_member(version, "package"), ==, "");
    /* no out-of-band execution, so no "oob" */
    g_assert_cmpuint(json_array_get_length(
        json_object_get_array_member(qmp, "capabilities")), ==, 0);
    g_assert_true(json_node_equal(json_object_get_member(ret, "qemu"),
                                  json_object_get_member(version, "qemu")));
    vht_end(p);
}

static void test_negotiation(void)
{
    VhtOptions opts = { .args = negotiation_args };
    VhtProc *p = vht_start_opts(&opts);
    g_autofree char *path = g_build_filename(vht_dir(p), "m1.sock", NULL);
    VhtQmp *q = vht_qmp_connect(p, path);

    vht_qmp_expect_error(q, "CommandNotFound", "Expecting capabilities "
                         "negotiation with 'qmp_capabilities'",
                         "{'execute': 'query-status'}");
    vht_qmp_expect_error(q, "GenericError", "Capability 'oob' not available",
                         "{'execute': 'qmp_capabilities', 'arguments': "
                         "{'enable': ['oob']}}");
    vht_qmp_negotiate(q);
    vht_qmp_expect_error(q, "CommandNotFound", "Capabilities negotiation is "
                         "already complete, command ignored",
                         "{'execute': 'qmp_capabilities'}");
    vht_qmp_close(q);
    vht_end(p);
}

static bool has_command(JsonArray *cmds, const char *name)
{
    for (guint i = 0; i < json_array_get_length(cmds); i++) {
        JsonObject *c = json_array_get_object_element(cmds, i);

        if (!strcmp(json_object_get_string_member(c, "name"), name)) {
            return true;
        }
    }
    return false;
}

static void test_query_commands(void)
{
    static const char *const builtins[] = {
        "qmp_capabilities", "query-version", "query-commands", "query-status",
        "quit", "getfd", "closefd", "add-fd", "remove-fd", "query-fdsets",
    };
    VhtProc *p = vht_start(NULL);
    g_autoptr(JsonNode) ret = vht_qmp_ok(vht_qmp_main(p),
                                         "{'execute': 'query-commands'}");
    JsonArray *cmds = json_node_get_array(ret);

    for (size_t i = 0; i < G_N_ELEMENTS(builtins); i++) {
        g_assert_true(has_command(cmds, builtins[i]));
    }
    g_assert_false(has_command(cmds, "human-monitor-command"));
    vht_end(p);
}

static void test_query_status(void)
{
    VhtProc *p = vht_start(NULL);
    g_autoptr(JsonNode) ret = vht_qmp_ok(vht_qmp_main(p),
                                         "{'execute': 'query-status'}");
    JsonObject *st = json_node_get_object(ret);

    g_assert_cmpstr(json_object_get_string_member(st, "status"), ==,
                    "running");
    g_assert_true(json_object_get_boolean_member(st, "running"));
    vht_end(p);
}

static void test_ids_echoed(void)
{
    VhtProc *p = vht_start(NULL);
    g_autoptr(JsonObject) ok = vht_qmp(p, "{'execute': 'query-status', "
                                       "'id': {'seq': [1, 'a']}}");
    g_autoptr(JsonObject) bad = vht_qmp(p, "{'execute': 'nope', 'id': 7}");
    g_autoptr(JsonObject) noid = vht_qmp(p, "{'execute': 'nope'}");
    JsonObject *id = json_object_get_object_member(ok, "id");

    g_assert_true(json_object_has_member(ok, "return"));
    g_assert_cmpuint(json_array_get_length(
        json_object_get_array_member(id, "seq")), ==, 2);
    vht_assert_error(bad, "CommandNotFound",
                     "The command nope has not been found");
    g_assert_cmpint(json_object_get_int_member(bad, "id"), ==, 7);
    g_assert_false(json_object_has_member(noid, "id"));
    vht_end(p);
}

static void test_quit_hangs_up(void)
{
    VhtOptions opts = { .args = negotiation_args };
    VhtProc *p = vht_start_opts(&opts);
    g_autofree char *path = g_build_filename(vht_dir(p), "m1.sock", NULL);
    VhtQmp *q = vht_qmp_connect(p, path);
    g_autoptr(JsonObject) ev = NULL;

    vht_qmp_negotiate(q);
    vht_end(p);         /* quit on the main monitor, exit status 0 */
    /* the other monitor saw SHUTDOWN, then the hang-up */
    ev = vht_qmp_wait_event(q, "SHUTDOWN", 5000);
    g_assert_nonnull(ev);
    g_assert_true(json_object_has_member(ev, "timestamp"));
    g_assert_true(vht_qmp_hung_up(q, 5000));
    vht_qmp_close(q);
}

static void test_sigterm_clean_exit(void)
{
    VhtProc *p = vht_start(NULL);
    int status = vht_kill(p, SIGTERM);

    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp-commands/greeting", test_greeting);
    g_test_add_func("/qmp-commands/negotiation", test_negotiation);
    g_test_add_func("/qmp-commands/query-commands", test_query_commands);
    g_test_add_func("/qmp-commands/query-status", test_query_status);
    g_test_add_func("/qmp-commands/ids-echoed", test_ids_echoed);
    g_test_add_func("/qmp-commands/quit-hangs-up", test_quit_hangs_up);
    g_test_add_func("/qmp-commands/sigterm-clean-exit",
                    test_sigterm_clean_exit);
    return g_test_run();
}
