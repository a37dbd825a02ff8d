/* rates.c - every running guest's dirty rate, measured in the background
 * and recorded on its instance (instances.dirty_rate_*), so that a
 * migration's ferry forecast starts from one measured moments ago instead
 * of measuring for PF_DIRTY_PERIOD_S first (steer_ferry.c): on a guest that
 * converges alone, that second is a third of a small migration's time.
 *
 * Its own thread, libvirt connection and database connection, so that a
 * slow measure holds up neither the service loop nor a migration.  A round
 * every [ferry] dirty_rate_interval seconds measures the guests one after
 * another (libvirt's page sampling over PF_DIRTY_PERIOD_S: 512 pages a GiB
 * hashed at the start and the end, nothing the guest notices).  A domain
 * that is not running, or is in a libvirt job (a migration, in or out), is
 * skipped: libvirt would hold the measure behind the job. */
#include <pthread.h>
#include <stdlib.h>

#include "common/auto.h"
#include "common/log.h"
#include "common/nova.h"
#include "common/util.h"
#include "compute/compute.h"
#include "compute/policy_ferry.h"
#include "db/db_instance.h"

struct rates {
    struct compute *c;
    pthread_t thread;
};

/* Measure one domain and record it; false when it was skipped. */
static bool
rates_one(struct compute *c, struct db *db, struct virt *v, const struct virt_domain *d)
{
    struct virt_job_stats js;
    struct virt_dirty_rate dr;
    struct err err = ERR_INIT;

    if (d->incoming || d->unreadable || d->power_state != POWER_RUNNING)
        return false;
    if (c->drv->job_stats(v, d->uuid, false, &js, &err) < 0 || js.type != VIRT_JOB_NONE)
        return false;
    if (c->drv->dirty_rate(v, d->uuid, PF_DIRTY_PERIOD_S, &dr, &err) < 0) {
        log_debug("dirty rate not measured instance=%s: %s", d->uuid, err.msg);
        return false;
    }
    if (db_instance_set_dirty_rate(db, d->uuid, dr.bytes_per_s,
                                   dr.period_s > 0 ? dr.period_s : PF_DIRTY_PERIOD_S,
                                   &err) < 0) {
        log_warnx("dirty rate not recorded instance=%s: %s", d->uuid, err.msg);
        return false;
    }
    return true;
}

int
rates_round(struct compute *c, struct db *db, struct virt *v, struct err *err)
{
    AUTOFREE struct virt_domain *doms = NULL;
    int n, measured = 0;

    if (c->drv->list_domains(v, &doms, &n, err) < 0)
        return -1;
    for (int i = 0; i < n && !*c->stop; i++)
        measured += rates_one(c, db, v, &doms[i]);
    return measured;
}

static void *
rates_thread(void *arg)
{
    struct rates *r = arg;
    struct compute *c = r->c;
    struct db *db = db_new(c->cfg->db_connection, "ferry-compute-rates");
    struct virt *v = NULL;
    int64_t next = now_ms();

    while (!*c->stop) {
        struct err err = ERR_INIT;

        if (now_ms() < next) {
            sleep_ms(200);
            continue;
        }
        next = now_ms() + (int64_t)c->cfg->dirty_rate_interval * 1000;
        if (!v && c->drv->open(c->uri, &v, &err) < 0) {
            log_debug("dirty rates: no libvirt connection: %s", err.msg);
            continue;
        }
        if (rates_round(c, db, v, &err) < 0) {
            log_debug("dirty rates: round failed: %s", err.msg);
            if (err.code == ERR_UNAVAILABLE) {
                c->drv->close(v);
                v = NULL;
            }
        }
    }
    if (v)
        c->drv->close(v);
    db_free(db);
    return NULL;
}

struct rates *
rates_start(struct compute *c)
{
    struct rates *r;

    if (c->cfg->dirty_rate_interval <= 0)
        return NULL;
    if (!(r = calloc(1, sizeof(*r))))
        fatalx("out of memory");
    r->c = c;
    if (pthread_create(&r->thread, NULL, rates_thread, r) != 0)
        fatal("pthread_create");
    log_info("guests' dirty rates measured every %d s", c->cfg->dirty_rate_interval);
    return r;
}

void
rates_join(struct rates *r)
{
    if (!r)
        return;
    pthread_join(r->thread, NULL);
    free(r);
}
