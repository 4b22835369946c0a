#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# How patches/ applies to another QEMU tree (upstream master), patch by
# patch: each patch is tried with `git am -3` on the result of the ones
# before; one that does not apply is counted (with its conflicting files)
# and skipped.  Prints a Markdown table.  Not part of CI: it needs a git
# directory of upstream QEMU (e.g. the snapshot of the mirror
# pbo-linaro/qemu-ci, whose master is upstream's).  The work tree's
# objects are fetched first, so that a patch whose context moved gets a
# real 3-way merge; a patch skipped makes the ones built on it conflict
# too (the table says which files).
#
# Usage: scripts/upstream-apply.sh GIT-DIR [REF]   (REF default: master)

set -uo pipefail
gitdir=${1:?usage: upstream-apply.sh GIT-DIR [REF]}
ref=${2:-master}
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'git --git-dir="$gitdir" worktree remove --force "$tmp/tree" >/dev/null 2>&1; rm -rf "$tmp"' EXIT

git --git-dir="$gitdir" worktree add -q --detach "$tmp/tree" "$ref" || exit 1
cd "$tmp/tree" || exit 1
git fetch -q "$repo/build/qemu-$(. "$repo/qemu.conf"; echo "$QEMU_VERSION")" \
    HEAD:refs/series-work 2>/dev/null ||
    echo "(no work tree to fetch objects from: 3-way merges may fail)" >&2
export GIT_AUTHOR_NAME=check GIT_AUTHOR_EMAIL=check@invalid
export GIT_COMMITTER_NAME=check GIT_COMMITTER_EMAIL=check@invalid
echo "Base: $(git log -1 --format='%h %cd %s' --date=short HEAD)"
echo
echo "| patch | result | files with conflicts |"
echo "|---|---|---|"
clean=0 threeway=0 failed=0
while read -r p; do
    if git am -q "$repo/patches/$p" >/dev/null 2>&1; then
        result=clean; clean=$((clean + 1)); files=
    else
        git am --abort >/dev/null 2>&1
        if git am -q -3 "$repo/patches/$p" >/dev/null 2>&1; then
            result="3-way"; threeway=$((threeway + 1)); files=
        else
            files=$(git diff --name-only --diff-filter=U | tr '\n' ' ')
            git am --abort >/dev/null 2>&1
            result=conflict; failed=$((failed + 1))
        fi
    fi
    echo "| ${p%.patch} | $result | $files |"
done < <(grep -v '^#' "$repo/patches/series" | grep .)
echo
echo "$clean clean, $threeway with a 3-way merge, $failed in conflict"
