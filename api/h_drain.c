/* h_drain.c - server-side host drain (Ferry's own routes; Nova's clients do
 * it client-side, `nova host-evacuate-live`, one request per server):
 *
 *   POST /ferry/v1/hosts/{host}/drain  {"drain": {"disabled_reason": "..."}}
 *       (the body optional): the host's compute service is disabled (a
 *       disabled one keeps its reason; default "drained by <request id>"),
 *       then every instance on it gets an ordinary os-migrateLive (no host,
 *       block migration "auto"), all under this request's id: the
 *       scheduler, the source's max_concurrent_live_migrations and the
 *       policies handle them as any other.  An instance that cannot start
 *       (Nova's state checks: stopped, already migrating, ...) is skipped
 *       with Nova's reason, and the drain goes on.  202 with the drain; 409
 *       when the host is down (evacuate's case) or its last drain still
 *       has migrations under way.
 *   GET /ferry/v1/hosts/{host}/drain: the host's latest drain as it stands:
 *       each migration's status, destination and reason, what was skipped,
 *       how many instances are still on the host, and a state: "draining"
 *       while any live migration from the host is under way (this drain's
 *       or another's), "drained" once none is and the host has no
 *       instance, "incomplete" when none is but instances remain (skipped,
 *       failed or refused: the reasons say why).
 *
 * Order: authz (admin: ferry:hosts:drain, ferry:hosts:drain:show) -> body
 * (400) -> the host (404) -> the drain.
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
#include "common/mig_state.h"
#include "db/db_drain.h"
#include "db/db_host.h"
#include "db/db_mig.h"
#include "db/db_service.h"

static const struct schema_prop drain_inner_props[] = {
    { "disabled_reason", SCH_STRING, NULL },
    { NULL, SCH_STRING, NULL },
};
static const struct schema_obj drain_inner = { drain_inner_props, NULL, false };
static const struct schema_prop drain_props[] = {
    { "drain", SCH_OBJECT, &drain_inner },
    { NULL, SCH_STRING, NULL },
};
static const struct schema_obj drain_schema = { drain_props, NULL, false };

/* The body's disabled_reason, 1-255 characters (Nova's service field), or
 * NULL when there is no body or none given. */
static int
drain_reason(const struct ctx *c, const char **out, struct err *err)
{
    const json_t *v;
    const char *s;
    size_t len = 0;

    *out = NULL;
    if (!c->body)
        return 0;
    if (schema_validate(c->body, &drain_schema, false, err) < 0)
        return -1;
    v = json_object_get(json_object_get(c->body, "drain"), "disabled_reason");
    if (!v)
        return 0;
    s = json_string_value(v);
    for (const char *p = s; *p; p++)
        len += ((unsigned char)*p & 0xc0) != 0x80;
    if (len < 1 || len > 255)
        return err_set(err, ERR_INVALID, "Invalid input for field/attribute disabled_reason. "
                       "Value: %s. It must be 1 to 255 characters", s);
    *out = s;
    return 0;
}

/* The host, or Nova's 404; when up is asked for, a host that is down is
 * Nova's words for it as a 409 (its guests cannot be live-migrated: that
 * is evacuate's case, not a drain's). */
static int
drain_host(struct ctx *c, const char *host, bool up, struct err *err)
{
    AUTOFREE struct db_host *h = malloc(sizeof(*h));

    if (!h)
        fatalx("out of memory");
    if (db_host_get(c->db, host, c->cfg->service_down_time, h, err) < 0) {
        if (err->code == ERR_NOT_FOUND)
            err_set(err, ERR_NOT_FOUND, "Compute host %s could not be found.", host);
        return -1;
    }
    if (up && !h->up)
        return err_set(err, ERR_CONFLICT, "Compute service of %s is unavailable at this time.",
                       host);
    return 0;
}

static json_t *
drain_view(const struct db_drain *d, const struct db_drain_mig *m, int n)
{
    json_error_t jerr;
    json_t *skipped = d->skipped_json ? json_loads(d->skipped_json, 0, &jerr) : NULL;
    json_t *list = json_array();
    const char *state;

    for (int i = 0; i < n; i++)
        json_array_append_new(list, json_pack("{s:i,s:s,s:s,s:o,s:o}", "migration_id", m[i].id,
                                              "server_id", m[i].server_id, "status",
                                              m[i].status, "dest_compute",
                                              view_str_or_null(m[i].dest_compute), "reason",
                                              view_str_or_null(m[i].reason)));
    state = d->in_progress > 0 ? "draining" : d->remaining == 0 ? "drained" : "incomplete";
    return json_pack("{s:{s:i,s:s,s:s,s:o,s:s,s:s,s:s,s:i,s:i,s:o,s:o}}", "drain", "id", d->id,
                     "host", d->host, "request_id", d->request_id, "created_at",
                     view_time(d->created_us, true), "user_id", d->user_id, "disabled_reason",
                     d->disabled_reason, "state", state, "instances_remaining", d->remaining,
                     "migrations_in_progress", d->in_progress, "migrations", list, "skipped",
                     skipped ? skipped : json_array());
}

/* Reply with the host's latest drain. */
static int
drain_reply(struct ctx *c, const char *host, struct resp *r, struct err *err)
{
    struct db_drain d;
    struct db_drain_mig *m = NULL;
    int n;

    if (db_drain_get(c->db, host, &d, &m, &n, err) < 0)
        return -1;
    r->body = drain_view(&d, m, n);
    db_drain_free(&d);
    free(m);
    return 0;
}

/* An ordinary os-migrateLive of server, under the drain's request id:
 * 0 started, 1 skipped (recorded with Nova's reason, or the error that
 * refused it: the drain goes on with the next), -1 when the database is
 * gone (*err). */
static int
drain_one(struct ctx *c, const struct db_drain *d, const struct db_server_ref *s,
          struct err *err)
{
    struct db_mig_request req = { .instance_uuid = s->uuid, .request_id = d->request_id,
                                  .user_id = c->who.user_id, .project_id = c->who.project_id,
                                  .host = NULL, .forced = false, .block_migration = -1,
                                  .disk_over_commit = -1, .api_mv = c->cfg->max_microversion,
                                  .actor = c->actor };
    struct err e = ERR_INIT;
    struct db_mig m;

    if (db_mig_create(c->db, &req, &m, &e) == 0) {
        log_info("live migration accepted req=%s mig=%d instance=%s drain=%d host=%s",
                 d->request_id, m.id, s->uuid, d->id, d->host);
        return 0;
    }
    if (e.code == ERR_UNAVAILABLE) {
        *err = e;
        return -1;
    }
    log_info("drain %d of %s skips instance=%s: %s", d->id, d->host, s->uuid, e.msg);
    return db_drain_skip(c->db, d->id, s->uuid, e.msg, err) < 0 ? -1 : 1;
}

int
h_host_drain(struct ctx *c, struct resp *r, struct err *err)
{
    const char *host = c->params[0];
    AUTOFREE struct db_server_ref *servers = NULL;
    char dflt[80];
    const char *given;
    struct db_drain d;
    int n, started = 0, skipped = 0;

    if (authz_check(&c->who, AUTHZ_FERRY_HOST_DRAIN, NULL, err) < 0 ||
        drain_reason(c, &given, err) < 0 || drain_host(c, host, true, err) < 0)
        return -1;
    snprintf(dflt, sizeof(dflt), "drained by %s", c->request_id);
    if (db_drain_begin(c->db, host, c->request_id, c->who.user_id, c->who.project_id,
                       given ? given : dflt, &d, err) < 0)
        return -1;
    db_drain_free(&d);
    if (db_hypervisor_servers(c->db, host, &servers, &n, err) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        int rc = drain_one(c, &d, &servers[i], err);

        if (rc < 0)
            return -1;
        rc == 0 ? started++ : skipped++;
    }
    log_info("drain %d of %s req=%s: %d migration(s) started, %d instance(s) skipped", d.id,
             host, c->request_id, started, skipped);
    r->status = 202;
    return drain_reply(c, host, r, err);
}

int
h_host_drain_show(struct ctx *c, struct resp *r, struct err *err)
{
    const char *host = c->params[0];

    if (authz_check(&c->who, AUTHZ_FERRY_HOST_DRAIN_SHOW, NULL, err) < 0 ||
        drain_host(c, host, false, err) < 0)
        return -1;
    return drain_reply(c, host, r, err);
}
