#!/bin/bash
# e720: a server-side drain of a lab host (POST /ferry/v1/hosts/{host}/drain):
# its service disabled, its guests live-migrated away one after the other
# (the source's max_concurrent_live_migrations, 1), each alive on its new
# host; GET says drained; the host enabled again at the end.
source "$(dirname "$0")/lib.sh"
reconfigure ""
# a host with no instance (the demo guests are two, on at most two of the
# three, wherever earlier tests left them)
SRC=$(sql "SELECT host FROM compute_hosts h WHERE NOT EXISTS (SELECT 1 FROM instances i
           WHERE i.host = h.host AND NOT i.deleted) ORDER BY host LIMIT 1")
[[ -n $SRC ]] || fail "no lab host without instances: $(sql "SELECT host || ':' ||
    display_name FROM instances WHERE NOT deleted")"
svc=$(sql "SELECT service_uuid FROM compute_hosts WHERE host = '$SRC'")
finish() {
    api PUT "/v2.1/os-services/$svc" '{"status": "enabled"}' 2.53 >/dev/null 2>&1
    for g in dr-a dr-b; do drop_guest "$g"; done
    rm -rf "$T_TMP"
}
trap finish EXIT
new_guest dr-a "$SRC" 64 "fill=1" >/dev/null
new_guest dr-b "$SRC" 64 "fill=1 rate=2 wss=8" >/dev/null

api POST "/ferry/v1/hosts/$SRC/drain" '{"drain": {"disabled_reason": "e720 maintenance"}}'
expect_status 202
expect_json '.drain.migrations | length' 2
expect_json '.drain.skipped | length' 0
wait_for "$SRC drained" 180 "api GET /ferry/v1/hosts/$SRC/drain && [[ \$(jq -r .drain.state \$BODY) != draining ]]"
expect_json '.drain.state' drained
expect_json '[.drain.migrations[].status] | unique | join(",")' completed
expect_json '.drain.instances_remaining' 0
echo "  e720: $SRC drained: $(jq -c '[.drain.migrations[] | "\(.server_id[0:8])->\(.dest_compute)"]' "$BODY")"
api GET /v2.1/os-services 2.53
expect_json ".services[] | select(.host == \"$SRC\") | [.status, .disabled_reason] | join(\",\")" \
    "disabled,e720 maintenance"
for g in dr-a dr-b; do
    [[ $(server_host "$g") != "$SRC" ]] || fail "$g still on $SRC"
    assert_alive_on "$g" "$(server_host "$g")"
done
ok
assert_consistent dr-a dr-b
done_ok
