/* h_metadata.c - a server's metadata, as Nova's server_metadata.py serves it:
 *
 *   GET    /servers/{id}/metadata          index: every item
 *   POST   /servers/{id}/metadata          create: merge the body's items
 *   PUT    /servers/{id}/metadata          update_all: the body's items replace all
 *   GET    /servers/{id}/metadata/{key}    show: one item (404 when absent)
 *   PUT    /servers/{id}/metadata/{key}    update: one item, named by the URL too
 *   DELETE /servers/{id}/metadata/{key}    delete: 204
 *
 * Nova's order: body schema (400) -> instance (404) -> authz (403) -> the
 * URL's key in the body (400) -> then Ferry's own check of the ferry:* keys
 * it reads (400, common/mig_opts.c) -> under the instance's row lock: the
 * key to delete (404), lock (409), vm/task state (409: no change while a
 * migration runs, which read the keys when it was accepted), the
 * metadata_items quota of 128 (403).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "api/routes.h"
#include "api/schema.h"
#include "common/auto.h"
#include "common/mig_opts.h"
#include "db/db_instance.h"
#include "db/db_metadata.h"

/* Nova's default metadata_items quota. */
#define METADATA_ITEMS_MAX 128

static const struct schema_prop md_all_props[] = {
    { "metadata", SCH_METADATA, NULL },
    { NULL, 0, NULL },
};
static const char *const md_all_req[] = { "metadata", NULL };
static const struct schema_obj md_all_schema = { md_all_props, md_all_req, false };

static const struct schema_prop md_one_props[] = {
    { "meta", SCH_METADATA_ONE, NULL },
    { NULL, 0, NULL },
};
static const char *const md_one_req[] = { "meta", NULL };
static const struct schema_obj md_one_schema = { md_one_props, md_one_req, false };

/* The instance of the URL, then the authz rule (Nova's get_instance, can()). */
static int
md_instance(struct ctx *c, enum authz_rule rule, struct db_instance *inst, struct err *err)
{
    if (api_instance_get(c, c->params[0], inst, err) < 0)
        return -1;
    return authz_check(&c->who, rule, inst->project_id, err);
}

/* The items Ferry reads must hold values it can use. */
static int
md_check_items(const json_t *items, struct err *err)
{
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)items, key, v)
        if (mig_opt_check(key, json_string_value(v), err) < 0)
            return -1;
    return 0;
}

/* Apply a change; *out (owned) is the metadata afterwards. */
static int
md_change(struct ctx *c, const struct db_instance *inst, const json_t *set, bool replace,
          const char *delete_key, json_t **out, struct err *err)
{
    struct db_metadata_change ch = { 0 };
    AUTOFREE char *text = NULL;
    AUTOFREE char *after = NULL;
    json_error_t jerr;

    if (set && !(text = json_dumps(set, JSON_COMPACT)))
        return err_set(err, ERR_INTERNAL, "cannot encode the metadata");
    ch.uuid = inst->uuid;
    ch.server_id = c->params[0];
    ch.action = delete_key ? "delete metadata" : "update metadata";
    ch.set = text;
    ch.replace = replace;
    ch.delete_key = delete_key;
    ch.is_admin = c->who.is_admin;
    ch.max_items = METADATA_ITEMS_MAX;
    if (db_instance_metadata_change(c->db, &ch, &after, err) < 0)
        return -1;
    if (out && !(*out = json_loads(after, 0, &jerr)))
        return err_set(err, ERR_INTERNAL, "the stored metadata is not JSON");
    return 0;
}

/* The stored metadata as JSON (owned). */
static int
md_read(struct ctx *c, const struct db_instance *inst, json_t **out, struct err *err)
{
    AUTOFREE char *text = NULL;
    json_error_t jerr;

    if (db_instance_metadata_get(c->db, inst->uuid, &text, err) < 0)
        return -1;
    if (!(*out = json_loads(text, 0, &jerr)))
        return err_set(err, ERR_INTERNAL, "the stored metadata is not JSON");
    return 0;
}

int
h_metadata_index(struct ctx *c, struct resp *r, struct err *err)
{
    struct db_instance inst;
    json_t *md;

    if (md_instance(c, AUTHZ_METADATA_INDEX, &inst, err) < 0 || md_read(c, &inst, &md, err) < 0)
        return -1;
    r->body = json_pack("{s:o}", "metadata", md);
    return 0;
}

/* POST (merge) and PUT (replace) of /metadata. */
static int
md_set_all(struct ctx *c, struct resp *r, enum authz_rule rule, bool replace,
           struct err *err)
{
    const json_t *items = json_object_get(c->body, "metadata");
    struct db_instance inst;
    json_t *md;

    if (schema_validate(c->body, &md_all_schema, c->legacy_v2, err) < 0 ||
        md_instance(c, rule, &inst, err) < 0 || md_check_items(items, err) < 0 ||
        md_change(c, &inst, items, replace, NULL, &md, err) < 0)
        return -1;
    r->body = json_pack("{s:o}", "metadata", md);
    return 0;
}

int
h_metadata_create(struct ctx *c, struct resp *r, struct err *err)
{
    return md_set_all(c, r, AUTHZ_METADATA_CREATE, false, err);
}

int
h_metadata_update_all(struct ctx *c, struct resp *r, struct err *err)
{
    return md_set_all(c, r, AUTHZ_METADATA_UPDATE_ALL, true, err);
}

int
h_metadata_show(struct ctx *c, struct resp *r, struct err *err)
{
    const char *key = c->params[1];
    struct db_instance inst;
    json_auto_t *md = NULL;
    json_t *v;

    if (md_instance(c, AUTHZ_METADATA_SHOW, &inst, err) < 0 || md_read(c, &inst, &md, err) < 0)
        return -1;
    if (!(v = json_object_get(md, key)))
        return err_set(err, ERR_NOT_FOUND, "Metadata item was not found");
    r->body = json_pack("{s:{s:O}}", "meta", key, v);
    return 0;
}

int
h_metadata_update(struct ctx *c, struct resp *r, struct err *err)
{
    const json_t *meta = json_object_get(c->body, "meta");
    const char *key = c->params[1];
    struct db_instance inst;

    if (schema_validate(c->body, &md_one_schema, c->legacy_v2, err) < 0 ||
        md_instance(c, AUTHZ_METADATA_UPDATE, &inst, err) < 0)
        return -1;
    if (!json_object_get(meta, key))
        return err_set(err, ERR_INVALID, "Request body and URI mismatch");
    if (md_check_items(meta, err) < 0 || md_change(c, &inst, meta, false, NULL, NULL, err) < 0)
        return -1;
    r->body = json_pack("{s:O}", "meta", meta);
    return 0;
}

int
h_metadata_delete(struct ctx *c, struct resp *r, struct err *err)
{
    struct db_instance inst;

    if (md_instance(c, AUTHZ_METADATA_DELETE, &inst, err) < 0 ||
        md_change(c, &inst, NULL, false, c->params[1], NULL, err) < 0)
        return -1;
    r->status = 204;
    return 0;
}
