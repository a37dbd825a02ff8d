/* test_mv.c - microversion negotiation, row by row from the contract (2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api/mv.h"

#define MAX 2096

static const struct {
    const char *std;            /* OpenStack-API-Version */
    const char *legacy;         /* X-OpenStack-Nova-API-Version */
    int mv;                     /* expected, or 0 for an error */
    enum err_code code;
    const char *echo;           /* version echoed on the answer ("" = none) */
} rows[] = {
    { NULL, NULL, 2001, ERR_NONE, "2.1" },
    { "compute 2.30", NULL, 2030, ERR_NONE, "2.30" },
    { "COMPUTE 2.30", NULL, 2030, ERR_NONE, "2.30" },
    { "compute 2.30, compute 2.60", NULL, 2060, ERR_NONE, "2.60" },   /* last wins */
    { "volume 3.1, compute 2.25", NULL, 2025, ERR_NONE, "2.25" },
    { "volume 3.1", "2.40", 2040, ERR_NONE, "2.40" },   /* no compute entry: legacy */
    { "compute 2.50", "2.40", 2050, ERR_NONE, "2.50" }, /* legacy ignored */
    { "compute", "2.40", 2040, ERR_NONE, "2.40" },      /* entry without a version */
    { NULL, "2.3, 2.33", 2033, ERR_NONE, "2.33" },      /* legacy: last element */
    { "compute latest", NULL, MAX, ERR_NONE, "2.96" },
    { "compute Latest", NULL, 0, ERR_INVALID, "" },
    { "compute 2.01", NULL, 0, ERR_INVALID, "" },
    { "compute 2", NULL, 0, ERR_INVALID, "" },
    { "compute v2.1", NULL, 0, ERR_INVALID, "" },
    { "compute 2.1.0", NULL, 0, ERR_INVALID, "" },
    { "compute 2.0", NULL, 0, ERR_NOT_ACCEPTABLE, "2.0" },
    { "compute 2.97", NULL, 0, ERR_NOT_ACCEPTABLE, "2.97" },
    { "compute 3.0", NULL, 0, ERR_NOT_ACCEPTABLE, "3.0" },
    { "compute 2.96", NULL, 2096, ERR_NONE, "2.96" },
};

static void
test_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct err err = ERR_INIT;
        char echo[16];
        int mv = 0;
        int rc = mv_negotiate(rows[i].std, rows[i].legacy, MAX, &mv, echo, sizeof(echo), &err);

        if ((rc == 0) != (rows[i].code == ERR_NONE) || err.code != rows[i].code)
            fail_msg("row %zu (%s | %s): rc=%d code=%d", i, rows[i].std ? rows[i].std : "-",
                     rows[i].legacy ? rows[i].legacy : "-", rc, err.code);
        if (rc == 0 && mv != rows[i].mv)
            fail_msg("row %zu: mv=%d expected %d", i, mv, rows[i].mv);
        if (strcmp(echo, rows[i].echo) != 0)
            fail_msg("row %zu: echo=%s expected %s", i, echo, rows[i].echo);
    }
}

static void
test_messages(void **state)
{
    struct err err = ERR_INIT;
    char echo[16];
    int mv;

    (void)state;
    mv_negotiate("compute 2.x", NULL, MAX, &mv, echo, sizeof(echo), &err);
    assert_string_equal(err.msg, "API Version String 2.x is of invalid format. Must be of "
                                 "format MajorNum.MinorNum.");
    mv_negotiate("compute 2.105", NULL, MAX, &mv, echo, sizeof(echo), &err);
    assert_string_equal(err.msg, "Version 2.105 is not supported by the API. Minimum is 2.1 "
                                 "and maximum is 2.96.");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_messages),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
