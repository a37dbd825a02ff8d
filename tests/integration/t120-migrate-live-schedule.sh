#!/bin/bash
# t120: the scheduler's verdicts, answered synchronously below 2.34 and
# recorded on the row from 2.34 (fake_dest.sh plays the destinations: h2 and
# h3 accept, any other host refuses).
source "$(dirname "$0")/lib.sh"
seed_hosts
sql "INSERT INTO compute_hosts (uuid, host, hypervisor_hostname, libvirt_uri, migration_addr,
         host_ip, memory_mb, vcpus, hypervisor_version, heartbeat_at)
     VALUES (gen_random_uuid(), 'h4', 'h4.node', 'qemu+tcp://h4/system', 'h4', '127.0.0.1',
             65536, 16, 7002022, now()) ON CONFLICT (host) DO UPDATE SET heartbeat_at = now()"
act() { api POST "/v2.1/servers/$1/action" "$2" "${3:-}"; }
status_of() { migration_status "$(last_migration "$1")"; }

# 2.34, no host: 202 at once, then the scheduler picks h2 or h3
A=$(seed_instance t120-a h1 admin)
act "$A" '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' 2.34
expect_status 202
[[ $(stat -c %s "$BODY") == 0 ]] || fail "a 202 has no body"
expect_header Content-Length 0
wait_for "queued" 10 '[[ $(status_of "$A") == queued ]]'
dest=$(sql "SELECT dest_compute FROM migrations WHERE instance_uuid = '$A'")
[[ $dest == h2 || $dest == h3 ]] || fail "destination $dest"
ok
[[ $(sql "SELECT count(*) FROM migration_events e JOIN migrations m ON m.id = e.migration_id
          WHERE m.instance_uuid = '$A'") == 2 ]] || fail "two events: accepted, queued"
ok
[[ $(sql "SELECT result FROM instance_action_events e JOIN instance_actions a ON a.id = e.action_id
          WHERE a.instance_uuid = '$A' AND e.event = 'conductor_live_migrate_instance'") == Success ]] \
    || fail "conductor event"
ok
[[ $(sql "SELECT task_state FROM instances WHERE uuid = '$A'") == migrating ]] || fail "task"
ok

# 2.1 with a host: forced, synchronous, 202 once queued
B=$(seed_instance t120-b h1 admin)
act "$B" '{"os-migrateLive": {"host": "h3", "block_migration": false, "disk_over_commit": false}}'
expect_status 202
[[ $(status_of "$B") == queued ]] || fail "synchronous: queued before the 202"
ok
[[ $(sql "SELECT forced::text || dest_compute FROM migrations WHERE instance_uuid = '$B'") == trueh3 ]] \
    || fail "forced to h3"
ok
[[ $(sql "SELECT event FROM instance_action_events e JOIN instance_actions a ON a.id = e.action_id
          WHERE a.instance_uuid = '$B' AND e.event LIKE 'conductor%'") == conductor_migrate_server ]] \
    || fail "below 2.34 the conductor event is conductor_migrate_server"
ok

# 2.1 forced to a host that is down: Nova's 400, the task cleared
C=$(seed_instance t120-c h1 admin)
act "$C" '{"os-migrateLive": {"host": "h-down", "block_migration": false, "disk_over_commit": false}}'
expect_fault badRequest 400 'Compute service of h-down is unavailable at this time.'
[[ $(status_of "$C") == error ]] || fail "row ends in error"
ok
[[ $(sql "SELECT coalesce(task_state, 'none') FROM instances WHERE uuid = '$C'") == none ]] || fail "task cleared"
ok

# 2.1 forced to the source itself
act "$C" '{"os-migrateLive": {"host": "h1", "block_migration": false, "disk_over_commit": false}}'
expect_fault badRequest 400 "Unable to migrate instance ($C) to current host (h1)."

# 2.30 with a host and no force: the scheduler path (still synchronous below
# 2.34), with the host's own reason
act "$C" '{"os-migrateLive": {"host": "h4", "block_migration": "auto"}}' 2.30
expect_fault badRequest 400 'No valid host was found. h4: fake: h4 refuses'
[[ $(status_of "$C") == error ]] || fail "row ends in error"
ok

# 2.68, a host that is down: the scheduler explains
act "$C" '{"os-migrateLive": {"host": "h-down", "block_migration": "auto"}}' 2.68
expect_status 202
wait_for "error" 10 '[[ $(status_of "$C") == error ]]'
[[ $(sql "SELECT reason FROM migrations WHERE id = $(last_migration "$C")") == \
   'No valid host was found. There are not enough hosts available. h-down: compute service is down (no heartbeat)' ]] \
    || fail "reason: $(sql "SELECT reason FROM migrations WHERE id = $(last_migration "$C")")"
ok

# below 2.34 the conductor's power-state refusal is Nova's 409, not a 400
sql "UPDATE instances SET power_state = 4 WHERE uuid = '$C'"
act "$C" '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' 2.30
expect_fault conflictingRequest 409 "Cannot 'os-migrateLive' instance $C while it is in power_state shutdown"
sql "UPDATE instances SET power_state = 1 WHERE uuid = '$C'"

# the source itself requested (not forced): Nova's words, then why that host
act "$C" '{"os-migrateLive": {"host": "h1", "block_migration": "auto"}}' 2.30
expect_fault badRequest 400 \
    'No valid host was found. There are not enough hosts available. h1: it is the source host'
done_ok
