#!/bin/bash
# e200: the stock clients (novaclient, openstack, openstacksdk from Debian's
# packages, unmodified) drive real migrations on the lab (tests/clients/).
# Their answers pass through the contract proxy (client_api), so they are
# validated against openapi.yaml too.
source "$(dirname "$0")/lib.sh"
# the clients see demo-busy run until they abort or force-complete it: Nova's
# policy (the ferry policy would switch it to post-copy on its own)
pin_nova "$(server_id demo-busy)"
client_api
HOSTS=$(for h in $FERRY_LAB_HOSTS; do printf '%s ' "${h%%=*}"; done) API=$CLIENT_API \
    /usr/bin/python3 "$REPO/tests/clients/clients.py" || fail "client tests"
# and nothing was left behind: each guest runs on exactly one host, its own
for g in demo-idle demo-busy; do
    [[ $(lab where "$g") == "$(server_host "$g")" ]] || fail "$g: lab says $(lab where "$g"), Ferry says $(server_host "$g")"
    ok
done
[[ $(sql "SELECT count(*) FROM migrations WHERE status NOT IN ('completed', 'failed', 'error', 'cancelled')") == 0 ]] \
    || fail "migrations left in progress"
ok
done_ok
