#!/bin/bash
# e110: "host": null lets the scheduler pick; 2.34+ answers at once; the
# stock openstack client (microversion 2.1) migrates by name.
source "$(dirname "$0")/lib.sh"
S=$(server_id demo-idle)
src=$(server_host demo-idle)

api POST "/v2.1/servers/$S/action" '{"os-migrateLive": {"host": null, "block_migration": "auto"}}' 2.80
expect_status 202
id=$(last_migration "$S")
[[ $(wait_migration_done "$id") == completed ]] || fail "scheduled migration: $(migration_status "$id")"
ok
dest=$(server_host demo-idle)
[[ $dest != "$src" && $dest == t-lab-* ]] || fail "scheduler chose $dest (source $src)"
ok
assert_alive_on demo-idle "$dest"

# the stock client, by name, as an operator would
osc server migrate --live-migration demo-idle > "$T_TMP/osc.out" 2>&1 || fail "openstack: $(cat "$T_TMP/osc.out")"
ok
id=$(last_migration "$S")
[[ $(sql "SELECT api_mv FROM migrations WHERE id = $id") == 2001 ]] || fail "the Debian client speaks 2.1"
ok
[[ $(wait_migration_done "$id") == completed ]] || fail "openstack migration: $(migration_status "$id")"
ok
[[ $(server_host demo-idle) != "$dest" ]] || fail "still on $dest"
ok
assert_alive_on demo-idle "$(server_host demo-idle)"
api GET "/v2.1/os-migrations?instance_uuid=$S" "" 2.59
expect_json '.migrations[0].status' completed
expect_json '.migrations[0].migration_type' live-migration
done_ok
