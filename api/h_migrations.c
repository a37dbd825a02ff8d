/* h_migrations.c - server migrations (list, show, force-complete, abort) and
 * GET /os-migrations, with Nova's checks in Nova's order (contract 3.3-3.7).
 *
 * Force-complete and abort are recorded here (an instance action, a request
 * on the row); the source host's ferry-compute carries them out.  Abort of a
 * queued migration is a plain transition to cancelled, as in Nova's
 * executor.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/auth.h"
#include "api/routes.h"
#include "api/schema.h"
#include "api/view.h"
#include "common/auto.h"
#include "common/log.h"
#include "common/util.h"
#include "db/db_action.h"
#include "db/db_instance.h"
#include "db/db_mig.h"

/* 2.102+ refuses any query parameter on the per-server reads. */
static int
sm_check_no_query(struct ctx *c, struct err *err)
{
    char list[400] = "";
    size_t n = 0;
    int count = 0;

    if (c->mv < MV(2, 102) || c->req->nquery == 0)
        return 0;
    for (int i = 0; i < c->req->nquery; i++) {
        bool seen = false;

        for (int k = 0; k < i; k++)
            seen |= strcmp(c->req->query[k].key, c->req->query[i].key) == 0;
        if (seen)
            continue;
        n = appendf(list, sizeof(list), n, "%s'%s'", count ? ", " : "", c->req->query[i].key);
        count++;
    }
    return err_set(err, ERR_INVALID, "Additional properties are not allowed (%s %s unexpected)",
                   list, count == 1 ? "was" : "were");
}

/* The migration id of the URL, or -1 when it is not an integer. */
static int
sm_migration_id(const char *s)
{
    char *end;
    long v;

    if (!*s || !isdigit((unsigned char)*s))
        return -1;
    v = strtol(s, &end, 10);
    return *end || v <= 0 || v > 0x7fffffff ? -1 : (int)v;
}

/* The migration mid of this instance, any type and status; ERR_NOT_FOUND
 * with Nova's MigrationNotFoundForInstance text. */
static int
sm_get(struct ctx *c, const struct db_instance *inst, const char *mid, struct db_mig *m,
       struct err *err)
{
    int id = sm_migration_id(mid);

    if (id > 0 && db_mig_get(c->db, id, m, err) == 0 &&
        strcmp(m->instance_uuid, inst->uuid) == 0)
        return 0;
    if (id > 0 && err->code != ERR_NOT_FOUND && err->code != ERR_NONE)
        return -1;
    return err_set(err, ERR_NOT_FOUND, "Migration %s not found for instance %s", mid,
                   inst->uuid);
}

int
h_server_migrations_index(struct ctx *c, struct resp *r, struct err *err)
{
    struct db_instance inst;
    struct db_mig *v = NULL;
    bool host;
    json_t *list;
    int n;

    if (sm_check_no_query(c, err) < 0 || api_instance_get(c, c->params[0], &inst, err) < 0 ||
        authz_check(&c->who, AUTHZ_MIGRATIONS_INDEX, inst.project_id, err) < 0)
        return -1;
    host = authz_allows(&c->who, AUTHZ_MIGRATIONS_INDEX_HOST, inst.project_id);
    if (db_mig_list_in_progress(c->db, inst.uuid, &v, &n, err) < 0)
        return -1;
    list = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(list, view_server_migration(c, &v[i], host));
    free(v);
    r->body = json_pack("{s:o}", "migrations", list);
    return 0;
}

int
h_server_migration_show(struct ctx *c, struct resp *r, struct err *err)
{
    const char *sid = c->params[0], *mid = c->params[1];
    struct db_instance inst;
    struct db_mig m;

    if (sm_check_no_query(c, err) < 0 || api_instance_get(c, sid, &inst, err) < 0 ||
        authz_check(&c->who, AUTHZ_MIGRATIONS_SHOW, inst.project_id, err) < 0)
        return -1;
    if (sm_get(c, &inst, mid, &m, err) < 0) {
        if (err->code == ERR_NOT_FOUND)
            err_set(err, ERR_NOT_FOUND,
                    "In-progress live migration %s is not found for server %s.", mid, sid);
        return -1;
    }
    if (strcmp(m.migration_type, "live-migration") != 0)
        return err_set(err, ERR_NOT_FOUND, "Migration %s for server %s is not live-migration.",
                       mid, sid);
    if (!mig_status_in_progress(m.status))
        return err_set(err, ERR_NOT_FOUND, "Live migration %s for server %s is not in progress.",
                       mid, sid);
    r->body = json_pack("{s:o}", "migration", view_server_migration(c, &m, true));
    return 0;
}


static const struct schema_prop fc_props[] = {
    { "force_complete", SCH_NULL, NULL },
    { NULL, 0, NULL },
};
static const char *const fc_req[] = { "force_complete", NULL };
static const struct schema_obj fc_schema = { fc_props, fc_req, false };

/* Nova's 400 for an action (`what`: "force complete", "abort live
 * migration") on a migration in a status that does not allow it. */
static int
sm_wrong_status(struct err *err, const char *mid, const struct db_instance *inst,
                const char *status, const char *what)
{
    return err_set(err, ERR_INVALID,
                   "Migration %s state of instance %s is %s. Cannot %s while the migration "
                   "is in this state.", mid, inst->uuid, status, what);
}

/* A database error after the event was started: try to say so on it (the
 * database may be away, and then the event stays open, as Nova's does
 * when its RPC fails). */
static void
sm_event_failed(struct ctx *c, const struct db_instance *inst, const char *event,
                const struct err *why)
{
    struct err ignore = ERR_INIT;

    db_action_event_finish(c->db, inst->uuid, c->request_id, event, false, why->msg, &ignore);
}

/* The request for the worker was refused after the event was started:
 * either the migration left its status meanwhile (ERR_CONFLICT: Nova's
 * 400 with the status now) or the database failed (its own status, 503);
 * the event ends Error with the same words.  Returns -1. */
static int
sm_request_refused(struct ctx *c, const struct db_instance *inst, const struct db_mig *m,
                   const char *mid, const char *event, const char *what, struct err *err)
{
    struct db_mig now;

    if (err->code == ERR_CONFLICT && db_mig_get(c->db, m->id, &now, err) == 0)
        sm_wrong_status(err, mid, inst, now.status_text, what);
    sm_event_failed(c, inst, event, err);
    return -1;
}

int
h_server_migration_force_complete(struct ctx *c, struct resp *r, struct err *err)
{
    struct db_instance inst;
    struct db_mig m;

    if (schema_validate(c->body, &fc_schema, c->legacy_v2, err) < 0 ||
        api_instance_get(c, c->params[0], &inst, err) < 0 ||
        authz_check(&c->who, AUTHZ_MIGRATIONS_FORCE_COMPLETE, inst.project_id, err) < 0 ||
        db_instance_guard(&inst, c->params[0], &inst_guard_force_complete,
                          !c->who.is_admin, err) < 0)
        return -1;
    if (sm_get(c, &inst, c->params[1], &m, err) < 0) {
        if (err->code == ERR_NOT_FOUND)
            err->code = ERR_INVALID;    /* Nova answers 400 here, not 404 */
        return -1;
    }
    if (m.status != MIG_RUNNING)
        return sm_wrong_status(err, c->params[1], &inst, m.status_text, "force complete");
    if (db_action_start(c->db, inst.uuid, c->request_id, "live_migration_force_complete",
                        c->who.user_id, c->who.project_id, err) < 0 ||
        db_action_event_start(c->db, inst.uuid, c->request_id,
                              "compute_live_migration_force_complete", m.source_compute,
                              err) < 0)
        return -1;
    if (db_mig_request_force_complete(c->db, m.id, c->who.user_id, err) < 0)
        return sm_request_refused(c, &inst, &m, c->params[1],
                                  "compute_live_migration_force_complete", "force complete",
                                  err);
    log_info("force-complete requested req=%s mig=%d instance=%s", c->request_id, m.id,
             inst.uuid);
    r->status = 202;
    return 0;
}

/* Abort a queued migration now: the source host has not started it. */
static int
sm_cancel_queued(struct ctx *c, const struct db_mig *m, struct err *err)
{
    char reason[400];
    struct db_transition t = { 0 };

    snprintf(reason, sizeof(reason), "aborted by %s while queued (request %s)",
             c->who.user_id, c->request_id);
    t.id = m->id;
    t.from = MIG_QUEUED;
    t.to = MIG_CANCELLED;
    t.actor = c->actor;
    t.reason = reason;
    return db_mig_transition(c->db, &t, err);
}

int
h_server_migration_delete(struct ctx *c, struct resp *r, struct err *err)
{
    const char *sid = c->params[0], *mid = c->params[1];
    struct db_instance inst;
    struct db_mig m;
    bool queued_ok = c->mv >= MV(2, 65);

    if (api_instance_get(c, sid, &inst, err) < 0 ||
        authz_check(&c->who, AUTHZ_MIGRATIONS_DELETE, inst.project_id, err) < 0 ||
        db_instance_guard(&inst, c->params[0], &inst_guard_abort, !c->who.is_admin,
                          err) < 0 ||
        sm_get(c, &inst, mid, &m, err) < 0)
        return -1;
    if (!(m.status == MIG_RUNNING ||
          (queued_ok && (m.status == MIG_QUEUED || m.status == MIG_PREPARING))))
        return sm_wrong_status(err, mid, &inst, m.status_text, "abort live migration");
    if (db_action_start(c->db, inst.uuid, c->request_id, "live_migration_cancel",
                        c->who.user_id, c->who.project_id, err) < 0 ||
        db_action_event_start(c->db, inst.uuid, c->request_id, "compute_live_migration_abort",
                              m.source_compute, err) < 0)
        return -1;
    if (m.status == MIG_QUEUED) {
        if (sm_cancel_queued(c, &m, err) == 0) {
            db_action_event_finish(c->db, inst.uuid, c->request_id,
                                   "compute_live_migration_abort", true,
                                   "cancelled while queued", err);
            log_info("queued live migration cancelled req=%s mig=%d", c->request_id, m.id);
            r->status = 202;
            return 0;
        }
        if (err->code != ERR_CONFLICT) {
            sm_event_failed(c, &inst, "compute_live_migration_abort", err);
            return -1;              /* the database: its own status (503) */
        }
        err_clear(err);             /* it left queued meanwhile: the worker aborts */
    }
    /* preparing or running (or it left queued meanwhile): the worker aborts */
    if (db_mig_request_abort(c->db, m.id, c->who.user_id, err) < 0)
        return sm_request_refused(c, &inst, &m, mid, "compute_live_migration_abort",
                                  "abort live migration", err);
    log_info("abort requested req=%s mig=%d status=%s", c->request_id, m.id, m.status_text);
    r->status = 202;
    return 0;
}

/* ---- GET /os-migrations ---------------------------------------------------------- */

/* Nova's index_query schemas, in their property order (below 2.59 any
 * parameter goes, and nothing is checked). */
#define OSM_FILTERS                                                                   \
    { "hidden", AQ_STRING, true, NULL }, { "host", AQ_STRING, true, NULL },             \
    { "instance_uuid", AQ_STRING, true, NULL }, { "source_compute", AQ_STRING, true, NULL }, \
    { "status", AQ_STRING, true, NULL }, { "migration_type", AQ_STRING, true, NULL },   \
    { "limit", AQ_INT, false, NULL }, { "marker", AQ_STRING, false, NULL },             \
    { "changes-since", AQ_DATETIME, false, NULL }

static const struct api_qparam osm_query_v259[] = { OSM_FILTERS, { NULL, AQ_STRING, false, NULL } };
static const struct api_qparam osm_query_v266[] = {
    OSM_FILTERS, { "changes-before", AQ_DATETIME, false, NULL }, { NULL, AQ_STRING, false, NULL }
};
static const struct api_qparam osm_query_v280[] = {
    OSM_FILTERS, { "changes-before", AQ_DATETIME, false, NULL },
    { "user_id", AQ_STRING, false, NULL }, { "project_id", AQ_STRING, false, NULL },
    { NULL, AQ_STRING, false, NULL }
};

static const struct api_qparam *
osm_query(int mv)
{
    return mv >= MV(2, 80) ? osm_query_v280 : mv >= MV(2, 66) ? osm_query_v266 : osm_query_v259;
}

static int
osm_validate(struct ctx *c, struct err *err)
{
    if (c->mv < MV(2, 59))
        return 0;       /* additionalProperties: anything goes, unknown keys ignored */
    return api_query_check(c->req, osm_query(c->mv), false, err);
}

/* Nova's strutils.bool_from_string, lenient. */
static int
osm_bool(const char *v)
{
    static const char *const yes[] = { "1", "t", "true", "on", "y", "yes" };

    if (!v)
        return -1;
    for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
        if (strcasecmp(v, yes[i]) == 0)
            return 1;
    return 0;
}

int
h_os_migrations(struct ctx *c, struct resp *r, struct err *err)
{
    const struct req *req = c->req;
    struct db_mig_filter f = { 0 };
    struct db_mig *v = NULL;
    /* project_id and user_id exist from 2.80; before, Nova's schema lets
     * them through unread (contract 3.7) */
    bool by_owner = c->mv >= MV(2, 80);
    const char *project = by_owner ? req_query_last(req, "project_id") : NULL;
    const char *limit = NULL, *since, *before;
    bool paged = c->mv >= MV(2, 59);
    bool host;
    json_t *list, *body;
    int page = 0, n;

    if (osm_validate(c, err) < 0 ||
        authz_check(&c->who, AUTHZ_OS_MIGRATIONS_INDEX, c->who.project_id, err) < 0)
        return -1;
    if ((!project || strcmp(project, c->who.project_id) != 0) &&
        authz_check(&c->who, AUTHZ_OS_MIGRATIONS_ALL_PROJECTS, c->who.project_id, err) < 0)
        return -1;
    host = authz_allows(&c->who, AUTHZ_OS_MIGRATIONS_HOST, c->who.project_id);
    f.status = req_query_last(req, "status");
    f.host = req_query_last(req, "host");
    f.source_compute = req_query_last(req, "source_compute");
    f.instance_uuid = req_query_last(req, "instance_uuid");
    f.migration_type = req_query_last(req, "migration_type");
    f.hidden = osm_bool(req_query_last(req, "hidden"));
    f.user_id = by_owner ? req_query_last(req, "user_id") : NULL;
    f.project_id = project;
    f.paged_order = paged;
    if (paged) {
        limit = req_query_last(req, "limit");
        page = c->cfg->max_limit;
        if (limit && atol(limit) < page)
            page = atoi(limit);
        f.limit = page;
        /* validated by osm_validate(): parsed here, and only the instant
         * goes on, never the client's text */
        since = req_query_last(req, "changes-since");
        before = c->mv >= MV(2, 66) ? req_query_last(req, "changes-before") : NULL;
        f.changes_since.set = since && time_parse_iso(since, &f.changes_since.us);
        f.changes_before.set = before && time_parse_iso(before, &f.changes_before.us);
        if (f.changes_since.set && f.changes_before.set &&
            f.changes_before.us < f.changes_since.us)
            return err_set(err, ERR_INVALID, "The value of changes-since must be less "
                                             "than or equal to changes-before.");
        f.marker = req_query_last(req, "marker");
        if (f.marker && db_mig_marker_check(c->db, f.marker, err) < 0)
            return -1;
    }
    list = json_array();
    n = 0;
    if (!(paged && page == 0)) {    /* limit=0 is an empty page */
        if (db_mig_list(c->db, &f, &v, &n, err) < 0) {
            json_decref(list);
            return -1;
        }
        for (int i = 0; i < n; i++)
            json_array_append_new(list, view_os_migration(c, &v[i], host));
    }
    body = json_pack("{s:o}", "migrations", list);
    if (paged && page > 0 && n == page)
        json_object_set_new(body, "migrations_links", api_next_link(c, "os-migrations", v[n - 1].uuid, NULL, false));
    free(v);
    r->body = body;
    return 0;
}
