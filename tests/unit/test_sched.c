/* test_sched.c - destination choice: each filter, the weigher, the reasons,
 * and Nova's forced-destination checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "db/db_host.h"
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
    h.reserved_memory_mb = 512;
    /* as the database computes it with ratios 1.0 and 4.0 */
    h.free_memory_mb = mem - 512 - used;
    h.free_vcpus = 4 * 4;
    return h;
}

/* A guest's required CPU features, as its instance's row carries them
 * (compute/cpu.c decides them from its <cpu>: test_cpu shows which). */
static struct db_cpu_features *
features(struct db_cpu_features *f, const char *const *names)
{
    f->n = 0;
    for (; *names; names++)
        snprintf(f->name[f->n++], sizeof(f->name[0]), "%s", *names);
    return f;
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
    rq.ram_weight = 1.0;
    rq.io_ops_weight = -1.0;
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
    h.free_vcpus = 0;
    assert_false(sched_host_passes(&rq, &h, why, sizeof(why)));
    assert_string_equal(why, "not enough free vCPUs (needs 1, 0 free)");
    rq.tried[rq.ntried++] = "a";
    h = host("a", true, 4096, 0);
    assert_false(sched_host_passes(&rq, &h, why, sizeof(why)));
    assert_string_equal(why, "already tried");
}

/* A candidate of the database's query is judged by the C filter only:
 * what the database's filters decided is not decided again. */
static void
test_candidate_rest_only(void **state)
{
    static const char *const vmx[] = { "vmx", NULL };
    struct sched_request rq = request();
    struct db_host h = host("a", true, 768, 100);   /* the database's RAM filter's */
    struct db_cpu_features f;
    char why[200];

    (void)state;
    assert_false(sched_host_passes(&rq, &h, why, sizeof(why)));
    assert_true(sched_host_passes_rest(&rq, &h, why, sizeof(why)));
    h = host("a", false, 4096, 0);                  /* down: the database's too */
    assert_true(sched_host_passes_rest(&rq, &h, why, sizeof(why)));
    /* the CPU pre-filter is C's: a KVM host without a required feature */
    h = host("a", true, 4096, 0);
    rq.cpu_features = features(&f, vmx);
    snprintf(h.virt_type, sizeof(h.virt_type), "kvm");
    snprintf(h.cpu_model, sizeof(h.cpu_model), "Skylake-Client-IBRS");
    snprintf(h.cpu_features, sizeof(h.cpu_features), "sse,sse2");
    assert_false(sched_host_passes_rest(&rq, &h, why, sizeof(why)));
    assert_false(sched_host_passes(&rq, &h, why, sizeof(why)));
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

/* Nova's normalised weighers: free RAM spreads (or packs, multiplier below
 * 0), incoming migrations keep a busy host for later; ties go by name. */
static void
test_weighers(void **state)
{
    struct sched_request rq = request();
    struct db_host hosts[4];
    int order[4];
    char why[500];

    (void)state;
    hosts[0] = host("d", true, 8192, 0);        /* 7680 free */
    hosts[1] = host("c", true, 8192, 4096);     /* 3584 free */
    hosts[2] = host("b", true, 8192, 1024);     /* 6656 free */
    hosts[3] = host("a", true, 8192, 4096);     /* 3584 free */
    assert_int_equal(sched_rank(&rq, hosts, 4, order, why, sizeof(why)), 4);
    assert_string_equal(hosts[order[0]].host, "d");
    assert_string_equal(hosts[order[1]].host, "b");
    assert_string_equal(hosts[order[2]].host, "a");     /* tie with c: by name */
    assert_string_equal(hosts[order[3]].host, "c");
    /* d receives two migrations already: 1.0 - 1.0 < b's 0.75 - 0 */
    hosts[0].incoming_migrations = 2;
    assert_int_equal(sched_rank(&rq, hosts, 4, order, why, sizeof(why)), 4);
    assert_string_equal(hosts[order[0]].host, "b");
    assert_string_equal(hosts[order[3]].host, "d");
    /* packing: the least free RAM first */
    hosts[0].incoming_migrations = 0;
    rq.ram_weight = -1.0;
    sched_rank(&rq, hosts, 4, order, why, sizeof(why));
    assert_string_equal(hosts[order[0]].host, "a");
    assert_string_equal(hosts[order[3]].host, "d");
    /* no weigher: name order */
    rq.ram_weight = 0;
    sched_rank(&rq, hosts, 4, order, why, sizeof(why));
    assert_string_equal(hosts[order[0]].host, "a");
    assert_string_equal(hosts[order[1]].host, "b");
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
    /* the host that came closest first */
    assert_string_equal(why, "c: not enough free RAM (needs 256 MB, 88 MB free); b: compute "
                             "service is down (no heartbeat)");
}

/* Among thousands of hosts the words name ten and count the rest. */
static void
test_many_refusals_summarised(void **state)
{
    struct sched_request rq = request();
    struct db_host hosts[40];
    char why[4096], name[16];

    (void)state;
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof(name), "h%02d", i);
        hosts[i] = host(name, i % 4 != 0, i % 2 ? 600 : 4096, 0);
        if (i % 4 == 2)
            hosts[i].disabled = true;
    }
    /* 10 down, 10 disabled, 20 without the RAM: those came closest */
    assert_int_equal(sched_pick(&rq, hosts, 40, why, sizeof(why)), -1);
    assert_int_equal(strncmp(why, "h01: not enough free RAM (needs 256 MB, 88 MB free); h03: ",
                             58), 0);
    assert_non_null(strstr(why, "; h19: not enough free RAM (needs 256 MB, 88 MB free); "
                                "and 30 more: 10 not enough free RAM, 10 disabled, 10 down"));
    assert_null(strstr(why, "h21"));
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

static void
test_disk_io_ops_cpu(void **state)
{
    /* what compute reads of a <cpu> that requires avx512f, disables hle and
     * names sse4.2 without a policy (test_cpu) */
    static const char *const avx512f_sse42[] = { "avx512f", "sse4.2", NULL };
    struct sched_request rq = request();
    struct db_cpu_features f;
    struct db_host h;
    char why[200];

    (void)state;
    /* disk: only for block migrations, only where the host reports its size */
    rq.disk_gb = 20;
    h = host("a", true, 4096, 0);
    assert_true(sched_host_passes(&rq, &h, why, sizeof(why)));     /* local_gb unknown */
    h.local_gb = 50;
    h.free_disk_gb = 10;
    assert_false(sched_host_passes(&rq, &h, why, sizeof(why)));
    assert_string_equal(why, "not enough free disk for a block migration (needs 20 GB, 10 GB "
                             "free)");
    rq.disk_gb = 0;
    assert_true(sched_host_passes(&rq, &h, why, sizeof(why)));
    /* io ops: migrations already on their way in */
    rq.max_io_ops = 2;
    h.incoming_migrations = 2;
    assert_false(sched_host_passes(&rq, &h, why, sizeof(why)));
    assert_string_equal(why, "already receiving 2 migrations (max_io_ops_per_host 2)");
    rq.max_io_ops = 0;
    assert_true(sched_host_passes(&rq, &h, why, sizeof(why)));
    /* CPU: a KVM host lacking a feature the guest requires */
    rq.cpu_features = features(&f, avx512f_sse42);
    snprintf(h.virt_type, sizeof(h.virt_type), "kvm");
    snprintf(h.cpu_model, sizeof(h.cpu_model), "Haswell");
    snprintf(h.cpu_features, sizeof(h.cpu_features), "sse4.2,avx2,vmx");
    assert_false(sched_host_passes(&rq, &h, why, sizeof(why)));
    assert_string_equal(why, "its CPU (Haswell) lacks avx512f, which the guest's CPU requires");
    snprintf(h.cpu_features, sizeof(h.cpu_features), "sse4.2,avx512f");
    assert_true(sched_host_passes(&rq, &h, why, sizeof(why)));
    /* an emulated (TCG) host provides features in software: not filtered */
    snprintf(h.virt_type, sizeof(h.virt_type), "qemu");
    snprintf(h.cpu_features, sizeof(h.cpu_features), "vmx");
    assert_true(sched_host_passes(&rq, &h, why, sizeof(why)));
}

/* The pre-filter against a running guest's live XML, as Ferry imports it:
 * libvirt lists features such as `hypervisor` (and x2apic, which KVM
 * emulates) that no bare-metal CPU reports.  A KVM host records what its
 * hypervisor gives guests, the host-model CPU with its model's features
 * expanded (virt_libvirt.c, guest_cpu_features), so the guest passes there;
 * the host's own CPU features would have filtered it off every host. */
static void
test_cpu_live_xml(void **state)
{
    /* what compute reads of a Skylake-Client-IBRS guest's live <cpu> (test_cpu) */
    static const char *const live[] = { "ss", "vmx", "hypervisor", "tsc_adjust", "x2apic",
                                        NULL };
    struct sched_request rq = request();
    struct db_cpu_features f;
    struct db_host h = host("a", true, 4096, 0);
    char why[200];

    (void)state;
    rq.cpu_features = features(&f, live);
    snprintf(h.virt_type, sizeof(h.virt_type), "kvm");
    snprintf(h.cpu_model, sizeof(h.cpu_model), "Skylake-Client-IBRS");
    /* the host CPU of capabilities: the model's extras only, no hypervisor */
    snprintf(h.cpu_features, sizeof(h.cpu_features),
             "ds,acpi,ss,ht,tm,pbe,dtes64,monitor,ds_cpl,vmx,smx,est,tm2,xtpr,pdcm,osxsave,"
             "tsc_adjust,clflushopt,intel-pt,md-clear,stibp,ssbd,xsaves,pdpe1gb,invtsc");
    assert_false(sched_host_passes(&rq, &h, why, sizeof(why)));
    /* what the hypervisor gives guests, expanded: the guest passes */
    snprintf(h.cpu_features, sizeof(h.cpu_features),
             "3dnowprefetch,abm,adx,aes,apic,arat,avx,avx2,bmi1,bmi2,clflush,clflushopt,cmov,"
             "cx16,cx8,de,erms,f16c,fma,fpu,fsgsbase,fxsr,hypervisor,invpcid,invtsc,lahf_lm,lm,"
             "mca,mce,mmx,movbe,msr,mtrr,nx,pae,pat,pcid,pclmuldq,pdpe1gb,pge,pni,popcnt,pse,"
             "pse36,rdrand,rdseed,rdtscp,sep,smap,smep,ss,sse,sse2,sse4.1,sse4.2,ssse3,"
             "syscall,tsc,tsc-deadline,tsc_adjust,vme,vmx,x2apic,xgetbv1,xsave,xsavec");
    assert_true(sched_host_passes(&rq, &h, why, sizeof(why)));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filters_one_by_one),
        cmocka_unit_test(test_candidate_rest_only),
        cmocka_unit_test(test_disk_io_ops_cpu),
        cmocka_unit_test(test_cpu_live_xml),
        cmocka_unit_test(test_pick_most_free_ram),
        cmocka_unit_test(test_weighers),
        cmocka_unit_test(test_many_refusals_summarised),
        cmocka_unit_test(test_no_host_lists_reasons),
        cmocka_unit_test(test_forced_checks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
