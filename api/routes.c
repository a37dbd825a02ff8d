/* routes.c - every route ferry-api serves, as data.
 *
 * Patterns are relative to /v2.1 (and to /v2.1/{project_id}, which the
 * router strips).  openapi.yaml describes the same pairs; tests/check-routes.sh
 * diffs the two.  Microversion floors are Nova's.
 */
#include <string.h>

#include "api/routes.h"
#include "common/util.h"

static const struct action server_actions[] = {
    { "os-migrateLive", h_migrate_live, MV(2, 1), 0 },
    { NULL, NULL, 0, 0 },
};

static const struct action migration_actions[] = {
    { "force_complete", h_server_migration_force_complete, MV(2, 22), 0 },
    { NULL, NULL, 0, 0 },
};

const struct route routes_table[] = {
    { HTTP_GET, "/", h_version_root, MV(2, 1), 0, NULL },
    { HTTP_GET, "/servers", h_server_list, MV(2, 1), 0, NULL },
    { HTTP_GET, "/servers/detail", h_server_detail, MV(2, 1), 0, NULL },
    { HTTP_GET, "/servers/{server_id}", h_server_show, MV(2, 1), 0, NULL },
    { HTTP_GET, "/servers/{server_id}/metadata", h_metadata_index, MV(2, 1), 0, NULL },
    { HTTP_POST, "/servers/{server_id}/metadata", h_metadata_create, MV(2, 1), 0, NULL },
    { HTTP_PUT, "/servers/{server_id}/metadata", h_metadata_update_all, MV(2, 1), 0, NULL },
    { HTTP_GET, "/servers/{server_id}/metadata/{key}", h_metadata_show, MV(2, 1), 0, NULL },
    { HTTP_PUT, "/servers/{server_id}/metadata/{key}", h_metadata_update, MV(2, 1), 0, NULL },
    { HTTP_DELETE, "/servers/{server_id}/metadata/{key}", h_metadata_delete, MV(2, 1), 0,
      NULL },
    { HTTP_POST, "/servers/{server_id}/action", NULL, MV(2, 1), 0, server_actions },
    { HTTP_GET, "/servers/{server_id}/migrations", h_server_migrations_index, MV(2, 23), 0,
      NULL },
    { HTTP_GET, "/servers/{server_id}/migrations/{migration_id}", h_server_migration_show,
      MV(2, 23), 0, NULL },
    { HTTP_POST, "/servers/{server_id}/migrations/{migration_id}/action", NULL, MV(2, 22), 0,
      migration_actions },
    { HTTP_DELETE, "/servers/{server_id}/migrations/{migration_id}",
      h_server_migration_delete, MV(2, 24), 0, NULL },
    { HTTP_GET, "/os-migrations", h_os_migrations, MV(2, 1), 0, NULL },
    { HTTP_GET, "/servers/{server_id}/os-instance-actions", h_instance_actions_index, MV(2, 1),
      0, NULL },
    { HTTP_GET, "/servers/{server_id}/os-instance-actions/{request_id}",
      h_instance_action_show, MV(2, 1), 0, NULL },
    { HTTP_GET, "/os-services", h_services_index, MV(2, 1), 0, NULL },
    /* below 2.53 {service_id} is the action: enable, disable, ... */
    { HTTP_PUT, "/os-services/{service_id}", h_service_update, MV(2, 1), 0, NULL },
    /* the fixed names before {hypervisor_id}: the first match wins */
    { HTTP_GET, "/os-hypervisors", h_hypervisors_index, MV(2, 1), 0, NULL },
    { HTTP_GET, "/os-hypervisors/detail", h_hypervisors_detail, MV(2, 1), 0, NULL },
    { HTTP_GET, "/os-hypervisors/statistics", h_hypervisors_statistics, MV(2, 1), MV(2, 87),
      NULL },
    { HTTP_GET, "/os-hypervisors/{hypervisor_id}", h_hypervisor_show, MV(2, 1), 0, NULL },
    { HTTP_GET, "/os-hypervisors/{hypervisor_id}/uptime", h_hypervisor_uptime, MV(2, 1),
      MV(2, 87), NULL },
    { HTTP_GET, "/os-hypervisors/{hypervisor_id}/search", h_hypervisor_search, MV(2, 1),
      MV(2, 52), NULL },
    { HTTP_GET, "/os-hypervisors/{hypervisor_id}/servers", h_hypervisor_servers, MV(2, 1),
      MV(2, 52), NULL },
    { HTTP_GET, "/os-aggregates", h_aggregates_index, MV(2, 1), 0, NULL },
    /* "detail" before {flavor_id}: the first match wins, as in Nova */
    { HTTP_GET, "/flavors", h_flavor_list, MV(2, 1), 0, NULL },
    { HTTP_GET, "/flavors/detail", h_flavor_detail, MV(2, 1), 0, NULL },
    { HTTP_GET, "/flavors/{flavor_id}", h_flavor_show, MV(2, 1), 0, NULL },
    { HTTP_GET, "/flavors/{flavor_id}/os-extra_specs", h_flavor_extra_specs_index, MV(2, 1), 0,
      NULL },
    { HTTP_GET, "/flavors/{flavor_id}/os-extra_specs/{flavor_extra_spec_key}",
      h_flavor_extra_spec_show, MV(2, 1), 0, NULL },
    { HTTP_GET, "/flavors/{flavor_id}/os-flavor-access", h_flavor_access_index, MV(2, 1), 0,
      NULL },
    { HTTP_OTHER, NULL, NULL, 0, 0, NULL },
};

/* Ferry's own routes (DESIGN "Ferry's own routes"): full paths, outside the
 * microversioned tree, never microversioned (min_mv 0). */
const struct route ferry_routes_table[] = {
    { HTTP_GET, "/ferry/v1/migrations/{migration_id}", h_ferry_migration_show, 0, 0, NULL },
    { HTTP_GET, "/metrics", h_metrics, 0, 0, NULL },
    { HTTP_POST, "/ferry/v1/hosts/{host}/drain", h_host_drain, 0, 0, NULL },
    { HTTP_GET, "/ferry/v1/hosts/{host}/drain", h_host_drain_show, 0, 0, NULL },
    { HTTP_OTHER, NULL, NULL, 0, 0, NULL },
};

/* Does path match pattern?  Fills params for {name} segments. */
static bool
route_path_matches(const char *pattern, const char *path, char params[][256], int *nparams)
{
    const char *p = pattern;
    const char *s = path;

    *nparams = 0;
    while (*p && *s) {
        if (*p == '{') {
            const char *pe = strchr(p, '}');
            size_t n = strcspn(s, "/");

            if (!pe || n == 0 || n >= 256 || *nparams == ROUTE_MAX_PARAMS)
                return false;
            memcpy(params[*nparams], s, n);
            params[*nparams][n] = '\0';
            (*nparams)++;
            p = pe + 1;
            s += n;
            continue;
        }
        if (*p != *s)
            return false;
        p++;
        s++;
    }
    return *p == '\0' && *s == '\0';
}

static const struct route *
routes_match_in(const struct route *table, enum http_method method, const char *path,
                char params[][256], int *nparams, bool *path_known)
{
    *path_known = false;
    for (const struct route *rt = table; rt->pattern; rt++) {
        if (!route_path_matches(rt->pattern, path, params, nparams))
            continue;
        *path_known = true;
        if (rt->method == method)
            return rt;
    }
    return NULL;
}

const struct route *
routes_match(enum http_method method, const char *path, char params[][256], int *nparams,
             bool *path_known)
{
    return routes_match_in(routes_table, method, path, params, nparams, path_known);
}

const struct route *
routes_match_ferry(enum http_method method, const char *path, char params[][256],
                   int *nparams)
{
    bool known;

    return routes_match_in(ferry_routes_table, method, path, params, nparams, &known);
}
