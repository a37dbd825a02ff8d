/* ferry-manage - administrative commands, in the spirit of nova-manage.
 *
 *   ferry-manage [--config-file F] db sync [--schema-dir DIR]
 *   ferry-manage [--config-file F] db version
 *
 * "db sync" applies every pending migrations-sql/NNNN_*.sql in order, each in
 * one transaction, recorded in schema_migrations; a second run is a no-op.
 * The files: --schema-dir, else $FERRY_SCHEMA_DIR, else the installed
 * ../share/ferry/migrations-sql beside this program, else the checkout's
 * ../migrations-sql.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/log.h"
#include "db/db.h"
#include "db/db_schema.h"
#include "db/db_types.h"

#define MANAGE_COMMANDS                                                                    \
    "commands:\n"                                                                          \
    "  db sync [--schema-dir DIR]   apply every pending migrations-sql/NNNN_*.sql\n"      \
    "  db version                   the last one applied\n"

static void
usage(void)
{
    fprintf(stderr, "usage: ferry-manage [OPTION]... db sync [--schema-dir DIR]\n"
                    "       ferry-manage [OPTION]... db version\n"
                    "(ferry-manage --help)\n");
    exit(2);
}

static const char *
schema_dir_default(void)
{
    static char dir[4096];
    const char *env = getenv("FERRY_SCHEMA_DIR");

    if (env && *env)
        return env;
    /* installed (make install: PREFIX/bin, PREFIX/share/ferry), else the
     * checkout's (build/ beside migrations-sql/) */
    snprintf(dir, sizeof(dir), "%s/../share/ferry/migrations-sql", cli_exe_dir());
    if (access(dir, F_OK) == 0)
        return dir;
    snprintf(dir, sizeof(dir), "%s/../migrations-sql", cli_exe_dir());
    return dir;
}

static int
cmd_db_sync(struct db *db, const char *dir)
{
    struct err err = ERR_INIT;
    int applied = 0;

    if (db_schema_sync(db, dir, &applied, &err) < 0) {
        fprintf(stderr, "ferry-manage: db sync failed: %s%s%s\n", err.msg,
                err.detail[0] ? ": " : "", err.detail);
        return 1;
    }
    printf("db sync: %d file(s) applied\n", applied);
    return 0;
}

static int
cmd_db_version(struct db *db)
{
    struct err err = ERR_INIT;
    char version[NAME_LEN];

    if (db_schema_version(db, version, sizeof(version), &err) < 0) {
        fprintf(stderr, "ferry-manage: %s%s%s\n", err.msg, err.detail[0] ? ": " : "",
                err.detail);
        return 1;
    }
    printf("%s\n", version);
    return 0;
}

int
main(int argc, char **argv)
{
    struct cfg cfg;
    struct cli cli;
    const char *dir;
    struct db *db;
    int rc;

    cli_init(argc, argv, "ferry-manage", MANAGE_COMMANDS, &cfg, &cli);
    if (cli.argc < 3 || strcmp(cli.argv[1], "db") != 0)
        usage();
    dir = schema_dir_default();
    if (cli.argc == 5 && strcmp(cli.argv[3], "--schema-dir") == 0)
        dir = cli.argv[4];
    else if (cli.argc != 3)
        usage();
    db = db_new(cfg.db_connection, "ferry-manage");
    /* a schema change on a large table may rightly take long */
    db_set_statement_timeout(db, 0);
    if (strcmp(cli.argv[2], "sync") == 0)
        rc = cmd_db_sync(db, dir);
    else if (strcmp(cli.argv[2], "version") == 0)
        rc = cmd_db_version(db);
    else
        usage();
    db_free(db);
    free(cli.argv);
    return rc;
}
