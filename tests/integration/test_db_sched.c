/* test_db_sched.c - the scheduler's database half against a real PostgreSQL
 * (FERRY_TEST_DB): the candidates the SQL ranks (index path, full scan,
 * requested host) are exactly those the C filters and weighers rank over
 * every host (sched_rank, the reference), over many random host states,
 * and so are the words of "No valid host" (db_sched_refusals);
 * and a claim never overcommits a host, even when two race for its last
 * slot. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/log.h"
#include "db/db_int.h"
#include "db/db.h"
#include "db/db_host.h"
#include "db/db_sched.h"
#include "scheduler/sched.h"

#define NHOSTS 60
#define DOWN_TIME 60

static struct db *db;
static const char *conninfo;

static void
sql(const char *q)
{
    struct err err = ERR_INIT;

    if (db_exec_simple(db, q, &err) < 0)
        fail_msg("%s: %s %s", q, err.msg, err.detail);
}

static void
sqlf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void
sqlf(const char *fmt, ...)
{
    char q[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(q, sizeof(q), fmt, ap);
    va_end(ap);
    sql(q);
}

/* Only this test's hosts (ds-*), none of other tests'. */
static void
clean(void)
{
    sql("DELETE FROM claims WHERE host LIKE 'ds-%'");
    sql("DELETE FROM migrations WHERE instance_uuid IN"
        " (SELECT uuid FROM instances WHERE host LIKE 'ds-%')");
    sql("DELETE FROM instances WHERE host LIKE 'ds-%'");
    sql("DELETE FROM compute_hosts WHERE host LIKE 'ds-%'");
}

/* NHOSTS hosts in states drawn from seed: some down, disabled, forced down,
 * another hypervisor or an older one, different sizes and ratios, with
 * instances on them and migrations on their way in (claims). */
static void
random_hosts(unsigned seed)
{
    srand(seed);
    clean();
    sqlf("INSERT INTO flavors (flavorid, name, memory_mb, vcpus) VALUES ('ds', 'ds', 512, 1)"
         " ON CONFLICT DO NOTHING");
    for (int i = 0; i < NHOSTS; i++) {
        int r = rand() % 20;

        sqlf("INSERT INTO compute_hosts (uuid, host, hypervisor_hostname, libvirt_uri,"
             " migration_addr, host_ip, memory_mb, vcpus, local_gb, hypervisor_type,"
             " hypervisor_version, virt_type, heartbeat_at, disabled, forced_down,"
             " reserved_memory_mb, ram_allocation_ratio, cpu_allocation_ratio)"
             " VALUES (gen_random_uuid(), 'ds-%02d', 'ds-%02d', 'qemu:///x', 'ds-%02d',"
             " '127.0.0.1', %d, %d, %d, '%s', %d, 'qemu', now() - interval '%d s', %s, %s,"
             " %d, %s, %s)",
             i, i, i, 2048 * (1 + rand() % 4), 1 + rand() % 4, rand() % 3 ? 0 : 40,
             r == 0 ? "Xen" : "QEMU", r == 1 ? 6002000 : 7002022,
             r == 2 ? DOWN_TIME * 2 : rand() % 5, r == 3 ? "true" : "false",
             r == 4 ? "true" : "false", rand() % 2 ? 512 : 0, rand() % 3 ? "1.0" : "1.5",
             rand() % 2 ? "4.0" : "1.0");
        for (int k = rand() % 4; k > 0; k--)
            sqlf("INSERT INTO instances (uuid, display_name, domain_name, project_id,"
                 " user_id, host, node, flavor_id, memory_mb, vcpus, root_gb, power_state)"
                 " SELECT gen_random_uuid(), 'ds', 'ds', 'p', 'u', 'ds-%02d', 'ds-%02d',"
                 " id, %d, %d, %d, 1 FROM flavors WHERE flavorid = 'ds'",
                 i, i, 256 * (1 + rand() % 4), 1 + rand() % 2, rand() % 3 ? 0 : 10);
        for (int k = rand() % 3; k > 0; k--)
            sqlf("WITH m AS (INSERT INTO migrations (uuid, instance_uuid, status,"
                 " source_compute) SELECT gen_random_uuid(), uuid, 'queued', host"
                 " FROM instances WHERE host LIKE 'ds-%%' LIMIT 1 RETURNING id)"
                 " INSERT INTO claims (migration_id, host, memory_mb, vcpus)"
                 " SELECT id, 'ds-%02d', 256, 1 FROM m",
                 i);
    }
}

static struct sched_request
random_request(void)
{
    static char source[16], tried[2][16];
    struct sched_request rq;

    memset(&rq, 0, sizeof(rq));
    snprintf(source, sizeof(source), "ds-%02d", rand() % NHOSTS);
    rq.instance_uuid = "x";
    rq.source = source;
    rq.memory_mb = 256 * (1 + rand() % 16);
    rq.vcpus = 1 + rand() % 4;
    rq.disk_gb = rand() % 2 ? 0 : 20;
    rq.max_io_ops = rand() % 2 ? 0 : 2;
    rq.hypervisor_type = "QEMU";
    rq.hypervisor_version = 7002022;
    rq.ram_weight = (double[]){ 1.0, 2.0, 0.0, -1.0 }[rand() % 4];
    rq.io_ops_weight = (double[]){ -1.0, 0.0, -3.0, 1.0 }[rand() % 4];
    for (int i = rand() % 3; i > 0; i--) {
        snprintf(tried[rq.ntried], sizeof(tried[0]), "ds-%02d", rand() % NHOSTS);
        rq.tried[rq.ntried] = tried[rq.ntried];
        rq.ntried++;
    }
    return rq;
}

static void
query_of(const struct sched_request *rq, struct db_sched_query *q)
{
    memset(q, 0, sizeof(*q));
    q->down_time_s = DOWN_TIME;
    q->source = rq->source;
    q->requested = rq->requested;
    q->tried = rq->tried;
    q->ntried = rq->ntried;
    q->memory_mb = rq->memory_mb;
    q->vcpus = rq->vcpus;
    q->disk_gb = rq->disk_gb;
    q->hypervisor_type = rq->hypervisor_type;
    q->hypervisor_version = rq->hypervisor_version;
    q->max_io_ops = rq->max_io_ops;
    q->ram_weight = rq->ram_weight;
    q->io_ops_weight = rq->io_ops_weight;
}

/* The database's best `limit` against the reference's, host by host. */
static void
compare(const struct sched_request *rq, int limit)
{
    struct err err = ERR_INIT;
    struct db_sched_query q;
    struct db_host *all, *cands;
    int nall, ncands, nref;
    int order[NHOSTS + 64];
    char why[4096];

    assert_int_equal(db_host_list(db, DOWN_TIME, &all, &nall, &err), 0);
    assert_true(nall <= (int)(sizeof(order) / sizeof(order[0])));
    nref = sched_rank(rq, all, nall, order, why, sizeof(why));
    query_of(rq, &q);
    if (db_sched_candidates(db, &q, limit, &cands, &ncands, &err) < 0)
        fail_msg("candidates: %s %s", err.msg, err.detail);
    if (ncands != (nref < limit ? nref : limit))
        fail_msg("database found %d candidates, the reference %d (limit %d; ram %g io %g)",
                 ncands, nref, limit, rq->ram_weight, rq->io_ops_weight);
    for (int i = 0; i < ncands; i++)
        if (strcmp(cands[i].host, all[order[i]].host) != 0)
            fail_msg("candidate %d: database %s, reference %s (ram %g io %g)", i,
                     cands[i].host, all[order[i]].host, rq->ram_weight, rq->io_ops_weight);
    free(all);
    free(cands);
}

/* When nothing fits, the words the database's summary gives
 * (db_sched_refusals + sched_explain, reading the closest few hosts) are
 * those of the reference reading every host. */
static int words_compared;

static void
compare_words(const struct sched_request *rq)
{
    struct err err = ERR_INIT;
    struct db_sched_query q;
    struct db_host *all, *closest;
    int counts[DB_STAGE_COUNT];
    int nall, nclosest, order[NHOSTS + 64];
    char ref[4096], got[4096];

    assert_int_equal(db_host_list(db, DOWN_TIME, &all, &nall, &err), 0);
    if (sched_rank(rq, all, nall, order, ref, sizeof(ref)) > 0) {
        free(all);
        return;                     /* something fits: no words to compare */
    }
    query_of(rq, &q);
    if (db_sched_refusals(db, &q, SCHED_WHY_HOSTS, counts, &closest, &nclosest, &err) < 0)
        fail_msg("refusals: %s %s", err.msg, err.detail);
    assert_true(nclosest <= SCHED_WHY_HOSTS);
    assert_true(sched_explain(rq, closest, nclosest, counts, got, sizeof(got)));
    if (strcmp(got, ref) != 0)
        fail_msg("words differ:\n  database:  %s\n  reference: %s", got, ref);
    words_compared++;
    free(all);
    free(closest);
}

static void
test_candidates_match_reference(void **state)
{
    (void)state;
    for (unsigned seed = 1; seed <= 12; seed++) {
        random_hosts(seed);
        for (int k = 0; k < 25; k++) {
            struct sched_request rq = random_request();

            compare(&rq, 1 + rand() % 8);
            compare_words(&rq);
            rq.requested = (const char *[]){ "ds-00", "ds-07", "ds-31", "ds-59" }[k % 4];
            compare(&rq, 8);
            compare_words(&rq);
            /* and where nothing fits, for many different reasons */
            rq.requested = NULL;
            rq.memory_mb = (int[]){ 256, 4096, 9000, 1 << 20 }[k % 4];
            rq.vcpus = (int[]){ 1, 3, 8, 64 }[(k / 4) % 4];
            rq.max_io_ops = k % 3 ? 1 : 0;
            rq.disk_gb = k % 5 ? 20 : 1000;
            compare_words(&rq);
        }
    }
    if (words_compared < 100)
        fail_msg("only %d requests found no host: the words were hardly compared",
                 words_compared);
    clean();
}

/* Claims count against the host at once, move with a second claim of the
 * same migration, and go with the migration's end. */
static void
test_claims(void **state)
{
    struct err err = ERR_INIT;
    struct db_sched_query q = { 0 };
    struct db_host h;
    PGresult *r;
    int mig;

    (void)state;
    clean();
    sql("INSERT INTO compute_hosts (uuid, host, hypervisor_hostname, libvirt_uri,"
        " migration_addr, host_ip, memory_mb, vcpus, hypervisor_type, hypervisor_version,"
        " virt_type, heartbeat_at) VALUES"
        " (gen_random_uuid(), 'ds-a', 'ds-a', 'qemu:///a', 'ds-a', '127.0.0.1', 1024, 2,"
        "  'QEMU', 7002022, 'qemu', now()),"
        " (gen_random_uuid(), 'ds-b', 'ds-b', 'qemu:///b', 'ds-b', '127.0.0.1', 1024, 2,"
        "  'QEMU', 7002022, 'qemu', now())");
    sql("INSERT INTO flavors (flavorid, name, memory_mb, vcpus) VALUES ('ds', 'ds', 512, 1)"
        " ON CONFLICT DO NOTHING");
    sql("INSERT INTO instances (uuid, display_name, domain_name, project_id, user_id, host,"
        " node, flavor_id, memory_mb, vcpus, power_state) SELECT gen_random_uuid(), 'ds',"
        " 'ds', 'p', 'u', 'ds-a', 'ds-a', id, 600, 1, 1 FROM flavors WHERE flavorid = 'ds'");
    r = db_query(db, "INSERT INTO migrations (uuid, instance_uuid, status, source_compute)"
                     " SELECT gen_random_uuid(), uuid, 'accepted', 'ds-a' FROM instances"
                     " WHERE host = 'ds-a' RETURNING id", 0, NULL, &err);
    assert_non_null(r);
    mig = row_int(r, 0, "id");
    PQclear(r);
    q.memory_mb = 600;
    q.vcpus = 1;
    assert_int_equal(db_reservation_take(db, mig, &q, "ds-b", &err), 1);
    assert_int_equal(db_host_get(db, "ds-b", DOWN_TIME, &h, &err), 0);
    assert_int_equal(h.free_memory_mb, 1024 - 600);
    assert_int_equal(h.incoming_migrations, 1);
    /* a second guest of 600 MB no longer fits there */
    assert_int_equal(db_reservation_take(db, mig + 1000000, &q, "ds-b", &err), 0);
    /* the migration fails: the claim goes with it */
    sqlf("UPDATE migrations SET status = 'error' WHERE id = %d", mig);
    sqlf("DELETE FROM claims WHERE migration_id = %d", mig);
    assert_int_equal(db_host_get(db, "ds-b", DOWN_TIME, &h, &err), 0);
    assert_int_equal(h.free_memory_mb, 1024);
    assert_int_equal(h.incoming_migrations, 0);
    /* it completes: the guest's usage moves to the destination */
    assert_int_equal(db_reservation_take(db, mig, &q, "ds-b", &err), 1);
    sql("UPDATE instances SET host = 'ds-b', node = 'ds-b' WHERE host = 'ds-a'");
    sqlf("DELETE FROM claims WHERE migration_id = %d", mig);
    assert_int_equal(db_host_get(db, "ds-b", DOWN_TIME, &h, &err), 0);
    assert_int_equal(h.free_memory_mb, 1024 - 600);
    assert_int_equal(db_host_get(db, "ds-a", DOWN_TIME, &h, &err), 0);
    assert_int_equal(h.free_memory_mb, 1024);
    clean();
}

struct racer {
    int mig;
    int got;
};

static void *
race_claim(void *arg)
{
    struct racer *rc = arg;
    struct err err = ERR_INIT;
    struct db_sched_query q = { .memory_mb = 600, .vcpus = 1 };
    struct db *mine = db_new(conninfo, "test_db_sched");

    rc->got = db_reservation_take(mine, rc->mig, &q, "ds-a", &err);
    db_free(mine);
    return NULL;
}

/* Two migrations want the last 600 MB of ds-a: the one whose transaction
 * holds the host row wins, the other waits, sees that claim, and loses. */
static void
test_claim_race(void **state)
{
    struct err err = ERR_INIT;
    struct db_sched_query q = { .memory_mb = 600, .vcpus = 1 };
    struct racer second = { .mig = 2000002 };
    pthread_t t;
    PGresult *r;

    (void)state;
    clean();
    sql("INSERT INTO compute_hosts (uuid, host, hypervisor_hostname, libvirt_uri,"
        " migration_addr, host_ip, memory_mb, vcpus, hypervisor_type, hypervisor_version,"
        " virt_type, heartbeat_at) VALUES (gen_random_uuid(), 'ds-a', 'ds-a', 'qemu:///a',"
        " 'ds-a', '127.0.0.1', 1024, 2, 'QEMU', 7002022, 'qemu', now())");
    sql("INSERT INTO flavors (flavorid, name, memory_mb, vcpus) VALUES ('ds', 'ds', 512, 1)"
        " ON CONFLICT DO NOTHING");
    sql("INSERT INTO instances (uuid, display_name, domain_name, project_id, user_id, host,"
        " node, flavor_id, memory_mb, vcpus, power_state) SELECT gen_random_uuid(), 'ds',"
        " 'ds', 'p', 'u', 'ds-x', 'ds-x', id, 600, 1, 1 FROM flavors WHERE flavorid = 'ds'");
    r = db_query(db, "INSERT INTO migrations (id, uuid, instance_uuid, status, source_compute)"
                     " SELECT 2000000 + g, gen_random_uuid(), uuid, 'accepted', 'ds-x'"
                     " FROM instances, generate_series(1, 2) g WHERE host = 'ds-x'"
                     " RETURNING id", 0, NULL, &err);
    assert_non_null(r);
    PQclear(r);
    assert_int_equal(db_begin(db, &err), 0);
    assert_int_equal(db_reservation_take(db, 2000001, &q, "ds-a", &err), 1);
    second.got = -2;
    pthread_create(&t, NULL, race_claim, &second);
    /* the second claimer is blocked on the host row until this commits */
    for (int i = 0; i < 50; i++) {
        PGresult *w = db_query(db, "SELECT count(*) AS n FROM pg_stat_activity"
                                   " WHERE application_name = 'test_db_sched'"
                                   " AND wait_event_type = 'Lock'", 0, NULL, &err);

        if (w && row_int(w, 0, "n") > 0)
            i = 50;
        PQclear(w);
        struct timespec ts = { 0, 20 * 1000000 };
        nanosleep(&ts, NULL);
    }
    assert_int_equal(second.got, -2);
    assert_int_equal(db_commit(db, &err), 0);
    pthread_join(t, NULL);
    assert_int_equal(second.got, 0);
    sql("DELETE FROM claims WHERE migration_id > 2000000");
    sql("DELETE FROM migrations WHERE id > 2000000");
    sql("DELETE FROM instances WHERE host = 'ds-x'");
    clean();
}

/* A host disabled (a drain) or forced down between the candidates' query
 * and the claim is not claimed by a scheduled migration; a forced one
 * (Nova's force: the scheduler's filters bypassed) still claims it. */
static void
test_claim_disabled(void **state)
{
    struct err err = ERR_INIT;
    struct db_sched_query q = { .memory_mb = 600, .vcpus = 1 };

    (void)state;
    clean();
    sql("INSERT INTO compute_hosts (uuid, host, hypervisor_hostname, libvirt_uri,"
        " migration_addr, host_ip, memory_mb, vcpus, hypervisor_type, hypervisor_version,"
        " virt_type, heartbeat_at) VALUES (gen_random_uuid(), 'ds-a', 'ds-a', 'qemu:///a',"
        " 'ds-a', '127.0.0.1', 4096, 4, 'QEMU', 7002022, 'qemu', now())");
    sql("INSERT INTO flavors (flavorid, name, memory_mb, vcpus) VALUES ('ds', 'ds', 512, 1)"
        " ON CONFLICT DO NOTHING");
    sql("INSERT INTO instances (uuid, display_name, domain_name, project_id, user_id, host,"
        " node, flavor_id, memory_mb, vcpus, power_state) SELECT gen_random_uuid(), 'ds',"
        " 'ds', 'p', 'u', 'ds-x', 'ds-x', id, 600, 1, 1 FROM flavors WHERE flavorid = 'ds'");
    sql("INSERT INTO migrations (id, uuid, instance_uuid, status, source_compute)"
        " SELECT 2000001, gen_random_uuid(), uuid, 'accepted', 'ds-x' FROM instances"
        " WHERE host = 'ds-x'");
    sql("UPDATE compute_hosts SET disabled = true WHERE host = 'ds-a'");
    assert_int_equal(db_reservation_take(db, 2000001, &q, "ds-a", &err), 0);
    sql("UPDATE compute_hosts SET disabled = false, forced_down = true WHERE host = 'ds-a'");
    assert_int_equal(db_reservation_take(db, 2000001, &q, "ds-a", &err), 0);
    sql("UPDATE compute_hosts SET disabled = true WHERE host = 'ds-a'");
    q.forced = true;
    assert_int_equal(db_reservation_take(db, 2000001, &q, "ds-a", &err), 1);
    sql("UPDATE compute_hosts SET disabled = false, forced_down = false WHERE host = 'ds-a'");
    q.forced = false;
    assert_int_equal(db_reservation_take(db, 2000001, &q, "ds-a", &err), 1);
    sql("DELETE FROM claims WHERE migration_id > 2000000");
    sql("DELETE FROM migrations WHERE id > 2000000");
    sql("DELETE FROM instances WHERE host = 'ds-x'");
    clean();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_candidates_match_reference),
        cmocka_unit_test(test_claims),
        cmocka_unit_test(test_claim_race),
        cmocka_unit_test(test_claim_disabled),
    };
    struct err err = ERR_INIT;

    log_init("test_db_sched", LOG_LVL_WARN);
    if (!(conninfo = getenv("FERRY_TEST_DB"))) {
        fprintf(stderr, "FERRY_TEST_DB is not set (run through tests/integration/run.sh)\n");
        return 2;
    }
    db = db_new(conninfo, "test_db_sched_main");
    if (db_connect(db, &err) < 0) {
        fprintf(stderr, "%s: %s\n", err.msg, err.detail);
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
