/* router.c - every generic check, in Nova's order, before a handler runs.
 *
 *   size limit (413) -> query parameter count (400) -> version documents
 *   ("/", "/v2", "/v2/", "/v2.1", "/v2.1/": never behind a token) -> auth (401) -> route (bare 404) -> microversion (400/406)
 *   -> Content-Type (415) -> action key (400)
 *   -> project id in the URL (400) -> the method's microversion range (404)
 *   -> the handler: schema (400) -> instance (404) -> authz (403) -> state.
 *
 * When several errors apply, the client sees the one Nova would send.
 * Ferry's own routes (/ferry/v1/...) are not microversioned: auth (401) ->
 * route (bare 404) -> Content-Type (415) -> the handler.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/auth.h"
#include "api/mv.h"
#include "api/routes.h"
#include "common/auto.h"
#include "common/log.h"
#include "common/util.h"
#include "db/db.h"
#include "db/db_watch.h"

/* webob's own 404 page: Nova's router answers unknown paths and methods with
 * it (not a Nova fault, and never a 405). */
static const char webob_404_text[] =
    "404 Not Found\n\nThe resource could not be found.\n\n   ";

const char *
req_query_last(const struct req *req, const char *key)
{
    const char *v = NULL;

    for (int i = 0; i < req->nquery; i++)
        if (strcmp(req->query[i].key, key) == 0)
            v = req->query[i].value ? req->query[i].value : "";
    return v;
}

static void
router_bare_404(const struct req *req, struct resp *r)
{
    r->status = 404;
    if (req->accept && strstr(req->accept, "application/json")) {
        r->body = json_pack("{s:s,s:s,s:s}", "message", "The resource could not be found.\n\n\n",
                            "code", "404 Not Found", "title", "Not Found");
    } else {
        r->raw_body = webob_404_text;
        r->content_type = "text/plain; charset=UTF-8";
    }
}

/* application/json, application/vnd.openstack.compute+json, text/plain or
 * none; parameters after ';' do not matter. */
static bool
router_content_type_ok(const char *ct)
{
    static const char *const ok[] = { "application/json", "application/vnd.openstack.compute+json",
                                      "text/plain" };
    size_t n;

    if (!ct)
        return true;
    while (isspace((unsigned char)*ct))
        ct++;
    n = strcspn(ct, ";");
    while (n > 0 && isspace((unsigned char)ct[n - 1]))
        n--;
    if (n == 0)
        return true;
    for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
        if (strlen(ok[i]) == n && strncasecmp(ct, ok[i], n) == 0)
            return true;
    return false;
}

/* [0-9a-f-]+ : what Nova accepts as a project id segment in the URL. */
static bool
router_is_project_segment(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f') && s[i] != '-')
            return false;
    return true;
}

/* Parse the body of an action route: exactly one top-level key. */
static int
router_action(struct ctx *c, const struct route *rt, const struct action **out,
              struct err *err)
{
    json_error_t jerr;
    const char *key;
    json_t *v;

    if (c->req->body_len > 0)
        c->body = json_loadb(c->req->body, c->req->body_len, JSON_DECODE_ANY, &jerr);
    if (!c->body || !json_is_object(c->body) || json_object_size(c->body) != 1)
        return err_set(err, ERR_INVALID, "Malformed request body");
    json_object_foreach(c->body, key, v) {
        for (const struct action *a = rt->actions; a->key; a++)
            if (strcmp(a->key, key) == 0) {
                *out = a;
                return 0;
            }
        return err_set(err, ERR_INVALID, "There is no such action: %s", key);
    }
    return err_set(err, ERR_INVALID, "Malformed request body");
}

static int
router_body(struct ctx *c, struct err *err)
{
    json_error_t jerr;

    if (c->req->body_len == 0 ||
        (c->req->method != HTTP_POST && c->req->method != HTTP_PUT))
        return 0;
    c->body = json_loadb(c->req->body, c->req->body_len, JSON_DECODE_ANY, &jerr);
    if (!c->body)
        return err_set(err, ERR_INVALID, "Malformed request body");
    return 0;
}

/* The links' base, from the Host header: any bytes a client sends there are
 * made valid UTF-8 (and at most a host name's length), or every answer with
 * a link would lose its body to jansson. */
static void
router_urls(struct ctx *c, const char *prefix)
{
    char host[256];

    utf8_sanitize(host, sizeof(host),
                  c->req->host && *c->req->host ? c->req->host : "localhost");
    snprintf(c->root_url, sizeof(c->root_url), "http://%s", host);
    snprintf(c->base_url, sizeof(c->base_url), "http://%s%s%s%s", host, prefix,
             c->url_project[0] ? "/" : "", c->url_project);
}

/* The version tree: "/v2.1/..." (or legacy "/v2/..."), below the prefix. */
static int
router_api(struct ctx *c, const char *rest, struct resp *r, struct err *err)
{
    char params[ROUTE_MAX_PARAMS][256];
    const struct route *rt;
    const struct action *act = NULL;
    handler_fn fn;
    int min_mv, max_mv;
    bool known;
    int rc;

    if (auth_identify(c->cfg, c->req->auth_token, &c->who, err) < 0)
        return -1;
    rt = routes_match(c->req->method, rest, params, &c->nparams, &known);
    if (!rt) {
        /* /v2.1/{project_id}/... : try again without the project segment */
        size_t n = strcspn(rest + 1, "/");

        if (rest[0] == '/' && router_is_project_segment(rest + 1, n) && rest[1 + n] == '/' &&
            n < sizeof(c->url_project)) {
            memcpy(c->url_project, rest + 1, n);
            c->url_project[n] = '\0';
            rt = routes_match(c->req->method, rest + 1 + n, params, &c->nparams, &known);
        }
    }
    if (!rt) {
        router_bare_404(c->req, r);
        return 0;
    }
    for (int i = 0; i < c->nparams; i++)
        c->params[i] = params[i];
    if (!c->legacy_v2) {
        if (mv_negotiate(c->req->api_version, c->req->nova_api_version,
                         c->cfg->max_microversion, &c->mv, r->version, sizeof(r->version),
                         err) < 0) {
            r->versioned = err->code == ERR_NOT_ACCEPTABLE;
            return -1;
        }
        r->versioned = true;
    }
    if (!router_content_type_ok(c->req->content_type))
        return err_set(err, ERR_MEDIA_TYPE, "Unsupported Content-Type");
    fn = rt->fn;
    min_mv = rt->min_mv;
    max_mv = rt->max_mv;
    if (rt->actions) {
        if (router_action(c, rt, &act, err) < 0)
            return -1;
        fn = act->fn;
        if (act->min_mv > min_mv)
            min_mv = act->min_mv;
        max_mv = act->max_mv;
    } else if (router_body(c, err) < 0) {
        return -1;
    }
    if (c->url_project[0] && strcmp(c->url_project, c->who.project_id) != 0)
        return err_set(err, ERR_INVALID,
                       "Malformed request URL: URL's project_id '%s' doesn't match "
                       "Context's project_id '%s'",
                       c->url_project, c->who.project_id);
    if (c->mv < min_mv || (max_mv && c->mv > max_mv))
        return err_set(err, ERR_NOT_FOUND, "The resource could not be found.");
    router_urls(c, c->legacy_v2 ? "/v2" : "/v2.1");
    if (!(c->db = db_pool_get(c->pool, c->cfg->db_pool_timeout * 1000, err)))
        return -1;      /* every connection busy for pool_timeout: 503 */
    rc = fn(c, r, err);
    api_db_release(c);
    return rc;
}

/* The token of a request to Ferry's own routes: X-Auth-Token, else for
 * /metrics an Authorization "Bearer <token>" (what Prometheus' scrape
 * configuration can send: Debian 12's 2.42 sets no other header). */
static const char *
router_ferry_token(const struct req *req)
{
    const char *a = req->authorization;

    if (req->auth_token || !a || strcmp(req->path, "/metrics") != 0 ||
        strncasecmp(a, "Bearer ", 7) != 0)
        return req->auth_token;
    for (a += 7; *a == ' '; a++)
        ;
    return *a ? a : NULL;
}

/* Ferry's own routes below /ferry/v1: auth (401) -> route (bare 404) ->
 * Content-Type (415) -> body -> the handler (authz, then the resource).
 * Nova's fault bodies; no microversion, so no version headers. */
static int
router_ferry(struct ctx *c, struct resp *r, struct err *err)
{
    char params[ROUTE_MAX_PARAMS][256];
    const struct route *rt;
    int rc;

    if (auth_identify(c->cfg, router_ferry_token(c->req), &c->who, err) < 0)
        return -1;
    if (!(rt = routes_match_ferry(c->req->method, c->req->path, params, &c->nparams))) {
        router_bare_404(c->req, r);
        return 0;
    }
    for (int i = 0; i < c->nparams; i++)
        c->params[i] = params[i];
    if (!router_content_type_ok(c->req->content_type))
        return err_set(err, ERR_MEDIA_TYPE, "Unsupported Content-Type");
    if (router_body(c, err) < 0)
        return -1;
    router_urls(c, "/ferry/v1");
    if (!(c->db = db_pool_get(c->pool, c->cfg->db_pool_timeout * 1000, err)))
        return -1;
    rc = rt->fn(c, r, err);
    api_db_release(c);
    return rc;
}

void
api_db_release(struct ctx *c)
{
    db_pool_put(c->pool, c->db);
    c->db = NULL;
}

void
router_handle(const struct cfg *cfg, struct db_pool *pool, struct db_watch *watch,
              const char *actor, const struct req *req, struct resp *r)
{
    struct ctx c;
    struct err err = ERR_INIT;
    char uuid[UUID_STR_LEN];
    const char *path = req->path;
    int rc = 0;

    memset(&c, 0, sizeof(c));
    c.req = req;
    c.cfg = cfg;
    c.pool = pool;
    c.watch = watch;
    c.actor = actor;
    c.mv = MV_MIN;
    uuid_new(uuid);
    snprintf(c.request_id, sizeof(c.request_id), "req-%s", uuid);
    memcpy(r->request_id, c.request_id, sizeof(r->request_id));
    r->status = 200;
    router_urls(&c, "");

    if (req->body_too_large) {
        rc = err_set(&err, ERR_TOO_LARGE, "Request is too large.");
    } else if (req->query_overflow) {
        /* refused rather than cut short: a filter or an unknown key after
         * the last one kept would be silently ignored */
        rc = err_set(&err, ERR_INVALID,
                     "Too many query parameters: at most %d are accepted.", REQ_MAX_QUERY);
    } else if (strcmp(path, "/") == 0) {
        if (req->method == HTTP_GET)
            r->body = versions_index(cfg, c.root_url);
        else
            router_bare_404(req, r);
    } else if (strcmp(path, "/v2.1") == 0 || strcmp(path, "/v2.1/") == 0) {
        /* the one version document that is a microversioned resource; with
         * or without the slash it is Nova's versions app, before any auth
         * (only /v2.1/<something> is the API) */
        if (req->method != HTTP_GET) {
            router_bare_404(req, r);
        } else if (mv_negotiate(req->api_version, req->nova_api_version,
                                cfg->max_microversion, &c.mv, r->version, sizeof(r->version),
                                &err) < 0) {
            r->versioned = err.code == ERR_NOT_ACCEPTABLE;
            rc = -1;
        } else {
            r->versioned = true;
            r->body = version_v21(cfg, c.root_url);
        }
    } else if (strncmp(path, "/v2.1/", 6) == 0) {
        rc = router_api(&c, path + 5, r, &err);
    } else if (strcmp(path, "/v2") == 0 || strcmp(path, "/v2/") == 0) {
        if (req->method == HTTP_GET)
            r->body = version_v20(c.root_url);
        else
            router_bare_404(req, r);
    } else if (strncmp(path, "/v2/", 4) == 0) {
        c.legacy_v2 = true;
        rc = router_api(&c, path + 3, r, &err);
    } else if (strcmp(path, "/healthcheck") == 0) {
        /* oslo.middleware's, before any auth */
        if (req->method == HTTP_GET || req->method == HTTP_HEAD)
            h_healthcheck(cfg, pool, req->method == HTTP_HEAD, r);
        else
            router_bare_404(req, r);
    } else if (strcmp(path, "/ferry/v1/dashboard") == 0) {
        /* a static page: its data it asks for with the operator's token */
        if (req->method == HTTP_GET || req->method == HTTP_HEAD)
            rc = h_dashboard(r, &err);
        else
            router_bare_404(req, r);
    } else if (strncmp(path, "/ferry/v1/", 10) == 0 || strcmp(path, "/metrics") == 0) {
        rc = router_ferry(&c, r, &err);
    } else if (req->method == HTTP_GET) {
        r->status = 300;
        r->body = versions_choices(cfg, c.root_url, path);
    } else {
        router_bare_404(req, r);
    }
    if (rc < 0)
        fault_render(&err, r);
    json_decref(c.body);
    log_info("%s %s status=%d req=%s user=%s", req->method == HTTP_GET      ? "GET"
                                              : req->method == HTTP_POST   ? "POST"
                                              : req->method == HTTP_PUT    ? "PUT"
                                              : req->method == HTTP_DELETE ? "DELETE"
                                                                           : "OTHER",
             req->path, r->status, r->request_id, c.who.user_id[0] ? c.who.user_id : "-");
}
