#!/bin/bash
# t900: no client can take the API down.  Against a ferry-api of its own
# (the run's is shared with the other scripts): 2,000 idle connections from
# 127.0.0.50 and a slowloris of 300 connections from 127.0.0.51 (a request
# line, then one header byte a second: never idle for MHD's inactivity
# timeout) while a normal client on 127.0.0.1 asks `GET /` on a fresh
# connection, one request after the other: none refused, none reset, none
# unanswered.  Twice: with the default per-address limit (64), and as behind
# a load balancer (no per-address limit), where Ferry's own deadline for a
# request's headers and body cuts the slow and the idle ones.
source "$(dirname "$0")/lib.sh"
source "$REPO/tests/lib/env.sh"

API3_PID=
trap '[[ -n $API3_PID ]] && kill "$API3_PID" 2>/dev/null; rm -rf "$T_TMP"' EXIT
API3_PORT=$(free_port $((${API##*:} + 200)))

# start_api EXTRA_FERRY_OPTIONS: a ferry-api of this script's own
start_api() {
    if [[ -n $API3_PID ]]; then
        kill "$API3_PID"
        wait "$API3_PID" 2>/dev/null
    fi
    printf '[DEFAULT]\nosapi_compute_listen_port = %s\n\n[ferry]\n%s\n' "$API3_PORT" "$1" \
        > "$T_TMP/api3.conf"
    "${FERRY_BUILD:-$REPO/build}/ferry-api" --config-file "$FERRY_STATE/etc/ferry.conf" \
        --config-file "$T_TMP/api3.conf" >> "$T_TMP/api3.log" 2>&1 &
    API3_PID=$!
    wait_for "ferry-api on :$API3_PORT" 30 "curl -fs -o /dev/null http://127.0.0.1:$API3_PORT/"
}

# siege: run conns.py; $R holds its JSON line
siege() {
    R=$(python3 "$REPO/tests/hostile/conns.py" 127.0.0.1 "$API3_PORT" --idle 2000 \
        --idle-from 127.0.0.50 --slow 300 --slow-from 127.0.0.51 --client-from 127.0.0.1 \
        --seconds 10) || fail "conns.py failed"
    echo "  $T_NAME: $1: $R"
    kill -0 "$API3_PID" 2>/dev/null || fail "ferry-api died: $(tail -3 "$T_TMP/api3.log")"
}
field() { jq -r ".$1" <<< "$R"; }

# ---- the defaults: 64 connections per address ------------------------------------------
start_api $'api_request_timeout = 2\napi_max_connections_per_ip = 64'
siege "per-address limit 64"
[[ $(field client_failed) == 0 ]] || fail "the normal client failed $(field client_failed) times"
[[ $(field client_ok) -gt 0 ]] || fail "the normal client got no answer"
ok
[[ $(field idle_alive) -le 64 ]] || fail "$(field idle_alive) idle connections held from one address"
[[ $(field slow_alive) == 0 ]] || fail "$(field slow_alive) slowloris connections outlived the deadline"
ok
curl -fs -o /dev/null "http://127.0.0.1:$API3_PORT/" || fail "no answer after the siege"
ok

# ---- behind a load balancer: every client one address, no per-address limit -------------
start_api $'api_request_timeout = 2\napi_max_connections_per_ip = 0'
siege "no per-address limit"
[[ $(field client_failed) == 0 ]] || fail "the normal client failed $(field client_failed) times"
[[ $(field client_ok) -gt 0 ]] || fail "the normal client got no answer"
ok
# the deadline alone: trickled bytes do not keep a request alive, nor does idling
[[ $(field slow_alive) == 0 ]] || fail "$(field slow_alive) slowloris connections outlived the deadline"
[[ $(field idle_alive) == 0 ]] || fail "$(field idle_alive) idle connections outlived the deadline"
ok

# ---- the total limit: beyond api_max_connections MHD accepts no more (the rest wait
# in the kernel's backlog), so the process never holds more descriptors than it fits
start_api $'api_request_timeout = 30\napi_max_connections_per_ip = 0\napi_max_connections = 100'
base=$(ls /proc/"$API3_PID"/fd | wc -l)
R=$(python3 "$REPO/tests/hostile/conns.py" 127.0.0.1 "$API3_PORT" --idle 500 \
    --idle-from 127.0.0.50 --seconds 1 --server-pid "$API3_PID") || fail "conns.py failed"
echo "  $T_NAME: limit 100: $R (descriptors before: $base)"
[[ $(field server_fds) -le $((base + 100)) ]] ||
    fail "ferry-api held $(field server_fds) descriptors, $base + 100 at most expected"
[[ $(field server_fds) -ge $((base + 90)) ]] || fail "the limit was not reached: $R"
ok
kill -0 "$API3_PID" 2>/dev/null || fail "ferry-api died"
done_ok
