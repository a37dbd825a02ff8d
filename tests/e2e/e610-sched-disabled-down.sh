#!/bin/bash
# e610: a disabled host is never chosen (PUT /os-services, 2.53); a host
# whose worker stopped heart-beating is never chosen either, and a forced
# request to it gets Nova's words.
source "$(dirname "$0")/lib.sh"
reconfigure ""
S=$(new_guest dd-a t-lab-1 64 "fill=1")
svc=$(sql "SELECT service_uuid FROM compute_hosts WHERE host = 't-lab-2'")
api PUT "/v2.1/os-services/$svc" '{"status": "disabled", "disabled_reason": "e610"}' 2.53
expect_status 200
for i in 1 2 3; do
    id=$(live_migrate "$S")
    [[ $(wait_migration_done "$id" 60) == completed ]] || fail "move $i"
    [[ $(server_host dd-a) != t-lab-2 ]] || fail "a disabled host was chosen"
    ok
done
api PUT "/v2.1/os-services/$svc" '{"status": "enabled"}' 2.53
expect_status 200

# t-lab-3 stops heart-beating: down after service_down_time (20 s here)
[[ $(server_host dd-a) == t-lab-3 ]] && { id=$(live_migrate "$S"); wait_migration_done "$id" >/dev/null; }
"$STACK" kill ferry-compute@t-lab-3 >/dev/null 2>&1
wait_for "t-lab-3 down" 40 "[[ \$(sql \"SELECT heartbeat_at < now() - interval '20 s' FROM compute_hosts WHERE host = 't-lab-3'\") == t ]]"
for i in 1 2; do
    id=$(live_migrate "$S")
    [[ $(wait_migration_done "$id" 60) == completed ]] || fail "move with t-lab-3 down: $(migration_status "$id")"
    [[ $(server_host dd-a) != t-lab-3 ]] || fail "a host that is down was chosen"
    ok
done
api POST "/v2.1/servers/$S/action" '{"os-migrateLive": {"host": "t-lab-3", "block_migration": false, "disk_over_commit": false}}'
expect_fault badRequest 400 'Compute service of t-lab-3 is unavailable at this time.'
"$STACK" start ferry-compute@t-lab-3 >/dev/null 2>&1
wait_for "t-lab-3 up" 40 "[[ \$(sql \"SELECT heartbeat_at > now() - interval '5 s' FROM compute_hosts WHERE host = 't-lab-3'\") == t ]]"
assert_consistent dd-a
drop_guest dd-a
done_ok
