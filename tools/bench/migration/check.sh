#!/bin/sh
# check.sh - the lab bench's fast checks for `make check` / `make test`
# (no lab, a second):
#  - bad scenario lines are refused with the line and what is wrong (exit 2),
#    before any stack is brought up;
#  - report.py rebuilds the committed tables (results/table.txt, and
#    results/reviewer/ for reviewer.txt) from the committed runs (lab.json),
#    findings included, and writes a lab.json that `ferry-sim calibrate`
#    reads (one row per case and policy).
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
    "$SIM" --scenario "$1" --nova-divisor 20 --json "$TMP/sim.json" > /dev/null
    meta=$(jq -r '.meta | to_entries[] | "\(.key)=\(.value)"' "$R/lab.json")
    old_ifs=$IFS
    IFS='
'
    # shellcheck disable=SC2086
    /usr/bin/python3 "$HERE/report.py" --runs "$TMP/runs.jsonl" --sim "$TMP/sim.json" \
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
