/* routes.h - the route and action tables (routes.c), and the handlers. */
#ifndef FERRY_ROUTES_H
#define FERRY_ROUTES_H

#include "api/api.h"
#include "api/qparam.h"
#include "db/db_instance.h"

struct action;

struct route {
    enum http_method method;
    const char *pattern;            /* below /v2.1, e.g. "/servers/{server_id}/action" */
    handler_fn fn;                  /* NULL: dispatch on the body's action key */
    int min_mv;
    int max_mv;                     /* 0: no maximum */
    const struct action *actions;   /* for action routes, terminated by a NULL key */
};

struct action {
    const char *key;                /* the body's single top-level key */
    handler_fn fn;
    int min_mv;
    int max_mv;
};

#define ROUTE_MAX_PARAMS 4

/* Match method + path (below /v2.1).  Returns the route, NULL when none;
 * *path_known tells whether the path exists for another method.  Path
 * parameters are copied into params[] (each at most 255 bytes). */
const struct route *routes_match(enum http_method method, const char *path,
                                 char params[][256], int *nparams, bool *path_known);

/* Ferry's own routes, by their full path ("/ferry/v1/..."): not
 * microversioned, no project id segment, no legacy tree. */
const struct route *routes_match_ferry(enum http_method method, const char *path,
                                       char params[][256], int *nparams);

/* The tables, for tests and the openapi check (terminated by a NULL pattern). */
extern const struct route routes_table[];
extern const struct route ferry_routes_table[];

/* Handlers (h_*.c). */
int h_version_root(struct ctx *c, struct resp *r, struct err *err);
int h_server_list(struct ctx *c, struct resp *r, struct err *err);
int h_server_detail(struct ctx *c, struct resp *r, struct err *err);
int h_server_show(struct ctx *c, struct resp *r, struct err *err);
int h_migrate_live(struct ctx *c, struct resp *r, struct err *err);
int h_server_migrations_index(struct ctx *c, struct resp *r, struct err *err);
int h_server_migration_show(struct ctx *c, struct resp *r, struct err *err);
int h_server_migration_force_complete(struct ctx *c, struct resp *r, struct err *err);
int h_server_migration_delete(struct ctx *c, struct resp *r, struct err *err);
int h_os_migrations(struct ctx *c, struct resp *r, struct err *err);
int h_instance_actions_index(struct ctx *c, struct resp *r, struct err *err);
int h_instance_action_show(struct ctx *c, struct resp *r, struct err *err);
int h_services_index(struct ctx *c, struct resp *r, struct err *err);
int h_service_update(struct ctx *c, struct resp *r, struct err *err);
int h_hypervisors_index(struct ctx *c, struct resp *r, struct err *err);
int h_hypervisors_detail(struct ctx *c, struct resp *r, struct err *err);
int h_hypervisors_statistics(struct ctx *c, struct resp *r, struct err *err);
int h_hypervisor_show(struct ctx *c, struct resp *r, struct err *err);
int h_hypervisor_uptime(struct ctx *c, struct resp *r, struct err *err);
int h_hypervisor_search(struct ctx *c, struct resp *r, struct err *err);
int h_hypervisor_servers(struct ctx *c, struct resp *r, struct err *err);
int h_aggregates_index(struct ctx *c, struct resp *r, struct err *err);
int h_flavor_list(struct ctx *c, struct resp *r, struct err *err);
int h_flavor_detail(struct ctx *c, struct resp *r, struct err *err);
int h_flavor_show(struct ctx *c, struct resp *r, struct err *err);
int h_flavor_extra_specs_index(struct ctx *c, struct resp *r, struct err *err);
int h_flavor_extra_spec_show(struct ctx *c, struct resp *r, struct err *err);
int h_flavor_access_index(struct ctx *c, struct resp *r, struct err *err);
int h_metadata_index(struct ctx *c, struct resp *r, struct err *err);
int h_metadata_create(struct ctx *c, struct resp *r, struct err *err);
int h_metadata_update_all(struct ctx *c, struct resp *r, struct err *err);
int h_metadata_show(struct ctx *c, struct resp *r, struct err *err);
int h_metadata_update(struct ctx *c, struct resp *r, struct err *err);
int h_metadata_delete(struct ctx *c, struct resp *r, struct err *err);
int h_ferry_migration_show(struct ctx *c, struct resp *r, struct err *err);
/* h_drain.c: POST and GET /ferry/v1/hosts/{host}/drain */
int h_host_drain(struct ctx *c, struct resp *r, struct err *err);
int h_host_drain_show(struct ctx *c, struct resp *r, struct err *err);
/* h_dashboard.c: the dashboard page, read once (dashboard_load, at start-up)
 * and served without a token by GET /ferry/v1/dashboard (ERR_NOT_FOUND when
 * it could not be read) */
void dashboard_load(void);
int h_dashboard(struct resp *r, struct err *err);
/* h_metrics.c: GET /metrics, Prometheus' text format */
int h_metrics(struct ctx *c, struct resp *r, struct err *err);
/* h_metrics.c: GET or HEAD /healthcheck, unauthenticated (oslo.middleware's
 * healthcheck, as Nova's api-paste.ini serves it): 200 "OK" (204 to a
 * HEAD), or 503 with the reason ("DISABLED BY FILE", the database
 * unreachable: checked at most once a second, whatever the probes) */
void h_healthcheck(const struct cfg *cfg, struct db_pool *pool, bool head, struct resp *r);

/* The os-migrateLive body schema of a microversion (h_migrate.c). */
struct schema_obj;
const struct schema_obj *migrate_live_schema(int mv);

/* The instance named by a server id in the URL, as Nova's get_instance: a
 * non-uuid or another project's server (for non-admins) is a 404. */
int api_instance_get(struct ctx *c, const char *server_id, struct db_instance *out,
                     struct err *err);

/* Version documents outside the microversioned tree (h_versions.c). */
json_t *versions_index(const struct cfg *cfg, const char *root_url);
json_t *version_v21(const struct cfg *cfg, const char *root_url);
json_t *version_v20(const char *root_url);
json_t *versions_choices(const struct cfg *cfg, const char *root_url, const char *path);

#endif
