/* mig_opts.c - the ferry:* metadata keys: their values, checks and defaults. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/mig_opts.h"
#include "common/util.h"

const char *const mig_opt_keys[MIG_OPT_COUNT] = {
    [MIG_OPT_POLICY] = "ferry:migration_policy",
    [MIG_OPT_MAX_DOWNTIME] = "ferry:max_downtime_ms",
    [MIG_OPT_POST_COPY] = "ferry:post_copy",
    [MIG_OPT_AUTO_CONVERGE] = "ferry:auto_converge",
};

/* What each key accepts, in the words of the 400 that refuses a value. */
static const char *const mig_opt_valid[MIG_OPT_COUNT] = {
    [MIG_OPT_POLICY] = "nova or ferry",
    [MIG_OPT_MAX_DOWNTIME] = "an integer number of milliseconds from 100 to 2000000",
    [MIG_OPT_POST_COPY] = "allowed or forbidden",
    [MIG_OPT_AUTO_CONVERGE] = "allowed or forbidden",
};

void
mig_opts_defaults(const struct cfg *cfg, struct mig_opts *out)
{
    out->policy = cfg->migration_policy;
    out->max_downtime_ms = cfg->lm_downtime;
    out->post_copy = cfg->lm_permit_post_copy;
    out->auto_converge = cfg->lm_permit_auto_converge;
}

const char *
mig_policy_name(enum mig_policy p)
{
    return p == MIG_POLICY_FERRY ? "ferry" : "nova";
}

const char *
mig_opt_permission(bool permitted)
{
    return permitted ? "allowed" : "forbidden";
}

/* Parse value for option k into *opts; -1 when it is not valid. */
static int
mig_opt_parse(enum mig_opt_key k, const char *value, struct mig_opts *opts)
{
    char *end;
    long ms;

    switch (k) {
    case MIG_OPT_POLICY:
        if (strcmp(value, "nova") != 0 && strcmp(value, "ferry") != 0)
            return -1;
        opts->policy = strcmp(value, "ferry") == 0 ? MIG_POLICY_FERRY : MIG_POLICY_NOVA;
        return 0;
    case MIG_OPT_MAX_DOWNTIME:
        /* digits only: no sign, no spaces, no "1e3" */
        if (value[0] < '0' || value[0] > '9' || strlen(value) > 9)
            return -1;
        errno = 0;
        ms = strtol(value, &end, 10);
        if (*end || errno || ms < MIG_OPT_DOWNTIME_MIN || ms > MIG_OPT_DOWNTIME_MAX)
            return -1;
        opts->max_downtime_ms = (int)ms;
        return 0;
    case MIG_OPT_POST_COPY:
    case MIG_OPT_AUTO_CONVERGE:
        if (strcmp(value, "allowed") != 0 && strcmp(value, "forbidden") != 0)
            return -1;
        if (k == MIG_OPT_POST_COPY)
            opts->post_copy = strcmp(value, "allowed") == 0;
        else
            opts->auto_converge = strcmp(value, "allowed") == 0;
        return 0;
    case MIG_OPT_COUNT:
        break;
    }
    return -1;
}

int
mig_opt_check(const char *key, const char *value, struct err *err)
{
    struct mig_opts scratch = { 0 };

    if (strncmp(key, "ferry:", 6) != 0)
        return 0;
    for (int k = 0; k < MIG_OPT_COUNT; k++) {
        if (strcmp(key, mig_opt_keys[k]) != 0)
            continue;
        if (mig_opt_parse((enum mig_opt_key)k, value, &scratch) < 0)
            return err_set(err, ERR_INVALID,
                           "Invalid value '%s' for metadata key %s: it must be %s.", value, key,
                           mig_opt_valid[k]);
        return 0;
    }
    return err_set(err, ERR_INVALID,
                   "Unknown metadata key %s: the ferry: prefix is Ferry's, which reads %s, %s, "
                   "%s and %s.", key, mig_opt_keys[0], mig_opt_keys[1], mig_opt_keys[2],
                   mig_opt_keys[3]);
}

unsigned
mig_opts_apply(struct mig_opts *opts, const char *const values[MIG_OPT_COUNT])
{
    unsigned applied = 0;

    for (int k = 0; k < MIG_OPT_COUNT; k++) {
        struct mig_opts next = *opts;

        if (values[k] && mig_opt_parse((enum mig_opt_key)k, values[k], &next) == 0) {
            *opts = next;
            applied |= 1u << k;
        }
    }
    return applied;
}
