#!/bin/bash
# e550: a libvirtd dies under a pre-copy migration (README "Durability",
# rows 5 and 6).
#   the destination's libvirtd killed (-9): the source's libvirt loses its
#     peer, the job fails; the migration is failed with libvirt's reason,
#     the guest runs on at the source; the destination's libvirtd, started
#     again, leaves no copy of the guest running there;
#   the source's libvirtd restarted (lab libvirtd HOST restart, in the
#     host's own directories): libvirt cancels the outgoing job it finds on
#     reconnecting; the worker reconnects, the migration is failed and the
#     guest runs on at the source.
# A slow lab link keeps the job in pre-copy long enough for the fault.
source "$(dirname "$0")/lib.sh"
DEST=t-lab-3
SRC=t-lab-1

finish() {
    lab libvirtd "$DEST" start >/dev/null 2>&1 || true
    drop_guest lv-dest
    drop_guest lv-src
    lab link "$DEST" remove >/dev/null 2>&1 || true
}
trap finish EXIT

reconfigure ""
lab link "$DEST" rate 2 || fail "lab link $DEST rate 2"

# precopy_started NAME: a guest NAME on SRC migrating to DEST, its pages on
# the link; prints the migration's id
precopy_started() {
    local S id before
    S=$(new_guest "$1" "$SRC" 64 "fill=1")
    pin_nova "$S"
    id=$(migrate_to "$S" "$DEST")
    wait_for "$1 running" 30 "[[ \$(migration_status $id) == running ]]"
    before=$(lab_link_field "$DEST" up_bytes)
    wait_for "$1's pages on the link" 30 "(( \$(lab_link_field $DEST up_bytes) - $before > 262144 ))"
    echo "$id"
}

# ---- the destination's libvirtd killed -------------------------------------------
id=$(precopy_started lv-dest)
lab libvirtd "$DEST" kill || fail "kill $DEST's libvirtd"
[[ $(wait_migration_done "$id" 90) == failed ]] \
    || fail "dest killed: $(sql "SELECT status || ' ' || coalesce(reason, '') FROM migrations WHERE id = $id")"
ok
echo "  destination libvirtd killed: \"$(sql "SELECT reason FROM migrations WHERE id = $id")\""
lab libvirtd "$DEST" start >/dev/null || fail "start $DEST's libvirtd"
wait_for "no copy of lv-dest left on $DEST" 60 "[[ \$(lab where lv-dest) == $SRC ]]"
ok
assert_invariant lv-dest
[[ $(server_host lv-dest) == "$SRC" ]] || fail "lv-dest is on $(server_host lv-dest)"
ok
drop_guest lv-dest

# ---- the source's libvirtd restarted ---------------------------------------------
id=$(precopy_started lv-src)
lab libvirtd "$SRC" restart >/dev/null || fail "restart $SRC's libvirtd"
[[ $(wait_migration_done "$id" 90) == failed ]] \
    || fail "source restarted: $(sql "SELECT status || ' ' || coalesce(reason, '') FROM migrations WHERE id = $id")"
ok
echo "  source libvirtd restarted: \"$(sql "SELECT reason FROM migrations WHERE id = $id")\""
assert_invariant lv-src
[[ $(server_host lv-src) == "$SRC" ]] || fail "lv-src is on $(server_host lv-src)"
ok
drop_guest lv-src
done_ok
