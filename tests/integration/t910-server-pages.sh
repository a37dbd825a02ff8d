#!/bin/bash
# t910: GET /servers and /servers/detail are pages of at most [api] max_limit
# (3 on a ferry-api of this script's own), newest first, with Nova's "next"
# link while a page is full, whether or not the client gave a limit; the
# detail's host_status (2.16) comes with the page (one query, not one per
# server); bad markers and absurd limits are Nova's 400s.
source "$(dirname "$0")/lib.sh"
source "$REPO/tests/lib/env.sh"

API4_PID=
trap '[[ -n $API4_PID ]] && kill "$API4_PID" 2>/dev/null; rm -rf "$T_TMP"' EXIT
API4_PORT=$(free_port $((${API##*:} + 300)))
printf '[DEFAULT]\nosapi_compute_listen_port = %s\nservice_down_time = 3600\n\n[api]\nmax_limit = 3\n' \
    "$API4_PORT" > "$T_TMP/api4.conf"
"${FERRY_BUILD:-$REPO/build}/ferry-api" --config-file "$FERRY_STATE/etc/ferry.conf" \
    --config-file "$T_TMP/api4.conf" > "$T_TMP/api4.log" 2>&1 &
API4_PID=$!
API4=http://127.0.0.1:$API4_PORT
wait_for "ferry-api on :$API4_PORT" 30 "curl -fs -o /dev/null $API4/"

seed_hosts
P=t910p$$
sql "INSERT INTO compute_hosts (uuid, host, hypervisor_hostname, libvirt_uri, migration_addr,
         host_ip, memory_mb, vcpus, hypervisor_type, hypervisor_version, heartbeat_at,
         disabled, disabled_reason)
     VALUES (gen_random_uuid(), 't910-maint', 't910-maint.node', 'qemu+tcp://x/system', 'x',
             '127.0.0.1', 1024, 1, 'QEMU', 7002022, now(), true, 't910')
     ON CONFLICT (host) DO NOTHING"
declare -a IDS          # newest first, as the API lists them
for h in h1 h-down t910-maint t910-gone h1 h1 h1; do
    IDS=("$(seed_instance "$P-$h" "$h" "$P")" "${IDS[@]}")
done
TOK="t910u:$P"

# every page: at most 3, the next link while full; followed to the end
got=() pages=0
url="$API4/v2.1/servers"
while [[ -n $url ]]; do
    code=$(curl -s -o "$BODY" -w '%{http_code}' -H "X-Auth-Token: $TOK" "$url")
    [[ $code == 200 ]] || fail "GET $url: $code"
    n=$(jq '.servers | length' "$BODY")
    [[ $n -le 3 ]] || fail "a page of $n servers, max_limit 3"
    mapfile -t -O "${#got[@]}" got < <(jq -r '.servers[].id' "$BODY")
    url=$(jq -r '.servers_links[0].href // empty' "$BODY")
    if [[ $n == 3 ]]; then
        [[ -n $url ]] || fail "a full page without servers_links"
        [[ $(jq -r '.servers_links[0].rel' "$BODY") == next ]] || fail "link rel"
    else
        [[ -z $url ]] || fail "a page of $n (not full) with a next link"
    fi
    pages=$((pages + 1))
    [[ $pages -le 5 ]] || fail "more pages than servers"
done
[[ "${got[*]}" == "${IDS[*]}" ]] || fail "pages gave ${got[*]}, expected ${IDS[*]}"
[[ $pages == 3 ]] || fail "$pages pages for 7 servers by 3"
ok

# limit above max_limit: still 3; limit=0 is max_limit (Nova); the link keeps the query
# (Python's int() takes any length: Nova caps it too)
API=$API4 api GET '/v2.1/servers?limit=999999999999999999999' "" "" "$TOK"
expect_json '.servers | length' 3
API=$API4 api GET '/v2.1/servers?limit=1000' "" "" "$TOK"
expect_json '.servers | length' 3
API=$API4 api GET "/v2.1/servers?limit=2&name=$P" "" "" "$TOK"
expect_json '.servers | length' 2
expect_json '.servers_links[0].href' "$API4/v2.1/servers?limit=2&name=$P&marker=${IDS[1]}"
API=$API4 api GET '/v2.1/servers?limit=-1' "" "" "$TOK"
expect_fault badRequest 400
API=$API4 api GET '/v2.1/servers?marker=bogus' "" "" "$TOK"
expect_fault badRequest 400 "marker [bogus] not found"
API=$API4 api GET "/v2.1/servers?marker=00000000-0000-4000-8000-0000000009a0" "" "" "$TOK"
expect_fault badRequest 400 "marker [00000000-0000-4000-8000-0000000009a0] not found"
API=$API4 api GET "/v2.1/servers?marker=%27%20OR%201=1--" "" "" "$TOK"
expect_fault badRequest 400 "marker [' OR 1=1--] not found"
# with a name filter too: the marker's fault, not the pattern's
API=$API4 api GET "/v2.1/servers?name=$P&marker=00000000-0000-4000-8000-0000000009a0" "" "" "$TOK"
expect_fault badRequest 400 "marker [00000000-0000-4000-8000-0000000009a0] not found"

# detail: the same pages, host_status (admin) from the page's own query
Q="all_tenants=1&name=%5E$P-"
API=$API4 api GET "/v2.1/servers/detail?$Q&marker=${IDS[2]}" "" 2.16
expect_status 200
expect_json '[.servers[] | .name + "=" + .host_status] | join(",")' \
    "$P-t910-gone=UNKNOWN,$P-t910-maint=MAINTENANCE,$P-h-down=DOWN"
expect_json '.servers_links[0].href' \
    "$API4/v2.1/servers/detail?all_tenants=1&marker=${IDS[5]}&name=%5E$P-"
API=$API4 api GET "/v2.1/servers/detail?$Q&marker=${IDS[5]}" "" 2.16
expect_json '[.servers[] | .name + "=" + .host_status] | join(",")' "$P-h1=UP"
expect_json 'has("servers_links")' false
API=$API4 api GET "/v2.1/servers/detail?$Q&limit=1" "" 2.15
expect_json '.servers[0] | has("host_status")' false
done_ok
