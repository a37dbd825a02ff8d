/* virt_fake.h - an in-memory hypervisor behind the virt seam, for tests of
 * the worker and the policies.  Deterministic and scriptable: each domain
 * carries a pre-copy model (size, link, dirtying, working set) that its
 * migration plays out in (scaled) time, plus injected faults.
 *
 * Hosts are named by URI ("fake://a"); every struct virt opened on a URI
 * sees the same host.  Not a simulator of QEMU's internals: enough of its
 * observables (remaining, processed, iterations, throttle) for the worker's
 * logic to be exercised, never a stand-in for the lab's real libvirt.
 */
#ifndef FERRY_VIRT_FAKE_H
#define FERRY_VIRT_FAKE_H

#include "compute/virt.h"

extern const struct virt_driver virt_fake;

struct fake_model {
    int64_t mem_bytes;              /* guest RAM */
    int64_t bw_bytes_s;             /* link */
    int64_t dirty_bytes_s;          /* re-dirtied while running */
    int64_t wss_bytes;              /* remaining never drops below this while dirtying */
    int fail_at_pct;                /* > 0: the job fails at this progress */
    int start_delay_ms;             /* the job appears after this long */
};

/* Forget every host and domain. */
void fake_reset(void);

/* Define a running domain on host uri with a migration model. */
void fake_add_domain(const char *uri, const char *uuid, const char *name, int memory_mb,
                     const struct fake_model *model);

/* Where a domain runs: the host URI, or NULL. */
const char *fake_where(const char *uuid);

/* Power state of the domain (on whichever host has it), -1 if none. */
int fake_power_state(const char *uuid);

/* The max downtime last set, in ms (0 if never). */
int fake_max_downtime(const char *uuid);

/* Host facts reported by host_info. */
void fake_host_set(const char *uri, const char *hostname, int memory_mb, int free_mb);

/* Is storage shared (every host sees every image)?  Default: no. */
void fake_set_shared_storage(bool shared);

/* Make compare_cpu refuse every CPU on uri with this reason (NULL: accept). */
void fake_host_refuse_cpu(const char *uri, const char *reason);
/* The CPU definition the host's compare_cpu was last given ("" if none
 * since the last call). */
void fake_host_last_cpu_xml(const char *uri, char *out, size_t size);
/* ... and the virt type it was asked to compare for ("" if none). */
void fake_host_last_cpu(const char *uri, char *xml, size_t xml_size, char *virt_type,
                        size_t virt_type_size);

/* The next `times` calls of op ("domain_get", "domain_exists", "abort", ...:
 * the seam's names) on any connection to uri fail with code; ERR_UNAVAILABLE
 * is a dead connection, as libvirt's after libvirtd restarted. */
void fake_fail_next(const char *uri, const char *op, int times, enum err_code code);

/* The next call of op on uri takes ms longer (and then succeeds). */
void fake_delay_next(const char *uri, const char *op, int ms);

/* The next call of op on uri waits for fake_release() (and then succeeds). */
void fake_hold_next(const char *uri, const char *op);
void fake_release(void);

/* The flags the last migration of a domain was started with. */
unsigned fake_last_flags(const char *uuid);
/* ... and its auto-converge initial throttle and increment (%, 0: QEMU's). */
void fake_last_auto_converge(const char *uuid, int *initial, int *increment);

/* Give a domain one local disk (block migration). */
void fake_set_disk(const char *uuid, const struct virt_disk *disk);

/* The next n (at most 8) dirty-rate results of uuid are bps[], in order,
 * whatever its model says; fake_dirty_reads: how many it has given. */
void fake_dirty_readings(const char *uuid, const int64_t *bps, int n);
int fake_dirty_reads(const char *uuid);

/* The most dirty-rate calculations started (dirty_rate_start) with no
 * result read (dirty_rate_result) in between, since fake_reset. */
int fake_dirty_rate_started_unread(void);

/* How many images create_image made since fake_reset. */
int fake_images_created(void);

/* The format an image was created in on uri ("" if there is none). */
void fake_image_format(const char *uri, const char *path, char *out, size_t size);

#endif
