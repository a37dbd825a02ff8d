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
 */
#include <math.h>
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
policy_flags(const struct cfg *cfg, bool block_migration)
{
    unsigned f = VIRT_MIG_LIVE | VIRT_MIG_PEER2PEER | VIRT_MIG_UNDEFINE_SOURCE |
                 VIRT_MIG_PERSIST_DEST;

    if (block_migration)
        f |= VIRT_MIG_NON_SHARED_INC;
    if (cfg->lm_tunnelled)
        f |= VIRT_MIG_TUNNELLED;
    if (cfg->lm_native_tls)
        f |= VIRT_MIG_TLS;
    if (cfg->lm_permit_post_copy)
        f |= VIRT_MIG_POSTCOPY;
    /* Nova: auto-converge is not used when post-copy is permitted */
    if (cfg->lm_permit_auto_converge && !(f & VIRT_MIG_POSTCOPY))
        f |= VIRT_MIG_AUTO_CONVERGE;
    if (cfg->lm_parallel_connections > 1)
        f |= VIRT_MIG_PARALLEL;
    return f;
}

void
policy_init(struct policy *p, const struct cfg *cfg, double data_gb, bool block_migration)
{
    int steps = cfg->lm_downtime_steps;
    double base = (double)cfg->lm_downtime / steps;
    double offset = (cfg->lm_downtime - base) / steps;
    int64_t delay_s = (int64_t)(cfg->lm_downtime_delay * data_gb);

    memset(p, 0, sizeof(*p));
    p->data_gb = data_gb;
    if (steps + 1 > POLICY_MAX_STEPS)
        steps = POLICY_MAX_STEPS - 1;
    p->nsteps = steps + 1;
    for (int i = 0; i <= steps; i++) {
        p->step_at_ms[i] = delay_s * i * 1000;
        p->step_ms[i] = (int)(base + offset * i);
    }
    p->completion_timeout_ms = (int64_t)(cfg->lm_completion_timeout * data_gb) * 1000;
    p->timeout_action = cfg->lm_timeout_action;
    p->flags = policy_flags(cfg, block_migration);
    p->post_copy = (p->flags & VIRT_MIG_POSTCOPY) != 0;
}

void
policy_tick(const struct policy *p, struct policy_state *st, int64_t elapsed_ms,
            struct policy_action *out)
{
    int step = -1;

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
    for (int i = 0; i < p->nsteps; i++)
        if (elapsed_ms > p->step_at_ms[i])
            step = i;
    if (step >= 0 && p->step_ms[step] != st->downtime_ms) {
        out->set_downtime_ms = p->step_ms[step];
        st->downtime_ms = p->step_ms[step];
    }
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
