# env.sh - what every test run needs to stay out of everybody's way: its own
# ports and loopback addresses, chosen free at start (so a `make run` system
# or a half-finished earlier run is never met), and a state directory.

# A TCP port >= $1 that nothing listens on (on any address).
free_port() {
    local p=$1
    while ss -Htln "sport = :$p" | grep -q .; do p=$((p + 1)); done
    echo "$p"
}

# A block of N loopback addresses 127.0.1.X.. (X >= 2) on which nothing
# listens and no earlier test lab has state; prints the first address's last
# octet.  Blocks start at 2, 12, 22, ... so runs never overlap.
free_lab_block() {
    local n=$1 start used
    used=$(ss -Htln | awk '{print $4}' | grep -o '^127\.0\.1\.[0-9]*' | sort -u)
    for ((start = 2; start + n <= 250; start += 10)); do
        local clash=0
        for ((i = start; i < start + n; i++)); do
            if grep -qx "127.0.1.$i" <<< "$used"; then clash=1; fi
        done
        [[ $clash == 0 ]] && { echo "$start"; return 0; }
    done
    return 1
}

# A fresh state directory the postgres user can traverse.
new_state_dir() {
    local d
    d=$(mktemp -d "/tmp/ferry-$1.XXXXXX")
    chmod 755 "$d"
    echo "$d"
}
