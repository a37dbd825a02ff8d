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

const struct route *
routes_match(enum http_method method, const char *path, char params[][256], int *nparams,
             bool *path_known)
{
    *path_known = false;
    for (const struct route *rt = routes_table; rt->pattern; rt++) {
        if (!route_path_matches(rt->pattern, path, params, nparams))
            continue;
        *path_known = true;
        if (rt->method == method)
            return rt;
    }
    return NULL;
}
