/* db_int.h - internals shared by the db layer: libpq results and row readers.
 * Never included outside db/. */
#ifndef FERRY_DB_INT_H
#define FERRY_DB_INT_H

#include <libpq-fe.h>

#include "db/db.h"

/* Run sql with n text parameters (NULL = SQL NULL).  Returns a result whose
 * status is COMMAND_OK or TUPLES_OK, or NULL with *err filled. */
PGresult *db_query(struct db *db, const char *sql, int n, const char *const *vals,
                   struct err *err);

/* Like db_query() for statements whose result is not needed. */
int db_cmd(struct db *db, const char *sql, int n, const char *const *vals, struct err *err);

static inline void
auto_pqclear(PGresult **r)
{
    if (*r)
        PQclear(*r);
}
#define AUTO_PGRES __attribute__((cleanup(auto_pqclear)))

/* Column readers by name; a NULL value reads as "" / 0 / false. */
const char *row_str(const PGresult *r, int row, const char *col);
bool row_isnull(const PGresult *r, int row, const char *col);
int64_t row_i64(const PGresult *r, int row, const char *col);
int row_int(const PGresult *r, int row, const char *col);
bool row_bool(const PGresult *r, int row, const char *col);
/* Copy a text column into a fixed buffer. */
void row_cpy(const PGresult *r, int row, const char *col, char *dst, size_t size);

/* A column holding epoch microseconds: SELECT ... "us(created_at) AS created_us". */
#define US(col) "(extract(epoch from " col ") * 1000000)::bigint"

/* Text form of integers for parameters. */
struct numbuf {
    char s[24];
};
const char *num(struct numbuf *b, int64_t v);

#endif
