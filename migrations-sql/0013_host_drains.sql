-- 0013: server-side host drains (POST /ferry/v1/hosts/{host}/drain): the
-- host's compute service disabled, then every instance on it live-migrated
-- away, each an ordinary os-migrateLive row under the drain's request id
-- (migrations.request_id), so the scheduler, the per-source concurrency and
-- the policies treat them as any other.  What could not even start is kept
-- here with its reason.
CREATE TABLE host_drains (
    id              serial PRIMARY KEY,
    host            text NOT NULL REFERENCES compute_hosts(host) ON DELETE CASCADE,
    request_id      text NOT NULL UNIQUE,   -- req-<uuid>: the migrations' request_id
    user_id         text NOT NULL,          -- who asked
    project_id      text NOT NULL,
    disabled_reason text NOT NULL,          -- as set on the service
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    skipped         jsonb NOT NULL DEFAULT '[]'   -- [{"server_id", "reason"}]
);
CREATE INDEX host_drains_host_idx ON host_drains (host, id DESC);
CREATE INDEX migrations_request_idx ON migrations (request_id) WHERE request_id IS NOT NULL;
