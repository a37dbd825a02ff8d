#!/bin/bash
# e520: PostgreSQL stops for a while during a migration.  Meanwhile the API
# answers 503 with Nova's fault body (/healthcheck with its reason); every process reconnects by itself;
# the worker keeps its libvirt job and writes its state when the database
# is back; no row is lost or left in progress.
source "$(dirname "$0")/lib.sh"
reconfigure ""
S=$(new_guest db-guest t-lab-1 128 "fill=1 rate=200 wss=64")
pin_nova "$S"                           # runs through the outage until force-completed
id=$(live_migrate "$S")
wait_for "running" 30 "[[ \$(migration_status $id) == running ]]"
"$STACK" pg-stop >/dev/null 2>&1
api GET "/v2.1/servers/$S/migrations" "" 2.80
expect_fault serviceUnavailable 503
# a load balancer's probe says why; the metrics are a 503 like any route
api GET /healthcheck "" "" ""
expect_status 503
[[ $(cat "$BODY") == "database unavailable: "* ]] || fail "healthcheck: $(cat "$BODY")"
ok
api GET /metrics
expect_fault serviceUnavailable 503
api GET "/v2.1/servers/$S/migrations" "" 2.80 "" 2>/dev/null
wait_job_moves t-lab-1 db-guest "the migration goes on without the database"
"$STACK" pg-start >/dev/null 2>&1
wait_for "the API answers again" 30 'api GET /v2.1/os-migrations && [[ $STATUS == 200 ]]'
api POST "/v2.1/servers/$S/migrations/$id/action" '{"force_complete": null}' 2.22
expect_status 202
[[ $(wait_migration_done "$id" 90) == completed ]] || fail "after the outage: $(migration_status "$id")"
ok
assert_alive_on db-guest "$(server_host db-guest)"

# the database goes away exactly while the job ends: the outcome is still
# recorded.  To make "while" certain, the job is slowed to a crawl on the
# lab (libvirt's own knob) before force-complete pauses the guest, so that it
# cannot end before the database is down; then it is given its speed back
# and ends on the lab while the database is still down.
id=$(live_migrate "$S")
wait_for "running" 30 "[[ \$(migration_status $id) == running ]]"
src=$(server_host db-guest)
dest=$(sql "SELECT dest_compute FROM migrations WHERE id = $id")
wait_for "the first samples" 30 "[[ \$(sample_max $id memory_processed) -gt 0 ]]"
lab virsh "$src" migrate-setspeed db-guest --bandwidth 1 >/dev/null || fail "migrate-setspeed 1"
api POST "/v2.1/servers/$S/migrations/$id/action" '{"force_complete": null}' 2.22
expect_status 202
wait_for "force-complete to pause the guest" 30 "[[ \$(lab virsh $src domstate db-guest) == paused ]]"
"$STACK" pg-stop >/dev/null 2>&1
sql "SELECT 1" >/dev/null 2>&1 && fail "the database is still up"
ok
[[ -n $(job_processed "$src" db-guest) ]] || fail "the job ended before the database went away"
ok
lab virsh "$src" migrate-setspeed db-guest --bandwidth 64 >/dev/null || fail "migrate-setspeed 64"
wait_for "the job to end on the lab, the guest running on $dest" 120 \
    "[[ \$(lab where db-guest) == $dest && -z \$(job_processed $src db-guest) ]]"
sql "SELECT 1" >/dev/null 2>&1 && fail "the database came back before the job ended"
ok
"$STACK" pg-start >/dev/null 2>&1
[[ $(wait_migration_done "$id" 90) == completed ]] || fail "end during the outage: $(migration_status "$id")"
ok
assert_consistent db-guest
drop_guest db-guest
done_ok
