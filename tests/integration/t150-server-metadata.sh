#!/bin/bash
# t150: a server's metadata, as Nova's server metadata API serves it: GET/POST/PUT
# /servers/{id}/metadata, GET/PUT/DELETE /servers/{id}/metadata/{key}, with Nova's
# body validation, messages, quota (128 items), lock and task-state conflicts (409
# while a live migration runs) and policy; Ferry's check of the ferry:* keys it reads;
# what a migration then records (policy, budget, permissions: the guest's over the
# configuration's); `server show` and `openstack server set|unset --property`.
source "$(dirname "$0")/lib.sh"
seed_hosts
S=$(seed_instance t150 h1 fe150)
OWNER=u-fe150:fe150
OTHER=u-other:other150
RE="'^[a-zA-Z0-9-_:. ]{1,255}\$'"
md() { sql "SELECT metadata::text FROM instances WHERE uuid = '$1'"; }

# ---- index, create (merge), show, update_all (replace) ---------------------------------
api GET "/v2.1/servers/$S/metadata" "" "" "$OWNER"
expect_status 200
expect_json '.metadata | length' 0
api POST "/v2.1/servers/$S/metadata" '{"metadata": {"a": "1", "b c": "2"}}' "" "$OWNER"
expect_status 200
expect_json '.metadata | to_entries | map("\(.key)=\(.value)") | sort | join(",")' "a=1,b c=2"
api POST "/v2.1/servers/$S/metadata" '{"metadata": {"a": "one", "d": ""}}' 2.96 "$OWNER"
expect_status 200
expect_json '.metadata | to_entries | map("\(.key)=\(.value)") | sort | join(",")' "a=one,b c=2,d="
api GET "/v2.1/servers/$S/metadata/b%20c" "" "" "$OWNER"
expect_status 200
expect_json '.meta | to_entries | map("\(.key)=\(.value)") | join(",")' "b c=2"
api GET "/v2.1/servers/$S/metadata/nope" "" "" "$OWNER"
expect_fault itemNotFound 404 "Metadata item was not found"
api GET "/v2.1/servers/$S" "" 2.96 "$OWNER"
expect_json '.server.metadata.a' one
api GET "/v2.1/servers/detail?all_tenants=1&name=^t150\$" "" "" admin:admin
expect_json '.servers[0].metadata["b c"]' 2
api PUT "/v2.1/servers/$S/metadata" '{"metadata": {"x": "y"}}' "" "$OWNER"
expect_status 200
expect_json '.metadata | keys | join(",")' x
[[ $(md "$S") == '{"x": "y"}' ]] || fail "stored metadata is $(md "$S")"
ok
# the project id segment and the legacy tree serve it too
api GET "/v2.1/fe150/servers/$S/metadata/x" "" "" "$OWNER"
expect_json '.meta.x' y
api GET "/v2/servers/$S/metadata" "" "" "$OWNER"
expect_json '.metadata.x' y

# ---- update (one item) and delete ----------------------------------------------------------
api PUT "/v2.1/servers/$S/metadata/k1" '{"meta": {"k1": "v1"}}' "" "$OWNER"
expect_status 200
expect_json '.meta | to_entries | map("\(.key)=\(.value)") | join(",")' "k1=v1"
api PUT "/v2.1/servers/$S/metadata/k1" '{"meta": {"k2": "v1"}}' "" "$OWNER"
expect_fault badRequest 400 "Request body and URI mismatch"
api PUT "/v2.1/servers/$S/metadata/k1" '{"meta": {"k1": "v1", "k2": "v2"}}' "" "$OWNER"
expect_fault badRequest 400 \
    "Invalid input for field/attribute meta. Value: {'k1': 'v1', 'k2': 'v2'}. {'k1': 'v1', 'k2': 'v2'} has too many properties"
api PUT "/v2.1/servers/$S/metadata/k1" '{"meta": {}}' "" "$OWNER"
expect_fault badRequest 400 \
    "Invalid input for field/attribute meta. Value: {}. {} does not have enough properties"
api DELETE "/v2.1/servers/$S/metadata/k1" "" "" "$OWNER"
expect_status 204
[[ ! -s $BODY ]] || fail "a 204 with a body"
ok
api DELETE "/v2.1/servers/$S/metadata/k1" "" "" "$OWNER"
expect_fault itemNotFound 404 "Metadata item was not found"
[[ $(md "$S") == '{"x": "y"}' ]] || fail "stored metadata is $(md "$S")"
ok

# ---- Nova's body validation ---------------------------------------------------------------
api POST "/v2.1/servers/$S/metadata" '{"metadata": {"a/b": "1", "c!": "2", "ok": "3"}}' "" "$OWNER"
expect_fault badRequest 400 \
    "Invalid input for field/attribute metadata. Value: {'a/b': '1', 'c!': '2', 'ok': '3'}. 'a/b', 'c!' do not match any of the regexes: $RE"
api POST "/v2.1/servers/$S/metadata" '{"metadata": {"a/b": "1", "ok": 3}}' "" "$OWNER"
expect_fault badRequest 400 "Invalid input for field/attribute ok. Value: 3. 3 is not of type 'string'"
LONG=$(printf 'v%.0s' $(seq 256))
api POST "/v2.1/servers/$S/metadata" "{\"metadata\": {\"k\": \"$LONG\"}}" "" "$OWNER"
expect_fault badRequest 400 "Invalid input for field/attribute k. Value: $LONG. '$LONG' is too long"
# 255 characters, not bytes: 255 two-byte characters pass
WIDE=$(printf 'é%.0s' $(seq 255))
api POST "/v2.1/servers/$S/metadata" "{\"metadata\": {\"wide\": \"$WIDE\"}}" "" "$OWNER"
expect_status 200
KEY=$(printf 'k%.0s' $(seq 256))
api POST "/v2.1/servers/$S/metadata" "{\"metadata\": {\"$KEY\": \"v\"}}" "" "$OWNER"
expect_fault badRequest 400 \
    "Invalid input for field/attribute metadata. Value: {'$KEY': 'v'}. '$KEY' does not match any of the regexes: $RE"
api POST "/v2.1/servers/$S/metadata" '{"metadata": []}' "" "$OWNER"
expect_fault badRequest 400 "Invalid input for field/attribute metadata. Value: []. [] is not of type 'object'"
api POST "/v2.1/servers/$S/metadata" '{"meta": {"a": "b"}}' "" "$OWNER"
expect_fault badRequest 400 "'metadata' is a required property"
api PUT "/v2.1/servers/$S/metadata" '{"metadata": {}, "x": 1}' "" "$OWNER"
expect_fault badRequest 400 "Additional properties are not allowed ('x' was unexpected)"
api POST "/v2.1/servers/$S/metadata" 'not json' "" "$OWNER"
expect_fault badRequest 400 "Malformed request body"
# the legacy tree tolerates unknown body keys, never a bad metadata key
api POST "/v2/servers/$S/metadata" '{"metadata": {"z": "1"}, "x": 1}' "" "$OWNER"
expect_status 200
api POST "/v2/servers/$S/metadata" '{"metadata": {"a/b": "1"}}' "" "$OWNER"
expect_fault badRequest 400 \
    "Invalid input for field/attribute metadata. Value: {'a/b': '1'}. 'a/b' does not match any of the regexes: $RE"

# ---- who: another project sees no server; the order is Nova's ----------------------------
api GET "/v2.1/servers/$S/metadata" "" "" "$OTHER"
expect_fault itemNotFound 404 "Instance $S could not be found."
api POST "/v2.1/servers/$S/metadata" '{"metadata": {"a/b": "1"}}' "" "$OTHER"
expect_status 400                                   # the schema comes first
api DELETE "/v2.1/servers/$S/metadata/x" "" "" "$OTHER"
expect_fault itemNotFound 404 "Instance $S could not be found."
api GET "/v2.1/servers/$S/metadata/x" "" "" admin:admin
expect_json '.meta.x' y
api GET "/v2.1/servers/not-a-uuid/metadata" "" "" admin:admin
expect_fault itemNotFound 404 "Instance not-a-uuid could not be found."

# ---- quota: 128 items ---------------------------------------------------------------------
ITEMS=$(jq -cn '[range(0; 128) | {key: "q\(.)", value: "v"}] | from_entries')
api PUT "/v2.1/servers/$S/metadata" "{\"metadata\": $ITEMS}" "" "$OWNER"
expect_status 200
expect_json '.metadata | length' 128
api POST "/v2.1/servers/$S/metadata" '{"metadata": {"q0": "changed"}}' "" "$OWNER"
expect_status 200                                   # still 128
api PUT "/v2.1/servers/$S/metadata/one-more" '{"meta": {"one-more": "v"}}' "" "$OWNER"
expect_fault forbidden 403 "Maximum number of metadata items exceeds 128"
ITEMS=$(jq -cn '[range(0; 129) | {key: "q\(.)", value: "v"}] | from_entries')
api PUT "/v2.1/servers/$S/metadata" "{\"metadata\": $ITEMS}" "" "$OWNER"
expect_fault forbidden 403 "Maximum number of metadata items exceeds 128"
api PUT "/v2.1/servers/$S/metadata" '{"metadata": {}}' "" "$OWNER"
expect_status 200
expect_json '.metadata | length' 0

# ---- lock and state: 409 ------------------------------------------------------------------
sql "UPDATE instances SET locked = true WHERE uuid = '$S'"
api POST "/v2.1/servers/$S/metadata" '{"metadata": {"a": "b"}}' "" "$OWNER"
expect_fault conflictingRequest 409 "Instance $S is locked"
api POST "/v2.1/servers/$S/metadata" '{"metadata": {"a": "b"}}' "" admin:admin
expect_status 200                                   # an admin passes the lock
sql "UPDATE instances SET locked = false, vm_state = 'error' WHERE uuid = '$S'"
api DELETE "/v2.1/servers/$S/metadata/a" "" "" "$OWNER"
expect_fault conflictingRequest 409 "Cannot 'delete metadata' instance $S while it is in vm_state error"
sql "UPDATE instances SET vm_state = 'stopped' WHERE uuid = '$S'"
api DELETE "/v2.1/servers/$S/metadata/a" "" "" "$OWNER"
expect_status 204
sql "UPDATE instances SET vm_state = 'active' WHERE uuid = '$S'"

# ---- Ferry's keys: values checked when set ------------------------------------------------
bad_value() {   # key value what-is-valid
    api PUT "/v2.1/servers/$S/metadata/$1" "{\"meta\": {\"$1\": \"$2\"}}" "" "$OWNER"
    expect_fault badRequest 400 "Invalid value '$2' for metadata key $1: it must be $3."
}
bad_value ferry:migration_policy fast "nova or ferry"
bad_value ferry:post_copy yes "allowed or forbidden"
bad_value ferry:auto_converge Allowed "allowed or forbidden"
MS="an integer number of milliseconds from 100 to 2000000"
bad_value ferry:max_downtime_ms 99 "$MS"
bad_value ferry:max_downtime_ms 2000001 "$MS"
bad_value ferry:max_downtime_ms " 300" "$MS"
bad_value ferry:max_downtime_ms 3e2 "$MS"
bad_value ferry:max_downtime_ms -300 "$MS"
api POST "/v2.1/servers/$S/metadata" '{"metadata": {"ferry:postcopy": "allowed"}}' "" "$OWNER"
expect_fault badRequest 400 "Unknown metadata key ferry:postcopy: the ferry: prefix is Ferry's, which reads ferry:migration_policy, ferry:max_downtime_ms, ferry:post_copy and ferry:auto_converge."
[[ $(md "$S") == '{}' ]] || fail "a refused value was stored: $(md "$S")"
ok

# ---- a migration records what it used: the guest's keys over the configuration ------------
api POST "/v2.1/servers/$S/action" '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' 2.80
expect_status 202
M=$(last_migration "$S")
used() {
    sql "SELECT concat_ws(',', coalesce(policy, '-'), coalesce(policy_requested, '-'),
             coalesce(max_downtime_ms::text, '-'), coalesce(post_copy_permitted::text, '-'),
             coalesce(auto_converge_permitted::text, '-')) FROM migrations WHERE id = $1"
}
# nothing set: the source compute's configuration will say (no compute here)
[[ $(used "$M") == "-,-,-,-,-" ]] || fail "migration $M recorded $(used "$M")"
ok
# while it runs, Nova's 409: the keys a migration read cannot change under it
api POST "/v2.1/servers/$S/metadata" '{"metadata": {"ferry:post_copy": "forbidden"}}' "" "$OWNER"
expect_fault conflictingRequest 409 \
    "Cannot 'update metadata' instance $S while it is in task_state migrating"
api PUT "/v2.1/servers/$S/metadata/a" '{"meta": {"a": "b"}}' "" admin:admin
expect_fault conflictingRequest 409 \
    "Cannot 'update metadata' instance $S while it is in task_state migrating"
wait_for "migration $M to be queued" 10 '[[ $(migration_status '"$M"') == queued ]]'
api DELETE "/v2.1/servers/$S/migrations/$M" "" 2.65
expect_status 202
wait_for "the abort of migration $M" 10 '[[ $(migration_status '"$M"') == cancelled ]]'
wait_for "the task to clear" 10 "[[ -z \$(sql \"SELECT task_state FROM instances WHERE uuid = '$S'\") ]]"
api POST "/v2.1/servers/$S/metadata" \
    '{"metadata": {"ferry:migration_policy": "ferry", "ferry:max_downtime_ms": "2500", "ferry:post_copy": "allowed", "ferry:auto_converge": "allowed", "other": "x"}}' \
    "" "$OWNER"
expect_status 200
api POST "/v2.1/servers/$S/action" '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' 2.80
expect_status 202
M=$(last_migration "$S")
[[ $(used "$M") == "ferry,ferry,2500,true,true" ]] || fail "migration $M recorded $(used "$M")"
ok
wait_for "migration $M to be queued" 10 '[[ $(migration_status '"$M"') == queued ]]'
api DELETE "/v2.1/servers/$S/migrations/$M" "" 2.65
expect_status 202
wait_for "the abort of migration $M" 10 '[[ $(migration_status '"$M"') == cancelled ]]'
wait_for "the task to clear" 10 "[[ -z \$(sql \"SELECT task_state FROM instances WHERE uuid = '$S'\") ]]"

# ---- the stock client: server set|unset --property, server show ---------------------------
need_openstack
client_api
# as the server's owner, not the admin
OSC_TOKEN=$OWNER
LAST="openstack server set --property ferry:post_copy=forbidden --property tier=gold $S"
osc server set --property ferry:post_copy=forbidden --property tier=gold "$S" \
    || fail "$(cat "$T_TMP/osc.err")"
[[ $(sql "SELECT metadata->>'ferry:post_copy' || ',' || (metadata->>'tier')
          FROM instances WHERE uuid = '$S'") == "forbidden,gold" ]] \
    || fail "stored metadata is $(md "$S")"
ok
LAST="openstack server show $S"
osc server show "$S" -f json > "$BODY" || fail "$(cat "$T_TMP/osc.err")"
expect_json '.properties.tier' gold
LAST="openstack server unset --property tier $S"
osc server unset --property tier "$S" || fail "$(cat "$T_TMP/osc.err")"
[[ $(sql "SELECT metadata ? 'tier' FROM instances WHERE uuid = '$S'") == f ]] \
    || fail "tier is still there: $(md "$S")"
ok
LAST="openstack server set --property ferry:post_copy=maybe $S"
if osc server set --property ferry:post_copy=maybe "$S"; then
    fail "the client accepted an invalid ferry:post_copy"
fi
grep -q "Invalid value 'maybe' for metadata key ferry:post_copy" "$T_TMP/osc.err" \
    || fail "the client did not show Ferry's reason: $(cat "$T_TMP/osc.err")"
ok
done_ok
