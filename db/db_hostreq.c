/* db_hostreq.c - host requests: Nova's RPC calls to one compute, as rows.
 *
 * The asker inserts a row for the target host and NOTIFYs
 * ferry_host_request; the target's ferry-compute claims it, does the work
 * and answers with NOTIFY ferry_host_request_done "<id>".  The deadline is
 * part of the row, so a request nobody answered in time is failed by the
 * asker and never run late.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auto.h"
#include "common/log.h"
#include "db/db.h"
#include "db/db_hostreq.h"
#include "db/db_int.h"

int
db_hostreq_send(struct db *db, const char *host, const char *kind, int migration_id,
                const char *payload, int timeout_s, const char *requested_by, int64_t *id,
                struct err *err)
{
    struct numbuf b[2];
    const char *p[6] = { host, kind, migration_id ? num(&b[0], migration_id) : NULL, payload,
                         num(&b[1], timeout_s), requested_by };
    AUTO_PGRES PGresult *r = db_query(db,
        "WITH q AS (INSERT INTO host_requests (host, kind, migration_id, payload, deadline,"
        "   requested_by) VALUES ($1, $2, $3::int, $4::jsonb,"
        "   clock_timestamp() + make_interval(secs => $5::int), $6) RETURNING id, host)"
        " SELECT q.id, pg_notify('ferry_host_request', q.host) FROM q",
        6, p, err);

    if (!r)
        return -1;
    *id = row_i64(r, 0, "id");
    return 0;
}

/* 1: answered (out filled); 0: still pending; -1: error. */
static int
hostreq_poll(struct db *db, int64_t id, struct db_hostreq_result *out, struct err *err)
{
    struct numbuf b;
    const char *p[1] = { num(&b, id) };
    AUTO_PGRES PGresult *r = db_query(db,
        "SELECT status, coalesce(result::text, '{}') AS result,"
        " coalesce(error, '') AS error, clock_timestamp() > deadline AS expired"
        " FROM host_requests WHERE id = $1::bigint",
        1, p, err);
    const char *st;

    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        return err_set(err, ERR_INTERNAL, "host request %lld vanished", (long long)id);
    st = row_str(r, 0, "status");
    if (strcmp(st, "done") == 0 || strcmp(st, "failed") == 0) {
        out->ok = strcmp(st, "done") == 0;
        row_cpy(r, 0, "result", out->result, sizeof(out->result));
        row_cpy(r, 0, "error", out->error, sizeof(out->error));
        return 1;
    }
    if (row_bool(r, 0, "expired"))
        return 2;
    return 0;
}

int
db_hostreq_wait(struct db *db, int64_t id, struct db_hostreq_result *out, struct err *err)
{
    struct numbuf b;
    const char *p[1] = { num(&b, id) };

    memset(out, 0, sizeof(*out));
    if (db_listen(db, "ferry_host_request_done", err) < 0)
        return -1;
    for (;;) {
        struct db_notify n;
        int rc = hostreq_poll(db, id, out, err);

        if (rc < 0)
            return -1;
        if (rc == 1)
            return 0;
        if (rc == 2) {
            /* fail it ourselves so a late worker never runs it */
            AUTO_PGRES PGresult *r = db_query(db,
                "UPDATE host_requests SET status = 'failed', finished_at = clock_timestamp(),"
                " error = 'timed out waiting for the host to answer'"
                " WHERE id = $1::bigint AND status IN ('pending', 'running') RETURNING id",
                1, p, err);
            if (!r)
                return -1;
            if (PQntuples(r) == 0)
                continue;   /* answered at the last moment: read it */
            out->ok = false;
            snprintf(out->result, sizeof(out->result), "{}");
            snprintf(out->error, sizeof(out->error), "timed out waiting for the host");
            return err_set(err, ERR_TIMEOUT, "host request %lld timed out", (long long)id);
        }
        /* wake on any answer, re-check ours; poll at least once a second */
        if (db_wait(db, 1000, &n, err) < 0)
            return -1;
    }
}

int
db_hostreq_take(struct db *db, const char *host, enum db_hostreq_lane lane,
                 struct db_hostreq *out, struct err *err)
{
    const char *p[2] = { host, lane == DB_HOSTREQ_LANE_CHECKS ? "t" : "f" };
    AUTO_PGRES PGresult *r = db_query(db,
        "UPDATE host_requests SET status = 'running', claimed_at = clock_timestamp()"
        " WHERE id = (SELECT id FROM host_requests WHERE host = $1 AND status = 'pending'"
        "   AND deadline > clock_timestamp() AND (kind = 'check_destination') = $2::bool"
        "   ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)"
        " RETURNING id, host, kind, coalesce(migration_id, 0) AS migration_id,"
        " payload::text AS payload, requested_by, " US("deadline") " AS deadline_us",
        2, p, err);

    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        return 0;
    memset(out, 0, sizeof(*out));
    out->id = row_i64(r, 0, "id");
    row_cpy(r, 0, "host", out->host, sizeof(out->host));
    row_cpy(r, 0, "kind", out->kind, sizeof(out->kind));
    out->migration_id = row_int(r, 0, "migration_id");
    row_cpy(r, 0, "payload", out->payload, sizeof(out->payload));
    row_cpy(r, 0, "requested_by", out->requested_by, sizeof(out->requested_by));
    out->deadline_us = row_i64(r, 0, "deadline_us");
    return 1;
}

int
db_hostreq_finish(struct db *db, int64_t id, const struct db_hostreq_result *res,
                  struct err *err)
{
    struct numbuf b;
    const char *p[4] = { num(&b, id), res->ok ? "done" : "failed",
                         res->result[0] ? res->result : "{}", res->ok ? NULL : res->error };

    AUTO_PGRES PGresult *r = db_query(db,
        "WITH q AS (UPDATE host_requests SET status = $2, result = $3::jsonb,"
        "   error = $4, finished_at = clock_timestamp()"
        "   WHERE id = $1::bigint AND status = 'running' RETURNING id)"
        " SELECT pg_notify('ferry_host_request_done', q.id::text) FROM q",
        4, p, err);

    if (!r)
        return -1;
    /* no row: the asker's deadline passed and it failed the request */
    return PQntuples(r) == 1 ? 1 : 0;
}

int
db_hostreq_requeue(struct db *db, const char *host, enum db_hostreq_lane lane, int *n,
                   struct err *err)
{
    const char *p[2] = { host, lane == DB_HOSTREQ_LANE_CHECKS ? "t" : "f" };
    AUTO_PGRES PGresult *r = db_query(db,
        "WITH q AS (UPDATE host_requests SET status = 'pending', claimed_at = NULL"
        "   WHERE host = $1 AND status = 'running' AND deadline > clock_timestamp()"
        "   AND (kind = 'check_destination') = $2::bool RETURNING id)"
        " SELECT count(*) AS n FROM q",
        2, p, err);

    if (!r)
        return -1;
    *n = row_int(r, 0, "n");
    return 0;
}

int
db_hostreq_last_answer(struct db *db, int migration_id, const char *kind,
                       struct db_hostreq_result *out, struct err *err)
{
    struct numbuf b;
    const char *p[2] = { num(&b, migration_id), kind };
    AUTO_PGRES PGresult *r = db_query(db,
        "SELECT coalesce(result::text, '{}') AS result FROM host_requests"
        " WHERE migration_id = $1::int AND kind = $2 AND status = 'done'"
        " ORDER BY id DESC LIMIT 1",
        2, p, err);

    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        return 0;
    memset(out, 0, sizeof(*out));
    out->ok = true;
    row_cpy(r, 0, "result", out->result, sizeof(out->result));
    return 1;
}
