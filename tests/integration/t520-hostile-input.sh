#!/bin/bash
# t520: hostile input: bytes that are not UTF-8 in paths, query strings and
# headers, too many query parameters, impossible dates, control characters
# meant for the log, %00, conflicting Content-Length, bodies announced too
# large, and a catalogue of about 2,900 requests (SQL injection, path
# traversal, absurd limits and markers in every id and query parameter,
# malformed JSON, bad microversions, huge headers).  Every answer is a Nova
# fault or a normal answer with a body, and ferry-api stays up.
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
# a long one: the links hold the whole path (a fixed buffer once cut it inside
# a U+FFFD, and the 300 lost its body; found by tests/fuzz/fuzz_router)
api GET "/$(printf '%%FF%.0s' {1..500})" "" "" ""
expect_status 300
expect_json '.choices[1].links[0].href | length' $(( ${#API} + 6 + 500 ))
api_alive

# a Host header that is not UTF-8: links (and so the body) still made.  Not
# logged for the contract check: the links carry the client's own bad host
# (as U+FFFD), so they cannot be the URIs the schema asks for.
code=$(curl -s -o "$BODY" -D "$HDRS" -w '%{http_code}' -H "X-Auth-Token: $TOKEN" \
       -H $'Host: ferry\xff.test' "$API/v2.1/servers")
STATUS=$code LAST="GET /v2.1/servers (Host: ferry\xff.test)"
[[ $code == 200 ]] || fail "bad Host header: status $code"
expect_json '.servers | type' array
code=$(curl -s -o "$BODY" -D "$HDRS" -w '%{http_code}' -H $'Host: ferry\xff.test' "$API/")
STATUS=$code LAST="GET / (Host: ferry\xff.test)"
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

# a name filter PostgreSQL cannot compile is the caller's mistake, said plainly
api GET "/v2.1/servers?name=%28unclosed" "" 2.80
# (PostgreSQL's words: the tests' cluster runs in the C.UTF-8 locale)
expect_fault badRequest 400 "Invalid regular expression in filter 'name': parentheses () not balanced"

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

# dates: a day that does not exist is the schema's 400, as in Nova, not
# PostgreSQL's 'database query failed'; what Python accepts works
api GET '/v2.1/os-migrations?changes-since=2024-02-30T00:00:00' "" 2.59
expect_fault badRequest 400 "Invalid input for query parameters changes-since. Value: 2024-02-30T00:00:00. '2024-02-30T00:00:00' is not a 'date-time'"
api GET '/v2.1/os-migrations?changes-before=2023-02-29' "" 2.66
expect_fault badRequest 400 "Invalid input for query parameters changes-before. Value: 2023-02-29. '2023-02-29' is not a 'date-time'"
api GET '/v2.1/os-migrations?changes-since=2016-01-29T23:59:60' "" 2.59
expect_fault badRequest 400
api GET "/v2.1/servers/$MI/os-instance-actions?changes-since=2024-04-31" "" 2.58
expect_fault badRequest 400 "Invalid input for query parameters changes-since. Value: 2024-04-31. '2024-04-31' is not a 'date-time'"
api GET "/v2.1/os-migrations?instance_uuid=$MI&changes-since=2024-02-29T00:00:00%2B16:00" "" 2.59
expect_status 200
expect_json '.migrations | length' 1
api GET "/v2.1/os-migrations?instance_uuid=$MI&changes-before=2024-02-29T00:00:00Z" "" 2.66
expect_json '.migrations | length' 0
api GET "/v2.1/servers/$MI/os-instance-actions?changes-since=2024-02-29T12:00:00-15:30" "" 2.58
expect_status 200

# ---- what MHD's decoding and body reading used to let through -----------------------

# raw REQUEST-TEXT: send it byte for byte ($'...' quoting), within 5 s; sets
# $STATUS and $BODY as api() does
raw() {
    LAST="raw: ${1%%$'\r'*}"
    printf '%s' "$1" | python3 "$REPO/tests/hostile/raw.py" 127.0.0.1 "${API##*:}" 5 \
        > "$T_TMP/raw" || fail "no answer within 5 s"
    STATUS=$(head -c 12 "$T_TMP/raw" | cut -d' ' -f2)
    sed '1,/^\r$/d' "$T_TMP/raw" > "$BODY"
    [[ -s $BODY ]] || fail "an empty body (status $STATUS)"
}
H=$'Host: ferry.test\r\nX-Auth-Token: admin:admin\r\nContent-Type: application/json\r\n'
X=00000000-0000-4000-8000-000000000000

# %00 would be a NUL that cuts MHD's decoded string (/os-hypervisors/1%00junk
# answered as /os-hypervisors/1): in a path it is no resource, in a query a 400
api GET '/v2.1/os-hypervisors/1%00junk' "" 2.1
expect_fault itemNotFound 404 "The resource could not be found."
api GET "/v2.1/servers/$X%00/migrations" "" 2.80
expect_fault itemNotFound 404
api GET '/v2.1/servers?name=a%00b' "" 2.80
expect_fault badRequest 400 "Invalid query string: %00 (a NUL character) is not accepted."
api GET '/v2.1/os-migrations?status=%00' "" 2.59
expect_fault badRequest 400
# an invalid escape is read as its characters, as webob reads it
api GET '/v2.1/servers/%zz%G0%' "" 2.80
expect_fault itemNotFound 404 "Instance %zz%G0% could not be found."
api_alive

# two Content-Length headers that disagree: where does the body end?  A 400
raw "POST /v2.1/servers/$X/action HTTP/1.1"$'\r\n'"${H}Content-Length: 2"$'\r\nContent-Length: 40\r\nConnection: close\r\n\r\n{}'
expect_fault badRequest 400 "Malformed request: conflicting Content-Length headers."
# a body announced larger than max_request_body_size: the 413 comes at once,
# not after the server has read (here: waited for) the gigabyte
raw "POST /v2.1/servers/$X/action HTTP/1.1"$'\r\n'"${H}Content-Length: 1000000000"$'\r\n\r\n{"os-'
expect_fault overLimit 413 "Request is too large."
# (a length beyond 64 bits: libmicrohttpd's own 413 page, before Ferry sees it)
raw "POST /v2.1/servers/$X/action HTTP/1.1"$'\r\n'"${H}Content-Length: 99999999999999999999999"$'\r\n\r\n'
expect_status 413
# a chunked body that grows past the limit: a 413 at its end, nothing stored
big=$(head -c 120000 /dev/zero | tr '\0' x)
raw "POST /v2.1/servers/$X/action HTTP/1.1"$'\r\n'"${H}Transfer-Encoding: chunked"$'\r\nConnection: close\r\n\r\n'"$(printf '%x' ${#big})"$'\r\n'"$big"$'\r\n0\r\n\r\n'
expect_fault overLimit 413 "Request is too large."
api_alive

# ---- the catalogue: every id and every query parameter, each hostile value ----------
# Each answer: not a 5xx, a body, JSON (a Nova fault or the resource); the
# server alive after each batch.  SQL is only ever a bound parameter, so an
# injection is just a name that matches nothing.
BIGV=$(head -c 6000 /dev/zero | tr '\0' A)
HOSTILE=("'" "' OR '1'='1" "1; DROP TABLE instances;--" "1' UNION SELECT version()--"
         "../../../../etc/passwd" "..%2F..%2Fetc%2Fpasswd" "%FF%FE%C3" "$BIGV" "-1" "0"
         "99999999999999999999999999" "1e309" "NaN" "null" "{}" "[]" $'\r\nSet-Cookie: x=1'
         "\\x00" "%" "%zz" "😀" "$(printf '\xed\xa0\x80')" " " "latest" "2.1")
n_cat=0
catalogue() {   # METHOD URL [BODY] [MICROVERSION]: one hostile request, judged
    local code args=(-s -o "$BODY" -w '%{http_code}' -X "$1" -H "X-Auth-Token: $TOKEN"
                     -H 'Accept: application/json')
    [[ -n ${4:-} ]] && args+=(-H "OpenStack-API-Version: compute $4")
    [[ -n ${3:-} ]] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
    LAST="$1 $2 ${3:0:80} (${4:-no version})"
    code=$(curl "${args[@]}" "$API$2") || fail "no answer (curl failed)"
    [[ $code -ge 200 && $code -lt 500 ]] || fail "status $code"
    [[ -s $BODY || $code == 202 || $code == 204 ]] || fail "an empty body (status $code)"
    # a JSON object (without a jq per request: there are thousands)
    local c=""
    read -r -n1 c < "$BODY"
    [[ ! -s $BODY || $c == "{" ]] || fail "not a JSON object (status $code)"
    n_cat=$((n_cat + 1))
}
enc() { jq -rn --arg v "$1" '$v | @uri'; }
CS=$(seed_instance t520-cat h1 admin)
ID_PATHS=("/v2.1/servers/@" "/v2.1/servers/@/migrations" "/v2.1/servers/$CS/migrations/@"
          "/v2.1/servers/@/os-instance-actions" "/v2.1/servers/$CS/os-instance-actions/@"
          "/v2.1/os-hypervisors/@" "/v2.1/os-hypervisors/@/uptime"
          "/v2.1/os-hypervisors/@/search" "/v2.1/os-hypervisors/@/servers" "/v2.1/flavors/@"
          "/v2.1/@" "/v2/@" "/v2.1/@/servers")
QUERIES=("/v2.1/servers name all_tenants host limit marker"
         "/v2.1/servers/detail name all_tenants host limit marker"
         "/v2.1/os-migrations status host source_compute instance_uuid migration_type hidden
          limit marker changes-since changes-before user_id project_id"
         "/v2.1/servers/$CS/os-instance-actions limit marker changes-since changes-before"
         "/v2.1/servers/$CS/migrations x"
         "/v2.1/os-hypervisors limit marker hypervisor_hostname_pattern with_servers"
         "/v2.1/os-hypervisors/detail limit marker hypervisor_hostname_pattern with_servers"
         "/v2.1/flavors minRam minDisk is_public limit marker sort_key sort_dir"
         "/v2.1/os-services host binary")
for mv in 2.1 2.96; do
    for v in "${HOSTILE[@]}"; do
        e=$(enc "$v")
        for p in "${ID_PATHS[@]}"; do
            catalogue GET "${p//@/$e}" "" "$mv"
        done
        catalogue DELETE "/v2.1/servers/$CS/migrations/$e" "" "$mv"
        catalogue PUT "/v2.1/os-services/$e" "{\"status\": \"disabled\"}" "$mv"
        catalogue POST "/v2.1/servers/$e/action" \
            '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' "$mv"
        for q in "${QUERIES[@]}"; do
            read -r -a words <<< "$q"
            for key in "${words[@]:1}"; do
                catalogue GET "${words[0]}?$key=$e" "" "$mv"
            done
        done
    done
    api_alive
done
# the same values as a body's strings, and as whole bodies
for v in "${HOSTILE[@]}"; do
    j=$(jq -cn --arg v "$v" '$v')
    catalogue POST "/v2.1/servers/$CS/action" "{\"os-migrateLive\": {\"host\": $j, \"block_migration\": $j}}" 2.30
    catalogue POST "/v2.1/servers/$CS/action" "{\"os-migrateLive\": {\"host\": null, \"block_migration\": \"auto\", $j: 1}}" 2.25
    catalogue POST "/v2.1/servers/$CS/action" "{$j: null}" 2.25
    catalogue PUT /v2.1/os-services/disable "{\"host\": $j, \"binary\": $j}" 2.1
    catalogue POST "/v2.1/servers/$CS/migrations/1/action" "{\"force_complete\": $j}" 2.22
    catalogue POST "/v2.1/servers/$CS/action" "$v" 2.30
done
# malformed JSON, and bodies no parser should choke on
deep=$(printf '[%.0s' {1..5000})
for b in '{' '{"os-migrateLive": ' '{"os-migrateLive": {"host": "h2",}}' "$deep" \
         '{"os-migrateLive": {"host": "\ud800", "block_migration": "auto"}}' \
         '{"os-migrateLive": {"host": "a\u0000b", "block_migration": "auto"}}' \
         $'{"os-migrateLive": {"host": "\xff\xfe", "block_migration": "auto"}}' \
         '{"os-migrateLive": {"host": 1e999999, "block_migration": "auto"}}' \
         '{"os-migrateLive": {"host": null, "block_migration": "auto"}, "x": 1}' \
         '{"os-migrateLive": {"host": null, "host": "h2", "block_migration": "auto"}}' \
         "$(jq -cn --arg h "$BIGV$BIGV$BIGV$BIGV$BIGV" '{"os-migrateLive": {host: $h}}')"; do
    catalogue POST "/v2.1/servers/$CS/action" "$b" 2.30
done
# bad microversions
for v in "2.0" "2.999" "3.0" "1.1" "2" "2." ".1" "02.1" "2.01" "latest2" "LATEST" "2.1.1" \
         "$BIGV" "compute 2.1" "-2.1" " 2.1" "2.1 " "2,1" "२.१"; do
    catalogue GET /v2.1/servers "" "$v"
    catalogue GET /v2.1 "" "$v"
done
api_alive
# headers too large for libmicrohttpd's buffer: its own 4xx page, the server alive
code=$(curl -s -o "$BODY" -w '%{http_code}' -H "X-Big: $BIGV$BIGV$BIGV$BIGV$BIGV$BIGV" \
       "$API/v2.1/servers")
[[ $code -ge 400 && $code -lt 500 && -s $BODY ]] || fail "a 36 KB header: '$code'"
ok
api_alive
echo "  $T_NAME: $n_cat hostile requests in the catalogue, no 5xx, no empty body"

# ---- the pool: a second ferry-api of this test's own, on a scratch database
# no scheduler watches (so a pre-2.34 os-migrateLive waits its whole
# rpc_response_timeout), with a pool of one connection ------------------------------

source "$REPO/tests/lib/env.sh"
DB2=ferry_t520_$$
PORT2=$(free_port $((FERRY_API_PORT + 100)))
API2=http://127.0.0.1:$PORT2
API2_PID=
DB2URL="host=127.0.0.1 port=$PGPORT dbname=$DB2 user=postgres"
t520_cleanup() {
    [[ -n $API2_PID ]] && kill "$API2_PID" 2>/dev/null && wait "$API2_PID" 2>/dev/null
    psql -h 127.0.0.1 -p "$PGPORT" -U postgres -qc "DROP DATABASE IF EXISTS $DB2" >/dev/null 2>&1
    rm -rf "$T_TMP"
}
trap t520_cleanup EXIT
sql2() { psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d "$DB2" -Atq -c "$1"; }
psql -h 127.0.0.1 -p "$PGPORT" -U postgres -qc "CREATE DATABASE $DB2" || fail "createdb $DB2"
FERRY_DATABASE_CONNECTION=$DB2URL "${FERRY_BUILD:-$REPO/build}/ferry-manage" \
    --config-file "$FERRY_STATE/etc/ferry.conf" db sync >/dev/null 2>&1 || fail "db sync $DB2"
cat > "$T_TMP/api2.conf" <<CONF
[DEFAULT]
osapi_compute_listen_port = $PORT2
rpc_response_timeout = 8

[database]
connection = $DB2URL
max_pool_size = 1
pool_timeout = 1
CONF
"${FERRY_BUILD:-$REPO/build}/ferry-api" --config-file "$FERRY_STATE/etc/ferry.conf" \
    --config-file "$T_TMP/api2.conf" > "$T_TMP/api2.log" 2>&1 &
API2_PID=$!
wait_for "the second ferry-api" 10 "curl -fs -o /dev/null $API2/"
P1=$( (sql() { sql2 "$@"; }; seed_hosts >/dev/null; seed_instance t520-p1 h1 admin) )
P2=$( (sql() { sql2 "$@"; }; seed_instance t520-p2 h1 admin) )
LEGACY='{"os-migrateLive": {"host": null, "block_migration": false, "disk_over_commit": false}}'
post_legacy() {     # $1 = server, $2 = file for the status; in the background
    curl -s -o "$2.body" -D "$2.hdrs" -w '%{http_code}' -X POST -H "X-Auth-Token: $TOKEN" \
         -H 'Content-Type: application/json' --data-binary "$LEGACY" \
         "$API2/v2.1/servers/$1/action" > "$2"
}
waiting() {     # $1 = server: its migration is accepted, the API waits on it
    [[ $(sql2 "SELECT count(*) FROM migrations WHERE instance_uuid = '$1'
               AND status = 'accepted'") == 1 ]]
}
hold_pool() {   # a request stuck behind a lock holds the one pooled connection
    # (until release_pool: a lock for a fixed time would race the checks)
    PGAPPNAME=t520-lock psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d "$DB2" -qc \
        "BEGIN; LOCK TABLE instances IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(120); COMMIT" \
        >/dev/null 2>&1 &
    LOCKER=$!
    wait_for "the lock" 10 "[[ \$(sql2 \"SELECT count(*) FROM pg_locks l JOIN pg_class c
        ON c.oid = l.relation WHERE c.relname = 'instances' AND l.granted
        AND l.mode = 'AccessExclusiveLock'\") == 1 ]]"
    curl -s -o /dev/null -H "X-Auth-Token: $TOKEN" "$API2/v2.1/servers" &
    HOLDER=$!
    wait_for "a request to hold the pool" 10 "[[ \$(sql2 \"SELECT count(*) FROM pg_stat_activity
        WHERE datname = '$DB2' AND application_name = 'ferry-api' AND wait_event_type = 'Lock'\") == 1 ]]"
}
release_pool() {
    sql2 "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE application_name = 't520-lock'" >/dev/null
    wait "$HOLDER" "$LOCKER"
}

# below 2.34 the API waits for the scheduler, without holding its one pooled
# connection (nor a connection of its own: the process's listener wakes it):
# another request is served meanwhile
post_legacy "$P1" "$T_TMP/p1.status" &
BG=$!
wait_for "the API to wait for the scheduler" 10 "waiting $P1"
code=$(curl -s -o "$BODY" -D "$HDRS" -m 2 -w '%{http_code}' -H "X-Auth-Token: $TOKEN" \
       "$API2/v2.1/servers")
[[ $code == 200 ]] || fail "GET /servers during a pre-2.34 wait: '$code' (the pool is held)"
ok
STATUS=$code LAST="GET /v2.1/servers (API2)"
logged GET /v2.1/servers
[[ $(sql2 "SELECT string_agg(application_name, ',' ORDER BY application_name)
           FROM pg_stat_activity WHERE datname = '$DB2' AND application_name LIKE 'ferry-api%'") \
   == ferry-api,ferry-api-listen ]] || fail "ferry-api's connections during a wait"
ok
wait "$BG"
[[ $(cat "$T_TMP/p1.status") == 202 ]] || fail "pre-2.34 os-migrateLive: $(cat "$T_TMP/p1.status")"
ok
STATUS=202 BODY=$T_TMP/p1.status.body HDRS=$T_TMP/p1.status.hdrs \
    logged POST "/v2.1/servers/$P1/action" "" "$LEGACY"

# the row is committed before the wait: if the wait itself fails (its look
# at the row finds no free connection within pool_timeout), the request was
# still accepted (202, not 503)
post_legacy "$P2" "$T_TMP/p2.status" &
BG=$!
wait_for "the API to wait for the scheduler" 10 "waiting $P2"
hold_pool
sql2 "SELECT pg_notify('ferry_migration', id || ' poked') FROM migrations
      WHERE instance_uuid = '$P2'" >/dev/null
wait "$BG"
release_pool
[[ $(cat "$T_TMP/p2.status") == 202 ]] || fail "wait failed: $(cat "$T_TMP/p2.status"), want 202"
STATUS=202 BODY=$T_TMP/p2.status.body HDRS=$T_TMP/p2.status.hdrs \
    logged POST "/v2.1/servers/$P2/action" "" "$LEGACY"
[[ $(sql2 "SELECT status FROM migrations WHERE instance_uuid = '$P2'") == accepted ]] \
    || fail "the migration of $P2 is not accepted"
ok
grep -q "cannot wait for the scheduler, answering 202 .*no database connection was free" \
    "$T_TMP/api2.log" || fail "the failed wait is not logged"
ok

# every pooled connection busy for pool_timeout (a request stuck behind a
# lock): 503 serviceUnavailable, not a wait without end
hold_pool
API=$API2 api GET /v2.1/servers
expect_fault serviceUnavailable 503 "no database connection was free within 1 s"
release_pool
API=$API2 api GET /v2.1/servers
expect_status 200

done_ok
