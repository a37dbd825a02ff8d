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

/* -1 (not recorded) is null. */
static json_t *
ferry_int_or_null(int64_t v)
{
    return v < 0 ? json_null() : json_integer(v);
}

/* 1 / 0 / -1 (not recorded): "allowed" / "forbidden" / null. */
static json_t *
ferry_permission(int v)
{
    return v < 0 ? json_null() : json_string(mig_opt_permission(v == 1));
}

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

static json_t *
ferry_migration(const struct db_mig *m, json_t *events)
{
    json_t *o = json_pack("{s:i,s:s,s:s,s:s,s:s}", "id", m->id, "uuid", m->uuid,
                          "instance_uuid", m->instance_uuid, "migration_type",
                          m->migration_type, "status", m->status_text);

    json_object_set_new(o, "source_compute", view_str_or_null(m->source_compute));
    json_object_set_new(o, "source_node", view_str_or_null(m->source_node));
    json_object_set_new(o, "dest_compute", view_str_or_null(m->dest_compute));
    json_object_set_new(o, "dest_node", view_str_or_null(m->dest_node));
    json_object_set_new(o, "dest_host", view_str_or_null(m->dest_host));
    json_object_set_new(o, "policy", view_str_or_null(m->policy));
    json_object_set_new(o, "policy_requested", view_str_or_null(m->policy_requested));
    json_object_set_new(o, "max_downtime_ms", ferry_int_or_null(m->max_downtime_ms));
    json_object_set_new(o, "post_copy", ferry_permission(m->post_copy_permitted));
    json_object_set_new(o, "auto_converge", ferry_permission(m->auto_converge_permitted));
    json_object_set_new(o, "downtime_ms", ferry_int_or_null(m->downtime_ms));
    json_object_set_new(o, "downtime_source", view_str_or_null(m->downtime_source));
    json_object_set_new(o, "data_sent_bytes", ferry_int_or_null(m->data_sent_bytes));
    json_object_set_new(o, "created_at", view_time(m->created_us, true));
    json_object_set_new(o, "updated_at", view_time(m->updated_us, true));
    json_object_set_new(o, "started_at", view_time(m->started_us, true));
    json_object_set_new(o, "finished_at", view_time(m->finished_us, true));
    json_object_set_new(o, "reason", view_str_or_null(m->reason));
    json_object_set_new(o, "events", events);
    return o;
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
    o = ferry_migration(&m, ferry_events(ev, n));
    ferry_steer(o, &steer);
    db_mig_steer_free(&steer);
    r->body = json_pack("{s:o}", "migration", o);
    free(ev);
    return 0;
}
