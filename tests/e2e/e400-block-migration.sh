#!/bin/bash
# e400: block migration for real.  Lab hosts share no storage, so a guest
# with a local qcow2 disk moves only with block_migration true or "auto"
# (Nova's shared-storage test file decides), the destination's image is made
# by pre_live_migration, the data is verified by the guest itself on the
# destination (the CRC of a region it wrote at boot), and the source's copy
# is removed.  block_migration false with a local disk is refused with
# Nova's reason; a guest without disks moves with false.
source "$(dirname "$0")/lib.sh"
reconfigure ""
S=$(new_guest bm-guest t-lab-1 64 "fill=1 disk=1 diskmib=8" --disk 16)
crc_on() { lab heartbeat bm-guest "$1" --line | grep -o 'disk_crc=0x[0-9a-f]*'; }
wait_for "disk crc" 30 '[[ -n $(crc_on t-lab-1) ]]'
crc=$(crc_on t-lab-1)
image=$(lab virsh t-lab-1 domblklist bm-guest | awk '$1 == "hda" {print $2}')
[[ $image == /var/lib/libvirt/* ]] || fail "no local disk under /var/lib/libvirt: '$image'"
ok
# where a lab host keeps that image (its /var/lib/libvirt is STATE/hosts/HOST/lib)
image_on() { echo "$LAB_STATE/hosts/$1/lib/${image#/var/lib/libvirt/}"; }
[[ -f $(image_on t-lab-1) ]] || fail "the source's image is not at $(image_on t-lab-1)"
ok

# false: refused on the scheduler path, every host giving Nova's reason
api POST "/v2.1/servers/$S/action" '{"os-migrateLive": {"host": null, "block_migration": false}}' 2.30
expect_fault badRequest 400
expect_json '.badRequest.message | test("t-lab-1 is not on shared storage: Shared storage live-migration requires either shared storage or boot-from-volume with no local disks")' true
# both other hosts were tried in turn (a retry after each real refusal), and
# the message gives each one's reason
expect_json '.badRequest.message | test("^No valid host was found. t-lab-[23]: .*; t-lab-[23]: ")' true
checks=$(sql "SELECT string_agg(host || ':' || status, ' ' ORDER BY host, id) FROM host_requests
              WHERE kind = 'check_destination' AND migration_id = $(last_migration "$S")")
[[ $checks == "t-lab-2:failed t-lab-3:failed" ]] \
    || fail "each destination checked once and refused: $checks"
ok

# true, scheduled: the disk travels
api POST "/v2.1/servers/$S/action" '{"os-migrateLive": {"host": null, "block_migration": true}}' 2.80
expect_status 202
id=$(last_migration "$S")
[[ $(wait_migration_done "$id" 120) == completed ]] || fail "block migration: $(sql "SELECT status || ': ' || coalesce(reason, '') FROM migrations WHERE id = $id")"
ok
dest=$(server_host bm-guest)
[[ $dest != t-lab-1 ]] || fail "still on t-lab-1"
ok
[[ $(sql "SELECT block_migration FROM migrations WHERE id = $id") == t ]] || fail "recorded as a block migration"
ok
assert_alive_on bm-guest "$dest"
wait_for "crc on $dest" 20 "[[ -n \$(crc_on $dest) ]]"
[[ $(crc_on "$dest") == "$crc" ]] || fail "disk data changed: $crc before, $(crc_on "$dest") on $dest"
ok
[[ $(sql "SELECT disk_total FROM migrations WHERE id = $id") -gt 0 ]] || fail "disk counters saved"
ok
[[ -f $(image_on "$dest") ]] || fail "no image at $(image_on "$dest") on the destination"
ok
[[ ! -e $(image_on t-lab-1) ]] || fail "the source's copy of the disk was left behind"
ok

# "auto": not shared, so a block migration again, back to t-lab-1
api POST "/v2.1/servers/$S/action" '{"os-migrateLive": {"host": "t-lab-1", "block_migration": "auto"}}' 2.80
expect_status 202
id=$(last_migration "$S")
[[ $(wait_migration_done "$id" 120) == completed ]] || fail "auto: $(migration_status "$id")"
ok
[[ $(sql "SELECT block_migration FROM migrations WHERE id = $id") == t ]] || fail "auto resolved to block migration"
ok
assert_alive_on bm-guest t-lab-1
wait_for "crc back on t-lab-1" 20 '[[ -n $(crc_on t-lab-1) ]]'
[[ $(crc_on t-lab-1) == "$crc" ]] || fail "disk data after the way back"
ok
[[ ! -e $(image_on "$dest") ]] || fail "$dest's copy of the disk was left behind"
ok
drop_guest bm-guest

# a guest without local disks moves with block_migration false (2.1, forced)
D=$(server_id demo-idle)
from=$(server_host demo-idle)
to=$(for h in $FERRY_LAB_HOSTS; do [[ ${h%%=*} != "$from" ]] && echo "${h%%=*}"; done | head -1)
api POST "/v2.1/servers/$D/action" "{\"os-migrateLive\": {\"host\": \"$to\", \"block_migration\": false, \"disk_over_commit\": false}}"
expect_status 202
[[ $(wait_migration_done "$(last_migration "$D")" 60) == completed ]] || fail "diskless, false"
ok
assert_alive_on demo-idle "$to"
done_ok
