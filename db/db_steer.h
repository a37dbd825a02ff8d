/* db_steer.h - the ferry policy's record of a migration (db_steer.c,
 * 0009): forecast, step reached, per-iteration table, link use, admission. */
#ifndef FERRY_DB_STEER_H
#define FERRY_DB_STEER_H

#include <stdint.h>

#include "common/err.h"
#include "db/db.h"

/* One row of the per-iteration table. */
struct db_mig_iter {
    int64_t iteration, start_ms, remaining_bytes, dirty_rate_bps, bandwidth_bps;
    int throttle_pct, max_downtime_ms;
};

/* The forecast (JSON text, validated by PostgreSQL's jsonb) before start. */
int db_mig_record_forecast(struct db *db, int id, const char *forecast_json, struct err *err);
/* The dirty rate of the forecast that last queued row id (0 when its
 * last forecast did not queue it). */
int db_mig_queued_dirty_rate(struct db *db, int id, int64_t *bps, struct err *err);
/* The step of the ladder reached, kept as the highest. */
int db_mig_record_step(struct db *db, int id, int step, struct err *err);
/* One row of the per-iteration table (a repeated iteration is ignored). */
int db_mig_iter_add(struct db *db, int id, const struct db_mig_iter *it, struct err *err);
/* What the other migrations from or to host use of its link now: the sum
 * of each running one's busiest of its latest samples, or, admitted with
 * none yet, the bandwidth its forecast counted on; bytes/s. */
int db_mig_link_used(struct db *db, int id, const char *host, int64_t *bps, struct err *err);
/* Admission: the (preparing) row is not claimed again for wait_ms once it
 * is back to queued. */
int db_mig_admit_after(struct db *db, int id, int wait_ms, struct err *err);

struct db_mig_steer {
    char *forecast_json;            /* NULL: none (the nova policy) */
    int step_reached;               /* 0: none */
    struct db_mig_iter *iters;
    int n;
};
/* All of it, for Ferry's route; free with db_mig_steer_free. */
int db_mig_steer_get(struct db *db, int id, struct db_mig_steer *out, struct err *err);
void db_mig_steer_free(struct db_mig_steer *s);

#endif
