/* cfg.h - configuration: one INI file in nova.conf's dialect, read with inih.
 *
 * Every option is one row of the table in cfg.c, named as in Nova wherever
 * Nova has the option (section + key, same default, same meaning).  Ferry's
 * own options live in [ferry].  Options of Nova's sections that Ferry does
 * not implement are reported once as ignored; an unknown key in [ferry] or a
 * bad value anywhere stops start-up with the file and line.
 *
 * Adding an option:
 *   1. add the field to struct cfg below, with a comment;
 *   2. add its row to cfg_opts[] in cfg.c (section, key, type, field, default,
 *      bounds or choices);
 *   3. use it; never read the INI file anywhere else;
 *   4. document it in README.md (Configuration) and etc/ferry.conf.sample;
 *   5. if tests need it scaled down, set it in their config, visibly.
 */
#ifndef FERRY_CFG_H
#define FERRY_CFG_H

#include <stdbool.h>
#include <stdio.h>

#include "common/err.h"

#define CFG_STR_MAX 512

enum auth_strategy { AUTH_NOAUTH2, AUTH_TOKEN };
enum timeout_action { TIMEOUT_ABORT, TIMEOUT_FORCE_COMPLETE };
enum mig_policy { MIG_POLICY_NOVA, MIG_POLICY_FERRY };

struct cfg {
    /* [DEFAULT] */
    char host[256];                 /* this compute's service host name */
    char my_ip[64];                 /* this host's address (migration target fallback) */
    char api_listen[64];            /* osapi_compute_listen */
    int api_port;                   /* osapi_compute_listen_port */
    int max_concurrent_lm;          /* max_concurrent_live_migrations, 0 = unlimited */
    int service_down_time;          /* s without heartbeat before a host is down */
    int report_interval;            /* s between heartbeats */
    int migrate_max_retries;        /* -1: try until hosts run out */
    int rpc_response_timeout;       /* s the API waits for the conductor (< 2.34) */
    int long_rpc_timeout;           /* s a host request may take */
    double ram_allocation_ratio;
    double cpu_allocation_ratio;
    double disk_allocation_ratio;
    int reserved_host_memory_mb;
    char instances_path[CFG_STR_MAX];   /* where local guest disks live */
    bool debug;

    /* [filter_scheduler] */
    double ram_weight_multiplier;   /* more free RAM weighs more */
    double io_ops_weight_multiplier;/* negative: fewer migrations coming in weighs more */
    int max_io_ops_per_host;        /* incoming migrations a host may take at once */

    /* [api] */
    enum auth_strategy auth_strategy;
    int max_limit;                  /* page size cap for /os-migrations */

    /* [database] */
    char db_connection[CFG_STR_MAX];
    int db_max_pool_size;           /* connections per ferry-api process */
    int db_pool_timeout;            /* s a request waits for a free one (then 503) */

    /* [libvirt] */
    char virt_type[16];
    char connection_uri[CFG_STR_MAX];
    char lm_uri[CFG_STR_MAX];       /* live_migration_uri (deprecated in Nova) */
    char lm_scheme[32];
    char lm_inbound_addr[256];
    bool lm_tunnelled;
    bool lm_native_tls;
    int lm_bandwidth;               /* MiB/s, 0 = hypervisor default */
    int lm_downtime;                /* ms */
    int lm_downtime_steps;
    int lm_downtime_delay;          /* s per GiB */
    int lm_completion_timeout;      /* s per GiB, 0 = none */
    enum timeout_action lm_timeout_action;
    bool lm_permit_post_copy;
    bool lm_permit_auto_converge;
    int lm_monitor_interval;        /* s between saves of the row's counters */
    int lm_parallel_connections;

    /* [oslo_middleware] */
    int max_request_body_size;

    /* [healthcheck] (oslo.middleware's) */
    char healthcheck_disable_path[CFG_STR_MAX]; /* GET /healthcheck: 503 while it exists */

    /* [ferry] */
    int max_microversion;           /* encoded as major * 1000 + minor */
    char import_project_id[256];
    char import_user_id[256];
    char token_file[CFG_STR_MAX];
    int sample_interval_ms;         /* job stats poll period */
    enum mig_policy migration_policy;   /* a guest's policy unless its metadata says */
    int nova_policy_time_divisor;   /* benchmarks: the nova policy's delays / this */
    int api_workers;                /* threads that run requests (ferry-api) */
    int api_max_connections;        /* open connections at once, in total */
    int api_max_connections_per_ip; /* ... from one client address (0: no limit) */
    int api_request_timeout;        /* s for each request's headers and body */
    int link_bandwidth_mib;         /* the migration network's capacity, 0: see cfg.c */
    int dirty_rate_interval;        /* s between background dirty-rate measurements of
                                     * each guest (compute/rates.c), 0: none */
    int link_stall_ms;              /* a post-copy job that moves nothing this long
                                     * is paused, to be resumed */
    int precopy_stall_ms;           /* a pre-copy job that moves nothing this long
                                     * is aborted (the guest runs on) */
    int postcopy_recover_timeout;   /* s a broken post-copy is resumed for, then error */
    int postcopy_probe_port;        /* the data path's probe listener, 0: none */
};

/* Fill *cfg with every option's default. */
void cfg_defaults(struct cfg *cfg);

/* Read one nova.conf-style file over *cfg (later files override earlier
 * ones).  Unknown Nova options are logged once as ignored; a bad value or an
 * unknown [ferry] key fails with "FILE:LINE: ..." in err. */
int cfg_load(struct cfg *cfg, const char *path, struct err *err);

/* Apply environment overrides (FERRY_DATABASE_CONNECTION). */
void cfg_env(struct cfg *cfg);

/* Write every option's effective value, INI style (--print-config). */
void cfg_print(const struct cfg *cfg, FILE *out);

/* Parse "2.96" into 2096; -1 when malformed. */
int cfg_parse_mv(const char *s);

#endif
