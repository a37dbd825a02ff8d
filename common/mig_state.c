/* mig_state.c - status names and the allowed transitions. */
#include <string.h>

#include "common/auto.h"
#include "common/mig_state.h"

static const char *const mig_status_names[MIG_STATUS_COUNT] = {
    [MIG_ACCEPTED] = "accepted",
    [MIG_QUEUED] = "queued",
    [MIG_PREPARING] = "preparing",
    [MIG_RUNNING] = "running",
    [MIG_POSTCOPY] = "running (post-copy)",
    [MIG_COMPLETED] = "completed",
    [MIG_FAILED] = "failed",
    [MIG_ERROR] = "error",
    [MIG_CANCELLED] = "cancelled",
};

static const struct {
    enum mig_status from, to;
} mig_edges[] = {
    { MIG_ACCEPTED, MIG_QUEUED },       /* scheduler: destination chosen and checked */
    { MIG_ACCEPTED, MIG_ERROR },        /* scheduler: no valid host, pre-check failed */
    { MIG_QUEUED, MIG_PREPARING },      /* source compute starts the job */
    { MIG_QUEUED, MIG_CANCELLED },      /* aborted while queued (2.65) */
    { MIG_QUEUED, MIG_ERROR },          /* source host gone, could not start */
    { MIG_PREPARING, MIG_RUNNING },     /* destination prepared, libvirt job started */
    { MIG_PREPARING, MIG_CANCELLED },   /* aborted while preparing (2.65) */
    { MIG_PREPARING, MIG_ERROR },       /* pre_live_migration failed */
    { MIG_PREPARING, MIG_QUEUED },      /* ferry policy: admission waits for the link */
    { MIG_RUNNING, MIG_POSTCOPY },      /* switched to post-copy */
    { MIG_RUNNING, MIG_COMPLETED },
    { MIG_RUNNING, MIG_FAILED },        /* job failed, guest on the source */
    { MIG_RUNNING, MIG_CANCELLED },     /* job aborted, guest on the source */
    { MIG_RUNNING, MIG_ERROR },         /* the worker lost track of the job */
    { MIG_POSTCOPY, MIG_COMPLETED },
    { MIG_POSTCOPY, MIG_FAILED },
    { MIG_POSTCOPY, MIG_ERROR },
};

const char *
mig_status_name(enum mig_status s)
{
    if ((int)s < 0 || s >= MIG_STATUS_COUNT)
        return "unknown";
    return mig_status_names[s];
}

enum mig_status
mig_status_parse(const char *s)
{
    for (int i = 0; i < MIG_STATUS_COUNT; i++)
        if (strcmp(s, mig_status_names[i]) == 0)
            return (enum mig_status)i;
    return MIG_STATUS_INVALID;
}

bool
mig_status_terminal(enum mig_status s)
{
    return s == MIG_COMPLETED || s == MIG_FAILED || s == MIG_ERROR || s == MIG_CANCELLED;
}

bool
mig_status_in_progress(enum mig_status s)
{
    return s == MIG_QUEUED || s == MIG_PREPARING || s == MIG_RUNNING;
}

bool
mig_transition_allowed(enum mig_status from, enum mig_status to)
{
    for (size_t i = 0; i < ARRAY_SIZE(mig_edges); i++)
        if (mig_edges[i].from == from && mig_edges[i].to == to)
            return true;
    return false;
}
