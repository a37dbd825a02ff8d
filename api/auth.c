/* auth.c - tokens and Nova's default authz rules (its policy defaults), as
 * tables. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "common/auto.h"
#include "common/log.h"
#include "common/util.h"

enum authz_check_kind {
    CHECK_ADMIN,                    /* role:admin */
    CHECK_MANAGER_OR_ADMIN,         /* manager of the target project, or admin */
    CHECK_OWNER_OR_ADMIN,           /* member of the target project, or admin */
};

static const struct {
    enum authz_rule rule;
    const char *name;
    enum authz_check_kind check;
} authz_rules[] = {
    { AUTHZ_MIGRATE_LIVE, "os_compute_api:os-migrate-server:migrate_live",
      CHECK_MANAGER_OR_ADMIN },
    { AUTHZ_MIGRATE_LIVE_HOST, "os_compute_api:os-migrate-server:migrate_live:host",
      CHECK_ADMIN },
    { AUTHZ_MIGRATIONS_INDEX, "os_compute_api:servers:migrations:index",
      CHECK_MANAGER_OR_ADMIN },
    { AUTHZ_MIGRATIONS_INDEX_HOST, "os_compute_api:servers:migrations:index:host",
      CHECK_ADMIN },
    { AUTHZ_MIGRATIONS_SHOW, "os_compute_api:servers:migrations:show", CHECK_ADMIN },
    { AUTHZ_MIGRATIONS_FORCE_COMPLETE, "os_compute_api:servers:migrations:force_complete",
      CHECK_MANAGER_OR_ADMIN },
    { AUTHZ_MIGRATIONS_DELETE, "os_compute_api:servers:migrations:delete",
      CHECK_MANAGER_OR_ADMIN },
    { AUTHZ_OS_MIGRATIONS_INDEX, "os_compute_api:os-migrations:index",
      CHECK_MANAGER_OR_ADMIN },
    { AUTHZ_OS_MIGRATIONS_ALL_PROJECTS, "os_compute_api:os-migrations:index:all_projects",
      CHECK_ADMIN },
    { AUTHZ_OS_MIGRATIONS_HOST, "os_compute_api:os-migrations:index:host", CHECK_ADMIN },
    { AUTHZ_SERVERS_INDEX, "os_compute_api:servers:index", CHECK_OWNER_OR_ADMIN },
    { AUTHZ_SERVERS_SHOW, "os_compute_api:servers:show", CHECK_OWNER_OR_ADMIN },
    { AUTHZ_SERVERS_ALL_TENANTS, "os_compute_api:servers:index:get_all_tenants",
      CHECK_ADMIN },
    { AUTHZ_SERVERS_HOST_ATTR, "os_compute_api:os-extended-server-attributes",
      CHECK_ADMIN },
    { AUTHZ_SERVICES, "os_compute_api:os-services:list", CHECK_ADMIN },
    { AUTHZ_HYPERVISORS, "os_compute_api:os-hypervisors:list", CHECK_ADMIN },
    { AUTHZ_ACTIONS_INDEX, "os_compute_api:os-instance-actions:list", CHECK_OWNER_OR_ADMIN },
    { AUTHZ_ACTIONS_SHOW, "os_compute_api:os-instance-actions:show", CHECK_OWNER_OR_ADMIN },
    { AUTHZ_ACTIONS_EVENTS, "os_compute_api:os-instance-actions:events", CHECK_ADMIN },
    { AUTHZ_ACTIONS_EVENTS_DETAILS, "os_compute_api:os-instance-actions:events:details",
      CHECK_ADMIN },
    { AUTHZ_SERVICES_UPDATE, "os_compute_api:os-services:update", CHECK_ADMIN },
    { AUTHZ_HYPERVISORS_DETAIL, "os_compute_api:os-hypervisors:list-detail", CHECK_ADMIN },
    { AUTHZ_HYPERVISORS_SHOW, "os_compute_api:os-hypervisors:show", CHECK_ADMIN },
    { AUTHZ_HYPERVISORS_STATISTICS, "os_compute_api:os-hypervisors:statistics", CHECK_ADMIN },
    { AUTHZ_HYPERVISORS_UPTIME, "os_compute_api:os-hypervisors:uptime", CHECK_ADMIN },
    { AUTHZ_HYPERVISORS_SEARCH, "os_compute_api:os-hypervisors:search", CHECK_ADMIN },
    { AUTHZ_HYPERVISORS_SERVERS, "os_compute_api:os-hypervisors:servers", CHECK_ADMIN },
    { AUTHZ_AGGREGATES_INDEX, "os_compute_api:os-aggregates:index", CHECK_ADMIN },
    /* PROJECT_READER_OR_ADMIN with the caller's own project as the target */
    { AUTHZ_FLAVOR_EXTRA_SPECS_INDEX, "os_compute_api:os-flavor-extra-specs:index",
      CHECK_OWNER_OR_ADMIN },
    { AUTHZ_FLAVOR_EXTRA_SPECS_SHOW, "os_compute_api:os-flavor-extra-specs:show",
      CHECK_OWNER_OR_ADMIN },
    { AUTHZ_FLAVOR_ACCESS, "os_compute_api:os-flavor-access", CHECK_ADMIN },
    { AUTHZ_METADATA_INDEX, "os_compute_api:server-metadata:index", CHECK_OWNER_OR_ADMIN },
    { AUTHZ_METADATA_SHOW, "os_compute_api:server-metadata:show", CHECK_OWNER_OR_ADMIN },
    { AUTHZ_METADATA_CREATE, "os_compute_api:server-metadata:create", CHECK_OWNER_OR_ADMIN },
    { AUTHZ_METADATA_UPDATE_ALL, "os_compute_api:server-metadata:update_all",
      CHECK_OWNER_OR_ADMIN },
    { AUTHZ_METADATA_UPDATE, "os_compute_api:server-metadata:update", CHECK_OWNER_OR_ADMIN },
    { AUTHZ_METADATA_DELETE, "os_compute_api:server-metadata:delete", CHECK_OWNER_OR_ADMIN },
    { AUTHZ_FERRY_MIGRATION_SHOW, "ferry:migrations:show", CHECK_ADMIN },
    { AUTHZ_FERRY_METRICS, "ferry:metrics", CHECK_ADMIN },
    { AUTHZ_FERRY_HOST_DRAIN, "ferry:hosts:drain", CHECK_ADMIN },
    { AUTHZ_FERRY_HOST_DRAIN_SHOW, "ferry:hosts:drain:show", CHECK_ADMIN },
};

/* The token file, loaded once at start-up and read-only afterwards. */
struct token {
    char *token;
    struct identity who;
};
static struct token *tokens;
static int ntokens;

static int
auth_load_tokens(const char *path, struct err *err)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    int lineno = 0;

    if (!f)
        return err_set(err, ERR_INVALID, "%s: cannot open token file", path);
    /* loading again replaces what was loaded (the fuzzer loads many) */
    for (int i = 0; i < ntokens; i++)
        free(tokens[i].token);
    free(tokens);
    tokens = NULL;
    ntokens = 0;
    while (fgets(line, sizeof(line), f)) {
        char tok[256], user[256], project[256], roles[512] = "";
        struct token *t;
        int n;

        lineno++;
        if (line[strspn(line, " \t")] == '#' || line[strspn(line, " \t\r\n")] == '\0')
            continue;
        n = sscanf(line, "%255s %255s %255s %511s", tok, user, project, roles);
        if (n < 3) {
            fclose(f);
            return err_set(err, ERR_INVALID, "%s:%d: expected TOKEN USER PROJECT [ROLES]",
                           path, lineno);
        }
        tokens = realloc(tokens, (size_t)(ntokens + 1) * sizeof(*tokens));
        if (!tokens)
            fatalx("out of memory");
        t = &tokens[ntokens++];
        memset(t, 0, sizeof(*t));
        if (!(t->token = strdup(tok)))
            fatalx("out of memory");
        strlcpy0(t->who.user_id, user, sizeof(t->who.user_id));
        strlcpy0(t->who.project_id, project, sizeof(t->who.project_id));
        for (char *save = NULL, *r = strtok_r(roles, ",", &save); r;
             r = strtok_r(NULL, ",", &save)) {
            if (strcmp(r, "admin") == 0)
                t->who.is_admin = true;
            else if (strcmp(r, "manager") == 0)
                t->who.is_manager = true;
        }
    }
    fclose(f);
    log_info("token file loaded path=%s tokens=%d", path, ntokens);
    return 0;
}

int
auth_init(const struct cfg *cfg, struct err *err)
{
    if (cfg->auth_strategy != AUTH_TOKEN)
        return 0;
    if (!cfg->token_file[0])
        return err_set(err, ERR_INVALID,
                       "[api] auth_strategy = token needs [ferry] token_file");
    return auth_load_tokens(cfg->token_file, err);
}

int
auth_identify(const struct cfg *cfg, const char *token, struct identity *who,
              struct err *err)
{
    memset(who, 0, sizeof(*who));
    if (!token || !*token)
        return err_set(err, ERR_UNAUTHORIZED, "Authentication required");
    if (cfg->auth_strategy == AUTH_NOAUTH2) {
        const char *colon = strchr(token, ':');
        size_t ulen = colon ? (size_t)(colon - token) : strlen(token);
        char user[sizeof(who->user_id)];

        if (ulen == 0 || ulen >= sizeof(who->user_id))
            return err_set(err, ERR_UNAUTHORIZED, "Authentication required");
        memcpy(user, token, ulen);
        user[ulen] = '\0';
        /* the ids go into rows and answers: UTF-8 only, like the rest of
         * the request */
        utf8_sanitize(who->user_id, sizeof(who->user_id), user);
        utf8_sanitize(who->project_id, sizeof(who->project_id),
                      colon && colon[1] ? colon + 1 : who->user_id);
        who->is_admin = strcmp(who->user_id, "admin") == 0;
        return 0;
    }
    for (int i = 0; i < ntokens; i++)
        if (strcmp(tokens[i].token, token) == 0) {
            *who = tokens[i].who;
            return 0;
        }
    return err_set(err, ERR_UNAUTHORIZED, "Authentication required");
}

bool
authz_allows(const struct identity *who, enum authz_rule rule, const char *target_project)
{
    bool same_project = target_project && strcmp(target_project, who->project_id) == 0;

    for (size_t i = 0; i < ARRAY_SIZE(authz_rules); i++) {
        if (authz_rules[i].rule != rule)
            continue;
        switch (authz_rules[i].check) {
        case CHECK_ADMIN:
            return who->is_admin;
        case CHECK_MANAGER_OR_ADMIN:
            return who->is_admin || (who->is_manager && same_project);
        case CHECK_OWNER_OR_ADMIN:
            return who->is_admin || same_project;
        }
    }
    return false;
}

int
authz_check(const struct identity *who, enum authz_rule rule, const char *target_project,
            struct err *err)
{
    if (authz_allows(who, rule, target_project))
        return 0;
    for (size_t i = 0; i < ARRAY_SIZE(authz_rules); i++)
        if (authz_rules[i].rule == rule)
            return err_set(err, ERR_FORBIDDEN, "Policy doesn't allow %s to be performed.",
                           authz_rules[i].name);
    return err_set(err, ERR_FORBIDDEN, "Policy doesn't allow this to be performed.");
}
