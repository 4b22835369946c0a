# SPDX-License-Identifier: GPL-2.0-or-later
#
# Convenience targets over the meson build directory made by ./configure.

BUILD := $(shell cat .builddir 2>/dev/null || echo build)
SUITE ?=

.PHONY: all check check-unit check-functional check-vm bench install clean distclean need-build

all: need-build
	ninja -C $(BUILD)

need-build:
	@test -f $(BUILD)/build.ninja || \
	    { echo "no build directory $(BUILD): run ./configure first" >&2; exit 1; }

# All suites; the last line counts every test case: "N passed, N failed".
check: all
	scripts/run-meson-tests.sh $(BUILD) $(SUITE)

check-unit: all
	scripts/run-meson-tests.sh $(BUILD) unit

check-functional: all
	scripts/run-meson-tests.sh $(BUILD) functional

check-vm: all
	scripts/run-meson-tests.sh $(BUILD) vm

bench: all
	scripts/run-benchmarks.sh $(BUILD)

install: all
	meson install -C $(BUILD)

clean: need-build
	ninja -C $(BUILD) clean

distclean:
	rm -rf $(BUILD) .builddir
