#!/bin/bash
# e335: the completion timeout with live_migration_timeout_action =
# force_complete and no post-copy permitted pauses the guest, as Nova does;
# the copy then ends and the guest runs again on the destination (scaled:
# 3 s per GiB x 2 GiB = 6 s; this dirtying never converges without it).
source "$(dirname "$0")/lib.sh"
reconfigure "[libvirt]
live_migration_completion_timeout = 3
live_migration_timeout_action = force_complete"
S=$(new_guest to-pause t-lab-1 128 "fill=1 rate=200 wss=64")
pin_nova "$S"
src=$(server_host to-pause)
id=$(live_migrate "$S")
[[ $(wait_migration_done "$id" 90) == completed ]] \
    || fail "timeout force-complete: $(sql "SELECT status || ': ' || coalesce(reason, '') FROM migrations WHERE id = $id")"
ok
[[ $(sql "SELECT count(*) FROM migration_events WHERE migration_id = $id AND to_status = 'running (post-copy)'") == 0 ]] \
    || fail "post-copy without the permission"
ok
grep -q "guest paused to complete the migration mig=$id why=completion timeout" \
    "$FERRY_STATE/log/ferry-compute@$src.log" || fail "no pause by the completion timeout"
ok
dst=$(server_host to-pause)
[[ $dst != "$src" ]] || fail "still on $src"
assert_alive_on to-pause "$dst"
api GET "/v2.1/servers/$S" "" 2.1
expect_json '.server.status' ACTIVE
reconfigure ""
drop_guest to-pause
done_ok
