/* h_hypervisors.c - GET /os-hypervisors[/detail|/statistics|/{id}[/uptime|
 * /search|/servers]], admin only, as Nova's hypervisors.py:
 *
 *   2.28  cpu_info an object (a JSON string before)
 *   2.33  limit and marker, hypervisors_links
 *   2.53  uuids for ids; hypervisor_hostname_pattern and with_servers replace
 *         the /{pattern}/search and /{pattern}/servers routes; unknown query
 *         parameters refused
 *   2.75  "servers": [] when with_servers finds none
 *   2.88  the resource fields, /statistics and /{id}/uptime go; uptime joins
 *         the detail view
 *
 * Each compute host is one hypervisor.  Its usage is the instances placed on
 * it, plus the reserved_host_memory_mb that host runs with (recorded when
 * its ferry-compute registers) in memory_mb_used, as Nova's resource
 * tracker counts it.  Ferry does not measure the host's free disk
 * (disk_available_least is null) nor its uptime (the uptime route answers
 * 501 as Nova does for a driver without it; uptime is null from 2.88).
 *
 * GET /os-aggregates is here too: Ferry has no host aggregates, and
 * `openstack hypervisor show` lists them to show a host's membership.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/auth.h"
#include "api/routes.h"
#include "api/view.h"
#include "common/auto.h"
#include "common/util.h"
#include "db/db_service.h"

/* Nova's query schemas: before 2.53 unknown parameters are dropped. */
static const struct api_qparam hv_query_none[] = { { NULL, AQ_STRING, false, NULL } };

static const struct api_qparam hv_query_v233[] = {
    { "limit", AQ_INT, true, NULL },
    { "marker", AQ_STRING, true, NULL },
    { NULL, AQ_STRING, false, NULL },
};

static const struct api_qparam hv_query_v253[] = {
    { "limit", AQ_INT, false, NULL },
    { "marker", AQ_STRING, false, NULL },
    { "hypervisor_hostname_pattern", AQ_FQDN, false, NULL },
    { "with_servers", AQ_BOOL, false, NULL },
    { NULL, AQ_STRING, false, NULL },
};

static const struct api_qparam hv_show_v253[] = {
    { "with_servers", AQ_BOOL, false, NULL },
    { NULL, AQ_STRING, false, NULL },
};

/* A validated parameter_types.boolean value: true or false. */
static bool
hv_bool(const char *v)
{
    return v && (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 ||
                 strcasecmp(v, "on") == 0 || strcasecmp(v, "yes") == 0);
}

static json_t *
hv_id(const struct ctx *c, int id, const char *uuid)
{
    return c->mv >= MV(2, 53) ? json_string(uuid) : json_integer(id);
}

/* The resource fields dropped in 2.88. */
static void
hv_view_resources(const struct ctx *c, const struct db_hypervisor *h, json_t *o)
{
    int mem_used = h->memory_mb_used;
    json_error_t jerr;
    json_t *cpu;

    json_object_set_new(o, "vcpus", json_integer(h->vcpus));
    json_object_set_new(o, "memory_mb", json_integer(h->memory_mb));
    json_object_set_new(o, "local_gb", json_integer(h->local_gb));
    json_object_set_new(o, "vcpus_used", json_integer(h->vcpus_used));
    json_object_set_new(o, "memory_mb_used", json_integer(mem_used));
    json_object_set_new(o, "local_gb_used", json_integer(h->local_gb_used));
    json_object_set_new(o, "free_ram_mb", json_integer(h->memory_mb - mem_used));
    json_object_set_new(o, "free_disk_gb", json_integer(h->local_gb - h->local_gb_used));
    json_object_set_new(o, "current_workload", json_integer(h->current_workload));
    json_object_set_new(o, "running_vms", json_integer(h->running_vms));
    json_object_set_new(o, "disk_available_least", json_null());
    if (c->mv < MV(2, 28)) {
        json_object_set_new(o, "cpu_info", json_string(h->cpu_info));
        return;
    }
    cpu = h->cpu_info[0] ? json_loads(h->cpu_info, 0, &jerr) : NULL;
    json_object_set_new(o, "cpu_info", json_is_object(cpu) ? cpu : json_object());
    if (cpu && !json_is_object(cpu))
        json_decref(cpu);
}

/* Nova's _view_hypervisor(): servers are looked up when fetch_servers; with
 * with_servers an empty list still shows from 2.75. */
static int
hv_view(const struct ctx *c, const struct db_hypervisor *h, bool detail, bool fetch_servers,
        bool with_servers, json_t **out, struct err *err)
{
    struct db_server_ref *v = NULL;
    json_t *o = json_object();
    int n = 0;

    json_object_set_new(o, "id", hv_id(c, h->id, h->uuid));
    json_object_set_new(o, "hypervisor_hostname", json_string(h->hostname));
    json_object_set_new(o, "state", json_string(h->service.up ? "up" : "down"));
    json_object_set_new(o, "status", json_string(h->service.disabled ? "disabled" : "enabled"));
    if (detail) {
        json_object_set_new(o, "hypervisor_type", json_string(h->hypervisor_type));
        json_object_set_new(o, "hypervisor_version", json_integer(h->hypervisor_version));
        json_object_set_new(o, "host_ip", view_str_or_null(h->host_ip));
        json_object_set_new(o, "service",
                            json_pack("{s:o,s:s,s:o}", "id",
                                      hv_id(c, h->service.id, h->service.uuid), "host",
                                      h->service.host, "disabled_reason",
                                      view_str_or_null(h->service.disabled_reason)));
        if (c->mv < MV(2, 88))
            hv_view_resources(c, h, o);
        else
            json_object_set_new(o, "uptime", json_null());
    }
    if (fetch_servers && db_hypervisor_servers(c->db, h->service.host, &v, &n, err) < 0) {
        json_decref(o);
        return -1;
    }
    if (n > 0 || (with_servers && c->mv >= MV(2, 75))) {
        json_t *list = json_array();

        for (int i = 0; i < n; i++)
            json_array_append_new(list, json_pack("{s:s,s:s}", "name", v[i].name, "uuid",
                                                  v[i].uuid));
        json_object_set_new(o, "servers", list);
    }
    free(v);
    *out = o;
    return 0;
}

/* The views of hypervisors v[0..n) as the array "hypervisors" of body. */
static int
hv_view_all(const struct ctx *c, const struct db_hypervisor *v, int n, bool detail,
            bool with_servers, json_t *body, struct err *err)
{
    json_t *list = json_array();

    json_object_set_new(body, "hypervisors", list);
    for (int i = 0; i < n; i++) {
        json_t *o;

        if (hv_view(c, &v[i], detail, with_servers, with_servers, &o, err) < 0)
            return -1;
        json_array_append_new(list, o);
    }
    return 0;
}

/* Hypervisors whose name contains pattern; Nova's 404 when none does. */
static int
hv_search_list(struct ctx *c, const char *pattern, struct db_hypervisor **v, int *n,
               struct err *err)
{
    struct db_hypervisor_filter f = { 0 };

    f.pattern = pattern;
    if (db_hypervisor_list(c->db, &f, c->cfg->service_down_time, v, n, err) < 0)
        return -1;
    if (*n == 0) {
        free(*v);
        *v = NULL;
        return err_set(err, ERR_NOT_FOUND, "No hypervisor matching '%s' could be found.",
                       pattern);
    }
    return 0;
}

/* A hypervisor by id: a uuid (when uuid_ok) or an integer (when int_ok), as
 * Nova's compute_node_get() takes either. */
static int
hv_lookup(struct ctx *c, const char *id, bool uuid_ok, bool int_ok, struct db_hypervisor *out,
          struct err *err)
{
    char uuid[UUID_STR_LEN], *end;
    long v;

    if (uuid_ok && uuid_normalize(id, uuid))
        return db_hypervisor_get(c->db, 0, uuid, c->cfg->service_down_time, out, err);
    errno = 0;
    v = strtol(id, &end, 10);
    while (*end == ' ')
        end++;
    if (!int_ok || end == id || *end || errno || v <= 0 || v > 0x7fffffff)
        return err_set(err, ERR_NOT_FOUND, "Compute host %s could not be found.", id);
    return db_hypervisor_get(c->db, (int)v, NULL, c->cfg->service_down_time, out, err);
}

/* The {hypervisor_id} of the URL: a uuid from 2.53 (else 400), an integer
 * before (else 404). */
static int
hv_get(struct ctx *c, struct db_hypervisor *out, struct err *err)
{
    const char *id = c->params[0];
    char uuid[UUID_STR_LEN];
    bool v253 = c->mv >= MV(2, 53);

    if (v253 && !uuid_normalize(id, uuid))
        return err_set(err, ERR_INVALID, "Invalid uuid %s", id);
    if (hv_lookup(c, id, v253, !v253, out, err) < 0) {
        if (err->code == ERR_NOT_FOUND)
            err_set(err, ERR_NOT_FOUND, "Hypervisor with ID '%s' could not be found.", id);
        return -1;
    }
    return 0;
}

/* Paging (2.33+): after the marker, at most *page rows (0: an empty page). */
static int
hv_paging(struct ctx *c, struct db_hypervisor_filter *f, int *page, struct err *err)
{
    const char *limit = req_query_last(c->req, "limit");
    const char *marker = req_query_last(c->req, "marker");
    struct db_hypervisor m;

    *page = c->cfg->max_limit;
    if (limit) {
        long l;

        errno = 0;
        l = strtol(limit, NULL, 10);
        if (errno == 0 && l < *page)
            *page = (int)l;
    }
    f->limit = *page;
    if (!marker)
        return 0;
    if (hv_lookup(c, marker, true, true, &m, err) < 0) {
        if (err->code == ERR_NOT_FOUND)
            err_set(err, ERR_INVALID, "marker [%s] not found", marker);
        return -1;
    }
    f->after_id = m.id;
    return 0;
}

/* The rows of a list: those matching pattern, or a page after the marker
 * (*page: its size, -1 unpaged). */
static int
hv_fetch(struct ctx *c, const char *pattern, bool paged, struct db_hypervisor **v, int *n,
         int *page, struct err *err)
{
    struct db_hypervisor_filter f = { 0 };

    *page = -1;
    if (pattern)
        return hv_search_list(c, pattern, v, n, err);
    if (paged && hv_paging(c, &f, page, err) < 0)
        return -1;
    if (*page == 0)
        return 0;
    return db_hypervisor_list(c->db, &f, c->cfg->service_down_time, v, n, err);
}

static int
hv_list(struct ctx *c, struct resp *r, bool detail, struct err *err)
{
    bool v253 = c->mv >= MV(2, 53), paged = c->mv >= MV(2, 33);
    const struct api_qparam *qp = v253 ? hv_query_v253 : paged ? hv_query_v233 : hv_query_none;
    const char *pattern = v253 ? req_query_last(c->req, "hypervisor_hostname_pattern") : NULL;
    const char *marker = req_query_last(c->req, "marker");
    bool with_servers = v253 && hv_bool(req_query_last(c->req, "with_servers"));
    struct db_hypervisor *v = NULL;
    int n = 0, page;
    json_t *body;
    char last[UUID_STR_LEN];

    if (api_query_check(c->req, qp, !v253, err) < 0 ||
        authz_check(&c->who, detail ? AUTHZ_HYPERVISORS_DETAIL : AUTHZ_HYPERVISORS, NULL, err) < 0)
        return -1;
    if (pattern && (req_query_last(c->req, "limit") || (marker && *marker)))
        /* Nova passes its text as webob's detail, so the fault says this */
        return err_set(err, ERR_INVALID, "The server could not comply with the request since "
                                         "it is either malformed or otherwise incorrect.");
    if (hv_fetch(c, pattern, paged, &v, &n, &page, err) < 0)
        return -1;
    body = json_object();
    if (hv_view_all(c, v, n, detail, with_servers, body, err) < 0) {
        free(v);
        json_decref(body);
        return -1;
    }
    if (page > 0 && n == page) {
        snprintf(last, sizeof(last), "%d", v[n - 1].id);
        json_object_set_new(body, "hypervisors_links",
                            api_next_link(c, detail ? "os-hypervisors/detail" : "os-hypervisors",
                                          v253 ? v[n - 1].uuid : last, qp, !v253));
    }
    free(v);
    r->body = body;
    return 0;
}

int
h_hypervisors_index(struct ctx *c, struct resp *r, struct err *err)
{
    return hv_list(c, r, false, err);
}

int
h_hypervisors_detail(struct ctx *c, struct resp *r, struct err *err)
{
    return hv_list(c, r, true, err);
}

int
h_hypervisor_show(struct ctx *c, struct resp *r, struct err *err)
{
    bool v253 = c->mv >= MV(2, 53);
    bool with_servers = v253 && hv_bool(req_query_last(c->req, "with_servers"));
    struct db_hypervisor h;
    json_t *o;

    if (api_query_check(c->req, v253 ? hv_show_v253 : hv_query_none, !v253, err) < 0 ||
        authz_check(&c->who, AUTHZ_HYPERVISORS_SHOW, NULL, err) < 0 || hv_get(c, &h, err) < 0 ||
        hv_view(c, &h, true, with_servers, with_servers, &o, err) < 0)
        return -1;
    r->body = json_pack("{s:o}", "hypervisor", o);
    return 0;
}

int
h_hypervisor_uptime(struct ctx *c, struct resp *r, struct err *err)
{
    struct db_hypervisor h;

    (void)r;
    if (authz_check(&c->who, AUTHZ_HYPERVISORS_UPTIME, NULL, err) < 0 || hv_get(c, &h, err) < 0)
        return -1;
    /* the API cannot ask the host, as Nova's driver call would */
    return err_set(err, ERR_NOT_SUPPORTED, "The requested functionality is not supported.");
}

/* GET /os-hypervisors/{pattern}/search and .../servers (before 2.53). */
static int
hv_search(struct ctx *c, struct resp *r, bool servers, struct err *err)
{
    struct db_hypervisor *v = NULL;
    json_t *body;
    int n = 0, rc;

    if (authz_check(&c->who, servers ? AUTHZ_HYPERVISORS_SERVERS : AUTHZ_HYPERVISORS_SEARCH, NULL,
                    err) < 0 ||
        hv_search_list(c, c->params[0], &v, &n, err) < 0)
        return -1;
    body = json_object();
    rc = hv_view_all(c, v, n, false, servers, body, err);
    free(v);
    if (rc < 0)
        json_decref(body);
    else
        r->body = body;
    return rc;
}

int
h_hypervisor_search(struct ctx *c, struct resp *r, struct err *err)
{
    return hv_search(c, r, false, err);
}

int
h_hypervisor_servers(struct ctx *c, struct resp *r, struct err *err)
{
    return hv_search(c, r, true, err);
}

/* Sums over the hypervisors of enabled services (Nova's statistics). */
int
h_hypervisors_statistics(struct ctx *c, struct resp *r, struct err *err)
{
    struct db_hypervisor_filter f = { 0 };
    struct db_hypervisor *v = NULL;
    json_int_t sum[10] = { 0 };
    int n = 0;

    f.enabled_only = true;
    if (authz_check(&c->who, AUTHZ_HYPERVISORS_STATISTICS, NULL, err) < 0 ||
        db_hypervisor_list(c->db, &f, c->cfg->service_down_time, &v, &n, err) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        int mem_used = v[i].memory_mb_used;

        sum[0] += v[i].current_workload;
        sum[1] += v[i].local_gb - v[i].local_gb_used;
        sum[2] += v[i].memory_mb - mem_used;
        sum[3] += v[i].local_gb;
        sum[4] += v[i].local_gb_used;
        sum[5] += v[i].memory_mb;
        sum[6] += mem_used;
        sum[7] += v[i].running_vms;
        sum[8] += v[i].vcpus;
        sum[9] += v[i].vcpus_used;
    }
    free(v);
    /* disk_available_least: not measured, and Nova sums a NULL as 0 */
    r->body = json_pack("{s:{s:i,s:I,s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}}",
                        "hypervisor_statistics", "count", n, "current_workload", sum[0],
                        "disk_available_least", 0, "free_disk_gb", sum[1], "free_ram_mb",
                        sum[2], "local_gb", sum[3], "local_gb_used", sum[4], "memory_mb",
                        sum[5], "memory_mb_used", sum[6], "running_vms", sum[7], "vcpus",
                        sum[8], "vcpus_used", sum[9]);
    return 0;
}

int
h_aggregates_index(struct ctx *c, struct resp *r, struct err *err)
{
    if (authz_check(&c->who, AUTHZ_AGGREGATES_INDEX, NULL, err) < 0)
        return -1;
    r->body = json_pack("{s:[]}", "aggregates");
    return 0;
}
