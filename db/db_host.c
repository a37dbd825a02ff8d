/* db_host.c - compute hosts: registration, heartbeat, reads with usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auto.h"
#include "common/log.h"
#include "db/db.h"
#include "db/db_host.h"
#include "db/db_int.h"

#define HOST_SELECT "SELECT" HOST_COLS " FROM compute_hosts h"

void
db_host_read(const PGresult *r, int i, struct db_host *h)
{
    memset(h, 0, sizeof(*h));
    h->id = row_int(r, i, "id");
    row_cpy(r, i, "uuid", h->uuid, sizeof(h->uuid));
    row_cpy(r, i, "host", h->host, sizeof(h->host));
    row_cpy(r, i, "hypervisor_hostname", h->node, sizeof(h->node));
    row_cpy(r, i, "libvirt_uri", h->libvirt_uri, sizeof(h->libvirt_uri));
    row_cpy(r, i, "migration_addr", h->migration_addr, sizeof(h->migration_addr));
    row_cpy(r, i, "host_ip", h->host_ip, sizeof(h->host_ip));
    h->memory_mb = row_int(r, i, "memory_mb");
    h->vcpus = row_int(r, i, "vcpus");
    h->local_gb = row_int(r, i, "local_gb");
    h->reserved_memory_mb = row_int(r, i, "reserved_memory_mb");
    h->ram_allocation_ratio = row_real(r, i, "ram_allocation_ratio");
    h->cpu_allocation_ratio = row_real(r, i, "cpu_allocation_ratio");
    h->disk_allocation_ratio = row_real(r, i, "disk_allocation_ratio");
    h->free_memory_mb = row_int(r, i, "free_memory_mb");
    h->free_vcpus = row_int(r, i, "free_vcpus");
    h->free_disk_gb = row_int(r, i, "free_disk_gb");
    row_cpy(r, i, "hypervisor_type", h->hypervisor_type, sizeof(h->hypervisor_type));
    h->hypervisor_version = row_i64(r, i, "hypervisor_version");
    h->libvirt_version = row_i64(r, i, "libvirt_version");
    row_cpy(r, i, "cpu_arch", h->cpu_arch, sizeof(h->cpu_arch));
    row_cpy(r, i, "cpu_vendor", h->cpu_vendor, sizeof(h->cpu_vendor));
    row_cpy(r, i, "cpu_model", h->cpu_model, sizeof(h->cpu_model));
    row_cpy(r, i, "cpu_info", h->cpu_info, sizeof(h->cpu_info));
    row_cpy(r, i, "cpu_features", h->cpu_features, sizeof(h->cpu_features));
    row_cpy(r, i, "virt_type", h->virt_type, sizeof(h->virt_type));
    h->disabled = row_bool(r, i, "disabled");
    row_cpy(r, i, "disabled_reason", h->disabled_reason, sizeof(h->disabled_reason));
    h->forced_down = row_bool(r, i, "forced_down");
    h->heartbeat_us = row_i64(r, i, "heartbeat_us");
    h->started_us = row_i64(r, i, "started_us");
    h->created_us = row_i64(r, i, "created_us");
    h->updated_us = row_i64(r, i, "updated_us");
    h->up = row_bool(r, i, "up");
    h->memory_mb_used = row_int(r, i, "memory_mb_used");
    h->vcpus_used = row_int(r, i, "vcpus_used");
    h->running_vms = row_int(r, i, "running_vms");
    h->disk_gb_used = row_int(r, i, "disk_gb_used");
    h->incoming_migrations = row_int(r, i, "incoming_migrations");
}

int
db_host_register(struct db *db, struct db_host *h, const char *cpu_features, struct err *err)
{
    struct numbuf b[9];
    char uuid[UUID_STR_LEN];
    const char *p[22];
    AUTO_PGRES PGresult *r = NULL;

    uuid_new(uuid);
    p[0] = uuid;
    p[1] = h->host;
    p[2] = h->node;
    p[3] = h->libvirt_uri;
    p[4] = h->migration_addr;
    p[5] = h->host_ip;
    p[6] = num(&b[0], h->memory_mb);
    p[7] = num(&b[1], h->vcpus);
    p[8] = num(&b[2], h->local_gb);
    p[9] = h->hypervisor_type;
    p[10] = num(&b[3], h->hypervisor_version);
    p[11] = num(&b[4], h->libvirt_version);
    p[12] = h->cpu_arch;
    p[13] = h->cpu_vendor;
    p[14] = h->cpu_model;
    p[15] = cpu_features;
    p[16] = h->cpu_info[0] ? h->cpu_info : NULL;
    p[17] = h->virt_type;
    p[18] = num(&b[5], h->reserved_memory_mb);
    p[19] = real(&b[6], h->ram_allocation_ratio);
    p[20] = real(&b[7], h->cpu_allocation_ratio);
    p[21] = real(&b[8], h->disk_allocation_ratio);
    r = db_query(db,
                 "INSERT INTO compute_hosts (uuid, host, hypervisor_hostname, libvirt_uri,"
                 " migration_addr, host_ip, memory_mb, vcpus, local_gb, hypervisor_type,"
                 " hypervisor_version, libvirt_version, cpu_arch, cpu_vendor, cpu_model,"
                 " cpu_features, cpu_info, virt_type, reserved_memory_mb, ram_allocation_ratio,"
                 " cpu_allocation_ratio, disk_allocation_ratio, heartbeat_at, started_at)"
                 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,"
                 " $15, $16, $17::jsonb, $18, $19, $20, $21, $22, now(), now())"
                 " ON CONFLICT (host) DO UPDATE SET"
                 " hypervisor_hostname = EXCLUDED.hypervisor_hostname,"
                 " libvirt_uri = EXCLUDED.libvirt_uri,"
                 " migration_addr = EXCLUDED.migration_addr, host_ip = EXCLUDED.host_ip,"
                 " memory_mb = EXCLUDED.memory_mb, vcpus = EXCLUDED.vcpus,"
                 " local_gb = EXCLUDED.local_gb, hypervisor_type = EXCLUDED.hypervisor_type,"
                 " hypervisor_version = EXCLUDED.hypervisor_version,"
                 " libvirt_version = EXCLUDED.libvirt_version, cpu_arch = EXCLUDED.cpu_arch,"
                 " cpu_vendor = EXCLUDED.cpu_vendor, cpu_model = EXCLUDED.cpu_model,"
                 " cpu_features = EXCLUDED.cpu_features, cpu_info = EXCLUDED.cpu_info,"
                 " virt_type = EXCLUDED.virt_type,"
                 " reserved_memory_mb = EXCLUDED.reserved_memory_mb,"
                 " ram_allocation_ratio = EXCLUDED.ram_allocation_ratio,"
                 " cpu_allocation_ratio = EXCLUDED.cpu_allocation_ratio,"
                 " disk_allocation_ratio = EXCLUDED.disk_allocation_ratio,"
                 " heartbeat_at = now(), started_at = now(), updated_at = now()"
                 " RETURNING id, uuid",
                 22, p, err);
    if (!r)
        return -1;
    h->id = row_int(r, 0, "id");
    row_cpy(r, 0, "uuid", h->uuid, sizeof(h->uuid));
    return 0;
}

int
db_host_heartbeat(struct db *db, const char *host, struct err *err)
{
    const char *p[1] = { host };

    return db_cmd(db, "UPDATE compute_hosts SET heartbeat_at = now() WHERE host = $1", 1, p,
                  err);
}

int
db_host_get(struct db *db, const char *host, int down_time_s, struct db_host *out,
            struct err *err)
{
    struct numbuf b;
    const char *p[2] = { num(&b, down_time_s), host };
    AUTO_PGRES PGresult *r = db_query(db, HOST_SELECT " WHERE h.host = $2", 2, p, err);

    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        return err_set(err, ERR_NOT_FOUND, "Compute host %s could not be found.", host);
    db_host_read(r, 0, out);
    return 0;
}

int
db_host_memory(struct db *db, const char *host, int migration_id, struct db_host_memory *out,
               struct err *err)
{
    struct numbuf b;
    const char *p[2] = { host, num(&b, migration_id) };
    AUTO_PGRES PGresult *r = db_query(
        db,
        "SELECT h.memory_mb, h.ram_allocation_ratio, h.reserved_memory_mb,"
        "       h.memory_mb_used, h.claimed_memory_mb - coalesce(c.memory_mb, 0) AS claimed,"
        "       h.free_memory_mb + coalesce(c.memory_mb, 0) AS free"
        "  FROM compute_hosts h"
        "  LEFT JOIN claims c ON c.migration_id = $2::int AND c.host = h.host"
        " WHERE h.host = $1",
        2, p, err);

    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        return err_set(err, ERR_NOT_FOUND, "Compute host %s could not be found.", host);
    out->memory_mb = row_int(r, 0, "memory_mb");
    out->ram_allocation_ratio = row_real(r, 0, "ram_allocation_ratio");
    out->reserved_mb = row_int(r, 0, "reserved_memory_mb");
    out->used_mb = row_int(r, 0, "memory_mb_used");
    out->claimed_mb = row_int(r, 0, "claimed");
    out->free_mb = row_int(r, 0, "free");
    return 0;
}

int
db_host_list(struct db *db, int down_time_s, struct db_host **out, int *n, struct err *err)
{
    struct numbuf b;
    const char *p[1] = { num(&b, down_time_s) };
    AUTO_PGRES PGresult *r = db_query(db, HOST_SELECT " ORDER BY h.host", 1, p, err);
    struct db_host *hosts;

    if (!r)
        return -1;
    *n = PQntuples(r);
    hosts = calloc((size_t)(*n ? *n : 1), sizeof(*hosts));
    if (!hosts)
        fatalx("out of memory");
    for (int i = 0; i < *n; i++)
        db_host_read(r, i, &hosts[i]);
    *out = hosts;
    return 0;
}

int
db_host_list_named(struct db *db, int down_time_s, const char *names, struct db_host **out,
                   int *n, struct err *err)
{
    struct numbuf b;
    const char *p[2] = { num(&b, down_time_s), names };
    AUTO_PGRES PGresult *r = db_query(db,
                                      HOST_SELECT " WHERE h.host = ANY ($2::text[])"
                                      " ORDER BY array_position($2::text[], h.host)",
                                      2, p, err);
    struct db_host *hosts;

    if (!r)
        return -1;
    *n = PQntuples(r);
    if (!(hosts = calloc((size_t)(*n ? *n : 1), sizeof(*hosts))))
        fatalx("out of memory");
    for (int i = 0; i < *n; i++)
        db_host_read(r, i, &hosts[i]);
    *out = hosts;
    return 0;
}
