/* policy.h - how a running migration is steered: Nova's [libvirt] policy,
 * option for option (migration-control.md b.1), as pure functions over the
 * job's observables.  The worker asks policy_tick() every sample and does
 * what it says; nothing here talks to libvirt or the database.
 */
#ifndef FERRY_POLICY_H
#define FERRY_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "common/cfg.h"

#define POLICY_MAX_STEPS 64

/* Fixed for one migration when it starts. */
struct policy {
    double data_gb;                 /* max(2, RAM GiB) + disks (block migration) */
    int nsteps;                     /* downtime_steps + 1 */
    int64_t step_at_ms[POLICY_MAX_STEPS];   /* apply after this much elapsed time */
    int step_ms[POLICY_MAX_STEPS];          /* ... this max downtime */
    int64_t completion_timeout_ms;  /* 0: none */
    enum timeout_action timeout_action;
    unsigned flags;                 /* virt_mig_flag bits for the job */
    bool post_copy;                 /* switching to post-copy is permitted */
};

/* Nova's data size: max(2, ram_mb / 1024) + sum over disks of max(2, GiB). */
double policy_data_gb(int ram_mb, const uint64_t *disk_bytes, int ndisks);

/* Build the policy for a migration: downtime steps, timeout, flags
 * (LIVE|PEER2PEER|UNDEFINE_SOURCE|PERSIST_DEST, NON_SHARED_INC for a block
 * migration, TUNNELLED, TLS, POSTCOPY when permitted, AUTO_CONVERGE only when
 * permitted and post-copy is not: Nova's quirk). */
void policy_init(struct policy *p, const struct cfg *cfg, double data_gb, bool block_migration);

/* What the worker must do now. */
struct policy_action {
    int set_downtime_ms;            /* > 0: call set_max_downtime */
    bool timeout;                   /* the completion timeout passed */
    bool abort;                     /* ... and the action is abort */
    bool force_complete;            /* ... and the action is force_complete */
};

/* State the worker keeps between ticks. */
struct policy_state {
    int downtime_ms;                /* the setting in force, 0 before the first */
    bool timeout_fired;
    bool post_copy_active;
};

/* One tick of Nova's monitor at elapsed_ms since the job started. */
void policy_tick(const struct policy *p, struct policy_state *st, int64_t elapsed_ms,
                 struct policy_action *out);

/* Nova's instance progress: 100 - round(remaining * 100 / total), 0-100. */
int policy_progress(int64_t mem_total, int64_t mem_remaining);

#endif
