#!/bin/bash
# check-routes.sh - openapi.yaml and api/routes.c describe the same routes.
# The route table's patterns sit below /v2.1, but for Ferry's own routes
# (full paths: below /ferry/v1, and /metrics); the router itself serves the version
# documents "/" and "/v2.1" and /healthcheck (all in openapi.yaml too).
set -euo pipefail
cd "$(dirname "$0")/.."

from_table() {
    echo "get /"
    echo "get /v2.1"
    echo "get /healthcheck"
    echo "get /ferry/v1/dashboard"
    # ferry_routes_table's patterns are full paths (/ferry/v1/..., /metrics)
    awk '/ferry_routes_table\[\]/ { ferry = 1 }
         match($0, /\{ HTTP_[A-Z]+, "[^"]*"/) {
             split(substr($0, RSTART, RLENGTH), f, /[ ,"]+/)
             m = substr(f[2], 6); p = f[3]
             path = ferry ? p : (p == "/") ? "/v2.1/" : "/v2.1" p
             print tolower(m), path }' api/routes.c
}

from_openapi() {
    /usr/bin/python3 - <<'PY'
import yaml
doc = yaml.safe_load(open("openapi.yaml"))
for path, ops in doc["paths"].items():
    for m in ops:
        if m in ("get", "post", "put", "delete", "patch"):
            print(m, path)
PY
}

diff <(from_table | sort) <(from_openapi | sort) > /tmp/ferry-routes.diff.$$ || {
    echo "check-routes: api/routes.c (<) and openapi.yaml (>) differ:" >&2
    cat /tmp/ferry-routes.diff.$$ >&2
    rm -f /tmp/ferry-routes.diff.$$
    exit 1
}
rm -f /tmp/ferry-routes.diff.$$
echo "check-routes: $(from_table | wc -l) routes match openapi.yaml"
