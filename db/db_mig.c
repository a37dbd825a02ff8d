/* db_mig.c - live migrations: create, read, transitions, claims, lists.
 *
 * Each status change is one SQL statement (data-modifying CTEs): the guarded
 * UPDATE, the event row, the instance's consequences and the NOTIFY commit
 * or fail together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auto.h"
#include "common/log.h"
#include "common/msg.h"
#include "db/db.h"
#include "db/db_instance.h"
#include "db/db_int.h"
#include "db/db_mig.h"

#define MIG_COLS                                                                      \
    "m.id, m.uuid, m.instance_uuid, m.migration_type, m.status,"                      \
    " coalesce(m.source_compute, '') AS source_compute,"                              \
    " coalesce(m.dest_compute, '') AS dest_compute,"                                  \
    " coalesce(m.source_node, '') AS source_node,"                                    \
    " coalesce(m.dest_node, '') AS dest_node, coalesce(m.dest_host, '') AS dest_host,"\
    " coalesce(m.old_instance_type_id, 0) AS old_instance_type_id,"                   \
    " coalesce(m.new_instance_type_id, 0) AS new_instance_type_id,"                   \
    " m.memory_total IS NOT NULL AS has_memory, m.memory_total, m.memory_processed,"  \
    " m.memory_remaining, m.disk_total IS NOT NULL AS has_disk, m.disk_total,"        \
    " m.disk_processed, m.disk_remaining, coalesce(m.user_id, '') AS user_id,"        \
    " coalesce(m.project_id, '') AS project_id,"                                      \
    " " US("m.created_at") " AS created_us, " US("m.updated_at") " AS updated_us,"    \
    " coalesce(m.request_id, '') AS request_id,"                                      \
    " m.api_mv, coalesce(m.reason_code, '') AS reason_code,"                          \
    " coalesce(m.requested_host, '') AS requested_host, m.forced,"                    \
    " coalesce(m.block_migration::int, -1) AS block_migration,"                       \
    " coalesce(m.reason, '') AS reason, m.admit_after IS NOT NULL AS admission_waited,"\
    " m.abort_requested_at IS NOT NULL AS abort_requested,"                           \
    " coalesce(m.abort_requested_by, '') AS abort_requested_by,"                      \
    " m.force_complete_requested_at IS NOT NULL AS force_complete_requested,"         \
    " m.policy, coalesce(m.policy_requested, '') AS policy_requested,"                \
    " coalesce(m.max_downtime_ms, -1) AS max_downtime_ms,"                            \
    " coalesce(m.post_copy_permitted::int, -1) AS post_copy_permitted,"               \
    " coalesce(m.auto_converge_permitted::int, -1) AS auto_converge_permitted,"       \
    " coalesce(m.downtime_ms, -1) AS downtime_ms,"                                    \
    " coalesce(m.downtime_source, '') AS downtime_source,"                            \
    " coalesce(m.data_sent_bytes, -1) AS data_sent_bytes,"                            \
    " " US("m.started_at") " AS started_us, " US("m.finished_at") " AS finished_us"

static void
mig_read(const PGresult *r, int i, struct db_mig *m)
{
    memset(m, 0, sizeof(*m));
    m->id = row_int(r, i, "id");
    row_cpy(r, i, "uuid", m->uuid, sizeof(m->uuid));
    row_cpy(r, i, "instance_uuid", m->instance_uuid, sizeof(m->instance_uuid));
    row_cpy(r, i, "migration_type", m->migration_type, sizeof(m->migration_type));
    m->status = mig_status_parse(row_str(r, i, "status"));
    row_cpy(r, i, "status", m->status_text, sizeof(m->status_text));
    row_cpy(r, i, "source_compute", m->source_compute, sizeof(m->source_compute));
    row_cpy(r, i, "dest_compute", m->dest_compute, sizeof(m->dest_compute));
    row_cpy(r, i, "source_node", m->source_node, sizeof(m->source_node));
    row_cpy(r, i, "dest_node", m->dest_node, sizeof(m->dest_node));
    row_cpy(r, i, "dest_host", m->dest_host, sizeof(m->dest_host));
    m->old_instance_type_id = row_int(r, i, "old_instance_type_id");
    m->new_instance_type_id = row_int(r, i, "new_instance_type_id");
    m->has_memory = row_bool(r, i, "has_memory");
    m->memory_total = row_i64(r, i, "memory_total");
    m->memory_processed = row_i64(r, i, "memory_processed");
    m->memory_remaining = row_i64(r, i, "memory_remaining");
    m->has_disk = row_bool(r, i, "has_disk");
    m->disk_total = row_i64(r, i, "disk_total");
    m->disk_processed = row_i64(r, i, "disk_processed");
    m->disk_remaining = row_i64(r, i, "disk_remaining");
    row_cpy(r, i, "user_id", m->user_id, sizeof(m->user_id));
    row_cpy(r, i, "project_id", m->project_id, sizeof(m->project_id));
    m->created_us = row_i64(r, i, "created_us");
    m->updated_us = row_i64(r, i, "updated_us");
    row_cpy(r, i, "request_id", m->request_id, sizeof(m->request_id));
    m->api_mv = row_int(r, i, "api_mv");
    m->reason_code = err_code_from_name(row_str(r, i, "reason_code"));
    row_cpy(r, i, "requested_host", m->requested_host, sizeof(m->requested_host));
    m->forced = row_bool(r, i, "forced");
    m->block_migration = row_int(r, i, "block_migration");
    row_cpy(r, i, "reason", m->reason, sizeof(m->reason));
    m->admission_waited = row_bool(r, i, "admission_waited");
    m->abort_requested = row_bool(r, i, "abort_requested");
    row_cpy(r, i, "abort_requested_by", m->abort_requested_by, sizeof(m->abort_requested_by));
    m->force_complete_requested = row_bool(r, i, "force_complete_requested");
    row_cpy(r, i, "policy", m->policy, sizeof(m->policy));
    row_cpy(r, i, "policy_requested", m->policy_requested, sizeof(m->policy_requested));
    m->max_downtime_ms = row_int(r, i, "max_downtime_ms");
    m->post_copy_permitted = row_int(r, i, "post_copy_permitted");
    m->auto_converge_permitted = row_int(r, i, "auto_converge_permitted");
    m->downtime_ms = row_i64(r, i, "downtime_ms");
    row_cpy(r, i, "downtime_source", m->downtime_source, sizeof(m->downtime_source));
    m->data_sent_bytes = row_i64(r, i, "data_sent_bytes");
    m->started_us = row_i64(r, i, "started_us");
    m->finished_us = row_i64(r, i, "finished_us");
}

void
db_mig_opts(const struct db_mig *m, const struct mig_opts *defaults, struct mig_opts *out)
{
    *out = *defaults;
    out->policy = strcmp(m->policy_requested, "ferry") == 0 ? MIG_POLICY_FERRY
                                                            : MIG_POLICY_NOVA;
    if (m->max_downtime_ms > 0)
        out->max_downtime_ms = m->max_downtime_ms;
    if (m->post_copy_permitted >= 0)
        out->post_copy = m->post_copy_permitted == 1;
    if (m->auto_converge_permitted >= 0)
        out->auto_converge = m->auto_converge_permitted == 1;
}

static int
mig_read_all(PGresult *r, struct db_mig **out, int *n)
{
    struct db_mig *v;

    *n = PQntuples(r);
    if (!(v = calloc((size_t)(*n ? *n : 1), sizeof(*v))))
        fatalx("out of memory");
    for (int i = 0; i < *n; i++)
        mig_read(r, i, &v[i]);
    *out = v;
    return 0;
}

static const char *
tri(int v)
{
    return v < 0 ? NULL : v ? "true" : "false";
}

/* Nova's check_instance_state wording, from the instance as it is now
 * (the statement's guard refused it). */
static int
mig_create_refused(struct db *db, const char *uuid, struct err *err)
{
    struct db_instance inst;

    if (db_instance_get(db, uuid, NULL, &inst, err) < 0)
        return -1;
    if (db_instance_guard(&inst, uuid, &inst_guard_live_migrate, false, err) < 0)
        return -1;
    return err_set(err, ERR_CONFLICT, "Cannot 'os-migrateLive' instance %s now", uuid);
}

/* What the guest asks for: its ferry:* metadata, read under the instance's
 * row lock (held until the caller's transaction ends, so a metadata change
 * waits and then finds the task set); *set has the bits of the keys it
 * sets validly. */
static int
mig_create_opts(struct db *db, const struct db_mig_request *req, struct mig_opts *out,
                unsigned *set, struct err *err)
{
    const char *p[5] = { req->instance_uuid, mig_opt_keys[0], mig_opt_keys[1],
                         mig_opt_keys[2], mig_opt_keys[3] };
    const char *values[MIG_OPT_COUNT] = { NULL };
    AUTO_PGRES PGresult *r = db_query(db,
                                      "SELECT metadata->>$2 AS v0, metadata->>$3 AS v1,"
                                      " metadata->>$4 AS v2, metadata->>$5 AS v3"
                                      " FROM instances WHERE uuid = $1::uuid AND NOT deleted"
                                      " FOR NO KEY UPDATE",
                                      5, p, err);
    static const char *const cols[MIG_OPT_COUNT] = { "v0", "v1", "v2", "v3" };

    if (!r)
        return -1;
    memset(out, 0, sizeof(*out));
    *set = 0;
    if (PQntuples(r) == 0)
        return 0;       /* the insert finds no instance and says so */
    for (int k = 0; k < MIG_OPT_COUNT; k++)
        values[k] = row_isnull(r, 0, cols[k]) ? NULL : row_str(r, 0, cols[k]);
    *set = mig_opts_apply(out, values);
    return 0;
}

/* The creation's one statement; 0 rows when the instance's state refuses
 * (inst_guard_live_migrate's rows, as db_instance_guard() reads them). */
static PGresult *
mig_create_insert(struct db *db, const struct db_mig_request *req, const struct mig_opts *o,
                  unsigned set, struct err *err)
{
    const struct inst_guard *g = &inst_guard_live_migrate;
    AUTOFREE char *vm_states = db_text_array(g->vm_states, -1);
    AUTOFREE char *task_states = db_text_array(g->task_states, -1);
    char uuid[UUID_STR_LEN];
    struct numbuf b, mv;
    const char *p[17];

    uuid_new(uuid);
    p[0] = req->instance_uuid;
    p[1] = uuid;
    p[2] = req->host;
    p[3] = req->user_id;
    p[4] = req->project_id;
    p[5] = req->request_id;
    p[6] = req->forced ? "true" : "false";
    p[7] = tri(req->block_migration);
    p[8] = tri(req->disk_over_commit);
    p[9] = num(&mv, req->api_mv);
    p[10] = req->actor;
    /* what the guest leaves unset is NULL, for the source compute */
    p[11] = set & (1u << MIG_OPT_POLICY) ? mig_policy_name(o->policy) : NULL;
    p[12] = set & (1u << MIG_OPT_MAX_DOWNTIME) ? num(&b, o->max_downtime_ms) : NULL;
    p[13] = set & (1u << MIG_OPT_POST_COPY) ? tri(o->post_copy) : NULL;
    p[14] = set & (1u << MIG_OPT_AUTO_CONVERGE) ? tri(o->auto_converge) : NULL;
    /* the guard's own lists (db_instance_guard()), "" standing for None */
    p[15] = vm_states;
    p[16] = task_states;
    return db_query(db,
                    "WITH i AS (UPDATE instances SET task_state = 'migrating',"
                    "   updated_at = now()"
                    "   WHERE uuid = $1::uuid AND NOT deleted"
                    "   AND (cardinality($16::text[]) = 0 OR vm_state = ANY($16::text[]))"
                    "   AND coalesce(task_state, '') = ANY($17::text[])"
                    "   AND launched_at IS NOT NULL"
                    "   RETURNING uuid, host, node, flavor_id),"
                    " m AS (INSERT INTO migrations (uuid, instance_uuid, status,"
                    "   source_compute, source_node, dest_compute, old_instance_type_id,"
                    "   new_instance_type_id, user_id, project_id, request_id, requested_host,"
                    "   forced, block_migration, disk_over_commit, api_mv, policy,"
                    "   policy_requested, max_downtime_ms, post_copy_permitted,"
                    "   auto_converge_permitted)"
                    "   SELECT $2, i.uuid, 'accepted', i.host, i.node, $3, i.flavor_id,"
                    "   i.flavor_id, $4, $5, $6, $3, $7::boolean, $8::boolean, $9::boolean,"
                    "   $10::int, $12, $12, $13::int, $14::boolean, $15::boolean"
                    "   FROM i RETURNING *),"
                    " e AS (INSERT INTO migration_events (migration_id, to_status, actor)"
                    "   SELECT id, 'accepted', $11 FROM m),"
                    " a AS (INSERT INTO instance_actions (instance_uuid, request_id, action,"
                    "   user_id, project_id) SELECT instance_uuid, $6, 'live-migration', $4, $5"
                    "   FROM m ON CONFLICT DO NOTHING)"
                    " SELECT " MIG_COLS ", pg_notify('ferry_accepted', m.id::text) FROM m",
                    17, p, err);
}

int
db_mig_create(struct db *db, const struct db_mig_request *req, struct db_mig *out,
              struct err *err)
{
    AUTO_PGRES PGresult *r = NULL;
    struct mig_opts o;
    unsigned set;

    if (db_begin(db, err) < 0)
        return -1;
    if (mig_create_opts(db, req, &o, &set, err) < 0 ||
        !(r = mig_create_insert(db, req, &o, set, err)))
        goto fail;
    if (PQntuples(r) == 0) {
        mig_create_refused(db, req->instance_uuid, err);
        goto fail;
    }
    if (db_commit(db, err) < 0)
        return -1;
    mig_read(r, 0, out);
    return 0;
fail:
    db_rollback(db);
    return -1;
}

int
db_mig_record_opts(struct db *db, int id, const struct mig_opts *o, struct db_mig *out,
                   struct err *err)
{
    struct numbuf b[2];
    const char *p[5] = { num(&b[0], id), mig_policy_name(o->policy),
                         num(&b[1], o->max_downtime_ms), tri(o->post_copy),
                         tri(o->auto_converge) };
    AUTO_PGRES PGresult *r = db_query(db,
                                      "UPDATE migrations SET"
                                      " policy_requested = coalesce(policy_requested, $2),"
                                      " policy = coalesce(policy_requested, $2),"
                                      " max_downtime_ms = coalesce(max_downtime_ms, $3::int),"
                                      " post_copy_permitted = coalesce(post_copy_permitted,"
                                      "   $4::boolean),"
                                      " auto_converge_permitted = coalesce("
                                      "   auto_converge_permitted, $5::boolean)"
                                      " WHERE id = $1::int RETURNING id",
                                      5, p, err);

    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        return err_set(err, ERR_NOT_FOUND, "Migration %d could not be found.", id);
    return db_mig_get(db, id, out, err);
}

int
db_mig_get(struct db *db, int id, struct db_mig *out, struct err *err)
{
    struct numbuf b;
    const char *p[1] = { num(&b, id) };
    AUTO_PGRES PGresult *r = db_query(db,
                                      "SELECT " MIG_COLS " FROM migrations m"
                                      " WHERE m.id = $1 AND NOT m.deleted",
                                      1, p, err);

    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        return err_set(err, ERR_NOT_FOUND, "Migration %d could not be found.", id);
    mig_read(r, 0, out);
    return 0;
}

int
db_mig_transition(struct db *db, const struct db_transition *t, struct err *err)
{
    struct numbuf b;
    const char *p[13];
    AUTO_PGRES PGresult *r = NULL;
    AUTOFREE char *disks = NULL;

    if (!mig_transition_allowed(t->from, t->to))
        fatalx("BUG: migration %d: transition %s -> %s is not in the state machine", t->id,
               mig_status_name(t->from), mig_status_name(t->to));
    if (t->source_disks && msg_encode(&msg_disks_codec, t->source_disks, &disks, err) < 0)
        return -1;
    p[0] = num(&b, t->id);
    p[1] = mig_status_name(t->from);
    p[2] = mig_status_name(t->to);
    p[3] = t->actor;
    p[4] = t->reason;
    p[5] = mig_status_terminal(t->to) ? "true" : "false";
    p[6] = t->dest_compute;
    p[7] = t->dest_node;
    p[8] = t->dest_host;
    p[9] = t->source_node;
    p[10] = t->set_block_migration ? (t->block_migration ? "true" : "false") : NULL;
    p[11] = t->reason_code != ERR_NONE ? err_code_name(t->reason_code) : NULL;
    p[12] = disks;
    r = db_query(db,
                 "WITH m AS (UPDATE migrations SET status = $3, updated_at = now(),"
                 "   reason = coalesce($5, reason),"
                 "   reason_code = coalesce($12, reason_code),"
                 "   source_disks = coalesce($13::jsonb, source_disks),"
                 "   dest_compute = coalesce($7, dest_compute),"
                 "   dest_node = coalesce($8, dest_node),"
                 "   dest_host = coalesce($9, dest_host),"
                 "   source_node = coalesce($10, source_node),"
                 "   block_migration = coalesce($11::boolean, block_migration),"
                 "   started_at = CASE WHEN $3 = 'running' THEN clock_timestamp()"
                 "     ELSE started_at END,"
                 "   finished_at = CASE WHEN $6::boolean THEN clock_timestamp()"
                 "     ELSE finished_at END"
                 "   WHERE id = $1::int AND status = $2 AND NOT deleted"
                 "   RETURNING id, instance_uuid, dest_compute, dest_node),"
                 " e AS (INSERT INTO migration_events (migration_id, from_status, to_status,"
                 "   actor, reason) SELECT id, $2, $3, $4, $5 FROM m),"
                 " c AS (DELETE FROM claims WHERE $6::boolean"
                 "   AND migration_id = (SELECT id FROM m)),"
                 " i AS (UPDATE instances i SET task_state = NULL, progress = NULL,"
                 "   host = CASE WHEN $3 = 'completed' THEN m.dest_compute ELSE i.host END,"
                 "   node = CASE WHEN $3 = 'completed' THEN m.dest_node ELSE i.node END,"
                 "   updated_at = now()"
                 "   FROM m WHERE i.uuid = m.instance_uuid AND $6::boolean"
                 "   RETURNING i.id)"
                 " SELECT pg_notify('ferry_migration', m.id || ' ' || $3) FROM m",
                 13, p, err);
    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        return err_set(err, ERR_CONFLICT, "migration %d is no longer %s", t->id,
                       mig_status_name(t->from));
    return 0;
}

int
db_mig_save_progress(struct db *db, int id, const struct db_mig_progress *pr, struct err *err)
{
    struct numbuf b[8];
    const char *p[8] = { num(&b[0], id),
                         num(&b[1], pr->memory_total),
                         num(&b[2], pr->memory_processed),
                         num(&b[3], pr->memory_remaining),
                         num(&b[4], pr->disk_total),
                         num(&b[5], pr->disk_processed),
                         num(&b[6], pr->disk_remaining),
                         num(&b[7], pr->progress) };

    return db_cmd(db,
                  "WITH m AS (UPDATE migrations SET memory_total = $2, memory_processed = $3,"
                  "   memory_remaining = $4, disk_total = $5, disk_processed = $6,"
                  "   disk_remaining = $7, updated_at = now()"
                  "   WHERE id = $1::int RETURNING instance_uuid)"
                  " UPDATE instances SET progress = $8 FROM m"
                  " WHERE instances.uuid = m.instance_uuid AND task_state = 'migrating'",
                  8, p, err);
}

int
db_mig_sample_add(struct db *db, int id, const struct db_mig_sample *smp, struct err *err)
{
    struct numbuf b[15];
    const char *p[15] = {
        num(&b[0], id),
        num(&b[1], smp->seq % DB_MIG_SAMPLES_KEPT),
        num(&b[2], smp->seq),
        num(&b[3], smp->elapsed_ms),
        num(&b[4], smp->memory_total),
        num(&b[5], smp->memory_processed),
        num(&b[6], smp->memory_remaining),
        num(&b[7], smp->disk_total),
        num(&b[8], smp->disk_processed),
        num(&b[9], smp->disk_remaining),
        num(&b[10], smp->bandwidth_bps),
        num(&b[11], smp->dirty_rate_bps),
        num(&b[12], smp->iteration),
        num(&b[13], smp->throttle_pct),
        num(&b[14], smp->max_downtime_ms),
    };

    return db_cmd(db,
                  "INSERT INTO migration_samples (migration_id, slot, seq, elapsed_ms,"
                  " memory_total, memory_processed, memory_remaining, disk_total,"
                  " disk_processed, disk_remaining, bandwidth_bps, dirty_rate_bps,"
                  " iteration, throttle_pct, max_downtime_ms)"
                  " VALUES ($1::int, $2::int, $3::int, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
                  " $13::int, $14::int, $15::int)"
                  " ON CONFLICT (migration_id, slot) DO UPDATE SET seq = EXCLUDED.seq,"
                  " at = clock_timestamp(), elapsed_ms = EXCLUDED.elapsed_ms,"
                  " memory_total = EXCLUDED.memory_total,"
                  " memory_processed = EXCLUDED.memory_processed,"
                  " memory_remaining = EXCLUDED.memory_remaining,"
                  " disk_total = EXCLUDED.disk_total, disk_processed = EXCLUDED.disk_processed,"
                  " disk_remaining = EXCLUDED.disk_remaining,"
                  " bandwidth_bps = EXCLUDED.bandwidth_bps,"
                  " dirty_rate_bps = EXCLUDED.dirty_rate_bps, iteration = EXCLUDED.iteration,"
                  " throttle_pct = EXCLUDED.throttle_pct,"
                  " max_downtime_ms = EXCLUDED.max_downtime_ms",
                  15, p, err);
}

int
db_mig_record_totals(struct db *db, int id, int64_t downtime_ms, const char *downtime_source,
                     int64_t data_sent_bytes, int64_t total_time_ms, struct err *err)
{
    struct numbuf b[4];
    const char *p[5] = { num(&b[0], id), downtime_ms >= 0 ? num(&b[1], downtime_ms) : NULL,
                         num(&b[2], data_sent_bytes), num(&b[3], total_time_ms),
                         downtime_ms >= 0 ? downtime_source : NULL };

    return db_cmd(db,
                  "UPDATE migrations SET downtime_ms = $2, data_sent_bytes = $3,"
                  " total_time_ms = $4, downtime_source = $5 WHERE id = $1::int",
                  5, p, err);
}

int
db_mig_lock_accepted(struct db *db, struct db_mig *out, struct err *err)
{
    AUTO_PGRES PGresult *r = db_query(db,
                                      "SELECT " MIG_COLS " FROM migrations m"
                                      " WHERE m.status = 'accepted' AND NOT m.deleted"
                                      " ORDER BY m.id FOR NO KEY UPDATE SKIP LOCKED LIMIT 1",
                                      0, NULL, err);

    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        return 0;
    mig_read(r, 0, out);
    return 1;
}

int
db_mig_take_queued(struct db *db, const char *host, int max_running, const char *actor,
                    struct db_mig *out, struct err *err)
{
    struct numbuf b;
    const char *p[3] = { host, num(&b, max_running), actor };
    AUTO_PGRES PGresult *r = db_query(db,
        "WITH c AS (SELECT id FROM migrations WHERE source_compute = $1"
        "   AND status = 'queued' AND NOT deleted"
        "   AND (admit_after IS NULL OR admit_after <= clock_timestamp())"
        "   AND ($2::int = 0 OR (SELECT count(*) FROM migrations WHERE source_compute = $1"
        "     AND status IN ('preparing', 'running', 'running (post-copy)')"
        "     AND NOT deleted) < $2::int)"
        "   ORDER BY id FOR NO KEY UPDATE SKIP LOCKED LIMIT 1),"
        " m AS (UPDATE migrations SET status = 'preparing', updated_at = now() FROM c"
        "   WHERE migrations.id = c.id AND migrations.status = 'queued'"
        "   RETURNING migrations.*),"
        " e AS (INSERT INTO migration_events (migration_id, from_status, to_status, actor)"
        "   SELECT id, 'queued', 'preparing', $3 FROM m)"
        " SELECT " MIG_COLS ", pg_notify('ferry_migration', m.id || ' preparing') FROM m",
        3, p, err);

    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        return 0;
    mig_read(r, 0, out);
    return 1;
}

int
db_mig_requests(struct db *db, int id, struct db_mig_asked *out, struct err *err)
{
    struct numbuf b;
    const char *p[1] = { num(&b, id) };
    AUTO_PGRES PGresult *r = db_query(db,
        "SELECT abort_requested_at IS NOT NULL AS abort_requested,"
        " coalesce(abort_requested_by, '') AS abort_requested_by,"
        " force_complete_requested_at IS NOT NULL AS force_complete_requested"
        " FROM migrations WHERE id = $1::int", 1, p, err);

    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        return err_set(err, ERR_NOT_FOUND, "migration %d not found", id);
    out->abort = row_bool(r, 0, "abort_requested");
    row_cpy(r, 0, "abort_requested_by", out->abort_by, sizeof(out->abort_by));
    out->force_complete = row_bool(r, 0, "force_complete_requested");
    return 0;
}

int
db_mig_source_disks(struct db *db, int id, struct msg_disks *out, struct err *err)
{
    struct numbuf b;
    const char *p[1] = { num(&b, id) };
    AUTO_PGRES PGresult *r = db_query(db, "SELECT source_disks::text AS d FROM migrations"
                                          " WHERE id = $1::int AND source_disks IS NOT NULL",
                                      1, p, err);

    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        return 0;
    return msg_decode(&msg_disks_codec, row_str(r, 0, "d"), out, err) < 0 ? -1 : 1;
}

int
db_mig_list_active(struct db *db, const char *host, struct db_mig **out, int *n,
                   struct err *err)
{
    const char *p[1] = { host };
    AUTO_PGRES PGresult *r = db_query(db,
                                      "SELECT " MIG_COLS " FROM migrations m"
                                      " WHERE m.source_compute = $1 AND NOT m.deleted"
                                      " AND m.status IN ('preparing', 'running',"
                                      " 'running (post-copy)') ORDER BY m.id",
                                      1, p, err);

    if (!r)
        return -1;
    return mig_read_all(r, out, n);
}

static int
mig_request(struct db *db, int id, const char *who, const char *col, struct err *err)
{
    struct numbuf b;
    const char *p[2] = { num(&b, id), who };
    char sql[512];
    AUTO_PGRES PGresult *r = NULL;

    /* col is one of two fixed column names chosen below, never input.  The
     * worker reads these flags (db_mig_requests) at its next sample */
    snprintf(sql, sizeof(sql),
             "UPDATE migrations SET %s_at = now(), %s_by = $2, updated_at = now()"
             " WHERE id = $1::int AND status IN ('preparing', 'running',"
             " 'running (post-copy)') RETURNING id",
             col, col);
    if (!(r = db_query(db, sql, 2, p, err)))
        return -1;
    if (PQntuples(r) == 0)
        return err_set(err, ERR_CONFLICT, "migration %d is not preparing or running", id);
    return 0;
}

int
db_mig_request_abort(struct db *db, int id, const char *who, struct err *err)
{
    return mig_request(db, id, who, "abort_requested", err);
}

int
db_mig_request_force_complete(struct db *db, int id, const char *who, struct err *err)
{
    return mig_request(db, id, who, "force_complete_requested", err);
}

int
db_mig_list_in_progress(struct db *db, const char *instance_uuid, struct db_mig **out, int *n,
                        struct err *err)
{
    const char *p[1] = { instance_uuid };
    AUTO_PGRES PGresult *r = db_query(db,
                                      "SELECT " MIG_COLS " FROM migrations m"
                                      " WHERE m.instance_uuid = $1::uuid AND NOT m.deleted"
                                      " AND m.migration_type = 'live-migration'"
                                      " AND m.status IN ('queued', 'preparing', 'running',"
                                      " 'post-migrating') ORDER BY m.id",
                                      1, p, err);

    if (!r)
        return -1;
    return mig_read_all(r, out, n);
}

int
db_mig_marker_check(struct db *db, const char *uuid, struct err *err)
{
    const char *p[1] = { uuid };
    char canon[UUID_STR_LEN];
    AUTO_PGRES PGresult *r = NULL;

    if (!uuid_normalize(uuid, canon))
        return err_set(err, ERR_INVALID, "Marker %s could not be found.", uuid);
    p[0] = canon;
    if (!(r = db_query(db, "SELECT 1 FROM migrations WHERE uuid = $1::uuid AND NOT deleted",
                       1, p, err)))
        return -1;
    if (PQntuples(r) == 0)
        return err_set(err, ERR_INVALID, "Marker %s could not be found.", uuid);
    return 0;
}

int
db_mig_list(struct db *db, const struct db_mig_filter *f, struct db_mig **out, int *n,
            struct err *err)
{
    struct numbuf b, since, before;
    char marker[UUID_STR_LEN];
    const char *p[13];
    AUTO_PGRES PGresult *r = NULL;

    p[0] = f->status;
    p[1] = f->host;
    p[2] = f->host ? NULL : f->source_compute;
    p[3] = f->instance_uuid;
    p[4] = f->migration_type;
    p[5] = f->hidden < 0 ? NULL : f->hidden ? "true" : "false";
    p[6] = f->changes_since.set ? num(&since, f->changes_since.us) : NULL;
    p[7] = f->changes_before.set ? num(&before, f->changes_before.us) : NULL;
    p[8] = f->user_id;
    p[9] = f->project_id;
    p[10] = f->marker && uuid_normalize(f->marker, marker) ? marker : NULL;
    p[11] = f->limit > 0 ? num(&b, f->limit) : NULL;
    p[12] = f->paged_order ? "true" : "false";
    r = db_query(db,
                 "SELECT " MIG_COLS " FROM migrations m WHERE NOT m.deleted AND NOT m.hidden"
                 " AND ($1::text IS NULL OR m.status = $1)"
                 " AND ($2::text IS NULL OR m.source_compute = $2 OR m.dest_compute = $2)"
                 " AND ($3::text IS NULL OR m.source_compute = $3)"
                 " AND ($4::text IS NULL OR m.instance_uuid::text = lower($4))"
                 " AND ($5::text IS NULL OR m.migration_type = $5)"
                 " AND ($6::boolean IS NULL OR m.hidden = $6::boolean)"
                 " AND ($7::bigint IS NULL OR m.updated_at >= " EPOCH_US("$7") ")"
                 " AND ($8::bigint IS NULL OR m.updated_at <= " EPOCH_US("$8") ")"
                 " AND ($9::text IS NULL OR m.user_id = $9)"
                 " AND ($10::text IS NULL OR m.project_id = $10)"
                 " AND ($11::uuid IS NULL OR (m.created_at, m.id) <"
                 "   (SELECT created_at, id FROM migrations WHERE uuid = $11::uuid))"
                 " ORDER BY CASE WHEN $13::boolean THEN m.created_at END DESC,"
                 " CASE WHEN $13::boolean THEN m.id END DESC, m.id"
                 " LIMIT $12::int",
                 13, p, err);
    if (!r)
        return -1;
    return mig_read_all(r, out, n);
}

int
db_mig_event_list(struct db *db, int id, struct db_mig_event **out, int *n, struct err *err)
{
    struct numbuf b;
    const char *p[1] = { num(&b, id) };
    AUTO_PGRES PGresult *r = db_query(db,
                                      "SELECT " US("at") " AS at_us,"
                                      " coalesce(from_status, '') AS from_status, to_status,"
                                      " actor, coalesce(reason, '') AS reason"
                                      " FROM migration_events WHERE migration_id = $1"
                                      " ORDER BY id",
                                      1, p, err);
    struct db_mig_event *v;

    if (!r)
        return -1;
    *n = PQntuples(r);
    if (!(v = calloc((size_t)(*n ? *n : 1), sizeof(*v))))
        fatalx("out of memory");
    for (int i = 0; i < *n; i++) {
        v[i].at_us = row_i64(r, i, "at_us");
        row_cpy(r, i, "from_status", v[i].from_status, sizeof(v[i].from_status));
        row_cpy(r, i, "to_status", v[i].to_status, sizeof(v[i].to_status));
        row_cpy(r, i, "actor", v[i].actor, sizeof(v[i].actor));
        row_cpy(r, i, "reason", v[i].reason, sizeof(v[i].reason));
    }
    *out = v;
    return 0;
}
