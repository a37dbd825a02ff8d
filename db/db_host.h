/* db_host.h - compute hosts (db_host.c): a host's row with its derived
 * usage and room, registration, heart-beat and reads. */
#ifndef FERRY_DB_HOST_H
#define FERRY_DB_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "common/util.h"
#include "db/db.h"
#include "db/db_types.h"

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

#endif
