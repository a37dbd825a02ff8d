#!/bin/bash
# e120: demo-busy does not converge on the lab's link: while it runs, list
# and show report growing counters and the server shows MIGRATING with
# progress; the refusals a running migration brings; then abort: cancelled,
# the guest still on its source.
source "$(dirname "$0")/lib.sh"
S=$(server_id demo-busy)
pin_nova "$S"
src=$(server_host demo-busy)

api POST "/v2.1/servers/$S/action" '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' 2.80
expect_status 202
id=$(last_migration "$S")
wait_for "running with counters" 30 '[[ $(sql "SELECT coalesce(memory_processed, 0) > 0 FROM migrations WHERE id = $id") == t ]]'

api GET "/v2.1/servers/$S/migrations" "" 2.80
expect_status 200
expect_json '.migrations | length' 1
expect_json '.migrations[0].id' "$id"
expect_json '.migrations[0].status' running
p1=$(jq -r '.migrations[0].memory_processed_bytes' < "$BODY")
wait_for "memory_processed_bytes to grow from $p1" 60 \
    'api GET "/v2.1/servers/$S/migrations/$id" "" 2.80 &&
     [[ $STATUS == 200 && $(jq -r .migration.memory_processed_bytes < "$BODY") -gt $p1 ]]'
expect_status 200
ok
expect_json '.migration.memory_total_bytes > 0' true
api GET "/v2.1/servers/$S" "" 2.1
expect_json '.server.status' MIGRATING
expect_json '.server."OS-EXT-STS:task_state"' migrating
expect_json '.server.progress | type' number
expect_json '.server."OS-EXT-SRV-ATTR:host"' "$src"

# while it runs: already migrating, a bad body, a bad microversion, a missing server
api POST "/v2.1/servers/$S/action" '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' 2.80
expect_fault conflictingRequest 409 "Cannot 'os-migrateLive' instance $S while it is in task_state migrating"
api POST "/v2.1/servers/$S/action" '{"os-migrateLive": {"host": null}}' 2.80
expect_fault badRequest 400 "Invalid input for field/attribute os-migrateLive. Value: {'host': None}. 'block_migration' is a required property"
api GET "/v2.1/servers/$S/migrations" "" 2.1.0
expect_fault badRequest 400 'API Version String 2.1.0 is of invalid format. Must be of format MajorNum.MinorNum.'
api POST "/v2.1/servers/00000000-0000-4000-8000-00000000dead/action" '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' 2.80
expect_fault itemNotFound 404 'Instance 00000000-0000-4000-8000-00000000dead could not be found.'

# abort: the libvirt job is cancelled, the guest stays where it was
api DELETE "/v2.1/servers/$S/migrations/$id" "" 2.24
expect_status 202
[[ $(wait_migration_done "$id" 60) == cancelled ]] || fail "abort: $(migration_status "$id")"
ok
[[ $(sql "SELECT reason FROM migrations WHERE id = $id") == "aborted by admin" ]] || fail "reason"
ok
[[ $(server_host demo-busy) == "$src" ]] || fail "instance moved"
ok
assert_alive_on demo-busy "$src"
api GET "/v2.1/servers/$S" "" 2.1
expect_json '.server.status' ACTIVE
done_ok
