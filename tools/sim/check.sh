#!/bin/sh
# check.sh - ferry-sim's fast run for `make check` / `make test` (a second).
#
# 1. The small grid under --check: every policy, no guest lost, no success
#    the physics forbids (the model's own consistency), ferry's success
#    count >= every peer's per size and link, ferry's decision on a
#    hopeless case within 60 s of its evidence.  The FAIL lines must be
#    exactly tools/sim/known-losses.txt: ferry's losses found by the
#    simulator, kept visible until policy_ferry.c fixes them (a line that
#    no longer fails must be removed, a new one fails the check).
# 2. The shipped scenario file through the same runs, its JSON, and
#    `calibrate` of that JSON against itself (0 % error on time, bytes and
#    every completed run's downtime); its cases' patterns (seq, the
#    default, and random; an unknown one refused); the lab bench's
#    scenario files (tools/bench/migration/) read as well; ferry's refusal
#    decided after its dirty-rate measurement.
set -eu
SIM=${1:-build/ferry-sim}
HERE=$(dirname "$0")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

"$SIM" --grid check --check >"$TMP/out" || true
grep '^FAIL ' "$TMP/out" | sort >"$TMP/fails" || true
grep -v '^#' "$HERE/known-losses.txt" | sed '/^$/d' | sort >"$TMP/known"
if ! diff -u "$TMP/known" "$TMP/fails" >"$TMP/diff"; then
    cat "$TMP/out"
    echo "sim: FAIL lines differ from tools/sim/known-losses.txt (- fixed, + new):"
    cat "$TMP/diff"
    exit 1
fi
grep -q '^ferry ' "$TMP/out" || { echo "sim: no table"; exit 1; }

"$SIM" --scenario "$HERE/scenarios/default.txt" --json "$TMP/s.json" >"$TMP/scen"
n=$(grep -vc '^ *\(#\|$\)' "$HERE/scenarios/default.txt")
rows=$(jq '.results | length' "$TMP/s.json")
[ "$rows" -eq $((n * 5)) ] || { echo "sim: $rows results for $n cases x 5 policies"; exit 1; }
"$SIM" calibrate "$TMP/s.json" "$TMP/s.json" >"$TMP/cal"
bad=$(awk '/^ *[0-9]/ && ($5 != "+0.0%" || $8 != "+0.0%" || ($11 != "+0.0%" && $11 != "-"))' \
    "$TMP/cal" | wc -l)
cal=$(grep -c '^ *[0-9]' "$TMP/cal")
[ "$cal" -eq "$rows" ] && [ "$bad" -eq 0 ] || { cat "$TMP/cal"; echo "sim: calibrate"; exit 1; }
# its summary: every policy, 0 % median and max on time and bytes
[ "$(grep -c '^# [a-z]* *time 0.0 / 0.0 % ([0-9]*)  bytes 0.0 / 0.0 %' "$TMP/cal")" -eq 5 ] \
    || { cat "$TMP/cal"; echo "sim: calibrate's summary"; exit 1; }
# a case's pattern: the lab guest's walk by default, random when asked, nothing else
[ "$(jq -r '[.cases[].pattern] | unique | join(",")' "$TMP/s.json")" = "random,seq" ] \
    || { echo "sim: scenarios/default.txt's patterns are not seq and random"; exit 1; }
echo "name=x ram=64M rate=1 wss=8M link=32 pattern=zigzag" >"$TMP/bad.txt"
if "$SIM" --scenario "$TMP/bad.txt" >/dev/null 2>"$TMP/err"; then
    echo "sim: pattern=zigzag accepted"; exit 1
fi
grep -q "unknown item 'pattern=zigzag'" "$TMP/err" || { cat "$TMP/err"; exit 1; }
# ferry's decisions count from the request: its forecast measures the dirty
# rate for PF_DIRTY_PERIOD_S (1 s) first, so a refusal comes 1 s in
echo "name=h ram=64M rate=200 wss=48M link=16" >"$TMP/hope.txt"
"$SIM" --scenario "$TMP/hope.txt" --json "$TMP/h.json" >/dev/null
got=$(jq -r '.results[] | select(.policy == "ferry") | "\(.outcome) \(.decision_s)"' "$TMP/h.json")
[ "$got" = "refused 1" ] || { echo "sim: a refusal by ferry: '$got', expected 'refused 1'"; exit 1; }
# the lab bench's files are in the same format: the simulator reads them too
for f in "$HERE"/../bench/migration/*.txt; do
    "$SIM" --scenario "$f" >/dev/null || { echo "sim: cannot read $f"; exit 1; }
done
echo "sim: ok ($(grep -c '^FAIL' "$TMP/fails" || true) known ferry loss(es), $n scenario cases)"
