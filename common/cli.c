/* cli.c - shared command-line handling and config loading. */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/log.h"

static void
cli_usage(const char *prog, const char *usage)
{
    printf("usage: %s [OPTION]...\n"
           "  --config-file FILE   a nova.conf-style file; repeatable, later ones win\n"
           "                       (etc/ferry.conf.sample lists every option)\n"
           "  --debug              log at debug level ([DEFAULT] debug)\n"
           "  --print-config       print the effective configuration and exit\n"
           "  --help, -h           print this and exit\n"
           "%s"
           "FERRY_DATABASE_CONNECTION, when set, overrides [database] connection.\n",
           prog, usage ? usage : "");
}

void
cli_init(int argc, char **argv, const char *prog, const char *usage, struct cfg *cfg,
         struct cli *rest)
{
    bool print = false;
    bool debug = false;
    struct err err = ERR_INIT;

    log_init(prog, LOG_LVL_INFO);
    cfg_defaults(cfg);
    rest->argv = calloc((size_t)argc + 1, sizeof(char *));
    if (!rest->argv)
        fatalx("out of memory");
    rest->argc = 0;
    rest->argv[rest->argc++] = argv[0];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config-file") == 0 && i + 1 < argc) {
            if (cfg_load(cfg, argv[++i], &err) < 0)
                fatalx("%s", err.msg);
        } else if (strncmp(argv[i], "--config-file=", 14) == 0) {
            if (cfg_load(cfg, argv[i] + 14, &err) < 0)
                fatalx("%s", err.msg);
        } else if (strcmp(argv[i], "--debug") == 0) {
            debug = true;
        } else if (strcmp(argv[i], "--print-config") == 0) {
            print = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            cli_usage(prog, usage);
            exit(0);
        } else {
            rest->argv[rest->argc++] = argv[i];
        }
    }
    cfg_env(cfg);
    if (cfg->debug || debug) {
        cfg->debug = true;
        log_set_level(LOG_LVL_DEBUG);
    }
    if (print) {
        cfg_print(cfg, stdout);
        exit(0);
    }
}

const char *
cli_exe_dir(void)
{
    static char dir[PATH_MAX];
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

    if (n <= 0)
        return ".";
    path[n] = '\0';
    snprintf(dir, sizeof(dir), "%s", dirname(path));
    return dir;
}
