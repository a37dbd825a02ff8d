/* db_mig.h - migrations (db_mig.c): creation, status changes, what the
 * worker records while a job runs, pickups and lists. */
#ifndef FERRY_DB_MIG_H
#define FERRY_DB_MIG_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "common/mig_opts.h"
#include "common/mig_state.h"
#include "common/msg.h"
#include "common/util.h"
#include "db/db.h"
#include "db/db_types.h"

struct db_mig {
    int id;
    char uuid[UUID_STR_LEN];
    char instance_uuid[UUID_STR_LEN];
    char migration_type[32];
    enum mig_status status;
    char status_text[32];           /* as stored (other types use other words) */
    char source_compute[NAME_LEN];
    char dest_compute[NAME_LEN];    /* "" when NULL */
    char source_node[NAME_LEN];
    char dest_node[NAME_LEN];
    char dest_host[NAME_LEN];
    int old_instance_type_id;
    int new_instance_type_id;
    bool has_memory;                /* counters are NULL until the job reports */
    int64_t memory_total, memory_processed, memory_remaining;
    bool has_disk;
    int64_t disk_total, disk_processed, disk_remaining;
    char user_id[NAME_LEN];
    char project_id[NAME_LEN];
    int64_t created_us;
    int64_t updated_us;             /* 0 when NULL */
    char request_id[64];
    int api_mv;                     /* of the request that started it: MV(2, 30) */
    char requested_host[NAME_LEN];
    bool forced;
    int block_migration;            /* 1, 0, or -1 for "auto" */
    char reason[1024];
    enum err_code reason_code;      /* a refusal's class, ERR_NONE when none */
    bool admission_waited;          /* the ferry policy's admission queued it before */
    bool abort_requested;
    char abort_requested_by[NAME_LEN];
    bool force_complete_requested;
    /* what it uses (0006): the guest's choices, recorded when the API
     * accepted it; the others filled from the source compute's
     * configuration when its worker starts (db_mig_record_opts) */
    char policy[16];                /* the policy that runs; "" not decided yet */
    char policy_requested[16];      /* what the guest or the compute asked; "" not yet */
    int max_downtime_ms;            /* -1: not recorded yet */
    int post_copy_permitted;        /* 1, 0, or -1: not recorded */
    int auto_converge_permitted;    /* likewise */
    /* what it cost */
    int64_t downtime_ms;            /* -1 until measured */
    char downtime_source[32];       /* job_stats, lifecycle_events, or "" */
    int64_t data_sent_bytes;        /* -1 until known */
    int64_t started_us;             /* the libvirt job; 0 when not (yet) */
    int64_t finished_us;
};

/* What a migration uses: what its row recorded, defaults for the rest. */
void db_mig_opts(const struct db_mig *m, const struct mig_opts *defaults, struct mig_opts *out);

/* The worker's start: record o (the source compute's configuration) for
 * what the row does not record yet, the guest having set no value (a row
 * from before 0006 gets all four); *out is the row afterwards. */
int db_mig_record_opts(struct db *db, int id, const struct mig_opts *o, struct db_mig *out,
                       struct err *err);

/* What the API records for an accepted os-migrateLive. */
struct db_mig_request {
    const char *instance_uuid;
    const char *request_id;         /* req-<uuid>: the instance action's id */
    const char *user_id;
    const char *project_id;
    const char *host;               /* requested destination or NULL */
    bool forced;
    int block_migration;            /* 1, 0, -1 = auto */
    int disk_over_commit;           /* 1, 0, -1 = not given */
    int api_mv;                     /* the request's microversion, MV(2, 30) */
    const char *actor;              /* ferry-api@<hostname> */
};

/* Atomically: the instance must be active or paused with no task (else
 * ERR_CONFLICT with Nova's "Cannot 'os-migrateLive' instance ..." text);
 * task_state := migrating; the migration row (accepted), its first event and
 * the live-migration instance action are inserted; the scheduler is woken.
 * The guest's ferry:* metadata, read under the instance's row lock, is
 * recorded on the row (what it leaves unset stays NULL, for the source
 * compute to fill, db_mig_record_opts). */
int db_mig_create(struct db *db, const struct db_mig_request *req, struct db_mig *out,
                  struct err *err);

/* By row id (deleted rows are not found).  ERR_NOT_FOUND "Migration <id>
 * could not be found.". */
int db_mig_get(struct db *db, int id, struct db_mig *out, struct err *err);

/* A status change and its consequences, applied in one statement:
 * the row must still be in `from` (else ERR_CONFLICT); an event row is
 * written; NOTIFY ferry_migration "<id> <status>".  Entering a terminal
 * status clears the instance's task_state and progress; entering completed
 * also moves the instance to the destination host and node. */
struct db_transition {
    int id;
    enum mig_status from;
    enum mig_status to;
    const char *actor;
    const char *reason;             /* NULL keeps the current one */
    enum err_code reason_code;      /* a refusal's class (ERR_CONFLICT: Nova's
                                     * InstanceInvalidState), ERR_NONE keeps it */
    /* accepted -> queued: the chosen destination */
    const char *dest_compute;
    const char *dest_node;
    const char *dest_host;
    const char *source_node;
    /* accepted -> queued: the source's local disks, as its check reported
     * them (NULL: not known) */
    const struct msg_disks *source_disks;
    /* accepted -> queued: block_migration as the checks resolved "auto" */
    bool set_block_migration;
    bool block_migration;
};

/* Apply t (above); ERR_CONFLICT when the row is no longer in t->from. */
int db_mig_transition(struct db *db, const struct db_transition *t, struct err *err);

/* What an operator asked of a running migration (the API's abort and
 * force-complete): the two flags and who, read narrowly every sample. */
struct db_mig_asked {
    bool abort;
    char abort_by[NAME_LEN];
    bool force_complete;
};

/* The flags of migration id into *out; ERR_NOT_FOUND when no such row. */
int db_mig_requests(struct db *db, int id, struct db_mig_asked *out, struct err *err);

/* The source's disks forwarded by the scheduler: 1 and *out filled, 0 when
 * the row has none. */
int db_mig_source_disks(struct db *db, int id, struct msg_disks *out, struct err *err);

/* Nova's counters, saved every live_migration_monitor_interval; also sets
 * the instance's progress (0-100). */
struct db_mig_progress {
    int64_t memory_total, memory_processed, memory_remaining;
    int64_t disk_total, disk_processed, disk_remaining;
    int progress;
};

/* Save p as migration id's counters and its instance's progress. */
int db_mig_save_progress(struct db *db, int id, const struct db_mig_progress *p,
                         struct err *err);

/* One 0.5 s sample of a running migration (migration_samples, a ring of
 * the newest 7200 per migration). */
struct db_mig_sample {
    int seq;
    int64_t elapsed_ms;
    int64_t memory_total, memory_processed, memory_remaining;
    int64_t disk_total, disk_processed, disk_remaining;
    int64_t bandwidth_bps;
    int64_t dirty_rate_bps;
    int iteration;
    int throttle_pct;
    int max_downtime_ms;
};

#define DB_MIG_SAMPLES_KEPT 7200

/* Write s into migration id's ring, at slot seq % DB_MIG_SAMPLES_KEPT. */
int db_mig_sample_add(struct db *db, int id, const struct db_mig_sample *s, struct err *err);

/* What the finished job cost: the downtime the guest saw and where that
 * measure comes from ("job_stats", "lifecycle_events"; NULL with a
 * downtime_ms < 0: unknown), bytes sent, total time. */
int db_mig_record_totals(struct db *db, int id, int64_t downtime_ms, const char *downtime_source,
                         int64_t data_sent_bytes, int64_t total_time_ms, struct err *err);

/* Scheduler: lock the oldest accepted row not locked by another scheduler
 * (FOR NO KEY UPDATE SKIP LOCKED: the strongest lock that still lets rows
 * referencing it, such as host requests, be inserted meanwhile) inside the
 * caller's open transaction.
 * 1: *out filled; 0: nothing to do. */
int db_mig_lock_accepted(struct db *db, struct db_mig *out, struct err *err);

/* Compute: move the oldest queued row of this source host to preparing, if
 * fewer than max_running (0 = unlimited) of its migrations are preparing or
 * running.  1: *out filled (already preparing); 0: nothing to claim. */
int db_mig_take_queued(struct db *db, const char *host, int max_running, const char *actor,
                        struct db_mig *out, struct err *err);

/* One status change of a migration (migration_events). */
struct db_mig_event {
    int64_t at_us;
    char from_status[32];           /* "" for the creation */
    char to_status[32];
    char actor[NAME_LEN];
    char reason[1024];
};

/* A migration's events, oldest first. */
int db_mig_event_list(struct db *db, int id, struct db_mig_event **out, int *n,
                      struct err *err);

/* Rows of this source host in preparing/running/post-copy (restart). */
int db_mig_list_active(struct db *db, const char *host, struct db_mig **out, int *n,
                       struct err *err);

/* Record an abort or force-complete request (who, when); the worker acts. */
int db_mig_request_abort(struct db *db, int id, const char *who, struct err *err);
int db_mig_request_force_complete(struct db *db, int id, const char *who, struct err *err);

/* Per-server list: live migrations of one instance in queued, preparing or
 * running. */
int db_mig_list_in_progress(struct db *db, const char *instance_uuid, struct db_mig **out,
                            int *n, struct err *err);

/* /os-migrations. */
struct db_mig_filter {
    const char *status;
    const char *host;               /* source or dest */
    const char *source_compute;     /* only when host is NULL */
    const char *instance_uuid;
    const char *migration_type;
    int hidden;                     /* -1: not given */
    struct db_time changes_since;   /* parsed by the API: PostgreSQL never */
    struct db_time changes_before;  /* sees the client's own text */
    const char *user_id;
    const char *project_id;
    const char *marker;             /* uuid of the last row seen, or NULL */
    int limit;                      /* <= 0: none */
    bool paged_order;               /* created_at DESC, id DESC (2.59+) */
};

/* Check a pagination marker (a migration uuid).  ERR_INVALID "Marker <m>
 * could not be found." when unknown. */
int db_mig_marker_check(struct db *db, const char *uuid, struct err *err);

/* The page of migrations f selects (newest first with paged_order, else
 * by id); the caller frees *out. */
int db_mig_list(struct db *db, const struct db_mig_filter *f, struct db_mig **out, int *n,
                struct err *err);

#endif
