/* sim.h - ferry-sim: a model of QEMU 7.2's pre-copy, driven by the same
 * policy code as the compute worker (compute/policy.c, compute/policy_ferry.c)
 * and by the peers' policies written from migration-control.md (peers.c).
 *
 * The model (qemu.c), in 50 ms steps:
 *  - the link sends bandwidth x dt of the remaining bytes (the bandwidth in
 *    the case's shape: steady, wobbling or gappy; 0 during a cut);
 *  - the guest writes pages of its working set W at its rate D scaled by
 *    auto-converge's throttle through its type's table (paced or
 *    CPU-bound, the lab's measurements, tools/lab/README.md), in its
 *    pattern: at random (the grid's real guests), the distinct bytes
 *    dirtied since the last sync growing as W (1 - exp(-D t / W)); or
 *    walking W in address order, round-robin (the lab's guest,
 *    tools/lab/guest/dirtier.c; a scenario file's default), min(D t, W),
 *    modelled page by page (struct sim_walk, W up to 1 GiB): QEMU's
 *    bitmap over W from 4 MiB up, the guest's position and the sender's,
 *    which sends in address order (the cold pages below W, W's dirty
 *    pages, the cold ones above, round again), a sync setting the pages
 *    logged since the last;
 *  - the remaining bytes are cold (never dirtied: the bulk pass's) and hot
 *    (the working set's, in the bitmap); sending takes both in address
 *    order (without a walk: in proportion);
 *  - QEMU 7.2's migration thread (migration.c, ram.c) inside each step:
 *    migration_iteration_run compares the bitmap's remaining bytes with
 *    threshold_size; below it, a bitmap sync (a new iteration,
 *    dirty-sync-count + 1): what was dirtied joins the hot ones (a set
 *    union of random subsets of W: a + b - ab / W; a walk's, page by
 *    page, or for a larger W the same on average: two arcs of W at a
 *    random phase overlap by ab / W); if that is still
 *    below (or nothing is left), stop-and-copy: downtime = remaining /
 *    the link's bandwidth now + SIM_SWITCHOVER_MS (the device state and
 *    the destination's resume), and the run's time ends when it is over
 *    (the guest runs on the destination: libvirt's job ends there, and so
 *    does the lab's time), not at the stop; else ram_save_iterate sends until the
 *    bitmap is empty or SIM_MAX_WAIT_MS have passed, and the next check
 *    follows at once.  So the tail's passes shrink with what they send
 *    (a pass of R bytes takes R / B, not a fixed period), and each pass
 *    lets the guest dirty more: a smaller max downtime costs more of them.
 *    threshold_size = bandwidth x max downtime is recomputed only when a
 *    window of >= SIM_BUFFER_DELAY_MS has passed (migration_update_counters),
 *    the bandwidth measured over that window (0 before the first): a link
 *    that slows keeps the faster window's threshold for a while.  No
 *    max-bandwidth rate limit (libvirt's default): the link paces sending;
 *    while the link is down the thread blocks in its write, the guest
 *    dirties on (a silent drop's behaviour: a reset, the lab's `link
 *    cut`, would fail a pre-copy job, the guest staying on the source; not
 *    modelled);
 *  - auto-converge QEMU's way (migration_bitmap_sync): a page dirtied
 *    counts once it is newly set in the bitmap at a sync (not while it is
 *    still unsent: num_dirty_pages_period); at a sync more than 1 s after
 *    the period began, newly dirty > 50 % of sent counts a hit, the second
 *    hit throttles (initial, then + increment, <= 99 %).  The samples'
 *    dirty rate is QEMU's dirty-pages-rate, from the same count once a
 *    period, which for a hot set re-dirtied faster than it is sent
 *    measures about the bandwidth;
 *  - post-copy: the source stops (SIM_POSTCOPY_SWITCH_MS of downtime), the
 *    guest runs on the destination, no more dirtying on the source, the
 *    rest is sent once.  A link cut (the lab's `link cut`: a reset) while
 *    in post-copy breaks it: QEMU 7.2 goes to postcopy-paused, libvirt
 *    fails the job, the guest is paused with its memory split.  A policy
 *    that recovers (pc_recover_ms > 0: ferry, compute/monitor.c's
 *    worker_postcopy_recover) probes the link with backoff (250 ms
 *    doubling to 5 s, common/util.h) and resumes (POSTCOPY_RESUME) at the
 *    first probe that finds it back, within its postcopy_recover_timeout,
 *    else the guest is lost (paused on neither host whole); the others
 *    (nova, kubevirt, ovirt: migration-control.md) lose it at the break.
 *    The pause counts as downtime (downtime_ms, and pc_paused_ms alone);
 *  - pause (force-complete without post-copy): dirtying stops, the guest
 *    is down until the copy completes (and SIM_SWITCHOVER_MS more).
 * Every 500 ms a policy gets a sample with virt_job_stats' fields (the
 * worker's struct pf_sample; memory_bps is QEMU's last window's measure),
 * and iteration-driven policies also see the syncs (KubeVirt's
 * MIGRATION_ITERATION event; at most one a step, the last).
 */
#ifndef FERRY_SIM_H
#define FERRY_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "compute/policy_ferry.h"

#define SIM_MIB (1024.0 * 1024.0)
#define SIM_GIB (1024.0 * SIM_MIB)
#define SIM_DT_MS 50                /* model step (the policies' clock) */
#define SIM_BUFFER_DELAY_MS 100     /* QEMU's BUFFER_DELAY: its bandwidth window */
#define SIM_MAX_WAIT_MS 50          /* ram.c's MAX_WAIT: one ram_save_iterate's sending */
#define SIM_PAGE 4096.0             /* less than a page left is nothing left */
#define SIM_SAMPLE_MS 500           /* the worker's job-statistics period */
#define SIM_POSTCOPY_SWITCH_MS 50   /* downtime of the post-copy switch (device state) */
#define SIM_QEMU_DOWNTIME_MS 300    /* QEMU's default downtime-limit */
/* The switchover's cost beyond the RAM left at the stop: the device state,
 * the destination's resume and QEMU's bandwidth estimate's error (data it
 * counts as sent still queued on the link).  QEMU's max downtime bounds
 * only that RAM (remaining / its bandwidth); the lab's downtime (QEMU's own
 * measure) exceeds it: measured - max downtime in effect at the stop, per
 * completed pre-copy run of the committed lab bench
 * (tools/bench/migration/results{,/reviewer}/lab.json): 19-75 ms in 16 of
 * 27 runs (median 34, mean 45; 75 at 16 MiB/s, 59-68 at 32 for nearly idle
 * guests), the rest below the limit (the RAM left under it); a calm guest
 * at 48 MiB/s measured 34 ms in all; the run at f94eaf1 measured up to 96
 * ms above the limit at 16 MiB/s, 68 at 32.  The model takes 50 ms, about
 * the mean; the ferry policy keeps more from QEMU's max downtime
 * (policy_ferry.c's reserve_ms: 60 ms and 1 MiB at the bandwidth, 70 at 1
 * Gbit/s), for the spread and the slower links, which the model leaves
 * out.  Both the model's downtime and the physics rule (sim_case_possible)
 * count it. */
#define SIM_SWITCHOVER_MS 50
#define SIM_AC_INITIAL 20           /* QEMU's cpu-throttle-initial */
#define SIM_AC_INCREMENT 10         /* QEMU's cpu-throttle-increment */
#define SIM_TEXT 160

/* How the guest dirties memory: paced (rate=, a timer drives it: the
 * throttle bites only past 50 %) or CPU-bound (spin=, it follows the CPU
 * share). */
enum sim_kind { SIM_PACED, SIM_SPIN };

/* The link's shape around its cap (sim_link), by 500 ms sample period k:
 * steady; wobbling (+-5 %: link x (1 + 0.05 sin k), steady enough for
 * post-copy); gappy (25 % and 175 % of it in turn, never steady). */
enum sim_shape { SIM_STEADY, SIM_WOBBLE, SIM_GAPPY };

/* Where the guest's writes fall in its working set: at random (real
 * guests' scattered writes: the grid's), or walking it in address order,
 * round-robin (the lab's guest, tools/lab/guest/dirtier.c: more distinct
 * pages per second, min(D, W), hence larger hot sets). */
enum sim_pattern { SIM_RANDOM, SIM_SEQ };

/* One case: a line of a scenario file (see README "Simulator"). */
struct sim_case {
    char name[SIM_TEXT];
    double ram;                     /* bytes */
    enum sim_kind kind;
    enum sim_pattern pattern;
    double rate;                    /* D: distinct bytes/s at throttle 0 */
    double wss;                     /* W: writable working set, bytes */
    double link;                    /* bytes/s */
    int budget_ms;                  /* max downtime allowed */
    bool post_copy, auto_converge;  /* permissions */
    int reps;                       /* lab repetitions (the simulator is deterministic) */
    double cut_at_s, cut_for_s;     /* a link cut, 0: none */
    enum sim_shape shape;           /* the link's shape ... */
    double shape_for_s;             /* ... for its first seconds, then steady; 0: throughout */
};

enum sim_end {
    SIM_RUNNING,
    SIM_COMPLETED,                  /* stop-and-copy */
    SIM_POSTCOPY_DONE,              /* completed through post-copy */
    SIM_POSTCOPY_RESUMED,           /* completed through post-copy, resumed after a break */
    SIM_PAUSED_DONE,                /* completed with the guest paused */
    SIM_ABORTED,                    /* the policy cancelled it: the guest stays on the source */
    SIM_REFUSED,                    /* the policy refused to start */
    SIM_LOST,                       /* the link failed during post-copy, not resumed */
    SIM_HORIZON,                    /* still running when the simulation stopped */
};

/* A walking guest's working set page by page (pattern seq, W up to
 * SIM_WALK_MAX_PAGES): QEMU's migration bitmap over W, the guest's dirty
 * log since the last sync, the guest's and the sender's positions.  The
 * lab's guest walks W from 4 MiB up (dirtier.c's WS_BASE) and QEMU sends
 * in address order, so which pages the sender finds dirty depends on
 * where both are, not on an average overlap. */
#define SIM_WS_BASE (4 * SIM_MIB)
#define SIM_WALK_MAX_PAGES 262144   /* 1 GiB of W; larger walks: the average model */
#define SIM_WALK_SLICE_MS 2.0       /* the guest and the sender interleave at this grain */
struct sim_walk {
    bool on;
    int64_t pages;                  /* W / SIM_PAGE */
    int64_t dirty_n, log_n;         /* pages set in each bitmap */
    int64_t guest;                  /* the next page the guest writes */
    double guest_credit;            /* pages the guest owes (fractions carried) */
    double pos;                     /* the sender's position in RAM, bytes */
    double credit;                  /* bytes the sender may still send in W */
    double cold_before, cold_after; /* unsent never-dirtied bytes below / above W */
    uint64_t dirty[SIM_WALK_MAX_PAGES / 64], log[SIM_WALK_MAX_PAGES / 64];
};

/* QEMU's state and the outcome. */
struct sim_qemu {
    const struct sim_case *c;
    int64_t t_ms;
    double remaining, processed, dirt, sent;   /* remaining = cold + hot */
    double cold, hot;               /* unsent pages outside / inside the working set */
    double ac_dirt, ac_sent;        /* newly dirty (at syncs) and sent bytes this period */
    double period_ms;               /* when migration_bitmap_sync's period began */
    double last_sync_ms;            /* when the last bitmap sync happened */
    int64_t pause_ms;
    double now_ms;                  /* QEMU's clock inside a step */
    double iter_left_ms;            /* of the running ram_save_iterate; <= 0: check next */
    double win_start_ms, win_bytes; /* migration_update_counters' window */
    double threshold;               /* threshold_size, bytes */
    double mbps;                    /* the last window's bandwidth, bytes/s */
    int64_t pc_recover_ms;          /* post-copy: how long the policy resumes a break, 0: not */
    int64_t pc_broke_ms;            /* post-copy: when it broke, -1: running */
    int64_t pc_next_try_ms, pc_backoff_ms;  /* the policy's next probe, its backoff */
    double pc_paused_ms;            /* post-copy: the guest paused by breaks, in all */
    double qemu_dirty;              /* the dirty rate at the last sync, bytes/s */
    int64_t iteration;
    int throttle, hits, limit_ms;
    bool ac, pc_enabled;            /* capabilities at start */
    int ac_initial, ac_increment;
    bool postcopy, paused;
    int64_t iter3_ms;               /* when iteration 3 began (two hot sets after the bulk pass) */
    bool synced;                    /* a sync happened in the last step */
    struct sim_walk walk;           /* pattern seq: W page by page */
    enum sim_end end;
    double stop_ms;                 /* pre-copy: when QEMU stopped the guest (the stop-and-copy) */
    int64_t end_ms;                 /* when it ended: a completion when the destination runs */
    double downtime_ms;
};

/* What a policy asks of QEMU. */
enum sim_cmd { SIM_CMD_NONE, SIM_CMD_DOWNTIME, SIM_CMD_POSTCOPY, SIM_CMD_PAUSE,
               SIM_CMD_ABORT };

/* The guest's link bandwidth at q->t_ms (bytes/s): the cap in its shape,
 * 0 during a cut. */
double sim_link(const struct sim_qemu *q);

/* A fresh migration of c with the capabilities a policy chose; a policy
 * that resumes a broken post-copy sets pc_recover_ms after it. */
void sim_qemu_init(struct sim_qemu *q, const struct sim_case *c, bool post_copy, bool ac,
                   int ac_initial, int ac_increment, int limit_ms);

/* One SIM_DT_MS step. */
void sim_qemu_step(struct sim_qemu *q);

/* The job statistics now, as the worker reads them. */
void sim_qemu_sample(const struct sim_qemu *q, struct pf_sample *s);

/* Apply a policy's command (downtime in ms for SIM_CMD_DOWNTIME). */
void sim_qemu_apply(struct sim_qemu *q, enum sim_cmd cmd, int downtime_ms);

/* The guest's dirty rate under a throttle (bytes/s). */
double sim_rate_at(const struct sim_case *c, int throttle_pct);

/* Distinct bytes that random writes at rate (bytes/s) dirty in dt_s among
 * clean bytes: clean (1 - exp(-rate dt / clean)). */
double sim_distinct(double clean, double rate, double dt_s);

/* Distinct bytes c's guest dirties in dt_s at rate (bytes/s) among the
 * clean bytes of its working set, in its pattern: sim_distinct at random,
 * min(clean, rate dt) walking (the walk reaches a clean page at every
 * write until it has gone round). */
double sim_dirtied(const struct sim_case *c, double clean, double rate, double dt_s);

/* Can this case succeed at all (physics, issue 16)?  Yes with post-copy
 * allowed; without, iff plateau / B + SIM_SWITCHOVER_MS <= budget, the
 * plateau being W max(0, 1 - B / Dmin) at the lowest dirty rate Dmin its
 * throttle can reach (D without auto-converge). */
bool sim_case_possible(const struct sim_case *c);

/* ---- policies (main.c drives them, peers.c has the peers) ---------------------------- */

/* A policy's per-run state; its start may refuse (returns false, why). */
struct sim_policy;
struct sim_run {
    const struct sim_policy *p;
    const struct sim_case *c;
    struct sim_qemu q;
    int64_t decided_ms;             /* abort / refusal / post-copy switch / pause, -1: none */
    char why[PF_TEXT];
    unsigned char state[8192];      /* the policy's own state */
};

struct sim_policy {
    const char *name;
    /* choose capabilities, start QEMU with sim_qemu_init; false: refused */
    bool (*start)(struct sim_run *r);
    /* every SIM_SAMPLE_MS */
    void (*sample)(struct sim_run *r, const struct pf_sample *s);
    /* at every bitmap sync (NULL: not iteration-driven) */
    void (*iteration)(struct sim_run *r);
    /* from the request to a refusal: ferry's forecast measures the dirty
     * rate first (PF_DIRTY_PERIOD_S); a start takes the rate its host
     * measured in the background (compute/rates.c), at once */
    int lead_ms;
};

/* Record a policy's command on the run (and its decision time). */
void sim_run_cmd(struct sim_run *r, enum sim_cmd cmd, int downtime_ms, const char *why);

extern const struct sim_policy sim_kubevirt, sim_ovirt, sim_proxmox;

#endif
