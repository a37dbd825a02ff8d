/* db_action.c - instance actions and their events (os-instance-actions). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auto.h"
#include "common/log.h"
#include "db/db.h"
#include "db/db_action.h"
#include "db/db_int.h"

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
                  "   WHERE instance_uuid = $1::uuid AND ($2::text IS NULL OR request_id = $2)),"
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

/* ---- reads (os-instance-actions) ---- */

int
db_action_owner_get(struct db *db, const char *uuid, const char *project, bool with_deleted,
                    struct db_action_owner *out, struct err *err)
{
    const char *p[3] = { uuid, project, with_deleted ? "true" : "false" };
    AUTO_PGRES PGresult *r = db_query(db,
                                      "SELECT uuid, project_id, deleted FROM instances"
                                      " WHERE uuid = $1::uuid AND (NOT deleted OR $3::boolean)"
                                      " AND ($2::text IS NULL OR project_id = $2)",
                                      3, p, err);

    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        return err_set(err, ERR_NOT_FOUND, "Instance %s could not be found.", uuid);
    memset(out, 0, sizeof(*out));
    row_cpy(r, 0, "uuid", out->uuid, sizeof(out->uuid));
    row_cpy(r, 0, "project_id", out->project_id, sizeof(out->project_id));
    out->deleted = row_bool(r, 0, "deleted");
    return 0;
}

/* Nova moves an action's updated_at to each event's start and finish time;
 * Ferry's writers only stamp it at finishes, so it is derived here. */
#define ACTION_SELECT                                                                    \
    "SELECT a.id, a.instance_uuid, a.request_id, a.action,"                              \
    " coalesce(a.user_id, '') AS user_id, coalesce(a.project_id, '') AS project_id,"     \
    " coalesce(a.message, '') AS message, " US("a.start_time") " AS start_us,"           \
    " " US("greatest(a.updated_at, ev.started, ev.finished)") " AS updated_us"           \
    " FROM instance_actions a LEFT JOIN LATERAL ("                                       \
    "   SELECT max(e.start_time) AS started, max(e.finish_time) AS finished"             \
    "   FROM instance_action_events e WHERE e.action_id = a.id) ev ON true"

/* The derived updated_at, for filters. */
#define ACTION_UPDATED "greatest(a.updated_at, ev.started, ev.finished)"

static void
action_read(const PGresult *r, int i, struct db_action *a)
{
    memset(a, 0, sizeof(*a));
    a->id = row_int(r, i, "id");
    row_cpy(r, i, "instance_uuid", a->instance_uuid, sizeof(a->instance_uuid));
    row_cpy(r, i, "request_id", a->request_id, sizeof(a->request_id));
    row_cpy(r, i, "action", a->action, sizeof(a->action));
    row_cpy(r, i, "user_id", a->user_id, sizeof(a->user_id));
    row_cpy(r, i, "project_id", a->project_id, sizeof(a->project_id));
    row_cpy(r, i, "message", a->message, sizeof(a->message));
    a->start_us = row_i64(r, i, "start_us");
    a->updated_us = row_i64(r, i, "updated_us");
}

int
db_action_get(struct db *db, const char *instance_uuid, const char *request_id,
              struct db_action *out, struct err *err)
{
    const char *p[2] = { instance_uuid, request_id };
    AUTO_PGRES PGresult *r = db_query(db,
                                      ACTION_SELECT " WHERE a.instance_uuid = $1::uuid"
                                      " AND a.request_id = $2"
                                      " ORDER BY a.start_time DESC, a.id DESC LIMIT 1",
                                      2, p, err);

    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        return err_set(err, ERR_NOT_FOUND, "Action %s not found", request_id);
    action_read(r, 0, out);
    return 0;
}

int
db_action_list(struct db *db, const char *instance_uuid, const struct db_action_filter *f,
               struct db_action **out, int *n, struct err *err)
{
    struct numbuf b[4];
    const char *p[5];
    AUTO_PGRES PGresult *r = NULL;
    struct db_action *v;

    p[0] = instance_uuid;
    p[1] = f->changes_since.set ? num(&b[2], f->changes_since.us) : NULL;
    p[2] = f->changes_before.set ? num(&b[3], f->changes_before.us) : NULL;
    p[3] = f->marker ? num(&b[0], f->marker->id) : NULL;
    p[4] = f->limit > 0 ? num(&b[1], f->limit) : NULL;
    r = db_query(db,
                 ACTION_SELECT " WHERE a.instance_uuid = $1::uuid"
                 " AND ($2::bigint IS NULL OR " ACTION_UPDATED " >= " EPOCH_US("$2") ")"
                 " AND ($3::bigint IS NULL OR " ACTION_UPDATED " <= " EPOCH_US("$3") ")"
                 " AND ($4::int IS NULL OR (a.start_time, a.id) <"
                 "   (SELECT m.start_time, m.id FROM instance_actions m WHERE m.id = $4::int))"
                 " ORDER BY a.start_time DESC, a.id DESC LIMIT $5::int",
                 5, p, err);
    if (!r)
        return -1;
    *n = PQntuples(r);
    v = calloc((size_t)(*n ? *n : 1), sizeof(*v));
    if (!v)
        fatalx("out of memory");
    for (int i = 0; i < *n; i++)
        action_read(r, i, &v[i]);
    *out = v;
    return 0;
}

int
db_action_event_list(struct db *db, int action_id, struct db_action_event **out, int *n,
                     struct err *err)
{
    struct numbuf b;
    const char *p[1] = { num(&b, action_id) };
    AUTO_PGRES PGresult *r = db_query(db,
                                      "SELECT event, " US("start_time") " AS start_us,"
                                      " " US("finish_time") " AS finish_us,"
                                      " coalesce(result, '') AS result,"
                                      " coalesce(traceback, '') AS traceback,"
                                      " coalesce(details, '') AS details,"
                                      " coalesce(host, '') AS host"
                                      " FROM instance_action_events WHERE action_id = $1"
                                      " ORDER BY start_time DESC, id DESC",
                                      1, p, err);
    struct db_action_event *v;

    if (!r)
        return -1;
    *n = PQntuples(r);
    v = calloc((size_t)(*n ? *n : 1), sizeof(*v));
    if (!v)
        fatalx("out of memory");
    for (int i = 0; i < *n; i++) {
        row_cpy(r, i, "event", v[i].event, sizeof(v[i].event));
        v[i].start_us = row_i64(r, i, "start_us");
        v[i].finish_us = row_i64(r, i, "finish_us");
        row_cpy(r, i, "result", v[i].result, sizeof(v[i].result));
        row_cpy(r, i, "traceback", v[i].traceback, sizeof(v[i].traceback));
        row_cpy(r, i, "details", v[i].details, sizeof(v[i].details));
        row_cpy(r, i, "host", v[i].host, sizeof(v[i].host));
    }
    *out = v;
    return 0;
}
