#!/bin/bash
# e410: block migration of a disk with a backing file, on real libvirt.
# Ferry has no image service to rebuild the base at the destination (Nova
# fetches it from Glance and copies only the top image), so the whole chain
# is copied (VIR_MIGRATE_NON_SHARED_DISK): pre_live_migration makes a
# plain qcow2 of the disk's virtual size, and the destination image holds
# the base's data as well as what the guest wrote, with no backing file.
source "$(dirname "$0")/lib.sh"
reconfigure ""
img_dir() { echo "$LAB_STATE/hosts/$1/lib/images"; }
# the lab's base image: every byte 0x5a; the guest writes its pattern over
# the first 8 MiB of the 16 MiB disk, so the last 8 MiB come from the base only
S=$(new_guest bk-guest t-lab-1 64 "fill=1 disk=1 diskmib=8" --disk 16 --disk-base 5a)
crc_on() { lab heartbeat bk-guest "$1" --line | grep -o 'disk_crc=0x[0-9a-f]*'; }
wait_for "disk crc" 30 '[[ -n $(crc_on t-lab-1) ]]'
crc=$(crc_on t-lab-1)
[[ $(qemu-img info -U --output=json "$(img_dir t-lab-1)/bk-guest.qcow2" | jq -r '."backing-filename"') \
   == /var/lib/libvirt/images/bk-guest-base.raw ]] || fail "the source disk has no backing file"
ok

api POST "/v2.1/servers/$S/action" '{"os-migrateLive": {"host": "t-lab-2", "block_migration": true}}' 2.80
expect_status 202
id=$(last_migration "$S")
[[ $(wait_migration_done "$id" 120) == completed ]] \
    || fail "block migration: $(sql "SELECT status || ': ' || coalesce(reason, '') FROM migrations WHERE id = $id")"
ok
assert_alive_on bk-guest t-lab-2
wait_for "crc on t-lab-2" 20 '[[ -n $(crc_on t-lab-2) ]]'
[[ $(crc_on t-lab-2) == "$crc" ]] || fail "the guest's data changed: $crc before, $(crc_on t-lab-2) after"
ok
# the image read from outside, once its QEMU has closed it (a running QEMU
# may hold qcow2 metadata not yet written back)
lab virsh t-lab-2 destroy --graceful bk-guest >/dev/null || fail "destroy bk-guest on t-lab-2"
dest=$(img_dir t-lab-2)/bk-guest.qcow2
info=$(qemu-img info --output=json "$dest") || fail "no image at $dest"
[[ $(jq -r '.format' <<< "$info") == qcow2 ]] || fail "destination format: $info"
[[ $(jq -r '."virtual-size"' <<< "$info") == $((16 << 20)) ]] || fail "destination size: $info"
[[ $(jq -r '."backing-filename" // "none"' <<< "$info") == none ]] || fail "destination has a backing file: $info"
ok
# the base's bytes were copied into it (qemu-io compares every byte read,
# and fails on the first that differs)
out=$(qemu-io -r -f qcow2 -c "read -P 0x5a 8M 8M" "$dest" 2>&1) && [[ $out != *"verification failed"* ]] \
    || fail "the base's data is not in the destination image: $out"
ok
[[ -e $(img_dir t-lab-1)/bk-guest.qcow2 ]] && fail "the source's top image was left behind"
ok
drop_guest bk-guest
done_ok
