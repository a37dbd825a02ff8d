#!/bin/bash
# run.sh - make bench: the scheduler among 10,000 hosts and 100,000 instances.
#
# 1. A private PostgreSQL (tools/stack, own state and port) filled with
#    10,000 up hosts and 100,000 instances; bench_sched times decisions
#    (SQL filters and weighers, C filters, the claim) and reports median,
#    p99 and decisions per second.  Target: p99 under 20 ms on 2 cores.
#    Then 100,000 ended migrations are added and ferry-api's GET /metrics
#    is timed (median and max of 20 scrapes, after one to warm up).
# 2. On the libvirt lab (two hosts on free 127.0.1.x addresses): the
#    destination's own check, a host request answered by a real
#    ferry-compute and libvirt, reported separately (median, p99);
#    BENCH_LAB=0 skips it.  BENCH_CHECK_MEM_MB (128) is the memory the checked
#    guest asks for.
# A part whose measurements are empty (every decision or check refused, or
# left unanswered) says so and fails: it measured nothing.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=../lib/env.sh
source "$REPO/tests/lib/env.sh"
STACK=$REPO/tools/stack
HOSTS=${BENCH_HOSTS:-10000}
INSTANCES=${BENCH_INSTANCES:-100000}
DECISIONS=${BENCH_DECISIONS:-2000}

export FERRY_STATE=$(new_state_dir bench)
export FERRY_PG_PORT=$(free_port 27432)
export FERRY_API_PORT=$(free_port 29874)
export FERRY_PG_FAST=1 FERRY_DEMO=0 FERRY_LAB_HOSTS=""
trap '"$STACK" wipe >/dev/null 2>&1 || true; release_reserved' EXIT
q() { psql -h 127.0.0.1 -p "$FERRY_PG_PORT" -U postgres -d ferry -Atq -c "$1"; }

"$STACK" pg-start >/dev/null 2>&1
t0=$(date +%s)
q "ALTER TABLE instances DISABLE TRIGGER instances_usage"
q "INSERT INTO compute_hosts (uuid, host, hypervisor_hostname, libvirt_uri, migration_addr,
       host_ip, memory_mb, vcpus, hypervisor_type, hypervisor_version, virt_type, heartbeat_at)
   SELECT gen_random_uuid(), 'h' || i, 'h' || i, 'qemu+tcp://h' || i || '/system',
          'h' || i, '10.0.0.1', 262144, 64, 'QEMU', 7002022, 'qemu', now() + interval '1 day'
   FROM generate_series(1, $HOSTS) i"
q "INSERT INTO flavors (flavorid, name, memory_mb, vcpus) VALUES ('b', 'b', 2048, 2)"
q "INSERT INTO instances (uuid, display_name, domain_name, project_id, user_id, host, node,
       flavor_id, memory_mb, vcpus, power_state, launched_at)
   SELECT gen_random_uuid(), 'vm' || i, 'vm' || i, 'p', 'u', 'h' || (1 + i % $HOSTS),
          'h' || (1 + i % $HOSTS), 1, (512 * (1 + i % 8)), 1 + i % 4, 1, now()
   FROM generate_series(1, $INSTANCES) i"
q "UPDATE compute_hosts h SET memory_mb_used = u.mem, vcpus_used = u.cpus, running_vms = u.n
   FROM (SELECT host, sum(memory_mb) AS mem, sum(vcpus) AS cpus, count(*) AS n
         FROM instances GROUP BY host) u WHERE h.host = u.host"
q "ALTER TABLE instances ENABLE TRIGGER instances_usage"
q "INSERT INTO migrations (uuid, instance_uuid, status, source_compute)
   SELECT gen_random_uuid(), uuid, 'accepted', host FROM instances ORDER BY random() LIMIT 500"
# 3,000 migrations under way, claiming room on random hosts: 0 to 5 incoming
# migrations per host, so the io-ops weigher has something to weigh
q "WITH m AS (INSERT INTO migrations (uuid, instance_uuid, status, source_compute)
     SELECT gen_random_uuid(), uuid, 'running', host FROM instances ORDER BY random() LIMIT 3000
     RETURNING id)
   INSERT INTO claims (migration_id, host, memory_mb, vcpus)
   SELECT id, 'h' || (1 + (random() * ($HOSTS - 1))::int), 1024, 1 FROM m"
q "VACUUM ANALYZE"
echo "bench: $HOSTS hosts, $INSTANCES instances loaded in $(( $(date +%s) - t0 )) s"
"$REPO/build/tests/bench_sched" "host=127.0.0.1 port=$FERRY_PG_PORT dbname=ferry user=postgres" \
    "$DECISIONS" | tee "$FERRY_STATE/bench.out"
p99=$(sed -n 's/^BENCH .*sched_p99_ms=\([0-9.]*\).*/\1/p' "$FERRY_STATE/bench.out")
awk -v p="$p99" 'BEGIN { exit !(p < 20) }' && echo "  decision target p99 < 20 ms: met" \
    || echo "  decision target p99 < 20 ms: MISSED ($p99 ms)"

# 1b. a Prometheus scrape of that system, with a history of ended migrations
ENDED=${BENCH_ENDED:-100000}
q "INSERT INTO migrations (uuid, instance_uuid, status, source_compute, dest_compute, policy,
       max_downtime_ms, created_at, finished_at, downtime_ms, data_sent_bytes, step_reached)
   SELECT gen_random_uuid(), uuid, (ARRAY['completed', 'completed', 'completed', 'failed',
          'cancelled'])[1 + i % 5], host, 'h1', (ARRAY['nova', 'ferry'])[1 + i % 2], 500,
          now() - interval '1 h' * random(), now(), (random() * 800)::int,
          (random() * 4e9)::bigint, CASE WHEN i % 2 = 1 THEN 1 + i % 5 END
   FROM (SELECT uuid, host, row_number() OVER () AS i FROM instances) x,
        generate_series(1, ($ENDED + $INSTANCES - 1) / $INSTANCES) g
   LIMIT $ENDED"
q "VACUUM ANALYZE migrations"
"$STACK" start ferry-api >/dev/null 2>&1
API=http://127.0.0.1:$FERRY_API_PORT
for _ in $(seq 1 100); do curl -fs -o /dev/null "$API/" && break; sleep 0.1; done
for i in $(seq 1 21); do
    curl -fs -o "$FERRY_STATE/metrics.txt" -w '%{time_total}\n' -H 'X-Auth-Token: admin:admin' \
        "$API/metrics" || { echo "bench: FAILED: GET /metrics" >&2; exit 1; }
done | tail -n 20 | sort -n > "$FERRY_STATE/scrape.s"
echo "BENCH metrics_scrape hosts=$HOSTS ended=$ENDED lines=$(wc -l < "$FERRY_STATE/metrics.txt")" \
     "median_ms=$(awk '{ a[NR] = $1 * 1000 } END { printf "%.1f", (a[10] + a[11]) / 2 }' \
                  "$FERRY_STATE/scrape.s")" \
     "max_ms=$(awk 'END { printf "%.1f", $1 * 1000 }' "$FERRY_STATE/scrape.s")"
"$STACK" wipe >/dev/null 2>&1

# 2. the destination's check on the lab, separately
if [[ ${BENCH_LAB:-1} == 0 ]]; then
    echo "bench: the lab part skipped (BENCH_LAB=0)"
    exit 0
fi
if [[ $(id -u) != 0 ]]; then
    echo "bench: the lab part needs root; skipped"
    exit 0
fi
export FERRY_STATE=$(new_state_dir bench-lab)
blk=$(free_lab_block 2)
export FERRY_LAB_HOSTS="b-lab-1=127.0.1.$blk b-lab-2=127.0.1.$((blk + 1))"
export FERRY_LAB_MIG_PORT_BASE=$((52000 + (blk - 2) / 10 * 64))
export FERRY_DEMO=1
"$STACK" up > "$FERRY_STATE/up.log" 2>&1 || { cat "$FERRY_STATE/up.log"; exit 1; }
S=$(q "SELECT uuid FROM instances WHERE display_name = 'demo-idle'")
for i in $(seq 1 50); do
    q "WITH r AS (INSERT INTO host_requests (host, kind, payload, deadline, requested_by)
       VALUES ('b-lab-2', 'check_destination',
               jsonb_build_object('instance_uuid', '$S', 'domain_name', 'bench-$i',
                                  'memory_mb', ${BENCH_CHECK_MEM_MB:-128},
                                  'source_host', 'b-lab-1',
                                  'block_migration', 0,
                                  'cpu_xml', '<cpu mode=''custom''><model>qemu64</model></cpu>'),
               clock_timestamp() + interval '30 s', 'bench') RETURNING id, host)
       SELECT pg_notify('ferry_host_request', host) FROM r" >/dev/null
    for _ in $(seq 1 300); do
        [[ $(q "SELECT count(*) FROM host_requests WHERE requested_by = 'bench'
                AND status IN ('pending', 'running')") == 0 ]] && break
        sleep 0.01
    done
done
done_n=$(q "SELECT count(*) FROM host_requests WHERE requested_by = 'bench' AND status = 'done'")
if [[ $done_n != 50 ]]; then
    echo "bench: FAILED: only $done_n of 50 destination checks were answered yes; the others:" >&2
    q "SELECT status || ' x' || count(*) || ': ' || coalesce(min(error), '(no answer)')
       FROM host_requests WHERE requested_by = 'bench' AND status <> 'done' GROUP BY status" >&2
    exit 1
fi
q "SELECT 'destination check on the lab (host request to a real ferry-compute + libvirt, '
          || count(*) || ' requests): median '
          || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1) || ' ms  p99 '
          || round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1) || ' ms'
   FROM (SELECT extract(epoch FROM finished_at - created_at) * 1000 AS ms
         FROM host_requests WHERE requested_by = 'bench' AND status = 'done') t"
