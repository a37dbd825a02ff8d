-- 0002_services_actions.sql: what os-services, os-hypervisors and
-- os-instance-actions read.
--
-- Nova keeps a `services` row (the nova-compute service) and a
-- `compute_nodes` row (the hypervisor) per compute host, each with its own
-- uuid; from microversion 2.53 both uuids are ids in the API.  Ferry keeps
-- one compute_hosts row: its id and uuid are the compute node's, and
-- service_uuid below is the service's, so the two never share an id.
ALTER TABLE compute_hosts
    ADD COLUMN service_uuid uuid NOT NULL UNIQUE DEFAULT gen_random_uuid();

-- GET /servers/{id}/os-instance-actions: one instance's actions, newest first,
-- paged on (start_time, id).
CREATE INDEX instance_actions_instance_idx
    ON instance_actions (instance_uuid, start_time DESC, id DESC);
