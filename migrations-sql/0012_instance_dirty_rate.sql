-- 0012: each running guest's dirty rate, as ferry-compute last measured it
-- in the background ([ferry] dirty_rate_interval; compute/rates.c): libvirt's
-- page-sampling calculation, distinct bytes per second over
-- dirty_rate_period_s, which ended at dirty_rate_at.  A migration's ferry
-- forecast starts from it when it is recent, instead of measuring first.
ALTER TABLE instances
    ADD COLUMN dirty_rate_bps bigint CHECK (dirty_rate_bps >= 0),
    ADD COLUMN dirty_rate_period_s integer CHECK (dirty_rate_period_s > 0),
    ADD COLUMN dirty_rate_at timestamptz;
