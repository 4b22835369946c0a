/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of system/qtest-server.c: a qtest client on a socket chardev,
 * requests split across writes and several per write, asynchronous IRQ
 * lines (only on level changes), and clients that hang up.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "system/qtest.h"

typedef struct Fixture {
    char *dir;
    char *path;
    MemoryTopology *topo;
    AddressSpace *as;
    uint8_t ram[4096];
    FdRegistry *fds;
    Chardev *chr;
    QTest *qt;
} Fixture;

static void fixture_setup(Fixture *f, const void *data)
{
    g_autoptr(MemoryRegion) root = NULL;
    g_autoptr(MemoryRegion) ram = NULL;
    g_autofree char *opts = NULL;
    g_autoptr(GError) err = NULL;

    f->dir = g_dir_make_tmp("vfio-host-qtest-XXXXXX", NULL);
    f->path = g_build_filename(f->dir, "qtest.sock", NULL);
    f->topo = memory_topology_new();
    root = memory_region_new_container(f->topo, "root", UINT64_MAX);
    ram = memory_region_new_ram_ptr(f->topo, "ram", sizeof(f->ram), f->ram);
    memory_region_add_subregion(root, 0, ram);
    f->as = address_space_new(f->topo, root, "test");
    f->fds = fd_registry_new();
    opts = g_strdup_printf("socket,id=qt,path=%s,server=on,wait=off",
                           f->path);
    f->chr = chardev_new(opts, f->fds, &err);
    g_assert_no_error(err);
    f->qt = qtest_new(f->as);
    g_assert_true(qtest_attach(f->qt, f->chr, &err));
}

static void fixture_teardown(Fixture *f, const void *data)
{
    qtest_free(f->qt);
    chardev_free(f->chr);
    fd_registry_free(f->fds);
    address_space_free(f->as);
    memory_topology_unref(f->topo);
    g_unlink(f->path);
    g_rmdir(f->dir);
    g_free(f->path);
    g_free(f->dir);
}

static int client_connect(Fixture *f)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

    g_strlcpy(sa.sun_path, f->path, sizeof(sa.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    return fd;
}

static void client_send(int fd, const char *text)
{
    g_assert_cmpint(write(fd, text, strlen(text)), ==, (ssize_t)strlen(text));
}

/* Run the main loop until a whole line arrives on @fd */
static char *client_line(int fd)
{
    GString *line = g_string_new(NULL);
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    char c;

    while (g_get_monotonic_time() < deadline) {
        ssize_t n = read(fd, &c, 1);

        if (n == 1 && c == '\n') {
            return g_string_free(line, FALSE);
        }
        if (n == 1) {
            g_string_append_c(line, c);
            continue;
        }
        g_assert_true(n < 0 && errno == EAGAIN);
        g_main_context_iteration(NULL, FALSE);
        g_usleep(1000);
    }
    g_error("no reply from the qtest server (got '%s')", line->str);
}

/* Nothing more may arrive on @fd for a few main-loop rounds */
static void client_quiet(int fd)
{
    char c;

    for (int i = 0; i < 20; i++) {
        g_main_context_iteration(NULL, FALSE);
    }
    g_assert_cmpint(read(fd, &c, 1), ==, -1);
    g_assert_cmpint(errno, ==, EAGAIN);
}

static void expect_line(int fd, const char *want)
{
    g_autofree char *line = client_line(fd);

    g_assert_cmpstr(line, ==, want);
}

static void test_requests(Fixture *f, const void *data)
{
    int fd = client_connect(f);
    g_autofree char *err = NULL;

    client_send(fd, "writel 0x10 0x");
    client_send(fd, "abcd1234\nreadl 0x10\nre");
    expect_line(fd, "OK");
    expect_line(fd, "OK 0x00000000abcd1234");
    client_send(fd, "adb 0x13\n");
    expect_line(fd, "OK 0x00000000000000ab");
    g_assert_cmpuint(f->ram[0x10], ==, 0x34);
    client_send(fd, "readb 0x1000\n");
    err = client_line(fd);
    g_assert_true(g_str_has_prefix(err, "ERR "));
    close(fd);
}

static void test_irq_lines(Fixture *f, const void *data)
{
    int fd = client_connect(f);

    client_send(fd, "endianness\n");        /* makes sure it is accepted */
    expect_line(fd, "OK little");
    qtest_set_irq(f->qt, 5, true);
    expect_line(fd, "IRQ raise 5");
    qtest_set_irq(f->qt, 5, true);           /* no change, no line */
    client_quiet(fd);
    qtest_set_irq(f->qt, 5, false);
    expect_line(fd, "IRQ lower 5");
    qtest_set_irq(f->qt, 255, true);
    expect_line(fd, "IRQ raise 255");
    qtest_set_irq(f->qt, 256, true);         /* out of range: ignored */
    qtest_set_irq(f->qt, -1, true);
    qtest_set_irq(NULL, 1, true);            /* no qtest: a no-op */
    client_quiet(fd);
    close(fd);
}

static void test_hangup(Fixture *f, const void *data)
{
    int fd = client_connect(f);
    int fd2;

    client_send(fd, "endianness\n");
    expect_line(fd, "OK little");
    close(fd);
    for (int i = 0; i < 20; i++) {
        g_main_context_iteration(NULL, FALSE);
    }
    qtest_set_irq(f->qt, 1, true);           /* nobody to tell: fine */
    fd2 = client_connect(f);
    client_send(fd2, "readb 0\n");
    expect_line(fd2, "OK 0x0000000000000000");
    close(fd2);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) \
    g_test_add("/qtest-server/" path, Fixture, NULL, fixture_setup, fn, \
               fixture_teardown)
    ADD("requests", test_requests);
    ADD("irq-lines", test_irq_lines);
    ADD("hangup", test_hangup);
#undef ADD
    return g_test_run();
}
