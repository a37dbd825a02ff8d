/* test_view.c - the migration views' bodies, to the byte: keys, their
 * order, nulls, and what each microversion adds (GET /servers/{id}/
 * migrations, GET /os-migrations, GET /ferry/v1/migrations/{id}). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/api.h"
#include "api/view.h"
#include "common/mig_state.h"
#include "common/nova.h"
#include "db/db_mig.h"

#define UUID_M "5a5c1c9e-0000-4000-8000-000000000001"
#define UUID_I "5a5c1c9e-0000-4000-8000-0000000000aa"

/* A running live migration with its memory counters, a destination node
 * not known yet, the ferry policy's choices partly recorded. */
static struct db_mig
mig_running(void)
{
    struct db_mig m;

    memset(&m, 0, sizeof(m));
    m.id = 7;
    strcpy(m.uuid, UUID_M);
    strcpy(m.instance_uuid, UUID_I);
    strcpy(m.migration_type, "live-migration");
    m.status = MIG_RUNNING;
    strcpy(m.status_text, "running");
    strcpy(m.source_compute, "src");
    strcpy(m.dest_compute, "dst");
    strcpy(m.source_node, "src.node");
    strcpy(m.dest_host, "127.0.0.2");
    m.old_instance_type_id = 3;
    m.has_memory = true;
    m.memory_total = 1000;
    m.memory_processed = 600;
    m.memory_remaining = 400;
    strcpy(m.user_id, "u1");
    m.created_us = 1700000000123456;
    strcpy(m.policy, "ferry");
    m.max_downtime_ms = -1;
    m.post_copy_permitted = 1;
    m.auto_converge_permitted = 0;
    m.downtime_ms = -1;
    m.data_sent_bytes = -1;
    m.started_us = 1700000001000000;
    return m;
}

/* A finished cold migration: disk counters, every choice and cost known. */
static struct db_mig
mig_done(void)
{
    struct db_mig m = mig_running();

    strcpy(m.migration_type, "migration");
    m.status = MIG_COMPLETED;
    strcpy(m.status_text, "completed");
    strcpy(m.dest_node, "dst.node");
    m.old_instance_type_id = 0;
    m.new_instance_type_id = 4;
    m.has_memory = false;
    m.has_disk = true;
    m.disk_total = 50;
    m.disk_processed = 50;
    m.disk_remaining = 0;
    strcpy(m.project_id, "p1");
    m.updated_us = 1700000009000000;
    strcpy(m.policy_requested, "nova");
    m.max_downtime_ms = 500;
    m.post_copy_permitted = -1;
    m.auto_converge_permitted = -1;
    m.downtime_ms = 42;
    strcpy(m.downtime_source, "job_stats");
    m.data_sent_bytes = 123456789012;
    m.finished_us = 1700000009000000;
    strcpy(m.reason, "done");
    return m;
}

enum which { SERVER_MIGRATION, OS_MIGRATION, FERRY_MIGRATION };

struct row {
    enum which which;
    bool done;                      /* mig_done(), else mig_running() */
    int mv;
    bool include_host;
    const char *want;
};

static const struct row rows[] = {
    { SERVER_MIGRATION, false, MV(2, 1), true,
      "{\"created_at\":\"2023-11-14T22:13:20.123456\",\"dest_compute\":\"dst\","
      "\"dest_host\":\"127.0.0.2\",\"dest_node\":null,\"disk_processed_bytes\":"
      "null,\"disk_remaining_bytes\":null,\"disk_total_bytes\":null,\"id\":7,\""
      "memory_processed_bytes\":600,\"memory_remaining_bytes\":400,\"memory_tot"
      "al_bytes\":1000,\"server_uuid\":\"5a5c1c9e-0000-4000-8000-0000000000aa\""
      ",\"source_compute\":\"src\",\"source_node\":\"src.node\",\"status\":\"ru"
      "nning\",\"updated_at\":null}" },
    { OS_MIGRATION, false, MV(2, 1), true,
      "{\"id\":7,\"source_compute\":\"src\",\"dest_compute\":\"dst\",\"source_n"
      "ode\":\"src.node\",\"dest_node\":null,\"dest_host\":\"127.0.0.2\",\"old_"
      "instance_type_id\":3,\"new_instance_type_id\":null,\"instance_uuid\":\"5"
      "a5c1c9e-0000-4000-8000-0000000000aa\",\"status\":\"running\",\"created_a"
      "t\":\"2023-11-14T22:13:20.123456\",\"updated_at\":null}" },
    { SERVER_MIGRATION, false, MV(2, 1), false,
      "{\"created_at\":\"2023-11-14T22:13:20.123456\",\"dest_compute\":null,\"d"
      "est_host\":null,\"dest_node\":null,\"disk_processed_bytes\":null,\"disk_"
      "remaining_bytes\":null,\"disk_total_bytes\":null,\"id\":7,\"memory_proce"
      "ssed_bytes\":600,\"memory_remaining_bytes\":400,\"memory_total_bytes\":1"
      "000,\"server_uuid\":\"5a5c1c9e-0000-4000-8000-0000000000aa\",\"source_co"
      "mpute\":null,\"source_node\":null,\"status\":\"running\",\"updated_at\":"
      "null}" },
    { OS_MIGRATION, false, MV(2, 1), false,
      "{\"id\":7,\"source_compute\":null,\"dest_compute\":null,\"source_node\":"
      "null,\"dest_node\":null,\"dest_host\":null,\"old_instance_type_id\":3,\""
      "new_instance_type_id\":null,\"instance_uuid\":\"5a5c1c9e-0000-4000-8000-"
      "0000000000aa\",\"status\":\"running\",\"created_at\":\"2023-11-14T22:13:"
      "20.123456\",\"updated_at\":null}" },
    { SERVER_MIGRATION, false, MV(2, 23), true,
      "{\"created_at\":\"2023-11-14T22:13:20.123456\",\"dest_compute\":\"dst\","
      "\"dest_host\":\"127.0.0.2\",\"dest_node\":null,\"disk_processed_bytes\":"
      "null,\"disk_remaining_bytes\":null,\"disk_total_bytes\":null,\"id\":7,\""
      "memory_processed_bytes\":600,\"memory_remaining_bytes\":400,\"memory_tot"
      "al_bytes\":1000,\"server_uuid\":\"5a5c1c9e-0000-4000-8000-0000000000aa\""
      ",\"source_compute\":\"src\",\"source_node\":\"src.node\",\"status\":\"ru"
      "nning\",\"updated_at\":null}" },
    { OS_MIGRATION, false, MV(2, 23), true,
      "{\"id\":7,\"source_compute\":\"src\",\"dest_compute\":\"dst\",\"source_n"
      "ode\":\"src.node\",\"dest_node\":null,\"dest_host\":\"127.0.0.2\",\"old_"
      "instance_type_id\":3,\"new_instance_type_id\":null,\"instance_uuid\":\"5"
      "a5c1c9e-0000-4000-8000-0000000000aa\",\"status\":\"running\",\"migration"
      "_type\":\"live-migration\",\"created_at\":\"2023-11-14T22:13:20.123456\""
      ",\"updated_at\":null,\"links\":[{\"rel\":\"self\",\"href\":\"http://h/v2"
      ".1/servers/5a5c1c9e-0000-4000-8000-0000000000aa/migrations/7\"},{\"rel\""
      ":\"bookmark\",\"href\":\"http://h/servers/5a5c1c9e-0000-4000-8000-000000"
      "0000aa/migrations/7\"}]}" },
    { SERVER_MIGRATION, false, MV(2, 23), false,
      "{\"created_at\":\"2023-11-14T22:13:20.123456\",\"dest_compute\":null,\"d"
      "est_host\":null,\"dest_node\":null,\"disk_processed_bytes\":null,\"disk_"
      "remaining_bytes\":null,\"disk_total_bytes\":null,\"id\":7,\"memory_proce"
      "ssed_bytes\":600,\"memory_remaining_bytes\":400,\"memory_total_bytes\":1"
      "000,\"server_uuid\":\"5a5c1c9e-0000-4000-8000-0000000000aa\",\"source_co"
      "mpute\":null,\"source_node\":null,\"status\":\"running\",\"updated_at\":"
      "null}" },
    { OS_MIGRATION, false, MV(2, 23), false,
      "{\"id\":7,\"source_compute\":null,\"dest_compute\":null,\"source_node\":"
      "null,\"dest_node\":null,\"dest_host\":null,\"old_instance_type_id\":3,\""
      "new_instance_type_id\":null,\"instance_uuid\":\"5a5c1c9e-0000-4000-8000-"
      "0000000000aa\",\"status\":\"running\",\"migration_type\":\"live-migratio"
      "n\",\"created_at\":\"2023-11-14T22:13:20.123456\",\"updated_at\":null,\""
      "links\":[{\"rel\":\"self\",\"href\":\"http://h/v2.1/servers/5a5c1c9e-000"
      "0-4000-8000-0000000000aa/migrations/7\"},{\"rel\":\"bookmark\",\"href\":"
      "\"http://h/servers/5a5c1c9e-0000-4000-8000-0000000000aa/migrations/7\"}]"
      "}" },
    { SERVER_MIGRATION, false, MV(2, 59), true,
      "{\"created_at\":\"2023-11-14T22:13:20.123456\",\"dest_compute\":\"dst\","
      "\"dest_host\":\"127.0.0.2\",\"dest_node\":null,\"disk_processed_bytes\":"
      "null,\"disk_remaining_bytes\":null,\"disk_total_bytes\":null,\"id\":7,\""
      "memory_processed_bytes\":600,\"memory_remaining_bytes\":400,\"memory_tot"
      "al_bytes\":1000,\"server_uuid\":\"5a5c1c9e-0000-4000-8000-0000000000aa\""
      ",\"source_compute\":\"src\",\"source_node\":\"src.node\",\"status\":\"ru"
      "nning\",\"updated_at\":null,\"uuid\":\"5a5c1c9e-0000-4000-8000-000000000"
      "001\"}" },
    { OS_MIGRATION, false, MV(2, 59), true,
      "{\"id\":7,\"uuid\":\"5a5c1c9e-0000-4000-8000-000000000001\",\"source_com"
      "pute\":\"src\",\"dest_compute\":\"dst\",\"source_node\":\"src.node\",\"d"
      "est_node\":null,\"dest_host\":\"127.0.0.2\",\"old_instance_type_id\":3,"
      "\"new_instance_type_id\":null,\"instance_uuid\":\"5a5c1c9e-0000-4000-800"
      "0-0000000000aa\",\"status\":\"running\",\"migration_type\":\"live-migrat"
      "ion\",\"created_at\":\"2023-11-14T22:13:20.123456\",\"updated_at\":null,"
      "\"links\":[{\"rel\":\"self\",\"href\":\"http://h/v2.1/servers/5a5c1c9e-0"
      "000-4000-8000-0000000000aa/migrations/7\"},{\"rel\":\"bookmark\",\"href"
      "\":\"http://h/servers/5a5c1c9e-0000-4000-8000-0000000000aa/migrations/7"
      "\"}]}" },
    { SERVER_MIGRATION, false, MV(2, 59), false,
      "{\"created_at\":\"2023-11-14T22:13:20.123456\",\"dest_compute\":null,\"d"
      "est_host\":null,\"dest_node\":null,\"disk_processed_bytes\":null,\"disk_"
      "remaining_bytes\":null,\"disk_total_bytes\":null,\"id\":7,\"memory_proce"
      "ssed_bytes\":600,\"memory_remaining_bytes\":400,\"memory_total_bytes\":1"
      "000,\"server_uuid\":\"5a5c1c9e-0000-4000-8000-0000000000aa\",\"source_co"
      "mpute\":null,\"source_node\":null,\"status\":\"running\",\"updated_at\":"
      "null,\"uuid\":\"5a5c1c9e-0000-4000-8000-000000000001\"}" },
    { OS_MIGRATION, false, MV(2, 59), false,
      "{\"id\":7,\"uuid\":\"5a5c1c9e-0000-4000-8000-000000000001\",\"source_com"
      "pute\":null,\"dest_compute\":null,\"source_node\":null,\"dest_node\":nul"
      "l,\"dest_host\":null,\"old_instance_type_id\":3,\"new_instance_type_id\""
      ":null,\"instance_uuid\":\"5a5c1c9e-0000-4000-8000-0000000000aa\",\"statu"
      "s\":\"running\",\"migration_type\":\"live-migration\",\"created_at\":\"2"
      "023-11-14T22:13:20.123456\",\"updated_at\":null,\"links\":[{\"rel\":\"se"
      "lf\",\"href\":\"http://h/v2.1/servers/5a5c1c9e-0000-4000-8000-0000000000"
      "aa/migrations/7\"},{\"rel\":\"bookmark\",\"href\":\"http://h/servers/5a5"
      "c1c9e-0000-4000-8000-0000000000aa/migrations/7\"}]}" },
    { SERVER_MIGRATION, false, MV(2, 80), true,
      "{\"created_at\":\"2023-11-14T22:13:20.123456\",\"dest_compute\":\"dst\","
      "\"dest_host\":\"127.0.0.2\",\"dest_node\":null,\"disk_processed_bytes\":"
      "null,\"disk_remaining_bytes\":null,\"disk_total_bytes\":null,\"id\":7,\""
      "memory_processed_bytes\":600,\"memory_remaining_bytes\":400,\"memory_tot"
      "al_bytes\":1000,\"server_uuid\":\"5a5c1c9e-0000-4000-8000-0000000000aa\""
      ",\"source_compute\":\"src\",\"source_node\":\"src.node\",\"status\":\"ru"
      "nning\",\"updated_at\":null,\"uuid\":\"5a5c1c9e-0000-4000-8000-000000000"
      "001\",\"user_id\":\"u1\",\"project_id\":null}" },
    { OS_MIGRATION, false, MV(2, 80), true,
      "{\"id\":7,\"uuid\":\"5a5c1c9e-0000-4000-8000-000000000001\",\"source_com"
      "pute\":\"src\",\"dest_compute\":\"dst\",\"source_node\":\"src.node\",\"d"
      "est_node\":null,\"dest_host\":\"127.0.0.2\",\"old_instance_type_id\":3,"
      "\"new_instance_type_id\":null,\"instance_uuid\":\"5a5c1c9e-0000-4000-800"
      "0-0000000000aa\",\"status\":\"running\",\"migration_type\":\"live-migrat"
      "ion\",\"user_id\":\"u1\",\"project_id\":null,\"created_at\":\"2023-11-14"
      "T22:13:20.123456\",\"updated_at\":null,\"links\":[{\"rel\":\"self\",\"hr"
      "ef\":\"http://h/v2.1/servers/5a5c1c9e-0000-4000-8000-0000000000aa/migrat"
      "ions/7\"},{\"rel\":\"bookmark\",\"href\":\"http://h/servers/5a5c1c9e-000"
      "0-4000-8000-0000000000aa/migrations/7\"}]}" },
    { SERVER_MIGRATION, false, MV(2, 80), false,
      "{\"created_at\":\"2023-11-14T22:13:20.123456\",\"dest_compute\":null,\"d"
      "est_host\":null,\"dest_node\":null,\"disk_processed_bytes\":null,\"disk_"
      "remaining_bytes\":null,\"disk_total_bytes\":null,\"id\":7,\"memory_proce"
      "ssed_bytes\":600,\"memory_remaining_bytes\":400,\"memory_total_bytes\":1"
      "000,\"server_uuid\":\"5a5c1c9e-0000-4000-8000-0000000000aa\",\"source_co"
      "mpute\":null,\"source_node\":null,\"status\":\"running\",\"updated_at\":"
      "null,\"uuid\":\"5a5c1c9e-0000-4000-8000-000000000001\",\"user_id\":\"u1"
      "\",\"project_id\":null}" },
    { OS_MIGRATION, false, MV(2, 80), false,
      "{\"id\":7,\"uuid\":\"5a5c1c9e-0000-4000-8000-000000000001\",\"source_com"
      "pute\":null,\"dest_compute\":null,\"source_node\":null,\"dest_node\":nul"
      "l,\"dest_host\":null,\"old_instance_type_id\":3,\"new_instance_type_id\""
      ":null,\"instance_uuid\":\"5a5c1c9e-0000-4000-8000-0000000000aa\",\"statu"
      "s\":\"running\",\"migration_type\":\"live-migration\",\"user_id\":\"u1\""
      ",\"project_id\":null,\"created_at\":\"2023-11-14T22:13:20.123456\",\"upd"
      "ated_at\":null,\"links\":[{\"rel\":\"self\",\"href\":\"http://h/v2.1/ser"
      "vers/5a5c1c9e-0000-4000-8000-0000000000aa/migrations/7\"},{\"rel\":\"boo"
      "kmark\",\"href\":\"http://h/servers/5a5c1c9e-0000-4000-8000-0000000000aa"
      "/migrations/7\"}]}" },
    { FERRY_MIGRATION, false, MV(2, 1), true,
      "{\"id\":7,\"uuid\":\"5a5c1c9e-0000-4000-8000-000000000001\",\"instance_u"
      "uid\":\"5a5c1c9e-0000-4000-8000-0000000000aa\",\"migration_type\":\"live"
      "-migration\",\"status\":\"running\",\"source_compute\":\"src\",\"source_"
      "node\":\"src.node\",\"dest_compute\":\"dst\",\"dest_node\":null,\"dest_h"
      "ost\":\"127.0.0.2\",\"policy\":\"ferry\",\"policy_requested\":null,\"max"
      "_downtime_ms\":null,\"post_copy\":\"allowed\",\"auto_converge\":\"forbid"
      "den\",\"downtime_ms\":null,\"downtime_source\":null,\"data_sent_bytes\":"
      "null,\"created_at\":\"2023-11-14T22:13:20.123456\",\"updated_at\":null,"
      "\"started_at\":\"2023-11-14T22:13:21.000000\",\"finished_at\":null,\"rea"
      "son\":null,\"events\":[]}" },
    { SERVER_MIGRATION, true, MV(2, 1), true,
      "{\"created_at\":\"2023-11-14T22:13:20.123456\",\"dest_compute\":\"dst\","
      "\"dest_host\":\"127.0.0.2\",\"dest_node\":\"dst.node\",\"disk_processed_"
      "bytes\":50,\"disk_remaining_bytes\":0,\"disk_total_bytes\":50,\"id\":7,"
      "\"memory_processed_bytes\":null,\"memory_remaining_bytes\":null,\"memory"
      "_total_bytes\":null,\"server_uuid\":\"5a5c1c9e-0000-4000-8000-0000000000"
      "aa\",\"source_compute\":\"src\",\"source_node\":\"src.node\",\"status\":"
      "\"completed\",\"updated_at\":\"2023-11-14T22:13:29.000000\"}" },
    { OS_MIGRATION, true, MV(2, 1), true,
      "{\"id\":7,\"source_compute\":\"src\",\"dest_compute\":\"dst\",\"source_n"
      "ode\":\"src.node\",\"dest_node\":\"dst.node\",\"dest_host\":\"127.0.0.2"
      "\",\"old_instance_type_id\":null,\"new_instance_type_id\":4,\"instance_u"
      "uid\":\"5a5c1c9e-0000-4000-8000-0000000000aa\",\"status\":\"completed\","
      "\"created_at\":\"2023-11-14T22:13:20.123456\",\"updated_at\":\"2023-11-1"
      "4T22:13:29.000000\"}" },
    { SERVER_MIGRATION, true, MV(2, 1), false,
      "{\"created_at\":\"2023-11-14T22:13:20.123456\",\"dest_compute\":null,\"d"
      "est_host\":null,\"dest_node\":null,\"disk_processed_bytes\":50,\"disk_re"
      "maining_bytes\":0,\"disk_total_bytes\":50,\"id\":7,\"memory_processed_by"
      "tes\":null,\"memory_remaining_bytes\":null,\"memory_total_bytes\":null,"
      "\"server_uuid\":\"5a5c1c9e-0000-4000-8000-0000000000aa\",\"source_comput"
      "e\":null,\"source_node\":null,\"status\":\"completed\",\"updated_at\":\""
      "2023-11-14T22:13:29.000000\"}" },
    { OS_MIGRATION, true, MV(2, 1), false,
      "{\"id\":7,\"source_compute\":null,\"dest_compute\":null,\"source_node\":"
      "null,\"dest_node\":null,\"dest_host\":null,\"old_instance_type_id\":null"
      ",\"new_instance_type_id\":4,\"instance_uuid\":\"5a5c1c9e-0000-4000-8000-"
      "0000000000aa\",\"status\":\"completed\",\"created_at\":\"2023-11-14T22:1"
      "3:20.123456\",\"updated_at\":\"2023-11-14T22:13:29.000000\"}" },
    { SERVER_MIGRATION, true, MV(2, 23), true,
      "{\"created_at\":\"2023-11-14T22:13:20.123456\",\"dest_compute\":\"dst\","
      "\"dest_host\":\"127.0.0.2\",\"dest_node\":\"dst.node\",\"disk_processed_"
      "bytes\":50,\"disk_remaining_bytes\":0,\"disk_total_bytes\":50,\"id\":7,"
      "\"memory_processed_bytes\":null,\"memory_remaining_bytes\":null,\"memory"
      "_total_bytes\":null,\"server_uuid\":\"5a5c1c9e-0000-4000-8000-0000000000"
      "aa\",\"source_compute\":\"src\",\"source_node\":\"src.node\",\"status\":"
      "\"completed\",\"updated_at\":\"2023-11-14T22:13:29.000000\"}" },
    { OS_MIGRATION, true, MV(2, 23), true,
      "{\"id\":7,\"source_compute\":\"src\",\"dest_compute\":\"dst\",\"source_n"
      "ode\":\"src.node\",\"dest_node\":\"dst.node\",\"dest_host\":\"127.0.0.2"
      "\",\"old_instance_type_id\":null,\"new_instance_type_id\":4,\"instance_u"
      "uid\":\"5a5c1c9e-0000-4000-8000-0000000000aa\",\"status\":\"completed\","
      "\"migration_type\":\"migration\",\"created_at\":\"2023-11-14T22:13:20.12"
      "3456\",\"updated_at\":\"2023-11-14T22:13:29.000000\"}" },
    { SERVER_MIGRATION, true, MV(2, 23), false,
      "{\"created_at\":\"2023-11-14T22:13:20.123456\",\"dest_compute\":null,\"d"
      "est_host\":null,\"dest_node\":null,\"disk_processed_bytes\":50,\"disk_re"
      "maining_bytes\":0,\"disk_total_bytes\":50,\"id\":7,\"memory_processed_by"
      "tes\":null,\"memory_remaining_bytes\":null,\"memory_total_bytes\":null,"
      "\"server_uuid\":\"5a5c1c9e-0000-4000-8000-0000000000aa\",\"source_comput"
      "e\":null,\"source_node\":null,\"status\":\"completed\",\"updated_at\":\""
      "2023-11-14T22:13:29.000000\"}" },
    { OS_MIGRATION, true, MV(2, 23), false,
      "{\"id\":7,\"source_compute\":null,\"dest_compute\":null,\"source_node\":"
      "null,\"dest_node\":null,\"dest_host\":null,\"old_instance_type_id\":null"
      ",\"new_instance_type_id\":4,\"instance_uuid\":\"5a5c1c9e-0000-4000-8000-"
      "0000000000aa\",\"status\":\"completed\",\"migration_type\":\"migration\""
      ",\"created_at\":\"2023-11-14T22:13:20.123456\",\"updated_at\":\"2023-11-"
      "14T22:13:29.000000\"}" },
    { SERVER_MIGRATION, true, MV(2, 59), true,
      "{\"created_at\":\"2023-11-14T22:13:20.123456\",\"dest_compute\":\"dst\","
      "\"dest_host\":\"127.0.0.2\",\"dest_node\":\"dst.node\",\"disk_processed_"
      "bytes\":50,\"disk_remaining_bytes\":0,\"disk_total_bytes\":50,\"id\":7,"
      "\"memory_processed_bytes\":null,\"memory_remaining_bytes\":null,\"memory"
      "_total_bytes\":null,\"server_uuid\":\"5a5c1c9e-0000-4000-8000-0000000000"
      "aa\",\"source_compute\":\"src\",\"source_node\":\"src.node\",\"status\":"
      "\"completed\",\"updated_at\":\"2023-11-14T22:13:29.000000\",\"uuid\":\"5"
      "a5c1c9e-0000-4000-8000-000000000001\"}" },
    { OS_MIGRATION, true, MV(2, 59), true,
      "{\"id\":7,\"uuid\":\"5a5c1c9e-0000-4000-8000-000000000001\",\"source_com"
      "pute\":\"src\",\"dest_compute\":\"dst\",\"source_node\":\"src.node\",\"d"
      "est_node\":\"dst.node\",\"dest_host\":\"127.0.0.2\",\"old_instance_type_"
      "id\":null,\"new_instance_type_id\":4,\"instance_uuid\":\"5a5c1c9e-0000-4"
      "000-8000-0000000000aa\",\"status\":\"completed\",\"migration_type\":\"mi"
      "gration\",\"created_at\":\"2023-11-14T22:13:20.123456\",\"updated_at\":"
      "\"2023-11-14T22:13:29.000000\"}" },
    { SERVER_MIGRATION, true, MV(2, 59), false,
      "{\"created_at\":\"2023-11-14T22:13:20.123456\",\"dest_compute\":null,\"d"
      "est_host\":null,\"dest_node\":null,\"disk_processed_bytes\":50,\"disk_re"
      "maining_bytes\":0,\"disk_total_bytes\":50,\"id\":7,\"memory_processed_by"
      "tes\":null,\"memory_remaining_bytes\":null,\"memory_total_bytes\":null,"
      "\"server_uuid\":\"5a5c1c9e-0000-4000-8000-0000000000aa\",\"source_comput"
      "e\":null,\"source_node\":null,\"status\":\"completed\",\"updated_at\":\""
      "2023-11-14T22:13:29.000000\",\"uuid\":\"5a5c1c9e-0000-4000-8000-00000000"
      "0001\"}" },
    { OS_MIGRATION, true, MV(2, 59), false,
      "{\"id\":7,\"uuid\":\"5a5c1c9e-0000-4000-8000-000000000001\",\"source_com"
      "pute\":null,\"dest_compute\":null,\"source_node\":null,\"dest_node\":nul"
      "l,\"dest_host\":null,\"old_instance_type_id\":null,\"new_instance_type_i"
      "d\":4,\"instance_uuid\":\"5a5c1c9e-0000-4000-8000-0000000000aa\",\"statu"
      "s\":\"completed\",\"migration_type\":\"migration\",\"created_at\":\"2023"
      "-11-14T22:13:20.123456\",\"updated_at\":\"2023-11-14T22:13:29.000000\"}" },
    { SERVER_MIGRATION, true, MV(2, 80), true,
      "{\"created_at\":\"2023-11-14T22:13:20.123456\",\"dest_compute\":\"dst\","
      "\"dest_host\":\"127.0.0.2\",\"dest_node\":\"dst.node\",\"disk_processed_"
      "bytes\":50,\"disk_remaining_bytes\":0,\"disk_total_bytes\":50,\"id\":7,"
      "\"memory_processed_bytes\":null,\"memory_remaining_bytes\":null,\"memory"
      "_total_bytes\":null,\"server_uuid\":\"5a5c1c9e-0000-4000-8000-0000000000"
      "aa\",\"source_compute\":\"src\",\"source_node\":\"src.node\",\"status\":"
      "\"completed\",\"updated_at\":\"2023-11-14T22:13:29.000000\",\"uuid\":\"5"
      "a5c1c9e-0000-4000-8000-000000000001\",\"user_id\":\"u1\",\"project_id\":"
      "\"p1\"}" },
    { OS_MIGRATION, true, MV(2, 80), true,
      "{\"id\":7,\"uuid\":\"5a5c1c9e-0000-4000-8000-000000000001\",\"source_com"
      "pute\":\"src\",\"dest_compute\":\"dst\",\"source_node\":\"src.node\",\"d"
      "est_node\":\"dst.node\",\"dest_host\":\"127.0.0.2\",\"old_instance_type_"
      "id\":null,\"new_instance_type_id\":4,\"instance_uuid\":\"5a5c1c9e-0000-4"
      "000-8000-0000000000aa\",\"status\":\"completed\",\"migration_type\":\"mi"
      "gration\",\"user_id\":\"u1\",\"project_id\":\"p1\",\"created_at\":\"2023"
      "-11-14T22:13:20.123456\",\"updated_at\":\"2023-11-14T22:13:29.000000\"}" },
    { SERVER_MIGRATION, true, MV(2, 80), false,
      "{\"created_at\":\"2023-11-14T22:13:20.123456\",\"dest_compute\":null,\"d"
      "est_host\":null,\"dest_node\":null,\"disk_processed_bytes\":50,\"disk_re"
      "maining_bytes\":0,\"disk_total_bytes\":50,\"id\":7,\"memory_processed_by"
      "tes\":null,\"memory_remaining_bytes\":null,\"memory_total_bytes\":null,"
      "\"server_uuid\":\"5a5c1c9e-0000-4000-8000-0000000000aa\",\"source_comput"
      "e\":null,\"source_node\":null,\"status\":\"completed\",\"updated_at\":\""
      "2023-11-14T22:13:29.000000\",\"uuid\":\"5a5c1c9e-0000-4000-8000-00000000"
      "0001\",\"user_id\":\"u1\",\"project_id\":\"p1\"}" },
    { OS_MIGRATION, true, MV(2, 80), false,
      "{\"id\":7,\"uuid\":\"5a5c1c9e-0000-4000-8000-000000000001\",\"source_com"
      "pute\":null,\"dest_compute\":null,\"source_node\":null,\"dest_node\":nul"
      "l,\"dest_host\":null,\"old_instance_type_id\":null,\"new_instance_type_i"
      "d\":4,\"instance_uuid\":\"5a5c1c9e-0000-4000-8000-0000000000aa\",\"statu"
      "s\":\"completed\",\"migration_type\":\"migration\",\"user_id\":\"u1\",\""
      "project_id\":\"p1\",\"created_at\":\"2023-11-14T22:13:20.123456\",\"upda"
      "ted_at\":\"2023-11-14T22:13:29.000000\"}" },
    { FERRY_MIGRATION, true, MV(2, 1), true,
      "{\"id\":7,\"uuid\":\"5a5c1c9e-0000-4000-8000-000000000001\",\"instance_u"
      "uid\":\"5a5c1c9e-0000-4000-8000-0000000000aa\",\"migration_type\":\"migr"
      "ation\",\"status\":\"completed\",\"source_compute\":\"src\",\"source_nod"
      "e\":\"src.node\",\"dest_compute\":\"dst\",\"dest_node\":\"dst.node\",\"d"
      "est_host\":\"127.0.0.2\",\"policy\":\"ferry\",\"policy_requested\":\"nov"
      "a\",\"max_downtime_ms\":500,\"post_copy\":null,\"auto_converge\":null,\""
      "downtime_ms\":42,\"downtime_source\":\"job_stats\",\"data_sent_bytes\":1"
      "23456789012,\"created_at\":\"2023-11-14T22:13:20.123456\",\"updated_at\""
      ":\"2023-11-14T22:13:29.000000\",\"started_at\":\"2023-11-14T22:13:21.000"
      "000\",\"finished_at\":\"2023-11-14T22:13:29.000000\",\"reason\":\"done\""
      ",\"events\":[]}" },
};

static void
test_views(void **state)
{
    struct ctx c;
    int failed = 0;

    (void)state;
    memset(&c, 0, sizeof(c));
    strcpy(c.base_url, "http://h/v2.1");
    strcpy(c.root_url, "http://h");
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const struct row *r = &rows[i];
        struct db_mig m = r->done ? mig_done() : mig_running();
        json_t *o;
        char *got;

        c.mv = r->mv;
        if (r->which == SERVER_MIGRATION)
            o = view_server_migration(&c, &m, r->include_host);
        else if (r->which == OS_MIGRATION)
            o = view_os_migration(&c, &m, r->include_host);
        else
            o = view_ferry_migration(&m, json_array());
        got = json_dumps(o, JSON_COMPACT);
        if (strcmp(got, r->want) != 0) {
            print_error("row %zu:\n got %s\nwant %s\n", i, got, r->want);
            failed++;
        }
        free(got);
        json_decref(o);
    }
    assert_int_equal(failed, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_views),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
