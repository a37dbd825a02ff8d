#!/bin/bash
# t210: GET /servers/{id}/migrations[/{mid}]: in-progress live migrations
# only, fields per microversion (2.23, 2.59 uuid, 2.80 user/project).
source "$(dirname "$0")/lib.sh"
seed_hosts
S=$(seed_instance t210 h1 admin)
mk() {   # status -> id
    sql "INSERT INTO migrations (uuid, instance_uuid, status, source_compute, dest_compute,
             source_node, dest_node, dest_host, memory_total, memory_processed,
             memory_remaining, user_id, project_id, updated_at)
         VALUES (gen_random_uuid(), '$S', '$1', 'h1', 'h2', 'h1.node', 'h2.node', '10.0.0.2',
                 1000, 400, 600, 'admin', 'admin', now()) RETURNING id"
}
RUN=$(mk running)
# an accepted row would be taken by the scheduler at once: hold it off
"$REPO/tools/stack" kill ferry-scheduler >/dev/null 2>&1
trap '"$REPO/tools/stack" start ferry-scheduler >/dev/null 2>&1; rm -rf "$T_TMP"' EXIT
ACC=$(mk accepted)
DONE=$(mk completed)
PC=$(mk 'running (post-copy)')

api GET "/v2.1/servers/$S/migrations" "" 2.22
expect_fault itemNotFound 404 'The resource could not be found.'
api GET "/v2.1/servers/$S/migrations" "" 2.23
expect_status 200
expect_json '.migrations | length' 1
expect_json '.migrations[0].id' "$RUN"
expect_json '.migrations[0].server_uuid' "$S"
expect_json '.migrations[0].memory_processed_bytes' 400
expect_json '.migrations[0].dest_host' 10.0.0.2
expect_json '.migrations[0] | has("uuid")' false
api GET "/v2.1/servers/$S/migrations" "" 2.59
expect_json '.migrations[0] | has("uuid")' true
expect_json '.migrations[0] | has("user_id")' false
api GET "/v2.1/servers/$S/migrations" "" 2.80
expect_json '.migrations[0].user_id' admin

api GET "/v2.1/servers/$S/migrations/$RUN" "" 2.80
expect_status 200
expect_json '.migration.id' "$RUN"
expect_json '.migration.status' running
api GET "/v2.1/servers/$S/migrations/$ACC" "" 2.23
expect_fault itemNotFound 404 "Live migration $ACC for server $S is not in progress."
api GET "/v2.1/servers/$S/migrations/$PC" "" 2.23
expect_fault itemNotFound 404 "Live migration $PC for server $S is not in progress."
api GET "/v2.1/servers/$S/migrations/$DONE" "" 2.23
expect_fault itemNotFound 404 "Live migration $DONE for server $S is not in progress."
api GET "/v2.1/servers/$S/migrations/999999" "" 2.23
expect_fault itemNotFound 404 "In-progress live migration 999999 is not found for server $S."
api GET "/v2.1/servers/$S/migrations/abc" "" 2.23
expect_fault itemNotFound 404 "In-progress live migration abc is not found for server $S."
api GET "/v2.1/servers/$S/migrations/$RUN" "" 2.23 'u:p'
expect_fault itemNotFound 404 "Instance $S could not be found."
done_ok
