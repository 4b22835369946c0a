#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The real-kernel rig: boots the cached guest kernel (build-kernel.sh) under
# TCG QEMU with an emulated Intel IOMMU and edu DMA devices, and runs host
# commands inside it (the host root is the guest's root, read-only, over 9p).
#
# Usage: rig.sh kernel                 build or find the guest kernel
#        rig.sh initramfs              build or find the initramfs
#        rig.sh run CMD...             boot once, run each CMD (a shell
#                                      command line) in the guest
#        rig.sh shell [CMD...]         the same, then an interactive shell
#        rig.sh suite PROG...          what meson runs: one combined TAP
#                                      stream of the host checks and of the
#                                      test programs, run in one boot
#
# Environment:
#   RIG_TIMEOUT=300      seconds before a boot counts as hung
#   RIG_EDUS=3           number of edu devices
#   RIG_MEM=1G RIG_SMP=2 guest size
#   RIG_VIOMMU=          the IOMMU device (default
#                        intel-iommu,intremap=on,caching-mode=on)
#   RIG_APPEND=          extra kernel command-line words
#   RIG_QEMU_ARGS=       extra QEMU arguments (split on spaces)
#   RIG_ENV="K=V ..."    extra variables for the guest commands
#   RIG_KEEP="DIR ..."   host directories under /tmp to keep visible in the
#                        guest (the cwd and suite programs are kept anyway)
#   RIG_LOG_DIR=         keep each boot's files (console, outputs, dmesg) here
#   VFIO_RIG_KERNEL=     use this kernel cache dir instead of build-kernel.sh
#   KERNEL_VARIANT=6.12  the guest kernel build-kernel.sh builds (or 7.3)
#   RIG_UAPI_CHECK=1     0: the suite skips uapi-check.sh (linux-headers/ is
#                        6.12's; newer kernels grew argsz-extensible structs)
#   VFIO_RIG_CACHE=~/.cache/vfio-rig
#   QEMU=qemu-system-x86_64

set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache_root=${VFIO_RIG_CACHE:-$HOME/.cache/vfio-rig}
qemu=${QEMU:-qemu-system-x86_64}
timeout_s=${RIG_TIMEOUT:-300}
edus=${RIG_EDUS:-3}

# edu devices sit in slots 0x4.. of the root bus, below the LPC bridge (0x1f)
[[ "$edus" =~ ^[0-9]+$ ]] && ((edus <= 24)) ||
    { echo "rig: RIG_EDUS must be 0..24 (got $edus)" >&2; exit 125; }
[[ "$timeout_s" =~ ^[0-9]+$ ]] ||
    { echo "rig: RIG_TIMEOUT must be whole seconds (got $timeout_s)" >&2; exit 125; }

note() { echo "rig: $*" >&2; }
die() { note "$*"; exit 125; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Quote a word for the guest's /bin/sh (POSIX: no $'...').
shquote() {
    local s=${1//\'/\'\\\'\'}
    printf "'%s'" "$s"
}

# --- the guest kernel and initramfs ------------------------------------

kernel_dir() {
    local dir
    if [ -n "${VFIO_RIG_KERNEL:-}" ]; then
        dir=$VFIO_RIG_KERNEL
    else
        dir=$("$here/build-kernel.sh" | tail -n1) || return 1
    fi
    [ -f "$dir/vmlinux" ] || { note "no guest kernel: $dir/vmlinux missing"; return 1; }
    echo "$dir"
}

# The initramfs holds busybox-static and /init only; it is rebuilt when
# either changes and cached beside the kernels (never in the source tree).
initramfs() {
    local bb init key out stage
    bb=$(command -v busybox) || { note "busybox not found (apt-get install busybox-static)"; return 1; }
    # The initramfs has no libc: a dynamic busybox would not start.
    [[ "$(ldd "$bb" 2>&1)" == *"not a dynamic"* ]] ||
        { note "$bb is not static (apt-get install busybox-static)"; return 1; }
    init=$here/guest-init.sh
    key=$(cat "$bb" "$init" | sha256sum | cut -c1-12)
    out=$cache_root/initramfs/initramfs-$key.cpio
    if [ ! -f "$out" ]; then
        mkdir -p "$cache_root/initramfs"
        stage=$(mktemp -d "$cache_root/initramfs/.stage.XXXXXX")
        mkdir -p "$stage/bin"
        cp "$bb" "$stage/bin/busybox"
        cp "$init" "$stage/init"
        chmod 755 "$stage/init" "$stage/bin/busybox"
        # Uncompressed: nothing to decompress under TCG.
        (cd "$stage" && find . | cpio --quiet -o -H newc -R 0:0 >"$out.tmp") &&
            mv "$out.tmp" "$out" &&
            find "$cache_root/initramfs" -name 'initramfs-*.cpio' ! -path "$out" -delete
        rm -rf "$stage"
        [ -f "$out" ] || { note "initramfs build failed"; return 1; }
    fi
    echo "$out"
}

# --- one boot ----------------------------------------------------------

# Top-level /tmp entries the guest must bind back over its tmpfs /tmp.
keep_list() {
    local p
    for p in "$@"; do
        p=$(realpath -m "$p")
        case "$p" in /tmp/?*) p=${p#/tmp/}; echo "${p%%/*}" ;; esac
    done | sort -u | tr '\n' ' '
}

# write_run_dir DIR KEEP CMD...: the guest's instructions.
write_run_dir() {
    local run=$1 keep=$2 c kv
    shift 2
    mkdir -p "$run/out"
    : >"$run/out/cmds"
    for c in "$@"; do printf '%s\n' "$c" >>"$run/out/cmds"; done
    {
        echo "RIG_CWD=$(shquote "$PWD")"
        echo "RIG_KEEP=$(shquote "$keep")"
    } >"$run/out/rig.conf"
    # the guest's own kernel, so that a nested rig can boot it again
    echo "export VFIO_RIG_KERNEL=$(shquote "$kdir")" >"$run/out/env.sh"
    for kv in ${RIG_ENV:-}; do
        echo "export ${kv%%=*}=$(shquote "${kv#*=}")" >>"$run/out/env.sh"
    done
}

qemu_args() {
    local run=$1 kdir=$2 initrd=$3 append=$4 i
    printf '%s\n' -nodefaults -no-user-config \
        -machine q35,kernel-irqchip=split -accel tcg -cpu max \
        -m "${RIG_MEM:-1G}" -smp "${RIG_SMP:-2}" \
        -device "${RIG_VIOMMU:-intel-iommu,intremap=on,caching-mode=on}"
    # edu's default DMA mask is 28 bits; a full mask lets tests use any IOVA
    for ((i = 0; i < edus; i++)); do
        printf -- '-device\nedu,addr=%#x,dma_mask=0xffffffffffffffff\n' $((4 + i))
    done
    printf '%s\n' \
        -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
        -virtfs "local,path=$run/out,mount_tag=rigout,security_model=none" \
        -display none -monitor none -no-reboot \
        -kernel "$kdir/vmlinux" -initrd "$initrd" \
        -append "console=ttyS0 intel_iommu=on panic=-1 quiet $append"
    for i in ${RIG_QEMU_ARGS:-}; do printf '%s\n' "$i"; done
}

# boot RUN KDIR INITRD [shell]: one QEMU run; sets qemu_rc and boot_wall.
boot() {
    local run=$1 kdir=$2 initrd=$3 mode=${4:-} t0 append=${RIG_APPEND:-}
    local -a args
    [ "$mode" = shell ] && append="rig.shell $append"
    mapfile -t args < <(qemu_args "$run" "$kdir" "$initrd" "$append")
    t0=$(now)
    if [ "$mode" = shell ]; then
        # mon:stdio: Ctrl-A x quits, Ctrl-A c reaches the QEMU monitor
        "$qemu" "${args[@]}" -serial mon:stdio
        qemu_rc=$?
    else
        timeout -k 5 "$timeout_s" "$qemu" "${args[@]}" \
            -serial "file:$run/console.log" </dev/null >"$run/qemu.log" 2>&1
        qemu_rc=$?
    fi
    boot_wall=$(elapsed "$t0")
}

# (with pipefail, `console | grep -q` fails when grep quits before tr has
# written a large console, e.g. one full of DMAR faults: tr dies of
# SIGPIPE; the greps below read everything)
console() { tr -d '\r' <"$1/console.log" 2>/dev/null; }

# boot_retrying RUN KDIR INITRD: boot(); a boot that died before its first
# command (a guest that panicked while booting: under host load the guest
# kernel's timer check through the interrupt-remapped IO-APIC has been
# seen to fail) is tried once more, and the log says so.  A command that
# ran and failed is never retried.
boot_retrying() {
    local run=$1 why
    boot "$@"
    console "$run" | grep 'RIG-CMD-START: \|RIG-RESULT: ' >/dev/null && return
    [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ] && return     # a hang
    why=$(boot_failures "$run" | head -n1)
    note "the boot died before its first command (${why:-no output}): booting once more"
    echo "rig: boot retried once: ${why:-no output}" >>"$run/retried"
    mv "$run/console.log" "$run/console-first.log" 2>/dev/null
    mv "$run/qemu.log" "$run/qemu-first.log" 2>/dev/null
    boot "$@"
}

cmd_line() { sed -n "${2}p" "$1/out/cmds"; }

# Why the boot as a whole failed, one line per reason; nothing if it ran.
boot_failures() {
    local run=$1 last
    console "$run" | grep -o 'RIG-ERROR: .*' | sed 's/^RIG-ERROR: /guest: /'
    if console "$run" | grep 'RIG-RESULT: ' >/dev/null; then
        case $qemu_rc in
        0) ;;
        124|137) echo "guest did not power off within $timeout_s s after RIG-RESULT" ;;
        *) echo "QEMU exited $qemu_rc after RIG-RESULT: $(tail -n1 "$run/qemu.log")" ;;
        esac
        return
    fi
    last=$(console "$run" | sed -n 's/.*RIG-CMD-START: \([0-9]*\).*/\1/p' | tail -n1)
    if [ -n "$last" ] && console "$run" | grep "RIG-CMD: $last " >/dev/null; then last=; fi
    local where="during boot (before any command)"
    [ -n "$last" ] && where="in command $last (\`$(cmd_line "$run" "$last")\`)"
    case $qemu_rc in
    124|137) echo "guest hung $where: no RIG-RESULT within $timeout_s s" ;;
    0) if console "$run" | grep 'Kernel panic' >/dev/null; then
           echo "guest kernel panic $where: $(console "$run" | grep -m1 'Kernel panic')"
       else
           echo "guest stopped $where without RIG-RESULT"
       fi ;;
    *) echo "QEMU exited $qemu_rc $where: $(grep -v '^$' "$run/qemu.log" | tail -n1)" ;;
    esac
}

# Exit status of guest command N, or nothing if it never finished.
cmd_rc() {
    console "$1" | sed -n "s/.*RIG-CMD: $2 rc=\([0-9]*\).*/\1/p" | head -n1
}

cmd_time() {
    console "$1" | sed -n "s/.*RIG-CMD: $2 rc=[0-9]* time=\([0-9.]*\).*/\1/p" | head -n1
}

guest_uptime() {
    console "$1" | sed -n 's/.*RIG-RESULT: .*uptime=\([0-9.]*\).*/\1/p' | head -n1
}

# New per-boot directory; kept under RIG_LOG_DIR, else removed on success.
new_run_dir() {
    if [ -n "${RIG_LOG_DIR:-}" ]; then
        mkdir -p "$RIG_LOG_DIR"
        mktemp -d "$RIG_LOG_DIR/boot.XXXXXX"
    else
        mktemp -d "${TMPDIR:-/tmp}/vfio-rig.XXXXXX"
    fi
}

# --- subcommands ---------------------------------------------------------

# TAP counts of one command's output: "N passed, M failed" (or nothing).
tap_counts() {
    awk '/^ok /{p++} /^not ok /{f++} END { if (p + f) printf "%d passed, %d failed", p, f }' "$1"
}

# Each command's output, then its status, time and TAP counts; the
# counts of all commands last, as the guest's "N passed, N failed".
report_commands() {
    local run=$1 n=$2 i status counts
    for ((i = 1; i <= n; i++)); do
        echo "=== command $i: $(cmd_line "$run" "$i")"
        cat "$run/out/$i.out" 2>/dev/null
        sed 's/^/stderr: /' "$run/out/$i.err" 2>/dev/null
        status="no result"
        [ -z "$(cmd_rc "$run" "$i")" ] ||
            status="exit $(cmd_rc "$run" "$i") in $(cmd_time "$run" "$i") s"
        counts=$(tap_counts "$run/out/$i.out" 2>/dev/null)
        echo "=== command $i: $status${counts:+, $counts}"
    done
    counts=$(cat "$run"/out/[0-9]*.out 2>/dev/null | tap_counts /dev/stdin)
    [ -z "$counts" ] || echo "=== guest tests: $counts"
}

do_run() {
    local mode=${1:-} kdir initrd run n i rc bad=0 first_rc=0 reasons guest_up
    shift
    kdir=$(kernel_dir) || exit 125
    initrd=$(initramfs) || exit 125
    run=$(new_run_dir)
    n=$#
    # shellcheck disable=SC2086 # RIG_KEEP is a list of words
    write_run_dir "$run" "$(keep_list "$PWD" ${RIG_KEEP:-})" "$@"
    note "booting ($edus edu, timeout $timeout_s s) with $n command(s)"
    if [ "$mode" = shell ]; then
        boot "$run" "$kdir" "$initrd" "$mode"
    else
        boot_retrying "$run" "$kdir" "$initrd"
    fi
    report_commands "$run" "$n"
    [ "$mode" = shell ] && { rm -rf "$run"; exit "$qemu_rc"; }
    guest_up=$(guest_uptime "$run")
    reasons=$(boot_failures "$run")
    [ -z "$reasons" ] || { while read -r r; do note "FAIL: $r"; done <<<"$reasons"; bad=1; first_rc=125; }
    for ((i = 1; i <= n; i++)); do
        rc=$(cmd_rc "$run" "$i")
        [ -n "$rc" ] && [ "$rc" != 0 ] || continue
        note "FAIL: command $i (\`$(cmd_line "$run" "$i")\`) exited $rc"
        [ "$first_rc" != 0 ] || first_rc=$rc
        bad=1
    done
    [ -n "$guest_up" ] && guest_up="$guest_up s" || guest_up="unknown (no RIG-RESULT)"
    note "boot wall time $boot_wall s, guest uptime $guest_up, QEMU exit $qemu_rc"
    if [ $bad = 0 ] && [ -z "${RIG_LOG_DIR:-}" ]; then rm -rf "$run"; else note "boot files kept in $run"; fi
    exit "$first_rc"
}

# --- suite: one combined TAP stream --------------------------------------

tap_file=
kdir=       # the kernel cache dir and initramfs of the suite's boot
initrd=
tap_n() { grep -cE '^(not )?ok ' "$tap_file"; }
tap() { echo "$*" | tee -a "$tap_file"; }
tap_ok() { tap "ok $(( $(tap_n) + 1 )) - $*"; }
tap_fail() { tap "not ok $(( $(tap_n) + 1 )) - $*"; }
tap_comment() { sed 's/^/# /' | tee -a "$tap_file"; }

# Renumber one program's TAP into the combined stream, prefixing names; a
# missing or short plan, a bail-out or a non-zero exit is a failure too.
tap_merge() {
    local name=$1 out=$2 rc=$3
    awk -v start="$(tap_n)" -v name="$name" -v rc="$rc" -f "$here/tap-merge.awk" "$out" |
        tee -a "$tap_file"
}

suite_kernel() {
    local t0
    t0=$(now)
    kdir=$(kernel_dir) || {
        tap_fail "guest kernel: build-kernel.sh failed (see the log above)"; return 1; }
    tap_ok "guest kernel $(basename "$kdir") ($(elapsed "$t0") s)"
}

# Host-side checks against the kernel's installed headers.
suite_host_checks() {
    local check=$here/uapi-check.sh out
    if [ ! -x "$check" ]; then
        tap_fail "uapi-check: $check missing or not executable"
        return
    fi
    out=$(mktemp)
    "$check" "$kdir" >"$out"
    tap_merge uapi-check "$out" $?
    rm -f "$out"
}

suite_boot() {
    local run=$1 n i p rc reasons
    shift
    n=$#
    local -a cmds=()
    for p in "$@"; do cmds+=("$(shquote "$(realpath "$p")")"); done
    # shellcheck disable=SC2086 # RIG_KEEP is a list of words
    write_run_dir "$run" "$(keep_list "$PWD" "$@" ${RIG_KEEP:-})" "${cmds[@]}"
    boot_retrying "$run" "$kdir" "$initrd"
    [ -f "$run/retried" ] && tap_comment <"$run/retried"
    reasons=$(boot_failures "$run")
    if [ -z "$reasons" ]; then
        tap_ok "boot: $n program(s) in one boot, ${boot_wall} s wall, guest uptime $(guest_uptime "$run") s"
    else
        while read -r r; do tap_fail "boot: $r"; done <<<"$reasons"
        console "$run" | tail -n 20 | tap_comment
    fi
    for ((i = 1; i <= n; i++)); do
        p=$(basename "${!i}")
        rc=$(cmd_rc "$run" "$i")
        if [ -z "$rc" ]; then
            sed "s|^|$p: partial output: |" "$run/out/$i.out" 2>/dev/null | tap_comment
            tap_fail "$p: no result (the boot failed before it finished)"
            continue
        fi
        tap_merge "$p" "$run/out/$i.out" "$rc"
        grep -v '^$' "$run/out/$i.err" | head -n 40 | sed "s|^|$p: stderr: |" | tap_comment
        echo "$p: exit $rc in $(cmd_time "$run" "$i") s guest time" | tap_comment
    done
}

do_suite() {
    local run t0 failed passed
    t0=$(now)
    run=$(new_run_dir)
    tap_file=$run/suite.tap
    : >"$tap_file"
    if suite_kernel; then
        [ "${RIG_UAPI_CHECK:-1}" = 0 ] || suite_host_checks
        if initrd=$(initramfs); then
            suite_boot "$run" "$@"
        else
            tap_fail "initramfs: build failed"
        fi
    fi
    failed=$(grep -c '^not ok ' "$tap_file")
    passed=$(grep -cE '^ok ' "$tap_file")
    echo "vm suite: $passed passed, $failed failed, $(elapsed "$t0") s in all" | tap_comment
    echo "1..$(tap_n)"
    if [ "$failed" = 0 ] && [ -z "${RIG_LOG_DIR:-}" ]; then rm -rf "$run"; else note "boot files kept in $run"; fi
    [ "$failed" = 0 ]
}

main() {
    case "${1:-}" in
    kernel) kernel_dir ;;
    initramfs) initramfs ;;
    run) shift; [ $# -gt 0 ] || die "usage: rig.sh run CMD..."; do_run "" "$@" ;;
    shell) shift; do_run shell "$@" ;;
    suite) shift; do_suite "$@" ;;
    *) sed -n '3,/^$/s/^# \{0,1\}//p' "$0" >&2; return 2 ;;
    esac
}

# One line, parsed whole before it runs: editing this file while a long
# suite runs cannot make bash read on into the new text.
{ main "$@"; exit $?; }
