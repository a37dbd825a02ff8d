/* db_schema.h - the schema files (db_schema.c), applied by `ferry-manage db
 * sync`. */
#ifndef FERRY_DB_SCHEMA_H
#define FERRY_DB_SCHEMA_H

#include <stddef.h>

#include "common/err.h"
#include "db/db.h"

/* Apply every migrations-sql/NNNN_*.sql in dir not yet in schema_migrations,
 * in order, each in one transaction.  *applied counts them. */
int db_schema_sync(struct db *db, const char *dir, int *applied, struct err *err);

/* The newest schema file applied (its file name), "none" when none is. */
int db_schema_version(struct db *db, char *out, size_t size, struct err *err);

#endif
