/* steer_ferry.c - the ferry policy against the hypervisor and the database
 * (see steer_ferry.h). */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "common/auto.h"
#include "common/log.h"
#include "common/util.h"
#include "compute/steer_ferry.h"
#include "db/db_instance.h"
#include "db/db_steer.h"

#define MIB (1024 * 1024)
#define STEER_DEFAULT_LINK_MIB 1024

int64_t
steer_link_bps(const struct cfg *cfg)
{
    int64_t mib = cfg->link_bandwidth_mib > 0 ? cfg->link_bandwidth_mib
                  : cfg->lm_bandwidth > 0     ? cfg->lm_bandwidth
                                              : STEER_DEFAULT_LINK_MIB;

    if (cfg->lm_bandwidth > 0 && cfg->lm_bandwidth < mib)
        mib = cfg->lm_bandwidth;
    return mib * MIB;
}

void
steer_event(struct steer *s, const char *text)
{
    if (!text || !*text)
        return;
    log_info("ferry policy mig=%d: %s", s->mig_id, text);
    compute_event_start(s->db, s->uuid, s->request_id, STEER_EVENT, s->c->host);
    compute_event_finish(s->db, s->uuid, s->request_id, STEER_EVENT, true, text);
}

static const char *const steer_verdicts[] = {
    [PF_START] = "start", [PF_QUEUE] = "queue", [PF_REFUSE] = "refuse",
};

/* The forecast as recorded on the row (and served by Ferry's route). */
static void
steer_record_forecast(struct steer *s, const struct pf_guest *g, const struct pf_measure *m,
                      const struct pf_forecast *fc)
{
    struct err err = ERR_INIT;
    AUTOFREE char *text = NULL;
    json_t *o = json_pack("{s:s,s:i,s:b,s:b,s:i,s:i,s:i,s:I,s:I,s:i,s:I,s:I,s:I,s:i,s:I,s:s}",
                          "verdict", steer_verdicts[fc->verdict], "expected_step",
                          (int)fc->expected, "post_copy", fc->post_copy, "auto_converge",
                          fc->auto_converge, "auto_converge_initial", fc->ac_initial,
                          "auto_converge_increment", fc->ac_increment, "start_downtime_ms",
                          fc->start_downtime_ms, "bandwidth_bps", (json_int_t)fc->bw_bps,
                          "dirty_rate_bps", (json_int_t)fc->dirty_bps, "dirty_period_s",
                          m->dirty_period_s, "hot_set_bytes", (json_int_t)fc->hot_bytes,
                          "link_bps", (json_int_t)m->link_bps, "link_used_bps",
                          (json_int_t)m->link_used_bps, "budget_ms", g->budget_ms,
                          "ram_bytes", (json_int_t)g->ram_bytes, "why", fc->text);

    json_object_set_new(o, "disk_bytes", json_integer(g->disk_bytes));
    json_object_set_new(o, "dirty_rate_age_ms",
                        s->rate_age_ms < 0 ? json_null() : json_integer(s->rate_age_ms));
    json_object_set_new(o, "eta_ms", fc->eta_ms < 0 ? json_null() : json_integer(fc->eta_ms));
    json_object_set_new(o, "predicted_downtime_ms",
                        fc->verdict == PF_REFUSE ? json_null() : json_integer(fc->downtime_ms));
    text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (db_mig_record_forecast(s->db, s->mig_id, text, &err) < 0)
        log_warnx("forecast not recorded mig=%d: %s", s->mig_id, err.msg);
}

/* The resolution of m's rate, measured by the driver's method over m's
 * period (the background's is the same driver's). */
static void
steer_step(const struct steer *s, struct pf_measure *m)
{
    m->dirty_step_bps = m->dirty_period_s > 0 ?
        s->c->drv->dirty_rate_step / m->dirty_period_s : s->c->drv->dirty_rate_step;
}

/* The guest's dirty rate, true when measured; 0 when it cannot run
 * (paused: exact) or cannot be measured (logged: the job's own statistics
 * correct it; admission judges it as a reading under the step). */
static bool
steer_measure(struct steer *s, bool paused, struct pf_measure *m)
{
    struct virt_dirty_rate dr;
    struct err err = ERR_INIT;
    bool measured = false;

    m->dirty_bps = 0;
    m->dirty_period_s = PF_DIRTY_PERIOD_S;
    m->dirty_step_bps = 0;
    if (paused)
        return false;
    if (s->c->drv->dirty_rate(s->v, s->uuid, PF_DIRTY_PERIOD_S, &dr, &err) < 0) {
        log_warnx("dirty rate not measured mig=%d (read as 0, under the measurement's step): "
                  "%s", s->mig_id, err.msg);
    } else {
        m->dirty_bps = dr.bytes_per_s;
        m->dirty_period_s = dr.period_s;
        measured = true;
    }
    steer_step(s, m);
    return measured;
}

/* The dirty rate measured in the background (rates.c), when it ended at
 * most STEER_RATE_AGE_INTERVALS x [ferry] dirty_rate_interval ago: true and
 * *m with its age. */
static bool
steer_recorded(struct steer *s, struct pf_measure *m)
{
    struct db_dirty_rate dr;
    struct err err = ERR_INIT;
    int max_age_ms = STEER_RATE_AGE_INTERVALS * s->c->cfg->dirty_rate_interval * 1000;
    int rc;

    if (max_age_ms <= 0)
        return false;
    rc = db_instance_dirty_rate(s->db, s->uuid, max_age_ms, &dr, &err);
    if (rc < 0)
        log_warnx("recorded dirty rate not read mig=%d (measuring): %s", s->mig_id, err.msg);
    if (rc <= 0 || dr.period_s <= 0)
        return false;
    m->dirty_bps = dr.bps;
    m->dirty_period_s = dr.period_s;
    m->age_ms = dr.age_ms > 0 ? dr.age_ms : 1;
    steer_step(s, m);
    return true;
}

/* pf_admit on m's rate, counted at no less than queued_bps, the rate that
 * queued the row (0 for a new one): a row queued at a rate starts when what
 * is left carries that rate, as one 1 s page sample can read a small
 * guest's rate low (a 4 MiB/s guest of 64 MiB read 0 and started on a full
 * link). */
static void
steer_forecast(const struct pf_guest *g, struct pf_measure *m, int64_t queued_bps,
               struct pf_forecast *fc)
{
    if (queued_bps > m->dirty_bps)
        m->dirty_bps = queued_bps;
    pf_admit(g, m, fc);
}

/* A refusal is final, and one sampled reading can be high by chance (2 MiB
 * a sampled page: a guest dirtying 4 MiB/s reads 14 one time in 200): the
 * guest is measured once more and judged on the lower of the two. */
static void
steer_confirm_refusal(struct steer *s, const struct pf_guest *g, struct pf_measure *m,
                      int64_t queued_bps, struct pf_forecast *fc)
{
    struct pf_measure again = *m;

    if (fc->verdict != PF_REFUSE || !steer_measure(s, false, &again))
        return;
    log_info("ferry forecast mig=%d refuses on %lld B/s: measured again, %lld B/s", s->mig_id,
             (long long)m->dirty_bps, (long long)again.dirty_bps);
    if (again.dirty_bps >= m->dirty_bps)
        return;
    *m = again;
    steer_forecast(g, m, queued_bps, fc);
}

int
steer_admit(struct steer *s, const struct mig_opts *o, int64_t ram_bytes, bool paused,
            struct virt_mig_params *p, struct pf_forecast *fc, struct err *err)
{
    struct pf_guest g = { .ram_bytes = ram_bytes, .disk_bytes = s->disk_bytes,
                          .budget_ms = o->max_downtime_ms,
                          .post_copy = o->post_copy && !paused,
                          .auto_converge = o->auto_converge };
    struct pf_measure m = { .link_bps = steer_link_bps(s->c->cfg) };
    bool recorded = false;
    int64_t queued_bps;

    if (db_mig_link_used(s->db, s->mig_id, s->c->host, &m.link_used_bps, err) < 0 ||
        db_mig_queued_dirty_rate(s->db, s->mig_id, &queued_bps, err) < 0)
        return -1;
    /* a recent background measure starts it at once; a verdict other than
     * start (a refusal, a queue) is only ever given on a measure made now */
    if (!paused && steer_recorded(s, &m)) {
        steer_forecast(&g, &m, queued_bps, fc);
        recorded = fc->verdict == PF_START;
    }
    if (!recorded) {
        bool measured;

        m.age_ms = 0;
        measured = steer_measure(s, paused, &m);
        steer_forecast(&g, &m, queued_bps, fc);
        if (measured)
            steer_confirm_refusal(s, &g, &m, queued_bps, fc);
    }
    s->rate_age_ms = recorded ? m.age_ms : -1;
    log_info("ferry forecast mig=%d verdict=%s dirty_bps=%lld dirty_rate=%s link_bps=%lld "
             "used_bps=%lld ram=%lld disk=%lld budget_ms=%d", s->mig_id,
             steer_verdicts[fc->verdict], (long long)m.dirty_bps,
             recorded ? "recorded" : paused ? "none" : "measured", (long long)m.link_bps,
             (long long)m.link_used_bps, (long long)ram_bytes, (long long)g.disk_bytes,
             g.budget_ms);
    steer_record_forecast(s, &g, &m, fc);
    if (fc->verdict != PF_START)
        return 0;
    pf_start(&s->st, &g, fc);
    p->flags &= ~(unsigned)(VIRT_MIG_POSTCOPY | VIRT_MIG_AUTO_CONVERGE);
    p->auto_converge_initial = 0;
    p->auto_converge_increment = 0;
    if (fc->post_copy)
        p->flags |= VIRT_MIG_POSTCOPY;
    if (fc->auto_converge) {
        p->flags |= VIRT_MIG_AUTO_CONVERGE;
        p->auto_converge_initial = fc->ac_initial;
        p->auto_converge_increment = fc->ac_increment;
    }
    steer_event(s, fc->text);
    return 0;
}

int
steer_attach(struct steer *s, const struct mig_opts *o, int64_t ram_bytes, bool post_copy,
             struct err *err)
{
    struct virt_mig_params p = { 0 };
    struct pf_forecast fc;

    /* not measured: QEMU's dirty-rate calculation does not run beside a
     * migration (libvirt waits out its timeout); the job's own statistics
     * give the dirty rate from the first sample on */
    if (steer_admit(s, o, ram_bytes, true, &p, &fc, err) < 0)
        return -1;
    if (fc.verdict != PF_START) {
        struct pf_guest g = { .ram_bytes = ram_bytes, .disk_bytes = s->disk_bytes,
                              .budget_ms = o->max_downtime_ms, .post_copy = o->post_copy,
                              .auto_converge = o->auto_converge };

        pf_start(&s->st, &g, &fc);
    }
    s->st.post_copy_active = post_copy;
    s->job_seen = true;             /* the job keeps the max downtime it has */
    return 0;
}

/* What the tick decided that is recorded, not carried out by the worker. */
static void
steer_record(struct steer *s, const struct pf_action *a)
{
    struct err err = ERR_INIT;

    if (a->new_iter) {
        struct db_mig_iter it = { .iteration = a->iter.iteration,
                                  .start_ms = a->iter.start_ms,
                                  .remaining_bytes = a->iter.remaining,
                                  .dirty_rate_bps = a->iter.dirty_bps,
                                  .bandwidth_bps = a->iter.bw_bps,
                                  .throttle_pct = a->iter.throttle_pct,
                                  .max_downtime_ms = a->iter.max_downtime_ms };

        if (db_mig_iter_add(s->db, s->mig_id, &it, &err) < 0)
            log_warnx("iteration not recorded mig=%d: %s", s->mig_id, err.msg);
        err_clear(&err);
    }
    if ((int)s->st.step > s->step_recorded) {
        if (db_mig_record_step(s->db, s->mig_id, (int)s->st.step, &err) < 0)
            log_warnx("step not recorded mig=%d: %s", s->mig_id, err.msg);
        else
            s->step_recorded = (int)s->st.step;
    }
    steer_event(s, a->text);
}

/* The max downtime to set: the forecast's once the job runs, then the
 * ladder's.  A failure is logged; the next decision sets it again. */
static void
steer_set_downtime(struct steer *s, int ms)
{
    struct err err = ERR_INIT;

    if (s->c->drv->set_max_downtime(s->v, s->uuid, (uint64_t)ms, &err) < 0)
        log_warnx("max downtime %d ms not set mig=%d: %s", ms, s->mig_id, err.msg);
}

void
steer_tick(struct steer *s, const struct virt_job_stats *js, struct pf_action *out)
{
    struct pf_sample smp = { .elapsed_ms = js->time_elapsed_ms, .mem_total = js->mem_total,
                             .mem_processed = js->mem_processed,
                             .mem_remaining = js->mem_remaining, .mem_bps = js->mem_bps,
                             .mem_dirty_rate = js->mem_dirty_rate,
                             .disk_remaining = js->disk_remaining,
                             .iteration = js->mem_iteration,
                             .throttle_pct = js->auto_converge_throttle };

    if (!s->job_seen) {
        s->job_seen = true;
        steer_set_downtime(s, s->st.downtime_ms);
    }
    pf_tick(&s->st, &smp, out);
    if (out->act == PF_ACT_SET_DOWNTIME)
        steer_set_downtime(s, out->downtime_ms);
    steer_record(s, out);
}

void
steer_force_complete(struct steer *s, struct pf_action *out)
{
    pf_force_complete(&s->st, out);
    steer_record(s, out);
}
