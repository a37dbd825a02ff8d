/* monitor.c - a running migration's monitor loop, on the source.
 *
 * Every sample_interval_ms while the job runs (Nova's monitor, in its
 * libvirt driver): the job's statistics (kept in migration_samples), the
 * operator's abort and force-complete (columns of the row), and the policy:
 * Nova's (policy.c: downtime steps, the completion timeout and its action)
 * or ferry's ladder (steer_ferry.c over policy_ferry.c).  Nova's counters
 * are saved every live_migration_monitor_interval.  The phases before and
 * after (prepare, perform, finish) are worker.c's.
 *
 * Where to tune the migration policy: worker_tick() calls it; what it
 * decides is carried out by worker_force_complete() and worker_abort().
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "compute/worker_int.h"

/* Nova's force-complete: post-copy when permitted, else pause the guest
 * until the copy converges (resumed if the migration fails). */
static void
worker_force_complete(struct worker *w, const char *why)
{
    struct err err = ERR_INIT;

    /* a failed attempt is tried again at the next sample, as Nova's monitor
     * re-checks at every tick */
    if (w->m.status == MIG_POSTCOPY) {
        w->force_sent = true;
        return;
    }
    if (w->pol.post_copy) {
        if (w->c->drv->start_postcopy(w->v, w->m.instance_uuid, &err) < 0) {
            log_warnx("switch to post-copy failed mig=%d (tried again): %s", w->m.id, err.msg);
            return;
        }
        w->force_sent = true;
        w->pst.post_copy_active = true;
        log_info("switched to post-copy mig=%d why=%s", w->m.id, why);
        worker_transition(w, MIG_POSTCOPY, NULL);
        return;
    }
    if (w->c->drv->suspend(w->v, w->m.instance_uuid, &err) < 0) {
        log_warnx("pausing the guest failed mig=%d (tried again): %s", w->m.id, err.msg);
        return;
    }
    w->force_sent = true;
    w->paused_by_us = true;
    log_info("guest paused to complete the migration mig=%d why=%s", w->m.id, why);
}

/* Abort the job; a failed attempt is tried again at the next sample. */
static void
worker_abort(struct worker *w, const char *reason)
{
    struct err err = ERR_INIT;

    if (w->c->drv->abort_job(w->v, w->m.instance_uuid, &err) < 0) {
        log_warnx("abort failed mig=%d (tried again): %s", w->m.id, err.msg);
        return;
    }
    w->abort_sent = true;
    strlcpy0(w->abort_reason, reason, sizeof(w->abort_reason));
    log_info("migration job aborted mig=%d reason=\"%s\"", w->m.id, reason);
    /* the API's abort event, if a user asked (Nova's compute finishes it
     * once the job is told to stop) */
    compute_event_finish_open(w->db, w->m.instance_uuid, "compute_live_migration_abort", true,
                              NULL);
}

void
worker_save(struct worker *w, int64_t now)
{
    struct db_mig_progress p;
    struct err err = ERR_INIT;

    p.memory_total = w->last.mem_total;
    p.memory_processed = w->last.mem_processed;
    p.memory_remaining = w->last.mem_remaining;
    p.disk_total = w->last.disk_total;
    p.disk_processed = w->last.disk_processed;
    p.disk_remaining = w->last.disk_remaining;
    p.progress = policy_progress(w->last.mem_total, w->last.mem_remaining);
    if (db_mig_save_progress(w->db, w->m.id, &p, &err) < 0)
        log_warnx("saving progress failed mig=%d: %s", w->m.id, err.msg);
    else
        w->last_save_ms = now;
}

/* Keep the sample (migration_samples); a failure costs one sample only. */
static void
worker_sample(struct worker *w, const struct virt_job_stats *js)
{
    struct db_mig_sample smp;
    struct err err = ERR_INIT;

    smp.seq = w->seq++;
    smp.elapsed_ms = js->time_elapsed_ms;
    smp.memory_total = js->mem_total;
    smp.memory_processed = js->mem_processed;
    smp.memory_remaining = js->mem_remaining;
    smp.disk_total = js->disk_total;
    smp.disk_processed = js->disk_processed;
    smp.disk_remaining = js->disk_remaining;
    smp.bandwidth_bps = js->mem_bps;
    smp.dirty_rate_bps = js->mem_dirty_rate;
    smp.iteration = (int)js->mem_iteration;
    smp.throttle_pct = js->auto_converge_throttle;
    smp.max_downtime_ms = w->sf ? w->sf->st.downtime_ms : w->pst.downtime_ms;
    if (db_mig_sample_add(w->db, w->m.id, &smp, &err) < 0)
        log_debug("sample not kept mig=%d: %s", w->m.id, err.msg);
}

static void worker_tick_nova(struct worker *w, int64_t start_ms, int64_t now);
static void worker_tick_ferry(struct worker *w, const struct virt_job_stats *js);

/* One sample: stats, requests from the API, the policy. */
static void
worker_tick(struct worker *w, int64_t start_ms)
{
    struct virt_job_stats js;
    struct err err = ERR_INIT;
    int64_t now = now_ms();

    if (w->c->drv->job_stats(w->v, w->m.instance_uuid, false, &js, &err) < 0) {
        worker_virt_reopen(w, &err);
        return;
    }
    if (js.type != VIRT_JOB_UNBOUNDED)
        return;
    w->last = js;
    if (worker_abort_requested(w) && !w->abort_sent) {
        char why[300];

        snprintf(why, sizeof(why), "aborted by %s", w->m.abort_requested_by);
        if (w->m.status == MIG_POSTCOPY) {
            /* the guest already runs on the destination: nothing to go
             * back to (the API refuses this; a race can still get here) */
            log_warnx("abort refused in post-copy mig=%d", w->m.id);
            compute_event_finish_open(w->db, w->m.instance_uuid, "compute_live_migration_abort",
                                      false,
                                      "the migration is in post-copy and cannot be aborted");
            w->abort_sent = true;
            w->abort_reason[0] = '\0';
        } else {
            worker_abort(w, why);
        }
    }
    if (w->sf)
        worker_tick_ferry(w, &js);
    else
        worker_tick_nova(w, start_ms, now);
    worker_sample(w, &js);
    /* Nova saves every live_migration_monitor_interval; libvirt reports
     * zeros for the job's first second or two, which are not worth saving */
    if (js.mem_total > 0 &&
        now - w->last_save_ms >= (int64_t)w->c->cfg->lm_monitor_interval * 1000)
        worker_save(w, now);
}

/* Nova's policy: force-complete, downtime steps, the completion timeout. */
static void
worker_tick_nova(struct worker *w, int64_t start_ms, int64_t now)
{
    struct policy_action act;
    struct err err = ERR_INIT;

    if (w->m.force_complete_requested && !w->force_sent)
        worker_force_complete(w, "requested");
    policy_tick(&w->pol, &w->pst, now - start_ms, &act);
    if (act.set_downtime_ms > 0 &&
        w->c->drv->set_max_downtime(w->v, w->m.instance_uuid, (uint64_t)act.set_downtime_ms,
                                    &err) == 0)
        log_debug("max downtime set mig=%d ms=%d", w->m.id, act.set_downtime_ms);
    /* the policy's verdict, carried out (and tried again at the next sample
     * while libvirt refuses it) */
    w->timeout_abort |= act.abort;
    w->timeout_force |= act.force_complete;
    if (w->timeout_abort) {
        char why[200];

        snprintf(why, sizeof(why), "live_migration_completion_timeout reached after %lld s",
                 (long long)((now - start_ms) / 1000));
        if (!w->abort_sent)
            worker_abort(w, why);
        w->timeout_abort = !w->abort_sent;
    }
    if (w->timeout_force) {
        if (!w->force_sent)
            worker_force_complete(w, "completion timeout");
        w->timeout_force = !w->force_sent;
    }
}

/* The ferry policy (steer_ferry.c): an operator's force-complete, then the
 * ladder; post-copy, pause and abort are carried out here, the rest there. */
static void
worker_tick_ferry(struct worker *w, const struct virt_job_stats *js)
{
    struct pf_action act;

    if (w->m.force_complete_requested && !w->force_sent) {
        steer_force_complete(w->sf, &act);
        worker_force_complete(w, "requested");
    }
    if (w->abort_sent)
        return;
    steer_tick(w->sf, js, &act);
    if (act.act == PF_ACT_POSTCOPY && !w->force_sent)
        worker_force_complete(w, "ferry policy: post-copy");
    else if (act.act == PF_ACT_PAUSE && !w->force_sent)
        worker_force_complete(w, "ferry policy: pause");
    else if (act.act == PF_ACT_ABORT)
        worker_abort(w, act.text);
}

/* Is the job still going?  (attached workers have no perform thread) */
static bool
worker_job_running(struct worker *w)
{
    struct virt_job_stats js;
    struct err err = ERR_INIT;

    if (!w->attach)
        return !atomic_load(&w->done);
    if (w->c->drv->job_stats(w->v, w->m.instance_uuid, false, &js, &err) == 0) {
        w->job_unknown_since_ms = 0;
        return js.type == VIRT_JOB_UNBOUNDED || js.type == VIRT_JOB_BOUNDED;
    }
    if (err.code == ERR_NOT_FOUND)
        return false;
    /* unreadable: libvirtd restarting, say.  Reconnect, and after a while
     * let the finish step read where the guest ended up (a restarted
     * libvirtd has ended the job anyway) */
    worker_virt_reopen(w, &err);
    if (!w->job_unknown_since_ms)
        w->job_unknown_since_ms = now_ms();
    if (now_ms() - w->job_unknown_since_ms > (int64_t)w->c->cfg->service_down_time * 1000) {
        log_warnx("job state unreadable for %d s, finishing mig=%d: %s",
                  w->c->cfg->service_down_time, w->m.id, err.msg);
        return false;
    }
    sleep_ms(200);
    return true;
}

void
worker_monitor(struct worker *w)
{
    int interval = w->c->cfg->sample_interval_ms;
    struct err err = ERR_INIT;
    int64_t start;

    /* an attached job has been running for a while: the policy's clock is
     * the job's own */
    if (w->attach && w->c->drv->job_stats(w->v, w->m.instance_uuid, false, &w->last, &err) < 0)
        memset(&w->last, 0, sizeof(w->last));
    start = now_ms() - w->last.time_elapsed_ms;
    w->last_save_ms = now_ms();
    w->seq = (int)(w->last.time_elapsed_ms / interval);   /* attached: carry on */
    /* as Nova's monitor: look first, then sleep (so step 0 of the downtime
     * schedule applies as soon as the job shows) */
    while (worker_job_running(w)) {
        worker_tick(w, start);
        for (int slept = 0; slept < interval && worker_job_running(w); slept += 50)
            sleep_ms(50);
    }
}
