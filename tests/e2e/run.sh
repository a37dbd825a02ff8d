#!/bin/bash
# run.sh - end-to-end tests on the tests' own libvirt lab: a whole Ferry
# brought up by tools/stack exactly as `make run` does, but with its own
# state directory, PostgreSQL and API ports, lab addresses in 127.0.1.0/24
# and migration ports, so it never meets a `make run` system or an earlier
# run.  Everything it started is stopped (by pid) and wiped at the end.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=../lib/env.sh
source "$REPO/tests/lib/env.sh"

export FERRY_STATE=$(new_state_dir e2e)
export FERRY_PG_PORT=$(free_port 26432)
# two ferry-api (on PORT and PORT+1) and two ferry-scheduler on one database,
# as a deployment spread over several machines would run them
FERRY_API_PORT=$(free_port 29774 2)
export FERRY_API_PORT FERRY_APIS=2 FERRY_SCHEDULERS=2
export API2=http://127.0.0.1:$((FERRY_API_PORT + 1))
blk=$(free_lab_block 3) || { echo "e2e: no free lab addresses in 127.0.1.0/24" >&2; exit 1; }
export FERRY_LAB_HOSTS="t-lab-1=127.0.1.$blk t-lab-2=127.0.1.$((blk + 1)) t-lab-3=127.0.1.$((blk + 2))"
export FERRY_LAB_MIG_PORT_BASE=$((51000 + (blk - 2) / 10 * 64))
export FERRY_PG_FAST=1 FERRY_DEMO=1
# no lab links: migrations go direct, e7xx sets up the links it tests
export FERRY_LAB_LINK=none
export PGPORT=$FERRY_PG_PORT
export API=http://127.0.0.1:$FERRY_API_PORT
export FERRY_CONTRACT_LOG=$FERRY_STATE/contract.jsonl
export LAB_STATE=$FERRY_STATE/lab
export LAB="$REPO/tools/lab/lab"
STACK=$REPO/tools/stack

# Nova's options as the tests set them, scaled for a lab on loopback:
#   64 MiB/s instead of the demo's 16, so a 128 MiB guest moves in ~3 s while
#   demo-busy (96 MiB rewritten at 200 MiB/s) still cannot converge;
#   counters saved every second instead of every 5 s, so a test sees them move.
cat > "$FERRY_STATE/test.conf" <<CONF
[libvirt]
live_migration_bandwidth = 64
live_migration_monitor_interval = 1
CONF
export FERRY_CONF_EXTRA=$FERRY_STATE/test.conf

cleanup() {
    local rc=$?
    if [[ $rc != 0 ]]; then
        echo "e2e: failed; last log lines:" >&2
        tail -n 8 "$FERRY_STATE"/log/*.log >&2 2>/dev/null || true
        # the whole logs outlive the wipe, to read the failure later
        local keep
        keep=$(mktemp -d "${TMPDIR:-/tmp}/ferry-e2e-failed.XXXXXX") &&
            cp -r "$FERRY_STATE/log" "$keep/" 2>/dev/null &&
            echo "e2e: logs kept in $keep/log" >&2
    fi
    if [[ ${E2E_KEEP:-0} == 1 ]]; then   # to look at a failure: tools/stack wipe later
        echo "e2e: kept running: FERRY_STATE=$FERRY_STATE" >&2
        return
    fi
    "$STACK" wipe >/dev/null 2>&1 || true
    release_reserved
}
trap cleanup EXIT

echo "e2e: state $FERRY_STATE, lab $FERRY_LAB_HOSTS, api :$FERRY_API_PORT"
"$HERE/preflight.sh" "$REPO/build/lab/dirtier.elf"
"$REPO/tests/contract/check.sh" --prepare
t0=$(date +%s)
"$STACK" up > "$FERRY_STATE/up.log" 2>&1 || { cat "$FERRY_STATE/up.log"; exit 1; }
echo "  up in $(( $(date +%s) - t0 )) s"
# The APIs that answer must be this run's: two runs starting together can
# pick the same free port, and the tests would then drive the other run's
# stack.  Each port is listened on by the ferry-api whose pid is ours.
for p in ferry-api:$FERRY_API_PORT "ferry-api#2:$((FERRY_API_PORT + 1))"; do
    pid=$(cat "$FERRY_STATE/pids/${p%:*}.pid")
    ss -Htlnp "sport = :${p##*:}" | grep -q "pid=$pid," || {
        echo "e2e: ${p%:*} (pid $pid) does not listen on :${p##*:}; another run took the port:" >&2
        ss -Htlnp "sport = :${p##*:}" >&2
        exit 1
    }
done

failed=0
# E2E_ONLY=3 runs only e3*.sh (for working on one family)
for t in "$HERE"/e${E2E_ONLY:-[0-9]}*.sh; do
    if ! T_NAME=$(basename "$t" .sh) bash "$t"; then
        failed=1
        break
    fi
done
"$REPO/tests/contract/check.sh" "$FERRY_CONTRACT_LOG" || failed=1
exit $failed
