#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""test-l2: a real guest on the patched QEMU, with assigned devices behind a
vIOMMU, whose own drivers do the work.

Runs inside the rig (L1).  It boots the rig's own kernel and initramfs
again as a guest ("L2") with tests/vm/rig.sh, under the QEMU being tested
(-accel tcg), with L1's edu devices assigned through vfio-pci on one
iommufd object behind the guest-visible IOMMU.  L2's init binds them to
vfio-pci and runs the rig's raw test programs (test-iommufd-edu,
test-type1-edu) through L2's own VFIO and IOMMU driver, so their DMA goes
L2 program -> L2 IOMMU driver -> QEMU's vIOMMU and VFIO (IOMMU notifiers,
MAP or COPY) -> L1's iommufd -> the rig's VT-d -> the edu.

L1 watches the QEMU process: its pinned memory (VmPin) when it has
realized the devices (before the guest runs: the vIOMMU is off, every
device sees all of guest RAM), at points L2 marks (a file in its output
share, L1 answers with another), and x-query-vfio.

Scenarios are "binary viommu": quick (CI) runs the patched build behind
intel-iommu with RLIMIT_MEMLOCK at guest RAM + 64 MiB and no CAP_IPC_LOCK,
the limit under which a VM with a vIOMMU and two devices does not start
on upstream QEMU; full (VFIO_L2_MODE=full, `make l2`) runs both binaries
behind intel-iommu and virtio-iommu with 2 devices and behind intel-iommu
with 4, the guest-driven events on both binaries behind both vIOMMUs (a
device hot-added on a root port and unplugged, a DIMM and virtio-mem
memory onlined by the guest), then the memlock case on both binaries;
VFIO_L2_MODE=four,events (say) runs only those parts of it.
Prints TAP.
"""

import glob
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

SRC = os.environ.get("VFIO_RIG_SRCDIR", os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("VFIO_RIG_BUILDDIR", "")
MODE = os.environ.get("VFIO_L2_MODE", "quick")
# what "full" runs, in this order; VFIO_L2_MODE may also list some of them
PARTS = ("pairs", "four", "events", "memlock")
L2_RAM_MB = 384
PAGE_KB = 4

n_checks = 0
n_failed = 0


def tap(ok, desc):
    global n_checks, n_failed
    n_checks += 1
    n_failed += 0 if ok else 1
    print(f"{'ok' if ok else 'not ok'} {n_checks} - {desc}", flush=True)
    return ok


def note(text):
    for line in str(text).splitlines():
        print(f"# {line}", flush=True)


def binaries():
    out = {}
    for kv in os.environ.get("VFIO_QEMU_BINARIES", "").split(","):
        if "=" in kv:
            k, v = kv.split("=", 1)
            out[k] = v
    return out


def status_kb(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


class Qmp:
    """A QMP client on a unix socket; knows its peer's pid."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        creds = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                     struct.calcsize("3i"))
        self.pid = struct.unpack("3i", creds)[0]
        self.f = self.sock.makefile("rw")
        self.events = []
        self.f.readline()
        self.cmd("qmp_capabilities")

    def cmd(self, name, **args):
        self.f.write(json.dumps({"execute": name, "arguments": args}) + "\n")
        self.f.flush()
        while True:
            r = json.loads(self.f.readline())
            if "event" not in r:
                return r
            self.events.append(r)

    def wait_event(self, name, timeout, **data):
        """The event @name whose data has @data, within @timeout s, or None"""
        deadline = time.time() + timeout
        while True:
            for e in self.events:
                if e["event"] == name and all(e.get("data", {}).get(k) == v
                                              for k, v in data.items()):
                    self.events.remove(e)
                    return e
            left = deadline - time.time()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                line = self.f.readline()
            except (socket.timeout, OSError):
                line = ""
            finally:
                self.sock.settimeout(None)
            if not line:
                return None
            self.events.append(json.loads(line))

    def close(self):
        self.sock.close()


class Watcher(threading.Thread):
    """Samples the QEMU under test while the nested rig runs."""

    def __init__(self, qmp_path, log_dir, actions):
        super().__init__(daemon=True)
        self.qmp_path = qmp_path
        self.log_dir = log_dir
        self.actions = actions      # phase name -> fn(qmp) run at that mark
        self.samples = {}
        self.queries = {}
        self.results = {}           # what each action returned
        self.times = {}             # phase -> seconds since QEMU started
        self.t0 = time.time()
        self.stop = False

    def out_dir(self):
        dirs = glob.glob(os.path.join(self.log_dir, "boot.*", "out"))
        return dirs[0] if dirs else None

    def connect(self):
        while not self.stop:
            try:
                return Qmp(self.qmp_path)
            except OSError:
                time.sleep(0.5)
        return None

    def run(self):
        qmp = self.connect()
        if qmp is None:
            return
        self.sample(qmp, "start")
        done = set()
        while not self.stop:
            if not os.path.exists(f"/proc/{qmp.pid}"):
                # the rig booted it again (a boot that died before its
                # first command): watch the new one from its start
                qmp.close()
                qmp = self.connect()
                if qmp is None:
                    return
                self.sample(qmp, "start")
            out = self.out_dir()
            for mark in sorted(glob.glob(os.path.join(out, "phase-*"))) if out else []:
                phase = os.path.basename(mark)[len("phase-"):]
                if phase in done:
                    continue
                done.add(phase)
                try:
                    self.at_phase(qmp, phase)
                except (OSError, ValueError):
                    # the QEMU we knew is gone: the rig booted it again
                    # (a boot that died before its first command)
                    qmp.close()
                    qmp = self.connect()
                    if qmp is None:
                        return
                    self.sample(qmp, "start")
                    self.at_phase(qmp, phase)
                finally:
                    # whatever happened here, L2 must not wait forever
                    open(os.path.join(out, "go-" + phase), "w").close()
            time.sleep(1)
        qmp.close()

    def at_phase(self, qmp, phase):
        if phase in self.actions:
            self.sample(qmp, phase + "-before")
            self.results[phase] = self.actions[phase](qmp)
        self.sample(qmp, phase)

    def sample(self, qmp, phase):
        if phase == "start":
            self.t0 = time.time()
        self.times[phase] = time.time() - self.t0
        self.samples[phase] = (status_kb(qmp.pid, "VmPin"),
                               status_kb(qmp.pid, "VmLck"))
        self.queries[phase] = qmp.cmd("x-query-vfio").get("return")


def mark(phase):
    """An L2 command: tell L1 about @phase and wait for its answer."""
    return (f"touch /tmp/rig/phase-{phase}; "
            f"while [ ! -e /tmp/rig/go-{phase} ]; do sleep 1; done")


def containers(query):
    for space in query or []:
        for c in space["containers"]:
            yield space["name"], c


def scenario(label, binary, viommu, memlock_kb=None, extra_cmds=(),
             extra_args="", mem=f"{L2_RAM_MB}M", actions=None, tag=None,
             ndev=2):
    tag = tag or (f"{label} {viommu}" + (f" {ndev} devices" if ndev != 2 else "") +
                  (f" memlock {memlock_kb} KiB" if memlock_kb else ""))
    work = tempfile.mkdtemp(prefix="l2-", dir="/tmp")
    qmp_path = os.path.join(work, "qmp")
    log_dir = os.path.join(work, "log")
    devices = "-object iommufd,id=fd0 " + "".join(
        f"-device vfio-pci,host=0000:00:{4 + i:02x}.0,iommufd=fd0,id=e{i} "
        for i in range(ndev)) + f"-qmp unix:{qmp_path},server=on,wait=off {extra_args}"
    if viommu == "intel-iommu":
        # the rig's own VT-d has 39 address bits: the device checks
        dev = "intel-iommu,intremap=on,caching-mode=on,aw-bits=39"
        append = ""
    else:
        dev = "virtio-iommu-pci"
        # no interrupt remapping behind virtio-iommu
        append = ("iommufd.allow_unsafe_interrupts=1 "
                  "vfio_iommu_type1.allow_unsafe_interrupts=1")
    env = dict(os.environ)
    env.update({
        "QEMU": os.path.join(SRC, "qemu-wrap.sh"),
        "QEDU_REAL_QEMU": binary,
        "RIG_EDUS": "0", "RIG_VIOMMU": dev, "RIG_MEM": mem,
        "RIG_SMP": "1", "RIG_TIMEOUT": "1500", "RIG_APPEND": append,
        "RIG_QEMU_ARGS": devices, "RIG_LOG_DIR": log_dir, "RIG_ENV": "",
    })
    env.pop("QEDU_MEMLOCK_KB", None)
    if memlock_kb:
        env["QEDU_MEMLOCK_KB"] = str(memlock_kb)
    cmds = [mark("booted"),
            os.path.join(BUILD, "test-iommufd-edu"),
            os.path.join(BUILD, "test-type1-edu"),
            *extra_cmds,
            mark("done")]
    watcher = Watcher(qmp_path, log_dir, actions or {})
    watcher.start()
    t0 = time.time()
    r = subprocess.run([os.path.join(SRC, "rig.sh"), "run", *cmds], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    wall = time.time() - t0
    watcher.stop = True
    watcher.join(5)
    out = r.stdout
    result = {"tag": tag, "rc": r.returncode, "wall": wall, "out": out,
              "samples": watcher.samples, "queries": watcher.queries,
              "results": watcher.results, "times": watcher.times,
              "qemu_log": "", "work": work}
    for f in glob.glob(os.path.join(log_dir, "boot.*", "qemu.log")):
        result["qemu_log"] = open(f).read()
    return result


def l2_results(res):
    """The L2 programs' TAP lines, as ours, and whether all ran."""
    ok = True
    for line in res["out"].splitlines():
        if line.startswith("ok ") or line.startswith("not ok "):
            good = line.startswith("ok ")
            desc = line.split(" - ", 1)[1] if " - " in line else line
            ok &= good
            tap(good, f"{res['tag']}: in L2: {desc}")
    return ok


def check_boot(res):
    booted = "start" in res["samples"] and "booted" in res["samples"]
    tap(res["rc"] == 0 and booted,
        f"{res['tag']}: L2 booted, ran its programs and powered off "
        f"(rig exit {res['rc']}, {res['wall']:.0f} s)")
    if res["rc"] != 0:
        note("\n".join(res["out"].splitlines()[-15:]))
    # when L1 saw each point, from QEMU's QMP socket answering ("start",
    # before the guest runs); "booted" is L2's init running its first command
    t = res.get("times", {})
    note(f"{res['tag']}: timeline (s after QEMU answered QMP): " +
         ", ".join(f"{k} {v:.0f}" for k, v in sorted(t.items(),
                                                      key=lambda kv: kv[1])))
    return res["rc"] == 0


def pinned(res, phase):
    return res["samples"].get(phase, (-1, -1))[0]


def viommu_counts(res, phase):
    """(map, copy) of the vIOMMU over the containers of the devices"""
    m = c = 0
    for _, cont in containers(res["queries"].get(phase)):
        if cont["devices"]:
            m += cont["counters"]["viommu-map"]
            c += cont["counters"]["viommu-copy"]
    return m, c


def note_pins(res):
    for phase, (pin, lck) in res["samples"].items():
        note(f"{res['tag']}: {phase}: VmPin {pin} kB, VmLck {lck} kB")


def run_pair(viommu, ram_kb, ndev=2):
    """Both binaries behind @viommu, no limit: what each pins, side by side."""
    bins = binaries()
    res = {}
    for label in ("patched", "control"):
        if label not in bins:
            continue
        r = res[label] = scenario(label, bins[label], viommu, ndev=ndev)
        check_boot(r)
        l2_results(r)
        note_pins(r)
    p, c = res.get("patched"), res.get("control")
    if p:
        # before the guest turns the vIOMMU on, each device sees all of
        # guest RAM: the patched build maps it once for the two devices
        tap(ram_kb <= pinned(p, "start") <= ram_kb + 1024,
            f"{p['tag']}: guest RAM pinned once for {ndev} devices at start "
            f"(VmPin {pinned(p, 'start')} kB, guest RAM {ram_kb} kB)")
        vm, vc = viommu_counts(p, "done")
        note(f"{p['tag']}: vIOMMU mappings of the devices: {vm} map, {vc} copy")
        tap(vc > 0 and vm == 0,
            f"{p['tag']}: the guest's vIOMMU mappings were all filled "
            f"by IOMMU_IOAS_COPY ({vc} copies, {vm} maps)")
    if c:
        tap(pinned(c, "start") >= ndev * ram_kb,
            f"{c['tag']}: guest RAM pinned once per device at start "
            f"(VmPin {pinned(c, 'start')} kB)")
    return res


def ram_source(query):
    """The container the devices behind the vIOMMU copy guest RAM from"""
    for _, c in containers(query):
        if "guest-ram-from" in c:
            for _, s in containers(query):
                if s["id"] == c["guest-ram-from"]:
                    return s
    return None


def holds(cont, addr, size):
    """Bytes of [addr, addr + size) that @cont maps"""
    total = 0
    for m in (cont or {}).get("mappings", []):
        lo, hi = max(m["iova"], addr), min(m["iova"] + m["size"], addr + size)
        total += max(0, hi - lo)
    return total


def device_containers(query):
    """{device id: container}"""
    out = {}
    for _, c in containers(query):
        for d in c["devices"]:
            out[d["qom-path"].rsplit("/", 1)[-1]] = c
    return out


def run_events(label, binary, viommu):
    """Hotplug, a DIMM and virtio-mem, each taken in by the guest's drivers"""
    ev = os.path.join(SRC, "l2-events.sh")
    dimm_mb, vmem_mb = 128, 64
    found = {}

    def hotplug(qmp):
        return "error" not in qmp.cmd("device_add", driver="vfio-pci",
                                      host="0000:00:06.0", iommufd="fd0",
                                      bus="rp1", id="e2")

    def unplug(qmp):
        qmp.cmd("device_del", id="e2")
        return qmp.wait_event("DEVICE_DELETED", 240, device="e2") is not None

    def dimm(qmp):
        qmp.cmd("object-add", **{"qom-type": "memory-backend-ram",
                                 "id": "m1", "size": dimm_mb << 20})
        qmp.cmd("device_add", driver="pc-dimm", id="d1", memdev="m1")
        for d in qmp.cmd("query-memory-devices").get("return", []):
            if d["data"].get("id") == "d1":
                return d["data"]["addr"]
        return None

    def vmem(qmp):
        for d in qmp.cmd("query-memory-devices").get("return", []):
            if d["data"].get("id") == "vm0":
                found["vmem_addr"] = d["data"]["memaddr"]
        return "error" not in qmp.cmd("qom-set", path="/machine/peripheral/vm0",
                                      property="requested-size",
                                      value=vmem_mb << 20)

    def done(qmp):
        return qmp.cmd("qom-get", path="/machine/peripheral/vm0",
                       property="size").get("return")

    extra = ("-device pcie-root-port,id=rp1,chassis=1 "
             "-object memory-backend-ram,id=vmem0,size=256M "
             "-device virtio-mem-pci,id=vm0,memdev=vmem0,block-size=2M,"
             "requested-size=0")
    cmds = [os.path.join(BUILD, "test-iommufd-edu"),
            mark("hotplug"), f"{ev} hotplugged {BUILD}",
            mark("unplug"), f"{ev} unplugged",
            f"{ev} memtotal /tmp/rig/mem0", mark("dimm"),
            f"{ev} memgrew /tmp/rig/mem0 {dimm_mb * 1024 * 3 // 4}",
            f"{ev} memtotal /tmp/rig/mem1", mark("vmem"),
            f"{ev} memgrew /tmp/rig/mem1 {vmem_mb * 1024 * 3 // 4}",
            os.path.join(BUILD, "test-iommufd-edu")]
    r = scenario(label, binary, viommu, extra_cmds=cmds, extra_args=extra,
                 mem=f"{L2_RAM_MB}M,slots=2,maxmem=1G",
                 actions={"hotplug": hotplug, "unplug": unplug, "dimm": dimm,
                          "vmem": vmem, "done": done},
                 tag=f"{label} {viommu} events")
    tag = r["tag"]
    if not check_boot(r):
        return r
    l2_results(r)
    note_pins(r)
    q, res = r["queries"], r["results"]
    if label != "patched":
        # the control has no x-query-vfio: what QMP and the guest saw
        tap(res.get("hotplug") and res.get("unplug"),
            f"{tag}: e2 hot-added on a root port behind the vIOMMU, and "
            f"device_del completed through the guest (DEVICE_DELETED)")
        tap(res.get("dimm") is not None and res.get("done") == vmem_mb << 20,
            f"{tag}: a {dimm_mb} MiB DIMM hot-added at "
            f"{hex(res['dimm']) if res.get('dimm') else None}, and the "
            f"guest's virtio-mem driver plugged {vmem_mb} MiB (size "
            f"{res.get('done')})")
        note(f"{tag}: L2 run {r['wall']:.0f} s")
        return r
    before = device_containers(q.get("hotplug-before"))
    after = device_containers(q.get("hotplug"))
    tap(res.get("hotplug") and "e2" in after and
        "guest-ram-from" in after["e2"],
        f"{tag}: e2 hot-added on a root port behind the vIOMMU, in a "
        f"container of its own that copies from the ram source")
    same = all(before[d]["counters"][k] == after[d]["counters"][k]
               for d in ("e0", "e1") if d in before and d in after
               for k in ("map", "copy", "unmap"))
    tap(same and "e0" in after and "e1" in after,
        f"{tag}: the running devices' containers issued no map, copy or "
        f"unmap for the hot-add")
    tap(res.get("unplug") and "e2" not in device_containers(q.get("unplug")),
        f"{tag}: device_del completed through the guest (DEVICE_DELETED) "
        f"and e2's container is gone")
    addr = res.get("dimm")
    src = ram_source(q.get("dimm"))
    tap(addr is not None and holds(src, addr, dimm_mb << 20) == dimm_mb << 20,
        f"{tag}: the hot-added DIMM ({dimm_mb} MiB at "
        f"{hex(addr) if addr else None}) is mapped by the ram source, for the "
        f"devices to copy")
    vaddr = found.get("vmem_addr")
    src = ram_source(q.get("done"))
    held = holds(src, vaddr, 256 << 20) if vaddr else -1
    tap(res.get("done") == vmem_mb << 20 and held == vmem_mb << 20,
        f"{tag}: the guest's virtio-mem driver plugged {vmem_mb} MiB (size "
        f"{res.get('done')}), and the ram source maps exactly the plugged "
        f"blocks ({held} bytes)")
    vm, vc = viommu_counts(r, "done")
    note(f"{tag}: vIOMMU mappings handled: {vm} map, {vc} copy; "
         f"L2 run {r['wall']:.0f} s")
    return r


def run_all_events(bins):
    for viommu in ("intel-iommu", "virtio-iommu"):
        for label in ("patched", "control"):
            if label in bins:
                run_events(label, bins[label], viommu)


def run_memlock(label, binary, ram_kb):
    limit = ram_kb + 64 * 1024
    r = scenario(label, binary, "intel-iommu", memlock_kb=limit)
    if label == "patched":
        if check_boot(r):
            l2_results(r)
        note_pins(r)
        tap(ram_kb <= pinned(r, "start") <= limit,
            f"{r['tag']}: started within the limit, guest RAM pinned once "
            f"for 2 devices (VmPin {pinned(r, 'start')} kB at start)")
        vm, vc = viommu_counts(r, "done")
        tap(vc > 0 and vm == 0,
            f"{r['tag']}: the guest's vIOMMU mappings were all filled by "
            f"IOMMU_IOAS_COPY ({vc} copies, {vm} maps)")
    else:
        failed = "start" not in r["samples"] and r["rc"] != 0
        why = [l for l in r["qemu_log"].splitlines() if "vfio" in l or "Cannot" in l]
        note(f"{r['tag']}: " + ("\n".join(why[-4:]) or r["out"][-800:]))
        tap(failed and any("Cannot allocate memory" in l or "-12" in l for l in why),
            f"{r['tag']}: does not start: the second device's IOMMU_IOAS_MAP "
            f"of guest RAM fails with ENOMEM")
    return r


def main():
    bins = binaries()
    ram_kb = L2_RAM_MB * 1024
    if not tap("patched" in bins and os.path.isdir(BUILD),
               "the patched binary and the raw test programs are there"):
        print(f"1..{n_checks}")
        return 1
    parts = PARTS if MODE == "full" else MODE.split(",")
    unknown = [p for p in parts if p not in PARTS + ("quick",)]
    if not tap(not unknown, f"VFIO_L2_MODE names known parts ({MODE})"):
        parts = []
    if "pairs" in parts:
        for viommu in ("intel-iommu", "virtio-iommu"):
            run_pair(viommu, ram_kb)
    if "four" in parts:
        run_pair("intel-iommu", ram_kb, ndev=4)
    if "events" in parts:
        run_all_events(bins)
    if "memlock" in parts:
        for label in ("patched", "control"):
            if label in bins:
                run_memlock(label, bins[label], ram_kb)
    if "quick" in parts:
        run_memlock("patched", bins["patched"], ram_kb)
    print(f"1..{n_checks}")
    print(f"# test-l2: {n_checks - n_failed} passed, {n_failed} failed")
    return 0 if n_failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
