/* sched.c - filters and weighers over compute hosts, as a table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auto.h"
#include "common/log.h"
#include "db/db_host.h"
#include "db/db_sched.h"
#include "scheduler/sched.h"

typedef bool (*sched_filter_fn)(const struct sched_request *rq, const struct db_host *h,
                                char *why, size_t size);

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
    long free_mb = h->free_memory_mb;

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
    long free_cpus = h->free_vcpus;

    if (free_cpus < rq->vcpus) {
        snprintf(why, size, "not enough free vCPUs (needs %d, %ld free)", rq->vcpus, free_cpus);
        return false;
    }
    return true;
}

static bool
f_disk(const struct sched_request *rq, const struct db_host *h, char *why, size_t size)
{
    long free_gb = h->free_disk_gb;

    /* a host that does not report its disk is not judged on it */
    if (rq->disk_gb > 0 && h->local_gb > 0 && free_gb < rq->disk_gb) {
        snprintf(why, size, "not enough free disk for a block migration (needs %d GB, %ld GB "
                 "free)", rq->disk_gb, free_gb);
        return false;
    }
    return true;
}

static bool
f_io_ops(const struct sched_request *rq, const struct db_host *h, char *why, size_t size)
{
    if (rq->max_io_ops > 0 && h->incoming_migrations >= rq->max_io_ops) {
        snprintf(why, size, "already receiving %d migrations (max_io_ops_per_host %d)",
                 h->incoming_migrations, rq->max_io_ops);
        return false;
    }
    return true;
}

/* Is name in the comma-separated list? */
static bool
sched_in_list(const char *list, const char *name)
{
    size_t n = strlen(name);

    for (const char *p = list; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);

        if (len == n && strncmp(p, name, n) == 0)
            return true;
        p = comma ? comma + 1 : NULL;
    }
    return false;
}

/* The fast CPU pre-filter: a KVM host must have every feature the guest's
 * CPU requires (the destination's libvirt comparison, in its host request,
 * is the final word; an emulated host provides features in software). */
static bool
f_cpu(const struct sched_request *rq, const struct db_host *h, char *why, size_t size)
{
    const struct db_cpu_features *f = rq->cpu_features;

    if (strcmp(h->virt_type, "kvm") != 0 || !h->cpu_features[0] || !f)
        return true;
    for (int i = 0; i < f->n; i++)
        if (!sched_in_list(h->cpu_features, f->name[i])) {
            snprintf(why, size, "its CPU (%s) lacks %s, which the guest's CPU requires",
                     h->cpu_model, f->name[i]);
            return false;
        }
    return true;
}

/* In order: the cheap identity checks first, then capacity.  The first
 * three only say which hosts are out of the question; their refusals are
 * not worth a word.  `few` names the others' refusals in a summary.  The
 * database's filters are the same, numbered the same (db_sched_refusals);
 * the CPU pre-filter is the one it leaves to C. */
#define SCHED_SILENT DB_STAGE_DOWN
static const struct {
    const char *name;
    sched_filter_fn fn;
    const char *few;
} sched_filters[] = {
    [DB_STAGE_REQUESTED] = { "RequestedHost", f_requested, NULL },
    [DB_STAGE_SOURCE] = { "NotSource", f_not_source, NULL },
    [DB_STAGE_TRIED] = { "NotTried", f_not_tried, NULL },
    [DB_STAGE_DOWN] = { "ComputeUp", f_up, "down" },
    [DB_STAGE_DISABLED] = { "ComputeEnabled", f_enabled, "disabled" },
    [DB_STAGE_HYPERVISOR] = { "Hypervisor", f_hypervisor, "another hypervisor or an older one" },
    [DB_STAGE_RAM] = { "Ram", f_ram, "not enough free RAM" },
    [DB_STAGE_VCPUS] = { "Vcpu", f_vcpus, "not enough free vCPUs" },
    [DB_STAGE_DISK] = { "Disk", f_disk, "not enough free disk" },
    [DB_STAGE_IO_OPS] = { "IoOps", f_io_ops, "too many incoming migrations" },
    [DB_STAGE_PASSES] = { "Cpu", f_cpu, "an incompatible CPU" },
};
_Static_assert(ARRAY_SIZE(sched_filters) == DB_STAGE_COUNT,
               "a filter for every stage the database knows, and the CPU's last");

/* The index of the first filter from `first` on that refuses h (its reason
 * in why), or -1. */
static int
sched_refusal_from(size_t first, const struct sched_request *rq, const struct db_host *h,
                   char *why, size_t why_size)
{
    for (size_t i = first; i < ARRAY_SIZE(sched_filters); i++)
        if (!sched_filters[i].fn(rq, h, why, why_size))
            return (int)i;
    return -1;
}

static int
sched_refusal(const struct sched_request *rq, const struct db_host *h, char *why,
              size_t why_size)
{
    return sched_refusal_from(0, rq, h, why, why_size);
}

bool
sched_host_passes(const struct sched_request *rq, const struct db_host *h, char *why,
                  size_t why_size)
{
    return sched_refusal(rq, h, why, why_size) < 0;
}

bool
sched_host_passes_rest(const struct sched_request *rq, const struct db_host *h, char *why,
                       size_t why_size)
{
    return sched_refusal_from(DB_STAGE_PASSES, rq, h, why, why_size) < 0;
}

/* Nova's weighers: each value normalised to 0..1 over the candidates
 * (0 when they are all equal), times its multiplier, summed.  The database
 * ranks the same way (db_sched.c); this is the reference it is tested
 * against. */
static double
sched_norm(long v, long lo, long hi)
{
    return hi > lo ? (double)(v - lo) / (double)(hi - lo) : 0.0;
}

struct sched_ranked {
    int index;
    double weight;                  /* passed: the weighers' sum */
    int filter;                     /* refused: by this filter */
    const char *host;
};

static int
sched_ranked_cmp(const void *a, const void *b)
{
    const struct sched_ranked *x = a, *y = b;

    if (x->weight != y->weight)
        return x->weight > y->weight ? -1 : 1;
    return strcmp(x->host, y->host);
}

/* Is a refusal by filter f worth a word?  Being the source is, for the
 * requested host: "No valid host" then says why that one was not taken
 * (one that refused its own check is named with its reason already). */
static bool
sched_worth_a_word(const struct sched_request *rq, int f)
{
    return f >= SCHED_SILENT || (rq->requested && f == DB_STAGE_SOURCE);
}

/* Hosts that came closest first: refused by a later filter. */
static int
sched_refused_cmp(const void *a, const void *b)
{
    const struct sched_ranked *x = a, *y = b;

    if (x->filter != y->filter)
        return y->filter - x->filter;
    return strcmp(x->host, y->host);
}

/* "a: why; b: why; and 9990 more: 9000 down, 990 disabled" into why: the
 * first SCHED_WHY_HOSTS of refused (sorted here, closest first) by name,
 * the others counted by filter, plus more[filter] hosts not in refused
 * (NULL: none). */
static void
sched_why(const struct sched_request *rq, const struct db_host *hosts,
          struct sched_ranked *refused, int nr, const int *more, char *why, size_t why_size)
{
    int count[ARRAY_SIZE(sched_filters)] = { 0 };
    int rest = 0;
    size_t len = 0;

#define WHY_ADD(...)                                                                   \
    (len += len < why_size ? (size_t)snprintf(why + len, why_size - len, __VA_ARGS__) : 0)
    why[0] = '\0';
    qsort(refused, (size_t)nr, sizeof(*refused), sched_refused_cmp);
    for (int k = 0; k < nr; k++) {
        char reason[300];

        if (k >= SCHED_WHY_HOSTS) {
            count[refused[k].filter]++;
            rest++;
            continue;
        }
        sched_filters[refused[k].filter].fn(rq, &hosts[refused[k].index], reason,
                                            sizeof(reason));
        WHY_ADD("%s%s: %s", k ? "; " : "", refused[k].host, reason);
    }
    for (int f = SCHED_SILENT; more && f < (int)ARRAY_SIZE(sched_filters); f++) {
        count[f] += more[f];
        rest += more[f];
    }
    if (rest) {
        bool first = true;

        WHY_ADD(len ? "; and %d more:" : "%d hosts:", rest);
        for (int f = (int)ARRAY_SIZE(sched_filters) - 1; f >= SCHED_SILENT; f--)
            if (count[f]) {
                WHY_ADD("%s %d %s", first ? "" : ",", count[f], sched_filters[f].few);
                first = false;
            }
    }
#undef WHY_ADD
}

bool
sched_explain(const struct sched_request *rq, const struct db_host *closest, int n,
              const int counts[DB_STAGE_COUNT], char *why, size_t why_size)
{
    struct sched_ranked *refused = calloc((size_t)(n ? n : 1), sizeof(*refused));
    int more[DB_STAGE_COUNT];
    int nr = 0;

    if (!refused)
        fatalx("out of memory");
    memcpy(more, counts, sizeof(more));
    for (int i = 0; i < n; i++) {
        char reason[300];
        int f = sched_refusal(rq, &closest[i], reason, sizeof(reason));

        if (f < 0) {                /* room appeared meanwhile: no better words */
            free(refused);
            why[0] = '\0';
            return false;
        }
        if (sched_worth_a_word(rq, f)) {
            refused[nr].index = i;
            refused[nr].filter = f;
            refused[nr++].host = closest[i].host;
        }
        /* judged here: no longer among those counted (the database counted
         * it under this same filter, in the same statement) */
        if (more[f] > 0)
            more[f]--;
    }
    sched_why(rq, closest, refused, nr, more, why, why_size);
    free(refused);
    return true;
}

int
sched_rank(const struct sched_request *rq, const struct db_host *hosts, int n, int *order,
           char *why, size_t why_size)
{
    struct sched_ranked *r = calloc((size_t)(n ? n : 1), sizeof(*r));
    struct sched_ranked *refused = calloc((size_t)(n ? n : 1), sizeof(*refused));
    long f0 = 0, f1 = 0, i0 = 0, i1 = 0;
    int m = 0, nr = 0;

    if (!r || !refused)
        fatalx("out of memory");
    for (int i = 0; i < n; i++) {
        char reason[300];
        int f = sched_refusal(rq, &hosts[i], reason, sizeof(reason));

        if (sched_worth_a_word(rq, f)) {
            refused[nr].index = i;
            refused[nr].filter = f;
            refused[nr++].host = hosts[i].host;
        }
        if (f >= 0)
            continue;
        if (m == 0 || hosts[i].free_memory_mb < f0)
            f0 = hosts[i].free_memory_mb;
        if (m == 0 || hosts[i].free_memory_mb > f1)
            f1 = hosts[i].free_memory_mb;
        if (m == 0 || hosts[i].incoming_migrations < i0)
            i0 = hosts[i].incoming_migrations;
        if (m == 0 || hosts[i].incoming_migrations > i1)
            i1 = hosts[i].incoming_migrations;
        r[m].index = i;
        r[m++].host = hosts[i].host;
    }
    if (why_size)
        sched_why(rq, hosts, refused, nr, NULL, why, why_size);
    for (int k = 0; k < m; k++) {
        const struct db_host *h = &hosts[r[k].index];

        r[k].weight = rq->ram_weight * sched_norm(h->free_memory_mb, f0, f1) +
                      rq->io_ops_weight * sched_norm(h->incoming_migrations, i0, i1);
    }
    qsort(r, (size_t)m, sizeof(*r), sched_ranked_cmp);
    for (int k = 0; k < m; k++)
        order[k] = r[k].index;
    free(r);
    free(refused);
    return m;
}

int
sched_pick(const struct sched_request *rq, const struct db_host *hosts, int n, char *why,
           size_t why_size)
{
    int *order = calloc((size_t)(n ? n : 1), sizeof(*order));
    int best;

    if (!order)
        fatalx("out of memory");
    best = sched_rank(rq, hosts, n, order, why, why_size) > 0 ? order[0] : -1;
    free(order);
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
    free_mb = dest->free_memory_mb;
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
