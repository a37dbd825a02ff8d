/* sched_loop.h - the scheduler's claim-decide-hand-off loop. */
#ifndef FERRY_SCHED_LOOP_H
#define FERRY_SCHED_LOOP_H

#include "common/cfg.h"

struct sched;

struct sched *sched_new(const struct cfg *cfg, const char *actor);
void sched_free(struct sched *s);

/* Claim and decide one accepted migration.  1: one was handled; 0: none was
 * waiting (after waiting up to idle_wait_ms for a NOTIFY); -1: database
 * error (the caller backs off and calls again: connections come back by
 * themselves). */
int sched_step(struct sched *s, int idle_wait_ms, struct err *err);

#endif
