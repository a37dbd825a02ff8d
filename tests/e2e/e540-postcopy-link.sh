#!/bin/bash
# e540: post-copy survives its link (README "Durability", rows 1 and 2).
# A busy guest goes to t-lab-3 over a slow lab link, switched to post-copy
# by force-complete; then the link breaks:
#   reset (lab link cut): libvirt fails the job in post-copy, the guest is
#     paused on the source with its memory split; the worker says so, probes
#     the data path (never resuming blindly: QEMU 7.2 would hang in
#     postcopy-recover) and, once the link is restored, resumes it;
#   silent drop (lab link drop): nothing fails, the job stalls; the worker
#     pauses it after link_stall_ms without progress, and resumes it
#     once the link is back.
# Both complete, the guest runs on at the destination, and the invariant
# holds.  The time from restore to completed is printed.  Then:
#   the source's ferry-compute killed (-9) while the post-copy is broken:
#     the restarted one finds the paused post-copy (worker_recover) and
#     goes on recovering it once the link is back (row 7);
#   a silent drop in pre-copy: nothing fails by itself; the worker aborts
#     the job after precopy_stall_ms without a byte moved: failed with that
#     reason, the guest running on at the source (row 4).
source "$(dirname "$0")/lib.sh"
DEST=t-lab-3
SRC=t-lab-1

finish() {
    drop_guest pcl-cut
    drop_guest pcl-drop
    drop_guest pcl-kill
    drop_guest pcl-pre
    lab link "$DEST" remove >/dev/null 2>&1 || true
}
trap finish EXIT

reconfigure "[libvirt]
live_migration_permit_post_copy = true
[ferry]
link_stall_ms = 2000
precopy_stall_ms = 2000"

# postcopy_under_fault NAME VERB DECISION [kill]: a post-copy migration of
# a new guest NAME, the link broken by VERB (cut|drop) once pages move in
# post-copy, DECISION the worker's event that it saw it (with kill, the
# source's ferry-compute is then killed and started again); restored when
# the worker is waiting for the link; completed.
postcopy_under_fault() {
    local name=$1 verb=$2 decision=$3 kill=${4:-} S id before t0 t1
    lab link "$DEST" rate 2 || fail "lab link $DEST rate 2"
    S=$(new_guest "$name" "$SRC" 64 "fill=1 rate=50 wss=32")
    pin_nova "$S"
    id=$(migrate_to "$S" "$DEST")
    wait_for "$name running" 30 "[[ \$(migration_status $id) == running ]]"
    wait_for "$name's first samples" 30 "[[ \$(sample_max $id memory_processed) -gt 0 ]]"
    api POST "/v2.1/servers/$S/migrations/$id/action" '{"force_complete": null}' 2.22
    expect_status 202
    wait_for "$name in post-copy" 30 \
        "[[ \$(lab virsh $DEST domstate $name --reason) == 'running (post-copy)' ]]"
    before=$(lab_link_field "$DEST" up_bytes)
    wait_for "post-copy pages on the link" 30 \
        "(( \$(lab_link_field $DEST up_bytes) - $before > 262144 ))"
    lab link "$DEST" "$verb" || fail "lab link $DEST $verb"
    wait_for "the worker's decision: $decision" 30 "decision_seen $id '$decision'"
    ok
    # the guest is kept, paused on the source, its memory split; the row
    # waits in post-copy
    # (libvirt's pause returns before QEMU's state has changed: waited for)
    wait_for "$name paused on $SRC, post-copy failed" 10 \
        "[[ \$(lab virsh $SRC domstate $name --reason) == 'paused (post-copy failed)' ]]"
    ok
    [[ $(migration_status "$id") == 'running (post-copy)' ]] || fail "row: $(migration_status "$id")"
    ok
    if [[ -n $kill ]]; then
        local log="$FERRY_STATE/log/ferry-compute@$SRC.log" n0
        n0=$(grep -c "mig=$id: post-copy migration to $DEST found broken" "$log" || true)
        "$STACK" kill "ferry-compute@$SRC" >/dev/null 2>&1
        "$STACK" start "ferry-compute@$SRC" >/dev/null 2>&1
        wait_for "the restarted compute recovering mig $id" 60 \
            "grep -q 'recovering migration mig=$id status=running (post-copy)' '$log'"
        wait_for "the restarted compute finds the broken post-copy" 60 \
            "(( \$(grep -c 'mig=$id: post-copy migration to $DEST found broken' '$log') > $n0 ))"
        ok
    fi
    # a reset: the job ended, the worker waits for the link, and does not
    # resume blindly: its probe of the path fails.  (A silent drop: the
    # job's call waits until the destination hears of the pause, once the
    # link is back.)
    if [[ $verb == cut ]]; then
        wait_for "a failed probe of the link" 30 \
            "grep -q 'post-copy link to $DEST still down mig=$id' '$FERRY_STATE/log/ferry-compute@$SRC.log'"
        ok
    fi
    lab link "$DEST" restore || fail "restore"
    lab link "$DEST" rate 64 || fail "rate 64"
    t0=$(date +%s%N)
    [[ $(wait_migration_done "$id" 90) == completed ]] \
        || fail "$verb: $(sql "SELECT status || ' ' || coalesce(reason, '') FROM migrations WHERE id = $id")"
    t1=$(date +%s%N)
    ok
    decision_seen "$id" "resumed" || fail "no 'resumed' decision"
    ok
    echo "  $verb in post-copy: completed $(( (t1 - t0) / 1000000 )) ms after the link was restored"
    assert_invariant "$name"
    [[ $(server_host "$name") == "$DEST" ]] || fail "$name is on $(server_host "$name")"
    ok
    drop_guest "$name"
}

postcopy_under_fault pcl-cut cut "broke"
postcopy_under_fault pcl-drop drop "moved nothing for"
postcopy_under_fault pcl-kill cut "broke" kill

# ---- a silent drop in pre-copy -----------------------------------------------------
lab link "$DEST" rate 2 || fail "lab link $DEST rate 2"
S=$(new_guest pcl-pre "$SRC" 64 "fill=1")
pin_nova "$S"
id=$(migrate_to "$S" "$DEST")
wait_for "pcl-pre running" 30 "[[ \$(migration_status $id) == running ]]"
before=$(lab_link_field "$DEST" up_bytes)
wait_for "pre-copy pages on the link" 30 "(( \$(lab_link_field $DEST up_bytes) - $before > 262144 ))"
lab link "$DEST" drop || fail "drop"
t0=$(date +%s%N)
[[ $(wait_migration_done "$id" 60) == failed ]] \
    || fail "pre-copy drop: $(sql "SELECT status || ' ' || coalesce(reason, '') FROM migrations WHERE id = $id")"
t1=$(date +%s%N)
ok
reason=$(sql "SELECT reason FROM migrations WHERE id = $id")
[[ $reason == *"went silent: no byte moved for"* ]] || fail "reason: $reason"
ok
echo "  drop in pre-copy: failed $(( (t1 - t0) / 1000000 )) ms after the drop: \"$reason\""
lab link "$DEST" restore || fail "restore"
assert_invariant pcl-pre
[[ $(server_host pcl-pre) == "$SRC" ]] || fail "pcl-pre is on $(server_host pcl-pre)"
ok
drop_guest pcl-pre
done_ok
