/* h_flavors.c - Nova's flavor reads, over the flavors Ferry knows (those of
 * the guests it imported, and any an operator adds), so that the stock
 * clients name a server's flavor (`openstack server list` below 2.47) and
 * `openstack flavor list|show` work:
 *
 *   GET /flavors, /flavors/detail      filters, sort, limit/marker paging
 *   GET /flavors/{flavor_id}
 *   GET /flavors/{flavor_id}/os-extra_specs[/{key}]
 *   GET /flavors/{flavor_id}/os-flavor-access (admin; private flavors)
 *
 * Microversions: 2.55 description, 2.61 extra_specs (when authz allows),
 * 2.75 swap 0 instead of "" and unknown list parameters refused, 2.102 the
 * name filter, no rxtx_factor nor disabled, show refuses query parameters.
 * Checks in Nova's order: query schema, authz, then the flavor (404).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/auth.h"
#include "api/routes.h"
#include "api/view.h"
#include "common/auto.h"
#include "common/util.h"
#include "db/db_flavor.h"
#include "db/db_types.h"

/* ---- the list's query (schemas/flavors.py) ----------------------------------------- */

static const char *const flavor_sort_keys[] = {
    "created_at", "description", "disabled", "ephemeral_gb", "flavorid",   "id",
    "is_public",  "memory_mb",   "name",     "root_gb",      "rxtx_factor", "swap",
    "updated_at", "vcpu_weight", "vcpus",    NULL,
};
static const char *const flavor_sort_keys_v2102[] = {
    "created_at", "description", "disabled", "ephemeral_gb", "flavorid", "id",
    "is_public",  "memory_mb",   "name",     "root_gb",      "swap",     "updated_at",
    "vcpu_weight", "vcpus",      NULL,
};
static const char *const flavor_sort_dirs[] = { "asc", "desc", NULL };

static const struct api_qparam flavor_query[] = {
    { "limit", AQ_INT, true, NULL },
    { "marker", AQ_STRING, true, NULL },
    { "is_public", AQ_STRING, true, NULL },
    { "minRam", AQ_STRING, true, NULL },
    { "minDisk", AQ_STRING, true, NULL },
    { "sort_key", AQ_ENUM, true, flavor_sort_keys },
    { "sort_dir", AQ_ENUM, true, flavor_sort_dirs },
    { NULL, AQ_STRING, false, NULL },
};

static const struct api_qparam flavor_query_v2102[] = {
    { "limit", AQ_INT, true, NULL },
    { "marker", AQ_STRING, true, NULL },
    { "is_public", AQ_STRING, true, NULL },
    { "minRam", AQ_STRING, true, NULL },
    { "minDisk", AQ_STRING, true, NULL },
    { "sort_key", AQ_ENUM, true, flavor_sort_keys_v2102 },
    { "sort_dir", AQ_ENUM, true, flavor_sort_dirs },
    { "name", AQ_STRING, true, NULL },
    { NULL, AQ_STRING, false, NULL },
};

static const struct api_qparam flavor_query_none[] = {
    { NULL, AQ_STRING, false, NULL },
};

/* Room for what flavor_pyint() accepts: a sign, 4300 digits, the NUL. */
#define FLAVOR_INT_SIZE 4302

/* Python's int(s): blanks around, a sign, digits with single '_' between
 * them, at most 4300 digits (Python's limit); out gets "[-]digits". */
static bool
flavor_pyint(const char *s, char *out, size_t size)
{
    size_t n = 0, digits = 0;

    while (isspace((unsigned char)*s))
        s++;
    if (*s == '-' || *s == '+')
        if (*s++ == '-')
            out[n++] = '-';
    for (; isdigit((unsigned char)*s) || (*s == '_' && digits && isdigit((unsigned char)s[1]));
         s++) {
        if (*s == '_')
            continue;
        if (++digits > 4300 || n + 2 > size)
            return false;
        out[n++] = *s;
    }
    while (isspace((unsigned char)*s))
        s++;
    out[n] = '\0';
    return digits > 0 && *s == '\0';
}

/* Nova's _parse_is_public: absent, public ones (and those shared with the
 * caller); "none" (any case), all; else oslo's strict bool_from_string. */
static int
flavor_public_filter(const char *v, enum db_flavor_public *out, struct err *err)
{
    static const char *const yes[] = { "1", "t", "true", "on", "y", "yes" };
    static const char *const no[] = { "0", "f", "false", "off", "n", "no" };
    const char *b = v;
    char s[16];
    size_t n;

    *out = DB_FLAVOR_PUBLIC;
    if (!v)
        return 0;
    if (strcasecmp(v, "none") == 0) {
        *out = DB_FLAVOR_ANY;
        return 0;
    }
    while (isspace((unsigned char)*b))
        b++;
    n = strlen(b);
    while (n > 0 && isspace((unsigned char)b[n - 1]))
        n--;
    if (n < sizeof(s)) {
        memcpy(s, b, n);
        s[n] = '\0';
        for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
            if (strcasecmp(s, yes[i]) == 0)
                return 0;
            if (strcasecmp(s, no[i]) == 0) {
                *out = DB_FLAVOR_PRIVATE;
                return 0;
            }
        }
    }
    return err_set(err, ERR_INVALID, "Invalid is_public filter [%s]", v);
}

/* minRam / minDisk: int() of the last value, or Nova's 400. */
static int
flavor_min_filter(const struct req *req, const char *key, char *out, size_t size,
                  const char **set, struct err *err)
{
    const char *v = req_query_last(req, key);

    *set = NULL;
    if (!v)
        return 0;
    if (!flavor_pyint(v, out, size))
        return err_set(err, ERR_INVALID, "Invalid %s filter [%s]", key, v);
    *set = out;
    return 0;
}

/* limit: non-negative digits (the schema checked them), at most max_limit. */
static int
flavor_limit(const struct ctx *c)
{
    const char *v = req_query_last(c->req, "limit");

    if (!v || strlen(v) > 9)
        return c->cfg->max_limit;
    return atoi(v) < c->cfg->max_limit ? atoi(v) : c->cfg->max_limit;
}

/* May the caller read extra specs (from 2.61, in the flavor itself)? */
static bool
flavor_with_specs(const struct ctx *c)
{
    return c->mv >= MV(2, 61) &&
           authz_allows(&c->who, AUTHZ_FLAVOR_EXTRA_SPECS_INDEX, c->who.project_id);
}

/* Nova's FlavorsController._get_flavors up to the query: the filter of the
 * request (its strings borrowed from it, or kept in min_ram / min_disk). */
static int
flavor_filter(const struct ctx *c, struct db_flavor_filter *f, char min_ram[FLAVOR_INT_SIZE],
              char min_disk[FLAVOR_INT_SIZE], struct err *err)
{
    const char *dir = req_query_last(c->req, "sort_dir");

    memset(f, 0, sizeof(*f));
    f->sort_key = req_query_last(c->req, "sort_key");
    if (f->sort_key && !*f->sort_key)
        f->sort_key = NULL;             /* "or 'flavorid'" */
    f->sort_desc = dir && strcmp(dir, "desc") == 0;
    f->limit = flavor_limit(c);
    f->marker = req_query_last(c->req, "marker");
    f->access_project = c->who.project_id;
    if (c->who.is_admin) {
        if (flavor_public_filter(req_query_last(c->req, "is_public"), &f->public, err) < 0)
            return -1;
    } else {                            /* is_public is not even read */
        f->project = c->who.project_id;
        f->public = DB_FLAVOR_PUBLIC;
        f->enabled_only = true;
    }
    if (flavor_min_filter(c->req, "minRam", min_ram, FLAVOR_INT_SIZE, &f->min_ram, err) < 0 ||
        flavor_min_filter(c->req, "minDisk", min_disk, FLAVOR_INT_SIZE, &f->min_disk, err) < 0)
        return -1;
    if (c->mv >= MV(2, 102))
        f->name_regex = req_query_last(c->req, "name");
    return 0;
}

/* The list, then the view with Nova's next link when the page is full. */
static int
flavor_list(struct ctx *c, struct resp *r, bool detail, struct err *err)
{
    const struct api_qparam *qp = c->mv >= MV(2, 102) ? flavor_query_v2102 : flavor_query;
    bool lenient = c->mv < MV(2, 75);
    struct db_flavor_filter f;
    struct db_flavor *v = NULL;
    char min_ram[FLAVOR_INT_SIZE], min_disk[FLAVOR_INT_SIZE];
    json_t *list, *body;
    int n;

    if (api_query_check(c->req, qp, lenient, err) < 0 ||
        flavor_filter(c, &f, min_ram, min_disk, err) < 0)
        return -1;
    if (f.marker && db_flavor_marker_check(c->db, &f, err) < 0)
        return -1;
    if (db_flavor_list(c->db, &f, &v, &n, err) < 0) {
        if (err->code == ERR_INVALID && f.name_regex)
            api_regex_error(err);
        return -1;
    }
    list = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(list, detail ? view_flavor_full(c, &v[i], flavor_with_specs(c))
                                           : view_flavor_brief(c, &v[i]));
    body = json_pack("{s:o}", "flavors", list);
    if (f.limit > 0 && n == f.limit)
        json_object_set_new(body, "flavors_links",
                            api_next_link(c, detail ? "flavors/detail" : "flavors",
                                          v[n - 1].flavorid, qp, lenient));
    db_flavor_list_free(v, n);
    r->body = body;
    return 0;
}

int
h_flavor_list(struct ctx *c, struct resp *r, struct err *err)
{
    return flavor_list(c, r, false, err);
}

int
h_flavor_detail(struct ctx *c, struct resp *r, struct err *err)
{
    return flavor_list(c, r, true, err);
}

/* The flavor of the URL as the caller may see it (Nova's common.get_flavor). */
static int
flavor_get(struct ctx *c, struct db_flavor *out, struct err *err)
{
    return db_flavor_get(c->db, c->params[0], c->who.is_admin ? NULL : c->who.project_id, out,
                         err);
}

int
h_flavor_show(struct ctx *c, struct resp *r, struct err *err)
{
    struct db_flavor f;

    if (api_query_check(c->req, flavor_query_none, c->mv < MV(2, 102), err) < 0 ||
        flavor_get(c, &f, err) < 0)
        return -1;
    r->body = json_pack("{s:o}", "flavor", view_flavor_full(c, &f, flavor_with_specs(c)));
    db_flavor_clear(&f);
    return 0;
}

/* ---- /flavors/{flavor_id}/os-extra_specs[/{key}], os-flavor-access ------------------ */

static json_t *
flavor_specs(const struct db_flavor *f)
{
    json_error_t jerr;
    json_t *specs = json_loads(f->extra_specs, 0, &jerr);

    if (json_is_object(specs))
        return specs;
    json_decref(specs);
    return json_object();
}

int
h_flavor_extra_specs_index(struct ctx *c, struct resp *r, struct err *err)
{
    struct db_flavor f;

    if (api_query_check(c->req, flavor_query_none, c->mv < MV(2, 102), err) < 0 ||
        authz_check(&c->who, AUTHZ_FLAVOR_EXTRA_SPECS_INDEX, c->who.project_id, err) < 0 ||
        flavor_get(c, &f, err) < 0)
        return -1;
    r->body = json_pack("{s:o}", "extra_specs", flavor_specs(&f));
    db_flavor_clear(&f);
    return 0;
}

int
h_flavor_extra_spec_show(struct ctx *c, struct resp *r, struct err *err)
{
    struct db_flavor f;
    json_t *specs, *v;

    if (api_query_check(c->req, flavor_query_none, c->mv < MV(2, 102), err) < 0 ||
        authz_check(&c->who, AUTHZ_FLAVOR_EXTRA_SPECS_SHOW, c->who.project_id, err) < 0 ||
        flavor_get(c, &f, err) < 0)
        return -1;
    specs = flavor_specs(&f);
    db_flavor_clear(&f);
    if (!(v = json_object_get(specs, c->params[1]))) {
        json_decref(specs);
        return err_set(err, ERR_NOT_FOUND, "Flavor %s has no extra specs with key %s.",
                       c->params[0], c->params[1]);
    }
    r->body = json_pack("{s:O}", c->params[1], v);
    json_decref(specs);
    return 0;
}

int
h_flavor_access_index(struct ctx *c, struct resp *r, struct err *err)
{
    struct db_flavor f;
    char (*projects)[NAME_LEN] = NULL;
    json_t *list;
    int n;

    if (api_query_check(c->req, flavor_query_none, c->mv < MV(2, 102), err) < 0 ||
        authz_check(&c->who, AUTHZ_FLAVOR_ACCESS, NULL, err) < 0 || flavor_get(c, &f, err) < 0)
        return -1;
    db_flavor_clear(&f);
    if (f.is_public)
        return err_set(err, ERR_NOT_FOUND, "Access list not available for public flavors.");
    if (db_flavor_projects(c->db, f.id, &projects, &n, err) < 0)
        return -1;
    list = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(list, json_pack("{s:s,s:s}", "flavor_id", f.flavorid,
                                              "tenant_id", projects[i]));
    free(projects);
    r->body = json_pack("{s:o}", "flavor_access", list);
    return 0;
}
