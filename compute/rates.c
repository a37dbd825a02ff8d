/* rates.c - every running guest's dirty rate, measured in the background
 * and recorded on its instance (instances.dirty_rate_*), so that a
 * migration's ferry forecast starts from one measured moments ago instead
 * of measuring for PF_DIRTY_PERIOD_S first (steer_ferry.c): on a guest that
 * converges alone, that second is a third of a small migration's time.
 *
 * Its own thread, libvirt connection and database connection, so that a
 * slow measure holds up neither the service loop nor a migration.  A round
 * every [ferry] dirty_rate_interval seconds starts every guest's measure
 * (libvirt's page sampling over PF_DIRTY_PERIOD_S, each in its guest's
 * QEMU: 512 pages a GiB hashed at the start and the end, nothing the guest
 * notices), then reads them all, so a round takes about a second however
 * many guests the host runs.  Each record says when its measure ended, not
 * when it was read.  A domain that is not running, whose instance has a
 * task (a migration asked for, queued or running) or another host, or that
 * is in a libvirt job, is skipped: libvirt would hold the measure behind
 * the job.  So is one measured by someone else over another period (virsh
 * domdirtyrate-calc) and one libvirt cannot measure; the thread stops only
 * when it can measure none.  A queued migration's guest is not measured
 * here: its forecast, at each retry, measures it itself unless the last
 * record, still recent enough, starts it.  */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

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

/* How long past PF_DIRTY_PERIOD_S a round waits for its results. */
#define RATES_SLACK_MS 5000

/* Start measuring one domain: 1 started, 0 skipped, -1 when the round
 * must end (*err: the database or libvirt is gone).  A domain libvirt
 * cannot measure (ERR_NOT_SUPPORTED) is skipped, its error kept in
 * *unsupported. */
static int
rates_start_one(struct compute *c, struct db *db, struct virt *v, const struct virt_domain *d,
                struct err *unsupported, struct err *err)
{
    struct db_instance inst;
    struct virt_job_stats js;
    struct err e = ERR_INIT;

    if (d->incoming || d->postcopy_failed || d->unreadable || d->power_state != POWER_RUNNING)
        return 0;
    /* a migration asked for (its task set at the request, before any job)
     * or running: libvirt would hold the measure behind its job */
    if (db_instance_get(db, d->uuid, NULL, &inst, &e) < 0)
        goto failed;
    if (inst.task_state[0] || strcmp(inst.host, c->host) != 0)
        return 0;
    if (c->drv->job_stats(v, d->uuid, false, &js, &e) < 0)
        goto failed;
    if (js.type != VIRT_JOB_NONE)
        return 0;
    if (c->drv->dirty_rate_start(v, d->uuid, PF_DIRTY_PERIOD_S, &e) < 0)
        goto failed;
    return 1;
failed:
    if (e.code == ERR_UNAVAILABLE) {
        *err = e;
        return -1;
    }
    /* gone meanwhile, or this one cannot be measured (now): the next */
    if (e.code == ERR_NOT_SUPPORTED)
        *unsupported = e;
    log_debug("dirty rate not measured instance=%s: %s", d->uuid, e.msg);
    return 0;
}

/* Read the measure started at started_ms and, once in, record it as
 * ending when it did: 1 done with (recorded, or not to be: logged), 0 not
 * in yet and until not passed, -1 when the round must end (*err). */
static int
rates_read_one(struct compute *c, struct db *db, struct virt *v, const char *uuid,
               int64_t started_ms, int64_t until, int *measured, struct err *err)
{
    struct virt_dirty_rate dr;
    struct err e = ERR_INIT;
    int rc = c->drv->dirty_rate_result(v, uuid, PF_DIRTY_PERIOD_S, &dr, &e);

    if (rc == 0 && now_ms() < until)
        return 0;
    if (rc == 0) {
        log_debug("dirty rate of %s not measured within %d s", uuid,
                  PF_DIRTY_PERIOD_S + RATES_SLACK_MS / 1000);
        return 1;
    }
    if (rc < 0 && e.code == ERR_UNAVAILABLE) {
        *err = e;
        return -1;
    }
    if (rc < 0) {
        log_debug("dirty rate not measured instance=%s: %s", uuid, e.msg);
        return 1;
    }
    if (db_instance_set_dirty_rate(db, uuid, dr.bytes_per_s, dr.period_s,
                                   now_ms() - (started_ms + dr.period_s * 1000LL), err) < 0)
        return -1;
    (*measured)++;
    return 1;
}

/* A round: every guest that may be measured has its calculation started
 * (a few milliseconds each), then the results are read as they come in:
 * each QEMU measures its guest in its own thread, so a round takes about
 * PF_DIRTY_PERIOD_S however many guests run.  The number recorded, or -1
 * (*err; ERR_NOT_SUPPORTED when libvirt could measure none). */
int
rates_round(struct compute *c, struct db *db, struct virt *v, struct err *err)
{
    AUTOFREE struct virt_domain *doms = NULL;
    AUTOFREE int64_t *started = NULL;       /* ms; 0: not started, or done with */
    struct err unsupported = ERR_INIT;
    int n, pending = 0, measured = 0;
    int64_t until;

    if (c->drv->list_domains(v, &doms, &n, err) < 0)
        return -1;
    if (!(started = calloc(n > 0 ? (size_t)n : 1, sizeof(*started))))
        fatalx("out of memory");
    for (int i = 0; i < n && !*c->stop; i++) {
        int64_t at = now_ms();
        int rc = rates_start_one(c, db, v, &doms[i], &unsupported, err);

        if (rc < 0)
            return -1;
        started[i] = rc == 1 ? at : 0;
        pending += rc;
    }
    if (pending == 0 && unsupported.code) {
        *err = unsupported;
        return -1;
    }
    until = now_ms() + PF_DIRTY_PERIOD_S * 1000LL;
    while (pending > 0 && !*c->stop && now_ms() < until)
        sleep_ms(100);
    until += RATES_SLACK_MS;
    while (pending > 0 && !*c->stop) {
        for (int i = 0; i < n; i++) {
            int rc = started[i] ? rates_read_one(c, db, v, doms[i].uuid, started[i], until,
                                                 &measured, err)
                                : 0;

            if (rc < 0)
                return -1;
            if (rc > 0) {
                started[i] = 0;
                pending--;
            }
        }
        if (pending > 0)
            sleep_ms(200);
    }
    return measured;
}

static void *
rates_thread(void *arg)
{
    struct rates *r = arg;
    struct compute *c = r->c;
    struct db *db = db_new(c->cfg->db_connection, "ferry-compute-rates");
    struct virt *v = NULL;
    int64_t interval_ms = (int64_t)c->cfg->dirty_rate_interval * 1000, next = now_ms();

    while (!*c->stop) {
        struct err err = ERR_INIT;
        int64_t start = now_ms();
        int n;

        if (start < next) {
            sleep_ms(200);
            continue;
        }
        next = start + interval_ms;
        if (!v && c->drv->open(c->uri, &v, &err) < 0) {
            log_debug("dirty rates not measured: no libvirt connection: %s", err.msg);
            continue;
        }
        if ((n = rates_round(c, db, v, &err)) < 0) {
            if (err.code == ERR_NOT_SUPPORTED) {
                log_info("dirty rates not measured in the background: %s", err.msg);
                break;
            }
            log_debug("dirty rates: round ended early: %s%s%s", err.msg,
                      err.detail[0] ? ": " : "", err.detail);
            if (err.code == ERR_UNAVAILABLE && v) {
                c->drv->close(v);
                v = NULL;
            }
        } else if (now_ms() - start > interval_ms) {
            log_info("dirty rates: a round of %d guests took %lld ms, more than [ferry] "
                     "dirty_rate_interval: the forecast measures those it finds too old",
                     n, (long long)(now_ms() - start));
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
