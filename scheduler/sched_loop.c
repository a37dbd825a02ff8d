/* sched_loop.c - Nova's conductor for live migration, over PostgreSQL.
 *
 * Claim the oldest `accepted` row (FOR UPDATE SKIP LOCKED, in a transaction
 * held on its own connection, so a scheduler that dies releases it and the
 * next one takes it), run the conductor's checks, pick a destination, ask
 * that host's ferry-compute to check itself (a host request), retry other
 * hosts, and end the row `queued` (destination filled in) or `error` with
 * the reason, in that same transaction.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auto.h"
#include "common/cfg.h"
#include "common/log.h"
#include "common/msg.h"
#include "common/nova.h"
#include "common/util.h"
#include "db/db.h"
#include "db/db_action.h"
#include "db/db_host.h"
#include "db/db_hostreq.h"
#include "db/db_instance.h"
#include "db/db_mig.h"
#include "db/db_sched.h"
#include "db/db_types.h"
#include "scheduler/sched.h"
#include "scheduler/sched_loop.h"

struct sched {
    const struct cfg *cfg;
    struct db *lock_db;             /* holds the claimed row in a transaction */
    struct db *work_db;             /* reads, events, host requests, LISTEN */
    char actor[256];
};

/* The destination the checks settled on (and the source's node, read on
 * the way). */
struct sched_dest {
    char source_node[NAME_LEN];
    char host[NAME_LEN];
    char node[NAME_LEN];
    char addr[NAME_LEN];
    int block_migration;            /* as the storage checks resolved it */
    struct msg_disks disks;         /* the source's local disks, as it reported them */
};

struct sched *
sched_new(const struct cfg *cfg, const char *actor)
{
    struct sched *s = calloc(1, sizeof(*s));

    if (!s)
        fatalx("out of memory");
    s->cfg = cfg;
    s->lock_db = db_new(cfg->db_connection, "ferry-scheduler");
    s->work_db = db_new(cfg->db_connection, "ferry-scheduler");
    strlcpy0(s->actor, actor, sizeof(s->actor));
    return s;
}

void
sched_free(struct sched *s)
{
    if (!s)
        return;
    db_free(s->lock_db);
    db_free(s->work_db);
    free(s);
}

/* Ask dest's ferry-compute whether it can take the guest (Nova's
 * check_can_live_migrate_destination).  0: yes, and *out has what its checks
 * settled (block_migration, the source's disks); -1: no, reason in err. */
static int
sched_check_destination(struct sched *s, const struct db_mig *m, const struct db_instance *inst,
                        const struct db_host *src, const struct db_host *dest,
                        struct sched_dest *out, struct err *err)
{
    AUTOFREE struct msg_check_dest *q = calloc(1, sizeof(*q));
    struct msg_check_dest_answer a;
    AUTOFREE char *text = NULL;
    struct db_hostreq_result res;
    int64_t id;

    if (!q)
        return err_set(err, ERR_INTERNAL, "out of memory");
    strlcpy0(q->g.instance_uuid, inst->uuid, sizeof(q->g.instance_uuid));
    strlcpy0(q->g.request_id, m->request_id, sizeof(q->g.request_id));
    strlcpy0(q->g.domain_name, inst->domain_name, sizeof(q->g.domain_name));
    q->memory_mb = inst->memory_mb;
    q->vcpus = inst->vcpus;
    strlcpy0(q->source_host, src->host, sizeof(q->source_host));
    strlcpy0(q->source_cpu_info, src->cpu_info, sizeof(q->source_cpu_info));
    q->block_migration = m->block_migration;
    strlcpy0(q->cpu_xml, inst->cpu_xml, sizeof(q->cpu_xml));
    if (msg_encode(&msg_check_dest_codec, q, &text, err) < 0 ||
        db_hostreq_send(s->work_db, dest->host, "check_destination", m->id, text,
                        s->cfg->long_rpc_timeout, s->actor, &id, err) < 0)
        return -1;
    if (db_hostreq_wait(s->work_db, id, &res, err) < 0) {
        if (err->code == ERR_TIMEOUT)   /* Nova's MessagingTimeout wording */
            return err_set(err, ERR_INVALID, "Migration pre-check error: Timeout while "
                           "checking if we can live migrate to host: %s", dest->host);
        return -1;
    }
    if (!res.ok)
        return err_set(err, ERR_INVALID, "%s", res.error);
    if (msg_decode(&msg_check_dest_answer_codec, res.result, &a, err) < 0)
        return err_prefix_as(err, ERR_INVALID, "%s answered its checks", dest->host);
    out->block_migration = a.block_migration >= 0 ? a.block_migration : m->block_migration;
    out->disks = a.disks;
    return 0;
}

static void
sched_dest_set(struct sched_dest *d, const struct db_host *h)
{
    strlcpy0(d->host, h->host, sizeof(d->host));
    strlcpy0(d->node, h->node, sizeof(d->node));
    strlcpy0(d->addr, h->migration_addr, sizeof(d->addr));
}

/* How many candidates one query asks for: the best few, re-asked after a
 * refusal (the refused host then counts as tried). */
#define SCHED_CANDIDATES 8

/* The database's half of a request. */
static void
sched_query_of(const struct sched *s, const struct sched_request *rq, struct db_sched_query *q)
{
    memset(q, 0, sizeof(*q));
    q->down_time_s = s->cfg->service_down_time;
    q->source = rq->source;
    q->requested = rq->requested;
    q->tried = rq->tried;
    q->ntried = rq->ntried;
    q->memory_mb = rq->memory_mb;
    q->vcpus = rq->vcpus;
    q->disk_gb = rq->disk_gb;
    q->hypervisor_type = rq->hypervisor_type;
    q->hypervisor_version = rq->hypervisor_version;
    q->max_io_ops = rq->max_io_ops;
    q->ram_weight = rq->ram_weight;
    q->io_ops_weight = rq->io_ops_weight;
}

/* Claim the guest's resources on h, then let h check itself.  0: h is the
 * destination (the claim holds until the migration ends); -1: refused, with
 * ERR_INVALID and the reason, the claim released; other codes: the
 * database failed. */
static int
sched_try(struct sched *s, const struct db_mig *m, const struct db_instance *inst,
          const struct db_host *src, const struct db_host *h, const struct db_sched_query *q,
          struct sched_dest *out, struct err *err)
{
    struct err ignore = ERR_INIT;
    int rc = db_reservation_take(s->work_db, m->id, q, h->host, err);

    if (rc < 0)
        return -1;
    if (rc == 0)
        return err_set(err, ERR_INVALID, "%s has no room left for the guest (claimed by "
                                         "another migration meanwhile)", h->host);
    if (sched_check_destination(s, m, inst, src, h, out, err) < 0) {
        if (db_reservation_release(s->work_db, m->id, &ignore) < 0)
            log_warnx("claim not released mig=%d: %s", m->id, ignore.msg);
        return -1;
    }
    sched_dest_set(out, h);
    return 0;
}

/* Forced destination: Nova's checks on that host only, no retry.  It is
 * still claimed: a forced migration never overcommits a host either. */
static int
sched_forced(struct sched *s, const struct db_mig *m, const struct db_instance *inst,
             const struct db_host *src, struct sched_request *rq, struct sched_dest *out,
             struct err *err)
{
    struct db_sched_query q;
    struct db_host dest;

    if (db_host_get(s->work_db, m->requested_host, s->cfg->service_down_time, &dest, err) < 0)
        return -1;
    if (sched_check_forced(rq, &dest, err) < 0)
        return -1;
    sched_query_of(s, rq, &q);
    q.max_io_ops = 0;               /* forcing bypasses the scheduler's filters */
    q.forced = true;
    /* as in Nova, the destination's own refusal reaches the caller as it is */
    return sched_try(s, m, inst, src, &dest, &q, out, err);
}

/* Nothing fits: say why, host by host: first the hosts that refused their
 * own check, then the others, those that came closest first, and the rest
 * counted (the database numbers each host's first refusing filter; only
 * the closest few are read whole, for the words: sched_explain). */
static int
sched_no_valid_host(struct sched *s, const struct sched_request *rq, const char *tried_why,
                    struct err *err)
{
    AUTOFREE struct db_host *hosts = NULL;
    int counts[DB_STAGE_COUNT];
    struct db_sched_query q;
    char why[2048];
    int n;

    sched_query_of(s, rq, &q);                  /* tried: those named above */
    if (db_sched_refusals(s->work_db, &q, SCHED_WHY_HOSTS, counts, &hosts, &n, err) < 0)
        return -1;
    sched_explain(rq, hosts, n, counts, why, sizeof(why));
    /* Nova's words, then ours: the hosts that refused their check, then
     * the others */
    return err_set(err, ERR_INVALID, "No valid host was found.%s%s%s%s%s",
                   rq->ntried ? "" : " There are not enough hosts available.",
                   tried_why[0] ? " " : "", tried_why,
                   why[0] ? (tried_why[0] ? "; " : " ") : "", why);
}

/* A growing list of host names (strdup'd). */
struct sched_names {
    char **v;
    int n, cap;
};

static void
sched_names_add(struct sched_names *l, const char *name)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        if (!(l->v = realloc(l->v, (size_t)l->cap * sizeof(*l->v))))
            fatalx("out of memory");
    }
    if (!(l->v[l->n++] = strdup(name)))
        fatalx("out of memory");
}

static void
sched_names_free(struct sched_names *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

/* Scheduler path: the database's filters and weighers give the best few
 * candidates; each passes the filter the database leaves to C (the CPU
 * pre-filter: sched_host_passes_rest; the others are not run twice), is
 * claimed, and checks itself.  A host the C filter refuses is left out of
 * the next queries (not a retry, and with no bound: on a fleet of mixed
 * CPUs, many hosts may lack a feature before one has it); a host that
 * refuses its own check is tried no more and the next is taken, up to
 * migrate_max_retries (-1: until none is left). */
static int
sched_scheduled(struct sched *s, const struct db_mig *m, const struct db_instance *inst,
                const struct db_host *src, struct sched_request *rq, struct sched_dest *out,
                struct err *err)
{
    struct sched_names excluded = { 0 };   /* tried, and refused by a C filter */
    char tried_why[2048] = "";
    size_t tlen = 0;
    int retries = 0, rc;

    for (;;) {
        AUTOFREE struct db_host *cands = NULL;
        struct db_sched_query q;
        char reason[512];
        int n, i;

        sched_query_of(s, rq, &q);
        q.tried = (const char *const *)excluded.v;
        q.ntried = excluded.n;
        if (db_sched_candidates(s->work_db, &q, SCHED_CANDIDATES, &cands, &n, err) < 0) {
            rc = -1;
            break;
        }
        if (n == 0) {
            rc = sched_no_valid_host(s, rq, tried_why, err);
            break;
        }
        for (i = 0; i < n; i++) {
            if (sched_host_passes_rest(rq, &cands[i], reason, sizeof(reason)))
                break;
            log_debug("candidate refused mig=%d host=%s reason=\"%s\"", m->id, cands[i].host,
                      reason);
            sched_names_add(&excluded, cands[i].host);
        }
        if (i == n)
            continue;               /* the whole batch failed a C filter: the next */
        if (sched_try(s, m, inst, src, &cands[i], &q, out, err) == 0) {
            rc = 0;
            break;
        }
        if (err->code != ERR_INVALID) {
            rc = -1;
            break;
        }
        retries++;
        log_info("destination refused mig=%d host=%s reason=\"%s\"", m->id, cands[i].host,
                 err->msg);
        tlen += (size_t)snprintf(tried_why + tlen, tlen < sizeof(tried_why)
                                                       ? sizeof(tried_why) - tlen : 0,
                                 "%s%s: %s", tlen ? "; " : "", cands[i].host, err->msg);
        sched_names_add(&excluded, cands[i].host);
        if (rq->ntried < SCHED_MAX_TRIED)
            rq->tried[rq->ntried++] = strdup(cands[i].host);
        if (s->cfg->migrate_max_retries >= 0 && retries > s->cfg->migrate_max_retries) {
            rc = err_set(err, ERR_INVALID,
                         "Exceeded maximum number of retries. Exhausted all hosts available "
                         "for retrying build failures for instance %s. %s",
                         inst->uuid, tried_why);
            break;
        }
    }
    sched_names_free(&excluded);
    return rc;
}

/* The conductor's checks; on success *out is the destination. */
static int
sched_decide(struct sched *s, const struct db_mig *m, struct sched_dest *out, struct err *err)
{
    struct db_instance inst;
    struct db_host src;
    struct sched_request rq = { 0 };
    int rc;

    if (db_instance_get(s->work_db, m->instance_uuid, NULL, &inst, err) < 0)
        return -1;
    if (inst.power_state != POWER_RUNNING && inst.power_state != POWER_PAUSED)
        return err_set(err, ERR_CONFLICT,
                       "Cannot 'os-migrateLive' instance %s while it is in power_state %s",
                       inst.uuid, power_state_name(inst.power_state));
    if (db_host_get(s->work_db, m->source_compute, s->cfg->service_down_time, &src, err) < 0)
        return -1;
    if (!src.up)
        return err_set(err, ERR_INVALID, "Compute service of %s is unavailable at this time.",
                       src.host);
    strlcpy0(out->source_node, src.node, sizeof(out->source_node));
    rq.instance_uuid = inst.uuid;
    rq.memory_mb = inst.memory_mb;
    rq.vcpus = inst.vcpus;
    rq.source = src.host;
    rq.hypervisor_type = src.hypervisor_type;
    rq.hypervisor_version = src.hypervisor_version;
    rq.requested = m->requested_host[0] ? m->requested_host : NULL;
    rq.max_io_ops = s->cfg->max_io_ops_per_host;
    rq.ram_weight = s->cfg->ram_weight_multiplier;
    rq.io_ops_weight = s->cfg->io_ops_weight_multiplier;
    rq.disk_gb = m->block_migration == 1 ? inst.root_gb : 0;
    rq.cpu_features = &inst.cpu_features;
    if (m->forced)
        rc = sched_forced(s, m, &inst, &src, &rq, out, err);
    else
        rc = sched_scheduled(s, m, &inst, &src, &rq, out, err);
    for (int i = 0; i < rq.ntried; i++)
        free((char *)rq.tried[i]);
    return rc;
}

/* Decide one claimed row and end it queued or error, in the claim's
 * transaction.  Returns -1 only when the database failed (nothing done). */
static int
sched_run_one(struct sched *s, const struct db_mig *m, struct err *err)
{
    /* Nova names the conductor's event after the API's call (< 2.34) or cast */
    bool sync = m->api_mv < MV_LIVE_MIGRATE_ASYNC;
    const char *event = sync ? "conductor_migrate_server" : "conductor_live_migrate_instance";
    struct db_transition t = { 0 };
    struct sched_dest dest = { .block_migration = -1 };
    struct err why = ERR_INIT;
    int rc;

    db_action_event_start(s->work_db, m->instance_uuid, m->request_id, event, NULL, err);
    rc = sched_decide(s, m, &dest, &why);
    if (rc < 0 && (why.code == ERR_UNAVAILABLE || why.code == ERR_RETRY)) {
        *err = why;
        return -1;      /* the database went away: leave the row to a retry */
    }
    t.id = m->id;
    t.from = MIG_ACCEPTED;
    t.actor = s->actor;
    if (rc == 0) {
        t.to = MIG_QUEUED;
        t.dest_compute = dest.host;
        t.dest_node = dest.node;
        t.dest_host = dest.addr;
        t.source_disks = &dest.disks;
        t.set_block_migration = dest.block_migration >= 0;
        t.block_migration = dest.block_migration == 1;
        t.source_node = dest.source_node[0] ? dest.source_node : NULL;
    } else {
        t.to = MIG_ERROR;
        t.reason = why.msg;
        t.reason_code = why.code;
    }
    if (db_mig_transition(s->lock_db, &t, err) < 0 || db_commit(s->lock_db, err) < 0)
        return -1;
    db_action_event_finish(s->work_db, m->instance_uuid, m->request_id, event, rc == 0,
                           rc == 0 ? NULL : why.msg, err);
    if (rc == 0)
        log_info("migration scheduled mig=%d instance=%s source=%s dest=%s req=%s", m->id,
                 m->instance_uuid, m->source_compute, dest.host, m->request_id);
    else
        log_info("migration refused mig=%d instance=%s req=%s reason=\"%s\"", m->id,
                 m->instance_uuid, m->request_id, why.msg);
    return 0;
}

int
sched_step(struct sched *s, int idle_wait_ms, struct err *err)
{
    struct db_mig m;
    struct db_notify n;
    int rc;

    if (db_listen(s->work_db, "ferry_accepted", err) < 0)
        return -1;
    if (db_begin(s->lock_db, err) < 0)
        return -1;
    rc = db_mig_lock_accepted(s->lock_db, &m, err);
    if (rc <= 0) {
        db_rollback(s->lock_db);
        if (rc < 0)
            return -1;
        return db_wait(s->work_db, idle_wait_ms, &n, err) < 0 ? -1 : 0;
    }
    if (sched_run_one(s, &m, err) < 0) {
        db_rollback(s->lock_db);
        return -1;
    }
    return 1;
}
