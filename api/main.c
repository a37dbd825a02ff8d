/* ferry-api - OpenStack Nova's live-migration API over PostgreSQL.
 *
 *   ferry-api [--config-file FILE]... [--debug] [--print-config]
 *
 * Listens on [DEFAULT] osapi_compute_listen:osapi_compute_listen_port; writes
 * migration rows and never talks to libvirt.  Any number of ferry-api
 * processes may serve one database.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "api/api.h"
#include "api/auth.h"
#include "api/routes.h"
#include "common/cli.h"
#include "common/log.h"
#include "db/db.h"
#include "db/db_watch.h"

/* No request statement may run longer than this: a client's ?name= regex
 * or a stuck lock must not hold one of the few pooled connections for ever
 * (PostgreSQL cancels it; the client gets a 503). */
#define API_STATEMENT_TIMEOUT_MS 30000

static volatile sig_atomic_t api_stop;

static void
api_on_signal(int sig)
{
    (void)sig;
    api_stop = 1;
}

int
main(int argc, char **argv)
{
    struct cfg cfg;
    struct cli cli;
    struct err err = ERR_INIT;
    struct db_pool *pool;
    struct db_watch *watch;
    struct http *http;
    char hostname[200], actor[256];
    struct sigaction sa = { 0 };

    cli_init(argc, argv, "ferry-api", NULL, &cfg, &cli);
    if (cli.argc > 1)
        fatalx("unexpected argument %s (ferry-api --help)", cli.argv[1]);
    if (auth_init(&cfg, &err) < 0)
        fatalx("%s", err.msg);
    if (gethostname(hostname, sizeof(hostname)) < 0)
        snprintf(hostname, sizeof(hostname), "localhost");
    snprintf(actor, sizeof(actor), "ferry-api@%s:%d", hostname, cfg.api_port);
    pool = db_pool_new(cfg.db_connection, "ferry-api", cfg.db_max_pool_size,
                       API_STATEMENT_TIMEOUT_MS);
    /* one listening connection for every request that waits (below 2.34) */
    watch = db_watch_new(cfg.db_connection, "ferry-api-listen");
    dashboard_load();
    if (!(http = http_start(&cfg, pool, watch, actor, &err)))
        fatalx("%s", err.msg);
    log_info("listening on http://%s:%d/v2.1 max_microversion=%d.%d auth=%s", cfg.api_listen,
             cfg.api_port, cfg.max_microversion / 1000, cfg.max_microversion % 1000,
             cfg.auth_strategy == AUTH_NOAUTH2 ? "noauth2" : "token");

    sa.sa_handler = api_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    while (!api_stop)
        pause();
    log_info("stopping");
    http_stop(http);
    db_watch_free(watch);
    db_pool_free(pool);
    free(cli.argv);
    return 0;
}
