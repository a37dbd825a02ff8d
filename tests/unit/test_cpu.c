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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
