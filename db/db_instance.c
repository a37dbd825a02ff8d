/* db_instance.c - instances: lookup, list, import from libvirt, power sync. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auto.h"
#include "common/log.h"
#include "common/nova.h"
#include "common/util.h"
#include "db/db.h"
#include "db/db_instance.h"
#include "db/db_int.h"

#define INSTANCE_COLS                                                                 \
    " i.id, i.uuid, i.display_name, i.domain_name, i.project_id, i.user_id,"    \
    " coalesce(i.host, '') AS host, coalesce(i.node, '') AS node, i.vm_state,"        \
    " coalesce(i.task_state, '') AS task_state, i.power_state, i.flavor_id,"          \
    " f.flavorid, f.name AS flavor_name, i.memory_mb, i.vcpus, i.root_gb,"            \
    " f.ephemeral_gb, f.swap, f.extra_specs::text AS extra_specs,"                    \
    " i.locked, coalesce(i.progress, -1) AS progress,"                                \
    " coalesce(i.cpu_xml, '') AS cpu_xml,"                                            \
    " array_to_string(i.cpu_features, ',') AS cpu_features,"                          \
    " " US("i.launched_at") " AS launched_us, " US("i.created_at") " AS created_us,"  \
    " " US("i.updated_at") " AS updated_us"
#define INSTANCE_FROM " FROM instances i JOIN flavors f ON f.id = i.flavor_id"
#define INSTANCE_SELECT "SELECT" INSTANCE_COLS INSTANCE_FROM

/* The cpu_features column (names joined by commas, which no libvirt CPU
 * name has) into *o; what does not fit is left out, with a warning. */
static void
instance_read_features(const char *list, const char *uuid, struct db_cpu_features *o)
{
    o->n = 0;
    for (const char *p = list; p && *p;) {
        size_t len = strcspn(p, ",");

        if (o->n == DB_CPU_FEATURES_MAX || len >= sizeof(o->name[0])) {
            log_warnx("instance's CPU features do not fit, the rest left out instance=%s",
                      uuid);
            return;
        }
        memcpy(o->name[o->n], p, len);
        o->name[o->n++][len] = '\0';
        p += len + (p[len] == ',');
    }
}

static void
instance_read(const PGresult *r, int i, struct db_instance *o)
{
    memset(o, 0, sizeof(*o));
    o->id = row_int(r, i, "id");
    row_cpy(r, i, "uuid", o->uuid, sizeof(o->uuid));
    row_cpy(r, i, "display_name", o->name, sizeof(o->name));
    row_cpy(r, i, "domain_name", o->domain_name, sizeof(o->domain_name));
    row_cpy(r, i, "project_id", o->project_id, sizeof(o->project_id));
    row_cpy(r, i, "user_id", o->user_id, sizeof(o->user_id));
    row_cpy(r, i, "host", o->host, sizeof(o->host));
    row_cpy(r, i, "node", o->node, sizeof(o->node));
    row_cpy(r, i, "vm_state", o->vm_state, sizeof(o->vm_state));
    row_cpy(r, i, "task_state", o->task_state, sizeof(o->task_state));
    o->power_state = row_int(r, i, "power_state");
    o->flavor_db_id = row_int(r, i, "flavor_id");
    row_cpy(r, i, "flavorid", o->flavor_id, sizeof(o->flavor_id));
    row_cpy(r, i, "flavor_name", o->flavor_name, sizeof(o->flavor_name));
    o->memory_mb = row_int(r, i, "memory_mb");
    o->vcpus = row_int(r, i, "vcpus");
    o->root_gb = row_int(r, i, "root_gb");
    o->ephemeral_gb = row_int(r, i, "ephemeral_gb");
    o->swap = row_int(r, i, "swap");
    row_cpy(r, i, "extra_specs", o->flavor_extra_specs, sizeof(o->flavor_extra_specs));
    o->locked = row_bool(r, i, "locked");
    row_cpy(r, i, "cpu_xml", o->cpu_xml, sizeof(o->cpu_xml));
    instance_read_features(row_str(r, i, "cpu_features"), o->uuid, &o->cpu_features);
    o->progress = row_int(r, i, "progress");
    o->launched_us = row_i64(r, i, "launched_us");
    o->created_us = row_i64(r, i, "created_us");
    o->updated_us = row_i64(r, i, "updated_us");
}

static const char *const vm_active_paused[] = { "active", "paused", NULL };
static const char *const vm_active[] = { "active", NULL };
static const char *const vm_any[] = { NULL };
static const char *const task_none[] = { "", NULL };
static const char *const task_migrating[] = { "migrating", NULL };

/* db_mig_create()'s statement guards with os-migrateLive's lists */
const struct inst_guard inst_guard_live_migrate = { "os-migrateLive", vm_active_paused,
                                                    task_none, false };
const struct inst_guard inst_guard_force_complete = { "force_complete", vm_active,
                                                      task_migrating, false };
const struct inst_guard inst_guard_abort = { "abort live migration", vm_any, task_migrating,
                                             true };

static bool
guard_in(const char *const *set, const char *s)
{
    for (; *set; set++)
        if (strcmp(*set, s) == 0)
            return true;
    return false;
}

int
db_instance_guard(const struct db_instance *inst, const char *sid, const struct inst_guard *g,
                  bool check_lock, struct err *err)
{
    if (check_lock && inst->locked)
        return g->locked_invalid_state
                   ? err_set(err, ERR_CONFLICT, "Instance %s is in an invalid state for '%s'",
                             sid, g->op)
                   : err_set(err, ERR_CONFLICT, "Instance %s is locked", inst->uuid);
    if (g->vm_states[0] && !guard_in(g->vm_states, inst->vm_state))
        return err_set(err, ERR_CONFLICT, "Cannot '%s' instance %s while it is in vm_state %s",
                       g->op, sid, inst->vm_state);
    if (!guard_in(g->task_states, inst->task_state))
        return err_set(err, ERR_CONFLICT,
                       "Cannot '%s' instance %s while it is in task_state %s", g->op, sid,
                       inst->task_state[0] ? inst->task_state : "None");
    if (!inst->launched_us)
        return err_set(err, ERR_CONFLICT,
                       "Cannot '%s' instance %s while it is in launched_at None", g->op, sid);
    return 0;
}

int
db_instance_get(struct db *db, const char *uuid, const char *project, struct db_instance *out,
                struct err *err)
{
    const char *p[2] = { uuid, project };
    AUTO_PGRES PGresult *r = db_query(db,
                                      INSTANCE_SELECT " WHERE i.uuid = $1::uuid"
                                      " AND NOT i.deleted"
                                      " AND ($2::text IS NULL OR i.project_id = $2)",
                                      2, p, err);

    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        return err_set(err, ERR_NOT_FOUND, "Instance %s could not be found.", uuid);
    instance_read(r, 0, out);
    return 0;
}

int
db_instance_marker_check(struct db *db, const char *uuid, struct err *err)
{
    /* Nova looks the marker up among every instance, deleted ones too */
    AUTO_PGRES PGresult *r = db_query(db, "SELECT 1 FROM instances WHERE uuid = $1::uuid", 1,
                                      &uuid, err);

    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        return err_set(err, ERR_INVALID, "marker [%s] not found", uuid);
    return 0;
}

int
db_instance_list(struct db *db, const struct db_instance_filter *f, struct db_instance **out,
                 int *n, struct err *err)
{
    struct numbuf b[2];
    const char *p[6] = { f->project, f->name_regex, f->host,
                         f->limit > 0 ? num(&b[0], f->limit) : NULL, f->marker,
                         num(&b[1], f->down_time_s) };
    AUTO_PGRES PGresult *r = NULL;
    struct db_instance *v;

    /* the host's status (2.16) in the same query: never one query per row */
    r = db_query(db,
                 "SELECT" INSTANCE_COLS ", i.metadata::text AS metadata,"
                 " CASE WHEN coalesce(i.host, '') = '' THEN ''"
                 "  WHEN h.id IS NULL THEN 'UNKNOWN' WHEN h.disabled THEN 'MAINTENANCE'"
                 "  WHEN NOT h.forced_down AND h.heartbeat_at IS NOT NULL AND"
                 "   h.heartbeat_at > now() - make_interval(secs => $6::int) THEN 'UP'"
                 "  ELSE 'DOWN' END AS host_status"
                 INSTANCE_FROM
                 " LEFT JOIN LATERAL (SELECT ch.id, ch.disabled, ch.forced_down,"
                 "  ch.heartbeat_at FROM compute_hosts ch WHERE ch.host = i.host LIMIT 1) h"
                 "  ON true"
                 " WHERE NOT i.deleted"
                 " AND ($1::text IS NULL OR i.project_id = $1)"
                 " AND ($2::text IS NULL OR i.display_name ~ $2)"
                 " AND ($3::text IS NULL OR i.host = $3)"
                 " AND ($5::uuid IS NULL OR (i.created_at, i.id) <"
                 "  (SELECT mk.created_at, mk.id FROM instances mk WHERE mk.uuid = $5::uuid))"
                 " ORDER BY i.created_at DESC, i.id DESC"
                 " LIMIT $4::int",
                 6, p, err);
    if (!r)
        return -1;
    *n = PQntuples(r);
    if (!(v = calloc((size_t)(*n ? *n : 1), sizeof(*v))))
        fatalx("out of memory");
    for (int i = 0; i < *n; i++) {
        instance_read(r, i, &v[i]);
        row_cpy(r, i, "host_status", v[i].host_status, sizeof(v[i].host_status));
        if (!(v[i].metadata = strdup(row_str(r, i, "metadata"))))
            fatalx("out of memory");
    }
    *out = v;
    return 0;
}

void
db_instance_list_free(struct db_instance *v, int n)
{
    if (!v)
        return;
    for (int i = 0; i < n; i++)
        free(v[i].metadata);
    free(v);
}

/* vm_state follows the power state while no task runs (Nova's power sync). */
static const char *
instance_vm_state_for(int power_state)
{
    static const struct {
        int power_state;
        const char *vm_state;
    } map[] = {
        { POWER_RUNNING, "active" },   { POWER_PAUSED, "paused" },
        { POWER_SUSPENDED, "suspended" }, { POWER_SHUTDOWN, "stopped" },
        { POWER_CRASHED, "stopped" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(map); i++)
        if (map[i].power_state == power_state)
            return map[i].vm_state;
    return "active";
}

/* The flavor of an imported domain, by name, created on first sight; its
 * id into out. */
static int
instance_import_flavor(struct db *db, const struct db_instance *in, char *out,
                       size_t size, struct err *err)
{
    struct numbuf b[5];
    const char *fp[6] = { in->flavor_name, num(&b[0], in->memory_mb), num(&b[1], in->vcpus),
                          num(&b[2], in->root_gb), num(&b[3], in->ephemeral_gb),
                          num(&b[4], in->swap) };
    AUTO_PGRES PGresult *fr = db_query(db,
                  "WITH ins AS (INSERT INTO flavors (flavorid, name, memory_mb, vcpus,"
                  " root_gb, ephemeral_gb, swap) VALUES ($1, $1, $2, $3, $4, $5, $6)"
                  " ON CONFLICT (flavorid) DO NOTHING RETURNING id)"
                  " SELECT id FROM ins UNION ALL"
                  " SELECT id FROM flavors WHERE flavorid = $1 LIMIT 1",
                  6, fp, err);

    if (!fr)
        return -1;
    row_cpy(fr, 0, "id", out, size);
    return 0;
}

int
db_instance_import(struct db *db, const char *host, const char *node,
                   const struct db_instance *in, bool *created, struct err *err)
{
    struct numbuf b[4], ps[3];
    const char *up[2] = { num(&ps[1], POWER_RUNNING), num(&ps[2], POWER_PAUSED) };
    AUTOFREE char *running = db_text_array(up, 2);
    AUTOFREE char *features = NULL;
    const char *names[DB_CPU_FEATURES_MAX];
    AUTO_PGRES PGresult *ir = NULL;
    char flavor[32];
    const char *ip[17];

    if (instance_import_flavor(db, in, flavor, sizeof(flavor), err) < 0)
        return -1;
    ip[0] = in->uuid;
    ip[1] = in->name;
    ip[2] = in->domain_name;
    ip[3] = in->project_id;
    ip[4] = in->user_id;
    ip[5] = host;
    ip[6] = node;
    ip[7] = flavor;
    ip[8] = num(&b[0], in->memory_mb);
    ip[9] = num(&b[1], in->vcpus);
    ip[10] = num(&b[2], in->power_state);
    ip[11] = in->cpu_xml[0] ? in->cpu_xml : NULL;
    ip[12] = num(&b[3], in->root_gb);
    ip[13] = instance_vm_state_for(in->power_state);
    ip[14] = num(&ps[0], POWER_SHUTDOWN);
    ip[15] = running;
    for (int k = 0; k < in->cpu_features.n && k < DB_CPU_FEATURES_MAX; k++)
        names[k] = in->cpu_features.name[k];
    ip[16] = features = db_text_array(names, in->cpu_features.n);
    ir = db_query(db,
             "INSERT INTO instances AS i (uuid, display_name, domain_name, project_id,"
             " user_id, host, node, flavor_id, memory_mb, vcpus, root_gb, power_state,"
             " vm_state, cpu_xml, cpu_features, launched_at, updated_at)"
             " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $13, $11, $14, $12,"
             " $17::text[], now(), now())"
             " ON CONFLICT (uuid) DO UPDATE SET power_state = EXCLUDED.power_state,"
             " vm_state = CASE WHEN i.task_state IS NULL THEN EXCLUDED.vm_state"
             " ELSE i.vm_state END,"
             " host = EXCLUDED.host, node = EXCLUDED.node,"
             /* the CPU a running guest was given (libvirt writes its
              * features into the live XML at start): a sync that caught
              * the domain defined but not started read the inactive one */
             " cpu_xml = CASE WHEN EXCLUDED.power_state = ANY($16::int[])"
             " THEN EXCLUDED.cpu_xml ELSE i.cpu_xml END,"
             " cpu_features = CASE WHEN EXCLUDED.power_state = ANY($16::int[])"
             " THEN EXCLUDED.cpu_features ELSE i.cpu_features END,"
             " updated_at = CASE WHEN i.power_state <> EXCLUDED.power_state"
             " OR i.host <> EXCLUDED.host THEN now() ELSE i.updated_at END"
             /* ours; or moved here behind Ferry's back (say, virsh migrate):
              * its old host reported it gone and no task runs on it */
             " WHERE NOT i.deleted AND (i.host = EXCLUDED.host OR (i.task_state IS NULL"
             " AND i.power_state = $15::int AND EXCLUDED.power_state = ANY($16::int[])))"
             " RETURNING (xmax = 0) AS created,"
             " (SELECT o.host FROM instances o WHERE o.uuid = $1::uuid) IS DISTINCT FROM $6"
             " AND xmax <> 0 AS adopted",
             17, ip, err);
    if (!ir)
        return -1;
    *created = PQntuples(ir) > 0 && row_bool(ir, 0, "created");
    if (PQntuples(ir) > 0 && row_bool(ir, 0, "adopted"))
        log_info("instance found running on another host, adopted instance=%s host=%s",
                 in->uuid, host);
    return 0;
}

int
db_instance_mark_missing(struct db *db, const char *host, const char *const *present, int n,
                         struct err *err)
{
    /* a PostgreSQL array literal of the uuids still present */
    size_t len = 3 + (size_t)n * (UUID_STR_LEN + 1);
    AUTOFREE char *arr = malloc(len);
    AUTO_PGRES PGresult *r = NULL;
    size_t off = 0;
    struct numbuf ps;
    const char *p[4];

    if (!arr)
        fatalx("out of memory");
    arr[off++] = '{';
    for (int i = 0; i < n; i++)
        off += (size_t)snprintf(arr + off, len - off, "%s%s", i ? "," : "", present[i]);
    arr[off++] = '}';
    arr[off] = '\0';
    p[0] = host;
    p[1] = arr;
    p[2] = num(&ps, POWER_SHUTDOWN);
    p[3] = instance_vm_state_for(POWER_SHUTDOWN);
    r = db_query(db,
                 "UPDATE instances SET power_state = $3::int, vm_state = $4,"
                 " updated_at = now()"
                 " WHERE host = $1 AND NOT deleted AND task_state IS NULL"
                 " AND power_state <> $3::int AND NOT (uuid = ANY ($2::uuid[]))"
                 " RETURNING uuid",
                 4, p, err);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++)
        log_info("instance no longer on its host instance=%s host=%s", row_str(r, i, "uuid"),
                 host);
    return 0;
}

int
db_instance_set_dirty_rate(struct db *db, const char *uuid, int64_t bps, int period_s,
                           int64_t age_ms, struct err *err)
{
    struct numbuf b[3];
    const char *p[4] = { uuid, num(&b[0], bps), num(&b[1], period_s),
                         num(&b[2], age_ms > 0 ? age_ms : 0) };
    AUTO_PGRES PGresult *r = db_query(db,
                                      "UPDATE instances SET dirty_rate_bps = $2::bigint,"
                                      " dirty_rate_period_s = $3::int, dirty_rate_at = now()"
                                      " - $4::bigint * interval '1 millisecond'"
                                      " WHERE uuid = $1::uuid AND NOT deleted",
                                      4, p, err);

    return r ? 0 : -1;
}

int
db_instance_dirty_rate(struct db *db, const char *uuid, int max_age_ms,
                       struct db_dirty_rate *out, struct err *err)
{
    struct numbuf b;
    const char *p[2] = { uuid, num(&b, max_age_ms) };
    AUTO_PGRES PGresult *r = db_query(db,
                  "SELECT dirty_rate_bps, dirty_rate_period_s,"
                  " (extract(epoch FROM now() - dirty_rate_at) * 1000)::bigint AS age_ms"
                  " FROM instances WHERE uuid = $1::uuid AND NOT deleted"
                  " AND dirty_rate_at >= now() - $2::int * interval '1 millisecond'",
                  2, p, err);

    memset(out, 0, sizeof(*out));
    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        return 0;
    out->bps = row_i64(r, 0, "dirty_rate_bps");
    out->period_s = row_int(r, 0, "dirty_rate_period_s");
    out->age_ms = row_i64(r, 0, "age_ms");
    return 1;
}
