/* api.h - ferry-api's request, response and handler types.
 *
 * http.c (the only libmicrohttpd user) turns a connection's request into a
 * struct req and sends back a struct resp; router.c runs Nova's generic
 * checks in Nova's order and calls a handler from routes.c.  Handlers never
 * see an MHD type, so cmocka tests call them directly.
 */
#ifndef FERRY_API_H
#define FERRY_API_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/cfg.h"
#include "common/err.h"
#include "common/nova.h"
#include "db/db.h"
#include "db/db_watch.h"

enum http_method { HTTP_GET, HTTP_POST, HTTP_PUT, HTTP_DELETE, HTTP_HEAD, HTTP_OTHER };

#define REQ_MAX_QUERY 32
#define REQ_MAX_HEADERS 8

struct kv {
    const char *key;
    const char *value;
};

/* What a handler may know of the HTTP request.  Strings are borrowed from
 * http.c and live until the response has been sent. */
struct req {
    enum http_method method;
    const char *path;               /* decoded, without the query string */
    struct kv query[REQ_MAX_QUERY]; /* in request order, repeats kept */
                                    /* (path and query: valid UTF-8, see http.c) */
    int nquery;
    bool query_overflow;            /* more than REQ_MAX_QUERY parameters: a 400 */
    const char *content_type;       /* NULL when absent */
    const char *accept;
    const char *auth_token;         /* X-Auth-Token */
    const char *authorization;      /* Authorization (a scraper's "Bearer <token>") */
    const char *api_version;        /* OpenStack-API-Version, repeats joined by "," */
    const char *nova_api_version;   /* X-OpenStack-Nova-API-Version, likewise */
    const char *host;               /* Host header: for links */
    const char *body;
    size_t body_len;
    bool body_too_large;
};

struct resp {
    int status;
    json_t *body;                   /* owned; NULL for an empty body */
    const char *raw_body;           /* static text instead of JSON (bare 404) */
    char *text;                     /* owned text instead of JSON (/metrics); freed
                                     * once sent */
    const char *content_type;       /* default application/json */
    bool versioned;                 /* add the microversion and Vary headers */
    char version[16];               /* the request's microversion, as echoed */
    struct kv headers[REQ_MAX_HEADERS];
    int nheaders;
    char request_id[48];
    char location[512];
};

/* Who is asking (auth.c). */
struct identity {
    char user_id[256];
    char project_id[256];
    bool is_admin;
    bool is_manager;                /* role "manager" in its project */
};

/* Everything a handler gets. */
struct ctx {
    const struct req *req;
    const struct cfg *cfg;
    struct identity who;
    int mv;                         /* microversion: major * 1000 + minor */
    bool legacy_v2;                 /* /v2/...: no microversions, tolerant bodies */
    char request_id[48];            /* req-<uuid> */
    char url_project[256];          /* the {project_id} segment, "" when absent */
    char base_url[512];             /* http://host/v2.1[/project] for links */
    char root_url[512];             /* http://host for bookmark links */
    const char *params[4];          /* path parameters, in route order */
    int nparams;
    json_t *body;                   /* parsed request body, or NULL */
    struct db *db;                  /* from the pool, for this request only;
                                     * NULL after api_db_release() */
    struct db_pool *pool;
    struct db_watch *watch;         /* to wait for a notification (db_watch.c) */
    const char *actor;              /* ferry-api@<hostname> */
};

typedef int (*handler_fn)(struct ctx *c, struct resp *r, struct err *err);


/* router.c: run one request to completion; r is filled in every case. */
void router_handle(const struct cfg *cfg, struct db_pool *pool, struct db_watch *watch,
                   const char *actor, const struct req *req, struct resp *r);

/* fault.c: render err as Nova's fault body into r. */
void fault_render(const struct err *err, struct resp *r);
/* The HTTP status of an error code. */
int fault_status(enum err_code code);

/* http.c */
struct http;
struct http *http_start(const struct cfg *cfg, struct db_pool *pool, struct db_watch *watch,
                        const char *actor, struct err *err);
void http_stop(struct http *h);

/* router.c: give the request's pooled connection back now, before a long
 * wait (the handler must not touch c->db afterwards: it is NULL). */
void api_db_release(struct ctx *c);

/* Query helpers (router.c): the last value of key, or NULL. */
const char *req_query_last(const struct req *req, const char *key);

#endif
