#!/bin/bash
# fake_dest.sh - plays the destination ferry-compute in the integration tests,
# where no libvirt runs: answers the host requests addressed to the hosts in
# FAKE_OK ("h2 h3") with success, and to any other host with the error text
# "fake: <host> refuses" (which the scheduler then reports).  The lab tests
# run the real ferry-compute.
set -u
while :; do
    psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d ferry -Atq -v ok="$FAKE_OK" <<'SQL' >/dev/null 2>&1
WITH q AS (
    UPDATE host_requests SET
        status = CASE WHEN host = ANY (string_to_array(:'ok', ' ')) THEN 'done' ELSE 'failed' END,
        result = '{}',
        error = CASE WHEN host = ANY (string_to_array(:'ok', ' ')) THEN NULL
                     ELSE 'fake: ' || host || ' refuses' END,
        claimed_at = clock_timestamp(), finished_at = clock_timestamp()
    WHERE status = 'pending' RETURNING id)
SELECT pg_notify('ferry_host_request_done', id::text) FROM q;
SQL
    sleep 0.1
done
