/* mig_opts.h - what one live migration uses, chosen per guest: the ferry:*
 * keys of the server's metadata over the configuration's defaults.
 *
 *   ferry:migration_policy   nova | ferry         [ferry] migration_policy
 *   ferry:max_downtime_ms    100 .. 2000000       [libvirt] live_migration_downtime
 *   ferry:post_copy          allowed | forbidden  [libvirt] ..._permit_post_copy
 *   ferry:auto_converge      allowed | forbidden  [libvirt] ..._permit_auto_converge
 *
 * The metadata API checks a value when it is set (mig_opt_check).  A
 * migration reads them once: the guest's values when the API accepts it
 * (under the instance's row lock), the rest from the source compute's own
 * configuration when its worker starts, as Nova's compute reads its own
 * nova.conf; both are recorded on the row, which the worker then runs from
 * (and a restarted worker too).  Pure functions, no I/O.
 */
#ifndef FERRY_MIG_OPTS_H
#define FERRY_MIG_OPTS_H

#include <stdbool.h>

#include "common/cfg.h"
#include "common/err.h"

enum mig_opt_key {
    MIG_OPT_POLICY,
    MIG_OPT_MAX_DOWNTIME,
    MIG_OPT_POST_COPY,
    MIG_OPT_AUTO_CONVERGE,
    MIG_OPT_COUNT
};

/* The metadata key of each option: "ferry:migration_policy", ... */
extern const char *const mig_opt_keys[MIG_OPT_COUNT];

/* The bounds of ferry:max_downtime_ms: Nova's floor for
 * live_migration_downtime, and QEMU's ceiling for a max downtime. */
#define MIG_OPT_DOWNTIME_MIN 100
#define MIG_OPT_DOWNTIME_MAX 2000000

struct mig_opts {
    enum mig_policy policy;         /* the policy asked for */
    int max_downtime_ms;            /* the final downtime the nova policy steps up to */
    bool post_copy;                 /* switching to post-copy is permitted */
    bool auto_converge;             /* auto-converge is permitted */
};

/* The configuration's defaults. */
void mig_opts_defaults(const struct cfg *cfg, struct mig_opts *out);

/* Is a metadata item acceptable?  Keys outside the ferry: prefix always
 * are; a ferry: key must be one of mig_opt_keys with a valid value.
 * ERR_INVALID with a message that says what is valid. */
int mig_opt_check(const char *key, const char *value, struct err *err);

/* Apply the guest's values (values[k]: the metadata's value of
 * mig_opt_keys[k], NULL when unset) over *opts.  A value that
 * mig_opt_check() would refuse (written behind the API's back) is
 * ignored: the default stands.  Returns the bits (1 << k) of the keys
 * applied. */
unsigned mig_opts_apply(struct mig_opts *opts, const char *const values[MIG_OPT_COUNT]);

/* "nova" / "ferry". */
const char *mig_policy_name(enum mig_policy p);

/* "allowed" / "forbidden". */
const char *mig_opt_permission(bool permitted);

#endif
