#!/bin/bash
# asan.sh BUILD UNIT-TEST... - the unit tests, then the integration tests
# (tests/integration/run.sh with FERRY_BUILD=BUILD: every ferry-api,
# ferry-scheduler and C test there is the sanitized one), for `make asan`.
# Sanitizer reports go to files (daemons' stderr is their log, which the
# integration run removes); any report fails the run, printed here.
set -uo pipefail
BUILD=$(cd "$1" && pwd)
shift
REPORTS=$(mktemp -d /tmp/ferry-asan.XXXXXX)
chmod 777 "$REPORTS"
trap 'rm -rf "$REPORTS"' EXIT
# leaks matter in the unit tests; a daemon stopped by a signal leaks by design
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$REPORTS/ubsan"
export ASAN_OPTIONS="log_path=$REPORTS/asan:detect_leaks=1:abort_on_error=0"
failed=0
start=$(date +%s)
tests/unit/run.sh "$@" || failed=1
export ASAN_OPTIONS="log_path=$REPORTS/asan:detect_leaks=0"
FERRY_BUILD=$BUILD tests/integration/run.sh || failed=1
if compgen -G "$REPORTS/*" > /dev/null; then
    for f in "$REPORTS"/*; do
        echo "---- $f" >&2
        head -n 60 "$f" >&2
    done
    echo "asan: sanitizer reports above" >&2
    failed=1
fi
echo "asan: unit and integration tests under ASan+UBSan in $(( $(date +%s) - start )) s"
exit $failed
