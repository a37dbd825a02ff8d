/* cpu.h - what a destination compares of a guest's CPU before a live
 * migration (Nova's check_can_live_migrate_destination -> _compare_cpu), as
 * pure functions, so that the unit tests show every branch whatever CPU the
 * machine running them has. */
#ifndef FERRY_CPU_H
#define FERRY_CPU_H

#include "common/err.h"
#include "db/db_instance.h"

/* The <cpu> definition a destination whose [libvirt] virt_type is virt_type
 * hands to its hypervisor's comparison (virConnectCompareHypervisorCPU, for
 * that same virt type), or none:
 *   - nothing unless virt_type is "kvm": an emulated (TCG) CPU is software,
 *     any guest CPU model runs on it, and Nova skips the check;
 *   - a guest with a CPU model of its own (guest_cpu_xml has a <model>) is
 *     compared as it is;
 *   - one without (host-model, host-passthrough, or no <cpu>) as the source
 *     host's CPU, Nova's cpu_info JSON, every feature required.
 * Returns 1 with a malloc'd *xml to compare, 0 when nothing is compared
 * (including a cpu_info that names no CPU libvirt could read back), -1 out
 * of memory. */
int cpu_compare_xml(const char *virt_type, const char *guest_cpu_xml,
                    const char *source_cpu_info, char **xml);

/* The features a guest's <cpu> requires, decided once, when ferry-compute
 * imports the domain (the scheduler's pre-filter reads them from the
 * instance's row): each <feature> child of cpu_xml's <cpu> element (a bare
 * <cpu>, as struct virt_domain carries it, or a whole <domain>) whose policy
 * is 'require' or 'force', or that has no policy (libvirt's default is
 * require), in document order, into *out; 'optional', 'disable' and
 * 'forbid' require nothing.  None for "" or NULL.  ERR_INVALID when
 * cpu_xml does not parse, a name is not a libvirt CPU name (letters,
 * digits and "_.-", shorter than DB_CPU_FEATURE_LEN), or it requires more
 * than DB_CPU_FEATURES_MAX. */
int cpu_required_features(const char *cpu_xml, struct db_cpu_features *out,
                          struct err *err);

#endif
