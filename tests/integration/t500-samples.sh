#!/bin/bash
# t500: Nova's api-samples (live migration, server migrations, os-migrations,
# versions, the flavor reads; fixtures in tests/contract/samples/, made from Nova's samples by
# tests/contract/make-samples.js).  For each: the same request (method, path,
# query, microversion; a request sample's exact body) gets the sample's status,
# and an answer with the sample's keys and JSON types (tests/contract/shape.js,
# run once over all the answers at the end).
#
# The data is seeded as in Nova's functional tests: the samples' destination
# host "01c0cadef72d47e28a672a76060d492c" (accepted here as h2 and h3 are by
# fake_dest.sh: a trigger turns fake_dest's refusal for it into a success), a
# running live migration with counters, and four migrations dated 1999 and 2099,
# far from every other test's, so that the marker, changes-since/-before and
# limit queries get the rows the samples show; and the flavors of Nova's
# functional tests (1-7, and 10 private).  All removed at the end.
source "$(dirname "$0")/lib.sh"
SAMPLES=$REPO/tests/contract/samples
seed_hosts

cleanup() {
    sql "DROP TRIGGER IF EXISTS t500_accept ON host_requests"
    sql "DROP FUNCTION IF EXISTS t500_accept()"
    sql "UPDATE migrations SET deleted = true, deleted_at = now()
         WHERE instance_uuid IN (SELECT uuid FROM instances WHERE display_name LIKE 't500-%')"
    sql "UPDATE instances SET deleted = true, deleted_at = now(), task_state = NULL
         WHERE display_name LIKE 't500-%'"
    sql "DELETE FROM compute_hosts WHERE host LIKE 't500-%' OR host IN ($SAMPLE_HOSTS_SQL)"
    sql "DELETE FROM flavors WHERE flavorid IN ($SAMPLE_FLAVORS_SQL) AND name LIKE 't500:%'"
}
trap 'cleanup >/dev/null 2>&1; rm -rf "$T_TMP"' EXIT

SAMPLE_FLAVORS_SQL="'1', '2', '3', '4', '5', '6', '7', '10'"

# ---- the samples' destination hosts, up and accepting -------------------------------
SAMPLE_HOSTS=$(find "$SAMPLES" -name '*.json' -exec jq -r '.request.body["os-migrateLive"].host? // empty' {} + |
               sort -u)
SAMPLE_HOSTS_SQL=$(printf "'%s'," $SAMPLE_HOSTS)
SAMPLE_HOSTS_SQL=${SAMPLE_HOSTS_SQL%,}
for h in $SAMPLE_HOSTS; do
    sql "INSERT INTO compute_hosts (uuid, host, hypervisor_hostname, libvirt_uri, migration_addr,
             host_ip, memory_mb, vcpus, hypervisor_type, hypervisor_version, heartbeat_at)
         VALUES (gen_random_uuid(), '$h', '$h.node', 'qemu+tcp://$h/system', '$h', '127.0.0.1',
                 65536, 16, 'QEMU', 7002022, now())
         ON CONFLICT (host) DO UPDATE SET heartbeat_at = now()"
done
sql "CREATE FUNCTION t500_accept() RETURNS trigger LANGUAGE plpgsql AS \$\$
     BEGIN
         IF NEW.status = 'failed' THEN
             NEW.status := 'done';
             NEW.error := NULL;
         END IF;
         RETURN NEW;
     END \$\$"
sql "CREATE TRIGGER t500_accept BEFORE UPDATE ON host_requests FOR EACH ROW
     WHEN (NEW.host IN ($SAMPLE_HOSTS_SQL)) EXECUTE FUNCTION t500_accept()"

# ---- the datasets ----------------------------------------------------------------------
declare -A V
# mig INSTANCE TYPE STATUS TIME USER PROJECT [SET...] -> id
mig() {
    sql "INSERT INTO migrations (uuid, instance_uuid, migration_type, status, source_compute,
             dest_compute, source_node, dest_node, dest_host, old_instance_type_id,
             new_instance_type_id, user_id, project_id, created_at, updated_at)
         VALUES (gen_random_uuid(), '$1', '$2', '$3', 'h1', 'h2', 'h1.node', 'h2.node',
                 '1.2.3.4', 1, $([[ $2 == resize ]] && echo 2 || echo 1), '$5', '$6',
                 '$4', '$4')
         RETURNING id"
}

# a server with a running live migration, its counters reported (server-migrations)
SM=$(seed_instance t500-sm h1 admin)
sql "UPDATE instances SET task_state = 'migrating' WHERE uuid = '$SM'"
SM_MID=$(mig "$SM" live-migration running now admin admin)
sql "UPDATE migrations SET memory_total = 123456, memory_processed = 12345,
         memory_remaining = 111111, disk_total = 234567, disk_processed = 23456,
         disk_remaining = 211111 WHERE id = $SM_MID"

# os-migrations: Nova's four rows, the live ones in 1999 and the resizes in 2099
P=$(seed_instance t500-past h1 admin)
F=$(seed_instance t500-future h1 admin)
M1=$(mig "$P" live-migration running '1999-01-29T11:42:02Z' t500-user t500-project)
M2=$(mig "$P" live-migration error '1999-01-29T12:42:02Z' t500-user t500-project)
mig "$F" resize error '2099-06-23T13:42:02Z' t500-other t500-other >/dev/null
mig "$F" resize migrating '2099-06-23T14:42:02Z' t500-other t500-other >/dev/null
[[ -n $M1 ]] || fail "seeding os-migrations"

# the flavors of Nova's samples (names prefixed, so that cleanup takes only these)
sql "INSERT INTO flavors (flavorid, name, memory_mb, vcpus, root_gb, description, is_public,
         extra_specs) VALUES
     ('1', 't500:m1.tiny', 512, 1, 1, NULL, true, '{}'),
     ('2', 't500:m1.small', 2048, 1, 20, NULL, true, '{}'),
     ('3', 't500:m1.medium', 4096, 2, 40, NULL, true, '{}'),
     ('4', 't500:m1.large', 8192, 4, 80, NULL, true, '{}'),
     ('5', 't500:m1.xlarge', 16384, 8, 160, NULL, true, '{}'),
     ('6', 't500:m1.tiny.specs', 512, 1, 1, NULL, true, '{\"hw:numa_nodes\": \"1\"}'),
     ('7', 't500:m1.small.description', 2048, 1, 20, 'test description', true,
      '{\"hw:cpu_policy\": \"shared\", \"hw:numa_nodes\": \"1\"}'),
     ('10', 't500:test_flavor', 1024, 2, 10, NULL, false, '{}')"
sql "INSERT INTO flavor_projects (flavor_id, project_id)
     SELECT id, '6f70656e737461636b20342065766572' FROM flavors WHERE flavorid = '10'"

# ---- each sample -------------------------------------------------------------------------
bind() {   # TEXT with {name} replaced by ${V[name]}
    local s=$1 k
    for k in "${!V[@]}"; do s=${s//\{$k\}/${V[$k]}}; done
    printf '%s' "$s"
}

n=0
pairs=()
while IFS= read -r f; do
    rel=${f#"$SAMPLES"/}
    n=$((n + 1))
    V=()
    IFS=$'\x1f' read -r dataset method path query mv status < <(jq -r '[.dataset,
        .request.method, .request.path, .request.query, .request.microversion, .status]
        | map(tostring) | join("\u001f")' "$f")
    case $dataset in
    live-migrate)
        V[server_id]=$(seed_instance "t500-lm-$n" h1 admin) ;;
    force-complete)
        V[server_id]=$(seed_instance "t500-fc-$n" h1 admin)
        sql "UPDATE instances SET task_state = 'migrating' WHERE uuid = '${V[server_id]}'"
        V[migration_id]=$(mig "${V[server_id]}" live-migration running now admin admin) ;;
    server-migrations)
        V[server_id]=$SM V[migration_id]=$SM_MID ;;
    os-migrations)
        V[marker]=$(sql "SELECT uuid FROM migrations WHERE id = $M2")
        V[changes_since]=2099-06-23T13:42:01
        V[changes_before]=1999-01-29T11:42:02
        V[user_id]=t500-user V[project_id]=t500-project ;;
    versions | flavors) ;;
    *) fail "$rel: unknown dataset" ;;
    esac
    url=$(bind "$path")
    query=$(bind "$query")
    [[ $url$query != *\{* ]] || fail "$rel: unbound placeholder in $url?$query"
    api "$method" "$url${query:+?$query}" "$(jq -c '.request.body // empty' "$f")" "$mv"
    LAST="$rel: $LAST"
    expect_status "$status"
    cp "$BODY" "$T_TMP/answer.$n"
    pairs+=("$f" "$T_TMP/answer.$n")
done < <(find "$SAMPLES" -name '*.json' | sort)
[[ $n -gt 0 ]] || fail "no fixtures in $SAMPLES"
# the answers against the samples' shapes, all at once
LAST="the $n answers above"
: > "$BODY"
out=$(node "$REPO/tests/contract/shape.js" "${pairs[@]}") || fail "$out"
TESTS_OK=$((TESTS_OK + n))
done_ok
