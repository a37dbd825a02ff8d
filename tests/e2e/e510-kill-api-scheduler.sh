#!/bin/bash
# e510: kill -9 of ferry-api and ferry-scheduler loses nothing.  With no
# scheduler running a request is accepted and waits; the API that took it
# dies; the next scheduler to start takes the row and the migration
# completes.  A queued row whose source worker is dead is taken when it
# comes back.
source "$(dirname "$0")/lib.sh"
reconfigure ""
S=$(server_id demo-idle)
src=$(server_host demo-idle)
"$STACK" kill ferry-scheduler >/dev/null 2>&1
"$STACK" kill 'ferry-scheduler#2' >/dev/null 2>&1
# no scheduler left: their sessions are gone (and their locks with them)
wait_for "no scheduler session" 30 \
    "[[ \$(sql \"SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ferry-scheduler'\") == 0 ]]"
id=$(live_migrate "$S")
[[ $(migration_status "$id") == accepted ]] || fail "nobody to schedule: $(migration_status "$id")"
ok
"$STACK" kill ferry-api >/dev/null 2>&1
"$STACK" start ferry-api >/dev/null 2>&1
wait_for "api back" 20 'curl -fs -o /dev/null "$API/"'
"$STACK" start 'ferry-scheduler#2' >/dev/null 2>&1
[[ $(wait_migration_done "$id" 60) == completed ]] || fail "taken up again: $(migration_status "$id")"
ok
[[ $(server_host demo-idle) != "$src" ]] || fail "moved"
ok
"$STACK" start ferry-scheduler >/dev/null 2>&1

# a queued row outlives its source's worker: with max_concurrent 1 a busy
# migration holds the source, a second waits queued; the worker is killed
# and restarted: it re-attaches to the first and, once that is aborted,
# takes the queued one
src=$(server_host demo-idle)
H=$(new_guest q-busy "$src" 128 "fill=1 rate=200 wss=64")
pin_nova "$H"                           # runs until aborted (ferry would cancel it)
hot=$(live_migrate "$H")
wait_for "busy running" 30 "[[ \$(migration_status $hot) == running ]]"
id=$(live_migrate "$S")
wait_for "queued behind it" 30 "[[ \$(migration_status $id) == queued ]]"
"$STACK" kill "ferry-compute@$src" >/dev/null 2>&1
since=$(sql "SELECT now()")
"$STACK" start "ferry-compute@$src" >/dev/null 2>&1
# the new worker re-attaches to the busy one and then looks at its queue
wait_for "re-attached" 60 "grep -q 'recovering migration mig=$hot status=running job=running' \
    \"$FERRY_STATE/log/ferry-compute@$src.log\""
wait_for "$src to look at its queue" 60 "compute_looked_since $src \"'$since'\""
[[ $(migration_status "$id") == queued ]] || fail "still queued behind the re-attached one: $(migration_status "$id")"
ok
api DELETE "/v2.1/servers/$H/migrations/$hot" "" 2.24
expect_status 202
[[ $(wait_migration_done "$hot" 60) == cancelled ]] || fail "busy one: $(migration_status "$hot")"
ok
[[ $(wait_migration_done "$id" 60) == completed ]] || fail "the queued one: $(migration_status "$id")"
ok
[[ $(sql "SELECT count(*) FROM migration_events WHERE migration_id = $id AND to_status = 'queued'") == 1 ]] \
    || fail "scheduled exactly once"
ok
assert_consistent demo-idle q-busy
drop_guest q-busy
done_ok
