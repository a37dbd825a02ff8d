#!/bin/bash
# t121: below 2.34 every os-migrateLive waits for the scheduler's verdict
# (Debian's openstack client asks at 2.1).  Many such waits at once share
# ferry-api's one listening connection: none holds a pooled connection or
# opens one of its own, and each still gets its own verdict, even when the
# listener's connection is cut while they wait.
# Its own hosts, of a hypervisor type of their own (no other test's host is
# a candidate, nor are these for the tests after it): t121-src, and
# t121-d1, t121-d2 that fake_dest.sh accepts.
source "$(dirname "$0")/lib.sh"
STACK=$REPO/tools/stack
seed_hosts
sql "INSERT INTO compute_hosts (uuid, host, hypervisor_hostname, libvirt_uri, migration_addr,
         host_ip, memory_mb, vcpus, hypervisor_type, hypervisor_version, heartbeat_at)
     SELECT gen_random_uuid(), h, h, 'qemu+tcp://' || h || '/system', h, '127.0.0.1',
            65536, 64, 'T121', 7002022, now()
     FROM unnest(ARRAY['t121-src', 't121-d1', 't121-d2']) h
     ON CONFLICT (host) DO UPDATE SET heartbeat_at = now(), disabled = false"
cleanup() {
    "$STACK" start ferry-scheduler >/dev/null 2>&1 || true
    sql "UPDATE instances SET deleted = true, deleted_at = now() WHERE host LIKE 't121-%'"
    sql "UPDATE compute_hosts SET disabled = true WHERE host LIKE 't121-%'"
}
trap 'cleanup >/dev/null; rm -rf "$T_TMP"' EXIT
N=12
api_conns() {
    sql "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'ferry-api%'${1:+ AND application_name = '$1'}"
}

"$STACK" kill ferry-scheduler >/dev/null 2>&1
declare -a IDS
for i in $(seq 1 $N); do IDS[i]=$(seed_instance "t121-$i" t121-src admin); done
for i in $(seq 1 $N); do
    if ((i == N)); then
        body='{"os-migrateLive": {"host": "h-down", "block_migration": false, "disk_over_commit": false}}'
    else
        body='{"os-migrateLive": {"host": null, "block_migration": false, "disk_over_commit": false}}'
    fi
    ( BODY=$T_TMP/body.$i HDRS=$T_TMP/hdrs.$i
      api POST "/v2.1/servers/${IDS[i]}/action" "$body" 2.1
      echo "$STATUS" > "$T_TMP/status.$i" ) &
done
wait_for "$N accepted migrations" 20 \
    "[[ \$(sql \"SELECT count(*) FROM migrations m JOIN instances i ON i.uuid = m.instance_uuid
                WHERE i.display_name LIKE 't121-%' AND m.status = 'accepted'\") == $N ]]"
sleep 0.5
[[ $(ls "$T_TMP"/status.* 2>/dev/null | wc -l) == 0 ]] || fail "answered before the scheduler decided"
ok
# the waits hold no connection: the pool (max_pool_size 5) and the listener
[[ $(api_conns ferry-api-listen) == 1 ]] || fail "ferry-api-listen connections: $(api_conns ferry-api-listen)"
ok
(( $(api_conns) <= 6 )) || fail "$(api_conns) ferry-api connections for $N waits"
ok

# cut the listener's connection while they wait: it comes back, and the
# waits re-read rather than miss what was sent meanwhile
sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ferry-api-listen'" >/dev/null
"$STACK" start ferry-scheduler >/dev/null 2>&1
wait_for "$N answers" 30 "[[ \$(ls '$T_TMP'/status.* 2>/dev/null | wc -l) == $N ]]"
wait
for i in $(seq 1 $((N - 1))); do
    [[ $(cat "$T_TMP/status.$i") == 202 ]] || fail "request $i: $(cat "$T_TMP/status.$i") $(cat "$T_TMP/body.$i")"
    [[ $(migration_status "$(last_migration "${IDS[i]}")") == queued ]] || fail "migration $i not queued"
done
ok
[[ $(cat "$T_TMP/status.$N") == 400 ]] || fail "forced to h-down: $(cat "$T_TMP/status.$N")"
[[ $(jq -r .badRequest.message < "$T_TMP/body.$N") == 'Compute service of h-down is unavailable at this time.' ]] \
    || fail "forced to h-down: $(cat "$T_TMP/body.$N")"
ok
wait_for "the listener back" 10 '[[ $(api_conns ferry-api-listen) == 1 ]]'
ok
done_ok
