/* db_steer.c - what the ferry policy records (0009): the forecast, the
 * step reached, the per-iteration table, admission's wait, and what other
 * migrations use of a host's link. */
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/db_int.h"
#include "db/db_steer.h"

int
db_mig_record_forecast(struct db *db, int id, const char *forecast_json, struct err *err)
{
    struct numbuf b;
    const char *p[2] = { num(&b, id), forecast_json };

    return db_cmd(db, "UPDATE migrations SET forecast = $2::jsonb WHERE id = $1::int", 2, p,
                  err);
}

int
db_mig_queued_dirty_rate(struct db *db, int id, int64_t *bps, struct err *err)
{
    struct numbuf b;
    const char *p[1] = { num(&b, id) };
    AUTO_PGRES PGresult *r = db_query(db,
                                      "SELECT coalesce((forecast->>'dirty_rate_bps')::bigint, 0)"
                                      " AS bps FROM migrations WHERE id = $1::int"
                                      " AND forecast->>'verdict' = 'queue'", 1, p, err);

    *bps = 0;
    if (!r)
        return -1;
    if (PQntuples(r) > 0)
        *bps = row_i64(r, 0, "bps");
    return 0;
}

int
db_mig_record_step(struct db *db, int id, int step, struct err *err)
{
    struct numbuf b[2];
    const char *p[2] = { num(&b[0], id), num(&b[1], step) };

    return db_cmd(db,
                  "UPDATE migrations SET step_reached = greatest(coalesce(step_reached, 0),"
                  " $2::int) WHERE id = $1::int", 2, p, err);
}

int
db_mig_iter_add(struct db *db, int id, const struct db_mig_iter *it, struct err *err)
{
    struct numbuf b[8];
    const char *p[8] = { num(&b[0], id), num(&b[1], it->iteration), num(&b[2], it->start_ms),
                         num(&b[3], it->remaining_bytes), num(&b[4], it->dirty_rate_bps),
                         num(&b[5], it->bandwidth_bps), num(&b[6], it->throttle_pct),
                         num(&b[7], it->max_downtime_ms) };

    return db_cmd(db,
                  "INSERT INTO migration_iterations (migration_id, iteration, start_ms,"
                  " remaining_bytes, dirty_rate_bps, bandwidth_bps, throttle_pct,"
                  " max_downtime_ms) VALUES ($1::int, $2, $3, $4, $5, $6, $7::int, $8::int)"
                  " ON CONFLICT (migration_id, iteration) DO NOTHING", 8, p, err);
}

/* How many of a migration's latest samples say what it uses of the link:
 * the busiest of them (2 s at [ferry] sample_interval_ms's 500).  One
 * sample wobbles: 11.9 to 29.0 MiB/s on the lab's 16 MiB/s link, and one
 * low one let e365's second migration start beside the first.  One
 * admitted but with no sample yet (preparing, or its job just started)
 * uses what its forecast counted on: two admissions in a row on one host
 * would otherwise each see the link free. */
#define LINK_SAMPLES "4"

int
db_mig_link_used(struct db *db, int id, const char *host, int64_t *bps, struct err *err)
{
    struct numbuf b;
    const char *p[2] = { num(&b, id), host };
    AUTO_PGRES PGresult *r = db_query(db,
        "SELECT coalesce(sum(coalesce(s.bps, CASE WHEN m.forecast->>'verdict' = 'start'"
        "   THEN (m.forecast->>'bandwidth_bps')::bigint END)), 0)::bigint AS used"
        " FROM migrations m"
        " CROSS JOIN LATERAL (SELECT max(bandwidth_bps) AS bps FROM"
        "   (SELECT bandwidth_bps FROM migration_samples WHERE migration_id = m.id"
        "    ORDER BY seq DESC LIMIT " LINK_SAMPLES ") last) s"
        " WHERE m.id <> $1::int AND NOT m.deleted"
        "   AND m.status IN ('preparing', 'running', 'running (post-copy)')"
        "   AND $2 IN (m.source_compute, m.dest_compute)",
        2, p, err);

    if (!r)
        return -1;
    *bps = row_i64(r, 0, "used");
    return 0;
}

int
db_mig_admit_after(struct db *db, int id, int wait_ms, struct err *err)
{
    struct numbuf b[2];
    const char *p[2] = { num(&b[0], id), num(&b[1], wait_ms) };

    return db_cmd(db,
                  "UPDATE migrations SET admit_after = clock_timestamp()"
                  " + $2::int * interval '1 millisecond' WHERE id = $1::int", 2, p, err);
}

int
db_mig_steer_get(struct db *db, int id, struct db_mig_steer *out, struct err *err)
{
    struct numbuf b;
    const char *p[1] = { num(&b, id) };
    AUTO_PGRES PGresult *r = db_query(db,
        "SELECT forecast::text AS forecast, coalesce(step_reached, 0) AS step_reached"
        " FROM migrations WHERE id = $1::int", 1, p, err);
    AUTO_PGRES PGresult *it = NULL;

    memset(out, 0, sizeof(*out));
    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        return err_set(err, ERR_NOT_FOUND, "Migration %d could not be found.", id);
    if (!row_isnull(r, 0, "forecast") && !(out->forecast_json = strdup(row_str(r, 0,
                                                                                "forecast"))))
        return err_set(err, ERR_INTERNAL, "out of memory");
    out->step_reached = row_int(r, 0, "step_reached");
    it = db_query(db,
                  "SELECT iteration, start_ms, remaining_bytes, dirty_rate_bps, bandwidth_bps,"
                  " throttle_pct, max_downtime_ms FROM migration_iterations"
                  " WHERE migration_id = $1::int ORDER BY iteration", 1, p, err);
    if (!it) {
        db_mig_steer_free(out);
        return -1;
    }
    out->n = PQntuples(it);
    out->iters = calloc((size_t)out->n + 1, sizeof(*out->iters));
    if (!out->iters) {
        db_mig_steer_free(out);
        return err_set(err, ERR_INTERNAL, "out of memory");
    }
    for (int i = 0; i < out->n; i++) {
        struct db_mig_iter *x = &out->iters[i];

        x->iteration = row_i64(it, i, "iteration");
        x->start_ms = row_i64(it, i, "start_ms");
        x->remaining_bytes = row_i64(it, i, "remaining_bytes");
        x->dirty_rate_bps = row_i64(it, i, "dirty_rate_bps");
        x->bandwidth_bps = row_i64(it, i, "bandwidth_bps");
        x->throttle_pct = row_int(it, i, "throttle_pct");
        x->max_downtime_ms = row_int(it, i, "max_downtime_ms");
    }
    return 0;
}

void
db_mig_steer_free(struct db_mig_steer *s)
{
    free(s->forecast_json);
    free(s->iters);
    memset(s, 0, sizeof(*s));
}
