#!/bin/bash
# e505: `make run` after a crash.  kill -9 of one ferry-compute (its pid from
# the stack's pid file) while its migration runs, then `tools/stack up`, what
# `make run` runs and what the README tells an operator to do: it starts
# again only the dead worker, waits until that host has really registered
# again (not only for the others' heart-beats), says what it restarted, and
# returns quickly; the worker re-attaches and the migration completes.  The
# restarted host's row is held locked for a while, so that an `up` that did
# not wait for that host to register would be caught returning early.
source "$(dirname "$0")/lib.sh"
[[ -s $FERRY_STATE/etc/local.conf ]] && reconfigure ""
S=$(new_guest k-crash t-lab-1 128 "fill=1 rate=200 wss=64")
# Nova's policy: it keeps migrating this hopeless guest (ferry refuses it at
# once: 200 MiB/s over 64 MiB against [ferry] link_bandwidth_mib, 64), which the
# test needs
pin_nova "$S"

id=$(live_migrate "$S")
wait_for "running" 30 "[[ \$(migration_status $id) == running ]]"
# (running is written just before the worker calls libvirt: the job itself)
wait_for "k-crash's libvirt job" 30 "[[ -n \$(job_processed t-lab-1 k-crash) ]]"
victim=$(proc_pid ferry-compute@t-lab-1)
declare -A before
for f in "$FERRY_STATE"/pids/*.pid; do before[$(basename "$f" .pid)]=$(cat "$f"); done
kill -9 "$victim"
wait_for "ferry-compute@t-lab-1 gone" 10 "! kill -0 $victim 2>/dev/null"

# t-lab-1's row locked meanwhile, so its new worker cannot register until
# the test lets it: `up` must still be waiting then, not merely skip it
PGAPPNAME=e505-lock psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d ferry -Atq \
    -c "BEGIN" -c "SELECT 1 FROM compute_hosts WHERE host = 't-lab-1' FOR UPDATE" \
    -c "SELECT pg_sleep(120)" >/dev/null 2>&1 &
locker=$!
unlock() {
    sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = 'e505-lock'" >/dev/null
    wait "$locker" 2>/dev/null
}
trap 'unlock; rm -rf "$T_TMP"' EXIT
wait_for "t-lab-1's row locked" 10 "[[ \$(sql \"SELECT count(*) FROM pg_stat_activity
    WHERE application_name = 'e505-lock' AND query LIKE '%pg_sleep%'\") == 1 ]]"
since=$(sql "SELECT extract(epoch from now())")
t0=$(date +%s)
"$STACK" up > "$FERRY_STATE/e505-up.log" 2>&1 &
up=$!
wait_for "the new ferry-compute waiting for t-lab-1's row" 30 \
    "[[ \$(sql \"SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE
      'ferry-compute%' AND wait_event_type = 'Lock'\") -ge 1 ]]"
# ... and up, after that, still in its wait loop (a `sleep` child of its
# own; an up that returned is at most a zombie with no children)
wait_for "up still waiting for t-lab-1" 10 "pgrep -P $up -x sleep"
[[ $(ps -o stat= -p "$up") == [^Z]* ]] \
    || fail "up returned before t-lab-1 registered again: $(cat "$FERRY_STATE/e505-up.log")"
ok
unlock
wait "$up" || fail "tools/stack up failed: $(tail -n 3 "$FERRY_STATE/e505-up.log")"
took=$(($(date +%s) - t0))
[[ $took -lt 60 ]] || fail "tools/stack up took ${took}s"
ok
echo "  e505: tools/stack up after the crash returned in ${took}s"
[[ $(sql "SELECT started_at >= to_timestamp($since) FROM compute_hosts
          WHERE host = 't-lab-1'") == t ]] || fail "up returned before t-lab-1 was back"
ok
grep -qx "stack: restarted ferry-compute@t-lab-1 (it had died)" "$FERRY_STATE/e505-up.log" \
    || fail "up did not say what it restarted: $(cat "$FERRY_STATE/e505-up.log")"
[[ $(grep -c "restarted .* (it had died)" "$FERRY_STATE/e505-up.log") == 1 ]] \
    || fail "up names more than the dead worker: $(grep restarted "$FERRY_STATE/e505-up.log")"
ok
# only the dead one was started again; everything else kept its process
for p in "${!before[@]}"; do
    now=$(proc_pid "$p")
    if [[ $p == ferry-compute@t-lab-1 ]]; then
        [[ $now != "${before[$p]}" ]] || fail "$p was not restarted"
    else
        [[ $now == "${before[$p]}" ]] || fail "$p was restarted too (${before[$p]} -> $now)"
    fi
done
ok

# the new worker re-attached to the running job; force-complete ends it
wait_for "re-attached" 30 "grep -q 'recovering migration mig=$id status=running' \
    '$FERRY_STATE/log/ferry-compute@t-lab-1.log'"
api POST "/v2.1/servers/$S/migrations/$id/action" '{"force_complete": null}' 2.22
expect_status 202
[[ $(wait_migration_done "$id" 60) == completed ]] || fail "after up: $(migration_status "$id")"
ok
dest=$(server_host k-crash)
[[ $dest != t-lab-1 ]] || fail "not moved"
ok
assert_alive_on k-crash "$dest"
assert_consistent k-crash
drop_guest k-crash
done_ok
