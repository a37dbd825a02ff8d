#!/bin/bash
# t131: the CPU pre-filter on KVM hosts.  Seventy hosts with the most free
# RAM lack a CPU feature the guest requires and one smaller host has it: the
# C filter leaves each of the seventy out of the next query (not a retry,
# and not bounded by how many hosts a migration may try), and the guest goes
# to the one host that can run it.  Hosts of a hypervisor type of their own
# (T131), so no other test's host is a candidate.
source "$(dirname "$0")/lib.sh"
cleanup() {
    sql "UPDATE instances SET deleted = true, deleted_at = now() WHERE host LIKE 't131-%'"
    sql "UPDATE compute_hosts SET disabled = true WHERE host LIKE 't131-%'"
}
trap 'cleanup >/dev/null; rm -rf "$T_TMP"' EXIT
sql "INSERT INTO compute_hosts (uuid, host, hypervisor_hostname, libvirt_uri, migration_addr,
         host_ip, memory_mb, vcpus, hypervisor_type, hypervisor_version, virt_type,
         cpu_model, cpu_features, heartbeat_at)
     SELECT gen_random_uuid(), h, h, 'qemu+tcp://' || h || '/system', h, '127.0.0.1',
            CASE WHEN h = 't131-ok' THEN 8192 ELSE 65536 + n END, 64, 'T131', 7002022, 'kvm',
            'Haswell', CASE WHEN h = 't131-ok' THEN '{sse2,avx2,avx512f}'::text[]
                            ELSE '{sse2,avx2}'::text[] END, now()
     FROM (SELECT 't131-n' || lpad(n::text, 2, '0') AS h, n FROM generate_series(1, 70) n
           UNION ALL SELECT 't131-src', 0 UNION ALL SELECT 't131-ok', 0) hs
     ON CONFLICT (host) DO UPDATE SET heartbeat_at = now(), disabled = false"
A=$(seed_instance t131-a t131-src admin)
# as ferry-compute imports it: the <cpu>, and the features it requires
sql "UPDATE instances SET cpu_xml = '<cpu mode=''custom''><model>Haswell</model><feature policy=''require'' name=''avx512f''/></cpu>',
     cpu_features = '{avx512f}' WHERE uuid = '$A'"
api POST "/v2.1/servers/$A/action" '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' 2.30
expect_status 202
MIG=$(last_migration "$A")
[[ $(sql "SELECT status || ' ' || dest_compute FROM migrations WHERE id = $MIG") == "queued t131-ok" ]] \
    || fail "migration: $(sql "SELECT status || ' ' || coalesce(dest_compute, '-') || ' ' || coalesce(reason, '') FROM migrations WHERE id = $MIG")"
ok
# only the host that passed the pre-filter was asked to check itself
[[ $(sql "SELECT string_agg(host, ' ') FROM host_requests
          WHERE kind = 'check_destination' AND migration_id = $MIG") == t131-ok ]] \
    || fail "checks asked"
ok

# and when no host has the feature, every refusal says why
sql "UPDATE compute_hosts SET cpu_features = '{sse2,avx2}' WHERE host = 't131-ok'"
B=$(seed_instance t131-b t131-src admin)
sql "UPDATE instances SET (cpu_xml, cpu_features) = (SELECT cpu_xml, cpu_features FROM instances
     WHERE uuid = '$A') WHERE uuid = '$B'"
api POST "/v2.1/servers/$B/action" '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' 2.30
expect_fault badRequest 400
expect_json '.badRequest.message | startswith("No valid host was found. There are not enough hosts available. ")' true
expect_json '.badRequest.message | test("t131-n01: its CPU \\(Haswell\\) lacks avx512f, which the guest.s CPU requires")' true
done_ok
