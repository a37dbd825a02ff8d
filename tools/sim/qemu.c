/* qemu.c - the pre-copy model of ferry-sim (see sim.h for its rules).
 *
 * Throttle effect: the lab's measurements (tools/lab/README.md, MiB/s per
 * real second under auto-converge at 0, 20, 30 ... 90, 99 %; 10 %
 * interpolated), as a fraction of the unthrottled rate:
 *   paced `rate=200 wss=96`:  194 200 199 198 193 155 120 76 40 9
 *   CPU-bound `spin=5000`:    181 147 131 90 88 65 37 28 17 3
 */
#include <math.h>
#include <string.h>

#include "common/util.h"
#include "tools/sim/sim.h"

/* MiB/s at throttle 0, 10, ..., 90, 99 %. */
static const double throttle_table[2][11] = {
    [SIM_PACED] = { 194, 197, 200, 199, 198, 193, 155, 120, 76, 40, 9 },
    [SIM_SPIN] = { 181, 164, 147, 131, 90, 88, 65, 37, 28, 17, 3 },
};

double
sim_rate_at(const struct sim_case *c, int throttle_pct)
{
    const double *t = throttle_table[c->kind];
    double x = throttle_pct >= 90 ? 9 + (throttle_pct - 90) / 9.0 : throttle_pct / 10.0;
    int i = (int)x;
    double v = i >= 10 ? t[10] : t[i] + (t[i + 1] - t[i]) * (x - i);

    return c->rate * v / t[0];
}

double
sim_distinct(double clean, double rate, double dt_s)
{
    return clean > 0 ? clean * (1 - exp(-rate * dt_s / clean)) : 0;
}

static double
distinct_seq(double clean, double rate, double dt_s)
{
    return clean > 0 ? fmin(clean, rate * dt_s) : 0;
}

double
sim_dirtied(const struct sim_case *c, double clean, double rate, double dt_s)
{
    static double (*const by_pattern[])(double, double, double) = {
        [SIM_RANDOM] = sim_distinct, [SIM_SEQ] = distinct_seq,
    };

    return by_pattern[c->pattern](clean, rate, dt_s);
}

bool
sim_case_possible(const struct sim_case *c)
{
    double dmin = c->auto_converge ? sim_rate_at(c, 99) : c->rate;

    /* near the switch QEMU syncs at every chance, so the bitmap settles
     * where sending B clears what writes at D add to its clean part:
     * R* = W (1 - B / D); below the bandwidth it shrinks to nothing; the
     * switchover's own cost comes on top of sending it */
    return c->post_copy || c->wss * fmax(0, 1 - c->link / dmin) * 1000.0 / c->link +
                           SIM_SWITCHOVER_MS <= c->budget_ms;
}

double
sim_link(const struct sim_qemu *q)
{
    const struct sim_case *c = q->c;
    double t = (double)q->t_ms / 1000.0;
    int64_t k = q->t_ms / SIM_SAMPLE_MS;

    if (c->cut_for_s > 0 && t >= c->cut_at_s && t < c->cut_at_s + c->cut_for_s)
        return 0;
    if (c->shape_for_s > 0 && t >= c->shape_for_s)
        return c->link;
    switch (c->shape) {
    case SIM_WOBBLE:
        return c->link * (1 + 0.05 * sin((double)k));
    case SIM_GAPPY:
        return c->link * (k % 2 ? 1.75 : 0.25);
    default:
        return c->link;
    }
}

/* ---- a walking guest, page by page (sim.h's struct sim_walk) ---------------------------- */

static bool
bit_get(const uint64_t *b, int64_t i)
{
    return b[i >> 6] >> (i & 63) & 1;
}

static void
bit_set(uint64_t *b, int64_t i)
{
    b[i >> 6] |= 1ULL << (i & 63);
}

/* The first page >= i set in b (of n), or -1. */
static int64_t
bit_next(const uint64_t *b, int64_t i, int64_t n)
{
    for (; i < n; i++) {
        if (!(i & 63) && !b[i >> 6]) {
            i += 63;
            continue;
        }
        if (bit_get(b, i))
            return i;
    }
    return -1;
}

/* A walk for a seq guest whose W fits: every page dirty (the first pass),
 * the cold bytes below W (up to SIM_WS_BASE) and above it. */
static void
walk_init(struct sim_qemu *q)
{
    struct sim_walk *w = &q->walk;
    const struct sim_case *c = q->c;

    w->pages = (int64_t)(c->wss / SIM_PAGE);
    if (c->pattern != SIM_SEQ || w->pages < 1 || w->pages > SIM_WALK_MAX_PAGES)
        return;
    w->on = true;
    for (int64_t i = 0; i < w->pages; i++)
        bit_set(w->dirty, i);
    w->dirty_n = w->pages;
    q->hot = (double)w->pages * SIM_PAGE;
    q->cold = c->ram - q->hot;
    w->cold_before = fmin(SIM_WS_BASE, q->cold);
    w->cold_after = q->cold - w->cold_before;
    q->remaining = q->cold + q->hot;
}

/* The guest writes bytes' worth of pages from where it is, round W. */
static void
walk_dirty(struct sim_qemu *q, double bytes)
{
    struct sim_walk *w = &q->walk;
    int64_t n;

    w->guest_credit += bytes / SIM_PAGE;
    n = (int64_t)w->guest_credit;
    w->guest_credit -= (double)n;
    for (int64_t k = 0; k < n && k < w->pages; k++) {
        if (!bit_get(w->log, w->guest)) {
            bit_set(w->log, w->guest);
            w->log_n++;
        }
        w->guest = (w->guest + 1) % w->pages;
    }
    if (n > w->pages)
        w->guest = (w->guest + (n - w->pages)) % w->pages;
    q->dirt = (double)w->log_n * SIM_PAGE;
}

/* A sync: the log joins the bitmap; returns the pages newly set. */
static int64_t
walk_merge(struct sim_walk *w)
{
    int64_t newly = 0;

    for (int64_t k = 0; k < (w->pages + 63) / 64; k++) {
        newly += __builtin_popcountll(w->log[k] & ~w->dirty[k]);
        w->dirty[k] |= w->log[k];
        w->log[k] = 0;
    }
    w->dirty_n += newly;
    w->log_n = 0;
    return newly;
}

/* The sender's bytes in address order from where it is: the cold bytes
 * below W (once), W's dirty pages (a page once its bytes are paid), the
 * cold ones above it, then round again. */
static void
walk_send(struct sim_qemu *q, double bytes)
{
    struct sim_walk *w = &q->walk;
    double base, top;
    int64_t j;

    base = fmin(SIM_WS_BASE, q->c->ram - (double)w->pages * SIM_PAGE);
    top = base + (double)w->pages * SIM_PAGE;
    for (int guard = 0; bytes > 0 && guard < 8; ) {
        if (w->dirty_n == 0 && w->cold_before + w->cold_after <= 0)
            break;
        if (w->pos < base) {
            double take = fmin(bytes, w->cold_before);

            w->cold_before -= take, bytes -= take;
            w->pos = w->cold_before > 0 ? w->pos + take : base;
        } else if (w->pos < top) {
            j = bit_next(w->dirty, (int64_t)((w->pos - base) / SIM_PAGE), w->pages);
            if (j < 0) {
                w->pos = top;
                continue;
            }
            w->pos = base + (double)j * SIM_PAGE;
            if (bytes + w->credit < SIM_PAGE) {
                w->credit += bytes;
                break;
            }
            bytes -= SIM_PAGE - w->credit;
            w->credit = 0;
            w->dirty[j >> 6] &= ~(1ULL << (j & 63));
            w->dirty_n--;
            w->pos += SIM_PAGE;
        } else {
            double take = fmin(bytes, w->cold_after);

            w->cold_after -= take, bytes -= take;
            if (w->cold_after <= 0) {
                w->pos = 0;         /* round again: only W's pages are left */
                guard++;
            }
        }
    }
    q->cold = w->cold_before + w->cold_after;
    q->hot = (double)w->dirty_n * SIM_PAGE;
    q->remaining = q->cold + q->hot;
}

void
sim_qemu_init(struct sim_qemu *q, const struct sim_case *c, bool post_copy, bool ac,
              int ac_initial, int ac_increment, int limit_ms)
{
    memset(q, 0, sizeof(*q));
    q->c = c;
    q->remaining = c->ram;
    q->hot = c->wss;
    q->cold = c->ram - c->wss;
    q->iteration = 1;               /* QEMU's first sync is at setup */
    q->limit_ms = limit_ms;
    q->pc_enabled = post_copy;
    q->ac = ac;
    q->ac_initial = ac_initial;
    q->ac_increment = ac_increment;
    q->iter3_ms = -1;
    q->pc_broke_ms = -1;
    walk_init(q);
}

/* migration_bitmap_sync's period, once more than 1 s has passed since
 * the last: migration_trigger_throttle (the period's newly dirty bytes
 * over half its sent ones, the second time, throttles: initial, then +
 * increment, <= 99 %), and QEMU's dirty-pages-rate from the same count
 * (migration_update_rates): for a hot set re-dirtied faster than it is
 * sent, about what was sent of it, the bandwidth, whatever the guest's
 * own rate. */
static void
qemu_period(struct sim_qemu *q)
{
    double span = q->now_ms - q->period_ms;

    if (span <= 1000)
        return;
    q->qemu_dirty = q->ac_dirt * 1000.0 / span;
    if (q->ac && q->ac_dirt > 0.5 * q->ac_sent && ++q->hits >= 2) {
        q->hits = 0;
        q->throttle = q->throttle ? q->throttle + q->ac_increment : q->ac_initial;
        if (q->throttle > 99)
            q->throttle = 99;
    }
    q->ac_dirt = q->ac_sent = 0;
    q->period_ms = q->now_ms;
}

/* The dirty bitmap is a set: the pages dirtied since the last sync join the
 * working set's pages still unsent as the union of two random subsets of
 * W (a + b - ab / W); the bulk pass's cold pages are never dirtied.  Only
 * the pages newly set count as dirty for QEMU (ramblock_sync_dirty_bitmap's
 * num_dirty_pages_period: a page dirtied again before it was sent is
 * already in the bitmap). */
static void
qemu_merge(struct sim_qemu *q)
{
    double w = q->c->wss, hot = q->hot;

    if (q->walk.on) {
        q->ac_dirt += (double)walk_merge(&q->walk) * SIM_PAGE;
        q->hot = (double)q->walk.dirty_n * SIM_PAGE;
        q->dirt = 0;
        q->remaining = q->cold + q->hot;
        return;
    }
    q->hot = w > 0 ? fmin(w, q->hot + q->dirt - q->hot * q->dirt / w) : 0;
    q->ac_dirt += fmax(0, q->hot - hot);
    q->dirt = 0;
    q->remaining = q->cold + q->hot;
    if (q->remaining < SIM_PAGE)
        q->cold = q->hot = q->remaining = 0;
}

/* Stop-and-copy (migration_completion; ram_save_complete's final sync
 * merges what was dirtied since the last one): the rest over the link;
 * the run ends when the destination runs, the copy and the switchover
 * after the stop. */
static void
qemu_complete(struct sim_qemu *q, double bw)
{
    double copy_ms;

    qemu_merge(q);
    copy_ms = q->remaining * 1000.0 / bw + SIM_SWITCHOVER_MS;
    q->end = q->paused ? SIM_PAUSED_DONE : SIM_COMPLETED;
    q->stop_ms = q->now_ms;
    q->end_ms = (int64_t)ceil(q->now_ms + copy_ms);
    q->downtime_ms = copy_ms + (q->paused ? q->now_ms - (double)q->pause_ms : 0);
}

/* The bitmap sync (ram_save_pending, below the threshold): a new iteration. */
static void
qemu_sync(struct sim_qemu *q)
{
    qemu_merge(q);
    qemu_period(q);
    q->last_sync_ms = q->now_ms;
    q->sent = 0;
    q->iteration++;
    q->synced = true;
    if (q->iteration == 3)
        q->iter3_ms = q->t_ms;
}

/* migration_iteration_run: below the threshold a sync; still below it, or
 * nothing left, the stop (a paused guest stops at the first check: it
 * dirties nothing, so what is left only drains). */
static void
qemu_check(struct sim_qemu *q, double bw)
{
    if (q->paused || q->remaining < q->threshold)
        qemu_sync(q);
    if (q->paused || q->remaining <= 0 || q->remaining < q->threshold)
        qemu_complete(q, bw);
}

/* migration_update_counters: once a window of SIM_BUFFER_DELAY_MS has
 * passed, the threshold from the bandwidth it measured. */
static void
qemu_update_counters(struct sim_qemu *q)
{
    double span = q->now_ms - q->win_start_ms;

    if (span < SIM_BUFFER_DELAY_MS)
        return;
    q->mbps = q->win_bytes * 1000.0 / span;
    q->threshold = q->win_bytes / span * q->limit_ms;
    q->win_start_ms = q->now_ms;
    q->win_bytes = 0;
}

/* Send bytes in address order: the cold and the hot pages alike. */
static void
qemu_send(struct sim_qemu *q, double send)
{
    double r = q->cold + q->hot;

    if (r <= 0)
        return;
    if (q->walk.on) {
        walk_send(q, send);
    } else {
        q->cold -= send * q->cold / r;
        q->hot -= send * q->hot / r;
        q->remaining = q->cold + q->hot;
        if (q->remaining < SIM_PAGE)
            q->cold = q->hot = q->remaining = 0;
    }
    q->processed += send;
    q->sent += send;
    q->ac_sent += send;
    q->win_bytes += send;
}

/* The guest writes for dt ms (not while paused). */
static void
qemu_dirty(struct sim_qemu *q, double dt_ms)
{
    double d;

    if (q->paused || dt_ms <= 0)
        return;
    if (q->walk.on) {
        walk_dirty(q, sim_rate_at(q->c, q->throttle) * dt_ms / 1000.0);
        return;
    }
    d = sim_dirtied(q->c, q->c->wss - q->dirt, sim_rate_at(q->c, q->throttle), dt_ms / 1000.0);
    q->dirt += d;
}

/* Pre-copy over one step: the migration thread's loop (sim.h).  While the
 * link is down the thread blocks in a write (no check, no new window); it
 * returns from ram_save_iterate soon after the link is back.  A stop at
 * the step's end sends the rest at the link's bandwidth from then on. */
static void
qemu_precopy_step(struct sim_qemu *q, double bw)
{
    double end = (double)q->t_ms, dt;

    if (bw <= 0) {
        qemu_dirty(q, end - q->now_ms);
        q->now_ms = end;
        q->iter_left_ms = 0;
        return;
    }
    for (;;) {
        /* the next check follows the last ram_save_iterate at once (a
         * sample at that instant sees it done) */
        if (q->iter_left_ms <= 0 || q->remaining <= 0) {
            qemu_check(q, q->now_ms < end || sim_link(q) <= 0 ? bw : sim_link(q));
            if (q->end != SIM_RUNNING)
                return;             /* now_ms: when it stopped */
            q->iter_left_ms = SIM_MAX_WAIT_MS;
        }
        if (q->now_ms >= end)
            break;
        dt = fmin(fmin(end - q->now_ms, q->iter_left_ms), q->remaining * 1000.0 / bw);
        if (q->walk.on)
            dt = fmin(dt, SIM_WALK_SLICE_MS);
        qemu_dirty(q, dt);
        qemu_send(q, bw * dt / 1000.0);
        q->now_ms += dt;
        q->iter_left_ms -= dt;
        if (q->remaining <= 0)
            q->iter_left_ms = 0;    /* the pass ran out of pages: ram_save_iterate returns */
        if (q->iter_left_ms <= 0)
            qemu_update_counters(q);
    }
    q->now_ms = end;
}

/* Post-copy: the rest once; a cut breaks it (sim.h): the guest is paused
 * until the policy's probe finds the link back, or lost. */
static void
qemu_postcopy_step(struct sim_qemu *q, double bw)
{
    if (q->pc_broke_ms < 0 && bw <= 0) {
        q->pc_broke_ms = q->t_ms - SIM_DT_MS;
        q->pc_backoff_ms = BACKOFF_FIRST_MS;
        q->pc_next_try_ms = q->pc_broke_ms + q->pc_backoff_ms;
    }
    if (q->pc_broke_ms >= 0) {
        if (q->pc_recover_ms <= 0 || q->t_ms - q->pc_broke_ms > q->pc_recover_ms) {
            q->end = SIM_LOST;      /* neither side has the whole guest */
            q->end_ms = q->t_ms;
            return;
        }
        if (q->t_ms < q->pc_next_try_ms)
            return;
        if (bw <= 0) {
            q->pc_backoff_ms = q->pc_backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
                                                                     : q->pc_backoff_ms * 2;
            q->pc_next_try_ms = q->t_ms + q->pc_backoff_ms;
            return;
        }
        q->pc_paused_ms += (double)(q->t_ms - q->pc_broke_ms);
        q->downtime_ms += (double)(q->t_ms - q->pc_broke_ms);
        q->pc_broke_ms = -1;        /* resumed: sending from the next step */
        return;
    }
    qemu_send(q, fmin(bw * SIM_DT_MS / 1000.0, q->remaining));
    if (q->remaining <= 0) {
        q->end = q->pc_paused_ms > 0 ? SIM_POSTCOPY_RESUMED : SIM_POSTCOPY_DONE;
        q->end_ms = q->t_ms;
    }
}

void
sim_qemu_step(struct sim_qemu *q)
{
    double bw = sim_link(q);

    q->t_ms += SIM_DT_MS;
    q->synced = false;
    if (q->postcopy) {
        q->now_ms = (double)q->t_ms;
        qemu_postcopy_step(q, bw);
        return;
    }
    qemu_precopy_step(q, bw);
}

void
sim_qemu_sample(const struct sim_qemu *q, struct pf_sample *s)
{
    memset(s, 0, sizeof(*s));
    s->elapsed_ms = q->t_ms;
    s->mem_total = (int64_t)q->c->ram;
    s->mem_processed = (int64_t)q->processed;
    s->mem_remaining = (int64_t)q->remaining;
    s->mem_bps = (int64_t)(q->postcopy ? sim_link(q) : q->mbps);
    s->mem_dirty_rate = (int64_t)q->qemu_dirty;
    s->iteration = q->iteration;
    s->throttle_pct = q->throttle;
}

void
sim_qemu_apply(struct sim_qemu *q, enum sim_cmd cmd, int downtime_ms)
{
    if (q->end != SIM_RUNNING || q->postcopy)
        return;
    switch (cmd) {
    case SIM_CMD_DOWNTIME:
        q->limit_ms = downtime_ms;
        break;
    case SIM_CMD_POSTCOPY:
        if (!q->pc_enabled || q->paused)
            break;                  /* libvirt refuses: not started with POSTCOPY */
        q->postcopy = true;
        qemu_merge(q);
        q->downtime_ms = SIM_POSTCOPY_SWITCH_MS;
        break;
    case SIM_CMD_PAUSE:
        if (!q->paused) {
            q->paused = true;
            q->pause_ms = q->t_ms;
        }
        break;
    case SIM_CMD_ABORT:
        q->end = SIM_ABORTED;
        q->end_ms = q->t_ms;
        break;
    default:
        break;
    }
}
