#!/bin/bash
# t533 - tools/stack up on a PostgreSQL port something already listens on
# says so, with the setting that chooses another (FERRY_PG_PORT), instead of
# "PostgreSQL did not start: see server.log", and starts nothing.  Its own
# state and ports; no lab.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/stack_lib.sh"

pg=$(free_port 25600)
api=$(free_port 28900)
s_state t533
listen_on "$pg"
out=$(FERRY_STATE=$state FERRY_PG_PORT=$pg FERRY_API_PORT=$api FERRY_LAB_HOSTS='' FERRY_DEMO=0 \
      FERRY_PG_FAST=1 "$STACK" up 2>&1) && fail "up succeeded with :$pg taken: $out"
grep -q "port $pg is in use on 127.0.0.1 (by pid $LISTENER (python3)); set FERRY_PG_PORT" \
    <<< "$out" || fail "up said: $out"
pg_of "$state" && fail "PostgreSQL of the state runs"
listened "$api" && fail "something listens on the API's port $api"
[[ -z $(ls "$state/pids" 2>/dev/null) ]] || fail "up started a process: $(ls "$state/pids")"
ok
done_ok
