/* model.h - typed rows and the queries over them (db_<table>.c).
 *
 * Strings are fixed buffers inside the structs, so a row is one value with
 * no ownership to track.  Timestamps are microseconds since the epoch (UTC),
 * 0 when NULL.  Lists are returned as malloc'd arrays the caller frees.
 */
#ifndef FERRY_MODEL_H
#define FERRY_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "common/mig_opts.h"
#include "common/mig_state.h"
#include "common/msg.h"
#include "common/nova.h"
#include "common/util.h"
#include "db/db.h"

#define NAME_LEN 256

/* A time filter: set (microseconds since the epoch) or not given. */
struct db_time {
    bool set;
    int64_t us;
};

/* ---- compute hosts (db_host.c) ---- */

struct db_host {
    int id;
    char uuid[UUID_STR_LEN];
    char host[NAME_LEN];
    char node[NAME_LEN];            /* hypervisor_hostname */
    char libvirt_uri[512];
    char migration_addr[NAME_LEN];
    char host_ip[64];
    int memory_mb;
    int vcpus;
    int local_gb;
    int reserved_memory_mb;         /* the host's own reserved_host_memory_mb */
    double ram_allocation_ratio;    /* the host's own allocation ratios */
    double cpu_allocation_ratio;
    double disk_allocation_ratio;
    char hypervisor_type[32];
    int64_t hypervisor_version;
    int64_t libvirt_version;
    char cpu_arch[32];
    char cpu_vendor[64];
    char cpu_model[64];
    char cpu_info[4096];            /* Nova's cpu_info JSON */
    char cpu_features[4096];        /* comma-separated, from capabilities */
    char virt_type[16];
    bool disabled;
    char disabled_reason[NAME_LEN];
    bool forced_down;
    int64_t heartbeat_us;
    int64_t started_us;
    int64_t created_us;
    int64_t updated_us;
    /* derived when read */
    bool up;                        /* heartbeat younger than service_down_time */
    int memory_mb_used;             /* instances placed here and claims on it */
    int vcpus_used;
    int disk_gb_used;
    int running_vms;
    int incoming_migrations;        /* claims: migrations on their way in */
    /* what is left for a guest: capacity times the host's ratio, less its
     * reserve, its instances and the claims on it (one formula, in SQL:
     * 0004_claims_and_usage.sql) */
    int free_memory_mb;
    int free_vcpus;
    int free_disk_gb;
};

/* Insert or refresh this host's row (ferry-compute start-up); fills h->id
 * and h->uuid. cpu_features is a PostgreSQL array literal ("{a,b}"). */
int db_host_register(struct db *db, struct db_host *h, const char *cpu_features,
                     struct err *err);

/* Heart-beat: heartbeat_at = now(). */
int db_host_heartbeat(struct db *db, const char *host, struct err *err);

/* One host by name; ERR_NOT_FOUND "Compute host <h> could not be found.". */
int db_host_get(struct db *db, const char *host, int down_time_s, struct db_host *out,
                struct err *err);

/* A host's memory by accounting, as Nova's destination check reads it (not
 * the hypervisor's instantaneous free memory, which page cache hides). */
struct db_host_memory {
    int memory_mb;                  /* the host's RAM */
    double ram_allocation_ratio;    /* its own ratio */
    int reserved_mb;                /* its reserved_host_memory_mb */
    int used_mb;                    /* its instances */
    int claimed_mb;                 /* other migrations' claims on it */
    int free_mb;                    /* floor(memory_mb * ratio) - the three above */
};

/* The memory host could still give the guest of migration_id: its own
 * claim on host, taken by the scheduler before the host checks itself, is
 * not counted (the guest would count twice).  ERR_NOT_FOUND as
 * db_host_get. */
int db_host_memory(struct db *db, const char *host, int migration_id,
                   struct db_host_memory *out, struct err *err);

/* Every host, ordered by name (every row read whole: for tools and the
 * scheduler's reference test, never a decision). */
int db_host_list(struct db *db, int down_time_s, struct db_host **out, int *n,
                 struct err *err);

/* The hosts named in names (a text[] literal), in that order. */
int db_host_list_named(struct db *db, int down_time_s, const char *names,
                       struct db_host **out, int *n, struct err *err);

/* ---- scheduling (db_sched.c) ---- */

/* What a destination must offer, and how candidates are weighed. */
struct db_sched_query {
    int down_time_s;                /* [DEFAULT] service_down_time */
    const char *source;             /* never the source */
    const char *requested;          /* only this host, or NULL */
    const char *const *tried;       /* hosts that already refused */
    int ntried;
    int memory_mb, vcpus, disk_gb;  /* disk: a block migration's local disks */
    const char *hypervisor_type;    /* the source's: the same, and ... */
    int64_t hypervisor_version;     /* ... a version no older */
    int max_io_ops;                 /* incoming migrations per host; 0: no limit */
    double ram_weight;              /* [filter_scheduler] ram_weight_multiplier */
    double io_ops_weight;           /* [filter_scheduler] io_ops_weight_multiplier */
};

/* The hosts that pass the database's filters (up, enabled, not the source,
 * not tried, hypervisor, RAM, vCPUs, disk, io ops), best first by Nova's
 * normalised weighers, at most limit of them. */
int db_sched_candidates(struct db *db, const struct db_sched_query *q, int limit,
                        struct db_host **out, int *n, struct err *err);

/* The first of the scheduler's filters that refuses a host, numbered as
 * scheduler/sched.c numbers them (DB_STAGE_PASSES: none of the database's:
 * only the C filters, the CPU pre-filter, can still refuse it). */
enum db_sched_stage {
    DB_STAGE_REQUESTED,             /* not the requested host */
    DB_STAGE_SOURCE,                /* the source itself */
    DB_STAGE_TRIED,                 /* refused its own check already */
    DB_STAGE_DOWN,
    DB_STAGE_DISABLED,
    DB_STAGE_HYPERVISOR,            /* another type, or an older version */
    DB_STAGE_RAM,
    DB_STAGE_VCPUS,
    DB_STAGE_DISK,
    DB_STAGE_IO_OPS,
    DB_STAGE_PASSES,
    DB_STAGE_COUNT
};

/* Why no host passes q, for the words of "No valid host was found",
 * without reading every host: how many hosts each stage refused
 * (counts[stage]), and the rows of the `limit` that came closest (refused
 * by the latest stage; by name within one), into *out. */
int db_sched_refusals(struct db *db, const struct db_sched_query *q, int limit,
                      int counts[DB_STAGE_COUNT], struct db_host **out, int *n,
                      struct err *err);

/* Reserve q's resources on host for migration_id if host still has room
 * (a row of the claims table): the host row is locked while its room is
 * checked, so two reservations can never overcommit it.  A reservation of
 * the same migration elsewhere moves here.  1: reserved; 0: no room any
 * more; -1: error. */
int db_reservation_take(struct db *db, int migration_id, const struct db_sched_query *q,
                        const char *host, struct err *err);

/* Release a migration's reservation (a refused destination).  Terminal
 * status changes release them by themselves (db_mig_transition). */
int db_reservation_release(struct db *db, int migration_id, struct err *err);

/* ---- instances (db_instance.c) ---- */

struct db_instance {
    int id;
    char uuid[UUID_STR_LEN];
    char name[NAME_LEN];            /* display_name */
    char domain_name[NAME_LEN];
    char project_id[NAME_LEN];
    char user_id[NAME_LEN];
    char host[NAME_LEN];
    char node[NAME_LEN];
    char vm_state[32];
    char task_state[32];            /* "" when NULL */
    int power_state;
    int flavor_db_id;               /* internal id: old/new_instance_type_id */
    char flavor_id[NAME_LEN];       /* public flavorid */
    char flavor_name[NAME_LEN];
    int memory_mb;
    int vcpus;
    int root_gb;
    int ephemeral_gb;
    int swap;
    char flavor_extra_specs[1024];  /* JSON object */
    char *metadata;                 /* JSON object text, or NULL: only
                                     * db_instance_list() reads it (freed by
                                     * db_instance_list_free()); a server's
                                     * may be 128 items of 255 + 255
                                     * characters, too much for every row */
    bool locked;
    char cpu_xml[8192];             /* the guest's <cpu>, "" when none */
    int progress;                   /* -1 when NULL */
    int64_t launched_us;
    int64_t created_us;
    int64_t updated_us;
    char host_status[16];           /* db_instance_list(): UP, DOWN, MAINTENANCE, UNKNOWN, "" */
};

/* What ferry-compute found in libvirt, to import. */
struct db_instance_import {
    char uuid[UUID_STR_LEN];
    char name[NAME_LEN];
    char domain_name[NAME_LEN];
    char project_id[NAME_LEN];
    char user_id[NAME_LEN];
    char flavor_name[NAME_LEN];
    int memory_mb;
    int vcpus;
    int root_gb;
    int ephemeral_gb;
    int swap;
    int power_state;
    char cpu_xml[8192];
};

/* Nova's compute-API guards for an operation on an instance
 * (check_instance_lock, then check_instance_state): one table row per
 * operation, one function, Nova's words (ERR_CONFLICT). */
struct inst_guard {
    const char *op;                     /* as Nova's messages name it */
    const char *const *vm_states;       /* allowed, NULL-ended */
    const char *const *task_states;     /* allowed ("" is None), NULL-ended */
    bool locked_invalid_state;          /* locked: "in an invalid state for" (abort),
                                         * else "Instance %s is locked" */
};

extern const struct inst_guard inst_guard_live_migrate; /* os-migrateLive */
extern const struct inst_guard inst_guard_force_complete;
extern const struct inst_guard inst_guard_abort;

/* May op run on inst?  sid is the id as the caller wrote it (Nova's
 * messages quote it); the lock is checked only when check_lock (a
 * non-admin caller). */
int db_instance_guard(const struct db_instance *inst, const char *sid,
                      const struct inst_guard *g, bool check_lock, struct err *err);

/* By uuid (canonical form).  ERR_NOT_FOUND "Instance <id> could not be
 * found." when missing, deleted, or (project != NULL) in another project. */
int db_instance_get(struct db *db, const char *uuid, const char *project,
                    struct db_instance *out, struct err *err);

struct db_instance_filter {
    const char *project;            /* NULL: all projects */
    const char *name_regex;         /* Nova's name filter is a regex */
    const char *host;
    int limit;                      /* <= 0: no limit */
    const char *marker;             /* a uuid: the rows after it; unknown: ERR_INVALID */
    int down_time_s;                /* service_down_time, for host_status */
};

/* A page of instances, newest first, each with its host's status and its
 * metadata (one query, whatever the page's size); free the list with
 * db_instance_list_free(). */
int db_instance_list(struct db *db, const struct db_instance_filter *f,
                     struct db_instance **out, int *n, struct err *err);
void db_instance_list_free(struct db_instance *v, int n);

/* A server's metadata, as JSON object text (malloc'd) into *out. */
int db_instance_metadata_get(struct db *db, const char *uuid, char **out, struct err *err);

/* A change to a server's metadata (Nova's update_instance_metadata and
 * delete_instance_metadata), applied under the instance's row lock after
 * Nova's checks, in Nova's order: the key to delete exists (ERR_NOT_FOUND
 * "Metadata item was not found"), the lock unless admin (ERR_CONFLICT
 * "Instance <uuid> is locked"), vm_state active, paused, suspended or
 * stopped and no task (ERR_CONFLICT "Cannot '<action>' instance <server_id>
 * while it is in vm_state|task_state <state>"), at most max_items items
 * afterwards (ERR_FORBIDDEN "Maximum number of metadata items exceeds
 * <max_items>"). */
struct db_metadata_change {
    const char *uuid;
    const char *server_id;          /* as the URL gave it, for the messages */
    const char *action;             /* "update metadata" or "delete metadata" */
    const char *set;                /* a JSON object to merge, or NULL */
    bool replace;                   /* set replaces every item */
    const char *delete_key;         /* or the item to remove */
    bool is_admin;                  /* admins pass the lock */
    int max_items;                  /* the metadata_items quota */
};

/* Apply ch; *out (malloc'd, may be NULL) is the metadata afterwards. */
int db_instance_metadata_change(struct db *db, const struct db_metadata_change *ch,
                                char **out, struct err *err);

/* Import a domain found on host: a new uuid becomes an instance on host
 * (with a flavor matching its size); a known one only refreshes its power
 * state, and only while host owns it.  *created tells which happened. */
int db_instance_import(struct db *db, const char *host, const char *node,
                       const struct db_instance_import *in, bool *created, struct err *err);

/* Domains that vanished from their host: power state -> shutdown. */
int db_instance_mark_missing(struct db *db, const char *host, const char *const *present,
                             int n, struct err *err);

/* ---- migrations (db_mig.c) ---- */

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

int db_mig_transition(struct db *db, const struct db_transition *t, struct err *err);

/* What an operator asked of a running migration (the API's abort and
 * force-complete): the two flags and who, read narrowly every sample. */
struct db_mig_asked {
    bool abort;
    char abort_by[NAME_LEN];
    bool force_complete;
};

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

int db_mig_sample_add(struct db *db, int id, const struct db_mig_sample *s, struct err *err);

/* The ferry policy's record (0009, db_steer.c). */
struct db_mig_iter {
    int64_t iteration, start_ms, remaining_bytes, dirty_rate_bps, bandwidth_bps;
    int throttle_pct, max_downtime_ms;
};

/* The forecast (JSON text, validated by PostgreSQL's jsonb) before start. */
int db_mig_record_forecast(struct db *db, int id, const char *forecast_json, struct err *err);
/* The step of the ladder reached, kept as the highest. */
int db_mig_record_step(struct db *db, int id, int step, struct err *err);
/* One row of the per-iteration table (a repeated iteration is ignored). */
int db_mig_iter_add(struct db *db, int id, const struct db_mig_iter *it, struct err *err);
/* What the other running migrations from or to host use of its link now:
 * the sum of their latest samples' bandwidth, bytes/s. */
int db_mig_link_used(struct db *db, int id, const char *host, int64_t *bps, struct err *err);
/* Admission: the (preparing) row is not claimed again for wait_ms once it
 * is back to queued. */
int db_mig_admit_after(struct db *db, int id, int wait_ms, struct err *err);

struct db_mig_steer {
    char *forecast_json;            /* NULL: none (the nova policy) */
    int step_reached;               /* 0: none */
    struct db_mig_iter *iters;
    int n;
};
/* All of it, for Ferry's route; free with db_mig_steer_free. */
int db_mig_steer_get(struct db *db, int id, struct db_mig_steer *out, struct err *err);
void db_mig_steer_free(struct db_mig_steer *s);

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

int db_mig_list(struct db *db, const struct db_mig_filter *f, struct db_mig **out, int *n,
                struct err *err);

/* ---- host requests (db_hostreq.c) ---- */

struct db_hostreq {
    int64_t id;
    char host[NAME_LEN];
    char kind[64];
    int migration_id;               /* 0 when none */
    char payload[32768];            /* JSON */
    char requested_by[NAME_LEN];
    int64_t deadline_us;
};

struct db_hostreq_result {
    bool ok;
    char result[8192];              /* JSON, "{}" when none */
    char error[1024];
};

/* Insert a request for host and NOTIFY ferry_host_request "<host>". */
int db_hostreq_send(struct db *db, const char *host, const char *kind, int migration_id,
                    const char *payload, int timeout_s, const char *requested_by,
                    int64_t *id, struct err *err);

/* Wait for request id to be answered, until its deadline (then it is marked
 * failed and ERR_TIMEOUT is returned).  db must not be in a transaction;
 * it LISTENs on ferry_host_request_done. */
int db_hostreq_wait(struct db *db, int64_t id, struct db_hostreq_result *out,
                    struct err *err);

/* A compute answers its requests in two lanes, each a thread of its own:
 * check_destination, which itself asks the source a question and waits, and
 * every other kind, which never waits on another host.  So two hosts
 * checking migrations towards each other never wait on each other. */
enum db_hostreq_lane {
    DB_HOSTREQ_LANE_CHECKS,         /* check_destination */
    DB_HOSTREQ_LANE_OTHERS,         /* everything else */
};

/* Compute side: claim the oldest pending request of a lane for host (status
 * running).  1: claimed; 0: none. */
int db_hostreq_take(struct db *db, const char *host, enum db_hostreq_lane lane,
                     struct db_hostreq *out, struct err *err);

/* At ferry-compute's start: its requests of a lane left running by a
 * process that died go back to pending (if still in time), to be answered
 * again. */
int db_hostreq_requeue(struct db *db, const char *host, enum db_hostreq_lane lane, int *n,
                       struct err *err);

/* The answer of the newest successful request of kind for a migration
 * ("{}"-less: 0 when there is none, 1 with *out filled). */
int db_hostreq_last_answer(struct db *db, int migration_id, const char *kind,
                           struct db_hostreq_result *out, struct err *err);

/* Answer a claimed request and NOTIFY ferry_host_request_done "<id>".
 * 1: the answer is recorded; 0: too late, the asker gave up waiting and
 * failed the request (it will never read this answer); -1: error. */
int db_hostreq_finish(struct db *db, int64_t id, const struct db_hostreq_result *res,
                      struct err *err);

/* ---- instance actions (db_action.c) ---- */

/* Record an instance action (live-migration, live_migration_cancel, ...). */
int db_action_start(struct db *db, const char *instance_uuid, const char *request_id,
                    const char *action, const char *user_id, const char *project_id,
                    struct err *err);

/* Start an event of the action (instance, request_id); finish it with
 * result "Success" or "Error" and details (request_id NULL: the newest
 * unfinished event of that name of any of the instance's actions). */
int db_action_event_start(struct db *db, const char *instance_uuid, const char *request_id,
                          const char *event, const char *host, struct err *err);
int db_action_event_finish(struct db *db, const char *instance_uuid, const char *request_id,
                           const char *event, bool ok, const char *details,
                           struct err *err);

/* Reads for GET /servers/{id}/os-instance-actions[/{request_id}].  Empty
 * strings stand for SQL NULL. */

/* The server an action read is about (Nova reads deleted servers from
 * 2.21). */
struct db_action_owner {
    char uuid[UUID_STR_LEN];
    char project_id[NAME_LEN];
    bool deleted;
};

/* By uuid (canonical form); with_deleted also finds deleted instances;
 * project != NULL hides other projects' instances.  ERR_NOT_FOUND "Instance
 * <uuid> could not be found.". */
int db_action_owner_get(struct db *db, const char *uuid, const char *project,
                        bool with_deleted, struct db_action_owner *out, struct err *err);

struct db_action {
    int id;
    char instance_uuid[UUID_STR_LEN];
    char request_id[NAME_LEN];
    char action[64];
    char user_id[NAME_LEN];
    char project_id[NAME_LEN];
    char message[NAME_LEN];
    int64_t start_us;
    int64_t updated_us;             /* Nova's: the last event start or finish; 0: none */
};

struct db_action_event {
    char event[NAME_LEN];
    int64_t start_us;
    int64_t finish_us;              /* 0 while running */
    char result[32];
    char traceback[4096];
    char details[2048];
    char host[NAME_LEN];
};

/* One action of an instance by request id.  ERR_NOT_FOUND "Action <id> not
 * found". */
int db_action_get(struct db *db, const char *instance_uuid, const char *request_id,
                  struct db_action *out, struct err *err);

struct db_action_filter {
    struct db_time changes_since;   /* on updated_at */
    struct db_time changes_before;
    const struct db_action *marker; /* the last action seen, or NULL */
    int limit;                      /* <= 0: none */
};

/* An instance's actions, newest first (start_time, id). */
int db_action_list(struct db *db, const char *instance_uuid, const struct db_action_filter *f,
                   struct db_action **out, int *n, struct err *err);

/* The events of an action, newest first. */
int db_action_event_list(struct db *db, int action_id, struct db_action_event **out, int *n,
                         struct err *err);

/* ---- services and hypervisors (db_service.c) ----
 *
 * Each compute_hosts row is a nova-compute service and its hypervisor (one
 * node per host, as with libvirt).  Pre-2.53 integer ids are the row's id for
 * both; from 2.53 the service's id is service_uuid, the hypervisor's uuid. */

struct db_service {
    int id;
    char uuid[UUID_STR_LEN];        /* service_uuid */
    char host[NAME_LEN];
    bool disabled;
    char disabled_reason[NAME_LEN]; /* "" when NULL */
    bool forced_down;
    bool up;                        /* not forced down, heartbeat within down_time_s */
    int64_t updated_us;             /* last heartbeat or change; 0 when never */
};

/* Every service (host == NULL) or the one on host, ordered by id. */
int db_service_list(struct db *db, const char *host, int down_time_s, struct db_service **out,
                    int *n, struct err *err);

/* By service uuid (canonical form).  ERR_NOT_FOUND "Service <uuid> could not
 * be found.". */
int db_service_get(struct db *db, const char *uuid, int down_time_s, struct db_service *out,
                   struct err *err);

/* What PUT /os-services changes; -1 / false leave a field as it is. */
struct db_service_change {
    int disabled;                   /* 1, 0 or -1 */
    bool set_reason;                /* write disabled_reason (NULL when reason is NULL) */
    const char *reason;
    int forced_down;                /* 1, 0 or -1 */
};

/* Apply ch to the service with row id id; *out is the row afterwards. */
int db_service_update(struct db *db, int id, const struct db_service_change *ch,
                      int down_time_s, struct db_service *out, struct err *err);

/* Are there evacuations from host left in status done (Nova's check before
 * forcing a host up)? */
int db_service_done_evacuations(struct db *db, const char *host, bool *any, struct err *err);

struct db_hypervisor {
    int id;
    char uuid[UUID_STR_LEN];
    char hostname[NAME_LEN];        /* hypervisor_hostname */
    char host_ip[64];
    char hypervisor_type[32];
    int64_t hypervisor_version;
    int vcpus;
    int vcpus_used;
    int memory_mb;
    int memory_mb_used;             /* the instances' RAM plus the host's reserve */
    int local_gb;
    int local_gb_used;              /* root + ephemeral + swap of the instances */
    int running_vms;
    int current_workload;           /* instances here with a task (Nova's num_task_*) */
    char cpu_info[4096];            /* Nova's JSON document; "" when unknown */
    struct db_service service;
};

struct db_hypervisor_filter {
    const char *pattern;            /* hypervisor_hostname LIKE '%pattern%' (Nova's) */
    int after_id;                   /* paging: ids above this one; 0: from the start */
    int limit;                      /* <= 0: none */
    bool enabled_only;              /* services not disabled (statistics) */
};

/* Hypervisors ordered by id. */
int db_hypervisor_list(struct db *db, const struct db_hypervisor_filter *f, int down_time_s,
                       struct db_hypervisor **out, int *n, struct err *err);

/* By row id (uuid == NULL) or by uuid (canonical form).  ERR_NOT_FOUND
 * "Compute host <id> could not be found.". */
int db_hypervisor_get(struct db *db, int id, const char *uuid, int down_time_s,
                      struct db_hypervisor *out, struct err *err);

struct db_server_ref {
    char uuid[UUID_STR_LEN];
    char name[NAME_LEN];
};

/* The instances on host (with_servers), ordered by id. */
int db_hypervisor_servers(struct db *db, const char *host, struct db_server_ref **out, int *n,
                          struct err *err);

/* ---- flavors (db_flavor.c) ----
 *
 * Nova's flavor reads.  Unlike the other rows, a flavor owns two strings of
 * no fixed bound (a description may be 64 KiB, extra specs have no limit on
 * their count): they are malloc'd and go with db_flavor_list_free() or
 * db_flavor_clear(), never cut short.
 */

struct db_flavor {
    int id;                         /* internal id (sort key "id") */
    char flavorid[NAME_LEN];        /* the public id */
    char name[NAME_LEN];
    char *description;              /* owned; NULL when NULL */
    int memory_mb;
    int vcpus;
    int root_gb;
    int ephemeral_gb;
    int swap;
    double rxtx_factor;
    bool is_public;
    bool disabled;
    char *extra_specs;              /* owned JSON object text, "{}" when none */
};

/* Which flavors a list shows, as Nova's _get_flavors and the flavor query of
 * its context: a project (non-admin) sees public flavors and those shared
 * with it; public selects (admin only) public ones and those shared with
 * access_project, private ones, or all. */
enum db_flavor_public { DB_FLAVOR_PUBLIC, DB_FLAVOR_PRIVATE, DB_FLAVOR_ANY };

struct db_flavor_filter {
    const char *project;            /* non-admin caller's project; NULL: admin */
    const char *access_project;     /* with DB_FLAVOR_PUBLIC: shared with it counts */
    enum db_flavor_public public;
    bool enabled_only;              /* leave disabled flavors out (non-admins) */
    const char *min_ram;            /* decimal integer (any size, sign) or NULL */
    const char *min_disk;
    const char *name_regex;         /* POSIX regex on the name (2.102), or NULL */
    const char *sort_key;           /* one of Nova's VALID_SORT_KEYS; NULL: flavorid */
    bool sort_desc;
    int limit;                      /* rows at most; 0 gives none, as in Nova */
    const char *marker;             /* flavorid of the last row seen, or NULL */
};

/* Is key one of Nova's flavor sort keys (schemas/flavors.py VALID_SORT_KEYS)? */
bool db_flavor_sort_key_ok(const char *key);

/* The page of flavors f selects, ordered by (sort key, id) both in f's
 * direction (a NULL description, updated_at or vcpu_weight first when
 * ascending, as MySQL orders them for Nova), starting after the marker.
 * ERR_INVALID "marker [<marker>] not found" when the marker is not a flavor
 * the caller may see. */
int db_flavor_list(struct db *db, const struct db_flavor_filter *f, struct db_flavor **out,
                   int *n, struct err *err);

/* By public id, as the caller may see it (project != NULL: public or shared
 * with project).  ERR_NOT_FOUND "Flavor <id> could not be found.". */
int db_flavor_get(struct db *db, const char *flavorid, const char *project,
                  struct db_flavor *out, struct err *err);

/* The projects a flavor is shared with (os-flavor-access), sorted; *out is
 * a malloc'd array of n names. */
int db_flavor_projects(struct db *db, int flavor_db_id, char (**out)[NAME_LEN], int *n,
                       struct err *err);

/* Free a flavor's strings (the struct itself stays); NULL is a no-op. */
void db_flavor_clear(struct db_flavor *f);

/* Free a list from db_flavor_list(); NULL is a no-op. */
void db_flavor_list_free(struct db_flavor *v, int n);

/* ---- schema (db_schema.c) ---- */

/* Apply every migrations-sql/NNNN_*.sql in dir not yet in schema_migrations,
 * in order, each in one transaction.  *applied counts them. */
int db_schema_sync(struct db *db, const char *dir, int *applied, struct err *err);

#endif
