/* test_worker.c - the migration worker over the fake hypervisor and a real
 * PostgreSQL (FERRY_TEST_DB): every path a migration can take, end to end
 * through the same code ferry-compute runs (worker.c, hostreq.c, policy.c),
 * with two "hosts" a and b.  Nova's time-based options are scaled down here,
 * visibly, so each case takes about a second. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/auto.h"
#include "common/log.h"
#include "compute/compute.h"
#include "compute/policy_ferry.h"
#include "db/db.h"
#include "db/db_hostreq.h"
#include "db/db_instance.h"
#include "db/db_mig.h"
#include "db/db_int.h"
#include "tests/fakes/virt_fake.h"

#define INSTANCE "7e3b1a4c-0000-4000-8000-000000000001"
#define MB (1024 * 1024LL)

static struct cfg cfg;
static struct db *db;
static volatile sig_atomic_t stop;
static struct compute host_a, host_b;
static int block_mig;                   /* the scheduler's verdict: -1 none, 0, 1 */
static const struct msg_disks *fwd_disks; /* the source's disks it forwarded, or none */
static struct hostreq_threads *hr_a, *hr_b;

static void
sql(const char *q)
{
    struct err err = ERR_INIT;

    if (db_exec_simple(db, q, &err) < 0)
        fail_msg("%s: %s %s", q, err.msg, err.detail);
}

static void
compute_init(struct compute *c, const char *name)
{
    memset(c, 0, sizeof(*c));
    c->cfg = &cfg;
    c->drv = &virt_fake;
    c->stop = &stop;
    pthread_mutex_init(&c->lock, NULL);
    snprintf(c->host, sizeof(c->host), "%s", name);
    snprintf(c->node, sizeof(c->node), "%s", name);
    snprintf(c->uri, sizeof(c->uri), "fake://%s", name);
    snprintf(c->migration_addr, sizeof(c->migration_addr), "%s", name);
    snprintf(c->actor, sizeof(c->actor), "ferry-compute@%s", name);
}

/* A fresh database state and a guest on a with this migration model. */
static int
setup(void **state)
{
    struct fake_model model = *(struct fake_model *)*state;

    sql("TRUNCATE migration_samples, host_requests, instance_action_events, instance_actions, migration_events,"
        " migrations, instances, flavors, compute_hosts RESTART IDENTITY CASCADE");
    sql("INSERT INTO compute_hosts (uuid, host, hypervisor_hostname, libvirt_uri,"
        " migration_addr, host_ip, memory_mb, vcpus, heartbeat_at) VALUES"
        " (gen_random_uuid(), 'a', 'a', 'fake://a', 'a', '127.0.0.1', 16384, 4, now()),"
        " (gen_random_uuid(), 'b', 'b', 'fake://b', 'b', '127.0.0.1', 16384, 4, now())");
    sql("INSERT INTO flavors (flavorid, name, memory_mb, vcpus) VALUES ('f', 'f', 64, 1)");
    sql("INSERT INTO instances (uuid, display_name, domain_name, project_id, user_id, host,"
        " node, flavor_id, memory_mb, vcpus, power_state, launched_at) VALUES"
        " ('" INSTANCE "', 'vm', 'vm', 'p', 'u', 'a', 'a', 1, 64, 1, 1, now())");
    fake_reset();
    fake_add_domain("fake://a", INSTANCE, "vm", 64, &model);
    fake_host_set("fake://b", "b", 16384, 16384);
    cfg_defaults(&cfg);
    block_mig = -1;
    fwd_disks = NULL;
    snprintf(cfg.db_connection, sizeof(cfg.db_connection), "%s", getenv("FERRY_TEST_DB"));
    cfg.lm_monitor_interval = 1;        /* save counters every second */
    /* the cases before the ferry policy's test Nova's: they ask for it, as
     * a guest with ferry:migration_policy = nova does */
    cfg.migration_policy = MIG_POLICY_NOVA;
    snprintf(cfg.lm_uri, sizeof(cfg.lm_uri), "fake://%%s");
    return 0;
}

/* accepted -> queued (to b) -> claimed by a: the row a worker starts from. */
static struct db_mig
take_migration(bool abort_first)
{
    struct db_mig_request rq = { 0 };
    struct db_transition t = { 0 };
    struct db_mig m;
    struct err err = ERR_INIT;

    rq.instance_uuid = INSTANCE;
    rq.request_id = "req-test";
    rq.user_id = "u";
    rq.project_id = "p";
    rq.block_migration = -1;
    rq.disk_over_commit = -1;
    rq.api_mv = MV(2, 80);
    rq.actor = "test";
    assert_int_equal(db_mig_create(db, &rq, &m, &err), 0);
    t.id = m.id;
    t.from = MIG_ACCEPTED;
    t.to = MIG_QUEUED;
    t.actor = "test";
    t.dest_compute = "b";
    t.dest_node = "b";
    t.dest_host = "b";
    t.set_block_migration = block_mig >= 0;
    t.block_migration = block_mig == 1;
    t.source_disks = fwd_disks;
    assert_int_equal(db_mig_transition(db, &t, &err), 0);
    assert_int_equal(db_mig_take_queued(db, "a", 1, "test", &m, &err), 1);
    assert_int_equal(m.status, MIG_PREPARING);
    if (abort_first)
        assert_int_equal(db_mig_request_abort(db, m.id, "tester", &err), 0);
    return m;
}

/* ... and a worker on it.  Returns the id. */
static int
start_migration(bool abort_first)
{
    struct db_mig m = take_migration(abort_first);
    struct err err = ERR_INIT;

    assert_int_equal(worker_spawn(&host_a, &m, &err), 0);
    return m.id;
}

static struct db_mig
wait_terminal(int id)
{
    struct db_mig m;
    struct err err = ERR_INIT;

    for (int i = 0; i < 400; i++) {
        assert_int_equal(db_mig_get(db, id, &m, &err), 0);
        if (mig_status_terminal(m.status))
            break;
        sleep_ms(50);
    }
    if (!mig_status_terminal(m.status))
        fail_msg("migration %d still %s", id, m.status_text);
    /* the worker thread finishes its last event after the transition */
    for (int i = 0; i < 100 && host_a.workers > 0; i++)
        sleep_ms(20);
    return m;
}

static struct db_mig
wait_status(int id, enum mig_status want)
{
    struct db_mig m;
    struct err err = ERR_INIT;

    /* 20 s, as wait_terminal: a loaded host under ASan is slow */
    for (int i = 0; i < 800; i++) {
        assert_int_equal(db_mig_get(db, id, &m, &err), 0);
        if (m.status == want)
            return m;
        sleep_ms(25);
    }
    fail_msg("migration %d is %s, never %s", id, m.status_text, mig_status_name(want));
    return m;
}

static void
assert_instance(const char *host, const char *task_state)
{
    struct db_instance i;
    struct err err = ERR_INIT;

    assert_int_equal(db_instance_get(db, INSTANCE, NULL, &i, &err), 0);
    assert_string_equal(i.host, host);
    assert_string_equal(i.task_state, task_state);
}

/* Did the migration pass through status s (migration_events)? */
static bool
passed_through(int id, const char *s)
{
    struct err err = ERR_INIT;
    const char *p[2];
    char idbuf[16];
    PGresult *r;
    bool yes;

    snprintf(idbuf, sizeof(idbuf), "%d", id);
    p[0] = idbuf;
    p[1] = s;
    r = db_query(db, "SELECT 1 FROM migration_events WHERE migration_id = $1::int"
                     " AND to_status = $2", 2, p, &err);
    assert_non_null(r);
    yes = PQntuples(r) > 0;
    PQclear(r);
    return yes;
}

/* One number from SQL about migration id ("%d" in q). */
static long long
sql_num(const char *q, int id)
{
    struct err err = ERR_INIT;
    char text[512];
    PGresult *r;
    long long v;

    snprintf(text, sizeof(text), q, id);
    r = db_query(db, text, 0, NULL, &err);
    assert_non_null(r);
    v = PQgetisnull(r, 0, 0) ? -1 : atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

/* One text from SQL about migration id ("%d" in q), "" for NULL. */
static void
sql_text(const char *q, int id, char *out, size_t size)
{
    struct err err = ERR_INIT;
    char text[512];
    PGresult *r;

    snprintf(text, sizeof(text), q, id);
    r = db_query(db, text, 0, NULL, &err);
    assert_non_null(r);
    snprintf(out, size, "%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
}

/* A pre_live_migration payload for one qcow2 disk at path. */
static char *
pre_live_payload(const char *path)
{
    json_t *p = json_pack("{s:s,s:s,s:s,s:i,s:[{s:s,s:s,s:s,s:I}]}", "instance_uuid", INSTANCE,
                          "request_id", "req-test", "domain_name", "vm", "block_migration", 1,
                          "disks", "target", "vda", "path", path, "format", "qcow2", "size",
                          (json_int_t)(1 << 30));
    char *text = json_dumps(p, JSON_COMPACT);

    json_decref(p);
    return text;
}

/* ---- the cases ---------------------------------------------------------------------- */

static struct fake_model converging = { 64 * MB, 64 * MB, 0, 0, 0, 0 };
static struct fake_model hot = { 64 * MB, 32 * MB, 64 * MB, 32 * MB, 0, 0 };
static struct fake_model breaking = { 64 * MB, 32 * MB, 0, 0, 50, 0 };
static struct fake_model slow_breaking = { 64 * MB, 8 * MB, 0, 0, 60, 0 };

static void
test_completes(void **state)
{
    struct db_mig m;

    (void)state;
    m = wait_terminal(start_migration(false));
    assert_int_equal(m.status, MIG_COMPLETED);
    assert_string_equal(fake_where(INSTANCE), "fake://b");
    assert_instance("b", "");
    assert_true(passed_through(m.id, "running"));
    /* Nova's step 0: max downtime 50 ms at once */
    assert_int_equal(fake_max_downtime(INSTANCE), 50);
    /* telemetry: samples every 0.5 s with the setting in force, and totals */
    assert_true(sql_num("SELECT count(*) FROM migration_samples WHERE migration_id = %d",
                        m.id) >= 1);
    assert_int_equal(sql_num("SELECT max(max_downtime_ms) FROM migration_samples"
                             " WHERE migration_id = %d", m.id), 50);
    assert_true(sql_num("SELECT total_time_ms FROM migrations WHERE id = %d", m.id) > 0);
    assert_int_equal(sql_num("SELECT downtime_ms FROM migrations WHERE id = %d", m.id), 25);
    assert_true(sql_num("SELECT data_sent_bytes FROM migrations WHERE id = %d", m.id) > 0);
    /* pre-copy: QEMU's own measure, from the destination's job statistics */
    assert_int_equal(sql_num("SELECT (downtime_source = 'job_stats')::int FROM migrations"
                             " WHERE id = %d", m.id), 1);
}

/* The monitor sleeps between samples, but not past the job's end: with a
 * sample interval of a minute (the most [ferry] sample_interval_ms allows),
 * a job that ends after the first sample still finishes the migration
 * within wait_terminal()'s bound.  A monitor that slept its interval out
 * would not (a failure here hangs its worker for that minute). */
static void
test_monitor_wakes_when_job_ends(void **state)
{
    struct db_mig m;

    (void)state;
    cfg.sample_interval_ms = 60000;
    m = wait_terminal(start_migration(false));
    assert_int_equal(m.status, MIG_COMPLETED);
    assert_string_equal(fake_where(INSTANCE), "fake://b");
    /* at most the sample at the job's start: it ended before the next */
    assert_true(sql_num("SELECT count(*) FROM migration_samples WHERE migration_id = %d",
                        m.id) <= 1);
}

static void
test_abort_running(void **state)
{
    struct err err = ERR_INIT;
    struct db_mig m, first;
    int id;

    (void)state;
    id = start_migration(false);
    wait_status(id, MIG_RUNNING);
    sleep_ms(1600);
    assert_int_equal(db_mig_get(db, id, &first, &err), 0);
    assert_true(first.has_memory);                  /* counters saved while running */
    assert_true(first.memory_processed > 0);
    assert_int_equal(db_mig_request_abort(db, id, "tester", &err), 0);
    m = wait_terminal(id);
    assert_int_equal(m.status, MIG_CANCELLED);
    assert_string_equal(m.reason, "aborted by tester");
    assert_string_equal(fake_where(INSTANCE), "fake://a");
    assert_instance("a", "");
    /* a cancelled job has no downtime, but it ran and sent data */
    assert_int_equal(sql_num("SELECT downtime_ms FROM migrations WHERE id = %d", id), -1);
    assert_true(sql_num("SELECT data_sent_bytes FROM migrations WHERE id = %d", id) > 0);
}

static void
test_abort_preparing(void **state)
{
    struct db_mig m;

    (void)state;
    m = wait_terminal(start_migration(true));
    assert_int_equal(m.status, MIG_CANCELLED);
    assert_string_equal(m.reason, "aborted by tester while preparing");
    assert_false(passed_through(m.id, "running"));
    assert_string_equal(fake_where(INSTANCE), "fake://a");
    assert_instance("a", "");
}

/* "Result" or "Result: <details>" of the instance action's event. */
static void
event_result(const char *event, char *out, size_t size)
{
    const char *p[1] = { event };
    struct err err = ERR_INIT;
    PGresult *r = db_query(db, "SELECT result || coalesce(': ' || details, '') AS r"
                               " FROM instance_action_events WHERE event = $1", 1, p, &err);

    if (!r || PQntuples(r) != 1)
        fail_msg("event %s: %s", event, r ? "not one row" : err.msg);
    snprintf(out, size, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
}

static void
test_job_fails(void **state)
{
    struct db_mig m;
    char ev[1200], want[1200];

    (void)state;
    m = wait_terminal(start_migration(false));
    assert_int_equal(m.status, MIG_FAILED);
    assert_non_null(strstr(m.reason, "the migration stream broke at"));
    /* the compute event says why too, not only that it failed */
    event_result("compute_live_migration", ev, sizeof(ev));
    snprintf(want, sizeof(want), "Error: %s", m.reason);
    assert_string_equal(ev, want);
    assert_string_equal(fake_where(INSTANCE), "fake://a");
    assert_instance("a", "");
}

static void
test_pre_live_migration_fails(void **state)
{
    struct db_mig m;
    char ev[1200], want[1200];

    (void)state;
    /* a domain of the same name already on the destination */
    fake_add_domain("fake://b", "7e3b1a4c-0000-4000-8000-0000000000ff", "vm", 64, &converging);
    m = wait_terminal(start_migration(false));
    assert_int_equal(m.status, MIG_ERROR);
    assert_non_null(strstr(m.reason, "pre_live_migration on b failed: a domain vm"));
    event_result("compute_live_migration", ev, sizeof(ev));
    snprintf(want, sizeof(want), "Error: %s", m.reason);
    assert_string_equal(ev, want);
    assert_instance("a", "");
}

/* pre_live_migration answers after the source gave up waiting: the source
 * rolled back knowing of no images, so the destination removes the images
 * it made itself, and the late answer is never taken for a success.  The
 * destination's image creation is held until the migration has ended. */
static void
test_pre_live_migration_late(void **state)
{
    struct virt_disk d = { .target = "vda", .path = "/images/vm-late.img", .format = "qcow2",
                           .capacity = 1 << 30, .physical = 1 << 20 };
    char format[16] = "";
    struct db_mig m;

    (void)state;
    block_mig = 1;
    cfg.long_rpc_timeout = 1;           /* Nova: 1800 s */
    cfg.rpc_response_timeout = 1;       /* the rollback waits behind it: Nova 60 s */
    fake_set_disk(INSTANCE, &d);
    fake_hold_next("fake://b", "create_image");
    m = wait_terminal(start_migration(false));
    assert_int_equal(m.status, MIG_ERROR);
    assert_non_null(strstr(m.reason, "pre_live_migration on b failed: "));
    assert_non_null(strstr(m.reason, "timed out"));
    assert_instance("a", "");
    assert_int_equal(fake_images_created(), 0);
    fake_release();
    /* the image is made now, too late, and goes again */
    for (int i = 0; i < 100 && fake_images_created() == 0; i++)
        sleep_ms(50);
    assert_int_equal(fake_images_created(), 1);
    for (int i = 0; i < 100; i++) {
        fake_image_format("fake://b", "/images/vm-late.img", format, sizeof(format));
        if (!format[0])
            break;
        sleep_ms(50);
    }
    assert_string_equal(format, "");
}

static void
test_force_complete_postcopy(void **state)
{
    struct err err = ERR_INIT;
    struct db_mig m;
    char ev[1200];
    int id;

    (void)state;
    cfg.lm_permit_post_copy = true;
    id = start_migration(false);
    wait_status(id, MIG_RUNNING);
    sleep_ms(600);
    assert_int_equal(db_mig_request_force_complete(db, id, "tester", &err), 0);
    m = wait_terminal(id);
    assert_int_equal(m.status, MIG_COMPLETED);
    assert_true(passed_through(id, "running (post-copy)"));
    assert_string_equal(fake_where(INSTANCE), "fake://b");
    assert_instance("b", "");
    /* post-copy: no completed job statistics; the source's pause to the
     * destination's resume, from libvirt's lifecycle events */
    assert_int_equal(sql_num("SELECT downtime_ms FROM migrations WHERE id = %d", id), 7);
    assert_int_equal(sql_num("SELECT (downtime_source = 'lifecycle_events')::int FROM"
                             " migrations WHERE id = %d", id), 1);
    event_result("compute_live_migration", ev, sizeof(ev));
    assert_string_equal(ev, "Success: completed; downtime 7 ms (lifecycle_events)");
}

static void
test_force_complete_pause(void **state)
{
    struct err err = ERR_INIT;
    struct db_mig m;
    int id;

    (void)state;
    id = start_migration(false);
    wait_status(id, MIG_RUNNING);
    sleep_ms(600);
    assert_int_equal(db_mig_request_force_complete(db, id, "tester", &err), 0);
    m = wait_terminal(id);
    assert_int_equal(m.status, MIG_COMPLETED);
    assert_false(passed_through(id, "running (post-copy)"));
    assert_string_equal(fake_where(INSTANCE), "fake://b");
    /* paused to complete: the guest's downtime is its whole pause, longer
     * than the job's own stop-and-copy */
    assert_true(sql_num("SELECT downtime_ms FROM migrations WHERE id = %d", id) >
                fake_max_downtime(INSTANCE) / 2);
    assert_int_equal(sql_num("SELECT (downtime_source = 'lifecycle_events')::int FROM"
                             " migrations WHERE id = %d", id), 1);
}

static void
test_timeout_abort(void **state)
{
    struct db_mig m;

    (void)state;
    cfg.lm_completion_timeout = 1;      /* scaled: 1 s per GiB x 2 GiB = 2 s, not 1600 s */
    m = wait_terminal(start_migration(false));
    assert_int_equal(m.status, MIG_CANCELLED);
    assert_non_null(strstr(m.reason, "live_migration_completion_timeout reached"));
    assert_string_equal(fake_where(INSTANCE), "fake://a");
}

static void
test_timeout_force_complete(void **state)
{
    struct db_mig m;

    (void)state;
    cfg.lm_completion_timeout = 1;      /* scaled as above */
    cfg.lm_timeout_action = TIMEOUT_FORCE_COMPLETE;
    cfg.lm_permit_post_copy = true;
    m = wait_terminal(start_migration(false));
    assert_int_equal(m.status, MIG_COMPLETED);
    assert_true(passed_through(m.id, "running (post-copy)"));
    assert_string_equal(fake_where(INSTANCE), "fake://b");
}

/* Ask host b's check_destination for the guest with this CPU definition
 * (and the source host's cpu_info); *res is its answer. */
static void
ask_check_destination(const char *cpu_xml, const char *source_cpu_info,
                      struct db_hostreq_result *res)
{
    json_t *p = json_pack("{s:s,s:s,s:i,s:s,s:i,s:s,s:s}", "instance_uuid", INSTANCE,
                          "domain_name", "vm", "memory_mb", 64, "source_host", "a",
                          "block_migration", -1, "cpu_xml", cpu_xml, "source_cpu_info",
                          source_cpu_info);
    char *text = json_dumps(p, JSON_COMPACT);
    struct err err = ERR_INIT;
    int64_t id;

    assert_int_equal(db_hostreq_send(db, "b", "check_destination", 0, text, 10, "test", &id,
                                     &err),
                     0);
    assert_int_equal(db_hostreq_wait(db, id, res, &err), 0);
    free(text);
    json_decref(p);
}

#define AVX512_GUEST "<cpu mode='custom' match='exact'><model>qemu64</model>" \
                     "<feature policy='require' name='avx512f'/></cpu>"

/* A KVM destination compares the guest's own CPU model against its
 * hypervisor's CPU, for the configured virt type; a refusal is Nova's
 * "Unacceptable CPU info" with libvirt's reason. */
static void
test_cpu_refused(void **state)
{
    struct db_hostreq_result res;
    char xml[2048], vt[16];

    (void)state;
    snprintf(host_b.virt_type, sizeof(host_b.virt_type), "kvm");
    fake_host_refuse_cpu("fake://b", "Host CPU does not provide required features: avx512f");
    ask_check_destination(AVX512_GUEST, "", &res);
    assert_false(res.ok);
    assert_non_null(strstr(res.error, "Unacceptable CPU info: CPU doesn't have compatibility."));
    assert_non_null(strstr(res.error, "avx512f"));
    fake_host_last_cpu("fake://b", xml, sizeof(xml), vt, sizeof(vt));
    assert_string_equal(xml, AVX512_GUEST);
    assert_string_equal(vt, "kvm");
    fake_host_refuse_cpu("fake://b", NULL);
    host_b.virt_type[0] = '\0';
}

/* An emulated destination ([libvirt] virt_type = qemu) compares nothing,
 * as Nova: a guest whose CPU model its host "could not run" is accepted
 * (what made every lab migration fail on an Intel host with /dev/kvm). */
static void
test_cpu_emulated_not_compared(void **state)
{
    struct db_hostreq_result res;
    char xml[2048], vt[16];

    (void)state;
    snprintf(host_b.virt_type, sizeof(host_b.virt_type), "qemu");
    fake_host_refuse_cpu("fake://b", "Host CPU does not provide required features: pni, svm");
    ask_check_destination("<cpu mode='custom' match='exact' check='full'><model "
                          "fallback='forbid'>qemu64</model><feature policy='require' "
                          "name='hypervisor'/></cpu>",
                          "{\"arch\": \"x86_64\", \"model\": \"EPYC\", \"vendor\": \"AMD\"}",
                          &res);
    assert_true(res.ok);
    fake_host_last_cpu("fake://b", xml, sizeof(xml), vt, sizeof(vt));
    assert_string_equal(xml, "");
    fake_host_refuse_cpu("fake://b", NULL);
    host_b.virt_type[0] = '\0';
}

/* A guest without a CPU model of its own (host-model) on KVM: the
 * destination compares the source host's CPU, every feature required, as
 * Nova does; names that are not CPU names never reach the XML.  Under TCG
 * nothing is compared. */
static void
test_cpu_host_model_kvm(void **state)
{
    struct db_hostreq_result res;
    char xml[2048], vt[16];
    const char *amd = "{\"arch\": \"x86_64\", \"model\": \"EPYC-Rome\", \"vendor\": \"AMD\","
                      " \"features\": [\"svm\", \"x'/><evil\"]}";

    (void)state;
    snprintf(host_b.virt_type, sizeof(host_b.virt_type), "kvm");
    fake_host_last_cpu_xml("fake://b", xml, sizeof(xml));
    ask_check_destination("", "{\"arch\": \"x86_64\", \"model\": \"Skylake-Client\","
                              " \"vendor\": \"Intel\", \"features\": [\"avx2\", \"x'/><evil\"]}",
                          &res);
    assert_true(res.ok);
    fake_host_last_cpu("fake://b", xml, sizeof(xml), vt, sizeof(vt));
    assert_string_equal(xml, "<cpu><arch>x86_64</arch><model>Skylake-Client</model>"
                             "<vendor>Intel</vendor><feature policy='require' name='avx2'/>"
                             "</cpu>");
    assert_string_equal(vt, "kvm");
    /* an AMD source the same way */
    ask_check_destination("", amd, &res);
    assert_true(res.ok);
    fake_host_last_cpu_xml("fake://b", xml, sizeof(xml));
    assert_string_equal(xml, "<cpu><arch>x86_64</arch><model>EPYC-Rome</model>"
                             "<vendor>AMD</vendor><feature policy='require' name='svm'/>"
                             "</cpu>");
    /* emulated: not compared */
    snprintf(host_b.virt_type, sizeof(host_b.virt_type), "qemu");
    ask_check_destination("", amd, &res);
    assert_true(res.ok);
    fake_host_last_cpu_xml("fake://b", xml, sizeof(xml));
    assert_string_equal(xml, "");
    host_b.virt_type[0] = '\0';
}

static int
group_setup(void **state)
{
    struct err err = ERR_INIT;
    const char *conn = getenv("FERRY_TEST_DB");

    (void)state;
    if (!conn)
        fail_msg("FERRY_TEST_DB is not set (run through tests/integration/run.sh)");
    db = db_new(conn, "test_worker");
    if (db_connect(db, &err) < 0)
        fail_msg("%s: %s", err.msg, err.detail);
    cfg_defaults(&cfg);
    snprintf(cfg.db_connection, sizeof(cfg.db_connection), "%s", conn);
    compute_init(&host_a, "a");
    compute_init(&host_b, "b");
    hr_a = hostreq_start(&host_a);
    hr_b = hostreq_start(&host_b);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    stop = 1;
    hostreq_join(hr_a);
    hostreq_join(hr_b);
    db_free(db);
    return 0;
}

/* libvirtd restarted under the destination's host-request thread: its
 * connection is dead for good; the request is run again on a new one. */
static void
test_hostreq_reconnects(void **state)
{
    struct db_mig m;

    (void)state;
    fake_fail_next("fake://b", "domain_exists", 1, ERR_UNAVAILABLE);
    m = wait_terminal(start_migration(false));
    assert_int_equal(m.status, MIG_COMPLETED);
    assert_string_equal(fake_where(INSTANCE), "fake://b");
}

/* libvirt said the job completed: completed, even when the destination
 * cannot answer post_live_migration_at_destination. */
static void
test_completed_when_post_fails(void **state)
{
    struct db_mig m;

    (void)state;
    fake_fail_next("fake://b", "domain_get", 100, ERR_INTERNAL);
    m = wait_terminal(start_migration(false));
    assert_int_equal(m.status, MIG_COMPLETED);
    assert_string_equal(fake_where(INSTANCE), "fake://b");
    assert_instance("b", "");
}

/* An abort libvirt refused once is tried again at the next sample. */
static void
test_abort_retried(void **state)
{
    struct err err = ERR_INIT;
    struct db_mig m;
    int id;

    (void)state;
    id = start_migration(false);
    wait_status(id, MIG_RUNNING);
    fake_fail_next("fake://a", "abort", 1, ERR_CONFLICT);
    assert_int_equal(db_mig_request_abort(db, id, "tester", &err), 0);
    m = wait_terminal(id);
    assert_int_equal(m.status, MIG_CANCELLED);
    assert_string_equal(m.reason, "aborted by tester");
    assert_string_equal(fake_where(INSTANCE), "fake://a");
}

/* Post-copy that breaks (the link reset) and whose link comes back after
 * two refused resumes: the worker resumes it (POSTCOPY_RESUME, with
 * backoff) and the migration completes, each decision an event. */
static void
test_postcopy_broken_resumed(void **state)
{
    struct err err = ERR_INIT;
    struct db_mig m;
    int id;

    (void)state;
    cfg.lm_permit_post_copy = true;
    fake_fail_next("fake://a", "resume_postcopy", 2, ERR_UNAVAILABLE);
    id = start_migration(false);
    wait_status(id, MIG_RUNNING);
    assert_int_equal(db_mig_request_force_complete(db, id, "tester", &err), 0);
    m = wait_terminal(id);
    assert_true(passed_through(id, "running (post-copy)"));
    assert_int_equal(m.status, MIG_COMPLETED);
    assert_string_equal(fake_where(INSTANCE), "fake://b");
    assert_int_equal(fake_power_state(INSTANCE), 1);
    assert_true(fake_last_flags(INSTANCE) & VIRT_MIG_POSTCOPY_RESUME);
    assert_instance("b", "");
    assert_int_equal(sql_num("SELECT count(*) FROM instance_action_events WHERE event ="
                             " 'compute_live_migration_decision' AND details LIKE"
                             " 'post-copy migration to b broke (%%' AND %d > 0", id), 1);
    assert_int_equal(sql_num("SELECT count(*) FROM instance_action_events WHERE event ="
                             " 'compute_live_migration_decision' AND details LIKE"
                             " 'post-copy migration to b resumed %% (attempt 3): completed'"
                             " AND %d > 0", id), 1);
}

/* ... whose link never comes back within postcopy_recover_timeout: the row
 * is error, with the class "timeout" and what to do; the guest is left
 * paused on the source, never destroyed nor resumed there. */
static void
test_postcopy_never_resumed(void **state)
{
    struct err err = ERR_INIT;
    struct db_mig m;
    int id;

    (void)state;
    cfg.lm_permit_post_copy = true;
    cfg.postcopy_recover_timeout = 2;
    fake_fail_next("fake://a", "resume_postcopy", 1000, ERR_UNAVAILABLE);
    id = start_migration(false);
    wait_status(id, MIG_RUNNING);
    assert_int_equal(db_mig_request_force_complete(db, id, "tester", &err), 0);
    m = wait_terminal(id);
    assert_true(passed_through(id, "running (post-copy)"));
    assert_int_equal(m.status, MIG_ERROR);
    assert_int_equal(m.reason_code, ERR_TIMEOUT);
    assert_non_null(strstr(m.reason, "post-copy migration to b broke and was not resumed "
                                     "within 2 s"));
    assert_non_null(strstr(m.reason, "--postcopy-resume"));
    assert_string_equal(fake_where(INSTANCE), "fake://a");
    assert_int_equal(fake_power_state(INSTANCE), 3);    /* left paused, not resumed */
}

/* Nova: no post-copy for a paused guest, even when permitted. */
static void
test_paused_guest_no_postcopy(void **state)
{
    struct db_mig m;

    (void)state;
    cfg.lm_permit_post_copy = true;
    sql("UPDATE instances SET vm_state = 'paused', power_state = 3");
    m = wait_terminal(start_migration(false));
    assert_int_equal(m.status, MIG_COMPLETED);
    assert_int_equal(fake_last_flags(INSTANCE) & VIRT_MIG_POSTCOPY, 0);
}

/* Block migration of a raw disk with a backing file: the destination image
 * is made raw, and the whole chain is copied. */
static void
test_block_backing_copied_whole(void **state)
{
    struct virt_disk d = { .target = "vda", .path = "/images/vm-disk.img", .format = "raw",
                           .capacity = 1 << 30, .physical = 1 << 20, .backing = true };
    char format[16];
    struct db_mig m;

    (void)state;
    block_mig = 1;
    fake_set_disk(INSTANCE, &d);
    m = wait_terminal(start_migration(false));
    assert_int_equal(m.status, MIG_COMPLETED);
    assert_int_equal(fake_last_flags(INSTANCE) & (VIRT_MIG_NON_SHARED_DISK |
                                                  VIRT_MIG_NON_SHARED_INC),
                     VIRT_MIG_NON_SHARED_DISK);
    fake_image_format("fake://b", "/images/vm-disk.img", format, sizeof(format));
    assert_string_equal(format, "raw");
}

/* A block migration that fails, or is aborted, takes back the image its
 * pre_live_migration made at the destination. */
static void
test_block_rolled_back(void **state)
{
    struct virt_disk d = { .target = "vda", .path = "/images/vm-rb.img", .format = "qcow2",
                           .capacity = 1 << 30, .physical = 1 << 20 };
    struct fake_model *model = *state;
    struct err err = ERR_INIT;
    char format[16] = "";
    struct db_mig m;
    int id;

    block_mig = 1;
    fake_set_disk(INSTANCE, &d);
    id = start_migration(false);
    if (model->fail_at_pct == 0) {      /* hot: never converges, so abort it */
        wait_status(id, MIG_RUNNING);
        for (int i = 0; i < 100 && fake_images_created() == 0; i++)
            sleep_ms(20);
        assert_int_equal(db_mig_request_abort(db, id, "tester", &err), 0);
    }
    m = wait_terminal(id);
    assert_int_equal(m.status, model->fail_at_pct ? MIG_FAILED : MIG_CANCELLED);
    assert_int_equal(fake_images_created(), 1);
    fake_image_format("fake://b", d.path, format, sizeof(format));
    assert_string_equal(format, "");                   /* rolled back */
    assert_string_equal(fake_where(INSTANCE), "fake://a");
}

/* A ferry-compute killed in preparing: its pre_live_migration had made the
 * destination's image.  The restarted one (worker_recover) undoes that
 * first, prepares again and completes the migration. */
static void
test_recover_preparing(void **state)
{
    struct db_hostreq_result res;
    struct virt_disk d = { .target = "vda", .path = "/images/vm-rec.img", .format = "qcow2",
                           .capacity = 1 << 30, .physical = 1 << 20 };
    struct err err = ERR_INIT;
    AUTOFREE char *payload = pre_live_payload(d.path);
    char kinds[512];
    struct virt *v;
    struct db_mig m;
    int64_t rq;

    (void)state;
    block_mig = 1;
    fake_set_disk(INSTANCE, &d);
    m = take_migration(false);         /* preparing, and its worker is gone */
    assert_int_equal(db_hostreq_send(db, "b", "pre_live_migration", m.id, payload, 10,
                                     "ferry-compute@a", &rq, &err),
                     0);
    assert_int_equal(db_hostreq_wait(db, rq, &res, &err), 0);
    assert_true(res.ok);
    assert_int_equal(fake_images_created(), 1);
    assert_int_equal(virt_fake.open("fake://a", &v, &err), 0);
    assert_int_equal(worker_recover(&host_a, db, v, &err), 0);
    m = wait_terminal(m.id);
    virt_fake.close(v);
    assert_int_equal(m.status, MIG_COMPLETED);
    assert_string_equal(fake_where(INSTANCE), "fake://b");
    assert_instance("b", "");
    sql_text("SELECT string_agg(kind, ' ' ORDER BY id) FROM host_requests"
             " WHERE migration_id = %d AND host = 'b'", m.id, kinds, sizeof(kinds));
    assert_string_equal(kinds, "pre_live_migration rollback_live_migration_at_destination "
                               "pre_live_migration post_live_migration_at_destination");
    assert_int_equal(fake_images_created(), 2);   /* undone, then made again */
}

#define C_STATUS_OF(img) "SELECT status FROM host_requests WHERE host = 'c' AND" \
    " payload->'disks'->0->>'path' = '/images/" img ".img' AND %d = 0"

/* Host requests a dead ferry-compute had claimed are answered by the next
 * one on that host, if still in time; one past its deadline is left to
 * its asker, who has given up. */
static void
test_hostreq_reanswered_after_restart(void **state)
{
    static volatile sig_atomic_t stop_c;
    AUTOFREE char *live = pre_live_payload("/images/c-live.img");
    AUTOFREE char *late = pre_live_payload("/images/c-late.img");
    struct hostreq_threads *hr_c;
    struct compute host_c;
    char st[64] = "", format[16] = "";
    const char *p[2] = { live, late };
    struct err err = ERR_INIT;
    PGresult *r;

    (void)state;
    r = db_query(db, "INSERT INTO host_requests (host, kind, payload, status, claimed_at,"
                     " requested_by, deadline) VALUES"
                     " ('c', 'pre_live_migration', $1::jsonb, 'running', now(), 'test',"
                     "  clock_timestamp() + interval '30 s'),"
                     " ('c', 'pre_live_migration', $2::jsonb, 'running', now(), 'test',"
                     "  clock_timestamp() - interval '1 s')",
                 2, p, &err);
    assert_non_null(r);
    PQclear(r);
    compute_init(&host_c, "c");
    host_c.stop = &stop_c;
    hr_c = hostreq_start(&host_c);
    for (int i = 0; i < 200 && strcmp(st, "done") != 0; i++) {
        sql_text(C_STATUS_OF("c-live"), 0, st, sizeof(st));
        sleep_ms(20);
    }
    stop_c = 1;
    hostreq_join(hr_c);
    assert_string_equal(st, "done");
    fake_image_format("fake://c", "/images/c-live.img", format, sizeof(format));
    assert_string_equal(format, "qcow2");
    fake_image_format("fake://c", "/images/c-late.img", format, sizeof(format));
    assert_string_equal(format, "");
    sql_text(C_STATUS_OF("c-late"), 0, st, sizeof(st));
    assert_string_equal(st, "running");
}

/* check_destination to b with this payload for migration mig (0: none); its
 * answer in *res. */
static void
check_destination_b(int mig, const char *payload, struct db_hostreq_result *res)
{
    struct err err = ERR_INIT;
    int64_t id;

    assert_int_equal(db_hostreq_send(db, "b", "check_destination", mig, payload, 10, "test",
                                     &id, &err),
                     0);
    assert_int_equal(db_hostreq_wait(db, id, res, &err), 0);
}

/* The destination cannot make its shared-storage test file: its answer
 * says so with the driver's cause, exactly once (the context is prefixed to
 * the error, never formatted over the buffer it reads). */
static void
test_storage_error_keeps_cause(void **state)
{
    struct db_hostreq_result res;

    (void)state;
    fake_fail_next("fake://b", "create_image", 1, ERR_INTERNAL);
    check_destination_b(0, "{\"instance_uuid\": \"" INSTANCE "\", \"domain_name\": \"vm\","
                        " \"memory_mb\": 64, \"source_host\": \"a\","
                        " \"block_migration\": -1, \"cpu_xml\": \"\"}",
                        &res);
    assert_false(res.ok);
    assert_string_equal(res.error, "cannot make the shared-storage test file on b: "
                                   "fake: create_image failed on fake://b (injected)");
}

#define CHECK_64MB                                                                      \
    "{\"instance_uuid\": \"" INSTANCE "\", \"domain_name\": \"vm\", \"memory_mb\": 64," \
    " \"source_host\": \"a\", \"block_migration\": -1, \"cpu_xml\": \"\"}"

/* b's accounting: RAM, ratio, reserve, and a guest of used MB placed there;
 * then a migration of the 64 MB guest with its claim on b (what the
 * scheduler takes before b checks itself).  Returns the migration's id. */
static int
b_accounting(int memory_mb, double ratio, int reserved, int used)
{
    struct db_mig_request rq = { 0 };
    struct db_mig m;
    struct err err = ERR_INIT;
    char q[512];

    snprintf(q, sizeof(q), "UPDATE compute_hosts SET memory_mb = %d, ram_allocation_ratio = %g,"
             " reserved_memory_mb = %d WHERE host = 'b'", memory_mb, ratio, reserved);
    sql(q);
    snprintf(q, sizeof(q), "INSERT INTO instances (uuid, display_name, domain_name, project_id,"
             " user_id, host, node, flavor_id, memory_mb, vcpus, power_state, launched_at)"
             " VALUES (gen_random_uuid(), 'big', 'big', 'p', 'u', 'b', 'b', 1, %d, 1, 1, now())",
             used);
    sql(q);
    rq.instance_uuid = INSTANCE;
    rq.request_id = "req-test";
    rq.user_id = "u";
    rq.project_id = "p";
    rq.block_migration = -1;
    rq.disk_over_commit = -1;
    rq.api_mv = MV(2, 80);
    rq.actor = "test";
    assert_int_equal(db_mig_create(db, &rq, &m, &err), 0);
    snprintf(q, sizeof(q), "INSERT INTO claims (migration_id, host, memory_mb, vcpus)"
             " VALUES (%d, 'b', 64, 1)", m.id);
    sql(q);
    return m.id;
}

/* Memory is judged by accounting, as Nova does: a host whose free memory
 * (libvirt's, MemFree) is 16 MB because its RAM is page cache takes the
 * guest when its accounting has room: 1000 MB x 1.5 less 1420 MB of guests
 * leaves 80 MB for 64, the guest's own claim not counted twice. */
static void
test_memory_by_accounting_accepts(void **state)
{
    struct db_hostreq_result res;
    json_error_t jerr;
    json_t *answer;
    int mig;

    (void)state;
    fake_host_set("fake://b", "b", 16384, 16);
    mig = b_accounting(1000, 1.5, 0, 1420);
    check_destination_b(mig, CHECK_64MB, &res);
    if (!res.ok)
        fail_msg("refused: %s", res.error);
    answer = json_loads(res.result, 0, &jerr);
    assert_int_equal(json_integer_value(json_object_get(answer, "free_memory_mb")), 80);
    json_decref(answer);
}

/* A host whose accounting is full refuses, with Nova's words and the
 * numbers, even though libvirt says most of its memory is free. */
static void
test_memory_accounting_full_refuses(void **state)
{
    struct db_hostreq_result res;
    int mig;

    (void)state;
    mig = b_accounting(1000, 1.0, 100, 850);
    check_destination_b(mig, CHECK_64MB, &res);
    assert_false(res.ok);
    assert_string_equal(res.error,
                        "Migration pre-check error: Unable to migrate " INSTANCE " to b: Lack of"
                        " memory(host:50 <= instance:64); b has 1000 MB x ram_allocation_ratio"
                        " 1, less 100 MB reserved, 850 MB used by guests and 0 MB claimed by"
                        " other migrations");
}

/* The scheduler forwards the source's disks as its check reported them;
 * the worker starts from them, and checks them again at prepare: a list
 * gone stale while the row waited queued is replaced by the guest's disks
 * as they are now (the image made at the destination is the real one). */
static void
test_block_forwarded_disks(void **state)
{
    struct virt_disk d = { .target = "vda", .path = "/images/vm-now.img", .format = "raw",
                           .capacity = 1 << 30, .physical = 1 << 20 };
    static struct msg_disks stale;
    char format[16];
    struct db_mig m;

    (void)state;
    block_mig = 1;
    fake_set_disk(INSTANCE, &d);
    stale.n = 1;
    snprintf(stale.d[0].target, sizeof(stale.d[0].target), "vda");
    snprintf(stale.d[0].path, sizeof(stale.d[0].path), "/images/vm-then.img");
    snprintf(stale.d[0].format, sizeof(stale.d[0].format), "qcow2");
    stale.d[0].size = 1 << 30;
    fwd_disks = &stale;
    m = wait_terminal(start_migration(false));
    assert_int_equal(m.status, MIG_COMPLETED);
    assert_int_equal(sql_num("SELECT jsonb_array_length(source_disks->'disks') FROM migrations"
                             " WHERE id = %d", m.id), 1);
    fake_image_format("fake://b", "/images/vm-now.img", format, sizeof(format));
    assert_string_equal(format, "raw");
    fake_image_format("fake://b", "/images/vm-then.img", format, sizeof(format));
    assert_string_equal(format, "");
}

#define CASE(fn, model) cmocka_unit_test_prestate_setup_teardown(fn, setup, NULL, &model)

/* ---- per-guest options (the ferry:* metadata) ---------------------------------------- */

/* The guest's budget and permissions are recorded on the row when the
 * migration is accepted, the rest from the source compute's configuration
 * when its worker starts; the worker runs with what the row says. */
static void
test_records_guest_opts(void **state)
{
    struct err err = ERR_INIT;
    struct db_mig m;
    unsigned flags;

    (void)state;
    sql("UPDATE instances SET metadata = '{\"ferry:max_downtime_ms\": \"300\","
        " \"ferry:auto_converge\": \"allowed\", \"other\": \"x\"}'");
    m = take_migration(false);
    assert_string_equal(m.policy, "");              /* not decided before the worker */
    assert_string_equal(m.policy_requested, "");    /* unset: the compute's to fill */
    assert_int_equal(m.max_downtime_ms, 300);
    assert_int_equal(m.auto_converge_permitted, 1);
    assert_int_equal(m.post_copy_permitted, -1);
    cfg.lm_downtime = 1000;             /* the guest's 300 ms beat it */
    cfg.lm_permit_auto_converge = false;
    assert_int_equal(worker_spawn(&host_a, &m, &err), 0);
    m = wait_terminal(m.id);
    assert_int_equal(m.status, MIG_COMPLETED);
    assert_string_equal(m.policy_requested, "nova");     /* filled by the compute */
    assert_string_equal(m.policy, "nova");
    assert_int_equal(m.post_copy_permitted, 0);
    assert_int_equal(m.max_downtime_ms, 300);
    assert_int_equal(m.auto_converge_permitted, 1);
    /* Nova's step 0 of the guest's 300 ms: 300 / 10 = 30 ms (not 50, not 100) */
    assert_int_equal(fake_max_downtime(INSTANCE), 30);
    flags = fake_last_flags(INSTANCE);
    assert_true(flags & VIRT_MIG_AUTO_CONVERGE);
    assert_false(flags & VIRT_MIG_POSTCOPY);
}


/* ferry:post_copy = forbidden beats live_migration_permit_post_copy: a
 * force-complete pauses the guest instead. */
static void
test_post_copy_forbidden_force_complete(void **state)
{
    struct err err = ERR_INIT;
    struct db_mig m;
    int id;

    (void)state;
    cfg.lm_permit_post_copy = true;
    sql("UPDATE instances SET metadata = '{\"ferry:post_copy\": \"forbidden\"}'");
    id = start_migration(false);
    wait_status(id, MIG_RUNNING);
    sleep_ms(600);
    assert_int_equal(db_mig_request_force_complete(db, id, "tester", &err), 0);
    m = wait_terminal(id);
    assert_int_equal(m.status, MIG_COMPLETED);
    assert_int_equal(m.post_copy_permitted, 0);
    assert_false(fake_last_flags(INSTANCE) & VIRT_MIG_POSTCOPY);
    assert_false(passed_through(id, "running (post-copy)"));
    assert_string_equal(fake_where(INSTANCE), "fake://b");
}

/* ... and so does the completion timeout's force_complete. */
static void
test_post_copy_forbidden_timeout(void **state)
{
    struct db_mig m;

    (void)state;
    cfg.lm_completion_timeout = 1;      /* scaled: 2 s */
    cfg.lm_timeout_action = TIMEOUT_FORCE_COMPLETE;
    cfg.lm_permit_post_copy = true;
    sql("UPDATE instances SET metadata = '{\"ferry:post_copy\": \"forbidden\"}'");
    m = wait_terminal(start_migration(false));
    assert_int_equal(m.status, MIG_COMPLETED);
    assert_false(passed_through(m.id, "running (post-copy)"));
    assert_string_equal(fake_where(INSTANCE), "fake://b");
}

/* ---- the ferry policy (steer_ferry.c) ------------------------------------------------ */

/* Models: 64 MiB guests on a 32 MiB/s link ([ferry] link_bandwidth_mib =
 * 32).  The fake's dirty-rate measure is bounded by the working set over
 * its period (PF_DIRTY_PERIOD_S, 1 s), as libvirt's page sampling is. */
static struct fake_model hotset_fits = { 64 * MB, 32 * MB, 8 * MB, 32 * MB, 0, 0 };
static struct fake_model cpu_bound = { 64 * MB, 32 * MB, 64 * MB, 64 * MB, 0, 0 };
static struct fake_model shared_busy = { 64 * MB, 32 * MB, 16 * MB, 32 * MB, 0, 0 };
/* rewrites 24 MiB at 64 MiB/s: measured over 1 s, 24 MiB/s, under 0.8 x 32 */
static struct fake_model hot_hidden = { 64 * MB, 32 * MB, 64 * MB, 24 * MB, 0, 0 };

static void
ferry_on(const char *metadata)
{
    char q[512];

    cfg.migration_policy = MIG_POLICY_FERRY;
    cfg.link_bandwidth_mib = 32;
    snprintf(q, sizeof(q), "UPDATE instances SET metadata = '%s'", metadata);
    sql(q);
}

/* The forecast's field f (text), "" when none. */
static void
forecast_field(int id, const char *f, char *out, size_t size)
{
    char q[256];

    snprintf(q, sizeof(q), "SELECT forecast->>'%s' FROM migrations WHERE id = %%d", f);
    sql_text(q, id, out, size);
}

static long long
decisions(int id)
{
    (void)id;
    return sql_num("SELECT count(*) FROM instance_action_events WHERE event ="
                   " 'compute_live_migration_decision' AND details IS NOT NULL AND %d > 0", id);
}

/* Converges alone: the forecast says so, nothing is enabled, nothing done
 * after the start's max downtime. */
static void
test_ferry_converges_alone(void **state)
{
    char v[64];
    struct db_mig m;

    (void)state;
    ferry_on("{}");
    cfg.link_bandwidth_mib = 64;
    m = wait_terminal(start_migration(false));
    assert_int_equal(m.status, MIG_COMPLETED);
    assert_string_equal(m.policy, "ferry");
    assert_string_equal(fake_where(INSTANCE), "fake://b");
    assert_false(fake_last_flags(INSTANCE) & (VIRT_MIG_POSTCOPY | VIRT_MIG_AUTO_CONVERGE));
    /* an idle guest: the lowest start, its downtime is about the limit */
    assert_int_equal(fake_max_downtime(INSTANCE), PF_DOWNTIME_MIN_MS);
    forecast_field(m.id, "verdict", v, sizeof(v));
    assert_string_equal(v, "start");
    forecast_field(m.id, "expected_step", v, sizeof(v));
    assert_string_equal(v, "1");
    assert_int_equal(sql_num("SELECT step_reached FROM migrations WHERE id = %d", m.id), 1);
    assert_int_equal(decisions(m.id), 1);   /* the forecast's, nothing after */
}

/* The hot set (32 MiB at 32 MiB/s) needs 1250 ms: set once, inside the
 * 2000 ms budget, and the iterations are kept. */
static void
test_ferry_step2_downtime(void **state)
{
    struct db_mig m;
    char ev[1200];

    (void)state;
    ferry_on("{\"ferry:max_downtime_ms\": \"2000\"}");
    m = wait_terminal(start_migration(false));
    assert_int_equal(m.status, MIG_COMPLETED);
    assert_int_equal(fake_max_downtime(INSTANCE), 1250);
    assert_int_equal(sql_num("SELECT step_reached FROM migrations WHERE id = %d", m.id), 2);
    assert_true(sql_num("SELECT count(*) FROM migration_iterations WHERE migration_id = %d",
                        m.id) >= 2);
    assert_true(sql_num("SELECT downtime_ms FROM migrations WHERE id = %d", m.id) <= 2000);
    sql_text("SELECT details FROM instance_action_events WHERE event ="
             " 'compute_live_migration_decision' AND details LIKE 'max downtime 1250 ms%%'"
             " AND %d > 0", m.id, ev, sizeof(ev));
    assert_non_null(strstr(ev, "hot set 32.0 MiB at 32.0 MiB/s"));
}

/* A guest dirtying as fast as the link, auto-converge allowed and post-copy
 * not: auto-converge is enabled at start with the forecast's throttle. */
static void
test_ferry_auto_converge_at_start(void **state)
{
    struct err err = ERR_INIT;
    char v[64];
    int id, initial, increment;

    (void)state;
    ferry_on("{\"ferry:auto_converge\": \"allowed\"}");
    id = start_migration(false);
    wait_status(id, MIG_RUNNING);
    for (int i = 0; i < 2000 && !fake_last_flags(INSTANCE); i++)
        sleep_ms(10);                   /* the job starts just after running */
    assert_true(fake_last_flags(INSTANCE) & VIRT_MIG_AUTO_CONVERGE);
    assert_false(fake_last_flags(INSTANCE) & VIRT_MIG_POSTCOPY);
    fake_last_auto_converge(INSTANCE, &initial, &increment);
    forecast_field(id, "auto_converge_initial", v, sizeof(v));
    assert_int_equal(initial, atoi(v));
    forecast_field(id, "auto_converge_increment", v, sizeof(v));
    assert_int_equal(increment, atoi(v));
    assert_true(initial >= 5 && increment >= 5);
    forecast_field(id, "expected_step", v, sizeof(v));
    assert_string_equal(v, "3");
    /* the fake does not throttle: end it */
    assert_int_equal(db_mig_request_abort(db, id, "tester", &err), 0);
    assert_int_equal(wait_terminal(id).status, MIG_CANCELLED);
}

/* A hot set beyond the budget, post-copy allowed: switched once the two
 * hot sets after the bulk pass show it, and completed. */
static void
test_ferry_post_copy(void **state)
{
    struct db_mig m;

    (void)state;
    ferry_on("{\"ferry:post_copy\": \"allowed\"}");
    m = wait_terminal(start_migration(false));
    assert_int_equal(m.status, MIG_COMPLETED);
    assert_true(fake_last_flags(INSTANCE) & VIRT_MIG_POSTCOPY);
    assert_true(passed_through(m.id, "running (post-copy)"));
    assert_int_equal(sql_num("SELECT step_reached FROM migrations WHERE id = %d", m.id), 4);
    assert_string_equal(fake_where(INSTANCE), "fake://b");
}

/* Hopeless even alone, nothing permitted: refused before anything is
 * prepared, status error (as Nova's refused pre-checks), the reason says
 * what was measured and what would make it succeed. */
static void
test_ferry_refused_at_start(void **state)
{
    struct db_mig m;
    char ev[1200], want[1200];

    (void)state;
    ferry_on("{}");
    m = wait_terminal(start_migration(false));
    assert_int_equal(m.status, MIG_ERROR);
    assert_non_null(strstr(m.reason, "cannot converge: dirty rate 64.0 MiB/s"));
    assert_non_null(strstr(m.reason, "would succeed with"));
    assert_false(passed_through(m.id, "running"));
    assert_int_equal(sql_num("SELECT count(*) FROM host_requests WHERE migration_id = %d",
                             m.id), 0);
    assert_string_equal(fake_where(INSTANCE), "fake://a");
    assert_instance("a", "");
    event_result("compute_live_migration", ev, sizeof(ev));
    snprintf(want, sizeof(want), "Error: %s", m.reason);
    assert_string_equal(ev, want);
}

/* Forecast fine (the working set bounds what a 1 s measure sees), the job
 * shows a hot set beyond the budget with nothing permitted: aborted at the
 * evidence, cancelled with the numbers. */
static void
test_ferry_aborted_with_reason(void **state)
{
    struct db_mig m;

    (void)state;
    ferry_on("{}");
    m = wait_terminal(start_migration(false));
    assert_int_equal(m.status, MIG_CANCELLED);
    assert_true(strncmp(m.reason, "cancelled: ", 11) == 0);
    assert_non_null(strstr(m.reason, "hot set"));
    assert_int_equal(sql_num("SELECT step_reached FROM migrations WHERE id = %d", m.id), 5);
    assert_string_equal(fake_where(INSTANCE), "fake://a");
    assert_int_equal(fake_power_state(INSTANCE), 1);
}

/* Another migration from a uses 24 of the link's 32 MiB/s: this one would
 * stall on the 8 left, so it waits queued with its reason, is not claimed
 * before its retry time, and starts once the link is free. */
static void
test_ferry_queued_then_started(void **state)
{
    struct err err = ERR_INIT;
    struct db_mig m, again;
    int id;

    (void)state;
    ferry_on("{\"ferry:max_downtime_ms\": \"2000\"}");
    sql("INSERT INTO instances (uuid, display_name, domain_name, project_id, user_id, host,"
        " node, flavor_id, memory_mb, vcpus, power_state, launched_at) VALUES"
        " ('7e3b1a4c-0000-4000-8000-000000000002', 'other', 'other', 'p', 'u', 'b', 'b', 1, 64,"
        " 1, 1, now())");
    sql("INSERT INTO migrations (uuid, instance_uuid, source_compute, dest_compute, status,"
        " migration_type) VALUES (gen_random_uuid(), '7e3b1a4c-0000-4000-8000-000000000002',"
        " 'b', 'a', 'running', 'live-migration')");
    sql("INSERT INTO migration_samples (migration_id, slot, seq, elapsed_ms, bandwidth_bps)"
        " SELECT id, 0, 0, 1000, 24 * 1048576 FROM migrations WHERE source_compute = 'b'");
    id = start_migration(false);
    m = wait_status(id, MIG_QUEUED);
    assert_true(strncmp(m.reason, "queued: 8.0 MiB/s left of 32.0 MiB/s", 36) == 0);
    for (int i = 0; i < 100 && host_a.workers > 0; i++)
        sleep_ms(20);
    assert_int_equal(db_mig_take_queued(db, "a", 1, "test", &again, &err), 0);
    /* retried while the other still fills the link, now with other numbers:
     * queued again, its reason current, and still one event */
    sql("UPDATE migration_samples SET bandwidth_bps = 28 * 1048576 WHERE migration_id ="
        " (SELECT id FROM migrations WHERE source_compute = 'b')");
    sql("UPDATE migrations SET admit_after = clock_timestamp() WHERE source_compute = 'a'");
    /* and its measure now reads nothing (counted 0, as a page sample of a
     * small guest can read): the rate that queued it still holds it */
    fake_fail_next("fake://a", "dirty_rate", 1, ERR_INTERNAL);
    assert_int_equal(db_mig_take_queued(db, "a", 1, "test", &again, &err), 1);
    assert_int_equal(worker_spawn(&host_a, &again, &err), 0);
    for (int i = 0; i < 200; i++) {
        m = wait_status(id, MIG_QUEUED);
        if (strncmp(m.reason, "queued: 4.0 MiB/s left", 22) == 0)
            break;
        sleep_ms(50);
    }
    assert_true(strncmp(m.reason, "queued: 4.0 MiB/s left of 32.0 MiB/s", 36) == 0);
    assert_int_equal(decisions(id), 1);
    for (int i = 0; i < 100 && host_a.workers > 0; i++)
        sleep_ms(20);
    sql("UPDATE migrations SET status = 'completed' WHERE source_compute = 'b'");
    for (int i = 0; i < 200; i++) {
        int rc = db_mig_take_queued(db, "a", 1, "test", &again, &err);

        assert_true(rc >= 0);
        if (rc == 1)
            break;
        sleep_ms(50);
    }
    assert_int_equal(again.id, id);
    assert_int_equal(worker_spawn(&host_a, &again, &err), 0);
    m = wait_terminal(id);
    assert_int_equal(m.status, MIG_COMPLETED);
    assert_string_equal(fake_where(INSTANCE), "fake://b");
}

/* A dirty rate measured in the background (rates.c, one round) starts the
 * forecast at once: the admission measures nothing (a measure now would
 * fail here and count 0), and the forecast says how old its rate is. */
static void
test_ferry_background_rate(void **state)
{
    struct virt *v;
    struct err err = ERR_INIT;
    struct db_mig m;
    char val[64];

    (void)state;
    ferry_on("{\"ferry:max_downtime_ms\": \"2000\"}");
    assert_int_equal(virt_fake.open("fake://a", &v, &err), 0);
    assert_int_equal(rates_round(&host_a, db, v, &err), 1);
    virt_fake.close(v);
    assert_int_equal(sql_num("SELECT dirty_rate_bps FROM instances WHERE %d = 1", 1), 8 * MB);
    fake_fail_next("fake://a", "dirty_rate", 1, ERR_INTERNAL);
    m = wait_terminal(start_migration(false));
    assert_int_equal(m.status, MIG_COMPLETED);
    forecast_field(m.id, "dirty_rate_bps", val, sizeof(val));
    assert_int_equal(atoll(val), 8 * MB);
    forecast_field(m.id, "dirty_rate_age_ms", val, sizeof(val));
    assert_true(val[0] != '\0' && atoll(val) >= 0);
}

/* A background round starts every guest's measure at once (each QEMU
 * measures its own), records the ones that may be measured, and skips a
 * guest with a task, one that is not running and one measured by someone
 * else over another period. */
static void
test_rates_round_at_once(void **state)
{
    static const char *const uuids[] = {
        "7e3b1a4c-0000-4000-8000-000000000011", "7e3b1a4c-0000-4000-8000-000000000012",
        "7e3b1a4c-0000-4000-8000-000000000013", "7e3b1a4c-0000-4000-8000-000000000014",
    };
    struct virt *v;
    struct err err = ERR_INIT;
    char q[600];

    (void)state;
    for (int i = 0; i < 4; i++) {
        fake_add_domain("fake://a", uuids[i], uuids[i] + 30, 64, &hotset_fits);
        snprintf(q, sizeof(q), "INSERT INTO instances (uuid, display_name, domain_name,"
                 " project_id, user_id, host, node, flavor_id, memory_mb, vcpus, power_state,"
                 " task_state, launched_at) VALUES ('%s', 'vm', '%s', 'p', 'u', 'a', 'a', 1,"
                 " 64, 1, 1, %s, now())", uuids[i], uuids[i] + 30,
                 i == 1 ? "'migrating'" : "NULL");
        sql(q);
    }
    assert_int_equal(virt_fake.open("fake://a", &v, &err), 0);
    assert_int_equal(virt_fake.suspend(v, uuids[2], &err), 0);
    assert_int_equal(virt_fake.dirty_rate_start(v, uuids[3], 30, &err), 0);
    /* INSTANCE and uuids[0]; uuids[3]'s 30 s calculation runs on */
    assert_int_equal(rates_round(&host_a, db, v, &err), 2);
    virt_fake.close(v);
    /* uuids[3]'s, then the round's two, before any result was read */
    assert_int_equal(fake_dirty_rate_started_unread(), 3);
    /* hotset_fits's guests, page-sampled over 1 s (8 MiB/s, under their
     * working set); recorded as ending when the measure did */
    assert_int_equal(sql_num("SELECT count(*) FROM instances WHERE dirty_rate_at IS NOT NULL"
                             " AND dirty_rate_period_s = 1 AND dirty_rate_bps = %d"
                             " AND dirty_rate_at <= now()", (int)(8 * MB)), 2);
    assert_int_equal(sql_num("SELECT count(*) FROM instances WHERE dirty_rate_at IS NOT NULL"
                             " AND uuid IN ('" INSTANCE "', '7e3b1a4c-0000-4000-8000-000000000011')"
                             " AND %d = 1", 1), 2);
}

/* A background rate that would refuse (200 MiB/s on a 32 MiB/s link) is
 * not trusted for a refusal: measured now, the guest is idle and starts. */
static void
test_ferry_refusal_measured_now(void **state)
{
    struct db_mig m;
    char val[64];

    (void)state;
    ferry_on("{}");
    sql("UPDATE instances SET dirty_rate_bps = 200 * 1048576, dirty_rate_period_s = 1,"
        " dirty_rate_at = now()");
    m = wait_terminal(start_migration(false));
    assert_int_equal(m.status, MIG_COMPLETED);
    forecast_field(m.id, "dirty_rate_bps", val, sizeof(val));
    assert_string_equal(val, "0");
    forecast_field(m.id, "dirty_rate_age_ms", val, sizeof(val));
    assert_string_equal(val, "");
}

/* A migration under the ferry policy whose guest's next two dirty-rate
 * readings are first and second: it ends, and the forecast measured twice. */
static struct db_mig
ferry_on_readings(int64_t first, int64_t second)
{
    const int64_t readings[] = { first, second };
    int reads;
    struct db_mig m;

    ferry_on("{}");
    fake_dirty_readings(INSTANCE, readings, 2);
    reads = fake_dirty_reads(INSTANCE);
    m = wait_terminal(start_migration(false));
    assert_int_equal(fake_dirty_reads(INSTANCE) - reads, 2);
    return m;
}

/* A refusal is final, so a reading that would refuse is measured again and
 * judged on the lower: a first reading of 200 MiB/s (page sampling's
 * chance) then 0 starts the migration ... */
static void
test_ferry_refusal_by_chance(void **state)
{
    struct db_mig m;
    char val[64];

    (void)state;
    m = ferry_on_readings(200 * MB, 0);
    assert_int_equal(m.status, MIG_COMPLETED);
    forecast_field(m.id, "dirty_rate_bps", val, sizeof(val));
    assert_string_equal(val, "0");
}

/* ... and 200 then 180 refuses it, on 180. */
static void
test_ferry_refusal_confirmed(void **state)
{
    struct db_mig m;

    (void)state;
    m = ferry_on_readings(200 * MB, 180 * MB);
    assert_int_equal(m.status, MIG_ERROR);
    assert_non_null(strstr(m.reason, "cannot converge: dirty rate 180.0 MiB/s"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        CASE(test_completes, converging),
        CASE(test_monitor_wakes_when_job_ends, converging),
        CASE(test_abort_running, hot),
        CASE(test_abort_preparing, hot),
        CASE(test_job_fails, breaking),
        CASE(test_pre_live_migration_fails, converging),
        CASE(test_pre_live_migration_late, converging),
        CASE(test_force_complete_postcopy, hot),
        CASE(test_force_complete_pause, hot),
        CASE(test_timeout_abort, hot),
        CASE(test_timeout_force_complete, hot),
        CASE(test_cpu_refused, converging),
        CASE(test_cpu_host_model_kvm, converging),
        CASE(test_cpu_emulated_not_compared, converging),
        CASE(test_block_rolled_back, breaking),
        CASE(test_block_rolled_back, hot),
        CASE(test_recover_preparing, converging),
        CASE(test_hostreq_reanswered_after_restart, converging),
        CASE(test_hostreq_reconnects, converging),
        CASE(test_completed_when_post_fails, converging),
        CASE(test_abort_retried, hot),
        CASE(test_postcopy_broken_resumed, slow_breaking),
        CASE(test_postcopy_never_resumed, slow_breaking),
        CASE(test_paused_guest_no_postcopy, converging),
        CASE(test_block_backing_copied_whole, converging),
        CASE(test_block_forwarded_disks, converging),
        CASE(test_storage_error_keeps_cause, converging),
        CASE(test_memory_by_accounting_accepts, converging),
        CASE(test_memory_accounting_full_refuses, converging),
        CASE(test_records_guest_opts, converging),
        CASE(test_post_copy_forbidden_force_complete, hot),
        CASE(test_post_copy_forbidden_timeout, hot),
        CASE(test_ferry_converges_alone, converging),
        CASE(test_ferry_step2_downtime, hotset_fits),
        CASE(test_ferry_auto_converge_at_start, cpu_bound),
        CASE(test_ferry_post_copy, hot),
        CASE(test_ferry_refused_at_start, cpu_bound),
        CASE(test_ferry_aborted_with_reason, hot_hidden),
        CASE(test_ferry_queued_then_started, shared_busy),
        CASE(test_ferry_background_rate, hotset_fits),
        CASE(test_ferry_refusal_measured_now, converging),
        CASE(test_ferry_refusal_by_chance, converging),
        CASE(test_ferry_refusal_confirmed, converging),
        CASE(test_rates_round_at_once, hotset_fits),
    };

    log_init("test_worker", LOG_LVL_WARN);
    if (getenv("TEST_WORKER_ONLY"))     /* a glob of case names, for one's own runs */
        cmocka_set_test_filter(getenv("TEST_WORKER_ONLY"));
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
