/* policy.h - how a running migration is steered: Nova's [libvirt] policy,
 * option for option (migration-control.md b.1), as pure functions over the
 * job's observables.  The worker asks policy_tick() every sample and does
 * what it says; nothing here talks to libvirt or the database.
 */
#ifndef FERRY_POLICY_H
#define FERRY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cfg.h"
#include "common/mig_opts.h"

/* Fixed for one migration when it starts. */
struct policy {
    double data_gb;                 /* max(2, RAM GiB) + disks (block migration) */
    int nsteps;                     /* downtime_steps + 1 */
    int64_t step_delay_ms;          /* int(downtime_delay * data_gb) s, / divisor */
    double step_base, step_offset;  /* step i: int(base + offset * i) ms */
    int64_t completion_timeout_ms;  /* 0: none */
    enum timeout_action timeout_action;
    unsigned flags;                 /* virt_mig_flag bits for the job */
    bool post_copy;                 /* switching to post-copy is permitted */
    bool auto_converge;             /* the job runs with auto-converge */
};

/* Nova's data size: max(2, ram_mb / 1024) + sum over disks of max(2, GiB). */
double policy_data_gb(int ram_mb, const uint64_t *disk_bytes, int ndisks);

/* What policy_init needs to know of the guest (bits). */
enum policy_guest {
    POLICY_BLOCK = 1 << 0,          /* block migration: local disks are copied */
    POLICY_BLOCK_WHOLE = 1 << 1,    /* ... a disk has a backing file: copy whole chains */
    POLICY_PAUSED = 1 << 2,         /* the guest is paused */
};

/* Build the policy for a migration: downtime steps up to the guest's
 * max_downtime_ms (live_migration_downtime's role), timeout, flags
 * (LIVE|PEER2PEER|UNDEFINE_SOURCE|PERSIST_DEST, NON_SHARED_INC for a block
 * migration or NON_SHARED_DISK when chains are copied whole, TUNNELLED, TLS,
 * POSTCOPY when the guest's options permit it and the guest is not paused
 * (Nova's rule: libvirt refuses post-copy for a paused domain),
 * AUTO_CONVERGE only when permitted and post-copy is not: Nova's quirk).
 * opts: what the migration recorded (NULL: the configuration's defaults);
 * [ferry] nova_policy_time_divisor divides the step delay and the
 * completion timeout (benchmarks).  guest: enum policy_guest bits. */
void policy_init(struct policy *p, const struct cfg *cfg, const struct mig_opts *opts,
                 double data_gb, unsigned guest);

/* Step i of the downtime schedule (0 .. nsteps - 1): the max downtime in ms,
 * and the elapsed time after which it applies. */
int policy_step_ms(const struct policy *p, int i);
int64_t policy_step_at_ms(const struct policy *p, int i);

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

/* Nova's migration URIs for a destination address: an IPv6 address in
 * brackets (oslo's escape_ipv6); the libvirt connection is
 * [libvirt] live_migration_uri with %s replaced, else
 * qemu+<live_migration_scheme, default tcp>://<addr>/system (native TLS is
 * QEMU's stream, it does not change the scheme); the data goes to
 * tcp://<addr>, or "" when tunnelled through libvirtd. */
void policy_uris(const struct cfg *cfg, const char *dest, char *dest_uri, size_t dest_size,
                 char *migrate_uri, size_t migrate_size);

/* Nova's instance progress: 100 - round(remaining * 100 / total), 0-100. */
int policy_progress(int64_t mem_total, int64_t mem_remaining);

#endif
