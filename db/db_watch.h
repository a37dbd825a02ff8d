/* db_watch.h - waiting for a notification without a connection each
 * (db_watch.c): one listener thread and connection per process wake the
 * waiters a notification names by key, the first word of its payload
 * ("42 queued" on ferry_migration is key 42). */
#ifndef FERRY_DB_WATCH_H
#define FERRY_DB_WATCH_H

struct db_watch;

/* A watch on conninfo (appname shows in pg_stat_activity): its listener
 * thread starts now and connects by itself, retrying while the database is
 * away. */
struct db_watch *db_watch_new(const char *conninfo, const char *appname);

/* Stop the listener thread and free the watch; its waiters must be freed
 * before.  NULL is a no-op. */
void db_watch_free(struct db_watch *w);

/* Register for (channel, key) before reading the state waited on, so that a
 * notification sent in between is not missed. */
struct db_waiter;
struct db_waiter *db_watch_add(struct db_watch *w, const char *channel, long key);

/* 1: woken since the last sleep (a notification for the key, or the
 * listener lost or regained its connection: re-read either way); 0: the
 * timeout passed (it is cut to 2 s, to a second while the listener is
 * down: a listener can go deaf unseen). */
int db_waiter_sleep(struct db_waiter *me, int timeout_ms);

/* Unregister and free a waiter; NULL is a no-op. */
void db_waiter_free(struct db_waiter *me);

#endif
