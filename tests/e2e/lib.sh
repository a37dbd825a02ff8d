# lib.sh - the end-to-end tests' helpers, on top of the integration ones.
# shellcheck source=../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

lab() { "$LAB" --state "$LAB_STATE" "$@"; }

server_id() { sql "SELECT uuid FROM instances WHERE display_name = '$1' AND NOT deleted"; }
server_host() { sql "SELECT host FROM instances WHERE display_name = '$1'"; }

# The stock OpenStack client (Debian's), against this Ferry, no Keystone.
osc() {
    /usr/bin/openstack --os-auth-type admin_token --os-token admin:admin \
        --os-endpoint "$API/v2.1" "$@"
}

# Wait until migration $1 is in a terminal status (max $2 s); prints it.
wait_migration_done() {
    local id=$1 secs=${2:-120} st i
    for ((i = 0; i < secs * 5; i++)); do
        st=$(migration_status "$id")
        case $st in completed | failed | error | cancelled) echo "$st"; return 0 ;; esac
        sleep 0.2
    done
    fail "migration $id still $st after ${secs}s"
}

# The guest's heartbeat moves on where it runs now.
assert_alive_on() {
    local name=$1 host=$2 h1 h2
    [[ $(lab where "$name") == "$host" ]] || fail "$name runs on '$(lab where "$name")', not $host"
    h1=$(lab heartbeat "$name" "$host")
    sleep 2.2
    h2=$(lab heartbeat "$name" "$host")
    [[ -n $h1 && -n $h2 && $h2 -gt $h1 ]] || fail "$name's heartbeat on $host: '$h1' then '$h2'"
    ok
    # the guest checks its own working set: nothing was lost on the way
    [[ $(lab heartbeat "$name" "$host" --line) == *mem=ok* ]] \
        || fail "$name's memory check: $(lab heartbeat "$name" "$host" --line)"
    ok
}
