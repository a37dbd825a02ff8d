#!/bin/bash
# reserve.sh - tests/lib/env.sh's pickers are atomic across concurrent runs:
# PICKERS shells, released together, each take a port, a pair of ports and a
# lab block at the same moment; no two may get the same port or block.  Then
# release_reserved gives back a living shell's reservations and a picker
# reclaims those of a shell killed with SIGKILL.  Nothing binds anything: a
# private reservation directory, so real runs are not disturbed.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PICKERS=${PICKERS:-8}
W=$(mktemp -d /tmp/ferry-reserve-test.XXXXXX)
export FERRY_RESERVE_DIR=$W/reserved
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    rm -rf "$W"
}
trap cleanup EXIT
fail() { echo "  FAIL reserve.sh: $*"; exit 1; }
# two gates: the pickers wait on them (shared flock) while this shell holds
# them shut (exclusive flock)
exec {start}> "$W/start" {hold}> "$W/hold"
flock "$start"; flock "$hold"

# one picker: waits for the start, picks, reports, holds until told
picker() {
    bash -c '
        source "$1/tests/lib/env.sh"
        flock -s "$2/start" true
        one=$(free_port 40000) pair=$(free_port 40000 2) blk=$(free_lab_block 3)
        [[ $3 == release ]] && release_reserved
        echo "$one $pair $blk" > "$2/out.$$.tmp" && mv "$2/out.$$.tmp" "$2/out.$$"
        flock -s "$2/hold" true' _ "$REPO" "$W" "$1" &
    pids+=($!)
    disown $!                # no "Killed" notice when they are killed below
}
for ((i = 0; i < PICKERS; i++)); do picker keep; done
flock -u "$start"                          # every picker goes at once
wait_outputs() {
    local deadline=$((SECONDS + 60))
    until (($(find "$W" -maxdepth 1 -name 'out.*[0-9]' | wc -l) >= $1)); do
        ((SECONDS < deadline)) || fail "pickers did not answer"
        sleep 0.05
    done
}
wait_outputs "$PICKERS"

ports=() blocks=()
for f in "$W"/out.*; do
    read -r one pair blk < "$f"
    ports+=("$one" "$pair" "$((pair + 1))") blocks+=("$blk")
done
dup=$(printf '%s\n' "${ports[@]}" | sort | uniq -d)
[[ -z $dup ]] || fail "ports handed out twice: ${dup//$'\n'/ }"
dup=$(printf '%s\n' "${blocks[@]}" | sort | uniq -d)
[[ -z $dup ]] || fail "lab blocks handed out twice: ${dup//$'\n'/ }"
low=$(printf '%s\n' "${ports[@]}" | sort -n | head -1)

# release_reserved: a living shell's files are gone
picker release
wait_outputs $((PICKERS + 1))
rel=${pids[-1]}
! grep -qs "^$rel " "$FERRY_RESERVE_DIR"/* ||
    fail "release_reserved left reservations of $rel"

# the owners killed with SIGKILL (no trap): their reservations are reclaimed
for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
for p in "${pids[@]}"; do
    while kill -0 "$p" 2>/dev/null; do sleep 0.05; done
done
pids=()
again=$(FERRY_RESERVE_DIR=$FERRY_RESERVE_DIR bash -c \
    'source "$1/tests/lib/env.sh"; free_port 40000' _ "$REPO")
[[ $again == "$low" ]] || fail "port $low of a dead run not reclaimed (got $again)"
echo "  PASS reserve.sh ($PICKERS concurrent pickers: ${#ports[@]} ports, ${#blocks[@]} lab blocks)"
