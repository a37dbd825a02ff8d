/* view.h - rows to Nova's JSON, per microversion (view.c). */
#ifndef FERRY_VIEW_H
#define FERRY_VIEW_H

#include <jansson.h>

#include "api/api.h"
#include "db/db_flavor.h"
#include "db/db_instance.h"
#include "db/db_mig.h"

/* Nova's server status from vm_state and task_state (ACTIVE, MIGRATING, ...). */
const char *view_server_status(const struct db_instance *i);

/* GET /servers/{id} and each item of /servers/detail; host_status is "UP",
 * "DOWN" or "" for the server's host (2.16). */
json_t *view_server(const struct ctx *c, const struct db_instance *i, const char *host_status);

/* Each item of GET /servers: id, links, name. */
json_t *view_server_brief(const struct ctx *c, const struct db_instance *i);

/* A server migration (GET /servers/{id}/migrations[/{mid}]). */
json_t *view_server_migration(const struct ctx *c, const struct db_mig *m, bool include_host);

/* An item of GET /os-migrations. */
json_t *view_os_migration(const struct ctx *c, const struct db_mig *m, bool include_host);

/* GET /ferry/v1/migrations/{id}'s migration: Ferry's record of what it
 * uses and what it cost, with events (owned by the result). */
json_t *view_ferry_migration(const struct db_mig *m, json_t *events);

/* Each item of GET /flavors: id, name, links (and description from 2.55). */
json_t *view_flavor_brief(const struct ctx *c, const struct db_flavor *f);

/* GET /flavors/{id} and each item of /flavors/detail, in the microversion's
 * shape (2.55 description, 2.75 swap 0 not "", 2.102 no disabled nor
 * rxtx_factor); extra_specs (2.61) when the caller may read them. */
json_t *view_flavor_full(const struct ctx *c, const struct db_flavor *f, bool extra_specs);

/* [{"rel": "self", ...}, {"rel": "bookmark", ...}] for a resource path such
 * as "servers/<uuid>". */
json_t *view_links(const struct ctx *c, const char *path);

/* A timestamp in Nova's forms: "2016-01-29T13:42:02.000000" (frac) or
 * "2016-01-29T13:42:02Z"; null when us is 0. */
json_t *view_time(int64_t us, bool frac);

/* A string, or null when empty. */
json_t *view_str_or_null(const char *s);

/* Nova's obfuscated host id: hex sha224 of project_id + host; "" without a
 * host (instance action events from 2.62). */
void view_hostid(const char *project_id, const char *host, char out[57]);

#endif
