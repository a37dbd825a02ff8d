#!/bin/bash
# e800: the lab bench's smoke run (make bench-migration on
# tools/bench/migration/smoke.txt) on this run's stack: an idle guest that
# converges alone and a paced busy one that cannot succeed, each migrated
# once under nova (its clock / 100: timeout at 16 s) and once under ferry
# from t-lab-1 to t-lab-2 through a capped link, the idle one also by
# libvirt alone (bare=yes).  The bench's own output is checked: five runs,
# the tables and both result files, the physics verdicts, the idle guest
# completed within its budget under both policies and by libvirt alone and
# alive where it went, the hopeless one decided by ferry within 60 s with its
# reason and alive on its source, no guest lost, and calibrate's rows.
source "$(dirname "$0")/lib.sh"
OUT=$T_TMP/bench
BENCH_STACK=use BENCH_NOVA_DIVISOR=100 BENCH_RUN_MAX=120 \
    "$REPO/tools/bench/migration/bench.sh" "$REPO/tools/bench/migration/smoke.txt" "$OUT" \
    > "$T_TMP/out" 2> "$T_TMP/err" || { cat "$T_TMP/err" "$T_TMP/out" >&2; fail "bench failed"; }
cat "$T_TMP/out" >&2
J=$OUT/lab.json
[[ $(jq '.runs | length' "$J") == 5 ]] || fail "runs: $(jq -c '.runs | length' "$J")"
[[ $(jq -r '[.runs[] | .policy] | join(",")' "$J") == "nova,ferry,libvirt,nova,ferry" ]] \
    || fail "not interleaved: $(jq -c '[.runs[] | .policy]' "$J")"
[[ $(jq -r '[.runs[] | .policy_ran] | join(",")' "$J") == "nova,ferry,libvirt,nova,ferry" ]] \
    || fail "policies that ran: $(jq -c '[.runs[] | .policy_ran]' "$J")"
[[ $(jq -r '[.results[] | .possible] | join(",")' "$J") == "true,true,false,false" ]] \
    || fail "physics: $(jq -c '[.results[] | .possible]' "$J")"
ok
# the idle guest: completed within 500 ms under both and by libvirt alone,
# alive on t-lab-2
for r in 0 1 2; do
    jq -e ".runs[$r] | .status == \"completed\" and .downtime_ms <= 500 and .health == \"ok\"
           and .bytes > 0 and .time_s > 0" "$J" >/dev/null || fail "idle: $(jq -c ".runs[$r]" "$J")"
done
ok
# the hopeless one: not completed, alive on its source; ferry decided within 60 s
for r in 3 4; do
    jq -e ".runs[$r] | .status != \"completed\" and .health == \"ok\"" "$J" >/dev/null \
        || fail "hopeless: $(jq -c ".runs[$r]" "$J")"
done
jq -e '.runs[4] | .decide_s < 60 and (.reason | test("converge"))' "$J" >/dev/null \
    || fail "ferry's decision: $(jq -c '.runs[4]' "$J")"
[[ $(jq '[.totals[] | .lost] | add' "$J") == 0 ]] || fail "lost guests"
jq -e '[.runs[] | .guest_rate_mibs | numbers] | length == 5' "$J" >/dev/null \
    || fail "the guests' own rates: $(jq -c '[.runs[] | .guest_rate_mibs]' "$J")"
ok
grep -q '^ 0 idle ' "$OUT/table.txt" && grep -q '^ferry ' "$OUT/table.txt" || fail "table"
# libvirt alone: its row, the host's own time, and each policy's over it
jq -e '.bare | length == 1 and (.[0] | .case == 0 and .ok_runs == 1 and .time_s > 0
       and .job_s > 0 and .ferry_over > 0 and .nova_over > 0)' "$J" >/dev/null \
    || fail "libvirt alone: $(jq -c .bare "$J")"
grep -q '^libvirt alone' "$OUT/table.txt" || fail "no libvirt alone table"
# calibrate: a row per case and policy, then its per-policy summary
[[ $(grep -c '^ *[0-9]' "$OUT/calibrate.txt") == 4 &&
   $(grep -c '^# \(nova\|ferry\) ' "$OUT/calibrate.txt") == 2 ]] \
    || fail "calibrate: $(cat "$OUT/calibrate.txt")"
[[ -s $OUT/lab.png ]] || fail "no plot"
ok
assert_consistent
done_ok
