#!/bin/bash
# t531 - a ferry-scheduler waiting for work stops as soon as it is told
# (SIGTERM), not when its wait for a notification runs out (db_wait returns
# on a signal).  One of its own, on the run's database, idle.
source "$(dirname "$0")/lib.sh"
"$REPO/build/ferry-scheduler" --config-file "$FERRY_STATE/etc/ferry.conf" \
    > "$T_TMP/sched.log" 2>&1 &
pid=$!
wait_for "the scheduler listening" 10 "grep -q 'database connection established' $T_TMP/sched.log"
# in its wait for a notification (5 s when idle): a stop must not wait that out
wait_for "the scheduler in poll()" 10 "grep -qs poll /proc/$pid/wchan"
t0=$(date +%s%N)
kill -TERM "$pid"
wait "$pid"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
(( ms < 1500 )) || fail "ferry-scheduler took $ms ms to stop after SIGTERM"
ok
done_ok
