/* db_action.h - instance actions and their events (db_action.c):
 * recorded by the processes, read by os-instance-actions. */
#ifndef FERRY_DB_ACTION_H
#define FERRY_DB_ACTION_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "common/util.h"
#include "db/db.h"
#include "db/db_types.h"

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

#endif
