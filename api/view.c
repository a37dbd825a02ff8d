/* view.c - Nova's JSON shapes for servers and migrations. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "api/auth.h"
#include "api/view.h"
#include "common/auto.h"
#include "common/util.h"
#include "db/db_flavor.h"
#include "db/db_instance.h"
#include "db/db_mig.h"
#include "db/db_types.h"

json_t *
view_time(int64_t us, bool frac)
{
    char buf[40];

    if (us == 0)
        return json_null();
    time_fmt(us, frac, buf, sizeof(buf));
    return json_string(buf);
}

json_t *
view_str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* Nova's _STATE_MAP, for the states a live-migration service meets. */
const char *
view_server_status(const struct db_instance *i)
{
    static const struct {
        const char *vm_state;
        const char *status;
    } defaults[] = {
        { "active", "ACTIVE" },     { "paused", "PAUSED" },   { "stopped", "SHUTOFF" },
        { "suspended", "SUSPENDED" }, { "error", "ERROR" },  { "building", "BUILD" },
        { "deleted", "DELETED" },   { "shelved", "SHELVED" }, { "rescued", "RESCUE" },
    };

    if (strcmp(i->task_state, "migrating") == 0 &&
        (strcmp(i->vm_state, "active") == 0 || strcmp(i->vm_state, "paused") == 0))
        return "MIGRATING";
    for (size_t k = 0; k < ARRAY_SIZE(defaults); k++)
        if (strcmp(i->vm_state, defaults[k].vm_state) == 0)
            return defaults[k].status;
    return "UNKNOWN";
}

json_t *
view_links(const struct ctx *c, const char *path)
{
    char self[1024], bookmark[1024];

    snprintf(self, sizeof(self), "%s/%s", c->base_url, path);
    snprintf(bookmark, sizeof(bookmark), "%s%s%s/%s", c->root_url,
             c->url_project[0] ? "/" : "", c->url_project, path);
    return json_pack("[{s:s,s:s},{s:s,s:s}]", "rel", "self", "href", self, "rel", "bookmark",
                     "href", bookmark);
}

/* Nova's hostId: sha224(project_id + host), hex; "" without a host. */
static void
view_host_id(const struct db_instance *i, char out[57])
{
    unsigned char digest[28];
    char data[600];
    int n;

    out[0] = '\0';
    if (!i->host[0])
        return;
    n = snprintf(data, sizeof(data), "%s%s", i->project_id, i->host);
    if (gnutls_hash_fast(GNUTLS_DIG_SHA224, data, (size_t)n, digest) < 0)
        return;
    for (int k = 0; k < 28; k++)
        snprintf(out + 2 * k, 3, "%02x", digest[k]);
}

static json_t *
view_flavor(const struct ctx *c, const struct db_instance *i)
{
    json_error_t jerr;
    json_t *specs;
    char href[1024];

    if (c->mv >= MV(2, 47)) {
        specs = json_loads(i->flavor_extra_specs, 0, &jerr);
        return json_pack("{s:i,s:i,s:i,s:i,s:i,s:s,s:o}", "vcpus", i->vcpus, "ram",
                         i->memory_mb, "disk", i->root_gb, "ephemeral", i->ephemeral_gb,
                         "swap", i->swap, "original_name", i->flavor_name, "extra_specs",
                         specs ? specs : json_object());
    }
    snprintf(href, sizeof(href), "%s%s%s/flavors/%s", c->root_url,
             c->url_project[0] ? "/" : "", c->url_project, i->flavor_id);
    return json_pack("{s:s,s:[{s:s,s:s}]}", "id", i->flavor_id, "links", "rel", "bookmark",
                     "href", href);
}

static void
view_server_admin(const struct ctx *c, const struct db_instance *i, json_t *s)
{
    json_object_set_new(s, "OS-EXT-SRV-ATTR:host", view_str_or_null(i->host));
    json_object_set_new(s, "OS-EXT-SRV-ATTR:instance_name", json_string(i->domain_name));
    json_object_set_new(s, "OS-EXT-SRV-ATTR:hypervisor_hostname", view_str_or_null(i->node));
    if (c->mv >= MV(2, 3)) {
        json_object_set_new(s, "OS-EXT-SRV-ATTR:reservation_id", json_string(""));
        json_object_set_new(s, "OS-EXT-SRV-ATTR:launch_index", json_integer(0));
        json_object_set_new(s, "OS-EXT-SRV-ATTR:hostname", json_string(i->name));
        json_object_set_new(s, "OS-EXT-SRV-ATTR:kernel_id", json_string(""));
        json_object_set_new(s, "OS-EXT-SRV-ATTR:ramdisk_id", json_string(""));
        json_object_set_new(s, "OS-EXT-SRV-ATTR:root_device_name", json_null());
        json_object_set_new(s, "OS-EXT-SRV-ATTR:user_data", json_null());
    }
}

json_t *
view_server(const struct ctx *c, const struct db_instance *i, const char *host_status)
{
    json_error_t jerr;
    json_t *s, *meta;
    char host_id[57], path[128];
    const char *status = view_server_status(i);

    view_host_id(i, host_id);
    snprintf(path, sizeof(path), "servers/%s", i->uuid);
    meta = i->metadata ? json_loads(i->metadata, 0, &jerr) : NULL;
    s = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:o,s:o,s:o,s:{},s:s,s:s,s:o}",
                  "id", i->uuid, "name", i->name, "status", status, "tenant_id",
                  i->project_id, "user_id", i->user_id, "metadata", meta ? meta : json_object(),
                  "hostId", host_id, "image", "", "flavor", view_flavor(c, i), "created",
                  view_time(i->created_us, false), "updated",
                  view_time(i->updated_us ? i->updated_us : i->created_us, false),
                  "addresses", "accessIPv4", "", "accessIPv6", "", "links",
                  view_links(c, path));
    json_object_set_new(s, "OS-DCF:diskConfig", json_string("MANUAL"));
    if (strcmp(status, "ACTIVE") == 0 || strcmp(status, "MIGRATING") == 0)
        json_object_set_new(s, "progress", json_integer(i->progress > 0 ? i->progress : 0));
    json_object_set_new(s, "OS-EXT-AZ:availability_zone", json_string("nova"));
    json_object_set_new(s, "config_drive", json_string(""));
    json_object_set_new(s, "key_name", json_null());
    json_object_set_new(s, "OS-SRV-USG:launched_at", view_time(i->launched_us, true));
    json_object_set_new(s, "OS-SRV-USG:terminated_at", json_null());
    if (authz_allows(&c->who, AUTHZ_SERVERS_HOST_ATTR, i->project_id))
        view_server_admin(c, i, s);
    json_object_set_new(s, "OS-EXT-STS:task_state", view_str_or_null(i->task_state));
    json_object_set_new(s, "OS-EXT-STS:vm_state", json_string(i->vm_state));
    json_object_set_new(s, "OS-EXT-STS:power_state", json_integer(i->power_state));
    json_object_set_new(s, "os-extended-volumes:volumes_attached", json_array());
    json_object_set_new(s, "security_groups", json_pack("[{s:s}]", "name", "default"));
    if (c->mv >= MV(2, 9))
        json_object_set_new(s, "locked", json_boolean(i->locked));
    if (c->mv >= MV(2, 16) && host_status && c->who.is_admin)
        json_object_set_new(s, "host_status", json_string(host_status));
    if (c->mv >= MV(2, 19))
        json_object_set_new(s, "description", json_null());
    if (c->mv >= MV(2, 26))
        json_object_set_new(s, "tags", json_array());
    if (c->mv >= MV(2, 63))
        json_object_set_new(s, "trusted_image_certificates", json_null());
    if (c->mv >= MV(2, 73))
        json_object_set_new(s, "locked_reason", json_null());
    if (c->mv >= MV(2, 96))
        json_object_set_new(s, "pinned_availability_zone", json_null());
    return s;
}

json_t *
view_server_brief(const struct ctx *c, const struct db_instance *i)
{
    char path[128];

    snprintf(path, sizeof(path), "servers/%s", i->uuid);
    return json_pack("{s:s,s:o,s:s}", "id", i->uuid, "links", view_links(c, path), "name",
                     i->name);
}

/* A migration's fields as Nova's and Ferry's views show them: one row a key,
 * in the view's order, with how its value is read from struct db_mig. */
enum mig_kind {
    MK_STR,                         /* text */
    MK_STR_OR_NULL,                 /* text, null when "" */
    MK_HOST,                        /* text or null, and null unless include_host */
    MK_INT,                         /* int */
    MK_INT_OR_NULL,                 /* int, null when 0 (an instance type id) */
    MK_RECORDED,                    /* int or int64 (size), null when < 0 */
    MK_PERMISSION,                  /* int: 1 "allowed", 0 "forbidden", < 0 null */
    MK_TIME,                        /* int64 epoch us, Nova's form, null when 0 */
    MK_MEMORY,                      /* int64 counter, null until the job reports */
    MK_DISK,
};

struct mig_field {
    const char *key;
    enum mig_kind kind;
    size_t off;                     /* in struct db_mig */
    size_t size;                    /* of the member: MK_RECORDED reads int or int64 */
    int mv;                         /* shown from this microversion (0: always) */
};

#define MF(key, kind, member, mv)                                                          \
    { key, kind, offsetof(struct db_mig, member), sizeof(((struct db_mig *)0)->member), mv }

static json_t *
view_mig_value(const struct mig_field *f, const struct db_mig *m, bool include_host)
{
    const char *p = (const char *)m + f->off;
    int64_t v = 0;

    switch (f->kind) {
    case MK_STR:
        return json_string(p);
    case MK_STR_OR_NULL:
        return view_str_or_null(p);
    case MK_HOST:
        return include_host ? view_str_or_null(p) : json_null();
    case MK_INT:
        return json_integer(*(const int *)p);
    case MK_INT_OR_NULL:
        return *(const int *)p ? json_integer(*(const int *)p) : json_null();
    case MK_RECORDED:
        v = f->size == sizeof(int64_t) ? *(const int64_t *)p : *(const int *)p;
        return v < 0 ? json_null() : json_integer(v);
    case MK_PERMISSION:
        return *(const int *)p < 0 ? json_null()
                                   : json_string(mig_opt_permission(*(const int *)p == 1));
    case MK_TIME:
        return view_time(*(const int64_t *)p, true);
    case MK_MEMORY:
        return m->has_memory ? json_integer(*(const int64_t *)p) : json_null();
    case MK_DISK:
        return m->has_disk ? json_integer(*(const int64_t *)p) : json_null();
    }
    abort();
}

/* Set on o the fields of table[0..n) that the microversion mv shows. */
static void
view_mig_fields(json_t *o, const struct mig_field *table, size_t n, int mv,
                const struct db_mig *m, bool include_host)
{
    for (size_t i = 0; i < n; i++)
        if (mv >= table[i].mv)
            json_object_set_new(o, table[i].key, view_mig_value(&table[i], m, include_host));
}

/* Nova's server migration, in its view's order (keys sorted). */
static const struct mig_field server_migration_fields[] = {
    MF("created_at", MK_TIME, created_us, 0),
    MF("dest_compute", MK_HOST, dest_compute, 0),
    MF("dest_host", MK_HOST, dest_host, 0),
    MF("dest_node", MK_HOST, dest_node, 0),
    MF("disk_processed_bytes", MK_DISK, disk_processed, 0),
    MF("disk_remaining_bytes", MK_DISK, disk_remaining, 0),
    MF("disk_total_bytes", MK_DISK, disk_total, 0),
    MF("id", MK_INT, id, 0),
    MF("memory_processed_bytes", MK_MEMORY, memory_processed, 0),
    MF("memory_remaining_bytes", MK_MEMORY, memory_remaining, 0),
    MF("memory_total_bytes", MK_MEMORY, memory_total, 0),
    MF("server_uuid", MK_STR, instance_uuid, 0),
    MF("source_compute", MK_HOST, source_compute, 0),
    MF("source_node", MK_HOST, source_node, 0),
    MF("status", MK_STR, status_text, 0),
    MF("updated_at", MK_TIME, updated_us, 0),
    MF("uuid", MK_STR, uuid, MV(2, 59)),
    MF("user_id", MK_STR_OR_NULL, user_id, MV(2, 80)),
    MF("project_id", MK_STR_OR_NULL, project_id, MV(2, 80)),
};

/* Nova's os-migrations item, in the order of its Migration object's fields. */
static const struct mig_field os_migration_fields[] = {
    MF("id", MK_INT, id, 0),
    MF("uuid", MK_STR, uuid, MV(2, 59)),
    MF("source_compute", MK_HOST, source_compute, 0),
    MF("dest_compute", MK_HOST, dest_compute, 0),
    MF("source_node", MK_HOST, source_node, 0),
    MF("dest_node", MK_HOST, dest_node, 0),
    MF("dest_host", MK_HOST, dest_host, 0),
    MF("old_instance_type_id", MK_INT_OR_NULL, old_instance_type_id, 0),
    MF("new_instance_type_id", MK_INT_OR_NULL, new_instance_type_id, 0),
    MF("instance_uuid", MK_STR, instance_uuid, 0),
    MF("status", MK_STR, status_text, 0),
    MF("migration_type", MK_STR, migration_type, MV(2, 23)),
    MF("user_id", MK_STR_OR_NULL, user_id, MV(2, 80)),
    MF("project_id", MK_STR_OR_NULL, project_id, MV(2, 80)),
    MF("created_at", MK_TIME, created_us, 0),
    MF("updated_at", MK_TIME, updated_us, 0),
};

/* Ferry's record of a migration (never microversioned, hosts always shown). */
static const struct mig_field ferry_migration_fields[] = {
    MF("id", MK_INT, id, 0),
    MF("uuid", MK_STR, uuid, 0),
    MF("instance_uuid", MK_STR, instance_uuid, 0),
    MF("migration_type", MK_STR, migration_type, 0),
    MF("status", MK_STR, status_text, 0),
    MF("source_compute", MK_STR_OR_NULL, source_compute, 0),
    MF("source_node", MK_STR_OR_NULL, source_node, 0),
    MF("dest_compute", MK_STR_OR_NULL, dest_compute, 0),
    MF("dest_node", MK_STR_OR_NULL, dest_node, 0),
    MF("dest_host", MK_STR_OR_NULL, dest_host, 0),
    MF("policy", MK_STR_OR_NULL, policy, 0),
    MF("policy_requested", MK_STR_OR_NULL, policy_requested, 0),
    MF("max_downtime_ms", MK_RECORDED, max_downtime_ms, 0),
    MF("post_copy", MK_PERMISSION, post_copy_permitted, 0),
    MF("auto_converge", MK_PERMISSION, auto_converge_permitted, 0),
    MF("downtime_ms", MK_RECORDED, downtime_ms, 0),
    MF("downtime_source", MK_STR_OR_NULL, downtime_source, 0),
    MF("data_sent_bytes", MK_RECORDED, data_sent_bytes, 0),
    MF("created_at", MK_TIME, created_us, 0),
    MF("updated_at", MK_TIME, updated_us, 0),
    MF("started_at", MK_TIME, started_us, 0),
    MF("finished_at", MK_TIME, finished_us, 0),
    MF("reason", MK_STR_OR_NULL, reason, 0),
};

json_t *
view_server_migration(const struct ctx *c, const struct db_mig *m, bool include_host)
{
    json_t *o = json_object();

    view_mig_fields(o, server_migration_fields, ARRAY_SIZE(server_migration_fields), c->mv, m,
                    include_host);
    return o;
}

json_t *
view_os_migration(const struct ctx *c, const struct db_mig *m, bool include_host)
{
    json_t *o = json_object();

    view_mig_fields(o, os_migration_fields, ARRAY_SIZE(os_migration_fields), c->mv, m,
                    include_host);
    if (c->mv >= MV(2, 23) && strcmp(m->migration_type, "live-migration") == 0 &&
        mig_status_in_progress(m->status)) {
        char path[128];

        snprintf(path, sizeof(path), "servers/%s/migrations/%d", m->instance_uuid, m->id);
        json_object_set_new(o, "links", view_links(c, path));
    }
    return o;
}

json_t *
view_ferry_migration(const struct db_mig *m, json_t *events)
{
    json_t *o = json_object();

    view_mig_fields(o, ferry_migration_fields, ARRAY_SIZE(ferry_migration_fields), 0, m, true);
    json_object_set_new(o, "events", events);
    return o;
}

void
view_hostid(const char *project_id, const char *host, char out[57])
{
    unsigned char digest[28];
    char data[600];
    int n;

    out[0] = '\0';
    if (!host || !*host)
        return;
    n = snprintf(data, sizeof(data), "%s%s", project_id ? project_id : "", host);
    if (n < 0 || (size_t)n >= sizeof(data) ||
        gnutls_hash_fast(GNUTLS_DIG_SHA224, data, (size_t)n, digest) < 0)
        return;
    for (int k = 0; k < 28; k++)
        snprintf(out + 2 * k, 3, "%02x", digest[k]);
}

/* ---- flavors ------------------------------------------------------------------------ */

json_t *
view_flavor_brief(const struct ctx *c, const struct db_flavor *f)
{
    char path[NAME_LEN + 16];
    json_t *o;

    snprintf(path, sizeof(path), "flavors/%s", f->flavorid);
    o = json_pack("{s:s,s:s,s:o}", "id", f->flavorid, "name", f->name, "links",
                  view_links(c, path));
    if (c->mv >= MV(2, 55))
        json_object_set_new(o, "description", view_str_or_null(f->description));
    return o;
}

json_t *
view_flavor_full(const struct ctx *c, const struct db_flavor *f, bool extra_specs)
{
    json_error_t jerr;
    char path[NAME_LEN + 16];
    json_t *o, *specs;

    snprintf(path, sizeof(path), "flavors/%s", f->flavorid);
    /* Nova's view: swap and rxtx_factor "" when 0, until 2.75 makes swap
     * a number; 2.102 drops disabled and rxtx_factor */
    o = json_pack("{s:s,s:s,s:i,s:i}", "id", f->flavorid, "name", f->name, "ram",
                  f->memory_mb, "disk", f->root_gb);
    json_object_set_new(o, "swap", f->swap || c->mv >= MV(2, 75) ? json_integer(f->swap)
                                                                   : json_string(""));
    json_object_set_new(o, "OS-FLV-EXT-DATA:ephemeral", json_integer(f->ephemeral_gb));
    if (c->mv < MV(2, 102))
        json_object_set_new(o, "OS-FLV-DISABLED:disabled", json_boolean(f->disabled));
    json_object_set_new(o, "vcpus", json_integer(f->vcpus));
    json_object_set_new(o, "os-flavor-access:is_public", json_boolean(f->is_public));
    if (c->mv < MV(2, 102))
        json_object_set_new(o, "rxtx_factor", f->rxtx_factor != 0 ? json_real(f->rxtx_factor)
                                                                  : json_string(""));
    json_object_set_new(o, "links", view_links(c, path));
    if (c->mv >= MV(2, 55))
        json_object_set_new(o, "description", view_str_or_null(f->description));
    if (extra_specs) {
        specs = json_loads(f->extra_specs, 0, &jerr);
        json_object_set_new(o, "extra_specs", json_is_object(specs) ? specs : json_object());
        if (specs && !json_is_object(specs))
            json_decref(specs);
    }
    return o;
}
