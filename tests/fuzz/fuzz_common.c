/* fuzz_common.c - the request a harness builds, as api/http.c builds it, and
 * the rules every answer keeps (see fuzz.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "db/db.h"
#include "tests/fuzz/fuzz.h"

const struct cfg *
fuzz_cfg(void)
{
    static struct cfg cfg;
    static bool ready;

    if (!ready) {
        cfg_defaults(&cfg);
        /* a Unix socket that does not exist: refused at once, no network */
        snprintf(cfg.db_connection, sizeof(cfg.db_connection),
                 "host=/nonexistent/ferry-fuzz dbname=ferry");
        cfg.max_microversion = MV_NOVA_MAX;
        log_init("fuzz", LOG_LVL_WARN);
        ready = true;
    }
    return &cfg;
}

struct db_pool *
fuzz_pool(void)
{
    static struct db_pool *pool;

    if (!pool)
        pool = db_pool_new(fuzz_cfg()->db_connection, "fuzz", 1, 0);
    return pool;
}

char *
fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* A string as http.c hands it on: valid UTF-8 (ill-formed bytes -> U+FFFD). */
static char *
fuzz_utf8(const char *s)
{
    char *d = utf8_valid(s) ? strdup(s) : utf8_dup(s);

    if (!d)
        abort();
    return d;
}

/* Split "a=1&b&c=" into the query, as MHD does (without its %XX decoding:
 * the harness's bytes are what MHD's decoding could have produced). */
static void
fuzz_query(struct req *req, char *q, char **owned, int *nowned)
{
    for (char *save = NULL, *kv = strtok_r(q, "&", &save); kv;
         kv = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(kv, '=');

        if (req->nquery == REQ_MAX_QUERY) {
            req->query_overflow = true;
            return;
        }
        if (eq)
            *eq = '\0';
        owned[(*nowned)++] = fuzz_utf8(kv);
        req->query[req->nquery].key = owned[*nowned - 1];
        owned[(*nowned)++] = fuzz_utf8(eq ? eq + 1 : "");
        req->query[req->nquery].value = owned[*nowned - 1];
        req->nquery++;
    }
}

void
fuzz_request(enum http_method m, const char *path_and_query, const char *api_version,
             const char *token, const char *content_type, const char *body, size_t body_len)
{
    char *owned[2 * REQ_MAX_QUERY + 2];
    int nowned = 0;
    char *copy = strdup(path_and_query);
    char *q;
    struct req req;
    struct resp r;

    if (!copy)
        abort();
    memset(&req, 0, sizeof(req));
    memset(&r, 0, sizeof(r));
    if ((q = strchr(copy, '?')))
        *q++ = '\0';
    req.method = m;
    req.path = owned[nowned++] = fuzz_utf8(copy);
    if (q)
        fuzz_query(&req, q, owned, &nowned);
    req.api_version = api_version;
    req.auth_token = token;
    req.content_type = content_type;
    req.accept = "application/json";
    req.host = "fuzz.test";
    req.body = body;
    req.body_len = body_len;
    req.body_too_large = body_len > (size_t)fuzz_cfg()->max_request_body_size;

    router_handle(fuzz_cfg(), fuzz_pool(), NULL, "fuzz", &req, &r);
    if (r.status < 200 || r.status > 599 || (r.status >= 500 && r.status != 503 &&
                                             r.status != 501)) {
        fprintf(stderr, "fuzz: status %d for %s\n", r.status, path_and_query);
        abort();
    }
    if (!r.body && !r.raw_body && !r.text && r.status != 202 && r.status != 204) {
        fprintf(stderr, "fuzz: empty body, status %d for %s\n", r.status, path_and_query);
        abort();
    }
    if (r.body) {
        char *text = json_dumps(r.body, JSON_PRESERVE_ORDER);

        if (!text) {        /* jansson could not write it: an empty answer */
            fprintf(stderr, "fuzz: body not serialisable for %s\n", path_and_query);
            abort();
        }
        free(text);
    }
    json_decref(r.body);
    free(r.text);
    for (int i = 0; i < nowned; i++)
        free(owned[i]);
    free(copy);
}
