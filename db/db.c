/* db.c - one PostgreSQL connection: connect, run, translate errors, listen. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auto.h"
#include "common/log.h"
#include "common/util.h"
#include "db/db.h"
#include "db/db_int.h"

#define DB_MAX_LISTEN 8
#define DB_MAX_PREPARED 16

struct db {
    char *conninfo;
    char *appname;
    PGconn *conn;
    bool in_tx;
    int nlisten;
    char listen[DB_MAX_LISTEN][64];
    int nprepared;                  /* statements prepared on this connection */
    char prepared[DB_MAX_PREPARED][48];
    int statement_timeout_ms;       /* 0: the server's default */
};

struct db *
db_new(const char *conninfo, const char *appname)
{
    struct db *db = calloc(1, sizeof(*db));

    if (!db || !(db->conninfo = strdup(conninfo)) || !(db->appname = strdup(appname)))
        fatalx("out of memory");
    db->statement_timeout_ms = DB_STATEMENT_TIMEOUT_MS;
    return db;
}

PGconn *
db_pgconn(struct db *db)
{
    return db->conn;
}

void
db_free(struct db *db)
{
    if (!db)
        return;
    if (db->conn)
        PQfinish(db->conn);
    free(db->conninfo);
    free(db->appname);
    free(db);
}

/* SQLSTATE -> err_code: the one translation boundary for PostgreSQL. */
static enum err_code
db_map_sqlstate(const char *st)
{
    if (!st)
        return ERR_UNAVAILABLE;
    if (strcmp(st, "23505") == 0 || strcmp(st, "23503") == 0 || strcmp(st, "55P03") == 0)
        return ERR_CONFLICT;
    if (strcmp(st, "40001") == 0 || strcmp(st, "40P01") == 0)
        return ERR_RETRY;
    if (strncmp(st, "08", 2) == 0 || strncmp(st, "57P", 3) == 0 || strncmp(st, "53", 2) == 0)
        return ERR_UNAVAILABLE;
    if (strcmp(st, "57014") == 0)
        return ERR_TIMEOUT;
    if (strncmp(st, "22", 2) == 0 || strcmp(st, "23514") == 0)
        return ERR_INVALID;
    return ERR_INTERNAL;
}

/* The first line of a libpq message, for err->detail. */
static void
db_detail(struct err *err, const char *text)
{
    err_detail(err, "%.*s", (int)strcspn(text ? text : "", "\n"), text ? text : "");
}

/* The server's own words for a failed statement: its primary message,
 * without libpq's "ERROR:  " and the lines after (libpq's text if none). */
static const char *
db_primary(struct db *db, const PGresult *r)
{
    const char *m = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;

    return m ? m : r ? PQresultErrorMessage(r) : PQerrorMessage(db->conn);
}

/* Server NOTICEs ("relation already exists, skipping") are debug noise. */
static void
db_on_notice(void *arg, const char *message)
{
    (void)arg;
    log_debug("database notice: %.*s", (int)strcspn(message, "\n"), message);
}

void
db_set_statement_timeout(struct db *db, int ms)
{
    db->statement_timeout_ms = ms;
}

int
db_connect(struct db *db, struct err *err)
{
    char options[80];
    /* A peer that vanishes (a host gone, a partition) is found out within
     * about a minute, idle or sending, instead of TCP's two hours or fifteen
     * minutes: keepalives, and tcp_user_timeout for unacknowledged data.
     * They come before the user's conninfo (dbname, expanded), so a value
     * set there wins; the keys after it are Ferry's own. */
    const char *keys[] = { "keepalives", "keepalives_idle", "keepalives_interval",
                           "keepalives_count", "tcp_user_timeout", "dbname",
                           "application_name", "options", "connect_timeout", NULL };
    const char *vals[] = { "1", "30", "10", "3", "60000", db->conninfo,
                           db->appname, options, "5", NULL };
    struct err lerr = ERR_INIT;

    /* without a timeout of our own, the server's (or the role's) applies */
    if (db->statement_timeout_ms > 0)
        snprintf(options, sizeof(options), "-c TimeZone=UTC -c statement_timeout=%d",
                 db->statement_timeout_ms);
    else
        snprintf(options, sizeof(options), "-c TimeZone=UTC");
    if (db->conn)
        PQfinish(db->conn);
    db->in_tx = false;
    db->nprepared = 0;              /* a new session knows none */
    db->conn = PQconnectdbParams(keys, vals, 1);
    if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
        err_set(err, ERR_UNAVAILABLE, "cannot connect to the database");
        db_detail(err, db->conn ? PQerrorMessage(db->conn) : "out of memory");
        if (db->conn)
            PQfinish(db->conn);
        db->conn = NULL;
        return -1;
    }
    PQsetNoticeProcessor(db->conn, db_on_notice, NULL);
    for (int i = 0; i < db->nlisten; i++) {
        char *ident = PQescapeIdentifier(db->conn, db->listen[i], strlen(db->listen[i]));
        char sql[128];
        PGresult *r;

        snprintf(sql, sizeof(sql), "LISTEN %s", ident ? ident : "ferry_invalid");
        PQfreemem(ident);
        r = PQexec(db->conn, sql);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            err_set(&lerr, ERR_UNAVAILABLE, "cannot re-listen after reconnect");
            db_detail(&lerr, PQresultErrorMessage(r));
            PQclear(r);
            /* a connection that does not listen would look fine and hear
             * nothing: drop it, the next use connects again */
            PQfinish(db->conn);
            db->conn = NULL;
            *err = lerr;
            return -1;
        }
        PQclear(r);
    }
    return 0;
}

/* Make sure there is a usable connection; reconnect when it was lost outside
 * a transaction.  Inside one, a lost connection fails the transaction. */
static int
db_ensure(struct db *db, struct err *err)
{
    if (db->conn && PQstatus(db->conn) == CONNECTION_OK)
        return 0;
    if (db->in_tx)
        return err_set(err, ERR_UNAVAILABLE, "database connection lost in a transaction");
    if (db_connect(db, err) < 0)
        return -1;
    log_info("database connection established app=%s", db->appname);
    return 0;
}

/* The result of a statement, or NULL with err filled. */
static PGresult *
db_result(struct db *db, PGresult *r, struct err *err)
{
    ExecStatusType st = PQresultStatus(r);

    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return r;
    if (PQstatus(db->conn) != CONNECTION_OK) {
        err_set(err, ERR_UNAVAILABLE, "database connection lost");
        db_detail(err, PQerrorMessage(db->conn));
    } else {
        const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

        err_set(err, db_map_sqlstate(state), "database query failed");
        db_detail(err, db_primary(db, r));
    }
    PQclear(r);
    return NULL;
}

PGresult *
db_query(struct db *db, const char *sql, int n, const char *const *vals, struct err *err)
{
    if (db_ensure(db, err) < 0)
        return NULL;
    return db_result(db, PQexecParams(db->conn, sql, n, NULL, vals, NULL, NULL, 0), err);
}

PGresult *
db_query_prepared(struct db *db, const char *name, const char *sql, int n,
                  const char *const *vals, struct err *err)
{
    bool known = false;

    if (db_ensure(db, err) < 0)
        return NULL;
    for (int i = 0; i < db->nprepared && !known; i++)
        known = strcmp(db->prepared[i], name) == 0;
    if (!known) {
        PGresult *r = db_result(db, PQprepare(db->conn, name, sql, n, NULL), err);

        if (!r)
            return NULL;
        PQclear(r);
        if (db->nprepared < DB_MAX_PREPARED)
            strlcpy0(db->prepared[db->nprepared++], name, sizeof(db->prepared[0]));
    }
    return db_result(db, PQexecPrepared(db->conn, name, n, vals, NULL, NULL, 0), err);
}

int
db_cmd(struct db *db, const char *sql, int n, const char *const *vals, struct err *err)
{
    PGresult *r = db_query(db, sql, n, vals, err);

    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

int
db_exec_simple(struct db *db, const char *sql, struct err *err)
{
    PGresult *r;

    if (db_ensure(db, err) < 0)
        return -1;
    r = PQexec(db->conn, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

        err_set(err, PQstatus(db->conn) != CONNECTION_OK ? ERR_UNAVAILABLE
                                                          : db_map_sqlstate(state),
                "database statement failed");
        db_detail(err, db_primary(db, r));
        PQclear(r);
        return -1;
    }
    PQclear(r);
    return 0;
}

static int
db_begin_as(struct db *db, const char *begin, struct err *err)
{
    if (db_cmd(db, begin, 0, NULL, err) < 0)
        return -1;
    db->in_tx = true;
    return 0;
}

int
db_begin(struct db *db, struct err *err)
{
    return db_begin_as(db, "BEGIN", err);
}

int
db_begin_snapshot(struct db *db, struct err *err)
{
    return db_begin_as(db, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", err);
}

int
db_commit(struct db *db, struct err *err)
{
    int rc = db_cmd(db, "COMMIT", 0, NULL, err);

    db->in_tx = false;
    return rc;
}

void
db_rollback(struct db *db)
{
    if (db->conn && PQstatus(db->conn) == CONNECTION_OK &&
        PQtransactionStatus(db->conn) != PQTRANS_IDLE) {
        PGresult *r = PQexec(db->conn, "ROLLBACK");
        PQclear(r);
    }
    db->in_tx = false;
}

int
db_listen(struct db *db, const char *channel, struct err *err)
{
    char sql[128];

    if (strlen(channel) >= sizeof(db->listen[0]) || db->nlisten == DB_MAX_LISTEN)
        return err_set(err, ERR_INTERNAL, "too many or too long listen channels");
    for (int i = 0; i < db->nlisten; i++)
        if (strcmp(db->listen[i], channel) == 0)
            return 0;
    strlcpy0(db->listen[db->nlisten++], channel, sizeof(db->listen[0]));
    if (db_ensure(db, err) < 0)
        return -1;      /* remembered: the reconnect will listen */
    /* channel names are fixed identifiers chosen by the code, never input */
    snprintf(sql, sizeof(sql), "LISTEN %s", channel);
    return db_cmd(db, sql, 0, NULL, err);
}

void
db_unlisten_all(struct db *db)
{
    struct err err = ERR_INIT;

    if (db->nlisten == 0)
        return;
    db->nlisten = 0;
    if (db->conn && PQstatus(db->conn) == CONNECTION_OK)
        (void)db_cmd(db, "UNLISTEN *", 0, NULL, &err);
    db_drain(db);
}

static int
db_take_notify(struct db *db, struct db_notify *out)
{
    PGnotify *n = PQnotifies(db->conn);

    if (!n)
        return 0;
    strlcpy0(out->channel, n->relname, sizeof(out->channel));
    strlcpy0(out->payload, n->extra, sizeof(out->payload));
    PQfreemem(n);
    return 1;
}

int
db_wait(struct db *db, int timeout_ms, struct db_notify *out, struct err *err)
{
    int64_t deadline = now_ms() + timeout_ms;

    if (db_ensure(db, err) < 0)
        return -1;
    for (;;) {
        struct pollfd pfd;
        int64_t left;
        int rc;

        if (PQconsumeInput(db->conn) == 0 || PQstatus(db->conn) != CONNECTION_OK) {
            err_set(err, ERR_UNAVAILABLE, "database connection lost while waiting");
            db_detail(err, PQerrorMessage(db->conn));
            PQfinish(db->conn);
            db->conn = NULL;
            return -1;
        }
        if (db_take_notify(db, out))
            return 1;
        left = deadline - now_ms();
        if (left <= 0)
            return 0;
        pfd.fd = PQsocket(db->conn);
        pfd.events = POLLIN;
        rc = poll(&pfd, 1, (int)left);
        /* a signal ends the wait early (a stop request, say: the callers'
         * handlers are installed without SA_RESTART for this) */
        if (rc < 0 && errno == EINTR)
            return 0;
        if (rc < 0)
            return err_set(err, ERR_INTERNAL, "poll failed: %s", strerror(errno));
    }
}

void
db_drain(struct db *db)
{
    struct db_notify n;

    if (!db->conn || PQconsumeInput(db->conn) == 0)
        return;
    while (db_take_notify(db, &n))
        ;
}

/* Row readers. */

static int
row_col(const PGresult *r, const char *col)
{
    int c = PQfnumber(r, col);

    if (c < 0)
        fatalx("BUG: column %s not in result", col);
    return c;
}

const char *
row_str(const PGresult *r, int row, const char *col)
{
    return PQgetvalue(r, row, row_col(r, col));
}

bool
row_isnull(const PGresult *r, int row, const char *col)
{
    return PQgetisnull(r, row, row_col(r, col));
}

int64_t
row_i64(const PGresult *r, int row, const char *col)
{
    return strtoll(row_str(r, row, col), NULL, 10);
}

int
row_int(const PGresult *r, int row, const char *col)
{
    return (int)row_i64(r, row, col);
}

double
row_real(const PGresult *r, int row, const char *col)
{
    return strtod(row_str(r, row, col), NULL);
}

bool
row_bool(const PGresult *r, int row, const char *col)
{
    return row_str(r, row, col)[0] == 't';
}

void
row_cpy(const PGresult *r, int row, const char *col, char *dst, size_t size)
{
    /* text columns are unbounded: cut between characters, never inside one */
    utf8_sanitize(dst, size, row_str(r, row, col));
}

const char *
num(struct numbuf *b, int64_t v)
{
    snprintf(b->s, sizeof(b->s), "%lld", (long long)v);
    return b->s;
}

const char *
real(struct numbuf *b, double v)
{
    snprintf(b->s, sizeof(b->s), "%.17g", v);
    return b->s;
}

char *
db_text_array(const char *const *items, int n)
{
    size_t len = 3;
    char *s, *o;

    if (n < 0)
        for (n = 0; items[n]; n++)
            ;
    for (int i = 0; i < n; i++)
        len += 2 * strlen(items[i]) + 3;
    if (!(s = o = malloc(len)))
        fatalx("out of memory");
    *o++ = '{';
    for (int i = 0; i < n; i++) {
        if (i)
            *o++ = ',';
        *o++ = '"';
        for (const char *c = items[i]; *c; c++) {
            if (*c == '"' || *c == '\\')
                *o++ = '\\';
            *o++ = *c;
        }
        *o++ = '"';
    }
    *o++ = '}';
    *o = '\0';
    return s;
}

/* The pool: a fixed set of handles, each used by one thread at a time. */

struct db_pool {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    int size;
    struct db **dbs;
    bool *busy;
};

struct db_pool *
db_pool_new(const char *conninfo, const char *appname, int size, int statement_timeout_ms)
{
    struct db_pool *pool = calloc(1, sizeof(*pool));

    if (!pool || !(pool->dbs = calloc((size_t)size, sizeof(*pool->dbs))) ||
        !(pool->busy = calloc((size_t)size, sizeof(*pool->busy))))
        fatalx("out of memory");
    pthread_mutex_init(&pool->lock, NULL);
    cond_init_monotonic(&pool->freed);
    pool->size = size;
    for (int i = 0; i < size; i++) {
        pool->dbs[i] = db_new(conninfo, appname);
        db_set_statement_timeout(pool->dbs[i], statement_timeout_ms);
    }
    return pool;
}

void
db_pool_free(struct db_pool *pool)
{
    if (!pool)
        return;
    for (int i = 0; i < pool->size; i++)
        db_free(pool->dbs[i]);
    free(pool->dbs);
    free(pool->busy);
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->freed);
    free(pool);
}

/* A pooled connection whose server went away while it sat idle (a restart,
 * a failover) only shows it when used: an empty query finds out, and the
 * next statement then goes to a fresh connection instead of failing. */
static void
db_pool_check(struct db *db)
{
    PGresult *r;

    if (!db->conn || PQstatus(db->conn) != CONNECTION_OK)
        return;
    r = PQexec(db->conn, "");
    if (PQresultStatus(r) != PGRES_EMPTY_QUERY) {
        log_info("database connection was closed while idle app=%s", db->appname);
        PQfinish(db->conn);
        db->conn = NULL;
    }
    PQclear(r);
}

struct db *
db_pool_get(struct db_pool *pool, int timeout_ms, struct err *err)
{
    struct db *db = NULL;
    struct timespec deadline = mono_deadline(timeout_ms);
    int rc = 0;

    pthread_mutex_lock(&pool->lock);
    while (!db && rc != ETIMEDOUT) {
        for (int i = 0; i < pool->size && !db; i++)
            if (!pool->busy[i]) {
                pool->busy[i] = true;
                db = pool->dbs[i];
            }
        if (!db)
            rc = pthread_cond_timedwait(&pool->freed, &pool->lock, &deadline);
    }
    pthread_mutex_unlock(&pool->lock);
    if (!db) {
        err_set(err, ERR_UNAVAILABLE, "no database connection was free within %d s",
                (timeout_ms + 999) / 1000);
        return NULL;
    }
    db_pool_check(db);
    return db;
}

void
db_pool_put(struct db_pool *pool, struct db *db)
{
    if (!db)
        return;
    db_rollback(db);    /* never hand on an open transaction ... */
    db_unlisten_all(db); /* ... nor a LISTEN */
    pthread_mutex_lock(&pool->lock);
    for (int i = 0; i < pool->size; i++)
        if (pool->dbs[i] == db)
            pool->busy[i] = false;
    pthread_cond_signal(&pool->freed);
    pthread_mutex_unlock(&pool->lock);
}
