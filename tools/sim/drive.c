/* drive.c - ferry-sim's run loop and the two policies Ferry ships, driven
 * exactly as the compute worker drives them: `nova` (compute/policy.c,
 * the configuration's defaults: its time constants as configured) and
 * `ferry` (compute/policy_ferry.c: pf_admit, pf_start, pf_tick every
 * 500 ms sample, its actions applied).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/cfg.h"
#include "common/mig_opts.h"
#include "compute/policy.h"
#include "tools/sim/drive.h"

void
sim_run_cmd(struct sim_run *r, enum sim_cmd cmd, int downtime_ms, const char *why)
{
    if (r->q.end != SIM_RUNNING)
        return;
    if (cmd != SIM_CMD_DOWNTIME && cmd != SIM_CMD_NONE && r->decided_ms < 0) {
        r->decided_ms = r->q.t_ms;
        snprintf(r->why, sizeof(r->why), "%s", why ? why : "");
    }
    sim_qemu_apply(&r->q, cmd, downtime_ms);
}

/* ---- nova ----------------------------------------------------------------------------- */

int sim_nova_divisor = 1;

struct nova {
    struct policy p;
    struct policy_state st;
};

static bool
nova_start(struct sim_run *r)
{
    struct nova *n = (struct nova *)r->state;
    struct cfg cfg;
    struct mig_opts o;

    cfg_defaults(&cfg);
    cfg.nova_policy_time_divisor = sim_nova_divisor;
    mig_opts_defaults(&cfg, &o);
    o.max_downtime_ms = r->c->budget_ms;
    o.post_copy = r->c->post_copy;
    o.auto_converge = r->c->auto_converge;
    policy_init(&n->p, &cfg, &o, fmax(2, r->c->ram / SIM_GIB), 0);
    sim_qemu_init(&r->q, r->c, n->p.post_copy, n->p.auto_converge, SIM_AC_INITIAL,
                  SIM_AC_INCREMENT, SIM_QEMU_DOWNTIME_MS);
    return true;
}

static void
nova_sample(struct sim_run *r, const struct pf_sample *s)
{
    struct nova *n = (struct nova *)r->state;
    struct policy_action a;

    if (r->q.postcopy)
        n->st.post_copy_active = true;
    policy_tick(&n->p, &n->st, s->elapsed_ms, &a);
    if (a.set_downtime_ms > 0)
        sim_run_cmd(r, SIM_CMD_DOWNTIME, a.set_downtime_ms, NULL);
    if (a.abort)
        sim_run_cmd(r, SIM_CMD_ABORT, 0, "nova: completion timeout, abort");
    else if (a.force_complete)
        sim_run_cmd(r, n->p.post_copy ? SIM_CMD_POSTCOPY : SIM_CMD_PAUSE, 0,
                    "nova: completion timeout, force-complete");
}

const struct sim_policy sim_nova = { "nova", nova_start, nova_sample, NULL, 0 };

/* ---- ferry ---------------------------------------------------------------------------- */

_Static_assert(sizeof(struct pf_state) <= sizeof(((struct sim_run *)0)->state), "pf_state");

enum sim_cmd
sim_ferry_cmd(enum pf_act act)
{
    static const enum sim_cmd cmds[] = {
        [PF_ACT_SET_DOWNTIME] = SIM_CMD_DOWNTIME, [PF_ACT_POSTCOPY] = SIM_CMD_POSTCOPY,
        [PF_ACT_PAUSE] = SIM_CMD_PAUSE, [PF_ACT_ABORT] = SIM_CMD_ABORT,
    };

    return (size_t)act < sizeof(cmds) / sizeof(cmds[0]) ? cmds[act] : SIM_CMD_NONE;
}

static bool
ferry_start(struct sim_run *r)
{
    struct pf_state *st = (struct pf_state *)r->state;
    struct pf_guest g = { .ram_bytes = (int64_t)r->c->ram, .budget_ms = r->c->budget_ms,
                          .post_copy = r->c->post_copy, .auto_converge = r->c->auto_converge };
    struct pf_measure m = { 0 };
    struct pf_forecast fc;
    struct cfg cfg;

    /* libvirt's dirty-rate calculation over the worker's period: the
     * distinct bytes the guest dirties in it in its pattern, per second */
    m.dirty_period_s = PF_DIRTY_PERIOD_S;
    m.dirty_bps = (int64_t)(sim_dirtied(r->c, r->c->wss, r->c->rate, PF_DIRTY_PERIOD_S) /
                            PF_DIRTY_PERIOD_S);
    m.link_bps = (int64_t)r->c->link;
    pf_admit(&g, &m, &fc);
    sim_qemu_init(&r->q, r->c, fc.post_copy, fc.auto_converge, fc.ac_initial,
                  fc.ac_increment, fc.start_downtime_ms);
    if (fc.verdict != PF_START) {
        snprintf(r->why, sizeof(r->why), "%s", fc.text);
        return false;
    }
    pf_start(st, &g, &fc);
    /* compute/monitor.c's worker_postcopy_recover, for [ferry]
     * postcopy_recover_timeout (its default) */
    cfg_defaults(&cfg);
    r->q.pc_recover_ms = (int64_t)cfg.postcopy_recover_timeout * 1000;
    return true;
}

static void
ferry_sample(struct sim_run *r, const struct pf_sample *s)
{
    struct pf_state *st = (struct pf_state *)r->state;
    struct pf_action a;

    pf_tick(st, s, &a);
    sim_run_cmd(r, sim_ferry_cmd(a.act), a.downtime_ms, a.text);
}

const struct sim_policy sim_ferry = { "ferry", ferry_start, ferry_sample, NULL,
                                      PF_DIRTY_PERIOD_S * 1000 };

/* ---- the run -------------------------------------------------------------------------- */

const struct sim_policy *const sim_policies[SIM_NPOLICIES] = {
    &sim_ferry, &sim_nova, &sim_kubevirt, &sim_ovirt, &sim_proxmox,
};

void
sim_run(struct sim_run *r, const struct sim_policy *p, const struct sim_case *c,
        int64_t horizon_ms)
{
    struct pf_sample s;

    memset(r, 0, sizeof(*r));
    r->p = p;
    r->c = c;
    r->decided_ms = -1;
    if (!p->start(r)) {
        r->q.end = SIM_REFUSED;
        r->decided_ms = 0;
        return;
    }
    while (r->q.end == SIM_RUNNING && r->q.t_ms < horizon_ms) {
        sim_qemu_step(&r->q);
        if (r->q.end != SIM_RUNNING)
            break;
        if (r->q.synced && p->iteration)
            p->iteration(r);
        if (r->q.t_ms % SIM_SAMPLE_MS == 0) {
            sim_qemu_sample(&r->q, &s);
            p->sample(r, &s);
        }
    }
    if (r->q.end == SIM_RUNNING) {
        r->q.end = SIM_HORIZON;
        r->q.end_ms = r->q.t_ms;
    }
}

bool
sim_run_ok(const struct sim_run *r)
{
    enum sim_end e = r->q.end;

    return (e == SIM_COMPLETED || e == SIM_POSTCOPY_DONE || e == SIM_POSTCOPY_RESUMED ||
            e == SIM_PAUSED_DONE) &&
           r->q.downtime_ms <= r->c->budget_ms;
}

const char *
sim_end_name(enum sim_end e)
{
    static const char *const names[] = {
        [SIM_RUNNING] = "running", [SIM_COMPLETED] = "completed",
        [SIM_POSTCOPY_DONE] = "post-copy", [SIM_POSTCOPY_RESUMED] = "post-copy-resumed",
        [SIM_PAUSED_DONE] = "paused",
        [SIM_ABORTED] = "aborted", [SIM_REFUSED] = "refused", [SIM_LOST] = "LOST",
        [SIM_HORIZON] = "horizon",
    };

    return names[e];
}
