/* db.h - the database layer: the only code that includes libpq.
 *
 * A struct db is one PostgreSQL connection, owned by one thread.  Every call
 * reports failures once into a caller-owned struct err, with SQLSTATE mapped
 * to err_code here and nowhere else (unique violation -> ERR_CONFLICT,
 * serialization failure -> ERR_RETRY, lost connection -> ERR_UNAVAILABLE).
 * A lost connection is re-established on the next call (re-issuing LISTEN),
 * so long-running processes survive a database restart by retrying.
 *
 * Typed queries live in db_<table>.c, each declared in its db_<table>.h
 * (the rows' shared basics in db_types.h).
 */
#ifndef FERRY_DB_H
#define FERRY_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

struct db;

/* A handle for conninfo (libpq key=value or postgresql:// URL); connects
 * lazily on first use.  appname shows in pg_stat_activity.  Its sessions
 * have TCP keepalives and a tcp_user_timeout (unless conninfo sets them) and
 * DB_STATEMENT_TIMEOUT_MS (db_set_statement_timeout() changes it). */
struct db *db_new(const char *conninfo, const char *appname);

/* Every process's statements are cancelled after this long unless it says
 * otherwise: a stuck lock or a runaway query must not hold a scheduler or a
 * compute worker for ever.  (Waiting on LISTEN is not a statement.) */
#define DB_STATEMENT_TIMEOUT_MS 120000

/* Close the connection and free the handle; NULL is a no-op. */
void db_free(struct db *db);

/* Cancel any statement of this handle's sessions that runs longer than ms
 * (0: the server's setting applies); ERR_TIMEOUT then.  Takes effect from
 * the next (re)connection. */
void db_set_statement_timeout(struct db *db, int ms);

/* Connect (or reconnect) now. */
int db_connect(struct db *db, struct err *err);

/* Transactions.  db_rollback() never fails (a broken connection rolls back by
 * itself). */
int db_begin(struct db *db, struct err *err);
/* A read-only REPEATABLE READ transaction: its statements all see the
 * database as it was at the first. */
int db_begin_snapshot(struct db *db, struct err *err);
int db_commit(struct db *db, struct err *err);
void db_rollback(struct db *db);

/* LISTEN on channel; remembered and re-issued after a reconnect. */
int db_listen(struct db *db, const char *channel, struct err *err);

struct db_notify {
    char channel[64];
    char payload[256];
};

/* UNLISTEN everything (before handing a pooled connection on). */
void db_unlisten_all(struct db *db);

/* Wait up to timeout_ms for a notification on a LISTENed channel.
 * 1: *out filled; 0: timed out, or a signal came; -1: error (connection
 * lost). */
int db_wait(struct db *db, int timeout_ms, struct db_notify *out, struct err *err);

/* Drop notifications already received (after a state re-read). */
void db_drain(struct db *db);

/* Run a one-off SQL statement with no parameters and no result (tools). */
int db_exec_simple(struct db *db, const char *sql, struct err *err);

/* A fixed-size pool of connections shared by threads (ferry-api), each with
 * a statement timeout (0: the server's). */
struct db_pool;
struct db_pool *db_pool_new(const char *conninfo, const char *appname, int size,
                            int statement_timeout_ms);
void db_pool_free(struct db_pool *pool);

/* Take a connection, waiting up to timeout_ms for one to be given back;
 * NULL with ERR_UNAVAILABLE when none was.  The connection is the caller's
 * until db_pool_put(). */
struct db *db_pool_get(struct db_pool *pool, int timeout_ms, struct err *err);

/* Give a connection back (rolled back, unlistened); NULL is a no-op, so a
 * caller that gave it back early may put it again as NULL. */
void db_pool_put(struct db_pool *pool, struct db *db);

#endif
