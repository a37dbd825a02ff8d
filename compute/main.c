/* ferry-compute - one per hypervisor host: the only Ferry process that talks
 * to libvirt, and only to its own host's libvirtd.
 *
 *   ferry-compute [--config-file FILE]... [--host NAME] [--debug]
 *
 * Registers its host (after importing the domains it finds), heart-beats
 * every [DEFAULT] report_interval, keeps instances in step with libvirt,
 * answers host requests (hostreq.c) and runs the migrations whose source is
 * this host, up to max_concurrent_live_migrations at once (worker.c).
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/log.h"
#include "common/util.h"
#include "compute/compute.h"
#include "compute/probe.h"
#include "db/db.h"
#include "db/db_host.h"
#include "db/db_mig.h"

#define SYNC_INTERVAL_MS 2000

static volatile sig_atomic_t compute_stop;

static void
compute_on_signal(int sig)
{
    (void)sig;
    compute_stop = 1;
}

/* Register this host with what libvirt says about it. */
static int
compute_register(struct compute *c, struct db *db, const struct virt_host_info *info,
                 struct err *err)
{
    struct db_host h;
    char features[4200];

    memset(&h, 0, sizeof(h));
    strlcpy0(h.host, c->host, sizeof(h.host));
    strlcpy0(h.node, info->hostname, sizeof(h.node));
    strlcpy0(h.libvirt_uri, c->uri, sizeof(h.libvirt_uri));
    strlcpy0(h.migration_addr, c->migration_addr, sizeof(h.migration_addr));
    strlcpy0(h.host_ip, c->cfg->my_ip, sizeof(h.host_ip));
    h.memory_mb = info->memory_mb;
    h.vcpus = info->vcpus;
    h.local_gb = info->local_gb;
    h.reserved_memory_mb = c->cfg->reserved_host_memory_mb;
    h.ram_allocation_ratio = c->cfg->ram_allocation_ratio;
    h.cpu_allocation_ratio = c->cfg->cpu_allocation_ratio;
    h.disk_allocation_ratio = c->cfg->disk_allocation_ratio;
    strlcpy0(h.hypervisor_type, info->hypervisor_type, sizeof(h.hypervisor_type));
    h.hypervisor_version = info->hypervisor_version;
    h.libvirt_version = info->libvirt_version;
    strlcpy0(h.cpu_arch, info->cpu_arch, sizeof(h.cpu_arch));
    strlcpy0(h.cpu_vendor, info->cpu_vendor, sizeof(h.cpu_vendor));
    strlcpy0(h.cpu_model, info->cpu_model, sizeof(h.cpu_model));
    strlcpy0(h.cpu_info, info->cpu_info, sizeof(h.cpu_info));
    strlcpy0(h.virt_type, c->virt_type, sizeof(h.virt_type));
    snprintf(features, sizeof(features), "{%s}", info->cpu_features);
    if (db_host_register(db, &h, features, err) < 0)
        return -1;
    log_info("host registered host=%s node=%s uri=%s migration_addr=%s memory_mb=%d "
             "vcpus=%d hypervisor=%s-%lld cpu=%s", c->host, c->node, c->uri,
             c->migration_addr, h.memory_mb, h.vcpus, h.hypervisor_type,
             (long long)h.hypervisor_version, h.cpu_model);
    return 0;
}

/* Start as many queued migrations as max_concurrent_live_migrations allows. */
static int
compute_take_queued(struct compute *c, struct db *db, struct err *err)
{
    struct db_mig m;
    int rc;

    while ((rc = db_mig_take_queued(db, c->host, c->cfg->max_concurrent_lm, c->actor, &m,
                                     err)) == 1) {
        log_info("migration claimed mig=%d instance=%s dest=%s", m.id, m.instance_uuid,
                 m.dest_compute);
        if (worker_spawn(c, &m, err) < 0)
            return -1;
    }
    return rc;
}

/* What the scheduler's CPU pre-filter checks a guest's required features
 * against: every feature the configured hypervisor gives its guests (a
 * guest's live XML names some, such as `hypervisor`, that no bare-metal CPU
 * reports).  Without them the pre-filter lets every guest through, and the
 * destination's own comparison decides. */
static void
compute_cpu_features(struct compute *c, struct virt *v, struct virt_host_info *info)
{
    struct err e = ERR_INIT;

    if (c->drv->guest_cpu_features(v, c->virt_type, info->cpu_features,
                                   sizeof(info->cpu_features), &e) < 0) {
        log_warnx("no CPU features for the scheduler's pre-filter host=%s virt_type=%s: %s",
                  c->host, c->virt_type, e.msg);
        info->cpu_features[0] = '\0';
    }
}

/* Connect, import the guests, register, recover: in this order, because a
 * registered host is one whose guests are known (`make run` waits for it). */
static int
compute_start(struct compute *c, struct db *db, struct virt **v, struct err *err)
{
    struct virt_host_info info;

    if (!*v && c->drv->open(c->uri, v, err) < 0)
        return -1;
    if (c->drv->host_info(*v, &info, err) < 0)
        return -1;
    compute_cpu_features(c, *v, &info);
    strlcpy0(c->node, info.hostname, sizeof(c->node));
    if (compute_sync(c, db, *v, err) < 0 || compute_register(c, db, &info, err) < 0)
        return -1;
    return worker_recover(c, db, *v, err);
}

static void
compute_loop(struct compute *c)
{
    struct db *db = db_new(c->cfg->db_connection, "ferry-compute");
    struct virt *v = NULL;
    bool started = false;
    int64_t last_beat = 0, last_sync = 0, backoff = 0;

    while (!compute_stop) {
        struct err err = ERR_INIT;
        struct db_notify n;
        int64_t now = now_ms();

        if (!started && compute_start(c, db, &v, &err) < 0)
            goto retry;
        started = true;
        if (!v && c->drv->open(c->uri, &v, &err) < 0)
            goto retry;
        if (now - last_beat >= (int64_t)c->cfg->report_interval * 1000) {
            if (db_host_heartbeat(db, c->host, &err) < 0)
                goto retry;
            last_beat = now;
        }
        if (now - last_sync >= SYNC_INTERVAL_MS) {
            if (compute_sync(c, db, v, &err) < 0)
                goto retry;
            last_sync = now;
        }
        if (db_listen(db, "ferry_migration", &err) < 0 || compute_take_queued(c, db, &err) < 0 ||
            db_wait(db, 500, &n, &err) < 0)
            goto retry;
        backoff = 0;
        continue;
retry:
        backoff_next(&backoff);
        log_warnx("service loop failed, retrying in %lld ms: %s%s%s", (long long)backoff,
                  err.msg, err.detail[0] ? ": " : "", err.detail);
        if (v && err.code == ERR_UNAVAILABLE) {
            c->drv->close(v);
            v = NULL;
        }
        sleep_ms(backoff);
    }
    if (v)
        c->drv->close(v);
    db_free(db);
}

int
main(int argc, char **argv)
{
    static struct cfg cfg;
    struct cli cli;
    struct compute c;
    struct sigaction sa = { 0 };
    struct hostreq_threads *hr;
    struct probe *pr;
    struct rates *rt;

    cli_init(argc, argv, "ferry-compute",
             "  --host NAME          this compute host's name ([DEFAULT] host)\n", &cfg, &cli);
    for (int i = 1; i < cli.argc; i++) {
        if (strcmp(cli.argv[i], "--host") == 0 && i + 1 < cli.argc)
            strlcpy0(cfg.host, cli.argv[++i], sizeof(cfg.host));
        else
            fatalx("unexpected argument %s (ferry-compute --help)", cli.argv[i]);
    }
    memset(&c, 0, sizeof(c));
    c.cfg = &cfg;
    c.drv = &virt_libvirt;
    c.stop = &compute_stop;
    pthread_mutex_init(&c.lock, NULL);
    strlcpy0(c.host, cfg.host, sizeof(c.host));
    strlcpy0(c.virt_type, cfg.virt_type, sizeof(c.virt_type));
    if (cfg.connection_uri[0])
        strlcpy0(c.uri, cfg.connection_uri, sizeof(c.uri));
    else
        snprintf(c.uri, sizeof(c.uri), "qemu:///system");
    /* Nova: the inbound address, else this host's name; Ferry prefers my_ip */
    strlcpy0(c.migration_addr, cfg.lm_inbound_addr[0] ? cfg.lm_inbound_addr : cfg.my_ip,
             sizeof(c.migration_addr));
    snprintf(c.actor, sizeof(c.actor), "ferry-compute@%s", c.host);
    log_init("ferry-compute", cfg.debug ? LOG_LVL_DEBUG : LOG_LVL_INFO);

    sa.sa_handler = compute_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    pr = probe_start(&c);
    c.probe_port = probe_port(pr);
    hr = hostreq_start(&c);
    rt = rates_start(&c);
    log_info("started host=%s uri=%s max_concurrent_live_migrations=%d", c.host, c.uri,
             cfg.max_concurrent_lm);
    compute_loop(&c);
    log_info("stopping (running migrations continue in libvirt; a restart re-attaches)");
    hostreq_join(hr);
    rates_join(rt);
    probe_join(pr);
    free(cli.argv);
    return 0;
}
