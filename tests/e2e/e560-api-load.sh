#!/bin/bash
# e560: the API's side of durability (README "Durability", rows 8 and 9).
#   100 concurrent os-migrateLive on one server, spread over both APIs:
#     exactly one 202 (Nova's task-state guard), the others 409, and one
#     migration row; the accepted migration is held running by construction
#     until every answer is in (and the test checks that it was), then
#     aborted;
#   ferry-api killed (-9) under a load of migrate requests: every 202 has
#     its migration row (by its request id), and no migration row lacks its
#     request (its instance action, written in the same transaction).
source "$(dirname "$0")/lib.sh"
GUESTS=(ld-1 ld-2 ld-3 ld-4)

finish() {
    touch "$T_TMP/stop"
    for g in "${GUESTS[@]}"; do drop_guest "$g"; done
    rm -rf "$T_TMP"
}
trap finish EXIT
mkdir -p "$T_TMP/hdr"

reconfigure ""
# ld-1, the burst's server, rewrites 2 MiB/s over 8 MiB (see below)
for g in "${GUESTS[@]}"; do
    args="fill=1"
    [[ $g == ld-1 ]] && args="fill=1 rate=2 wss=8"
    S=$(new_guest "$g" t-lab-1 32 "$args")
    pin_nova "$S"
done

# post_migrate URL SERVER_ID OUT: one os-migrateLive (2.80, no host); the
# status and the request id into OUT
post_migrate() {
    local h="$T_TMP/hdr/${3##*/}" st
    st=$(curl -s -o /dev/null -D "$h" -w '%{http_code}' -m 30 -X POST \
        -H "X-Auth-Token: $TOKEN" -H 'OpenStack-API-Version: compute 2.80' \
        -H 'Content-Type: application/json' \
        --data-binary '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' \
        "$1/v2.1/servers/$2/action" 2>/dev/null) || st=000
    echo "$st $(tr -d '\r' < "$h" 2>/dev/null | sed -n 's/^x-openstack-request-id: //Ip')" > "$3"
}

# ---- 100 at once on one server --------------------------------------------------
# Nova's guard refuses while the instance has its task, i.e. until the
# accepted migration ends; one that ended before the last request arrived
# would rightly let that request in.  So the accepted migration cannot end
# during the burst, whatever the machine's load: t-lab-1's migrations are
# capped at 1 MiB/s (its own live_migration_bandwidth), so the first pass
# over ld-1's 32 MiB of filled RAM alone takes over 30 s, and ld-1 rewrites
# 2 MiB/s over 8 MiB, which 1 MiB/s never catches up with (Nova's policy,
# pinned: no auto-converge, no post-copy, a completion timeout of 1600 s).
# It runs until this test aborts it, once every answer is in.
host_conf t-lab-1 "[libvirt]
live_migration_bandwidth = 1"
S=$(server_id ld-1)
n0=$(sql "SELECT count(*) FROM migrations WHERE instance_uuid = '$S'")
m0=$(sql "SELECT coalesce(max(id), 0) FROM migrations")
t0=$(date +%s.%N)
pids=()
for i in $(seq 1 100); do
    url=$API; ((i % 2)) && url=$API2
    post_migrate "$url" "$S" "$T_TMP/c$i" &
    pids+=($!)
done
wait "${pids[@]}"
t1=$(date +%s.%N)
# the first migration accepted (the only one, unless the guard failed)
id=$(sql "SELECT min(id) FROM migrations WHERE instance_uuid = '$S' AND id > $m0")
[[ -n $id ]] || fail "no migration accepted"
st=$(migration_status "$id")
codes=$(cat "$T_TMP"/c* | awk '{ print $1 }' | sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')
echo "  100 concurrent os-migrateLive: ${codes% }"
awk -v id="$id" -v st="$st" -v a="$t0" -v b="$t1" \
    'BEGIN { printf "  answered in %.1f s; migration %s then %s\n", b - a, id, st }'
# the premise: every answer came while the accepted migration still held
# the guard (it has not ended, and the instance's task is its own)
[[ ! $st =~ ^(completed|failed|error|cancelled)$ ]] \
    || fail "migration $id ended ($st) before the burst's last answer: no guard to test"
ok
[[ $(sql "SELECT task_state FROM instances WHERE uuid = '$S'") == migrating ]] \
    || fail "ld-1's task during the burst: '$(sql "SELECT task_state FROM instances WHERE uuid = '$S'")'"
ok
[[ $(cat "$T_TMP"/c* | awk '$1 == 202' | wc -l) == 1 ]] || fail "not exactly one 202: $codes"
ok
[[ $(cat "$T_TMP"/c* | awk '$1 != 202 && $1 != 409' | wc -l) == 0 ]] || fail "other answers: $codes"
ok
[[ $(sql "SELECT count(*) FROM migrations WHERE instance_uuid = '$S'") == $((n0 + 1)) ]] \
    || fail "rows: $(sql "SELECT count(*) FROM migrations WHERE instance_uuid = '$S'") after $n0"
ok
# it cannot converge: abort it (Nova's DELETE, 2.24) and give t-lab-1 back
# its bandwidth for what follows
wait_for "migration $id running" 60 "[[ \$(migration_status $id) == running ]]"
api DELETE "/v2.1/servers/$S/migrations/$id" "" 2.24
expect_status 202
[[ $(wait_migration_done "$id" 60) == cancelled ]] || fail "the one migration: $(migration_status "$id")"
ok
host_conf t-lab-1 ""
assert_invariant ld-1

# ---- ferry-api killed under load ------------------------------------------------
# three clients, each asking to migrate the guests in turn through the
# first API (the one killed) or the second, until told to stop
since=$(sql "SELECT max(id) FROM migrations")
load() {        # load CLIENT
    local k=0 g url
    while [[ ! -e $T_TMP/stop ]]; do
        for g in "${GUESTS[@]}"; do
            url=$API; (((k + $1) % 3 == 0)) && url=$API2
            post_migrate "$url" "$(server_id "$g")" "$T_TMP/l$1.$k"
            k=$((k + 1))
        done
    done
}
lpids=()
for c in 1 2 3; do load "$c" & lpids+=($!); done
wait_for "the load's first 202s" 60 "[[ \$(cat $T_TMP/l* 2>/dev/null | awk '\$1 == 202' | wc -l) -ge 3 ]]"
"$STACK" kill ferry-api >/dev/null 2>&1
wait_for "requests refused while ferry-api is down" 30 \
    "[[ \$(cat $T_TMP/l* 2>/dev/null | awk '\$1 == 000' | wc -l) -ge 1 ]]"
"$STACK" start ferry-api >/dev/null 2>&1
wait_for "ferry-api back" 30 'curl -fs -o /dev/null "$API/"'
n202=$(cat "$T_TMP"/l* | awk '$1 == 202' | wc -l)
wait_for "more 202s after the restart" 60 "[[ \$(cat $T_TMP/l* | awk '\$1 == 202' | wc -l) -gt $n202 ]]"
touch "$T_TMP/stop"
wait "${lpids[@]}"
codes=$(cat "$T_TMP"/l* | awk '{ print $1 }' | sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')
echo "  load with ferry-api killed: ${codes% }"
# every 202 has its row
missing=""
for r in $(cat "$T_TMP"/l* | awk '$1 == 202 { print $2 }'); do
    [[ $(sql "SELECT count(*) FROM migrations WHERE request_id = '$r'") == 1 ]] || missing+=" $r"
done
[[ -z $missing ]] || fail "202s without their row:$missing"
ok
# no row lacks its request
[[ $(sql "SELECT count(*) FROM migrations m WHERE m.id > $since AND NOT EXISTS
          (SELECT 1 FROM instance_actions a WHERE a.request_id = m.request_id
           AND a.instance_uuid = m.instance_uuid)") == 0 ]] \
    || fail "rows without their request: $(sql "SELECT string_agg(id::text, ' ') FROM migrations m WHERE m.id > $since AND NOT EXISTS (SELECT 1 FROM instance_actions a WHERE a.request_id = m.request_id AND a.instance_uuid = m.instance_uuid)")"
ok
for g in "${GUESTS[@]}"; do
    id=$(last_migration "$(server_id "$g")")
    wait_migration_done "$id" 90 >/dev/null
done
assert_invariant "${GUESTS[@]}"
done_ok
