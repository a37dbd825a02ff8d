#!/bin/bash
# e300: a CPU-bound guest that out-dirties the link converges only with
# live_migration_permit_auto_converge (QEMU throttles its vCPU), and the
# telemetry shows the throttle rising.
source "$(dirname "$0")/lib.sh"
S=$(new_guest ac-guest t-lab-1 128 "fill=1 spin=5000 wss=32")
pin_nova "$S"

# Nova's defaults: no auto-converge, downtime 50 ms for the first 150 s:
# five pre-copy passes go by (libvirt's word, in the samples) and it still
# runs, never throttled; then abort
reconfigure ""
id=$(live_migrate "$S")
wait_for "five pre-copy passes, or the end" 120 \
    "[[ \$(sample_max $id iteration) -ge 5 || \$(migration_status $id) != running ]]"
[[ $(migration_status "$id") == running ]] || fail "without auto-converge: $(migration_status "$id")"
ok
[[ $(sample_max "$id" throttle_pct) == 0 ]] || fail "no throttle without auto-converge"
ok
api DELETE "/v2.1/servers/$S/migrations/$id" "" 2.24
expect_status 202
[[ $(wait_migration_done "$id" 60) == cancelled ]] || fail "abort"
ok

reconfigure "[libvirt]
live_migration_permit_auto_converge = true"
id=$(live_migrate "$S")
[[ $(wait_migration_done "$id" 120) == completed ]] || fail "with auto-converge: $(migration_status "$id")"
ok
[[ $(sample_max "$id" throttle_pct) -ge 20 ]] || fail "throttle never rose: $(sample_max "$id" throttle_pct)"
ok
assert_alive_on ac-guest "$(server_host ac-guest)"
drop_guest ac-guest
done_ok
