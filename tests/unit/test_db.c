/* test_db.c - the database layer's pieces that need no server: row readers
 * over results built in memory, and the pool (its handles connect lazily,
 * so none of them ever reaches a server here). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/log.h"

#include "common/util.h"
#include "db/db.h"
#include "db/db_int.h"

#define TEXTOID 25

/* A one-row, one-column text result holding value. */
static PGresult *
one_value(const char *col, const char *value)
{
    PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    PGresAttDesc att = { (char *)col, 0, 0, 0, TEXTOID, -1, -1 };

    assert_non_null(r);
    assert_true(PQsetResultAttrs(r, 1, &att));
    assert_true(PQsetvalue(r, 0, 0, (char *)value, (int)strlen(value)));
    return r;
}

/* A text column longer than its buffer is cut between characters. */
static void
test_row_cpy_utf8(void **state)
{
    char value[601] = "", name[256], small[4];
    PGresult *r;

    (void)state;
    for (int i = 0; i < 300; i++)
        strcat(value, "\xc3\xa9");      /* é */
    r = one_value("display_name", value);
    row_cpy(r, 0, "display_name", name, sizeof(name));
    assert_int_equal(strlen(name), 254);
    assert_true(utf8_valid(name));
    row_cpy(r, 0, "display_name", small, sizeof(small));
    assert_string_equal(small, "\xc3\xa9");
    PQclear(r);
    r = one_value("host", "lab-1");
    row_cpy(r, 0, "host", name, sizeof(name));
    assert_string_equal(name, "lab-1");
    PQclear(r);
}

/* A pool with nothing free answers ERR_UNAVAILABLE after the wait asked
 * for, instead of blocking its caller for ever. */
static void
test_pool_get_times_out(void **state)
{
    struct db_pool *pool = db_pool_new("host=/nonexistent dbname=none", "test_db", 1, 0);
    struct err err = ERR_INIT;
    struct db *one, *two;
    int64_t t0;

    (void)state;
    assert_non_null(one = db_pool_get(pool, 1000, &err));
    t0 = now_ms();
    assert_null(db_pool_get(pool, 200, &err));
    assert_true(now_ms() - t0 >= 190);
    assert_true(now_ms() - t0 < 2000);
    assert_int_equal(err.code, ERR_UNAVAILABLE);
    assert_string_equal(err.msg, "no database connection was free within 1 s");
    db_pool_put(pool, one);
    assert_non_null(two = db_pool_get(pool, 200, &err));
    assert_ptr_equal(two, one);
    db_pool_put(pool, two);
    db_pool_put(pool, NULL);        /* given back early: a no-op */
    db_pool_free(pool);
}

struct giver {
    struct db_pool *pool;
    struct db *db;
};

static void *
give_back_later(void *arg)
{
    struct giver *g = arg;

    sleep_ms(100);
    db_pool_put(g->pool, g->db);
    return NULL;
}

/* A connection given back while a caller waits goes to that caller. */
static void
test_pool_get_waits_for_put(void **state)
{
    struct db_pool *pool = db_pool_new("host=/nonexistent dbname=none", "test_db", 1, 0);
    struct err err = ERR_INIT;
    struct giver g = { pool, NULL };
    pthread_t t;
    struct db *db;

    (void)state;
    assert_non_null(g.db = db_pool_get(pool, 1000, &err));
    assert_int_equal(pthread_create(&t, NULL, give_back_later, &g), 0);
    assert_non_null(db = db_pool_get(pool, 5000, &err));
    assert_ptr_equal(db, g.db);
    pthread_join(t, NULL);
    db_pool_put(pool, db);
    db_pool_free(pool);
}

/* text[] literals: each item quoted, quotes and backslashes escaped, ""
 * kept as an item; n < 0 counts up to the NULL. */
static void
test_text_array(void **state)
{
    static const char *const items[] = { "active", "", "a\"b\\c", NULL };
    char *s;

    (void)state;
    s = db_text_array(items, -1);
    assert_string_equal(s, "{\"active\",\"\",\"a\\\"b\\\\c\"}");
    free(s);
    s = db_text_array(items, 1);
    assert_string_equal(s, "{\"active\"}");
    free(s);
    s = db_text_array(items, 0);
    assert_string_equal(s, "{}");
    free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row_cpy_utf8),
        cmocka_unit_test(test_text_array),
        cmocka_unit_test(test_pool_get_times_out),
        cmocka_unit_test(test_pool_get_waits_for_put),
    };

    log_init("test_db", LOG_LVL_WARN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
