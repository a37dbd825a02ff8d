/* h_metrics.c - what operators' tools read: GET /healthcheck (a load
 * balancer's probe, oslo.middleware's as Nova serves it, below) and
 * GET /metrics: Prometheus' text format (0.0.4), from
 * PostgreSQL at each scrape, so any ferry-api answers for the whole
 * system and a restart loses nothing.
 *
 *   ferry_migrations_active{policy,status}     gauge: accepted .. running (post-copy)
 *   ferry_migrations_total{policy,status}      counter: ended completed/failed/error/cancelled
 *   ferry_migration_duration_seconds{policy}   histogram: completed, request to end
 *   ferry_migration_downtime_seconds{policy}   histogram: completed, measured downtime
 *   ferry_migration_downtime_over_budget_total{policy}  counter: completed over budget
 *   ferry_migration_sent_bytes_total{policy}   counter: bytes sent by ended ones
 *   ferry_migration_steps_total{policy,step}   counter: ended, by highest ladder step
 *   ferry_compute_up{host}, ferry_compute_disabled{host}, ferry_compute_running_vms{host},
 *   ferry_compute_incoming_migrations{host}    gauges, per compute service
 *
 * policy is "nova", "ferry", or "unset" for rows the source compute has
 * not yet given its configuration's.  Every series of a policy seen is
 * written, zeros included, so that an alert on one never finds it absent.
 *
 * Order: authz rule ferry:metrics (admin) -> the figures (503 when the
 * database is down).  The scraper sends a token like any client
 * (X-Auth-Token; with noauth2 "admin:admin").
 */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/auth.h"
#include "api/routes.h"
#include "common/auto.h"
#include "common/log.h"
#include "common/mig_state.h"
#include "common/util.h"
#include "db/db_metrics.h"

static const double duration_bounds[] = { 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1800,
                                          3600 };
static const double downtime_bounds[] = { 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5 };

/* The ladder's steps (policy_ferry.h's PF_STEP_*, 1-5), as labels. */
static const char *const step_names[DB_STEP_MAX] = { "none", "downtime", "throttle",
                                                     "post_copy", "abort" };

/* A label value as the text format wants it: \\, \" and \n escaped. */
static void
put_label(FILE *f, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            fputc('\\', f);
        if (*v == '\n')
            fputs("\\n", f);
        else
            fputc(*v, f);
    }
}

static void
put_head(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static const char *
policy_label(const struct db_policy_metrics *p)
{
    return p->policy[0] ? p->policy : "unset";
}

static void
put_statuses(FILE *f, const struct db_policy_metrics *p, int n, bool ended)
{
    for (int i = 0; i < n; i++)
        for (int s = 0; s < MIG_STATUS_COUNT; s++) {
            if (mig_status_terminal((enum mig_status)s) != ended)
                continue;
            fprintf(f, "%s{policy=\"", ended ? "ferry_migrations_total" : "ferry_migrations_active");
            put_label(f, policy_label(&p[i]));
            fprintf(f, "\",status=\"%s\"} %lld\n", mig_status_name((enum mig_status)s),
                    (long long)p[i].by_status[s]);
        }
}

static void
put_hist(FILE *f, const char *name, const char *policy, const struct db_hist *h,
         const double *bounds, int nb)
{
    for (int k = 0; k < nb; k++) {
        fprintf(f, "%s_bucket{policy=\"", name);
        put_label(f, policy);
        fprintf(f, "\",le=\"%g\"} %lld\n", bounds[k], (long long)h->le[k]);
    }
    fprintf(f, "%s_bucket{policy=\"", name);
    put_label(f, policy);
    fprintf(f, "\",le=\"+Inf\"} %lld\n%s_sum{policy=\"", (long long)h->count, name);
    put_label(f, policy);
    fprintf(f, "\"} %.15g\n%s_count{policy=\"", h->sum, name);
    put_label(f, policy);
    fprintf(f, "\"} %lld\n", (long long)h->count);
}

/* A counter of each policy: its value at offset off in the figures. */
static void
put_per_policy(FILE *f, const char *name, const struct db_policy_metrics *p, int n, size_t off)
{
    for (int i = 0; i < n; i++) {
        fprintf(f, "%s{policy=\"", name);
        put_label(f, policy_label(&p[i]));
        fprintf(f, "\"} %lld\n", (long long)*(const int64_t *)((const char *)&p[i] + off));
    }
}

static void
put_migrations(FILE *f, const struct db_policy_metrics *p, int n)
{
    put_head(f, "ferry_migrations_active", "gauge", "Live migrations in progress, by status.");
    put_statuses(f, p, n, false);
    put_head(f, "ferry_migrations_total", "counter", "Live migrations ended, by status.");
    put_statuses(f, p, n, true);
    put_head(f, "ferry_migration_duration_seconds", "histogram",
             "Completed live migrations: from the request to the end.");
    for (int i = 0; i < n; i++)
        put_hist(f, "ferry_migration_duration_seconds", policy_label(&p[i]), &p[i].duration_s,
                 duration_bounds, (int)ARRAY_SIZE(duration_bounds));
    put_head(f, "ferry_migration_downtime_seconds", "histogram",
             "Completed live migrations: the guest's measured downtime.");
    for (int i = 0; i < n; i++)
        put_hist(f, "ferry_migration_downtime_seconds", policy_label(&p[i]), &p[i].downtime_s,
                 downtime_bounds, (int)ARRAY_SIZE(downtime_bounds));
    put_head(f, "ferry_migration_downtime_over_budget_total", "counter",
             "Completed live migrations whose downtime exceeded their budget.");
    put_per_policy(f, "ferry_migration_downtime_over_budget_total", p, n,
                   offsetof(struct db_policy_metrics, over_budget));
    put_head(f, "ferry_migration_sent_bytes_total", "counter",
             "Bytes sent by ended live migrations.");
    put_per_policy(f, "ferry_migration_sent_bytes_total", p, n,
                   offsetof(struct db_policy_metrics, sent_bytes));
    put_head(f, "ferry_migration_steps_total", "counter",
             "Ended live migrations by the highest step of the ferry policy's ladder.");
    for (int i = 0; i < n; i++)
        for (int s = 0; s < DB_STEP_MAX; s++) {
            fprintf(f, "ferry_migration_steps_total{policy=\"");
            put_label(f, policy_label(&p[i]));
            fprintf(f, "\",step=\"%s\"} %lld\n", step_names[s], (long long)p[i].by_step[s]);
        }
}

static const struct {
    const char *name, *help;
    size_t off;
    bool flag;                      /* a bool field, else an int */
} host_gauges[] = {
    { "ferry_compute_up", "1 when the compute service's heartbeat is recent and it is not "
      "forced down.", offsetof(struct db_host_metrics, up), true },
    { "ferry_compute_disabled", "1 when the compute service is disabled.",
      offsetof(struct db_host_metrics, disabled), true },
    { "ferry_compute_running_vms", "Instances placed on the host.",
      offsetof(struct db_host_metrics, running_vms), false },
    { "ferry_compute_incoming_migrations", "Live migrations on their way in (claims).",
      offsetof(struct db_host_metrics, incoming_migrations), false },
};

static void
put_hosts(FILE *f, const struct db_host_metrics *h, int n)
{
    for (size_t g = 0; g < ARRAY_SIZE(host_gauges); g++) {
        put_head(f, host_gauges[g].name, "gauge", host_gauges[g].help);
        for (int i = 0; i < n; i++) {
            const char *field = (const char *)&h[i] + host_gauges[g].off;

            fprintf(f, "%s{host=\"", host_gauges[g].name);
            put_label(f, h[i].host);
            fprintf(f, "\"} %d\n", host_gauges[g].flag ? (int)*(const bool *)field
                                                        : *(const int *)field);
        }
    }
}

int
h_metrics(struct ctx *c, struct resp *r, struct err *err)
{
    const struct db_metrics_bounds b = { duration_bounds, (int)ARRAY_SIZE(duration_bounds),
                                         downtime_bounds, (int)ARRAY_SIZE(downtime_bounds) };
    AUTOFREE struct db_policy_metrics *pm = NULL;
    AUTOFREE struct db_host_metrics *hosts = NULL;
    char *text = NULL;
    size_t len = 0;
    int npm, nhosts;
    FILE *f;

    if (authz_check(&c->who, AUTHZ_FERRY_METRICS, NULL, err) < 0)
        return -1;
    if (db_metrics_read(c->db, &b, c->cfg->service_down_time, &pm, &npm, &hosts, &nhosts,
                        err) < 0)
        return -1;
    if (!(f = open_memstream(&text, &len)))
        fatalx("out of memory");
    put_migrations(f, pm, npm);
    put_hosts(f, hosts, nhosts);
    if (fclose(f) != 0)
        fatalx("out of memory");
    r->text = text;
    r->content_type = "text/plain; version=0.0.4; charset=utf-8";
    return 0;
}

/* How long /healthcheck waits for a pooled connection: a probe's answer
 * must come before its own timeout (a load balancer's is a few seconds). */
#define HEALTH_POOL_WAIT_MS 2000
/* How long a verdict is reused: probes need no token, so however many
 * come, the database sees one check a second. */
#define HEALTH_TTL_MS 1000

static pthread_mutex_t health_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t health_at_ms;            /* the last check, 0: none yet */
static char health_why[600];            /* its verdict: "" healthy, else why not */

/* The database's verdict, checked anew at most once per HEALTH_TTL_MS
 * (the others wait for that check or reuse it). */
static void
health_db(struct db_pool *pool, char *why, size_t size)
{
    pthread_mutex_lock(&health_lock);
    if (!health_at_ms || now_ms() - health_at_ms >= HEALTH_TTL_MS) {
        struct err err = ERR_INIT;
        struct db *db;

        if ((db = db_pool_get(pool, HEALTH_POOL_WAIT_MS, &err))) {
            db_exec_simple(db, "SELECT 1", &err);
            db_pool_put(pool, db);
        }
        health_why[0] = '\0';
        if (err.code != ERR_NONE)
            snprintf(health_why, sizeof(health_why), "database unavailable: %s", err.msg);
        health_at_ms = now_ms();
    }
    snprintf(why, size, "%s", health_why);
    pthread_mutex_unlock(&health_lock);
}

void
h_healthcheck(const struct cfg *cfg, struct db_pool *pool, bool head, struct resp *r)
{
    char why[sizeof(health_why)];

    r->content_type = "text/plain; charset=UTF-8";
    /* oslo.middleware's disable_by_file backend: an operator takes this
     * ferry-api out of its load balancer without stopping it */
    if (cfg->healthcheck_disable_path[0] && access(cfg->healthcheck_disable_path, F_OK) == 0)
        snprintf(why, sizeof(why), "DISABLED BY FILE");
    else
        health_db(pool, why, sizeof(why));
    if (why[0]) {
        r->status = 503;
        if (!(r->text = strdup(why)))
            fatalx("out of memory");
        return;
    }
    /* oslo's answers: 200 "OK" to a GET, 204 to a HEAD */
    r->status = head ? 204 : 200;
    r->raw_body = head ? NULL : "OK";
}
