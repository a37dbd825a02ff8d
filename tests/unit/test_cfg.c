/* test_cfg.c - nova.conf-style configuration: defaults, values, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cfg.h"
#include "common/log.h"

/* Write text to a temporary file; returns its path (static buffer). */
static const char *
conf_file(const char *text)
{
    static char path[64];
    int fd;

    snprintf(path, sizeof(path), "/tmp/ferry-test-cfg-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static int
load(struct cfg *cfg, const char *text, struct err *err)
{
    const char *path = conf_file(text);
    int rc;

    cfg_defaults(cfg);
    rc = cfg_load(cfg, path, err);
    unlink(path);
    return rc;
}

static void
test_defaults_are_novas(void **state)
{
    struct cfg cfg;

    (void)state;
    cfg_defaults(&cfg);
    assert_int_equal(cfg.api_port, 8774);
    assert_int_equal(cfg.max_concurrent_lm, 1);
    assert_int_equal(cfg.service_down_time, 60);
    assert_int_equal(cfg.migrate_max_retries, -1);
    assert_int_equal(cfg.lm_downtime, 500);
    assert_int_equal(cfg.lm_downtime_steps, 10);
    assert_int_equal(cfg.lm_downtime_delay, 75);
    assert_int_equal(cfg.lm_completion_timeout, 800);
    assert_int_equal(cfg.lm_timeout_action, TIMEOUT_ABORT);
    assert_false(cfg.lm_permit_post_copy);
    assert_false(cfg.lm_permit_auto_converge);
    assert_int_equal(cfg.lm_bandwidth, 0);
    assert_int_equal(cfg.lm_monitor_interval, 5);
    assert_int_equal(cfg.max_limit, 1000);
    assert_int_equal(cfg.max_microversion, 2096);
    assert_int_equal(cfg.reserved_host_memory_mb, 512);
    assert_string_equal(cfg.virt_type, "kvm");
    assert_string_equal(cfg.import_project_id, "admin");
}

static void
test_values_are_read(void **state)
{
    struct cfg cfg;
    struct err err = ERR_INIT;

    (void)state;
    assert_int_equal(load(&cfg,
                          "# a pasted nova.conf\n"
                          "[DEFAULT]\nmax_concurrent_live_migrations = 0\n"
                          "osapi_compute_listen_port=9999\n"
                          "[libvirt]\nlive_migration_permit_post_copy = True\n"
                          "live_migration_timeout_action = force_complete\n"
                          "connection_uri = \"qemu+tcp://127.0.0.2/system\"\n"
                          "virt_type = qemu\n"
                          "[database]\nconnection = postgresql+psycopg2://nova:pw@db/nova\n"
                          "[ferry]\nmax_microversion = 2.60\n",
                          &err),
                     0);
    assert_int_equal(cfg.max_concurrent_lm, 0);
    assert_int_equal(cfg.api_port, 9999);
    assert_true(cfg.lm_permit_post_copy);
    assert_int_equal(cfg.lm_timeout_action, TIMEOUT_FORCE_COMPLETE);
    assert_string_equal(cfg.connection_uri, "qemu+tcp://127.0.0.2/system");
    assert_string_equal(cfg.virt_type, "qemu");
    assert_string_equal(cfg.db_connection, "postgresql://nova:pw@db/nova");
    assert_int_equal(cfg.max_microversion, 2060);
}

static void
test_nova_options_ignored(void **state)
{
    struct cfg cfg;
    struct err err = ERR_INIT;

    (void)state;
    assert_int_equal(load(&cfg,
                          "[DEFAULT]\ntransport_url = rabbit://x\n"
                          "[keystone_authtoken]\nauth_url = http://k\n"
                          "[libvirt]\ncpu_mode = host-model\n",
                          &err),
                     0);
}

static void
test_errors_name_file_and_line(void **state)
{
    static const struct {
        const char *text;
        const char *expect;     /* substring of the message */
    } rows[] = {
        { "[ferry]\nnope = 1\n", ":2: unknown option [ferry] nope" },
        { "[DEFAULT]\n\nmax_concurrent_live_migrations = -1\n",
          ":3: bad value for [DEFAULT] max_concurrent_live_migrations" },
        { "[libvirt]\nlive_migration_downtime = 99\n", "is outside [100," },
        { "[libvirt]\nlive_migration_permit_post_copy = maybe\n", "is not a boolean" },
        { "[libvirt]\nlive_migration_timeout_action = pause\n", "is not one of" },
        { "[ferry]\nmax_microversion = 2.200\n", "is not a microversion" },
        { "[database]\nconnection = mysql+pymysql://nova@db/nova\n",
          "only PostgreSQL connections are supported" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct cfg cfg;
        struct err err = ERR_INIT;

        assert_int_equal(load(&cfg, rows[i].text, &err), -1);
        assert_int_equal(err.code, ERR_INVALID);
        if (!strstr(err.msg, rows[i].expect))
            fail_msg("row %zu: message \"%s\" lacks \"%s\"", i, err.msg, rows[i].expect);
    }
}

static void
test_parse_mv(void **state)
{
    (void)state;
    assert_int_equal(cfg_parse_mv("2.1"), 2001);
    assert_int_equal(cfg_parse_mv("2.96"), 2096);
    assert_int_equal(cfg_parse_mv("2.01"), -1);
    assert_int_equal(cfg_parse_mv("2"), -1);
    assert_int_equal(cfg_parse_mv("v2.1"), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_novas),
        cmocka_unit_test(test_values_are_read),
        cmocka_unit_test(test_nova_options_ignored),
        cmocka_unit_test(test_errors_name_file_and_line),
        cmocka_unit_test(test_parse_mv),
    };

    log_init("test_cfg", LOG_LVL_WARN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
