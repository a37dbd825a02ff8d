/* db_service.h - services and hypervisors (db_service.c).
 *
 * Each compute_hosts row is a nova-compute service and its hypervisor (one
 * node per host, as with libvirt).  Pre-2.53 integer ids are the row's id for
 * both; from 2.53 the service's id is service_uuid, the hypervisor's uuid. */
#ifndef FERRY_DB_SERVICE_H
#define FERRY_DB_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "common/util.h"
#include "db/db.h"
#include "db/db_types.h"

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

#endif
