/* test_db_pg.c - the database layer's own behaviour against a real
 * PostgreSQL (FERRY_TEST_DB): what `db sync` reports when a schema file
 * fails; the statement timeout of pooled connections. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/log.h"
#include "db/db_int.h"
#include "db/model.h"

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
 * handle keeps the server's default; the setting survives a reconnect. */
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
    assert_string_equal(v, "0");
    db_free(plain);
    db_pool_free(pool);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_failure_keeps_detail),
        cmocka_unit_test(test_pool_statement_timeout),
    };

    log_init("test_db_pg", LOG_LVL_WARN);
    if (!(conninfo = getenv("FERRY_TEST_DB"))) {
        fprintf(stderr, "FERRY_TEST_DB is not set (run through tests/integration/run.sh)\n");
        return 2;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
