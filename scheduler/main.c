/* ferry-scheduler - Nova's conductor and scheduler for live migrations.
 *
 *   ferry-scheduler [--config-file FILE]... [--debug]
 *
 * Takes `accepted` migrations from PostgreSQL, checks them, picks and checks
 * a destination, and hands them to the source host as `queued` (or ends them
 * in `error` with the reason).  Any number may run against one database:
 * rows are claimed with FOR UPDATE SKIP LOCKED.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/log.h"
#include "common/util.h"
#include "scheduler/sched_loop.h"

static volatile sig_atomic_t sched_stop;

static void
sched_on_signal(int sig)
{
    (void)sig;
    sched_stop = 1;
}

int
main(int argc, char **argv)
{
    struct cfg cfg;
    struct cli cli;
    struct sched *s;
    struct sigaction sa = { 0 };
    char hostname[200], actor[256];
    int64_t backoff = 0;

    cli_init(argc, argv, "ferry-scheduler", NULL, &cfg, &cli);
    if (cli.argc > 1)
        fatalx("unexpected argument %s (ferry-scheduler --help)", cli.argv[1]);
    if (gethostname(hostname, sizeof(hostname)) < 0)
        snprintf(hostname, sizeof(hostname), "localhost");
    snprintf(actor, sizeof(actor), "ferry-scheduler@%s:%d", hostname, (int)getpid());
    sa.sa_handler = sched_on_signal;    /* no SA_RESTART: waits return early */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    s = sched_new(&cfg, actor);
    log_info("started actor=%s", actor);
    while (!sched_stop) {
        struct err err = ERR_INIT;
        int rc = sched_step(s, 5000, &err);

        if (rc >= 0) {
            backoff = 0;
            continue;
        }
        backoff_next(&backoff);
        log_warnx("scheduling step failed, retrying in %lld ms: %s%s%s", (long long)backoff,
                  err.msg, err.detail[0] ? ": " : "", err.detail);
        sleep_ms(backoff);
    }
    log_info("stopping");
    sched_free(s);
    free(cli.argv);
    return 0;
}
