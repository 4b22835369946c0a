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

# Write every mutant in one awk pass per header: m<INDEX>/linux/<HEADER>.
# A field that cannot be found leaves no mutant, which fails below.
awk -v tmp="$tmp" '{ print tmp "/m" $1 "/linux" }' "$tmp/fields" |
    xargs mkdir -p
for h in "${headers[@]}"; do
    awk -v h="$h" -v tmp="$tmp" '
        FILENAME != ARGV[1] { src[++lines] = $0; next }
        $2 == h { idx[++n] = $1; st[n] = $3; fld[n] = $4 }
        END {
            for (k = 1; k <= n; k++) {
                dir = tmp "/m" idx[k] "/linux"
                out = dir "/" h
                body = 0; done = 0
                for (l = 1; l <= lines; l++) {
                    if (src[l] ~ "^struct " st[k] " {$") { body = 1 }
                    if (body && !done &&
                        src[l] ~ "[ *]" fld[k] "(\\[[^]]*\\])?;") {
                        print "    __aligned_u64 __uapi_mutation;" > out
                        done = 1
                    }
                    if (body && src[l] ~ /^};/) { body = 0 }
                    print src[l] > out
                }
                close(out)
                if (!done) { system("rm -f " out) }
            }
        }' "$tmp/fields" "$tmp/orig/linux/$h"
done

# Compile one mutant: INDEX HEADER STRUCT FIELD OFFSET -> r<INDEX>.
# Its "uapi-assert.h" comes from the unmodified copy (-iquote).
cat > "$tmp/one.sh" <<'EOF'
tmp=$1 cc=$2 i=$3 header=$4 struct=$5 field=$6 offset=$7
dir=$tmp/m$i
name="$struct.$field"
if [ ! -f "$dir/linux/$header" ]; then
    echo "not ok $i - $name # field not found in $header"
elif echo "#include <linux/$header>" |
        "$cc" -std=gnu11 -fsyntax-only -I"$dir" -iquote "$tmp/orig/linux" \
        -x c - > "$dir/log" 2>&1; then
    echo "not ok $i - $name # still compiles with the field moved"
elif grep -qF "offsetof(struct $struct, $field) == $offset" "$dir/log"; then
    echo "ok $i - $name"
else
    echo "not ok $i - $name # failed, but not on its own assertion"
fi > "$tmp/r$i"
EOF
xargs -P "$jobs" -L 1 sh "$tmp/one.sh" "$tmp" "$cc" < "$tmp/fields"

for ((i = 3; i <= n + 2; i++)); do
    cat "$tmp/r$i"
done
