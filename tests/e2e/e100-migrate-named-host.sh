#!/bin/bash
# e100: live-migrate demo-idle to a named host, for real, and back.
source "$(dirname "$0")/lib.sh"
S=$(server_id demo-idle)
src=$(server_host demo-idle)
[[ $src == t-lab-1 ]] || fail "demo-idle starts on t-lab-1, not $src"
ok
# the stack is up once Ferry is; the guest's kernel may not have printed
# its first heartbeat yet (TCG on a loaded host)
wait_for "demo-idle heart-beating" 30 "[[ -n \$(lab heartbeat demo-idle t-lab-1) ]]"
assert_alive_on demo-idle t-lab-1
# the check itself on a guest that has only just booted: it has printed no
# heartbeat yet, and a slow machine must not make that a failure
lab guest hb-fresh --host t-lab-3 --mem 64 --args "fill=1" >/dev/null || fail "lab guest hb-fresh"
assert_alive_on hb-fresh t-lab-3
drop_guest hb-fresh

# 2.30, host named, no force: the scheduler checks that host, 202 after it
api POST "/v2.1/servers/$S/action" '{"os-migrateLive": {"host": "t-lab-2", "block_migration": "auto"}}' 2.30
expect_status 202
id=$(last_migration "$S")
[[ $(migration_status "$id") != accepted ]] || fail "below 2.34 the answer waits for the scheduler"
ok
[[ $(wait_migration_done "$id") == completed ]] || fail "migration $id: $(sql "SELECT status || ' ' || coalesce(reason, '') FROM migrations WHERE id = $id")"
ok
[[ $(server_host demo-idle) == t-lab-2 ]] || fail "instance host is $(server_host demo-idle)"
ok
assert_alive_on demo-idle t-lab-2
api GET "/v2.1/servers/$S" "" 2.1
expect_json '.server.status' ACTIVE
expect_json '.server."OS-EXT-SRV-ATTR:host"' t-lab-2
expect_json '.server."OS-EXT-STS:task_state"' null
[[ $(sql "SELECT string_agg(to_status, ',' ORDER BY id) FROM migration_events WHERE migration_id = $id") == \
   accepted,queued,preparing,running,completed ]] || fail "events"
ok

# 2.1 with a host: forced (no scheduler), synchronous; back to t-lab-1
api POST "/v2.1/servers/$S/action" '{"os-migrateLive": {"host": "t-lab-1", "block_migration": false, "disk_over_commit": false}}'
expect_status 202
id=$(last_migration "$S")
[[ $(sql "SELECT forced FROM migrations WHERE id = $id") == t ]] || fail "forced"
ok
[[ $(wait_migration_done "$id") == completed ]] || fail "migration back: $(migration_status "$id")"
ok
assert_alive_on demo-idle t-lab-1
done_ok
