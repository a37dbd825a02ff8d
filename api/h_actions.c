/* h_actions.c - GET /servers/{id}/os-instance-actions[/{request_id}]: what
 * `openstack server event list|show` reads, with Nova's checks in Nova's
 * order (query schema, instance, authz) and its keys per microversion:
 *
 *   2.21  actions of deleted servers too
 *   2.51  events shown to the server's project (traceback stays admin-only)
 *   2.58  updated_at; limit, marker (a request id), changes-since, links;
 *         unknown query parameters refused
 *   2.62  event host (admin) and hostId (everyone)
 *   2.66  changes-before
 *   2.84  event details (os-instance-actions:events:details)
 *   2.102 show refuses query parameters
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "api/routes.h"
#include "api/schema.h"
#include "api/view.h"
#include "common/auto.h"
#include "common/util.h"
#include "db/db_action.h"

/* ---- os-instance-actions ---------------------------------------------------------- */

static const struct api_qparam ia_query_none[] = { { NULL, AQ_STRING, false, NULL } };

static const struct api_qparam ia_query_v258[] = {
    { "limit", AQ_INT, false, NULL },
    { "marker", AQ_STRING, false, NULL },
    { "changes-since", AQ_DATETIME, false, NULL },
    { NULL, AQ_STRING, false, NULL },
};

static const struct api_qparam ia_query_v266[] = {
    { "limit", AQ_INT, false, NULL },
    { "marker", AQ_STRING, false, NULL },
    { "changes-since", AQ_DATETIME, false, NULL },
    { "changes-before", AQ_DATETIME, false, NULL },
    { NULL, AQ_STRING, false, NULL },
};

/* The server of the URL as Nova's _get_instance finds it: deleted ones too
 * from 2.21; another project's server is a 404 for non-admins. */
static int
ia_owner(struct ctx *c, struct db_action_owner *out, struct err *err)
{
    const char *sid = c->params[0];
    char uuid[UUID_STR_LEN];

    if (!uuid_normalize(sid, uuid))
        return err_set(err, ERR_NOT_FOUND, "Instance %s could not be found.", sid);
    if (db_action_owner_get(c->db, uuid, c->who.is_admin ? NULL : c->who.project_id,
                            c->mv >= MV(2, 21), out, err) < 0) {
        if (err->code == ERR_NOT_FOUND)
            err_set(err, ERR_NOT_FOUND, "Instance %s could not be found.", sid);
        return -1;
    }
    return 0;
}

static json_t *
ia_view_action(const struct ctx *c, const struct db_action *a)
{
    json_t *o = json_object();

    /* Nova's ACTION_KEYS order */
    json_object_set_new(o, "action", json_string(a->action));
    json_object_set_new(o, "instance_uuid", json_string(a->instance_uuid));
    json_object_set_new(o, "request_id", json_string(a->request_id));
    json_object_set_new(o, "user_id", view_str_or_null(a->user_id));
    json_object_set_new(o, "project_id", view_str_or_null(a->project_id));
    json_object_set_new(o, "start_time", view_time(a->start_us, true));
    json_object_set_new(o, "message", view_str_or_null(a->message));
    if (c->mv >= MV(2, 58))
        json_object_set_new(o, "updated_at", view_time(a->updated_us, true));
    return o;
}

/* What an event shows to this caller at this microversion. */
struct ia_shown {
    bool traceback;
    bool host;
    bool hostid;
    bool details;
    const char *project;            /* for hostId */
};

static json_t *
ia_view_event(const struct db_action_event *e, const struct ia_shown *s)
{
    json_t *o = json_object();
    char hostid[57];

    json_object_set_new(o, "event", json_string(e->event));
    json_object_set_new(o, "start_time", view_time(e->start_us, true));
    json_object_set_new(o, "finish_time", view_time(e->finish_us, true));
    json_object_set_new(o, "result", view_str_or_null(e->result));
    if (s->traceback)
        json_object_set_new(o, "traceback", view_str_or_null(e->traceback));
    if (s->host)
        json_object_set_new(o, "host", view_str_or_null(e->host));
    if (s->hostid) {
        view_hostid(s->project, e->host, hostid);
        json_object_set_new(o, "hostId", json_string(hostid));
    }
    if (s->details)
        json_object_set_new(o, "details", view_str_or_null(e->details));
    return o;
}

/* Add "events" to the action view o when the caller may see them: admins
 * always (with traceback, and host from 2.62), the project from 2.51. */
static int
ia_add_events(struct ctx *c, const struct db_action_owner *own, const struct db_action *a,
              json_t *o, struct err *err)
{
    struct ia_shown s = { 0 };
    struct db_action_event *v = NULL;
    json_t *list;
    int n;

    if (authz_allows(&c->who, AUTHZ_ACTIONS_EVENTS, own->project_id)) {
        s.traceback = true;
        s.host = c->mv >= MV(2, 62);
    } else if (c->mv < MV(2, 51)) {
        return 0;
    }
    s.hostid = c->mv >= MV(2, 62);
    s.details = c->mv >= MV(2, 84) &&
                authz_allows(&c->who, AUTHZ_ACTIONS_EVENTS_DETAILS, own->project_id);
    /* events of periodic tasks carry no project: the server's is used */
    s.project = a->project_id[0] ? a->project_id : own->project_id;
    if (db_action_event_list(c->db, a->id, &v, &n, err) < 0)
        return -1;
    list = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(list, ia_view_event(&v[i], &s));
    free(v);
    json_object_set_new(o, "events", list);
    return 0;
}

/* 2.58+ paging and filters into f; *page is the page size (0: empty). */
static int
ia_filters(struct ctx *c, struct db_action_filter *f, int *page, struct err *err)
{
    const char *limit = req_query_last(c->req, "limit");
    const char *since = req_query_last(c->req, "changes-since");
    const char *before = req_query_last(c->req, "changes-before");

    /* validated by the query schema: parsed here, and only the instant goes on */
    f->changes_since.set = since && time_parse_iso(since, &f->changes_since.us);
    f->changes_before.set = before && time_parse_iso(before, &f->changes_before.us);
    if (f->changes_since.set && f->changes_before.set &&
        f->changes_before.us < f->changes_since.us)
        return err_set(err, ERR_INVALID,
                       "The value of changes-since must be less than or equal to "
                       "changes-before.");
    *page = c->cfg->max_limit;
    if (limit) {
        long l;

        errno = 0;
        l = strtol(limit, NULL, 10);
        if (errno == 0 && l < *page)
            *page = (int)l;
    }
    f->limit = *page;
    return 0;
}

int
h_instance_actions_index(struct ctx *c, struct resp *r, struct err *err)
{
    const struct api_qparam *qp = c->mv >= MV(2, 66) ? ia_query_v266 : ia_query_v258;
    bool paged = c->mv >= MV(2, 58);
    struct db_action_filter f = { 0 };
    struct db_action_owner own;
    struct db_action marker, *v = NULL;
    const char *mk = paged ? req_query_last(c->req, "marker") : NULL;
    char coll[320];
    json_t *list, *body;
    int n = 0, page = 0;

    if ((paged && api_query_check(c->req, qp, false, err) < 0) || ia_owner(c, &own, err) < 0 ||
        authz_check(&c->who, AUTHZ_ACTIONS_INDEX, own.project_id, err) < 0 ||
        (paged && ia_filters(c, &f, &page, err) < 0))
        return -1;
    if (mk && page > 0 && db_action_get(c->db, own.uuid, mk, &marker, err) < 0) {
        /* Nova's actions_get() names the marker after its failed lookup: None */
        if (err->code == ERR_NOT_FOUND)
            err_set(err, ERR_INVALID, "Marker None could not be found.");
        return -1;
    }
    f.marker = mk && page > 0 ? &marker : NULL;
    if ((!paged || page > 0) && db_action_list(c->db, own.uuid, &f, &v, &n, err) < 0)
        return -1;
    list = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(list, ia_view_action(c, &v[i]));
    body = json_pack("{s:o}", "instanceActions", list);
    if (paged && page > 0 && n == page) {
        snprintf(coll, sizeof(coll), "servers/%s/os-instance-actions", c->params[0]);
        json_object_set_new(body, "links", api_next_link(c, coll, v[n - 1].request_id, qp, false));
    }
    free(v);
    r->body = body;
    return 0;
}

int
h_instance_action_show(struct ctx *c, struct resp *r, struct err *err)
{
    struct db_action_owner own;
    struct db_action a;
    json_t *o;

    if ((c->mv >= MV(2, 102) && api_query_check(c->req, ia_query_none, false, err) < 0) ||
        ia_owner(c, &own, err) < 0 ||
        authz_check(&c->who, AUTHZ_ACTIONS_SHOW, own.project_id, err) < 0 ||
        db_action_get(c->db, own.uuid, c->params[1], &a, err) < 0)
        return -1;
    o = ia_view_action(c, &a);
    if (ia_add_events(c, &own, &a, o, err) < 0) {
        json_decref(o);
        return -1;
    }
    r->body = json_pack("{s:o}", "instanceAction", o);
    return 0;
}
