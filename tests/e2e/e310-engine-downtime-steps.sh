#!/bin/bash
# e310: Nova's downtime steps, scaled down: downtime 2000 ms in 3 steps every
# 3 s per GiB (x 2 GiB = 6 s): 666, 1111, 1555, 2000 ms at 0, 6, 12, 18 s.
# A guest rewriting 64 MiB needs about 1 s of downtime on the 64 MiB/s link,
# so it cannot finish at 666 ms and finishes once a later step allows it.
source "$(dirname "$0")/lib.sh"
reconfigure "[libvirt]
live_migration_downtime = 2000
live_migration_downtime_steps = 3
live_migration_downtime_delay = 3"
S=$(new_guest steps-guest t-lab-1 128 "fill=1 rate=200 wss=64")
pin_nova "$S"
id=$(live_migrate "$S")
[[ $(wait_migration_done "$id" 90) == completed ]] || fail "steps: $(migration_status "$id")"
ok
first=$(sql "SELECT max_downtime_ms FROM migration_samples WHERE migration_id = $id ORDER BY seq LIMIT 1")
[[ $first == 666 ]] || fail "step 0 applies at once: $first"
ok
[[ $(sample_max "$id" max_downtime_ms) -ge 1111 ]] || fail "a later step was needed: $(sample_max "$id" max_downtime_ms)"
ok
[[ $(sql "SELECT total_time_ms > 6000 FROM migrations WHERE id = $id") == t ]] || fail "it finished before step 1"
ok
[[ $(sql "SELECT downtime_ms FROM migrations WHERE id = $id") -gt 0 ]] || fail "actual downtime recorded"
ok
assert_alive_on steps-guest "$(server_host steps-guest)"
drop_guest steps-guest
done_ok
