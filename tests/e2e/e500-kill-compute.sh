#!/bin/bash
# e500: kill -9 of the source's ferry-compute while its migration runs.
# libvirt's peer-to-peer job goes on without it; the restarted worker
# attaches to the job (monitoring and force-complete work again), or, when
# the job ended while it was away, records the true outcome from where the
# guest now runs.
source "$(dirname "$0")/lib.sh"
reconfigure ""
S=$(new_guest k-hot t-lab-1 128 "fill=1 rate=200 wss=64")
# a job that runs until force-completed: Nova's policy (the ferry policy
# would cancel this guest within seconds, nothing being permitted to it)
pin_nova "$S"

# 1. re-attach to a running job, then force-complete it
id=$(live_migrate "$S")
wait_for "running" 30 "[[ \$(migration_status $id) == running ]]"
# (running is written just before the worker calls libvirt: the job itself)
wait_for "k-hot's libvirt job" 30 "[[ -n \$(job_processed t-lab-1 k-hot) ]]"
"$STACK" kill ferry-compute@t-lab-1 >/dev/null 2>&1
wait_job_moves t-lab-1 k-hot "the libvirt job survives its client"
before=$(sql "SELECT coalesce(memory_processed, 0) FROM migrations WHERE id = $id")
"$STACK" start ferry-compute@t-lab-1 >/dev/null 2>&1
wait_for "counters move again" 30 "[[ \$(sql \"SELECT coalesce(memory_processed, 0) FROM migrations WHERE id = $id\") -gt $before ]]"
grep -q "recovering migration mig=$id status=running job=running" "$FERRY_STATE/log/ferry-compute@t-lab-1.log" \
    || fail "no re-attach in the log"
ok
api POST "/v2.1/servers/$S/migrations/$id/action" '{"force_complete": null}' 2.22
expect_status 202
[[ $(wait_migration_done "$id" 60) == completed ]] || fail "after re-attach: $(migration_status "$id")"
ok
dest=$(server_host k-hot)
[[ $dest != t-lab-1 ]] || fail "not moved"
ok
assert_alive_on k-hot "$dest"

# 2. the job ends while ferry-compute is away: an idle guest finishes alone
# (through links capped at 8 MiB/s, so that its 64 MiB take some 8 s: the
# kill lands while its job runs, not before it starts nor after it ends)
I=$(new_guest k-idle "$dest" 64 "fill=1")
for h in t-lab-1 t-lab-2 t-lab-3; do
    [[ $h == "$dest" ]] || lab link "$h" rate 8 >/dev/null || fail "lab link $h rate 8"
done
trap 'for h in t-lab-1 t-lab-2 t-lab-3; do lab link "$h" remove >/dev/null 2>&1; done
      rm -rf "$T_TMP"' EXIT
id=$(live_migrate "$I")
wait_for "running" 30 "[[ \$(migration_status $id) == running ]]"
wait_for "k-idle's libvirt job" 30 "[[ -n \$(job_processed $dest k-idle) ]]"
"$STACK" kill "ferry-compute@$dest" >/dev/null 2>&1
wait_for "the job ends without its worker" 60 "[[ \$(lab where k-idle) != $dest ]]"
[[ $(migration_status "$id") == running ]] || fail "nobody should have written meanwhile"
ok
"$STACK" start "ferry-compute@$dest" >/dev/null 2>&1
[[ $(wait_migration_done "$id" 60) == completed ]] || fail "true outcome: $(migration_status "$id")"
ok
[[ $(server_host k-idle) == "$(lab where k-idle)" ]] || fail "instance host follows the guest"
ok
assert_consistent k-hot k-idle
drop_guest k-hot
drop_guest k-idle
done_ok
