#!/bin/bash
# e710: a lab host reaps its own guests' QEMU (tools/lab/reaper.c), as
# systemd does on a real hypervisor.  libvirt stops a QEMU (every
# migration's Confirm phase stops the source's) with SIGTERM and then waits
# for the pid to vanish; a QEMU re-parented to this machine's init stays a
# zombie until that init reaps it, about 2 s later here, and those seconds
# were in every lab migration's time (idle, 64 MiB at 32 MiB/s: 4.0 s
# where libvirt's job took 2.4 s).  Asserted without a clock: the guest's
# QEMU is a child of its host's reaper, the one libvirtd runs under, and
# once a migration completes, the source's QEMU was reaped by that reaper.
source "$(dirname "$0")/lib.sh"
SRC=t-lab-1
DEST=t-lab-2

finish() {
    drop_guest rp-idle
    rm -rf "$T_TMP"
}
trap finish EXIT

# the parent of process $1
ppid_of() { awk '/^PPid:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

S=$(new_guest rp-idle "$SRC" 64 "fill=1")
HOSTDIR=$LAB_STATE/hosts/$SRC
qemu=$(cat "$HOSTDIR/run/qemu/rp-idle.pid")
libvirtd=$(cat "$HOSTDIR/libvirtd.pid")
[[ $qemu =~ ^[0-9]+$ && -d /proc/$qemu ]] || fail "rp-idle's qemu pid on $SRC: '$qemu'"
reaper=$(ppid_of "$qemu")
[[ $(readlink "/proc/$reaper/exe") == */build/lab/reaper ]] \
    || fail "rp-idle's qemu $qemu has parent $reaper ($(readlink "/proc/$reaper/exe")), not the lab's reaper"
[[ $(ppid_of "$libvirtd") == "$reaper" ]] \
    || fail "$SRC's libvirtd $libvirtd runs under $(ppid_of "$libvirtd"), not the reaper $reaper"
ok

id=$(migrate_to "$S" "$DEST")
[[ $(wait_migration_done "$id" 120) == completed ]] \
    || fail "migration $id: $(migration_status "$id")"
[[ $(lab where rp-idle) == "$DEST" ]] || fail "rp-idle runs on '$(lab where rp-idle)'"
# libvirt's Confirm phase stopped the source's QEMU; its host reaped it
wait_for "the source's qemu $qemu reaped by $SRC's reaper" 30 \
    "grep -qx 'reaper: reaped $qemu (status [0-9]*)' '$HOSTDIR/libvirtd.out'"
[[ ! -d /proc/$qemu ]] || fail "qemu $qemu still exists: $(grep State "/proc/$qemu/status")"
ok
done_ok
