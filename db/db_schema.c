/* db_schema.c - apply migrations-sql/NNNN_*.sql in order, once each. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auto.h"
#include "common/log.h"
#include "common/util.h"
#include "db/db.h"
#include "db/db_int.h"
#include "db/db_schema.h"

#define SCHEMA_LOCK_KEY "7301"   /* advisory lock: one db sync at a time */

static int
schema_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* NNNN_name.sql */
static bool
schema_file_ok(const char *name)
{
    size_t n = strlen(name);

    return n > 9 && strspn(name, "0123456789") == 4 && name[4] == '_' &&
           strcmp(name + n - 4, ".sql") == 0;
}

static char *
schema_read(const char *path, struct err *err)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    long len;

    if (!f) {
        err_set(err, ERR_INVALID, "cannot open %s", path);
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)len + 1)) && fread(buf, 1, (size_t)len, f) == (size_t)len) {
        buf[len] = '\0';
    } else {
        free(buf);
        buf = NULL;
        err_set(err, ERR_INTERNAL, "cannot read %s", path);
    }
    fclose(f);
    return buf;
}

/* Apply one file unless recorded; 1 if applied, 0 if already there. */
static int
schema_apply(struct db *db, const char *dir, const char *name, struct err *err)
{
    const char *p[1] = { name };
    char path[1024];
    AUTOFREE char *sql = NULL;
    AUTO_PGRES PGresult *r = NULL;

    if (db_begin(db, err) < 0)
        return -1;
    if (db_cmd(db, "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK_KEY ")", 0, NULL, err) < 0)
        goto fail;
    if (!(r = db_query(db, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, p, err)))
        goto fail;
    if (PQntuples(r) > 0) {
        db_rollback(db);
        return 0;
    }
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (!(sql = schema_read(path, err)))
        goto fail;
    if (db_exec_simple(db, sql, err) < 0) {
        char detail[sizeof(err->detail)];

        /* err_set() clears the detail: keep PostgreSQL's words */
        strlcpy0(detail, err->detail, sizeof(detail));
        err_set(err, err->code, "%s failed", name);
        err_detail(err, "%s", detail);
        goto fail;
    }
    if (db_cmd(db, "INSERT INTO schema_migrations (version) VALUES ($1)", 1, p, err) < 0 ||
        db_commit(db, err) < 0)
        goto fail;
    log_info("schema applied file=%s", name);
    return 1;
fail:
    db_rollback(db);
    return -1;
}

int
db_schema_sync(struct db *db, const char *dir, int *applied, struct err *err)
{
    DIR *d;
    struct dirent *de;
    char **names = NULL;
    size_t n = 0;
    int rc = 0;

    *applied = 0;
    if (db_cmd(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                   " version text PRIMARY KEY,"
                   " applied_at timestamptz NOT NULL DEFAULT now())", 0, NULL, err) < 0)
        return -1;
    if (!(d = opendir(dir)))
        return err_set(err, ERR_INVALID, "cannot open schema directory %s", dir);
    while ((de = readdir(d)) != NULL) {
        if (!schema_file_ok(de->d_name))
            continue;
        names = realloc(names, (n + 1) * sizeof(*names));
        if (!names || !(names[n++] = strdup(de->d_name)))
            fatalx("out of memory");
    }
    closedir(d);
    qsort(names, n, sizeof(*names), schema_name_cmp);
    for (size_t i = 0; i < n && rc == 0; i++) {
        int r = schema_apply(db, dir, names[i], err);

        if (r < 0)
            rc = -1;
        else
            *applied += r;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int
db_schema_version(struct db *db, char *out, size_t size, struct err *err)
{
    AUTO_PGRES PGresult *r = db_query(db, "SELECT coalesce(max(version), 'none') AS v"
                                          " FROM schema_migrations", 0, NULL, err);

    if (!r)
        return -1;
    row_cpy(r, 0, "v", out, size);
    return 0;
}
