#!/bin/sh
# check.sh - the lab bench's fast checks for `make check` / `make test`
# (no lab, a second):
#  - bad scenario lines are refused with the line and what is wrong (exit 2),
#    before any stack is brought up;
#  - report.py rebuilds the committed tables (results/table.txt, and
#    results/reviewer/ for reviewer.txt) from the committed runs (lab.json),
#    findings included, with the physics verdicts (`possible`) and the
#    switchover cost (`switchover_ms`, 0 when absent) recorded in that
#    lab.json: the simulator's physics as it was when the lab ran;
#  - today's ferry-sim reads the same scenario, `ferry-sim calibrate` reads
#    the rebuilt lab.json (one row per case and policy); a case whose
#    verdict today's physics changed is named (a note: rerun the bench).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
SIM=${1:-build/ferry-sim}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

bad() {     # bad 'LINE' 'EXPECTED MESSAGE'
    printf '%s\n' "$1" > "$TMP/bad.txt"
    rc=0
    SIM=/bin/true "$HERE/bench.sh" "$TMP/bad.txt" "$TMP/out" > /dev/null 2> "$TMP/err" || rc=$?
    if [ "$rc" != 2 ] || ! grep -qF "$2" "$TMP/err"; then
        echo "bench check: '$1': exit $rc, expected 2 and '$2'; said: $(cat "$TMP/err")"
        exit 1
    fi
}
bad 'ram=64M rate=1 link=32 cut=5:5' "bad.txt:1: 'cut=' is simulator-only"
bad 'ram=64M rate=1 link=32 shape=wobble' "bad.txt:1: 'shape=' is simulator-only"
bad 'ram=64M rate=1 link=32 color=red' "bad.txt:1: unknown item 'color=red'"
bad 'ram=64M rate=1 link=32 budget=' "bad.txt:1: 'budget=' is not key=value"
bad 'ram=64M link=32' "bad.txt:1: ram=, rate= or spin=, link= (MiB/s), budget= and reps="
bad 'ram=64G rate=1 link=32' "bad.txt:1: ram=65536M: the lab runs 32M-1G"
bad 'ram=64M rate=1 link=32 budget=50' "bad.txt:1: budget=50: at least 100 ms"
bad '# nothing' "bad.txt: no case"

# reproduce SCENARIO DIR: the committed table in DIR from DIR's runs
reproduce() {
    R=$2
    rm -f "$TMP/lab.json"
    jq -c '.runs[]' "$R/lab.json" > "$TMP/runs.jsonl"
    jq '{switchover_ms: (.switchover_ms // 0),
         results: [.results[] | {case, policy, possible}]}' "$R/lab.json" > "$TMP/phys.json"
    "$SIM" --scenario "$1" --nova-divisor 20 --json "$TMP/sim.json" > /dev/null
    jq -r --slurpfile was "$TMP/phys.json" '
        ($was[0].results | map({key: "\(.case)", value: .possible}) | from_entries) as $p
        | [.results[] | select(.policy == "ferry") | select($p["\(.case)"] != .possible)
           | "case \(.case) \(.name | split(" ")[0] | ltrimstr("name=")): \($p["\(.case)"]) -> \(.possible)"]
        | .[] | "bench check: note: physics changed since the lab ran, \(.)"' \
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
    [ "$(($(wc -l < "$TMP/cal") - 1))" -eq "$n" ] && [ "$n" -eq $((cases * 2)) ] \
        || { cat "$TMP/cal"; echo "bench check: calibrate rows for $R"; exit 1; }
}
reproduce "$HERE/default.txt" "$HERE/results"
reproduce "$HERE/reviewer.txt" "$HERE/results/reviewer"
echo "bench: ok (scenario errors, report.py reproduces the committed tables, calibrate reads it)"
