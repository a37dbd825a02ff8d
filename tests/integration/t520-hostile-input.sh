#!/bin/bash
# t520: hostile input: bytes that are not UTF-8 in paths, query strings and
# headers, too many query parameters, impossible dates, control characters
# meant for the log.  Every answer is a Nova fault or a normal answer with a
# body, and ferry-api stays up.
source "$(dirname "$0")/lib.sh"
seed_hosts
FFFD=$(printf '\xef\xbf\xbd')     # U+FFFD, what an ill-formed byte reads as

# ferry-api still answers (a crash shows as curl failing in the next api call)
api_alive() {
    api GET / "" "" ""
    expect_status 200
}

# ---- bytes that are not UTF-8 are read as U+FFFD, as webob reads them ----------------

# 2.59+ validates query values and once crashed on them (json_string -> NULL)
api GET '/v2.1/os-migrations?status=%FF' "" 2.59
expect_status 200
expect_json '.migrations | length' 0
api GET '/v2.1/os-migrations?status=%C3' "" 2.80
expect_status 200
api_alive
api GET '/v2.1/os-migrations?limit=%FF' "" 2.59
expect_fault badRequest 400 \
    "Invalid input for query parameters limit. Value: $FFFD. '$FFFD' does not match '^[0-9]*\$'"
api GET '/v2.1/os-migrations?changes-since=%FF%FE' "" 2.59
expect_fault badRequest 400 \
    "Invalid input for query parameters changes-since. Value: $FFFD$FFFD. '$FFFD$FFFD' is not a 'date-time'"
api GET '/v2.1/os-migrations?%FF=1' "" 2.59
expect_fault badRequest 400 "Additional properties are not allowed ('$FFFD' was unexpected)"
# below 2.59 the values are only filters
api GET '/v2.1/os-migrations?status=%FF&host=%E2%82' ""
expect_status 200
api_alive

# in the path: Nova's 404 with the text, never an empty body
api GET '/v2.1/servers/%FF'
expect_fault itemNotFound 404 "Instance $FFFD could not be found."
api GET '/v2.1/servers/%FFabc/migrations' "" 2.80
expect_fault itemNotFound 404 "Instance ${FFFD}abc could not be found."
api GET '/v2.1/os-hypervisors/%FF/search' "" 2.1
expect_fault itemNotFound 404
api GET '/%FF' "" "" ""
expect_status 300
expect_json '.choices[1].links[0].href' "$API/v2.1/$FFFD"
api_alive

# a Host header that is not UTF-8: links (and so the body) still made
code=$(curl -s -o "$BODY" -w '%{http_code}' -H "X-Auth-Token: $TOKEN" \
       -H $'Host: ferry\xff.test' "$API/v2.1/servers")
[[ $code == 200 ]] || fail "bad Host header: status $code"
expect_json '.servers | type' array
code=$(curl -s -o "$BODY" -w '%{http_code}' -H $'Host: ferry\xff.test' "$API/")
[[ $code == 200 ]] || fail "bad Host header on /: status $code"
expect_json '.versions[1].links[0].href' "http://ferry${FFFD}.test/v2.1/"

# a message cut to fit is cut between characters: still a fault with its text
LONG=$(printf '\xc3\xa9%.0s' {1..200})       # 200 x é
api POST /v2.1/servers/00000000-0000-4000-8000-000000000000/action \
    "{\"os-migrateLive\": {\"host\": \"$LONG\", \"block_migration\": \"auto\"}}" 2.30
expect_fault badRequest 400
expect_json '.badRequest.message | startswith("Invalid input for field/attribute host. Value: éé")' true

# a database text longer than its buffer is cut between characters: the
# server is still shown (it used to vanish from lists, and show was empty)
LONGNAME=$(printf '\xc3\xa9%.0s' {1..300})
LS=$(seed_instance "$LONGNAME" h1 admin)
api GET "/v2.1/servers/$LS" "" 2.80
expect_status 200
expect_json '.server.name | length' 127
api GET "/v2.1/servers/detail?name=^$(printf '%%C3%%A9%.0s' {1..5})" "" 2.80
expect_json '[.servers[] | select(.id == "'"$LS"'")] | length' 1

# a noauth2 token that is not UTF-8: its ids are stored as U+FFFD, not
# refused by PostgreSQL as a 400 "database query failed"
TS=$(seed_instance t520-token h1 admin)
api POST "/v2.1/servers/$TS/action" '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' \
    2.34 $'admin:p\xff'
expect_status 202
[[ $(sql "SELECT project_id FROM migrations WHERE instance_uuid = '$TS'") == "p$FFFD" ]] \
    || fail "the migration's project is not p$FFFD"
ok

# %0A in a path is a newline once MHD has decoded it: the log escapes it, so
# the request stays one line and no one can write a line of their own
APILOG=$FERRY_STATE/log/ferry-api.log
api GET '/v2.1/x%0A2026-01-01T00:00:00.000Z%20ferry-api%5B1%5D%20INFO%20forged-t520%0D%1B'
expect_status 404
rid=$(grep -i '^x-openstack-request-id:' "$HDRS" | tr -d '\r' | awk '{print $2}')
wait_for "the request's log line" 5 "grep -q 'req=$rid' '$APILOG'"
escaped='/v2.1/x\x0a2026-01-01T00:00:00.000Z ferry-api[1] INFO forged-t520\x0d\x1b status=404'
grep "req=$rid" "$APILOG" | grep -qF "$escaped" \
    || fail "request line not escaped: $(grep "req=$rid" "$APILOG")"
grep -q '^2026-01-01T00:00:00.000Z ferry-api\[1\] INFO forged-t520' "$APILOG" \
    && fail "a forged line reached the log"
ok

# more query parameters than a request keeps (32): a 400, never a silent cut
# (the 33rd on would escape the unknown-key check and "the last one wins")
q=$(for i in $(seq 1 39); do printf 'status=s%d&' "$i"; done)
api GET "/v2.1/os-migrations?${q}bogus=1" "" 2.59
expect_fault badRequest 400 "Too many query parameters: at most 32 are accepted."
q=$(for i in $(seq 1 32); do printf 'status=s%d&' "$i"; done)
api GET "/v2.1/os-migrations?${q%&}" "" 2.59
expect_status 200

# os-migrations: project_id and user_id mean something from 2.80 only; before,
# Nova drops them unread (no filter, and no way round index:all_projects)
MI=$(seed_instance t520-owner h1 admin)
sql "INSERT INTO migrations (uuid, instance_uuid, status, source_compute, dest_compute,
         user_id, project_id, created_at, updated_at)
     VALUES (gen_random_uuid(), '$MI', 'completed', 'h1', 'h2', 'u520', 'p520', now(), now())"
api GET "/v2.1/os-migrations?instance_uuid=$MI&project_id=nobody&user_id=nobody" "" 2.1
expect_status 200
expect_json '.migrations | length' 1
api GET "/v2.1/os-migrations?instance_uuid=$MI&project_id=nobody" "" 2.79
expect_fault badRequest 400
api GET "/v2.1/os-migrations?instance_uuid=$MI&project_id=nobody" "" 2.80
expect_json '.migrations | length' 0
api GET "/v2.1/os-migrations?instance_uuid=$MI&user_id=nobody" "" 2.80
expect_json '.migrations | length' 0
api GET "/v2.1/os-migrations?instance_uuid=$MI&project_id=p520&user_id=u520" "" 2.80
expect_json '.migrations | length' 1

done_ok
