-- 0004_claims_and_usage.sql: destination claims, and per-host usage kept
-- exact by triggers.
--
-- A claim reserves a guest's RAM, vCPUs and disk on the destination the
-- scheduler chose, from that choice until the migration ends: two
-- migrations can never overcommit one host.  When the migration completes
-- the instance itself moves to the destination (and its usage with it) and
-- the claim goes; when it fails or is aborted the claim just goes.
CREATE TABLE claims (
    migration_id    integer PRIMARY KEY REFERENCES migrations(id) ON DELETE CASCADE,
    host            text NOT NULL,
    memory_mb       integer NOT NULL,
    vcpus           integer NOT NULL,
    disk_gb         integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX claims_host_idx ON claims (host);

-- What is placed on each host, maintained in the same transaction as every
-- change to instances and claims, so that choosing among thousands of hosts
-- reads one row per host instead of summing every instance.
ALTER TABLE compute_hosts
    ADD COLUMN reserved_memory_mb integer NOT NULL DEFAULT 0,   -- the compute's own
                                                                -- reserved_host_memory_mb
    ADD COLUMN memory_mb_used integer NOT NULL DEFAULT 0,
    ADD COLUMN vcpus_used integer NOT NULL DEFAULT 0,
    ADD COLUMN disk_gb_used integer NOT NULL DEFAULT 0,
    ADD COLUMN running_vms integer NOT NULL DEFAULT 0,
    ADD COLUMN claimed_memory_mb integer NOT NULL DEFAULT 0,
    ADD COLUMN claimed_vcpus integer NOT NULL DEFAULT 0,
    ADD COLUMN claimed_disk_gb integer NOT NULL DEFAULT 0,
    ADD COLUMN incoming_migrations integer NOT NULL DEFAULT 0,
    -- the compute's own allocation ratios, as a Nova compute reports them
    -- with its inventory to placement
    ADD COLUMN ram_allocation_ratio float8 NOT NULL DEFAULT 1.0,
    ADD COLUMN cpu_allocation_ratio float8 NOT NULL DEFAULT 4.0,
    ADD COLUMN disk_allocation_ratio float8 NOT NULL DEFAULT 1.0;

-- What is left for a guest, the one formula the scheduler's SQL and its
-- words both read; stored, so that it can be indexed.
ALTER TABLE compute_hosts
    ADD COLUMN free_memory_mb integer GENERATED ALWAYS AS
        (floor(memory_mb * ram_allocation_ratio)::integer - reserved_memory_mb
         - memory_mb_used - claimed_memory_mb) STORED,
    ADD COLUMN free_vcpus integer GENERATED ALWAYS AS
        (floor(vcpus * cpu_allocation_ratio)::integer - vcpus_used - claimed_vcpus) STORED,
    ADD COLUMN free_disk_gb integer GENERATED ALWAYS AS
        (floor(local_gb * disk_allocation_ratio)::integer - disk_gb_used - claimed_disk_gb)
        STORED;

CREATE FUNCTION ferry_instance_usage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.host IS NOT NULL AND NOT OLD.deleted THEN
        UPDATE compute_hosts SET memory_mb_used = memory_mb_used - OLD.memory_mb,
               vcpus_used = vcpus_used - OLD.vcpus, disk_gb_used = disk_gb_used - OLD.root_gb,
               running_vms = running_vms - 1
         WHERE host = OLD.host;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.host IS NOT NULL AND NOT NEW.deleted THEN
        UPDATE compute_hosts SET memory_mb_used = memory_mb_used + NEW.memory_mb,
               vcpus_used = vcpus_used + NEW.vcpus, disk_gb_used = disk_gb_used + NEW.root_gb,
               running_vms = running_vms + 1
         WHERE host = NEW.host;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER instances_usage
    AFTER INSERT OR DELETE OR UPDATE OF host, memory_mb, vcpus, root_gb, deleted ON instances
    FOR EACH ROW EXECUTE FUNCTION ferry_instance_usage();

CREATE FUNCTION ferry_claim_usage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE compute_hosts SET claimed_memory_mb = claimed_memory_mb - OLD.memory_mb,
               claimed_vcpus = claimed_vcpus - OLD.vcpus,
               claimed_disk_gb = claimed_disk_gb - OLD.disk_gb,
               incoming_migrations = incoming_migrations - 1
         WHERE host = OLD.host;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE compute_hosts SET claimed_memory_mb = claimed_memory_mb + NEW.memory_mb,
               claimed_vcpus = claimed_vcpus + NEW.vcpus,
               claimed_disk_gb = claimed_disk_gb + NEW.disk_gb,
               incoming_migrations = incoming_migrations + 1
         WHERE host = NEW.host;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER claims_usage
    AFTER INSERT OR DELETE OR UPDATE ON claims
    FOR EACH ROW EXECUTE FUNCTION ferry_claim_usage();

-- A host registered after its instances were imported starts from them.
CREATE FUNCTION ferry_host_usage_init() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT coalesce(sum(memory_mb), 0), coalesce(sum(vcpus), 0), coalesce(sum(root_gb), 0),
           count(*)
      INTO NEW.memory_mb_used, NEW.vcpus_used, NEW.disk_gb_used, NEW.running_vms
      FROM instances WHERE host = NEW.host AND NOT deleted;
    SELECT coalesce(sum(memory_mb), 0), coalesce(sum(vcpus), 0), coalesce(sum(disk_gb), 0),
           count(*)
      INTO NEW.claimed_memory_mb, NEW.claimed_vcpus, NEW.claimed_disk_gb,
           NEW.incoming_migrations
      FROM claims WHERE host = NEW.host;
    RETURN NEW;
END $$;

CREATE TRIGGER compute_hosts_usage_init
    BEFORE INSERT ON compute_hosts
    FOR EACH ROW EXECUTE FUNCTION ferry_host_usage_init();

-- The rows there already.
UPDATE compute_hosts h SET
    memory_mb_used = u.mem, vcpus_used = u.cpus, disk_gb_used = u.disk, running_vms = u.n
  FROM (SELECT host, sum(memory_mb) AS mem, sum(vcpus) AS cpus, sum(root_gb) AS disk,
               count(*) AS n
          FROM instances WHERE NOT deleted AND host IS NOT NULL GROUP BY host) u
 WHERE h.host = u.host;

-- The scheduler reads the ends of these instead of every host: the most
-- and least free RAM, the fewest and most incoming migrations, and the
-- best few by free RAM for each count of incoming migrations
-- (db_sched.c).
CREATE INDEX compute_hosts_free_ram_idx ON compute_hosts (free_memory_mb)
    WHERE NOT disabled AND NOT forced_down;
CREATE INDEX compute_hosts_incoming_idx
    ON compute_hosts (incoming_migrations, free_memory_mb DESC, host COLLATE "C")
    WHERE NOT disabled AND NOT forced_down;
