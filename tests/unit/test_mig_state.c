/* test_mig_state.c - the state machine table: every pair, names, sets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/mig_state.h"

/* The edges of DESIGN.md's diagram, written out independently of the table. */
static const char *const edges[] = {
    "accepted>queued",   "accepted>error",    "queued>preparing",
    "queued>cancelled",  "queued>error",      "preparing>running",
    "preparing>cancelled", "preparing>error", "preparing>queued",
    "running>running (post-copy)",
    "running>completed", "running>failed",    "running>cancelled",
    "running>error",     "running (post-copy)>completed",
    "running (post-copy)>failed", "running (post-copy)>error",
};

static bool
expected_edge(enum mig_status a, enum mig_status b)
{
    char key[80];

    snprintf(key, sizeof(key), "%s>%s", mig_status_name(a), mig_status_name(b));
    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
        if (strcmp(edges[i], key) == 0)
            return true;
    return false;
}

static void
test_every_pair(void **state)
{
    (void)state;
    for (int a = 0; a < MIG_STATUS_COUNT; a++)
        for (int b = 0; b < MIG_STATUS_COUNT; b++) {
            bool want = expected_edge(a, b);

            if (mig_transition_allowed(a, b) != want)
                fail_msg("%s -> %s: allowed=%d, expected %d", mig_status_name(a),
                         mig_status_name(b), !want, want);
        }
}

static void
test_terminal_has_no_exit(void **state)
{
    (void)state;
    for (int a = 0; a < MIG_STATUS_COUNT; a++) {
        if (!mig_status_terminal(a))
            continue;
        for (int b = 0; b < MIG_STATUS_COUNT; b++)
            assert_false(mig_transition_allowed(a, b));
    }
    assert_true(mig_status_terminal(MIG_COMPLETED));
    assert_true(mig_status_terminal(MIG_FAILED));
    assert_true(mig_status_terminal(MIG_ERROR));
    assert_true(mig_status_terminal(MIG_CANCELLED));
    assert_false(mig_status_terminal(MIG_POSTCOPY));
}

static void
test_names_round_trip(void **state)
{
    (void)state;
    for (int a = 0; a < MIG_STATUS_COUNT; a++)
        assert_int_equal(mig_status_parse(mig_status_name(a)), a);
    assert_string_equal(mig_status_name(MIG_POSTCOPY), "running (post-copy)");
    assert_int_equal(mig_status_parse("migrating"), MIG_STATUS_INVALID);
    assert_string_equal(mig_status_name(MIG_STATUS_INVALID), "unknown");
}

static void
test_in_progress_is_novas_list(void **state)
{
    (void)state;
    /* accepted and post-copy are not listed by GET /servers/{id}/migrations */
    assert_false(mig_status_in_progress(MIG_ACCEPTED));
    assert_true(mig_status_in_progress(MIG_QUEUED));
    assert_true(mig_status_in_progress(MIG_PREPARING));
    assert_true(mig_status_in_progress(MIG_RUNNING));
    assert_false(mig_status_in_progress(MIG_POSTCOPY));
    assert_false(mig_status_in_progress(MIG_COMPLETED));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_pair),
        cmocka_unit_test(test_terminal_has_no_exit),
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_in_progress_is_novas_list),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
