/* db_types.h - what every row and filter of db_<table>.h shares.
 *
 * Strings are fixed buffers inside the structs, so a row is one value with
 * no ownership to track.  Timestamps are microseconds since the epoch (UTC),
 * 0 when NULL.  Lists are returned as malloc'd arrays the caller frees.
 */
#ifndef FERRY_DB_TYPES_H
#define FERRY_DB_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#define NAME_LEN 256

/* A time filter: set (microseconds since the epoch) or not given. */
struct db_time {
    bool set;
    int64_t us;
};

#endif
