#!/bin/bash
# e520: PostgreSQL stops for a while during a migration.  Meanwhile the API
# answers 503 with Nova's fault body; every process reconnects by itself;
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
api GET "/v2.1/servers/$S/migrations" "" 2.80 "" 2>/dev/null
sleep 8
[[ $(lab virsh t-lab-1 domjobinfo db-guest | awk '/^Job type/ {print $3}') == Unbounded ]] \
    || fail "the migration went on without the database"
ok
"$STACK" pg-start >/dev/null 2>&1
wait_for "the API answers again" 30 '[[ $(curl -s -o /dev/null -w "%{http_code}" -H "X-Auth-Token: admin:admin" "$API/v2.1/os-migrations") == 200 ]]'
api POST "/v2.1/servers/$S/migrations/$id/action" '{"force_complete": null}' 2.22
expect_status 202
[[ $(wait_migration_done "$id" 90) == completed ]] || fail "after the outage: $(migration_status "$id")"
ok
assert_alive_on db-guest "$(server_host db-guest)"

# the database goes away exactly while the job ends: the outcome is still recorded
id=$(live_migrate "$S")
wait_for "running" 30 "[[ \$(migration_status $id) == running ]]"
api POST "/v2.1/servers/$S/migrations/$id/action" '{"force_complete": null}' 2.22
"$STACK" pg-stop >/dev/null 2>&1
sleep 10
"$STACK" pg-start >/dev/null 2>&1
[[ $(wait_migration_done "$id" 90) == completed ]] || fail "end during the outage: $(migration_status "$id")"
ok
assert_consistent db-guest
drop_guest db-guest
done_ok
