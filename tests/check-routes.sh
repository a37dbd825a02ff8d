#!/bin/bash
# check-routes.sh - openapi.yaml and api/routes.c describe the same routes.
# The route table's patterns sit below /v2.1, but for Ferry's own routes
# (full paths below /ferry/v1); the router itself serves the version
# documents "/" and "/v2.1" (both in openapi.yaml too).
set -euo pipefail
cd "$(dirname "$0")/.."

from_table() {
    echo "get /"
    echo "get /v2.1"
    grep -o '{ HTTP_[A-Z]*, "[^"]*"' api/routes.c |
        sed -E 's/\{ HTTP_([A-Z]+), "([^"]*)"/\1 \2/' |
        awk '{ path = ($2 == "/") ? "/v2.1/" : ($2 ~ /^\/ferry\//) ? $2 : "/v2.1" $2
               print tolower($1), path }'
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
