#!/bin/bash
# t220: GET /flavors, /flavors/detail, /flavors/{id} (and its os-extra_specs
# and os-flavor-access) as Nova answers them: the keys per microversion (2.55
# description, 2.61 extra_specs, 2.75 swap 0 not "", 2.102 no rxtx_factor nor
# disabled), who sees which flavor (is_public for admins, public and shared
# ones for a project, disabled ones hidden from it), minRam/minDisk,
# sort_key/sort_dir, limit/marker with flavors_links, Nova's 400s and 404s;
# then `openstack flavor list|show` and the Flavor column of `openstack
# server list` at 2.1.  Works on flavors of its own (t220-*, RAM 900001 MB
# and up, so that minRam=900000 sees only them), removed at the end.
source "$(dirname "$0")/lib.sh"
source "$REPO/tests/lib/env.sh"
API2_PID=
cleanup() {
    [[ -n $API2_PID ]] && kill "$API2_PID" 2>/dev/null
    sql "DELETE FROM instances WHERE display_name LIKE 't220-%'"
    sql "DELETE FROM flavors WHERE flavorid LIKE 't220-%'"
}
trap 'cleanup >/dev/null; rm -rf "$T_TMP"' EXIT
cleanup >/dev/null

# a public; b public with a description, specs, swap and rxtx 2.5; c private,
# shared with project a220; d public but disabled; e private, shared with none
sql "INSERT INTO flavors (flavorid, name, memory_mb, vcpus, root_gb, ephemeral_gb, swap,
         description, is_public, disabled, rxtx_factor, extra_specs) VALUES
     ('t220-a', 't220 ay', 900001, 1, 10, 0, 0, NULL, true, false, 1.0, '{}'),
     ('t220-b', 't220 bee', 900002, 2, 20, 1, 512, 'bee', true, false, 2.5,
      '{\"hw:cpu_policy\": \"dedicated\"}'),
     ('t220-c', 't220 cee', 900003, 3, 30, 0, 0, 'cee', false, false, 1.0, '{}'),
     ('t220-d', 't220 dee', 900004, 4, 40, 0, 0, NULL, true, true, 1.0, '{}'),
     ('t220-e', 't220 ee', 900005, 5, 5, 0, 0, NULL, false, false, 1.0, '{}')"
sql "INSERT INTO flavor_projects (flavor_id, project_id)
     SELECT id, 'a220' FROM flavors WHERE flavorid = 't220-c'"
OWN=u220:a220           # a project the private flavor c is shared with
OTHER=u220:b220         # and one it is not
ids() { expect_json "[.flavors[].id] | join(\",\")" "$1"; }
F=minRam=900000

# A second ferry-api on the same database, for what the run's (2.96, max_limit
# 1000) cannot show: microversions up to 2.104 and a page bounded by max_limit.
API2_PORT=$(free_port $((${API##*:} + 100)))
cat > "$T_TMP/api2.conf" <<CONF
[DEFAULT]
osapi_compute_listen_port = $API2_PORT

[api]
max_limit = 3

[ferry]
max_microversion = 2.104
CONF
"${FERRY_BUILD:-$REPO/build}/ferry-api" --config-file "$FERRY_STATE/etc/ferry.conf" \
    --config-file "$T_TMP/api2.conf" > "$T_TMP/api2.log" 2>&1 &
API2_PID=$!
API2=http://127.0.0.1:$API2_PORT
wait_for "the second ferry-api" 30 "curl -fs -o /dev/null $API2/"

# ---- who sees what ------------------------------------------------------------------
api GET "/v2.1/flavors?$F"
expect_status 200
ids t220-a,t220-b,t220-d                # public ones, disabled too (admin)
expect_json '.flavors[0] | keys | join(",")' id,links,name
expect_json '.flavors[0].links[0].href' "$API/v2.1/flavors/t220-a"
expect_json '.flavors[0].links[1].href' "$API/flavors/t220-a"
expect_json 'has("flavors_links")' false
api GET "/v2.1/flavors?$F&is_public=false"
ids t220-c,t220-e
api GET "/v2.1/flavors?$F&is_public=None"     # what novaclient sends
ids t220-a,t220-b,t220-c,t220-d,t220-e
api GET "/v2.1/flavors?$F&is_public=%20YES%20"
ids t220-a,t220-b,t220-d
api GET "/v2.1/flavors?$F&is_public=maybe"
expect_fault badRequest 400 'Invalid is_public filter [maybe]'
api GET "/v2.1/flavors?$F&is_public=" "" ""
expect_fault badRequest 400 'Invalid is_public filter []'
api GET "/v2.1/flavors/detail?$F" "" "" "$OWN"
ids t220-a,t220-b,t220-c                # public and shared, never disabled
api GET "/v2.1/flavors?$F&is_public=false" "" "" "$OWN"
ids t220-a,t220-b,t220-c                # is_public is not a project's to choose
api GET "/v2.1/flavors?$F&is_public=maybe" "" "" "$OTHER"
ids t220-a,t220-b
api GET /v2.1/a220/flavors?$F "" "" "$OWN"
expect_json '.flavors[2].links[0].href' "$API/v2.1/a220/flavors/t220-c"
expect_json '.flavors[2].links[1].href' "$API/a220/flavors/t220-c"

# ---- show, per microversion ------------------------------------------------------------
api GET /v2.1/flavors/t220-b
expect_status 200
expect_json '.flavor | keys_unsorted | join(",")' \
    'id,name,ram,disk,swap,OS-FLV-EXT-DATA:ephemeral,OS-FLV-DISABLED:disabled,vcpus,os-flavor-access:is_public,rxtx_factor,links'
expect_json '[.flavor.ram, .flavor.disk, .flavor.swap, .flavor.vcpus] | join(",")' 900002,20,512,2
expect_json '.flavor."OS-FLV-EXT-DATA:ephemeral"' 1
expect_json '.flavor.rxtx_factor' 2.5
expect_json '.flavor."os-flavor-access:is_public"' true
expect_json '.flavor.links[0].href' "$API/v2.1/flavors/t220-b"
api GET /v2.1/flavors/t220-a "" 2.74
expect_json '.flavor.swap | type' string
expect_json '.flavor.swap' ''
api GET /v2.1/flavors/t220-b "" 2.54
expect_json '.flavor | has("description") or has("extra_specs")' false
api GET /v2.1/flavors/t220-a "" 2.75
expect_json '.flavor.swap | type' number
expect_json '.flavor.swap' 0
api GET /v2.1/flavors/t220-b "" 2.55
expect_json '.flavor.description' bee
expect_json '.flavor | has("extra_specs")' false
api GET /v2.1/flavors/t220-a "" 2.55
expect_json '.flavor.description' null
api GET /v2.1/flavors/t220-b "" 2.61
expect_json '.flavor.extra_specs."hw:cpu_policy"' dedicated
API=$API2 api GET /v2.1/flavors/t220-b "" 2.101
expect_json '.flavor.rxtx_factor' 2.5
expect_json '.flavor."OS-FLV-DISABLED:disabled"' false
API=$API2 api GET /v2.1/flavors/t220-d "" 2.102
expect_json '.flavor | has("rxtx_factor") or has("OS-FLV-DISABLED:disabled")' false
API=$API2 api GET "/v2.1/flavors/t220-b?x=1" "" 2.101
expect_status 200
API=$API2 api GET "/v2.1/flavors/t220-b?x=1" "" 2.102
expect_fault badRequest 400 "Additional properties are not allowed ('x' was unexpected)"
api GET /v2.1/flavors/nope
expect_fault itemNotFound 404 'Flavor nope could not be found.'
api GET /v2.1/flavors/t220-c "" "" "$OTHER"
expect_fault itemNotFound 404 'Flavor t220-c could not be found.'
api GET /v2.1/flavors/t220-c "" "" "$OWN"
expect_status 200
api GET /v2.1/flavors/t220-d "" "" "$OWN"          # shown, though not listed
expect_json '.flavor."OS-FLV-DISABLED:disabled"' true

# ---- detail per microversion -----------------------------------------------------------
api GET "/v2.1/flavors/detail?$F" "" 2.1
expect_json '[.flavors[].swap] | map(tostring) | join(",")' ',512,'
expect_json '[.flavors[] | has("description")] | any' false
api GET "/v2.1/flavors?$F" "" 2.55
expect_json '[.flavors[].description] | map(tostring) | join(",")' 'null,bee,null'
api GET "/v2.1/flavors/detail?$F" "" 2.61
expect_json '[.flavors[].extra_specs | length] | join(",")' 0,1,0
api GET "/v2.1/flavors/detail?$F" "" 2.75
expect_json '[.flavors[].swap] | join(",")' 0,512,0
API=$API2 api GET "/v2.1/flavors/detail?$F" "" 2.102
expect_json '[.flavors[] | has("rxtx_factor")] | any' false

# ---- filters and sorting ----------------------------------------------------------------
api GET "/v2.1/flavors?is_public=none&minRam=900002&minDisk=25"
ids t220-c,t220-d
api GET "/v2.1/flavors?is_public=none&minRam=%20%2B900_004%20"   # Python's int()
ids t220-d,t220-e
api GET "/v2.1/flavors?minRam=abc"
expect_fault badRequest 400 'Invalid minRam filter [abc]'
api GET "/v2.1/flavors?minDisk=1.5"
expect_fault badRequest 400 'Invalid minDisk filter [1.5]'
api GET "/v2.1/flavors?$F&is_public=none&sort_key=memory_mb&sort_dir=desc"
ids t220-e,t220-d,t220-c,t220-b,t220-a
api GET "/v2.1/flavors?$F&is_public=none&sort_key=root_gb"
ids t220-e,t220-a,t220-b,t220-c,t220-d
# NULL descriptions first ascending, last descending (MySQL's order, under Nova)
api GET "/v2.1/flavors?$F&is_public=none&sort_key=description"
ids t220-a,t220-d,t220-e,t220-b,t220-c
api GET "/v2.1/flavors?$F&is_public=none&sort_key=description&sort_dir=desc"
ids t220-c,t220-b,t220-e,t220-d,t220-a
api GET "/v2.1/flavors?$F&is_public=none&sort_key=description&marker=t220-d&limit=2"
ids t220-e,t220-b
api GET "/v2.1/flavors?$F&sort_key=bogus"
expect_fault badRequest 400 "Invalid input for query parameters sort_key. Value: bogus. 'bogus' is not one of ['created_at', 'description', 'disabled', 'ephemeral_gb', 'flavorid', 'id', 'is_public', 'memory_mb', 'name', 'root_gb', 'rxtx_factor', 'swap', 'updated_at', 'vcpu_weight', 'vcpus']"
api GET "/v2.1/flavors?$F&sort_dir=up"
expect_fault badRequest 400 "Invalid input for query parameters sort_dir. Value: up. 'up' is not one of ['asc', 'desc']"
API=$API2 api GET "/v2.1/flavors?$F&sort_key=rxtx_factor" "" 2.101
expect_status 200
API=$API2 api GET "/v2.1/flavors?$F&sort_key=rxtx_factor" "" 2.102
expect_status 400
expect_json '.badRequest.message | startswith("Invalid input for query parameters sort_key. Value: rxtx_factor.")' true
# name: a filter from 2.102; stripped before 2.75, refused from 2.75
API=$API2 api GET "/v2.1/flavors?$F&is_public=none&name=%5Et220%20%5Bab%5D" "" 2.102
ids t220-a,t220-b
api GET "/v2.1/flavors?$F&is_public=none&name=%5Et220%20%5Bab%5D" "" 2.74
ids t220-a,t220-b,t220-c,t220-d,t220-e
api GET "/v2.1/flavors?$F&name=x&foo=1" "" 2.75
expect_fault badRequest 400 "Additional properties are not allowed ('name', 'foo' were unexpected)"
API=$API2 api GET "/v2.1/flavors?$F&name=(" "" 2.102
expect_status 400
expect_json '.badRequest.message | startswith("Invalid regular expression in filter")' true

# ---- paging ---------------------------------------------------------------------------------
api GET "/v2.1/flavors?$F&is_public=none&limit=2"
ids t220-a,t220-b
expect_json '.flavors_links[0].rel' next
NEXT=$(jq -r '.flavors_links[0].href' "$BODY")
# (Nova: the sorted query, then a marker it lacked added last)
[[ $NEXT == "$API/v2.1/flavors?is_public=none&limit=2&minRam=900000&marker=t220-b" ]] \
    || fail "next link $NEXT"
ok
api GET "${NEXT#"$API"}"
ids t220-c,t220-d
api GET "$(jq -r '.flavors_links[0].href' "$BODY" | sed "s|^$API||")"
ids t220-e
expect_json 'has("flavors_links")' false
api GET "/v2.1/flavors/detail?$F&is_public=none&limit=1&sort_key=memory_mb&sort_dir=desc"
ids t220-e
expect_json '.flavors_links[0].href' \
    "$API/v2.1/flavors/detail?is_public=none&limit=1&minRam=900000&sort_dir=desc&sort_key=memory_mb&marker=t220-e"
# [api] max_limit bounds a page, asked for or not, and a full page has a link
API=$API2 api GET "/v2.1/flavors/detail?$F&is_public=none"
ids t220-a,t220-b,t220-c
expect_json '.flavors_links[0].href' \
    "$API2/v2.1/flavors/detail?is_public=none&minRam=900000&marker=t220-c"
API=$API2 api GET "/v2.1/flavors?$F&is_public=none&limit=10&marker=t220-b"
ids t220-c,t220-d,t220-e
expect_json '.flavors_links[0].href' \
    "$API2/v2.1/flavors?is_public=none&limit=10&marker=t220-e&minRam=900000"
api GET "/v2.1/flavors?$F&limit=0"                       # Nova's LIMIT 0
expect_json '.flavors | length' 0
expect_json 'has("flavors_links")' false
api GET "/v2.1/flavors?$F&limit=99999999999"             # max_limit caps it
ids t220-a,t220-b,t220-d
api GET "/v2.1/flavors?$F&limit=-1"
expect_fault badRequest 400 "Invalid input for query parameters limit. Value: -1. '-1' does not match '^[0-9]*\$'"
api GET "/v2.1/flavors?$F&limit=x"
expect_fault badRequest 400 "Invalid input for query parameters limit. Value: x. 'x' does not match '^[0-9]*\$'"
api GET "/v2.1/flavors?$F&marker=nope"
expect_fault badRequest 400 'marker [nope] not found'
# with a name filter too: still the marker's fault, not the pattern's
API=$API2 api GET "/v2.1/flavors?$F&name=x&marker=nope" "" 2.102
expect_fault badRequest 400 'marker [nope] not found'
api GET "/v2.1/flavors?$F&marker=t220-e" "" "" "$OTHER"   # a flavor it cannot see
expect_fault badRequest 400 'marker [t220-e] not found'

# ---- extra specs and the access list ------------------------------------------------------
api GET /v2.1/flavors/t220-b/os-extra_specs "" "" "$OTHER"
expect_status 200
expect_json '.extra_specs | tojson' '{"hw:cpu_policy":"dedicated"}'
api GET /v2.1/flavors/t220-b/os-extra_specs/hw:cpu_policy
expect_json '. | tojson' '{"hw:cpu_policy":"dedicated"}'
api GET /v2.1/flavors/t220-b/os-extra_specs/nope
expect_fault itemNotFound 404 'Flavor t220-b has no extra specs with key nope.'
api GET /v2.1/flavors/t220-c/os-extra_specs "" "" "$OTHER"
expect_fault itemNotFound 404 'Flavor t220-c could not be found.'
api GET /v2.1/flavors/t220-c/os-flavor-access
expect_json '.flavor_access | tojson' '[{"flavor_id":"t220-c","tenant_id":"a220"}]'
api GET /v2.1/flavors/t220-e/os-flavor-access
expect_json '.flavor_access | length' 0
api GET /v2.1/flavors/t220-a/os-flavor-access
expect_fault itemNotFound 404 'Access list not available for public flavors.'
api GET /v2.1/flavors/t220-c/os-flavor-access "" "" "$OWN"
expect_fault forbidden 403 "Policy doesn't allow os_compute_api:os-flavor-access to be performed."

# ---- the stock clients ----------------------------------------------------------------------
S=$(cat /proc/sys/kernel/random/uuid)
sql "INSERT INTO instances (uuid, display_name, domain_name, project_id, user_id, host, node,
         flavor_id, memory_mb, vcpus, power_state, vm_state, launched_at)
     SELECT '$S', 't220-vm', 't220-vm', 'admin', 'admin', 'h1', 'h1.node', id, 900002, 2, 1,
            'active', now() FROM flavors WHERE flavorid = 't220-b'"
need_openstack
client_api
LAST="openstack flavor list --min-ram 900000"
osc flavor list --min-ram 900000 -f json > "$BODY" || fail "$(cat "$T_TMP/osc.err")"
expect_json '[.[].ID] | join(",")' t220-a,t220-b,t220-d
expect_json '.[1].Name' 't220 bee'
LAST="openstack flavor list --all --long --min-ram 900000"
osc flavor list --all --long --min-ram 900000 -f json > "$BODY" \
    || fail "$(cat "$T_TMP/osc.err")"
expect_json '[.[].ID] | join(",")' t220-a,t220-b,t220-c,t220-d,t220-e
expect_json '.[1].Properties."hw:cpu_policy"' dedicated
LAST="openstack flavor show t220-b"
osc flavor show t220-b -f json > "$BODY" || fail "$(cat "$T_TMP/osc.err")"
expect_json '[.name, .ram, .disk, .vcpus, .swap, .description] | join(",")' \
    't220 bee,900002,20,2,512,bee'
expect_json '.properties."hw:cpu_policy"' dedicated
LAST="openstack flavor show 't220 cee'"
osc flavor show 't220 cee' -f json > "$BODY" || fail "$(cat "$T_TMP/osc.err")"
expect_json '.id' t220-c
expect_json '.access_project_ids | join(",")' a220
LAST="openstack flavor show t220-nope"
osc flavor show t220-nope > /dev/null && fail "an unknown flavor was shown"
grep -q "No Flavor found for t220-nope" "$T_TMP/osc.err" || fail "$(cat "$T_TMP/osc.err")"
ok
# below 2.47 a server names its flavor by id: the client looks the name up
LAST="openstack --os-compute-api-version 2.1 server list --name t220-vm"
osc --os-compute-api-version 2.1 server list --name t220-vm -f json > "$BODY" \
    || fail "$(cat "$T_TMP/osc.err")"
expect_json '.[0].ID' "$S"
expect_json '.[0].Flavor' 't220 bee'
done_ok
