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

# and each default the sample shows is the one the program uses (numbers
# compared as numbers: 4 is 4.0; the host's name is the machine's)
vals() {   # [section] key = value lines -> "section key value"
    awk '/^\[/ { s = substr($0, 2, length($0) - 2); next }
         /^#?[a-z_]+ =/ { sub(/^#/, ""); k = $1; sub(/^[a-z_]+ = ?/, "")
                           if ($0 ~ /^-?[0-9]+(\.[0-9]+)?$/) $0 = $0 + 0
                           if (!(s == "DEFAULT" && k == "host")) print s, k, $0 }'
}
diff <(build/ferry-manage --print-config | vals | sort) \
     <(vals < etc/ferry.conf.sample | sort) > /tmp/ferry-config.diff.$$ || {
    echo "check-config: the defaults (<) and etc/ferry.conf.sample's (>) differ:" >&2
    cat /tmp/ferry-config.diff.$$ >&2
    rm -f /tmp/ferry-config.diff.$$
    exit 1
}
rm -f /tmp/ferry-config.diff.$$
echo "check-config: $(keys < etc/ferry.conf.sample | wc -l) options documented"
