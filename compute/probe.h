/* probe.h - is the migration data path up?  A probe of it, before a broken
 * post-copy migration is resumed.
 *
 * QEMU before 8.2 cannot leave its postcopy-recover state when the link
 * fails during a resume attempt (QEMU commit "migration: Allow network to
 * fail even during recovery"): the source hangs there and no later resume
 * is accepted.  So a source resumes only once its probe got through the
 * same path the migration's data takes: a TCP connection to the
 * destination's live_migration_inbound_addr at its [ferry]
 * postcopy_probe_port (inside libvirt's migration port range, so any relay,
 * firewall or NAT of the migration network applies to it too), where the
 * destination's ferry-compute answers a line.
 */
#ifndef FERRY_PROBE_H
#define FERRY_PROBE_H

#include "common/err.h"
#include "compute/compute.h"

struct probe;

/* The listener on c->migration_addr:[ferry] postcopy_probe_port, in a
 * thread of its own until *c->stop; NULL when the port is 0 or cannot be
 * bound (logged: sources then resume without probing). */
struct probe *probe_start(struct compute *c);

/* Stop the listener (it notices *c->stop within half a second) and free p;
 * NULL is fine. */
void probe_join(struct probe *p);

/* The port the listener answers on, 0 when none (p NULL). */
int probe_port(const struct probe *p);

/* Connect to addr:port and read the listener's line within timeout_ms.
 * 0: the path is up; -1 with why in err (refused, reset, silent). */
int probe_path(const char *addr, int port, int timeout_ms, struct err *err);

#endif
