# lib.sh - the end-to-end tests' helpers, on top of the integration ones.
# shellcheck source=../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

lab() { "$LAB" --state "$LAB_STATE" "$@"; }

server_id() { sql "SELECT uuid FROM instances WHERE display_name = '$1' AND NOT deleted"; }

# pin_nova SERVER_ID: the guest runs Nova's policy whatever [ferry]
# migration_policy says (its ferry:migration_policy metadata), for the tests
# that assume Nova's behaviour.
pin_nova() {
    api PUT "/v2.1/servers/$1/metadata/ferry:migration_policy" \
        '{"meta": {"ferry:migration_policy": "nova"}}'
    expect_status 200
}
server_host() { sql "SELECT host FROM instances WHERE display_name = '$1'"; }

# The stock OpenStack client (Debian's), against this Ferry, no Keystone;
# through the contract proxy (client_api), so its answers are validated.
osc() {
    client_api
    "$OPENSTACK" --os-auth-type admin_token --os-token admin:admin \
        --os-endpoint "$CLIENT_API/v2.1" "$@"
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

# The guest's heartbeat moves on where it runs now: wait for its first
# heartbeat there (a guest that just booted or arrived may not have printed
# one yet), then for the next one, and that line's own memory check.  Waits
# are for what the guest prints (every second when it gets the CPU), with
# timeouts generous enough for a slow or busy machine.
assert_alive_on() {
    local name=$1 host=$2 h1 line where
    where=$(lab where "$name")
    [[ $where == "$host" ]] || fail "$name runs on '$where', not $host"
    wait_for "$name's first heartbeat on $host" 60 "[[ -n \$(lab heartbeat $name $host) ]]"
    h1=$(lab heartbeat "$name" "$host")
    wait_for "$name's heartbeat on $host to go on from $h1" 60 \
        "[[ \$(lab heartbeat $name $host) -gt $h1 ]]"
    ok
    # the guest checks its own working set: nothing was lost on the way
    line=$(lab heartbeat "$name" "$host" --line)
    [[ $line == *mem=ok* ]] || fail "$name's memory check: $line"
    ok
}

# reconfigure 'INI TEXT': Nova options for the next test, written to the
# stack's local.conf (read last by every process); the compute workers are
# restarted the way `make run` starts them and waited for.
reconfigure() {
    local since p
    printf '%s\n' "$1" > "$FERRY_STATE/etc/local.conf"
    # every host's start after the last one before: strictly later (a
    # registration earlier in the same second is the old worker's)
    since=$(sql "SELECT coalesce(max(started_at), '-infinity')::text FROM compute_hosts")
    for p in $FERRY_LAB_HOSTS; do
        "$REPO/tools/stack" restart "ferry-compute@${p%%=*}" >/dev/null 2>&1
    done
    wait_for "compute hosts back" 60 \
        "[[ \$(sql \"SELECT count(*) FROM compute_hosts WHERE started_at > '$since'\") == $(wc -w <<< "$FERRY_LAB_HOSTS") ]]"
}

# new_guest NAME HOST MEM ARGS [LAB OPTIONS...]: a lab guest, imported by
# Ferry; prints its id
new_guest() {
    lab guest "$1" --host "$2" --mem "$3" --args "$4" --flavor "t.$3m" "${@:5}" >/dev/null \
        || fail "lab guest $1"
    wait_for "$1 imported" 30 "[[ -n \$(server_id $1) ]]"
    wait_for "$1 heart-beating" 30 "[[ -n \$(lab heartbeat $1 $2) ]]"
    # and Ferry has seen it run (its sync may have caught it defined, not started)
    wait_for "$1 active" 30 "[[ \$(sql \"SELECT vm_state FROM instances WHERE display_name = '$1' AND NOT deleted\") == active ]]"
    server_id "$1"
}

# drop_guest NAME: destroy and undefine it wherever it runs
drop_guest() {
    local h
    for h in $(lab where "$1"); do
        [[ $h == none ]] && continue
        lab virsh "$h" destroy "$1" >/dev/null 2>&1 || true
        lab virsh "$h" undefine "$1" >/dev/null 2>&1 || true
    done
    # and deleted in Ferry, as a server delete would: a guest merely gone
    # from libvirt is a shut-down instance that still holds its host's
    # vCPUs and RAM, and enough of them fill a lab host for later tests
    sql "UPDATE instances SET deleted = true, deleted_at = now()
         WHERE display_name = '$1' AND NOT deleted" >/dev/null
}

# migrate_to SERVER_ID HOST: os-migrateLive to a named host (2.80: answered
# at once); prints the migration's id
migrate_to() {
    api POST "/v2.1/servers/$1/action" \
        "{\"os-migrateLive\": {\"host\": \"$2\", \"block_migration\": \"auto\"}}" 2.80
    expect_status 202
    last_migration "$1"
}

# live_migrate SERVER_ID [MICROVERSION]: POST os-migrateLive, no host; prints the id
live_migrate() {
    api POST "/v2.1/servers/$1/action" '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' "${2:-2.80}"
    expect_status 202
    last_migration "$1"
}

# max over the migration's telemetry samples of COLUMN
sample_max() { sql "SELECT coalesce(max($2), -1) FROM migration_samples WHERE migration_id = $1"; }

STACK="$REPO/tools/stack"

# Nothing left behind: every migration ended, every guest runs on exactly
# one host, the one Ferry says.
assert_consistent() {
    local g where
    [[ $(sql "SELECT count(*) FROM migrations WHERE status NOT IN
              ('completed', 'failed', 'error', 'cancelled')") == 0 ]] \
        || fail "migrations left in progress: $(sql "SELECT id || ' ' || status FROM migrations WHERE status NOT IN ('completed', 'failed', 'error', 'cancelled')")"
    ok
    for g in "$@"; do
        where=$(lab where "$g")
        [[ $where != *$'\n'* && $where != none ]] || fail "$g runs on: $where"
        [[ $where == "$(server_host "$g")" ]] || fail "$g: lab says $where, Ferry says $(server_host "$g")"
        [[ -z $(sql "SELECT task_state FROM instances WHERE display_name = '$g'") ]] \
            || fail "$g still has a task"
        ok
    done
}

proc_pid() { cat "$FERRY_STATE/pids/$1.pid"; }

# job_processed HOST NAME: the bytes of memory libvirt's migration job of
# NAME on HOST has sent so far (nothing without a job): libvirt's own word
# that the job goes on, whoever watches it.
job_processed() {
    lab virsh "$1" domjobinfo "$2" --rawstats 2>/dev/null \
        | awk -F': *' '$1 == "memory_processed" { print $2 }'
}

# wait_job_moves HOST NAME WHAT: the job's memory_processed grows (max 60 s).
wait_job_moves() {
    local j0
    j0=$(job_processed "$1" "$2")
    [[ -n $j0 ]] || fail "$3: no migration job of $2 on $1"
    wait_for "$3: $2's job on $1 moves on from $j0 bytes" 60 \
        "[[ \$(job_processed $1 $2) -gt $j0 ]]"
    ok
}

# compute_looked_since HOST T: HOST's ferry-compute has looked for queued
# migrations to start since the database time T (an SQL expression).  Its
# main loop does it every turn (db_mig_claim_queued, the statement that moves
# a row to preparing) and then waits: its own session (found by the
# process's ports) is idle with that statement last, begun after T.  The
# positive witness before "the row is still queued".
compute_looked_since() {
    local pid ports
    pid=$(proc_pid "ferry-compute@$1") || return 1
    ports=$(ss -Htnp "dport = :$PGPORT" | awk -v p="pid=$pid," 'index($0, p) {
                n = split($4, a, ":"); print a[n] }' | paste -sd, -)
    [[ -n $ports ]] || return 1
    [[ $(sql "SELECT count(*) FROM pg_stat_activity
              WHERE application_name = 'ferry-compute' AND client_port IN ($ports)
                AND state = 'idle' AND query LIKE '%SET status = ''preparing''%'
                AND query_start > $2") == 1 ]]
}

# host_conf HOST 'INI TEXT': options for one compute host only (its own
# compute-HOST.conf, as each Nova compute has its own nova.conf); "" puts it
# back.  The worker is restarted and waited for.
host_conf() {
    local f="$FERRY_STATE/etc/compute-$1.conf" since
    sed -i '/^# test: begin/,$d' "$f"
    [[ -n $2 ]] && printf '# test: begin\n%s\n' "$2" >> "$f"
    # its start strictly after its last one (not merely in the same second)
    since=$(sql "SELECT coalesce(max(started_at), '-infinity')::text FROM compute_hosts
                 WHERE host = '$1'")
    "$STACK" restart "ferry-compute@$1" >/dev/null 2>&1
    wait_for "$1 back" 60 "[[ \$(sql \"SELECT count(*) FROM compute_hosts WHERE host = '$1' AND started_at > '$since'\") == 1 ]]"
}

# The durability invariant (README "Durability"), checked after every fault
# of the matrix: every migration row ended, or is still moving (its samples
# grow); each named guest runs on exactly one host, the one Ferry says, its
# heartbeat going on and its own memory check ok; and no reservation leaked
# (no claim outlives its migration, every host's claimed counters are the
# sum of its claims).
assert_invariant() {
    local g id p0 where
    for id in $(sql "SELECT id FROM migrations WHERE status NOT IN
                     ('completed', 'failed', 'error', 'cancelled')"); do
        p0=$(sample_max "$id" memory_processed)
        wait_for "migration $id to end or move on from $p0 bytes" 60 \
            "[[ \$(migration_status $id) =~ ^(completed|failed|error|cancelled)$ ||
                \$(sample_max $id memory_processed) -gt $p0 ]]"
    done
    ok
    for g in "$@"; do
        where=$(lab where "$g")
        [[ $where != *$'\n'* && $where != none ]] || fail "$g runs on: $where"
        [[ $where == "$(server_host "$g")" ]] || fail "$g: lab says $where, Ferry says $(server_host "$g")"
        assert_alive_on "$g" "$where"
    done
    [[ $(sql "SELECT count(*) FROM claims c JOIN migrations m ON m.id = c.migration_id
              WHERE m.status IN ('completed', 'failed', 'error', 'cancelled')") == 0 ]] \
        || fail "claims of ended migrations: $(sql "SELECT string_agg(c.migration_id || ' ' || m.status, ', ') FROM claims c JOIN migrations m ON m.id = c.migration_id WHERE m.status IN ('completed', 'failed', 'error', 'cancelled')")"
    ok
    [[ $(sql "SELECT count(*) FROM compute_hosts h WHERE
              claimed_memory_mb <> (SELECT coalesce(sum(memory_mb), 0) FROM claims c WHERE c.host = h.host)
              OR claimed_vcpus <> (SELECT coalesce(sum(vcpus), 0) FROM claims c WHERE c.host = h.host)") == 0 ]] \
        || fail "claimed counters differ from the claims: $(sql "SELECT string_agg(host || ' ' || claimed_memory_mb || ' MB ' || claimed_vcpus || ' vCPU', ', ') FROM compute_hosts")"
    ok
}

# decision_seen MIGRATION_ID TEXT: an instance-action event of the
# migration's request (compute_live_migration_decision) whose details
# contain TEXT
decision_seen() {
    [[ $(sql "SELECT count(*) FROM instance_action_events e
              JOIN instance_actions a ON a.id = e.action_id
              JOIN migrations m ON m.request_id = a.request_id
              WHERE m.id = $1 AND e.event = 'compute_live_migration_decision'
                AND e.details LIKE '%' || \$\$$2\$\$ || '%'") -ge 1 ]]
}

# lab_link_field HOST KEY: a field of HOST's lab link status
lab_link_field() { lab link "$1" status | sed -n "s/^$2=//p"; }
