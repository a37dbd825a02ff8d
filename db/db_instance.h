/* db_instance.h - instances (db_instance.c): reads, Nova's guards, the
 * import of what a compute finds in libvirt. */
#ifndef FERRY_DB_INSTANCE_H
#define FERRY_DB_INSTANCE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "common/util.h"
#include "db/db.h"
#include "db/db_types.h"

#define DB_CPU_FEATURES_MAX 128
#define DB_CPU_FEATURE_LEN 64

/* The CPU features a guest requires: each <feature> of its <cpu> whose
 * policy is require or force, or has none, as ferry-compute decided them
 * when it imported the domain (cpu_required_features, compute/cpu.h).  What
 * the scheduler's CPU pre-filter asks of a KVM host.  Names are libvirt's
 * (letters, digits and "_.-"). */
struct db_cpu_features {
    int n;
    char name[DB_CPU_FEATURES_MAX][DB_CPU_FEATURE_LEN];
};

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
    char cpu_xml[8192];             /* the guest's <cpu>, "" when none: what a
                                     * destination compares (virt compare_cpu) */
    struct db_cpu_features cpu_features;    /* what that <cpu> requires */
    int progress;                   /* -1 when NULL */
    int64_t launched_us;
    int64_t created_us;
    int64_t updated_us;
    char host_status[16];           /* db_instance_list(): UP, DOWN, MAINTENANCE, UNKNOWN, "" */
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
    const char *marker;             /* a uuid: the rows after it (known: checked by
                                     * db_instance_marker_check() first) */
    int down_time_s;                /* service_down_time, for host_status */
};

/* Nova's MarkerNotFound for a page of servers: ERR_INVALID "marker [<uuid>]
 * not found" unless an instance (deleted ones too) has that uuid
 * (canonical form). */
int db_instance_marker_check(struct db *db, const char *uuid, struct err *err);

/* A page of instances, newest first, each with its host's status and its
 * metadata (one query, whatever the page's size); free the list with
 * db_instance_list_free(). */
int db_instance_list(struct db *db, const struct db_instance_filter *f,
                     struct db_instance **out, int *n, struct err *err);
void db_instance_list_free(struct db_instance *v, int n);

/* Import a domain found on host, as ferry-compute read it from libvirt: of
 * in, uuid, name, domain_name, project_id, user_id, flavor_name, the size
 * (memory_mb, vcpus, root_gb, ephemeral_gb, swap), power_state, cpu_xml and
 * cpu_features; the rest is ignored.  A new uuid becomes an instance on host
 * (with a flavor matching its size); a known one only refreshes its power
 * state and, while it runs or is paused, its cpu_xml and cpu_features (the live CPU:
 * a sync may first have caught the domain defined, not started), and only
 * while host owns it.  *created tells which happened. */
int db_instance_import(struct db *db, const char *host, const char *node,
                       const struct db_instance *in, bool *created, struct err *err);

/* A guest's dirty rate as measured in the background (compute/rates.c). */
struct db_dirty_rate {
    int64_t bps;                    /* distinct bytes/s */
    int period_s;                   /* over this period */
    int64_t age_ms;                 /* ended this long ago */
};

/* Record the dirty rate of instance uuid: bps over period_s, ending age_ms
 * ago (the measure's end, not when it was read: a read held up makes it no
 * younger). */
int db_instance_set_dirty_rate(struct db *db, const char *uuid, int64_t bps, int period_s,
                               int64_t age_ms, struct err *err);

/* The dirty rate last recorded for uuid if it ended at most max_age_ms ago:
 * 1 and *out; 0 when there is none that recent; -1 on error. */
int db_instance_dirty_rate(struct db *db, const char *uuid, int max_age_ms,
                           struct db_dirty_rate *out, struct err *err);

/* Domains that vanished from their host: power state -> shutdown. */
int db_instance_mark_missing(struct db *db, const char *host, const char *const *present,
                             int n, struct err *err);

#endif
