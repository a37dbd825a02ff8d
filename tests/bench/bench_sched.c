/* bench_sched.c - how fast the scheduler decides among many hosts.
 *
 * Against a database filled by run.sh (10,000 hosts, 100,000 instances),
 * time what one decision costs without the destination's own check: the
 * database's filters and weighers (db_sched_candidates), the C filters on
 * the best candidate, and the claim (db_reservation_take); the claim is then
 * released, outside the clock, so every decision sees the same hosts.
 *
 *   bench_sched CONNINFO DECISIONS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "db/db_int.h"
#include "db/db.h"
#include "db/db_host.h"
#include "db/db_sched.h"
#include "scheduler/sched.h"

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

/* A request (and its database half) as the bench's fleet takes it: a
 * guest of mem MB and vcpus on source, QEMU 7.2, at most 8 incoming
 * migrations per host, Nova's default weighers. */
static void
bench_request(struct sched_request *rq, struct db_sched_query *q, const char *source,
              int memory_mb, int vcpus)
{
    memset(rq, 0, sizeof(*rq));
    memset(q, 0, sizeof(*q));
    rq->instance_uuid = "bench";
    rq->memory_mb = memory_mb;
    rq->vcpus = vcpus;
    rq->source = source;
    rq->hypervisor_type = "QEMU";
    rq->hypervisor_version = 7002022;
    rq->max_io_ops = 8;
    q->down_time_s = 3600;
    q->source = rq->source;
    q->memory_mb = rq->memory_mb;
    q->vcpus = rq->vcpus;
    q->hypervisor_type = rq->hypervisor_type;
    q->hypervisor_version = rq->hypervisor_version;
    q->max_io_ops = rq->max_io_ops;
    q->ram_weight = 1.0;
    q->io_ops_weight = -1.0;
}

int
main(int argc, char **argv)
{
    struct err err = ERR_INIT;
    struct db *db;
    PGresult *r;
    int n = argc > 2 ? atoi(argv[2]) : 1000;
    int64_t *us, total = 0, t_all;
    int nhosts, decided = 0;

    log_init("bench_sched", LOG_LVL_WARN);
    if (argc < 2 || n <= 0) {
        fprintf(stderr, "usage: bench_sched CONNINFO DECISIONS\n");
        return 2;
    }
    db = db_new(argv[1], "bench_sched");
    if (!(r = db_query(db, "SELECT m.id, i.memory_mb, i.vcpus, m.source_compute"
                           " FROM migrations m JOIN instances i ON i.uuid = m.instance_uuid"
                           " WHERE m.status = 'accepted' ORDER BY m.id", 0, NULL, &err)))
        fatalx("%s: %s", err.msg, err.detail);
    nhosts = PQntuples(r);
    if (nhosts == 0)
        fatalx("no migrations to decide: run tests/bench/run.sh");
    us = calloc((size_t)n, sizeof(*us));
    t_all = wall_us();
    for (int k = 0; k < n; k++) {
        int row = k % nhosts;
        int mig = atoi(PQgetvalue(r, row, 0));
        struct sched_request rq;
        struct db_sched_query q;
        struct db_host *cands = NULL;
        char why[300];
        int nc, got = 0;
        int64_t t0 = wall_us();

        bench_request(&rq, &q, PQgetvalue(r, row, 3), atoi(PQgetvalue(r, row, 1)),
                      atoi(PQgetvalue(r, row, 2)));
        if (db_sched_candidates(db, &q, 8, &cands, &nc, &err) < 0)
            fatalx("candidates: %s %s", err.msg, err.detail);
        for (int i = 0; i < nc && !got; i++)
            if (sched_host_passes_rest(&rq, &cands[i], why, sizeof(why))) {
                int rc = db_reservation_take(db, mig, &q, cands[i].host, &err);

                if (rc < 0)
                    fatalx("claim: %s %s", err.msg, err.detail);
                got = rc;
            }
        us[k] = wall_us() - t0;
        total += us[k];
        decided += got;
        free(cands);
        if (got && db_reservation_release(db, mig, &err) < 0)
            fatalx("release: %s", err.msg);
    }
    t_all = wall_us() - t_all;
    /* every host has room for every guest here: a decision that found no
     * destination measured a refusal, not a decision */
    if (decided < n)
        fatalx("only %d of %d decisions found a destination: the timings would measure "
               "refusals (are the hosts up and their usage loaded?)", decided, n);
    qsort(us, (size_t)n, sizeof(*us), cmp_i64);
    printf("scheduler decision (filters + weighers in SQL, C filters, claim), %d decisions:\n"
           "  median %.2f ms  p99 %.2f ms  max %.2f ms  mean %.2f ms\n"
           "  %.0f decisions/s on one connection (claims released between, outside the clock)"
           "\n  %d of %d found a destination\n",
           n, us[n / 2] / 1000.0, us[(n * 99) / 100] / 1000.0, us[n - 1] / 1000.0,
           (double)total / n / 1000.0, n / (t_all / 1e6), decided, n);
    printf("BENCH sched_p50_ms=%.2f sched_p99_ms=%.2f\n", us[n / 2] / 1000.0,
           us[(n * 99) / 100] / 1000.0);

    /* "No valid host was found" among them all: the words (the database
     * numbers every host's refusal, the closest few are read whole) */
    {
        enum { NEXPLAIN = 50 };
        int64_t ex[NEXPLAIN];

        for (int k = 0; k < NEXPLAIN; k++) {
            struct sched_request rq;
            struct db_sched_query q;
            struct db_host *closest = NULL;
            int counts[DB_STAGE_COUNT], nc;
            char why[2048];
            int64_t t0 = wall_us();

            bench_request(&rq, &q, PQgetvalue(r, k % nhosts, 3), 1 << 24 /* fits nowhere */, 1);
            if (db_sched_refusals(db, &q, SCHED_WHY_HOSTS, counts, &closest, &nc, &err) < 0)
                fatalx("refusals: %s %s", err.msg, err.detail);
            sched_explain(&rq, closest, nc, counts, why, sizeof(why));
            ex[k] = wall_us() - t0;
            free(closest);
            if (nc == 0 || !why[0])     /* timed nothing */
                fatalx("refusal %d explained no host (%d read whole): '%.160s'", k, nc, why);
            if (k == 0)
                printf("no valid host, explained: %.160s...\n", why);
        }
        qsort(ex, NEXPLAIN, sizeof(*ex), cmp_i64);
        printf("  median %.2f ms  p99 %.2f ms over %d refusals (every host judged, %d read "
               "whole)\n", ex[NEXPLAIN / 2] / 1000.0, ex[(NEXPLAIN * 99) / 100] / 1000.0,
               NEXPLAIN, SCHED_WHY_HOSTS);
        printf("BENCH explain_p50_ms=%.2f explain_p99_ms=%.2f\n", ex[NEXPLAIN / 2] / 1000.0,
               ex[(NEXPLAIN * 99) / 100] / 1000.0);
    }
    PQclear(r);
    free(us);
    db_free(db);
    return 0;
}
