/* compute.h - ferry-compute's shared state and its parts.
 *
 *   main.c     the service loop: register, heart-beat, sync, claim queued rows
 *   sync.c     libvirt domains -> instances (identity from Nova's metadata)
 *   rates.c    the guests' dirty rates, measured in the background (its own thread)
 *   hostreq.c  answers host requests addressed to this host (its own thread)
 *   worker.c   one thread per migration: prepare, migrate, finish
 *   monitor.c  its monitor loop: samples, abort, force-complete, the policy
 *   policy.c   Nova's [libvirt] migration policy, as pure functions
 *   virt.h     the hypervisor seam (virt_libvirt.c, or the tests' fake)
 */
#ifndef FERRY_COMPUTE_H
#define FERRY_COMPUTE_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

#include "common/cfg.h"
#include "compute/virt.h"
#include "db/db.h"
#include "db/db_mig.h"
#include "db/db_types.h"

struct compute {
    const struct cfg *cfg;
    const struct virt_driver *drv;
    char host[NAME_LEN];            /* service host name ([DEFAULT] host / --host) */
    char node[NAME_LEN];            /* hypervisor hostname, from libvirt */
    char uri[512];                  /* libvirt URI of this host */
    char migration_addr[NAME_LEN];  /* where incoming migrations land */
    int probe_port;                 /* its data-path probe listener's, 0: none */
    char virt_type[16];
    char actor[NAME_LEN + 32];      /* ferry-compute@<host> */
    volatile sig_atomic_t *stop;
    pthread_mutex_t lock;
    int workers;                    /* migration threads alive */
};

/* sync.c: import every domain of this host into instances and refresh power
 * states; domains that vanished are marked shut down. */
int compute_sync(struct compute *c, struct db *db, struct virt *v, struct err *err);

/* hostreq.c: the host-request threads (one per db_hostreq_lane), until
 * *c->stop; hostreq_join waits for them and frees t. */
struct hostreq_threads {
    struct hr_lane *lane[2];
};
struct hostreq_threads *hostreq_start(struct compute *c);
void hostreq_join(struct hostreq_threads *t);

/* rates.c: every running guest's dirty rate, measured in the background
 * and recorded on its instance, in a thread of its own until *c->stop,
 * every [ferry] dirty_rate_interval s (NULL when 0); rates_join waits for
 * it and frees r.  rates_round measures once, all at once, each domain that
 * runs, has no task and is in no job: the number recorded, or -1 when the
 * round had to end (the domains cannot be listed, the database or libvirt
 * went away, or libvirt cannot measure: ERR_NOT_SUPPORTED). */
struct rates;
struct rates *rates_start(struct compute *c);
void rates_join(struct rates *r);
int rates_round(struct compute *c, struct db *db, struct virt *v, struct err *err);

/* worker.c: run one claimed (preparing) migration to a terminal status, in
 * a new detached thread. */
int worker_spawn(struct compute *c, const struct db_mig *m, struct err *err);

/* worker.c: migrations of this host left preparing/running by an earlier
 * ferry-compute: re-attach to a libvirt job still running, or record how it
 * ended. */
int worker_recover(struct compute *c, struct db *db, struct virt *v, struct err *err);

/* Record an instance-action event, best effort (a failure is logged). */
void compute_event_start(struct db *db, const char *instance_uuid, const char *request_id,
                         const char *event, const char *host);
void compute_event_finish(struct db *db, const char *instance_uuid, const char *request_id,
                          const char *event, bool ok, const char *details);
/* ... an event some other request started (the API's abort): the newest
 * unfinished one of that name for the instance. */
void compute_event_finish_open(struct db *db, const char *instance_uuid, const char *event,
                               bool ok, const char *details);

#endif
