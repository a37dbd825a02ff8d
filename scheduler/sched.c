/* sched.c - filters and weighers over compute hosts, as a table. */
#include <stdio.h>
#include <string.h>

#include "common/auto.h"
#include "scheduler/sched.h"

typedef bool (*sched_filter_fn)(const struct sched_request *rq, const struct db_host *h,
                                char *why, size_t size);

long
sched_free_ram_mb(const struct sched_request *rq, const struct db_host *h)
{
    return (long)(h->memory_mb * rq->ram_allocation_ratio) - rq->reserved_host_memory_mb -
           h->memory_mb_used;
}

long
sched_free_vcpus(const struct sched_request *rq, const struct db_host *h)
{
    return (long)(h->vcpus * rq->cpu_allocation_ratio) - h->vcpus_used;
}

static bool
f_up(const struct sched_request *rq, const struct db_host *h, char *why, size_t size)
{
    (void)rq;
    if (!h->up)
        snprintf(why, size, "compute service is down (no heartbeat)");
    return h->up;
}

static bool
f_enabled(const struct sched_request *rq, const struct db_host *h, char *why, size_t size)
{
    (void)rq;
    if (h->disabled)
        snprintf(why, size, "compute service is disabled%s%s",
                 h->disabled_reason[0] ? ": " : "", h->disabled_reason);
    return !h->disabled;
}

static bool
f_not_source(const struct sched_request *rq, const struct db_host *h, char *why, size_t size)
{
    if (strcmp(h->host, rq->source) == 0) {
        snprintf(why, size, "it is the source host");
        return false;
    }
    return true;
}

static bool
f_not_tried(const struct sched_request *rq, const struct db_host *h, char *why, size_t size)
{
    for (int i = 0; i < rq->ntried; i++)
        if (strcmp(rq->tried[i], h->host) == 0) {
            snprintf(why, size, "already tried");
            return false;
        }
    return true;
}

static bool
f_requested(const struct sched_request *rq, const struct db_host *h, char *why, size_t size)
{
    if (rq->requested && strcmp(rq->requested, h->host) != 0) {
        snprintf(why, size, "not the requested host");
        return false;
    }
    return true;
}

static bool
f_hypervisor(const struct sched_request *rq, const struct db_host *h, char *why, size_t size)
{
    if (strcmp(rq->hypervisor_type, h->hypervisor_type) != 0) {
        snprintf(why, size, "hypervisor type %s differs from the source's %s",
                 h->hypervisor_type, rq->hypervisor_type);
        return false;
    }
    if (h->hypervisor_version < rq->hypervisor_version) {
        snprintf(why, size, "hypervisor version %lld is older than the source's %lld",
                 (long long)h->hypervisor_version, (long long)rq->hypervisor_version);
        return false;
    }
    return true;
}

static bool
f_ram(const struct sched_request *rq, const struct db_host *h, char *why, size_t size)
{
    long free_mb = sched_free_ram_mb(rq, h);

    if (free_mb < rq->memory_mb) {
        snprintf(why, size, "not enough free RAM (needs %d MB, %ld MB free)", rq->memory_mb,
                 free_mb);
        return false;
    }
    return true;
}

static bool
f_vcpus(const struct sched_request *rq, const struct db_host *h, char *why, size_t size)
{
    long free_cpus = sched_free_vcpus(rq, h);

    if (free_cpus < rq->vcpus) {
        snprintf(why, size, "not enough free vCPUs (needs %d, %ld free)", rq->vcpus, free_cpus);
        return false;
    }
    return true;
}

/* In order: the cheap identity checks first, then capacity. */
static const struct {
    const char *name;
    sched_filter_fn fn;
} sched_filters[] = {
    { "RequestedHost", f_requested }, { "NotSource", f_not_source },
    { "NotTried", f_not_tried },      { "ComputeUp", f_up },
    { "ComputeEnabled", f_enabled },  { "Hypervisor", f_hypervisor },
    { "Ram", f_ram },                 { "Vcpu", f_vcpus },
};

bool
sched_host_passes(const struct sched_request *rq, const struct db_host *h, char *why,
                  size_t why_size)
{
    for (size_t i = 0; i < ARRAY_SIZE(sched_filters); i++)
        if (!sched_filters[i].fn(rq, h, why, why_size))
            return false;
    return true;
}

int
sched_pick(const struct sched_request *rq, const struct db_host *hosts, int n, char *why,
           size_t why_size)
{
    int best = -1;
    long best_free = 0;
    size_t len = 0;

    why[0] = '\0';
    for (int i = 0; i < n; i++) {
        char reason[300];

        if (!sched_host_passes(rq, &hosts[i], reason, sizeof(reason))) {
            /* the source, hosts not asked for and hosts already tried (whose
             * own reasons the caller lists) are not worth a word here */
            if (strcmp(reason, "it is the source host") != 0 &&
                strcmp(reason, "not the requested host") != 0 &&
                strcmp(reason, "already tried") != 0 && len < why_size)
                len += (size_t)snprintf(why + len, why_size - len, "%s%s: %s",
                                        len ? "; " : "", hosts[i].host, reason);
            continue;
        }
        /* weigher: most free RAM; ties go to the fewest guests, then name order */
        if (best < 0 || sched_free_ram_mb(rq, &hosts[i]) > best_free ||
            (sched_free_ram_mb(rq, &hosts[i]) == best_free &&
             hosts[i].running_vms < hosts[best].running_vms)) {
            best = i;
            best_free = sched_free_ram_mb(rq, &hosts[i]);
        }
    }
    return best;
}

int
sched_check_forced(const struct sched_request *rq, const struct db_host *dest,
                   struct err *err)
{
    long free_mb;

    if (strcmp(dest->host, rq->source) == 0)
        return err_set(err, ERR_INVALID,
                       "Unable to migrate instance (%s) to current host (%s).",
                       rq->instance_uuid, rq->source);
    if (!dest->up)
        return err_set(err, ERR_INVALID,
                       "Compute service of %s is unavailable at this time.", dest->host);
    free_mb = sched_free_ram_mb(rq, dest);
    if (free_mb <= rq->memory_mb)
        return err_set(err, ERR_INVALID,
                       "Migration pre-check error: Unable to migrate %s to %s: Lack of "
                       "memory(host:%ld <= instance:%d)",
                       rq->instance_uuid, dest->host, free_mb, rq->memory_mb);
    if (strcmp(rq->hypervisor_type, dest->hypervisor_type) != 0)
        return err_set(err, ERR_INVALID,
                       "The supplied hypervisor type of is invalid.");
    if (dest->hypervisor_version < rq->hypervisor_version)
        return err_set(err, ERR_INVALID,
                       "The instance requires a newer hypervisor version than has been "
                       "provided.");
    return 0;
}
