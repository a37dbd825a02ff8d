/* worker_int.h - what worker.c (a migration's phases) and monitor.c (its
 * monitor loop) share: the worker's state and the few functions each calls
 * in the other.  Internal to compute/: nothing else includes it.
 */
#ifndef FERRY_WORKER_INT_H
#define FERRY_WORKER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/msg.h"
#include "compute/compute.h"
#include "compute/policy.h"
#include "compute/steer_ferry.h"
#include "db/db_instance.h"
#include "db/db_mig.h"

struct worker {
    struct compute *c;
    struct db_mig m;
    struct db_instance inst;
    struct db *db;
    struct virt *v;                 /* the monitor's connection */
    bool attach;                    /* a job started by an earlier ferry-compute */
    bool recovered;                 /* preparing when an earlier ferry-compute died */
    struct policy pol;
    struct policy_state pst;
    struct steer *sf;               /* the ferry policy's driver, NULL under nova */
    char dest_uri[600];
    char migrate_uri[300];
    struct virt_mig_params params;
    /* the perform thread */
    pthread_t thread;
    atomic_int done;
    int rc;
    struct err mig_err;
    pthread_mutex_t done_lock;      /* done_cond: signalled when done is set, so */
    pthread_cond_t done_cond;       /* the monitor wakes the moment the job ends */
    /* what happened along the way */
    bool abort_sent;
    char abort_reason[300];
    bool force_sent;
    bool timeout_abort;             /* the policy said abort (the completion
                                     * timeout), not yet done */
    bool timeout_force;             /* ... force-complete, not yet done */
    bool paused_by_us;
    int64_t started_wall_ms;        /* the job started (wall clock), 0 when attached */
    int64_t downtime_ms;            /* measured at the end, -1 when unknown */
    const char *downtime_source;    /* "job_stats", "lifecycle_events" or NULL */
    int64_t job_unknown_since_ms;   /* attached: the job's state unreadable since */
    struct virt_job_stats last;
    int64_t last_save_ms;
    int seq;                        /* telemetry sample number */
    char reason[1024];              /* the last transition's, for the event's details */
    /* post-copy recovery (monitor.c) */
    char probe_addr[256];           /* the destination's data-path probe, from its */
    int probe_port;                 /* pre_live_migration answer; 0: none */
    int64_t seen_bytes;             /* the job's bytes moved at the last sample... */
    int64_t seen_ms;                /* ... and when they last moved (link_stall_ms) */
    bool stalled;                   /* aborted for a silent link: failed, not cancelled */
    int64_t pc_broken_ms;           /* when it was seen broken, 0 while it is not */
    bool pc_gave_up;                /* not resumed within postcopy_recover_timeout:
                                     * its row says so (error) */
    int pc_attempts;                /* resume attempts made */
    /* block migration */
    struct msg_disks disks;         /* the source's local disks to copy */
    struct msg_paths created;       /* images pre_live_migration made at the destination */
};

/* worker.c: libvirtd went away (a restart, an upgrade): libvirt never
 * reconnects a connection by itself, so open a new one.  True when err said
 * so and a new connection is in place. */
bool worker_virt_reopen(struct worker *w, const struct err *err);

/* worker.c: record a status change (retried while the database is away);
 * reason, when given, also becomes the finish event's detail. */
int worker_transition(struct worker *w, enum mig_status to, const char *reason);

/* worker.c: ... with the class of a failure beside its words (reason_code). */
int worker_transition_code(struct worker *w, enum mig_status to, enum err_code code,
                           const char *reason);

/* worker.c: start the migration call (w->params) in a thread of its own
 * (w->thread), on its own libvirt connection; w->done is set when it
 * returns (and w->done_cond signalled), w->rc and w->mig_err say how. */
void worker_perform_start(struct worker *w);

/* worker.c: wait up to ms for the perform thread to return; true when it
 * has (at once if it already had). */
bool worker_perform_wait(struct worker *w, int ms);

/* worker.c: true when someone asked to abort; refreshes the row's abort and
 * force-complete flags and who asked. */
bool worker_abort_requested(struct worker *w);

/* monitor.c: save Nova's counters (the last sample) to the row. */
void worker_save(struct worker *w, int64_t now);

/* monitor.c: sample the job until it ends: stats, the operator's abort and
 * force-complete, the policy (Nova's or ferry's ladder).  In post-copy it
 * also watches the job's progress: a job that moves nothing for
 * link_stall_ms is paused (pause_postcopy), and a broken post-copy ends
 * the loop, for worker_postcopy_recover(). */
void worker_monitor(struct worker *w);

/* monitor.c: is this post-copy migration broken (the source's domain is
 * "paused (post-copy failed)")?  False when it never was in post-copy or
 * the job completed. */
bool worker_postcopy_broken(struct worker *w);

/* monitor.c: resume a broken post-copy migration: once the destination's
 * data-path probe answers (when it has one), migrate again with
 * POSTCOPY_RESUME and monitor it, with backoff between attempts, for up to
 * postcopy_recover_timeout s from when it broke.  Then the finish step
 * reads the outcome; past the bound, the row is error (reason_code
 * "timeout", with what the operator can do) and w->pc_gave_up is set.
 * Nothing is ever destroyed on either host.  Each decision is an event
 * (STEER_EVENT) of the instance action. */
void worker_postcopy_recover(struct worker *w);

#endif
