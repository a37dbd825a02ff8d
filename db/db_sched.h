/* db_sched.h - the scheduler's filters and weighers in SQL, and its
 * reservations of capacity (db_sched.c). */
#ifndef FERRY_DB_SCHED_H
#define FERRY_DB_SCHED_H

#include <stdint.h>

#include "common/err.h"
#include "db/db.h"
#include "db/db_host.h"

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
    bool forced;                    /* a forced destination: taken even disabled */
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
 * checked, so two reservations can never overcommit it, and, unless q is
 * forced, that it is still enabled and not forced down (a drain disables a
 * host while decisions are under way).  A reservation of the same migration
 * elsewhere moves here.  1: reserved; 0: no room (or no longer enabled);
 * -1: error. */
int db_reservation_take(struct db *db, int migration_id, const struct db_sched_query *q,
                        const char *host, struct err *err);

/* Release a migration's reservation (a refused destination).  Terminal
 * status changes release them by themselves (db_mig_transition). */
int db_reservation_release(struct db *db, int migration_id, struct err *err);

#endif
