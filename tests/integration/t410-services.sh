#!/bin/bash
# t410: GET /os-services and PUT /os-services/...: compute hosts as nova-compute
# services, fields per microversion (2.11, 2.53, 2.75), the pre-2.53 actions
# and the 2.53 update with Nova's validation and messages, admin only; and
# `openstack compute service list|set`.  Works on hosts of its own (t410-*),
# removed at the end so that no later test schedules onto them.
source "$(dirname "$0")/lib.sh"
trap 'sql "DELETE FROM compute_hosts WHERE host LIKE '"'t410-%'"'" >/dev/null; rm -rf "$T_TMP"' EXIT
sql "INSERT INTO compute_hosts (uuid, host, hypervisor_hostname, libvirt_uri, migration_addr,
         host_ip, memory_mb, vcpus, heartbeat_at)
     SELECT gen_random_uuid(), h, h || '.node', 'qemu+tcp://' || h || '/system', h,
            '10.4.1.1', 4096, 4, CASE WHEN h = 't410-c' THEN NULL ELSE now() END
     FROM unnest(ARRAY['t410-a', 't410-b', 't410-c']) h"
ID_A=$(sql "SELECT id FROM compute_hosts WHERE host = 't410-a'")
SU_A=$(sql "SELECT service_uuid FROM compute_hosts WHERE host = 't410-a'")
SU_B=$(sql "SELECT service_uuid FROM compute_hosts WHERE host = 't410-b'")
beat() { sql "UPDATE compute_hosts SET heartbeat_at = now() WHERE host LIKE 't410-%'
              AND heartbeat_at IS NOT NULL"; }
col() { sql "SELECT $2 FROM compute_hosts WHERE host = '$1'"; }
SVC_KEYS=binary,host,id,zone,status,state,updated_at,disabled_reason
ENUM="[True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']"

# ---- list ------------------------------------------------------------------------------
beat
api GET "/v2.1/os-services?host=t410-a"
expect_status 200
expect_json '.services | length' 1
expect_json '.services[0] | keys_unsorted | join(",")' "$SVC_KEYS"
expect_json '.services[0].id' "$ID_A"
expect_json '.services[0].binary' nova-compute
expect_json '.services[0].zone' nova
expect_json '.services[0].status' enabled
expect_json '.services[0].state' up
expect_json '.services[0].disabled_reason' null
expect_json '.services[0].updated_at | test("^20[0-9-]+T[0-9:]+\\.[0-9]{6}$")' true
api GET "/v2.1/os-services?host=t410-a" "" 2.11
expect_json '.services[0] | keys_unsorted | join(",")' "$SVC_KEYS,forced_down"
expect_json '.services[0].forced_down' false
expect_json '.services[0].id' "$ID_A"
api GET "/v2.1/os-services?host=t410-a" "" 2.53
expect_json '.services[0].id' "$SU_A"
[[ $SU_A != $(col t410-a uuid) ]] || fail "the service's uuid is not the hypervisor's"
ok
api GET "/v2.1/os-services?host=t410-c&binary=nova-compute" "" 2.53
expect_json '.services[0].state' down
expect_json '.services[0].updated_at' null
api GET "/v2.1/os-services?binary=nova-scheduler" "" 2.53
expect_json '.services | length' 0
api GET "/v2.1/os-services" "" 2.53
expect_json '[.services[].host | select(startswith("t410-"))] | join(",")' t410-a,t410-b,t410-c
expect_json "[.services[].binary] | unique | join(\",\")" nova-compute
api GET "/v2.1/os-services?host=t410-a&foo=1" "" 2.74
expect_status 200
api GET "/v2.1/os-services?host=t410-a&foo=1" "" 2.75
expect_fault badRequest 400 "Additional properties are not allowed ('foo' was unexpected)"
api GET "/v2.1/os-services" "" 2.53 'u:p'
expect_fault forbidden 403 "Policy doesn't allow os_compute_api:os-services:list to be performed."

# ---- PUT /os-services/{action} before 2.53 -------------------------------------------------
A='"host": "t410-a", "binary": "nova-compute"'
api PUT /v2.1/os-services/disable "{$A}"
expect_status 200
expect_json '.service | keys_unsorted | join(",")' host,binary,status
expect_json '.service.status' disabled
[[ $(col t410-a "disabled::text || coalesce(disabled_reason, '-')") == true- ]] || fail disabled
ok
api PUT /v2.1/os-services/disable-log-reason "{$A, \"disabled_reason\": \"maintenance\"}"
expect_status 200
expect_json '.service | keys_unsorted | join(",")' host,binary,status,disabled_reason
expect_json '.service.disabled_reason' maintenance
api GET "/v2.1/os-services?host=t410-a"
expect_json '.services[0].status' disabled
expect_json '.services[0].disabled_reason' maintenance
api PUT /v2.1/os-services/disable-log-reason "{$A}"
expect_fault badRequest 400 'Missing disabled reason field'
api PUT /v2.1/os-services/enable "{$A, \"disabled_reason\": \"ignored\"}"
expect_status 200
expect_json '.service | keys_unsorted | join(",")' host,binary,status
expect_json '.service.status' enabled
[[ $(col t410-a "disabled::text || coalesce(disabled_reason, '-')") == false- ]] || fail enabled
ok
api PUT /v2.1/os-services/force-down "{$A, \"forced_down\": true}" 2.10
expect_fault badRequest 400 "Additional properties are not allowed ('forced_down' was unexpected)"
api PUT /v2.1/os-services/force-down "{$A}" 2.10
expect_fault itemNotFound 404 'Unknown action'
api PUT /v2.1/os-services/force-down "{$A, \"forced_down\": true}" 2.11
expect_status 200
expect_json '.service | keys_unsorted | join(",")' host,binary,forced_down
expect_json '.service.forced_down' true
beat
api GET "/v2.1/os-services?host=t410-a" "" 2.11
expect_json '.services[0].forced_down' true
expect_json '.services[0].state' down
api PUT /v2.1/os-services/force-down "{$A, \"forced_down\": \"no\"}" 2.11
expect_json '.service.forced_down' false
api PUT /v2.1/os-services/force-down "{$A}" 2.11
expect_fault badRequest 400 'Missing forced_down field'
api PUT /v2.1/os-services/disable '{"host": "t410-a", "binary": "nova-scheduler"}'
expect_fault badRequest 400 'Updating a nova-scheduler service is not supported. Only nova-compute services can be updated.'
api PUT /v2.1/os-services/disable '{"host": "nope", "binary": "nova-compute"}'
expect_fault itemNotFound 404 "Host 'nope' is not mapped to any cell"
api PUT /v2.1/os-services/frobnicate "{$A}"
expect_fault itemNotFound 404 'Unknown action'
# Nova's body schema, in jsonschema's order and words
api PUT /v2.1/os-services/disable '{"host": "t410-a"}'
expect_fault badRequest 400 "'binary' is a required property"
api PUT /v2.1/os-services/disable '{"host": "a b", "binary": 1}'
expect_fault badRequest 400 "Invalid input for field/attribute host. Value: a b. 'a b' does not match '^[a-zA-Z0-9-._]*\$'"
api PUT /v2.1/os-services/disable '{"host": "t410-a", "binary": 1}'
expect_fault badRequest 400 "Invalid input for field/attribute binary. Value: 1. 1 is not of type 'string'"
api PUT /v2.1/os-services/disable-log-reason "{$A, \"disabled_reason\": \"\"}"
expect_fault badRequest 400 "Invalid input for field/attribute disabled_reason. Value: . '' is too short"
api PUT /v2.1/os-services/disable "{$A, \"zone\": \"nova\"}"
expect_fault badRequest 400 "Additional properties are not allowed ('zone' was unexpected)"
api PUT /v2.1/os-services/disable ''
expect_fault badRequest 400 "None is not of type 'object'"
api PUT /v2.1/os-services/disable '{"host": '
expect_fault badRequest 400 'Malformed request body'
api PUT /v2.1/os-services/force-down "{$A, \"forced_down\": \"maybe\"}" 2.11
expect_fault badRequest 400 "Invalid input for field/attribute forced_down. Value: maybe. 'maybe' is not one of $ENUM"
# the body is checked before the policy
api PUT /v2.1/os-services/disable '{}' "" 'u:p'
expect_fault badRequest 400 "'host' is a required property"
api PUT /v2.1/os-services/disable "{$A}" "" 'u:p'
expect_fault forbidden 403 "Policy doesn't allow os_compute_api:os-services:update to be performed."

# ---- PUT /os-services/{service_id} from 2.53 ------------------------------------------------
api PUT /v2.1/os-services/disable "{$A}" 2.53
expect_fault badRequest 400 "Additional properties are not allowed ('host', 'binary' were unexpected)"
api PUT /v2.1/os-services/disable '{"status": "disabled"}' 2.53
expect_fault badRequest 400 'Invalid uuid disable'
api PUT /v2.1/os-services/disable '{"status": "disabled"}' 2.53 'u:p'
expect_fault badRequest 400 'Invalid uuid disable'
api PUT "/v2.1/os-services/$SU_A" '{"status": "disabled"}' 2.53 'u:p'
expect_fault forbidden 403 "Policy doesn't allow os_compute_api:os-services:update to be performed."
api PUT /v2.1/os-services/00000000-0000-4000-8000-000000000000 '{"status": "disabled"}' 2.53
expect_fault itemNotFound 404 'Service 00000000-0000-4000-8000-000000000000 could not be found.'
BEFORE=$(col t410-a "updated_at")
api PUT "/v2.1/os-services/$SU_A" '{"status": "disabled", "disabled_reason": "maint"}' 2.53
expect_status 200
expect_json '.service | keys_unsorted | join(",")' "$SVC_KEYS,forced_down"
expect_json '.service.id' "$SU_A"
expect_json '.service.status' disabled
expect_json '.service.disabled_reason' maint
expect_json '.service.forced_down' false
[[ $(sql "SELECT updated_at > '$BEFORE' FROM compute_hosts WHERE host = 't410-a'") == t ]] \
    || fail "updated_at moves"
ok
api PUT "/v2.1/os-services/$SU_A" '{"status": "enabled", "disabled_reason": "x"}' 2.53
expect_fault badRequest 400 "Specifying 'disabled_reason' with status 'enabled' is invalid."
api PUT "/v2.1/os-services/$SU_A" '{"status": "enabled"}' 2.53
expect_json '.service.status' enabled
expect_json '.service.disabled_reason' null
api PUT "/v2.1/os-services/$SU_A" '{"status": "disabled"}' 2.53
expect_json '.service.disabled_reason' null
api PUT "/v2.1/os-services/$SU_A" '{}' 2.53
expect_fault badRequest 400 "No updates were requested. Fields 'status' or 'forced_down' should be specified."
api PUT "/v2.1/os-services/$SU_A" '{"disabled_reason": "x"}' 2.53
expect_fault badRequest 400 "No updates were requested. Fields 'status' or 'forced_down' should be specified."
api PUT "/v2.1/os-services/$SU_A" '{"status": "off"}' 2.53
expect_fault badRequest 400 "Invalid input for field/attribute status. Value: off. 'off' is not one of ['enabled', 'disabled']"
api PUT "/v2.1/os-services/$SU_A" '{"forced_down": 1}' 2.53
expect_fault badRequest 400 "Invalid input for field/attribute forced_down. Value: 1. 1 is not of type 'boolean', 'string'"
api PUT "/v2.1/os-services/$SU_A" '{"status": "enabled", "forced_down": "True"}' 2.53
expect_status 200
expect_json '.service.status' enabled
expect_json '.service.forced_down' true
expect_json '.service.state' down
beat
api PUT "/v2.1/os-services/$SU_A" '{"forced_down": false}' 2.53
expect_json '.service.forced_down' false
expect_json '.service.state' up
# forcing a host up is refused while evacuations from it are left "done"
I=$(seed_instance t410 t410-b admin)
sql "INSERT INTO migrations (uuid, instance_uuid, migration_type, status, source_compute)
     VALUES (gen_random_uuid(), '$I', 'evacuation', 'done', 't410-b')"
EVAC="Unable to force up host t410-b as \`done\` evacuation migration records remain associated with the host. Ensure the compute service has been restarted, allowing these records to move to \`completed\` before retrying this request."
api PUT "/v2.1/os-services/$SU_B" '{"forced_down": false}' 2.53
expect_fault badRequest 400 "$EVAC"
api PUT /v2.1/os-services/force-down '{"host": "t410-b", "binary": "nova-compute", "forced_down": false}' 2.11
expect_fault badRequest 400 "$EVAC"
api PUT "/v2.1/os-services/$SU_B" '{"forced_down": true}' 2.53
expect_status 200
sql "UPDATE migrations SET status = 'completed' WHERE instance_uuid = '$I'"
sql "UPDATE instances SET deleted = true, deleted_at = now() WHERE uuid = '$I'"
api PUT "/v2.1/os-services/$SU_B" '{"forced_down": false}' 2.53
expect_status 200

# ---- the stock client ----------------------------------------------------------------
need_openstack
client_api
beat
LAST="openstack compute service list --host t410-a"
osc compute service list --host t410-a -f json > "$BODY" || fail "$(cat "$T_TMP/osc.err")"
expect_json 'length' 1
expect_json '.[0].Binary' nova-compute
expect_json '.[0].Status' enabled
expect_json '.[0].State' up
LAST="openstack compute service set --disable --disable-reason R t410-a nova-compute"
osc compute service set --disable --disable-reason "planned maintenance" t410-a nova-compute \
    || fail "$(cat "$T_TMP/osc.err")"
ok
[[ $(col t410-a "disabled::text || disabled_reason") == "trueplanned maintenance" ]] \
    || fail "the client's disable did not land"
ok
LAST="openstack compute service list --long --host t410-a"
osc compute service list --long --host t410-a -f json > "$BODY" || fail "$(cat "$T_TMP/osc.err")"
expect_json '.[0]."Disabled Reason"' 'planned maintenance'
LAST="openstack compute service set --enable t410-a nova-compute"
osc compute service set --enable t410-a nova-compute || fail "$(cat "$T_TMP/osc.err")"
[[ $(col t410-a "disabled::text || coalesce(disabled_reason, '-')") == false- ]] \
    || fail "the client's enable did not land"
ok
done_ok
