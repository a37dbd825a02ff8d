/* http.c - the only libmicrohttpd user: a request in, a response out.
 *
 * One thread per connection (MHD's internal threads); each request's body is
 * collected up to [oslo_middleware] max_request_body_size, then router.c runs
 * it to completion and the response is queued with Nova's headers.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "api/api.h"
#include "common/auto.h"
#include "common/log.h"
#include "common/util.h"

struct http {
    struct MHD_Daemon *daemon;
    const struct cfg *cfg;
    struct db_pool *pool;
    struct db_watch *watch;
    const char *actor;
};

/* Per-request state, owned by MHD's connection slot until completion. */
struct http_conn {
    char *body;
    size_t len;
    size_t cap;
    bool too_large;
    struct req req;
    /* copies of repeated headers, joined with "," */
    char *api_version;
    char *nova_api_version;
    /* valid UTF-8 copies of the path and query strings that were not */
    char **owned;
    size_t nowned;
};

static enum http_method
http_method(const char *m)
{
    static const struct {
        const char *name;
        enum http_method m;
    } methods[] = {
        { "GET", HTTP_GET }, { "POST", HTTP_POST }, { "PUT", HTTP_PUT },
        { "DELETE", HTTP_DELETE }, { "HEAD", HTTP_HEAD },
    };

    for (size_t i = 0; i < ARRAY_SIZE(methods); i++)
        if (strcmp(m, methods[i].name) == 0)
            return methods[i].m;
    return HTTP_OTHER;
}

/* Append value to *joined with a comma: webob joins repeated headers so. */
static void
http_join(char **joined, const char *value)
{
    size_t old = *joined ? strlen(*joined) : 0;
    char *n = realloc(*joined, old + strlen(value) + 2);

    if (!n)
        fatalx("out of memory");
    if (old)
        n[old++] = ',';
    strcpy(n + old, value);
    *joined = n;
}

/* s as valid UTF-8: s itself, or a copy with each ill-formed sequence
 * replaced by U+FFFD, owned by hc.  webob reads the path and the query
 * string so (errors="replace"), and Nova's code never sees other bytes:
 * neither must ours, since jansson cannot build a JSON string from them and
 * PostgreSQL refuses them as parameters. */
static const char *
http_utf8(struct http_conn *hc, const char *s)
{
    char **owned;

    if (utf8_valid(s))
        return s;
    if (!(owned = realloc(hc->owned, (hc->nowned + 1) * sizeof(*owned))))
        fatalx("out of memory");
    hc->owned = owned;
    if (!(owned[hc->nowned] = utf8_dup(s)))
        fatalx("out of memory");
    return owned[hc->nowned++];
}

static enum MHD_Result
http_header_cb(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct http_conn *hc = cls;

    (void)kind;
    if (!value)
        return MHD_YES;
    if (strcasecmp(key, "Content-Type") == 0)
        hc->req.content_type = value;
    else if (strcasecmp(key, "Accept") == 0)
        hc->req.accept = value;
    else if (strcasecmp(key, "X-Auth-Token") == 0)
        hc->req.auth_token = value;
    else if (strcasecmp(key, "Host") == 0)
        hc->req.host = value;
    else if (strcasecmp(key, "OpenStack-API-Version") == 0)
        http_join(&hc->api_version, value);
    else if (strcasecmp(key, "X-OpenStack-Nova-API-Version") == 0)
        http_join(&hc->nova_api_version, value);
    return MHD_YES;
}

static enum MHD_Result
http_query_cb(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct http_conn *hc = cls;

    (void)kind;
    if (hc->req.nquery == REQ_MAX_QUERY) {
        hc->req.query_overflow = true;
        return MHD_YES;
    }
    hc->req.query[hc->req.nquery].key = http_utf8(hc, key);
    hc->req.query[hc->req.nquery].value = http_utf8(hc, value ? value : "");
    hc->req.nquery++;
    return MHD_YES;
}

static void
http_body_append(struct http_conn *hc, const char *data, size_t n, size_t limit)
{
    if (hc->too_large || hc->len + n > limit) {
        hc->too_large = true;
        return;
    }
    if (hc->len + n + 1 > hc->cap) {
        size_t cap = hc->cap ? hc->cap * 2 : 4096;

        while (cap < hc->len + n + 1)
            cap *= 2;
        if (!(hc->body = realloc(hc->body, cap)))
            fatalx("out of memory");
        hc->cap = cap;
    }
    memcpy(hc->body + hc->len, data, n);
    hc->len += n;
    hc->body[hc->len] = '\0';
}

static enum MHD_Result
http_send(struct MHD_Connection *conn, const struct req *req, struct resp *r)
{
    struct MHD_Response *mr;
    const char *ctype = r->content_type;
    enum MHD_Result ret;

    if (r->body) {
        char *text = json_dumps(r->body, JSON_PRESERVE_ORDER);

        if (!text)
            fatalx("out of memory");
        mr = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    } else if (r->raw_body) {
        mr = MHD_create_response_from_buffer(strlen(r->raw_body), (void *)r->raw_body,
                                             MHD_RESPMEM_PERSISTENT);
    } else {
        mr = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (!mr)
        return MHD_NO;
    if (!ctype)
        ctype = req->accept && strstr(req->accept, "application/vnd.openstack.compute+json") &&
                        !strstr(req->accept, "application/json")
                    ? "application/vnd.openstack.compute+json"
                    : "application/json";
    MHD_add_response_header(mr, "Content-Type", ctype);
    MHD_add_response_header(mr, "x-openstack-request-id", r->request_id);
    MHD_add_response_header(mr, "x-compute-request-id", r->request_id);
    if (r->versioned && r->version[0]) {
        char std[32];

        snprintf(std, sizeof(std), "compute %s", r->version);
        MHD_add_response_header(mr, "OpenStack-API-Version", std);
        MHD_add_response_header(mr, "X-OpenStack-Nova-API-Version", r->version);
        MHD_add_response_header(mr, "Vary", "OpenStack-API-Version");
        MHD_add_response_header(mr, "Vary", "X-OpenStack-Nova-API-Version");
    }
    if (r->location[0])
        MHD_add_response_header(mr, "Location", r->location);
    for (int i = 0; i < r->nheaders; i++)
        MHD_add_response_header(mr, r->headers[i].key, r->headers[i].value);
    ret = MHD_queue_response(conn, (unsigned)r->status, mr);
    MHD_destroy_response(mr);
    return ret;
}

static enum MHD_Result
http_on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                const char *version, const char *upload_data, size_t *upload_data_size,
                void **con_cls)
{
    struct http *h = cls;
    struct http_conn *hc = *con_cls;
    struct resp r;
    enum MHD_Result ret;

    (void)version;
    if (!hc) {
        if (!(hc = calloc(1, sizeof(*hc))))
            return MHD_NO;
        *con_cls = hc;
        return MHD_YES;
    }
    if (*upload_data_size) {
        http_body_append(hc, upload_data, *upload_data_size,
                         (size_t)h->cfg->max_request_body_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    hc->req.method = http_method(method);
    hc->req.path = http_utf8(hc, url);
    MHD_get_connection_values(conn, MHD_HEADER_KIND, http_header_cb, hc);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, http_query_cb, hc);
    hc->req.api_version = hc->api_version;
    hc->req.nova_api_version = hc->nova_api_version;
    hc->req.body = hc->body ? hc->body : "";
    hc->req.body_len = hc->len;
    hc->req.body_too_large = hc->too_large;

    memset(&r, 0, sizeof(r));
    router_handle(h->cfg, h->pool, h->watch, h->actor, &hc->req, &r);
    ret = http_send(conn, &hc->req, &r);
    json_decref(r.body);
    return ret;
}

static void
http_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                  enum MHD_RequestTerminationCode toe)
{
    struct http_conn *hc = *con_cls;

    (void)cls;
    (void)conn;
    (void)toe;
    if (!hc)
        return;
    free(hc->body);
    free(hc->api_version);
    free(hc->nova_api_version);
    for (size_t i = 0; i < hc->nowned; i++)
        free(hc->owned[i]);
    free(hc->owned);
    free(hc);
    *con_cls = NULL;
}

struct http *
http_start(const struct cfg *cfg, struct db_pool *pool, struct db_watch *watch,
           const char *actor, struct err *err)
{
    struct http *h = calloc(1, sizeof(*h));
    struct sockaddr_in sa;

    if (!h)
        fatalx("out of memory");
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)cfg->api_port);
    if (inet_pton(AF_INET, cfg->api_listen, &sa.sin_addr) != 1) {
        free(h);
        err_set(err, ERR_INVALID, "osapi_compute_listen %s is not an IPv4 address",
                cfg->api_listen);
        return NULL;
    }
    h->cfg = cfg;
    h->pool = pool;
    h->watch = watch;
    h->actor = actor;
    h->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
                                     MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL,
                                 0, NULL, NULL, http_on_request, h,
                                 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                 MHD_OPTION_NOTIFY_COMPLETED, http_on_completed, h,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120,
                                 MHD_OPTION_END);
    if (!h->daemon) {
        free(h);
        err_set(err, ERR_UNAVAILABLE, "cannot listen on %s:%d", cfg->api_listen,
                cfg->api_port);
        return NULL;
    }
    return h;
}

void
http_stop(struct http *h)
{
    if (!h)
        return;
    MHD_stop_daemon(h->daemon);
    free(h);
}
