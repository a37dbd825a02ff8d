/* hostreq.c - answering host requests: Nova's RPC calls to this compute.
 *
 *   check_destination       check_can_live_migrate_destination: no clash,
 *                           enough memory by accounting, a compatible CPU
 *   pre_live_migration      get ready to receive the guest
 *   post_live_migration_at_destination
 *                           the guest arrived: is it running here, and what
 *                           did the job cost (downtime, bytes)?
 *   rollback_live_migration_at_destination
 *                           undo what pre_live_migration did
 *   check_source            check_can_live_migrate_source, asked by the
 *                           destination: shared storage, local disks,
 *                           block migration's rules
 *
 * Two threads, each with its own database and libvirt connections, claim
 * the requests addressed to this host (woken by NOTIFY ferry_host_request)
 * and answer each with a JSON result or an error text: one answers
 * check_destination, which asks the source check_source and waits for it,
 * the other every kind that never waits on another host (db_hostreq_lane).
 * Two hosts checking migrations towards each other at once therefore never
 * wait on each other, and a slow check never holds up the post or rollback
 * of a migration that is finishing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auto.h"
#include "common/log.h"
#include "common/msg.h"
#include "common/util.h"
#include "compute/compute.h"
#include "compute/cpu.h"
#include "compute/storage.h"
#include "db/db.h"
#include "db/db_host.h"
#include "db/db_hostreq.h"

/* One request being answered: its payload and its answer, decoded and to
 * be encoded by the kind's codecs (common/msg.h). */
struct hr_ctx {
    struct compute *c;
    struct db *db;
    struct virt *v;
    const struct db_hostreq *req;
    const struct msg_guest *g;      /* the request's guest (every kind names one) */
    union {                         /* each begins with its struct msg_guest */
        struct msg_guest guest;
        struct msg_check_dest cd;
        struct msg_check_source cs;
        struct msg_pre_live pl;
        struct msg_rollback rb;
    } q;
    union {
        struct msg_check_dest_answer cd;
        struct msg_check_source_answer cs;
        struct msg_pre_live_answer pl;
        struct msg_post_live_answer po;
    } a;
};

typedef int (*hr_fn)(struct hr_ctx *h, struct err *err);

/* Undo what a request did when its answer came too late: the asker gave up
 * and will never act on it (nor roll it back). */
typedef void (*hr_undo_fn)(struct hr_ctx *h);

/* Nova's CPU check (cpu_compare_xml() says what is compared, and whether):
 * only a KVM destination compares, against its hypervisor's CPU for the
 * configured virt type, never one guessed from what the host could run. */
static int
hr_check_cpu(struct hr_ctx *h, struct err *err)
{
    AUTOFREE char *xml = NULL;
    char why[512] = "";
    bool ok = true;
    int rc;

    rc = cpu_compare_xml(h->c->virt_type, h->q.cd.cpu_xml, h->q.cd.source_cpu_info, &xml);
    if (rc < 0)
        return err_set(err, ERR_INTERNAL, "out of memory");
    if (rc == 0)
        return 0;
    if (h->c->drv->compare_cpu(h->v, h->c->virt_type, xml, &ok, why, sizeof(why), err) < 0)
        return -1;
    if (!ok)
        return err_set(err, ERR_INVALID, "Unacceptable CPU info: CPU doesn't have "
                                         "compatibility.\n\n%s", why);
    return 0;
}

/* Nova's storage checks: a test file here, looked for by the source (a host
 * request of our own), which also rules on block migration and reports its
 * disks; its answer goes into ours. */
static int
hr_check_storage(struct hr_ctx *h, struct err *err)
{
    struct msg_check_source q = { .g = h->q.cd.g, .block_migration = h->q.cd.block_migration };
    struct msg_check_source_answer sa;
    AUTOFREE char *text = NULL;
    struct db_hostreq_result res;
    int64_t id;
    int rc;

    if (storage_test_file_create(h->c, h->v, h->g->instance_uuid, q.test_path,
                                 sizeof(q.test_path), err) < 0)
        return err_prefix(err, "cannot make the shared-storage test file on %s", h->c->host);
    rc = msg_encode(&msg_check_source_codec, &q, &text, err);
    if (rc == 0)
        rc = db_hostreq_send(h->db, h->q.cd.source_host, "check_source", h->req->migration_id,
                             text, h->c->cfg->rpc_response_timeout, h->c->actor, &id, err);
    if (rc == 0)
        rc = db_hostreq_wait(h->db, id, &res, err);
    storage_test_file_delete(h->c, h->v, q.test_path);
    if (rc < 0)
        return err_prefix_as(err, ERR_INVALID, "the source %s did not answer its checks",
                             h->q.cd.source_host);
    if (!res.ok)
        return err_set(err, ERR_INVALID, "%s", res.error);
    if (msg_decode(&msg_check_source_answer_codec, res.result, &sa, err) < 0)
        return err_prefix_as(err, ERR_INTERNAL, "the source %s answered", h->q.cd.source_host);
    h->a.cd.shared = sa.shared;
    h->a.cd.block_migration = sa.block_migration;
    h->a.cd.disks = sa.disks;
    return 0;
}

static int
hr_check_source(struct hr_ctx *h, struct err *err)
{
    return storage_check_source(h->c, h->v, h->g->instance_uuid, h->q.cs.test_path,
                                h->q.cs.block_migration, &h->a.cs, err);
}

/* No domain of this guest's name or uuid here: what an incoming guest
 * would clash with. */
static int
hr_no_clash(struct hr_ctx *h, struct err *err)
{
    bool clash = false;

    if (h->c->drv->domain_exists(h->v, h->g->instance_uuid, h->g->domain_name, &clash,
                                 err) < 0)
        return -1;
    if (clash)
        return err_set(err, ERR_INVALID, "a domain %s (%s) already exists on %s",
                       h->g->domain_name, h->g->instance_uuid, h->c->host);
    return 0;
}

/* Nova's checks of a destination.  Memory is judged as Nova's conductor
 * does, from accounting, never from the hypervisor's free memory (page cache
 * would hide room): the host's RAM times its ram_allocation_ratio, less its
 * reserve, its guests and the claims of other migrations on their way in
 * (this migration's own claim, taken by the scheduler before asking, would
 * count the guest twice). */
static int
hr_check_destination(struct hr_ctx *h, struct err *err)
{
    struct db_host_memory room;
    int mem = h->q.cd.memory_mb;

    if (hr_no_clash(h, err) < 0)
        return -1;
    if (db_host_memory(h->db, h->c->host, h->req->migration_id, &room, err) < 0)
        return -1;
    if (room.free_mb < mem)
        return err_set(err, ERR_INVALID,
                       "Migration pre-check error: Unable to migrate %s to %s: Lack of "
                       "memory(host:%d <= instance:%d); %s has %d MB x ram_allocation_ratio "
                       "%g, less %d MB reserved, %d MB used by guests and %d MB claimed by "
                       "other migrations",
                       h->g->instance_uuid, h->c->host, room.free_mb, mem, h->c->host,
                       room.memory_mb, room.ram_allocation_ratio, room.reserved_mb,
                       room.used_mb, room.claimed_mb);
    if (hr_check_cpu(h, err) < 0 || hr_check_storage(h, err) < 0)
        return -1;
    strlcpy0(h->a.cd.migration_addr, h->c->migration_addr, sizeof(h->a.cd.migration_addr));
    h->a.cd.free_memory_mb = room.free_mb;
    return 0;
}

static int
hr_pre_live_migration(struct hr_ctx *h, struct err *err)
{
    /* the guest must not have arrived (or be left over) already */
    if (hr_no_clash(h, err) < 0)
        return -1;
    /* block migration: empty images for the disks the job will copy */
    if (storage_create_disks(h->c, h->v, &h->q.pl.disks, &h->a.pl.created, err) < 0) {
        storage_delete_disks(h->c, h->v, &h->a.pl.created);
        return -1;
    }
    strlcpy0(h->a.pl.target_connect_addr, h->c->migration_addr,
             sizeof(h->a.pl.target_connect_addr));
    h->a.pl.probe_port = h->c->probe_port;
    return 0;
}

/* A late pre_live_migration: the source gave up (it failed the migration
 * and asked for a rollback that knew of no images), so the images made for
 * it go now, before anything else in this lane runs. */
static void
hr_pre_live_undo(struct hr_ctx *h)
{
    if (h->a.pl.created.n == 0)
        return;
    log_info("pre_live_migration answered too late, removing its images mig=%d images=%d",
             h->req->migration_id, h->a.pl.created.n);
    storage_delete_disks(h->c, h->v, &h->a.pl.created);
}

static int
hr_post_at_destination(struct hr_ctx *h, struct err *err)
{
    struct virt_domain d;
    struct virt_job_stats js;
    struct virt_lifecycle life;
    struct err ignore = ERR_INIT;

    if (h->c->drv->domain_get(h->v, h->g->instance_uuid, &d, err) < 0)
        return -1;
    if (d.power_state != POWER_RUNNING && d.power_state != POWER_PAUSED)
        return err_set(err, ERR_CONFLICT, "the guest is not running on %s (power state %d)",
                       h->c->host, d.power_state);
    if (d.incoming)
        return err_set(err, ERR_CONFLICT, "the guest is still arriving on %s", h->c->host);
    memset(&js, 0, sizeof(js));
    if (h->c->drv->job_stats(h->v, h->g->instance_uuid, true, &js, &ignore) < 0)
        log_debug("no completed job stats instance=%s: %s", h->g->instance_uuid, ignore.msg);
    /* when the guest last resumed here: the end of a post-copy's downtime
     * (this lane's connection listens to the host's lifecycle events) */
    if (h->c->drv->lifecycle(h->v, h->g->instance_uuid, &life, &ignore) < 0)
        life.resumed_ms = 0;
    h->a.po.power_state = d.power_state;
    h->a.po.downtime_ms = js.downtime_ms;
    h->a.po.data_processed = js.data_processed;
    h->a.po.time_elapsed_ms = js.time_elapsed_ms;
    h->a.po.resumed_at_ms = life.resumed_ms;
    return 0;
}

static int
hr_rollback_at_destination(struct hr_ctx *h, struct err *err)
{
    struct virt_domain d;
    struct err lookup = ERR_INIT;

    if (h->c->drv->domain_get(h->v, h->g->instance_uuid, &d, &lookup) == 0 && !d.incoming &&
        (d.power_state == POWER_RUNNING || d.power_state == POWER_PAUSED))
        return err_set(err, ERR_CONFLICT,
                       "the guest is running on %s: it cannot be rolled back here", h->c->host);
    /* only the images pre_live_migration made, never one that was here */
    storage_delete_disks(h->c, h->v, &h->q.rb.created);
    return 0;
}

static const struct {
    const char *kind;
    const char *event;              /* the instance-action event it records */
    const struct msg_codec *request;
    const struct msg_codec *answer; /* NULL: answers {} */
    hr_fn fn;
    hr_undo_fn undo_late;           /* NULL: a late answer changed nothing */
} hr_kinds[] = {
    { "check_destination", "compute_check_can_live_migrate_destination",
      &msg_check_dest_codec, &msg_check_dest_answer_codec, hr_check_destination, NULL },
    { "pre_live_migration", "compute_pre_live_migration", &msg_pre_live_codec,
      &msg_pre_live_answer_codec, hr_pre_live_migration, hr_pre_live_undo },
    { "post_live_migration_at_destination", "compute_post_live_migration_at_destination",
      &msg_guest_codec, &msg_post_live_answer_codec, hr_post_at_destination, NULL },
    { "rollback_live_migration_at_destination",
      "compute_rollback_live_migration_at_destination", &msg_rollback_codec, NULL,
      hr_rollback_at_destination, NULL },
    { "check_source", "compute_check_can_live_migrate_source", &msg_check_source_codec,
      &msg_check_source_answer_codec, hr_check_source, NULL },
};

/* Run the kind's handler on a fresh answer. */
static int
hr_run(struct hr_ctx *h, size_t k, struct err *err)
{
    if (hr_kinds[k].answer)
        msg_init(hr_kinds[k].answer, &h->a);
    return hr_kinds[k].fn(h, err);
}

/* Run one claimed request and write its answer.  A libvirt connection found
 * dead (libvirtd restarted: libvirt never reconnects by itself) is opened
 * again and the request run once more before it is answered. */
static int
hr_handle(struct compute *c, struct db *db, struct virt **vp, const struct db_hostreq *req,
          struct err *err)
{
    AUTOFREE struct hr_ctx *h = calloc(1, sizeof(*h));
    AUTOFREE char *answer = NULL;
    struct db_hostreq_result res;
    struct err why = ERR_INIT;
    size_t k;
    int rc = -1;

    if (!h)
        return err_set(err, ERR_INTERNAL, "out of memory");
    *h = (struct hr_ctx){ .c = c, .db = db, .v = *vp, .req = req, .g = &h->q.guest };
    memset(&res, 0, sizeof(res));
    for (k = 0; k < ARRAY_SIZE(hr_kinds); k++)
        if (strcmp(hr_kinds[k].kind, req->kind) == 0)
            break;
    if (k == ARRAY_SIZE(hr_kinds)) {
        err_set(&why, ERR_NOT_SUPPORTED, "unknown host request kind %s", req->kind);
    } else if (msg_decode(hr_kinds[k].request, req->payload, &h->q, &why) == 0) {
        compute_event_start(db, h->g->instance_uuid, h->g->request_id, hr_kinds[k].event,
                            c->host);
        rc = hr_run(h, k, &why);
        if (rc < 0 && why.code == ERR_UNAVAILABLE) {
            struct virt *nv = NULL;
            struct err oerr = ERR_INIT;

            log_warnx("libvirt connection lost, reopening it: %s", why.msg);
            if (c->drv->open(c->uri, &nv, &oerr) == 0) {
                c->drv->close(*vp);
                *vp = h->v = nv;
                err_clear(&why);
                rc = hr_run(h, k, &why);
            }
        }
        compute_event_finish(db, h->g->instance_uuid, h->g->request_id, hr_kinds[k].event,
                             rc == 0, rc == 0 ? NULL : why.msg);
    }
    if (rc == 0 && hr_kinds[k].answer &&
        msg_encode(hr_kinds[k].answer, &h->a, &answer, &why) < 0)
        rc = -1;
    if (rc == 0 && answer && strlen(answer) >= sizeof(res.result))
        rc = err_set(&why, ERR_INTERNAL, "the answer is longer than %zu bytes",
                     sizeof(res.result) - 1);
    res.ok = rc == 0;
    if (rc == 0)
        strlcpy0(res.result, answer ? answer : "{}", sizeof(res.result));
    else
        strlcpy0(res.error, why.msg, sizeof(res.error));
    log_info("host request answered id=%lld kind=%s mig=%d ok=%d%s%s", (long long)req->id,
             req->kind, req->migration_id, res.ok, res.ok ? "" : " error=", res.error);
    rc = db_hostreq_finish(db, req->id, &res, err);
    if (rc == 0) {
        log_warnx("host request answered too late id=%lld kind=%s mig=%d: its asker gave up",
                  (long long)req->id, req->kind, req->migration_id);
        if (res.ok && hr_kinds[k].undo_late)
            hr_kinds[k].undo_late(h);
    }
    return rc < 0 ? -1 : 0;
}

struct hr_lane {
    struct compute *c;
    enum db_hostreq_lane lane;
    pthread_t thread;
};

static void *
hostreq_thread(void *arg)
{
    struct hr_lane *l = arg;
    struct compute *c = l->c;
    struct db *db = db_new(c->cfg->db_connection, l->lane == DB_HOSTREQ_LANE_CHECKS
                                                      ? "ferry-compute-checks"
                                                      : "ferry-compute-hostreq");
    struct virt *v = NULL;
    int64_t backoff = 0;
    bool requeued = false;

    while (!*c->stop) {
        struct err err = ERR_INIT;
        struct db_hostreq req;
        struct db_notify n;
        int rc;

        if (!v && c->drv->open(c->uri, &v, &err) < 0)
            goto retry;
        if (db_listen(db, "ferry_host_request", &err) < 0)
            goto retry;
        if (!requeued) {
            /* what an earlier ferry-compute of this host claimed and never
             * answered (it died) is answered now, if still in time */
            int again;

            if (db_hostreq_requeue(db, c->host, l->lane, &again, &err) < 0)
                goto retry;
            if (again)
                log_info("host requests taken up again count=%d", again);
            requeued = true;
        }
        rc = db_hostreq_take(db, c->host, l->lane, &req, &err);
        if (rc < 0)
            goto retry;
        if (rc == 1) {
            if (hr_handle(c, db, &v, &req, &err) < 0)
                goto retry;
            backoff = 0;
            continue;
        }
        if (db_wait(db, 1000, &n, &err) < 0)
            goto retry;
        backoff = 0;
        continue;
retry:
        backoff_next(&backoff);
        log_warnx("host request loop failed, retrying in %lld ms: %s%s%s", (long long)backoff,
                  err.msg, err.detail[0] ? ": " : "", err.detail);
        if (err.code == ERR_UNAVAILABLE && v) {
            c->drv->close(v);   /* libvirt may be the one that went away */
            v = NULL;
        }
        sleep_ms(backoff);
    }
    if (v)
        c->drv->close(v);
    db_free(db);
    return NULL;
}

struct hostreq_threads *
hostreq_start(struct compute *c)
{
    struct hostreq_threads *t = calloc(1, sizeof(*t));

    if (!t)
        fatalx("out of memory");
    for (int i = 0; i < 2; i++) {
        t->lane[i] = calloc(1, sizeof(*t->lane[i]));
        if (!t->lane[i])
            fatalx("out of memory");
        t->lane[i]->c = c;
        t->lane[i]->lane = i == 0 ? DB_HOSTREQ_LANE_CHECKS : DB_HOSTREQ_LANE_OTHERS;
        if (pthread_create(&t->lane[i]->thread, NULL, hostreq_thread, t->lane[i]) != 0)
            fatal("pthread_create");
    }
    return t;
}

void
hostreq_join(struct hostreq_threads *t)
{
    for (int i = 0; i < 2; i++) {
        pthread_join(t->lane[i]->thread, NULL);
        free(t->lane[i]);
    }
    free(t);
}
