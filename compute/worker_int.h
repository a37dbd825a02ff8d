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

/* worker.c: true when someone asked to abort; refreshes the row's abort and
 * force-complete flags and who asked. */
bool worker_abort_requested(struct worker *w);

/* monitor.c: save Nova's counters (the last sample) to the row. */
void worker_save(struct worker *w, int64_t now);

/* monitor.c: sample the job until it ends: stats, the operator's abort and
 * force-complete, the policy (Nova's or ferry's ladder). */
void worker_monitor(struct worker *w);

#endif
