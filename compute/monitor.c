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
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "compute/probe.h"
#include "compute/worker_int.h"
#include "db/db_hostreq.h"

#define PROBE_TIMEOUT_MS 2000

static bool worker_postcopy_watch(struct worker *w, const struct virt_job_stats *js,
                                  int64_t now);
static void worker_decision(struct worker *w, const char *text);

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

/* Did the job move a byte since the last sample (or is this the first)?
 * Records the count and when it last changed, for the two stall watches. */
static bool
worker_moved(struct worker *w, const struct virt_job_stats *js, int64_t now)
{
    int64_t moved = js->mem_processed + js->disk_processed;

    if (w->seen_ms && moved == w->seen_bytes)
        return false;
    w->seen_bytes = moved;
    w->seen_ms = now;
    return true;
}

/* Pre-copy: a job that moves no byte for precopy_stall_ms (a link gone
 * silent: QEMU would wait on it for ever) is aborted; it fails with that
 * reason, the guest running on at the source.  Not before the job reports
 * its first numbers (libvirt's first second or two are zeros). */
static void
worker_precopy_watch(struct worker *w, const struct virt_job_stats *js, int64_t now)
{
    char why[400];

    if (w->abort_sent || js->mem_total == 0 ||
        (js->mem_remaining == 0 && js->disk_remaining == 0))
        return;     /* not started, or everything sent: completing */
    if (worker_moved(w, js, now))
        return;
    if (now - w->seen_ms < w->c->cfg->precopy_stall_ms)
        return;
    snprintf(why, sizeof(why), "the migration link to %s went silent: no byte moved for %lld "
             "ms ([ferry] precopy_stall_ms); aborted, the guest runs on at %s", w->m.dest_compute,
             (long long)(now - w->seen_ms), w->m.source_compute);
    worker_abort(w, why);
    if (w->abort_sent) {
        w->stalled = true;
        worker_decision(w, why);
    }
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
    if (w->pst.post_copy_active && worker_postcopy_watch(w, &js, now))
        return;     /* broken: only its recovery goes on */
    if (!w->pst.post_copy_active)
        worker_precopy_watch(w, &js, now);
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
    if (w->pc_broken_ms)
        return false;   /* a broken post-copy: worker_postcopy_recover() takes over */
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

/* Until the next sample: interval ms, or less when the job ends.  This
 * worker's own job wakes it the moment its perform thread returns (Nova
 * learns it from its thread's event the same way); a job it attached to
 * has no thread to wait on, so its state is read every 50 ms. */
static void
worker_tick_wait(struct worker *w, int interval)
{
    if (!w->attach) {
        worker_perform_wait(w, interval);
        return;
    }
    for (int slept = 0; slept < interval && worker_job_running(w); slept += 50)
        sleep_ms(50);
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
        worker_tick_wait(w, interval);
    }
}

/* ---- post-copy recovery -------------------------------------------------------------- */

/* A recovery decision: logged, and an event of the instance action. */
static void
worker_decision(struct worker *w, const char *text)
{
    log_info("migration decision mig=%d: %s", w->m.id, text);
    compute_event_start(w->db, w->m.instance_uuid, w->m.request_id, STEER_EVENT, w->c->host);
    compute_event_finish(w->db, w->m.instance_uuid, w->m.request_id, STEER_EVENT, true, text);
}

bool
worker_postcopy_broken(struct worker *w)
{
    struct virt_domain d;
    struct err err = ERR_INIT;
    int rc;

    if (!w->pst.post_copy_active || (!w->attach && atomic_load(&w->done) && w->rc == 0))
        return false;
    rc = w->c->drv->domain_get(w->v, w->m.instance_uuid, &d, &err);
    if (rc < 0 && worker_virt_reopen(w, &err)) {
        err_clear(&err);
        rc = w->c->drv->domain_get(w->v, w->m.instance_uuid, &d, &err);
    }
    return rc == 0 && d.postcopy_failed;
}

/* Past the bound: the row says what happened and what to do (once). */
static void
worker_postcopy_give_up(struct worker *w)
{
    char reason[1800];

    if (w->pc_gave_up)
        return;
    snprintf(reason, sizeof(reason),
             "post-copy migration to %s broke and was not resumed within %d s ([ferry] "
             "postcopy_recover_timeout, %d attempts): the guest is paused, its memory split "
             "between %s and %s, and neither copy was destroyed. Once the migration network "
             "works again, resume it on %s with the flags it started with plus "
             "--postcopy --postcopy-resume (virsh -c %s migrate --live --p2p --persistent "
             "--undefinesource --postcopy --postcopy-resume %s %s %s)",
             w->m.dest_compute, w->c->cfg->postcopy_recover_timeout, w->pc_attempts,
             w->m.source_compute, w->m.dest_compute, w->m.source_compute, w->c->uri,
             w->inst.domain_name, w->dest_uri, w->migrate_uri);
    worker_transition_code(w, MIG_ERROR, ERR_TIMEOUT, reason);
    worker_decision(w, reason);
    w->pc_gave_up = true;
}

/* Post-copy: is it still moving?  A job that moved nothing since the last
 * sample may have broken (the source's domain says so: a reset link) or gone
 * silent (no byte for link_stall_ms: a dropped link, that QEMU would
 * wait on for ever; paused here, to be resumed).  True when it is broken. */
static bool
worker_postcopy_watch(struct worker *w, const struct virt_job_stats *js, int64_t now)
{
    bool first = w->seen_ms == 0;
    struct err err = ERR_INIT;
    char text[600];

    if (w->pc_broken_ms) {
        if (now - w->pc_broken_ms > (int64_t)w->c->cfg->postcopy_recover_timeout * 1000)
            worker_postcopy_give_up(w);
        return true;
    }
    if (js->mem_total > 0 && js->mem_remaining == 0 && js->disk_remaining == 0)
        return false;   /* everything arrived: completing */
    if (worker_moved(w, js, now) && (!first || !w->attach))
        return false;
    /* attached to a job started by an earlier ferry-compute: the domain
     * tells whether it broke (this worker's own call returns when it does;
     * while a resume reconnects, the domain still says it failed) */
    if (w->attach && worker_postcopy_broken(w)) {
        w->pc_broken_ms = now;
        snprintf(text, sizeof(text), "post-copy migration to %s found broken (the guest is "
                 "paused, its memory split): resuming it once the link is back, for up to "
                 "%d s", w->m.dest_compute, w->c->cfg->postcopy_recover_timeout);
        worker_decision(w, text);
        return true;
    }
    if (now - w->seen_ms < w->c->cfg->link_stall_ms)
        return false;
    if (w->c->drv->pause_postcopy(w->v, w->m.instance_uuid, &err) < 0) {
        log_warnx("pausing the stalled post-copy failed mig=%d (tried again): %s", w->m.id,
                  err.msg);
        return false;
    }
    w->pc_broken_ms = now;
    snprintf(text, sizeof(text), "post-copy migration to %s moved nothing for %lld ms (the "
             "link is silent): paused it, to resume it once the link is back, for up to %d s",
             w->m.dest_compute, (long long)(now - w->seen_ms),
             w->c->cfg->postcopy_recover_timeout);
    worker_decision(w, text);
    return true;
}

/* An attached worker's destination probe: from the pre_live_migration
 * answer its predecessor got (still in host_requests). */
static void
worker_probe_target(struct worker *w)
{
    struct db_hostreq_result res;
    struct msg_pre_live_answer a;
    struct err err = ERR_INIT;

    if (w->probe_addr[0])
        return;
    if (db_hostreq_last_answer(w->db, w->m.id, "pre_live_migration", &res, &err) != 1 ||
        msg_decode(&msg_pre_live_answer_codec, res.result, &a, &err) < 0) {
        log_warnx("the destination's probe is unknown mig=%d (resuming without probing)%s%s",
                  w->m.id, err.msg[0] ? ": " : "", err.msg);
        return;
    }
    strlcpy0(w->probe_addr, a.target_connect_addr, sizeof(w->probe_addr));
    w->probe_port = a.probe_port;
}

/* One resume attempt, monitored like the job itself; 0 when it completed. */
static int
worker_postcopy_resume(struct worker *w)
{
    w->pc_attempts++;
    log_info("resuming post-copy mig=%d attempt=%d", w->m.id, w->pc_attempts);
    w->params.flags |= VIRT_MIG_POSTCOPY | VIRT_MIG_POSTCOPY_RESUME;
    w->attach = false;              /* this worker's own call from now on */
    w->seen_ms = 0;
    w->pc_broken_ms = 0;            /* the watch tells again */
    worker_perform_start(w);
    worker_monitor(w);
    pthread_join(w->thread, NULL);
    return w->rc;
}

void
worker_postcopy_recover(struct worker *w)
{
    int64_t backoff = 0, first = w->pc_broken_ms ? w->pc_broken_ms : now_ms();
    int64_t bound = (int64_t)w->c->cfg->postcopy_recover_timeout * 1000;
    struct err err = ERR_INIT;
    char text[1400];

    if (!w->pc_broken_ms) {
        snprintf(text, sizeof(text), "post-copy migration to %s broke (%s): the guest is "
                 "paused, its memory split; resuming it once the link is back, for up to %d s",
                 w->m.dest_compute, w->mig_err.msg[0] ? w->mig_err.msg : "the job failed",
                 w->c->cfg->postcopy_recover_timeout);
        worker_decision(w, text);
    }
    worker_probe_target(w);
    while (!*w->c->stop && !w->pc_gave_up) {
        if (now_ms() - first > bound) {
            w->pc_broken_ms = first;
            worker_postcopy_give_up(w);
            return;
        }
        sleep_ms(backoff_next(&backoff));
        err_clear(&err);
        if (w->probe_port > 0 &&
            probe_path(w->probe_addr, w->probe_port, PROBE_TIMEOUT_MS, &err) < 0) {
            log_info("post-copy link to %s still down mig=%d: %s", w->m.dest_compute, w->m.id,
                     err.msg);
            continue;
        }
        if (worker_postcopy_resume(w) == 0) {
            snprintf(text, sizeof(text), "post-copy migration to %s resumed %lld ms after it "
                     "broke (attempt %d): completed", w->m.dest_compute,
                     (long long)(now_ms() - first), w->pc_attempts);
            worker_decision(w, text);
            return;
        }
        if (!w->pc_gave_up && !worker_postcopy_broken(w)) {
            /* no longer broken although the call said otherwise (libvirt
             * can report a resume that QEMU carries out as failed, "still
             * running"): resumed all the same; the finish step reads where */
            snprintf(text, sizeof(text), "post-copy migration to %s resumed %lld ms after it "
                     "broke (attempt %d; libvirt answered: %s)", w->m.dest_compute,
                     (long long)(now_ms() - first), w->pc_attempts, w->mig_err.msg);
            worker_decision(w, text);
            return;
        }
        log_warnx("resuming post-copy failed mig=%d attempt=%d: %s", w->m.id, w->pc_attempts,
                  w->mig_err.msg);
        w->pc_broken_ms = first;
    }
}

