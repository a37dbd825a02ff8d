/* policy.c - Nova's live-migration policy, bit for bit.
 *
 * From nova/virt/libvirt/migration.py and driver.py:
 *   downtime_steps(data_gb): delay = int(downtime_delay * data_gb);
 *     base = downtime / steps; offset = (downtime - base) / steps;
 *     step i = (int(delay * i), int(base + offset * i)) for i in 0..steps
 *   update_downtime: the last step whose time is < elapsed; set only when it
 *     changes (step 0 applies at once: Nova lowers QEMU's 300 ms to 50 ms)
 *   should_trigger_timeout_action: not in post-copy, timeout > 0 and
 *     elapsed > int(completion_timeout * data_gb)
 * Per guest (mig_opts.h): the downtime stepped up to is the guest's budget,
 * and post-copy and auto-converge are the guest's permissions.  For
 * benchmarks, [ferry] nova_policy_time_divisor divides Nova's integer
 * seconds (the step delay, the timeout) after Nova has rounded them.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "compute/policy.h"
#include "compute/virt.h"

double
policy_data_gb(int ram_mb, const uint64_t *disk_bytes, int ndisks)
{
    double gb = ram_mb / 1024.0;

    if (gb < 2)
        gb = 2;
    for (int i = 0; i < ndisks; i++) {
        double d = (double)disk_bytes[i] / (1024.0 * 1024.0 * 1024.0);

        gb += d < 2 ? 2 : d;
    }
    return gb;
}

static unsigned
policy_flags(const struct cfg *cfg, const struct mig_opts *o, unsigned guest)
{
    unsigned f = VIRT_MIG_LIVE | VIRT_MIG_PEER2PEER | VIRT_MIG_UNDEFINE_SOURCE |
                 VIRT_MIG_PERSIST_DEST;

    if (guest & POLICY_BLOCK)
        f |= guest & POLICY_BLOCK_WHOLE ? VIRT_MIG_NON_SHARED_DISK : VIRT_MIG_NON_SHARED_INC;
    if (cfg->lm_tunnelled)
        f |= VIRT_MIG_TUNNELLED;
    if (cfg->lm_native_tls)
        f |= VIRT_MIG_TLS;
    /* Nova: not for a paused instance, which libvirt would refuse to move */
    if (o->post_copy && !(guest & POLICY_PAUSED))
        f |= VIRT_MIG_POSTCOPY;
    /* Nova: auto-converge is not used when post-copy is permitted (decided
     * from the options, before a paused guest loses post-copy) */
    if (o->auto_converge && !o->post_copy)
        f |= VIRT_MIG_AUTO_CONVERGE;
    if (cfg->lm_parallel_connections > 1)
        f |= VIRT_MIG_PARALLEL;
    return f;
}

void
policy_init(struct policy *p, const struct cfg *cfg, const struct mig_opts *opts,
            double data_gb, unsigned guest)
{
    int steps = cfg->lm_downtime_steps;
    int64_t div = cfg->nova_policy_time_divisor > 1 ? cfg->nova_policy_time_divisor : 1;
    struct mig_opts defaults;

    if (!opts) {
        mig_opts_defaults(cfg, &defaults);
        opts = &defaults;
    }
    memset(p, 0, sizeof(*p));
    p->data_gb = data_gb;
    p->nsteps = steps + 1;
    p->step_base = (double)opts->max_downtime_ms / steps;
    p->step_offset = (opts->max_downtime_ms - p->step_base) / steps;
    p->step_delay_ms = (int64_t)(cfg->lm_downtime_delay * data_gb) * 1000 / div;
    p->completion_timeout_ms = (int64_t)(cfg->lm_completion_timeout * data_gb) * 1000 / div;
    p->timeout_action = cfg->lm_timeout_action;
    p->flags = policy_flags(cfg, opts, guest);
    p->post_copy = (p->flags & VIRT_MIG_POSTCOPY) != 0;
    p->auto_converge = (p->flags & VIRT_MIG_AUTO_CONVERGE) != 0;
}

int
policy_step_ms(const struct policy *p, int i)
{
    return (int)(p->step_base + p->step_offset * i);
}

int64_t
policy_step_at_ms(const struct policy *p, int i)
{
    return p->step_delay_ms * i;
}

void
policy_tick(const struct policy *p, struct policy_state *st, int64_t elapsed_ms,
            struct policy_action *out)
{
    int64_t step = -1;

    memset(out, 0, sizeof(*out));
    if (!st->timeout_fired && !st->post_copy_active && p->completion_timeout_ms > 0 &&
        elapsed_ms > p->completion_timeout_ms) {
        st->timeout_fired = true;
        out->timeout = true;
        if (p->timeout_action == TIMEOUT_FORCE_COMPLETE)
            out->force_complete = true;
        else
            out->abort = true;
    }
    /* the last step whose time has passed (all of them when there is no
     * delay: Nova's generator then yields each at once, the last one wins) */
    if (elapsed_ms > 0)
        step = p->step_delay_ms > 0 ? (elapsed_ms - 1) / p->step_delay_ms
                                    : p->nsteps - 1;
    if (step >= p->nsteps)
        step = p->nsteps - 1;
    if (step >= 0 && policy_step_ms(p, (int)step) != st->downtime_ms) {
        out->set_downtime_ms = policy_step_ms(p, (int)step);
        st->downtime_ms = out->set_downtime_ms;
    }
}

void
policy_uris(const struct cfg *cfg, const char *dest, char *dest_uri, size_t dest_size,
            char *migrate_uri, size_t migrate_size)
{
    char addr[300];
    const char *pct;

    if (strchr(dest, ':') && dest[0] != '[')
        snprintf(addr, sizeof(addr), "[%s]", dest);
    else
        snprintf(addr, sizeof(addr), "%s", dest);
    if (cfg->lm_uri[0] && (pct = strstr(cfg->lm_uri, "%s")) != NULL)
        snprintf(dest_uri, dest_size, "%.*s%s%s", (int)(pct - cfg->lm_uri), cfg->lm_uri, addr,
                 pct + 2);
    else if (cfg->lm_uri[0])
        snprintf(dest_uri, dest_size, "%s", cfg->lm_uri);
    else
        snprintf(dest_uri, dest_size, "qemu+%s://%s/system",
                 cfg->lm_scheme[0] ? cfg->lm_scheme : "tcp", addr);
    if (cfg->lm_tunnelled)
        migrate_uri[0] = '\0';
    else
        snprintf(migrate_uri, migrate_size, "tcp://%s", addr);
}

int
policy_progress(int64_t mem_total, int64_t mem_remaining)
{
    long pct;

    if (mem_total <= 0)
        return 0;
    /* Python 3 round(): halves go to the even neighbour, as rint() does */
    pct = 100 - (long)rint((double)mem_remaining * 100.0 / (double)mem_total);
    return pct < 0 ? 0 : pct > 100 ? 100 : (int)pct;
}
