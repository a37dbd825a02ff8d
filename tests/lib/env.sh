# env.sh - what every test run needs to stay out of everybody's way: its own
# ports and loopback addresses, chosen free at start (so a `make run` system
# or a half-finished earlier run is never met), and a state directory.
#
# Choosing is atomic across concurrent runs on this machine: a port or a lab
# block is only handed out under an flock on $FERRY_RESERVE_DIR/.lock, and
# is then reserved by a file there (port.N, lab.N) holding the owner's pid
# and that pid's start time.  The owner is the shell that sourced this file
# ($$, also from inside $(...)); reservations are released by
# release_reserved (the runners call it from their EXIT trap) and reclaimed
# by the next picker once the owner is dead, so a killed run leaks nothing.

FERRY_RESERVE_DIR=${FERRY_RESERVE_DIR:-/tmp/ferry-reserved}

# The start time of process $1 (field 22 of /proc/PID/stat); fails if it is
# gone or a zombie.
_proc_start() {
    local stat rest fields
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    rest=${stat##*) }                # the name may hold spaces and ')'
    read -r -a fields <<< "$rest"
    [[ ${fields[0]} != Z && ${fields[0]} != X ]] || return 1
    echo "${fields[19]}"
}

# Whether reservation file $1 belongs to a living process.
_reserve_alive() {
    local pid start
    read -r pid start < "$1" 2>/dev/null || return 1
    [[ -n $pid && $(_proc_start "$pid") == "$start" ]]
}

# Runs "$@" holding the reservation lock (the directory is shared by all
# users of the machine, hence sticky and world-writable).
_reserve_locked() {
    local fd rc
    if [[ ! -d $FERRY_RESERVE_DIR ]]; then    # (callers may run under set -e)
        mkdir -p "$FERRY_RESERVE_DIR" || true
        chmod 1777 "$FERRY_RESERVE_DIR" 2>/dev/null || true
    fi
    exec {fd}>> "$FERRY_RESERVE_DIR/.lock" || return 1
    chmod 666 "$FERRY_RESERVE_DIR/.lock" 2>/dev/null || true
    flock "$fd" || { exec {fd}>&-; return 1; }
    "$@" && rc=0 || rc=$?
    exec {fd}>&-
    return $rc
}

# Whether name $1 (port.N / lab.N) is free to take: no file, or its owner is
# dead (the file is then removed).
_reserve_free() {
    local f=$FERRY_RESERVE_DIR/$1
    [[ -e $f ]] || return 0
    _reserve_alive "$f" && return 1
    rm -f "$f"
}

_reserve_take() {
    echo "$$ $(_proc_start $$)" > "$FERRY_RESERVE_DIR/$1"
}

_free_port_locked() {
    local p=$1 n=$2 i ok
    while ((p + n <= 65536)); do
        ok=1
        for ((i = p; i < p + n; i++)); do
            if ! _reserve_free "port.$i" || ss -Htln "sport = :$i" | grep -q .; then
                ok=0; break
            fi
        done
        if ((ok)); then
            for ((i = p; i < p + n; i++)); do _reserve_take "port.$i"; done
            echo "$p"
            return 0
        fi
        p=$((i + 1))
    done
    return 1
}

# The first TCP port >= $1 starting $2 (default 1) consecutive ports that
# nothing listens on (on any address) and no living run has reserved; they
# are reserved for this shell.
free_port() {
    _reserve_locked _free_port_locked "$1" "${2:-1}"
}

_free_lab_block_locked() {
    local n=$1 start used i clash
    used=$(ss -Htln | awk '{print $4}' | grep -o '^127\.0\.1\.[0-9]*' | sort -u)
    for ((start = 2; start + n <= 250; start += 10)); do
        clash=0
        _reserve_free "lab.$start" || continue
        for ((i = start; i < start + n; i++)); do
            if grep -qx "127.0.1.$i" <<< "$used"; then clash=1; fi
        done
        [[ $clash == 0 ]] && { _reserve_take "lab.$start"; echo "$start"; return 0; }
    done
    return 1
}

# A block of N loopback addresses 127.0.1.X.. (X >= 2) on which nothing
# listens and that no living run has reserved; prints the first address's
# last octet and reserves the block for this shell.  Blocks start at 2, 12,
# 22, ... so runs never overlap.
free_lab_block() {
    _reserve_locked _free_lab_block_locked "$1"
}

_release_locked() {
    local f pid start me
    me=$(_proc_start $$)
    for f in "$FERRY_RESERVE_DIR"/port.* "$FERRY_RESERVE_DIR"/lab.*; do
        [[ -e $f ]] || continue
        read -r pid start < "$f" 2>/dev/null || continue
        if [[ $pid == "$$" && $start == "$me" ]] || ! _reserve_alive "$f"; then
            rm -f "$f"
        fi
    done
    return 0
}

# Gives back every port and lab block this shell reserved (and sweeps those
# of owners that died, e.g. a test script that took a second API port).
release_reserved() {
    [[ -d $FERRY_RESERVE_DIR ]] || return 0
    _reserve_locked _release_locked
}

# A fresh state directory the postgres user can traverse.
new_state_dir() {
    local d
    d=$(mktemp -d "/tmp/ferry-$1.XXXXXX")
    chmod 755 "$d"
    echo "$d"
}
