#!/bin/bash
# t920: POST/GET /ferry/v1/hosts/{host}/drain, a server-side host drain, on a
# host of its own (h920; last of the shell tests, so its claims on h2/h3 touch
# no other test): admin only, Nova's faults; the service disabled with the
# drain's reason (a disabled one keeps its own); an ordinary os-migrateLive
# per instance under the drain's request id, scheduled like any other; a
# stopped instance skipped with Nova's reason; the state as the migrations
# end (played through SQL, as the computes write them): incomplete while an
# instance remains, drained once none does; refused (409) for a host that is
# down and while the last drain still moves something.
source "$(dirname "$0")/lib.sh"
seed_hosts
sql "INSERT INTO compute_hosts (uuid, host, hypervisor_hostname, libvirt_uri, migration_addr,
         host_ip, memory_mb, vcpus, hypervisor_type, hypervisor_version, heartbeat_at)
     VALUES (gen_random_uuid(), 'h920', 'h920.node', 'qemu+tcp://h920/system', 'h920',
             '127.0.0.1', 65536, 16, 'QEMU', 7002022, now())
     ON CONFLICT (host) DO UPDATE SET heartbeat_at = now(), disabled = false,
         disabled_reason = NULL" >/dev/null
A=$(seed_instance t920-a h920 fe920)
B=$(seed_instance t920-b h920 fe920 paused)
C=$(seed_instance t920-c h920 fe920 stopped)
D=/ferry/v1/hosts/h920/drain

# ---- refusals ---------------------------------------------------------------------
api POST "$D" "" "" "u-fe920:fe920"
expect_fault forbidden 403 "Policy doesn't allow ferry:hosts:drain to be performed."
api GET "$D" "" "" "u-fe920:fe920"
expect_fault forbidden 403 "Policy doesn't allow ferry:hosts:drain:show to be performed."
api POST /ferry/v1/hosts/no-such-host/drain
expect_fault itemNotFound 404 "Compute host no-such-host could not be found."
api GET "$D"
expect_fault itemNotFound 404 "Compute host h920 has no drain."
api POST "$D" '{"drain": {"disabled_reason": ""}}'
expect_fault badRequest 400
api POST "$D" '{"drain": {"reason": "x"}}'
expect_fault badRequest 400
api POST "$D" '{"drain": []}'
expect_fault badRequest 400
api DELETE "$D"
expect_status 404
# a host that is down: evacuate's case, not a drain's; left as it was
api POST /ferry/v1/hosts/h-down/drain
expect_fault conflictingRequest 409 "Compute service of h-down is unavailable at this time."
[[ $(sql "SELECT disabled FROM compute_hosts WHERE host = 'h-down'") == f ]] \
    || fail "a refused drain disabled h-down"
[[ $(sql "SELECT disabled FROM compute_hosts WHERE host = 'h920'") == f ]] \
    || fail "a refused drain disabled the host"
[[ $(sql "SELECT count(*) FROM migrations WHERE instance_uuid IN ('$A', '$B', '$C')") == 0 ]] \
    || fail "a refused drain started migrations"
ok

# ---- a drain: the host disabled, a migration per instance that can move ----------
api POST "$D"
expect_status 202
REQ=$(jq -r .drain.request_id "$BODY")
expect_json '.drain.host' h920
expect_json '.drain.disabled_reason' "drained by $REQ"
expect_json '.drain.state' draining
expect_json '[.drain.migrations[].server_id] | sort | join(",")' "$(printf '%s\n' "$A" "$B" | sort | paste -sd,)"
expect_json '.drain.skipped | length' 1
expect_json '.drain.skipped[0].server_id' "$C"
expect_json '.drain.skipped[0].reason' "Cannot 'os-migrateLive' instance $C while it is in vm_state stopped"
expect_json '.drain.instances_remaining' 3
api GET /v2.1/os-services 2.53
expect_json '.services[] | select(.host == "h920") | [.status, .disabled_reason] | join(",")' \
    "disabled,drained by $REQ"
# ordinary migrations: the request id, the instance action, the scheduler
[[ $(sql "SELECT count(*) FROM migrations WHERE request_id = '$REQ' AND source_compute = 'h920'
          AND migration_type = 'live-migration'") == 2 ]] || fail "the rows"
[[ $(sql "SELECT count(*) FROM instance_actions WHERE request_id = '$REQ'
          AND action = 'live-migration'") == 2 ]] || fail "the instance actions"
ok
wait_for "both scheduled" 30 "api GET $D && [[ \$(jq -r '[.drain.migrations[]
    | select(.status == \"queued\" and (.dest_compute == \"h2\" or .dest_compute == \"h3\"))]
    | length' \$BODY) == 2 ]]"
expect_json '.drain.migrations_in_progress' 2
# a second drain while this one moves: refused, nothing changed
api POST "$D" '{"drain": {"disabled_reason": "again"}}'
expect_fault conflictingRequest 409 "Compute host h920 is being drained ($REQ): 2 live migration(s) from it under way."
[[ $(sql "SELECT count(*) FROM host_drains WHERE host = 'h920'") == 1 ]] || fail "a second drain"
ok

# ---- as they end: one completes, one fails --------------------------------------
MA=$(sql "SELECT id FROM migrations WHERE request_id = '$REQ' AND instance_uuid = '$A'")
MB=$(sql "SELECT id FROM migrations WHERE request_id = '$REQ' AND instance_uuid = '$B'")
sql "UPDATE migrations SET status = 'completed', finished_at = now() WHERE id = $MA;
     UPDATE instances SET host = (SELECT dest_compute FROM migrations WHERE id = $MA),
         task_state = NULL WHERE uuid = '$A';
     UPDATE migrations SET status = 'failed', finished_at = now(),
         reason = 'live migration failed: t920' WHERE id = $MB;
     UPDATE instances SET task_state = NULL WHERE uuid = '$B'" >/dev/null
api GET "$D"
expect_status 200
expect_json '.drain.state' incomplete
expect_json '.drain.instances_remaining' 2
expect_json '.drain.migrations_in_progress' 0
expect_json ".drain.migrations[] | select(.migration_id == $MB) | .reason" \
    "live migration failed: t920"

# ---- drained again: the disabled host keeps its reason; the latest drain is shown
api POST "$D" '{"drain": {"disabled_reason": "second"}}'
expect_status 202
REQ2=$(jq -r .drain.request_id "$BODY")
[[ $REQ2 != "$REQ" ]] || fail "the same request id"
expect_json '.drain.disabled_reason' "drained by $REQ"
expect_json '[.drain.migrations[].server_id] | join(",")' "$B"
expect_json '.drain.skipped[0].server_id' "$C"
M2=$(jq -r '.drain.migrations[0].migration_id' "$BODY")
sql "UPDATE migrations SET status = 'completed', finished_at = now() WHERE id = $M2;
     UPDATE instances SET host = 'h2', task_state = NULL WHERE uuid = '$B';
     UPDATE instances SET deleted = true, deleted_at = now() WHERE uuid = '$C'" >/dev/null
api GET "$D"
expect_json '.drain.request_id' "$REQ2"
expect_json '.drain.state' drained
expect_json '.drain.instances_remaining' 0
done_ok
