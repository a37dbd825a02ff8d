#!/bin/bash
# t420: GET /os-hypervisors[/detail|/statistics|/{id}[/uptime|/search|/servers]]:
# fields per microversion (2.28 cpu_info, 2.33 paging, 2.53 uuids, pattern and
# with_servers, 2.75, 2.88), usage from the instances, Nova's messages, admin
# only; and `openstack hypervisor list|show`.  Works on hosts of its own
# (t420-*), removed at the end.
source "$(dirname "$0")/lib.sh"
seed_hosts
cleanup() {
    sql "UPDATE instances SET deleted = true, deleted_at = now() WHERE host LIKE 't420-%'"
    sql "DELETE FROM compute_hosts WHERE host LIKE 't420-%'"
}
trap 'cleanup >/dev/null; rm -rf "$T_TMP"' EXIT
# each host records its own reserve (ferry-compute registers it)
RESERVED=700
CPU='{"arch": "x86_64", "model": "Nehalem", "vendor": "Intel", "features": ["pge"], "topology": {"cores": 1, "threads": 1, "sockets": 4}}'
sql "INSERT INTO compute_hosts (uuid, host, hypervisor_hostname, libvirt_uri, migration_addr,
         host_ip, memory_mb, vcpus, local_gb, hypervisor_type, hypervisor_version, cpu_info,
         disabled, disabled_reason, heartbeat_at, reserved_memory_mb)
     SELECT gen_random_uuid(), h, h || '.node', 'qemu+tcp://' || h || '/system', h,
            '10.4.2.1', 8192, 4, 100, 'QEMU', 7002022,
            CASE WHEN h = 't420-a' THEN '$CPU'::jsonb END,
            h = 't420-c', CASE WHEN h = 't420-c' THEN 'broken fan' END,
            CASE WHEN h = 't420-b' THEN NULL ELSE now() END, $RESERVED
     FROM unnest(ARRAY['t420-a', 't420-b', 't420-c']) h"
id_of() { sql "SELECT $2 FROM compute_hosts WHERE host = '$1'"; }
ID_A=$(id_of t420-a id)
UU_A=$(id_of t420-a uuid)
SU_A=$(id_of t420-a service_uuid)
UU_B=$(id_of t420-b uuid)
beat() { sql "UPDATE compute_hosts SET heartbeat_at = now() WHERE host IN ('t420-a', 't420-c')"; }
S1=$(seed_instance t420-one t420-a admin)
S2=$(seed_instance t420-two t420-a fe420)
sql "UPDATE instances SET root_gb = 10 WHERE uuid = '$S1'"
sql "UPDATE instances SET root_gb = 5, task_state = 'migrating' WHERE uuid = '$S2'"
BRIEF=id,hypervisor_hostname,state,status
DETAIL=$BRIEF,hypervisor_type,hypervisor_version,host_ip,service
RESOURCES=vcpus,memory_mb,local_gb,vcpus_used,memory_mb_used,local_gb_used,free_ram_mb,free_disk_gb,current_workload,running_vms,disk_available_least,cpu_info
A='.hypervisors[] | select(.hypervisor_hostname == "t420-a.node")'

# ---- list and detail -------------------------------------------------------------------
beat
api GET /v2.1/os-hypervisors
expect_status 200
expect_json "$A | keys_unsorted | join(\",\")" "$BRIEF"
expect_json "$A | .id" "$ID_A"
expect_json "$A | .state" up
expect_json "$A | .status" enabled
expect_json '.hypervisors[] | select(.hypervisor_hostname == "t420-b.node") | .state' down
expect_json '.hypervisors[] | select(.hypervisor_hostname == "t420-c.node") | .status' disabled
expect_json 'has("hypervisors_links")' false
api GET /v2.1/os-hypervisors/detail
expect_json "$A | keys_unsorted | join(\",\")" "$DETAIL,$RESOURCES"
expect_json "$A | .hypervisor_type" QEMU
expect_json "$A | .hypervisor_version" 7002022
expect_json "$A | .host_ip" 10.4.2.1
expect_json "$A | .service | keys_unsorted | join(\",\")" id,host,disabled_reason
expect_json "$A | .service.id" "$ID_A"
expect_json "$A | .service.host" t420-a
expect_json "$A | .vcpus" 4
expect_json "$A | .vcpus_used" 2
expect_json "$A | .memory_mb" 8192
expect_json "$A | .memory_mb_used" $((512 + RESERVED))
expect_json "$A | .free_ram_mb" $((8192 - 512 - RESERVED))
expect_json "$A | .local_gb" 100
expect_json "$A | .local_gb_used" 15
expect_json "$A | .free_disk_gb" 85
expect_json "$A | .running_vms" 2
expect_json "$A | .current_workload" 1
expect_json "$A | .disk_available_least" null
expect_json "$A | .cpu_info | type" string
expect_json "$A | .cpu_info | fromjson | .topology.sockets" 4
expect_json '.hypervisors[] | select(.hypervisor_hostname == "t420-c.node") | .service.disabled_reason' 'broken fan'
expect_json '.hypervisors[] | select(.hypervisor_hostname == "t420-b.node") | .cpu_info' ''
api GET /v2.1/os-hypervisors/detail "" 2.28
expect_json "$A | .cpu_info.arch" x86_64
expect_json '.hypervisors[] | select(.hypervisor_hostname == "t420-b.node") | .cpu_info | length' 0
api GET /v2.1/os-hypervisors/detail "" 2.53
expect_json "$A | .id" "$UU_A"
expect_json "$A | .service.id" "$SU_A"
api GET /v2.1/os-hypervisors/detail "" 2.88
expect_json "$A | keys_unsorted | join(\",\")" "$DETAIL,uptime"
expect_json "$A | .uptime" null

# ---- show ------------------------------------------------------------------------------
api GET "/v2.1/os-hypervisors/$ID_A"
expect_status 200
expect_json '.hypervisor | keys_unsorted | join(",")' "$DETAIL,$RESOURCES"
expect_json '.hypervisor.hypervisor_hostname' t420-a.node
api GET /v2.1/os-hypervisors/abc
expect_fault itemNotFound 404 "Hypervisor with ID 'abc' could not be found."
api GET "/v2.1/os-hypervisors/$UU_A"
expect_fault itemNotFound 404 "Hypervisor with ID '$UU_A' could not be found."
api GET /v2.1/os-hypervisors/999999
expect_fault itemNotFound 404 "Hypervisor with ID '999999' could not be found."
api GET "/v2.1/os-hypervisors/$ID_A" "" 2.53
expect_fault badRequest 400 "Invalid uuid $ID_A"
api GET /v2.1/os-hypervisors/00000000-0000-4000-8000-000000000000 "" 2.53
expect_fault itemNotFound 404 "Hypervisor with ID '00000000-0000-4000-8000-000000000000' could not be found."
api GET "/v2.1/os-hypervisors/$UU_A?with_servers=true" "" 2.53
expect_json '.hypervisor.id' "$UU_A"
expect_json '[.hypervisor.servers[] | .name + "=" + .uuid] | join(",")' "t420-one=$S1,t420-two=$S2"
expect_json '.hypervisor.servers[0] | keys_unsorted | join(",")' name,uuid
api GET "/v2.1/os-hypervisors/$UU_A?with_servers=0" "" 2.53
expect_json '.hypervisor | has("servers")' false
api GET "/v2.1/os-hypervisors/$UU_B?with_servers=yes" "" 2.74
expect_json '.hypervisor | has("servers")' false
api GET "/v2.1/os-hypervisors/$UU_B?with_servers=yes" "" 2.75
expect_json '.hypervisor.servers | length' 0
api GET "/v2.1/os-hypervisors/$UU_A?with_servers=maybe" "" 2.53
expect_fault badRequest 400 "Invalid input for query parameters with_servers. Value: maybe. 'maybe' is not one of [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']"
api GET "/v2.1/os-hypervisors/$UU_A?foo=1" "" 2.53
expect_fault badRequest 400 "Additional properties are not allowed ('foo' was unexpected)"
api GET "/v2.1/os-hypervisors/$ID_A?foo=1&with_servers=true" "" 2.52
expect_status 200
expect_json '.hypervisor | has("servers")' false

# ---- hypervisor_hostname_pattern, with_servers on lists (2.53) -------------------------
api GET "/v2.1/os-hypervisors?hypervisor_hostname_pattern=t420" "" 2.53
expect_json '[.hypervisors[].hypervisor_hostname] | join(",")' t420-a.node,t420-b.node,t420-c.node
expect_json 'has("hypervisors_links")' false
api GET "/v2.1/os-hypervisors/detail?hypervisor_hostname_pattern=t420-a&with_servers=1" "" 2.53
expect_json '.hypervisors | length' 1
expect_json '.hypervisors[0].servers | length' 2
expect_json '.hypervisors[0].vcpus' 4
api GET "/v2.1/os-hypervisors?hypervisor_hostname_pattern=t420-b&with_servers=1" "" 2.75
expect_json '.hypervisors[0].servers | length' 0
api GET "/v2.1/os-hypervisors?hypervisor_hostname_pattern=zzz" "" 2.53
expect_fault itemNotFound 404 "No hypervisor matching 'zzz' could be found."
api GET "/v2.1/os-hypervisors?hypervisor_hostname_pattern=t420&limit=1" "" 2.53
expect_fault badRequest 400 'The server could not comply with the request since it is either malformed or otherwise incorrect.'
api GET "/v2.1/os-hypervisors?hypervisor_hostname_pattern=a%20b" "" 2.53
expect_fault badRequest 400 "Invalid input for query parameters hypervisor_hostname_pattern. Value: a b. 'a b' does not match '^[a-zA-Z0-9-._]*\$'"
api GET "/v2.1/os-hypervisors?hypervisor_hostname_pattern=t420" "" 2.52
expect_json '[.hypervisors[].hypervisor_hostname | select(startswith("t420") | not)] | length > 0' true

# ---- paging: limit and marker (2.33), uuid markers (2.53) ------------------------------
NEXT_A=$(sql "SELECT id FROM compute_hosts WHERE id > $ID_A ORDER BY id LIMIT 1")
api GET "/v2.1/os-hypervisors?marker=$ID_A&limit=1" "" 2.33
expect_json '.hypervisors | length' 1
expect_json '.hypervisors[0].id' "$NEXT_A"
expect_json '.hypervisors_links[0].rel' next
expect_json '.hypervisors_links[0].href' "$API/v2.1/os-hypervisors?limit=1&marker=$NEXT_A"
# before 2.53 unknown parameters are dropped, from the link too
api GET "/v2.1/os-hypervisors/detail?zzz=1&marker=$ID_A&limit=1" "" 2.33
expect_json '.hypervisors_links[0].href' "$API/v2.1/os-hypervisors/detail?limit=1&marker=$NEXT_A"
api GET "/v2.1/os-hypervisors?marker=$ID_A&limit=1" "" 2.32
expect_json 'has("hypervisors_links")' false
expect_json '.hypervisors | length > 1' true
NEXT_UU=$(sql "SELECT uuid FROM compute_hosts WHERE id = $NEXT_A")
api GET "/v2.1/os-hypervisors?marker=$UU_A&limit=1" "" 2.53
expect_json '.hypervisors[0].id' "$NEXT_UU"
expect_json '.hypervisors_links[0].href' "$API/v2.1/os-hypervisors?limit=1&marker=$NEXT_UU"
api GET "/v2.1/os-hypervisors?marker=$(id_of t420-c uuid)" "" 2.53
expect_json "[.hypervisors[].id] | index(\"$UU_A\")" null
api GET "/v2.1/os-hypervisors?limit=0" "" 2.53
expect_json '.hypervisors | length' 0
expect_json 'has("hypervisors_links")' false
api GET "/v2.1/os-hypervisors?marker=999999" "" 2.33
expect_fault badRequest 400 'marker [999999] not found'
api GET "/v2.1/os-hypervisors?marker=00000000-0000-4000-8000-000000000000" "" 2.53
expect_fault badRequest 400 'marker [00000000-0000-4000-8000-000000000000] not found'
api GET "/v2.1/os-hypervisors?limit=abc" "" 2.33
expect_fault badRequest 400 "Invalid input for query parameters limit. Value: abc. 'abc' does not match '^[0-9]*\$'"
api GET "/v2.1/os-hypervisors?limit=1&limit=2" "" 2.53
expect_fault badRequest 400 "Invalid input for query parameters limit. Value: ['1', '2']. ['1', '2'] is too long"
api GET "/v2.1/os-hypervisors?foo=1" "" 2.53
expect_fault badRequest 400 "Additional properties are not allowed ('foo' was unexpected)"

# ---- search, servers, uptime, statistics (the routes 2.53 and 2.88 retired) ------------
api GET /v2.1/os-hypervisors/t420/search
expect_status 200
expect_json '[.hypervisors[].hypervisor_hostname] | join(",")' t420-a.node,t420-b.node,t420-c.node
expect_json '.hypervisors[0] | keys_unsorted | join(",")' "$BRIEF"
api GET /v2.1/os-hypervisors/zzz/search
expect_fault itemNotFound 404 "No hypervisor matching 'zzz' could be found."
api GET /v2.1/os-hypervisors/t420/servers
expect_json '.hypervisors[0].servers | length' 2
expect_json '.hypervisors[1] | has("servers")' false
api GET /v2.1/os-hypervisors/t420/search "" 2.53
expect_fault itemNotFound 404 'The resource could not be found.'
api GET "/v2.1/os-hypervisors/$ID_A/uptime"
expect_fault notImplemented 501 'The requested functionality is not supported.'
api GET /v2.1/os-hypervisors/abc/uptime
expect_fault itemNotFound 404 "Hypervisor with ID 'abc' could not be found."
api GET "/v2.1/os-hypervisors/$UU_A/uptime" "" 2.88
expect_fault itemNotFound 404 'The resource could not be found.'
api GET /v2.1/os-hypervisors/statistics
expect_status 200
expect_json '.hypervisor_statistics | keys_unsorted | join(",")' \
    count,current_workload,disk_available_least,free_disk_gb,free_ram_mb,local_gb,local_gb_used,memory_mb,memory_mb_used,running_vms,vcpus,vcpus_used
expect_json '.hypervisor_statistics.count' "$(sql "SELECT count(*) FROM compute_hosts WHERE NOT disabled")"
expect_json '.hypervisor_statistics.vcpus' "$(sql "SELECT sum(vcpus) FROM compute_hosts WHERE NOT disabled")"
expect_json '.hypervisor_statistics.disk_available_least' 0
api GET /v2.1/os-hypervisors/statistics "" 2.88
expect_fault itemNotFound 404 'The resource could not be found.'

# ---- admin only ------------------------------------------------------------------------
for route in "os-hypervisors list" "os-hypervisors/detail list-detail" \
             "os-hypervisors/$ID_A show" "os-hypervisors/statistics statistics" \
             "os-hypervisors/$ID_A/uptime uptime" "os-hypervisors/t420/search search" \
             "os-hypervisors/t420/servers servers"; do
    api GET "/v2.1/${route% *}" "" "" 'u:p'
    expect_fault forbidden 403 "Policy doesn't allow os_compute_api:os-hypervisors:${route#* } to be performed."
done
api GET "/v2.1/os-hypervisors/$ID_A" "" 2.53 'u:p'    # the policy comes before the id
expect_fault forbidden 403 "Policy doesn't allow os_compute_api:os-hypervisors:show to be performed."
api GET /v2.1/os-aggregates "" "" 'u:p'
expect_fault forbidden 403 "Policy doesn't allow os_compute_api:os-aggregates:index to be performed."
api GET /v2.1/os-aggregates
expect_status 200
expect_json '.aggregates | length' 0

# ---- the stock client ----------------------------------------------------------------
need_openstack
client_api
beat
LAST="openstack hypervisor list"
osc hypervisor list -f json > "$BODY" || fail "$(cat "$T_TMP/osc.err")"
expect_json '.[] | select(."Hypervisor Hostname" == "t420-a.node") | .ID' "$ID_A"
expect_json '.[] | select(."Hypervisor Hostname" == "t420-a.node") | ."Host IP"' 10.4.2.1
LAST="openstack hypervisor show t420-a.node"
osc hypervisor show t420-a.node -f json > "$BODY" || fail "$(cat "$T_TMP/osc.err")"
expect_json '.service_host' t420-a
expect_json '.vcpus_used' 2
expect_json '.cpu_info.model' Nehalem
expect_json '.aggregates | length' 0
LAST="openstack --os-compute-api-version 2.53 hypervisor show t420-a.node"
osc --os-compute-api-version 2.53 hypervisor show t420-a.node -f json > "$BODY" \
    || fail "$(cat "$T_TMP/osc.err")"
expect_json '.id' "$UU_A"
expect_json '.service_id' "$SU_A"
done_ok
