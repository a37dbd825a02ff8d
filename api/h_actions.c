/* h_actions.c - GET /servers/{id}/os-instance-actions[/{request_id}]: what
 * `openstack server event list|show` reads, with Nova's checks in Nova's
 * order (query schema, instance, policy) and its keys per microversion:
 *
 *   2.21  actions of deleted servers too
 *   2.51  events shown to the server's project (traceback stays admin-only)
 *   2.58  updated_at; limit, marker (a request id), changes-since, links;
 *         unknown query parameters refused
 *   2.62  event host (admin) and hostId (everyone)
 *   2.66  changes-before
 *   2.84  event details (os-instance-actions:events:details)
 *   2.102 show refuses query parameters
 *
 * Also the query-parameter check and the "next" link that the other list
 * handlers (h_services.c, h_hypervisors.c) share.
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

/* ---- query parameters (shared) --------------------------------------------------- */

/* parameter_types.boolean's enum, in its order, and jsonschema's rendering. */
static const char *const q_bool_values[] = { "True",  "TRUE",  "true", "1",   "ON",  "On", "on",
                                             "YES",   "Yes",   "yes",  "False", "FALSE",
                                             "false", "0",     "OFF",  "Off", "off", "NO",
                                             "No",    "no" };
static const char q_bool_enum[] =
    "[True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, "
    "'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']";
static const char q_fqdn_pattern[] = "^[a-zA-Z0-9-._]*$";

static int
q_fail(struct err *err, const char *key, const char *value, const char *msg)
{
    return err_set(err, ERR_INVALID, "Invalid input for query parameters %s. Value: %s. %s",
                   key, value, msg);
}

/* Characters (code points) in a UTF-8 string, as jsonschema counts them. */
static size_t
q_strlen_utf8(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static bool
q_in(const char *s, const char *set)
{
    return strspn(s, set) == strlen(s);
}

/* jsonschema's "'x' is not one of ['a', 'b']" for an enum. */
static void
q_enum_msg(const char *r, const char *const *values, char *msg, size_t size)
{
    json_t *list = json_array();
    char lr[1024];

    for (const char *const *e = values; *e; e++)
        json_array_append_new(list, json_string(*e));
    schema_pyrepr(list, lr, sizeof(lr));
    json_decref(list);
    snprintf(msg, size, "%s is not one of %s", r, lr);
}

/* One value of a parameter against its kind, keywords in the schema's order. */
static int
q_check_value(const struct api_qparam *q, const char *v, struct err *err)
{
    const char *key = q->name;
    static const char fqdn_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     "0123456789-._";
    char r[300], msg[1400];
    json_t *js = json_string_nocheck(v);

    schema_pyrepr(js, r, sizeof(r));
    json_decref(js);
    msg[0] = '\0';
    switch (q->kind) {
    case AQ_STRING:
        break;
    case AQ_INT:
        if (!q_in(v, "0123456789"))
            snprintf(msg, sizeof(msg), "%s does not match '^[0-9]*$'", r);
        else if (!*v)
            snprintf(msg, sizeof(msg), "%s is too short", r);
        break;
    case AQ_DATETIME:
        if (!schema_is_datetime(v))
            snprintf(msg, sizeof(msg), "%s is not a 'date-time'", r);
        break;
    case AQ_FQDN:
        if (!q_in(v, fqdn_chars))
            snprintf(msg, sizeof(msg), "%s does not match '%s'", r, q_fqdn_pattern);
        else if (!*v)
            snprintf(msg, sizeof(msg), "%s is too short", r);
        else if (q_strlen_utf8(v) > 255)
            snprintf(msg, sizeof(msg), "%s is too long", r);
        break;
    case AQ_BOOL:
        snprintf(msg, sizeof(msg), "%s is not one of %s", r, q_bool_enum);
        for (size_t i = 0; i < ARRAY_SIZE(q_bool_values); i++)
            if (strcmp(v, q_bool_values[i]) == 0)
                msg[0] = '\0';
        break;
    case AQ_ENUM:
        q_enum_msg(r, q->values, msg, sizeof(msg));
        for (const char *const *e = q->values; *e; e++)
            if (strcmp(v, *e) == 0)
                msg[0] = '\0';
        break;
    }
    return msg[0] ? q_fail(err, key, v, msg) : 0;
}

/* Every value of one declared parameter: items first, then maxItems. */
static int
q_check_param(const struct req *req, const struct api_qparam *q, struct err *err)
{
    json_t *values = json_array();
    char r[400], msg[600];
    int rc = 0;

    for (int i = 0; i < req->nquery && rc == 0; i++) {
        const char *v = req->query[i].value ? req->query[i].value : "";

        if (strcmp(req->query[i].key, q->name) != 0)
            continue;
        json_array_append_new(values, json_string_nocheck(v));
        rc = q_check_value(q, v, err);
    }
    if (rc == 0 && !q->multi && json_array_size(values) > 1) {
        schema_pyrepr(values, r, sizeof(r));
        snprintf(msg, sizeof(msg), "%s is too long", r);
        rc = q_fail(err, q->name, r, msg);
    }
    json_decref(values);
    return rc;
}

static bool
q_declared(const struct api_qparam *params, const char *key)
{
    for (const struct api_qparam *q = params; q->name; q++)
        if (strcmp(q->name, key) == 0)
            return true;
    return false;
}

/* Has key appeared before position i of the query? */
static bool
q_seen_before(const struct req *req, int i)
{
    for (int k = 0; k < i; k++)
        if (strcmp(req->query[k].key, req->query[i].key) == 0)
            return true;
    return false;
}

int
api_query_check(const struct req *req, const struct api_qparam *params, bool additional,
                struct err *err)
{
    char list[400] = "";
    size_t n = 0;
    int extra = 0;

    for (const struct api_qparam *q = params; q->name; q++)
        if (q_check_param(req, q, err) < 0)
            return -1;
    if (additional)
        return 0;
    for (int i = 0; i < req->nquery; i++) {
        if (q_declared(params, req->query[i].key) || q_seen_before(req, i))
            continue;
        n = appendf(list, sizeof(list), n, "%s'%s'", extra ? ", " : "", req->query[i].key);
        extra++;
    }
    if (extra)
        return err_set(err, ERR_INVALID, "Additional properties are not allowed (%s %s unexpected)",
                       list, extra == 1 ? "was" : "were");
    return 0;
}

/* The value Nova's OrderedDict(sorted(params.items())) keeps for key: the
 * greatest of its values. */
static const char *
q_sorted_value(const struct req *req, const char *key)
{
    const char *best = NULL;

    for (int i = 0; i < req->nquery; i++) {
        const char *v = req->query[i].value ? req->query[i].value : "";

        if (strcmp(req->query[i].key, key) == 0 && (!best || strcmp(v, best) > 0))
            best = v;
    }
    return best;
}

static int
q_cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *
api_next_link(const struct ctx *c, const char *collection, const char *marker,
              const struct api_qparam *params, bool additional)
{
    const struct req *req = c->req;
    const char *keys[REQ_MAX_QUERY];
    char href[4096];
    size_t n;
    int nk = 0;
    bool have_marker = false;

    for (int i = 0; i < req->nquery && nk < REQ_MAX_QUERY; i++)
        if (!q_seen_before(req, i) && (!additional || q_declared(params, req->query[i].key)))
            keys[nk++] = req->query[i].key;
    qsort(keys, (size_t)nk, sizeof(keys[0]), q_cmp_keys);
    n = (size_t)snprintf(href, sizeof(href), "%s/%s?", c->base_url, collection);
    for (int k = 0; k <= nk; k++) {
        const char *key = k < nk ? keys[k] : "marker";
        bool is_marker = strcmp(key, "marker") == 0;
        AUTOFREE char *ek = NULL;
        AUTOFREE char *ev = NULL;

        if (k == nk && have_marker)
            break;
        have_marker |= is_marker;
        ek = url_quote_plus(key);
        ev = url_quote_plus(is_marker ? marker : q_sorted_value(req, key));
        n = appendf(href, sizeof(href), n, "%s%s=%s", k ? "&" : "", ek, ev);
    }
    return json_pack("[{s:s,s:s}]", "rel", "next", "href", href);
}

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

    if (policy_allows(&c->who, POL_ACTIONS_EVENTS, own->project_id)) {
        s.traceback = true;
        s.host = c->mv >= MV(2, 62);
    } else if (c->mv < MV(2, 51)) {
        return 0;
    }
    s.hostid = c->mv >= MV(2, 62);
    s.details = c->mv >= MV(2, 84) &&
                policy_allows(&c->who, POL_ACTIONS_EVENTS_DETAILS, own->project_id);
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
        policy_check(&c->who, POL_ACTIONS_INDEX, own.project_id, err) < 0 ||
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
        policy_check(&c->who, POL_ACTIONS_SHOW, own.project_id, err) < 0 ||
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
