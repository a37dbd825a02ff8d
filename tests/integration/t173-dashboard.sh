#!/bin/bash
# t173: GET /ferry/v1/dashboard, the live dashboard: served without a token
# (its data it asks for with the operator's), the page as api/dashboard.html
# has it; then its own functions (dashboard_rows.js, node) on this API's real
# answers about a migration the test plays running (as a compute records
# it): the row says its route, policy, progress, forecast with its ETA,
# step, and the host row its state and drain; then the page itself in jsdom
# (dashboard_page.js) against this API, its abort button included.
source "$(dirname "$0")/lib.sh"
seed_hosts
S=$(seed_instance t173 h1 fe173)
PAGE=$REPO/api/dashboard.html

api GET /ferry/v1/dashboard "" "" ""
expect_status 200
expect_header Content-Type 'text/html; charset=utf-8'
cmp -s "$BODY" "$PAGE" || fail "the page served is not api/dashboard.html"
ok
[[ $(curl -s -o /dev/null -w '%{http_code}' -I "$API/ferry/v1/dashboard") == 200 ]] || fail HEAD
api POST /ferry/v1/dashboard '{}' "" ""
expect_status 404

# a migration, running as a compute records it: 192 of 256 MiB sent, the
# ferry forecast (20 s, 120 ms), step 2 reached, 3 s after its start
api POST "/v2.1/servers/$S/action" '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' 2.80
expect_status 202
M=$(last_migration "$S")
wait_for "migration $M scheduled" 20 '[[ $(migration_status '"$M"') == queued ]]'
sql "UPDATE migrations SET status = 'running', started_at = now() - interval '3 s',
         policy = 'ferry', policy_requested = 'ferry', max_downtime_ms = 500,
         memory_total = 268435456, memory_processed = 201326592, memory_remaining = 67108864,
         step_reached = 2, forecast = '{\"verdict\": \"start\", \"expected_step\": 2,
           \"post_copy\": false, \"auto_converge\": false, \"auto_converge_initial\": 0,
           \"auto_converge_increment\": 0, \"start_downtime_ms\": 120,
           \"bandwidth_bps\": 16777216, \"dirty_rate_bps\": 8388608, \"dirty_period_s\": 1,
           \"hot_set_bytes\": 8388608, \"link_bps\": 16777216, \"link_used_bps\": 0,
           \"budget_ms\": 500, \"ram_bytes\": 268435456, \"eta_ms\": 20000,
           \"predicted_downtime_ms\": 120, \"why\": \"max downtime 120 ms at start\"}'
     WHERE id = $M" >/dev/null
F=$T_TMP/ans
mkdir -p "$F"
api GET "/v2.1/os-migrations?migration_type=live-migration&limit=30" "" 2.80
cp "$BODY" "$F/osm"
api GET "/ferry/v1/migrations/$M"
cp "$BODY" "$F/rec"
api GET "/v2.1/servers/$S/migrations/$M" "" 2.80
expect_status 200
cp "$BODY" "$F/srv"
api GET /v2.1/os-services "" 2.53
cp "$BODY" "$F/svcs"
: > "$F/drain"
out=$(node "$REPO/tests/integration/dashboard_rows.js" "$PAGE" "$F/osm" "$F/rec" "$F/srv" "$F/svcs" "$F/drain" \
      "$M" h1 5000) || fail "dashboard_rows.js: $out"
dest=$(sql "SELECT dest_compute FROM migrations WHERE id = $M")
check() {
    [[ $(jq -r "$1" <<< "$out") == "$2" ]] || fail "$1 is '$(jq -r "$1" <<< "$out")', not '$2'"
    ok
}
check .migration.route "h1 → $dest"
check .migration.status running
check .migration.policy ferry
check .migration.progress "64.0 MiB left of 256.0 MiB"
check .migration.fraction 0.75
check .migration.forecast "start, ETA 15 s, ≤ 120 ms down, step 2: downtime raised"
check .migration.why "max downtime 120 ms at start"
check '[.host.host, .host.state, .host.service, .host.drain, .host.drainable] | map(tostring) | join("|")' \
    "h1|up|enabled||true"
# the page itself (jsdom, its fetch to this API): the tables as it fills
# them, the buttons; its abort button really asks for the abort.  With 12
# disabled hosts (a drain each to read) it still sends at most 6 requests
# at once, as a browser would (the API limits one address's connections)
sql "INSERT INTO compute_hosts (uuid, host, hypervisor_hostname, libvirt_uri, migration_addr,
         host_ip, disabled, disabled_reason, heartbeat_at)
     SELECT gen_random_uuid(), 't173-d' || i, 't173-d' || i, 'qemu:///x', 'x', '127.0.0.1',
            true, 't173', now() FROM generate_series(1, 12) i
     ON CONFLICT (host) DO NOTHING" >/dev/null
out=$(node "$REPO/tests/integration/dashboard_page.js" "$PAGE" "$API" "$TOKEN" "$M") \
    || fail "the page: $out"
check ".hosts[] | select(.[0] == \"h1\") | .[1:3] | join(\"|\")" "up|enabled"
check ".migrations[] | select(.[0] == \"$M\") | [.[2], .[3], .[4], .[5]] | join(\"|\")" \
    "h1 → $dest|running|ferry| 64.0 MiB left of 256.0 MiB"
check ".buttons[\"$M\"] | join(\",\")" "force complete,abort"
check '.status | startswith("updated ")' true
check '.max_in_flight <= 6 and .max_in_flight >= 1' true
check '[.hosts[] | select(.[0] | startswith("t173-d"))] | length' 12
out=$(node "$REPO/tests/integration/dashboard_page.js" "$PAGE" "$API" "$TOKEN" "$M" abort) \
    || fail "the page's abort: $out"
check '.deletes | join(",")' "DELETE /v2.1/servers/$S/migrations/$M 202"
[[ $(sql "SELECT abort_requested_at IS NOT NULL FROM migrations WHERE id = $M") == t ]] \
    || fail "the abort button did not ask for the abort"
ok

# once it ends: its measured downtime against its budget, its reason
sql "UPDATE migrations SET status = 'cancelled', finished_at = now(), downtime_ms = 87,
         reason = 'cancelled: t173' WHERE id = $M" >/dev/null
api GET "/ferry/v1/migrations/$M"
cp "$BODY" "$F/rec"
api GET "/v2.1/os-migrations?migration_type=live-migration&limit=30" "" 2.80
cp "$BODY" "$F/osm"
echo '{"migration": null}' > "$F/srv"
out=$(node "$REPO/tests/integration/dashboard_rows.js" "$PAGE" "$F/osm" "$F/rec" "$F/srv" "$F/svcs" "$F/drain" \
      "$M" h1 5000) || fail "dashboard_rows.js: $out"
check .migration.downtime "87 ms / 500"
check .migration.why "cancelled: t173"
check .migration.forecast "start, ETA 20 s, ≤ 120 ms down, step 2: downtime raised"
done_ok
