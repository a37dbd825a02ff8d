#!/bin/bash
# t535 - tools/stack up refuses lab host addresses whose libvirtd port
# something already listens on (another lab's libvirtd, say), naming the
# address, the port and FERRY_LAB_HOSTS, before starting anything (no
# PostgreSQL, no libvirtd).  Its own state, ports and lab address.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/stack_lib.sh"

pg=$(free_port 25600)
api=$(free_port 28900)
b=$(free_lab_block 2)
s_state t535
listen_on 16509 tcp "127.0.1.$((b + 1))"
out=$(FERRY_STATE=$state FERRY_PG_PORT=$pg FERRY_API_PORT=$api FERRY_DEMO=0 FERRY_PG_FAST=1 \
      FERRY_LAB_LINK=none FERRY_LAB_HOSTS="t535-1=127.0.1.$b t535-2=127.0.1.$((b + 1))" \
      "$STACK" up 2>&1) && fail "up succeeded with 127.0.1.$((b + 1)):16509 taken: $out"
grep -q "port 16509 is in use on 127.0.1.$((b + 1)) (by pid $LISTENER (python3)), lab host" \
    <<< "$out" && grep -q "t535-2's libvirtd port; set FERRY_LAB_HOSTS to addresses nothing" \
    <<< "$out" || fail "up said: $out"
pg_of "$state" && fail "a refused up started PostgreSQL"
listened "$pg" && fail "something listens on PostgreSQL's port $pg"
ss -Htln "sport = :16509" | grep -q "127.0.1.$b:" && fail "a libvirtd listens on 127.0.1.$b"
ok
done_ok
