#!/bin/bash
# t530 - tools/stack down (make stop) takes a daemon that exited on SIGTERM
# but is not yet reaped by its parent (a zombie, which `kill -0` still
# finds) as stopped at once, rather than waiting 10 s and "killing" it.
# Its own state directory, no PostgreSQL, no lab: only a stand-in ferry-api
# (a `sleep` named ferry-api) whose parent never reaps it.
source "$(dirname "$0")/lib.sh"
state=$(mktemp -d /tmp/ferry-t530.XXXXXX)
parent=
cleanup_t530() {
    [[ -n $parent ]] && kill -9 "$parent" 2>/dev/null
    rm -rf "$state" "$T_TMP"
}
trap cleanup_t530 EXIT
mkdir -p "$state/pids"
cat > "$state/stack.env" <<ENV
LAB_HOSTS=""
SCHEDULERS=0
APIS=1
ENV
# the parent forks the stand-in, prints its pid and sleeps without wait()ing
/usr/bin/python3 -c '
import os, sys, time
pid = os.fork()
if pid == 0:
    os.execv("/bin/sleep", ["ferry-api", "600"])
print(pid, flush=True)
time.sleep(600)' > "$T_TMP/child" &
parent=$!
disown "$parent"               # no "Killed" notice at the end
wait_for "the stand-in's pid" 10 '[[ -s $T_TMP/child ]]'
child=$(cat "$T_TMP/child")
echo "$child" > "$state/pids/ferry-api.pid"
out=$(FERRY_STATE=$state "$REPO/tools/stack" down 2>&1)
[[ $(cut -d' ' -f3 "/proc/$child/stat") == Z ]] || fail "the stand-in is not a zombie"
grep -q "did not stop" <<< "$out" && fail "a zombie was waited for: $out"
grep -q "ferry-api stopped (pid $child, SIGTERM)" <<< "$out" || fail "down said: $out"
ok
done_ok
