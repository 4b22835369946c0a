#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run meson's test suites and end with one line counting every test case of
# every suite: "N passed, N failed".  Exit status is non-zero on any failure.
#
# Usage: run-meson-tests.sh BUILDDIR [SUITE...]

set -u
build=${1:?usage: run-meson-tests.sh BUILDDIR [SUITE...]}
shift
suites=()
for s in "$@"; do
    suites+=(--suite "$s")
done

here=$(cd "$(dirname "$0")" && pwd)
meson test -C "$build" --print-errorlogs "${suites[@]}"
rc=$?
python3 "$here/test-summary.py" "$build/meson-logs/testlog.json"
summary_rc=$?
[ $rc = 0 ] && [ $summary_rc = 0 ]
