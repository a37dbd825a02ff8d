/* db_metrics.c - the live migrations' figures for Prometheus, aggregated
 * by PostgreSQL in one snapshot: counts by policy and status, the ended
 * ones' histograms (time from the request, measured downtime), downtimes
 * over their budget, bytes sent and the ferry ladder's steps reached.
 * A scrape reads the live migrations four times, the completed ones
 * against each histogram bound. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "db/db_int.h"
#include "db/db_metrics.h"

/* The rows counted: live migrations, not deleted. */
#define LIVE " NOT m.deleted AND m.migration_type = 'live-migration'"
#define ENDED " AND m.status IN ('completed', 'failed', 'error', 'cancelled')"
#define COMPLETED " AND m.status = 'completed' AND m.finished_at IS NOT NULL"
#define DURATION_S "extract(epoch FROM m.finished_at - m.created_at)::float8"

struct acc {
    struct db_policy_metrics *p;
    int n, cap;
};

/* The figures of policy name, added when new. */
static struct db_policy_metrics *
acc_policy(struct acc *a, const char *name)
{
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->p[i].policy, name) == 0)
            return &a->p[i];
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 4;
        if (!(a->p = realloc(a->p, (size_t)a->cap * sizeof(*a->p))))
            fatalx("out of memory");
    }
    memset(&a->p[a->n], 0, sizeof(a->p[a->n]));
    snprintf(a->p[a->n].policy, sizeof(a->p[a->n].policy), "%s", name);
    return &a->p[a->n++];
}

/* bounds as a PostgreSQL float8[] literal. */
static int
bounds_literal(const double *v, int n, char *out, size_t size, struct err *err)
{
    size_t len = 0;

    if (n < 1 || n > DB_HIST_MAX)
        return err_set(err, ERR_INVALID, "histogram of %d bounds: 1 to %d", n, DB_HIST_MAX);
    out[len++] = '{';
    for (int i = 0; i < n && len < size; i++)
        len += (size_t)snprintf(out + len, size - len, "%s%.17g", i ? "," : "", v[i]);
    if (len + 2 > size)
        return err_set(err, ERR_INVALID, "histogram bounds too long");
    memcpy(out + len, "}", 2);
    return 0;
}

static int
read_statuses(struct db *db, struct acc *a, struct err *err)
{
    AUTO_PGRES PGresult *r = db_query(db,
        "SELECT coalesce(m.policy, '') AS policy, m.status, count(*) AS n"
        " FROM migrations m WHERE" LIVE " GROUP BY 1, 2", 0, NULL, err);

    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        enum mig_status s = mig_status_parse(row_str(r, i, "status"));

        if (s != MIG_STATUS_INVALID)
            acc_policy(a, row_str(r, i, "policy"))->by_status[s] = row_i64(r, i, "n");
    }
    return 0;
}

static int
read_totals(struct db *db, struct acc *a, struct err *err)
{
    AUTO_PGRES PGresult *r = db_query(db,
        "SELECT coalesce(m.policy, '') AS policy,"
        " count(*) FILTER (WHERE m.status = 'completed' AND m.finished_at IS NOT NULL)"
        "   AS done,"
        " coalesce(sum(" DURATION_S ") FILTER (WHERE m.status = 'completed'), 0) AS done_s,"
        " count(m.downtime_ms) FILTER (WHERE m.status = 'completed'"
        "   AND m.finished_at IS NOT NULL) AS down_n,"
        " coalesce(sum(m.downtime_ms) FILTER (WHERE m.status = 'completed'"
        "   AND m.finished_at IS NOT NULL), 0)::float8 / 1000 AS down_s,"
        " count(*) FILTER (WHERE m.status = 'completed'"
        "   AND m.downtime_ms > m.max_downtime_ms) AS over,"
        " coalesce(sum(m.data_sent_bytes), 0)::bigint AS sent"
        " FROM migrations m WHERE" LIVE ENDED " GROUP BY 1", 0, NULL, err);

    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        struct db_policy_metrics *p = acc_policy(a, row_str(r, i, "policy"));

        p->duration_s.count = row_i64(r, i, "done");
        p->duration_s.sum = row_real(r, i, "done_s");
        p->downtime_s.count = row_i64(r, i, "down_n");
        p->downtime_s.sum = row_real(r, i, "down_s");
        p->over_budget = row_i64(r, i, "over");
        p->sent_bytes = row_i64(r, i, "sent");
    }
    return 0;
}

/* Both histograms' cumulative counts: each completed row against each
 * bound ($1 duration's, $2 downtime's). */
static int
read_buckets(struct db *db, const struct db_metrics_bounds *b, struct acc *a, struct err *err)
{
    char dur[DB_HIST_MAX * 26 + 4], down[DB_HIST_MAX * 26 + 4];
    const char *p[2] = { dur, down };
    AUTO_PGRES PGresult *r = NULL;

    if (bounds_literal(b->duration_s, b->n_duration, dur, sizeof(dur), err) < 0 ||
        bounds_literal(b->downtime_s, b->n_downtime, down, sizeof(down), err) < 0)
        return -1;
    r = db_query(db,
        "SELECT coalesce(m.policy, '') AS policy, false AS downtime, b.i::int AS i,"
        " count(*) FILTER (WHERE " DURATION_S " <= b.le) AS n"
        " FROM migrations m CROSS JOIN unnest($1::float8[]) WITH ORDINALITY AS b(le, i)"
        " WHERE" LIVE COMPLETED " GROUP BY 1, 3"
        " UNION ALL"
        " SELECT coalesce(m.policy, ''), true, b.i::int,"
        " count(*) FILTER (WHERE m.downtime_ms::float8 / 1000 <= b.le)"
        " FROM migrations m CROSS JOIN unnest($2::float8[]) WITH ORDINALITY AS b(le, i)"
        " WHERE" LIVE COMPLETED " AND m.downtime_ms IS NOT NULL GROUP BY 1, 3",
        2, p, err);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        struct db_policy_metrics *pm = acc_policy(a, row_str(r, i, "policy"));
        struct db_hist *h = row_bool(r, i, "downtime") ? &pm->downtime_s : &pm->duration_s;
        int k = row_int(r, i, "i") - 1;

        if (k >= 0 && k < DB_HIST_MAX)
            h->le[k] = row_i64(r, i, "n");
    }
    return 0;
}

static int
read_steps(struct db *db, struct acc *a, struct err *err)
{
    AUTO_PGRES PGresult *r = db_query(db,
        "SELECT coalesce(m.policy, '') AS policy, m.step_reached AS step, count(*) AS n"
        " FROM migrations m WHERE" LIVE ENDED
        " AND m.step_reached BETWEEN 1 AND 5 GROUP BY 1, 2", 0, NULL, err);

    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++)
        acc_policy(a, row_str(r, i, "policy"))->by_step[row_int(r, i, "step") - 1] =
            row_i64(r, i, "n");
    return 0;
}

int
db_metrics_read(struct db *db, const struct db_metrics_bounds *b,
                struct db_policy_metrics **out, int *n, struct err *err)
{
    struct acc a = { 0 };

    *out = NULL;
    *n = 0;
    /* both policies listed from the start, zeros included */
    acc_policy(&a, "nova");
    acc_policy(&a, "ferry");
    if (db_begin_snapshot(db, err) < 0) {
        free(a.p);
        return -1;
    }
    if (read_statuses(db, &a, err) < 0 || read_totals(db, &a, err) < 0 ||
        read_buckets(db, b, &a, err) < 0 || read_steps(db, &a, err) < 0 ||
        db_commit(db, err) < 0) {
        db_rollback(db);
        free(a.p);
        return -1;
    }
    *out = a.p;
    *n = a.n;
    return 0;
}
