#!/bin/bash
# check.sh - the contract tests' entry point for tests/integration/run.sh and
# tests/e2e/run.sh.
#
#   check.sh --prepare    install the npm packages if needed (npm ci, from the
#                         committed package-lock.json, quietly), then validate
#                         openapi.yaml itself as an OpenAPI document
#   check.sh LOG...       validate every answer logged in LOG (one JSON line per
#                         answer, written by the api helper of
#                         tests/integration/lib.sh when FERRY_CONTRACT_LOG is set)
#
# One PASS line per step; on failure, what failed and why.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || {
    echo "FAIL contract: node and npm are needed (tools/deps.sh installs them)" >&2
    exit 1
}

# npm ci when node_modules is missing or older than the lock (npm ci writes
# node_modules/.package-lock.json last, so its time says when it ran).
fresh() {
    local stamp=$HERE/node_modules/.package-lock.json
    [[ -f $stamp && ! $HERE/package-lock.json -nt $stamp && ! $HERE/package.json -nt $stamp ]]
}

deps() {
    local out
    fresh && return 0
    # one npm ci at a time (an integration and an e2e run may start together)
    exec 8> "${TMPDIR:-/tmp}/ferry-contract-npm.lock"
    flock 8
    fresh && return 0
    if ! out=$(cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error 2>&1); then
        echo "FAIL contract: npm ci in tests/contract failed:" >&2
        echo "$out" | grep -v 'Unknown user config' >&2
        exit 1
    fi
}

deps
if [[ ${1:-} == --prepare ]]; then
    exec node "$HERE/validate.js" --spec "$REPO/openapi.yaml" --spec-only
fi
[[ $# -gt 0 ]] || { echo "usage: check.sh --prepare | LOG..." >&2; exit 2; }
exec node "$HERE/validate.js" --spec "$REPO/openapi.yaml" "$@"
