/* db_drain.h - server-side host drains (db_drain.c, 0013): the drain's
 * record, the host disabled with it, its progress read back. */
#ifndef FERRY_DB_DRAIN_H
#define FERRY_DB_DRAIN_H

#include <stdint.h>

#include "common/err.h"
#include "common/util.h"
#include "db/db.h"
#include "db/db_types.h"

/* A drain and what it has come to. */
struct db_drain {
    int id;
    char host[NAME_LEN];
    char request_id[48];
    char user_id[NAME_LEN];
    char disabled_reason[NAME_LEN];
    int64_t created_us;
    char *skipped_json;             /* [{"server_id", "reason"}], malloc'd */
    int remaining;                  /* instances still on the host */
    int in_progress;                /* live migrations from the host not yet ended
                                     * (this drain's, or any other's) */
};

/* One of its migrations, as it stands. */
struct db_drain_mig {
    int id;
    char server_id[UUID_STR_LEN];
    char status[32];
    char dest_compute[NAME_LEN];    /* "" until scheduled */
    char reason[1024];              /* why it failed or was cancelled, "" */
};

/* Record a drain of host under request_id and disable the host's compute
 * service, in one transaction under the host's row lock; a service already
 * disabled keeps its own reason.  ERR_NOT_FOUND "Compute host <host> could
 * not be found."; ERR_CONFLICT while its latest drain still has live
 * migrations from it under way. */
int db_drain_begin(struct db *db, const char *host, const char *request_id,
                   const char *user_id, const char *project_id, const char *reason,
                   struct db_drain *out, struct err *err);

/* An instance the drain could not start moving, and why. */
int db_drain_skip(struct db *db, int drain_id, const char *server_id, const char *reason,
                  struct err *err);

/* The latest drain of host with its migrations (*migs malloc'd, *n of them,
 * oldest first) and counts.  ERR_NOT_FOUND when the host has none. */
int db_drain_get(struct db *db, const char *host, struct db_drain *out,
                 struct db_drain_mig **migs, int *n, struct err *err);

/* Free what db_drain_get and db_drain_begin allocated in d. */
void db_drain_free(struct db_drain *d);

#endif
