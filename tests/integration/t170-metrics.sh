#!/bin/bash
# t170: GET /metrics, Prometheus' text format from PostgreSQL: read by
# Prometheus' own parser (python3-prometheus-client), its histograms
# consistent; each figure moves by exactly what rows written as the computes
# write them add (other tests' rows stay in the totals: only differences are
# compared); the hosts' gauges; label values escaped; admin only (ferry:metrics),
# the token also as a bearer token, Nova's fault bodies.
source "$(dirname "$0")/lib.sh"
seed_hosts
S=$(seed_instance t170 h1 fe170)
PROM=$REPO/tests/tools/prom_samples.py

# scrape FILE: /metrics as admin, parsed into FILE (JSON: sample -> value)
scrape() {
    api GET /metrics
    expect_status 200
    expect_header Content-Type 'text/plain; version=0.0.4; charset=utf-8'
    /usr/bin/python3 "$PROM" < "$BODY" > "$1" || fail "/metrics: $(head -c 600 "$BODY")"
    ok
}
# delta SAMPLE: its value in $T_TMP/b less in $T_TMP/a (a sample absent counts 0),
# to the microsecond (sums of floats)
delta() {
    jq -rn --arg k "$1" --slurpfile a "$T_TMP/a" --slurpfile b "$T_TMP/b" \
        '(($b[0][$k] // 0) - ($a[0][$k] // 0)) * 1e6 | round / 1e6
         | if . == (. | floor) then floor else . end'
}
expect_delta() {
    local got
    got=$(delta "$1")
    [[ $got == "$2" ]] || fail "$1 moved by $got, expected $2"
    ok
}

# ---- who may read it --------------------------------------------------------------
api GET /metrics "" "" ""
expect_status 401
api GET /metrics "" "" "u-fe170:fe170"
expect_fault forbidden 403 "Policy doesn't allow ferry:metrics to be performed."
# or, for a scraper that sends no other header, "Authorization: Bearer <token>"
# (on /metrics only: elsewhere only X-Auth-Token is a token, as in Nova)
bearer() {
    STATUS=$(curl -s -o "$BODY" -D "$HDRS" -w '%{http_code}' -H "Authorization: Bearer $2" \
             "$API$1") || fail "curl $1"
    logged GET "$1"
}
bearer /metrics admin:admin
expect_status 200
bearer /metrics u-fe170:fe170
expect_fault forbidden 403
bearer /ferry/v1/migrations/1 admin:admin
expect_status 401

# ---- its form: every family typed, both policies there before any migration -------
scrape "$T_TMP/a"
# (the parser names a counter's family without its _total)
for f in ferry_migrations_active:gauge ferry_migrations:counter \
         ferry_migration_duration_seconds:histogram ferry_migration_downtime_seconds:histogram \
         ferry_migration_downtime_over_budget:counter ferry_migration_sent_bytes:counter \
         ferry_migration_steps:counter ferry_compute_up:gauge ferry_compute_disabled:gauge \
         ferry_compute_running_vms:gauge ferry_compute_incoming_migrations:gauge; do
    [[ $(jq -r --arg k "#type ${f%%:*}" '.[$k]' "$T_TMP/a") == "${f#*:}" ]] \
        || fail "family ${f%%:*} is not a ${f#*:}"
done
ok
for p in nova ferry unset; do
    for k in "ferry_migrations_active{policy=$p,status=running}" \
             "ferry_migrations_total{policy=$p,status=failed}" \
             "ferry_migration_downtime_seconds_count{policy=$p}" \
             "ferry_migration_steps_total{policy=$p,step=post_copy}"; do
        [[ $(jq --arg k "$k" 'has($k)' "$T_TMP/a") == true ]] || fail "no sample $k"
    done
done
ok

# ---- migrations as the computes record them ---------------------------------------
# ferry: completed in 5 s (100 ms down: both on a bound, counted in its
# bucket, as le means), in 100 s (250 ms down, over its 200 ms budget), in
# 0.5 s (no downtime measured); failed after deciding to abort.
# nova: cancelled.  created_at and finished_at in one statement: exact durations.
sql "INSERT INTO migrations (uuid, instance_uuid, status, source_compute, dest_compute,
         policy, max_downtime_ms, created_at, finished_at, downtime_ms, data_sent_bytes,
         step_reached)
     VALUES (gen_random_uuid(), '$S', 'completed', 'h1', 'h2', 'ferry', 200,
             now() - interval '5 s', now(), 100, 1000, 1),
            (gen_random_uuid(), '$S', 'completed', 'h1', 'h2', 'ferry', 200,
             now() - interval '100 s', now(), 250, 2000, 2),
            (gen_random_uuid(), '$S', 'completed', 'h1', 'h2', 'ferry', 200,
             now() - interval '0.5 s', now(), NULL, 3000, NULL),
            (gen_random_uuid(), '$S', 'failed', 'h1', 'h2', 'ferry', 200,
             now() - interval '30 s', now(), NULL, 500, 5),
            (gen_random_uuid(), '$S', 'cancelled', 'h1', 'h2', 'nova', 500,
             now() - interval '9 s', now(), NULL, 64, NULL)" >/dev/null
scrape "$T_TMP/b"
expect_delta "ferry_migrations_total{policy=ferry,status=completed}" 3
expect_delta "ferry_migrations_total{policy=ferry,status=failed}" 1
expect_delta "ferry_migrations_total{policy=nova,status=cancelled}" 1
expect_delta "ferry_migrations_total{policy=nova,status=completed}" 0
# durations 0.5, 5 and 100 s
H=ferry_migration_duration_seconds
for le in 1:1 2.5:1 5:2 60:2 120:3 3600:3 +Inf:3; do
    expect_delta "${H}_bucket{le=${le%:*},policy=ferry}" "${le#*:}"
done
expect_delta "${H}_count{policy=ferry}" 3
expect_delta "${H}_sum{policy=ferry}" 105.5
expect_delta "${H}_count{policy=nova}" 0
# downtimes 100 and 250 ms (the third has none measured)
H=ferry_migration_downtime_seconds
for le in 0.05:0 0.1:1 0.2:1 0.3:2 +Inf:2; do
    expect_delta "${H}_bucket{le=${le%:*},policy=ferry}" "${le#*:}"
done
expect_delta "${H}_count{policy=ferry}" 2
expect_delta "${H}_sum{policy=ferry}" 0.35
expect_delta "ferry_migration_downtime_over_budget_total{policy=ferry}" 1
expect_delta "ferry_migration_sent_bytes_total{policy=ferry}" 6500
expect_delta "ferry_migration_sent_bytes_total{policy=nova}" 64
for st in none:1 downtime:1 throttle:0 post_copy:0 abort:1; do
    expect_delta "ferry_migration_steps_total{policy=ferry,step=${st%:*}}" "${st#*:}"
done

# one in progress, its policy not chosen yet: a gauge of its own
cp "$T_TMP/b" "$T_TMP/a"
M=$(sql "INSERT INTO migrations (uuid, instance_uuid, status, source_compute, dest_compute)
         VALUES (gen_random_uuid(), '$S', 'running', 'h1', 'h2') RETURNING id" | head -1)
scrape "$T_TMP/b"
expect_delta "ferry_migrations_active{policy=unset,status=running}" 1
expect_delta "ferry_migrations_active{policy=ferry,status=running}" 0
sql "UPDATE migrations SET status = 'cancelled', finished_at = now() WHERE id = $M" >/dev/null
cp "$T_TMP/b" "$T_TMP/a"
scrape "$T_TMP/b"
expect_delta "ferry_migrations_active{policy=unset,status=running}" -1
expect_delta "ferry_migrations_total{policy=unset,status=cancelled}" 1

# ---- the hosts: up, disabled; a host name needing escapes read back whole ---------
sql "UPDATE compute_hosts SET disabled = true WHERE host = 'h3'" >/dev/null
sql "INSERT INTO compute_hosts (uuid, host, hypervisor_hostname, libvirt_uri, migration_addr,
         host_ip, heartbeat_at)
     VALUES (gen_random_uuid(), E'h\"q\\\\z\\nw', 'odd.node', 'qemu:///x', 'x', '127.0.0.1',
             now())" >/dev/null
scrape "$T_TMP/b"
for k in 'ferry_compute_up{host=h1}:1' 'ferry_compute_up{host=h-down}:0' \
         'ferry_compute_disabled{host=h3}:1' 'ferry_compute_disabled{host=h1}:0' \
         'ferry_compute_up{host=h"q\z'$'\n''w}:1'; do
    [[ $(jq -r --arg k "${k%:*}" '.[$k]' "$T_TMP/b") == "${k##*:}" ]] \
        || fail "${k%:*} is not ${k##*:}: $(grep ferry_compute_up "$BODY")"
done
ok
sql "DELETE FROM compute_hosts WHERE host = E'h\"q\\\\z\\nw'" >/dev/null
sql "UPDATE compute_hosts SET disabled = false WHERE host = 'h3'" >/dev/null
done_ok
