#!/bin/bash
# t300: DELETE (abort) and force_complete: Nova's checks in Nova's order,
# 2.65 abort of queued migrations (cancelled at once, the task cleared).
source "$(dirname "$0")/lib.sh"
seed_hosts
S=$(seed_instance t300 h1 admin)
mk() {
    sql "INSERT INTO migrations (uuid, instance_uuid, status, source_compute, dest_compute,
             request_id, user_id, project_id)
         VALUES (gen_random_uuid(), '$S', '$1', 'h1', 'h2', 'req-t300', 'admin', 'admin')
         RETURNING id"
}
FC='{"force_complete": null}'

# no task: 409 before anything about the migration
Q=$(mk queued)
api DELETE "/v2.1/servers/$S/migrations/$Q" "" 2.65
expect_fault conflictingRequest 409 "Cannot 'abort live migration' instance $S while it is in task_state None"
api POST "/v2.1/servers/$S/migrations/$Q/action" "$FC" 2.22
expect_fault conflictingRequest 409 "Cannot 'force_complete' instance $S while it is in task_state None"
sql "UPDATE instances SET task_state = 'migrating' WHERE uuid = '$S'"

api POST "/v2.1/servers/$S/migrations/$Q/action" '{"force_complete": 1}' 2.22
expect_fault badRequest 400 "Invalid input for field/attribute force_complete. Value: 1. 1 is not of type 'null'"
api POST "/v2.1/servers/$S/migrations/$Q/action" "$FC" 2.22
expect_fault badRequest 400 "Migration $Q state of instance $S is queued. Cannot force complete while the migration is in this state."
api POST "/v2.1/servers/$S/migrations/424242/action" "$FC" 2.22
expect_fault badRequest 400 "Migration 424242 not found for instance $S"
api DELETE "/v2.1/servers/$S/migrations/424242" "" 2.24
expect_fault itemNotFound 404 "Migration 424242 not found for instance $S"

# queued: refused before 2.65, cancelled from 2.65
api DELETE "/v2.1/servers/$S/migrations/$Q" "" 2.64
expect_fault badRequest 400 "Migration $Q state of instance $S is queued. Cannot abort live migration while the migration is in this state."
api DELETE "/v2.1/servers/$S/migrations/$Q" "" 2.65
expect_status 202
[[ $(migration_status "$Q") == cancelled ]] || fail "queued abort is cancelled at once"
ok
[[ $(sql "SELECT coalesce(task_state, 'none') FROM instances WHERE uuid = '$S'") == none ]] || fail "task cleared"
ok
[[ $(sql "SELECT count(*) FROM instance_actions WHERE instance_uuid = '$S'
          AND action = 'live_migration_cancel'") == 1 ]] || fail "action recorded"
ok

# running: both are requests the source host's worker carries out
sql "UPDATE instances SET task_state = 'migrating' WHERE uuid = '$S'"
R=$(mk running)
api POST "/v2.1/servers/$S/migrations/$R/action" "$FC" 2.22
expect_status 202
[[ $(sql "SELECT force_complete_requested_by FROM migrations WHERE id = $R") == admin ]] || fail "recorded"
ok
api DELETE "/v2.1/servers/$S/migrations/$R" "" 2.24
expect_status 202
[[ $(sql "SELECT abort_requested_by FROM migrations WHERE id = $R") == admin ]] || fail "recorded"
ok
# post-copy cannot be aborted
PC=$(mk 'running (post-copy)')
api DELETE "/v2.1/servers/$S/migrations/$PC" "" 2.80
expect_fault badRequest 400 "Migration $PC state of instance $S is running (post-copy). Cannot abort live migration while the migration is in this state."
# paused guests cannot be force-completed
sql "UPDATE instances SET vm_state = 'paused' WHERE uuid = '$S'"
api POST "/v2.1/servers/$S/migrations/$R/action" "$FC" 2.22
expect_fault conflictingRequest 409 "Cannot 'force_complete' instance $S while it is in vm_state paused"
done_ok
