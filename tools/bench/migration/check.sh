#!/bin/sh
# check.sh - the lab bench's fast checks for `make check` / `make test`
# (no lab, a second):
#  - bad scenario lines are refused with the line and what is wrong (exit 2),
#    before any stack is brought up: by bench.sh (what the lab adds) or by
#    ferry-sim, whose reading of each case the lab runs;
#  - report.py rebuilds the committed tables (results/table.txt, and
#    results/reviewer/ for reviewer.txt) from the committed runs (lab.json),
#    findings included, with the physics verdicts at the line's rate
#    (`possible`, at `rate_mibs`) and at the guests' measured rate
#    (`possible_measured`, at `guest_rate_mibs`) and the switchover cost
#    (`switchover_ms`) recorded in that lab.json: the simulator's physics
#    as it was when the lab ran;
#  - today's ferry-sim reads the same scenario and judges the same measured
#    rates (--measured), `ferry-sim calibrate` reads the rebuilt lab.json
#    (one row per case and policy); a case whose verdict or rate today's
#    simulator changed is named (a note: rerun the bench);
#  - the bench's path to the verdicts at the measured rates (report.py
#    --rates, ferry-sim --measured, report.py) on the committed runs with
#    other measured rates: a paced line the measured rate makes possible, a
#    CPU-bound one it makes impossible, and one a CPU-bound guest reaches
#    (the spin table's 99 % throttle) where a paced one would not.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
SIM=${1:-build/ferry-sim}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

bad() {     # bad 'LINE' 'EXPECTED MESSAGE'
    printf '%s\n' "$1" > "$TMP/bad.txt"
    rc=0
    SIM=$SIM BENCH_STACK=none "$HERE/bench.sh" "$TMP/bad.txt" "$TMP/out" > /dev/null \
        2> "$TMP/err" || rc=$?
    if [ "$rc" != 2 ] || ! grep -qF "$2" "$TMP/err"; then
        echo "bench check: '$1': exit $rc, expected 2 and '$2'; said: $(cat "$TMP/err")"
        exit 1
    fi
}
bad 'ram=64M rate=1 link=32 cut=5:5' "bad.txt:1: 'cut=' is simulator-only"
bad 'ram=64M rate=1 link=32 shape=wobble' "bad.txt:1: 'shape=' is simulator-only"
bad 'ram=64M rate=1 link=32 pattern=random' "bad.txt:1: 'pattern=random' is simulator-only"
bad 'ram=64M rate=1 link=32 color=red' "bad.txt:1: unknown item 'color=red'"
bad 'ram=64M rate=1 link=32 bare=1' "bad.txt:1: 'bare=1': yes or no"
bad 'ram=64M rate=1 link=32 budget=' "bad.txt:1: 'budget=' is not key=value"
bad 'ram=64M link=32' "bad.txt:1: the lab needs ram=, link= and rate= or spin="
bad 'ram=64M spin=0 link=32' "bad.txt:1: the lab needs ram=, link= and rate= or spin="
bad 'rate=1 link=32' "bad.txt:1: the lab needs ram=, link= and rate= or spin="
bad 'ram=64M rate=1 link=100Mbit' "bad.txt:1: the lab runs whole MiB, MiB/s, ms and repetitions;\
 ferry-sim reads ram 64 MiB, wss 32 MiB, link 11.920928955078125 MiB/s, budget 500 ms, reps 1"
bad 'ram=64M rate=1 link=32 reps=0' "ferry-sim reads ram 64 MiB, wss 32 MiB, link 32 MiB/s"
bad 'ram=64M rate=1 link=32 budget=abc' "bad.txt:1: ram, wss, link and budget must be > 0"
bad 'ram=64G rate=1 link=32' "bad.txt:1: ram=65536M: the lab runs 32M-1G"
bad 'ram=64M rate=1 link=32 budget=50' "bad.txt:1: budget=50: at least 100 ms"
bad '# nothing' "bad.txt: no case"
# a good line: the lab runs the case as ferry-sim reads it, its defaults included
# (wss 32M, budget 500 ms, reps 1); the shipped files pass
printf '%s\n' 'name=d ram=1G spin=5000 link=32 ac=yes pattern=seq' \
    'name=e ram=64M rate=1 link=8 bare=yes' > "$TMP/good.txt"
got=$(SIM=$SIM BENCH_STACK=none "$HERE/bench.sh" "$TMP/good.txt" "$TMP/out")
[ "$got" = "d 1024 spin 5000 32 32 500 forbidden allowed no 1
e 64 rate 1 32 8 500 forbidden forbidden yes 1" ] ||
    { echo "bench check: the lab's reading of '$(cat "$TMP/good.txt")': $got"; exit 1; }
for f in "$HERE"/*.txt; do
    SIM=$SIM BENCH_STACK=none "$HERE/bench.sh" "$f" "$TMP/out" > /dev/null ||
        { echo "bench check: bench.sh refuses $f"; exit 1; }
done

# reproduce SCENARIO DIR: the committed table in DIR from DIR's runs
reproduce() {
    R=$2
    rm -f "$TMP/lab.json"
    jq -c '.runs[]' "$R/lab.json" > "$TMP/runs.jsonl"
    jq '{switchover_ms,
         results: [.results[] | {case, policy, possible, rate_mibs}],
         measured: [.results[] | {case, policy, rate_mibs: .guest_rate_mibs,
                                  possible: .possible_measured}]}' "$R/lab.json" > "$TMP/phys.json"
    jq '[.measured[] | {case, policy, rate_mibs}]' "$TMP/phys.json" > "$TMP/rates.json"
    "$SIM" --scenario "$1" --nova-divisor 20 --measured "$TMP/rates.json" --json "$TMP/sim.json" \
        > /dev/null
    jq -r --slurpfile was "$TMP/phys.json" '
        def key: "\(.case) \(.policy)";
        def by_key(xs): xs | map({key: key, value: .}) | from_entries;
        by_key($was[0].results) as $r | by_key($was[0].measured) as $m
        | (.results[] | select(.policy == "ferry") | . as $t | $r[key] as $w
           | select($w.possible != $t.possible or $w.rate_mibs != $t.rate_mibs)
           | "case \(.case) \(.name | split(" ")[0] | ltrimstr("name=")): at the line'"'"'s "
             + "\($w.rate_mibs) MiB/s \($w.possible) -> at \($t.rate_mibs) MiB/s \($t.possible)"),
          (.measured[] | . as $t | $m[key] as $w | select($w.possible != $t.possible)
           | "case \(.case) \(.policy): at the measured \(.rate_mibs) MiB/s \($w.possible)"
             + " -> \(.possible)")
        | "bench check: note: physics changed since the lab ran, \(.)"' \
        "$TMP/sim.json" | sed "s|\$|; rerun make bench-migration SCENARIO=$1|"
    meta=$(jq -r '.meta | to_entries[] | "\(.key)=\(.value)"' "$R/lab.json")
    old_ifs=$IFS
    IFS='
'
    # shellcheck disable=SC2086
    /usr/bin/python3 "$HERE/report.py" --runs "$TMP/runs.jsonl" --sim "$TMP/phys.json" \
        --out "$TMP" --meta $meta > "$TMP/table.txt"
    IFS=$old_ifs
    if ! diff -u "$R/table.txt" "$TMP/table.txt" > "$TMP/diff"; then
        cat "$TMP/diff"
        echo "bench check: report.py no longer reproduces $R/table.txt from its lab.json"
        exit 1
    fi
    "$SIM" calibrate "$TMP/sim.json" "$TMP/lab.json" > "$TMP/cal"
    n=$(jq '.results | length' "$TMP/lab.json")
    cases=$(grep -vc '^ *\(#\|$\)' "$1")
    [ "$(grep -c '^ *[0-9]' "$TMP/cal")" -eq "$n" ] && [ "$n" -eq $((cases * 2)) ] \
        || { cat "$TMP/cal"; echo "bench check: calibrate rows for $R"; exit 1; }
}
reproduce "$HERE/default.txt" "$HERE/results"
reproduce "$HERE/reviewer.txt" "$HERE/results/reviewer"

# the verdicts at measured rates, as bench.sh gets them, on default.txt's runs
# with other guest rates: case 12 (hopeless, paced rate=200 over a 32 MiB/s
# link) measured at 20, under its link: possible ('no*'); case 7 (spin-ac,
# CPU-bound, 16 MiB/s, auto-converge, wss 48M, 500 ms) at 1200 MiB/s: 99 %
# leaves 3/181 of it, 19.9 MiB/s, a 9.4 MiB plateau, 640 ms: impossible
# ('yes*') under ferry; at 600 (9.9 MiB/s, under the link) possible under
# nova ('yes'), as a CPU-bound guest only: a paced one keeps 9/194, 27.8
# MiB/s, and spin=600 would be 1508 MiB/s
jq -c '.runs[] | if .case == 12 then .guest_rate_mibs = 20
                 elif .case == 7 then .guest_rate_mibs = (if .policy == "ferry" then 1200
                                                          else 600 end)
                 else . end' "$HERE/results/lab.json" > "$TMP/runs.jsonl"
/usr/bin/python3 "$HERE/report.py" --runs "$TMP/runs.jsonl" --rates "$TMP/rates.json"
"$SIM" --scenario "$HERE/default.txt" --nova-divisor 20 --measured "$TMP/rates.json" \
    --json "$TMP/sim.json" > /dev/null
/usr/bin/python3 "$HERE/report.py" --runs "$TMP/runs.jsonl" --sim "$TMP/sim.json" \
    --out "$TMP" > "$TMP/table.txt"
got=$(awk '$1 == 7 || $1 == 12 { print $1, $3, $4, $5 }' "$TMP/table.txt" | tr '\n' ';')
want="7 nova yes 600;7 ferry yes* 1200;12 nova no* 20;12 ferry no* 20;"
[ "$got" = "$want" ] || {
    cat "$TMP/table.txt"
    echo "bench check: verdicts at measured rates: '$got', expected '$want'"
    exit 1
}
# case 0's runs by libvirt alone aborted at the bench's limit: its SLOW
# finding and its row say so
jq -c 'if .policy == "libvirt" and .case == 0 then .status = "failed" | .undecided = true
       | .reason = "operation aborted" else . end' "$TMP/runs.jsonl" > "$TMP/runs2.jsonl"
/usr/bin/python3 "$HERE/report.py" --runs "$TMP/runs2.jsonl" --sim "$TMP/sim.json" \
    --out "$TMP" > "$TMP/table.txt"
grep -q '^SLOW case 0 idle: .*; libvirt alone 0/2 ok, 2 aborted)$' "$TMP/table.txt" &&
    grep -q '^ 0 idle  *0/2 .*operation aborted  2 aborted' "$TMP/table.txt" || {
    cat "$TMP/table.txt"
    echo "bench check: libvirt alone's aborted runs not said"
    exit 1
}
# a measured rate for a case the file does not have is refused
echo '[{"case": 14, "policy": "ferry", "rate_mibs": 1}]' > "$TMP/rates.json"
rc=0
"$SIM" --scenario "$HERE/default.txt" --measured "$TMP/rates.json" > /dev/null 2> "$TMP/err" \
    || rc=$?
if [ "$rc" != 2 ] || ! grep -qF 'entry 0: needs "case" (0-13)' "$TMP/err"; then
    echo "bench check: ferry-sim --measured on case 14: exit $rc, $(cat "$TMP/err")"
    exit 1
fi
echo "bench: ok (scenario errors, report.py reproduces the committed tables, calibrate reads it," \
     "ferry-sim judges measured rates)"
