#!/bin/bash
# check-config.sh - etc/ferry.conf.sample names every option of common/cfg.c's
# table, in its section, and no other, each with the default the programs
# use (--print-config).
set -euo pipefail
cd "$(dirname "$0")/.."

keys() {   # [section] key lines -> "section key"
    awk '/^\[/ { s = substr($0, 2, length($0) - 2); next }
         /^#?[a-z_]+ =/ { sub(/^#/, ""); print s, $1 }'
}

# "section key value"; numbers compared as numbers (4 is 4.0), and the
# host's name is the machine's
vals() {
    awk '/^\[/ { s = substr($0, 2, length($0) - 2); next }
         /^#?[a-z_]+ =/ { sub(/^#/, ""); k = $1; sub(/^[a-z_]+ = ?/, "")
                           if ($0 ~ /^-?[0-9]+(\.[0-9]+)?$/) $0 = $0 + 0
                           if (!(s == "DEFAULT" && k == "host")) print s, k, $0 }'
}

# same FILTER WHAT: the programs' options (<) and the sample's (>) agree
same() {
    local out
    out=$(diff <(build/ferry-manage --print-config | $1 | sort) \
               <($1 < etc/ferry.conf.sample | sort)) && return 0
    echo "check-config: $2 (<) and etc/ferry.conf.sample's (>) differ:" >&2
    echo "$out" >&2
    exit 1
}

same keys "the option table"
same vals "the defaults"
echo "check-config: $(keys < etc/ferry.conf.sample | wc -l) options documented"
