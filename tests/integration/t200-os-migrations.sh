#!/bin/bash
# t200: GET /os-migrations: fields per microversion, filters, paging, links.
source "$(dirname "$0")/lib.sh"
seed_hosts
I1=$(seed_instance t200-a h1 admin)
I2=$(seed_instance t200-b h2 admin)
# three finished migrations of known shape, made directly
for i in 1 2 3; do
    sql "INSERT INTO migrations (uuid, instance_uuid, status, source_compute, dest_compute,
             source_node, dest_node, old_instance_type_id, new_instance_type_id, user_id,
             project_id, created_at, updated_at)
         VALUES (gen_random_uuid(), '$I1', 'completed', 'h1', 'h2', 'h1.node', 'h2.node', 1, 1,
                 'admin', 'admin', '2026-01-0${i}T10:00:00Z', '2026-01-0${i}T11:00:00Z')"
done
sql "INSERT INTO migrations (uuid, instance_uuid, status, source_compute, dest_compute,
         user_id, project_id, created_at, updated_at)
     VALUES (gen_random_uuid(), '$I2', 'running', 'h2', 'h3', 'someone', 'elsewhere',
             '2026-01-04T10:00:00Z', '2026-01-04T11:00:00Z')"

api GET "/v2.1/os-migrations?instance_uuid=$I1"
expect_status 200
expect_json '.migrations | length' 3
expect_json '.migrations[0] | has("migration_type")' false
expect_json '.migrations[0] | has("uuid")' false
expect_json '.migrations[0] | has("memory_total_bytes")' false
expect_json '.migrations[0].instance_uuid' "$I1"
expect_json '.migrations[0].old_instance_type_id' 1

api GET "/v2.1/os-migrations?instance_uuid=$I2&unknown=1" "" 2.23
expect_json '.migrations[0].migration_type' live-migration
expect_json '.migrations[0].links[0].rel' self
expect_json '.migrations[0].links[0].href' "$API/v2.1/servers/$I2/migrations/$(last_migration "$I2")"
expect_json '.migrations[0].links[1].href' "$API/servers/$I2/migrations/$(last_migration "$I2")"
api GET "/v2.1/os-migrations?instance_uuid=$I1" "" 2.23
expect_json '.migrations[0] | has("links")' false

# 2.59: order, uuid, paging, unknown parameters refused
api GET "/v2.1/os-migrations?instance_uuid=$I1&limit=2" "" 2.59
expect_status 200
expect_json '.migrations | length' 2
expect_json '.migrations[0].created_at' '2026-01-03T10:00:00.000000'
expect_json '.migrations[1].created_at' '2026-01-02T10:00:00.000000'
marker=$(jq -r '.migrations[1].uuid' < "$BODY")
expect_json '.migrations_links[0].rel' next
expect_json '.migrations_links[0].href' "$API/v2.1/os-migrations?instance_uuid=$I1&limit=2&marker=$marker"
api GET "/v2.1/os-migrations?instance_uuid=$I1&limit=2&marker=$marker" "" 2.59
expect_json '.migrations | length' 1
expect_json '.migrations[0].created_at' '2026-01-01T10:00:00.000000'
expect_json 'has("migrations_links")' false
api GET "/v2.1/os-migrations?limit=0" "" 2.59
expect_json '.migrations | length' 0
api GET "/v2.1/os-migrations?marker=00000000-0000-4000-8000-000000000000" "" 2.59
expect_fault badRequest 400 'Marker 00000000-0000-4000-8000-000000000000 could not be found.'
api GET "/v2.1/os-migrations?foo=1" "" 2.59
expect_fault badRequest 400 "Additional properties are not allowed ('foo' was unexpected)"
api GET "/v2.1/os-migrations?limit=-1" "" 2.59
expect_fault badRequest 400 "Invalid input for query parameters limit. Value: -1. '-1' does not match '^[0-9]*\$'"
api GET "/v2.1/os-migrations?limit=1&limit=2" "" 2.59
expect_fault badRequest 400 "Invalid input for query parameters limit. Value: ['1', '2']. ['1', '2'] is too long"
api GET "/v2.1/os-migrations?changes-since=yesterday" "" 2.59
expect_fault badRequest 400 "Invalid input for query parameters changes-since. Value: yesterday. 'yesterday' is not a 'date-time'"
api GET "/v2.1/os-migrations?changes-before=2026-01-01" "" 2.59
expect_fault badRequest 400 "Additional properties are not allowed ('changes-before' was unexpected)"

# changes-since / changes-before (2.66)
api GET "/v2.1/os-migrations?instance_uuid=$I1&changes-since=2026-01-02T11:00:00" "" 2.59
expect_json '.migrations | length' 2
api GET "/v2.1/os-migrations?instance_uuid=$I1&changes-since=2026-01-02T00:00:00&changes-before=2026-01-02T12:00:00" "" 2.66
expect_json '.migrations | length' 1
api GET "/v2.1/os-migrations?changes-since=2026-01-03T00:00:00&changes-before=2026-01-02T00:00:00" "" 2.66
expect_fault badRequest 400 'The value of changes-since must be less than or equal to changes-before.'

# filters: status, host (source or dest), migration_type; user/project from 2.80
api GET "/v2.1/os-migrations?status=running&host=h3" "" 2.80
expect_json '.migrations | length' 1
expect_json '.migrations[0].user_id' someone
expect_json '.migrations[0].project_id' elsewhere
api GET "/v2.1/os-migrations?instance_uuid=$I1&migration_type=resize" "" 2.80
expect_json '.migrations | length' 0
api GET "/v2.1/os-migrations?project_id=elsewhere" "" 2.80
expect_json '.migrations | length' 1
api GET "/v2.1/os-migrations?user_id=someone" "" 2.79
expect_fault badRequest 400 "Additional properties are not allowed ('user_id' was unexpected)"

# policy: not for project users; host fields hidden for managers (admin-only policy)
api GET "/v2.1/os-migrations" "" 2.80 'u9:p9'
expect_fault forbidden 403 "Policy doesn't allow os_compute_api:os-migrations:index to be performed."
done_ok
