/* db_sched.c - the scheduler's questions to the database: which hosts can
 * take a guest (filters and weighers in one query over per-host usage that
 * triggers keep exact, 0004_claims_and_usage.sql), and the claim that
 * reserves what it chose. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auto.h"
#include "common/log.h"
#include "db/db.h"
#include "db/db_host.h"
#include "db/db_int.h"
#include "db/db_sched.h"

/* Room on host h for a guest: free_* are the host's capacity times its own
 * allocation ratio, less its reserve, its instances and the claims on it
 * (generated columns, 0004_claims_and_usage.sql); disk only counts where
 * the host reports its size. */
#define FITS(MEM, CPU, DISK, IO)                                                       \
    " h.free_memory_mb >= " MEM "::int AND h.free_vcpus >= " CPU "::int"                \
    " AND (" DISK "::int = 0 OR h.local_gb = 0 OR h.free_disk_gb >= " DISK "::int)"     \
    " AND (" IO "::int = 0 OR h.incoming_migrations < " IO "::int)"

/* The database's filters, $1..$9 of every candidate query: up (a heartbeat
 * younger than $1 s), enabled, not the source ($2), not tried ($3), the
 * source's hypervisor type ($4) at a version no older ($5), room for $6 MB,
 * $7 vCPUs and $8 GB of disk, fewer than $9 incoming migrations. */
#define CANDIDATE                                                                       \
    " NOT h.disabled AND NOT h.forced_down"                                             \
    " AND h.heartbeat_at > now() - make_interval(secs => $1::int)"                      \
    " AND h.host <> $2 AND NOT (h.host = ANY ($3::text[]))"                             \
    " AND h.hypervisor_type = $4 AND h.hypervisor_version >= $5::bigint"                \
    " AND" FITS("$6", "$7", "$8", "$9")

/* Nova's weighers, each normalised to 0..1 over the candidates and times its
 * multiplier ($10 free RAM, $11 incoming migrations), summed; F0/F1 and
 * I0/I1 are the candidates' least and most free RAM and incoming
 * migrations. */
#define WEIGHT(FREE, IO, F0, F1, I0, I1)                                                \
    " $10::float8 * coalesce((" FREE " - " F0 ")::float8 / nullif(" F1 " - " F0 ", 0), 0)" \
    " + $11::float8 * coalesce((" IO " - " I0 ")::float8 / nullif(" I1 " - " I0 ", 0), 0)"

/* The usual case (free RAM weighs positively): read the ends of the two
 * indexes for the weighers' ranges, then for each count of incoming
 * migrations in that range the best few by free RAM (within one count the
 * weight grows with free RAM), and keep the best $12 of those.  Each index
 * scan stops at its first hosts that pass the filters, so a decision reads
 * a few dozen hosts, not all of them. */
static const char SQL_TOP[] =
    "WITH b AS (SELECT"
    "  (SELECT h.free_memory_mb FROM compute_hosts h WHERE" CANDIDATE
    "   ORDER BY h.free_memory_mb LIMIT 1) AS f0,"
    "  (SELECT h.free_memory_mb FROM compute_hosts h WHERE" CANDIDATE
    "   ORDER BY h.free_memory_mb DESC LIMIT 1) AS f1,"
    "  (SELECT h.incoming_migrations FROM compute_hosts h WHERE" CANDIDATE
    "   ORDER BY h.incoming_migrations LIMIT 1) AS i0,"
    "  (SELECT h.incoming_migrations FROM compute_hosts h WHERE" CANDIDATE
    "   ORDER BY h.incoming_migrations DESC LIMIT 1) AS i1),"
    " top AS (SELECT t.id, t.host,"
    WEIGHT("t.free", "t.io", "b.f0", "b.f1", "b.i0", "b.i1") " AS weight"
    "  FROM b CROSS JOIN LATERAL generate_series(b.i0, b.i1) v(io)"
    "  CROSS JOIN LATERAL (SELECT h.id, h.host, h.free_memory_mb AS free,"
    "     h.incoming_migrations AS io FROM compute_hosts h"
    "     WHERE" CANDIDATE " AND h.incoming_migrations = v.io"
    "     ORDER BY h.free_memory_mb DESC, h.host COLLATE \"C\" LIMIT $12::int) t"
    "  ORDER BY weight DESC, t.host COLLATE \"C\" LIMIT $12::int)"
    " SELECT" HOST_COLS " FROM compute_hosts h JOIN top ON top.id = h.id"
    " ORDER BY top.weight DESC, top.host COLLATE \"C\"";

/* Any other multipliers (a free-RAM multiplier of 0 or below packs hosts
 * instead of spreading): one pass over every host that passes. */
static const char SQL_SCAN[] =
    "WITH top AS (SELECT c.id, c.host,"
    WEIGHT("c.free", "c.io", "min(c.free) OVER ()", "max(c.free) OVER ()",
           "min(c.io) OVER ()", "max(c.io) OVER ()") " AS weight"
    "  FROM (SELECT h.id, h.host, h.free_memory_mb AS free, h.incoming_migrations AS io"
    "        FROM compute_hosts h WHERE" CANDIDATE ") c"
    "  ORDER BY weight DESC, c.host COLLATE \"C\" LIMIT $12::int)"
    " SELECT" HOST_COLS " FROM compute_hosts h JOIN top ON top.id = h.id"
    " ORDER BY top.weight DESC, top.host COLLATE \"C\"";

/* A requested host ($10): that one, if it passes. */
static const char SQL_ONE[] =
    "SELECT" HOST_COLS " FROM compute_hosts h WHERE h.host = $10 AND" CANDIDATE;

/* Each host's first refusing stage (enum db_sched_stage), with the
 * parameters of CANDIDATE and $10 the requested host (NULL: any). */
#define STAGE                                                                           \
    " CASE WHEN $10::text IS NOT NULL AND h.host <> $10 THEN 0"                          \
    "  WHEN h.host = $2 THEN 1 WHEN h.host = ANY ($3::text[]) THEN 2"                    \
    "  WHEN h.forced_down OR h.heartbeat_at IS NULL"                                     \
    "   OR h.heartbeat_at <= now() - make_interval(secs => $1::int) THEN 3"              \
    "  WHEN h.disabled THEN 4"                                                           \
    "  WHEN h.hypervisor_type IS DISTINCT FROM $4"                                       \
    "   OR h.hypervisor_version < $5::bigint THEN 5"                                     \
    "  WHEN h.free_memory_mb < $6::int THEN 6 WHEN h.free_vcpus < $7::int THEN 7"        \
    "  WHEN NOT ($8::int = 0 OR h.local_gb = 0 OR h.free_disk_gb >= $8::int) THEN 8"     \
    "  WHEN NOT ($9::int = 0 OR h.incoming_migrations < $9::int) THEN 9"                 \
    "  ELSE 10 END"

/* One scan of the hosts: each one's stage; the closest $11 of them read
 * whole (by a top-N sort, not an index), each row carrying the count of
 * hosts per stage as "stage:count,...". */
static const char SQL_REFUSALS[] =
    "WITH s AS MATERIALIZED (SELECT h.id, h.host," STAGE " AS stage FROM compute_hosts h),"
    " c AS (SELECT string_agg(stage || ':' || n, ',') AS counts"
    "       FROM (SELECT stage, count(*) AS n FROM s GROUP BY stage) g),"
    " top AS (SELECT id, stage, host FROM s ORDER BY stage DESC, host COLLATE \"C\""
    "         LIMIT $11::int)"
    " SELECT" HOST_COLS ", c.counts FROM top JOIN compute_hosts h ON h.id = top.id"
    " CROSS JOIN c ORDER BY top.stage DESC, top.host COLLATE \"C\"";

int
db_sched_candidates(struct db *db, const struct db_sched_query *q, int limit,
                    struct db_host **out, int *n, struct err *err)
{
    struct numbuf b[9];
    AUTOFREE char *tried = db_text_array(q->tried, q->ntried);
    AUTO_PGRES PGresult *r = NULL;
    struct db_host *hosts;
    const char *p[12] = {
        num(&b[0], q->down_time_s), q->source, tried, q->hypervisor_type,
        num(&b[1], q->hypervisor_version), num(&b[2], q->memory_mb), num(&b[3], q->vcpus),
        num(&b[4], q->disk_gb), num(&b[5], q->max_io_ops),
        real(&b[6], q->ram_weight), real(&b[7], q->io_ops_weight), num(&b[8], limit),
    };

    /* prepared once per connection: planning these costs more than running
     * them */
    if (q->requested) {
        p[9] = q->requested;
        r = db_query_prepared(db, "ferry_sched_one", SQL_ONE, 10, p, err);
    } else if (q->ram_weight > 0) {
        r = db_query_prepared(db, "ferry_sched_top", SQL_TOP, 12, p, err);
    } else {
        r = db_query_prepared(db, "ferry_sched_scan", SQL_SCAN, 12, p, err);
    }
    if (!r)
        return -1;
    *n = PQntuples(r);
    if (!(hosts = calloc((size_t)(*n ? *n : 1), sizeof(*hosts))))
        fatalx("out of memory");
    for (int i = 0; i < *n; i++)
        db_host_read(r, i, &hosts[i]);
    *out = hosts;
    return 0;
}

int
db_reservation_take(struct db *db, int migration_id, const struct db_sched_query *q,
              const char *host, struct err *err)
{
    struct numbuf b[5];
    const char *p[7] = {
        host, num(&b[0], migration_id), num(&b[1], q->memory_mb), num(&b[2], q->vcpus),
        num(&b[3], q->disk_gb), num(&b[4], q->max_io_ops), q->forced ? "true" : "false",
    };
    AUTO_PGRES PGresult *r = NULL;

    /* the host row is locked, then its room checked: a second claimer waits
     * and PostgreSQL re-checks the row with the first one's claim counted.
     * A claim this migration held elsewhere does not count against it here:
     * it moves. */
    r = db_query_prepared(db, "ferry_claim_take",
                 "WITH old AS (SELECT host FROM claims WHERE migration_id = $2::int),"
                 " h AS (SELECT h.host FROM compute_hosts h WHERE h.host = $1 AND"
                 FITS("$3", "$4", "$5", "$6")
                 "   AND ($7::boolean OR NOT (h.disabled OR h.forced_down))"
                 "   FOR UPDATE)"
                 " INSERT INTO claims (migration_id, host, memory_mb, vcpus, disk_gb)"
                 " SELECT $2::int, h.host, $3::int, $4::int, $5::int FROM h"
                 " ON CONFLICT (migration_id) DO UPDATE SET host = EXCLUDED.host,"
                 "   memory_mb = EXCLUDED.memory_mb, vcpus = EXCLUDED.vcpus,"
                 "   disk_gb = EXCLUDED.disk_gb, created_at = clock_timestamp()"
                 " RETURNING host, (SELECT host FROM old) AS moved_from",
                 7, p, err);
    if (!r)
        return -1;
    return PQntuples(r) > 0 ? 1 : 0;
}

int
db_reservation_release(struct db *db, int migration_id, struct err *err)
{
    struct numbuf b;
    const char *p[1] = { num(&b, migration_id) };

    AUTO_PGRES PGresult *r = db_query_prepared(db, "ferry_claim_release",
                                               "DELETE FROM claims WHERE migration_id = $1::int",
                                               1, p, err);

    return r ? 0 : -1;
}

int
db_sched_refusals(struct db *db, const struct db_sched_query *q, int limit,
                  int counts[DB_STAGE_COUNT], struct db_host **out, int *n, struct err *err)
{
    struct numbuf b[7];
    AUTOFREE char *tried = db_text_array(q->tried, q->ntried);
    AUTO_PGRES PGresult *r = NULL;
    struct db_host *hosts;
    const char *p[11] = {
        num(&b[0], q->down_time_s), q->source, tried, q->hypervisor_type,
        num(&b[1], q->hypervisor_version), num(&b[2], q->memory_mb), num(&b[3], q->vcpus),
        num(&b[4], q->disk_gb), num(&b[5], q->max_io_ops), q->requested, num(&b[6], limit),
    };
    const char *c;

    if (!(r = db_query(db, SQL_REFUSALS, 11, p, err)))
        return -1;
    /* "stage:count,..." on every row; no row: no host at all, every count 0 */
    memset(counts, 0, sizeof(int) * DB_STAGE_COUNT);
    for (c = PQntuples(r) ? row_str(r, 0, "counts") : ""; *c;) {
        char *end;
        long stage = strtol(c, &end, 10), count;

        if (*end != ':')
            break;
        count = strtol(end + 1, &end, 10);
        if (stage >= 0 && stage < DB_STAGE_COUNT)
            counts[stage] = (int)count;
        c = *end == ',' ? end + 1 : end;
    }
    *n = PQntuples(r);
    if (!(hosts = calloc((size_t)(*n ? *n : 1), sizeof(*hosts))))
        fatalx("out of memory");
    for (int i = 0; i < *n; i++)
        db_host_read(r, i, &hosts[i]);
    *out = hosts;
    return 0;
}
