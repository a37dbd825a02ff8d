-- 0003_migration_samples.sql: the telemetry of a live migration.
--
-- Every sample interval (0.5 s) the worker records what libvirt's job
-- statistics said and the max-downtime setting in force, so an operator can
-- see how a migration went (or why it did not converge) after the fact.
-- The table is bounded: each migration keeps its newest 7200 samples (an
-- hour at 0.5 s) in a ring, slot = seq % 7200, overwritten in place.
CREATE TABLE migration_samples (
    migration_id        integer NOT NULL REFERENCES migrations(id) ON DELETE CASCADE,
    slot                integer NOT NULL,
    seq                 integer NOT NULL,       -- sample number since the job began
    at                  timestamptz NOT NULL DEFAULT clock_timestamp(),
    elapsed_ms          bigint NOT NULL,        -- libvirt's time_elapsed
    memory_total        bigint,
    memory_processed    bigint,
    memory_remaining    bigint,
    disk_total          bigint,
    disk_processed      bigint,
    disk_remaining      bigint,
    bandwidth_bps       bigint,                 -- memory transfer rate, bytes/s
    dirty_rate_bps      bigint,                 -- guest dirtying rate, bytes/s
    iteration           integer,                -- pre-copy pass
    throttle_pct        integer,                -- auto-converge CPU throttle
    max_downtime_ms     integer,                -- the setting in force
    PRIMARY KEY (migration_id, slot)
);

-- At the end: how long the job ran (downtime_ms and data_sent_bytes are in
-- 0001's migrations already).
ALTER TABLE migrations ADD COLUMN total_time_ms bigint;
