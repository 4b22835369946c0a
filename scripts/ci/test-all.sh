#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The README's test command: install dependencies, build the patched QEMU
# 10.2.2 and the control (the same tarball plus patch 1 only; `make`),
# build the test programs (./configure in build/tests), and run every
# suite: unit (the uAPI headers), qemu (the tooling, the series' patches,
# hw/vfio for other targets, libvirt's command lines, QEMU's own tests)
# and the real-kernel vm suite (which builds the guest kernel once and
# caches it in ~/.cache/vfio-rig, then runs the patched and the control
# QEMU against real edu devices, and a Linux guest on the patched one),
# and its named subset vm-newest on Debian's newest kernel (linux-source-7.3
# from trixie-backports, built and cached the same way).
# The last line counts every test case of every run: "N passed, N failed".

set -uo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
cd "$src"

t0=$(date +%s)
stamp() { echo "test-all: $* ($(( $(date +%s) - t0 )) s)"; }

scripts/ci/install-deps.sh || { echo "test-all: installing dependencies failed"; exit 1; }
stamp "dependencies installed"
make qemu || { echo "test-all: building QEMU failed"; exit 1; }
stamp "QEMU and the control built"

run_build() {     # BUILDDIR CONFIGURE-OPTIONS... -- SUITES...
    local build=$1; shift
    local opts=() suites=()
    while [ "$1" != "--" ]; do opts+=("$1"); shift; done
    shift
    for s in "$@"; do suites+=(--suite "$s"); done
    mkdir -p "$(dirname "$build")"
    ./configure --builddir="$build" "${opts[@]}" >"$build.configure.log" 2>&1 ||
        { cat "$build.configure.log"; return 1; }
    ninja -C "$build" || return 1
    meson test -C "$build" --print-errorlogs "${suites[@]}"
}

status=0
run_build build/tests --enable-werror --enable-vm-newest -- || status=1
stamp "suites run"
echo build/tests > .builddir

logs=()
[ -f build/tests/meson-logs/testlog.json ] && logs+=(build/tests/meson-logs/testlog.json)
python3 scripts/test-summary.py "${logs[@]}" || status=1
exit $status
