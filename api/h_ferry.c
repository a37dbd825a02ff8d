/* h_ferry.c - Ferry's own routes (DESIGN "Ferry's own routes"): what Nova
 * has no route for, below /ferry/v1, never microversioned, with Nova's
 * fault bodies and Nova-style authz rules.
 *
 *   GET /ferry/v1/migrations/{migration_id}   a migration's Ferry record:
 *       what it uses (policy, downtime budget, post-copy and auto-converge
 *       permissions: the guest's from acceptance, the rest null until the
 *       source compute's worker starts and records its configuration's),
 *       what it cost (downtime and where that figure comes from, bytes
 *       sent, times), why it ended, and every status change; under the
 *       ferry policy its forecast (verdict, expected step, capabilities and
 *       why, ETA, predicted downtime), the step of the ladder reached and
 *       the per-iteration table (migration_iterations), kept after it ends.
 *
 * Order: authz rule ferry:migrations:show (admin, as Nova's
 * servers:migrations:show) -> the migration (404).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "api/routes.h"
#include "api/view.h"
#include "common/util.h"
#include "db/db_mig.h"
#include "db/db_steer.h"

static json_t *
ferry_events(const struct db_mig_event *ev, int n)
{
    json_t *list = json_array();

    for (int i = 0; i < n; i++)
        json_array_append_new(list,
                              json_pack("{s:o,s:o,s:s,s:s,s:o}", "at",
                                        view_time(ev[i].at_us, true), "from_status",
                                        view_str_or_null(ev[i].from_status), "to_status",
                                        ev[i].to_status, "actor", ev[i].actor, "reason",
                                        view_str_or_null(ev[i].reason)));
    return list;
}

/* The ferry policy's record: forecast (as the compute wrote it), step,
 * iterations; nulls and [] under the nova policy. */
static void
ferry_steer(json_t *o, const struct db_mig_steer *s)
{
    json_error_t jerr;
    json_t *fc = s->forecast_json ? json_loads(s->forecast_json, 0, &jerr) : NULL;
    json_t *its = json_array();

    for (int i = 0; i < s->n; i++) {
        const struct db_mig_iter *x = &s->iters[i];

        json_array_append_new(its, json_pack("{s:I,s:I,s:I,s:I,s:I,s:i,s:i}", "iteration",
                                             (json_int_t)x->iteration, "time_ms",
                                             (json_int_t)x->start_ms, "remaining_bytes",
                                             (json_int_t)x->remaining_bytes, "dirty_rate_bps",
                                             (json_int_t)x->dirty_rate_bps, "bandwidth_bps",
                                             (json_int_t)x->bandwidth_bps, "throttle_pct",
                                             x->throttle_pct, "max_downtime_ms",
                                             x->max_downtime_ms));
    }
    json_object_set_new(o, "forecast", fc ? fc : json_null());
    json_object_set_new(o, "step_reached", s->step_reached > 0 ? json_integer(s->step_reached)
                                                               : json_null());
    json_object_set_new(o, "iterations", its);
}

int
h_ferry_migration_show(struct ctx *c, struct resp *r, struct err *err)
{
    const char *mid = c->params[0];
    struct db_mig_event *ev = NULL;
    struct db_mig_steer steer;
    struct db_mig m;
    json_t *o;
    char *end;
    long id;
    int n;

    if (authz_check(&c->who, AUTHZ_FERRY_MIGRATION_SHOW, NULL, err) < 0)
        return -1;
    id = strtol(mid, &end, 10);
    if (!*mid || *end || id <= 0 || id > INT32_MAX ||
        (mid[0] < '0' || mid[0] > '9'))
        return err_set(err, ERR_NOT_FOUND, "Migration %s could not be found.", mid);
    if (db_mig_get(c->db, (int)id, &m, err) < 0) {
        if (err->code == ERR_NOT_FOUND)
            err_set(err, ERR_NOT_FOUND, "Migration %s could not be found.", mid);
        return -1;
    }
    if (db_mig_event_list(c->db, m.id, &ev, &n, err) < 0)
        return -1;
    if (db_mig_steer_get(c->db, m.id, &steer, err) < 0) {
        free(ev);
        return -1;
    }
    o = view_ferry_migration(&m, ferry_events(ev, n));
    ferry_steer(o, &steer);
    db_mig_steer_free(&steer);
    r->body = json_pack("{s:o}", "migration", o);
    free(ev);
    return 0;
}
