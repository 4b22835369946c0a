/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of hw/mem/memory-device.c: where a DIMM goes in the hotplug
 * window (first fit, alignment, user-chosen addresses and their errors).
 */
#include <errno.h>

#include "hw/mem/memory-device.h"
#include "system/machine.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

static const Range window = { 4 * GiB, 8 * GiB - 1 };

static uint64_t assign(const MemoryDeviceUse *used, size_t n, uint64_t size,
                       uint64_t align, uint64_t hint)
{
    g_autoptr(GError) err = NULL;
    uint64_t addr = 0;

    g_assert_true(memory_device_assign_addr(&window, used, n, size, align,
                                            hint, &addr, &err));
    g_assert_no_error(err);
    return addr;
}

static void assign_err(const MemoryDeviceUse *used, size_t n, uint64_t size,
                       uint64_t align, uint64_t hint, int code,
                       const char *msg)
{
    g_autoptr(GError) err = NULL;
    uint64_t addr = 42;

    g_assert_false(memory_device_assign_addr(&window, used, n, size, align,
                                             hint, &addr, &err));
    g_assert_error(err, MACHINE_ERROR, code);
    g_assert_cmpstr(err->message, ==, msg);
    g_assert_cmpuint(addr, ==, 42);
}

static void test_first_fit_empty(void)
{
    g_assert_cmpuint(assign(NULL, 0, 128 * MiB, 4096, 0), ==, 4 * GiB);
    g_assert_cmpuint(assign(NULL, 0, 4 * GiB, 4096, 0), ==, 4 * GiB);
}

static void test_first_fit_gaps(void)
{
    /* unsorted on purpose: a hole of 128M between the two */
    const MemoryDeviceUse used[] = {
        { { 4 * GiB + 256 * MiB, 4 * GiB + 512 * MiB - 1 }, "b" },
        { { 4 * GiB, 4 * GiB + 128 * MiB - 1 }, "a" },
    };

    g_assert_cmpuint(assign(used, 2, 128 * MiB, 4096, 0), ==,
                     4 * GiB + 128 * MiB);
    /* too big for the hole: after the last one */
    g_assert_cmpuint(assign(used, 2, 256 * MiB, 4096, 0), ==,
                     4 * GiB + 512 * MiB);
    /* alignment pushes past a hole that would fit unaligned */
    g_assert_cmpuint(assign(used, 2, 64 * MiB, GiB, 0), ==, 5 * GiB);
}

static void test_full(void)
{
    const MemoryDeviceUse used[] = { { { 4 * GiB, 8 * GiB - 4097 }, "a" } };

    g_assert_cmpuint(assign(used, 1, 4096, 4096, 0), ==, 8 * GiB - 4096);
    assign_err(used, 1, 8192, 4096, 0, ENOSPC,
               "could not find position in guest address space for memory "
               "device of size 0x2000 in [0x100000000:0x1ffffffff]");
    assign_err(NULL, 0, 4 * GiB + 4096, 4096, 0, ENOSPC,
               "could not find position in guest address space for memory "
               "device of size 0x100001000 in [0x100000000:0x1ffffffff]");
}

static void test_hint(void)
{
    const MemoryDeviceUse used[] = {
        { { 5 * GiB, 5 * GiB + 128 * MiB - 1 }, "dimm1" },
    };

    g_assert_cmpuint(assign(used, 1, 128 * MiB, 4096, 6 * GiB), ==, 6 * GiB);
    g_assert_cmpuint(assign(used, 1, 128 * MiB, 4096,
                            5 * GiB + 128 * MiB), ==, 5 * GiB + 128 * MiB);
    assign_err(used, 1, 128 * MiB, 2 * MiB, 6 * GiB + 4096, EINVAL,
               "address must be aligned to 0x200000 bytes");
    assign_err(used, 1, 128 * MiB, 4096, 5 * GiB + 64 * MiB, EBUSY,
               "address range conflicts with memory device id='dimm1'");
    assign_err(used, 1, 128 * MiB, 4096, 3 * GiB, ENOSPC,
               "can't add memory device [0xc0000000:0xc7ffffff], usable "
               "range for memory devices [0x100000000:0x1ffffffff]");
    assign_err(used, 1, 128 * MiB, 4096, 8 * GiB - 64 * MiB, ENOSPC,
               "can't add memory device [0x1fc000000:0x203ffffff], usable "
               "range for memory devices [0x100000000:0x1ffffffff]");
    assign_err(used, 1, 128 * MiB, 4096, UINT64_MAX - 4095, ENOSPC,
               "address 0xfffffffffffff000 + size 0x8000000 wraps past "
               "2^64");
}

static void test_window_at_top(void)
{
    const Range top = { UINT64_MAX - 8 * MiB + 1, UINT64_MAX };
    const MemoryDeviceUse used[] = { { top, "all" } };
    uint64_t addr;

    g_assert_true(memory_device_assign_addr(&top, NULL, 0, 8 * MiB, 4096, 0,
                                            &addr, NULL));
    g_assert_cmpuint(addr, ==, top.start);
    /* moving past a use that ends at 2^64 - 1 must not wrap */
    g_assert_false(memory_device_assign_addr(&top, used, 1, 4096, 4096, 0,
                                             &addr, NULL));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory-device/first-fit-empty", test_first_fit_empty);
    g_test_add_func("/memory-device/first-fit-gaps", test_first_fit_gaps);
    g_test_add_func("/memory-device/full", test_full);
    g_test_add_func("/memory-device/hint", test_hint);
    g_test_add_func("/memory-device/window-at-top", test_window_at_top);
    return g_test_run();
}
