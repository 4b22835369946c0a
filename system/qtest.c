/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest protocol: one request line in, one reply line out, through an
 * address space.  See system/qtest.h for the commands and replies.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "system/qtest.h"
#include "trace-system.h"

typedef char *(*QTestCommandFunc)(AddressSpace *as, char **args,
                                  unsigned size);

typedef struct QTestCommand {
    const char *name;
    unsigned nargs;
    QTestCommandFunc fn;
    unsigned size;              /* access size of readX/writeX */
} QTestCommand;

static char *reply_err(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static char *reply_err(const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return g_strdup_printf("ERR %s\n", msg);
}

static char *reply_gerror(GError *err)
{
    char *reply = reply_err("%s", err->message);

    g_error_free(err);
    return reply;
}

/* strtoull with base 0, as QEMU's qtest parses numbers; no sign */
static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;

    if (!g_ascii_isdigit(s[0])) {
        return false;
    }
    errno = 0;
    *out = strtoull(s, &end, 0);
    return errno == 0 && *end == '\0';
}

static char *parse_addr_size(char **args, uint64_t *addr, uint64_t *size)
{
    if (!parse_u64(args[0], addr)) {
        return reply_err("invalid address '%s'", args[0]);
    }
    if (!parse_u64(args[1], size)) {
        return reply_err("invalid size '%s'", args[1]);
    }
    if (*size > QTEST_MAX_ACCESS) {
        return reply_err("size 0x%" PRIx64 " is above the limit of 0x%"
                         PRIx64, *size, QTEST_MAX_ACCESS);
    }
    return NULL;
}

static char *cmd_readx(AddressSpace *as, char **args, unsigned size)
{
    uint64_t addr, value = 0;
    GError *err = NULL;

    if (!parse_u64(args[0], &addr)) {
        return reply_err("invalid address '%s'", args[0]);
    }
    /* little-endian host and guest: the low bytes of value are the data */
    if (!address_space_read(as, addr, &value, size, &err)) {
        return reply_gerror(err);
    }
    return g_strdup_printf("OK 0x%016" PRIx64 "\n", GUINT64_FROM_LE(value));
}

static char *cmd_writex(AddressSpace *as, char **args, unsigned size)
{
    uint64_t addr, value;
    GError *err = NULL;

    if (!parse_u64(args[0], &addr)) {
        return reply_err("invalid address '%s'", args[0]);
    }
    if (!parse_u64(args[1], &value)) {
        return reply_err("invalid value '%s'", args[1]);
    }
    if (size < 8 && value >> (size * 8)) {
        return reply_err("value 0x%" PRIx64 " does not fit in %u byte(s)",
                         value, size);
    }
    value = GUINT64_TO_LE(value);
    if (!address_space_write(as, addr, &value, size, &err)) {
        return reply_gerror(err);
    }
    return g_strdup("OK\n");
}

static char *cmd_read(AddressSpace *as, char **args, unsigned unused)
{
    uint64_t addr, len;
    g_autofree uint8_t *data = NULL;
    GString *out;
    GError *err = NULL;
    char *bad = parse_addr_size(args, &addr, &len);

    if (bad) {
        return bad;
    }
    if (!len) {
        return reply_err("read of 0 bytes");
    }
    data = g_malloc(len);
    if (!address_space_read(as, addr, data, len, &err)) {
        return reply_gerror(err);
    }
    out = g_string_sized_new(len * 2 + 8);
    g_string_append(out, "OK 0x");
    for (uint64_t i = 0; i < len; i++) {
        g_string_append_printf(out, "%02x", data[i]);
    }
    g_string_append_c(out, '\n');
    return g_string_free(out, FALSE);
}

static int hex_nibble(char c)
{
    return g_ascii_isxdigit(c) ? g_ascii_xdigit_value(c) : -1;
}

/* Decode "0xHEX" into @len bytes, zero-filling what is missing */
static bool decode_hex(const char *text, uint8_t *data, uint64_t len)
{
    size_t n = strlen(text);

    if (n < 3 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) {
        return false;
    }
    for (uint64_t i = 0; i < len; i++) {
        int hi = 0, lo = 0;

        if (i * 2 + 4 <= n) {
            hi = hex_nibble(text[i * 2 + 2]);
            lo = hex_nibble(text[i * 2 + 3]);
        }
        if (hi < 0 || lo < 0) {
            return false;
        }
        data[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

static char *cmd_write(AddressSpace *as, char **args, unsigned unused)
{
    uint64_t addr, len;
    g_autofree uint8_t *data = NULL;
    GError *err = NULL;
    char *bad = parse_addr_size(args, &addr, &len);

    if (bad) {
        return bad;
    }
    data = g_malloc0(len ? len : 1);
    if (!decode_hex(args[2], data, len)) {
        return reply_err("invalid data '%.32s': expected 0x and hex digits",
                         args[2]);
    }
    if (!address_space_write(as, addr, data, len, &err)) {
        return reply_gerror(err);
    }
    return g_strdup("OK\n");
}

static char *cmd_b64read(AddressSpace *as, char **args, unsigned unused)
{
    uint64_t addr, len;
    g_autofree uint8_t *data = NULL;
    g_autofree char *b64 = NULL;
    GError *err = NULL;
    char *bad = parse_addr_size(args, &addr, &len);

    if (bad) {
        return bad;
    }
    data = g_malloc(len ? len : 1);
    if (!address_space_read(as, addr, data, len, &err)) {
        return reply_gerror(err);
    }
    b64 = g_base64_encode(data, len);
    return g_strdup_printf("OK %s\n", b64);
}

static char *cmd_b64write(AddressSpace *as, char **args, unsigned unused)
{
    uint64_t addr, len;
    g_autofree uint8_t *data = NULL;
    g_autofree uint8_t *decoded = NULL;
    gsize decoded_len = 0;
    GError *err = NULL;
    char *bad = parse_addr_size(args, &addr, &len);

    if (bad) {
        return bad;
    }
    decoded = g_base64_decode(args[2], &decoded_len);
    /* as in QEMU, the data is truncated (here also zero-filled) to SIZE */
    data = g_malloc0(len ? len : 1);
    memcpy(data, decoded, MIN(len, decoded_len));
    if (!address_space_write(as, addr, data, len, &err)) {
        return reply_gerror(err);
    }
    return g_strdup("OK\n");
}

static char *cmd_memset(AddressSpace *as, char **args, unsigned unused)
{
    uint64_t addr, len, pattern;
    g_autofree uint8_t *data = NULL;
    GError *err = NULL;
    char *bad = parse_addr_size(args, &addr, &len);

    if (bad) {
        return bad;
    }
    if (!parse_u64(args[2], &pattern) || pattern > 0xff) {
        return reply_err("invalid byte value '%s'", args[2]);
    }
    if (len) {
        data = g_malloc(len);
        memset(data, (int)pattern, len);
        if (!address_space_write(as, addr, data, len, &err)) {
            return reply_gerror(err);
        }
    }
    return g_strdup("OK\n");
}

static char *cmd_endianness(AddressSpace *as, char **args, unsigned unused)
{
    return g_strdup("OK little\n");
}

static const QTestCommand qtest_commands[] = {
    { "readb", 1, cmd_readx, 1 },
    { "readw", 1, cmd_readx, 2 },
    { "readl", 1, cmd_readx, 4 },
    { "readq", 1, cmd_readx, 8 },
    { "writeb", 2, cmd_writex, 1 },
    { "writew", 2, cmd_writex, 2 },
    { "writel", 2, cmd_writex, 4 },
    { "writeq", 2, cmd_writex, 8 },
    { "read", 2, cmd_read, 0 },
    { "write", 3, cmd_write, 0 },
    { "b64read", 2, cmd_b64read, 0 },
    { "b64write", 3, cmd_b64write, 0 },
    { "memset", 3, cmd_memset, 0 },
    { "endianness", 0, cmd_endianness, 0 },
};

char *qtest_process_line(AddressSpace *as, const char *line)
{
    g_autofree char *copy = g_strdup(line);
    g_auto(GStrv) words = NULL;
    size_t len = strlen(copy);

    if (len && copy[len - 1] == '\r') {
        copy[len - 1] = '\0';
    }
    words = g_strsplit(copy, " ", 0);
    trace_qtest_command(words[0] ? words[0] : "");
    for (size_t i = 0; words[0] && i < G_N_ELEMENTS(qtest_commands); i++) {
        const QTestCommand *cmd = &qtest_commands[i];

        if (strcmp(words[0], cmd->name) != 0) {
            continue;
        }
        if (g_strv_length(words) != cmd->nargs + 1) {
            return reply_err("%s takes %u argument(s)", cmd->name,
                             cmd->nargs);
        }
        return cmd->fn(as, words + 1, cmd->size);
    }
    return g_strdup_printf("FAIL Unknown command '%s'\n",
                           words[0] ? words[0] : "");
}
