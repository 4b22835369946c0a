/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the listener's pure decisions (hw/vfio/section.c):
 * mappable or not, the IOVA range, alignment and overflow edges, clipping
 * to IOVA ranges, the copy/map plan and the failure policy.
 */
#include <glib.h>

#include "hw/vfio/vfio-section.h"

#define PAGE 0x1000ULL

static VFIOSectionInfo ram(uint64_t start, uint64_t last, uint64_t host)
{
    return (VFIOSectionInfo) {
        .gpa = range_make(start, last), .host = host, .is_ram = true,
    };
}

static VFIOSectionInfo ram_device(uint64_t start, uint64_t last,
                                  uint64_t host)
{
    VFIOSectionInfo si = ram(start, last, host);

    si.is_ram_device = true;
    return si;
}

static void assert_map(const VFIOSectionInfo *si, uint64_t page,
                       uint64_t start, uint64_t last)
{
    Range iova;

    g_assert_cmpint(vfio_section_decide(si, page, &iova), ==,
                    VFIO_SECTION_MAP);
    g_assert_cmphex(iova.start, ==, start);
    g_assert_cmphex(iova.last, ==, last);
}

static void assert_skip(const VFIOSectionInfo *si, uint64_t page,
                        VFIOSectionVerdict want)
{
    Range iova = range_make(1, 1);

    g_assert_cmpstr(vfio_section_verdict_name(vfio_section_decide(si, page,
                                                                  &iova)),
                    ==, vfio_section_verdict_name(want));
}

static void test_mmio_skipped(void)
{
    VFIOSectionInfo si = { .gpa = range_make(0, PAGE - 1) };

    assert_skip(&si, PAGE, VFIO_SECTION_SKIP_NOT_RAM);
}

static void test_aligned_ram(void)
{
    VFIOSectionInfo si = ram(0x100000, 0x1fffff, 0x7f0000100000);

    assert_map(&si, PAGE, 0x100000, 0x1fffff);
}

static void test_unaligned_ram_shrinks(void)
{
    /* Same page offset on both sides: the whole pages inside are mapped */
    VFIOSectionInfo si = ram(0x100800, 0x2007ff, 0x7f0000000800);

    assert_map(&si, PAGE, 0x101000, 0x1fffff);
}

static void test_too_small(void)
{
    VFIOSectionInfo si = ram(0x100800, 0x1017ff, 0x7f0000000800);

    assert_skip(&si, PAGE, VFIO_SECTION_SKIP_TOO_SMALL);
    si = ram(0x1000, 0x1ffe, 0x7f0000001000);
    assert_skip(&si, PAGE, VFIO_SECTION_SKIP_TOO_SMALL);
}

static void test_misaligned_ram(void)
{
    VFIOSectionInfo si = ram(0x100000, 0x1fffff, 0x7f0000000800);

    assert_skip(&si, PAGE, VFIO_SECTION_SKIP_MISALIGNED);
}

static void test_known_safe_misalignment(void)
{
    /* A 256-byte BAR mapped at a sub-page address: known safe */
    VFIOSectionInfo si = ram_device(0xfe000100, 0xfe0001ff, 0x7f0000000000);

    assert_skip(&si, PAGE, VFIO_SECTION_SKIP_SAFE_MISALIGNED);
    /* The same misalignment on a page-sized ram_device is not */
    si = ram_device(0xfe000100, 0xfe0010ff, 0x7f0000000000);
    assert_skip(&si, PAGE, VFIO_SECTION_SKIP_MISALIGNED);
    /* ...nor on small plain RAM */
    si = ram(0xfe000100, 0xfe0001ff, 0x7f0000000000);
    assert_skip(&si, PAGE, VFIO_SECTION_SKIP_MISALIGNED);
}

static void test_ram_device_whole_or_nothing(void)
{
    VFIOSectionInfo si = ram_device(0xfe000000, 0xfe0fffff, 0x7f0000000000);

    assert_map(&si, PAGE, 0xfe000000, 0xfe0fffff);
    /* Page offsets agree but the end is not on a page: not mapped at all */
    si = ram_device(0xfe000000, 0xfe0007ff, 0x7f0000000000);
    assert_skip(&si, PAGE, VFIO_SECTION_SKIP_RAM_DEVICE_UNALIGNED);
    /* With a 64 KiB IOMMU page a 4 KiB-aligned BAR is not mappable */
    si = ram_device(0xfe001000, 0xfe010fff, 0x7f0000001000);
    assert_skip(&si, 0x10000, VFIO_SECTION_SKIP_RAM_DEVICE_UNALIGNED);
    si = ram_device(0xfe010000, 0xfe01ffff, 0x7f0000010000);
    assert_map(&si, 0x10000, 0xfe010000, 0xfe01ffff);
}

static void test_bigger_iommu_page(void)
{
    VFIOSectionInfo si = ram(0x1000, 0x2ffff, 0x7f0000001000);

    assert_map(&si, 0x10000, 0x10000, 0x2ffff);
}

static void test_top_of_space(void)
{
    /* Last page of the 64-bit space: last + 1 wraps to 0 */
    VFIOSectionInfo si = ram(UINT64_MAX - PAGE + 1, UINT64_MAX,
                             0x7f0000000000);

    assert_map(&si, PAGE, UINT64_MAX - PAGE + 1, UINT64_MAX);
    /* The whole space (size 2^64) */
    si = ram(0, UINT64_MAX, 0);
    assert_map(&si, PAGE, 0, UINT64_MAX);
    /* Starts inside the last page: rounding up would overflow */
    si = ram(UINT64_MAX - 0x7ff, UINT64_MAX, 0x7f0000000800);
    assert_skip(&si, PAGE, VFIO_SECTION_SKIP_TOO_SMALL);
    /* Ends one byte short of the top: the last page is partial */
    si = ram(UINT64_MAX - 2 * PAGE + 1, UINT64_MAX - 1, 0x7f0000000000);
    assert_map(&si, PAGE, UINT64_MAX - 2 * PAGE + 1, UINT64_MAX - PAGE);
}

static void test_section_info(void)
{
    g_autoptr(MemoryTopology) topo = memory_topology_new();
    g_autoptr(MemoryRegion) root = memory_region_new_container(topo, "root",
                                                               UINT64_MAX);
    g_autofree uint8_t *host = g_malloc(0x4000);
    MemoryRegion *r = memory_region_new_ram_ptr(topo, "ram", 0x4000, host);
    g_autoptr(AddressSpace) as = NULL;
    MemoryRegionSection s;
    VFIOSectionInfo si;

    memory_region_add_subregion(root, 0x10000, r);
    memory_region_unref(r);
    as = address_space_new(topo, root, "test");
    g_assert_true(address_space_lookup(as, 0x11000, &s));
    vfio_section_info(&s, &si);
    g_assert_true(si.is_ram);
    g_assert_false(si.is_ram_device);
    g_assert_cmphex(si.gpa.start, ==, 0x10000);
    g_assert_cmphex(si.gpa.last, ==, 0x13fff);
    g_assert_cmphex(si.host, ==, (uintptr_t)host);
}

/* ---- clipping to IOVA ranges -------------------------------------------- */

static IntervalSet *vtd_ranges(void)
{
    IntervalSet *set = interval_set_new();
    Range low = range_make(0, 0xfedfffff);
    Range high = range_make(0xfef00000, 0x7fffffffff);

    interval_set_insert(set, &low);
    interval_set_insert(set, &high);
    return set;
}

static void test_clip_inside(void)
{
    g_autoptr(IntervalSet) valid = vtd_ranges();
    Range iova = range_make(0x100000, 0x1fffff);
    bool clipped = true;
    g_autoptr(GArray) pieces = vfio_iova_clip(&iova, valid, PAGE, &clipped);

    g_assert_false(clipped);
    g_assert_cmpuint(pieces->len, ==, 1);
    g_assert_cmphex(g_array_index(pieces, Range, 0).start, ==, 0x100000);
    g_assert_cmphex(g_array_index(pieces, Range, 0).last, ==, 0x1fffff);
}

static void test_clip_across_msi_window(void)
{
    g_autoptr(IntervalSet) valid = vtd_ranges();
    Range iova = range_make(0xfe000000, 0xffffffff);
    bool clipped = false;
    g_autoptr(GArray) pieces = vfio_iova_clip(&iova, valid, PAGE, &clipped);

    g_assert_true(clipped);
    g_assert_cmpuint(pieces->len, ==, 2);
    g_assert_cmphex(g_array_index(pieces, Range, 0).start, ==, 0xfe000000);
    g_assert_cmphex(g_array_index(pieces, Range, 0).last, ==, 0xfedfffff);
    g_assert_cmphex(g_array_index(pieces, Range, 1).start, ==, 0xfef00000);
    g_assert_cmphex(g_array_index(pieces, Range, 1).last, ==, 0xffffffff);
}

static void test_clip_outside(void)
{
    g_autoptr(IntervalSet) valid = vtd_ranges();
    Range iova = range_make(0x8000000000, 0x80000fffff);
    bool clipped = false;
    g_autoptr(GArray) pieces = vfio_iova_clip(&iova, valid, PAGE, &clipped);

    g_assert_true(clipped);
    g_assert_cmpuint(pieces->len, ==, 0);
}

static void test_clip_unaligned_valid_range(void)
{
    /* A valid range not on page boundaries: only whole pages are kept */
    g_autoptr(IntervalSet) valid = interval_set_new();
    Range odd = range_make(0x1800, 0x47ff);
    Range iova = range_make(0, 0xffff);
    bool clipped = false;
    g_autoptr(GArray) pieces = NULL;

    interval_set_insert(valid, &odd);
    pieces = vfio_iova_clip(&iova, valid, PAGE, &clipped);
    g_assert_true(clipped);
    g_assert_cmpuint(pieces->len, ==, 1);
    g_assert_cmphex(g_array_index(pieces, Range, 0).start, ==, 0x2000);
    g_assert_cmphex(g_array_index(pieces, Range, 0).last, ==, 0x3fff);
}

/* ---- the fill plan ------------------------------------------------------ */

static char *plan_string(GArray *steps)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < steps->len; i++) {
        const VFIOStep *st = &g_array_index(steps, VFIOStep, i);

        g_string_append_printf(s, "%s%s %#" G_GINT64_MODIFIER "x-%#"
                               G_GINT64_MODIFIER "x", i ? "; " : "",
                               st->op == VFIO_STEP_COPY ? "copy" : "map",
                               st->iova.start, st->iova.last);
    }
    return g_string_free(s, FALSE);
}

static void assert_plan(uint64_t start, uint64_t last, IntervalSet *src,
                        const char *want)
{
    Range iova = range_make(start, last);
    g_autoptr(GArray) steps = vfio_fill_plan(&iova, src);
    g_autofree char *got = plan_string(steps);

    g_assert_cmpstr(got, ==, want);
}

static void test_plan_no_source(void)
{
    assert_plan(0x1000, 0x4fff, NULL, "map 0x1000-0x4fff");
}

static void test_plan_full_copy(void)
{
    g_autoptr(IntervalSet) src = interval_set_new();
    Range all = range_make(0, 0xffffff);

    interval_set_insert(src, &all);
    assert_plan(0x1000, 0x4fff, src, "copy 0x1000-0x4fff");
}

static void test_plan_partial_copy(void)
{
    g_autoptr(IntervalSet) src = interval_set_new();
    Range a = range_make(0x2000, 0x2fff);
    Range b = range_make(0x4000, 0x7fff);

    interval_set_insert(src, &a);
    interval_set_insert(src, &b);
    assert_plan(0x1000, 0x5fff, src, "map 0x1000-0x1fff; copy 0x2000-0x2fff; "
                "map 0x3000-0x3fff; copy 0x4000-0x5fff");
    /* A source with nothing there: map all of it */
    assert_plan(0x10000, 0x10fff, src, "map 0x10000-0x10fff");
}

static void test_plan_top_of_space(void)
{
    g_autoptr(IntervalSet) src = interval_set_new();
    Range top = range_make(UINT64_MAX - 0xfff, UINT64_MAX);

    interval_set_insert(src, &top);
    assert_plan(UINT64_MAX - 0x1fff, UINT64_MAX, src,
                "map 0xffffffffffffe000-0xffffffffffffefff; "
                "copy 0xfffffffffffff000-0xffffffffffffffff");
    assert_plan(UINT64_MAX - 0xfff, UINT64_MAX, src,
                "copy 0xfffffffffffff000-0xffffffffffffffff");
}

/* ---- the failure policy ------------------------------------------------- */

static void test_failure_policy(void)
{
    /* joining, ram_device, warned */
    g_assert_cmpint(vfio_failure_action(true, false, false), ==,
                    VFIO_FAILURE_FAIL_ATTACH);
    g_assert_cmpint(vfio_failure_action(false, false, false), ==,
                    VFIO_FAILURE_MARK_BROKEN);
    g_assert_cmpint(vfio_failure_action(false, false, true), ==,
                    VFIO_FAILURE_MARK_BROKEN);
    g_assert_cmpint(vfio_failure_action(false, true, false), ==,
                    VFIO_FAILURE_WARN_ONCE);
    g_assert_cmpint(vfio_failure_action(false, true, true), ==,
                    VFIO_FAILURE_IGNORE);
    /* P2P never fails an attach */
    g_assert_cmpint(vfio_failure_action(true, true, false), ==,
                    VFIO_FAILURE_WARN_ONCE);
    g_assert_cmpint(vfio_failure_action(true, true, true), ==,
                    VFIO_FAILURE_IGNORE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vfio/section/mmio-skipped", test_mmio_skipped);
    g_test_add_func("/vfio/section/aligned-ram", test_aligned_ram);
    g_test_add_func("/vfio/section/unaligned-ram-shrinks",
                    test_unaligned_ram_shrinks);
    g_test_add_func("/vfio/section/too-small", test_too_small);
    g_test_add_func("/vfio/section/misaligned-ram", test_misaligned_ram);
    g_test_add_func("/vfio/section/known-safe-misalignment",
                    test_known_safe_misalignment);
    g_test_add_func("/vfio/section/ram-device-whole-or-nothing",
                    test_ram_device_whole_or_nothing);
    g_test_add_func("/vfio/section/bigger-iommu-page",
                    test_bigger_iommu_page);
    g_test_add_func("/vfio/section/top-of-space", test_top_of_space);
    g_test_add_func("/vfio/section/info-from-listener-section",
                    test_section_info);
    g_test_add_func("/vfio/clip/inside", test_clip_inside);
    g_test_add_func("/vfio/clip/across-msi-window",
                    test_clip_across_msi_window);
    g_test_add_func("/vfio/clip/outside", test_clip_outside);
    g_test_add_func("/vfio/clip/unaligned-valid-range",
                    test_clip_unaligned_valid_range);
    g_test_add_func("/vfio/plan/no-source", test_plan_no_source);
    g_test_add_func("/vfio/plan/full-copy", test_plan_full_copy);
    g_test_add_func("/vfio/plan/partial-copy", test_plan_partial_copy);
    g_test_add_func("/vfio/plan/top-of-space", test_plan_top_of_space);
    g_test_add_func("/vfio/policy/failure-actions", test_failure_policy);
    return g_test_run();
}
