/* test_log.c - one event is one line: control characters in a message are
 * escaped, so a client cannot forge log lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/log.h"

/* Run log_info("%s", msg) with stderr in a file; the text written. */
static char *
logged(const char *msg)
{
    static char out[4096];
    FILE *f = tmpfile();
    int saved = dup(STDERR_FILENO);
    size_t n;

    assert_non_null(f);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(f), STDERR_FILENO) >= 0);
    log_info("GET %s status=404", msg);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    rewind(f);
    n = fread(out, 1, sizeof(out) - 1, f);
    out[n] = '\0';
    fclose(f);
    return out;
}

static void
test_control_characters_escaped(void **state)
{
    static const struct {
        const char *msg;
        const char *want;       /* what the line must contain */
    } rows[] = {
        { "/v2.1/\nINFO forged", "GET /v2.1/\\x0aINFO forged status=404\n" },
        { "/a\r\nb", "GET /a\\x0d\\x0ab status=404\n" },
        { "\x1b[31mred\x7f\t", "GET \\x1b[31mred\\x7f\\x09 status=404\n" },
        { "caf\xc3\xa9 \\x41", "GET caf\xc3\xa9 \\x41 status=404\n" },  /* kept as sent */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const char *line = logged(rows[i].msg);

        if (!strstr(line, rows[i].want))
            fail_msg("row %zu: logged \"%s\"", i, line);
        assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);    /* one line */
        assert_non_null(strstr(line, " test_log["));
    }
}

/* A message longer than a line still ends in one newline. */
static void
test_long_message_is_one_line(void **state)
{
    char msg[3000];
    const char *line;

    (void)state;
    for (size_t i = 0; i < sizeof(msg) - 1; i++)
        msg[i] = i % 2 ? '\n' : 'x';
    msg[sizeof(msg) - 1] = '\0';
    line = logged(msg);
    assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
    assert_true(strlen(line) <= 2048);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_control_characters_escaped),
        cmocka_unit_test(test_long_message_is_one_line),
    };

    log_init("test_log", LOG_LVL_INFO);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
