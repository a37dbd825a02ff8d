/* auth.h - who is asking, and what Nova's default authz rules (its policy
 * defaults) let them do.
 *
 * [api] auth_strategy = noauth2: the token is "user:project" (project
 * defaults to user); admin iff the user is "admin" (Nova's noauth2).
 * auth_strategy = token: tokens are looked up in [ferry] token_file, lines
 * "TOKEN USER PROJECT ROLE[,ROLE...]" ('#' starts a comment); roles "admin"
 * and "manager" matter.
 */
#ifndef FERRY_AUTH_H
#define FERRY_AUTH_H

#include "api/api.h"

/* Load the token file when auth_strategy = token (start-up); a second call
 * replaces the tokens the first loaded. */
int auth_init(const struct cfg *cfg, struct err *err);

/* Identify the caller from the X-Auth-Token header; ERR_UNAUTHORIZED when
 * missing or unknown. */
int auth_identify(const struct cfg *cfg, const char *token, struct identity *who,
                  struct err *err);

/* Nova's authz rules used here, named on the wire as its policy names them
 * (contract section 7). */
enum authz_rule {
    AUTHZ_MIGRATE_LIVE,             /* os-migrate-server:migrate_live */
    AUTHZ_MIGRATE_LIVE_HOST,        /* ...:migrate_live:host */
    AUTHZ_MIGRATIONS_INDEX,         /* servers:migrations:index */
    AUTHZ_MIGRATIONS_INDEX_HOST,    /* ...:index:host (soft) */
    AUTHZ_MIGRATIONS_SHOW,
    AUTHZ_MIGRATIONS_FORCE_COMPLETE,
    AUTHZ_MIGRATIONS_DELETE,
    AUTHZ_OS_MIGRATIONS_INDEX,      /* os-migrations:index */
    AUTHZ_OS_MIGRATIONS_ALL_PROJECTS,
    AUTHZ_OS_MIGRATIONS_HOST,       /* (soft) */
    AUTHZ_SERVERS_INDEX,
    AUTHZ_SERVERS_SHOW,
    AUTHZ_SERVERS_ALL_TENANTS,      /* servers:index:get_all_tenants */
    AUTHZ_SERVERS_HOST_ATTR,        /* extended server attributes (host) */
    AUTHZ_SERVICES,                 /* os-services */
    AUTHZ_HYPERVISORS,              /* os-hypervisors */
    AUTHZ_ACTIONS_INDEX,            /* os-instance-actions */
    AUTHZ_ACTIONS_SHOW,
    AUTHZ_ACTIONS_EVENTS,           /* ...:events (soft: events hidden) */
    AUTHZ_ACTIONS_EVENTS_DETAILS,   /* ...:events:details (soft) */
    AUTHZ_SERVICES_UPDATE,          /* os-services:update */
    AUTHZ_HYPERVISORS_DETAIL,       /* os-hypervisors:list-detail */
    AUTHZ_HYPERVISORS_SHOW,
    AUTHZ_HYPERVISORS_STATISTICS,
    AUTHZ_HYPERVISORS_UPTIME,
    AUTHZ_HYPERVISORS_SEARCH,
    AUTHZ_HYPERVISORS_SERVERS,
    AUTHZ_AGGREGATES_INDEX,         /* os-aggregates:index */
    AUTHZ_FLAVOR_EXTRA_SPECS_INDEX, /* os-flavor-extra-specs:index (soft from 2.61) */
    AUTHZ_FLAVOR_EXTRA_SPECS_SHOW,  /* os-flavor-extra-specs:show */
    AUTHZ_FLAVOR_ACCESS,            /* os-flavor-access (the access list) */
    AUTHZ_METADATA_INDEX,           /* server-metadata:index ... */
    AUTHZ_METADATA_SHOW,
    AUTHZ_METADATA_CREATE,
    AUTHZ_METADATA_UPDATE_ALL,
    AUTHZ_METADATA_UPDATE,
    AUTHZ_METADATA_DELETE,
    AUTHZ_FERRY_MIGRATION_SHOW,     /* ferry:migrations:show, admin as
                                     * servers:migrations:show */
    AUTHZ_FERRY_METRICS,            /* ferry:metrics: every host's and project's
                                     * figures, admin */
    AUTHZ_FERRY_HOST_DRAIN,         /* ferry:hosts:drain: disable a host and move
                                     * every instance off it, admin (as
                                     * os-services:update and migrate_live) */
    AUTHZ_FERRY_HOST_DRAIN_SHOW,    /* ferry:hosts:drain:show, admin */
};

/* May who do rule on a target owned by target_project?  On refusal fills err
 * with Nova's 403 text. */
int authz_check(const struct identity *who, enum authz_rule rule,
                const char *target_project, struct err *err);

/* The same check without an error (Nova's fatal=False). */
bool authz_allows(const struct identity *who, enum authz_rule rule,
                  const char *target_project);

#endif
