/* db_metadata.c - a server's metadata (instances.metadata, a jsonb object):
 * read it, and change it under the instance's row lock after Nova's checks
 * (compute/api.py update_instance_metadata / delete_instance_metadata). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auto.h"
#include "common/log.h"
#include "db/db.h"
#include "db/db_int.h"
#include "db/db_metadata.h"

int
db_instance_metadata_get(struct db *db, const char *uuid, char **out, struct err *err)
{
    const char *p[1] = { uuid };
    AUTO_PGRES PGresult *r = db_query(db,
                                      "SELECT metadata::text AS metadata FROM instances"
                                      " WHERE uuid = $1::uuid AND NOT deleted",
                                      1, p, err);

    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        return err_set(err, ERR_NOT_FOUND, "Instance %s could not be found.", uuid);
    if (!(*out = strdup(row_str(r, 0, "metadata"))))
        fatalx("out of memory");
    return 0;
}

/* Nova's checks on the locked row, in Nova's order (the controller's
 * missing key, check_instance_lock, check_instance_state, the quota). */
static int
metadata_refused(const PGresult *r, const struct db_metadata_change *ch, struct err *err)
{
    static const char *const vm_ok[] = { "active", "paused", "suspended", "stopped" };
    const char *vm = row_str(r, 0, "vm_state");
    const char *task = row_str(r, 0, "task_state");
    bool vm_fine = false;

    if (!row_bool(r, 0, "has_key"))
        return err_set(err, ERR_NOT_FOUND, "Metadata item was not found");
    if (row_bool(r, 0, "locked") && !ch->is_admin)
        return err_set(err, ERR_CONFLICT, "Instance %s is locked", ch->uuid);
    for (size_t i = 0; i < sizeof(vm_ok) / sizeof(vm_ok[0]); i++)
        vm_fine = vm_fine || strcmp(vm, vm_ok[i]) == 0;
    if (!vm_fine)
        return err_set(err, ERR_CONFLICT, "Cannot '%s' instance %s while it is in vm_state %s",
                       ch->action, ch->server_id, vm);
    if (task[0])
        return err_set(err, ERR_CONFLICT,
                       "Cannot '%s' instance %s while it is in task_state %s", ch->action,
                       ch->server_id, task);
    if (row_int(r, 0, "items") > ch->max_items)
        return err_set(err, ERR_FORBIDDEN, "Maximum number of metadata items exceeds %d",
                       ch->max_items);
    return 0;
}

/* The metadata after the change, in SQL ($2 set, $3 replace, $4 delete). */
#define METADATA_NEW                                                                  \
    "CASE WHEN $4::text IS NOT NULL THEN metadata - $4::text"                         \
    " WHEN $3::boolean THEN $2::jsonb ELSE metadata || $2::jsonb END"

int
db_instance_metadata_change(struct db *db, const struct db_metadata_change *ch, char **out,
                            struct err *err)
{
    const char *p[4] = { ch->uuid, ch->set, ch->replace ? "true" : "false", ch->delete_key };
    AUTO_PGRES PGresult *r = NULL;
    AUTO_PGRES PGresult *u = NULL;

    *out = NULL;
    if (db_begin(db, err) < 0)
        return -1;
    /* the row lock: a migration's acceptance (db_mig_create) reads the
     * ferry:* keys under it too, so it sees the metadata before or after a
     * change, never half of one */
    r = db_query(db,
                 "SELECT locked, vm_state, coalesce(task_state, '') AS task_state,"
                 " ($4::text IS NULL OR metadata ? $4::text) AS has_key,"
                 " (SELECT count(*) FROM jsonb_object_keys(" METADATA_NEW "))::int AS items"
                 " FROM instances WHERE uuid = $1::uuid AND NOT deleted FOR NO KEY UPDATE",
                 4, p, err);
    if (!r)
        goto fail;
    if (PQntuples(r) == 0) {
        err_set(err, ERR_NOT_FOUND, "Instance %s could not be found.", ch->server_id);
        goto fail;
    }
    if (metadata_refused(r, ch, err) < 0)
        goto fail;
    u = db_query(db,
                 "UPDATE instances SET metadata = " METADATA_NEW ", updated_at = now()"
                 " WHERE uuid = $1::uuid RETURNING metadata::text AS metadata",
                 4, p, err);
    if (!u || db_commit(db, err) < 0)
        goto fail;
    if (!(*out = strdup(row_str(u, 0, "metadata"))))
        fatalx("out of memory");
    return 0;
fail:
    db_rollback(db);
    return -1;
}
