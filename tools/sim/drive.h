/* drive.h - ferry-sim's run loop and policy table (drive.c), scenario
 * files and reports (main.c). */
#ifndef FERRY_SIM_DRIVE_H
#define FERRY_SIM_DRIVE_H

#include "tools/sim/sim.h"

#define SIM_NPOLICIES 5

/* ferry, nova, kubevirt, ovirt, proxmox: ferry first. */
extern const struct sim_policy *const sim_policies[SIM_NPOLICIES];
extern const struct sim_policy sim_ferry, sim_nova;

/* [ferry] nova_policy_time_divisor for `nova` (1; --nova-divisor: the lab
 * bench's clock, for calibrate). */
extern int sim_nova_divisor;

/* The command to QEMU for a ferry policy action (SIM_CMD_NONE: none, as
 * for PF_ACT_EVENT); a SIM_CMD_DOWNTIME takes the action's downtime_ms. */
enum sim_cmd sim_ferry_cmd(enum pf_act act);

/* Run case c under policy p until it ends or horizon_ms of simulated time. */
void sim_run(struct sim_run *r, const struct sim_policy *p, const struct sim_case *c,
             int64_t horizon_ms);

/* Completed (any way) with its downtime within the case's budget. */
bool sim_run_ok(const struct sim_run *r);

/* "completed", "post-copy", "aborted", ... */
const char *sim_end_name(enum sim_end e);

#endif
