#!/bin/bash
# e620: the CPU checks on a real guest, whatever CPU this machine has.  A
# lab guest defined without <cpu> is imported with the CPU libvirt really
# gave it (its live XML: qemu64 plus features such as `hypervisor`, which no
# bare-metal CPU reports).  It migrates through the scheduler: the
# destination, configured virt_type = qemu, compares nothing (as Nova; an
# Intel host with /dev/kvm once refused every lab guest for lacking AMD's
# svm).  With the lab hosts marked KVM in the database, the scheduler's CPU
# pre-filter runs against each host's recorded features (what its
# hypervisor gives guests, the host-model CPU expanded) and must let the
# live XML through: the guest migrates again.  The KVM comparison itself,
# and its refusals, are covered over the fake driver (test_worker) and by
# the unit tests (test_cpu), since no lab host here can run KVM.
source "$(dirname "$0")/lib.sh"
S=$(new_guest e620-g t-lab-1 64 "rate=1")
# the sync may first have read it defined, or "paused (starting up)" (as
# active) before libvirt wrote the CPU QEMU gave it: the next sync, 2 s on,
# reads the live <cpu> of the running guest
wait_for "e620-g's live <cpu> imported" 30 \
    "[[ \$(sql \"SELECT cpu_xml FROM instances WHERE uuid = '$S'\") == *hypervisor* ]]"
cpu=$(sql "SELECT cpu_xml FROM instances WHERE uuid = '$S'")
[[ $cpu == *"<model"* && $cpu == *hypervisor* ]] \
    || fail "imported cpu_xml is not the live one: $cpu"
# and the features it requires, read from it once at import: what the
# scheduler's pre-filter checks
feats=$(sql "SELECT array_to_string(cpu_features, ',') FROM instances WHERE uuid = '$S'")
[[ ,$feats, == *,hypervisor,* && ,$feats, == *,lahf_lm,* ]] \
    || fail "imported cpu_features are not the live <cpu>'s: '$feats'"
ok
for h in $FERRY_LAB_HOSTS; do
    feats=$(sql "SELECT array_to_string(cpu_features, ',') FROM compute_hosts WHERE host = '${h%%=*}'")
    [[ ,$feats, == *,hypervisor,* && ,$feats, == *,lahf_lm,* ]] \
        || fail "${h%%=*} records no hypervisor CPU features for the pre-filter: '$feats'"
done
ok

move() {   # one scheduled move; the destination checked itself and said yes
    local id dst
    id=$(live_migrate "$S")
    [[ $(wait_migration_done "$id" 90) == completed ]] \
        || fail "$1: $(sql "SELECT status || ': ' || coalesce(reason, '') FROM migrations WHERE id = $id")"
    dst=$(sql "SELECT dest_compute FROM migrations WHERE id = $id")
    [[ $(sql "SELECT string_agg(status, ' ') FROM host_requests
              WHERE migration_id = $id AND kind = 'check_destination' AND host = '$dst'") == done ]] \
        || fail "$1: the destination's check"
    assert_alive_on e620-g "$dst"
}
move "emulated hosts"

lab_virt() { sql "UPDATE compute_hosts SET virt_type = '$1' WHERE host LIKE 't-lab-%'" >/dev/null; }
trap 'lab_virt qemu; rm -rf "$T_TMP"' EXIT
lab_virt kvm
move "the KVM pre-filter with the live XML"
lab_virt qemu
drop_guest e620-g
done_ok
