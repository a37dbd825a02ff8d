/* http.c - the only libmicrohttpd user: a request in, a response out.
 *
 * Bounded at every step, so that no client can take the API down:
 *
 *   - I/O: HTTP_IO_THREADS epoll threads (MHD's thread pool) read and write
 *     every connection; an idle or slow connection costs a socket, never a
 *     thread.  At most [ferry] api_max_connections at once, and
 *     api_max_connections_per_ip from one address (MHD closes the others
 *     as they are accepted); the file-descriptor limit is raised to fit.
 *   - A deadline of Ferry's own: each request's headers and body must arrive
 *     within api_request_timeout seconds of the connection opening or of the
 *     previous answer (MHD's timeout is only for inactivity, which a trickled
 *     byte resets); the reaper thread shuts down a connection that is late.
 *   - Bodies: refused with a 413 as soon as Content-Length announces more
 *     than [oslo_middleware] max_request_body_size (before a byte of it is
 *     read), and never stored beyond it (a chunked body that grows past it
 *     is answered at its end); conflicting Content-Length headers are a 400;
 *     %00 in the URL a Nova fault (MHD's decoding would cut the string).
 *   - Work: a complete request is suspended and queued to api_workers
 *     threads that run router.c (which may wait for the database, or for a
 *     migration below 2.34); the I/O threads never block on it, and the
 *     answer is sent when the connection is resumed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "api/api.h"
#include "common/auto.h"
#include "common/log.h"
#include "common/util.h"
#include "db/db.h"
#include "db/db_watch.h"

#define HTTP_IO_THREADS 2
/* descriptors besides the connections: the pool, the listener, logs, libs */
#define HTTP_FD_SPARE 64

/* One accepted socket, for the reaper (MHD's socket context). */
struct http_sock {
    MHD_socket fd;
    bool reading;                   /* a request is (or may be) arriving */
    time_t since;                   /* when it began to */
    struct http_sock *prev, *next;
};

/* Per-request state, owned by MHD's connection slot until completion. */
struct http_conn {
    struct MHD_Connection *conn;
    bool started;                   /* the access handler has seen the headers */
    bool queued;                    /* handed to a worker, connection suspended */
    bool answered;                  /* r is ready to send */
    bool nul_in_path, nul_in_query; /* %00 in the raw URL */
    char *body;
    size_t len;
    size_t cap;
    bool too_large;
    struct req req;
    struct resp r;
    /* copies of repeated headers, joined with "," */
    char *api_version;
    char *nova_api_version;
    /* Content-Length headers seen, and whether two disagreed */
    int ncontent_length;
    const char *content_length;
    bool content_length_conflict;
    /* valid UTF-8 copies of the path and query strings that were not */
    char **owned;
    size_t nowned;
    struct http_conn *qnext;        /* the workers' queue */
};

struct http {
    struct MHD_Daemon *daemon;
    const struct cfg *cfg;
    struct db_pool *pool;
    struct db_watch *watch;
    const char *actor;
    pthread_mutex_t mu;             /* everything below */
    pthread_cond_t work;            /* a request was queued, or stopping */
    pthread_cond_t tick;            /* the reaper's sleep, cut short when stopping */
    struct http_conn *qhead, *qtail;
    struct http_sock *socks;
    bool stopping;
    pthread_t *workers;
    int nworkers;
    pthread_t reaper;
    bool reaper_started;
    atomic_bool started;            /* MHD_start_daemon returned */
    char start_error[256];          /* what libmicrohttpd said before, if anything */
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
    else if (strcasecmp(key, "Authorization") == 0)
        hc->req.authorization = value;
    else if (strcasecmp(key, "Host") == 0)
        hc->req.host = value;
    else if (strcasecmp(key, "OpenStack-API-Version") == 0)
        http_join(&hc->api_version, value);
    else if (strcasecmp(key, "X-OpenStack-Nova-API-Version") == 0)
        http_join(&hc->nova_api_version, value);
    return MHD_YES;
}

/* Every Content-Length header: two that disagree make the body's end
 * ambiguous (request smuggling behind a proxy), so the request is refused. */
static enum MHD_Result
http_length_cb(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct http_conn *hc = cls;

    (void)kind;
    if (!value || strcasecmp(key, "Content-Length") != 0)
        return MHD_YES;
    if (hc->ncontent_length++ && strcmp(hc->content_length, value) != 0)
        hc->content_length_conflict = true;
    hc->content_length = value;
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
        /* nothing more is kept: the answer is a 413 */
        hc->too_large = true;
        free(hc->body);
        hc->body = NULL;
        hc->len = hc->cap = 0;
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
    } else if (r->text) {
        mr = MHD_create_response_from_buffer(strlen(r->text), r->text, MHD_RESPMEM_MUST_FREE);
        if (mr)
            r->text = NULL;         /* libmicrohttpd's now */
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

/* ---- the reaper: Ferry's deadline for a request's headers and body ---- */

static struct http_sock *
http_sock_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    return ci ? ci->socket_context : NULL;
}

/* The socket's request has all arrived (false) or the next may begin (true). */
static void
http_set_reading(struct http *h, struct MHD_Connection *conn, bool reading)
{
    struct http_sock *s = http_sock_of(conn);

    if (!s)
        return;
    pthread_mutex_lock(&h->mu);
    s->reading = reading;
    s->since = time(NULL);
    pthread_mutex_unlock(&h->mu);
}

static void
http_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                   enum MHD_ConnectionNotificationCode code)
{
    struct http *h = cls;
    struct http_sock *s = *socket_context;

    pthread_mutex_lock(&h->mu);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

        if (!(s = calloc(1, sizeof(*s))))
            fatalx("out of memory");
        s->fd = ci ? ci->connect_fd : MHD_INVALID_SOCKET;
        s->reading = true;
        s->since = time(NULL);
        s->next = h->socks;
        if (h->socks)
            h->socks->prev = s;
        h->socks = s;
        *socket_context = s;
    } else if (s) {
        /* before MHD closes the descriptor: the reaper never sees it reused */
        if (s->prev)
            s->prev->next = s->next;
        else
            h->socks = s->next;
        if (s->next)
            s->next->prev = s->prev;
        free(s);
        *socket_context = NULL;
    }
    pthread_mutex_unlock(&h->mu);
}

/* Once a second: shut down every socket whose request is late.  MHD then
 * sees the connection end and closes it in its own thread. */
static void *
http_reaper(void *arg)
{
    struct http *h = arg;
    struct timespec ts;

    pthread_mutex_lock(&h->mu);
    while (!h->stopping) {
        time_t now = time(NULL);

        for (struct http_sock *s = h->socks; s; s = s->next)
            if (s->reading && now - s->since >= h->cfg->api_request_timeout &&
                s->fd != MHD_INVALID_SOCKET) {
                shutdown(s->fd, SHUT_RDWR);
                s->reading = false;
            }
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&h->tick, &h->mu, &ts);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

/* ---- the workers: router.c off the I/O threads ---- */

static void *
http_worker(void *arg)
{
    struct http *h = arg;
    struct http_conn *hc;

    for (;;) {
        pthread_mutex_lock(&h->mu);
        while (!h->qhead && !h->stopping)
            pthread_cond_wait(&h->work, &h->mu);
        if (!(hc = h->qhead)) {
            pthread_mutex_unlock(&h->mu);
            return NULL;
        }
        if (!(h->qhead = hc->qnext))
            h->qtail = NULL;
        pthread_mutex_unlock(&h->mu);

        router_handle(h->cfg, h->pool, h->watch, h->actor, &hc->req, &hc->r);
        hc->answered = true;
        MHD_resume_connection(hc->conn);
    }
}

/* Suspend hc's connection and queue it for a worker, under the lock that
 * http_free() sets stopping with: no request is queued once the workers may
 * have left.  false when stopping (the connection is then closed). */
static bool
http_enqueue(struct http *h, struct http_conn *hc)
{
    pthread_mutex_lock(&h->mu);
    if (h->stopping) {
        pthread_mutex_unlock(&h->mu);
        return false;
    }
    /* before a worker can see it: it resumes what it has run */
    MHD_suspend_connection(hc->conn);
    hc->qnext = NULL;
    if (h->qtail)
        h->qtail->qnext = hc;
    else
        h->qhead = hc;
    h->qtail = hc;
    pthread_cond_signal(&h->work);
    pthread_mutex_unlock(&h->mu);
    return true;
}

/* ---- the access handler ---- */

/* MHD's first look at a request: the raw URL, before %XX are decoded (a
 * %00 would silently cut the decoded string).  Its result is *con_cls. */
static void *
http_on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct http_conn *hc = calloc(1, sizeof(*hc));
    const char *q = strchr(uri, '?');
    const char *nul = strstr(uri, "%00");

    (void)cls;
    if (!hc)
        fatalx("out of memory");
    hc->conn = conn;
    if (nul) {
        hc->nul_in_path = !q || nul < q;
        hc->nul_in_query = q && (nul > q || strstr(q, "%00"));
    }
    return hc;
}

/* Answer now with a Nova fault, before (or instead of) reading the body;
 * MHD then reads no more of this request and closes the connection. */
static enum MHD_Result
http_refuse(struct http *h, struct http_conn *hc, enum err_code code, const char *msg)
{
    struct err err = ERR_INIT;
    char uuid[UUID_STR_LEN];
    enum MHD_Result ret;

    memset(&hc->r, 0, sizeof(hc->r));
    uuid_new(uuid);
    snprintf(hc->r.request_id, sizeof(hc->r.request_id), "req-%s", uuid);
    err_set(&err, code, "%s", msg);
    fault_render(&err, &hc->r);
    log_info("refused before the body status=%d req=%s: %s", hc->r.status, hc->r.request_id,
             msg);
    hc->answered = true;
    http_set_reading(h, hc->conn, false);
    ret = http_send(hc->conn, &hc->req, &hc->r);
    json_decref(hc->r.body);
    hc->r.body = NULL;
    return ret;
}

/* The headers are in: what can be refused without the body is refused. */
static enum MHD_Result
http_on_headers(struct http *h, struct http_conn *hc)
{
    char *end;
    unsigned long long n;

    hc->started = true;
    if (hc->nul_in_path)
        return http_refuse(h, hc, ERR_NOT_FOUND, "The resource could not be found.");
    if (hc->nul_in_query)
        return http_refuse(h, hc, ERR_INVALID,
                           "Invalid query string: %00 (a NUL character) is not accepted.");
    MHD_get_connection_values(hc->conn, MHD_HEADER_KIND, http_length_cb, hc);
    if (hc->content_length_conflict)
        return http_refuse(h, hc, ERR_INVALID,
                           "Malformed request: conflicting Content-Length headers.");
    if (hc->content_length) {
        errno = 0;
        n = strtoull(hc->content_length, &end, 10);
        if (errno || n > (unsigned long long)h->cfg->max_request_body_size) {
            hc->too_large = true;
            return http_refuse(h, hc, ERR_TOO_LARGE, "Request is too large.");
        }
    }
    return MHD_YES;
}

static enum MHD_Result
http_on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                const char *version, const char *upload_data, size_t *upload_data_size,
                void **con_cls)
{
    struct http *h = cls;
    struct http_conn *hc = *con_cls;
    enum MHD_Result ret;

    (void)version;
    if (!hc)
        return MHD_NO;      /* http_on_uri always makes one */
    if (!hc->started)
        return http_on_headers(h, hc);
    if (*upload_data_size) {
        /* beyond the limit nothing is kept; a chunked body (no Content-Length)
         * is answered at its end, since MHD 0.9.75 cannot queue an answer in
         * mid-body, and the deadline bounds how long that may take */
        if (!hc->answered)
            http_body_append(hc, upload_data, *upload_data_size,
                             (size_t)h->cfg->max_request_body_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (hc->answered && !hc->queued)
        return MHD_YES;     /* refused early: already queued */
    if (hc->answered) {
        ret = http_send(conn, &hc->req, &hc->r);
        json_decref(hc->r.body);
        hc->r.body = NULL;
        return ret;
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
    http_set_reading(h, conn, false);
    hc->queued = true;
    return http_enqueue(h, hc) ? MHD_YES : MHD_NO;
}

static void
http_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                  enum MHD_RequestTerminationCode toe)
{
    struct http *h = cls;
    struct http_conn *hc = *con_cls;

    (void)toe;
    /* the next request on this connection has its own deadline */
    http_set_reading(h, conn, true);
    if (!hc)
        return;
    json_decref(hc->r.body);
    free(hc->r.text);
    free(hc->body);
    free(hc->api_version);
    free(hc->nova_api_version);
    for (size_t i = 0; i < hc->nowned; i++)
        free(hc->owned[i]);
    free(hc->owned);
    free(hc);
    *con_cls = NULL;
}

/* Raise the soft limit on descriptors to what api_max_connections needs;
 * when the hard limit is lower, *max_conns is what fits (and a warning says
 * so), or an error when not even a few connections would. */
static int
http_fd_limit(const struct cfg *cfg, unsigned int *max_conns, struct err *err)
{
    rlim_t spare = (rlim_t)cfg->db_max_pool_size + HTTP_FD_SPARE;
    rlim_t need = (rlim_t)cfg->api_max_connections + spare;
    struct rlimit rl;

    *max_conns = (unsigned int)cfg->api_max_connections;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return err_set(err, ERR_INTERNAL, "getrlimit: %s", strerror(errno));
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
        return 0;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
        return err_set(err, ERR_INTERNAL, "setrlimit: %s", strerror(errno));
    if (rl.rlim_cur >= need)
        return 0;
    if (rl.rlim_cur < spare + 16)
        return err_set(err, ERR_INVALID,
                       "the file-descriptor limit (%llu) leaves no room for connections "
                       "(raise ulimit -Hn)", (unsigned long long)rl.rlim_cur);
    *max_conns = (unsigned int)(rl.rlim_cur - spare);
    log_warnx("[ferry] api_max_connections = %d needs %llu file descriptors, the hard limit "
              "is %llu: %u connections at most (raise ulimit -Hn)",
              cfg->api_max_connections, (unsigned long long)need,
              (unsigned long long)rl.rlim_max, *max_conns);
    return 0;
}

static void
http_free(struct http *h)
{
    pthread_mutex_lock(&h->mu);
    h->stopping = true;
    pthread_cond_broadcast(&h->work);
    pthread_cond_broadcast(&h->tick);
    pthread_mutex_unlock(&h->mu);
    /* the workers finish what is queued; then no connection is theirs */
    for (int i = 0; i < h->nworkers; i++)
        pthread_join(h->workers[i], NULL);
    if (h->reaper_started)
        pthread_join(h->reaper, NULL);
    if (h->daemon)
        MHD_stop_daemon(h->daemon);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->work);
    pthread_cond_destroy(&h->tick);
    free(h->workers);
    free(h);
}

static int
http_threads(struct http *h, struct err *err)
{
    if (!(h->workers = calloc((size_t)h->cfg->api_workers, sizeof(*h->workers))))
        fatalx("out of memory");
    for (; h->nworkers < h->cfg->api_workers; h->nworkers++)
        if (pthread_create(&h->workers[h->nworkers], NULL, http_worker, h) != 0)
            return err_set(err, ERR_INTERNAL, "cannot start a worker thread");
    if (pthread_create(&h->reaper, NULL, http_reaper, h) != 0)
        return err_set(err, ERR_INTERNAL, "cannot start the reaper thread");
    h->reaper_started = true;
    return 0;
}

/* libmicrohttpd's own messages: why it could not start (say, "Failed to
 * bind to port 8774: Address already in use"), kept for the error; later
 * ones (a failed accept, a client's protocol error) logged at debug. */
static void
http_on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct http *h = cls;
    char msg[256];
    const char *why;
    size_t n;

    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    /* its bind message names the port it was given, 0 beside a socket
     * address: the reason only */
    why = strrchr(msg, ':');
    if (strncmp(msg, "Failed to bind", 14) != 0 || !why || why[1] != ' ')
        why = msg;
    else
        why += 2;
    if (!atomic_load(&h->started))
        strlcpy0(h->start_error, why, sizeof(h->start_error));
    else
        log_debug("libmicrohttpd: %s", msg);
}

struct http *
http_start(const struct cfg *cfg, struct db_pool *pool, struct db_watch *watch,
           const char *actor, struct err *err)
{
    struct http *h = calloc(1, sizeof(*h));
    struct sockaddr_in sa;
    unsigned int max_conns;

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
    if (http_fd_limit(cfg, &max_conns, err) < 0) {
        free(h);
        return NULL;
    }
    h->cfg = cfg;
    h->pool = pool;
    h->watch = watch;
    h->actor = actor;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->work, NULL);
    pthread_cond_init(&h->tick, NULL);
    if (http_threads(h, err) < 0) {
        http_free(h);
        return NULL;
    }
    h->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
            MHD_USE_ERROR_LOG, 0, NULL,
        NULL, http_on_request, h,
        MHD_OPTION_EXTERNAL_LOGGER, http_on_mhd_log, h,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)HTTP_IO_THREADS,
        MHD_OPTION_CONNECTION_LIMIT, max_conns,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)cfg->api_max_connections_per_ip,
        MHD_OPTION_URI_LOG_CALLBACK, http_on_uri, h,
        MHD_OPTION_NOTIFY_CONNECTION, http_on_connection, h,
        MHD_OPTION_NOTIFY_COMPLETED, http_on_completed, h,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120,
        MHD_OPTION_END);
    if (!h->daemon) {
        err_set(err, ERR_UNAVAILABLE, "cannot listen on %s:%d%s%s", cfg->api_listen,
                cfg->api_port, h->start_error[0] ? ": " : "", h->start_error);
        http_free(h);
        return NULL;
    }
    atomic_store(&h->started, true);
    return h;
}

void
http_stop(struct http *h)
{
    if (h)
        http_free(h);
}
