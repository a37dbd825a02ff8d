#!/bin/sh
# run.sh - run the cmocka unit test binaries given as arguments; fail if any fails.
set -u
failed=0
for t in "$@"; do
    if "$t" >"$t.log" 2>&1; then
        echo "  PASS $(basename "$t") ($(grep -c '^\[       OK \]' "$t.log") tests)"
    else
        echo "  FAIL $(basename "$t")"
        cat "$t.log"
        failed=1
    fi
done
exit $failed
