/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libvhtest: drive a QEMU process from a GTest program, as QEMU's
 * libqtest does: spawn it with QMP (and qtest) on unix sockets in a fresh
 * temporary directory, talk QMP and qtest, pass fds, and check that it
 * exits cleanly.
 *
 * The binary is found in $VHT_BINARY (meson sets it).  Every wait is
 * bounded (20 s, or $VHT_TIMEOUT_S): a hung process fails the test instead
 * of hanging it, and the process is killed if the test dies (it gets
 * SIGKILL when the test process goes away).
 *
 * Failures are GTest assertions: the helpers return only on success,
 * except where a function says it returns an error.
 *
 * In QMP format strings, single quotes stand for double quotes so that C
 * tests read cleanly: vht_qmp(p, "{'execute': 'getfd', 'arguments':
 * {'fdname': '%s'}}", name).  Substituted arguments are not changed.  Use
 * vht_qmp_send_raw() for exact bytes.
 */
#ifndef LIBVHTEST_H
#define LIBVHTEST_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct VhtProc VhtProc;     /* one QEMU process */
typedef struct VhtQmp VhtQmp;       /* one QMP connection */

typedef struct VhtOptions {
    /*
     * extra command-line arguments, NULL-terminated (NULL: none); "@DIR@"
     * in them stands for the process's temporary directory
     */
    const char *const *args;
    /* also serve qtest on DIR/qtest.sock */
    bool qtest;
    /* do not add -qmp: the test's own arguments set the monitors up */
    bool no_qmp;
    /* fds the child inherits under the same numbers, -1-terminated */
    const int *pass_fds;
    /*
     * write the child's stderr into this file (created or truncated), to
     * read what it printed before it died; NULL: the test's own stderr
     */
    const char *stderr_path;
} VhtOptions;

/* ---- processes ---- */

/**
 * vht_start() - start QEMU with QMP and qtest, negotiated
 * @fmt: extra arguments as one printf-style string, split like a shell
 *       would ("-object memory-backend-ram,id=m,size=1M"), or NULL; "@DIR@"
 *       stands for the process's temporary directory
 *
 * Return: the process; end it with vht_end() (or vht_kill()).
 */
VhtProc *vht_start(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/**
 * vht_start_opts() - start QEMU as @opts say
 * @opts: what to start
 *
 * Unless @opts->no_qmp, the main monitor is connected and negotiated.
 *
 * Return: the process; end it with vht_end() (or vht_kill()).
 */
VhtProc *vht_start_opts(const VhtOptions *opts);

/**
 * vht_end() - quit through QMP and check a clean exit (status 0, no
 * signal, so no sanitizer report either); frees @p
 */
void vht_end(VhtProc *p);

/**
 * vht_kill() - send @sig and wait for the process to exit; frees @p
 * Return: the wait status (check it with WIFEXITED()...).
 */
int vht_kill(VhtProc *p, int sig);

/**
 * vht_wait_exit() - wait for a process that exits by itself; frees @p
 * Return: the wait status.
 */
int vht_wait_exit(VhtProc *p);

/**
 * vht_adopt() - drive a QEMU process that something else started (libvirt)
 * through the QMP and qtest servers its command line opened in @dir
 * (@dir/qmp.sock and @dir/qtest.sock, "server=on,wait=off"); QMP is
 * negotiated.  The process is not this program's child: it cannot be
 * waited for, and vht_release() leaves it running.
 *
 * Return: the process; drop it with vht_release().
 */
VhtProc *vht_adopt(pid_t pid, const char *dir);

/** vht_release() - close the connections to an adopted @p; frees @p */
void vht_release(VhtProc *p);

/** vht_dir() - Return: the process's temporary directory */
const char *vht_dir(VhtProc *p);

/** vht_pid() - Return: the process id */
pid_t vht_pid(VhtProc *p);

/* ---- QMP ---- */

/** vht_qmp_main() - Return: the process's main monitor (borrowed) */
VhtQmp *vht_qmp_main(VhtProc *p);

/**
 * vht_qmp_connect() - connect to a QMP socket and read the greeting
 * @p: the process (to notice if it dies), or NULL
 * @path: the socket
 *
 * Return: the connection, not negotiated yet; free with vht_qmp_close().
 */
VhtQmp *vht_qmp_connect(VhtProc *p, const char *path);

/** vht_qmp_greeting() - Return: the greeting received (borrowed) */
JsonObject *vht_qmp_greeting(VhtQmp *q);

/** vht_qmp_negotiate() - run qmp_capabilities, which must succeed */
void vht_qmp_negotiate(VhtQmp *q);

/** vht_qmp_close() - hang up and free @q */
void vht_qmp_close(VhtQmp *q);

/**
 * vht_qmp() - run a command on the main monitor
 * @p: the process
 * @fmt: the request (single quotes for double quotes), printf-style
 *
 * Events that arrive first are kept for vht_qmp_wait_event().
 *
 * Return: the response object; free with json_object_unref().
 */
JsonObject *vht_qmp(VhtProc *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/**
 * vht_qmp_try() - vht_qmp() for a command that may kill the process
 * Return: the response object (free with json_object_unref()), or NULL if
 * QEMU hung up instead of answering; vht_wait_exit() then says how it
 * ended.
 */
JsonObject *vht_qmp_try(VhtProc *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/** vht_qmpq() - vht_qmp() on a given connection */
JsonObject *vht_qmpq(VhtQmp *q, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/**
 * vht_qmp_fds() - run a command, passing fds with SCM_RIGHTS
 * @q: the connection
 * @fds: the fds to send with the request's bytes
 * @nfds: how many
 * @fmt: the request, as for vht_qmp()
 *
 * Return: the response object; free with json_object_unref().
 */
JsonObject *vht_qmp_fds(VhtQmp *q, const int *fds, int nfds,
                        const char *fmt, ...) G_GNUC_PRINTF(4, 5);

/**
 * vht_qmp_ok() - run a command that must succeed
 * Return: its "return" value; free with json_node_unref().
 */
JsonNode *vht_qmp_ok(VhtQmp *q, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/**
 * vht_qmp_expect_error() - run a command that must fail
 * @q: the connection
 * @cls: the expected error class ("GenericError")
 * @desc: a substring the error's "desc" must contain
 * @fmt: the request, as for vht_qmp()
 */
void vht_qmp_expect_error(VhtQmp *q, const char *cls, const char *desc,
                          const char *fmt, ...) G_GNUC_PRINTF(4, 5);

/** vht_assert_error() - check @rsp is an error of @cls mentioning @desc */
void vht_assert_error(JsonObject *rsp, const char *cls, const char *desc);

/** vht_qmp_send_raw() - send exact bytes, no reply awaited */
void vht_qmp_send_raw(VhtQmp *q, const char *buf, size_t len);

/**
 * vht_qmp_receive() - the next message that is not an event
 * Return: it; free with json_object_unref().
 */
JsonObject *vht_qmp_receive(VhtQmp *q);

/**
 * vht_qmp_wait_event() - wait for an event
 * @q: the connection
 * @name: the event name
 * @timeout_ms: how long to wait
 *
 * Return: the event, or NULL on timeout; free with json_object_unref().
 */
JsonObject *vht_qmp_wait_event(VhtQmp *q, const char *name, int timeout_ms);

/**
 * vht_qmp_hung_up() - Return: true if the server closed @q within
 * @timeout_ms (pending messages are discarded)
 */
bool vht_qmp_hung_up(VhtQmp *q, int timeout_ms);

/* ---- qtest (needs VhtOptions.qtest or vht_start()) ---- */

/**
 * vht_qtest() - send one qtest command line
 * @p: the process
 * @fmt: the command without newline, printf-style
 *
 * Asynchronous "IRQ raise/lower N" lines are collected on the way.
 *
 * Return: the reply line without newline ("OK ...", "ERR ..."); free with
 * g_free().
 */
char *vht_qtest(VhtProc *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

uint8_t vht_readb(VhtProc *p, uint64_t addr);
uint16_t vht_readw(VhtProc *p, uint64_t addr);
uint32_t vht_readl(VhtProc *p, uint64_t addr);
uint64_t vht_readq(VhtProc *p, uint64_t addr);
void vht_writeb(VhtProc *p, uint64_t addr, uint8_t val);
void vht_writew(VhtProc *p, uint64_t addr, uint16_t val);
void vht_writel(VhtProc *p, uint64_t addr, uint32_t val);
void vht_writeq(VhtProc *p, uint64_t addr, uint64_t val);

/** vht_memread() - read @size bytes of guest memory ("read") */
void vht_memread(VhtProc *p, uint64_t addr, void *buf, size_t size);

/** vht_memwrite() - write @size bytes of guest memory ("write") */
void vht_memwrite(VhtProc *p, uint64_t addr, const void *buf, size_t size);

/** vht_memset() - fill guest memory ("memset") */
void vht_memset(VhtProc *p, uint64_t addr, uint8_t val, size_t size);

/**
 * vht_irq_wait() - wait until IRQ line @line has been raised
 * Return: true if it was (now or before) within @timeout_ms.
 */
bool vht_irq_wait(VhtProc *p, unsigned int line, int timeout_ms);

/** vht_irq_raises() - Return: how many times @line was raised so far */
unsigned int vht_irq_raises(VhtProc *p, unsigned int line);

/** vht_irq_level() - Return: the last level reported for @line */
bool vht_irq_level(VhtProc *p, unsigned int line);

#endif /* LIBVHTEST_H */
