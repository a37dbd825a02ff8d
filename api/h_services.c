/* h_services.c - GET /os-services and PUT /os-services/{service_id}, admin
 * only, as Nova's services.py:
 *
 *   2.11  forced_down in the list; PUT /os-services/force-down
 *   2.53  ids are uuids; PUT /os-services/{uuid} with status, disabled_reason,
 *         forced_down replaces the PUT .../enable|disable|disable-log-reason|
 *         force-down actions, which name the service by host and binary
 *   2.75  unknown query parameters refused
 *
 * Ferry's services are its compute hosts (compute_hosts), each a
 * nova-compute service in zone "nova".  Nova also lists nova-scheduler and
 * nova-conductor; Ferry's scheduler processes keep no service row or
 * heartbeat (any number may run, each claiming rows with SKIP LOCKED), so
 * there is nothing true to report for them and they are not listed.  The API
 * process is not listed either, as Nova hides nova-osapi_compute.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "api/routes.h"
#include "api/schema.h"
#include "api/view.h"
#include "common/auto.h"
#include "common/log.h"
#include "common/util.h"
#include "db/db_service.h"

static const char compute_binary[] = "nova-compute";

/* ---- GET /os-services --------------------------------------------------------------- */

static const struct api_qparam svc_query[] = {
    { "host", AQ_STRING, true, NULL },
    { "binary", AQ_STRING, true, NULL },
    { NULL, AQ_STRING, false, NULL },
};

/* Nova's _get_service_detail(), forced_down from 2.11. */
static json_t *
svc_view(const struct ctx *c, const struct db_service *s, bool forced_down)
{
    json_t *o = json_object();

    json_object_set_new(o, "binary", json_string(compute_binary));
    json_object_set_new(o, "host", json_string(s->host));
    json_object_set_new(o, "id",
                        c->mv >= MV(2, 53) ? json_string(s->uuid) : json_integer(s->id));
    json_object_set_new(o, "zone", json_string("nova"));
    json_object_set_new(o, "status", json_string(s->disabled ? "disabled" : "enabled"));
    json_object_set_new(o, "state", json_string(s->up ? "up" : "down"));
    json_object_set_new(o, "updated_at", view_time(s->updated_us, true));
    json_object_set_new(o, "disabled_reason", view_str_or_null(s->disabled_reason));
    if (forced_down)
        json_object_set_new(o, "forced_down", json_boolean(s->forced_down));
    return o;
}

int
h_services_index(struct ctx *c, struct resp *r, struct err *err)
{
    const char *host = req_query_last(c->req, "host");
    const char *binary = req_query_last(c->req, "binary");
    struct db_service *v = NULL;
    json_t *list;
    int n = 0;

    if (api_query_check(c->req, svc_query, c->mv < MV(2, 75), err) < 0 ||
        authz_check(&c->who, AUTHZ_SERVICES, NULL, err) < 0)
        return -1;
    /* an empty filter is no filter; only nova-compute services exist here */
    if ((!binary || !*binary || strcmp(binary, compute_binary) == 0) &&
        db_service_list(c->db, host && *host ? host : NULL, c->cfg->service_down_time, &v, &n,
                        err) < 0)
        return -1;
    list = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(list, svc_view(c, &v[i], c->mv >= MV(2, 11)));
    free(v);
    r->body = json_pack("{s:o}", "services", list);
    return 0;
}

/* ---- PUT bodies ---------------------------------------------------------------------- */

static const struct schema_prop svc_props_v21[] = {
    { "host", SCH_STRING, NULL },
    { "binary", SCH_STRING, NULL },
    { "disabled_reason", SCH_STRING, NULL },
    { NULL, SCH_STRING, NULL },
};
static const struct schema_prop svc_props_v211[] = {
    { "host", SCH_STRING, NULL },
    { "binary", SCH_STRING, NULL },
    { "disabled_reason", SCH_STRING, NULL },
    { "forced_down", SCH_BOOLLIKE, NULL },
    { NULL, SCH_STRING, NULL },
};
static const struct schema_prop svc_props_v253[] = {
    { "status", SCH_STRING, NULL },
    { "disabled_reason", SCH_STRING, NULL },
    { "forced_down", SCH_BOOLLIKE, NULL },
    { NULL, SCH_STRING, NULL },
};
static const char *const svc_required[] = { "host", "binary", NULL };
static const struct schema_obj svc_schema_v21 = { svc_props_v21, svc_required, false };
static const struct schema_obj svc_schema_v211 = { svc_props_v211, svc_required, false };
static const struct schema_obj svc_schema_v253 = { svc_props_v253, NULL, false };

/* The keywords schema.c does not know, after the type: host is
 * parameter_types.fqdn, status an enum, other strings 1-255 characters. */
static int
svc_check_string(const char *name, const char *s, struct err *err)
{
    static const char fqdn_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     "0123456789-._";
    json_t *js = json_string_nocheck(s);
    char r[300], msg[400];
    size_t len = 0;

    schema_pyrepr(js, r, sizeof(r));
    json_decref(js);
    for (const char *p = s; *p; p++)
        len += ((unsigned char)*p & 0xc0) != 0x80;
    msg[0] = '\0';
    if (strcmp(name, "status") == 0) {
        if (strcmp(s, "enabled") != 0 && strcmp(s, "disabled") != 0)
            snprintf(msg, sizeof(msg), "%s is not one of ['enabled', 'disabled']", r);
    } else if (strcmp(name, "host") == 0 && strspn(s, fqdn_chars) != strlen(s)) {
        snprintf(msg, sizeof(msg), "%s does not match '^[a-zA-Z0-9-._]*$'", r);
    } else if (len < 1) {
        snprintf(msg, sizeof(msg), "%s is too short", r);
    } else if (len > 255) {
        snprintf(msg, sizeof(msg), "%s is too long", r);
    }
    if (!msg[0])
        return 0;
    return err_set(err, ERR_INVALID, "Invalid input for field/attribute %s. Value: %s. %s",
                   name, s, msg);
}

/* jsonschema's order: the body's type, each property (type, then its other
 * keywords), required, additionalProperties (tolerated on legacy /v2). */
static int
svc_validate(const struct ctx *c, const struct schema_obj *s, struct err *err)
{
    const json_t *body = c->body ? c->body : json_null();   /* no body: None */

    for (const struct schema_prop *p = s->props; json_is_object(body) && p->name; p++) {
        const struct schema_prop one[2] = { *p, { NULL, SCH_STRING, NULL } };
        const struct schema_obj only = { one, NULL, true };
        json_t *v = json_object_get(body, p->name);

        if (v && (schema_validate(body, &only, false, err) < 0 ||
                  (json_is_string(v) && p->type == SCH_STRING &&
                   svc_check_string(p->name, json_string_value(v), err) < 0)))
            return -1;
    }
    return schema_validate(body, s, c->legacy_v2, err);
}

static const char *
svc_body_str(const struct ctx *c, const char *key)
{
    return json_string_value(json_object_get(c->body, key));
}

/* Nova refuses to force a host up while evacuations from it are "done". */
static int
svc_check_evacuations(struct ctx *c, const char *host, struct err *err)
{
    bool any;

    if (db_service_done_evacuations(c->db, host, &any, err) < 0)
        return -1;
    if (any)
        return err_set(err, ERR_INVALID,
                       "Unable to force up host %s as `done` evacuation migration records "
                       "remain associated with the host. Ensure the compute service has been "
                       "restarted, allowing these records to move to `completed` before "
                       "retrying this request.",
                       host);
    return 0;
}

/* ---- PUT /os-services/{action} (below 2.53) ------------------------------------------ */

/* Nova's _update(): the service named by host and binary. */
static int
svc_update_by_host(struct ctx *c, const char *host, const char *binary,
                   const struct db_service_change *ch, struct err *err)
{
    struct db_service *v = NULL, s;
    int n = 0, rc;

    if (strcmp(binary, compute_binary) != 0)
        return err_set(err, ERR_INVALID,
                       "Updating a %s service is not supported. Only nova-compute services "
                       "can be updated.",
                       binary);
    if (db_service_list(c->db, host, c->cfg->service_down_time, &v, &n, err) < 0)
        return -1;
    if (n == 0)
        rc = err_set(err, ERR_NOT_FOUND, "Host '%s' is not mapped to any cell", host);
    else
        rc = db_service_update(c->db, v[0].id, ch, c->cfg->service_down_time, &s, err);
    free(v);
    if (rc == 0)
        log_info("service updated req=%s host=%s", c->request_id, host);
    return rc;
}

/* enable, disable, disable-log-reason: the answer echoes what was set. */
static int
svc_set_status(struct ctx *c, struct resp *r, bool disable, const char *reason,
               struct err *err)
{
    const char *host = svc_body_str(c, "host"), *binary = svc_body_str(c, "binary");
    struct db_service_change ch = { disable, true, reason, -1 };

    if (svc_update_by_host(c, host, binary, &ch, err) < 0)
        return -1;
    r->body = json_pack("{s:{s:s,s:s,s:s}}", "service", "host", host, "binary", binary,
                        "status", disable ? "disabled" : "enabled");
    if (reason)
        json_object_set_new(json_object_get(r->body, "service"), "disabled_reason",
                            json_string(reason));
    return 0;
}

static int
svc_force_down(struct ctx *c, struct resp *r, struct err *err)
{
    const char *host = svc_body_str(c, "host"), *binary = svc_body_str(c, "binary");
    json_t *fd = json_object_get(c->body, "forced_down");
    struct db_service_change ch = { -1, false, NULL, 0 };

    if (!fd)
        return err_set(err, ERR_INVALID, "Missing forced_down field");
    ch.forced_down = schema_boollike(fd);
    if ((strcmp(binary, compute_binary) == 0 && !ch.forced_down &&
         svc_check_evacuations(c, host, err) < 0) ||
        svc_update_by_host(c, host, binary, &ch, err) < 0)
        return -1;
    r->body = json_pack("{s:{s:s,s:s,s:b}}", "service", "host", host, "binary", binary,
                        "forced_down", ch.forced_down);
    return 0;
}

static int
svc_update_v21(struct ctx *c, struct resp *r, struct err *err)
{
    const char *action = c->params[0];

    if (svc_validate(c, c->mv >= MV(2, 11) ? &svc_schema_v211 : &svc_schema_v21, err) < 0 ||
        authz_check(&c->who, AUTHZ_SERVICES_UPDATE, NULL, err) < 0)
        return -1;
    if (strcmp(action, "enable") == 0)
        return svc_set_status(c, r, false, NULL, err);
    if (strcmp(action, "disable") == 0)
        return svc_set_status(c, r, true, NULL, err);
    if (strcmp(action, "disable-log-reason") == 0) {
        if (!json_object_get(c->body, "disabled_reason"))
            return err_set(err, ERR_INVALID, "Missing disabled reason field");
        return svc_set_status(c, r, true, svc_body_str(c, "disabled_reason"), err);
    }
    if (strcmp(action, "force-down") == 0 && c->mv >= MV(2, 11))
        return svc_force_down(c, r, err);
    return err_set(err, ERR_NOT_FOUND, "Unknown action");
}

/* ---- PUT /os-services/{service_id} (2.53+) ----------------------------------------- */

/* The change the 2.53 body asks for; ERR_INVALID when it asks for none. */
static int
svc_change_v253(struct ctx *c, const struct db_service *s, struct db_service_change *ch,
                struct err *err)
{
    const char *status = svc_body_str(c, "status");
    const char *reason = svc_body_str(c, "disabled_reason");
    json_t *fd = json_object_get(c->body, "forced_down");

    *ch = (struct db_service_change){ -1, false, NULL, -1 };
    if (status && strcmp(status, "enabled") == 0) {
        if (reason && *reason)
            return err_set(err, ERR_INVALID,
                           "Specifying 'disabled_reason' with status 'enabled' is invalid.");
        *ch = (struct db_service_change){ 0, true, NULL, -1 };
    } else if (status) {
        *ch = (struct db_service_change){ 1, true, reason, -1 };
    }
    if (fd) {
        ch->forced_down = schema_boollike(fd);
        if (!ch->forced_down && svc_check_evacuations(c, s->host, err) < 0)
            return -1;
    }
    if (!status && !fd)
        return err_set(err, ERR_INVALID,
                       "No updates were requested. Fields 'status' or 'forced_down' should be "
                       "specified.");
    return 0;
}

static int
svc_update_v253(struct ctx *c, struct resp *r, struct err *err)
{
    const char *sid = c->params[0];
    char uuid[UUID_STR_LEN];
    struct db_service_change ch;
    struct db_service s;

    if (svc_validate(c, &svc_schema_v253, err) < 0)
        return -1;
    if (!uuid_normalize(sid, uuid))
        return err_set(err, ERR_INVALID, "Invalid uuid %s", sid);
    if (authz_check(&c->who, AUTHZ_SERVICES_UPDATE, NULL, err) < 0)
        return -1;
    if (db_service_get(c->db, uuid, c->cfg->service_down_time, &s, err) < 0) {
        if (err->code == ERR_NOT_FOUND)
            err_set(err, ERR_NOT_FOUND, "Service %s could not be found.", sid);
        return -1;
    }
    if (svc_change_v253(c, &s, &ch, err) < 0 ||
        db_service_update(c->db, s.id, &ch, c->cfg->service_down_time, &s, err) < 0)
        return -1;
    log_info("service updated req=%s host=%s", c->request_id, s.host);
    r->body = json_pack("{s:o}", "service", svc_view(c, &s, true));
    return 0;
}

int
h_service_update(struct ctx *c, struct resp *r, struct err *err)
{
    if (c->mv >= MV(2, 53))
        return svc_update_v253(c, r, err);
    return svc_update_v21(c, r, err);
}
