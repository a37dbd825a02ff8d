#!/bin/bash
# t532 - tools/stack up never says "Ferry is up" while another process
# answers on its API port: it refuses before starting anything when the port
# (or the second API's, FERRY_APIS=2) is in use, naming the port and
# FERRY_API_PORT; and it declares ready only once the port is listened on by
# its own ferry-api's pid (here: its pid file names a stand-in, a `sleep`
# called ferry-api, while an HTTP server of the test's answers on the port),
# failing otherwise, after stopping what it started (PostgreSQL included).
# States, ports: the test's own; no lab.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/stack_lib.sh"

pg=$(free_port 25600)
api=$(free_port 28900 2)
up() { FERRY_PG_PORT=$pg FERRY_API_PORT=$api FERRY_LAB_HOSTS='' FERRY_DEMO=0 FERRY_PG_FAST=1 \
        "$STACK" up; }

# 1. the API's port answers HTTP: refused at once, nothing started
s_state t532a
listen_on "$api" http
out=$(FERRY_STATE=$state up 2>&1) && fail "up succeeded with :$api taken: $out"
grep -q "Ferry is up" <<< "$out" && fail "up said Ferry is up: $out"
grep -q "port $api is in use on 127.0.0.1 (by pid $LISTENER (python3)); set FERRY_API_PORT" \
    <<< "$out" || fail "up said: $out"
pg_of "$state" && fail "a refused up started PostgreSQL"
ok
kill "$LISTENER"
wait_for "the listener gone" 10 "! listened $api"

# 2. the second API's port (FERRY_APIS=2: FERRY_API_PORT + 1)
s_state t532b
listen_on $((api + 1)) http
out=$(FERRY_STATE=$state FERRY_APIS=2 up 2>&1) && fail "up succeeded with :$((api + 1)) taken"
grep -q "port $((api + 1)) is in use on 127.0.0.1 (by pid $LISTENER (python3)), the 2 APIs" \
    <<< "$out" && grep -q "listen on $api-$((api + 1)) (API_PORT and after); set FERRY_API_PORT" \
    <<< "$out" || fail "up said: $out"
ok
kill "$LISTENER"
wait_for "the listener gone" 10 "! listened $((api + 1))"

# 3. ferry-api's pid file names a process called ferry-api (so up does not
# start one) but the port is answered by another: up must not call that up
s_state t532c
mkdir -p "$state/pids"
(exec -a ferry-api sleep 600) &
standin=$!
disown "$standin"
S_PIDS+=("$standin")
echo "$standin" > "$state/pids/ferry-api.pid"
listen_on "$api" http
out=$(FERRY_STATE=$state up 2>&1) && fail "up succeeded with :$api answered by another: $out"
grep -q "Ferry is up" <<< "$out" && fail "up said Ferry is up: $out"
grep -q "port $api is in use on 127.0.0.1 (by pid $LISTENER (python3)), not by this stack's" \
    <<< "$out" && grep -q "ferry-api (pid $standin" <<< "$out" || fail "up said: $out"
ok
# what this up started is stopped again; what it did not start is named
grep -q "postgresql started" <<< "$out" || fail "up did not get to start PostgreSQL: $out"
pg_of "$state" && fail "the failed up left its PostgreSQL running"
listened "$pg" && fail "something still listens on PostgreSQL's port $pg"
sched=$(grep -o 'ferry-scheduler started (pid [0-9]*' <<< "$out" | grep -o '[0-9]*$')
[[ -n $sched ]] || fail "up did not start ferry-scheduler: $out"
alive "$sched" && fail "the failed up left its ferry-scheduler (pid $sched) running"
grep -q "left running (it ran before this up): ferry-api; make stop" <<< "$out" ||
    fail "up did not name what it left running: $out"
alive "$standin" || fail "up stopped a process it did not start"
ok
done_ok
