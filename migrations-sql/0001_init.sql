-- 0001_init.sql: the shared truth.  Compute hosts, flavors, instances, live
-- migrations (Nova's columns plus Ferry's own), every status change of a
-- migration, instance actions and their events (what `openstack server event
-- list` shows), and host requests (Nova's RPC calls to one compute, carried
-- over PostgreSQL).
--
-- Forward-only: once applied anywhere, this file is never edited; changes go
-- into a new numbered file.  ferry-manage runs each file in one transaction.

-- One row per compute service (Nova's services + compute_nodes, one node per
-- host as with libvirt).
CREATE TABLE compute_hosts (
    id                  serial PRIMARY KEY,
    uuid                uuid NOT NULL UNIQUE,
    host                text NOT NULL UNIQUE,       -- service host ([DEFAULT] host)
    hypervisor_hostname text NOT NULL,              -- node: libvirt's hostname
    libvirt_uri         text NOT NULL,              -- how its ferry-compute reaches libvirtd
    migration_addr      text NOT NULL,              -- where incoming migrations land
    host_ip             text NOT NULL,              -- [DEFAULT] my_ip
    memory_mb           integer NOT NULL DEFAULT 0,
    vcpus               integer NOT NULL DEFAULT 0,
    local_gb            integer NOT NULL DEFAULT 0,
    hypervisor_type     text NOT NULL DEFAULT 'QEMU',
    hypervisor_version  bigint NOT NULL DEFAULT 0,  -- e.g. 7002022 for QEMU 7.2.22
    libvirt_version     bigint NOT NULL DEFAULT 0,
    cpu_arch            text,
    cpu_vendor          text,
    cpu_model           text,
    cpu_features        text[] NOT NULL DEFAULT '{}',
    cpu_info            jsonb,                      -- Nova's cpu_info document
    virt_type           text NOT NULL DEFAULT 'kvm',
    disabled            boolean NOT NULL DEFAULT false,
    disabled_reason     text,
    forced_down         boolean NOT NULL DEFAULT false,
    heartbeat_at        timestamptz,
    started_at          timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz
);

-- Flavors as Nova keeps them: an internal integer id (what
-- old/new_instance_type_id carry) and the public flavorid.
CREATE TABLE flavors (
    id              serial PRIMARY KEY,
    flavorid        text NOT NULL UNIQUE,
    name            text NOT NULL,
    memory_mb       integer NOT NULL,
    vcpus           integer NOT NULL,
    root_gb         integer NOT NULL DEFAULT 0,
    ephemeral_gb    integer NOT NULL DEFAULT 0,
    swap            integer NOT NULL DEFAULT 0,
    extra_specs     jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Guests.  uuid is the libvirt domain uuid, as in Nova.
CREATE TABLE instances (
    id              serial PRIMARY KEY,
    uuid            uuid NOT NULL UNIQUE,
    display_name    text NOT NULL,
    domain_name     text NOT NULL,                  -- libvirt domain name
    project_id      text NOT NULL,
    user_id         text NOT NULL,
    host            text,                           -- compute_hosts.host running it
    node            text,
    vm_state        text NOT NULL DEFAULT 'active',
    task_state      text,
    power_state     integer NOT NULL DEFAULT 0,     -- Nova's: 1 running, 3 paused, 4 shutdown
    flavor_id       integer NOT NULL REFERENCES flavors(id),
    memory_mb       integer NOT NULL,
    vcpus           integer NOT NULL,
    root_gb         integer NOT NULL DEFAULT 0,
    metadata        jsonb NOT NULL DEFAULT '{}',
    cpu_xml         text,                           -- the guest's own <cpu>, if any
    locked          boolean NOT NULL DEFAULT false,
    locked_by       text,
    progress        integer,
    launched_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz,
    deleted_at      timestamptz,
    deleted         boolean NOT NULL DEFAULT false
);
CREATE INDEX instances_host_idx ON instances (host) WHERE NOT deleted;
CREATE INDEX instances_project_idx ON instances (project_id, display_name) WHERE NOT deleted;

-- Live migrations: Nova's `migrations` columns, then Ferry's own.
CREATE TABLE migrations (
    id                      serial PRIMARY KEY,
    uuid                    uuid NOT NULL UNIQUE,
    instance_uuid           uuid NOT NULL REFERENCES instances(uuid),
    migration_type          text NOT NULL DEFAULT 'live-migration'
                            CHECK (migration_type IN ('migration', 'resize',
                                                      'live-migration', 'evacuation')),
    status                  text NOT NULL,
    source_compute          text,
    dest_compute            text,
    source_node             text,
    dest_node               text,
    dest_host               text,                   -- destination address
    old_instance_type_id    integer,
    new_instance_type_id    integer,
    hidden                  boolean NOT NULL DEFAULT false,
    cross_cell_move         boolean NOT NULL DEFAULT false,
    memory_total            bigint,
    memory_processed        bigint,
    memory_remaining        bigint,
    disk_total              bigint,
    disk_processed          bigint,
    disk_remaining          bigint,
    user_id                 text,                   -- who asked (2.80), not the owner
    project_id              text,
    created_at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at              timestamptz,
    deleted_at              timestamptz,
    deleted                 boolean NOT NULL DEFAULT false,
    -- Ferry
    request_id              text,                   -- the instance action's request id
    requested_host          text,                   -- host named in the request, if any
    forced                  boolean NOT NULL DEFAULT false, -- bypass the scheduler
    block_migration         boolean,                -- NULL = "auto"
    disk_over_commit        boolean,
    api_microversion        text,
    reason                  text,                   -- why it failed or was cancelled
    policy                  text NOT NULL DEFAULT 'nova',
    abort_requested_at      timestamptz,
    abort_requested_by      text,
    force_complete_requested_at timestamptz,
    force_complete_requested_by text,
    started_at              timestamptz,            -- libvirt job started
    finished_at             timestamptz,
    downtime_ms             bigint,                 -- measured at completion
    data_sent_bytes         bigint
);
CREATE INDEX migrations_instance_idx ON migrations (instance_uuid, status) WHERE NOT deleted;
CREATE INDEX migrations_hosts_idx ON migrations (source_compute, dest_compute, status)
    WHERE NOT deleted;
CREATE INDEX migrations_status_idx ON migrations (status, id)
    WHERE status IN ('accepted', 'queued', 'preparing', 'running', 'running (post-copy)');
CREATE INDEX migrations_created_idx ON migrations (created_at DESC, id DESC);
CREATE INDEX migrations_updated_idx ON migrations (updated_at);

-- Every transition of a migration: one row, written in the same transaction.
CREATE TABLE migration_events (
    id              bigserial PRIMARY KEY,
    migration_id    integer NOT NULL REFERENCES migrations(id),
    at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    from_status     text,                           -- NULL for the creation
    to_status       text NOT NULL,
    actor           text NOT NULL,                  -- e.g. ferry-compute@lab-1
    reason          text
);
CREATE INDEX migration_events_mig_idx ON migration_events (migration_id, id);

-- Instance actions, as Nova records them per request.
CREATE TABLE instance_actions (
    id              serial PRIMARY KEY,
    instance_uuid   uuid NOT NULL REFERENCES instances(uuid),
    request_id      text NOT NULL,
    action          text NOT NULL,                  -- live-migration, ...
    user_id         text,
    project_id      text,
    start_time      timestamptz NOT NULL DEFAULT clock_timestamp(),
    finish_time     timestamptz,
    message         text,
    updated_at      timestamptz,
    UNIQUE (instance_uuid, request_id)
);

CREATE TABLE instance_action_events (
    id              serial PRIMARY KEY,
    action_id       integer NOT NULL REFERENCES instance_actions(id),
    event           text NOT NULL,                  -- conductor_live_migrate_instance, ...
    start_time      timestamptz NOT NULL DEFAULT clock_timestamp(),
    finish_time     timestamptz,
    result          text,                           -- Success | Error
    traceback       text,
    details         text,                           -- shown from 2.84
    host            text
);
CREATE INDEX instance_action_events_action_idx ON instance_action_events (action_id, id);

-- Host requests: the asker inserts a row for one compute host and NOTIFYs;
-- that host's ferry-compute claims it, does the libvirt work and writes the
-- result; the asker waits until the deadline, after which the request counts
-- as failed (as an RPC timeout does in Nova).
CREATE TABLE host_requests (
    id              bigserial PRIMARY KEY,
    host            text NOT NULL,
    kind            text NOT NULL,                  -- check_destination, pre_live_migration, ...
    migration_id    integer REFERENCES migrations(id),
    payload         jsonb NOT NULL DEFAULT '{}',
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'running', 'done', 'failed')),
    result          jsonb,
    error           text,
    requested_by    text NOT NULL,
    deadline        timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    claimed_at      timestamptz,
    finished_at     timestamptz
);
CREATE INDEX host_requests_pending_idx ON host_requests (host, id) WHERE status = 'pending';
