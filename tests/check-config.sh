#!/bin/bash
# check-config.sh - etc/ferry.conf.sample names every option of common/cfg.c's
# table, in its section, and no other.
set -euo pipefail
cd "$(dirname "$0")/.."

keys() {   # [section] key lines -> "section key"
    awk '/^\[/ { s = substr($0, 2, length($0) - 2); next }
         /^#?[a-z_]+ =/ { sub(/^#/, ""); print s, $1 }'
}

diff <(build/ferry-manage --print-config | keys | sort) \
     <(keys < etc/ferry.conf.sample | sort) > /tmp/ferry-config.diff.$$ || {
    echo "check-config: the option table (<) and etc/ferry.conf.sample (>) differ:" >&2
    cat /tmp/ferry-config.diff.$$ >&2
    rm -f /tmp/ferry-config.diff.$$
    exit 1
}
rm -f /tmp/ferry-config.diff.$$
echo "check-config: $(keys < etc/ferry.conf.sample | wc -l) options documented"
