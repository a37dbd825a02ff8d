#!/bin/bash
# run.sh BUILD SECONDS NAME... - replay each harness's regression inputs
# (tests/fuzz/regress/NAME: every crash ever found), then fuzz it for SECONDS
# from the seeds (tests/fuzz/seeds.py) and the corpus kept in BUILD/corpus.
# Prints each harness's executions and their total; fails on any crash.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$1 SECONDS_EACH=$2
shift 2
mkdir -p "$BUILD/seeds" "$BUILD/logs"
python3 "$HERE/seeds.py" "$BUILD/seeds" > /dev/null
total=0
for name in "$@"; do
    bin=$BUILD/fuzz_$name
    regress=$HERE/regress/$name
    if [[ -d $regress ]] && compgen -G "$regress/*" > /dev/null; then
        "$bin" -close_fd_mask=3 "$regress"/* > "$BUILD/logs/$name.regress" 2>&1 || {
            cat "$BUILD/logs/$name.regress"; echo "fuzz: $name: a regression input fails" >&2
            exit 1; }
    fi
    mkdir -p "$BUILD/corpus/$name"
    # stderr of the target closed (the API logs); libFuzzer's and the
    # sanitizers' reports still reach the log
    if ! "$bin" -max_total_time="$SECONDS_EACH" -close_fd_mask=3 -print_final_stats=1 \
            -max_len=8192 -timeout=10 -rss_limit_mb=1024 \
            -artifact_prefix="$BUILD/crash-$name-" \
            "$BUILD/corpus/$name" "$BUILD/seeds/$name" > "$BUILD/logs/$name.log" 2>&1; then
        tail -n 60 "$BUILD/logs/$name.log"
        echo "fuzz: $name crashed (input in $BUILD/crash-$name-*)" >&2
        exit 1
    fi
    runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$BUILD/logs/$name.log")
    total=$((total + ${runs:-0}))
    echo "  PASS fuzz_$name: ${runs:-?} executions in ${SECONDS_EACH}s, no crash"
done
echo "  fuzz: $total executions in total"
