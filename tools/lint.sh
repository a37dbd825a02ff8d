#!/bin/sh
# lint.sh - the layering rules, checked on #include lines (make lint):
#   only db/ includes libpq-fe.h; only compute/virt_libvirt.c includes libvirt;
#   only api/http.c includes microhttpd.h; api/, scheduler/ and compute/ never
#   include each other; db/ and common/ include no process folder; common/
#   includes nothing but common/; db/db_int.h (libpq's types) is included
#   only in db/ (and tests); every db/db_<x>.c has its own db/db_<x>.h.
# And one rule on calls: err_set() never reads the error it writes
# (tools/lint-err.pl; err_prefix() adds context to an error instead).
set -u
cd "$(dirname "$0")/.."
fail=0
bad() { echo "lint: $*" >&2; fail=1; }

for f in $(grep -rl '#include <libpq-fe.h>' --include='*.[ch]' . | grep -v '^./tests/'); do
    case $f in ./db/*) ;; *) bad "$f includes libpq-fe.h (only db/ may)";; esac
done
for f in $(grep -rl '#include <libvirt/' --include='*.[ch]' . | grep -v '^./tests/'); do
    [ "$f" = ./compute/virt_libvirt.c ] || bad "$f includes libvirt (only compute/virt_libvirt.c may)"
done
for f in $(grep -rl '#include <microhttpd.h>' --include='*.[ch]' . | grep -v '^./tests/'); do
    [ "$f" = ./api/http.c ] || bad "$f includes microhttpd.h (only api/http.c may)"
done
for dir in api scheduler compute manage; do
    for other in api scheduler compute manage; do
        [ "$dir" = "$other" ] && continue
        grep -ln "#include \"$other/" $dir/*.[ch] 2>/dev/null | while read -r f; do
            echo "lint: $f includes $other/ (processes never include each other)" >&2
            echo x
        done | grep -q x && fail=1
    done
done
for f in $(grep -ln '#include "\(api\|scheduler\|compute\|manage\)/' db/*.[ch] common/*.[ch] 2>/dev/null); do
    bad "$f includes a process folder (db/ and common/ are layers below them)"
done
for f in $(grep -ln '#include "db/' common/*.[ch] 2>/dev/null); do
    bad "$f includes db/ (common/ is the leaf)"
done
for f in $(grep -rl '#include "db/db_int.h"' --include='*.[ch]' . | grep -v '^./db/\|^./tests/'); do
    bad "$f includes db/db_int.h (libpq's types stay inside db/)"
done
for c in db/db_*.c; do
    [ -f "${c%.c}.h" ] || bad "$c has no header of its own (${c%.c}.h)"
done
[ $fail = 0 ] && echo "lint: layering ok"
# shellcheck disable=SC2046
tools/lint-err.pl $(find . -name '*.[ch]' -not -path './build/*' -not -path './.git/*') || fail=1
[ $fail = 0 ] && echo "lint: err_set ok"
tests/check-routes.sh || fail=1
tests/check-config.sh || fail=1
tests/check-cli.sh || fail=1
exit $fail
