/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest protocol (QEMU's line format) on a chardev: tests read and
 * write guest memory and device MMIO through the system address space, and
 * receive asynchronous "IRQ raise N" / "IRQ lower N" lines.
 *
 * Requests, one per line, numbers in C syntax (decimal or 0x hex):
 *   readb|readw|readl|readq ADDR        -> OK 0x%016x (value)
 *   writeb|writew|writel|writeq ADDR VAL -> OK
 *   read ADDR SIZE                      -> OK 0xHEXBYTES
 *   write ADDR SIZE 0xHEXBYTES          -> OK (short data is zero-filled)
 *   b64read ADDR SIZE                   -> OK BASE64
 *   b64write ADDR SIZE BASE64           -> OK
 *   memset ADDR SIZE VAL                -> OK
 *   endianness                          -> OK little
 * Failures answer "ERR <message>" (bad arguments, unassigned or read-only
 * addresses, device errors); an unknown command answers "FAIL Unknown
 * command 'NAME'" as QEMU does.  Multi-byte values are little-endian.
 */
#ifndef SYSTEM_QTEST_H
#define SYSTEM_QTEST_H

#include <glib.h>
#include <stdbool.h>

#include "chardev/char.h"
#include "exec/memory.h"

typedef struct QTest QTest;

/* The largest SIZE read/write/b64read/b64write/memset accept (bytes) */
#define QTEST_MAX_ACCESS (UINT64_C(64) << 20)

/**
 * qtest_process_line() - execute one request
 * @as: the address space accesses go through
 * @line: the request, without its newline
 *
 * Return: the reply line with its newline; free with g_free().
 */
char *qtest_process_line(AddressSpace *as, const char *line);

/**
 * qtest_new() - a qtest server over an address space
 * @as: the address space (borrowed; must outlive the server)
 *
 * Return: the server; free with qtest_free().
 */
QTest *qtest_new(AddressSpace *as);

/** qtest_free() - disconnect every client and free @qt (NULL: no-op) */
void qtest_free(QTest *qt);

/**
 * qtest_attach() - serve qtest on a chardev
 * @qt: the server
 * @chr: the chardev (borrowed; must outlive @qt's use of it)
 * @errp: set if @chr already has a frontend
 *
 * Return: true on success.
 */
bool qtest_attach(QTest *qt, Chardev *chr, GError **errp);

/**
 * qtest_set_irq() - report an interrupt line's level to qtest clients
 * @qt: the server (NULL: no-op, for code running without -qtest)
 * @n: the line number (0 to 255)
 * @level: the new level
 *
 * Sends "IRQ raise N" or "IRQ lower N" to every client when the level of
 * line @n changes, as QEMU's qtest does for intercepted IRQs.  An edge
 * (an MSI) is a raise followed by a lower.
 */
void qtest_set_irq(QTest *qt, int n, bool level);

#endif /* SYSTEM_QTEST_H */
