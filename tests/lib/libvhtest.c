/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libvhtest: spawn QEMU and drive it over QMP and qtest, with bounded
 * waits everywhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "libvhtest.h"

#define VHT_MAX_IRQ 256
#define VHT_MAX_FDS 16

/* A line-oriented connection (QMP or qtest). */
typedef struct VhtConn {
    int fd;
    GString *in;
    VhtProc *proc;          /* to explain a hang-up; may be NULL */
} VhtConn;

struct VhtQmp {
    VhtConn conn;
    JsonObject *greeting;
    GQueue events;          /* JsonObject, not yet waited for */
};

struct VhtProc {
    pid_t pid;
    char *dir;
    char *qmp_path;
    char *qtest_path;
    VhtQmp *qmp;
    VhtConn *qtest;
    bool adopted;           /* vht_adopt(): not ours to wait for or clean */
    unsigned int irq_raises[VHT_MAX_IRQ];
    bool irq_level[VHT_MAX_IRQ];
};

/* ---- time ---- */

static gint64 timeout_us(void)
{
    const char *env = g_getenv("VHT_TIMEOUT_S");
    gint64 s = env ? g_ascii_strtoll(env, NULL, 10) : 0;

    return (s > 0 ? s : 20) * G_USEC_PER_SEC;
}

static gint64 deadline_in_ms(int ms)
{
    return g_get_monotonic_time() + (gint64)ms * 1000;
}

static gint64 default_deadline(void)
{
    return g_get_monotonic_time() + timeout_us();
}

static int ms_until(gint64 deadline)
{
    gint64 left = deadline - g_get_monotonic_time();

    return left <= 0 ? 0 : (int)MIN(left / 1000 + 1, 100);
}

/* ---- processes ---- */

static const char *binary(void)
{
    const char *bin = g_getenv("VHT_BINARY");

    if (!bin) {
        g_error("VHT_BINARY is not set (meson test sets it)");
    }
    return bin;
}

/* In the child, between fork and exec: async-signal-safe calls only. */
static void child_exec(char **argv, const int *pass_fds, int err_fd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    for (int i = 0; pass_fds && pass_fds[i] >= 0; i++) {
        fcntl(pass_fds[i], F_SETFD, 0);
    }
    if (err_fd >= 0) {
        dup2(err_fd, STDERR_FILENO);
    }
    execv(argv[0], argv);
    _exit(127);
}

static pid_t spawn(char **argv, const int *pass_fds, int err_fd)
{
    pid_t pid;

    fflush(NULL);
    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        child_exec(argv, pass_fds, err_fd);
    }
    return pid;
}

/* Wait for @pid until @deadline; Return: true and its status if it ended. */
static bool wait_until(pid_t pid, gint64 deadline, int *status)
{
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);

        if (r == pid) {
            return true;
        }
        g_assert_cmpint(r, ==, 0);
        if (g_get_monotonic_time() >= deadline) {
            return false;
        }
        g_usleep(5000);
    }
}

static char *describe_status(int status)
{
    if (WIFEXITED(status)) {
        return g_strdup_printf("exited with status %d", WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        return g_strdup_printf("was killed by signal %d (%s)",
                               WTERMSIG(status), strsignal(WTERMSIG(status)));
    }
    return g_strdup_printf("ended with wait status 0x%x", status);
}

/* Fail the test, saying whether the process is still there. */
G_NORETURN static void fail_with_proc(VhtProc *p, const char *what)
{
    int status;

    if (p && p->pid > 0 && waitpid(p->pid, &status, WNOHANG) == p->pid) {
        g_autofree char *how = describe_status(status);

        p->pid = -1;
        g_error("%s: QEMU %s", what, how);
    }
    g_error("%s", what);
}

static void add_monitor_args(VhtProc *p, GPtrArray *argv,
                             const VhtOptions *opts)
{
    if (!opts->no_qmp) {
        g_ptr_array_add(argv, g_strdup("-qmp"));
        g_ptr_array_add(argv, g_strdup_printf("unix:%s,server=on,wait=off",
                                              p->qmp_path));
    }
    if (opts->qtest) {
        g_ptr_array_add(argv, g_strdup("-qtest"));
        g_ptr_array_add(argv, g_strdup_printf("unix:%s,server=on,wait=off",
                                              p->qtest_path));
    }
}

static char **build_argv(VhtProc *p, const VhtOptions *opts)
{
    GPtrArray *argv = g_ptr_array_new();

    g_ptr_array_add(argv, g_strdup(binary()));
    add_monitor_args(p, argv, opts);
    for (int i = 0; opts->args && opts->args[i]; i++) {
        g_auto(GStrv) parts = g_strsplit(opts->args[i], "@DIR@", -1);

        g_ptr_array_add(argv, g_strjoinv(p->dir, parts));
    }
    g_ptr_array_add(argv, NULL);
    return (char **)g_ptr_array_free(argv, false);
}

static VhtConn *conn_connect(VhtProc *p, const char *path);
static void conn_free(VhtConn *c);
static VhtQmp *qmp_new_from_conn(VhtConn *c);

VhtProc *vht_start_opts(const VhtOptions *opts)
{
    VhtProc *p = g_new0(VhtProc, 1);
    g_auto(GStrv) argv = NULL;
    int err_fd = -1;

    p->dir = g_dir_make_tmp("vht-XXXXXX", NULL);
    g_assert_nonnull(p->dir);
    p->qmp_path = g_build_filename(p->dir, "qmp.sock", NULL);
    p->qtest_path = g_build_filename(p->dir, "qtest.sock", NULL);
    argv = build_argv(p, opts);
    if (opts->stderr_path) {
        err_fd = open(opts->stderr_path,
                      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        g_assert_cmpint(err_fd, >=, 0);
    }
    p->pid = spawn(argv, opts->pass_fds, err_fd);
    if (err_fd >= 0) {
        close(err_fd);
    }
    if (!opts->no_qmp) {
        p->qmp = qmp_new_from_conn(conn_connect(p, p->qmp_path));
        vht_qmp_negotiate(p->qmp);
    }
    if (opts->qtest) {
        p->qtest = conn_connect(p, p->qtest_path);
    }
    return p;
}

VhtProc *vht_start(const char *fmt, ...)
{
    g_autofree char *extra = NULL;
    g_auto(GStrv) args = NULL;
    g_autoptr(GError) err = NULL;
    VhtOptions opts = { .qtest = true };
    va_list ap;

    if (fmt) {
        va_start(ap, fmt);
        extra = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        if (*extra && !g_shell_parse_argv(extra, NULL, &args, &err)) {
            g_error("vht_start: '%s': %s", extra, err->message);
        }
    }
    opts.args = (const char *const *)args;
    return vht_start_opts(&opts);
}

static void proc_free(VhtProc *p)
{
    g_autoptr(GDir) dir = g_dir_open(p->dir, 0, NULL);
    const char *name;

    if (p->qmp) {
        vht_qmp_close(p->qmp);
    }
    if (p->qtest) {
        conn_free(p->qtest);
    }
    while (!p->adopted && dir && (name = g_dir_read_name(dir))) {
        g_autofree char *path = g_build_filename(p->dir, name, NULL);

        g_unlink(path);
    }
    if (!p->adopted) {
        g_rmdir(p->dir);
    }
    g_free(p->dir);
    g_free(p->qmp_path);
    g_free(p->qtest_path);
    g_free(p);
}

int vht_wait_exit(VhtProc *p)
{
    int status = 0;

    if (p->pid > 0 && !wait_until(p->pid, default_deadline(), &status)) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, &status, 0);
        g_error("QEMU did not exit within the timeout (killed)");
    }
    proc_free(p);
    return status;
}

int vht_kill(VhtProc *p, int sig)
{
    if (p->pid > 0) {
        kill(p->pid, sig);
    }
    return vht_wait_exit(p);
}

void vht_end(VhtProc *p)
{
    g_autoptr(JsonObject) rsp = NULL;
    g_autofree char *how = NULL;
    int status;

    g_assert_nonnull(p->qmp);
    rsp = vht_qmp(p, "{'execute': 'quit'}");
    if (!json_object_has_member(rsp, "return")) {
        g_error("quit failed");
    }
    status = vht_wait_exit(p);
    how = describe_status(status);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        g_error("QEMU %s after quit", how);
    }
}

VhtProc *vht_adopt(pid_t pid, const char *dir)
{
    VhtProc *p = g_new0(VhtProc, 1);

    p->pid = pid;
    p->adopted = true;
    p->dir = g_strdup(dir);
    p->qmp_path = g_build_filename(dir, "qmp.sock", NULL);
    p->qtest_path = g_build_filename(dir, "qtest.sock", NULL);
    /* not a child: conn_connect() cannot tell an exit from a slow start */
    p->qmp = qmp_new_from_conn(conn_connect(NULL, p->qmp_path));
    vht_qmp_negotiate(p->qmp);
    p->qtest = conn_connect(NULL, p->qtest_path);
    p->qtest->proc = p;
    return p;
}

void vht_release(VhtProc *p)
{
    g_assert(p->adopted);
    proc_free(p);
}

const char *vht_dir(VhtProc *p)
{
    return p->dir;
}

pid_t vht_pid(VhtProc *p)
{
    return p->pid;
}

/* ---- line connections ---- */

static int try_connect(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_assert_cmpint(fd, >=, 0);
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Connect, retrying while the process starts up. */
static VhtConn *conn_connect(VhtProc *p, const char *path)
{
    gint64 deadline = default_deadline();
    VhtConn *c = g_new0(VhtConn, 1);
    int status;

    while ((c->fd = try_connect(path)) < 0) {
        if (p && p->pid > 0 && waitpid(p->pid, &status, WNOHANG) == p->pid) {
            g_autofree char *how = describe_status(status);

            p->pid = -1;
            g_error("QEMU %s before listening on %s", how, path);
        }
        if (g_get_monotonic_time() >= deadline) {
            g_error("cannot connect to %s: %s", path, g_strerror(errno));
        }
        g_usleep(10000);
    }
    c->in = g_string_new(NULL);
    c->proc = p;
    return c;
}

static void conn_free(VhtConn *c)
{
    if (c->fd >= 0) {
        close(c->fd);
    }
    g_string_free(c->in, true);
    g_free(c);
}

static void conn_send(VhtConn *c, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            g_autofree char *what = g_strdup_printf("send: %s",
                                                    g_strerror(errno));

            fail_with_proc(c->proc, what);
        }
        buf += n;
        len -= (size_t)n;
    }
}

static char *take_line(GString *in)
{
    char *nl = memchr(in->str, '\n', in->len);
    char *line;

    if (!nl) {
        return NULL;
    }
    line = g_strndup(in->str, (gsize)(nl - in->str));
    g_string_erase(in, 0, nl - in->str + 1);
    return line;
}

/*
 * The next line, or NULL at @deadline or when the peer hangs up (then
 * *eof is set).
 */
static char *conn_read_line(VhtConn *c, gint64 deadline, bool *eof)
{
    char buf[65536];
    char *line;

    *eof = false;
    while (!(line = take_line(c->in))) {
        struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
        ssize_t n;

        if (g_get_monotonic_time() >= deadline) {
            return NULL;
        }
        if (poll(&pfd, 1, ms_until(deadline)) <= 0) {
            continue;
        }
        n = recv(c->fd, buf, sizeof(buf), 0);
        if (n <= 0) {
            *eof = true;
            return NULL;
        }
        g_string_append_len(c->in, buf, n);
    }
    return line;
}

/* The next line; a timeout or hang-up fails the test. */
static char *conn_expect_line(VhtConn *c, const char *what)
{
    bool eof;
    char *line = conn_read_line(c, default_deadline(), &eof);
    g_autofree char *msg = NULL;

    if (!line) {
        msg = g_strdup_printf("%s: %s", what, eof ? "connection closed"
                                                  : "timeout");
        fail_with_proc(c->proc, msg);
    }
    return line;
}

/* ---- QMP ---- */

static JsonObject *parse_object(const char *line)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) err = NULL;
    JsonNode *root;

    if (!json_parser_load_from_data(parser, line, -1, &err)) {
        g_error("QEMU sent bad JSON '%s': %s", line, err->message);
    }
    root = json_parser_get_root(parser);
    if (!JSON_NODE_HOLDS_OBJECT(root)) {
        g_error("QEMU sent a non-object: '%s'", line);
    }
    return json_object_ref(json_node_get_object(root));
}

static JsonObject *qmp_read(VhtQmp *q)
{
    g_autofree char *line = conn_expect_line(&q->conn, "waiting for QMP");

    return parse_object(line);
}

static VhtQmp *qmp_new_from_conn(VhtConn *c)
{
    VhtQmp *q = g_new0(VhtQmp, 1);

    q->conn = *c;
    g_free(c);
    g_queue_init(&q->events);
    q->greeting = qmp_read(q);
    if (!json_object_has_member(q->greeting, "QMP")) {
        g_error("the first QMP message is not a greeting");
    }
    return q;
}

VhtQmp *vht_qmp_connect(VhtProc *p, const char *path)
{
    return qmp_new_from_conn(conn_connect(p, path));
}

JsonObject *vht_qmp_greeting(VhtQmp *q)
{
    return q->greeting;
}

void vht_qmp_negotiate(VhtQmp *q)
{
    g_autoptr(JsonNode) ret = vht_qmp_ok(q, "{'execute': 'qmp_capabilities'}");
}

void vht_qmp_close(VhtQmp *q)
{
    g_queue_clear_full(&q->events, (GDestroyNotify)json_object_unref);
    json_object_unref(q->greeting);
    close(q->conn.fd);
    g_string_free(q->conn.in, true);
    g_free(q);
}

VhtQmp *vht_qmp_main(VhtProc *p)
{
    return p->qmp;
}

/* printf @fmt after turning its single quotes into double quotes. */
static char *format_request(const char *fmt, va_list ap)
{
    g_autofree char *dq = g_strdup(fmt);

    g_strdelimit(dq, "'", '"');
    return g_strdup_vprintf(dq, ap);
}

void vht_qmp_send_raw(VhtQmp *q, const char *buf, size_t len)
{
    conn_send(&q->conn, buf, len);
}

JsonObject *vht_qmp_receive(VhtQmp *q)
{
    for (;;) {
        JsonObject *msg = qmp_read(q);

        if (!json_object_has_member(msg, "event")) {
            return msg;
        }
        g_queue_push_tail(&q->events, msg);
    }
}

static JsonObject *qmp_vcmd(VhtQmp *q, const char *fmt, va_list ap)
{
    g_autofree char *req = format_request(fmt, ap);

    conn_send(&q->conn, req, strlen(req));
    return vht_qmp_receive(q);
}

JsonObject *vht_qmp_try(VhtProc *p, const char *fmt, ...)
{
    VhtQmp *q = p->qmp;
    g_autofree char *req = NULL;
    va_list ap;

    va_start(ap, fmt);
    req = format_request(fmt, ap);
    va_end(ap);
    conn_send(&q->conn, req, strlen(req));
    for (;;) {
        bool eof;
        g_autofree char *line = conn_read_line(&q->conn, default_deadline(),
                                               &eof);
        JsonObject *msg;

        if (!line && eof) {
            return NULL;
        }
        if (!line) {
            fail_with_proc(p, "waiting for QMP: timeout");
        }
        msg = parse_object(line);
        if (!json_object_has_member(msg, "event")) {
            return msg;
        }
        g_queue_push_tail(&q->events, msg);
    }
}

JsonObject *vht_qmpq(VhtQmp *q, const char *fmt, ...)
{
    JsonObject *rsp;
    va_list ap;

    va_start(ap, fmt);
    rsp = qmp_vcmd(q, fmt, ap);
    va_end(ap);
    return rsp;
}

JsonObject *vht_qmp(VhtProc *p, const char *fmt, ...)
{
    JsonObject *rsp;
    va_list ap;

    g_assert_nonnull(p->qmp);
    va_start(ap, fmt);
    rsp = qmp_vcmd(p->qmp, fmt, ap);
    va_end(ap);
    return rsp;
}

static void send_with_fds(VhtConn *c, const char *buf, size_t len,
                          const int *fds, int nfds)
{
    char ctl[CMSG_SPACE(sizeof(int) * VHT_MAX_FDS)] = { 0 };
    struct iovec iov = { (void *)buf, len };
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = ctl, .msg_controllen = CMSG_SPACE(sizeof(int) * nfds),
    };
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    ssize_t n;

    g_assert_cmpint(nfds, >, 0);
    g_assert_cmpint(nfds, <=, VHT_MAX_FDS);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds);
    n = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
    if (n < 0) {
        fail_with_proc(c->proc, "sendmsg with SCM_RIGHTS failed");
    }
    conn_send(c, buf + n, len - (size_t)n);
}

JsonObject *vht_qmp_fds(VhtQmp *q, const int *fds, int nfds,
                        const char *fmt, ...)
{
    g_autofree char *req = NULL;
    va_list ap;

    va_start(ap, fmt);
    req = format_request(fmt, ap);
    va_end(ap);
    send_with_fds(&q->conn, req, strlen(req), fds, nfds);
    return vht_qmp_receive(q);
}

static char *object_text(JsonObject *obj)
{
    g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), obj);

    return json_to_string(node, false);
}

JsonNode *vht_qmp_ok(VhtQmp *q, const char *fmt, ...)
{
    g_autoptr(JsonObject) rsp = NULL;
    va_list ap;

    va_start(ap, fmt);
    rsp = qmp_vcmd(q, fmt, ap);
    va_end(ap);
    if (!json_object_has_member(rsp, "return")) {
        g_autofree char *text = object_text(rsp);

        g_error("QMP command '%s' failed: %s", fmt, text);
    }
    return json_node_copy(json_object_get_member(rsp, "return"));
}

void vht_assert_error(JsonObject *rsp, const char *cls, const char *desc)
{
    g_autofree char *text = object_text(rsp);
    JsonObject *err;
    const char *got_cls, *got_desc;

    if (!json_object_has_member(rsp, "error")) {
        g_error("expected a %s error mentioning '%s', got %s", cls, desc,
                text);
    }
    err = json_object_get_object_member(rsp, "error");
    got_cls = json_object_get_string_member(err, "class");
    got_desc = json_object_get_string_member(err, "desc");
    if (g_strcmp0(got_cls, cls) || !got_desc || !strstr(got_desc, desc)) {
        g_error("expected a %s error mentioning '%s', got %s", cls, desc,
                text);
    }
}

void vht_qmp_expect_error(VhtQmp *q, const char *cls, const char *desc,
                          const char *fmt, ...)
{
    g_autoptr(JsonObject) rsp = NULL;
    va_list ap;

    va_start(ap, fmt);
    rsp = qmp_vcmd(q, fmt, ap);
    va_end(ap);
    vht_assert_error(rsp, cls, desc);
}

static JsonObject *take_queued_event(VhtQmp *q, const char *name)
{
    for (GList *l = q->events.head; l; l = l->next) {
        if (!g_strcmp0(json_object_get_string_member(l->data, "event"),
                       name)) {
            JsonObject *ev = l->data;

            g_queue_delete_link(&q->events, l);
            return ev;
        }
    }
    return NULL;
}

JsonObject *vht_qmp_wait_event(VhtQmp *q, const char *name, int timeout_ms)
{
    gint64 deadline = deadline_in_ms(timeout_ms);
    JsonObject *ev;

    while (!(ev = take_queued_event(q, name))) {
        bool eof;
        g_autofree char *line = conn_read_line(&q->conn, deadline, &eof);
        JsonObject *msg;

        if (!line) {
            return NULL;
        }
        msg = parse_object(line);
        if (!json_object_has_member(msg, "event")) {
            g_autofree char *text = object_text(msg);

            g_error("unexpected QMP reply while waiting for %s: %s", name,
                    text);
        }
        g_queue_push_tail(&q->events, msg);
    }
    return ev;
}

bool vht_qmp_hung_up(VhtQmp *q, int timeout_ms)
{
    gint64 deadline = deadline_in_ms(timeout_ms);
    bool eof = false;

    while (!eof && g_get_monotonic_time() < deadline) {
        g_free(conn_read_line(&q->conn, deadline, &eof));
    }
    return eof;
}

/* ---- qtest ---- */

static void note_irq(VhtProc *p, const char *line)
{
    unsigned int n;

    if (sscanf(line, "IRQ raise %u", &n) == 1 && n < VHT_MAX_IRQ) {
        p->irq_raises[n]++;
        p->irq_level[n] = true;
    } else if (sscanf(line, "IRQ lower %u", &n) == 1 && n < VHT_MAX_IRQ) {
        p->irq_level[n] = false;
    }
}

static bool is_irq_line(const char *line)
{
    return g_str_has_prefix(line, "IRQ ");
}

char *vht_qtest(VhtProc *p, const char *fmt, ...)
{
    g_autofree char *cmd = NULL;
    char *line;
    va_list ap;

    g_assert_nonnull(p->qtest);
    va_start(ap, fmt);
    cmd = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    conn_send(p->qtest, cmd, strlen(cmd));
    conn_send(p->qtest, "\n", 1);
    while (is_irq_line(line = conn_expect_line(p->qtest, cmd))) {
        note_irq(p, line);
        g_free(line);
    }
    return line;
}

/* Run a qtest command that must answer "OK[ VALUE]"; Return: VALUE. */
static char *qtest_ok(VhtProc *p, const char *cmd)
{
    g_autofree char *line = vht_qtest(p, "%s", cmd);

    if (!g_str_has_prefix(line, "OK")) {
        g_error("qtest '%s' failed: %s", cmd, line);
    }
    return g_strdup(line[2] == ' ' ? line + 3 : "");
}

static uint64_t qtest_read(VhtProc *p, const char *op, uint64_t addr)
{
    g_autofree char *cmd = g_strdup_printf("%s 0x%" G_GINT64_MODIFIER "x",
                                           op, addr);
    g_autofree char *val = qtest_ok(p, cmd);

    return g_ascii_strtoull(val, NULL, 0);
}

static void qtest_write(VhtProc *p, const char *op, uint64_t addr,
                        uint64_t val)
{
    g_autofree char *cmd = g_strdup_printf(
        "%s 0x%" G_GINT64_MODIFIER "x 0x%" G_GINT64_MODIFIER "x", op, addr,
        val);
    g_autofree char *ok = qtest_ok(p, cmd);
}

uint8_t vht_readb(VhtProc *p, uint64_t addr)
{
    return (uint8_t)qtest_read(p, "readb", addr);
}

uint16_t vht_readw(VhtProc *p, uint64_t addr)
{
    return (uint16_t)qtest_read(p, "readw", addr);
}

uint32_t vht_readl(VhtProc *p, uint64_t addr)
{
    return (uint32_t)qtest_read(p, "readl", addr);
}

uint64_t vht_readq(VhtProc *p, uint64_t addr)
{
    return qtest_read(p, "readq", addr);
}

void vht_writeb(VhtProc *p, uint64_t addr, uint8_t val)
{
    qtest_write(p, "writeb", addr, val);
}

void vht_writew(VhtProc *p, uint64_t addr, uint16_t val)
{
    qtest_write(p, "writew", addr, val);
}

void vht_writel(VhtProc *p, uint64_t addr, uint32_t val)
{
    qtest_write(p, "writel", addr, val);
}

void vht_writeq(VhtProc *p, uint64_t addr, uint64_t val)
{
    qtest_write(p, "writeq", addr, val);
}

void vht_memread(VhtProc *p, uint64_t addr, void *buf, size_t size)
{
    g_autofree char *cmd = g_strdup_printf(
        "read 0x%" G_GINT64_MODIFIER "x 0x%zx", addr, size);
    g_autofree char *hex = qtest_ok(p, cmd);
    const char *h = g_str_has_prefix(hex, "0x") ? hex + 2 : hex;
    uint8_t *out = buf;

    g_assert_cmpuint(strlen(h), ==, size * 2);
    for (size_t i = 0; i < size; i++) {
        out[i] = (uint8_t)(g_ascii_xdigit_value(h[2 * i]) << 4 |
                           g_ascii_xdigit_value(h[2 * i + 1]));
    }
}

void vht_memwrite(VhtProc *p, uint64_t addr, const void *buf, size_t size)
{
    GString *cmd = g_string_new(NULL);
    const uint8_t *in = buf;
    g_autofree char *ok = NULL;

    g_string_printf(cmd, "write 0x%" G_GINT64_MODIFIER "x 0x%zx 0x", addr,
                    size);
    for (size_t i = 0; i < size; i++) {
        g_string_append_printf(cmd, "%02x", in[i]);
    }
    ok = qtest_ok(p, cmd->str);
    g_string_free(cmd, true);
}

void vht_memset(VhtProc *p, uint64_t addr, uint8_t val, size_t size)
{
    g_autofree char *cmd = g_strdup_printf(
        "memset 0x%" G_GINT64_MODIFIER "x 0x%zx 0x%02x", addr, size, val);
    g_autofree char *ok = qtest_ok(p, cmd);
}

bool vht_irq_wait(VhtProc *p, unsigned int line, int timeout_ms)
{
    gint64 deadline = deadline_in_ms(timeout_ms);

    g_assert_cmpuint(line, <, VHT_MAX_IRQ);
    while (!p->irq_raises[line]) {
        bool eof;
        g_autofree char *l = conn_read_line(p->qtest, deadline, &eof);

        if (!l) {
            return false;
        }
        if (!is_irq_line(l)) {
            g_error("unexpected qtest line while waiting for IRQ %u: %s",
                    line, l);
        }
        note_irq(p, l);
    }
    return true;
}

unsigned int vht_irq_raises(VhtProc *p, unsigned int line)
{
    g_assert_cmpuint(line, <, VHT_MAX_IRQ);
    return p->irq_raises[line];
}

bool vht_irq_level(VhtProc *p, unsigned int line)
{
    g_assert_cmpuint(line, <, VHT_MAX_IRQ);
    return p->irq_level[line];
}
