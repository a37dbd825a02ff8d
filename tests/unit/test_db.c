/* test_db.c - the database layer's pieces that need no server: row readers
 * over results built in memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/util.h"
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row_cpy_utf8),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
