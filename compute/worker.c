/* worker.c - one live migration, from preparing to a terminal status.
 *
 * Phases, as in Nova's compute manager and libvirt driver:
 *   prepare   pre_live_migration on the destination (a host request);
 *             an abort asked for meanwhile ends it cancelled
 *   perform   virDomainMigrateToURI3 in a thread of its own (its own
 *             libvirt connection), status running
 *   monitor   monitor.c: every sample interval, job stats, abort and
 *             force-complete requests, the policy (downtime steps, completion
 *             timeout, or ferry's ladder), Nova's counters
 *   finish    completed (the instance moves to the destination), or failed /
 *             cancelled with the reason, the guest still on the source; the
 *             outcome is read from where the guest really runs
 *
 * A worker restarted over a job that is still running attaches to it: it
 * monitors and steers it the same way, without starting it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auto.h"
#include "common/log.h"
#include "common/msg.h"
#include "common/util.h"
#include "compute/storage.h"
#include "compute/worker_int.h"
#include "db/db.h"
#include "db/db_hostreq.h"
#include "db/db_instance.h"
#include "db/db_mig.h"
#include "db/db_steer.h"

/* ---- small helpers ---------------------------------------------------------------- */

static void
worker_free(struct worker *w)
{
    pthread_cond_destroy(&w->done_cond);
    pthread_mutex_destroy(&w->done_lock);
    free(w->sf);
    if (w->v)
        w->c->drv->close(w->v);
    db_free(w->db);
    free(w);
}

/* libvirtd went away (a restart, an upgrade): libvirt never reconnects a
 * connection by itself, so open a new one.  True when err said so and a
 * new connection is in place. */
bool
worker_virt_reopen(struct worker *w, const struct err *err)
{
    struct virt *nv = NULL;
    struct err oerr = ERR_INIT;

    if (err->code != ERR_UNAVAILABLE)
        return false;
    if (w->c->drv->open(w->c->uri, &nv, &oerr) < 0) {
        log_warnx("libvirt unreachable mig=%d: %s", w->m.id, oerr.msg);
        return false;
    }
    w->c->drv->close(w->v);
    w->v = nv;
    log_info("libvirt connection reopened mig=%d", w->m.id);
    return true;
}

/* The database went away (a restart, a failover): wait for it, longer
 * each time, and say whether to try again.  Other errors end the attempt. */
static bool
worker_db_away(struct worker *w, const struct err *err, int64_t *backoff)
{
    if ((err->code != ERR_UNAVAILABLE && err->code != ERR_RETRY) || *w->c->stop)
        return false;
    log_warnx("database unavailable, mig=%d waits for it: %s", w->m.id, err->msg);
    sleep_ms(backoff_next(backoff));
    return true;
}

/* A status change that must land: retried while the database is away, so a
 * migration that ran through an outage still records how it ended. */
int
worker_transition_code(struct worker *w, enum mig_status to, enum err_code code,
                       const char *reason)
{
    struct db_transition t = { 0 };
    struct err err = ERR_INIT;
    int64_t backoff = 0;

    t.id = w->m.id;
    t.from = w->m.status;
    t.to = to;
    t.actor = w->c->actor;
    t.reason = reason;
    t.reason_code = code;
    while (db_mig_transition(w->db, &t, &err) < 0) {
        if (!worker_db_away(w, &err, &backoff)) {
            log_warnx("cannot record migration status mig=%d to=%s: %s %s", w->m.id,
                      mig_status_name(to), err.msg, err.detail);
            return -1;
        }
        err_clear(&err);
    }
    w->m.status = to;
    if (reason)
        strlcpy0(w->reason, reason, sizeof(w->reason));
    log_info("migration %s mig=%d instance=%s%s%s", mig_status_name(to), w->m.id,
             w->m.instance_uuid, reason ? " reason=" : "", reason ? reason : "");
    return 0;
}

int
worker_transition(struct worker *w, enum mig_status to, const char *reason)
{
    return worker_transition_code(w, to, ERR_NONE, reason);
}

/* The guest, as every host request names it. */
static void
worker_guest(const struct worker *w, struct msg_guest *g)
{
    strlcpy0(g->instance_uuid, w->m.instance_uuid, sizeof(g->instance_uuid));
    strlcpy0(g->request_id, w->m.request_id, sizeof(g->request_id));
    strlcpy0(g->domain_name, w->inst.domain_name, sizeof(g->domain_name));
}

/* Send a host request (q, whose struct msg_guest comes first, is filled
 * in with this guest) to the destination and wait for its answer, decoded
 * into *answer when an answer codec is given.  An outage of the database
 * is waited out (the request row survives it); the destination's refusal or
 * its deadline is an error. */
static int
worker_ask_dest(struct worker *w, const char *kind, int timeout_s, const struct msg_codec *qc,
                void *q, const struct msg_codec *ac, void *answer, struct err *err)
{
    AUTOFREE char *text = NULL;
    struct db_hostreq_result res;
    int64_t id, backoff = 0;

    worker_guest(w, q);
    if (msg_encode(qc, q, &text, err) < 0)
        return -1;
    while (db_hostreq_send(w->db, w->m.dest_compute, kind, w->m.id, text, timeout_s,
                           w->c->actor, &id, err) < 0)
        if (!worker_db_away(w, err, &backoff))
            return -1;
    while (db_hostreq_wait(w->db, id, &res, err) < 0)
        if (!worker_db_away(w, err, &backoff))
            return -1;
    if (!res.ok)
        return err_set(err, ERR_INVALID, "%s", res.error);
    if (ac && msg_decode(ac, res.result, answer, err) < 0)
        return err_prefix(err, "%s answered %s", w->m.dest_compute, kind);
    return 0;
}

/* ---- prepare ------------------------------------------------------------------------ */

static void
worker_uris(struct worker *w)
{
    const char *dest = w->m.dest_host[0] ? w->m.dest_host : w->m.dest_compute;

    policy_uris(w->c->cfg, dest, w->dest_uri, sizeof(w->dest_uri), w->migrate_uri,
                sizeof(w->migrate_uri));
}

static void
worker_params(struct worker *w)
{
    memset(&w->params, 0, sizeof(w->params));
    w->params.uuid = w->m.instance_uuid;
    w->params.dest_uri = w->dest_uri;
    w->params.migrate_uri = w->migrate_uri[0] ? w->migrate_uri : NULL;
    w->params.flags = w->pol.flags;
    w->params.bandwidth_mib = (uint64_t)w->c->cfg->lm_bandwidth;
    w->params.parallel_connections = w->c->cfg->lm_parallel_connections;
    for (int i = 0; i < w->disks.n && i < VIRT_MAX_DISKS; i++)
        w->params.migrate_disks[w->params.ndisks++] = w->disks.d[i].target;
}

/* Block migration: the local disks to copy (as the source's own check
 * reported them to the scheduler, checked again here: a row may have waited
 * queued while they changed), and the data size the timers count (Nova:
 * RAM, at least 2 GiB, plus each disk's file, at least 2 GiB).  *whole: a
 * disk has a backing file, so the chains are copied whole. */
static int
worker_disks(struct worker *w, double *data_gb, bool *whole, struct err *err)
{
    uint64_t sizes[MSG_MAX_DISKS];
    struct msg_disks now;
    int known = 0, rc;

    *whole = false;
    memset(&w->disks, 0, sizeof(w->disks));
    if (w->m.block_migration == 1) {
        known = db_mig_source_disks(w->db, w->m.id, &w->disks, err);
        if (known < 0)
            return -1;
        rc = storage_local_disks(w->c, w->v, w->m.instance_uuid, &now, err);
        /* attached to a job that already took the guest away: no disks
         * are left here to list; the forwarded ones count */
        if (rc < 0 && (!w->attach || err->code != ERR_NOT_FOUND))
            return -1;
        err_clear(err);
        if (rc == 0 && (!known || !storage_disks_equal(&w->disks, &now))) {
            if (known)
                log_warnx("the guest's disks changed since its checks mig=%d: %d then %d",
                          w->m.id, w->disks.n, now.n);
            w->disks = now;
        }
        for (int i = 0; i < w->disks.n; i++) {
            sizes[i] = (uint64_t)w->disks.d[i].physical;
            if (w->disks.d[i].backing)
                *whole = true;
        }
    }
    *data_gb = policy_data_gb(w->inst.memory_mb, sizes, w->disks.n);
    return 0;
}

/* Roll the destination back after a failure before or during the job. */
static void
worker_rollback_dest(struct worker *w)
{
    struct err err = ERR_INIT;
    struct msg_rollback q = { .created = w->created };

    if (worker_ask_dest(w, "rollback_live_migration_at_destination",
                        w->c->cfg->rpc_response_timeout, &msg_rollback_codec, &q, NULL, NULL,
                        &err) < 0)
        log_warnx("rollback at destination failed mig=%d dest=%s: %s", w->m.id,
                  w->m.dest_compute, err.msg);
}

/* True when someone asked to abort (reading the operator's requests, two
 * flags and who, not the whole row). */
bool
worker_abort_requested(struct worker *w)
{
    struct db_mig_asked asked;
    struct err err = ERR_INIT;

    if (db_mig_requests(w->db, w->m.id, &asked, &err) < 0)
        return false;
    w->m.abort_requested = asked.abort;
    strlcpy0(w->m.abort_requested_by, asked.abort_by, sizeof(w->m.abort_requested_by));
    w->m.force_complete_requested = asked.force_complete;
    return asked.abort;
}

/* A migration taken over in preparing: what the dead worker's
 * pre_live_migration made at the destination is undone before it is done
 * again (its answer is still in host_requests). */
static void
worker_undo_earlier_prepare(struct worker *w)
{
    struct db_hostreq_result res;
    struct msg_pre_live_answer earlier;
    struct err err = ERR_INIT;

    if (db_hostreq_last_answer(w->db, w->m.id, "pre_live_migration", &res, &err) != 1)
        return;
    if (msg_decode(&msg_pre_live_answer_codec, res.result, &earlier, &err) < 0) {
        log_warnx("an earlier pre_live_migration's answer is unreadable mig=%d: %s", w->m.id,
                  err.msg);
        return;
    }
    w->created = earlier.created;
    if (w->created.n > 0) {
        log_info("undoing an earlier pre_live_migration mig=%d images=%d", w->m.id,
                 w->created.n);
        worker_rollback_dest(w);
    }
    memset(&w->created, 0, sizeof(w->created));
}

/* preparing -> running, or a terminal status (returns -1 then). */
static int
worker_prepare(struct worker *w)
{
    struct err err = ERR_INIT;
    AUTOFREE struct msg_pre_live *q = calloc(1, sizeof(*q));
    AUTOFREE struct msg_pre_live_answer *a = calloc(1, sizeof(*a));
    char reason[700];
    int rc;

    if (!q || !a)
        fatalx("out of memory");
    if (w->recovered)
        worker_undo_earlier_prepare(w);
    q->block_migration = w->m.block_migration;
    q->disks = w->disks;
    rc = worker_ask_dest(w, "pre_live_migration", w->c->cfg->long_rpc_timeout,
                         &msg_pre_live_codec, q, &msg_pre_live_answer_codec, a, &err);
    if (rc == 0) {
        w->created = a->created;
        strlcpy0(w->probe_addr, a->target_connect_addr, sizeof(w->probe_addr));
        w->probe_port = a->probe_port;
    }
    if (rc < 0) {
        snprintf(reason, sizeof(reason), "pre_live_migration on %s failed: %s",
                 w->m.dest_compute, err.msg);
        worker_rollback_dest(w);
        worker_transition(w, MIG_ERROR, reason);
        return -1;
    }
    if (worker_abort_requested(w)) {
        snprintf(reason, sizeof(reason), "aborted by %s while preparing",
                 w->m.abort_requested_by);
        worker_rollback_dest(w);
        worker_transition(w, MIG_CANCELLED, reason);
        return -1;
    }
    return worker_transition(w, MIG_RUNNING, NULL);
}

/* ---- perform ------------------------------------------------------------------------ */

static void *
worker_perform_thread(void *arg)
{
    struct worker *w = arg;
    struct virt *mv = NULL;

    if (w->c->drv->open(w->c->uri, &mv, &w->mig_err) < 0) {
        w->rc = -1;
    } else {
        w->rc = w->c->drv->migrate(mv, &w->params, &w->mig_err);
        w->c->drv->close(mv);
    }
    /* the monitor waits on done_cond: wake it now, not at its next sample */
    pthread_mutex_lock(&w->done_lock);
    atomic_store(&w->done, 1);
    pthread_cond_broadcast(&w->done_cond);
    pthread_mutex_unlock(&w->done_lock);
    return NULL;
}

void
worker_perform_start(struct worker *w)
{
    atomic_store(&w->done, 0);
    w->rc = 0;
    err_clear(&w->mig_err);
    if (pthread_create(&w->thread, NULL, worker_perform_thread, w) != 0)
        fatal("pthread_create");
}

bool
worker_perform_wait(struct worker *w, int ms)
{
    struct timespec until = mono_deadline(ms);
    int rc = 0;

    pthread_mutex_lock(&w->done_lock);
    while (!atomic_load(&w->done) && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&w->done_cond, &w->done_lock, &until);
    pthread_mutex_unlock(&w->done_lock);
    return atomic_load(&w->done);
}

/* ---- finish ----------------------------------------------------------------------------- */

/* The downtime the guest really saw.  Pre-copy: QEMU's own measure, in the
 * destination's completed-job statistics.  Post-copy (libvirt keeps no
 * completed statistics for it on the destination), or a guest paused to
 * complete (the job's stop-and-copy is only the end of its pause): from the
 * source's SUSPENDED event to the destination's RESUMED one, as each host's
 * libvirt reported them. */
static void
worker_downtime(struct worker *w, const struct msg_post_live_answer *post)
{
    struct virt_lifecycle life;
    struct err err = ERR_INIT;
    int64_t resumed = post ? post->resumed_at_ms : 0;

    w->downtime_ms = -1;
    w->downtime_source = NULL;
    if (!post)
        return;
    if (w->pst.post_copy_active || w->paused_by_us) {
        if (w->c->drv->lifecycle(w->v, w->m.instance_uuid, &life, &err) < 0 ||
            life.suspended_ms <= 0 || life.suspended_ms < w->started_wall_ms ||
            resumed < life.suspended_ms) {
            log_warnx("downtime unknown mig=%d: the pause and resume events were not both "
                      "seen (suspended=%lld resumed=%lld)", w->m.id,
                      (long long)life.suspended_ms, (long long)resumed);
            return;
        }
        w->downtime_ms = resumed - life.suspended_ms;
        w->downtime_source = "lifecycle_events";
    } else if (post->time_elapsed_ms > 0) {
        w->downtime_ms = post->downtime_ms;
        w->downtime_source = "job_stats";
    }
}

/* What the job cost: the downtime, and the destination's completed-job
 * statistics (time, bytes) when it arrived there, else the last sample. */
static void
worker_totals(struct worker *w, const struct msg_post_live_answer *post)
{
    struct err err = ERR_INIT;
    int64_t total = w->last.time_elapsed_ms;
    int64_t sent = w->last.mem_processed + w->last.disk_processed;

    worker_downtime(w, post);
    if (post && post->time_elapsed_ms > 0) {
        total = post->time_elapsed_ms;
        if (post->data_processed > sent)
            sent = post->data_processed;
    }
    if (db_mig_record_totals(w->db, w->m.id, w->downtime_ms, w->downtime_source, sent, total,
                             &err) < 0)
        log_warnx("totals not recorded mig=%d: %s", w->m.id, err.msg);
    log_info("migration totals mig=%d time_ms=%lld sent_bytes=%lld downtime_ms=%lld "
             "downtime_source=%s", w->m.id, (long long)total, (long long)sent,
             (long long)w->downtime_ms, w->downtime_source ? w->downtime_source : "none");
}

/* After a block migration the source's copies of the disks are left over:
 * remove them, as Nova's post_live_migration cleans up unshared storage. */
static void
worker_cleanup_source(struct worker *w)
{
    struct msg_paths paths = { 0 };

    if (w->m.block_migration != 1 || w->disks.n == 0)
        return;
    for (int i = 0; i < w->disks.n; i++)
        strlcpy0(paths.p[paths.n++], w->disks.d[i].path, sizeof(paths.p[0]));
    storage_delete_disks(w->c, w->v, &paths);
}

/* The destination's post_live_migration_at_destination, asked again while
 * it does not answer in time (its ferry-compute restarting, say). */
static int
worker_post_at_dest(struct worker *w, struct msg_post_live_answer *post, struct err *err)
{
    for (int attempt = 1;; attempt++) {
        struct msg_guest q;

        err_clear(err);
        if (worker_ask_dest(w, "post_live_migration_at_destination",
                            w->c->cfg->rpc_response_timeout, &msg_guest_codec, &q,
                            &msg_post_live_answer_codec, post, err) == 0)
            return 0;
        if (err->code != ERR_TIMEOUT || attempt == 3 || *w->c->stop)
            return -1;
        log_warnx("destination did not answer post_live_migration_at_destination mig=%d, "
                  "asking again: %s", w->m.id, err->msg);
    }
}

/* The guest's domain on the source.  A libvirtd that restarts (the job's
 * failure may be its restart: it cancels the outgoing job it finds, the
 * guest running on here) is waited for, up to service_down_time: until it
 * answers, where the guest runs is unknown. */
static int
worker_source_domain(struct worker *w, struct virt_domain *d, struct err *err)
{
    int64_t deadline = now_ms() + (int64_t)w->c->cfg->service_down_time * 1000, backoff = 0;
    int rc;

    for (;;) {
        err_clear(err);
        rc = w->c->drv->domain_get(w->v, w->m.instance_uuid, d, err);
        if (rc < 0 && worker_virt_reopen(w, err)) {
            err_clear(err);
            rc = w->c->drv->domain_get(w->v, w->m.instance_uuid, d, err);
        }
        if (rc == 0 || err->code != ERR_UNAVAILABLE || now_ms() > deadline || *w->c->stop)
            return rc;
        log_warnx("the source's libvirt is unreachable mig=%d, waiting for it: %s", w->m.id,
                  err->msg);
        sleep_ms(backoff_next(&backoff));
    }
}

/* Where does the guest run now?  1 source, 2 destination, 0 neither (why
 * says what was seen).  *post is the destination's answer, when it gave
 * one (*have_post). */
static int
worker_where(struct worker *w, struct msg_post_live_answer *post, bool *have_post, char *why,
             size_t why_size)
{
    struct virt_domain d;
    struct err err = ERR_INIT;
    int rc;

    /* libvirt said the job completed: the guest is on the destination,
     * whether or not the destination's ferry-compute answers now */
    *have_post = false;
    if (!w->attach && w->rc == 0) {
        if (worker_post_at_dest(w, post, &err) < 0)
            log_warnx("post_live_migration_at_destination failed mig=%d (the migration "
                      "completed): %s", w->m.id, err.msg);
        else
            *have_post = true;
        return 2;
    }
    rc = worker_source_domain(w, &d, &err);
    if (rc == 0 && (d.power_state == POWER_RUNNING || d.power_state == POWER_PAUSED) &&
        !d.incoming)
        return 1;
    if (rc < 0 && err.code != ERR_NOT_FOUND)
        log_warnx("the source's domain is unreadable mig=%d: %s", w->m.id, err.msg);
    err_clear(&err);
    if (worker_post_at_dest(w, post, &err) == 0) {
        *have_post = true;
        return 2;
    }
    snprintf(why, why_size, "the destination says: %s", err.msg);
    log_warnx("guest found on neither host mig=%d: %s", w->m.id, err.msg);
    return 0;
}

static void
worker_finish(struct worker *w)
{
    struct msg_post_live_answer post;
    char reason[900], why[600] = "";
    bool have_post;
    int where;
    struct err err = ERR_INIT;

    if (w->last.mem_total)
        worker_save(w, now_ms());
    where = worker_where(w, &post, &have_post, why, sizeof(why));
    worker_totals(w, have_post ? &post : NULL);
    if (where != 2 && w->pst.post_copy_active) {
        /* post-copy failed: the guest's newest memory is on the destination,
         * the rest on the source; neither copy can run on its own.  Nothing
         * is rolled back or resumed: it needs an operator (libvirt can
         * resume the post-copy migration, else the guest must be rebooted) */
        snprintf(reason, sizeof(reason), "post-copy migration to %s failed: the guest is "
                 "paused, its memory split between %s and %s; recover it (resume the "
                 "post-copy migration with libvirt, or reboot the guest)%s%s",
                 w->m.dest_compute, w->m.source_compute, w->m.dest_compute,
                 w->mig_err.msg[0] ? ": " : "", w->mig_err.msg);
        worker_transition(w, MIG_ERROR, reason);
    } else if (where == 2) {
        worker_transition(w, MIG_COMPLETED, NULL);
        worker_cleanup_source(w);
    } else if (where == 1) {
        if (w->paused_by_us && w->c->drv->resume(w->v, w->m.instance_uuid, &err) < 0)
            log_warnx("resuming the guest failed mig=%d: %s", w->m.id, err.msg);
        worker_rollback_dest(w);
        if (w->abort_sent && w->stalled) {
            snprintf(reason, sizeof(reason), "live migration to %s failed: %s",
                     w->m.dest_compute, w->abort_reason);
            worker_transition_code(w, MIG_FAILED, ERR_TIMEOUT, reason);
        } else if (w->abort_sent) {
            worker_transition(w, MIG_CANCELLED, w->abort_reason);
        } else {
            snprintf(reason, sizeof(reason), "live migration to %s failed: %s",
                     w->m.dest_compute, w->rc < 0 && w->mig_err.msg[0]
                                            ? w->mig_err.msg
                                            : "the job ended and the guest is on the source");
            worker_transition(w, MIG_FAILED, reason);
        }
    } else {
        snprintf(reason, sizeof(reason), "the guest runs on neither %s nor %s after the "
                 "migration%s%s%s%s", w->m.source_compute, w->m.dest_compute,
                 w->mig_err.msg[0] ? ": " : "", w->mig_err.msg, why[0] ? "; " : "", why);
        worker_transition(w, MIG_ERROR, reason);
    }
}

/* What this migration uses: what its row records (the guest's ferry:*
 * metadata, read when the API accepted it), this compute's configuration for
 * the rest, written to the row now, once: a restarted worker reads it back
 * rather than today's options.  A database away now only loses the record. */
static void
worker_opts(struct worker *w, struct mig_opts *out)
{
    struct mig_opts defaults;
    struct err err = ERR_INIT;
    struct db_mig now;

    mig_opts_defaults(w->c->cfg, &defaults);
    if (db_mig_record_opts(w->db, w->m.id, &defaults, &now, &err) < 0) {
        log_warnx("cannot record what the migration uses mig=%d: %s", w->m.id, err.msg);
    } else {
        memcpy(w->m.policy_requested, now.policy_requested, sizeof(now.policy_requested));
        w->m.max_downtime_ms = now.max_downtime_ms;
        w->m.post_copy_permitted = now.post_copy_permitted;
        w->m.auto_converge_permitted = now.auto_converge_permitted;
    }
    db_mig_opts(&w->m, &defaults, out);
}

/* The ferry policy's admission (a job already running: its forecast only).
 * 0: start; -1: the row went back to queued (the claim loop offers it again
 * after STEER_QUEUE_RETRY_MS) or ended in error with the refusal's reason,
 * which is also its event's detail. */
static int
worker_ferry_admit(struct worker *w, const struct mig_opts *o, unsigned guest)
{
    struct err err = ERR_INIT;
    struct pf_forecast fc = { 0 };
    int64_t ram = (int64_t)w->inst.memory_mb << 20;
    const char *ev = "compute_live_migration";

    w->sf = calloc(1, sizeof(*w->sf));
    if (!w->sf)
        fatalx("out of memory");
    *w->sf = (struct steer){ .c = w->c, .db = w->db, .v = w->v, .mig_id = w->m.id,
                             .uuid = w->m.instance_uuid, .request_id = w->m.request_id,
                             .rate_age_ms = -1 };
    for (int i = 0; i < w->disks.n; i++)    /* listed for a block migration only */
        w->sf->disk_bytes += w->disks.d[i].physical;
    if (w->attach) {
        /* the job was started with post-copy exactly when the guest allowed it */
        w->pol.post_copy = o->post_copy && !(guest & POLICY_PAUSED);
        if (steer_attach(w->sf, o, ram, w->m.status == MIG_POSTCOPY, &err) < 0) {
            log_warnx("ferry policy not resumed mig=%d, the job runs unsteered: %s", w->m.id,
                      err.msg);
            w->sf->st.done = true;
        }
        return 0;
    }
    if (steer_admit(w->sf, o, ram, guest & POLICY_PAUSED, &w->params, &fc, &err) < 0) {
        /* the database: the link's use unknown, try again later */
        fc.verdict = PF_QUEUE;
        snprintf(fc.text, sizeof(fc.text), "queued: the link's use is unknown: %s", err.msg);
    }
    w->pol.post_copy = fc.post_copy;
    if (fc.verdict == PF_START)
        return 0;
    if (fc.verdict == PF_QUEUE) {
        err_clear(&err);
        if (!w->m.admission_waited)     /* one event; the row's reason stays current */
            steer_event(w->sf, fc.text);
        if (db_mig_admit_after(w->db, w->m.id, STEER_QUEUE_RETRY_MS, &err) < 0)
            log_warnx("admission wait not recorded mig=%d: %s", w->m.id, err.msg);
        worker_transition(w, MIG_QUEUED, fc.text);
        return -1;
    }
    compute_event_start(w->db, w->m.instance_uuid, w->m.request_id, ev, w->c->host);
    worker_transition(w, MIG_ERROR, fc.text);
    compute_event_finish(w->db, w->m.instance_uuid, w->m.request_id, ev, false, fc.text);
    return -1;
}

/* ---- the thread ------------------------------------------------------------------------- */

static void
worker_run(struct worker *w)
{
    struct err err = ERR_INIT;
    const char *ev = "compute_live_migration";
    struct mig_opts opts;
    unsigned guest = 0;
    double data_gb;
    bool whole;

    if (db_instance_get(w->db, w->m.instance_uuid, NULL, &w->inst, &err) < 0 ||
        w->c->drv->open(w->c->uri, &w->v, &err) < 0) {
        log_warnx("cannot start migration mig=%d: %s", w->m.id, err.msg);
        if (w->m.status == MIG_PREPARING)
            worker_transition(w, MIG_ERROR, err.msg);
        return;
    }
    if (worker_disks(w, &data_gb, &whole, &err) < 0) {
        log_warnx("cannot read the guest's disks mig=%d: %s", w->m.id, err.msg);
        if (w->m.status == MIG_PREPARING)
            worker_transition(w, MIG_ERROR, err.msg);
        return;
    }
    if (w->m.block_migration == 1)
        guest |= POLICY_BLOCK | (whole ? POLICY_BLOCK_WHOLE : 0);
    if (strcmp(w->inst.vm_state, "paused") == 0)
        guest |= POLICY_PAUSED;
    worker_opts(w, &opts);
    policy_init(&w->pol, w->c->cfg, &opts, data_gb, guest);
    w->pst.post_copy_active = w->m.status == MIG_POSTCOPY;
    worker_uris(w);
    worker_params(w);
    if (opts.policy == MIG_POLICY_FERRY && worker_ferry_admit(w, &opts, guest) < 0)
        return;
    if (!w->attach) {
        compute_event_start(w->db, w->m.instance_uuid, w->m.request_id, ev, w->c->host);
        if (worker_prepare(w) < 0) {
            compute_event_finish(w->db, w->m.instance_uuid, w->m.request_id, ev, false,
                                 w->reason[0] ? w->reason : "the migration did not start");
            return;
        }
        log_info("migration starting mig=%d instance=%s dest=%s uri=%s flags=0x%x "
                 "bandwidth=%d disks=%d data_gb=%.1f", w->m.id, w->m.instance_uuid,
                 w->m.dest_compute, w->dest_uri, w->params.flags, w->c->cfg->lm_bandwidth,
                 w->params.ndisks, data_gb);
        w->started_wall_ms = wall_us() / 1000;
        worker_perform_start(w);
    }
    worker_monitor(w);
    if (!w->attach)
        pthread_join(w->thread, NULL);
    if (!w->pc_gave_up && worker_postcopy_broken(w))
        worker_postcopy_recover(w);
    if (*w->c->stop && w->m.status == MIG_POSTCOPY && !w->pc_gave_up &&
        worker_postcopy_broken(w))
        return;     /* still broken: the next ferry-compute goes on recovering */
    if (!w->pc_gave_up)
        worker_finish(w);
    /* the event says why, as the migration's reason does (Nova: the
     * exception's message, in the event's details from 2.84); a completed
     * one, what the guest's downtime was */
    if (w->m.status == MIG_COMPLETED && w->downtime_source)
        snprintf(w->reason, sizeof(w->reason), "completed; downtime %lld ms (%s)",
                 (long long)w->downtime_ms, w->downtime_source);
    else if (w->m.status == MIG_COMPLETED)
        snprintf(w->reason, sizeof(w->reason), "completed; downtime not measured");
    compute_event_finish(w->db, w->m.instance_uuid, w->m.request_id, ev,
                         w->m.status == MIG_COMPLETED,
                         w->reason[0] ? w->reason : mig_status_name(w->m.status));
}

static void *
worker_thread(void *arg)
{
    struct worker *w = arg;
    struct compute *c = w->c;

    worker_run(w);
    worker_free(w);
    pthread_mutex_lock(&c->lock);
    c->workers--;
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

static int
worker_start(struct compute *c, const struct db_mig *m, bool attach, bool recovered,
             struct err *err)
{
    struct worker *w = calloc(1, sizeof(*w));
    pthread_t t;
    pthread_attr_t attr;

    if (!w)
        fatalx("out of memory");
    w->c = c;
    w->m = *m;
    w->attach = attach;
    w->recovered = recovered;
    pthread_mutex_init(&w->done_lock, NULL);
    cond_init_monotonic(&w->done_cond);
    w->db = db_new(c->cfg->db_connection, "ferry-compute-worker");
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_mutex_lock(&c->lock);
    c->workers++;
    pthread_mutex_unlock(&c->lock);
    if (pthread_create(&t, &attr, worker_thread, w) != 0) {
        pthread_mutex_lock(&c->lock);
        c->workers--;
        pthread_mutex_unlock(&c->lock);
        worker_free(w);
        pthread_attr_destroy(&attr);
        return err_set(err, ERR_INTERNAL, "cannot start a worker thread");
    }
    pthread_attr_destroy(&attr);
    return 0;
}

int
worker_spawn(struct compute *c, const struct db_mig *m, struct err *err)
{
    return worker_start(c, m, false, false, err);
}

int
worker_recover(struct compute *c, struct db *db, struct virt *v, struct err *err)
{
    AUTOFREE struct db_mig *ms = NULL;
    int n;

    if (db_mig_list_active(db, c->host, &ms, &n, err) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        struct virt_job_stats js;
        struct err jerr = ERR_INIT;
        bool running = c->drv->job_stats(v, ms[i].instance_uuid, false, &js, &jerr) == 0 &&
                       (js.type == VIRT_JOB_UNBOUNDED || js.type == VIRT_JOB_BOUNDED);

        /* preparing: nothing started in libvirt, prepare again; running: attach
         * to the job if it is still going, else the finish step reads where the
         * guest ended up */
        log_info("recovering migration mig=%d status=%s job=%s", ms[i].id,
                 mig_status_name(ms[i].status), running ? "running" : "none");
        if (worker_start(c, &ms[i], ms[i].status != MIG_PREPARING, true, err) < 0)
            return -1;
    }
    return 0;
}
