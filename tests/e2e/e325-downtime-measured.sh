#!/bin/bash
# e325: every completed migration records the downtime its guest really
# saw, and where that measure comes from: QEMU's own (the destination's
# completed-job statistics) for pre-copy; for post-copy, where libvirt keeps
# no completed statistics on the destination, the gap between the source's
# SUSPENDED and the destination's RESUMED lifecycle events.  Both are on the
# migration and in the instance action's event (2.84 details).
source "$(dirname "$0")/lib.sh"
reconfigure "[libvirt]
live_migration_permit_post_copy = true"
S=$(new_guest dt-guest t-lab-1 128 "fill=1 rate=200 wss=64")

# the recorded downtime of migration $1 is from $2, between 0 and $3 ms
expect_downtime() {
    local row
    row=$(sql "SELECT coalesce(downtime_source, '-') || ' ' || coalesce(downtime_ms::text, '-')
               FROM migrations WHERE id = $1")
    [[ ${row%% *} == "$2" ]] || fail "migration $1's downtime comes from '${row%% *}', not $2"
    [[ ${row#* } =~ ^[0-9]+$ && ${row#* } -le $3 ]] || fail "migration $1's downtime: ${row#* } ms"
    ok
    echo "    measured: downtime ${row#* } ms ($2)"
    api GET "/v2.1/servers/$S/os-instance-actions/$(sql "SELECT request_id FROM migrations WHERE id = $1")" "" 2.84
    expect_status 200
    expect_json '[.instanceAction.events[] | select(.event == "compute_live_migration")][0].details' \
        "completed; downtime ${row#* } ms ($2)"
}

# post-copy: the busy guest, switched by force-complete
id=$(live_migrate "$S")
wait_for "running" 30 "[[ \$(migration_status $id) == running ]]"
api POST "/v2.1/servers/$S/migrations/$id/action" '{"force_complete": null}' 2.22
expect_status 202
[[ $(wait_migration_done "$id" 60) == completed ]] || fail "post-copy: $(migration_status "$id")"
ok
[[ $(sql "SELECT count(*) FROM migration_events WHERE migration_id = $id AND to_status = 'running (post-copy)'") == 1 ]] \
    || fail "it went through running (post-copy)"
ok
expect_downtime "$id" lifecycle_events 10000
assert_alive_on dt-guest "$(server_host dt-guest)"

I=$(new_guest dt-idle t-lab-1 64 "rate=1")
S=$I
id=$(live_migrate "$I")
[[ $(wait_migration_done "$id" 60) == completed ]] || fail "pre-copy: $(migration_status "$id")"
ok
expect_downtime "$id" job_stats 10000
reconfigure ""
drop_guest dt-guest
drop_guest dt-idle
done_ok
