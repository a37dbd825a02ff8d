#!/usr/bin/python3
"""clients.py - the stock OpenStack clients, unmodified, against Ferry.

Runs Debian's python3-novaclient (its library and the `nova` command),
python3-openstackclient (the `openstack` command) and python3-openstacksdk against a running Ferry with lab guests
demo-idle (converges) and demo-busy (never converges on the lab's link), and
checks what each client sees: live migrations with and without a host, at
2.1, 2.25, 2.30, 2.68 and the newest, --block-migration, migration list
and show (by id, and by uuid for openstack), force-complete, abort, the
migration list with filters, server show and the instance-action events,
and the imported guests' flavors (`openstack server list` names them at
2.1, `openstack flavor list|show`).

No Keystone: novaclient and openstacksdk get a keystoneauth session with a
plain token and the endpoint; openstack and nova get keystoneauth's
admin_token plugin.

Usage: API=http://127.0.0.1:PORT /usr/bin/python3 clients.py
(must run under Debian's /usr/bin/python3, which sees the client packages)
"""

import json
import os
import re
import subprocess
import sys
import time

from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint
from novaclient import api_versions
from novaclient import client as nova_client
import openstack
from openstack.compute.v2.server_migration import ServerMigration

API = os.environ["API"].rstrip("/")
ENDPOINT = API + "/v2.1"
HOSTS = os.environ.get("HOSTS", "t-lab-1 t-lab-2 t-lab-3").split()
CHECKS = 0


def fail(msg):
    print("FAIL clients: %s" % msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    global CHECKS
    if not cond:
        fail(msg)
    CHECKS += 1


def session():
    return ks_session.Session(auth=token_endpoint.Token(ENDPOINT, "admin:admin"))


def nova(version):
    return nova_client.Client(version, session=session(), endpoint_override=ENDPOINT)


def osc(*args, version=None):
    """Run the openstack command; returns parsed JSON for -f json, else text."""
    cmd = ["/usr/bin/openstack", "--os-auth-type", "admin_token", "--os-token", "admin:admin",
           "--os-endpoint", ENDPOINT]
    if version:
        cmd += ["--os-compute-api-version", version]
    cmd += list(args)
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        fail("%s: rc=%d %s" % (" ".join(args), p.returncode, p.stderr.strip()[-800:]))
    if "-f" in args and "json" in args:
        return json.loads(p.stdout)
    return p.stdout


def migrations_of(cs, server_id):
    return cs.migrations.list(instance_uuid=server_id)


def newest_migration(cs, server_id):
    found = migrations_of(cs, server_id)
    return max(found, key=lambda m: m.id) if found else None


def wait_done(cs, server_id, after_id, timeout=120):
    """Wait for the migration newer than after_id to end; returns it."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = newest_migration(cs, server_id)
        if m and m.id > after_id and m.status in ("completed", "failed", "error",
                                                  "cancelled"):
            return m
        time.sleep(0.5)
    fail("migration of %s did not end in %ds" % (server_id, timeout))


def wait_running(cs, server_id, after_id, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = newest_migration(cs, server_id)
        if m and m.id > after_id and m.status == "running":
            return m
        if m and m.id > after_id and m.status in ("completed", "failed", "error",
                                                  "cancelled"):
            fail("migration %d ended %s before it could be caught running" %
                 (m.id, m.status))
        time.sleep(0.3)
    fail("no running migration of %s" % server_id)


def host_of(cs, server_id):
    return getattr(cs.servers.get(server_id), "OS-EXT-SRV-ATTR:host")


def last_id(cs, server_id):
    m = newest_migration(cs, server_id)
    return m.id if m else 0


def migrate_and_check(cs, server_id, start, label):
    """start() begins a live migration; it must complete on another host."""
    before_host = host_of(cs, server_id)
    before = last_id(cs, server_id)
    start()
    m = wait_done(cs, server_id, before)
    check(m.status == "completed", "%s: migration %d ended %s" % (label, m.id, m.status))
    after_host = host_of(cs, server_id)
    check(after_host != before_host and after_host == m.dest_compute,
          "%s: host %s -> %s (migration said %s)" % (label, before_host, after_host,
                                                     m.dest_compute))
    return m


def test_novaclient(idle):
    cs21 = nova("2.1")
    srv = cs21.servers.get(idle)
    check(srv.name == "demo-idle", "novaclient servers.get name")
    check(getattr(srv, "OS-EXT-STS:vm_state") == "active", "vm_state")

    # 2.1: host, block_migration, disk_over_commit
    migrate_and_check(cs21, idle, lambda: cs21.servers.live_migrate(
        idle, None, False, False), "novaclient 2.1")
    # 2.25: block_migration "auto"
    cs225 = nova("2.25")
    migrate_and_check(cs225, idle, lambda: cs225.servers.live_migrate(
        idle, None, "auto"), "novaclient 2.25")
    # 2.30: a named host, forced
    cs230 = nova("2.30")
    target = [h for h in HOSTS if h != host_of(cs230, idle)][0]
    m = migrate_and_check(cs230, idle, lambda: cs230.servers.live_migrate(
        idle, target, "auto", force=True), "novaclient 2.30 forced")
    check(m.dest_compute == target, "forced to %s, went to %s" % (target, m.dest_compute))
    # 2.68, and the newest both sides know
    cs268 = nova("2.68")
    migrate_and_check(cs268, idle, lambda: cs268.servers.live_migrate(
        idle, None, "auto"), "novaclient 2.68")
    # "latest": discovered from the version document, as the nova CLI does
    newest = api_versions.discover_version(cs21, api_versions.APIVersion("2.latest"))
    check(newest.ver_minor >= 92, "negotiated %s" % newest.get_string())
    latest = nova(newest.get_string())
    migrate_and_check(latest, idle, lambda: latest.servers.live_migrate(
        idle, None, "auto"), "novaclient latest")

    # the migration list with filters (what `nova migration-list` sends)
    cs80 = nova("2.80")
    mine = cs80.migrations.list(instance_uuid=idle, migration_type="live-migration",
                                status="completed")
    check(len(mine) >= 5, "migrations.list by instance: %d" % len(mine))
    check(all(x.migration_type == "live-migration" and x.status == "completed" for x in mine),
          "filters applied")
    page = cs80.migrations.list(instance_uuid=idle, limit=2)
    check(len(page) == 2, "limit=2 gave %d" % len(page))
    rest = cs80.migrations.list(instance_uuid=idle, limit=100, marker=page[-1].uuid)
    check(len(rest) == len(mine) - 2, "marker paging: %d after the marker" % len(rest))
    check(hasattr(mine[0], "user_id") and mine[0].user_id == "admin", "2.80 user_id")
    by_host = cs80.migrations.list(host=mine[0].dest_compute)
    check(any(x.id == mine[0].id for x in by_host), "host filter")
    actions = cs80.instance_action.list(idle)
    check(any(a.action == "live-migration" for a in actions), "instance actions listed")


def test_novaclient_busy(busy):
    cs = nova("2.80")
    # list and show while running, then abort
    before = last_id(cs, busy)
    cs.servers.live_migrate(busy, None, "auto")
    m = wait_running(cs, busy, before)
    listed = cs.server_migrations.list(busy)
    check([x.id for x in listed] == [m.id], "server_migrations.list: %s" % listed)
    shown = cs.server_migrations.get(busy, m.id)
    check(shown.status == "running" and shown.server_uuid == busy, "server_migrations.get")
    cs.server_migrations.live_migration_abort(busy, m.id)
    end = wait_done(cs, busy, before)
    check(end.status == "cancelled", "abort by novaclient: %s" % end.status)


def nova_cli(*args, version=None):
    """Run the nova command (deprecated, still shipped); returns its output.
    Without Keystone it wants keystoneauth's admin_token plugin and, though
    it never contacts them then, a project and an auth URL."""
    env = dict(os.environ, OS_AUTH_TYPE="admin_token", OS_TOKEN="admin:admin",
               OS_ENDPOINT=ENDPOINT, OS_PROJECT_NAME="admin", OS_AUTH_URL=ENDPOINT)
    cmd = ["/usr/bin/nova"] + (["--os-compute-api-version", version] if version else [])
    p = subprocess.run(cmd + list(args), capture_output=True, text=True, env=env)
    if p.returncode != 0:
        fail("nova %s: rc=%d %s" % (" ".join(args), p.returncode, p.stderr.strip()[-800:]))
    return p.stdout


def test_nova_cli(idle, busy):
    cs = nova("2.80")
    # the nova command's default is the newest microversion both sides know
    m = migrate_and_check(cs, idle, lambda: nova_cli("live-migration", "demo-idle"),
                          "nova CLI")
    out = nova_cli("migration-list", "--instance-uuid", idle, "--status", "completed")
    check(m.uuid in out, "nova migration-list:\n%s" % out)
    out = nova_cli("instance-action-list", "demo-idle")
    check("live-migration" in out, "nova instance-action-list:\n%s" % out)
    # a migration that cannot converge: listed while it runs, then aborted
    before = last_id(cs, busy)
    nova_cli("live-migration", "demo-busy")
    m = wait_running(cs, busy, before)
    out = nova_cli("server-migration-list", "demo-busy")
    check(re.search(r"^\|\s*%d\s*\|.*\|\s*running\s*\|" % m.id, out, re.M),
          "nova server-migration-list:\n%s" % out)
    out = nova_cli("server-migration-show", "demo-busy", str(m.id))
    check("running" in out, "nova server-migration-show:\n%s" % out)
    nova_cli("live-migration-abort", "demo-busy", str(m.id))
    end = wait_done(cs, busy, before)
    check(end.status == "cancelled", "abort by the nova CLI: %s" % end.status)


def test_openstack_cli(idle, busy):
    out = osc("server", "show", "demo-idle", "-f", "json")
    check(out["name"] == "demo-idle" and out["status"] == "ACTIVE", "server show: %s" % out)
    cs = nova("2.80")

    # the Debian client's default (2.1), by name, no host
    migrate_and_check(cs, idle, lambda: osc("server", "migrate", "--live-migration",
                                            "demo-idle"), "openstack 2.1")
    # --block-migration at 2.25
    migrate_and_check(cs, idle, lambda: osc("server", "migrate", "--live-migration",
                                            "--block-migration", "demo-idle",
                                            version="2.25"), "openstack --block-migration")
    # a host, scheduled (2.30 without --force... the client forces only when asked)
    target = [h for h in HOSTS if h != host_of(cs, idle)][0]
    m = migrate_and_check(cs, idle, lambda: osc("server", "migrate", "--live-migration",
                                                "--host", target, "demo-idle",
                                                version="2.30"), "openstack --host")
    check(m.dest_compute == target, "openstack --host %s went to %s" % (target,
                                                                       m.dest_compute))

    # migration list with filters
    rows = osc("server", "migration", "list", "--server", "demo-idle", "--status",
               "completed", "-f", "json", version="2.59")
    check(len(rows) >= 3 and all(r["Status"] == "completed" for r in rows),
          "server migration list: %s" % rows[:2])
    check("UUID" in rows[0], "2.59 shows the uuid")

    # show by id and by uuid, force complete, all on a running demo-busy
    before = last_id(cs, busy)
    osc("server", "migrate", "--live-migration", "demo-busy", version="2.80")
    m = wait_running(cs, busy, before)
    shown = osc("server", "migration", "show", "demo-busy", str(m.id), "-f", "json",
                version="2.24")
    check(str(shown["ID"]) == str(m.id) and shown["Status"] == "running",
          "migration show by id: %s" % shown)
    shown = osc("server", "migration", "show", "demo-busy", m.uuid, "-f", "json",
                version="2.59")
    check(shown["UUID"] == m.uuid, "migration show by uuid: %s" % shown)
    osc("server", "migration", "force", "complete", "demo-busy", str(m.id), version="2.22")
    end = wait_done(cs, busy, before)
    check(end.status == "completed", "force complete by openstack: %s" % end.status)

    # abort
    before = last_id(cs, busy)
    osc("server", "migrate", "--live-migration", "demo-busy", version="2.80")
    m = wait_running(cs, busy, before)
    osc("server", "migration", "abort", "demo-busy", str(m.id), version="2.24")
    end = wait_done(cs, busy, before)
    check(end.status == "cancelled", "abort by openstack: %s" % end.status)

    # the events tell the story
    events = osc("server", "event", "list", "demo-busy", "-f", "json")
    kinds = {e["Action"] for e in events}
    check({"live-migration", "live_migration_force_complete",
           "live_migration_cancel"} <= kinds, "event list: %s" % sorted(kinds))
    abort_req = [e for e in events if e["Action"] == "live_migration_cancel"][0]
    shown = osc("server", "event", "show", "demo-busy", abort_req["Request ID"], "-f", "json",
                version="2.84")
    check(shown["action"] == "live_migration_cancel", "event show: %s" % shown)


def test_sdk(idle, busy):
    conn = openstack.connect(auth_type="admin_token",
                             auth={"endpoint": ENDPOINT, "token": "admin:admin"},
                             compute_endpoint_override=ENDPOINT)
    cs = nova("2.80")
    server = conn.compute.get_server(idle)
    check(server.name == "demo-idle", "sdk get_server")
    migrate_and_check(cs, idle, lambda: conn.compute.live_migrate_server(
        idle, host=None, block_migration="auto"), "openstacksdk")
    target = [h for h in HOSTS if h != host_of(cs, idle)][0]
    m = migrate_and_check(cs, idle, lambda: conn.compute.live_migrate_server(
        idle, host=target, force=True), "openstacksdk forced")
    check(m.dest_compute == target, "sdk forced to %s went to %s" % (target,
                                                                     m.dest_compute))
    listed = list(conn.compute.migrations())
    check(any(x.id == m.id for x in listed), "sdk migrations()")

    before = last_id(cs, busy)
    conn.compute.live_migrate_server(busy, host=None, block_migration="auto")
    m = wait_running(cs, busy, before)
    # openstacksdk 0.101's proxy helpers for server migrations pass the
    # server as "server_id" while the resource's URI names it "server_uuid"
    # (InvalidResourceQuery, fixed in later releases); the resource itself,
    # public API too, is used as they would use it
    running = list(ServerMigration.list(conn.compute, server_uuid=busy))
    check([x.id for x in running] == [m.id], "sdk server migrations: %s" %
          [x.id for x in running])
    got = ServerMigration.existing(id=m.id, server_uuid=busy).fetch(conn.compute)
    check(got.status == "running", "sdk server migration fetch")
    ServerMigration.existing(id=m.id, server_uuid=busy).delete(conn.compute)
    end = wait_done(cs, busy, before)
    check(end.status == "cancelled", "abort by sdk: %s" % end.status)


def test_flavors(idle):
    """The guest's imported flavor, as each client reads it."""
    cs = nova("2.1")
    fid = cs.servers.get(idle).flavor["id"]
    flavor = cs.flavors.get(fid)
    check(flavor.name and flavor.ram > 0, "novaclient flavor %s: %s" % (fid, flavor._info))
    listed = osc("server", "list", "--name", "^demo-idle$", "-f", "json", version="2.1")
    check([x["Flavor"] for x in listed] == [flavor.name], "server list at 2.1: %s" % listed)
    shown = osc("flavor", "show", fid, "-f", "json")
    check((shown["name"], shown["ram"]) == (flavor.name, flavor.ram), "flavor show: %s" % shown)
    every = osc("flavor", "list", "--all", "-f", "json")
    check(fid in [x["ID"] for x in every], "flavor list --all: %s" % every)


def main():
    cs = nova("2.1")
    idle = cs.servers.find(name="demo-idle").id
    busy = cs.servers.find(name="demo-busy").id
    for name, fn in (("flavors", lambda: test_flavors(idle)),
                     ("novaclient", lambda: test_novaclient(idle)),
                     ("novaclient-busy", lambda: test_novaclient_busy(busy)),
                     ("nova", lambda: test_nova_cli(idle, busy)),
                     ("openstack", lambda: test_openstack_cli(idle, busy)),
                     ("openstacksdk", lambda: test_sdk(idle, busy))):
        t0 = time.time()
        fn()
        print("  clients: %s ok (%.0f s)" % (name, time.time() - t0))
    print("  PASS clients (%d checks)" % CHECKS)


if __name__ == "__main__":
    main()
