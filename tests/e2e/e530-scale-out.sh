#!/bin/bash
# e530: two ferry-api and two ferry-scheduler on one database.  Requests
# spread over both APIs at once are each answered once and each migration
# is scheduled exactly once; the guests end where Ferry says.  Each
# scheduler decides (the other one stopped meanwhile); a scheduler that
# dies while it holds a row hands it over: the other one takes and decides it.
source "$(dirname "$0")/lib.sh"
reconfigure "[DEFAULT]
max_concurrent_live_migrations = 0"
guests=()
for i in 1 2 3 4; do
    new_guest "so-$i" t-lab-1 64 "fill=1" >/dev/null
    guests+=("so-$i")
done
# each request from a shell of its own, with its own answer files (the api
# helper, so that the answers are validated too)
pids=()
for i in 1 2 3 4; do
    url=$API; ((i % 2)) && url=$API2
    (
        BODY=$T_TMP/r$i HDRS=$T_TMP/h$i API=$url
        api POST "/v2.1/servers/$(server_id "so-$i")/action" \
            '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' 2.80
        echo "$STATUS" > "$T_TMP/s$i"
    ) &
    pids+=($!)
done
wait "${pids[@]}"
for i in 1 2 3 4; do
    [[ $(cat "$T_TMP/s$i") == 202 ]] || fail "so-$i: $(cat "$T_TMP/s$i") $(cat "$T_TMP/r$i")"
    ok
done
for i in 1 2 3 4; do
    id=$(last_migration "$(server_id "so-$i")")
    [[ $(wait_migration_done "$id" 120) == completed ]] || fail "so-$i: $(migration_status "$id")"
    [[ $(sql "SELECT count(*) FROM migration_events WHERE migration_id = $id AND to_status = 'queued'") == 1 ]] \
        || fail "so-$i scheduled more than once"
    ok
done
[[ $(sql "SELECT count(DISTINCT actor) FROM migration_events e JOIN migrations m ON m.id = e.migration_id
          JOIN instances i ON i.uuid = m.instance_uuid
          WHERE i.display_name LIKE 'so-%' AND e.to_status = 'accepted'") == 2 ]] \
    || fail "both APIs took requests"
ok
assert_consistent "${guests[@]}"

# ---- each scheduler decides: the other one is stopped (SIGSTOP) meanwhile ----
P1=$(proc_pid ferry-scheduler)
P2=$(proc_pid 'ferry-scheduler#2')
queued_by() { sql "SELECT string_agg(actor, ' ') FROM migration_events
                   WHERE migration_id = $1 AND to_status = 'queued'"; }
decide_alone() {        # decide_alone KEEP_PID STOPPED_PID GUEST
    local id st
    kill -STOP "$2"
    id=$(live_migrate "$(server_id "$3")")
    st=$(wait_migration_done "$id" 120)
    kill -CONT "$2"
    [[ $st == completed ]] || fail "$3 with one scheduler: $st"
    ok
    [[ $(queued_by "$id") == ferry-scheduler@*":$1" ]] \
        || fail "$3 decided by '$(queued_by "$id")', not pid $1"
    ok
}
decide_alone "$P1" "$P2" so-1
decide_alone "$P2" "$P1" so-2

# ---- a scheduler dies holding a row ---------------------------------------------
# It is caught holding it: the named destination's ferry-compute is stopped,
# so the check the scheduler asks of it stays unanswered while the row is
# locked in the scheduler's transaction.
S3=$(server_id so-3)
from=$(server_host so-3)
to=""
for h in $FERRY_LAB_HOSTS; do [[ ${h%%=*} != "$from" ]] && { to=${h%%=*}; break; }; done
CP=$(proc_pid "ferry-compute@$to")
kill -STOP "$CP"
api POST "/v2.1/servers/$S3/action" "{\"os-migrateLive\": {\"host\": \"$to\", \"block_migration\": \"auto\"}}" 2.80
expect_status 202
id=$(last_migration "$S3")
asker="SELECT requested_by FROM host_requests WHERE migration_id = $id AND kind = 'check_destination'"
wait_for "a scheduler to ask $to" 30 "[[ -n \$(sql \"$asker\") ]]"
holder=$(sql "$asker")
hpid=${holder##*:}
[[ $hpid == "$P1" || $hpid == "$P2" ]] || fail "asked by '$holder'"
ok
other=$P1
[[ $hpid == "$P1" ]] && other=$P2
# the row is locked (as the schedulers lock it, without waiting: refused)
sql "SELECT id FROM migrations WHERE id = $id FOR NO KEY UPDATE NOWAIT" >/dev/null 2>"$T_TMP/lock" \
    && fail "migration $id is not locked while $holder decides it"
grep -q 'could not obtain lock' "$T_TMP/lock" || fail "locking $id: $(cat "$T_TMP/lock")"
ok
[[ $(migration_status "$id") == accepted ]] || fail "decided already: $(migration_status "$id")"
ok
kill -STOP "$hpid"
kill -CONT "$CP"
kill -KILL "$hpid"
st=$(wait_migration_done "$id" 120)
[[ $st == completed ]] || fail "after its scheduler died: $st"
ok
[[ $(queued_by "$id") == ferry-scheduler@*":$other" ]] \
    || fail "taken over by '$(queued_by "$id")', not pid $other"
ok
[[ $(sql "SELECT count(*) FROM host_requests WHERE migration_id = $id AND kind = 'check_destination'
          AND requested_by LIKE '%:$other'") -ge 1 ]] || fail "the other scheduler checked $to itself"
ok
[[ $(server_host so-3) == "$to" ]] || fail "so-3 is on $(server_host so-3), not $to"
ok
dead=ferry-scheduler
[[ $hpid == "$P2" ]] && dead='ferry-scheduler#2'
"$STACK" start "$dead" >/dev/null 2>&1
assert_consistent "${guests[@]}"
for g in "${guests[@]}"; do drop_guest "$g"; done
done_ok
