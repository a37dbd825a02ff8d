/* auth.h - who is asking, and what Nova's default policy lets them do.
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

/* Nova's policy rules used here (contract section 7). */
enum policy_rule {
    POL_MIGRATE_LIVE,               /* os-migrate-server:migrate_live */
    POL_MIGRATE_LIVE_HOST,          /* ...:migrate_live:host */
    POL_MIGRATIONS_INDEX,           /* servers:migrations:index */
    POL_MIGRATIONS_INDEX_HOST,      /* ...:index:host (soft) */
    POL_MIGRATIONS_SHOW,
    POL_MIGRATIONS_FORCE_COMPLETE,
    POL_MIGRATIONS_DELETE,
    POL_OS_MIGRATIONS_INDEX,        /* os-migrations:index */
    POL_OS_MIGRATIONS_ALL_PROJECTS,
    POL_OS_MIGRATIONS_HOST,         /* (soft) */
    POL_SERVERS_INDEX,
    POL_SERVERS_SHOW,
    POL_SERVERS_ALL_TENANTS,        /* servers:index:get_all_tenants */
    POL_SERVERS_HOST_ATTR,          /* extended server attributes (host) */
    POL_SERVICES,                   /* os-services */
    POL_HYPERVISORS,                /* os-hypervisors */
    POL_ACTIONS_INDEX,              /* os-instance-actions */
    POL_ACTIONS_SHOW,
    POL_ACTIONS_EVENTS,             /* ...:events (soft: events hidden) */
    POL_ACTIONS_EVENTS_DETAILS,     /* ...:events:details (soft) */
    POL_SERVICES_UPDATE,            /* os-services:update */
    POL_HYPERVISORS_DETAIL,         /* os-hypervisors:list-detail */
    POL_HYPERVISORS_SHOW,
    POL_HYPERVISORS_STATISTICS,
    POL_HYPERVISORS_UPTIME,
    POL_HYPERVISORS_SEARCH,
    POL_HYPERVISORS_SERVERS,
    POL_AGGREGATES_INDEX,           /* os-aggregates:index */
    POL_FLAVOR_EXTRA_SPECS_INDEX,   /* os-flavor-extra-specs:index (soft from 2.61) */
    POL_FLAVOR_EXTRA_SPECS_SHOW,    /* os-flavor-extra-specs:show */
    POL_FLAVOR_ACCESS,              /* os-flavor-access (the access list) */
    POL_METADATA_INDEX,             /* server-metadata:index ... */
    POL_METADATA_SHOW,
    POL_METADATA_CREATE,
    POL_METADATA_UPDATE_ALL,
    POL_METADATA_UPDATE,
    POL_METADATA_DELETE,
    POL_FERRY_MIGRATION_SHOW,       /* ferry:migrations:show, admin as
                                     * servers:migrations:show */
};

/* May who do rule on a target owned by target_project?  On refusal fills err
 * with Nova's 403 text. */
int policy_check(const struct identity *who, enum policy_rule rule,
                 const char *target_project, struct err *err);

/* The same check without an error (Nova's fatal=False). */
bool policy_allows(const struct identity *who, enum policy_rule rule,
                   const char *target_project);

#endif
