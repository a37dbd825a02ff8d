/* db_metadata.h - a server's metadata (db_metadata.c): read and changed
 * under Nova's rules. */
#ifndef FERRY_DB_METADATA_H
#define FERRY_DB_METADATA_H

#include <stdbool.h>

#include "common/err.h"
#include "db/db.h"

/* A server's metadata, as JSON object text (malloc'd) into *out. */
int db_instance_metadata_get(struct db *db, const char *uuid, char **out, struct err *err);

/* A change to a server's metadata (Nova's update_instance_metadata and
 * delete_instance_metadata), applied under the instance's row lock after
 * Nova's checks, in Nova's order: the key to delete exists (ERR_NOT_FOUND
 * "Metadata item was not found"), the lock unless admin (ERR_CONFLICT
 * "Instance <uuid> is locked"), vm_state active, paused, suspended or
 * stopped and no task (ERR_CONFLICT "Cannot '<action>' instance <server_id>
 * while it is in vm_state|task_state <state>"), at most max_items items
 * afterwards (ERR_FORBIDDEN "Maximum number of metadata items exceeds
 * <max_items>"). */
struct db_metadata_change {
    const char *uuid;
    const char *server_id;          /* as the URL gave it, for the messages */
    const char *action;             /* "update metadata" or "delete metadata" */
    const char *set;                /* a JSON object to merge, or NULL */
    bool replace;                   /* set replaces every item */
    const char *delete_key;         /* or the item to remove */
    bool is_admin;                  /* admins pass the lock */
    int max_items;                  /* the metadata_items quota */
};

/* Apply ch; *out (malloc'd, may be NULL) is the metadata afterwards. */
int db_instance_metadata_change(struct db *db, const struct db_metadata_change *ch,
                                char **out, struct err *err);

#endif
