# SPDX-License-Identifier: GPL-2.0-or-later
#
# Renumber one program's TAP output into the rig's combined stream.
#   awk -v start=N -v name=PROG -v rc=EXIT -f tap-merge.awk OUTPUT
# Test lines become "ok|not ok <start+k> - PROG: <description>"; anything
# that is not TAP becomes a "# " comment, so meson never sees unknown lines.
# Failures the program itself cannot report are added as "not ok" lines:
# no plan (it crashed or stopped early), a plan it did not meet, a
# bail-out, and a non-zero exit with no failed test to explain it.

function emit(ok, text) {
    n++
    printf "%s %d - %s: %s\n", ok ? "ok" : "not ok", n, name, text
    if (!ok) {
        failed++
    }
}

# A "#" in a description would read as a TAP directive: keep only the real
# SKIP/TODO directives as such.
function test_line(ok, rest,    desc, dir, i) {
    sub(/^[0-9]+[ \t]*/, "", rest)
    sub(/^-[ \t]*/, "", rest)
    i = index(rest, "#")
    desc = rest
    dir = ""
    if (i > 0 && substr(rest, i) ~ /^#[ \t]*([Ss][Kk][Ii][Pp]|[Tt][Oo][Dd][Oo])/) {
        desc = substr(rest, 1, i - 1)
        dir = " " substr(rest, i)
    }
    gsub(/#/, "no.", desc)
    sub(/[ \t]+$/, "", desc)
    seen++
    emit(ok, desc dir)
}

BEGIN {
    n = start + 0
    seen = 0
    failed = 0
    plan = -1
    bailed = 0
}

/^ok([ \t]|$)/ { rest = $0; sub(/^ok[ \t]*/, "", rest); test_line(1, rest); next }
/^not ok([ \t]|$)/ { rest = $0; sub(/^not ok[ \t]*/, "", rest); test_line(0, rest); next }

/^1\.\.[0-9]+/ {
    plan = substr($0, 4) + 0
    if (plan == 0) {
        skip_reason = $0
        sub(/^1\.\.0[ \t]*#?[ \t]*([Ss][Kk][Ii][Pp][^ \t]*)?[ \t]*/, "", skip_reason)
    }
    next
}

/^Bail out!/ { bailed = 1; emit(0, $0); next }
/^TAP version/ { next }
/^#/ { print; next }
/^[ \t]*$/ { next }
{ print "# " name ": " $0 }

END {
    if (plan == 0 && seen == 0 && (rc == 0 || rc == 77)) {
        n++
        printf "ok %d - %s # SKIP %s\n", n, name, skip_reason
    } else if (plan < 0 && !bailed) {
        emit(0, "no TAP plan: the program crashed or stopped early")
    } else if (plan != seen && !bailed) {
        emit(0, "planned " plan " tests but ran " seen)
    }
    # A crash is named even when failures were reported before it.
    if (rc > 128) {
        emit(0, "exited " rc " (killed by signal " rc - 128 ")")
    } else if (rc != 0 && failed == 0) {
        emit(0, "exited " rc " with no failed test to explain it")
    }
}
