#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Check that the x86_64 QEMU command lines libvirt generates for VFIO
# hostdevs (its own test data) are accepted by a QEMU binary, up to the
# point where the named host devices do not exist on this machine.
#
# libvirt's test suite records, for every test domain, the exact command
# line it would run (tests/qemuxmlconfdata/NAME.x86_64-latest.args).
# Those files are the best available statement of what libvirt will pass
# to us, so instead of hand-writing look-alikes this script runs them.
# libvirt's files are never copied into the repository: the orig tarball
# is cached under build/dl/ and the .args files are extracted into a
# temporary directory for each run.
#
# Usage: scripts/libvirt-args-check.sh [-v] [QEMU_BINARY]
#          -v           print what was substituted in each file, and
#                       QEMU's whole output, as TAP comments
#          QEMU_BINARY  default: $(scripts/qemu.sh binary)
#
# Output is TAP: one "ok"/"not ok" line per .args file, then a plain
# "N passed, N failed" line.  The exit status is 1 if any file failed.
#
# Environment: QEMU_BUILD_ROOT (default <repo>/build)
#              LIBVIRT_ARGS_TIMEOUT  seconds QEMU may run (default 30)

set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../qemu.conf
. "$repo/qemu.conf"          # BPO_SUITE: the suite libvirt comes from

root=${QEMU_BUILD_ROOT:-$repo/build}
dl=$root/dl

# libvirt as shipped by bookworm-backports.  The upstream version is
# pinned, and so is the orig tarball's hash, so that every run checks the
# same test data; the Debian revision is whatever the suite has now (the
# orig tarball is the same for every 11.3.0-N upload).
LIBVIRT_UPSTREAM=11.3.0
LIBVIRT_TARBALL=libvirt_$LIBVIRT_UPSTREAM.orig.tar.xz
LIBVIRT_SHA256=6bcb0c42c4580436fea262ced56f68a6afe20f7390b1bea2116718cc034a0283

# Which test files: every x86_64 .args file whose name starts with one of
# these (hostdevs given to vfio-pci by PCI address, and through iommufd).
PREFIXES=(iommufd hostdev-vfio hostdev-pci-address)

timeout_s=${LIBVIRT_ARGS_TIMEOUT:-30}

note() { echo "libvirt-args-check: $*" >&2; }
die() { note "$*"; exit 2; }

verbose=0
if [ "${1:-}" = -v ]; then verbose=1; shift; fi
case "${1:-}" in -*) sed -n '/^# Usage/,/^# Output/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;; esac
bin=${1:-$("$repo/scripts/qemu.sh" binary)}
[ -x "$bin" ] || die "$bin: no such executable (build it, or name a binary)"
bin=$(realpath "$bin")

# apt through scripts/qemu.sh's private configuration (its own sources
# list: BPO_SUITE and QEMU_SRC_SUITE; lists and cache under build/apt): the
# machine's apt sources are never read or changed.
apt_private() {
    "$repo/scripts/qemu.sh" apt "$@"
}

tarball_ok() {
    [ -f "$dl/$LIBVIRT_TARBALL" ] &&
        [ "$(sha256sum "$dl/$LIBVIRT_TARBALL" | cut -d' ' -f1)" = "$LIBVIRT_SHA256" ]
}

fetch_libvirt() {
    tarball_ok && return 0
    local ver
    # newest Debian revision of the pinned upstream version in the suite
    ver=$(apt_private apt-cache showsrc libvirt 2>/dev/null |
          sed -n "s/^Version: \(${LIBVIRT_UPSTREAM//./\\.}-.*\)/\1/p" | sort -V | tail -n1)
    [ -n "$ver" ] || die "$BPO_SUITE has no libvirt $LIBVIRT_UPSTREAM-* source package"
    note "downloading $LIBVIRT_TARBALL (libvirt $ver, $BPO_SUITE)"
    mkdir -p "$dl"
    # --tar-only: only the orig tarball; the Debian packaging is not needed
    (cd "$dl" && apt_private apt-get -q source --tar-only --download-only \
        "libvirt=$ver" >&2) || die "could not download $LIBVIRT_TARBALL"
    tarball_ok || die "$dl/$LIBVIRT_TARBALL: missing, or its sha256 is not $LIBVIRT_SHA256"
}

# The parser and the substitutions, in Python because libvirt's files use
# shell quoting and JSON, and because QEMU must inherit listening sockets
# at known descriptor numbers, which bash cannot create.  It reads one
# .args file, makes the (few) changes, writes them one per line to
# CHANGES, and execs timeout(1) + QEMU with exactly libvirt's environment.
# Arguments: FILE WORKDIR BINARY CHANGES TIMEOUT [-L DIR]...
IFS= read -r -d '' helper <<'EOF' || true
import base64, json, os, re, shlex, shutil, socket, sys

path, work, binary, changes_path, timeout = sys.argv[1:6]
extra = sys.argv[6:]
changes = []

def fail(msg):
    sys.stderr.write("libvirt-args-check: %s: %s\n" % (os.path.basename(path), msg))
    sys.exit(125)

# libvirt writes one option with its value per line, lines joined by
# " \", values shell-quoted (JSON in single quotes).  The line structure
# says which word is an option's value, so it is kept.
lines = []
with open(path) as f:
    for line in f:
        line = line.rstrip("\n")
        if line.endswith("\\"):
            line = line[:-1]
        w = shlex.split(line)
        if len(w) > 2:
            fail("more than an option and its value on one line: %s" % line)
        if w:
            lines.append(w)

env = {}
while lines and len(lines[0]) == 1 and re.match(r"[A-Za-z_][A-Za-z0-9_]*=", lines[0][0]):
    k, v = lines.pop(0)[0].split("=", 1)
    env[k] = v
if not lines or len(lines[0]) != 1:
    fail("no QEMU binary in the file")
orig_bin = lines.pop(0)[0]
if not orig_bin.endswith("qemu-system-x86_64"):
    fail("not an x86_64 command line (binary %s)" % orig_bin)
changes.append("binary: %s -> %s" % (orig_bin, binary))

# Paths under libvirt's own state directories do not exist here: mirror
# them into WORKDIR (keeping the rest of the path, so the change is easy
# to read).
state = re.compile(r"(?<![\w/.-])(/(?:var/)?run/libvirt|/var/(?:lib|log|cache)/libvirt)(?=/)")
moved = {}
def move_paths(s):
    def sub(m):
        return work + m.group(1)
    new = state.sub(sub, s)
    for old_p in state.findall(s):
        if old_p not in moved:
            moved[old_p] = work + old_p
            changes.append("path: %s/... -> %s/..." % (old_p, work + old_p))
    return new

for k in env:
    new = move_paths(env[k])
    if new != env[k]:
        env[k] = new
        if new.startswith(work + "/"):
            # HOME and the XDG_* directories libvirt makes per domain
            os.makedirs(new, exist_ok=True)
lines = [[move_paths(w) for w in l] for l in lines]

# Descriptors libvirt would have opened and passed: open real ones (a
# listening socket where QEMU listens or connects, /dev/null standing in
# for /dev/iommu or a VFIO cdev) and put their numbers in.  The same
# number gets the same new descriptor everywhere it appears.
fdmap = {}
def new_fd(old, kind):
    if old in fdmap:
        return fdmap[old]
    if kind == "socket":
        sp = "%s/fd%s.sock" % (work, old)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(sp)
        s.listen(1)
        fd = s.detach()
        what = "listening unix socket %s" % sp
    else:
        fd = os.open("/dev/null", os.O_RDWR)
        what = "/dev/null"
    os.set_inheritable(fd, True)
    fdmap[old] = str(fd)
    changes.append("fd: %s -> %d (%s)" % (old, fd, what))
    return str(fd)

def fd_kind_opts(opt, val):
    if opt in ("-chardev", "-netdev") and re.match(r"(socket|stream)(,|$)", val):
        return "socket"
    return "null"

def make_file(p, data, why):
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)
    changes.append("created: %s (%s)" % (p, why))

def secret_file(p, fmt):
    # libvirt's master key: 32 random bytes, raw or base64 as the
    # secret object's "format" says
    if os.path.exists(p):
        return
    key = os.urandom(32)
    if fmt == "base64":
        make_file(p, base64.b64encode(key), "32-byte key, base64")
    else:
        make_file(p, key, "32-byte key, raw")

def host_file(p, driver):
    # a disk libvirt would hand over: host_device insists on a block or
    # character device, so point a symlink at /dev/null; a plain file
    # becomes an empty regular file
    if os.path.exists(p):
        return p
    np = p if p.startswith(work + "/") else work + p
    os.makedirs(os.path.dirname(np), exist_ok=True)
    if driver in ("host_device", "host_cdrom"):
        os.symlink("/dev/null", np)
        changes.append("path: %s -> %s (symlink to /dev/null)" % (p, np))
    else:
        open(np, "wb").close()
        changes.append("path: %s -> %s (empty file)" % (p, np))
    return np

out = []
for l in lines:
    opt, a = l[0], (l[1] if len(l) == 2 else None)
    if a is None:
        out.append(opt)
        continue
    if a.startswith("{"):
        try:
            obj = json.loads(a)
        except ValueError:
            obj = None      # left for QEMU to judge
        if isinstance(obj, dict):
            if opt == "-object" and obj.get("qom-type") == "secret" and "file" in obj:
                secret_file(obj["file"], obj.get("format", "raw"))
            if opt == "-blockdev" and isinstance(obj.get("filename"), str):
                np = host_file(obj["filename"], obj.get("driver"))
                a = a.replace('"filename":%s' % json.dumps(obj["filename"]),
                              '"filename":%s' % json.dumps(np))
            kind = "socket" if (obj.get("backend") or {}).get("type") == "socket" else "null"
            a = re.sub(r'"fd":("?)(\d+)\1',
                       lambda m: '"fd":%s%s%s' % (m.group(1), new_fd(m.group(2), kind), m.group(1)), a)
    else:
        a = re.sub(r"(^|,)fd=(\d+)(?=,|$)",
                   lambda m: "%sfd=%s" % (m.group(1), new_fd(m.group(2), fd_kind_opts(opt, a))), a)
        if opt == "-object" and a.startswith("secret,"):
            m = re.search(r"(?:^|,)file=([^,]+)", a)
            if m:
                f = re.search(r"(?:^|,)format=(\w+)", a)
                secret_file(m.group(1), f.group(1) if f else "raw")
    out += [opt, a]

if extra:
    changes.append("added: %s" % " ".join(extra))
with open(changes_path, "w") as f:
    f.write("".join(c + "\n" for c in changes))

sys.stdout.flush()
tm = shutil.which("timeout")
os.execve(tm, [tm, "--kill-after=5", timeout, binary] + extra + out, env)
EOF

# Error lines that mean "the command line was accepted; what is missing
# is the host device itself": no sysfs entry for the PCI address, no VFIO
# group/container/cdev, no /dev/iommu, or the stand-in descriptors (which
# are /dev/null) being refused by the kernel.
accepted_re="no such host device|Could not open '/sys/bus/(pci|mdev)/devices/|/sys/bus/(pci|mdev)/devices/[^ ]*: .*(No such file or directory|No such device)|/dev/vfio(/|[^a-z]|$)|/dev/iommu|error bind device fd=|vfio.*(failed to (open|get|setup)|group [0-9]+ is not viable)|iommufd.*(Inappropriate ioctl for device|Bad file descriptor|No such (file|device))"
# ... unless QEMU is complaining about the command line, which wins.
rejected_re="Invalid parameter|invalid option|There is no option group|support is disabled|machine type|is not a valid device model name|Parameter '[^']*' (is unexpected|is missing|expects)|Property '[^']*' not found|not supported|could not find|Expected '|JSON"

# error_lines OUTPUT: QEMU's error lines (warnings left out), without the
# -msg timestamp=on prefix and the program name, and with a JSON option
# value shortened to its id (the option itself is in the .args file)
error_lines() {
    printf '%s\n' "$1" |
        sed -E 's/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z //; s/^[^ :]*qemu-system-x86_64: //' |
        grep -v '^warning: \|^terminating on signal \|^$' |
        sed -E 's/^(-[a-z-]+) \{[^}]*"id":"([^"]*)"[^}]*\}: /\1 \2: /' || true
}

# the system python (the one QEMU's build uses), not a user's pyenv shim
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3) || die "python3 is needed"

start=$(date +%s)
fetch_libvirt

tmp=$(mktemp -d /tmp/lvargs.XXXXXX)     # short: unix socket paths live here
trap 'rm -rf "$tmp"' EXIT

pats=()
for p in "${PREFIXES[@]}"; do pats+=("*/tests/qemuxmlconfdata/$p*.x86_64-*.args"); done
tar -xJf "$dl/$LIBVIRT_TARBALL" -C "$tmp" --wildcards --no-same-owner "${pats[@]}" 2>/dev/null || true
files=()
for p in "${PREFIXES[@]}"; do
    mapfile -t -O "${#files[@]}" files < <(find "$tmp" -path '*/tests/qemuxmlconfdata/*' \
        -name "$p*.x86_64-*.args" | LC_ALL=C sort)
done
[ ${#files[@]} != 0 ] || die "no matching .args files in $LIBVIRT_TARBALL"

# Firmware: add -L only if the binary's own data directories lack the PC
# BIOS (a build tree has pc-bios/ without blobs; Debian's binary finds
# seabios itself).  Only directories that exist are added.
ldirs=()
have_bios=0
while read -r d; do
    [ -e "$d/bios-256k.bin" ] && have_bios=1
done < <("$bin" -L help 2>/dev/null || true)
if [ $have_bios = 0 ]; then
    for d in /usr/share/seabios /usr/share/qemu; do
        [ -d "$d" ] && ldirs+=(-L "$d")
    done
fi

echo "1..${#files[@]}"
echo "# $bin"
ver=$("$bin" --version) && echo "# ${ver%%$'\n'*}"
for p in "${PREFIXES[@]}"; do
    [[ " ${files[*]##*/}" == *" $p"* ]] ||
        echo "# libvirt $LIBVIRT_UPSTREAM has no $p*.x86_64 .args test files"
done

n=0 passed=0 failed=0 skipped=0
for f in "${files[@]}"; do
    n=$((n + 1))
    name=${f##*/}
    work=$tmp/$n
    mkdir -p "$work"
    rc=0
    out=$(cd "$work" && "$python" -c "$helper" "$f" "$work" "$bin" "$work/changes" \
          "$timeout_s" "${ldirs[@]}" 2>&1 </dev/null) || rc=$?
    # QEMU may print more than one error line before it exits (with a
    # stand-in iommufd descriptor, "KVM VFIO device isn't created yet"
    # comes before the bind error), so every line is looked at: one that
    # complains about the command line rejects the file, otherwise one
    # about the missing host device accepts it.  The line shown is the
    # one that decided, else the first.
    lines=$(error_lines "$out")
    err=$(head -n1 <<<"$lines")
    if [ $rc = 125 ]; then
        verdict=bad               # the helper could not use the file
    elif [ $rc = 124 ] || [ $rc = 137 ]; then
        verdict=good              # still running: everything was accepted
        [ -n "$err" ] || err="no error; still running after ${timeout_s}s"
    elif [ -z "$lines" ] && [ $rc = 0 ]; then
        verdict=good; err="no error"
    elif grep -Eq "$rejected_re" <<<"$lines"; then
        verdict=bad; err=$(grep -E -m1 "$rejected_re" <<<"$lines")
    elif grep -Eiq "$accepted_re" <<<"$lines"; then
        verdict=good; err=$(grep -Ei -m1 "$accepted_re" <<<"$lines")
    else
        verdict=bad; [ -n "$err" ] || err="exit status $rc, no message"
    fi
    # A file that asks for -accel kvm cannot get past the accelerator on a
    # machine without /dev/kvm (this one, and CI's): QEMU stops before it
    # reads any device option.  That is the machine, not the command line:
    # reported as a TAP skip naming the reason, and checked where KVM exists.
    if [ $verdict = bad ] && [ ! -e /dev/kvm ] &&
       [[ "$err" == *"Could not access KVM kernel module"* ]]; then
        verdict=skip
    fi
    if [ $verbose = 1 ]; then
        sed 's/^/#   /' "$work/changes" 2>/dev/null || true
        printf '%s\n' "$out" | sed '/^$/d; s/^/#   | /'
    fi
    if [ $verdict = good ]; then
        passed=$((passed + 1)); echo "ok $n - $name: accepted ($err)"
    elif [ $verdict = skip ]; then
        skipped=$((skipped + 1))
        echo "ok $n - $name # SKIP asks for -accel kvm and this machine has no /dev/kvm ($err)"
    else
        failed=$((failed + 1)); echo "not ok $n - $name: rejected ($err)"
    fi
done

echo "# run time: $(( $(date +%s) - start ))s"
echo "# $passed passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
