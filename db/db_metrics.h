/* db_metrics.h - what the live migrations recorded add up to, for
 * Prometheus (db_metrics.c; ferry-api's /metrics renders it).  Read in one
 * REPEATABLE READ transaction, so that every figure is of the same moment
 * (a histogram's buckets, its count and the counts by status agree). */
#ifndef FERRY_DB_METRICS_H
#define FERRY_DB_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "common/mig_state.h"
#include "db/db.h"

#define DB_HIST_MAX 16              /* bounds of a histogram */
#define DB_STEP_MAX 5               /* the ferry ladder's steps, 1-5 */

/* A histogram: how many values are <= each bound (cumulative, as
 * Prometheus wants them), how many in all, their sum. */
struct db_hist {
    int64_t le[DB_HIST_MAX];
    int64_t count;
    double sum;
};

/* The live migrations of one policy (not deleted). */
struct db_policy_metrics {
    char policy[16];                /* "nova", "ferry"; "" before one is chosen */
    int64_t by_status[MIG_STATUS_COUNT];
    struct db_hist duration_s;      /* completed: request to the end, s */
    struct db_hist downtime_s;      /* completed with a measured downtime, s */
    int64_t over_budget;            /* completed with a downtime over its budget */
    int64_t sent_bytes;             /* ended (any way): bytes sent */
    int64_t by_step[DB_STEP_MAX];   /* ended: the ladder's highest step reached */
};

/* A compute service's gauges. */
struct db_host_metrics {
    char host[256];
    bool up;                        /* heartbeat within service_down_time, not forced down */
    bool disabled;
    int running_vms;                /* instances placed there */
    int incoming_migrations;        /* claims of migrations on their way in */
};

/* Histogram bounds, ascending (at most DB_HIST_MAX each). */
struct db_metrics_bounds {
    const double *duration_s;
    int n_duration;
    const double *downtime_s;
    int n_downtime;
};

/* Every policy's figures into *pm, every compute service's into *hosts
 * (both malloc'd; *npm, *nhosts of them); down_time_s: service_down_time. */
int db_metrics_read(struct db *db, const struct db_metrics_bounds *b, int down_time_s,
                    struct db_policy_metrics **pm, int *npm, struct db_host_metrics **hosts,
                    int *nhosts, struct err *err);

#endif
