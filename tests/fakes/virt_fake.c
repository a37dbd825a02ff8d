/* virt_fake.c - the in-memory hypervisor (see virt_fake.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auto.h"
#include "common/util.h"
#include "tests/fakes/virt_fake.h"

#define FAKE_MAX 32
#define FAKE_STEP_MS 10
#define FAKE_POSTCOPY_SWITCH_MS 7    /* source paused to destination resumed */

struct fake_host {
    char uri[128];
    char hostname[64];
    int memory_mb;
    int free_mb;
    char refuse_cpu[200];
    char last_cpu_xml[8192];        /* what compare_cpu was last given */
    char last_virt_type[16];        /* ... and for which virt type */
};

struct fake_dom {
    bool used;
    char uuid[UUID_STR_LEN];
    char name[64];
    char host[128];                 /* uri of the host running it */
    int power_state;
    int memory_mb;
    struct fake_model model;
    /* the migration job, if any */
    bool job;
    int64_t job_start_ms;
    int64_t processed, remaining, iteration;
    int max_downtime_ms;
    bool postcopy, abort;
    bool pc_failed;                 /* post-copy broke: paused (post-copy failed),
                                     * waiting for a resume */
    unsigned last_flags;
    int last_ac_initial, last_ac_increment;
    struct virt_job_stats completed;
    struct virt_lifecycle life;     /* as libvirt's events tell it (any host's) */
    bool has_disk;
    struct virt_disk disk;
    /* the two-step dirty-rate calculation (dirty_rate_start) */
    int calc_period;                /* 0: none started */
    int64_t calc_end_ms;            /* its result is in from then on */
    int64_t readings[8];            /* the next dirty-rate results, scripted */
    int nreadings;
    int reads;                      /* dirty-rate results given */
};

/* Injected failures: the next `times` calls of op on uri fail (after
 * delay_ms; with code ERR_NONE they only take that long; delay_ms -1:
 * until fake_release()). */
struct fake_fault {
    char uri[128];
    char op[32];
    int times;
    enum err_code code;
    int delay_ms;
};

struct virt {
    char uri[128];
};

static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fake_host hosts[FAKE_MAX];
static struct fake_dom doms[FAKE_MAX];
static struct fake_fault faults[8];
static pthread_cond_t fake_released = PTHREAD_COND_INITIALIZER;
static unsigned fake_release_gen;
static int calc_unread;             /* calculations started since a result was read */
static int calc_unread_max;         /* ... at most, since fake_reset */

static void fake_images_reset(void);

void
fake_reset(void)
{
    pthread_mutex_lock(&fake_lock);
    memset(hosts, 0, sizeof(hosts));
    memset(doms, 0, sizeof(doms));
    memset(faults, 0, sizeof(faults));
    fake_images_reset();
    calc_unread = calc_unread_max = 0;
    pthread_mutex_unlock(&fake_lock);
}

static struct fake_host *
fake_host(const char *uri)
{
    for (int i = 0; i < FAKE_MAX; i++)
        if (strcmp(hosts[i].uri, uri) == 0)
            return &hosts[i];
    for (int i = 0; i < FAKE_MAX; i++)
        if (!hosts[i].uri[0]) {
            strlcpy0(hosts[i].uri, uri, sizeof(hosts[i].uri));
            snprintf(hosts[i].hostname, sizeof(hosts[i].hostname), "%s",
                     strncmp(uri, "fake://", 7) == 0 ? uri + 7 : uri);
            hosts[i].memory_mb = 16384;
            hosts[i].free_mb = 16384;
            return &hosts[i];
        }
    abort();
}

static struct fake_dom *
fake_dom(const char *uuid)
{
    for (int i = 0; i < FAKE_MAX; i++)
        if (doms[i].used && strcmp(doms[i].uuid, uuid) == 0)
            return &doms[i];
    return NULL;
}

void
fake_host_set(const char *uri, const char *hostname, int memory_mb, int free_mb)
{
    struct fake_host *h;

    pthread_mutex_lock(&fake_lock);
    h = fake_host(uri);
    strlcpy0(h->hostname, hostname, sizeof(h->hostname));
    h->memory_mb = memory_mb;
    h->free_mb = free_mb;
    pthread_mutex_unlock(&fake_lock);
}

void
fake_host_refuse_cpu(const char *uri, const char *reason)
{
    pthread_mutex_lock(&fake_lock);
    strlcpy0(fake_host(uri)->refuse_cpu, reason ? reason : "", sizeof(hosts[0].refuse_cpu));
    pthread_mutex_unlock(&fake_lock);
}

void
fake_host_last_cpu_xml(const char *uri, char *out, size_t size)
{
    fake_host_last_cpu(uri, out, size, NULL, 0);
}

void
fake_host_last_cpu(const char *uri, char *xml, size_t xml_size, char *virt_type,
                   size_t virt_type_size)
{
    pthread_mutex_lock(&fake_lock);
    strlcpy0(xml, fake_host(uri)->last_cpu_xml, xml_size);
    if (virt_type)
        strlcpy0(virt_type, fake_host(uri)->last_virt_type, virt_type_size);
    fake_host(uri)->last_cpu_xml[0] = '\0';
    fake_host(uri)->last_virt_type[0] = '\0';
    pthread_mutex_unlock(&fake_lock);
}

void
fake_add_domain(const char *uri, const char *uuid, const char *name, int memory_mb,
                const struct fake_model *model)
{
    pthread_mutex_lock(&fake_lock);
    fake_host(uri);
    for (int i = 0; i < FAKE_MAX; i++)
        if (!doms[i].used) {
            memset(&doms[i], 0, sizeof(doms[i]));
            doms[i].used = true;
            strlcpy0(doms[i].uuid, uuid, sizeof(doms[i].uuid));
            strlcpy0(doms[i].name, name, sizeof(doms[i].name));
            strlcpy0(doms[i].host, uri, sizeof(doms[i].host));
            doms[i].power_state = 1;
            doms[i].memory_mb = memory_mb;
            doms[i].model = *model;
            doms[i].max_downtime_ms = 300;      /* QEMU's default */
            break;
        }
    pthread_mutex_unlock(&fake_lock);
}

const char *
fake_where(const char *uuid)
{
    static char where[128];
    struct fake_dom *d;

    pthread_mutex_lock(&fake_lock);
    d = fake_dom(uuid);
    strlcpy0(where, d ? d->host : "", sizeof(where));
    pthread_mutex_unlock(&fake_lock);
    return where[0] ? where : NULL;
}

int
fake_power_state(const char *uuid)
{
    struct fake_dom *d;
    int ps;

    pthread_mutex_lock(&fake_lock);
    d = fake_dom(uuid);
    ps = d ? d->power_state : -1;
    pthread_mutex_unlock(&fake_lock);
    return ps;
}

int
fake_max_downtime(const char *uuid)
{
    struct fake_dom *d;
    int ms;

    pthread_mutex_lock(&fake_lock);
    d = fake_dom(uuid);
    ms = d ? d->max_downtime_ms : 0;
    pthread_mutex_unlock(&fake_lock);
    return ms;
}

/* Arm the first free injection slot. */
static void
fake_inject(const char *uri, const char *op, int times, enum err_code code, int delay_ms)
{
    pthread_mutex_lock(&fake_lock);
    for (size_t i = 0; i < ARRAY_SIZE(faults); i++)
        if (faults[i].times == 0) {
            strlcpy0(faults[i].uri, uri, sizeof(faults[i].uri));
            strlcpy0(faults[i].op, op, sizeof(faults[i].op));
            faults[i].times = times;
            faults[i].code = code;
            faults[i].delay_ms = delay_ms;
            break;
        }
    pthread_mutex_unlock(&fake_lock);
}

void
fake_fail_next(const char *uri, const char *op, int times, enum err_code code)
{
    fake_inject(uri, op, times, code, 0);
}

void
fake_delay_next(const char *uri, const char *op, int ms)
{
    fake_inject(uri, op, 1, ERR_NONE, ms);
}

void
fake_hold_next(const char *uri, const char *op)
{
    fake_inject(uri, op, 1, ERR_NONE, -1);
}

void
fake_release(void)
{
    pthread_mutex_lock(&fake_lock);
    fake_release_gen++;
    pthread_cond_broadcast(&fake_released);
    pthread_mutex_unlock(&fake_lock);
}

/* Is a failure of op injected for this connection?  (-1 and *err if so) */
static int
fake_faulted(struct virt *v, const char *op, struct err *err)
{
    enum err_code code = ERR_NONE;
    int delay_ms = 0;

    pthread_mutex_lock(&fake_lock);
    for (size_t i = 0; i < ARRAY_SIZE(faults); i++)
        if (faults[i].times > 0 && strcmp(faults[i].uri, v->uri) == 0 &&
            strcmp(faults[i].op, op) == 0) {
            faults[i].times--;
            code = faults[i].code;
            delay_ms = faults[i].delay_ms;
            break;
        }
    if (delay_ms < 0) {             /* held until the test lets it go */
        unsigned gen = fake_release_gen;

        while (gen == fake_release_gen)
            pthread_cond_wait(&fake_released, &fake_lock);
        delay_ms = 0;
    }
    pthread_mutex_unlock(&fake_lock);
    if (delay_ms)
        sleep_ms(delay_ms);
    if (code == ERR_NONE)
        return 0;
    return err_set(err, code, "fake: %s failed on %s (injected)", op, v->uri);
}

unsigned
fake_last_flags(const char *uuid)
{
    struct fake_dom *d;
    unsigned f;

    pthread_mutex_lock(&fake_lock);
    d = fake_dom(uuid);
    f = d ? d->last_flags : 0;
    pthread_mutex_unlock(&fake_lock);
    return f;
}

void
fake_last_auto_converge(const char *uuid, int *initial, int *increment)
{
    struct fake_dom *d;

    pthread_mutex_lock(&fake_lock);
    d = fake_dom(uuid);
    *initial = d ? d->last_ac_initial : 0;
    *increment = d ? d->last_ac_increment : 0;
    pthread_mutex_unlock(&fake_lock);
}

void
fake_set_disk(const char *uuid, const struct virt_disk *disk)
{
    struct fake_dom *d;

    pthread_mutex_lock(&fake_lock);
    if ((d = fake_dom(uuid)) != NULL) {
        d->has_disk = true;
        d->disk = *disk;
    }
    pthread_mutex_unlock(&fake_lock);
}

/* ---- the driver ------------------------------------------------------------------ */

static int
f_open(const char *uri, struct virt **out, struct err *err)
{
    struct virt *v = calloc(1, sizeof(*v));

    if (!v)
        return err_set(err, ERR_INTERNAL, "out of memory");
    strlcpy0(v->uri, uri, sizeof(v->uri));
    pthread_mutex_lock(&fake_lock);
    fake_host(uri);
    pthread_mutex_unlock(&fake_lock);
    *out = v;
    return 0;
}

static void
f_close(struct virt *v)
{
    free(v);
}

static int
f_host_info(struct virt *v, struct virt_host_info *out, struct err *err)
{
    struct fake_host *h;

    (void)err;
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&fake_lock);
    h = fake_host(v->uri);
    strlcpy0(out->hostname, h->hostname, sizeof(out->hostname));
    out->memory_mb = h->memory_mb;
    out->free_memory_mb = h->free_mb;
    pthread_mutex_unlock(&fake_lock);
    out->vcpus = 4;
    strlcpy0(out->hypervisor_type, "QEMU", sizeof(out->hypervisor_type));
    out->hypervisor_version = 7002022;
    out->libvirt_version = 9000000;
    strlcpy0(out->cpu_arch, "x86_64", sizeof(out->cpu_arch));
    strlcpy0(out->cpu_model, "fake", sizeof(out->cpu_model));
    strlcpy0(out->cpu_features, "sse2", sizeof(out->cpu_features));
    strlcpy0(out->cpu_info, "{\"arch\": \"x86_64\", \"model\": \"fake\"}",
             sizeof(out->cpu_info));
    return 0;
}

static void
fake_fill(const struct fake_dom *d, struct virt_domain *out)
{
    memset(out, 0, sizeof(*out));
    strlcpy0(out->uuid, d->uuid, sizeof(out->uuid));
    strlcpy0(out->name, d->name, sizeof(out->name));
    out->power_state = d->power_state;
    out->postcopy_failed = d->pc_failed;
    out->persistent = true;
    out->memory_mb = d->memory_mb;
    out->vcpus = 1;
}

static int
f_list_domains(struct virt *v, struct virt_domain **out, int *n, struct err *err)
{
    struct virt_domain *list = calloc(FAKE_MAX, sizeof(*list));

    if (!list)
        return err_set(err, ERR_INTERNAL, "out of memory");
    *n = 0;
    pthread_mutex_lock(&fake_lock);
    for (int i = 0; i < FAKE_MAX; i++)
        if (doms[i].used && strcmp(doms[i].host, v->uri) == 0)
            fake_fill(&doms[i], &list[(*n)++]);
    pthread_mutex_unlock(&fake_lock);
    *out = list;
    return 0;
}

static int
f_domain_get(struct virt *v, const char *uuid, struct virt_domain *out, struct err *err)
{
    struct fake_dom *d;
    int rc = 0;

    if (fake_faulted(v, "domain_get", err) < 0)
        return -1;
    pthread_mutex_lock(&fake_lock);
    d = fake_dom(uuid);
    if (d && strcmp(d->host, v->uri) == 0)
        fake_fill(d, out);
    else
        rc = err_set(err, ERR_NOT_FOUND, "domain %s not found", uuid);
    pthread_mutex_unlock(&fake_lock);
    return rc;
}

static int
f_domain_exists(struct virt *v, const char *uuid, const char *name, bool *exists,
                struct err *err)
{
    *exists = false;
    if (fake_faulted(v, "domain_exists", err) < 0)
        return -1;
    pthread_mutex_lock(&fake_lock);
    for (int i = 0; i < FAKE_MAX; i++)
        if (doms[i].used && strcmp(doms[i].host, v->uri) == 0 &&
            (strcmp(doms[i].uuid, uuid) == 0 || strcmp(doms[i].name, name) == 0))
            *exists = true;
    pthread_mutex_unlock(&fake_lock);
    return 0;
}

static int
f_compare_cpu(struct virt *v, const char *virt_type, const char *cpu_xml, bool *ok, char *why,
              size_t size, struct err *err)
{
    (void)err;
    pthread_mutex_lock(&fake_lock);
    strlcpy0(fake_host(v->uri)->last_cpu_xml, cpu_xml, sizeof(hosts[0].last_cpu_xml));
    strlcpy0(fake_host(v->uri)->last_virt_type, virt_type, sizeof(hosts[0].last_virt_type));
    *ok = !fake_host(v->uri)->refuse_cpu[0];
    snprintf(why, size, "%s", fake_host(v->uri)->refuse_cpu);
    pthread_mutex_unlock(&fake_lock);
    return 0;
}

static int
f_guest_cpu_features(struct virt *v, const char *virt_type, char *out, size_t size,
                     struct err *err)
{
    (void)v;
    (void)virt_type;
    (void)err;
    snprintf(out, size, "sse2,hypervisor");
    return 0;
}

/* The destination host of a migration: "fake://b" in the dest URI. */
static const char *
fake_dest(const char *dest_uri)
{
    const char *p = strstr(dest_uri, "fake://");

    return p ? p : dest_uri;
}

/* One step of the pre-copy model; true when the job is over (*rc set). */
static bool
fake_step(struct fake_dom *d, const struct virt_mig_params *p, int *rc, struct err *err)
{
    int64_t bw = p->bandwidth_mib ? (int64_t)p->bandwidth_mib << 20 : d->model.bw_bytes_s;
    int64_t moved = bw * FAKE_STEP_MS / 1000;
    int64_t dirtied = d->power_state == 1 ? d->model.dirty_bytes_s * FAKE_STEP_MS / 1000 : 0;
    int64_t floor = d->power_state == 1 ? d->model.wss_bytes : 0;
    int pct;

    if (d->abort) {
        *rc = err_set(err, ERR_CONFLICT,
                      "operation aborted: job 'migration out' canceled by client");
        return true;
    }
    if (d->postcopy) {
        moved *= 8;             /* post-copy: each page once, no re-sends */
        dirtied = 0;
        floor = 0;
    }
    d->processed += moved;
    d->remaining = d->remaining - moved + dirtied;
    if (d->remaining < floor)
        d->remaining = floor;
    if (d->remaining <= 0 || d->processed >= d->model.mem_bytes * (d->iteration + 1))
        d->iteration++;
    pct = (int)(100 - d->remaining * 100 / (d->model.mem_bytes ? d->model.mem_bytes : 1));
    if (d->model.fail_at_pct > 0 && pct >= d->model.fail_at_pct) {
        *rc = err_set(err, ERR_INTERNAL, "fake: the migration stream broke at %d%%", pct);
        return true;
    }
    if (d->remaining <= 0 || (d->postcopy && d->remaining <= moved) ||
        d->remaining * 1000 / (bw ? bw : 1) <= d->max_downtime_ms) {
        *rc = 0;
        return true;
    }
    return false;
}

static int
f_migrate(struct virt *v, const struct virt_mig_params *p, struct err *err)
{
    struct fake_dom *d;
    int rc = 0;

    pthread_mutex_lock(&fake_lock);
    d = fake_dom(p->uuid);
    if (!d || strcmp(d->host, v->uri) != 0) {
        pthread_mutex_unlock(&fake_lock);
        return err_set(err, ERR_NOT_FOUND, "domain %s not found", p->uuid);
    }
    fake_host(fake_dest(p->dest_uri));
    if (p->flags & VIRT_MIG_POSTCOPY_RESUME) {
        /* a resume: of a broken post-copy only; it picks up where it broke
         * (the link is back: it breaks no more), or fails as injected */
        pthread_mutex_unlock(&fake_lock);
        if (fake_faulted(v, "resume_postcopy", err) < 0)
            return -1;
        pthread_mutex_lock(&fake_lock);
        if (!d->pc_failed) {
            pthread_mutex_unlock(&fake_lock);
            return err_set(err, ERR_INVALID, "post-copy migration of domain %s has not "
                           "failed", p->uuid);
        }
        d->pc_failed = false;
        d->model.fail_at_pct = 0;
        d->power_state = 1;
        d->job = true;
    } else {
        d->job = true;
        d->job_start_ms = now_ms();
        d->processed = 0;
        d->remaining = d->model.mem_bytes;
        d->iteration = 0;
        d->abort = false;
        d->postcopy = false;
    }
    d->last_flags = p->flags;
    d->last_ac_initial = p->auto_converge_initial;
    d->last_ac_increment = p->auto_converge_increment;
    pthread_mutex_unlock(&fake_lock);
    for (;;) {
        bool over;

        sleep_ms(FAKE_STEP_MS);
        pthread_mutex_lock(&fake_lock);
        over = fake_step(d, p, &rc, err);
        if (over) {
            d->job = false;
            memset(&d->completed, 0, sizeof(d->completed));
            d->completed.type = rc == 0 ? VIRT_JOB_COMPLETED : VIRT_JOB_FAILED;
            d->completed.time_elapsed_ms = now_ms() - d->job_start_ms;
            d->completed.downtime_ms = d->postcopy ? 5 : d->max_downtime_ms / 2;
            if (rc == 0) {
                int64_t t = wall_us() / 1000;

                strlcpy0(d->host, fake_dest(p->dest_uri), sizeof(d->host));
                /* stop-and-copy: paused on the source (unless it already
                 * was, or post-copy ran it there), resumed here */
                if (!d->postcopy && d->power_state == 1)
                    d->life.suspended_ms = t - d->completed.downtime_ms;
                if (!d->postcopy)
                    d->life.resumed_ms = t;
                d->power_state = 1;
            } else if (d->postcopy) {
                d->power_state = 3;     /* paused (post-copy failed) on both */
                d->pc_failed = true;
            }
        }
        pthread_mutex_unlock(&fake_lock);
        if (over)
            return rc;
    }
}

static int
f_job_stats(struct virt *v, const char *uuid, bool completed, struct virt_job_stats *out,
            struct err *err)
{
    struct fake_dom *d;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&fake_lock);
    d = fake_dom(uuid);
    if (!d || strcmp(d->host, v->uri) != 0) {
        rc = err_set(err, ERR_NOT_FOUND, "domain %s not found", uuid);
    } else if (completed) {
        *out = d->completed;
    } else if (d->job && now_ms() - d->job_start_ms >= d->model.start_delay_ms) {
        out->type = VIRT_JOB_UNBOUNDED;
        out->time_elapsed_ms = now_ms() - d->job_start_ms;
        out->mem_total = d->model.mem_bytes;
        out->mem_processed = d->processed;
        out->mem_remaining = d->remaining;
        out->data_total = out->mem_total;
        out->data_processed = d->processed;
        out->data_remaining = d->remaining;
        out->mem_bps = d->model.bw_bytes_s;
        out->mem_dirty_rate = d->model.dirty_bytes_s;
        out->mem_iteration = d->iteration;
    }
    pthread_mutex_unlock(&fake_lock);
    return rc;
}

enum fake_op { OP_DOWNTIME, OP_SPEED, OP_POSTCOPY, OP_ABORT, OP_PAUSE_POSTCOPY, OP_SUSPEND,
               OP_RESUME };

/* Apply op to the domain; the job operations need a running job (else
 * ERR_CONFLICT, as libvirt's "no job is active"). */
static int
fake_job_op(struct virt *v, const char *uuid, const char *what, enum fake_op op, uint64_t arg,
            struct err *err)
{
    struct fake_dom *d;
    int rc = 0;

    if (fake_faulted(v, what, err) < 0)
        return -1;
    pthread_mutex_lock(&fake_lock);
    d = fake_dom(uuid);
    if (!d || strcmp(d->host, v->uri) != 0)
        rc = err_set(err, ERR_NOT_FOUND, "domain %s not found", uuid);
    else if (op != OP_SUSPEND && op != OP_RESUME && !d->job)
        rc = err_set(err, ERR_CONFLICT, "%s: no job is active on the domain", what);
    else if (op == OP_DOWNTIME)
        d->max_downtime_ms = (int)arg;
    else if (op == OP_POSTCOPY) {
        /* the source pauses, the destination resumes a moment later */
        d->postcopy = true;
        d->life.suspended_ms = wall_us() / 1000;
        d->life.resumed_ms = d->life.suspended_ms + FAKE_POSTCOPY_SWITCH_MS;
    }
    else if (op == OP_ABORT)
        d->abort = true;
    else if (op == OP_PAUSE_POSTCOPY && !d->postcopy)
        rc = err_set(err, ERR_CONFLICT, "current job is not outgoing migration in post-copy "
                     "mode");
    else if (op == OP_PAUSE_POSTCOPY)
        d->model.fail_at_pct = 1;   /* the job breaks at its next step */
    else if (op == OP_SUSPEND) {
        d->power_state = 3;
        d->life.suspended_ms = wall_us() / 1000;
    } else if (op == OP_RESUME) {
        d->power_state = 1;
        d->life.resumed_ms = wall_us() / 1000;
    }
    pthread_mutex_unlock(&fake_lock);
    return rc;
}

static int
f_set_max_downtime(struct virt *v, const char *uuid, uint64_t ms, struct err *err)
{
    return fake_job_op(v, uuid, "set max downtime", OP_DOWNTIME, ms, err);
}

static int
f_set_max_speed(struct virt *v, const char *uuid, uint64_t mib_s, struct err *err)
{
    return fake_job_op(v, uuid, "set max speed", OP_SPEED, mib_s, err);
}

static int
f_start_postcopy(struct virt *v, const char *uuid, struct err *err)
{
    return fake_job_op(v, uuid, "start post-copy", OP_POSTCOPY, 0, err);
}

static int
f_abort_job(struct virt *v, const char *uuid, struct err *err)
{
    return fake_job_op(v, uuid, "abort", OP_ABORT, 0, err);
}

static int
f_pause_postcopy(struct virt *v, const char *uuid, struct err *err)
{
    return fake_job_op(v, uuid, "pause_postcopy", OP_PAUSE_POSTCOPY, 0, err);
}

static int
f_suspend(struct virt *v, const char *uuid, struct err *err)
{
    return fake_job_op(v, uuid, "suspend", OP_SUSPEND, 0, err);
}

static int
f_resume(struct virt *v, const char *uuid, struct err *err)
{
    return fake_job_op(v, uuid, "resume", OP_RESUME, 0, err);
}

static int
f_lifecycle(struct virt *v, const char *uuid, struct virt_lifecycle *out, struct err *err)
{
    struct fake_dom *d;

    (void)v;
    (void)err;
    pthread_mutex_lock(&fake_lock);
    d = fake_dom(uuid);
    if (d)
        *out = d->life;
    else
        memset(out, 0, sizeof(*out));
    pthread_mutex_unlock(&fake_lock);
    return 0;
}

/* The model's dirty rate as libvirt's page sampling sees it: distinct
 * pages, so no more than the working set per period; 0 while not running;
 * a scripted reading first, if any (fake_lock held). */
static void
fake_rate(struct fake_dom *d, int seconds, struct virt_dirty_rate *out)
{
    int64_t rate = d->power_state == 1 ? d->model.dirty_bytes_s : 0;
    int64_t bound = d->model.wss_bytes / seconds;

    out->bytes_per_s = d->model.wss_bytes > 0 && rate > bound ? bound : rate;
    if (d->nreadings > 0) {
        out->bytes_per_s = d->readings[0];
        memmove(d->readings, d->readings + 1, (size_t)--d->nreadings * sizeof(d->readings[0]));
    }
    out->period_s = seconds;
    out->start_time_s = now_ms() / 1000;
    d->reads++;
}

void
fake_dirty_readings(const char *uuid, const int64_t *bps, int n)
{
    struct fake_dom *d;

    pthread_mutex_lock(&fake_lock);
    if ((d = fake_dom(uuid))) {
        d->nreadings = n < 8 ? n : 8;
        memcpy(d->readings, bps, (size_t)d->nreadings * sizeof(*bps));
    }
    pthread_mutex_unlock(&fake_lock);
}

int
fake_dirty_reads(const char *uuid)
{
    struct fake_dom *d;
    int n = 0;

    pthread_mutex_lock(&fake_lock);
    if ((d = fake_dom(uuid)))
        n = d->reads;
    pthread_mutex_unlock(&fake_lock);
    return n;
}

static int
f_dirty_rate(struct virt *v, const char *uuid, int seconds, struct virt_dirty_rate *out,
             struct err *err)
{
    struct fake_dom *d;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (seconds < 1 || seconds > 60)
        return err_set(err, ERR_INVALID, "dirty rate period %d s: 1 to 60", seconds);
    if (fake_faulted(v, "dirty_rate", err) < 0)
        return -1;
    pthread_mutex_lock(&fake_lock);
    d = fake_dom(uuid);
    if (!d || strcmp(d->host, v->uri) != 0) {
        rc = err_set(err, ERR_NOT_FOUND, "domain %s not found", uuid);
    } else {
        fake_rate(d, seconds, out);
    }
    pthread_mutex_unlock(&fake_lock);
    return rc;
}

/* As libvirt's page sampling in two steps: the calculation ends its
 * period after its start, with f_dirty_rate's result. */
static int
f_dirty_rate_start(struct virt *v, const char *uuid, int seconds, struct err *err)
{
    struct fake_dom *d;
    int64_t now = now_ms();
    int rc = 0;

    if (seconds < 1 || seconds > 60)
        return err_set(err, ERR_INVALID, "dirty rate period %d s: 1 to 60", seconds);
    if (fake_faulted(v, "dirty_rate_start", err) < 0)
        return -1;
    pthread_mutex_lock(&fake_lock);
    d = fake_dom(uuid);
    if (!d || strcmp(d->host, v->uri) != 0) {
        rc = err_set(err, ERR_NOT_FOUND, "domain %s not found", uuid);
    } else if (d->calc_period && now < d->calc_end_ms && d->calc_period != seconds) {
        rc = err_set(err, ERR_CONFLICT, "dirty rate of %s: a calculation over another "
                     "period is running", uuid);
    } else if (!d->calc_period || now >= d->calc_end_ms) {
        d->calc_period = seconds;
        d->calc_end_ms = now + seconds * 1000LL;
    }
    if (rc == 0 && ++calc_unread > calc_unread_max)
        calc_unread_max = calc_unread;
    pthread_mutex_unlock(&fake_lock);
    return rc;
}

static int
f_dirty_rate_result(struct virt *v, const char *uuid, int seconds, struct virt_dirty_rate *out,
                    struct err *err)
{
    struct fake_dom *d;
    bool in;

    memset(out, 0, sizeof(*out));
    if (fake_faulted(v, "dirty_rate_result", err) < 0)
        return -1;
    pthread_mutex_lock(&fake_lock);
    d = fake_dom(uuid);
    if (d && strcmp(d->host, v->uri) != 0)
        d = NULL;
    in = d && d->calc_period == seconds && now_ms() >= d->calc_end_ms;
    if (in)
        fake_rate(d, seconds, out);
    calc_unread = 0;
    pthread_mutex_unlock(&fake_lock);
    if (!d)
        return err_set(err, ERR_NOT_FOUND, "domain %s not found", uuid);
    return in;
}

int
fake_dirty_rate_started_unread(void)
{
    int n;

    pthread_mutex_lock(&fake_lock);
    n = calc_unread_max;
    pthread_mutex_unlock(&fake_lock);
    return n;
}

static int
f_local_disks(struct virt *v, const char *uuid, struct virt_disk *out, int max, int *n,
              struct err *err)
{
    struct fake_dom *d;
    int rc = 0;

    *n = 0;
    pthread_mutex_lock(&fake_lock);
    d = fake_dom(uuid);
    if (!d || strcmp(d->host, v->uri) != 0)
        rc = err_set(err, ERR_NOT_FOUND, "domain %s not found", uuid);
    else if (d->has_disk && max > 0)
        out[(*n)++] = d->disk;
    pthread_mutex_unlock(&fake_lock);
    return rc;
}

/* Images: "URI PATH" entries; a path on shared storage is seen by all. */
#define FAKE_MAX_IMAGES 64
static char images[FAKE_MAX_IMAGES][700];
static char image_formats[FAKE_MAX_IMAGES][16];
static bool fake_shared;
static int images_created;

static void
fake_images_reset(void)
{
    memset(images, 0, sizeof(images));
    fake_shared = false;
    images_created = 0;
}

void
fake_set_shared_storage(bool shared)
{
    fake_shared = shared;
}

static int
fake_image_find(struct virt *v, const char *path)
{
    for (int i = 0; i < FAKE_MAX_IMAGES; i++) {
        const char *sp = strchr(images[i], ' ');

        if (images[i][0] && sp && strcmp(sp + 1, path) == 0 &&
            (fake_shared || strncmp(images[i], v->uri, (size_t)(sp - images[i])) == 0))
            return i;
    }
    return -1;
}

int
fake_images_created(void)
{
    int n;

    pthread_mutex_lock(&fake_lock);
    n = images_created;
    pthread_mutex_unlock(&fake_lock);
    return n;
}

void
fake_image_format(const char *uri, const char *path, char *out, size_t size)
{
    struct virt v;

    strlcpy0(v.uri, uri, sizeof(v.uri));
    pthread_mutex_lock(&fake_lock);
    int i = fake_image_find(&v, path);
    strlcpy0(out, i >= 0 ? image_formats[i] : "", size);
    pthread_mutex_unlock(&fake_lock);
}

static int
f_create_image(struct virt *v, const char *path, const char *format, uint64_t size,
               struct err *err)
{
    int rc = 0;

    (void)size;
    if (fake_faulted(v, "create_image", err) < 0)
        return -1;
    pthread_mutex_lock(&fake_lock);
    if (fake_image_find(v, path) >= 0) {
        rc = err_set(err, ERR_CONFLICT, "image %s exists", path);
    } else {
        for (int i = 0; i < FAKE_MAX_IMAGES; i++)
            if (!images[i][0]) {
                images_created++;
                snprintf(images[i], sizeof(images[i]), "%s %s", v->uri, path);
                strlcpy0(image_formats[i], format, sizeof(image_formats[i]));
                break;
            }
    }
    pthread_mutex_unlock(&fake_lock);
    return rc;
}

static int
f_image_exists(struct virt *v, const char *path, bool *exists, struct err *err)
{
    (void)err;
    pthread_mutex_lock(&fake_lock);
    *exists = fake_image_find(v, path) >= 0;
    pthread_mutex_unlock(&fake_lock);
    return 0;
}

static int
f_delete_image(struct virt *v, const char *path, struct err *err)
{
    int i;

    (void)err;
    pthread_mutex_lock(&fake_lock);
    if ((i = fake_image_find(v, path)) >= 0)
        images[i][0] = '\0';
    pthread_mutex_unlock(&fake_lock);
    return 0;
}

const struct virt_driver virt_fake = {
    .name = "fake",
    .open = f_open,
    .close = f_close,
    .host_info = f_host_info,
    .list_domains = f_list_domains,
    .domain_get = f_domain_get,
    .domain_exists = f_domain_exists,
    .compare_cpu = f_compare_cpu,
    .guest_cpu_features = f_guest_cpu_features,
    .lifecycle = f_lifecycle,
    .dirty_rate = f_dirty_rate,
    .dirty_rate_start = f_dirty_rate_start,
    .dirty_rate_result = f_dirty_rate_result,
    .dirty_rate_step = 0,           /* the model's rate, exact */
    .migrate = f_migrate,
    .job_stats = f_job_stats,
    .set_max_downtime = f_set_max_downtime,
    .set_max_speed = f_set_max_speed,
    .start_postcopy = f_start_postcopy,
    .abort_job = f_abort_job,
    .pause_postcopy = f_pause_postcopy,
    .suspend = f_suspend,
    .resume = f_resume,
    .local_disks = f_local_disks,
    .create_image = f_create_image,
    .image_exists = f_image_exists,
    .delete_image = f_delete_image,
};
