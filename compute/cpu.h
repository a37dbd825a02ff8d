/* cpu.h - what a destination compares of a guest's CPU before a live
 * migration (Nova's check_can_live_migrate_destination -> _compare_cpu), as
 * pure functions, so that the unit tests show every branch whatever CPU the
 * machine running them has. */
#ifndef FERRY_CPU_H
#define FERRY_CPU_H

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

#endif
