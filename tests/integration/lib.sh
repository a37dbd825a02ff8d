# lib.sh - helpers for the integration and end-to-end shell tests.
#
#   api METHOD PATH [BODY] [MICROVERSION] [TOKEN]   -> $STATUS, $BODY, $HDRS
#                                                     (logged to $FERRY_CONTRACT_LOG if set)
#   expect_status N                                   the last answer's status
#   expect_json JQ VALUE                              jq -r JQ on the body == VALUE
#   expect_fault NAME CODE [MESSAGE]                  Nova's fault body
#   expect_header NAME VALUE                          a response header (repeatable)
#   sql QUERY                                         psql -Atq on the test database
#   wait_for DESCRIPTION SECONDS 'CONDITION'          poll until the shell condition
#                                                     (evaluated anew each time) holds
#   ok / fail MESSAGE                                 count and report
#
# Every test script sources this, then runs with API, TOKEN, PGPORT set by run.sh.

set -u
REPO=${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TESTS_OK=${TESTS_OK:-0}
T_NAME=${T_NAME:-$(basename "$0" .sh)}
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ferry-t.XXXXXX")
trap 'rm -rf "$T_TMP"' EXIT
BODY=$T_TMP/body
HDRS=$T_TMP/headers
STATUS=0
LAST="(no request yet)"
TOKEN=${TOKEN:-admin:admin}

# A failure ends the test at once, wherever fail is called: in the test's
# shell, or in a subshell such as $(wait_migration_done ...) or a condition
# of wait_for, where `exit` alone would end only that subshell and the test
# would go on with an empty value.  There fail signals the test's shell
# (USR1, below) and ends the subshells in between, which are this test's
# own (forks of T_MAIN, found by parent pid), so that the test's shell,
# waiting for their output, stops before its next command.  The message
# goes to the test's own stderr (T_ERR), even from a redirected condition.
T_MAIN=$$
exec {T_ERR}>&2
trap 'exit 1' USR1

fail() {
    {
        echo "FAIL $T_NAME: $*"
        echo "     after: $LAST"
        [[ -s $BODY ]] && echo "     body: $(head -c 600 "$BODY")"
    } >&"$T_ERR"
    [[ $BASHPID == "$T_MAIN" ]] || fail_main
    exit 1
}

# subshell_chain PID: the subshells between PID and the test's shell.
subshell_chain() {
    local pid=$1 stat
    while :; do
        stat=$(< "/proc/$pid/stat") || return 1
        stat=${stat##*) }               # after "pid (comm) "
        stat=${stat#* }                 # after the state
        pid=${stat%% *}                 # the parent
        [[ $pid == "$T_MAIN" ]] && return 0
        [[ $pid =~ ^[0-9]+$ ]] && ((pid > 1)) || return 1  # not under the test's shell
        echo "$pid"
    done
}

fail_main() {
    local me=$BASHPID chain
    chain=$(subshell_chain "$me") || return 0
    kill -USR1 "$T_MAIN" 2>/dev/null
    # shellcheck disable=SC2086 # pids, one a word
    [[ -z $chain ]] || kill -KILL $chain 2>/dev/null
}

ok() { TESTS_OK=$((TESTS_OK + 1)); }

api() {
    local method=$1 path=$2 body=${3:-} mv=${4:-} token=${5-$TOKEN}
    local args=(-s -o "$BODY" -D "$HDRS" -w '%{http_code}' -X "$method")
    [[ -n $token ]] && args+=(-H "X-Auth-Token: $token")
    [[ -n $mv ]] && args+=(-H "OpenStack-API-Version: compute $mv")
    if [[ -n $body ]]; then
        args+=(-H 'Content-Type: application/json' --data-binary "$body")
    fi
    LAST="$method $path${mv:+ (compute $mv)}${body:+ $body}"
    STATUS=$(curl "${args[@]}" "$API$path") || fail "curl failed for $method $path"
    [[ -z ${FERRY_CONTRACT_LOG:-} ]] || api_log "$method" "$path" "$mv" "$body"
}

# logged METHOD PATH [MICROVERSION] [BODY]: an answer a test fetched with its
# own curl (-o "$BODY" -D "$HDRS", the status in $STATUS) is logged as api's.
logged() { [[ -z ${FERRY_CONTRACT_LOG:-} ]] || api_log "$@"; }

# One JSON line per answer to $FERRY_CONTRACT_LOG, for tests/contract/check.sh:
# test, method, path, query, requested microversion, the answer's version
# header, status, Content-Type, body (and the request body).  Under flock, as
# tests may ask from several shells at once; the headers are read without
# forking, as this runs for every answer.
api_log() {
    local l ct="" ver="" query=""
    while IFS= read -r l; do
        l=${l%$'\r'}
        case ${l,,} in
        content-type:*) ct=${l#*:} ;;
        openstack-api-version:*) ver=${l#*:} ;;
        esac
    done < "$HDRS"
    [[ $2 == *\?* ]] && query=${2#*\?}
    {
        flock 9
        jq -cn --arg test "$T_NAME" --arg method "$1" --arg path "${2%%\?*}" --arg query "$query" \
           --arg mv "${3:-}" --arg version "${ver# }" --arg status "$STATUS" \
           --arg content_type "${ct# }" --rawfile body "$BODY" --arg request_body "${4:-}" \
           '{test: $test, method: $method, path: $path, query: $query, mv: $mv,
             version: $version, status: ($status | tonumber), content_type: $content_type,
             body: $body, request_body: $request_body}' >> "$FERRY_CONTRACT_LOG"
    } 9>> "$FERRY_CONTRACT_LOG.lock" || fail "could not log the answer to $FERRY_CONTRACT_LOG"
}

expect_status() {
    [[ $STATUS == "$1" ]] || fail "status $STATUS, expected $1"
    ok
}

expect_json() {
    local got
    got=$(jq -r "$1" < "$BODY" 2>/dev/null) || fail "body is not JSON (wanted $1)"
    [[ $got == "$2" ]] || fail "$1 is '$got', expected '$2'"
    ok
}

expect_fault() {
    local name=$1 code=$2 msg=${3:-}
    expect_status "$code"
    expect_json "keys | .[0]" "$name"
    expect_json ".\"$name\".code" "$code"
    if [[ -n $msg ]]; then
        expect_json ".\"$name\".message" "$msg"
    fi
}

expect_header() {
    grep -qi "^$1: $2"$'\r'"\?$" "$HDRS" || fail "no header '$1: $2' in: $(tr '\r\n' '  ' < "$HDRS")"
    ok
}

sql() { psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d ferry -Atq -c "$1"; }

wait_for() {
    local what=$1 secs=$2 cond=$3 i
    for ((i = 0; i < secs * 10; i++)); do
        eval "$cond" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    fail "timed out after ${secs}s waiting for $what"
}

# The stock OpenStack client, Debian's (tools/deps.sh installs it): a test
# of what it sends and shows fails without it, it does not skip.
OPENSTACK=${OPENSTACK:-/usr/bin/openstack}
need_openstack() {
    [[ -x $OPENSTACK ]] \
        || fail "$OPENSTACK is missing (tools/deps.sh installs python3-openstackclient)"
    ok
}

# client_api: sets CLIENT_API, the URL to give the stock clients instead of
# $API.  With FERRY_CONTRACT_LOG set it is a logging proxy in front of $API
# (tests/contract/proxy.py), so that what the clients are answered is
# validated against openapi.yaml like the api helper's answers; the proxy
# ends with the test's shell.  Call it in the test's shell, not in $(...).
CLIENT_API=""
client_api() {
    [[ -z $CLIENT_API ]] || return 0
    if [[ -z ${FERRY_CONTRACT_LOG:-} ]]; then
        CLIENT_API=$API
        return 0
    fi
    local errlog=${FERRY_STATE:-$T_TMP}/log/contract-proxy-$T_NAME.log
    mkdir -p "${errlog%/*}"
    # not a job of the test's shell (started from a subshell that ends at
    # once), so that a test's bare `wait` does not wait for it
    ( /usr/bin/python3 "$REPO/tests/contract/proxy.py" "$API" "$FERRY_CONTRACT_LOG" "$T_NAME" \
        "$T_TMP/proxy.port" "$T_MAIN" </dev/null >/dev/null 2>>"$errlog" & )
    wait_for "the contract proxy (its errors: $errlog)" 20 '[[ -s $T_TMP/proxy.port ]]'
    CLIENT_API=http://127.0.0.1:$(< "$T_TMP/proxy.port")
}

# osc ARGS...: the stock `openstack` client at $CLIENT_API (call
# need_openstack and client_api first), as the admin or, with OSC_TOKEN set
# (USER:PROJECT, as the api helper's token), as that user; its stderr in
# $T_TMP/osc.err.
osc() {
    HOME=$T_TMP "$OPENSTACK" --os-auth-type admin_token --os-token "${OSC_TOKEN:-admin:admin}" \
        --os-endpoint "$CLIENT_API/v2.1" "$@" 2>"$T_TMP/osc.err"
}

done_ok() { echo "  PASS $T_NAME ($TESTS_OK checks)"; }

# ---- seeding (integration tests play the computes through SQL) ------------------

# Hosts h1 (the usual source), h2 and h3, up; h-down without a heartbeat.
seed_hosts() {
    sql "INSERT INTO compute_hosts (uuid, host, hypervisor_hostname, libvirt_uri,
             migration_addr, host_ip, memory_mb, vcpus, hypervisor_type,
             hypervisor_version, heartbeat_at)
         SELECT gen_random_uuid(), h, h || '.node', 'qemu+tcp://' || h || '/system', h,
                '127.0.0.1', 65536, 16, 'QEMU', 7002022,
                CASE WHEN h = 'h-down' THEN NULL ELSE now() END
         FROM unnest(ARRAY['h1', 'h2', 'h3', 'h-down']) h
         ON CONFLICT (host) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at"
}

# seed_instance NAME HOST PROJECT [VM_STATE] [LOCKED] -> prints the new uuid
seed_instance() {
    local uuid
    uuid=$(cat /proc/sys/kernel/random/uuid)
    sql "INSERT INTO flavors (flavorid, name, memory_mb, vcpus)
         VALUES ('t.256', 't.256', 256, 1) ON CONFLICT DO NOTHING"
    sql "INSERT INTO instances (uuid, display_name, domain_name, project_id, user_id, host,
             node, flavor_id, memory_mb, vcpus, power_state, vm_state, locked, launched_at)
         SELECT '$uuid', '$1', '$1', '$3', 'u-$3', '$2', '$2.node', id, 256, 1, 1,
                '${4:-active}', ${5:-false}, now()
         FROM flavors WHERE flavorid = 't.256'" >/dev/null
    echo "$uuid"
}

# migration id of the newest migration of an instance
last_migration() { sql "SELECT max(id) FROM migrations WHERE instance_uuid = '$1'"; }
migration_status() { sql "SELECT status FROM migrations WHERE id = $1"; }
