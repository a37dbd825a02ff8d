#!/bin/bash
# e600: the scheduler never overcommits.  A host keeping (nearly) all its
# RAM for itself (its own reserved_host_memory_mb) is skipped, and a forced
# request to it fails with the reason; two migrations racing for the last
# slot on a host: one gets it (a claim), the other fails cleanly with the
# reason, readable as an instance-action event.
source "$(dirname "$0")/lib.sh"
reconfigure ""
host_conf t-lab-3 "[DEFAULT]
reserved_host_memory_mb = 1000000"
S=$(new_guest cap-a t-lab-1 128 "fill=1")
for i in 1 2; do
    src=$(server_host cap-a)
    id=$(live_migrate "$S")
    [[ $(wait_migration_done "$id" 60) == completed ]] || fail "move $i: $(migration_status "$id")"
    [[ $(server_host cap-a) != t-lab-3 ]] || fail "chose the full host"
    ok
done
# named, forced (2.1): Nova's words
api POST "/v2.1/servers/$S/action" '{"os-migrateLive": {"host": "t-lab-3", "block_migration": false, "disk_over_commit": false}}'
expect_fault badRequest 400
expect_json '.badRequest.message | test("^Migration pre-check error: Unable to migrate .* to t-lab-3: Lack of memory\\(host:-?[0-9]+ <= instance:128\\)$")' true
# named, scheduled (2.30): the filter's reason
api POST "/v2.1/servers/$S/action" '{"os-migrateLive": {"host": "t-lab-3", "block_migration": "auto"}}' 2.30
expect_fault badRequest 400
expect_json '.badRequest.message | test("^No valid host was found. .*t-lab-3: not enough free RAM \\(needs 128 MB, -?[0-9]+ MB free\\)")' true
# ... and the instance action tells it too (2.84 details), through the stock client
req=$(sql "SELECT request_id FROM migrations WHERE id = $(last_migration "$S")")
osc --os-compute-api-version 2.84 server event show cap-a "$req" -f json > "$T_TMP/ev.json" \
    || fail "openstack server event show"
jq -e '.events[] | select(.event == "conductor_migrate_server" and .result == "Error"
        and (.details | test("not enough free RAM")))' "$T_TMP/ev.json" >/dev/null \
    || fail "the event does not say why: $(cat "$T_TMP/ev.json")"
ok

# the last slot: t-lab-2 keeps all but room for one 128 MiB guest
from=$(server_host cap-a)
[[ $from == t-lab-1 ]] || { id=$(live_migrate "$S"); wait_migration_done "$id" >/dev/null; }
room=$(sql "SELECT memory_mb - memory_mb_used - claimed_memory_mb FROM compute_hosts WHERE host = 't-lab-2'")
host_conf t-lab-2 "[DEFAULT]
reserved_host_memory_mb = $((room - 200))"
T=$(new_guest cap-b t-lab-1 128 "fill=1")
[[ $(server_host cap-a) == t-lab-1 ]] || fail "cap-a should start on t-lab-1"
ok
pids=()
for pair in "$S $API" "$T $API2"; do
    set -- $pair
    (   # a shell of its own, with its own answer files
        BODY=$T_TMP/body-$1 HDRS=$T_TMP/hdrs-$1 API=$2
        api POST "/v2.1/servers/$1/action" \
            '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' 2.80
        expect_status 202
    ) &
    pids+=($!)
done
wait "${pids[@]}"
a=$(wait_migration_done "$(last_migration "$S")" 60)
b=$(wait_migration_done "$(last_migration "$T")" 60)
[[ "$a $b" == "completed error" || "$a $b" == "error completed" ]] || fail "race: $a and $b"
ok
[[ $(sql "SELECT count(*) FROM instances WHERE host = 't-lab-2' AND display_name LIKE 'cap-%'") == 1 ]] \
    || fail "t-lab-2 took both"
ok
loser=$([[ $a == error ]] && echo "$S" || echo "$T")
[[ $(sql "SELECT reason FROM migrations WHERE id = $(last_migration "$loser")") == "No valid host was found. "* ]] \
    || fail "the loser's reason: $(sql "SELECT reason FROM migrations WHERE id = $(last_migration "$loser")")"
ok
[[ $(sql "SELECT count(*) FROM claims") == 0 ]] || fail "claims left behind"
ok
host_conf t-lab-2 ""
host_conf t-lab-3 ""
assert_consistent cap-a cap-b
drop_guest cap-a
drop_guest cap-b
done_ok
