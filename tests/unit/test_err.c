/* test_err.c - the caller-owned error: context added to an error already
 * set keeps its cause, exactly once, with its code and detail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"

/* How many times needle occurs in hay. */
static int
count(const char *hay, const char *needle)
{
    int n = 0;

    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

#define CAUSE "Cannot access storage file '/x/disk': Permission denied"

static void
test_prefix_keeps_cause_once(void **state)
{
    struct err err = ERR_INIT;

    (void)state;
    err_set(&err, ERR_UNAVAILABLE, "%s", CAUSE);
    err_detail(&err, "libvirt error code 38");
    assert_int_equal(err_prefix(&err, "cannot create %s on %s", "/x/disk", "lab-2"), -1);
    assert_string_equal(err.msg, "cannot create /x/disk on lab-2: " CAUSE);
    assert_int_equal(count(err.msg, CAUSE), 1);
    assert_int_equal(count(err.msg, "cannot create"), 1);
    assert_int_equal(err.code, ERR_UNAVAILABLE);
    assert_string_equal(err.detail, "libvirt error code 38");
    /* twice: each context once, outermost first */
    err_prefix(&err, "the source %s did not answer its checks", "lab-1");
    assert_string_equal(err.msg, "the source lab-1 did not answer its checks: "
                                 "cannot create /x/disk on lab-2: " CAUSE);
    assert_int_equal(count(err.msg, CAUSE), 1);
}

static void
test_prefix_as_changes_code(void **state)
{
    struct err err = ERR_INIT;

    (void)state;
    err_set(&err, ERR_TIMEOUT, "no answer in 60 s");
    assert_int_equal(err_prefix_as(&err, ERR_INVALID, "the source %s did not answer", "a"), -1);
    assert_int_equal(err.code, ERR_INVALID);
    assert_string_equal(err.msg, "the source a did not answer: no answer in 60 s");
}

static void
test_prefix_edges(void **state)
{
    struct err err = ERR_INIT;
    char longer[2 * sizeof(err.msg)];

    (void)state;
    assert_int_equal(err_prefix(NULL, "nothing"), -1);
    /* no cause: the prefix alone, no dangling ": " */
    err_set(&err, ERR_INTERNAL, "%s", "");
    err_prefix(&err, "cannot %s", "go");
    assert_string_equal(err.msg, "cannot go");
    /* too long: cut at the end, never inside a character (é is 2 bytes) */
    memset(longer, 0, sizeof(longer));
    for (size_t i = 0; i + 2 < sizeof(err.msg); i += 2)
        memcpy(longer + i, "\xc3\xa9", 2);
    err_set(&err, ERR_INTERNAL, "%s", longer);
    err_prefix(&err, "x");
    assert_true(strlen(err.msg) < sizeof(err.msg));
    assert_int_equal(strncmp(err.msg, "x: \xc3\xa9", 5), 0);
    assert_int_equal((unsigned char)err.msg[strlen(err.msg) - 1], 0xa9);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefix_keeps_cause_once),
        cmocka_unit_test(test_prefix_as_changes_code),
        cmocka_unit_test(test_prefix_edges),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
