#!/bin/bash
# e620: CPU compatibility is the destination's libvirt's word: a lab host's
# real libvirt is asked, through the host request the scheduler sends, to
# compare a guest CPU that needs a feature this (emulated) CPU lacks, and
# refuses with Nova's words; the lab's own guests' CPU passes.
source "$(dirname "$0")/lib.sh"
S=$(server_id demo-idle)
# asked of a host demo-idle is not on (earlier tests move it around): its
# uuid must not clash with a domain there
SRC=$(server_host demo-idle)
DST=$(for h in $FERRY_LAB_HOSTS; do [[ ${h%%=*} != "$SRC" ]] && echo "${h%%=*}"; done | head -1)
ask() {   # cpu_xml -> prints "ok" or the error
    local id
    id=$(sql "WITH q AS (INSERT INTO host_requests (host, kind, payload, deadline, requested_by)
              VALUES ('$DST', 'check_destination',
                      jsonb_build_object('instance_uuid', '$S', 'domain_name', 'e620-nobody',
                                         'memory_mb', 64, 'source_host', '$SRC',
                                         'block_migration', 0, 'cpu_xml', \$x\$$1\$x\$),
                      clock_timestamp() + interval '30 s', 'e620') RETURNING id, host)
              SELECT q.id FROM q, pg_notify('ferry_host_request', q.host) n")
    wait_for "an answer" 30 "[[ \$(sql \"SELECT status FROM host_requests WHERE id = $id\") != pending && \$(sql \"SELECT status FROM host_requests WHERE id = $id\") != running ]]"
    sql "SELECT CASE WHEN status = 'done' THEN 'ok' ELSE error END FROM host_requests WHERE id = $id"
}
out=$(ask "<cpu mode='custom' match='exact'><model>qemu64</model><feature policy='require' name='avx512f'/></cpu>")
[[ $out == "Unacceptable CPU info: CPU doesn't have compatibility."* && $out == *avx512f* ]] \
    || fail "a CPU needing avx512f: $out"
ok
# what libvirt gives the lab's guests (qemu64) is fine
out=$(ask "<cpu mode='custom' match='exact'><model>qemu64</model></cpu>")
[[ $out == ok ]] || fail "the lab's CPU: $out"
ok
done_ok
