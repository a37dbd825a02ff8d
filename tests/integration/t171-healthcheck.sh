#!/bin/bash
# t171: GET/HEAD /healthcheck, oslo.middleware's healthcheck as Nova serves
# it: no token needed, 200 "OK" (204 to a HEAD) while PostgreSQL answers
# (checked at most once a second, whatever the probes), 503 "DISABLED BY
# FILE" while [healthcheck] disable_by_file_path exists (run.sh points it
# into the run's state), a bare 404 for other methods.  (The database down:
# e520.)
source "$(dirname "$0")/lib.sh"
DISABLE=$FERRY_STATE/healthcheck_disable
trap 'rm -f "$DISABLE"; rm -rf "$T_TMP"' EXIT

api GET /healthcheck "" "" ""
expect_status 200
expect_header Content-Type 'text/plain; charset=UTF-8'
[[ $(cat "$BODY") == OK ]] || fail "body '$(cat "$BODY")'"
ok
# a token changes nothing, nor does a microversion (no version headers)
api GET /healthcheck "" 2.90
expect_status 200
grep -qi '^openstack-api-version:' "$HDRS" && fail "a version header on /healthcheck"
ok
# a HEAD: oslo's 204
[[ $(curl -s -o /dev/null -w '%{http_code}' -I "$API/healthcheck") == 204 ]] || fail "HEAD"
ok

touch "$DISABLE"
api GET /healthcheck "" "" ""
expect_status 503
[[ $(cat "$BODY") == "DISABLED BY FILE" ]] || fail "disabled: body '$(cat "$BODY")'"
ok
# the rest of the API is untouched by it
api GET /v2.1/os-migrations "" 2.80
expect_status 200
rm -f "$DISABLE"
api GET /healthcheck "" "" ""
expect_status 200

api POST /healthcheck '{}' "" ""
expect_status 404
[[ $(head -c 13 "$BODY") == "404 Not Found" ]] || fail "POST: $(cat "$BODY")"
ok
done_ok
