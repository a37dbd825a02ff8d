/* peers.c - the peers' policies for ferry-sim, written from
 * /work/shared/docs/migration-control.md (b.2-b.4) and migration-sota.md
 * (section 3), not from their code.  Their permissions follow the case:
 * post-copy only where the case allows it, auto-converge likewise (with
 * QEMU's 20 % + 10 %: none of them sets initial/increment).
 *
 * KubeVirt (main, both alpha gates on): the downtime ramp (VEP 291: 150 ms
 *   at the first poll, then once iteration >= 3 and >= 10 s after the last
 *   bump + max(1, (maxDowntimeMs - 150) / 7), capped) and the stall detector
 *   (VEP 248) at every iteration: stall when R >= (1 - 4 %) x the smallest
 *   R older than 40 s; then act at a local minimum (R <= best x 1.04), with
 *   a patience of 40 s halving each time it relaxes best to the next
 *   smallest R seen since the stall; action: wait if R / EWMA(bw, 0.4) is
 *   beyond 2T - elapsed, else post-copy (allowWorkloadDisruption defaults to
 *   allowPostCopy), else soft stop-and-copy (max downtime = maxDowntimeMs)
 *   if the implied downtime <= 1.5 x maxDowntimeMs with a 60 s switchover
 *   deadline, else abort; at elapsed > T = 150 s x ceil(RAM / 10^9) the
 *   same tree once, else abort.  maxDowntimeMs = the case's budget.
 * oVirt (vdsm, a sample every 10 s, at most one action per sample, on an
 *   iteration advance): "Post-copy migration" (100; 1 -> 150, 2 -> 200;
 *   then post-copy, abort) where post-copy is allowed, else "Minimal
 *   downtime" (100; 1 -> 150, 2 -> 200, 3 -> 300, 4 -> 400, 6 -> 500;
 *   then abort).  The engine's bandwidth cap is left out (the link's).
 * Proxmox (QemuMigrate phase 2): downtime-limit 100 ms; a poll every 1 s;
 *   remaining larger than the last poll's (or 0) counts, more than 5 counts
 *   double the limit (<= 2,000,000 ms); no post-copy, no abort, no timeout.
 * None of them resumes a post-copy broken by a link cut (pc_recover_ms 0):
 *   KubeVirt marks the VMI failed (recovery not implemented, #15924),
 *   oVirt destroys the VM (rhbz 1354343); Nova (drive.c) neither: the guest
 *   stays paused, to be rebooted.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tools/sim/sim.h"

_Static_assert(sizeof(((struct sim_run *)0)->state) >= 8000, "policy state");

/* ---- KubeVirt -------------------------------------------------------------------------- */

#define KV_RAMP_INITIAL 150
#define KV_RAMP_STEPS 7
#define KV_RAMP_FROM_ITER 3
#define KV_RAMP_COOLDOWN_MS 10000
#define KV_STALL_MARGIN 0.04
#define KV_WINDOW_MS 40000
#define KV_EWMA 0.4
#define KV_SWITCHOVER_MS 60000
#define KV_PRECOPY_FACTOR 1.5
#define KV_TIMEOUT_PER_GB 150
#define KV_RECS 400

struct kv {
    double t_ms;                    /* completion timeout T */
    double ewma;
    int downtime;
    int64_t last_bump_ms;
    struct { int64_t t; double r; } rec[KV_RECS];   /* boundaries inside the window */
    int nrec;
    double min_outside;             /* smallest R older than the window, <0: none */
    bool stalled, at_t_done;
    double best, patience_ms;
    int64_t patience_from;
    double since[KV_RECS];          /* R seen since the stall */
    int nsince;
    int64_t deadline_ms;            /* soft stop-and-copy's, 0: none */
};

static bool
kv_start(struct sim_run *r)
{
    struct kv *k = (struct kv *)r->state;

    k->t_ms = KV_TIMEOUT_PER_GB * ceil(r->c->ram / 1e9) * 1000.0;
    k->min_outside = -1;
    k->downtime = r->c->budget_ms < 300 ? r->c->budget_ms : 300;
    sim_qemu_init(&r->q, r->c, r->c->post_copy, r->c->auto_converge, SIM_AC_INITIAL,
                  SIM_AC_INCREMENT, SIM_QEMU_DOWNTIME_MS);
    return true;
}

/* The decision at a local minimum (or at T, once). */
static void
kv_decide(struct sim_run *r, struct kv *k, double rem, bool at_t)
{
    double implied_ms = k->ewma > 0 ? rem * 1000.0 / k->ewma : 1e18;
    double left_ms = 2 * k->t_ms - (double)r->q.t_ms;
    char why[PF_TEXT];

    snprintf(why, sizeof(why), "kubevirt: %s, remaining %.1f MiB, implied %.0f ms",
             at_t ? "completion timeout" : "stalled at a local minimum", rem / SIM_MIB,
             implied_ms);
    if (implied_ms > left_ms) {
        if (at_t)
            sim_run_cmd(r, SIM_CMD_ABORT, 0, why);
        return;                     /* wait: a network dip */
    }
    if (r->c->post_copy) {
        sim_run_cmd(r, SIM_CMD_POSTCOPY, 0, why);
    } else if (implied_ms <= r->c->budget_ms * KV_PRECOPY_FACTOR) {
        if (k->deadline_ms == 0) {
            k->downtime = r->c->budget_ms;
            sim_run_cmd(r, SIM_CMD_DOWNTIME, k->downtime, NULL);
            k->deadline_ms = r->q.t_ms + KV_SWITCHOVER_MS;
        }
    } else {
        sim_run_cmd(r, SIM_CMD_ABORT, 0, why);
    }
}

/* Fold the records older than the window into min_outside. */
static void
kv_age(struct kv *k, int64_t now)
{
    int i = 0;

    while (i < k->nrec && (now - k->rec[i].t > KV_WINDOW_MS || k->nrec - i >= KV_RECS)) {
        if (k->min_outside < 0 || k->rec[i].r < k->min_outside)
            k->min_outside = k->rec[i].r;
        i++;
    }
    memmove(k->rec, k->rec + i, sizeof(k->rec[0]) * (size_t)(k->nrec - i));
    k->nrec -= i;
}

static void
kv_relax(struct kv *k)
{
    double next = -1;

    for (int i = 0; i < k->nsince; i++)
        if (k->since[i] > k->best && (next < 0 || k->since[i] < next))
            next = k->since[i];
    if (next > 0)
        k->best = next;
}

static void
kv_iteration(struct sim_run *r)
{
    struct kv *k = (struct kv *)r->state;
    double rem = r->q.remaining;
    int64_t now = r->q.t_ms;

    if (r->q.postcopy || k->deadline_ms)
        return;
    kv_age(k, now);
    k->rec[k->nrec].t = now;
    k->rec[k->nrec++].r = rem;
    if (!k->stalled) {
        if (k->min_outside < 0 || rem < k->min_outside * (1 - KV_STALL_MARGIN))
            return;
        k->stalled = true;
        k->best = k->min_outside;
        for (int i = 0; i < k->nrec; i++)
            k->best = fmin(k->best, k->rec[i].r);
        k->patience_ms = KV_WINDOW_MS;
        k->patience_from = now;
    }
    if (k->nsince < KV_RECS)
        k->since[k->nsince++] = rem;
    if (rem <= k->best * (1 + KV_STALL_MARGIN)) {
        kv_decide(r, k, rem, false);
    } else if (now - k->patience_from > k->patience_ms) {
        kv_relax(k);
        k->patience_ms *= 0.5;
        k->patience_from = now;
    }
}

static void
kv_sample(struct sim_run *r, const struct pf_sample *s)
{
    struct kv *k = (struct kv *)r->state;
    int step = (r->c->budget_ms - KV_RAMP_INITIAL) / KV_RAMP_STEPS;

    if (s->mem_bps > 0)
        k->ewma = k->ewma > 0 ? KV_EWMA * (double)s->mem_bps + (1 - KV_EWMA) * k->ewma
                              : (double)s->mem_bps;
    if (r->q.postcopy)
        return;
    if (k->deadline_ms && s->elapsed_ms > k->deadline_ms) {
        sim_run_cmd(r, SIM_CMD_ABORT, 0, "kubevirt: switchover timeout");
        return;
    }
    if (!k->at_t_done && (double)s->elapsed_ms > k->t_ms) {
        k->at_t_done = true;
        kv_decide(r, k, (double)s->mem_remaining, true);
        return;
    }
    if (k->last_bump_ms == 0) {     /* the first poll */
        k->downtime = r->c->budget_ms < KV_RAMP_INITIAL ? r->c->budget_ms : KV_RAMP_INITIAL;
        k->last_bump_ms = s->elapsed_ms;
        sim_run_cmd(r, SIM_CMD_DOWNTIME, k->downtime, NULL);
    } else if (s->iteration >= KV_RAMP_FROM_ITER && k->downtime < r->c->budget_ms &&
               s->elapsed_ms - k->last_bump_ms >= KV_RAMP_COOLDOWN_MS) {
        k->downtime += step > 1 ? step : 1;
        if (k->downtime > r->c->budget_ms)
            k->downtime = r->c->budget_ms;
        k->last_bump_ms = s->elapsed_ms;
        sim_run_cmd(r, SIM_CMD_DOWNTIME, k->downtime, NULL);
    }
}

const struct sim_policy sim_kubevirt = { "kubevirt", kv_start, kv_sample, kv_iteration, 0 };

/* ---- oVirt ---------------------------------------------------------------------------- */

#define OV_PERIOD_MS 10000
#define OV_POSTCOPY (-1)
#define OV_ABORT (-2)

struct ov_item {
    int limit;                      /* fires once iterations since base > limit; -1: last items */
    int downtime_ms;                /* or OV_POSTCOPY, OV_ABORT */
};

static const struct ov_item ov_minimal[] = {
    { 1, 150 }, { 2, 200 }, { 3, 300 }, { 4, 400 }, { 6, 500 }, { -1, OV_ABORT },
};
static const struct ov_item ov_postcopy[] = {
    { 1, 150 }, { 2, 200 }, { -1, OV_POSTCOPY }, { -1, OV_ABORT },
};

struct ov {
    const struct ov_item *items;
    int n, next;
    int64_t base, last_iter, last_sample_ms;
};

static bool
ov_start(struct sim_run *r)
{
    struct ov *o = (struct ov *)r->state;

    o->items = r->c->post_copy ? ov_postcopy : ov_minimal;
    o->n = r->c->post_copy ? 4 : 6;
    o->base = -1;
    sim_qemu_init(&r->q, r->c, r->c->post_copy, r->c->auto_converge, SIM_AC_INITIAL,
                  SIM_AC_INCREMENT, 100);
    return true;
}

static void
ov_sample(struct sim_run *r, const struct pf_sample *s)
{
    struct ov *o = (struct ov *)r->state;
    const struct ov_item *it;

    if (s->elapsed_ms - o->last_sample_ms < OV_PERIOD_MS && o->base >= 0)
        return;
    o->last_sample_ms = s->elapsed_ms;
    if (o->base < 0) {
        o->base = o->last_iter = s->iteration;
        return;
    }
    if (s->iteration <= o->last_iter || r->q.postcopy || o->next >= o->n)
        return;
    o->last_iter = s->iteration;
    it = &o->items[o->next];
    if (it->limit >= s->iteration - o->base)
        return;
    o->next++;
    if (it->downtime_ms == OV_POSTCOPY)
        sim_run_cmd(r, SIM_CMD_POSTCOPY, 0, "ovirt: post-copy (last item)");
    else if (it->downtime_ms == OV_ABORT)
        sim_run_cmd(r, SIM_CMD_ABORT, 0, "ovirt: abort (last item)");
    else
        sim_run_cmd(r, SIM_CMD_DOWNTIME, it->downtime_ms, NULL);
}

const struct sim_policy sim_ovirt = { "ovirt", ov_start, ov_sample, NULL, 0 };

/* ---- Proxmox -------------------------------------------------------------------------- */

#define PX_DOWNTIME_MS 100
#define PX_POLL_MS 1000
#define PX_MAX_MS 2000000

struct px {
    int downtime, count;
    int64_t last_poll_ms;
    double prev;
};

static bool
px_start(struct sim_run *r)
{
    struct px *x = (struct px *)r->state;

    x->downtime = PX_DOWNTIME_MS;
    x->prev = -1;
    sim_qemu_init(&r->q, r->c, false, r->c->auto_converge, SIM_AC_INITIAL, SIM_AC_INCREMENT,
                  x->downtime);
    return true;
}

static void
px_sample(struct sim_run *r, const struct pf_sample *s)
{
    struct px *x = (struct px *)r->state;
    double rem = (double)s->mem_remaining;

    if (s->elapsed_ms - x->last_poll_ms < PX_POLL_MS)
        return;
    x->last_poll_ms = s->elapsed_ms;
    if (x->prev >= 0 && (rem > x->prev || rem == 0) && ++x->count > 5) {
        x->count = 0;
        x->downtime = x->downtime * 2 > PX_MAX_MS ? PX_MAX_MS : x->downtime * 2;
        sim_run_cmd(r, SIM_CMD_DOWNTIME, x->downtime, NULL);
    }
    x->prev = rem;
}

const struct sim_policy sim_proxmox = { "proxmox", px_start, px_sample, NULL, 0 };
