/* test_cpu.c - what a destination hands to its hypervisor's CPU comparison
 * (compute/cpu.c), row by row, whatever CPU runs the tests: Intel or AMD
 * sources, KVM or emulated destinations, guests with and without a model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compute/cpu.h"

#define INTEL_INFO "{\"arch\": \"x86_64\", \"model\": \"Skylake-Client-IBRS\", " \
                   "\"vendor\": \"Intel\", \"topology\": {\"cells\": 1, \"sockets\": 1, " \
                   "\"cores\": 2, \"threads\": 1}, \"features\": [\"vmx\", \"avx2\"]}"
#define AMD_INFO   "{\"arch\": \"x86_64\", \"model\": \"EPYC-Rome\", \"vendor\": \"AMD\", " \
                   "\"features\": [\"svm\", \"x2apic\"]}"
/* what libvirt 9.0 shows of a lab guest defined without <cpu> under TCG */
#define LIVE_QEMU64 "<cpu mode='custom' match='exact' check='full'><model fallback='forbid'>" \
                    "qemu64</model><feature policy='require' name='hypervisor'/>" \
                    "<feature policy='require' name='lahf_lm'/></cpu>"

static const struct {
    const char *name;
    const char *virt_type;          /* the destination's [libvirt] virt_type */
    const char *guest;              /* the guest's <cpu>, "" when none */
    const char *source_info;        /* the source host's cpu_info */
    const char *want;               /* compared, or NULL: nothing */
} rows[] = {
    {"emulated: a guest model is not compared", "qemu", LIVE_QEMU64, INTEL_INFO, NULL},
    {"emulated: nor the source CPU", "qemu", "", AMD_INFO, NULL},
    {"an unknown virt type compares nothing", "lxc", LIVE_QEMU64, INTEL_INFO, NULL},
    {"kvm: the guest's own model as it is", "kvm", LIVE_QEMU64, INTEL_INFO, LIVE_QEMU64},
    {"kvm: host-model guest, Intel source", "kvm", "<cpu mode='host-model'/>", INTEL_INFO,
     "<cpu><arch>x86_64</arch><model>Skylake-Client-IBRS</model><vendor>Intel</vendor>"
     "<feature policy='require' name='vmx'/><feature policy='require' name='avx2'/></cpu>"},
    {"kvm: no <cpu>, AMD source", "kvm", "", AMD_INFO,
     "<cpu><arch>x86_64</arch><model>EPYC-Rome</model><vendor>AMD</vendor>"
     "<feature policy='require' name='svm'/><feature policy='require' name='x2apic'/></cpu>"},
    {"kvm: names that are not CPU names stay out", "kvm", "",
     "{\"arch\": \"x86_64\", \"model\": \"EPYC\", \"vendor\": \"AMD\", "
     "\"features\": [\"sse2\", \"x'/><evil\", 7]}",
     "<cpu><arch>x86_64</arch><model>EPYC</model><vendor>AMD</vendor>"
     "<feature policy='require' name='sse2'/></cpu>"},
    {"kvm: a cpu_info naming no CPU compares nothing", "kvm", "",
     "{\"arch\": \"x86_64\", \"model\": \"<x>\", \"vendor\": \"AMD\"}", NULL},
    {"kvm: no cpu_info at all", "kvm", "", "", NULL},
};

static void
test_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char *xml = (char *)"unset";
        int rc = cpu_compare_xml(rows[i].virt_type, rows[i].guest, rows[i].source_info, &xml);

        print_message("%s\n", rows[i].name);
        assert_int_equal(rc, rows[i].want ? 1 : 0);
        if (rows[i].want)
            assert_string_equal(xml, rows[i].want);
        else
            assert_null(xml);
        free(xml);
    }
}

/* What a guest's <cpu> requires, as compute reads it once at import and
 * the scheduler's pre-filter then asks of KVM hosts (test_sched filters on
 * these very lists).  want: the names joined by commas; NULL: an error. */
static const struct {
    const char *name;
    const char *cpu_xml;
    const char *want;
} feature_rows[] = {
    {"no <cpu>", "", ""},
    {"no <cpu> (NULL)", NULL, ""},
    {"host-model: nothing listed", "<cpu mode='host-model' check='partial'/>", ""},
    {"a lab guest's live XML", LIVE_QEMU64, "hypervisor,lahf_lm"},
    {"require and no policy; disable requires nothing",
     "<cpu mode='custom' match='exact'><model>Skylake</model>"
     "<feature policy='require' name='avx512f'/><feature policy='disable' name='hle'/>"
     "<feature name=\"sse4.2\"/></cpu>", "avx512f,sse4.2"},
    {"a Skylake guest's live XML",
     "<cpu mode=\"custom\" match=\"exact\" check=\"full\">"
     "<model fallback=\"forbid\">Skylake-Client-IBRS</model><vendor>Intel</vendor>"
     "<feature policy=\"require\" name=\"ss\"/><feature policy=\"require\" name=\"vmx\"/>"
     "<feature policy=\"require\" name=\"hypervisor\"/>"
     "<feature policy=\"require\" name=\"tsc_adjust\"/>"
     "<feature policy=\"require\" name=\"x2apic\"/>"
     "<feature policy=\"disable\" name=\"mpx\"/></cpu>", "ss,vmx,hypervisor,tsc_adjust,x2apic"},
    {"force requires; optional and forbid do not",
     "<cpu><feature policy='force' name='a'/><feature policy='optional' name='b'/>"
     "<feature policy='forbid' name='c'/></cpu>", "a"},
    {"the policy after the name", "<cpu><feature name='avx' policy='disable'/>"
                                  "<feature name='sse2' policy='require'/></cpu>", "sse2"},
    {"a comment is no feature", "<cpu><!-- <feature name='vmx'/> --><feature name='pni'/></cpu>",
     "pni"},
    {"the <cpu> of a whole domain", "<domain><cpu><feature name='vmx'/></cpu>"
                                    "<features><acpi/></features></domain>", "vmx"},
    {"not XML", "<cpu><feature name='vmx'", NULL},
    {"a name that is not a CPU name", "<cpu><feature name='a b'/></cpu>", NULL},
};

static void
test_required_features(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(feature_rows) / sizeof(feature_rows[0]); i++) {
        struct db_cpu_features f = { .n = -1 };
        struct err err = ERR_INIT;
        char got[512] = "";
        int rc = cpu_required_features(feature_rows[i].cpu_xml, &f, &err);

        print_message("%s\n", feature_rows[i].name);
        assert_int_equal(rc, feature_rows[i].want ? 0 : -1);
        if (!feature_rows[i].want) {
            assert_int_equal(err.code, ERR_INVALID);
            assert_int_equal(f.n, 0);
            continue;
        }
        for (int k = 0; k < f.n; k++)
            snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", k ? "," : "",
                     f.name[k]);
        assert_string_equal(got, feature_rows[i].want);
    }
}

/* More features than an instance's row holds: an error, not a short list
 * (a short one would let the pre-filter pass a host lacking the rest). */
static void
test_required_features_too_many(void **state)
{
    static struct db_cpu_features f;
    struct err err = ERR_INIT;
    char xml[DB_CPU_FEATURES_MAX * 32 + 64];
    size_t len = (size_t)snprintf(xml, sizeof(xml), "<cpu>");

    (void)state;
    for (int i = 0; i <= DB_CPU_FEATURES_MAX; i++) {
        len += (size_t)snprintf(xml + len, sizeof(xml) - len, "<feature name='f%d'/>", i);
        if (i == DB_CPU_FEATURES_MAX - 1) {
            snprintf(xml + len, sizeof(xml) - len, "</cpu>");
            assert_int_equal(cpu_required_features(xml, &f, &err), 0);
            assert_int_equal(f.n, DB_CPU_FEATURES_MAX);
            assert_string_equal(f.name[DB_CPU_FEATURES_MAX - 1], "f127");
        }
    }
    snprintf(xml + len, sizeof(xml) - len, "</cpu>");
    assert_int_equal(cpu_required_features(xml, &f, &err), -1);
    assert_string_equal(err.msg, "the guest's <cpu> requires more than 128 features");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_required_features),
        cmocka_unit_test(test_required_features_too_many),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
