# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables are for the scripts that source this
#
# Sourced by the scripts behind the make targets that boot the rig with
# the project's programs (fault.sh, libvirt.sh, walk.sh): run from the
# repository, and name what they all use.
#   root     the repository
#   build    the project's build directory (.builddir; default build/tests)
#   vm       its tests/vm
#   patched  the patched qemu-system-x86_64; control: the control's

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
build=$(cat .builddir 2>/dev/null || echo build/tests)
build=$(cd "$build" && pwd)
vm=$build/tests/vm
patched=$("$root/scripts/qemu.sh" binary)
control=$("$root/scripts/qemu.sh" control-binary)
