/* test_policy.c - Nova's migration policy, number for number
 * (migration-control.md b.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "compute/policy.h"
#include "compute/virt.h"

static void
test_data_gb(void **state)
{
    uint64_t disks[2] = { 1ULL << 30, 10ULL << 30 };

    (void)state;
    assert_true(policy_data_gb(128, NULL, 0) == 2.0);          /* at least 2 */
    assert_true(policy_data_gb(4096, NULL, 0) == 4.0);
    assert_true(policy_data_gb(4096, disks, 2) == 4.0 + 2.0 + 10.0);
}

static void
test_default_steps(void **state)
{
    static const int want[] = { 50, 95, 140, 185, 230, 275, 320, 365, 410, 455, 500 };
    struct cfg cfg;
    struct policy p;

    (void)state;
    cfg_defaults(&cfg);
    policy_init(&p, &cfg, NULL, 4.0, 0);
    assert_int_equal(p.nsteps, 11);
    for (int i = 0; i < 11; i++) {
        assert_int_equal(policy_step_ms(&p, i), want[i]);
        assert_int_equal(policy_step_at_ms(&p, i), (int64_t)300 * i * 1000);  /* 75 s/GiB x 4 */
    }
    assert_int_equal(p.completion_timeout_ms, 3200 * 1000);         /* 800 s/GiB x 4 */
}

static void
test_ticks_follow_the_clock(void **state)
{
    struct cfg cfg;
    struct policy p;
    struct policy_state st = { 0 };
    struct policy_action a;

    (void)state;
    cfg_defaults(&cfg);
    policy_init(&p, &cfg, NULL, 2.0, 0);          /* delay 150 s, timeout 1600 s */
    policy_tick(&p, &st, 500, &a);
    assert_int_equal(a.set_downtime_ms, 50);    /* step 0 at once */
    policy_tick(&p, &st, 1000, &a);
    assert_int_equal(a.set_downtime_ms, 0);     /* unchanged: not set again */
    policy_tick(&p, &st, 150000, &a);
    assert_int_equal(a.set_downtime_ms, 0);     /* "elapsed > step": not yet at 150 s */
    policy_tick(&p, &st, 150001, &a);
    assert_int_equal(a.set_downtime_ms, 95);
    policy_tick(&p, &st, 1500001, &a);
    assert_int_equal(a.set_downtime_ms, 500);
    assert_false(a.timeout);
    policy_tick(&p, &st, 1600001, &a);
    assert_true(a.timeout);
    assert_true(a.abort);
    assert_false(a.force_complete);
    policy_tick(&p, &st, 1700000, &a);
    assert_false(a.timeout);                    /* fires once */
}

static void
test_timeout_action_and_postcopy(void **state)
{
    struct cfg cfg;
    struct policy p;
    struct policy_state st = { 0 };
    struct policy_action a;

    (void)state;
    cfg_defaults(&cfg);
    cfg.lm_timeout_action = TIMEOUT_FORCE_COMPLETE;
    policy_init(&p, &cfg, NULL, 2.0, 0);
    policy_tick(&p, &st, 1600001, &a);
    assert_true(a.force_complete);
    /* in post-copy the timeout never fires */
    memset(&st, 0, sizeof(st));
    st.post_copy_active = true;
    policy_tick(&p, &st, 9999999, &a);
    assert_false(a.timeout);
    /* 0 disables it */
    cfg.lm_completion_timeout = 0;
    policy_init(&p, &cfg, NULL, 2.0, 0);
    memset(&st, 0, sizeof(st));
    policy_tick(&p, &st, 99999999, &a);
    assert_false(a.timeout);
}

static void
test_flags(void **state)
{
    struct cfg cfg;
    struct policy p;
    unsigned base = VIRT_MIG_LIVE | VIRT_MIG_PEER2PEER | VIRT_MIG_UNDEFINE_SOURCE |
                    VIRT_MIG_PERSIST_DEST;

    (void)state;
    cfg_defaults(&cfg);
    policy_init(&p, &cfg, NULL, 2.0, 0);
    assert_int_equal(p.flags, base);
    policy_init(&p, &cfg, NULL, 2.0, POLICY_BLOCK);
    assert_int_equal(p.flags, base | VIRT_MIG_NON_SHARED_INC);
    /* a disk with a backing file: the whole chain is copied */
    policy_init(&p, &cfg, NULL, 2.0, POLICY_BLOCK | POLICY_BLOCK_WHOLE);
    assert_int_equal(p.flags, base | VIRT_MIG_NON_SHARED_DISK);
    cfg.lm_permit_auto_converge = true;
    policy_init(&p, &cfg, NULL, 2.0, 0);
    assert_int_equal(p.flags, base | VIRT_MIG_AUTO_CONVERGE);
    cfg.lm_permit_post_copy = true;     /* Nova's quirk: then no auto-converge */
    policy_init(&p, &cfg, NULL, 2.0, 0);
    assert_int_equal(p.flags, base | VIRT_MIG_POSTCOPY);
    assert_true(p.post_copy);
    /* Nova: no post-copy for a paused guest (libvirt refuses it), and then
     * still no auto-converge */
    policy_init(&p, &cfg, NULL, 2.0, POLICY_PAUSED);
    assert_int_equal(p.flags, base);
    assert_false(p.post_copy);
}

/* Many steps (Nova sets no upper limit): the schedule still ends at the
 * configured downtime, and each step applies after its delay. */
static void
test_many_steps(void **state)
{
    struct cfg cfg;
    struct policy p;
    struct policy_state st = { 0 };
    struct policy_action a;

    (void)state;
    cfg_defaults(&cfg);
    cfg.lm_downtime_steps = 1000;
    policy_init(&p, &cfg, NULL, 2.0, 0);              /* 150 s between steps */
    assert_int_equal(p.nsteps, 1001);
    assert_int_equal(policy_step_ms(&p, 1000), 500);
    policy_tick(&p, &st, 1, &a);
    assert_int_equal(a.set_downtime_ms, 0);     /* int(0.5 + 0.4995 * 0) */
    policy_tick(&p, &st, (int64_t)150000 * 999 + 1, &a);
    assert_int_equal(a.set_downtime_ms, policy_step_ms(&p, 999));
    policy_tick(&p, &st, (int64_t)150000 * 5000, &a);
    assert_int_equal(a.set_downtime_ms, 500);
    /* no delay at all: the last step at once */
    cfg.lm_downtime_delay = 0;
    memset(&st, 0, sizeof(st));
    policy_init(&p, &cfg, NULL, 2.0, 0);
    policy_tick(&p, &st, 0, &a);
    assert_int_equal(a.set_downtime_ms, 0);
    policy_tick(&p, &st, 1, &a);
    assert_int_equal(a.set_downtime_ms, 500);
}

static void
test_uris(void **state)
{
    struct cfg cfg;
    char d[300], m[300];

    (void)state;
    cfg_defaults(&cfg);
    policy_uris(&cfg, "10.0.0.2", d, sizeof(d), m, sizeof(m));
    assert_string_equal(d, "qemu+tcp://10.0.0.2/system");
    assert_string_equal(m, "tcp://10.0.0.2");
    policy_uris(&cfg, "fd00::2", d, sizeof(d), m, sizeof(m));
    assert_string_equal(d, "qemu+tcp://[fd00::2]/system");
    assert_string_equal(m, "tcp://[fd00::2]");
    cfg.lm_native_tls = true;           /* QEMU's stream: the scheme stays tcp */
    policy_uris(&cfg, "h2", d, sizeof(d), m, sizeof(m));
    assert_string_equal(d, "qemu+tcp://h2/system");
    snprintf(cfg.lm_scheme, sizeof(cfg.lm_scheme), "tls");
    cfg.lm_tunnelled = true;
    policy_uris(&cfg, "h2", d, sizeof(d), m, sizeof(m));
    assert_string_equal(d, "qemu+tls://h2/system");
    assert_string_equal(m, "");
    snprintf(cfg.lm_uri, sizeof(cfg.lm_uri), "qemu+ssh://%%s/system");
    policy_uris(&cfg, "fd00::2", d, sizeof(d), m, sizeof(m));
    assert_string_equal(d, "qemu+ssh://[fd00::2]/system");
}

static void
test_progress(void **state)
{
    (void)state;
    assert_int_equal(policy_progress(0, 0), 0);
    assert_int_equal(policy_progress(1000, 1000), 0);
    assert_int_equal(policy_progress(1000, 0), 100);
    assert_int_equal(policy_progress(1000, 125), 88);   /* 12.5 rounds to even: 12 */
    assert_int_equal(policy_progress(1000, 135), 86);   /* 13.5 rounds to even: 14 */
}

/* [ferry] nova_policy_time_divisor: Nova's integer seconds, then divided
 * (benchmarks); the downtimes themselves do not change. */
static void
test_time_divisor(void **state)
{
    static const int want[] = { 50, 95, 140, 185, 230, 275, 320, 365, 410, 455, 500 };
    struct cfg cfg;
    struct policy p;
    struct policy_state st = { 0 };
    struct policy_action a;

    (void)state;
    cfg_defaults(&cfg);
    assert_int_equal(cfg.nova_policy_time_divisor, 1);
    cfg.nova_policy_time_divisor = 60;
    policy_init(&p, &cfg, NULL, 4.0, 0);
    for (int i = 0; i < 11; i++) {
        assert_int_equal(policy_step_ms(&p, i), want[i]);
        assert_int_equal(policy_step_at_ms(&p, i), (int64_t)5000 * i);  /* 300 s / 60 */
    }
    assert_int_equal(p.completion_timeout_ms, 3200 * 1000 / 60);    /* 53.333 s */
    /* Nova rounds first: int(75 * 2.5) = 187 s, then / 60 = 3116 ms */
    policy_init(&p, &cfg, NULL, 2.5, 0);
    assert_int_equal(policy_step_at_ms(&p, 1), 187 * 1000 / 60);
    /* the clock follows: step 1 after 5 s, the timeout after 53.3 s */
    policy_init(&p, &cfg, NULL, 4.0, 0);
    policy_tick(&p, &st, 500, &a);
    assert_int_equal(a.set_downtime_ms, 50);
    policy_tick(&p, &st, 5001, &a);
    assert_int_equal(a.set_downtime_ms, 95);
    policy_tick(&p, &st, 53333, &a);
    assert_false(a.timeout);
    policy_tick(&p, &st, 53334, &a);
    assert_true(a.timeout);
    assert_true(a.abort);
}

/* A guest's options: its budget is the last step, its permissions decide
 * the flags, whatever the configuration says. */
static void
test_guest_opts(void **state)
{
    struct cfg cfg;
    struct mig_opts o;
    struct policy p;

    (void)state;
    cfg_defaults(&cfg);
    cfg.lm_permit_post_copy = true;
    cfg.lm_permit_auto_converge = true;
    mig_opts_defaults(&cfg, &o);
    o.max_downtime_ms = 2000;
    o.post_copy = false;
    policy_init(&p, &cfg, &o, 2.0, 0);
    assert_int_equal(policy_step_ms(&p, 0), 200);
    assert_int_equal(policy_step_ms(&p, 10), 2000);
    assert_false(p.post_copy);
    assert_false(p.flags & VIRT_MIG_POSTCOPY);
    assert_true(p.flags & VIRT_MIG_AUTO_CONVERGE);  /* post-copy no longer hides it */
    o.post_copy = true;
    policy_init(&p, &cfg, &o, 2.0, 0);
    assert_true(p.post_copy);
    assert_false(p.flags & VIRT_MIG_AUTO_CONVERGE); /* Nova's rule, per guest */
}

/* The ferry:* keys: what the metadata API accepts, and what a migration
 * makes of them. */
static void
test_mig_opts(void **state)
{
    static const struct {
        const char *key, *value;
        bool ok;
    } rows[] = {
        { "anything", "goes", true },
        { "ferry:migration_policy", "nova", true },
        { "ferry:migration_policy", "ferry", true },
        { "ferry:migration_policy", "Nova", false },
        { "ferry:max_downtime_ms", "100", true },
        { "ferry:max_downtime_ms", "2000000", true },
        { "ferry:max_downtime_ms", "99", false },
        { "ferry:max_downtime_ms", "2000001", false },
        { "ferry:max_downtime_ms", "+300", false },
        { "ferry:max_downtime_ms", "300ms", false },
        { "ferry:max_downtime_ms", "", false },
        { "ferry:max_downtime_ms", "99999999999999999999", false },
        { "ferry:post_copy", "allowed", true },
        { "ferry:post_copy", "forbidden", true },
        { "ferry:post_copy", "true", false },
        { "ferry:auto_converge", "forbidden", true },
        { "ferry:auto_converge", "", false },
        { "ferry:unknown", "x", false },
    };
    const char *values[MIG_OPT_COUNT] = { "ferry", "750", "forbidden", "bogus" };
    struct cfg cfg;
    struct mig_opts o;

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct err err = ERR_INIT;
        int rc = mig_opt_check(rows[i].key, rows[i].value, &err);

        if ((rc == 0) != rows[i].ok)
            fail_msg("%s=%s: %s", rows[i].key, rows[i].value, rc ? err.msg : "accepted");
        if (rc < 0)
            assert_int_equal(err.code, ERR_INVALID);
    }
    cfg_defaults(&cfg);
    cfg.lm_permit_auto_converge = true;
    mig_opts_defaults(&cfg, &o);
    assert_int_equal(o.policy, MIG_POLICY_FERRY);    /* the default since issue 15 */
    assert_int_equal(o.max_downtime_ms, 500);
    cfg.migration_policy = MIG_POLICY_NOVA;
    mig_opts_defaults(&cfg, &o);
    assert_int_equal(o.policy, MIG_POLICY_NOVA);
    mig_opts_apply(&o, values);
    assert_int_equal(o.policy, MIG_POLICY_FERRY);
    assert_int_equal(o.max_downtime_ms, 750);
    assert_false(o.post_copy);
    assert_true(o.auto_converge);       /* an invalid value leaves the default */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_gb),
        cmocka_unit_test(test_default_steps),
        cmocka_unit_test(test_uris),
        cmocka_unit_test(test_many_steps),
        cmocka_unit_test(test_ticks_follow_the_clock),
        cmocka_unit_test(test_timeout_action_and_postcopy),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_progress),
        cmocka_unit_test(test_time_divisor),
        cmocka_unit_test(test_guest_opts),
        cmocka_unit_test(test_mig_opts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
