/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A QMP client for unit tests: one end of a socketpair, the other end
 * served by a QmpServer in this process.  Reads spin the default main
 * context, so the server runs while the test waits; every wait is bounded.
 */
#ifndef TEST_QMP_COMMON_H
#define TEST_QMP_COMMON_H

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "monitor/qmp.h"

#define TC_TIMEOUT_US (10 * G_USEC_PER_SEC)

typedef struct TestClient {
    int fd;
    GString *in;                /* received bytes not yet taken as lines */
} TestClient;

/* Serve QMP on one end of a new socketpair; the client gets the other. */
static inline TestClient *tc_new(QmpServer *qmp)
{
    TestClient *c = g_new0(TestClient, 1);
    g_autoptr(GSocket) sock = NULL;
    g_autoptr(GSocketConnection) conn = NULL;
    int sv[2];

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
                    ==, 0);
    sock = g_socket_new_from_fd(sv[1], NULL);
    g_assert_nonnull(sock);
    conn = g_socket_connection_factory_create_connection(sock);
    qmp_monitor_attach_stream(qmp, G_IO_STREAM(conn));
    c->fd = sv[0];
    c->in = g_string_new(NULL);
    return c;
}

/* A client on an already connected socket (e.g. through a chardev). */
static inline TestClient *tc_new_on_fd(int fd)
{
    TestClient *c = g_new0(TestClient, 1);

    c->fd = fd;
    c->in = g_string_new(NULL);
    return c;
}

static inline void tc_free(TestClient *c)
{
    if (c->fd >= 0) {
        close(c->fd);
    }
    g_string_free(c->in, true);
    g_free(c);
}

/* Run the main loop a little. */
static inline void tc_spin(void)
{
    while (g_main_context_iteration(NULL, false)) {
    }
}

static inline void tc_send_bytes(TestClient *c, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0 && errno == EAGAIN) {
            tc_spin();
            continue;
        }
        g_assert_cmpint(n, >, 0);
        buf += n;
        len -= (size_t)n;
    }
}

static inline void tc_send(TestClient *c, const char *text)
{
    tc_send_bytes(c, text, strlen(text));
}

/* Send @text with @fd attached (SCM_RIGHTS) to its first byte. */
static inline void tc_send_fd(TestClient *c, const char *text, int fd)
{
    char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
    struct iovec iov = { (void *)text, strlen(text) };
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = ctl, .msg_controllen = sizeof(ctl),
    };
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    g_assert_cmpint(sendmsg(c->fd, &msg, MSG_NOSIGNAL), ==,
                    (ssize_t)strlen(text));
}

/* Take one line if a whole one has arrived; NULL otherwise. */
static inline char *tc_take_line(TestClient *c)
{
    char *nl = memchr(c->in->str, '\n', c->in->len);
    char *line;

    if (!nl) {
        return NULL;
    }
    line = g_strndup(c->in->str, (gsize)(nl - c->in->str));
    g_string_erase(c->in, 0, nl - c->in->str + 1);
    return line;
}

/* Receive what is there; Return: false on EOF. */
static inline bool tc_pull(TestClient *c)
{
    char buf[4096];
    ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

    if (n > 0) {
        g_string_append_len(c->in, buf, n);
    }
    return n != 0;
}

/* The next line from the server, waiting (bounded) for it. */
static inline char *tc_recv_line(TestClient *c)
{
    gint64 deadline = g_get_monotonic_time() + TC_TIMEOUT_US;
    char *line;

    while (!(line = tc_take_line(c))) {
        struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        tc_spin();
        g_assert_true(tc_pull(c));
        poll(&pfd, 1, 1);
    }
    return line;
}

/* Return: true if the server hung up within the timeout. */
static inline bool tc_wait_hangup(TestClient *c)
{
    gint64 deadline = g_get_monotonic_time() + TC_TIMEOUT_US;

    while (g_get_monotonic_time() < deadline) {
        tc_spin();
        if (!tc_pull(c)) {
            return true;
        }
        g_usleep(1000);
    }
    return false;
}

static inline JsonNode *tc_parse(const char *line)
{
    g_autoptr(JsonParser) p = json_parser_new();
    g_autoptr(GError) err = NULL;

    if (!json_parser_load_from_data(p, line, -1, &err)) {
        g_error("server sent bad JSON '%s': %s", line, err->message);
    }
    return json_node_ref(json_parser_get_root(p));
}

/* The next message, as an object; free with json_object_unref(). */
static inline JsonObject *tc_recv(TestClient *c)
{
    g_autofree char *line = tc_recv_line(c);
    g_autoptr(JsonNode) node = tc_parse(line);

    g_assert_true(JSON_NODE_HOLDS_OBJECT(node));
    return json_object_ref(json_node_get_object(node));
}

/* Send a request and return its response object. */
static inline JsonObject *tc_cmd(TestClient *c, const char *text)
{
    tc_send(c, text);
    return tc_recv(c);
}

/* Check @rsp is an error of @cls whose desc contains @desc. */
static inline void tc_assert_error(JsonObject *rsp, const char *cls,
                                   const char *desc)
{
    JsonObject *err;

    if (!json_object_has_member(rsp, "error")) {
        g_autoptr(JsonNode) n = json_node_init_object(json_node_alloc(), rsp);
        g_autofree char *text = json_to_string(n, false);

        g_error("expected an error, got %s", text);
    }
    err = json_object_get_object_member(rsp, "error");
    g_assert_cmpstr(json_object_get_string_member(err, "class"), ==, cls);
    if (!strstr(json_object_get_string_member(err, "desc"), desc)) {
        g_error("error '%s' does not mention '%s'",
                json_object_get_string_member(err, "desc"), desc);
    }
}

static inline void tc_expect_error(TestClient *c, const char *text,
                                   const char *cls, const char *desc)
{
    g_autoptr(JsonObject) rsp = tc_cmd(c, text);

    tc_assert_error(rsp, cls, desc);
}

/* Send a request that must succeed; Return: its "return" member (new). */
static inline JsonNode *tc_ok(TestClient *c, const char *text)
{
    g_autoptr(JsonObject) rsp = tc_cmd(c, text);

    if (!json_object_has_member(rsp, "return")) {
        g_autoptr(JsonNode) n = json_node_init_object(json_node_alloc(),
                                                      rsp);
        g_autofree char *s = json_to_string(n, false);

        g_error("'%s' failed: %s", text, s);
    }
    return json_node_copy(json_object_get_member(rsp, "return"));
}

/* Read the greeting and negotiate capabilities. */
static inline void tc_negotiate(TestClient *c)
{
    g_autoptr(JsonObject) greeting = tc_recv(c);
    g_autoptr(JsonNode) ret = NULL;

    g_assert_true(json_object_has_member(greeting, "QMP"));
    ret = tc_ok(c, "{\"execute\": \"qmp_capabilities\"}");
}

#endif /* TEST_QMP_COMMON_H */
