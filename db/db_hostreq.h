/* db_hostreq.h - host requests (db_hostreq.c): Nova's RPC calls between
 * hosts as rows, sent, waited for, taken and answered. */
#ifndef FERRY_DB_HOSTREQ_H
#define FERRY_DB_HOSTREQ_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "db/db.h"
#include "db/db_types.h"

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

#endif
