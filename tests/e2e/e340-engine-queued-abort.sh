#!/bin/bash
# e340: max_concurrent_live_migrations = 1 (Nova's default): a second
# migration from the same source waits queued; aborting it is refused before
# 2.65 and cancels it at once from 2.65; the running one is then aborted.
source "$(dirname "$0")/lib.sh"
reconfigure ""
H=$(new_guest q-hot t-lab-1 128 "fill=1 rate=200 wss=64")
# Nova's policy: it keeps migrating this hopeless guest (ferry refuses it at
# once: 200 MiB/s over 64 MiB against [ferry] link_bandwidth_mib, 64), which the
# test needs
pin_nova "$H"
I=$(new_guest q-idle t-lab-1 64 "fill=1")
hot=$(live_migrate "$H")
wait_for "running" 30 "[[ \$(migration_status $hot) == running ]]"
q=$(live_migrate "$I")
wait_for "queued" 30 "[[ \$(migration_status $q) == queued ]]"
# t-lab-1's worker has looked at its queued rows since, and left this one
queued_at="(SELECT max(at) FROM migration_events WHERE migration_id = $q AND to_status = 'queued')"
wait_for "t-lab-1 to look at its queue" 30 "compute_looked_since t-lab-1 \"$queued_at\""
[[ $(migration_status "$q") == queued ]] || fail "the second one waits: $(migration_status "$q")"
ok
api GET "/v2.1/servers/$I/migrations" "" 2.80
expect_json '.migrations[0].status' queued
api DELETE "/v2.1/servers/$I/migrations/$q" "" 2.64
expect_fault badRequest 400 "Migration $q state of instance $I is queued. Cannot abort live migration while the migration is in this state."
api DELETE "/v2.1/servers/$I/migrations/$q" "" 2.65
expect_status 202
[[ $(migration_status "$q") == cancelled ]] || fail "cancelled at once"
ok
api GET "/v2.1/servers/$I" "" 2.1
expect_json '.server.status' ACTIVE
[[ $(server_host q-idle) == t-lab-1 ]] || fail "q-idle never moved"
ok
api DELETE "/v2.1/servers/$H/migrations/$hot" "" 2.24
expect_status 202
[[ $(wait_migration_done "$hot" 60) == cancelled ]] || fail "running abort"
ok
assert_alive_on q-hot t-lab-1
assert_alive_on q-idle t-lab-1
drop_guest q-hot
drop_guest q-idle
done_ok
