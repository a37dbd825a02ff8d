#!/bin/bash
# t130: a destination that refuses its own check is tried no more and the
# next best host is taken; [DEFAULT] migrate_max_retries bounds how many.
# Its own hosts, of a hypervisor type of their own so that no other test's
# host is a candidate: t130-src, t130-big (the most free RAM: the weigher's
# first choice; fake_dest.sh refuses it), t130-ok1 and t130-ok2 (accepted).
source "$(dirname "$0")/lib.sh"
STACK=$REPO/tools/stack
cleanup() {
    rm -f "$FERRY_STATE/etc/local.conf"
    "$STACK" restart ferry-scheduler >/dev/null 2>&1
    sql "UPDATE instances SET deleted = true, deleted_at = now() WHERE host LIKE 't130-%'"
    sql "UPDATE compute_hosts SET disabled = true WHERE host LIKE 't130-%'"
}
trap 'cleanup >/dev/null; rm -rf "$T_TMP"' EXIT
sql "INSERT INTO compute_hosts (uuid, host, hypervisor_hostname, libvirt_uri, migration_addr,
         host_ip, memory_mb, vcpus, hypervisor_type, hypervisor_version, heartbeat_at)
     SELECT gen_random_uuid(), h, h, 'qemu+tcp://' || h || '/system', h, '127.0.0.1',
            CASE h WHEN 't130-big' THEN 1048576 WHEN 't130-ok1' THEN 65536 ELSE 32768 END,
            64, 'T130', 7002022, now()
     FROM unnest(ARRAY['t130-src', 't130-big', 't130-ok1', 't130-ok2']) h
     ON CONFLICT (host) DO UPDATE SET heartbeat_at = now(), disabled = false"
mig_of() { last_migration "$1"; }
checks_of() {
    sql "SELECT string_agg(host || ':' || status, ' ' ORDER BY id) FROM host_requests
         WHERE kind = 'check_destination' AND migration_id = $(mig_of "$1")"
}
claims_of() { sql "SELECT coalesce(string_agg(host, ','), '') FROM claims WHERE migration_id = $(mig_of "$1")"; }
migrate() {
    api POST "/v2.1/servers/$1/action" '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' 2.30
}
instance() {
    local id
    id=$(seed_instance "$1" t130-src admin)
    # the source's hypervisor type is the one asked for
    echo "$id"
}

# retries allowed (-1, the default): t130-big refuses, t130-ok1 takes it
A=$(instance t130-a)
migrate "$A"
expect_status 202
[[ $(checks_of "$A") == "t130-big:failed t130-ok1:done" ]] || fail "checks: $(checks_of "$A")"
ok
[[ $(sql "SELECT dest_compute FROM migrations WHERE id = $(mig_of "$A")") == t130-ok1 ]] \
    || fail "destination after the retry"
ok
# the refused host's claim went; the chosen one holds the guest's
[[ $(claims_of "$A") == t130-ok1 ]] || fail "claims: $(claims_of "$A")"
ok
[[ $(sql "SELECT memory_mb FROM claims WHERE migration_id = $(mig_of "$A")") == 256 ]] || fail "claim size"
ok

# no retries: the first refusal ends it, with Nova's words and the reason
printf '[DEFAULT]\nmigrate_max_retries = 0\n' > "$FERRY_STATE/etc/local.conf"
"$STACK" restart ferry-scheduler >/dev/null 2>&1
B=$(instance t130-b)
migrate "$B"
expect_fault badRequest 400 "Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures for instance $B. t130-big: fake: t130-big refuses"
[[ $(checks_of "$B") == "t130-big:failed" ]] || fail "checks: $(checks_of "$B")"
ok
[[ $(sql "SELECT reason FROM migrations WHERE id = $(mig_of "$B")") == "Exceeded maximum number of retries."* ]] \
    || fail "reason"
ok
[[ -z $(claims_of "$B") ]] || fail "a claim left behind: $(claims_of "$B")"
ok
# the conductor's event says so too
[[ $(sql "SELECT e.result || ' ' || e.details FROM instance_action_events e
          JOIN instance_actions a ON a.id = e.action_id
          WHERE a.instance_uuid = '$B' AND e.event = 'conductor_migrate_server'") == "Error Exceeded maximum number of retries."* ]] \
    || fail "the conductor event"
ok

# one retry: t130-big, then t130-ok1 (still the most free RAM) takes it
printf '[DEFAULT]\nmigrate_max_retries = 1\n' > "$FERRY_STATE/etc/local.conf"
"$STACK" restart ferry-scheduler >/dev/null 2>&1
C=$(instance t130-c)
migrate "$C"
expect_status 202
[[ $(checks_of "$C") == "t130-big:failed t130-ok1:done" ]] || fail "checks: $(checks_of "$C")"
ok

# every host refusing or full: the host that refused its check first, then
# those that came closest (no room), then the rest, counted past ten
sql "UPDATE compute_hosts SET memory_mb = 200 WHERE host IN ('t130-ok1', 't130-ok2')"
rm -f "$FERRY_STATE/etc/local.conf"
"$STACK" restart ferry-scheduler >/dev/null 2>&1
D=$(instance t130-d)
migrate "$D"
expect_fault badRequest 400
expect_json '.badRequest.message | startswith("No valid host was found. t130-big: fake: t130-big refuses; t130-ok1: not enough free RAM (needs 256 MB, ")' true
expect_json '.badRequest.message | test("; t130-ok2: not enough free RAM \\(needs 256 MB, -?[0-9]+ MB free\\); ")' true
done_ok
