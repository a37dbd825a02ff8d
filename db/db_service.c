/* db_service.c - compute_hosts as Nova's nova-compute services and their
 * hypervisors (os-services, os-hypervisors): reads with derived state and
 * usage, and the admin's update of a service. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auto.h"
#include "common/log.h"
#include "db/db.h"
#include "db/db_int.h"
#include "db/db_service.h"

/* A service's columns; $1 is service_down_time.  A service is up when not
 * forced down and its heartbeat is recent; updated_at is the newest of the
 * heartbeat and the last change (Nova's row is rewritten by both). */
#define SERVICE_COLS                                                                   \
    " h.id, h.service_uuid, h.host, h.disabled,"                                       \
    " coalesce(h.disabled_reason, '') AS disabled_reason, h.forced_down,"              \
    " " HOST_UP " AS up,"                                                              \
    " " US("greatest(h.heartbeat_at, h.updated_at)") " AS updated_us"

/* A hypervisor with its service and the usage of the instances placed on it. */
#define HYPERVISOR_SELECT                                                              \
    "SELECT" SERVICE_COLS ", h.uuid, h.hypervisor_hostname, h.host_ip,"                \
    " h.hypervisor_type, h.hypervisor_version, h.vcpus, h.memory_mb, h.local_gb,"      \
    " coalesce(h.cpu_info::text, '') AS cpu_info,"                                     \
    " coalesce(u.mem, 0) + h.reserved_memory_mb AS memory_mb_used,"                    \
    " coalesce(u.cpus, 0) AS vcpus_used,"                                              \
    " coalesce(u.disk, 0) AS local_gb_used, coalesce(u.vms, 0) AS running_vms,"        \
    " coalesce(u.busy, 0) AS current_workload"                                         \
    " FROM compute_hosts h LEFT JOIN LATERAL ("                                        \
    "   SELECT sum(i.memory_mb) AS mem, sum(i.vcpus) AS cpus,"                         \
    "   sum(i.root_gb + f.ephemeral_gb) + sum(f.swap) / 1024 AS disk,"                 \
    "   count(*) AS vms, count(i.task_state) AS busy"                                  \
    "   FROM instances i JOIN flavors f ON f.id = i.flavor_id"                         \
    "   WHERE i.host = h.host AND NOT i.deleted) u ON true"

static void
service_read(const PGresult *r, int i, struct db_service *s)
{
    memset(s, 0, sizeof(*s));
    s->id = row_int(r, i, "id");
    row_cpy(r, i, "service_uuid", s->uuid, sizeof(s->uuid));
    row_cpy(r, i, "host", s->host, sizeof(s->host));
    s->disabled = row_bool(r, i, "disabled");
    row_cpy(r, i, "disabled_reason", s->disabled_reason, sizeof(s->disabled_reason));
    s->forced_down = row_bool(r, i, "forced_down");
    s->up = row_bool(r, i, "up");
    s->updated_us = row_i64(r, i, "updated_us");
}

static void
hypervisor_read(const PGresult *r, int i, struct db_hypervisor *h)
{
    memset(h, 0, sizeof(*h));
    service_read(r, i, &h->service);
    h->id = h->service.id;
    row_cpy(r, i, "uuid", h->uuid, sizeof(h->uuid));
    row_cpy(r, i, "hypervisor_hostname", h->hostname, sizeof(h->hostname));
    row_cpy(r, i, "host_ip", h->host_ip, sizeof(h->host_ip));
    row_cpy(r, i, "hypervisor_type", h->hypervisor_type, sizeof(h->hypervisor_type));
    h->hypervisor_version = row_i64(r, i, "hypervisor_version");
    h->vcpus = row_int(r, i, "vcpus");
    h->vcpus_used = row_int(r, i, "vcpus_used");
    h->memory_mb = row_int(r, i, "memory_mb");
    h->memory_mb_used = row_int(r, i, "memory_mb_used");
    h->local_gb = row_int(r, i, "local_gb");
    h->local_gb_used = row_int(r, i, "local_gb_used");
    h->running_vms = row_int(r, i, "running_vms");
    h->current_workload = row_int(r, i, "current_workload");
    row_cpy(r, i, "cpu_info", h->cpu_info, sizeof(h->cpu_info));
}

/* calloc n (at least one) elements or die. */
static void *
service_alloc(int n, size_t size)
{
    void *v = calloc((size_t)(n ? n : 1), size);

    if (!v)
        fatalx("out of memory");
    return v;
}

int
db_service_list(struct db *db, const char *host, int down_time_s, struct db_service **out,
                int *n, struct err *err)
{
    struct numbuf b;
    const char *p[2] = { num(&b, down_time_s), host };
    AUTO_PGRES PGresult *r = db_query(db,
                                      "SELECT" SERVICE_COLS " FROM compute_hosts h"
                                      " WHERE $2::text IS NULL OR h.host = $2 ORDER BY h.id",
                                      2, p, err);
    struct db_service *v;

    if (!r)
        return -1;
    *n = PQntuples(r);
    v = service_alloc(*n, sizeof(*v));
    for (int i = 0; i < *n; i++)
        service_read(r, i, &v[i]);
    *out = v;
    return 0;
}

int
db_service_get(struct db *db, const char *uuid, int down_time_s, struct db_service *out,
               struct err *err)
{
    struct numbuf b;
    const char *p[2] = { num(&b, down_time_s), uuid };
    AUTO_PGRES PGresult *r = db_query(db,
                                      "SELECT" SERVICE_COLS " FROM compute_hosts h"
                                      " WHERE h.service_uuid = $2::uuid",
                                      2, p, err);

    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        return err_set(err, ERR_NOT_FOUND, "Service %s could not be found.", uuid);
    service_read(r, 0, out);
    return 0;
}

int
db_service_update(struct db *db, int id, const struct db_service_change *ch, int down_time_s,
                  struct db_service *out, struct err *err)
{
    struct numbuf b[2];
    const char *p[6];
    AUTO_PGRES PGresult *r = NULL;

    p[0] = num(&b[0], down_time_s);
    p[1] = num(&b[1], id);
    p[2] = ch->disabled < 0 ? NULL : ch->disabled ? "true" : "false";
    p[3] = ch->set_reason ? "true" : "false";
    p[4] = ch->reason;
    p[5] = ch->forced_down < 0 ? NULL : ch->forced_down ? "true" : "false";
    /* RETURNING sees the row as updated, with its derived state */
    r = db_query(db,
                 "UPDATE compute_hosts h SET disabled = coalesce($3::boolean, h.disabled),"
                 " disabled_reason = CASE WHEN $4::boolean THEN $5 ELSE h.disabled_reason END,"
                 " forced_down = coalesce($6::boolean, h.forced_down), updated_at = now()"
                 " WHERE h.id = $2::int RETURNING" SERVICE_COLS,
                 6, p, err);
    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        return err_set(err, ERR_NOT_FOUND, "Service %d could not be found.", id);
    service_read(r, 0, out);
    return 0;
}

int
db_service_done_evacuations(struct db *db, const char *host, bool *any, struct err *err)
{
    const char *p[1] = { host };
    AUTO_PGRES PGresult *r = db_query(db,
                                      "SELECT 1 FROM migrations WHERE source_compute = $1"
                                      " AND status = 'done' AND migration_type = 'evacuation'"
                                      " AND NOT deleted LIMIT 1",
                                      1, p, err);

    if (!r)
        return -1;
    *any = PQntuples(r) > 0;
    return 0;
}

int
db_hypervisor_list(struct db *db, const struct db_hypervisor_filter *f, int down_time_s,
                   struct db_hypervisor **out, int *n, struct err *err)
{
    struct numbuf b[3];
    const char *p[5];
    AUTO_PGRES PGresult *r = NULL;
    struct db_hypervisor *v;

    p[0] = num(&b[0], down_time_s);
    p[1] = f->pattern;
    p[2] = num(&b[1], f->after_id);
    p[3] = f->limit > 0 ? num(&b[2], f->limit) : NULL;
    p[4] = f->enabled_only ? "true" : "false";
    /* Nova's LIKE '%pattern%': '_' in a pattern matches any character there too */
    r = db_query(db,
                 HYPERVISOR_SELECT " WHERE ($2::text IS NULL OR"
                 "   h.hypervisor_hostname LIKE '%' || $2 || '%')"
                 " AND h.id > $3::int AND (NOT $5::boolean OR NOT h.disabled)"
                 " ORDER BY h.id LIMIT $4::int",
                 5, p, err);
    if (!r)
        return -1;
    *n = PQntuples(r);
    v = service_alloc(*n, sizeof(*v));
    for (int i = 0; i < *n; i++)
        hypervisor_read(r, i, &v[i]);
    *out = v;
    return 0;
}

int
db_hypervisor_get(struct db *db, int id, const char *uuid, int down_time_s,
                  struct db_hypervisor *out, struct err *err)
{
    struct numbuf b[2];
    const char *p[3] = { num(&b[0], down_time_s), uuid ? NULL : num(&b[1], id), uuid };
    AUTO_PGRES PGresult *r = db_query(db,
                                      HYPERVISOR_SELECT " WHERE h.id = $2::int"
                                      " OR h.uuid = $3::uuid",
                                      3, p, err);

    if (!r)
        return -1;
    if (PQntuples(r) == 0) {
        if (uuid)
            return err_set(err, ERR_NOT_FOUND, "Compute host %s could not be found.", uuid);
        return err_set(err, ERR_NOT_FOUND, "Compute host %d could not be found.", id);
    }
    hypervisor_read(r, 0, out);
    return 0;
}

int
db_hypervisor_servers(struct db *db, const char *host, struct db_server_ref **out, int *n,
                      struct err *err)
{
    const char *p[1] = { host };
    AUTO_PGRES PGresult *r = db_query(db,
                                      "SELECT uuid, display_name FROM instances"
                                      " WHERE host = $1 AND NOT deleted ORDER BY id",
                                      1, p, err);
    struct db_server_ref *v;

    if (!r)
        return -1;
    *n = PQntuples(r);
    v = service_alloc(*n, sizeof(*v));
    for (int i = 0; i < *n; i++) {
        row_cpy(r, i, "uuid", v[i].uuid, sizeof(v[i].uuid));
        row_cpy(r, i, "display_name", v[i].name, sizeof(v[i].name));
    }
    *out = v;
    return 0;
}
