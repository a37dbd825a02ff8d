#!/bin/bash
# t534 - tools/stack's settings and failed ups:
# 1. a first up that fails (its lab hosts: one name twice) names
#    FERRY_LAB_HOSTS and stops the PostgreSQL it started;
# 2. its settings do not stick: the next up, nothing running, takes the
#    environment's (no lab, two APIs) and comes up, each API on its port by
#    its own pid; stack.env then holds them for good;
# 3. a FERRY_* variable stack.env overrides is named, with the value in use
#    and how to change it (a stopped system takes an edit of stack.env for
#    APIS, only a fresh state another DEMO); one equal to it is not;
# 4. that edit works: stop, one API and PostgreSQL on another port, up.
# Its own state, ports and lab addresses (none of which get a libvirtd).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/stack_lib.sh"

pg=$(free_port 25600)
pg2=$(free_port 25610)
api=$(free_port 28900 2)
b=$(free_lab_block 2)
s_state t534
env=$state/stack.env
common=(FERRY_STATE="$state" FERRY_PG_PORT="$pg" FERRY_API_PORT="$api" FERRY_DEMO=0
        FERRY_PG_FAST=1 FERRY_LAB_LINK=none)

# 1.
out=$(env "${common[@]}" FERRY_LAB_HOSTS="t534=127.0.1.$b t534=127.0.1.$((b + 1))" \
      "$STACK" up 2>&1) && fail "up succeeded with a host named twice: $out"
grep -q "named twice" <<< "$out" || fail "the lab's reason is not shown: $out"
hosts="t534=127.0.1.$b t534=127.0.1.$((b + 1))"
grep -q "FERRY_LAB_HOSTS=\"$hosts\": if an address is taken, set FERRY_LAB_HOSTS" \
    <<< "$out" || fail "up did not name FERRY_LAB_HOSTS: $out"
grep -q "postgresql started" <<< "$out" || fail "up did not get to start PostgreSQL: $out"
pg_of "$state" && fail "the failed up left its PostgreSQL running: $out"
listened "$pg" && fail "something still listens on PostgreSQL's port $pg"
grep -q "left running" <<< "$out" && fail "up left something running: $out"
ok

# 2.
out=$(env "${common[@]}" FERRY_LAB_HOSTS='' FERRY_APIS=2 "$STACK" up 2>&1) ||
    fail "the next up failed: $out"
grep -q "settings taken from the environment" <<< "$out" || fail "up said: $out"
grep -q "Ferry is up" <<< "$out" || fail "up said: $out"
grep -qx 'LAB_HOSTS=""' "$env" && grep -qx 'APIS="2"' "$env" || fail "stack.env: $(cat "$env")"
grep -q PENDING "$env" && fail "stack.env is still pending after an up came up: $(cat "$env")"
for p in ferry-api:$api "ferry-api#2:$((api + 1))"; do
    pid=$(cat "$state/pids/${p%:*}.pid")
    ss -Htlnp "sport = :${p##*:}" | grep -q "pid=$pid," ||
        fail "${p%:*} (pid $pid) does not listen on :${p##*:}"
done
ok

# 3.
out=$(FERRY_STATE=$state FERRY_APIS=1 FERRY_DEMO=1 FERRY_PG_PORT=$pg "$STACK" status 2>&1)
grep -qF "FERRY_APIS=\"1\" ignored: this state keeps APIS=\"2\" (from $env); to change it:" \
    <<< "$out" && grep -qF "change it: make stop, change APIS= in $env, make run" <<< "$out" ||
    fail "status said: $out"
grep -qF "FERRY_DEMO=\"1\" ignored: this state keeps DEMO=\"0\" (from $env); to change it:" \
    <<< "$out" && grep -qF "make clean-run with FERRY_DEMO set (it wipes $state)" <<< "$out" ||
    fail "status said: $out"
grep -q FERRY_PG_PORT <<< "$out" && fail "a FERRY_PG_PORT equal to stack.env's was named: $out"
grep -q "ferry-api#2 running" <<< "$out" || fail "status did not keep stack.env's APIS=2: $out"
ok

# 4.
FERRY_STATE=$state "$STACK" down >/dev/null 2>&1 || fail "down failed"
sed -i "s/^APIS=.*/APIS=\"1\"/; s/^PG_PORT=.*/PG_PORT=\"$pg2\"/" "$env"
out=$(FERRY_STATE=$state "$STACK" up 2>&1) || fail "up after the edit failed: $out"
grep -q "postgresql started on 127.0.0.1:$pg2" <<< "$out" || fail "up said: $out"
grep -q "ferry-api#2" <<< "$out" && fail "up started a second API: $out"
listened "$pg" && fail "something listens on the old PostgreSQL port $pg"
psql -h 127.0.0.1 -p "$pg2" -U postgres -d ferry -Atqc 'SELECT 1' | grep -qx 1 ||
    fail "no PostgreSQL of the state on :$pg2"
ok
done_ok
