#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Count every test case of meson test runs: "N passed, N failed".

Usage: test-summary.py TESTLOG.json...

Tests whose output is TAP (it has a plan line "1..N"; meson's log does not
record the protocol) count each `ok` / `not ok` line; any other test counts
as one case.  A TAP test that failed as a whole (crash, timeout, bad
exit status) without a `not ok` line of its own counts one extra failure, so
nothing fails silently.  Exit status 1 if anything failed.
"""

import json
import re
import sys

TAP_LINE = re.compile(r'^(not ok|ok)\b(.*)$')
TAP_PLAN = re.compile(r'^\d+\.\.\d+', re.M)


def count_tap(stdout):
    passed = failed = skipped = 0
    for line in stdout.splitlines():
        m = TAP_LINE.match(line)
        if not m:
            continue
        if re.search(r'#\s*SKIP', m.group(2), re.I):
            skipped += 1
        elif m.group(1) == 'ok':
            passed += 1
        else:
            failed += 1
    return passed, failed, skipped


def count_test(t):
    """Return (passed, failed, skipped) for one test of meson's log."""
    ok = t['result'] in ('OK', 'EXPECTEDFAIL')
    stdout = t.get('stdout') or ''
    if TAP_PLAN.search(stdout):
        passed, failed, skipped = count_tap(stdout)
        if not ok and failed == 0:
            print(f"{t['name']}: {t['result']} without a failing test case",
                  file=sys.stderr)
            failed = 1
        return passed, failed, skipped
    if t['result'] == 'SKIP':
        return 0, 0, 1
    return (1, 0, 0) if ok else (0, 1, 0)


def main():
    totals = [0, 0, 0]
    for path in sys.argv[1:]:
        with open(path, encoding='utf-8') as f:
            for line in f:
                for i, n in enumerate(count_test(json.loads(line))):
                    totals[i] += n
    passed, failed, skipped = totals
    tail = f', {skipped} skipped' if skipped else ''
    print(f'{passed} passed, {failed} failed{tail}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
