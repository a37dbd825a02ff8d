/* db_action.c - instance actions and their events (os-instance-actions). */
#include <stdio.h>
#include <string.h>

#include "common/auto.h"
#include "db/db_int.h"
#include "db/model.h"

int
db_action_start(struct db *db, const char *instance_uuid, const char *request_id,
                const char *action, const char *user_id, const char *project_id,
                struct err *err)
{
    const char *p[5] = { instance_uuid, request_id, action, user_id, project_id };

    return db_cmd(db,
                  "INSERT INTO instance_actions (instance_uuid, request_id, action, user_id,"
                  " project_id) VALUES ($1::uuid, $2, $3, $4, $5)"
                  " ON CONFLICT (instance_uuid, request_id) DO NOTHING",
                  5, p, err);
}

int
db_action_event_start(struct db *db, const char *instance_uuid, const char *request_id,
                      const char *event, const char *host, struct err *err)
{
    const char *p[4] = { instance_uuid, request_id, event, host };

    return db_cmd(db,
                  "INSERT INTO instance_action_events (action_id, event, host)"
                  " SELECT id, $3, $4 FROM instance_actions"
                  " WHERE instance_uuid = $1::uuid AND request_id = $2",
                  4, p, err);
}

int
db_action_event_finish(struct db *db, const char *instance_uuid, const char *request_id,
                       const char *event, bool ok, const char *details, struct err *err)
{
    const char *p[5] = { instance_uuid, request_id, event, ok ? "Success" : "Error", details };

    return db_cmd(db,
                  "WITH a AS (SELECT id FROM instance_actions"
                  "   WHERE instance_uuid = $1::uuid AND request_id = $2),"
                  " ev AS (UPDATE instance_action_events e SET finish_time = clock_timestamp(),"
                  "   result = $4, details = $5"
                  "   WHERE e.id = (SELECT max(e2.id) FROM instance_action_events e2, a"
                  "     WHERE e2.action_id = a.id AND e2.event = $3 AND e2.finish_time IS NULL)"
                  "   RETURNING e.action_id)"
                  " UPDATE instance_actions SET updated_at = clock_timestamp(),"
                  "   message = CASE WHEN $4 = 'Error' THEN 'Error' ELSE message END"
                  " FROM ev WHERE instance_actions.id = ev.action_id",
                  5, p, err);
}
