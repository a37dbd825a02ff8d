/* h_servers.c - the server reads the stock clients need around a migration:
 * GET /servers, /servers/detail, /servers/{id}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "api/routes.h"
#include "api/view.h"
#include "common/auto.h"
#include "common/util.h"
#include "db/db_host.h"
#include "db/db_instance.h"
#include "db/db_metadata.h"

int
api_instance_get(struct ctx *c, const char *server_id, struct db_instance *out,
                 struct err *err)
{
    char uuid[UUID_STR_LEN];

    if (!uuid_normalize(server_id, uuid))
        return err_set(err, ERR_NOT_FOUND, "Instance %s could not be found.", server_id);
    if (db_instance_get(c->db, uuid, c->who.is_admin ? NULL : c->who.project_id, out,
                        err) < 0) {
        if (err->code == ERR_NOT_FOUND)
            err_set(err, ERR_NOT_FOUND, "Instance %s could not be found.", server_id);
        return -1;
    }
    return 0;
}

/* "UP", "DOWN" or "" for the host (2.16 host_status). */
static const char *
server_host_status(struct ctx *c, const struct db_instance *i)
{
    struct db_host h;
    struct err err = ERR_INIT;

    if (c->mv < MV(2, 16) || !i->host[0])
        return "";
    if (db_host_get(c->db, i->host, c->cfg->service_down_time, &h, &err) < 0)
        return "UNKNOWN";
    if (h.disabled)
        return "MAINTENANCE";
    return h.up ? "UP" : "DOWN";
}

/* The page: limit (at most, and by default, [api] max_limit; 0 is the
 * maximum, as in Nova) and marker (a uuid, copied to marker_uuid). */
static int
server_paging(struct ctx *c, struct db_instance_filter *f, char marker_uuid[UUID_STR_LEN],
              struct err *err)
{
    const char *limit = req_query_last(c->req, "limit");
    const char *marker = req_query_last(c->req, "marker");

    f->limit = c->cfg->max_limit;
    if (limit) {
        char *end;
        long l = strtol(limit, &end, 10);

        if (*limit == '\0' || *end || l < 0)
            return err_set(err, ERR_INVALID, "limit param must be an integer");
        if (l > 0 && l < c->cfg->max_limit)
            f->limit = (int)l;
    }
    if (marker) {
        if (!uuid_normalize(marker, marker_uuid))
            return err_set(err, ERR_INVALID, "marker [%s] not found", marker);
        f->marker = marker_uuid;
    }
    return 0;
}

/* Nova's list filters that matter here: name (a regex), all_tenants,
 * host (admin); a page of at most [api] max_limit (limit, marker), with a
 * "next" link when it is full, as Nova pages. */
static int
server_list(struct ctx *c, struct resp *r, bool detail, struct err *err)
{
    static const struct api_qparam any[] = { { NULL, AQ_STRING, false, NULL } };
    struct db_instance_filter f = { 0 };
    struct db_instance *v = NULL;
    const char *all = req_query_last(c->req, "all_tenants");
    char marker_uuid[UUID_STR_LEN];
    json_t *list;
    int n;

    if (authz_check(&c->who, AUTHZ_SERVERS_INDEX, c->who.project_id, err) < 0)
        return -1;
    f.project = c->who.project_id;
    if (all && strcmp(all, "0") != 0 && strcasecmp(all, "false") != 0) {
        if (authz_check(&c->who, AUTHZ_SERVERS_ALL_TENANTS, NULL, err) < 0)
            return -1;
        f.project = NULL;
    }
    f.name_regex = req_query_last(c->req, "name");
    if (c->who.is_admin)
        f.host = req_query_last(c->req, "host");
    if (server_paging(c, &f, marker_uuid, err) < 0)
        return -1;
    f.down_time_s = c->cfg->service_down_time;
    if (f.marker && db_instance_marker_check(c->db, f.marker, err) < 0)
        return -1;
    if (db_instance_list(c->db, &f, &v, &n, err) < 0) {
        /* PostgreSQL's regex engine judged the pattern: say so, with its words */
        if (err->code == ERR_INVALID && f.name_regex)
            api_regex_error(err);
        return -1;
    }
    list = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(list, detail ? view_server(c, &v[i], c->mv >= MV(2, 16)
                                                                       ? v[i].host_status
                                                                       : "")
                                           : view_server_brief(c, &v[i]));
    r->body = json_pack("{s:o}", "servers", list);
    if (n > 0 && n == f.limit)
        json_object_set_new(r->body, "servers_links",
                            api_next_link(c, detail ? "servers/detail" : "servers",
                                          v[n - 1].uuid, any, false));
    free(v);
    return 0;
}

int
h_server_list(struct ctx *c, struct resp *r, struct err *err)
{
    return server_list(c, r, false, err);
}

int
h_server_detail(struct ctx *c, struct resp *r, struct err *err)
{
    return server_list(c, r, true, err);
}

int
h_server_show(struct ctx *c, struct resp *r, struct err *err)
{
    struct db_instance inst;
    AUTOFREE char *meta = NULL;

    if (api_instance_get(c, c->params[0], &inst, err) < 0 ||
        authz_check(&c->who, AUTHZ_SERVERS_SHOW, inst.project_id, err) < 0 ||
        db_instance_metadata_get(c->db, inst.uuid, &meta, err) < 0)
        return -1;
    inst.metadata = meta;       /* borrowed for the view */
    r->body = json_pack("{s:o}", "server", view_server(c, &inst, server_host_status(c, &inst)));
    return 0;
}
