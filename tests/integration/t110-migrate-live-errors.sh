#!/bin/bash
# t110: os-migrateLive refusals, each with Nova's status, fault and words.
source "$(dirname "$0")/lib.sh"
seed_hosts
S=$(seed_instance t110-vm h1 admin)
OTHER=$(seed_instance t110-other h1 p2)
STOPPED=$(seed_instance t110-stopped h1 admin stopped)
LOCKED=$(seed_instance t110-locked h1 p3 active true)
act() { api POST "/v2.1/servers/$1/action" "$2" "${3:-}" "${4:-admin:admin}"; }

act 00000000-0000-4000-8000-000000000000 '{"os-migrateLive": {"host": null, "block_migration": false, "disk_over_commit": false}}'
expect_fault itemNotFound 404 'Instance 00000000-0000-4000-8000-000000000000 could not be found.'
act demo-idle '{"os-migrateLive": {"host": null, "block_migration": false, "disk_over_commit": false}}'
expect_fault itemNotFound 404 'Instance demo-idle could not be found.'

# a body error is found before the instance (schema runs first)
act 00000000-0000-4000-8000-000000000000 '{"os-migrateLive": {"block_migration": false, "disk_over_commit": false}}'
expect_fault badRequest 400 "Invalid input for field/attribute os-migrateLive. Value: {'block_migration': False, 'disk_over_commit': False}. 'host' is a required property"
act "$S" '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' 2.24
expect_fault badRequest 400
act "$S" '{"os-migrateLive": {"host": null, "block_migration": false, "disk_over_commit": false}}' 2.25
expect_fault badRequest 400 "Invalid input for field/attribute os-migrateLive. Value: {'host': None, 'block_migration': False, 'disk_over_commit': False}. Additional properties are not allowed ('disk_over_commit' was unexpected)"
act "$S" '{"os-migrateLive": {"host": null, "block_migration": "auto", "force": true}}' 2.30
expect_fault badRequest 400 "Can't force to a non-provided destination"
act "$S" '{"os-migrateLive": {"host": "h2", "block_migration": "auto", "force": true}}' 2.68
expect_fault badRequest 400
act "$S" 'not json' 2.30
expect_fault badRequest 400 'Malformed request body'
act "$S" '{"os-migrateLive": {"host": null, "block_migration": "auto"}, "x": 1}' 2.30
expect_fault badRequest 400 'Malformed request body'
act "$S" '{"os-start": null}' 2.30
expect_fault badRequest 400 'There is no such action: os-start'

# another project's server is not found, even for a valid body
act "$OTHER" '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' 2.30 'u1:p1'
expect_fault itemNotFound 404
# a project's own user may not (Nova's default: manager or admin)
act "$OTHER" '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' 2.30 'u2:p2'
expect_fault forbidden 403 "Policy doesn't allow os_compute_api:os-migrate-server:migrate_live to be performed."
act "$OTHER" '{"os-migrateLive": {"host": "h2", "block_migration": "auto"}}' 2.30 'u2:p2'
expect_fault forbidden 403 "Policy doesn't allow os_compute_api:os-migrate-server:migrate_live:host to be performed."

act "$STOPPED" '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' 2.30
expect_fault conflictingRequest 409 "Cannot 'os-migrateLive' instance $STOPPED while it is in vm_state stopped"
act "$S" '{"os-migrateLive": {"host": "no-such-host", "block_migration": "auto"}}' 2.30
expect_fault badRequest 400 'Compute host no-such-host could not be found.'
[[ $(sql "SELECT coalesce(task_state, 'none') FROM instances WHERE uuid = '$S'") == none ]] || fail "state was touched"
ok

# locked: admins pass the lock, as in Nova
sql "UPDATE instances SET project_id = 'admin' WHERE uuid = '$LOCKED'"
act "$LOCKED" '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' 2.34
expect_status 202

# already migrating
act "$S" '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' 2.34
expect_status 202
act "$S" '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' 2.34
expect_fault conflictingRequest 409 "Cannot 'os-migrateLive' instance $S while it is in task_state migrating"
done_ok
