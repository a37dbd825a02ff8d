#!/bin/bash
# t510: every GET of the API at every microversion where an answer changes
# shape (2.1 to 2.96 and latest), as admin and as the server's project, so
# that the contract check (tests/contract, run after the tests) sees each
# operation's answers across the microversions: servers (list, detail, show,
# through the project id in the URL and the legacy /v2 tree too), server
# migrations, os-migrations, instance actions with events, services,
# hypervisors, aggregates, flavors (with extra specs and the access list) and
# the version documents.  The statuses follow
# each route's microversion range and Nova's default policies.
source "$(dirname "$0")/lib.sh"
seed_hosts
OWNER=u-fe510:fe510
S=$(seed_instance t510 h1 fe510)
sql "UPDATE instances SET task_state = 'migrating', metadata = '{\"role\": \"sweep\"}'
     WHERE uuid = '$S'"
M=$(sql "INSERT INTO migrations (uuid, instance_uuid, status, source_compute, dest_compute,
             source_node, dest_node, dest_host, old_instance_type_id, new_instance_type_id,
             memory_total, memory_processed, memory_remaining, user_id, project_id, updated_at)
         VALUES (gen_random_uuid(), '$S', 'running', 'h1', 'h2', 'h1.node', 'h2.node',
                 '10.0.0.2', 1, 1, 1000, 0, 1000, 'admin', 'admin', now()) RETURNING id")
sql "INSERT INTO instance_actions (instance_uuid, request_id, action, user_id, project_id,
         updated_at)
     VALUES ('$S', 'req-t510', 'live-migration', 'admin', 'admin', now())"
sql "INSERT INTO instance_action_events (action_id, event, host, start_time, finish_time, result)
     SELECT id, e, h, now(), CASE WHEN h IS NULL THEN NULL ELSE now() END,
            CASE WHEN h IS NULL THEN NULL ELSE 'Success' END
     FROM instance_actions, (VALUES ('compute_pre_live_migration', 'h2'),
                                    ('compute_live_migration', NULL)) ev(e, h)
     WHERE request_id = 'req-t510'"
HV_ID=$(sql "SELECT id FROM compute_hosts WHERE host = 'h1'")
HV_UUID=$(sql "SELECT uuid FROM compute_hosts WHERE host = 'h1'")
cleanup() {
    sql "UPDATE migrations SET deleted = true, deleted_at = now() WHERE instance_uuid = '$S'"
    sql "UPDATE instances SET deleted = true, deleted_at = now(), task_state = NULL
         WHERE uuid = '$S'"
}
trap 'cleanup >/dev/null 2>&1; rm -rf "$T_TMP"' EXIT

# get STATUS PATH MICROVERSION [TOKEN]
get() { api GET "$2" "" "$3" "${4-$TOKEN}"; expect_status "$1"; }
# the status of a route that exists from LOW (and up to HIGH) at microversion mv
in_range() {   # LOW HIGH STATUS
    local v=${mv:-2.1}
    [[ $v == latest ]] && v=2.96
    if ver_ge "$v" "$1" && { [[ -z $2 ]] || ver_ge "$2" "$v"; }; then echo "$3"; else echo 404; fi
}
ver_ge() {   # A >= B for 2.NN microversions
    [[ ${1%%.*} -gt ${2%%.*} || (${1%%.*} -eq ${2%%.*} && ${1#*.} -ge ${2#*.}) ]]
}

# each family at the microversions where its answers change shape, and latest
mvs() { for mv in "$@"; do [[ $mv == 2.1 ]] && mv=""; printf '%s\n' "$mv"; done; }
hv_id() { local v=${mv:-2.1}; [[ $v == latest ]] && v=2.96; ver_ge "$v" 2.53 && echo "$HV_UUID" || echo "$HV_ID"; }

get 200 / "" ""
for mv in "" 2.96 latest; do
    get 200 /v2.1 "$mv" ""
    get 200 /v2.1/ "$mv"
done
while read -r mv; do       # servers
    for who in "$TOKEN" "$OWNER"; do
        get 200 /v2.1/servers "$mv" "$who"
        get 200 "/v2.1/servers/detail?limit=1" "$mv" "$who"
        get 200 "/v2.1/servers/$S" "$mv" "$who"
    done
    get 200 /v2.1/servers/detail "$mv"
    get 200 "/v2.1/fe510/servers/$S" "$mv" "$OWNER"
done < <(mvs 2.1 2.3 2.9 2.16 2.19 2.26 2.47 2.63 2.71 2.73 2.90 2.96 latest)
while read -r mv; do       # instance actions
    for who in "$TOKEN" "$OWNER"; do
        get 200 "/v2.1/servers/$S/os-instance-actions" "$mv" "$who"
        get 200 "/v2.1/servers/$S/os-instance-actions/req-t510" "$mv" "$who"
    done
done < <(mvs 2.1 2.21 2.51 2.58 2.62 2.84 latest)
while read -r mv; do       # server migrations
    get "$(in_range 2.23 "" 200)" "/v2.1/servers/$S/migrations" "$mv"
    get "$(in_range 2.23 "" 403)" "/v2.1/servers/$S/migrations" "$mv" "$OWNER"
    get "$(in_range 2.23 "" 200)" "/v2.1/servers/$S/migrations/$M" "$mv"
done < <(mvs 2.22 2.23 2.59 2.79 2.80 latest)
while read -r mv; do       # os-migrations
    get 200 /v2.1/os-migrations "$mv"
    get 200 "/v2.1/os-migrations?instance_uuid=$S" "$mv"
    get 403 /v2.1/os-migrations "$mv" "$OWNER"
done < <(mvs 2.1 2.23 2.59 2.66 2.80 latest)
while read -r mv; do       # services
    get 200 /v2.1/os-services "$mv"
done < <(mvs 2.1 2.11 2.52 2.53 2.75 latest)
while read -r mv; do       # hypervisors
    get 200 /v2.1/os-hypervisors "$mv"
    get 200 /v2.1/os-hypervisors/detail "$mv"
    get 200 "/v2.1/os-hypervisors/detail?with_servers=true" "$mv"
    get 200 "/v2.1/os-hypervisors/$(hv_id)" "$mv"
    get "$(in_range 2.1 2.87 200)" /v2.1/os-hypervisors/statistics "$mv"
    get "$(in_range 2.1 2.87 501)" "/v2.1/os-hypervisors/$(hv_id)/uptime" "$mv"
    get "$(in_range 2.1 2.52 200)" /v2.1/os-hypervisors/h1/search "$mv"
    get "$(in_range 2.1 2.52 200)" /v2.1/os-hypervisors/h1/servers "$mv"
done < <(mvs 2.1 2.28 2.33 2.52 2.53 2.75 2.87 2.88 latest)
while read -r mv; do       # flavors (the seeded server's, public)
    for who in "$TOKEN" "$OWNER"; do
        get 200 /v2.1/flavors "$mv" "$who"
        get 200 "/v2.1/flavors/detail?limit=1" "$mv" "$who"
        get 200 /v2.1/flavors/t.256 "$mv" "$who"
        get 200 /v2.1/flavors/t.256/os-extra_specs "$mv" "$who"
    done
    get 404 /v2.1/flavors/t.256/os-extra_specs/nope "$mv"
    get 404 /v2.1/flavors/t.256/os-flavor-access "$mv"
    get 403 /v2.1/flavors/t.256/os-flavor-access "$mv" "$OWNER"
done < <(mvs 2.1 2.55 2.61 2.75 latest)
get 200 /v2.1/os-aggregates ""
get 200 /v2.1/os-aggregates latest
# the legacy v2 tree: no microversions, the 2.1 answers
get 200 /v2 "" ""
get 200 "/v2/servers/$S" ""
get 200 /v2/os-migrations ""
get 200 /v2/flavors/detail ""
done_ok
