/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of vfio_pci_place_bar(): natural alignment, first fit around
 * the BARs already placed, and the window's edges (no overflow at 2^64).
 */
#include "hw/vfio/vfio-pci.h"

#define G4 (UINT64_C(4) << 30)
#define M1 (UINT64_C(1) << 20)

static void test_empty_window(void)
{
    Range win = range_make(G4, G4 + (UINT64_C(256) << 30) - 1);
    uint64_t addr = 0;

    g_assert_true(vfio_pci_place_bar(&win, NULL, 0, M1, &addr));
    g_assert_cmphex(addr, ==, G4);
    /* a BAR bigger than the window's alignment goes to its next multiple */
    win = range_make(G4 + 4096, G4 + (UINT64_C(256) << 30) - 1);
    g_assert_true(vfio_pci_place_bar(&win, NULL, 0, M1, &addr));
    g_assert_cmphex(addr, ==, G4 + M1);
}

static void test_first_fit(void)
{
    Range win = range_make(G4, G4 + (UINT64_C(1) << 30) - 1);
    Range used[] = {
        range_make(G4 + M1, G4 + 2 * M1 - 1),       /* listed out of order */
        range_make(G4, G4 + 4096 - 1),
    };
    uint64_t addr = 0;

    /* 4 KiB fits in the hole after the first page */
    g_assert_true(vfio_pci_place_bar(&win, used, 2, 4096, &addr));
    g_assert_cmphex(addr, ==, G4 + 4096);
    /* 1 MiB does not fit below G4 + 1M: it goes after the 1 MiB BAR */
    g_assert_true(vfio_pci_place_bar(&win, used, 2, M1, &addr));
    g_assert_cmphex(addr, ==, G4 + 2 * M1);
    /* 2 MiB: aligned to 2 MiB, after both */
    g_assert_true(vfio_pci_place_bar(&win, used, 2, 2 * M1, &addr));
    g_assert_cmphex(addr, ==, G4 + 2 * M1);
}

static void test_full(void)
{
    Range win = range_make(G4, G4 + 2 * M1 - 1);
    Range used[] = { range_make(G4, G4 + M1 - 1) };
    uint64_t addr = 0;

    g_assert_true(vfio_pci_place_bar(&win, used, 1, M1, &addr));
    g_assert_cmphex(addr, ==, G4 + M1);
    g_assert_false(vfio_pci_place_bar(&win, used, 1, 2 * M1, &addr));
    g_assert_false(vfio_pci_place_bar(&win, NULL, 0, 4 * M1, &addr));
}

static void test_top_of_space(void)
{
    Range win = range_make(UINT64_MAX - 2 * M1 + 1, UINT64_MAX);
    Range used[] = { range_make(UINT64_MAX - M1 + 1, UINT64_MAX) };
    uint64_t addr = 0;

    g_assert_true(vfio_pci_place_bar(&win, NULL, 0, M1, &addr));
    g_assert_cmphex(addr, ==, UINT64_MAX - 2 * M1 + 1);
    g_assert_true(vfio_pci_place_bar(&win, used, 1, M1, &addr));
    g_assert_cmphex(addr, ==, UINT64_MAX - 2 * M1 + 1);
    used[0] = range_make(UINT64_MAX - 2 * M1 + 1, UINT64_MAX - M1);
    g_assert_true(vfio_pci_place_bar(&win, used, 1, M1, &addr));
    g_assert_cmphex(addr, ==, UINT64_MAX - M1 + 1);
    /* the whole top taken: no wrap-around to 0 */
    used[0] = range_make(UINT64_MAX - 2 * M1 + 1, UINT64_MAX);
    g_assert_false(vfio_pci_place_bar(&win, used, 1, M1, &addr));
    /* a window whose start cannot be aligned up */
    win = range_make(UINT64_MAX - 4095, UINT64_MAX);
    g_assert_false(vfio_pci_place_bar(&win, NULL, 0, M1, &addr));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vfio-pci/bars/empty-window", test_empty_window);
    g_test_add_func("/vfio-pci/bars/first-fit", test_first_fit);
    g_test_add_func("/vfio-pci/bars/full", test_full);
    g_test_add_func("/vfio-pci/bars/top-of-space", test_top_of_space);
    return g_test_run();
}
