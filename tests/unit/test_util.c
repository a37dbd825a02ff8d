/* test_util.c - uuids as Nova accepts them, ISO 8601 times, URL quoting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/util.h"

static void
test_uuid_normalize(void **state)
{
    static const struct {
        const char *in;
        const char *out;        /* NULL: not a uuid */
    } rows[] = {
        { "11111111-2222-3333-4444-555555555555", "11111111-2222-3333-4444-555555555555" },
        { "ABCDEF01-2222-3333-4444-555555555555", "abcdef01-2222-3333-4444-555555555555" },
        { "abcdef0122223333444455555555aaaa", "abcdef01-2222-3333-4444-55555555aaaa" },
        { "{11111111-2222-3333-4444-555555555555}", "11111111-2222-3333-4444-555555555555" },
        { "urn:uuid:11111111-2222-3333-4444-555555555555",
          "11111111-2222-3333-4444-555555555555" },
        { "demo-idle", NULL },
        { "11111111-2222-3333-4444-55555555555", NULL },
        { "11111111-2222-3333-4444-5555555555555", NULL },
        { "g1111111-2222-3333-4444-555555555555", NULL },
        { "", NULL },
    };
    char out[UUID_STR_LEN];

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        bool ok = uuid_normalize(rows[i].in, out);

        if (ok != (rows[i].out != NULL))
            fail_msg("%s: ok=%d", rows[i].in, ok);
        if (ok)
            assert_string_equal(out, rows[i].out);
    }
    uuid_new(out);
    assert_int_equal(strlen(out), 36);
    assert_int_equal(out[14], '4');
}

static void
test_time_parse_iso(void **state)
{
    static const struct {
        const char *in;
        int64_t us;             /* -1: rejected */
    } rows[] = {
        { "2016-01-29T13:42:02", 1454074922000000LL },
        { "2016-01-29T13:42:02Z", 1454074922000000LL },
        { "2016-01-29 13:42:02.5", 1454074922500000LL },
        { "2016-01-29T13:42:02.000001+00:00", 1454074922000001LL },
        { "2016-01-29T15:42:02+02:00", 1454074922000000LL },
        { "2016-01-29T13:42", 1454074920000000LL },
        { "2016-01-29", 1454025600000000LL },
        { "2016-13-29", -1 },
        { "yesterday", -1 },
        { "2016-01-29T13:42:02X", -1 },
        { "", -1 },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        int64_t us = 0;
        bool ok = time_parse_iso(rows[i].in, &us);

        if (ok != (rows[i].us >= 0))
            fail_msg("%s: ok=%d", rows[i].in, ok);
        if (ok && us != rows[i].us)
            fail_msg("%s: %lld, expected %lld", rows[i].in, (long long)us,
                     (long long)rows[i].us);
    }
}

static void
test_time_fmt(void **state)
{
    char buf[40];

    (void)state;
    time_fmt(1454074922000123LL, true, buf, sizeof(buf));
    assert_string_equal(buf, "2016-01-29T13:42:02.000123");
    time_fmt(1454074922000123LL, false, buf, sizeof(buf));
    assert_string_equal(buf, "2016-01-29T13:42:02Z");
}

static void
test_url_quote_plus(void **state)
{
    char *q = url_quote_plus("a b&c=d/é");

    (void)state;
    assert_string_equal(q, "a+b%26c%3Dd%2F%C3%A9");
    free(q);
    q = url_quote_plus("changes-since");
    assert_string_equal(q, "changes-since");
    free(q);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uuid_normalize),
        cmocka_unit_test(test_time_parse_iso),
        cmocka_unit_test(test_time_fmt),
        cmocka_unit_test(test_url_quote_plus),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
