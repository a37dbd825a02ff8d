/* test_msg.c - the host requests' codec (common/msg.c): every message
 * round-trips, decoding is tolerant of what another version adds or leaves
 * out, and a value that does not fit is an error, never cut. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/msg.h"

static struct msg_disks
two_disks(void)
{
    struct msg_disks ds = { 0 };

    ds.n = 2;
    snprintf(ds.d[0].target, sizeof(ds.d[0].target), "vda");
    snprintf(ds.d[0].path, sizeof(ds.d[0].path), "/images/a.qcow2");
    snprintf(ds.d[0].format, sizeof(ds.d[0].format), "qcow2");
    ds.d[0].size = 1LL << 34;
    ds.d[0].physical = 123456789;
    snprintf(ds.d[1].target, sizeof(ds.d[1].target), "vdb");
    snprintf(ds.d[1].path, sizeof(ds.d[1].path), "/images/b.raw");
    snprintf(ds.d[1].format, sizeof(ds.d[1].format), "raw");
    ds.d[1].size = 1 << 20;
    ds.d[1].backing = true;
    return ds;
}

/* encode, decode, and the struct is the same */
static void
round_trip(const struct msg_codec *c, const void *in, void *out, size_t size)
{
    struct err err = ERR_INIT;
    char *text = NULL, *again = NULL;

    assert_int_equal(msg_encode(c, in, &text, &err), 0);
    assert_int_equal(msg_decode(c, text, out, &err), 0);
    assert_int_equal(msg_encode(c, out, &again, &err), 0);
    assert_string_equal(text, again);
    assert_memory_equal(in, out, size);
    free(text);
    free(again);
}

static void
test_round_trips(void **state)
{
    static struct msg_check_dest cd, cd2;
    static struct msg_check_dest_answer ca, ca2;
    static struct msg_pre_live pl, pl2;
    static struct msg_pre_live_answer pa, pa2;
    static struct msg_post_live_answer po, po2;
    static struct msg_rollback rb, rb2;

    (void)state;
    snprintf(cd.g.instance_uuid, sizeof(cd.g.instance_uuid),
             "7e3b1a4c-0000-4000-8000-000000000001");
    snprintf(cd.g.request_id, sizeof(cd.g.request_id), "req-1");
    snprintf(cd.g.domain_name, sizeof(cd.g.domain_name), "vm \"quoted\" \xc3\xa9");
    cd.memory_mb = 4096;
    cd.vcpus = 2;
    snprintf(cd.source_host, sizeof(cd.source_host), "lab-1");
    snprintf(cd.source_cpu_info, sizeof(cd.source_cpu_info), "{\"arch\": \"x86_64\"}");
    cd.block_migration = -1;
    snprintf(cd.cpu_xml, sizeof(cd.cpu_xml), "<cpu mode='custom'><model>qemu64</model></cpu>");
    round_trip(&msg_check_dest_codec, &cd, &cd2, sizeof(cd));
    ca.shared = false;
    ca.block_migration = 1;
    ca.disks = two_disks();
    snprintf(ca.migration_addr, sizeof(ca.migration_addr), "127.0.0.3");
    ca.free_memory_mb = 999;
    round_trip(&msg_check_dest_answer_codec, &ca, &ca2, sizeof(ca));
    pl.g = cd.g;
    pl.block_migration = 0;
    pl.disks = two_disks();
    round_trip(&msg_pre_live_codec, &pl, &pl2, sizeof(pl));
    pa.created.n = 1;
    snprintf(pa.created.p[0], sizeof(pa.created.p[0]), "/images/a.qcow2");
    snprintf(pa.target_connect_addr, sizeof(pa.target_connect_addr), "127.0.0.3");
    round_trip(&msg_pre_live_answer_codec, &pa, &pa2, sizeof(pa));
    po.power_state = 1;
    po.downtime_ms = 42;
    po.data_processed = 1LL << 40;
    po.time_elapsed_ms = 9000;
    po.resumed_at_ms = 1733450000123LL;
    round_trip(&msg_post_live_answer_codec, &po, &po2, sizeof(po));
    rb.g = cd.g;
    rb.created = pa.created;
    round_trip(&msg_rollback_codec, &rb, &rb2, sizeof(rb));
}

/* another version's message: keys this one does not know are ignored, the
 * ones it misses keep their defaults; the older integer tri-state reads */
static void
test_tolerant(void **state)
{
    static struct msg_check_dest cd;
    static struct msg_pre_live pl;
    struct err err = ERR_INIT;

    (void)state;
    assert_int_equal(msg_decode(&msg_check_dest_codec,
                                "{\"v\": 7, \"instance_uuid\": \"u\", \"memory_mb\": 64,"
                                " \"block_migration\": -1, \"a_new_key\": [1, 2]}",
                                &cd, &err),
                     0);
    assert_string_equal(cd.g.instance_uuid, "u");
    assert_int_equal(cd.memory_mb, 64);
    assert_int_equal(cd.block_migration, -1);
    assert_string_equal(cd.cpu_xml, "");
    assert_int_equal(msg_decode(&msg_check_dest_codec, "{\"block_migration\": true}", &cd,
                                &err),
                     0);
    assert_int_equal(cd.block_migration, 1);
    assert_int_equal(msg_decode(&msg_check_dest_codec, "{}", &cd, &err), 0);
    assert_int_equal(cd.block_migration, -1);      /* absent: auto */
    assert_int_equal(msg_decode(&msg_pre_live_codec,
                                "{\"disks\": [{\"path\": \"/i/x\", \"size\": 5}]}", &pl, &err),
                     0);
    assert_int_equal(pl.disks.n, 1);
    assert_string_equal(pl.disks.d[0].path, "/i/x");
    assert_int_equal(pl.disks.d[0].size, 5);
    assert_false(pl.disks.d[0].backing);
}

/* what does not fit or has the wrong type is refused, with the field */
static void
test_refused(void **state)
{
    static struct msg_check_dest cd;
    static struct msg_pre_live pl;
    static const struct {
        const struct msg_codec *c;
        void *msg;
        const char *text;
        const char *want;
    } rows[] = {
        { &msg_check_dest_codec, &cd, "[]", "malformed message" },
        { &msg_check_dest_codec, &cd, "{\"memory_mb\": \"64\"}", "memory_mb is not an integer" },
        { &msg_check_dest_codec, &cd, "{\"instance_uuid\": 5}", "instance_uuid is not a string" },
        { &msg_check_dest_codec, &cd,
          "{\"instance_uuid\": \"0123456789012345678901234567890123456789\"}",
          "instance_uuid is longer than 36 bytes" },
        { &msg_check_dest_codec, &cd, "{\"block_migration\": \"auto\"}", "not a tri-state" },
        { &msg_pre_live_codec, &pl, "{\"disks\": {}}", "disks is not a list" },
        { &msg_pre_live_codec, &pl, "{\"disks\": [5]}", "a disk is not an object" },
        { &msg_pre_live_codec, &pl, "{\"disks\": [{\"size\": 5}]}", "disk path is not a string" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct err err = ERR_INIT;

        assert_int_equal(msg_decode(rows[i].c, rows[i].text, rows[i].msg, &err), -1);
        assert_int_equal(err.code, ERR_INVALID);
        if (!strstr(err.msg, rows[i].want))
            fail_msg("%s: got \"%s\", want \"%s\"", rows[i].text, err.msg, rows[i].want);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_tolerant),
        cmocka_unit_test(test_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
