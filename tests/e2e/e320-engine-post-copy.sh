#!/bin/bash
# e320: post-copy, by force-complete and by the completion timeout's
# force_complete action (timeout scaled: 3 s per GiB x 2 GiB = 6 s).
source "$(dirname "$0")/lib.sh"
reconfigure "[libvirt]
live_migration_permit_post_copy = true"
S=$(new_guest pc-guest t-lab-1 128 "fill=1 rate=200 wss=64")
pin_nova "$S"
id=$(live_migrate "$S")
wait_for "running" 30 "[[ \$(migration_status $id) == running ]]"
# the worker watches the job: its first pass is under way
wait_for "the first samples" 30 "[[ \$(sample_max $id memory_processed) -gt 0 ]]"
api POST "/v2.1/servers/$S/migrations/$id/action" '{"force_complete": null}' 2.22
expect_status 202
[[ $(wait_migration_done "$id" 60) == completed ]] || fail "force-complete: $(migration_status "$id")"
ok
[[ $(sql "SELECT count(*) FROM migration_events WHERE migration_id = $id AND to_status = 'running (post-copy)'") == 1 ]] \
    || fail "it went through running (post-copy)"
ok
assert_alive_on pc-guest "$(server_host pc-guest)"

reconfigure "[libvirt]
live_migration_permit_post_copy = true
live_migration_completion_timeout = 3
live_migration_timeout_action = force_complete"
id=$(live_migrate "$S")
[[ $(wait_migration_done "$id" 60) == completed ]] || fail "timeout force_complete: $(migration_status "$id")"
ok
[[ $(sql "SELECT count(*) FROM migration_events WHERE migration_id = $id AND to_status = 'running (post-copy)'") == 1 ]] \
    || fail "the timeout switched to post-copy"
ok
assert_alive_on pc-guest "$(server_host pc-guest)"
drop_guest pc-guest
done_ok
