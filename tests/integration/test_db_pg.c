/* test_db_pg.c - the database layer's own behaviour against a real
 * PostgreSQL (FERRY_TEST_DB): what `db sync` reports when a schema file
 * fails. */
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_failure_keeps_detail),
    };

    log_init("test_db_pg", LOG_LVL_WARN);
    if (!(conninfo = getenv("FERRY_TEST_DB"))) {
        fprintf(stderr, "FERRY_TEST_DB is not set (run through tests/integration/run.sh)\n");
        return 2;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
