/* db_drain.c - server-side host drains (0013_host_drains.sql). */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "db/db_drain.h"
#include "db/db_int.h"

#define DRAIN_COLS                                                                    \
    " d.id, d.host, d.request_id, d.user_id, d.disabled_reason,"                      \
    " " US("d.created_at") " AS created_us, d.skipped::text AS skipped"

static void
drain_read(const PGresult *r, int i, struct db_drain *d)
{
    memset(d, 0, sizeof(*d));
    d->id = row_int(r, i, "id");
    row_cpy(r, i, "host", d->host, sizeof(d->host));
    row_cpy(r, i, "request_id", d->request_id, sizeof(d->request_id));
    row_cpy(r, i, "user_id", d->user_id, sizeof(d->user_id));
    row_cpy(r, i, "disabled_reason", d->disabled_reason, sizeof(d->disabled_reason));
    d->created_us = row_i64(r, i, "created_us");
    if (!(d->skipped_json = strdup(row_str(r, i, "skipped"))))
        fatalx("out of memory");
}

/* The live migrations under way from host (any request's), SQL. */
#define DRAIN_MOVING(HOST)                                                            \
    "(SELECT count(*) FROM migrations m WHERE m.source_compute = " HOST               \
    " AND NOT m.deleted AND m.migration_type = 'live-migration'"                      \
    " AND m.status NOT IN " MIG_ENDED_SQL ")"

/* Under the host's row lock: refused while its latest drain still moves
 * something (ERR_CONFLICT), ERR_NOT_FOUND without the host. */
static int
drain_free_to_start(struct db *db, const char *host, struct err *err)
{
    const char *p[1] = { host };
    AUTO_PGRES PGresult *r = db_query(db,
        "SELECT (SELECT request_id FROM host_drains d WHERE d.host = h.host"
        "   ORDER BY d.id DESC LIMIT 1) AS request_id, " DRAIN_MOVING("h.host") " AS moving"
        " FROM compute_hosts h WHERE h.host = $1 FOR UPDATE OF h", 1, p, err);

    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        return err_set(err, ERR_NOT_FOUND, "Compute host %s could not be found.", host);
    if (!row_isnull(r, 0, "request_id") && row_int(r, 0, "moving") > 0)
        return err_set(err, ERR_CONFLICT, "Compute host %s is being drained (%s): %d live "
                       "migration(s) from it under way.", host, row_str(r, 0, "request_id"),
                       row_int(r, 0, "moving"));
    return 0;
}

int
db_drain_begin(struct db *db, const char *host, const char *request_id,
               const char *user_id, const char *project_id, const char *reason,
               struct db_drain *out, struct err *err)
{
    const char *p[5] = { host, request_id, user_id, project_id, reason };
    AUTO_PGRES PGresult *r = NULL;

    memset(out, 0, sizeof(*out));
    if (db_begin(db, err) < 0)
        return -1;
    if (drain_free_to_start(db, host, err) < 0)
        goto fail;
    /* the service disabled first: no scheduler claims it as a destination
     * from here on (db_reservation_take checks), this drain's own included */
    r = db_query(db,
        "WITH h AS (UPDATE compute_hosts SET disabled = true,"
        "   disabled_reason = CASE WHEN disabled THEN disabled_reason ELSE $5 END,"
        "   updated_at = now() WHERE host = $1"
        "   RETURNING host, coalesce(disabled_reason, '') AS reason)"
        " INSERT INTO host_drains AS d (host, request_id, user_id, project_id, disabled_reason)"
        " SELECT host, $2, $3, $4, reason FROM h RETURNING" DRAIN_COLS, 5, p, err);
    if (!r)
        goto fail;
    if (PQntuples(r) == 0) {
        err_set(err, ERR_NOT_FOUND, "Compute host %s could not be found.", host);
        goto fail;
    }
    if (db_commit(db, err) < 0)
        return -1;
    drain_read(r, 0, out);
    return 0;
fail:
    db_rollback(db);
    return -1;
}

int
db_drain_skip(struct db *db, int drain_id, const char *server_id, const char *reason,
              struct err *err)
{
    struct numbuf b;
    const char *p[3] = { num(&b, drain_id), server_id, reason };

    return db_cmd(db,
                  "UPDATE host_drains SET skipped = skipped || jsonb_build_array("
                  " jsonb_build_object('server_id', $2::text, 'reason', $3::text))"
                  " WHERE id = $1::int", 3, p, err);
}

/* The drain's migrations and its counts into out. */
static int
drain_progress(struct db *db, struct db_drain *out, struct db_drain_mig **migs, int *n,
               struct err *err)
{
    const char *p[2] = { out->request_id, out->host };
    AUTO_PGRES PGresult *r = db_query(db,
        "SELECT m.id, m.instance_uuid::text AS server_id, m.status,"
        " coalesce(m.dest_compute, '') AS dest_compute, coalesce(m.reason, '') AS reason"
        " FROM migrations m WHERE m.request_id = $1 AND NOT m.deleted ORDER BY m.id",
        1, p, err);
    AUTO_PGRES PGresult *host = NULL;
    struct db_drain_mig *v;

    if (!r)
        return -1;
    *n = PQntuples(r);
    if (!(v = calloc(*n > 0 ? (size_t)*n : 1, sizeof(*v))))
        fatalx("out of memory");
    for (int i = 0; i < *n; i++) {
        v[i].id = row_int(r, i, "id");
        row_cpy(r, i, "server_id", v[i].server_id, sizeof(v[i].server_id));
        row_cpy(r, i, "status", v[i].status, sizeof(v[i].status));
        row_cpy(r, i, "dest_compute", v[i].dest_compute, sizeof(v[i].dest_compute));
        row_cpy(r, i, "reason", v[i].reason, sizeof(v[i].reason));
    }
    *migs = v;
    /* what still moves off the host, this drain's or not (an instance a
     * migration asked for by hand was skipped here, and is moving) */
    if (!(host = db_query(db, "SELECT (SELECT count(*) FROM instances WHERE host = $1"
                              " AND NOT deleted) AS remaining, " DRAIN_MOVING("$1")
                              " AS moving", 1, &p[1], err))) {
        free(v);
        *migs = NULL;
        return -1;
    }
    out->remaining = row_int(host, 0, "remaining");
    out->in_progress = row_int(host, 0, "moving");
    return 0;
}

int
db_drain_get(struct db *db, const char *host, struct db_drain *out,
             struct db_drain_mig **migs, int *n, struct err *err)
{
    const char *p[1] = { host };
    AUTO_PGRES PGresult *r = NULL;

    memset(out, 0, sizeof(*out));
    *migs = NULL;
    *n = 0;
    if (db_begin_snapshot(db, err) < 0)
        return -1;
    r = db_query(db, "SELECT" DRAIN_COLS " FROM host_drains d WHERE d.host = $1"
                     " ORDER BY d.id DESC LIMIT 1", 1, p, err);
    if (!r)
        goto fail;
    if (PQntuples(r) == 0) {
        err_set(err, ERR_NOT_FOUND, "Compute host %s has no drain.", host);
        goto fail;
    }
    drain_read(r, 0, out);
    if (drain_progress(db, out, migs, n, err) < 0 || db_commit(db, err) < 0) {
        db_drain_free(out);
        free(*migs);
        *migs = NULL;
        *n = 0;
        goto fail;
    }
    return 0;
fail:
    db_rollback(db);
    return -1;
}

void
db_drain_free(struct db_drain *d)
{
    free(d->skipped_json);
    d->skipped_json = NULL;
}
