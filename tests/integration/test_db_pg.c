/* test_db_pg.c - the database layer's own behaviour against a real
 * PostgreSQL (FERRY_TEST_DB): what `db sync` reports when a schema file
 * fails, `db version`; os-migrateLive's guarded creation; a compute's
 * import of its domains and their power states; the statement
 * timeout of pooled connections; the shared listener (db_watch.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/log.h"
#include "common/nova.h"
#include "common/util.h"
#include "db/db.h"
#include "db/db_instance.h"
#include "db/db_mig.h"
#include "db/db_schema.h"
#include "db/db_steer.h"
#include "db/db_types.h"
#include "db/db_watch.h"
#include "db/db_int.h"

static const char *conninfo;

/* A schema file PostgreSQL refuses: the operator sees why, not just which. */
static void
test_schema_failure_keeps_detail(void **state)
{
    char dir[] = "/tmp/ferry-test-db-pg.XXXXXX", path[300];
    struct db *db = db_new(conninfo, "test_db_pg");
    struct err err = ERR_INIT;
    int applied = -1, rc;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/0001_broken.sql", dir);
    assert_non_null(f = fopen(path, "w"));
    fputs("SELECT 1 FROM no_such_table_t520;\n", f);
    fclose(f);
    rc = db_schema_sync(db, dir, &applied, &err);
    unlink(path);
    rmdir(dir);
    db_free(db);
    assert_int_equal(rc, -1);
    assert_string_equal(err.msg, "0001_broken.sql failed");
    if (!strstr(err.detail, "relation \"no_such_table_t520\" does not exist"))
        fail_msg("detail: \"%s\"", err.detail);
    assert_int_equal(applied, 0);
}

/* ferry-manage db version: the newest file applied, seen inside the
 * transaction that records one more (rolled back: the database keeps its
 * own). */
static void
test_schema_version(void **state)
{
    struct db *db = db_new(conninfo, "test_db_pg");
    struct err err = ERR_INIT;
    char v[NAME_LEN];

    (void)state;
    assert_int_equal(db_schema_version(db, v, sizeof(v), &err), 0);
    assert_memory_equal(v, "00", 2);        /* a file of migrations-sql */
    assert_int_equal(db_begin(db, &err), 0);
    assert_int_equal(db_exec_simple(db, "INSERT INTO schema_migrations (version)"
                                        " VALUES ('9999_test_db_pg.sql')", &err), 0);
    assert_int_equal(db_schema_version(db, v, sizeof(v), &err), 0);
    assert_string_equal(v, "9999_test_db_pg.sql");
    db_rollback(db);
    db_free(db);
}

/* Run sql on db, or fail the test. */
static void
pg_exec(struct db *db, const char *sql)
{
    struct err err = ERR_INIT;

    if (db_exec_simple(db, sql, &err) < 0)
        fail_msg("%s: %s %s", sql, err.msg, err.detail);
}

#define GUARD_UUID "7e57db9c-0000-4000-8000-00000000a001"

/* Remove the guard test's instance and what its migrations wrote. */
static void
guard_clean(struct db *db)
{
    pg_exec(db, "DELETE FROM migration_events WHERE migration_id IN (SELECT id FROM"
                " migrations WHERE instance_uuid = '" GUARD_UUID "')");
    pg_exec(db, "DELETE FROM migrations WHERE instance_uuid = '" GUARD_UUID "'");
    pg_exec(db, "DELETE FROM instance_actions WHERE instance_uuid = '" GUARD_UUID "'");
    pg_exec(db, "DELETE FROM instances WHERE uuid = '" GUARD_UUID "'");
}

/* os-migrateLive's creation statement guards with Nova's state rule (the
 * lists of inst_guard_live_migrate) and, when it refuses, says why in
 * Nova's words. */
static void
test_create_guard(void **state)
{
    static const struct {
        const char *vm_state, *task_state;  /* task_state: SQL */
        const char *refusal;                /* NULL: accepted */
    } rows[] = {
        { "stopped", "NULL", "Cannot 'os-migrateLive' instance " GUARD_UUID
                             " while it is in vm_state stopped" },
        { "active", "'migrating'", "Cannot 'os-migrateLive' instance " GUARD_UUID
                                   " while it is in task_state migrating" },
        { "paused", "NULL", NULL },
        { "active", "NULL", NULL },
    };
    struct db *db = db_new(conninfo, "test_db_pg");
    struct db_mig_request rq = { .instance_uuid = GUARD_UUID, .request_id = "req-guard",
                                 .user_id = "u", .project_id = "p", .block_migration = -1,
                                 .disk_over_commit = -1, .api_mv = MV(2, 80),
                                 .actor = "test_db_pg" };
    char sql[512];

    (void)state;
    guard_clean(db);        /* what a failed run left */
    pg_exec(db, "DELETE FROM flavors WHERE flavorid = 'test-db-pg-guard'");
    pg_exec(db, "INSERT INTO flavors (flavorid, name, memory_mb, vcpus)"
                " VALUES ('test-db-pg-guard', 'test-db-pg-guard', 64, 1)");
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct err err = ERR_INIT;
        struct db_mig m;
        int rc;

        snprintf(sql, sizeof(sql),
                 "INSERT INTO instances (uuid, display_name, domain_name, project_id,"
                 " user_id, host, node, flavor_id, memory_mb, vcpus, power_state,"
                 " vm_state, task_state, launched_at) SELECT '%s', 'g', 'g', 'p', 'u',"
                 " 'test-db-pg-host', 'n', id, 64, 1, 1, '%s', %s, now() FROM flavors"
                 " WHERE flavorid = 'test-db-pg-guard'",
                 GUARD_UUID, rows[i].vm_state, rows[i].task_state);
        pg_exec(db, sql);
        rc = db_mig_create(db, &rq, &m, &err);
        guard_clean(db);
        if (rows[i].refusal) {
            assert_int_equal(rc, -1);
            assert_int_equal(err.code, ERR_CONFLICT);
            assert_string_equal(err.msg, rows[i].refusal);
        } else {
            if (rc < 0)
                fail_msg("%s: %s", rows[i].vm_state, err.msg);
            assert_int_equal(m.status, MIG_ACCEPTED);
        }
    }
    pg_exec(db, "DELETE FROM flavors WHERE flavorid = 'test-db-pg-guard'");
    db_free(db);
}

#define IMPORT_UUID "7e57db9c-0000-4000-8000-00000000b001"

/* Import (as ferry-compute's sync does) on host, then read the row back. */
static void
import_as(struct db *db, const char *host, int power_state, bool want_created,
          const char *want_host, int want_power, const char *want_vm_state)
{
    struct db_instance in = { .uuid = IMPORT_UUID, .name = "g", .domain_name = "g",
                              .project_id = "p", .user_id = "u",
                              .flavor_name = "test-db-pg-import", .memory_mb = 64, .vcpus = 1 };
    struct db_instance inst;
    struct err err = ERR_INIT;
    bool created = !want_created;

    in.power_state = power_state;
    if (db_instance_import(db, host, host, &in, &created, &err) < 0 ||
        db_instance_get(db, IMPORT_UUID, NULL, &inst, &err) < 0)
        fail_msg("%s: %s", host, err.msg);
    assert_int_equal(created, want_created);
    assert_string_equal(inst.host, want_host);
    assert_int_equal(inst.power_state, want_power);
    assert_string_equal(inst.vm_state, want_vm_state);
}

/* What a compute's sync records: vm_state follows Nova's power state; a
 * domain gone from its host is shut down; one found running elsewhere is
 * adopted there only once its old host reported it gone. */
static void
test_import_power_states(void **state)
{
    static const char *const none[] = { NULL };
    struct db *db = db_new(conninfo, "test_db_pg");
    struct db_instance inst;
    struct err err = ERR_INIT;

    (void)state;
    pg_exec(db, "DELETE FROM instances WHERE uuid = '" IMPORT_UUID "'");
    import_as(db, "t-a", POWER_PAUSED, true, "t-a", POWER_PAUSED, "paused");
    import_as(db, "t-a", POWER_SUSPENDED, false, "t-a", POWER_SUSPENDED, "suspended");
    import_as(db, "t-a", POWER_CRASHED, false, "t-a", POWER_CRASHED, "stopped");
    import_as(db, "t-a", POWER_NOSTATE, false, "t-a", POWER_NOSTATE, "active");
    /* running elsewhere while its host still has it: not adopted */
    import_as(db, "t-b", POWER_RUNNING, false, "t-a", POWER_NOSTATE, "active");
    import_as(db, "t-a", POWER_RUNNING, false, "t-a", POWER_RUNNING, "active");
    assert_int_equal(db_instance_mark_missing(db, "t-a", none, 0, &err), 0);
    assert_int_equal(db_instance_get(db, IMPORT_UUID, NULL, &inst, &err), 0);
    assert_int_equal(inst.power_state, POWER_SHUTDOWN);
    assert_string_equal(inst.vm_state, "stopped");
    /* gone from t-a, shut down there: t-b running it adopts it */
    import_as(db, "t-b", POWER_PAUSED, false, "t-b", POWER_PAUSED, "paused");
    pg_exec(db, "DELETE FROM instances WHERE uuid = '" IMPORT_UUID "'");
    pg_exec(db, "DELETE FROM flavors WHERE flavorid = 'test-db-pg-import'");
    db_free(db);
}

/* The CPU features compute decided at import come back from the row as
 * the same list, in order, for the scheduler's pre-filter; none is none. */
static void
test_import_cpu_features(void **state)
{
    static const char *const want[] = { "avx512f", "sse4.2", "tsc-deadline", "tsc_adjust" };
    struct db *db = db_new(conninfo, "test_db_pg");
    struct db_instance in = { .uuid = IMPORT_UUID, .name = "g", .domain_name = "g",
                              .project_id = "p", .user_id = "u",
                              .flavor_name = "test-db-pg-import", .memory_mb = 64, .vcpus = 1,
                              .power_state = POWER_RUNNING,
                              .cpu_xml = "<cpu mode='custom'><model>Skylake</model></cpu>",
                              .cpu_features = { .n = 4 } };
    struct db_instance inst;
    struct err err = ERR_INIT;
    bool created;

    (void)state;
    for (int i = 0; i < 4; i++)
        snprintf(in.cpu_features.name[i], sizeof(in.cpu_features.name[i]), "%s", want[i]);
    pg_exec(db, "DELETE FROM instances WHERE uuid = '" IMPORT_UUID "'");
    if (db_instance_import(db, "t-a", "t-a", &in, &created, &err) < 0 ||
        db_instance_get(db, IMPORT_UUID, NULL, &inst, &err) < 0)
        fail_msg("%s", err.msg);
    assert_string_equal(inst.cpu_xml, in.cpu_xml);
    assert_int_equal(inst.cpu_features.n, 4);
    for (int i = 0; i < 4; i++)
        assert_string_equal(inst.cpu_features.name[i], want[i]);
    /* caught defined, not started: the inactive <cpu>, without the
     * features libvirt gives the running guest; once it runs (or is
     * paused), the live one replaces it; a later stop keeps the last CPU it
     * ran with */
    pg_exec(db, "DELETE FROM instances WHERE uuid = '" IMPORT_UUID "'");
    in.power_state = POWER_SHUTDOWN;
    snprintf(in.cpu_xml, sizeof(in.cpu_xml), "%s", "<cpu><model>qemu64</model></cpu>");
    in.cpu_features.n = 0;
    if (db_instance_import(db, "t-a", "t-a", &in, &created, &err) < 0)
        fail_msg("%s", err.msg);
    in.power_state = POWER_RUNNING;
    snprintf(in.cpu_xml, sizeof(in.cpu_xml), "%s",
             "<cpu><model>qemu64</model><feature name='hypervisor'/></cpu>");
    in.cpu_features.n = 1;
    snprintf(in.cpu_features.name[0], sizeof(in.cpu_features.name[0]), "%s", "hypervisor");
    if (db_instance_import(db, "t-a", "t-a", &in, &created, &err) < 0 ||
        db_instance_get(db, IMPORT_UUID, NULL, &inst, &err) < 0)
        fail_msg("%s", err.msg);
    assert_false(created);
    assert_string_equal(inst.cpu_xml, in.cpu_xml);
    assert_int_equal(inst.cpu_features.n, 1);
    assert_string_equal(inst.cpu_features.name[0], "hypervisor");
    in.power_state = POWER_SHUTDOWN;
    snprintf(in.cpu_xml, sizeof(in.cpu_xml), "%s", "<cpu><model>qemu64</model></cpu>");
    in.cpu_features.n = 0;
    if (db_instance_import(db, "t-a", "t-a", &in, &created, &err) < 0 ||
        db_instance_get(db, IMPORT_UUID, NULL, &inst, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(inst.cpu_features.n, 1);
    assert_true(strstr(inst.cpu_xml, "hypervisor") != NULL);
    in.power_state = POWER_RUNNING;
    /* a guest without <cpu>: an empty list, not NULL */
    pg_exec(db, "DELETE FROM instances WHERE uuid = '" IMPORT_UUID "'");
    in.cpu_xml[0] = '\0';
    in.cpu_features.n = 0;
    if (db_instance_import(db, "t-a", "t-a", &in, &created, &err) < 0 ||
        db_instance_get(db, IMPORT_UUID, NULL, &inst, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(inst.cpu_features.n, 0);
    assert_string_equal(inst.cpu_xml, "");
    pg_exec(db, "DELETE FROM instances WHERE uuid = '" IMPORT_UUID "'");
    pg_exec(db, "DELETE FROM flavors WHERE flavorid = 'test-db-pg-import'");
    db_free(db);
}

/* A guest's background dirty rate: read back while recent, not once older
 * than asked, none before the first. */
static void
test_dirty_rate_age(void **state)
{
    struct db *db = db_new(conninfo, "test_db_pg");
    struct db_instance in = { .uuid = IMPORT_UUID, .name = "g", .domain_name = "g",
                              .project_id = "p", .user_id = "u",
                              .flavor_name = "test-db-pg-import", .memory_mb = 64, .vcpus = 1,
                              .power_state = POWER_RUNNING };
    struct db_dirty_rate dr;
    struct err err = ERR_INIT;
    bool created;

    (void)state;
    pg_exec(db, "DELETE FROM instances WHERE uuid = '" IMPORT_UUID "'");
    if (db_instance_import(db, "t-a", "t-a", &in, &created, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(db_instance_dirty_rate(db, IMPORT_UUID, 60000, &dr, &err), 0);
    assert_int_equal(db_instance_set_dirty_rate(db, IMPORT_UUID, 5 << 20, 1, 0, &err), 0);
    assert_int_equal(db_instance_dirty_rate(db, IMPORT_UUID, 60000, &dr, &err), 1);
    assert_int_equal(dr.bps, 5 << 20);
    assert_int_equal(dr.period_s, 1);
    assert_true(dr.age_ms >= 0 && dr.age_ms < 60000);
    /* a measure read late is recorded as old as it is */
    assert_int_equal(db_instance_set_dirty_rate(db, IMPORT_UUID, 6 << 20, 1, 45000, &err), 0);
    assert_int_equal(db_instance_dirty_rate(db, IMPORT_UUID, 60000, &dr, &err), 1);
    assert_int_equal(dr.bps, 6 << 20);
    assert_true(dr.age_ms >= 45000 && dr.age_ms < 60000);
    assert_int_equal(db_instance_dirty_rate(db, IMPORT_UUID, 40000, &dr, &err), 0);
    pg_exec(db, "UPDATE instances SET dirty_rate_at = now() - interval '61 s'"
                " WHERE uuid = '" IMPORT_UUID "'");
    assert_int_equal(db_instance_dirty_rate(db, IMPORT_UUID, 60000, &dr, &err), 0);
    assert_int_equal(db_instance_dirty_rate(db, IMPORT_UUID, 120000, &dr, &err), 1);
    assert_true(dr.age_ms >= 61000);
    pg_exec(db, "DELETE FROM instances WHERE uuid = '" IMPORT_UUID "'");
    pg_exec(db, "DELETE FROM flavors WHERE flavorid = 'test-db-pg-import'");
    db_free(db);
}

/* What other running migrations use of a host's link: each one's busiest
 * of its last 4 samples (one sample wobbles), summed over those from or to
 * the host; not the asking migration's own, nor an ended one's. */
static void
test_link_used(void **state)
{
    struct db *db = db_new(conninfo, "test_db_pg");
    struct db_instance in = { .uuid = IMPORT_UUID, .name = "g", .domain_name = "g",
                              .project_id = "p", .user_id = "u",
                              .flavor_name = "test-db-pg-import", .memory_mb = 64, .vcpus = 1,
                              .power_state = POWER_RUNNING };
    struct err err = ERR_INIT;
    int64_t used = -1;
    bool created;
    int ids[6];

    (void)state;
    pg_exec(db, "DELETE FROM instances WHERE uuid = '" IMPORT_UUID "'");
    if (db_instance_import(db, "t-a", "t-a", &in, &created, &err) < 0)
        fail_msg("%s", err.msg);
    /* out of t-a (MiB/s by seq: 30 long ago, then 1 14 2 9 3), into t-a
     * (1), one ended (50); admitted without samples yet: preparing (its
     * forecast counts 5), running (7); one queued by its forecast (0) */
    for (int i = 0; i < 6; i++) {
        static const char *const rows[] = {
            "'running', 't-a', 't-b', NULL", "'running', 't-c', 't-a', NULL",
            "'completed', 't-a', 't-b', NULL",
            "'preparing', 't-a', 't-b', '{\"verdict\": \"start\", \"bandwidth_bps\": 5242880}'",
            "'running', 't-a', 't-b', '{\"verdict\": \"start\", \"bandwidth_bps\": 7340032}'",
            "'preparing', 't-a', 't-b', '{\"verdict\": \"queue\", \"bandwidth_bps\": 9437184}'",
        };
        char sql[512];
        PGresult *r;

        snprintf(sql, sizeof(sql), "INSERT INTO migrations (uuid, instance_uuid, status,"
                 " source_compute, dest_compute, forecast) VALUES (gen_random_uuid(), '"
                 IMPORT_UUID "', %s) RETURNING id", rows[i]);
        r = db_query(db, sql, 0, NULL, &err);
        assert_non_null(r);
        ids[i] = atoi(PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    for (int i = 0; i < 3; i++) {
        static const char *const mib[] = { "ARRAY[30, 1, 14, 2, 9, 3]", "ARRAY[1]",
                                           "ARRAY[50]" };
        char sql[512];

        snprintf(sql, sizeof(sql), "INSERT INTO migration_samples (migration_id, slot, seq,"
                 " elapsed_ms, bandwidth_bps) SELECT %d, n, n, n * 500, b::bigint << 20"
                 " FROM unnest(%s) WITH ORDINALITY AS t(b, n)", ids[i], mib[i]);
        pg_exec(db, sql);
    }
    assert_int_equal(db_mig_link_used(db, 0, "t-a", &used, &err), 0);
    assert_int_equal(used, (int64_t)27 << 20);     /* 14 (not 30, not 3) + 1 + 5 + 7 */
    assert_int_equal(db_mig_link_used(db, ids[1], "t-a", &used, &err), 0);
    assert_int_equal(used, (int64_t)26 << 20);     /* not its own */
    assert_int_equal(db_mig_link_used(db, 0, "t-c", &used, &err), 0);
    assert_int_equal(used, (int64_t)1 << 20);
    assert_int_equal(db_mig_link_used(db, 0, "t-z", &used, &err), 0);
    assert_int_equal(used, 0);
    pg_exec(db, "DELETE FROM migrations WHERE instance_uuid = '" IMPORT_UUID "'");
    pg_exec(db, "DELETE FROM instances WHERE uuid = '" IMPORT_UUID "'");
    pg_exec(db, "DELETE FROM flavors WHERE flavorid = 'test-db-pg-import'");
    db_free(db);
}

/* SHOW a setting on db. */
static void
show(struct db *db, const char *name, char *out, size_t size)
{
    char sql[80];
    struct err err = ERR_INIT;
    PGresult *r;

    snprintf(sql, sizeof(sql), "SHOW %s", name);
    r = db_query(db, sql, 0, NULL, &err);
    assert_non_null(r);
    snprintf(out, size, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
}

/* A pool's connections cancel long statements (ERR_TIMEOUT); a plain
 * handle has DB_STATEMENT_TIMEOUT_MS (2 min), 0 the server's default; the
 * setting survives a reconnect. */
static void
test_pool_statement_timeout(void **state)
{
    struct db_pool *pool = db_pool_new(conninfo, "test_db_pg", 1, 300);
    struct db *plain = db_new(conninfo, "test_db_pg");
    struct err err = ERR_INIT;
    struct db *db;
    char v[32];

    (void)state;
    assert_non_null(db = db_pool_get(pool, 1000, &err));
    show(db, "statement_timeout", v, sizeof(v));
    assert_string_equal(v, "300ms");
    show(db, "TimeZone", v, sizeof(v));
    assert_string_equal(v, "UTC");
    assert_null(db_query(db, "SELECT pg_sleep(2)", 0, NULL, &err));
    assert_int_equal(err.code, ERR_TIMEOUT);
    assert_int_equal(db_connect(db, &err), 0);
    show(db, "statement_timeout", v, sizeof(v));
    assert_string_equal(v, "300ms");
    db_pool_put(pool, db);
    show(plain, "statement_timeout", v, sizeof(v));
    assert_string_equal(v, "2min");
    db_set_statement_timeout(plain, 0);
    assert_int_equal(db_connect(plain, &err), 0);
    show(plain, "statement_timeout", v, sizeof(v));
    assert_string_equal(v, "0");
    db_free(plain);
    db_pool_free(pool);
}

static int
sockopt(struct db *db, int level, int name)
{
    int v = -1;
    socklen_t n = sizeof(v);

    assert_int_equal(getsockopt(PQsocket(db_pgconn(db)), level, name, &v, &n), 0);
    return v;
}

/* Every handle's TCP connection has keepalives (30 s idle, 10 s apart, 3
 * probes) and a 60 s tcp_user_timeout, read from the socket itself; a value
 * in the user's conninfo wins. */
static void
test_keepalives(void **state)
{
    char mine[600];
    struct db *db = db_new(conninfo, "test_db_pg");
    struct db *own;
    struct err err = ERR_INIT;

    (void)state;
    assert_int_equal(db_connect(db, &err), 0);
    assert_int_equal(sockopt(db, SOL_SOCKET, SO_KEEPALIVE), 1);
    assert_int_equal(sockopt(db, IPPROTO_TCP, TCP_KEEPIDLE), 30);
    assert_int_equal(sockopt(db, IPPROTO_TCP, TCP_KEEPINTVL), 10);
    assert_int_equal(sockopt(db, IPPROTO_TCP, TCP_KEEPCNT), 3);
    assert_int_equal(sockopt(db, IPPROTO_TCP, TCP_USER_TIMEOUT), 60000);
    db_free(db);
    snprintf(mine, sizeof(mine), "%s keepalives_idle=77 tcp_user_timeout=5000", conninfo);
    own = db_new(mine, "test_db_pg");
    assert_int_equal(db_connect(own, &err), 0);
    assert_int_equal(sockopt(own, IPPROTO_TCP, TCP_KEEPIDLE), 77);
    assert_int_equal(sockopt(own, IPPROTO_TCP, TCP_USER_TIMEOUT), 5000);
    assert_int_equal(sockopt(own, IPPROTO_TCP, TCP_KEEPINTVL), 10);
    db_free(own);
}

static void
notify(struct db *db, const char *payload)
{
    const char *p[1] = { payload };
    struct err err = ERR_INIT;

    if (db_cmd(db, "SELECT pg_notify('ferry_test_watch', $1)", 1, p, &err) < 0)
        fail_msg("notify: %s %s", err.msg, err.detail);
}

/* A waiter wakes for its key only; a notification sent between its
 * registration and its sleep is not lost; a cut listener connection wakes
 * everyone (they must re-read) and comes back. */
static void
test_watch(void **state)
{
    struct db_watch *w = db_watch_new(conninfo, "test_db_pg_listen");
    struct db *db = db_new(conninfo, "test_db_pg");
    struct err err = ERR_INIT;
    struct db_waiter *a, *b;
    int64_t t0;

    (void)state;
    a = db_watch_add(w, "ferry_test_watch", 41);
    b = db_watch_add(w, "ferry_test_watch", 42);
    notify(db, "42 running");                   /* before b sleeps */
    t0 = now_ms();
    assert_int_equal(db_waiter_sleep(b, 5000), 1);
    assert_true(now_ms() - t0 < 4000);
    assert_int_equal(db_waiter_sleep(a, 300), 0);   /* not a's key */
    assert_int_equal(db_waiter_sleep(b, 300), 0);   /* woken once per notification */
    notify(db, "41");
    assert_int_equal(db_waiter_sleep(a, 5000), 1);
    notify(db, "not a key");
    assert_int_equal(db_waiter_sleep(a, 300), 0);
    /* the listener's connection cut: both woken to re-read */
    assert_int_equal(db_cmd(db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                " WHERE application_name = 'test_db_pg_listen'", 0, NULL, &err), 0);
    assert_int_equal(db_waiter_sleep(a, 5000), 1);
    assert_int_equal(db_waiter_sleep(b, 5000), 1);
    /* and it listens again: a key still wakes its waiter alone */
    for (int i = 0; i < 100; i++) {
        (void)db_waiter_sleep(a, 100);
        (void)db_waiter_sleep(b, 1);
        notify(db, "42");
        if (db_waiter_sleep(b, 1000) == 1 && db_waiter_sleep(a, 100) == 0)
            break;
        assert_true(i < 99);
    }
    db_waiter_free(a);
    db_waiter_free(b);
    db_watch_free(w);
    db_free(db);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_failure_keeps_detail),
        cmocka_unit_test(test_schema_version),
        cmocka_unit_test(test_create_guard),
        cmocka_unit_test(test_import_power_states),
        cmocka_unit_test(test_import_cpu_features),
        cmocka_unit_test(test_dirty_rate_age),
        cmocka_unit_test(test_link_used),
        cmocka_unit_test(test_pool_statement_timeout),
        cmocka_unit_test(test_keepalives),
        cmocka_unit_test(test_watch),
    };

    log_init("test_db_pg", LOG_LVL_WARN);
    if (!(conninfo = getenv("FERRY_TEST_DB"))) {
        fprintf(stderr, "FERRY_TEST_DB is not set (run through tests/integration/run.sh)\n");
        return 2;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
