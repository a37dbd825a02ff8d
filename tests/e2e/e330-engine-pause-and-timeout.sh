#!/bin/bash
# e330: force-complete without post-copy pauses the guest until the copy
# ends (it runs again on the destination); a completion timeout with the
# default action aborts (scaled: 3 s per GiB x 2 GiB = 6 s).
source "$(dirname "$0")/lib.sh"
reconfigure ""
S=$(new_guest pause-guest t-lab-1 128 "fill=1 rate=200 wss=64")
pin_nova "$S"
id=$(live_migrate "$S")
wait_for "running" 30 "[[ \$(migration_status $id) == running ]]"
# the worker watches the job: its first pass is under way
wait_for "the first samples" 30 "[[ \$(sample_max $id memory_processed) -gt 0 ]]"
api POST "/v2.1/servers/$S/migrations/$id/action" '{"force_complete": null}' 2.22
expect_status 202
[[ $(wait_migration_done "$id" 60) == completed ]] || fail "pause: $(migration_status "$id")"
ok
[[ $(sql "SELECT count(*) FROM migration_events WHERE migration_id = $id AND to_status = 'running (post-copy)'") == 0 ]] \
    || fail "no post-copy without the permission"
ok
assert_alive_on pause-guest "$(server_host pause-guest)"
api GET "/v2.1/servers/$S" "" 2.1
expect_json '.server.status' ACTIVE

reconfigure "[libvirt]
live_migration_completion_timeout = 3"
src=$(server_host pause-guest)
id=$(live_migrate "$S")
[[ $(wait_migration_done "$id" 60) == cancelled ]] || fail "timeout abort: $(migration_status "$id")"
ok
[[ $(sql "SELECT reason FROM migrations WHERE id = $id") == "live_migration_completion_timeout reached after "* ]] \
    || fail "reason: $(sql "SELECT reason FROM migrations WHERE id = $id")"
ok
[[ $(server_host pause-guest) == "$src" ]] || fail "the guest stays on its source"
ok
assert_alive_on pause-guest "$src"
drop_guest pause-guest
done_ok
