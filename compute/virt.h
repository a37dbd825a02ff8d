/* virt.h - the seam between ferry-compute and a hypervisor.
 *
 * ferry-compute talks to hypervisors only through this table.  There are two
 * implementations: virt_libvirt.c (the real one, the only file that includes
 * libvirt) and a scriptable fake for the cmocka tests of the worker and the
 * policies (tests/unit/fakes/virt_fake.c).  libvirt's own test:///default
 * driver implements none of the migration or job calls, hence the fake.
 *
 * One struct virt is one hypervisor connection, used by one thread at a
 * time; a thread that needs to call concurrently opens its own.  Domains are
 * named by uuid (Nova makes the libvirt domain uuid the instance uuid).
 * Every call reports failures once into *err (libvirt's message in
 * err->msg, its error code in err->detail).  Both drivers implement every
 * operation; one a hypervisor cannot do fails with ERR_NOT_SUPPORTED.
 */
#ifndef FERRY_VIRT_H
#define FERRY_VIRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/nova.h"
#include "common/util.h"

struct virt;

struct virt_host_info {
    char hostname[256];             /* the hypervisor's hostname: Nova's node name */
    int memory_mb;                  /* total RAM */
    int free_memory_mb;             /* free now */
    int vcpus;
    int local_gb;                   /* disk for instance images */
    char hypervisor_type[32];       /* "QEMU" */
    int64_t hypervisor_version;     /* 7002022 for QEMU 7.2.22 */
    int64_t libvirt_version;        /* 9000000 for libvirt 9.0.0 */
    char cpu_arch[32];              /* x86_64 */
    char cpu_vendor[64];            /* Intel */
    char cpu_model[64];             /* host CPU model name from capabilities */
    char cpu_features[4096];        /* the host CPU's features, comma-separated */
    char cpu_info[4096];            /* Nova's cpu_info JSON: arch, model, vendor,
                                     * topology {cells, sockets, cores, threads},
                                     * features [...] */
};

/* Nova's identity of a domain, from its libvirt metadata element
 * (namespace http://openstack.org/xmlns/libvirt/nova/1.1) when present. */
struct virt_nova_meta {
    bool present;
    char display_name[256];
    char project_id[256];
    char user_id[256];
    char flavor_name[256];
    int flavor_memory_mb;
    int flavor_vcpus;
    int root_gb;
    int ephemeral_gb;
    int swap_mb;
};

struct virt_domain {
    char uuid[UUID_STR_LEN];
    char name[256];
    int power_state;                /* enum power_state (common/nova.h) */
    bool incoming;                  /* paused as the target of a migration */
    bool postcopy_failed;           /* a post-copy migration of it broke: "paused
                                     * (post-copy failed)" on the source, "running
                                     * (post-copy failed)" on the destination; it
                                     * waits for a resume */
    bool persistent;
    int memory_mb;                  /* current allocation */
    int vcpus;
    struct virt_nova_meta nova;
    char cpu_xml[8192];             /* the domain's <cpu> element, "" when none */
    bool unreadable;                /* list_domains: only uuid is known (the domain
                                     * could not be read; the error was logged) */
};

/* Migration flags, mapped to VIR_MIGRATE_* by the driver. */
enum virt_mig_flag {
    VIRT_MIG_LIVE = 1 << 0,
    VIRT_MIG_PEER2PEER = 1 << 1,
    VIRT_MIG_PERSIST_DEST = 1 << 2,
    VIRT_MIG_UNDEFINE_SOURCE = 1 << 3,
    VIRT_MIG_NON_SHARED_INC = 1 << 4,   /* block migration, the top image only */
    VIRT_MIG_TUNNELLED = 1 << 5,
    VIRT_MIG_TLS = 1 << 6,
    VIRT_MIG_POSTCOPY = 1 << 7,         /* allow a later switch to post-copy */
    VIRT_MIG_AUTO_CONVERGE = 1 << 8,
    VIRT_MIG_PARALLEL = 1 << 9,
    VIRT_MIG_NON_SHARED_DISK = 1 << 10, /* block migration, the whole chain */
    VIRT_MIG_POSTCOPY_RESUME = 1 << 11, /* resume a post-copy migration that broke
                                         * (with VIRT_MIG_POSTCOPY and the flags and
                                         * parameters it started with, on the source) */
};

#define VIRT_MAX_DISKS 16

/* A local file disk of a domain. */
struct virt_disk {
    char target[32];                /* vda, hda */
    char path[512];
    char format[16];                /* the driver's type: qcow2, raw */
    uint64_t capacity;              /* virtual size, bytes */
    uint64_t physical;              /* the file's size, bytes (Nova's data size counts it) */
    bool backing;                   /* the image has a backing file */
};

struct virt_mig_params {
    const char *uuid;               /* the domain */
    const char *dest_uri;           /* peer-to-peer connection URI of the destination */
    const char *migrate_uri;        /* VIR_MIGRATE_PARAM_URI (where data flows), or NULL */
    unsigned flags;                 /* enum virt_mig_flag bits */
    uint64_t bandwidth_mib;         /* VIR_MIGRATE_PARAM_BANDWIDTH, 0 = default */
    int parallel_connections;       /* with VIRT_MIG_PARALLEL */
    const char *migrate_disks[VIRT_MAX_DISKS];  /* targets to copy (block migration) */
    int ndisks;
    int auto_converge_initial;      /* %, 0 = QEMU's default */
    int auto_converge_increment;    /* %, 0 = QEMU's default */
};

enum virt_job_type {
    VIRT_JOB_NONE,
    VIRT_JOB_BOUNDED,
    VIRT_JOB_UNBOUNDED,             /* a migration in progress */
    VIRT_JOB_COMPLETED,
    VIRT_JOB_FAILED,
    VIRT_JOB_CANCELLED,
};

/* virDomainGetJobStats, in bytes, ms and bytes/s; absent fields read 0. */
struct virt_job_stats {
    enum virt_job_type type;
    int64_t time_elapsed_ms;
    int64_t data_total, data_processed, data_remaining;
    int64_t mem_total, mem_processed, mem_remaining;
    int64_t mem_bps;                /* transfer rate */
    int64_t mem_dirty_rate;         /* bytes/s (pages/s x page size) */
    int64_t mem_iteration;          /* pass number */
    int64_t mem_page_size;
    int64_t mem_postcopy_requests;
    int64_t disk_total, disk_processed, disk_remaining, disk_bps;
    int auto_converge_throttle;     /* % */
    int64_t downtime_ms;            /* completed jobs: actual downtime */
    int64_t setup_time_ms;
};

/* The last pause and resume of a domain that libvirt reported on one
 * connection (lifecycle events SUSPENDED and RESUMED, any detail; of
 * several in a row, the first: a post-copy's destination resumes when the
 * guest runs there, and again once the last page arrived), in
 * wall-clock ms since the epoch, 0 when none was seen.  Comparable across
 * hosts as far as their clocks agree (NTP). */
struct virt_lifecycle {
    int64_t suspended_ms;
    int64_t resumed_ms;
};

/* A dirty-rate measurement before a migration (libvirt's dirty-rate
 * calculation, page sampling): how many distinct bytes of the guest's RAM
 * were written during the period, per second.  Sampled pages are hashed at
 * the start and the end of the period, so a page rewritten many times counts
 * once: the rate is bounded by the writable working set / period. */
struct virt_dirty_rate {
    int64_t bytes_per_s;
    int period_s;                   /* the period measured */
    int64_t start_time_s;           /* when it started, s on QEMU's own clock (tells
                                     * measurements apart, not a date) */
};

struct virt_driver {
    const char *name;
    /* connect to uri; *out is the new connection */
    int (*open)(const char *uri, struct virt **out, struct err *err);
    void (*close)(struct virt *v);
    int (*host_info)(struct virt *v, struct virt_host_info *out, struct err *err);
    /* every domain, running or not; *out is malloc'd.  A domain that cannot be
     * read is listed with its uuid and unreadable set, not as an error */
    int (*list_domains)(struct virt *v, struct virt_domain **out, int *n, struct err *err);
    /* one domain; ERR_NOT_FOUND when this host has none with that uuid */
    int (*domain_get)(struct virt *v, const char *uuid, struct virt_domain *out,
                      struct err *err);
    /* is a domain of this name or uuid defined here (a clash for an incoming guest)? */
    int (*domain_exists)(struct virt *v, const char *uuid, const char *name, bool *exists,
                         struct err *err);
    /* can this host's hypervisor of virt_type ("kvm", "qemu": the configured
     * [libvirt] virt_type, never a guess) run a guest with this <cpu>
     * definition?  *why explains a no */
    int (*compare_cpu)(struct virt *v, const char *virt_type, const char *cpu_xml, bool *ok,
                       char *why, size_t why_size, struct err *err);
    /* every CPU feature the hypervisor of virt_type can give a guest here (its
     * host-model CPU with the model's own features expanded), comma-separated
     * into out: what the scheduler's pre-filter checks a guest's required
     * features against.  "" when the hypervisor has no host-model CPU */
    int (*guest_cpu_features)(struct virt *v, const char *virt_type, char *out, size_t size,
                              struct err *err);
    /* run the migration to completion (blocks; call it from its own thread,
     * on its own connection) */
    int (*migrate)(struct virt *v, const struct virt_mig_params *p, struct err *err);
    /* the running job (completed = false) or the last completed one */
    int (*job_stats)(struct virt *v, const char *uuid, bool completed,
                     struct virt_job_stats *out, struct err *err);
    int (*set_max_downtime)(struct virt *v, const char *uuid, uint64_t ms, struct err *err);
    int (*set_max_speed)(struct virt *v, const char *uuid, uint64_t mib_s, struct err *err);
    int (*start_postcopy)(struct virt *v, const char *uuid, struct err *err);
    int (*abort_job)(struct virt *v, const char *uuid, struct err *err);
    /* pause a post-copy migration (virDomainAbortJobFlags, ABORT_JOB_POSTCOPY;
     * the source only): its connection is dropped, the guest's memory stays
     * split and the domain becomes postcopy_failed, waiting for a resume
     * (migrate with VIRT_MIG_POSTCOPY_RESUME).  For a link that went silent:
     * QEMU waits on it for ever otherwise */
    int (*pause_postcopy)(struct virt *v, const char *uuid, struct err *err);
    int (*suspend)(struct virt *v, const char *uuid, struct err *err);
    int (*resume)(struct virt *v, const char *uuid, struct err *err);
    /* the domain's disks backed by local files */
    int (*local_disks)(struct virt *v, const char *uuid, struct virt_disk *out, int max, int *n,
                       struct err *err);
    /* create an empty image of size bytes at path in format (qcow2, raw), for
     * an incoming block migration */
    int (*create_image)(struct virt *v, const char *path, const char *format, uint64_t size,
                        struct err *err);
    /* is there a file at path on this host (Nova's shared-storage test file)? */
    int (*image_exists)(struct virt *v, const char *path, bool *exists, struct err *err);
    /* what this connection heard of the domain's pauses and resumes since it
     * was opened (every connection listens from its open on) */
    int (*lifecycle)(struct virt *v, const char *uuid, struct virt_lifecycle *out,
                     struct err *err);
    /* ---- the forecast's measurement (policy_ferry) ---- */
    /* measure the running domain's dirty rate over seconds (1-60): starts
     * the calculation (or takes one running over the same period; waits
     * out one over another), waits for it (blocks about seconds), reads
     * the result (out->period_s: what it took, in whole seconds, at least
     * seconds).  ERR_NOT_SUPPORTED when the
     * hypervisor cannot measure */
    int (*dirty_rate)(struct virt *v, const char *uuid, int seconds,
                      struct virt_dirty_rate *out, struct err *err);
    /* the same in two steps, to measure many domains at once: start (or
     * take one running over the same period; ERR_CONFLICT while one over
     * another period runs), then read: 1 and *out once measured over
     * seconds (out->period_s: what it took, in whole seconds, at least
     * seconds), 0 while it runs or cannot be read without waiting for
     * another caller's job, or when another caller's calculation replaced
     * it (the caller gives up after a while) */
    int (*dirty_rate_start)(struct virt *v, const char *uuid, int seconds, struct err *err);
    int (*dirty_rate_result)(struct virt *v, const char *uuid, int seconds,
                             struct virt_dirty_rate *out, struct err *err);
    /* the bytes one sampled page stands for: a measure over seconds reads
     * in steps of dirty_rate_step / seconds, and a rate under one step as
     * 0; 0 when the measure is exact */
    int64_t dirty_rate_step;
    /* ---- */
    /* remove the image at path; a missing one is not an error */
    int (*delete_image)(struct virt *v, const char *path, struct err *err);
};

/* The real driver (virt_libvirt.c). */
extern const struct virt_driver virt_libvirt;

#endif
