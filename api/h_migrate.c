/* h_migrate.c - POST /servers/{id}/action {"os-migrateLive": {...}}.
 *
 * Nova's order: body schema for the microversion -> instance (404) -> authz
 * (403, migrate_live:host when a host is named) -> force without a host (400)
 * -> lock (409) -> vm/task state (409) -> the named host exists (400) ->
 * task_state = migrating, the migration row "accepted" and the instance
 * action, all in one statement -> 202 at once from 2.34, else once the
 * scheduler has decided (202, or Nova's 400 with its reason).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api/auth.h"
#include "api/mv.h"
#include "api/routes.h"
#include "api/schema.h"
#include "common/log.h"
#include "common/util.h"
#include "db/db.h"
#include "db/db_host.h"
#include "db/db_instance.h"
#include "db/db_mig.h"
#include "db/db_watch.h"

/* Property order follows Nova's schema dicts (jsonschema reports the first
 * failing property in that order). */
static const struct schema_prop lm_props_v21[] = {
    { "block_migration", SCH_BOOLLIKE, NULL },
    { "disk_over_commit", SCH_BOOLLIKE, NULL },
    { "host", SCH_HOST_OR_NULL, NULL },
    { NULL, 0, NULL },
};
static const char *const lm_req_v21[] = { "block_migration", "disk_over_commit", "host", NULL };

static const struct schema_prop lm_props_v225[] = {
    { "block_migration", SCH_BOOLLIKE_AUTO, NULL },
    { "host", SCH_HOST_OR_NULL, NULL },
    { NULL, 0, NULL },
};
static const struct schema_prop lm_props_v230[] = {
    { "block_migration", SCH_BOOLLIKE_AUTO, NULL },
    { "host", SCH_HOST_OR_NULL, NULL },
    { "force", SCH_BOOLLIKE, NULL },
    { NULL, 0, NULL },
};
static const char *const lm_req_v225[] = { "block_migration", "host", NULL };

#define LM_BODY(name, props, req)                                                      \
    static const struct schema_obj name##_inner = { props, req, false };               \
    static const struct schema_prop name##_top[] = {                                   \
        { "os-migrateLive", SCH_OBJECT, &name##_inner }, { NULL, 0, NULL } };          \
    static const char *const name##_req[] = { "os-migrateLive", NULL };                \
    static const struct schema_obj name = { name##_top, name##_req, false }

LM_BODY(lm_v21, lm_props_v21, lm_req_v21);
LM_BODY(lm_v225, lm_props_v225, lm_req_v225);   /* also 2.68+ */
LM_BODY(lm_v230, lm_props_v230, lm_req_v225);

const struct schema_obj *
migrate_live_schema(int mv)
{
    if (mv < MV(2, 25))
        return &lm_v21;
    if (mv >= MV(2, 30) && mv < MV(2, 68))
        return &lm_v230;
    return &lm_v225;
}


/* Below 2.34: wait for the scheduler's verdict, as Nova's API waits for the
 * conductor.  The row is committed and the pooled connection given back (a
 * wait of up to rpc_response_timeout must not hold one of the few): the
 * process's one listening connection wakes this thread when the migration
 * moves (db_watch.c), and each look at the row borrows a pooled connection
 * for a moment.  The request is accepted whatever happens to the wait. */
static int
lm_wait_verdict(struct ctx *c, const struct db_mig *m, struct err *err)
{
    int64_t deadline = now_ms() + (int64_t)c->cfg->rpc_response_timeout * 1000;
    struct db_waiter *me;
    struct db_mig now;
    int rc;

    api_db_release(c);
    me = db_watch_add(c->watch, "ferry_migration", m->id);     /* before the first read */
    for (;;) {
        struct db *db = db_pool_get(c->pool, c->cfg->db_pool_timeout * 1000, err);
        int64_t left;

        rc = db ? db_mig_get(db, m->id, &now, err) : -1;
        db_pool_put(c->pool, db);
        if (rc < 0 || now.status != MIG_ACCEPTED) {
            rc = rc < 0 ? -1 : 1;
            break;
        }
        if ((left = deadline - now_ms()) <= 0) {
            rc = 0;
            break;
        }
        db_waiter_sleep(me, left > INT32_MAX ? INT32_MAX : (int)left);
    }
    db_waiter_free(me);
    if (rc < 0) {
        log_warnx("cannot wait for the scheduler, answering 202 req=%s mig=%d: %s%s%s",
                  c->request_id, m->id, err->msg, err->detail[0] ? ": " : "", err->detail);
        err_clear(err);
        return 0;
    }
    if (rc == 0) {
        log_warnx("scheduler did not decide in time, answering 202 req=%s mig=%d",
                  c->request_id, m->id);
        return 0;
    }
    /* the refusal's class, as the scheduler recorded it: the conductor's
     * InstanceInvalidState (the power state) is a 409 in Nova, every other
     * refusal a 400 */
    if (now.status == MIG_ERROR)
        return err_set(err, now.reason_code == ERR_CONFLICT ? ERR_CONFLICT : ERR_INVALID, "%s",
                       now.reason[0] ? now.reason : "Migration pre-check error");
    return 0;
}

int
h_migrate_live(struct ctx *c, struct resp *r, struct err *err)
{
    const json_t *body = json_object_get(c->body, "os-migrateLive");
    const json_t *jhost, *jforce;
    struct db_instance inst;
    struct db_host dest;
    struct db_mig_request req = { 0 };
    struct db_mig m;
    const char *host = NULL;
    char mvs[16];
    bool forced = false;

    if (schema_validate(c->body, migrate_live_schema(c->mv), c->legacy_v2, err) < 0)
        return -1;
    if (api_instance_get(c, c->params[0], &inst, err) < 0)
        return -1;
    jhost = json_object_get(body, "host");
    if (json_is_string(jhost))
        host = json_string_value(jhost);
    if (authz_check(&c->who, host ? AUTHZ_MIGRATE_LIVE_HOST : AUTHZ_MIGRATE_LIVE,
                    inst.project_id, err) < 0)
        return -1;
    if (c->mv >= MV(2, 30) && c->mv < MV(2, 68)) {
        jforce = json_object_get(body, "force");
        forced = jforce && schema_boollike(jforce) == 1;
        if (forced && !host)
            return err_set(err, ERR_INVALID, "Can't force to a non-provided destination");
    } else if (c->mv < MV(2, 30) && host) {
        forced = true;      /* before 2.30 a named host bypasses the scheduler */
    }
    if (db_instance_guard(&inst, c->params[0], &inst_guard_live_migrate, !c->who.is_admin,
                          err) < 0)
        return -1;
    if (host && db_host_get(c->db, host, c->cfg->service_down_time, &dest, err) < 0) {
        if (err->code == ERR_NOT_FOUND)
            err_set(err, ERR_INVALID, "Compute host %s could not be found.", host);
        return -1;
    }
    mv_format(c->mv, mvs, sizeof(mvs));
    req.instance_uuid = inst.uuid;
    req.request_id = c->request_id;
    req.user_id = c->who.user_id;
    req.project_id = c->who.project_id;
    req.host = host;
    req.forced = forced;
    req.block_migration = schema_boollike(json_object_get(body, "block_migration"));
    req.disk_over_commit = c->mv < MV(2, 25)
                               ? schema_boollike(json_object_get(body, "disk_over_commit"))
                               : -1;
    req.api_mv = c->mv;
    req.actor = c->actor;
    if (db_mig_create(c->db, &req, &m, err) < 0)
        return -1;      /* a lost race reads as Nova's state conflict */
    log_info("live migration accepted req=%s mig=%d instance=%s host=%s forced=%d mv=%s "
             "policy=%s asked=%s max_downtime_ms=%d post_copy=%d auto_converge=%d",
             c->request_id, m.id, inst.uuid, host ? host : "-", forced, mvs, m.policy,
             m.policy_requested, m.max_downtime_ms, m.post_copy_permitted,
             m.auto_converge_permitted);
    r->status = 202;
    if (c->mv < MV_LIVE_MIGRATE_ASYNC)
        return lm_wait_verdict(c, &m, err);
    return 0;
}
