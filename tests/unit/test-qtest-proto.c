/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of system/qtest.c: every qtest command against an address
 * space with RAM, MMIO, read-only RAM and holes, with QEMU's reply formats.
 */
#include <string.h>

#include "system/qtest.h"

#define RAM_SIZE 0x10000
#define MMIO_BASE 0x100000
#define RO_BASE 0x200000

typedef struct Fixture {
    MemoryTopology *topo;
    AddressSpace *as;
    uint8_t *ram;
    uint8_t rom[0x1000];
    uint64_t last_write;
    unsigned last_size;
} Fixture;

static bool mmio_read(void *opaque, uint64_t addr, uint64_t *data,
                      unsigned size, GError **errp)
{
    *data = 0xa0 + addr;        /* the offset, recognisable */
    return true;
}

static bool mmio_write(void *opaque, uint64_t addr, uint64_t data,
                       unsigned size, GError **errp)
{
    Fixture *f = opaque;

    f->last_write = data;
    f->last_size = size;
    return true;
}

static const MemoryRegionOps mmio_ops = {
    .read = mmio_read, .write = mmio_write, .max_access_size = 4,
};

static void fixture_setup(Fixture *f, const void *data)
{
    g_autoptr(MemoryRegion) root = NULL;
    g_autoptr(MemoryRegion) ram = NULL;
    g_autoptr(MemoryRegion) mmio = NULL;
    g_autoptr(MemoryRegion) rom = NULL;

    f->topo = memory_topology_new();
    f->ram = g_malloc0(RAM_SIZE);
    memset(f->rom, 0x5a, sizeof(f->rom));
    root = memory_region_new_container(f->topo, "root", UINT64_MAX);
    ram = memory_region_new_ram_ptr(f->topo, "ram", RAM_SIZE, f->ram);
    mmio = memory_region_new_io(f->topo, "mmio", 0x1000, &mmio_ops, f);
    rom = memory_region_new_ram_ptr(f->topo, "rom", sizeof(f->rom), f->rom);
    memory_region_set_readonly(rom, true);
    memory_region_add_subregion(root, 0, ram);
    memory_region_add_subregion(root, MMIO_BASE, mmio);
    memory_region_add_subregion(root, RO_BASE, rom);
    f->as = address_space_new(f->topo, root, "test");
}

static void fixture_teardown(Fixture *f, const void *data)
{
    address_space_free(f->as);
    memory_topology_unref(f->topo);
    g_free(f->ram);
}

static void expect(Fixture *f, const char *line, const char *reply)
{
    g_autofree char *got = qtest_process_line(f->as, line);

    g_assert_cmpstr(got, ==, reply);
}

static void expect_err(Fixture *f, const char *line)
{
    g_autofree char *got = qtest_process_line(f->as, line);

    g_assert_true(g_str_has_prefix(got, "ERR "));
    g_assert_true(g_str_has_suffix(got, "\n"));
    g_assert_null(memchr(got, '\n', strlen(got) - 1));   /* one line */
}

static void test_read_write_sizes(Fixture *f, const void *data)
{
    expect(f, "writeq 0x100 0x1122334455667788", "OK\n");
    expect(f, "readq 0x100", "OK 0x1122334455667788\n");
    expect(f, "readl 0x100", "OK 0x0000000055667788\n");
    expect(f, "readw 0x100", "OK 0x0000000000007788\n");
    expect(f, "readb 0x107", "OK 0x0000000000000011\n");
    expect(f, "writeb 0x100 0xff", "OK\n");
    expect(f, "writew 0x102 0xabcd", "OK\n");
    expect(f, "writel 256 4294967295", "OK\n");
    expect(f, "readq 0x100", "OK 0x11223344ffffffff\n");
    g_assert_cmpuint(f->ram[0x104], ==, 0x44);
}

static void test_bulk(Fixture *f, const void *data)
{
    expect(f, "write 0x10 4 0xdeadbeef", "OK\n");
    g_assert_cmpmem(f->ram + 0x10, 4, "\xde\xad\xbe\xef", 4);
    expect(f, "read 0x10 4", "OK 0xdeadbeef\n");
    /* short data is zero-filled, as in QEMU */
    expect(f, "write 0x10 4 0xAB", "OK\n");
    expect(f, "read 0x10 4", "OK 0xab000000\n");
    expect(f, "b64write 0x20 3 AQID", "OK\n");
    expect(f, "b64read 0x20 3", "OK AQID\n");
    expect(f, "read 0x20 3", "OK 0x010203\n");
    expect(f, "memset 0x30 8 0x5a", "OK\n");
    expect(f, "read 0x30 8", "OK 0x5a5a5a5a5a5a5a5a\n");
    expect(f, "memset 0x30 0 0x11", "OK\n");
    expect(f, "endianness", "OK little\n");
}

static void test_mmio(Fixture *f, const void *data)
{
    expect(f, "readl 0x100004", "OK 0x00000000000000a4\n");
    expect(f, "writel 0x100008 0xcafe", "OK\n");
    g_assert_cmpuint(f->last_write, ==, 0xcafe);
    g_assert_cmpuint(f->last_size, ==, 4);
}

static void test_errors(Fixture *f, const void *data)
{
    expect(f, "frobnicate 1", "FAIL Unknown command 'frobnicate'\n");
    expect(f, "", "FAIL Unknown command ''\n");
    expect_err(f, "readb 0x50000");                   /* unassigned */
    expect_err(f, "readq 0xfffc");                    /* runs off RAM */
    expect_err(f, "writeb 0x200000 1");               /* read-only */
    expect(f, "readb 0x200000", "OK 0x000000000000005a\n");
    expect_err(f, "readb");
    expect_err(f, "readb 1 2");
    expect_err(f, "readb zz");
    expect_err(f, "readb -1");
    expect_err(f, "readb 0x1ffffffffffffffff");
    expect_err(f, "writeb 0 0x100");                  /* does not fit */
    expect_err(f, "writew 0 0x10000");
    expect_err(f, "read 0 0");
    expect_err(f, "read 0 0x4000001");                /* above the limit */
    expect_err(f, "write 0 4 deadbeef");              /* no 0x */
    expect_err(f, "write 0 2 0xzz11");
    expect_err(f, "memset 0 4 0x100");
    expect_err(f, "b64read 0xffffffffffffffff 2");    /* wraps */
    expect(f, "readb 0x0\r", "OK 0x0000000000000000\n");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) \
    g_test_add("/qtest/" path, Fixture, NULL, fixture_setup, fn, \
               fixture_teardown)
    ADD("read-write-sizes", test_read_write_sizes);
    ADD("bulk", test_bulk);
    ADD("mmio", test_mmio);
    ADD("errors", test_errors);
#undef ADD
    return g_test_run();
}
