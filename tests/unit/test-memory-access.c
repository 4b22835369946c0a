/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory core: address_space_read/write through RAM, ram_device and MMIO.
 */
#include <string.h>

#include "test-memory-common.h"

/* An MMIO device that stores bytes and logs each access as "r4@0x8". */
typedef struct FakeDevice {
    uint8_t regs[64];
    GString *accesses;
    bool fail;
} FakeDevice;

static bool dev_read(void *opaque, uint64_t addr, uint64_t *data,
                     unsigned size, GError **errp)
{
    FakeDevice *d = opaque;

    g_assert_cmpuint(addr % size, ==, 0);
    g_string_append_printf(d->accesses, "r%u@%#" G_GINT64_MODIFIER "x ",
                           size, addr);
    if (d->fail) {
        g_set_error(errp, MEMORY_ERROR, EIO, "device read failed");
        return false;
    }
    *data = 0;
    for (unsigned i = 0; i < size; i++) {
        *data |= (uint64_t)d->regs[addr + i] << (8 * i);
    }
    return true;
}

static bool dev_write(void *opaque, uint64_t addr, uint64_t data,
                      unsigned size, GError **errp)
{
    FakeDevice *d = opaque;

    g_assert_cmpuint(addr % size, ==, 0);
    g_string_append_printf(d->accesses, "w%u@%#" G_GINT64_MODIFIER "x ",
                           size, addr);
    for (unsigned i = 0; i < size; i++) {
        d->regs[addr + i] = (uint8_t)(data >> (8 * i));
    }
    return true;
}

static const MemoryRegionOps dev_ops = {
    .read = dev_read,
    .write = dev_write,
};

static const MemoryRegionOps dev_ops_dword = {
    .read = dev_read,
    .write = dev_write,
    .max_access_size = 4,
};

typedef struct AccessFixture {
    MemFixture mem;
    FakeDevice dev;
    uint8_t *ram;           /* host memory of "ram" at 0x0, 0x1000 bytes */
} AccessFixture;

static void setup(AccessFixture *f, gconstpointer data)
{
    MemoryRegion *ram;

    mem_fixture_setup(&f->mem, data);
    f->dev.accesses = g_string_new(NULL);
    ram = mem_add(f->mem.root, 0x0, mem_new_ram(&f->mem, "ram", 0x1000), 0);
    f->ram = memory_region_get_ram_ptr(ram);
    mem_add(f->mem.root, 0x1000,
            memory_region_new_io(f->mem.topo, "dev", sizeof(f->dev.regs),
                                 data ? data : &dev_ops, &f->dev), 0);
}

static void teardown(AccessFixture *f, gconstpointer data)
{
    g_string_free(f->dev.accesses, TRUE);
    mem_fixture_teardown(&f->mem, data);
}

static void test_ram_read_write(AccessFixture *f, gconstpointer data)
{
    uint8_t out[16];

    g_assert_true(address_space_write(f->mem.as, 0x10, "hello", 5, NULL));
    g_assert_cmpmem(f->ram + 0x10, 5, "hello", 5);
    g_assert_true(address_space_read(f->mem.as, 0x10, out, 5, NULL));
    g_assert_cmpmem(out, 5, "hello", 5);
}

static void test_mmio_little_endian(AccessFixture *f, gconstpointer data)
{
    uint8_t out[4];

    g_assert_true(address_space_write(f->mem.as, 0x1008,
                                      "\x11\x22\x33\x44", 4, NULL));
    g_assert_cmpstr(f->dev.accesses->str, ==, "w4@0x8 ");
    g_assert_cmphex(f->dev.regs[8], ==, 0x11);
    g_assert_cmphex(f->dev.regs[11], ==, 0x44);
    g_assert_true(address_space_read(f->mem.as, 0x1008, out, 4, NULL));
    g_assert_cmpmem(out, 4, "\x11\x22\x33\x44", 4);
}

static void test_mmio_split_aligned(AccessFixture *f, gconstpointer data)
{
    uint8_t in[15], out[15];

    for (unsigned i = 0; i < sizeof(in); i++) {
        in[i] = (uint8_t)(0xa0 + i);
    }
    g_assert_true(address_space_write(f->mem.as, 0x1001, in, sizeof(in),
                                      NULL));
    g_assert_cmpstr(f->dev.accesses->str, ==, "w1@0x1 w2@0x2 w4@0x4 w8@0x8 ");
    g_string_truncate(f->dev.accesses, 0);
    g_assert_true(address_space_read(f->mem.as, 0x1001, out, sizeof(out),
                                     NULL));
    g_assert_cmpstr(f->dev.accesses->str, ==, "r1@0x1 r2@0x2 r4@0x4 r8@0x8 ");
    g_assert_cmpmem(in, sizeof(in), out, sizeof(out));
}

static void test_mmio_max_access_size(AccessFixture *f, gconstpointer data)
{
    uint8_t out[8];

    g_assert_true(address_space_read(f->mem.as, 0x1000, out, 8, NULL));
    g_assert_cmpstr(f->dev.accesses->str, ==, "r4@0 r4@0x4 ");
}

static void test_split_across_regions(AccessFixture *f, gconstpointer data)
{
    uint8_t in[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, out[8] = { 0 };

    g_assert_true(address_space_write(f->mem.as, 0xffc, in, 8, NULL));
    g_assert_cmpmem(f->ram + 0xffc, 4, in, 4);
    g_assert_cmpmem(f->dev.regs, 4, in + 4, 4);
    g_assert_cmpstr(f->dev.accesses->str, ==, "w4@0 ");
    g_assert_true(address_space_read(f->mem.as, 0xffc, out, 8, NULL));
    g_assert_cmpmem(in, 8, out, 8);
}

static void test_unassigned_names_address(AccessFixture *f,
                                          gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    uint8_t buf[0x100];

    /* RAM, then the device (64 bytes), then a hole at 0x1040. */
    g_assert_false(address_space_read(f->mem.as, 0xff0, buf, sizeof(buf),
                                      &err));
    g_assert_error(err, MEMORY_ERROR, EFAULT);
    g_assert_nonnull(strstr(err->message, "unassigned address 0x1040"));
    g_clear_error(&err);

    g_assert_false(address_space_write(f->mem.as, 0x80000, buf, 1, &err));
    g_assert_error(err, MEMORY_ERROR, EFAULT);
    g_assert_nonnull(strstr(err->message, "0x80000"));
}

static void test_mmio_error_propagates(AccessFixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    uint8_t buf[4];

    f->dev.fail = true;
    g_assert_false(address_space_read(f->mem.as, 0x1000, buf, 4, &err));
    g_assert_error(err, MEMORY_ERROR, EIO);
}

static void test_mmio_without_callback(AccessFixture *f, gconstpointer data)
{
    static const MemoryRegionOps write_only = { .write = dev_write };
    g_autoptr(GError) err = NULL;
    uint8_t buf[4] = { 0 };

    mem_add(f->mem.root, 0x2000,
            memory_region_new_io(f->mem.topo, "wo", 4, &write_only, &f->dev),
            0);
    g_assert_true(address_space_write(f->mem.as, 0x2000, buf, 4, NULL));
    g_assert_false(address_space_read(f->mem.as, 0x2000, buf, 4, &err));
    g_assert_error(err, MEMORY_ERROR, EPERM);
}

static void test_readonly_write_refused(AccessFixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    MemoryRegionSection sec;
    uint8_t buf[4] = { 0 };

    g_assert_true(address_space_lookup(f->mem.as, 0, &sec));
    memory_region_set_readonly(sec.mr, true);
    f->ram[0] = 0x5a;
    g_assert_true(address_space_read(f->mem.as, 0x0, buf, 1, NULL));
    g_assert_cmphex(buf[0], ==, 0x5a);
    g_assert_false(address_space_write(f->mem.as, 0x0, buf, 4, &err));
    g_assert_error(err, MEMORY_ERROR, EACCES);
    g_assert_nonnull(strstr(err->message, "read-only"));
}

static void test_wrap_refused(AccessFixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    uint8_t buf[4];

    g_assert_false(address_space_read(f->mem.as, UINT64_MAX - 1, buf, 4,
                                      &err));
    g_assert_error(err, MEMORY_ERROR, EINVAL);
}

static void test_zero_length(AccessFixture *f, gconstpointer data)
{
    g_assert_true(address_space_read(f->mem.as, 0x80000, NULL, 0, NULL));
    g_assert_true(address_space_write(f->mem.as, UINT64_MAX, NULL, 0, NULL));
}

static void test_ram_device(AccessFixture *f, gconstpointer data)
{
    uint8_t *bar = mem_fixture_host(&f->mem, 0x100);
    uint8_t in[13], out[13];

    mem_add(f->mem.root, 0x3000,
            memory_region_new_ram_device_ptr(f->mem.topo, "bar", 0x100, bar),
            0);
    for (unsigned i = 0; i < sizeof(in); i++) {
        in[i] = (uint8_t)(i * 7);
    }
    g_assert_true(address_space_write(f->mem.as, 0x3003, in, sizeof(in),
                                      NULL));
    g_assert_cmpmem(bar + 3, sizeof(in), in, sizeof(in));
    g_assert_true(address_space_read(f->mem.as, 0x3003, out, sizeof(out),
                                     NULL));
    g_assert_cmpmem(in, sizeof(in), out, sizeof(out));
}

static void test_through_alias(AccessFixture *f, gconstpointer data)
{
    MemoryRegionSection sec;
    uint8_t out[3];

    g_assert_true(address_space_lookup(f->mem.as, 0, &sec));
    mem_add(f->mem.root, 0x8000,
            memory_region_new_alias(f->mem.topo, "alias", sec.mr, 0x100,
                                    0x100), 0);
    memcpy(f->ram + 0x180, "abc", 3);
    g_assert_true(address_space_read(f->mem.as, 0x8080, out, 3, NULL));
    g_assert_cmpmem(out, 3, "abc", 3);
}

#define ADD(path, fn) \
    g_test_add("/memory/access/" path, AccessFixture, NULL, setup, fn, \
               teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    ADD("ram-read-write", test_ram_read_write);
    ADD("mmio-little-endian", test_mmio_little_endian);
    ADD("mmio-split-aligned", test_mmio_split_aligned);
    g_test_add("/memory/access/mmio-max-access-size", AccessFixture,
               &dev_ops_dword, setup, test_mmio_max_access_size, teardown);
    ADD("split-across-regions", test_split_across_regions);
    ADD("unassigned-names-address", test_unassigned_names_address);
    ADD("mmio-error-propagates", test_mmio_error_propagates);
    ADD("mmio-without-callback", test_mmio_without_callback);
    ADD("readonly-write-refused", test_readonly_write_refused);
    ADD("wrap-refused", test_wrap_refused);
    ADD("zero-length", test_zero_length);
    ADD("ram-device", test_ram_device);
    ADD("through-alias", test_through_alias);
    return g_test_run();
}
