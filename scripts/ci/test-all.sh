#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The README's test command: install dependencies, build, and run every
# suite (unit, functional, and the real-kernel vm suite, which builds the
# guest kernel once and caches it in ~/.cache/vfio-rig), then the unit and
# functional suites again under AddressSanitizer + UBSan.
# The last line counts every test case of every run: "N passed, N failed".

set -uo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
cd "$src"

scripts/ci/install-deps.sh || { echo "test-all: installing dependencies failed"; exit 1; }

run_build() {     # BUILDDIR CONFIGURE-OPTIONS... -- SUITES...
    local build=$1; shift
    local opts=() suites=()
    while [ "$1" != "--" ]; do opts+=("$1"); shift; done
    shift
    for s in "$@"; do suites+=(--suite "$s"); done
    ./configure --builddir="$build" "${opts[@]}" >"$build.configure.log" 2>&1 ||
        { cat "$build.configure.log"; return 1; }
    ninja -C "$build" || return 1
    meson test -C "$build" --print-errorlogs "${suites[@]}"
}

status=0
run_build build --enable-werror -- || status=1
run_build build-asan --enable-werror --enable-asan --enable-ubsan \
    --disable-vm-tests --disable-benchmarks -- unit functional || status=1
# configure leaves .builddir pointing at the last build; `make` wants build/
echo build > .builddir

logs=()
for b in build build-asan; do
    [ -f "$b/meson-logs/testlog.json" ] && logs+=("$b/meson-logs/testlog.json")
done
python3 scripts/test-summary.py "${logs[@]}" || status=1
exit $status
