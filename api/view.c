/* view.c - Nova's JSON shapes for servers and migrations. */
#include <stdio.h>
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

static json_t *
view_counter(bool present, int64_t v)
{
    return present ? json_integer(v) : json_null();
}

json_t *
view_server_migration(const struct ctx *c, const struct db_mig *m, bool include_host)
{
    json_t *o = json_object();

    json_object_set_new(o, "created_at", view_time(m->created_us, true));
    json_object_set_new(o, "dest_compute",
                        include_host ? view_str_or_null(m->dest_compute) : json_null());
    json_object_set_new(o, "dest_host",
                        include_host ? view_str_or_null(m->dest_host) : json_null());
    json_object_set_new(o, "dest_node",
                        include_host ? view_str_or_null(m->dest_node) : json_null());
    json_object_set_new(o, "disk_processed_bytes", view_counter(m->has_disk, m->disk_processed));
    json_object_set_new(o, "disk_remaining_bytes", view_counter(m->has_disk, m->disk_remaining));
    json_object_set_new(o, "disk_total_bytes", view_counter(m->has_disk, m->disk_total));
    json_object_set_new(o, "id", json_integer(m->id));
    json_object_set_new(o, "memory_processed_bytes",
                        view_counter(m->has_memory, m->memory_processed));
    json_object_set_new(o, "memory_remaining_bytes",
                        view_counter(m->has_memory, m->memory_remaining));
    json_object_set_new(o, "memory_total_bytes", view_counter(m->has_memory, m->memory_total));
    json_object_set_new(o, "server_uuid", json_string(m->instance_uuid));
    json_object_set_new(o, "source_compute",
                        include_host ? view_str_or_null(m->source_compute) : json_null());
    json_object_set_new(o, "source_node",
                        include_host ? view_str_or_null(m->source_node) : json_null());
    json_object_set_new(o, "status", json_string(m->status_text));
    json_object_set_new(o, "updated_at", view_time(m->updated_us, true));
    if (c->mv >= MV(2, 59))
        json_object_set_new(o, "uuid", json_string(m->uuid));
    if (c->mv >= MV(2, 80)) {
        json_object_set_new(o, "user_id", view_str_or_null(m->user_id));
        json_object_set_new(o, "project_id", view_str_or_null(m->project_id));
    }
    return o;
}

json_t *
view_os_migration(const struct ctx *c, const struct db_mig *m, bool include_host)
{
    json_t *o = json_object();

    /* the order of Nova's Migration object fields */
    json_object_set_new(o, "id", json_integer(m->id));
    if (c->mv >= MV(2, 59))
        json_object_set_new(o, "uuid", json_string(m->uuid));
    json_object_set_new(o, "source_compute",
                        include_host ? view_str_or_null(m->source_compute) : json_null());
    json_object_set_new(o, "dest_compute",
                        include_host ? view_str_or_null(m->dest_compute) : json_null());
    json_object_set_new(o, "source_node",
                        include_host ? view_str_or_null(m->source_node) : json_null());
    json_object_set_new(o, "dest_node",
                        include_host ? view_str_or_null(m->dest_node) : json_null());
    json_object_set_new(o, "dest_host",
                        include_host ? view_str_or_null(m->dest_host) : json_null());
    json_object_set_new(o, "old_instance_type_id",
                        m->old_instance_type_id ? json_integer(m->old_instance_type_id)
                                                : json_null());
    json_object_set_new(o, "new_instance_type_id",
                        m->new_instance_type_id ? json_integer(m->new_instance_type_id)
                                                : json_null());
    json_object_set_new(o, "instance_uuid", json_string(m->instance_uuid));
    json_object_set_new(o, "status", json_string(m->status_text));
    if (c->mv >= MV(2, 23))
        json_object_set_new(o, "migration_type", json_string(m->migration_type));
    if (c->mv >= MV(2, 80)) {
        json_object_set_new(o, "user_id", view_str_or_null(m->user_id));
        json_object_set_new(o, "project_id", view_str_or_null(m->project_id));
    }
    json_object_set_new(o, "created_at", view_time(m->created_us, true));
    json_object_set_new(o, "updated_at", view_time(m->updated_us, true));
    if (c->mv >= MV(2, 23) && strcmp(m->migration_type, "live-migration") == 0 &&
        mig_status_in_progress(m->status)) {
        char path[128];

        snprintf(path, sizeof(path), "servers/%s/migrations/%d", m->instance_uuid, m->id);
        json_object_set_new(o, "links", view_links(c, path));
    }
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

/* -1 (not recorded) is null. */
static json_t *
view_int_or_null(int64_t v)
{
    return v < 0 ? json_null() : json_integer(v);
}

/* 1 / 0 / -1 (not recorded): "allowed" / "forbidden" / null. */
static json_t *
view_permission(int v)
{
    return v < 0 ? json_null() : json_string(mig_opt_permission(v == 1));
}

json_t *
view_ferry_migration(const struct db_mig *m, json_t *events)
{
    json_t *o = json_pack("{s:i,s:s,s:s,s:s,s:s}", "id", m->id, "uuid", m->uuid,
                          "instance_uuid", m->instance_uuid, "migration_type",
                          m->migration_type, "status", m->status_text);

    json_object_set_new(o, "source_compute", view_str_or_null(m->source_compute));
    json_object_set_new(o, "source_node", view_str_or_null(m->source_node));
    json_object_set_new(o, "dest_compute", view_str_or_null(m->dest_compute));
    json_object_set_new(o, "dest_node", view_str_or_null(m->dest_node));
    json_object_set_new(o, "dest_host", view_str_or_null(m->dest_host));
    json_object_set_new(o, "policy", view_str_or_null(m->policy));
    json_object_set_new(o, "policy_requested", view_str_or_null(m->policy_requested));
    json_object_set_new(o, "max_downtime_ms", view_int_or_null(m->max_downtime_ms));
    json_object_set_new(o, "post_copy", view_permission(m->post_copy_permitted));
    json_object_set_new(o, "auto_converge", view_permission(m->auto_converge_permitted));
    json_object_set_new(o, "downtime_ms", view_int_or_null(m->downtime_ms));
    json_object_set_new(o, "downtime_source", view_str_or_null(m->downtime_source));
    json_object_set_new(o, "data_sent_bytes", view_int_or_null(m->data_sent_bytes));
    json_object_set_new(o, "created_at", view_time(m->created_us, true));
    json_object_set_new(o, "updated_at", view_time(m->updated_us, true));
    json_object_set_new(o, "started_at", view_time(m->started_us, true));
    json_object_set_new(o, "finished_at", view_time(m->finished_us, true));
    json_object_set_new(o, "reason", view_str_or_null(m->reason));
    json_object_set_new(o, "events", events);
    return o;
}
