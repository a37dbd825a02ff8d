/* db_int.h - internals shared by the db layer: libpq results and row readers.
 * Never included outside db/. */
#ifndef FERRY_DB_INT_H
#define FERRY_DB_INT_H

#include <libpq-fe.h>

#include "db/db.h"

/* The handle's libpq connection, NULL before the first use (tests). */
PGconn *db_pgconn(struct db *db);

/* Run sql with n text parameters (NULL = SQL NULL).  Returns a result whose
 * status is COMMAND_OK or TUPLES_OK, or NULL with *err filled. */
PGresult *db_query(struct db *db, const char *sql, int n, const char *const *vals,
                   struct err *err);

/* db_query() through a statement prepared once per connection under name
 * (for the hot paths: no planning on every call). */
PGresult *db_query_prepared(struct db *db, const char *name, const char *sql, int n,
                            const char *const *vals, struct err *err);

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
double row_real(const PGresult *r, int row, const char *col);
bool row_bool(const PGresult *r, int row, const char *col);
/* Copy a text column into a fixed buffer; a value that does not fit is cut
 * on a UTF-8 character boundary (and anything not UTF-8 reads as U+FFFD). */
void row_cpy(const PGresult *r, int row, const char *col, char *dst, size_t size);

/* A column holding epoch microseconds: SELECT ... "us(created_at) AS created_us". */
#define US(col) "(extract(epoch from " col ") * 1000000)::bigint"
/* And back: the timestamptz of a parameter holding epoch microseconds. */
#define EPOCH_US(param) "(timestamptz 'epoch' + " param "::bigint * interval '1 microsecond')"

/* The statuses a migration ends in (mig_status_terminal), as an SQL list. */
#define MIG_ENDED_SQL "('completed', 'failed', 'error', 'cancelled')"

/* Is host h's compute service up: not forced down, its heartbeat younger
 * than $1 (service_down_time, s). */
#define HOST_UP                                                                       \
    "(NOT h.forced_down AND h.heartbeat_at IS NOT NULL AND"                           \
    " h.heartbeat_at > now() - make_interval(secs => $1::int))"

/* Columns of a host read with its derived state; $1 is service_down_time.
 * Usage counts the instances placed there and the claims of migrations on
 * their way in (kept by triggers, 0004_claims_and_usage.sql). */
#define HOST_COLS                                                                     \
    " h.id, h.uuid, h.host, h.hypervisor_hostname, h.libvirt_uri,"              \
    " h.migration_addr, h.host_ip, h.memory_mb, h.vcpus, h.local_gb,"                 \
    " h.reserved_memory_mb, h.ram_allocation_ratio, h.cpu_allocation_ratio,"          \
    " h.disk_allocation_ratio, h.free_memory_mb, h.free_vcpus, h.free_disk_gb,"       \
    " h.hypervisor_type, h.hypervisor_version, h.libvirt_version, h.cpu_arch,"        \
    " h.cpu_vendor, h.cpu_model, coalesce(h.cpu_info::text, '{}') AS cpu_info,"       \
    " array_to_string(h.cpu_features, ',') AS cpu_features,"                          \
    " h.virt_type, h.disabled, coalesce(h.disabled_reason, '') AS disabled_reason,"   \
    " h.forced_down, " US("h.heartbeat_at") " AS heartbeat_us,"                       \
    " " US("h.started_at") " AS started_us, " US("h.created_at") " AS created_us,"    \
    " " US("h.updated_at") " AS updated_us,"                                          \
    " " HOST_UP " AS up,"                                                             \
    " h.memory_mb_used + h.claimed_memory_mb AS memory_mb_used,"                      \
    " h.vcpus_used + h.claimed_vcpus AS vcpus_used,"                                  \
    " h.disk_gb_used + h.claimed_disk_gb AS disk_gb_used, h.running_vms,"             \
    " h.incoming_migrations"

/* A row of HOST_COLS into *h. */
struct db_host;
void db_host_read(const PGresult *r, int i, struct db_host *h);

/* Text form of integers for parameters. */
struct numbuf {
    char s[32];
};
const char *num(struct numbuf *b, int64_t v);
const char *real(struct numbuf *b, double v);

/* A PostgreSQL text[] literal of items[0..n) (n < 0: up to a NULL),
 * each quoted; malloc'd. */
char *db_text_array(const char *const *items, int n);

#endif
