/* test_util.c - uuids as Nova accepts them, ISO 8601 times, URL quoting, UTF-8. */
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
        { "2024-02-29", 1709164800000000LL },       /* a leap day */
        { "2024-02-30T00:00:00", -1 },
        { "2023-02-29", -1 },
        { "2016-04-31", -1 },
        { "0000-01-01", -1 },
        { "2016-01-29T24:00:00", -1 },
        { "2016-01-29T23:59:60", -1 },              /* no leap second in datetime */
        { "2016-01-29T13:42:02+24:00", -1 },
        { "2016-01-29T13:42:02+02:60", -1 },
        { "2016-01-30T05:42:02+16:00", 1454074922000000LL },  /* PostgreSQL would refuse */
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

/* Ill-formed input becomes U+FFFD per maximal subpart; valid text is kept. */
static void
test_utf8_sanitize(void **state)
{
    static const struct {
        const char *in;
        const char *out;
    } rows[] = {
        { "plain ascii", "plain ascii" },
        { "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\xa2",
          "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\xa2" },
        { "\xff", "\xef\xbf\xbd" },
        { "a\xff" "b", "a\xef\xbf\xbd" "b" },
        { "\xc3", "\xef\xbf\xbd" },                   /* cut short at the end */
        { "\xe2\x82" "x", "\xef\xbf\xbd" "x" },       /* one subpart, one U+FFFD */
        { "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },      /* overlong '/' */
        { "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* a surrogate */
        { "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
        { "\x80", "\xef\xbf\xbd" },
        { "", "" },
    };
    char out[64];

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        utf8_sanitize(out, sizeof(out), rows[i].in);
        assert_string_equal(out, rows[i].out);
        assert_true(utf8_valid(out));
        assert_int_equal(utf8_valid(rows[i].in), strcmp(rows[i].in, rows[i].out) == 0);
    }
    utf8_sanitize(out, sizeof(out), NULL);
    assert_string_equal(out, "");
}

/* A copy that does not fit ends on a character boundary. */
static void
test_utf8_sanitize_truncates_on_boundary(void **state)
{
    char out[6];
    char *dup;

    (void)state;
    assert_int_equal(utf8_sanitize(out, sizeof(out), "\xc3\xa9\xc3\xa9\xc3\xa9"), 4);
    assert_string_equal(out, "\xc3\xa9\xc3\xa9");
    assert_int_equal(utf8_sanitize(out, sizeof(out), "ab\xe2\x82\xac\xe2\x82\xac"), 5);
    assert_string_equal(out, "ab\xe2\x82\xac");
    assert_int_equal(utf8_sanitize(out, sizeof(out), "abcd\xff"), 4);     /* no room for it */
    assert_string_equal(out, "abcd");
    assert_int_equal(utf8_sanitize(out, 1, "abc"), 0);
    dup = utf8_dup("\xff\xfe\xfd");
    assert_string_equal(dup, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    free(dup);
}

/* What a truncating snprintf left: a last character cut short goes. */
static void
test_utf8_trim(void **state)
{
    static const struct {
        const char *in;
        size_t len;
    } rows[] = {
        { "abc", 3 },
        { "ab\xc3", 2 },
        { "ab\xc3\xa9", 4 },
        { "a\xe2\x82", 1 },
        { "a\xe2\x82\xac", 4 },
        { "\xf0\x9f\x9a", 0 },
        { "\xf0\x9f\x9a\xa2", 4 },
        { "a\x80\x80\x80\x80", 5 },          /* not a cut character: left alone */
        { "", 0 },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        if (utf8_trim(rows[i].in, strlen(rows[i].in)) != rows[i].len)
            fail_msg("row %zu: %zu, expected %zu", i, utf8_trim(rows[i].in, strlen(rows[i].in)),
                     rows[i].len);
}

/* The one retry delay of every loop: 250 ms, doubling, at most 5 s. */
static void
test_backoff(void **state)
{
    static const int64_t want[] = { 250, 500, 1000, 2000, 4000, 5000, 5000 };
    int64_t b = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        assert_int_equal(backoff_next(&b), want[i]);
        assert_int_equal(b, want[i]);
    }
    b = 0;      /* a success resets it */
    assert_int_equal(backoff_next(&b), 250);
}

/* appendf() counts like snprintf, and past the end writes nothing (the
 * list of unknown query keys used to form a pointer past its buffer). */
static void
test_appendf(void **state)
{
    char buf[8] = "";
    char guard[8] = "xxxxxxx";
    size_t n = 0;

    (void)state;
    n = appendf(buf, sizeof(buf), n, "%s", "abcde");
    assert_int_equal(n, 5);
    n = appendf(buf, sizeof(buf), n, "%s", "fghij");
    assert_int_equal(n, 10);
    assert_string_equal(buf, "abcdefg");
    n = appendf(buf, sizeof(buf), n, "%s", "klm");
    assert_int_equal(n, 10);
    assert_string_equal(buf, "abcdefg");
    assert_string_equal(guard, "xxxxxxx");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_uuid_normalize),
        cmocka_unit_test(test_time_parse_iso),
        cmocka_unit_test(test_time_fmt),
        cmocka_unit_test(test_url_quote_plus),
        cmocka_unit_test(test_utf8_sanitize),
        cmocka_unit_test(test_utf8_sanitize_truncates_on_boundary),
        cmocka_unit_test(test_utf8_trim),
        cmocka_unit_test(test_appendf),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
