#!/bin/bash
# t400: GET /servers/{id}/os-instance-actions[/{request_id}]: the actions Ferry
# records around a live migration, keys per microversion (2.21, 2.51, 2.58,
# 2.62, 2.66, 2.84), paging and filters, Nova's messages, who sees what; and
# `openstack server event list|show` against them.
source "$(dirname "$0")/lib.sh"
seed_hosts
S=$(seed_instance t400 h1 fe400)
OWNER=u-fe400:fe400
ACTION_KEYS=action,instance_uuid,request_id,user_id,project_id,start_time,message

header() { grep -i "^$1:" "$HDRS" | tail -n 1 | cut -d' ' -f2 | tr -d '\r\n'; }
hostid() { printf '%s%s' "$1" "$2" | sha224sum | cut -d' ' -f1; }
until_status() {   # migration id, status: wait up to 10 s
    for _ in $(seq 100); do
        [[ $(migration_status "$1") == "$2" ]] && return 0
        sleep 0.1
    done
    fail "migration $1 never became $2 (is $(migration_status "$1"))"
}

# ---- what Ferry records: a scheduled live migration, then its abort -------------------
api POST "/v2.1/servers/$S/action" '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' 2.80
expect_status 202
REQ_LM=$(header x-openstack-request-id)
M=$(last_migration "$S")
until_status "$M" queued           # no ferry-compute here: it stays queued
api DELETE "/v2.1/servers/$S/migrations/$M" "" 2.65
expect_status 202
REQ_AB=$(header x-openstack-request-id)

api GET "/v2.1/servers/$S/os-instance-actions"
expect_status 200
expect_json '.instanceActions | length' 2
expect_json '.instanceActions[0].action' live_migration_cancel
expect_json '.instanceActions[0].request_id' "$REQ_AB"
expect_json '.instanceActions[1].action' live-migration
expect_json '.instanceActions[1].request_id' "$REQ_LM"
expect_json '.instanceActions[1].instance_uuid' "$S"
expect_json '.instanceActions[1].user_id' admin        # who asked, not the owner
expect_json '.instanceActions[1].project_id' admin
expect_json '.instanceActions[1].message' null
expect_json '.instanceActions[1] | keys_unsorted | join(",")' "$ACTION_KEYS"
expect_json 'has("links")' false
api GET "/v2.1/servers/$S/os-instance-actions" "" 2.58
expect_json '.instanceActions[1] | keys_unsorted | join(",")' "$ACTION_KEYS,updated_at"
expect_json '.instanceActions[1].updated_at | test("^20[0-9-]+T[0-9:]+\\.[0-9]{6}$")' true

# before 2.51 events are for admins only; traceback stays admin-only
api GET "/v2.1/servers/$S/os-instance-actions/$REQ_LM"
expect_status 200
expect_json '.instanceAction | keys_unsorted | join(",")' "$ACTION_KEYS,events"
expect_json '[.instanceAction.events[].event] | index("conductor_live_migrate_instance") != null' true
expect_json '.instanceAction.events[0] | keys_unsorted | join(",")' event,start_time,finish_time,result,traceback
expect_json '.instanceAction.events[] | select(.event == "conductor_live_migrate_instance") | .result' Success
api GET "/v2.1/servers/$S/os-instance-actions/$REQ_AB" "" 2.84
expect_json '.instanceAction.events | length' 1
expect_json '.instanceAction.events[0].event' compute_live_migration_abort
expect_json '.instanceAction.events[0].result' Success
expect_json '.instanceAction.events[0].details' 'cancelled while queued'
expect_json '.instanceAction.events[0].host' h1
expect_json '.instanceAction.events[0].hostId' "$(hostid admin h1)"
expect_json '.instanceAction.events[0] | keys_unsorted | join(",")' \
    event,start_time,finish_time,result,traceback,host,hostId,details
api GET "/v2.1/servers/$S/os-instance-actions/$REQ_AB" "" 2.50 "$OWNER"
expect_status 200
expect_json '.instanceAction | has("events")' false
api GET "/v2.1/servers/$S/os-instance-actions/$REQ_AB" "" 2.51 "$OWNER"
expect_json '.instanceAction.events[0] | keys_unsorted | join(",")' event,start_time,finish_time,result
api GET "/v2.1/servers/$S/os-instance-actions/$REQ_AB" "" 2.84 "$OWNER"
expect_json '.instanceAction.events[0] | keys_unsorted | join(",")' event,start_time,finish_time,result,hostId
expect_json '.instanceAction.events[0].hostId' "$(hostid admin h1)"
api GET "/v2.1/servers/$S/os-instance-actions/$REQ_AB" "" 2.61
expect_json '.instanceAction.events[0] | has("hostId")' false

# ---- paging and filters on actions of known times -----------------------------------
P=$(seed_instance t400-p h1 fe400)
for d in 1 2 3; do
    sql "INSERT INTO instance_actions (instance_uuid, request_id, action, user_id, project_id,
             start_time) VALUES ('$P', 'req-t400-$d', 'live-migration', 'admin', 'admin',
             '2026-01-0${d}T10:00:00Z')"
    sql "INSERT INTO instance_action_events (action_id, event, start_time, finish_time, result,
             host)
         SELECT id, 'compute_live_migration', '2026-01-0${d}T10:00:01Z',
                '2026-01-0${d}T11:00:00Z', 'Success', NULL
         FROM instance_actions WHERE request_id = 'req-t400-$d'"
done
api GET "/v2.1/servers/$P/os-instance-actions?limit=2" "" 2.58
expect_status 200
expect_json '[.instanceActions[].request_id] | join(",")' req-t400-3,req-t400-2
expect_json '.instanceActions[0].updated_at' 2026-01-03T11:00:00.000000
expect_json '.links[0].rel' next
expect_json '.links[0].href' "$API/v2.1/servers/$P/os-instance-actions?limit=2&marker=req-t400-2"
api GET "/v2.1/servers/$P/os-instance-actions?marker=req-t400-2&limit=2" "" 2.58
expect_json '[.instanceActions[].request_id] | join(",")' req-t400-1
expect_json 'has("links")' false
api GET "/v2.1/servers/$P/os-instance-actions?limit=0" "" 2.58
expect_json '.instanceActions | length' 0
api GET "/v2.1/servers/$P/os-instance-actions?limit=3" "" 2.58
expect_json '.links[0].href' "$API/v2.1/servers/$P/os-instance-actions?limit=3&marker=req-t400-1"
# the project in the URL stays in the link
api GET "/v2.1/fe400/servers/$P/os-instance-actions?limit=1" "" 2.58 "$OWNER"
expect_json '.links[0].href' "$API/v2.1/fe400/servers/$P/os-instance-actions?limit=1&marker=req-t400-3"
# Nova's actions_get() reports the marker after its failed lookup, as None
api GET "/v2.1/servers/$P/os-instance-actions?marker=req-nope" "" 2.58
expect_fault badRequest 400 'Marker None could not be found.'
api GET "/v2.1/servers/$P/os-instance-actions?changes-since=2026-01-02T11:00:00Z" "" 2.58
expect_json '[.instanceActions[].request_id] | join(",")' req-t400-3,req-t400-2
api GET "/v2.1/servers/$P/os-instance-actions?changes-since=2026-01-02T00:00:00&changes-before=2026-01-02T12:00:00" "" 2.66
expect_json '[.instanceActions[].request_id] | join(",")' req-t400-2
api GET "/v2.1/servers/$P/os-instance-actions?changes-since=2026-01-03T00:00:00&changes-before=2026-01-02T00:00:00" "" 2.66
expect_fault badRequest 400 'The value of changes-since must be less than or equal to changes-before.'
api GET "/v2.1/servers/$P/os-instance-actions?changes-before=2026-01-02T00:00:00" "" 2.65
expect_fault badRequest 400 "Additional properties are not allowed ('changes-before' was unexpected)"
api GET "/v2.1/servers/$P/os-instance-actions?foo=1&bar=2" "" 2.58
expect_fault badRequest 400 "Additional properties are not allowed ('foo', 'bar' were unexpected)"
api GET "/v2.1/servers/$P/os-instance-actions?foo=1&limit=1" "" 2.57
expect_status 200
expect_json '.instanceActions | length' 3      # ignored before 2.58
api GET "/v2.1/servers/$P/os-instance-actions?limit=-1" "" 2.58
expect_fault badRequest 400 "Invalid input for query parameters limit. Value: -1. '-1' does not match '^[0-9]*\$'"
api GET "/v2.1/servers/$P/os-instance-actions?limit=1&limit=2" "" 2.58
expect_fault badRequest 400 "Invalid input for query parameters limit. Value: ['1', '2']. ['1', '2'] is too long"
api GET "/v2.1/servers/$P/os-instance-actions?changes-since=yesterday" "" 2.58
expect_fault badRequest 400 "Invalid input for query parameters changes-since. Value: yesterday. 'yesterday' is not a 'date-time'"
# events without a host: hostId is ""; host shows null to admins
api GET "/v2.1/servers/$P/os-instance-actions/req-t400-1" "" 2.62
expect_json '.instanceAction.events[0].host' null
expect_json '.instanceAction.events[0].hostId' ''

# ---- not found, other projects, deleted servers ---------------------------------------
api GET "/v2.1/servers/$P/os-instance-actions/req-nope"
expect_fault itemNotFound 404 'Action req-nope not found'
api GET "/v2.1/servers/not-a-uuid/os-instance-actions"
expect_fault itemNotFound 404 'Instance not-a-uuid could not be found.'
api GET "/v2.1/servers/$P/os-instance-actions" "" "" 'u:other'
expect_fault itemNotFound 404 "Instance $P could not be found."
api GET "/v2.1/servers/$P/os-instance-actions/req-t400-1" "" "" 'u:other'
expect_fault itemNotFound 404 "Instance $P could not be found."
api GET "/v2.1/servers/$P/os-instance-actions" "" "" "$OWNER"
expect_status 200
sql "UPDATE instances SET deleted = true, deleted_at = now() WHERE uuid = '$P'"
api GET "/v2.1/servers/$P/os-instance-actions" "" 2.20
expect_fault itemNotFound 404 "Instance $P could not be found."
api GET "/v2.1/servers/$P/os-instance-actions" "" 2.21
expect_status 200
expect_json '.instanceActions | length' 3
api GET "/v2.1/servers/$P/os-instance-actions/req-t400-2" "" 2.21 "$OWNER"
expect_status 200

# ---- the stock client ----------------------------------------------------------------
need_openstack
client_api
LAST="openstack server event list $S"
osc server event list "$S" -f json > "$BODY" || fail "$(cat "$T_TMP/osc.err")"
expect_json '[.[]."Request ID"] | join(",")' "$REQ_AB,$REQ_LM"
expect_json '.[1].Action' live-migration
LAST="openstack server event show $S $REQ_LM"
osc server event show "$S" "$REQ_LM" -f json > "$BODY" || fail "$(cat "$T_TMP/osc.err")"
expect_json '.action' live-migration
expect_json '[.events[].event] | index("conductor_live_migrate_instance") != null' true
LAST="openstack --os-compute-api-version 2.84 server event show $S $REQ_AB"
osc --os-compute-api-version 2.84 server event show "$S" "$REQ_AB" -f json > "$BODY" \
    || fail "$(cat "$T_TMP/osc.err")"
expect_json '.events[0].details' 'cancelled while queued'
expect_json '.updated_at != null' true
LAST="openstack --os-compute-api-version 2.84 server event list $S"
osc --os-compute-api-version 2.84 server event list "$S" -f json > "$BODY" \
    || fail "$(cat "$T_TMP/osc.err")"
expect_json 'length' 2
done_ok
