#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# uapi-mutation.sh: moving any field of linux-headers/ must break the build
#
# For every UAPI_ASSERT_OFFSET line of linux-headers/linux/{iommufd,vfio}.h,
# make a copy of that header with an __aligned_u64 inserted right before
# the field in its struct (which moves the field by at least 8 bytes; a
# __u32 could just fill a padding hole and move nothing), compile a file
# that includes it, and expect the compile to fail with that very
# assertion's message.  Test 1 checks that the unmodified headers compile,
# test 2 that every field of every struct has its UAPI_ASSERT_OFFSET and
# every struct its UAPI_ASSERT_SIZE.  Prints TAP ("ok 3 - iommu_destroy.size").
#
# Usage: tests/unit/uapi-mutation.sh [SOURCE_ROOT]
# Environment: CC (default cc), JOBS (parallel compiles, default 2)

set -euo pipefail

src=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cc=${CC:-cc}
jobs=${JOBS:-2}
headers=(iommufd.h vfio.h)

[ -f "$src/linux-headers/linux/iommufd.h" ] || {
    echo "Bail out! $src/linux-headers/linux/iommufd.h not found"
    exit 1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/uapi-mutation.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/orig"
cp -r "$src/linux-headers/linux" "$tmp/orig/linux"

# One line per field: INDEX HEADER STRUCT FIELD OFFSET (INDEX from 3: 1 and
# 2 are the checks of the unmodified headers)
(cd "$tmp/orig/linux" && grep -H '^UAPI_ASSERT_OFFSET(' "${headers[@]}") |
    sed -E 's/^([^:]+):UAPI_ASSERT_OFFSET\(struct ([A-Za-z0-9_]+), *([A-Za-z0-9_]+), *([0-9]+)\);.*$/\1 \2 \3 \4/' |
    awk '{ print NR + 2, $0 }' > "$tmp/fields"
n=$(wc -l < "$tmp/fields")

echo "1..$((n + 2))"
if printf '#include <linux/iommufd.h>\n#include <linux/vfio.h>\n' |
        "$cc" -std=gnu11 -Wall -Wextra -Werror -fsyntax-only \
        -I"$tmp/orig" -x c - 2> "$tmp/log0"; then
    echo "ok 1 - unmodified headers compile"
else
    echo "not ok 1 - unmodified headers compile"
    sed 's/^/# /' "$tmp/log0"
fi

# Every "struct X {" body line "TYPE [*]NAME[...];" needs its assertion.
(cd "$tmp/orig/linux" && awk '
    FNR == 1 { body = 0 }
    /^struct [A-Za-z0-9_]+ {$/ { body = 1; st = $2; print "size", st; next }
    body && /^};/ { body = 0; next }
    body && match($0, /[ *][A-Za-z0-9_]+(\[[^]]*\])?;/) {
        f = substr($0, RSTART + 1, RLENGTH - 2); sub(/\[.*/, "", f)
        print "offset", st, f
    }' "${headers[@]}" | sort > "$tmp/declared")
(cd "$tmp/orig/linux" && cat "${headers[@]}") | sed -nE \
    -e 's/^UAPI_ASSERT_SIZE\(struct ([A-Za-z0-9_]+), .*/size \1/p' \
    -e 's/^UAPI_ASSERT_OFFSET\(struct ([A-Za-z0-9_]+), *([A-Za-z0-9_]+),.*/offset \1 \2/p' |
    sort > "$tmp/asserted"
missing=$(comm -23 "$tmp/declared" "$tmp/asserted")
if [ -z "$missing" ] && [ -s "$tmp/declared" ]; then
    echo "ok 2 - every struct field has its assertion" \
         "($(grep -c '^offset' "$tmp/declared") fields)"
else
    echo "not ok 2 - every struct field has its assertion"
    echo "${missing:-no struct found}" | sed 's/^/# no UAPI_ASSERT for: /'
fi

# Batch the mutants so that the test stays fast: one compile moves the k-th
# field of every struct at once.  Structs are independent of each other, so
# an assertion can only fire because of its own struct's mutation -- except
# for structs embedded in others (the capability header, vfio_bitmap, ...):
# their fields get one compile each.
# Line: INDEX HEADER STRUCT FIELD OFFSET BATCH
(cd "$tmp/orig/linux" &&
    sed -nE 's/^ +struct ([A-Za-z0-9_]+) .*;.*/\1/p' "${headers[@]}") |
    sort -u > "$tmp/embedded"
awk 'FILENAME == ARGV[1] { emb[$1] = 1; next }
     {
         ord[$3]++
         b = ($3 in emb) ? "e" $1 : "r" ord[$3]
         print $0, substr($2, 1, index($2, ".") - 1) "-" b
     }' "$tmp/embedded" "$tmp/fields" > "$tmp/batched"
awk '{ print $6, $2 }' "$tmp/batched" | sort -u > "$tmp/batches"
awk -v tmp="$tmp" '{ print tmp "/b" $1 "/linux" }' "$tmp/batches" |
    xargs mkdir -p

# Write the mutants, one awk pass per header: b<BATCH>/linux/<HEADER>; list
# each mutation actually made ("BATCH STRUCT") in "applied".
: > "$tmp/applied"
for h in "${headers[@]}"; do
    awk -v h="$h" -v tmp="$tmp" '
        FILENAME != ARGV[1] { src[++lines] = $0; next }
        $2 == h {
            if (!($6 in seen)) { seen[$6] = 1; batch[++nb] = $6 }
            mut[$6, $3] = $4
        }
        END {
            for (k = 1; k <= nb; k++) {
                b = batch[k]
                out = tmp "/b" b "/linux/" h
                body = 0
                for (l = 1; l <= lines; l++) {
                    if (match(src[l], /^struct [A-Za-z0-9_]+ {$/)) {
                        st = substr(src[l], 8, RLENGTH - 9)
                        body = ((b, st) in mut)
                    } else if (body && src[l] ~ /^};/) {
                        body = 0
                    } else if (body &&
                               src[l] ~ "[ *]" mut[b, st] "(\\[[^]]*\\])?;") {
                        print "    __aligned_u64 __uapi_mutation;" > out
                        print b, st >> (tmp "/applied")
                        body = 0
                    }
                    print src[l] > out
                }
                close(out)
            }
        }' "$tmp/batched" "$tmp/orig/linux/$h"
done

# Compile one batch: BATCH HEADER -> b<BATCH>/log and b<BATCH>/rc.  The
# mutant's "uapi-assert.h" comes from the unmodified copy (-iquote).
printf '%s\n' \
    'tmp=$1 cc=$2 dir=$1/b$3 header=$4' \
    'echo "#include <linux/$header>" |' \
    '    "$cc" -std=gnu11 -fsyntax-only -I"$dir" -iquote "$tmp/orig/linux" \' \
    '    -x c - > "$dir/log" 2>&1' \
    'echo $? > "$dir/rc"' > "$tmp/compile.sh"
xargs -P "$jobs" -L 1 sh "$tmp/compile.sh" "$tmp" "$cc" < "$tmp/batches"

while read -r i header struct field offset batch; do
    name="$struct.$field"
    dir=$tmp/b$batch
    if ! grep -qx "$batch $struct" "$tmp/applied"; then
        echo "not ok $i - $name # field not found in $header"
    elif [ "$(cat "$dir/rc")" = 0 ]; then
        echo "not ok $i - $name # still compiles with the field moved"
    elif grep -qF "offsetof(struct $struct, $field) == $offset" "$dir/log"
    then
        echo "ok $i - $name"
    else
        echo "not ok $i - $name # failed, but not on its own assertion"
    fi
done < "$tmp/batched"
