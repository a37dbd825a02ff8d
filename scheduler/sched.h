/* sched.h - choosing a destination: filters, then weighers (pure, no I/O).
 *
 * Each filter is a small function over (request, host) that says yes, or no
 * with a reason; the reasons of every refused host make up the "No valid
 * host was found" message, so an operator sees why without reading a log.
 */
#ifndef FERRY_SCHED_H
#define FERRY_SCHED_H

#include <stdbool.h>

#include "db/db_host.h"
#include "db/db_instance.h"
#include "db/db_sched.h"

#define SCHED_MAX_TRIED 64

struct sched_request {
    const char *instance_uuid;
    int memory_mb;
    int vcpus;
    int disk_gb;                    /* local disks a block migration copies */
    int max_io_ops;                 /* incoming migrations per host, 0: no limit */
    /* what the guest's own <cpu> requires (the CPU pre-filter), as its
     * instance's row says; NULL: nothing */
    const struct db_cpu_features *cpu_features;
    const char *source;             /* the source host name */
    const char *hypervisor_type;    /* the source's */
    int64_t hypervisor_version;
    const char *requested;          /* a requested destination, or NULL */
    const char *tried[SCHED_MAX_TRIED];   /* hosts that already failed a check */
    int ntried;
    double ram_weight;              /* [filter_scheduler] ram_weight_multiplier */
    double io_ops_weight;           /* [filter_scheduler] io_ops_weight_multiplier */
};

/* Run every filter on h.  True if h passes; else *why says which filter
 * refused it and why ("not enough free RAM (needs 256 MB, 120 MB free)"). */
bool sched_host_passes(const struct sched_request *rq, const struct db_host *h, char *why,
                       size_t why_size);

/* Only the filters the database leaves to C (the CPU pre-filter), for a
 * candidate db_sched_candidates() gave: the database's own filters have
 * judged it already, and are not run twice.  As sched_host_passes(). */
bool sched_host_passes_rest(const struct sched_request *rq, const struct db_host *h,
                            char *why, size_t why_size);

/* Filter then weigh: the indexes of the hosts among hosts[0..n) that pass,
 * best first, into order[] (room for n); returns how many.  Nova's
 * weighers: free RAM and incoming migrations, each normalised to 0..1 over
 * the hosts that pass and times its multiplier, summed; ties go by name.
 * *why lists each refused host's reason ("lab-2: down; ...").  The
 * scheduler asks the database instead (db_sched_candidates,
 * db_sched_refusals); this, over every host, is the reference both are
 * tested against (tests/integration/test_db_sched.c). */
int sched_rank(const struct sched_request *rq, const struct db_host *hosts, int n, int *order,
               char *why, size_t why_size);

/* The best of sched_rank, or -1 (then *why says why each host was refused). */
int sched_pick(const struct sched_request *rq, const struct db_host *hosts, int n, char *why,
               size_t why_size);

/* How many refused hosts the words of "No valid host" name one by one. */
#define SCHED_WHY_HOSTS 10

/* The words of "No valid host was found" from the database's summary
 * (db_sched_refusals): the hosts that came closest, judged again here for
 * their reasons, and the others counted by filter ("h4: not enough free
 * RAM (...); ...; and 9990 more: 9000 down, 990 disabled").  False (and
 * why empty) if one of them passes after all: room appeared meanwhile. */
bool sched_explain(const struct sched_request *rq, const struct db_host *closest, int n,
                   const int counts[DB_STAGE_COUNT], char *why, size_t why_size);

/* Nova's forced-destination checks (no filters beyond these): not the
 * source, up, enough RAM, hypervisor type and version.  0 or -1 with Nova's
 * exception text in err (ERR_INVALID). */
int sched_check_forced(const struct sched_request *rq, const struct db_host *dest,
                       struct err *err);

#endif
