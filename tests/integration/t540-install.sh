#!/bin/bash
# t540: make install (PREFIX=/usr into a DESTDIR of the test's): the four
# programs, the schema where the installed ferry-manage finds it, the systemd
# units with the installed paths (systemd-analyze verify reads them), the
# sample and a first ferry.conf (kept on a second install), uninstall; then
# the installed programs themselves: ferry-manage db sync on a fresh database
# of the run's PostgreSQL and ferry-api on a free port answering
# /healthcheck and /metrics from it.  Stops only what it started, by pid.
source "$(dirname "$0")/lib.sh"
FERRY_BUILD=${FERRY_BUILD:-$REPO/build}
# shellcheck source=../lib/env.sh
source "$REPO/tests/lib/env.sh"
ROOT=$T_TMP/root
DB=t540_install
APID=
psql_pg() { psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -Atq -c "$1"; }
cleanup() {
    [[ -n $APID ]] && kill "$APID" 2>/dev/null && wait "$APID" 2>/dev/null
    psql_pg "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
    release_reserved
    rm -rf "$T_TMP"
}
trap cleanup EXIT
install_to() {
    make -s --no-print-directory -C "$REPO" install DESTDIR="$ROOT" PREFIX=/usr \
        BUILD="$FERRY_BUILD" > "$T_TMP/install.log" 2>&1 || fail "make install: $(cat "$T_TMP/install.log")"
}

# ---- the layout ------------------------------------------------------------------
install_to
for p in ferry-api ferry-scheduler ferry-compute ferry-manage; do
    [[ -x $ROOT/usr/bin/$p ]] || fail "no $ROOT/usr/bin/$p"
done
ok
[[ $(ls "$ROOT/usr/share/ferry/migrations-sql") == "$(ls "$REPO/migrations-sql")" ]] \
    || fail "schema files: $(ls "$ROOT/usr/share/ferry/migrations-sql")"
ok
U=$ROOT/usr/lib/systemd/system
for u in ferry-db-sync ferry-api ferry-scheduler ferry-compute; do
    [[ -f $U/$u.service ]] || fail "no unit $u.service"
    grep -q "@[A-Z]*@" "$U/$u.service" && fail "$u.service: a placeholder left"
done
grep -qx "ExecStart=/usr/bin/ferry-api --config-file /etc/ferry/ferry.conf" \
    "$U/ferry-api.service" || fail "ferry-api.service: $(grep ExecStart "$U/ferry-api.service")"
ok
# systemd's own reading of them: every key known, every command there (the
# units' copies pointing into the test's root, where the programs are)
if command -v systemd-analyze >/dev/null; then
    mkdir -p "$T_TMP/units"
    for f in "$U"/ferry-*.service; do
        sed "s|=/usr/bin/|=$ROOT/usr/bin/|" "$f" > "$T_TMP/units/${f##*/}"
    done
    out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify "$T_TMP"/units/*.service 2>&1) \
        || fail "systemd-analyze verify: $out"
    [[ -z $out ]] || fail "systemd-analyze verify: $out"
    ok
else
    echo "  t540: no systemd-analyze here: the units not verified" >&2
fi
[[ $(stat -c %a "$ROOT/etc/ferry/ferry.conf") == 640 ]] || fail "ferry.conf mode"
cmp -s "$ROOT/etc/ferry/ferry.conf.sample" "$REPO/etc/ferry.conf.sample" || fail "sample"
ok
# a second install keeps the operator's ferry.conf
echo "# mine" >> "$ROOT/etc/ferry/ferry.conf"
install_to
[[ $(tail -n 1 "$ROOT/etc/ferry/ferry.conf") == "# mine" ]] || fail "ferry.conf overwritten"
ok

# ---- the installed programs --------------------------------------------------------
psql_pg "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
psql_pg "CREATE DATABASE $DB" >/dev/null
port=$(free_port 28950)
cat > "$T_TMP/ferry.conf" <<CONF
[DEFAULT]
osapi_compute_listen = 127.0.0.1
osapi_compute_listen_port = $port
[database]
connection = host=127.0.0.1 port=$PGPORT dbname=$DB user=postgres
CONF
out=$(env -u FERRY_SCHEMA_DIR "$ROOT/usr/bin/ferry-manage" --config-file "$T_TMP/ferry.conf" \
      db sync 2>&1) || fail "installed ferry-manage db sync: $out"
last=$(ls "$REPO/migrations-sql" | tail -n 1)
[[ $("$ROOT/usr/bin/ferry-manage" --config-file "$T_TMP/ferry.conf" db version 2>/dev/null) \
   == "${last%%_*}"* ]] || fail "db version: $("$ROOT/usr/bin/ferry-manage" \
   --config-file "$T_TMP/ferry.conf" db version 2>&1), want ${last%%_*}"
ok
"$ROOT/usr/bin/ferry-api" --config-file "$T_TMP/ferry.conf" > "$T_TMP/api.log" 2>&1 &
APID=$!
wait_for "the installed ferry-api on :$port" 30 \
    "curl -fs -o /dev/null http://127.0.0.1:$port/healthcheck"
[[ $(curl -s "http://127.0.0.1:$port/healthcheck") == OK ]] || fail "healthcheck"
ok
API=http://127.0.0.1:$port api GET /metrics
expect_status 200
grep -q '^ferry_migrations_total{policy="ferry",status="completed"} 0$' "$BODY" \
    || fail "metrics of the fresh database: $(head -c 400 "$BODY")"
ok
# the dashboard, from the installed share/ferry
cmp -s <(curl -s "http://127.0.0.1:$port/ferry/v1/dashboard") "$REPO/api/dashboard.html" \
    || fail "the installed dashboard: $(grep dashboard "$T_TMP/api.log")"
grep -q "dashboard at /ferry/v1/dashboard from $ROOT/usr/bin/../share/ferry/dashboard.html" \
    "$T_TMP/api.log" || fail "dashboard not from share/ferry: $(grep dashboard "$T_TMP/api.log")"
ok

# ---- uninstall: the programs, units and schema go; the configuration stays ---------
make -s --no-print-directory -C "$REPO" uninstall DESTDIR="$ROOT" PREFIX=/usr \
    BUILD="$FERRY_BUILD" > "$T_TMP/install.log" 2>&1 || fail "make uninstall"
[[ -z $(find "$ROOT/usr" -type f) ]] || fail "left: $(find "$ROOT/usr" -type f)"
[[ -f $ROOT/etc/ferry/ferry.conf ]] || fail "ferry.conf removed"
ok
done_ok
