#!/bin/bash
# e360: the ferry policy (the default) on the lab, through a link into
# t-lab-3 capped at 32 MiB/s that [ferry] link_bandwidth_mib declares:
#  - an idle guest converges alone: forecast step 1, never touched;
#  - a guest rewriting 24 MiB (hot set fits a 2000 ms budget, not the 300 ms
#    start) completes by step 2: the max downtime raised once;
#  - a CPU-bound (spin=) guest with auto-converge allowed completes with
#    auto-converge chosen at start (the forecast's throttle);
#  - a paced busy guest (rate=200 wss=96) with post-copy allowed completes
#    by post-copy;
#  - the same guest with nothing permitted is refused at start (error, the
#    reason with its numbers), alive on its source.
# Each outcome: heartbeat and memory check where the guest runs, downtime
# within the budget.  Everything the test adds it removes.
source "$(dirname "$0")/lib.sh"
SRC=t-lab-1
DEST=t-lab-3
CAP=32

finish() {
    for g in fp-idle fp-fits fp-spin fp-busy; do drop_guest "$g"; done
    lab link "$DEST" remove >/dev/null 2>&1 || true
    rm -rf "$T_TMP"
}
trap finish EXIT

set_meta() {
    api PUT "/v2.1/servers/$1/metadata" "{\"metadata\": $2}"
    expect_status 200
}
# field ID EXPR: jq EXPR over Ferry's record of migration ID
field() {
    api GET "/ferry/v1/migrations/$1"
    jq -r ".migration | $2" "$BODY"
}
# within_budget ID BUDGET_MS: the measured downtime (in $DT), and it is within
within_budget() {
    DT=$(sql "SELECT downtime_ms FROM migrations WHERE id = $1")
    [[ -n $DT && $DT -le $2 ]] || fail "migration $1: downtime '$DT' ms, budget $2 ms"
}

reconfigure "[ferry]
link_bandwidth_mib = $CAP"
lab link "$DEST" rate "$CAP" || fail "lab link $DEST rate $CAP"
ok

# ---- converges alone: never touched --------------------------------------------
S=$(new_guest fp-idle "$SRC" 64 "fill=1")
# its host measures its dirty rate in the background ([ferry]
# dirty_rate_interval, compute/rates.c): the forecast starts from that one,
# without measuring for a second first, and says how old it was
wait_for "fp-idle's dirty rate recorded" 60 \
    "[[ -n \$(sql \"SELECT dirty_rate_at FROM instances WHERE uuid = '$S'\") ]]"
(( $(sql "SELECT dirty_rate_bps FROM instances WHERE uuid = '$S'") <= 2 * 1048576 )) \
    || fail "idle: recorded dirty rate $(sql "SELECT dirty_rate_bps FROM instances WHERE uuid = '$S'")"
id=$(migrate_to "$S" "$DEST")
[[ $(wait_migration_done "$id" 60) == completed ]] || fail "idle: $(migration_status "$id")"
[[ $(field "$id" '[.policy, .forecast.verdict, .forecast.expected_step, .step_reached,
      .forecast.post_copy, .forecast.auto_converge] | map(tostring) | join(",")') == \
   "ferry,start,1,1,false,false" ]] || fail "idle: $(jq -c .migration "$BODY")"
# the forecast's decision, nothing after it
[[ $(sql "SELECT count(*) FROM instance_action_events e JOIN instance_actions a
          ON a.id = e.action_id WHERE a.instance_uuid = '$S'
          AND e.event = 'compute_live_migration_decision'") == 1 ]] || fail "idle: decisions"
# an idle guest starts at the floor, 50 ms (its downtime is about QEMU's
# limit, whatever the limit), and keeps it
[[ $(field "$id" '.forecast.start_downtime_ms') == 50 ]] \
    || fail "idle: started at $(field "$id" '.forecast.start_downtime_ms') ms, not 50"
[[ $(sql "SELECT min(max_downtime_ms) || ',' || max(max_downtime_ms) FROM migration_samples
          WHERE migration_id = $id") == 50,50 ]] || fail "idle: max downtime changed"
within_budget "$id" 500; d1=$DT
age=$(field "$id" '.forecast.dirty_rate_age_ms')
[[ $age =~ ^[0-9]+$ ]] && (( age <= 20000 )) || fail "idle: forecast's dirty rate age '$age'"
ok
assert_alive_on fp-idle "$DEST"
drop_guest fp-idle

# ---- the hot set fits the budget: step 2 ---------------------------------------
S=$(new_guest fp-fits "$SRC" 64 "fill=1 rate=50 wss=24")
set_meta "$S" '{"ferry:max_downtime_ms": "2000"}'
id=$(migrate_to "$S" "$DEST")
[[ $(wait_migration_done "$id" 90) == completed ]] || fail "fits: $(migration_status "$id") $(field "$id" .reason)"
[[ $(field "$id" '.step_reached') == 2 ]] || fail "fits: step $(jq -c .migration "$BODY")"
set2=$(sql "SELECT max(max_downtime_ms) FROM migration_iterations WHERE migration_id = $id")
(( set2 > 300 && set2 <= 2000 )) || fail "fits: max downtime $set2"
[[ $(field "$id" '.iterations | length') -ge 2 ]] || fail "fits: iterations"
within_budget "$id" 2000; d2=$DT
ok
assert_alive_on fp-fits "$DEST"
drop_guest fp-fits

# ---- CPU-bound: auto-converge chosen at start ----------------------------------
S=$(new_guest fp-spin "$SRC" 128 "fill=1 spin=5000 wss=96")
set_meta "$S" '{"ferry:auto_converge": "allowed", "ferry:post_copy": "forbidden"}'
id=$(migrate_to "$S" "$DEST")
st=$(wait_migration_done "$id" 180)
[[ $(field "$id" '[.forecast.auto_converge, .forecast.expected_step] | map(tostring) | join(",")') \
   == "true,3" ]] || fail "spin: forecast $(jq -c .migration.forecast "$BODY")"
[[ $st == completed ]] || fail "spin: $st $(field "$id" .reason)"
ac=$(field "$id" '"\(.forecast.auto_converge_initial)+\(.forecast.auto_converge_increment)"')
thr=$(sql "SELECT max(throttle_pct) FROM migration_samples WHERE migration_id = $id")
within_budget "$id" 500; d3=$DT
ok
assert_alive_on fp-spin "$DEST"
drop_guest fp-spin

# ---- paced busy, post-copy allowed ---------------------------------------------
# through the capped link: the downtime is the guest's pause, from the
# source's first SUSPENDED to the destination's first RESUMED (not the
# second, when the last page arrived, seconds later at 32 MiB/s)
S=$(new_guest fp-busy "$SRC" 128 "fill=1 rate=200 wss=96")
set_meta "$S" '{"ferry:post_copy": "allowed"}'
up0=$(lab link "$DEST" status | sed -n 's/^up_bytes=//p')
id=$(migrate_to "$S" "$DEST")
[[ $(wait_migration_done "$id" 90) == completed ]] || fail "busy: $(migration_status "$id") $(field "$id" .reason)"
[[ $(field "$id" '[.forecast.post_copy, .step_reached] | map(tostring) | join(",")') == "true,4" ]] \
    || fail "busy: $(jq -c .migration "$BODY")"
[[ $(sql "SELECT count(*) FROM migration_events WHERE migration_id = $id
          AND to_status = 'running (post-copy)'") == 1 ]] || fail "busy: not through post-copy"
up1=$(lab link "$DEST" status | sed -n 's/^up_bytes=//p')
(( up1 - up0 > 96 << 20 )) || fail "busy: $((up1 - up0)) bytes crossed the capped link"
within_budget "$id" 500; d4=$DT
ok
assert_alive_on fp-busy "$DEST"

# ---- nothing can work: refused at start, alive on its source --------------------
set_meta "$S" '{"ferry:post_copy": "forbidden"}'
id=$(migrate_to "$S" "$SRC")            # back, through a direct link: still hopeless
wait_for "migration $id decided" 30 "[[ \$(migration_status $id) =~ ^(error|cancelled|completed)$ ]]"
[[ $(migration_status "$id") == error ]] || fail "refused: $(migration_status "$id")"
reason=$(field "$id" .reason)
[[ $reason == "cannot converge: dirty rate "* && $reason == *"would succeed with"* ]] \
    || fail "refused: reason '$reason'"
[[ $(field "$id" .started_at) == null ]] || fail "refused: a job started"
ok
assert_alive_on fp-busy "$DEST"
echo "  e360: downtime idle ${d1} ms, step 2 ${d2} ms (set ${set2} ms), auto-converge $ac% (reached ${thr}%) ${d3} ms, post-copy ${d4} ms; refused: $reason" >&2
drop_guest fp-busy
done_ok
