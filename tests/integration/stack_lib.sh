# stack_lib.sh - for the tests of tools/stack itself (t532-t534): each runs
# tools/stack on state directories and ports of its own (tests/lib/env.sh),
# never the run's, and stops only what it started, by pid.  Sourced after
# lib.sh.

# the run's settings are not these tests': each call says its own
FERRY_BUILD=${FERRY_BUILD:-$REPO/build}
for v in "${!FERRY_@}"; do
    [[ $v == FERRY_BUILD || $v == FERRY_RESERVE_DIR ]] || unset "$v"
done
export FERRY_BUILD
# shellcheck source=../lib/env.sh
source "$REPO/tests/lib/env.sh"
STACK=$REPO/tools/stack
S_STATES=() S_PIDS=()

s_cleanup() {
    local p s
    for p in "${S_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for s in "${S_STATES[@]}"; do FERRY_STATE=$s "$STACK" wipe >/dev/null 2>&1; done
    release_reserved
    rm -rf "$T_TMP"
}
trap s_cleanup EXIT

# s_state NAME: a fresh state directory in $state, wiped at the end
# (tools/stack wipe: by pid).
s_state() {
    state=$(new_state_dir "$1")
    S_STATES+=("$state")
}

# listen_on PORT [http|tcp] [ADDR]: a listener of this test's on ADDR:PORT
# (127.0.0.1; one that answers HTTP with "http"), its pid in $LISTENER,
# killed at the end.
listen_on() {
    local addr=${3:-127.0.0.1}
    if [[ ${2:-} == http ]]; then
        /usr/bin/python3 -m http.server --bind "$addr" "$1" >/dev/null 2>&1 &
    else
        /usr/bin/python3 -c 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[2], int(sys.argv[1])))
s.listen()
time.sleep(600)' "$1" "$addr" &
    fi
    LISTENER=$!
    disown "$LISTENER"
    S_PIDS+=("$LISTENER")
    wait_for "a listener on $addr:$1" 10 \
        "ss -Htlnp 'sport = :$1' | grep -q '$addr:$1 .*pid=$LISTENER,'"
}

# Whether anything listens on 127.0.0.1:PORT.
listened() { [[ -n $(ss -Htln "sport = :$1") ]]; }

# Whether the PostgreSQL of state $1 runs.
pg_of() {
    [[ -f $1/pg/data/postmaster.pid ]] &&
        runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$1/pg/data" status \
            >/dev/null 2>&1
}

# Whether process $1 runs (a zombie does not).
alive() {
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    s=${s##*) }
    [[ ${s:0:1} != Z && ${s:0:1} != X ]]
}
