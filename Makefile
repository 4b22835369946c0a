# SPDX-License-Identifier: GPL-2.0-or-later
#
# `make` fetches the pinned QEMU (qemu.conf), verifies it, applies
# patches/, configures and builds qemu-system-x86_64 in build/qemu-build,
# and builds the control (pristine + the first CONTROL_PATCHES patches) in
# build/control
# (scripts/qemu.sh does each step, and only what is out of date).
#
# The rig's test programs and the benchmarks are a meson build of their own
# (./configure, default build/tests): `make check` runs every suite.
# `make bench` boots the rig once and measures the patched QEMU against the
# unpatched one and the raw ioctl limit (scripts/bench.sh): the tables are
# printed and saved as bench/results/DATE.md (docs/benchmarks.md).

BUILD := $(shell cat .builddir 2>/dev/null || echo build/tests)
SUITE ?=
L2_MODE ?= full

.PHONY: all qemu export-series check-series check-commits tests need-build check \
	check-unit check-vm check-vm-newest check-qemu bench bench-viommu \
	check-viommu-faults l2 sweep soak walk check-stable check-libvirt install clean distclean

all: qemu

qemu:
	scripts/qemu.sh deps
	scripts/qemu.sh all

# work tree commits (build/qemu-10.2.2, on top of tag "pristine") -> patches/
export-series:
	scripts/qemu.sh export

check-series:
	scripts/qemu.sh check-series

# every commit of the work tree builds on its own (a scratch clone)
check-commits:
	scripts/qemu.sh rebase-check

need-build:
	@test -f $(BUILD)/build.ninja || \
	    { echo "no build directory $(BUILD): run ./configure first" >&2; exit 1; }

tests: need-build
	ninja -C $(BUILD)

# All suites; the last line counts every test case: "N passed, N failed".
check: qemu tests
	scripts/run-meson-tests.sh $(BUILD) $(SUITE)

check-unit: tests
	scripts/run-meson-tests.sh $(BUILD) unit

check-vm: qemu tests
	scripts/run-meson-tests.sh $(BUILD) vm

check-qemu: qemu tests
	scripts/run-meson-tests.sh $(BUILD) qemu

# The whole vm suite on Debian's newest kernel, linux-source-7.3 from
# trixie-backports (tests/vm/build-kernel.sh KERNEL_VARIANT=7.3: fetched
# through a private apt configuration, built once and cached; about 8
# minutes cold on 2 idle cores); results in docs/migration.md
check-vm-newest: qemu tests
	KERNEL_VARIANT=7.3 scripts/run-meson-tests.sh $(BUILD) vm

# QEMU must be built (`make`); this target does not rebuild it.
bench: tests
	scripts/bench.sh $(BENCH_ARGS)

# A Linux guest (L2) on the patched QEMU and on the control, devices behind
# intel-iommu and virtio-iommu, the guest-driven events, and under
# RLIMIT_MEMLOCK = RAM + 64 MiB (about an hour; L2_MODE=four,events: some
# parts only; CI runs the memlock case on the patched build only)
l2: qemu tests
	L2_MODE=$(L2_MODE) scripts/l2.sh

# Devices behind a vIOMMU (docs/viommu.md), one rig boot each: the tables
# of bench/viommu-bench (pinned memory for 1..8 devices, one guest MAP,
# filling 1 GiB by COPY vs MAP; about 25 minutes), and every call site of
# the vIOMMU scenario failed in turn (about 15 minutes); both saved in
# bench/results/.
bench-viommu: tests
	scripts/viommu.sh bench $(BENCH_ARGS)

check-viommu-faults: tests
	scripts/viommu.sh faults $(FAULT_ARGS)

# libvirt 12.x (trixie-backports) with native iommufd driving the patched
# build, its memlock limit behind a vIOMMU for 2 and 4 hostdevs (patched,
# control, Debian's QEMU 11.1.3), and 11.1.3 as the upstream reference in
# every scenario of test-upstream, test-qemu-fixes and test-viommu: one
# boot (about 15 minutes); tables saved in bench/results/DATE-libvirt.md.
# The vm suite runs the first three programs' default subsets.
check-libvirt: qemu tests
	scripts/libvirt.sh

# Every call of the fault scenario failed in turn, every errno and the
# kernel mode (464 runs, about 70 minutes); and 1000 hot-plug cycles on QEMU built
# with AddressSanitizer (builds build/qemu-asan first).
sweep: tests
	scripts/fault.sh sweep $(SWEEP_ARGS)

soak: tests
	scripts/fault.sh soak $(SOAK_CYCLES)

# Long random hot-plug walks (tests/vm/test-walk, issue 26) on the patched
# build and the control, in WALK_RIGS boots at once (default 1); results in
# bench/results/DATE-walk.md (WALK_SEEDS, WALK_STEPS, WALK_CONTROL_STEPS;
# WALK_ARGS=--asan adds the ASan build)
walk: tests
	scripts/walk.sh $(WALK_ARGS)

# The 10.0.x backport of patches/stable-10.0/ (issue 26) on 10.0.13, pristine
# and fixed, both with ASan; results in bench/results/DATE-stable-10.0.13.md
check-stable: tests
	scripts/stable-check.sh $(STABLE_VERSION)

install: tests
	meson install -C $(BUILD)

clean: need-build
	ninja -C $(BUILD) clean

distclean:
	rm -rf build .builddir
