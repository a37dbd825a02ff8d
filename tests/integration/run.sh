#!/bin/bash
# run.sh - integration tests: the C worker test (fake hypervisor), the C
# tests of the database layer (test_db_sched, test_db_pg) and the
# shell tests t*.sh (curl against ferry-api and ferry-scheduler), all on the
# tests' own private PostgreSQL, brought up the way `make run` does it
# (tools/stack) but without a lab.  Everything started here is stopped here.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=../lib/env.sh
source "$REPO/tests/lib/env.sh"

export FERRY_STATE=$(new_state_dir it)
export FERRY_PG_PORT=$(free_port 25432)
export FERRY_API_PORT=$(free_port 28774)
export FERRY_PG_FAST=1 FERRY_DEMO=0 FERRY_LAB_HOSTS=""
export PGPORT=$FERRY_PG_PORT
export API=http://127.0.0.1:$FERRY_API_PORT
export FERRY_CONTRACT_LOG=$FERRY_STATE/contract.jsonl
STACK=$REPO/tools/stack
FAKE_PID=

cleanup() {
    [[ -n $FAKE_PID ]] && kill "$FAKE_PID" 2>/dev/null
    "$STACK" wipe >/dev/null 2>&1 || true
    release_reserved
}
trap cleanup EXIT

echo "integration: state $FERRY_STATE, postgres :$PGPORT, api :$FERRY_API_PORT"
"$REPO/tests/contract/check.sh" --prepare
up=$("$STACK" pg-start 2>&1) || { echo "$up"; cat "$FERRY_STATE/pg/server.log" 2>/dev/null; exit 1; }
# what `make run` shows is tools/stack's own lines, not the daemons' log lines
if grep -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' <<< "$up"; then
    echo "  FAIL tools/stack pg-start printed log lines (above)"; exit 1
fi
# no compute heart-beats here: the seeded hosts stay up for the whole run
cat >> "$FERRY_STATE/etc/ferry.conf" <<CONF

[DEFAULT]
service_down_time = 3600

[ferry]
max_microversion = 2.96

[healthcheck]
disable_by_file_path = $FERRY_STATE/healthcheck_disable
CONF

FERRY_TEST_DB="host=127.0.0.1 port=$PGPORT dbname=ferry user=postgres" \
    "${FERRY_BUILD:-$REPO/build}/tests/test_worker" > "$FERRY_STATE/test_worker.log" 2>&1 \
    || { cat "$FERRY_STATE/test_worker.log"; exit 1; }
echo "  PASS test_worker ($(grep -c '^\[       OK \]' "$FERRY_STATE/test_worker.log") cases)"
FERRY_TEST_DB="host=127.0.0.1 port=$PGPORT dbname=ferry user=postgres" \
    "${FERRY_BUILD:-$REPO/build}/tests/test_db_sched" > "$FERRY_STATE/test_db_sched.log" 2>&1 \
    || { cat "$FERRY_STATE/test_db_sched.log"; exit 1; }
echo "  PASS test_db_sched ($(grep -c '^\[       OK \]' "$FERRY_STATE/test_db_sched.log") cases)"
FERRY_TEST_DB="host=127.0.0.1 port=$PGPORT dbname=ferry user=postgres" \
    "${FERRY_BUILD:-$REPO/build}/tests/test_db_pg" > "$FERRY_STATE/test_db_pg.log" 2>&1 \
    || { cat "$FERRY_STATE/test_db_pg.log"; exit 1; }
echo "  PASS test_db_pg ($(grep -c '^\[       OK \]' "$FERRY_STATE/test_db_pg.log") cases)"

"$STACK" start ferry-api >/dev/null 2>&1
"$STACK" start ferry-scheduler >/dev/null 2>&1
for _ in $(seq 1 100); do curl -fs -o /dev/null "$API/" && break; sleep 0.1; done
# the API that answers must be this run's (two runs starting together can
# pick the same free port): the port is listened on by our ferry-api's pid
api_pid=$(cat "$FERRY_STATE/pids/ferry-api.pid")
ss -Htlnp "sport = :$FERRY_API_PORT" | grep -q "pid=$api_pid," || {
    echo "integration: ferry-api (pid $api_pid) does not listen on :$FERRY_API_PORT;" \
         "another run took the port" >&2
    exit 1
}
export FAKE_OK="h2 h3 t121-d1 t121-d2 t130-ok1 t130-ok2 t131-ok"
"$HERE/fake_dest.sh" & FAKE_PID=$!

failed=0
for t in "$HERE"/t${INTEG_ONLY:-[0-9]}*.sh; do
    if ! T_NAME=$(basename "$t" .sh) bash "$t"; then
        failed=1
        echo "  logs: $FERRY_STATE/log" >&2
        tail -n 5 "$FERRY_STATE"/log/*.log >&2
    fi
done
"$REPO/tests/contract/check.sh" "$FERRY_CONTRACT_LOG" || failed=1
exit $failed
