#!/bin/bash
# t160: GET /ferry/v1/migrations/{id}, Ferry's own record of a migration (not
# microversioned, Nova's fault bodies, admin as servers:migrations:show): what it
# used (the policy that ran and the one asked for, the downtime budget, the
# post-copy and auto-converge permissions), what it cost (downtime and its source,
# bytes, times), its reason, every status change, and the ferry policy's
# forecast, step reached and per-iteration table.
source "$(dirname "$0")/lib.sh"
seed_hosts
S=$(seed_instance t160 h1 fe160)
OWNER=u-fe160:fe160
KEYS=id,uuid,instance_uuid,migration_type,status,source_compute,source_node,dest_compute,dest_node,dest_host,policy,policy_requested,max_downtime_ms,post_copy,auto_converge,downtime_ms,downtime_source,data_sent_bytes,created_at,updated_at,started_at,finished_at,reason,events,forecast,step_reached,iterations

# a migration of a guest that asks for its own budget and forbids post-copy
api PUT "/v2.1/servers/$S/metadata" \
    '{"metadata": {"ferry:max_downtime_ms": "300", "ferry:post_copy": "forbidden"}}' "" "$OWNER"
expect_status 200
api POST "/v2.1/servers/$S/action" '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' 2.80
expect_status 202
M=$(last_migration "$S")
wait_for "migration $M to be queued" 10 '[[ $(migration_status '"$M"') == queued ]]'
UUID=$(sql "SELECT uuid FROM migrations WHERE id = $M")

api GET "/ferry/v1/migrations/$M"
expect_status 200
expect_json '.migration | keys_unsorted | join(",")' "$KEYS"
expect_json '.migration.id' "$M"
expect_json '.migration.uuid' "$UUID"
expect_json '.migration.instance_uuid' "$S"
expect_json '.migration.status' queued
expect_json '.migration.source_compute' h1
expect_json '.migration.dest_compute | test("^h[23]$")' true
# the guest's choices are recorded at once; what it leaves unset is the source
# compute's to fill when its worker starts (none runs here): null, not a guess
expect_json '.migration.policy' null
expect_json '.migration.policy_requested' null
expect_json '.migration.max_downtime_ms' 300
expect_json '.migration.post_copy' forbidden
expect_json '.migration.auto_converge' null
expect_json '.migration.downtime_ms' null
expect_json '.migration.downtime_source' null
expect_json '.migration.started_at' null
expect_json '.migration.reason' null
expect_json '[.migration.forecast, .migration.step_reached, .migration.iterations] | map(tostring) | join(",")' \
    'null,null,[]'
expect_json '[.migration.events[] | "\(.from_status)>\(.to_status)"] | join(",")' \
    "null>accepted,accepted>queued"
expect_json '.migration.events[0].actor | startswith("ferry-api@")' true
expect_json '.migration.events[1].actor | startswith("ferry-scheduler@")' true
expect_json '.migration.created_at | test("^20[0-9-]+T[0-9:]+\\.[0-9]{6}$")' true
# not microversioned: no version headers, whatever the request says
grep -qi '^openstack-api-version:' "$HDRS" && fail "a version header on a Ferry route"
ok
api GET "/ferry/v1/migrations/$M" "" 2.96
expect_status 200
grep -qi '^openstack-api-version:' "$HDRS" && fail "a version header on a Ferry route"
ok

# what the compute records when it ends (played here through SQL, as a compute
# writes it) is on the record: the cost, its source, the times, the reason
api DELETE "/v2.1/servers/$S/migrations/$M" "" 2.65
expect_status 202
wait_for "migration $M to be cancelled" 10 '[[ $(migration_status '"$M"') == cancelled ]]'
sql "UPDATE migrations SET downtime_ms = 87, downtime_source = 'job_stats',
         data_sent_bytes = 123456789, started_at = now() - interval '5 s', finished_at = now()
     WHERE id = $M"
api GET "/ferry/v1/migrations/$M"
expect_status 200
expect_json '.migration.status' cancelled
expect_json '.migration.downtime_ms' 87
expect_json '.migration.downtime_source' job_stats
expect_json '.migration.data_sent_bytes' 123456789
expect_json '.migration.started_at != null and .migration.finished_at != null' true
expect_json '.migration.reason | length > 0' true
expect_json '.migration.events[-1].to_status' cancelled

# what a ferry-policy compute records (played through SQL as it writes it):
# the forecast, the step reached and the iterations, served after the end
sql "UPDATE migrations SET policy_requested = 'ferry', policy = 'ferry',
         auto_converge_permitted = false, step_reached = 2,
         forecast = '{\"verdict\": \"start\", \"expected_step\": 1, \"post_copy\": false,
           \"auto_converge\": false, \"auto_converge_initial\": 0,
           \"auto_converge_increment\": 0, \"start_downtime_ms\": 300,
           \"bandwidth_bps\": 33554432, \"dirty_rate_bps\": 4194304, \"dirty_period_s\": 2,
           \"hot_set_bytes\": 8388608, \"link_bps\": 33554432, \"link_used_bps\": 0,
           \"budget_ms\": 300, \"ram_bytes\": 67108864,
           \"why\": \"pre-copy converges on its own\", \"eta_ms\": 2000,
           \"predicted_downtime_ms\": 250}'
     WHERE id = $M"
sql "INSERT INTO migration_iterations VALUES ($M, 2, 2100, 9437184, 4194304, 33554432, 0, 300),
         ($M, 3, 2450, 8388608, 4194304, 33554432, 0, 300)"
api GET "/ferry/v1/migrations/$M"
expect_json '[.migration.policy, .migration.policy_requested, .migration.auto_converge, .migration.step_reached] | map(tostring) | join(",")' \
    "ferry,ferry,forbidden,2"
expect_json '[.migration.forecast.verdict, .migration.forecast.expected_step, .migration.forecast.eta_ms, .migration.forecast.predicted_downtime_ms] | map(tostring) | join(",")' \
    "start,1,2000,250"
expect_json '[.migration.iterations[] | "\(.iteration):\(.time_ms):\(.remaining_bytes):\(.max_downtime_ms)"] | join(",")' \
    "2:2100:9437184:300,3:2450:8388608:300"
wait_for "the task to clear" 10 "[[ -z \$(sql \"SELECT task_state FROM instances WHERE uuid = '$S'\") ]]"
api PUT "/v2.1/servers/$S/metadata/ferry:migration_policy" \
    '{"meta": {"ferry:migration_policy": "ferry"}}' "" "$OWNER"
expect_status 200
api POST "/v2.1/servers/$S/action" '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' 2.80
expect_status 202
M2=$(last_migration "$S")
api GET "/ferry/v1/migrations/$M2"
expect_json '.migration.policy' ferry
expect_json '.migration.policy_requested' ferry
wait_for "migration $M2 to be queued" 10 '[[ $(migration_status '"$M2"') == queued ]]'
api DELETE "/v2.1/servers/$S/migrations/$M2" "" 2.65
expect_status 202
wait_for "migration $M2 to end" 10 '[[ $(migration_status '"$M2"') == cancelled ]]'

# a row from before 0006 recorded nothing of this: nulls, not invented values
sql "UPDATE migrations SET policy_requested = NULL, max_downtime_ms = NULL,
         post_copy_permitted = NULL, auto_converge_permitted = NULL WHERE id = $M2"
api GET "/ferry/v1/migrations/$M2"
expect_json '[.migration.policy_requested, .migration.max_downtime_ms, .migration.post_copy, .migration.auto_converge] | map(tostring) | join(",")' \
    "null,null,null,null"

# who, and what is not there: Nova's faults
api GET "/ferry/v1/migrations/$M" "" "" "$OWNER"
expect_fault forbidden 403 "Policy doesn't allow ferry:migrations:show to be performed."
api GET "/ferry/v1/migrations/$M" "" "" ""
expect_status 401
expect_json 'keys[0]' unauthorized
api GET "/ferry/v1/migrations/999999"
expect_fault itemNotFound 404 "Migration 999999 could not be found."
api GET "/ferry/v1/migrations/abc"
expect_fault itemNotFound 404 "Migration abc could not be found."
api GET "/ferry/v1/migrations/-1"
expect_fault itemNotFound 404 "Migration -1 could not be found."
api GET "/ferry/v1/migrations/$UUID"
expect_fault itemNotFound 404 "Migration $UUID could not be found."
# paths and methods no route serves: the router's bare 404, never 405
api DELETE "/ferry/v1/migrations/$M"
expect_status 404
grep -q "The resource could not be found" "$BODY" || fail "not the bare 404"
ok
api GET "/ferry/v1/nothing"
expect_status 404
api GET "/ferry/v1/migrations/$M" "" "" "" 
expect_status 401
done_ok
