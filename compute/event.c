/* event.c - instance-action events recorded by ferry-compute, best effort:
 * a failure to record one is logged and never stops a migration. */
#include "common/log.h"
#include "compute/compute.h"
#include "db/db.h"
#include "db/db_action.h"

void
compute_event_start(struct db *db, const char *instance_uuid, const char *request_id,
                    const char *event, const char *host)
{
    struct err err = ERR_INIT;

    if (request_id && *request_id &&
        db_action_event_start(db, instance_uuid, request_id, event, host, &err) < 0)
        log_warnx("cannot record event %s instance=%s: %s", event, instance_uuid, err.msg);
}

void
compute_event_finish(struct db *db, const char *instance_uuid, const char *request_id,
                     const char *event, bool ok, const char *details)
{
    struct err err = ERR_INIT;

    if (request_id && *request_id &&
        db_action_event_finish(db, instance_uuid, request_id, event, ok, details, &err) < 0)
        log_warnx("cannot record event %s instance=%s: %s", event, instance_uuid, err.msg);
}

void
compute_event_finish_open(struct db *db, const char *instance_uuid, const char *event, bool ok,
                          const char *details)
{
    struct err err = ERR_INIT;

    if (db_action_event_finish(db, instance_uuid, NULL, event, ok, details, &err) < 0)
        log_warnx("cannot record event %s instance=%s: %s", event, instance_uuid, err.msg);
}
