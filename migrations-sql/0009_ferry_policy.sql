-- 0009: what the ferry policy decided, kept after the migration ends.
--   forecast       the forecast before start (JSON written by ferry-compute:
--                  verdict, expected step, capabilities and why, ETA,
--                  predicted downtime, the measures it came from); NULL
--                  under the nova policy
--   step_reached   the highest step of the ladder reached (1..5)
--   admit_after    a row the admission sent back to queued waits until
--                  then before its source compute claims it again; its
--                  reason column says why it waits
CREATE TABLE migration_iterations (
    migration_id        integer NOT NULL REFERENCES migrations(id) ON DELETE CASCADE,
    iteration           bigint NOT NULL,        -- QEMU's dirty-sync count
    start_ms            bigint NOT NULL,        -- job time at its first sample
    remaining_bytes     bigint NOT NULL,        -- the hot set at its start
    dirty_rate_bps      bigint NOT NULL,        -- the policy's estimates then
    bandwidth_bps       bigint NOT NULL,
    throttle_pct        integer NOT NULL,
    max_downtime_ms     integer NOT NULL,       -- the setting in force
    PRIMARY KEY (migration_id, iteration)
);
ALTER TABLE migrations ADD COLUMN forecast jsonb;
ALTER TABLE migrations ADD COLUMN step_reached integer;
ALTER TABLE migrations ADD COLUMN admit_after timestamptz;
-- migrations.policy is the policy that runs: the guest's ferry:migration_policy
-- from acceptance, else the source compute's [ferry] migration_policy once its
-- worker starts; NULL until then (no longer a 'nova' placeholder).
ALTER TABLE migrations ALTER COLUMN policy DROP NOT NULL;
ALTER TABLE migrations ALTER COLUMN policy DROP DEFAULT;
