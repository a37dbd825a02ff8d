#!/bin/bash
# e365: the ferry policy's admission and its early abort on the lab (the
# fake virt's test_worker had them alone), through t-lab-3's capped link:
#  - queued: while a migration from t-lab-1 fills the link (16 MiB/s, as
#    link_bandwidth_mib declares), a second one from t-lab-1, which
#    converges alone, would stall on what is left: it waits `queued` with
#    its reason, no job started, and runs once the link is free;
#  - cancelled early: a link slower than declared (64 MiB/s declared, 8
#    real), a guest rewriting 48 MiB at 24 MiB/s with nothing permitted:
#    the forecast starts it, the job's hot sets show pre-copy cannot finish
#    inside the budget, and it is cancelled at that evidence with the
#    numbers, the guest alive on its source.
# Each outcome: heartbeat and memory check where the guest runs.
source "$(dirname "$0")/lib.sh"
SRC=t-lab-1
DEST=t-lab-3

finish() {
    for g in ad-big ad-small ad-slow; do drop_guest "$g"; done
    lab link "$DEST" remove >/dev/null 2>&1 || true
    rm -rf "$T_TMP"
}
trap finish EXIT

# field ID EXPR: jq EXPR over Ferry's record of migration ID
field() {
    api GET "/ferry/v1/migrations/$1"
    jq -r ".migration | $2" "$BODY"
}

# ---- queued while another migration fills the link ------------------------------
# two at once from a source (Nova's default, 1, would queue the second
# before the policy sees it)
reconfigure "[DEFAULT]
max_concurrent_live_migrations = 2
[ferry]
link_bandwidth_mib = 16"
lab link "$DEST" rate 16 || fail "lab link $DEST rate 16"
A=$(new_guest ad-big "$SRC" 256 "fill=1")
# 2 MiB/s: page sampling reads it in 2 MiB/s steps, 0 a third of the time
# (admission then counts a step); at 4 MiB/s one read in 200 would reach 14
# and refuse it outright, a correct verdict on that reading
B=$(new_guest ad-small "$SRC" 64 "fill=1 rate=2 wss=16")
a=$(migrate_to "$A" "$DEST")
wait_for "migration $a using the link" 60 \
    "[[ \$(sql \"SELECT count(*) FROM migration_samples WHERE migration_id = $a
                 AND bandwidth_bps > 4 * 1048576\") -ge 1 ]]"
[[ $(migration_status "$a") == running ]] || fail "big: $(migration_status "$a")"
b=$(migrate_to "$B" "$DEST")
wait_for "migration $b queued by admission" 30 \
    "[[ \$(migration_status $b) == queued && \$(field $b .reason) == queued:* ]]"
qreason=$(field "$b" .reason)
[[ $qreason == "queued: "*" left of 16.0 MiB/s while other migrations use "*"; alone: pre-copy converges on its own"* ]] \
    || fail "queued: reason '$qreason'"
[[ $(field "$b" .started_at) == null ]] || fail "queued: a job started"
# the Nova API shows it queued too
api GET "/v2.1/servers/$B/migrations" "" 2.80
expect_status 200
[[ $(jq -r ".migrations[] | select(.id == $b) | .status" "$BODY") == queued ]] \
    || fail "queued: $(jq -c . "$BODY")"
ok
[[ $(wait_migration_done "$a" 120) == completed ]] || fail "big: $(migration_status "$a")"
[[ $(wait_migration_done "$b" 120) == completed ]] || fail "small: $(migration_status "$b") $(field "$b" .reason)"
[[ $(field "$b" '[.forecast.verdict, .step_reached] | map(tostring) | join(",")') == "start,1" ]] \
    || fail "small: $(jq -c .migration "$BODY")"
# it started after the big one ended
[[ $(sql "SELECT (SELECT started_at FROM migrations WHERE id = $b) >=
                 (SELECT finished_at FROM migrations WHERE id = $a)") == t ]] \
    || fail "small started while the big one ran"
ok
assert_alive_on ad-big "$DEST"
assert_alive_on ad-small "$DEST"
drop_guest ad-big
drop_guest ad-small

# ---- a link slower than declared: cancelled at the evidence ----------------------
reconfigure "[ferry]
link_bandwidth_mib = 64"
lab link "$DEST" rate 8 || fail "lab link $DEST rate 8"
C=$(new_guest ad-slow "$SRC" 128 "fill=1 rate=24 wss=48")
c=$(migrate_to "$C" "$DEST")
st=$(wait_migration_done "$c" 120)
[[ $st == cancelled ]] || fail "slow: $st $(field "$c" .reason)"
[[ $(field "$c" '[.forecast.verdict, .step_reached] | map(tostring) | join(",")') == "start,5" ]] \
    || fail "slow: $(jq -c .migration "$BODY")"
reason=$(field "$c" .reason)
[[ $reason == "cancelled: pre-copy cannot finish inside the budget: dirty rate "* &&
   $reason == *"budget 500 ms"* && $reason == *"would succeed with"* ]] \
    || fail "slow: reason '$reason'"
# decided early: within 60 s of the job's start
took=$(sql "SELECT extract(epoch from finished_at - started_at)::int FROM migrations WHERE id = $c")
(( took <= 60 )) || fail "slow: decided after $took s"
# the decision is an event of the server's instance action, with its reason
[[ $(sql "SELECT count(*) FROM instance_action_events e JOIN instance_actions a
          ON a.id = e.action_id WHERE a.instance_uuid = '$C'
          AND e.event = 'compute_live_migration_decision' AND e.details LIKE 'cancelled: %'") == 1 ]] \
    || fail "slow: no decision event"
ok
assert_alive_on ad-slow "$SRC"
echo "  e365: $qreason; cancelled after $took s: $reason" >&2
drop_guest ad-slow
done_ok
