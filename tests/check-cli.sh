#!/bin/bash
# check-cli.sh - every Ferry program answers --help with its usage (the
# shared options and its own) and exit 0, and refuses an unknown argument
# naming --help, with a non-zero exit; ferry-api on a taken port says why.
set -euo pipefail
cd "$(dirname "$0")/.."

fail=0
bad() { echo "check-cli: $*" >&2; fail=1; }
for p in ferry-api ferry-scheduler ferry-compute ferry-manage; do
    out=$(build/$p --help 2>&1) || bad "$p --help exited $?"
    for want in "usage: $p" --config-file --debug --print-config --help; do
        [[ $out == *"$want"* ]] || bad "$p --help does not mention $want: $out"
    done
    if out=$(build/$p --no-such-option 2>&1); then
        bad "$p took --no-such-option"
    else
        [[ $out == *"--help"* ]] || bad "$p's refusal of --no-such-option names no --help: $out"
    fi
done
[[ $(build/ferry-compute --help) == *"--host NAME"* ]] || bad "ferry-compute --help: no --host"
[[ $(build/ferry-manage --help) == *"db sync"* ]] || bad "ferry-manage --help: no db sync"
# ferry-api on a port another process listens on says why it cannot
# (libmicrohttpd's reason), not only that it cannot
conf=$(mktemp) holder=$(mktemp)
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(60)' > "$holder" &
hpid=$!
for _ in $(seq 50); do [[ -s $holder ]] && break; sleep 0.1; done
printf '[DEFAULT]\nosapi_compute_listen_port = %s\n[database]\nconnection = %s\n' \
    "$(cat "$holder")" "postgresql://postgres@127.0.0.1:1/ferry" > "$conf"
out=$(timeout 30 build/ferry-api --config-file "$conf" 2>&1) && bad "ferry-api started on a taken port"
[[ $out == *"cannot listen on 127.0.0.1:$(cat "$holder"): Address already in use"* ]] ||
    bad "ferry-api on a taken port said: $(tail -n 1 <<< "$out")"
kill "$hpid" 2>/dev/null || true
wait "$hpid" 2>/dev/null || true
rm -f "$conf" "$holder"
[ $fail = 0 ] && echo "check-cli: 4 programs' --help and refusals ok, ferry-api's taken port explained"
exit $fail
