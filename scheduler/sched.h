/* sched.h - choosing a destination: filters, then weighers (pure, no I/O).
 *
 * Each filter is a small function over (request, host) that says yes, or no
 * with a reason; the reasons of every refused host make up the "No valid
 * host was found" message, so an operator sees why without reading a log.
 */
#ifndef FERRY_SCHED_H
#define FERRY_SCHED_H

#include <stdbool.h>

#include "db/model.h"

#define SCHED_MAX_TRIED 64

struct sched_request {
    const char *instance_uuid;
    int memory_mb;
    int vcpus;
    const char *source;             /* the source host name */
    const char *hypervisor_type;    /* the source's */
    int64_t hypervisor_version;
    const char *requested;          /* a requested destination, or NULL */
    const char *tried[SCHED_MAX_TRIED];   /* hosts that already failed a check */
    int ntried;
    double ram_allocation_ratio;
    double cpu_allocation_ratio;
    int reserved_host_memory_mb;
};

/* Free RAM of host h as the RAM filter sees it (MB; may be negative). */
long sched_free_ram_mb(const struct sched_request *rq, const struct db_host *h);

/* Free vCPUs of h with the allocation ratio. */
long sched_free_vcpus(const struct sched_request *rq, const struct db_host *h);

/* Run every filter on h.  True if h passes; else *why says which filter
 * refused it and why ("not enough free RAM (needs 256 MB, 120 MB free)"). */
bool sched_host_passes(const struct sched_request *rq, const struct db_host *h, char *why,
                       size_t why_size);

/* Filter then weigh: the index of the best host among hosts[0..n), or -1.
 * When -1, *why lists each refused host's reason ("lab-2: down; ..."). */
int sched_pick(const struct sched_request *rq, const struct db_host *hosts, int n, char *why,
               size_t why_size);

/* Nova's forced-destination checks (no filters beyond these): not the
 * source, up, enough RAM, hypervisor type and version.  0 or -1 with Nova's
 * exception text in err (ERR_INVALID). */
int sched_check_forced(const struct sched_request *rq, const struct db_host *dest,
                       struct err *err);

#endif
