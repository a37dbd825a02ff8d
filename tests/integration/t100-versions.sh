#!/bin/bash
# t100: version discovery documents and microversion headers.
source "$(dirname "$0")/lib.sh"

api GET / "" "" ""
expect_status 200
expect_json '.versions | length' 2
expect_json '.versions[1].id' v2.1
expect_json '.versions[1].version' 2.96
expect_json '.versions[1].min_version' 2.1
expect_json '.versions[1].links[0].href' "$API/v2.1/"
expect_json '.versions[0].status' DEPRECATED
grep -qi '^OpenStack-API-Version' "$HDRS" && fail "GET / must not carry version headers"
ok

api GET /v2.1 "" "" ""
expect_status 200
expect_json '.version.id' v2.1
expect_json '.version."media-types"[0].type' 'application/vnd.openstack.compute+json;version=2.1'
expect_header OpenStack-API-Version 'compute 2.1'
expect_header X-OpenStack-Nova-API-Version 2.1
expect_header Vary OpenStack-API-Version
expect_header Vary X-OpenStack-Nova-API-Version

# /v2.1/ is the same versions app as /v2.1: no token needed (Nova's urlmap
# sends only /v2.1/<something> to the authenticated API)
api GET /v2.1/ "" "" ""
expect_status 200
expect_json '.version.id' v2.1
expect_json '.version.version' 2.96
expect_json '.version.links[0].href' "$API/v2.1/"
expect_header OpenStack-API-Version 'compute 2.1'
expect_header X-OpenStack-Nova-API-Version 2.1
expect_header Vary OpenStack-API-Version
expect_header Vary X-OpenStack-Nova-API-Version
api GET /v2.1/ "" 2.60 ""
expect_status 200
expect_header OpenStack-API-Version 'compute 2.60'
api GET / "" "" ""
expect_status 200
# below the project segment it is the API again: a token is wanted
api GET /v2.1/0123abcd/ "" "" ""
expect_fault unauthorized 401

api GET /v2.1/ "" 2.60
expect_status 200
expect_header OpenStack-API-Version 'compute 2.60'

api GET /v2.1/ "" latest
expect_header OpenStack-API-Version 'compute 2.96'

api GET /v2/ "" "" ""
expect_status 200
expect_json '.version.id' v2.0
expect_json '.version.version' ''

api GET /v2.5/servers "" "" ""
expect_status 300
expect_json '.choices[1].links[0].href' "$API/v2.1/v2.5/servers"

api GET /v2.1/servers "" 2.0
expect_fault computeFault 406 'Version 2.0 is not supported by the API. Minimum is 2.1 and maximum is 2.96.'
expect_header OpenStack-API-Version 'compute 2.0'

api GET /v2.1/servers "" 2.x
expect_fault badRequest 400 'API Version String 2.x is of invalid format. Must be of format MajorNum.MinorNum.'
grep -qi '^OpenStack-API-Version' "$HDRS" && fail "a malformed version is answered without version headers"
ok

# request ids on every answer, equal
api GET /v2.1/nowhere
expect_status 404
rid=$(grep -i '^x-openstack-request-id' "$HDRS" | tr -d '\r' | cut -d' ' -f2)
[[ $rid == req-* ]] || fail "no request id"
expect_header x-compute-request-id "$rid"

# without a token: 401
api GET /v2.1/servers "" "" ""
expect_fault unauthorized 401
done_ok
