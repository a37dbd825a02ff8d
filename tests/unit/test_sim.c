/* test_sim.c - ferry-sim's QEMU model and physics rule (tools/sim/qemu.c):
 * the switchover's cost (SIM_SWITCHOVER_MS) counted by both; a post-copy
 * broken by a link cut, paused, resumed or lost. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/util.h"

#include "tools/sim/sim.h"

/* A paced guest without post-copy or auto-converge. */
static struct sim_case
paced(double ram_mib, double rate_mib, double wss_mib, double link_mib, int budget_ms)
{
    struct sim_case c;

    memset(&c, 0, sizeof(c));
    c.ram = ram_mib * SIM_MIB;
    c.kind = SIM_PACED;
    c.rate = rate_mib * SIM_MIB;
    c.wss = wss_mib * SIM_MIB;
    c.link = link_mib * SIM_MIB;
    c.budget_ms = budget_ms;
    c.reps = 1;
    return c;
}

/* The reviewer's edge-tiny-hot (tools/bench/migration/reviewer.txt): its
 * plateau 8 x (1 - 16/200) = 7.36 MiB takes 460 ms at 16 MiB/s, under the
 * 500 ms budget; with the switchover it does not fit (the lab: neither
 * nova nor ferry completed it). */
static void
test_possible_counts_switchover(void **state)
{
    struct sim_case c = paced(64, 200, 8, 16, 500);
    double plateau_ms = 8 * (1 - 16.0 / 200) * 1000.0 / 16;

    (void)state;
    assert_true(SIM_SWITCHOVER_MS == 50);   /* the lab's measure (sim.h); re-derive to change */
    assert_true(fabs(plateau_ms - 460) < 1e-9);
    assert_false(sim_case_possible(&c));
    c.budget_ms = 460 + SIM_SWITCHOVER_MS + 1;
    assert_true(sim_case_possible(&c));
    c.budget_ms = 460 + SIM_SWITCHOVER_MS - 1;
    assert_false(sim_case_possible(&c));
    c.budget_ms = 500;
    c.post_copy = true;                                     /* post-copy: always */
    assert_true(sim_case_possible(&c));
    /* a guest under the bandwidth: plateau 0, the switchover alone */
    c = paced(64, 8, 8, 16, SIM_SWITCHOVER_MS);
    assert_true(sim_case_possible(&c));
    c.budget_ms = SIM_SWITCHOVER_MS - 1;
    assert_false(sim_case_possible(&c));
}

/* Step a migration until it ends (a bound keeps a broken model finite). */
static void
run_to_end(struct sim_qemu *q)
{
    for (int i = 0; i < 100000 && q->end == SIM_RUNNING; i++)
        sim_qemu_step(q);
}

/* The model's stop-and-copy: what is left at the stop over the link, plus
 * the switchover. */
static void
test_downtime_counts_switchover(void **state)
{
    struct sim_case c = paced(64, 0, 8, 32, 500);
    struct sim_qemu q;

    (void)state;
    sim_qemu_init(&q, &c, false, false, SIM_AC_INITIAL, SIM_AC_INCREMENT, 300);
    run_to_end(&q);
    assert_int_equal(q.end, SIM_COMPLETED);
    assert_true(q.remaining <= c.link * 0.300);
    assert_true(fabs(q.downtime_ms - (q.remaining * 1000.0 / c.link + SIM_SWITCHOVER_MS)) <
                1e-6);
    assert_true(q.downtime_ms >= SIM_SWITCHOVER_MS);
}

/* A paused completion: the pause, the rest over the link, the switchover. */
static void
test_paused_downtime_counts_switchover(void **state)
{
    struct sim_case c = paced(64, 200, 48, 16, 500);
    struct sim_qemu q;
    int64_t paused_at;

    (void)state;
    sim_qemu_init(&q, &c, false, false, SIM_AC_INITIAL, SIM_AC_INCREMENT, 300);
    for (int i = 0; i < 200; i++)           /* 10 s: the hot set never fits */
        sim_qemu_step(&q);
    assert_int_equal(q.end, SIM_RUNNING);
    sim_qemu_apply(&q, SIM_CMD_PAUSE, 0);
    paused_at = q.t_ms;
    run_to_end(&q);
    assert_int_equal(q.end, SIM_PAUSED_DONE);
    assert_true(fabs(q.downtime_ms - (q.remaining * 1000.0 / c.link + SIM_SWITCHOVER_MS +
                                      (double)(q.end_ms - paused_at))) < 1e-6);
}

/* busy-pc's guest switched to post-copy at 5 s, the link cut from 10 s
 * for 5 s (still in post-copy then), resumed for up to recover_ms. */
static void
postcopy_cut(struct sim_qemu *q, struct sim_case *c, int64_t recover_ms)
{
    *c = paced(256, 200, 96, 16, 500);
    c->post_copy = true;
    c->cut_at_s = 10;
    c->cut_for_s = 5;
    sim_qemu_init(q, c, true, false, SIM_AC_INITIAL, SIM_AC_INCREMENT, 300);
    q->pc_recover_ms = recover_ms;
    while (q->t_ms < 5000)
        sim_qemu_step(q);
    sim_qemu_apply(q, SIM_CMD_POSTCOPY, 0);
    assert_true(q->postcopy);
    while (q->end == SIM_RUNNING && q->t_ms < 10000)
        sim_qemu_step(q);
    assert_int_equal(q->end, SIM_RUNNING);  /* the cut comes while pages still move */
}

/* A cut in post-copy: paused (no byte moves) while the link is down; the
 * policy's probes (250 ms, then doubling to 5 s: compute/monitor.c) find
 * it back at 10 + 0.25 + 0.5 + 1 + 2 + 4 = 17.75 s, and it resumes; the
 * 7.75 s paused count as downtime. */
static void
test_postcopy_cut_resumed(void **state)
{
    struct sim_case c;
    struct sim_qemu q;
    double processed;

    (void)state;
    assert_int_equal(BACKOFF_FIRST_MS, 250);
    assert_int_equal(BACKOFF_MAX_MS, 5000);
    postcopy_cut(&q, &c, 900000);
    processed = q.processed;
    while (q.end == SIM_RUNNING && q.t_ms < 17700) {
        sim_qemu_step(&q);
        assert_true(q.pc_broke_ms == 10000);            /* paused from the cut on */
    }
    assert_int_equal(q.end, SIM_RUNNING);
    assert_true(q.processed == processed);              /* nothing moved while paused */
    run_to_end(&q);
    assert_int_equal(q.end, SIM_POSTCOPY_RESUMED);
    assert_true(fabs(q.pc_paused_ms - 7750) < 1e-9);
    assert_true(fabs(q.downtime_ms - (SIM_POSTCOPY_SWITCH_MS + 7750)) < 1e-9);
    assert_true(q.remaining <= 0.5);
    assert_true(q.end_ms > 17750);
}

/* A policy that does not resume (nova, kubevirt, ovirt) loses the guest at
 * the cut; one that does, past its timeout. */
static void
test_postcopy_cut_lost(void **state)
{
    struct sim_case c;
    struct sim_qemu q;

    (void)state;
    postcopy_cut(&q, &c, 0);
    run_to_end(&q);
    assert_int_equal(q.end, SIM_LOST);
    assert_true(q.end_ms == 10050);
    postcopy_cut(&q, &c, 3000);                         /* the link is back only at 15 s */
    run_to_end(&q);
    assert_int_equal(q.end, SIM_LOST);
    assert_true(q.end_ms > 13000 && q.end_ms <= 13100);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_possible_counts_switchover),
        cmocka_unit_test(test_downtime_counts_switchover),
        cmocka_unit_test(test_paused_downtime_counts_switchover),
        cmocka_unit_test(test_postcopy_cut_resumed),
        cmocka_unit_test(test_postcopy_cut_lost),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
