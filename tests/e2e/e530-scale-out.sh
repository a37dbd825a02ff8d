#!/bin/bash
# e530: two ferry-api and two ferry-scheduler on one database.  Requests
# spread over both APIs at once are each answered once and each migration
# is scheduled exactly once; the guests end where Ferry says.
source "$(dirname "$0")/lib.sh"
reconfigure "[DEFAULT]
max_concurrent_live_migrations = 0"
guests=()
for i in 1 2 3 4; do
    new_guest "so-$i" t-lab-1 64 "fill=1" >/dev/null
    guests+=("so-$i")
done
pids=()
for i in 1 2 3 4; do
    url=$API; ((i % 2)) && url=$API2
    curl -s -o "$T_TMP/r$i" -w '%{http_code}' -X POST -H 'X-Auth-Token: admin:admin' \
        -H 'OpenStack-API-Version: compute 2.80' -H 'Content-Type: application/json' \
        -d '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' \
        "$url/v2.1/servers/$(server_id "so-$i")/action" > "$T_TMP/s$i" &
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
for g in "${guests[@]}"; do drop_guest "$g"; done
done_ok
