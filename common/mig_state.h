/* mig_state.h - the live-migration state machine, as data (no I/O).
 *
 *   accepted -> queued -> preparing -> running -> completed
 *                                         \-> running (post-copy) -> completed
 *   side exits: error (pre-checks, preparation, crash), failed (the job
 *   failed, guest stays on the source), cancelled (aborted).
 *
 * Every writer of a status asks mig_transition_allowed() first; db_mig.c
 * applies the transition with "WHERE status = <from>" so a lost race is an
 * error, never a half-written row.
 */
#ifndef FERRY_MIG_STATE_H
#define FERRY_MIG_STATE_H

#include <stdbool.h>

enum mig_status {
    MIG_ACCEPTED,
    MIG_QUEUED,
    MIG_PREPARING,
    MIG_RUNNING,
    MIG_POSTCOPY,           /* "running (post-copy)" */
    MIG_COMPLETED,
    MIG_FAILED,
    MIG_ERROR,
    MIG_CANCELLED,
    MIG_STATUS_COUNT,
    MIG_STATUS_INVALID = -1
};

/* Nova's status text: "running (post-copy)". */
const char *mig_status_name(enum mig_status s);

/* Inverse of mig_status_name(); MIG_STATUS_INVALID when unknown. */
enum mig_status mig_status_parse(const char *s);

/* completed, failed, error or cancelled. */
bool mig_status_terminal(enum mig_status s);

/* Listed by GET /servers/{id}/migrations and shown by .../{mid}:
 * queued, preparing, running (Nova's "in progress" set for live migration). */
bool mig_status_in_progress(enum mig_status s);

/* Is from -> to an edge of the state machine? */
bool mig_transition_allowed(enum mig_status from, enum mig_status to);

#endif
