-- 0006: what a live migration used, chosen per guest.
--
-- A server's metadata (Nova's server metadata API) lives in
-- instances.metadata (0001).  Its ferry:* keys choose, per guest, what a
-- migration of it uses; the API resolves them over the configuration's
-- defaults once, when it accepts the migration, and records the result
-- here, so that the row alone says what ran:
--   policy_requested         nova | ferry: what the guest (or [ferry]
--                            migration_policy) asked for; migrations.policy
--                            (0001) is the policy that runs
--   max_downtime_ms          the final downtime the nova policy steps up to
--   post_copy_permitted      switching to post-copy is allowed
--   auto_converge_permitted  auto-converge is allowed
-- NULL in rows from before this file: the worker then reads the
-- configuration, as it did.
ALTER TABLE migrations
    ADD COLUMN policy_requested text CHECK (policy_requested IN ('nova', 'ferry')),
    ADD COLUMN max_downtime_ms integer CHECK (max_downtime_ms > 0),
    ADD COLUMN post_copy_permitted boolean,
    ADD COLUMN auto_converge_permitted boolean;
