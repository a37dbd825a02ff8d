/* test_sched.c - destination choice: each filter, the weigher, the reasons,
 * and Nova's forced-destination checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "scheduler/sched.h"

static struct db_host
host(const char *name, bool up, int mem, int used)
{
    struct db_host h;

    memset(&h, 0, sizeof(h));
    snprintf(h.host, sizeof(h.host), "%s", name);
    snprintf(h.hypervisor_type, sizeof(h.hypervisor_type), "QEMU");
    h.hypervisor_version = 7002022;
    h.up = up;
    h.memory_mb = mem;
    h.memory_mb_used = used;
    h.vcpus = 4;
    return h;
}

static struct sched_request
request(void)
{
    struct sched_request rq;

    memset(&rq, 0, sizeof(rq));
    rq.instance_uuid = "11111111-2222-3333-4444-555555555555";
    rq.memory_mb = 256;
    rq.vcpus = 1;
    rq.source = "src";
    rq.hypervisor_type = "QEMU";
    rq.hypervisor_version = 7002022;
    rq.ram_allocation_ratio = 1.0;
    rq.cpu_allocation_ratio = 4.0;
    rq.reserved_host_memory_mb = 512;
    return rq;
}

static void
test_filters_one_by_one(void **state)
{
    struct sched_request rq = request();
    struct db_host h;
    char why[200];

    (void)state;
    h = host("a", true, 4096, 0);
    assert_true(sched_host_passes(&rq, &h, why, sizeof(why)));
    h = host("a", false, 4096, 0);
    assert_false(sched_host_passes(&rq, &h, why, sizeof(why)));
    assert_string_equal(why, "compute service is down (no heartbeat)");
    h = host("a", true, 4096, 0);
    h.disabled = true;
    snprintf(h.disabled_reason, sizeof(h.disabled_reason), "maintenance");
    assert_false(sched_host_passes(&rq, &h, why, sizeof(why)));
    assert_string_equal(why, "compute service is disabled: maintenance");
    h = host("src", true, 4096, 0);
    assert_false(sched_host_passes(&rq, &h, why, sizeof(why)));
    h = host("a", true, 768, 100);      /* 768 - 512 reserved - 100 used = 156 < 256 */
    assert_false(sched_host_passes(&rq, &h, why, sizeof(why)));
    assert_string_equal(why, "not enough free RAM (needs 256 MB, 156 MB free)");
    h = host("a", true, 4096, 0);
    h.hypervisor_version = 6002000;
    assert_false(sched_host_passes(&rq, &h, why, sizeof(why)));
    assert_non_null(strstr(why, "older than the source's"));
    h = host("a", true, 4096, 0);
    snprintf(h.hypervisor_type, sizeof(h.hypervisor_type), "Xen");
    assert_false(sched_host_passes(&rq, &h, why, sizeof(why)));
    h = host("a", true, 4096, 0);
    h.vcpus = 1;
    h.vcpus_used = 4;
    assert_false(sched_host_passes(&rq, &h, why, sizeof(why)));
    assert_string_equal(why, "not enough free vCPUs (needs 1, 0 free)");
    rq.tried[rq.ntried++] = "a";
    h = host("a", true, 4096, 0);
    assert_false(sched_host_passes(&rq, &h, why, sizeof(why)));
    assert_string_equal(why, "already tried");
}

static void
test_pick_most_free_ram(void **state)
{
    struct sched_request rq = request();
    struct db_host hosts[4];
    char why[500];

    (void)state;
    hosts[0] = host("src", true, 65536, 0);
    hosts[1] = host("b", true, 8192, 4096);
    hosts[2] = host("c", true, 8192, 1024);
    hosts[3] = host("d", false, 65536, 0);
    assert_int_equal(sched_pick(&rq, hosts, 4, why, sizeof(why)), 2);
    rq.requested = "b";
    assert_int_equal(sched_pick(&rq, hosts, 4, why, sizeof(why)), 1);
    rq.requested = "d";
    assert_int_equal(sched_pick(&rq, hosts, 4, why, sizeof(why)), -1);
    assert_string_equal(why, "d: compute service is down (no heartbeat)");
}

static void
test_no_host_lists_reasons(void **state)
{
    struct sched_request rq = request();
    struct db_host hosts[3];
    char why[500];

    (void)state;
    hosts[0] = host("src", true, 65536, 0);
    hosts[1] = host("b", false, 8192, 0);
    hosts[2] = host("c", true, 600, 0);
    assert_int_equal(sched_pick(&rq, hosts, 3, why, sizeof(why)), -1);
    assert_string_equal(why, "b: compute service is down (no heartbeat); c: not enough free "
                             "RAM (needs 256 MB, 88 MB free)");
}

static void
test_forced_checks(void **state)
{
    struct sched_request rq = request();
    struct db_host h;
    struct err err = ERR_INIT;

    (void)state;
    h = host("src", true, 4096, 0);
    assert_int_equal(sched_check_forced(&rq, &h, &err), -1);
    assert_string_equal(err.msg, "Unable to migrate instance "
                                 "(11111111-2222-3333-4444-555555555555) to current host (src).");
    h = host("b", false, 4096, 0);
    assert_int_equal(sched_check_forced(&rq, &h, &err), -1);
    assert_string_equal(err.msg, "Compute service of b is unavailable at this time.");
    h = host("b", true, 768, 0);
    assert_int_equal(sched_check_forced(&rq, &h, &err), -1);
    assert_string_equal(err.msg, "Migration pre-check error: Unable to migrate "
                                 "11111111-2222-3333-4444-555555555555 to b: Lack of "
                                 "memory(host:256 <= instance:256)");
    h = host("b", true, 4096, 0);
    assert_int_equal(sched_check_forced(&rq, &h, &err), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filters_one_by_one),
        cmocka_unit_test(test_pick_most_free_ram),
        cmocka_unit_test(test_no_host_lists_reasons),
        cmocka_unit_test(test_forced_checks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
