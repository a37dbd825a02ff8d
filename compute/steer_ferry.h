/* steer_ferry.h - the `ferry` policy (policy_ferry.h) driven against the
 * hypervisor and the database: what worker.c's monitor runs for a
 * migration whose policy is ferry.
 *
 *   admit   before the job: the guest's dirty rate (the one measured in the
 *           background, rates.c, when recent and it says start; else virt
 *           dirty_rate over PF_DIRTY_PERIOD_S on the worker's own
 *           connection, so a refusal is always on a measure made now), the link
 *           (steer_link_bps) less what other running migrations from or to
 *           this host use (the busiest of their last samples), pf_admit; the forecast is
 *           recorded on the row (migrations.forecast) and said as a decision
 *           event; the capabilities chosen go into the job's parameters
 *   tick    every sample: pf_tick; sets the max downtime itself (and the
 *           forecast's at the job's first sample), records each new
 *           iteration (migration_iterations), the step reached and every
 *           decision text as an event STEER_EVENT of the migration's
 *           instance action; returns what the worker must carry out
 *           (post-copy, pause, abort)
 */
#ifndef FERRY_STEER_FERRY_H
#define FERRY_STEER_FERRY_H

#include "common/mig_opts.h"
#include "compute/compute.h"
#include "compute/policy_ferry.h"
#include "db/db.h"

/* The forecast starts from the background measure of the guest's dirty
 * rate (rates.c) when it is at most this many [ferry] dirty_rate_interval
 * old (a round measures the guests one after another), else measures. */
#define STEER_RATE_AGE_INTERVALS 2
/* A queued row is offered again after this long (the claim loop). */
#define STEER_QUEUE_RETRY_MS 5000
/* The instance-action event of each decision (its details from 2.84). */
#define STEER_EVENT "compute_live_migration_decision"

struct steer {
    struct compute *c;              /* borrowed, as db and v */
    struct db *db;
    struct virt *v;
    int mig_id;
    const char *uuid;               /* the instance */
    const char *request_id;         /* its action */
    int64_t disk_bytes;             /* block migration: the local disks' bytes, else 0 */
    struct pf_state st;
    bool job_seen;                  /* the forecast's max downtime is set */
    int64_t rate_age_ms;            /* the forecast's dirty rate was measured in the
                                     * background this long before, -1: measured then */
    int step_recorded;              /* migrations.step_reached as written */
};

/* The link capacity the forecast counts on, bytes/s: [ferry]
 * link_bandwidth_mib, else [libvirt] live_migration_bandwidth, else 1024
 * MiB/s; never above live_migration_bandwidth when that is set. */
int64_t steer_link_bps(const struct cfg *cfg);

/* Measure, forecast and record; *fc is pf_admit's (fc->verdict says start,
 * queue or refuse, fc->text why).  A guest that cannot be measured (paused,
 * or the measure failed: logged) counts as dirtying nothing.  On START the
 * policy's state is started and p's capabilities are set from the forecast.
 * Errors only from the database (the link's use). */
int steer_admit(struct steer *s, const struct mig_opts *o, int64_t ram_bytes, bool paused,
                struct virt_mig_params *p, struct pf_forecast *fc, struct err *err);

/* A job already running (a restarted worker re-attached to it): forecast
 * without a dirty-rate measure (none runs beside a migration; the job's
 * statistics have it), the policy started whatever the verdict. */
int steer_attach(struct steer *s, const struct mig_opts *o, int64_t ram_bytes, bool post_copy,
                 struct err *err);

/* Record a decision text as an event of the migration's action. */
void steer_event(struct steer *s, const char *text);

/* One job-statistics sample; *out is what the worker must carry out
 * (PF_ACT_POSTCOPY, PF_ACT_PAUSE, PF_ACT_ABORT with out->text), the rest
 * is done here. */
void steer_tick(struct steer *s, const struct virt_job_stats *js, struct pf_action *out);

/* An operator's force-complete: recorded (pf_force_complete, its event);
 * *out as steer_tick's. */
void steer_force_complete(struct steer *s, struct pf_action *out);

#endif
