/* test_schema.c - os-migrateLive and force_complete bodies per microversion,
 * with Nova's (jsonschema's) messages word for word. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api/api.h"
#include "api/routes.h"
#include "api/schema.h"
#include "common/util.h"

static const struct {
    int mv;
    const char *body;
    const char *error;          /* NULL: valid */
} rows[] = {
    /* 2.1 - 2.24: host, block_migration and disk_over_commit, all required */
    { 2001, "{\"os-migrateLive\": {\"host\": null, \"block_migration\": false, "
            "\"disk_over_commit\": false}}", NULL },
    { 2001, "{\"os-migrateLive\": {\"host\": \"lab-2\", \"block_migration\": \"True\", "
            "\"disk_over_commit\": \"0\"}}", NULL },
    { 2001, "{\"os-migrateLive\": {\"block_migration\": false, \"disk_over_commit\": false}}",
      "Invalid input for field/attribute os-migrateLive. Value: {'block_migration': False, "
      "'disk_over_commit': False}. 'host' is a required property" },
    { 2024, "{\"os-migrateLive\": {\"host\": null, \"block_migration\": \"auto\", "
            "\"disk_over_commit\": false}}",
      "Invalid input for field/attribute block_migration. Value: auto. 'auto' is not one of "
      "[True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, "
      "'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']" },
    /* 2.25: "auto", and disk_over_commit is refused */
    { 2025, "{\"os-migrateLive\": {\"host\": null, \"block_migration\": \"auto\"}}", NULL },
    { 2025, "{\"os-migrateLive\": {\"host\": null, \"block_migration\": \"AUTO\"}}",
      "Invalid input for field/attribute block_migration. Value: AUTO. 'AUTO' is not one of "
      "[True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, "
      "'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no', 'auto']" },
    { 2025, "{\"os-migrateLive\": {\"host\": null, \"block_migration\": false, "
            "\"disk_over_commit\": false}}",
      "Invalid input for field/attribute os-migrateLive. Value: {'host': None, "
      "'block_migration': False, 'disk_over_commit': False}. Additional properties are not "
      "allowed ('disk_over_commit' was unexpected)" },
    { 2025, "{\"os-migrateLive\": {\"host\": \"lab-2\", \"block_migration\": false, "
            "\"force\": true}}",
      "Invalid input for field/attribute os-migrateLive. Value: {'host': 'lab-2', "
      "'block_migration': False, 'force': True}. Additional properties are not allowed "
      "('force' was unexpected)" },
    /* 2.30 - 2.67: force */
    { 2030, "{\"os-migrateLive\": {\"host\": \"lab-2\", \"block_migration\": \"auto\", "
            "\"force\": true}}", NULL },
    { 2067, "{\"os-migrateLive\": {\"host\": \"lab-2\", \"block_migration\": \"auto\", "
            "\"force\": \"yes\"}}", NULL },
    { 2068, "{\"os-migrateLive\": {\"host\": \"lab-2\", \"block_migration\": \"auto\", "
            "\"force\": true}}",
      "Invalid input for field/attribute os-migrateLive. Value: {'host': 'lab-2', "
      "'block_migration': 'auto', 'force': True}. Additional properties are not allowed "
      "('force' was unexpected)" },
    /* host values */
    { 2068, "{\"os-migrateLive\": {\"host\": \"\", \"block_migration\": \"auto\"}}",
      "Invalid input for field/attribute host. Value: . '' is too short" },
    { 2068, "{\"os-migrateLive\": {\"host\": \"a b\", \"block_migration\": \"auto\"}}",
      "Invalid input for field/attribute host. Value: a b. 'a b' does not match "
      "'^[a-zA-Z0-9-._]*$'" },
    { 2068, "{\"os-migrateLive\": {\"host\": 5, \"block_migration\": \"auto\"}}",
      "Invalid input for field/attribute host. Value: 5. 5 is not of type 'string', 'null'" },
    { 2068, "{\"os-migrateLive\": {\"block_migration\": 1, \"host\": null}}",
      "Invalid input for field/attribute block_migration. Value: 1. 1 is not of type "
      "'boolean', 'string'" },
    { 2068, "{\"os-migrateLive\": null}",
      "Invalid input for field/attribute os-migrateLive. Value: None. None is not of type "
      "'object'" },
    { 2068, "{\"os-migrateLive\": {\"host\": null}}",
      "Invalid input for field/attribute os-migrateLive. Value: {'host': None}. "
      "'block_migration' is a required property" },
    { 2068, "{\"os-migrateLive\": {\"block_migration\": \"auto\", \"host\": null, "
            "\"a\": 1, \"b\": 2}}",
      "Invalid input for field/attribute os-migrateLive. Value: {'block_migration': 'auto', "
      "'host': None, 'a': 1, 'b': 2}. Additional properties are not allowed ('a', 'b' were "
      "unexpected)" },
};

static void
test_migrate_live_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        json_error_t jerr;
        json_t *body = json_loads(rows[i].body, 0, &jerr);
        struct err err = ERR_INIT;
        int rc;

        assert_non_null(body);
        rc = schema_validate(body, migrate_live_schema(rows[i].mv), false, &err);
        if (rows[i].error == NULL && rc != 0)
            fail_msg("row %zu (%d): refused: %s", i, rows[i].mv, err.msg);
        if (rows[i].error != NULL && (rc == 0 || strcmp(err.msg, rows[i].error) != 0))
            fail_msg("row %zu (%d):\n got  %s\n want %s", i, rows[i].mv,
                     rc == 0 ? "(valid)" : err.msg, rows[i].error);
        json_decref(body);
    }
}

static void
test_legacy_v2_tolerates_unknown_keys(void **state)
{
    json_error_t jerr;
    json_t *body = json_loads("{\"os-migrateLive\": {\"host\": null, \"block_migration\": "
                              "false, \"disk_over_commit\": false, \"extra\": 1}}",
                              0, &jerr);
    struct err err = ERR_INIT;

    (void)state;
    assert_int_equal(schema_validate(body, migrate_live_schema(2001), true, &err), 0);
    assert_int_equal(schema_validate(body, migrate_live_schema(2001), false, &err), -1);
    json_decref(body);
}

static void
test_boollike(void **state)
{
    json_t *v;

    (void)state;
    v = json_string("YES");
    assert_int_equal(schema_boollike(v), 1);
    json_decref(v);
    v = json_string("off");
    assert_int_equal(schema_boollike(v), 0);
    json_decref(v);
    v = json_string("auto");
    assert_int_equal(schema_boollike(v), -1);
    json_decref(v);
    assert_int_equal(schema_boollike(json_true()), 1);
}

static void
test_pyrepr(void **state)
{
    json_error_t jerr;
    json_t *v = json_loads("{\"a\": [1, 2.5, null, true, \"it's\"], \"b\": {\"c\": 1e20}}", 0,
                           &jerr);
    char out[200];

    (void)state;
    schema_pyrepr(v, out, sizeof(out));
    assert_string_equal(out, "{'a': [1, 2.5, None, True, \"it's\"], 'b': {'c': 1e+20}}");
    json_decref(v);
}

/* Text jansson would not make a string of: never a crash. */
static void
test_pyrepr_not_utf8(void **state)
{
    json_t *v = json_string_nocheck("a\xff");
    char out[32];

    (void)state;
    schema_pyrepr(json_string("\xff"), out, sizeof(out));     /* json_string gives NULL */
    assert_string_equal(out, "None");
    schema_pyrepr(v, out, sizeof(out));
    assert_string_equal(out, "'a\xff'");
    json_decref(v);
}

/* A long value of multi-byte characters is cut between characters, so the
 * message stays UTF-8 (jansson would refuse it, leaving an empty 400). */
static void
test_long_utf8_value(void **state)
{
    char host[401] = "", body[600];
    json_error_t jerr;
    json_t *v;
    struct err err = ERR_INIT;

    (void)state;
    for (int i = 0; i < 200; i++)
        strcat(host, "\xc3\xa9");     /* é */
    snprintf(body, sizeof(body), "{\"os-migrateLive\": {\"host\": \"%s\", "
             "\"block_migration\": \"auto\"}}", host);
    v = json_loads(body, 0, &jerr);
    assert_non_null(v);
    assert_int_equal(schema_validate(v, migrate_live_schema(2030), false, &err), -1);
    if (strncmp(err.msg, "Invalid input for field/attribute host. Value: \xc3\xa9", 49) != 0)
        fail_msg("%s", err.msg);
    assert_true(utf8_valid(err.msg));
    json_decref(v);
}

/* Nova's parameter_types.metadata, with jsonschema's order and words (checked
 * against jsonschema's Draft4Validator): values first, in the body's order,
 * then the keys no pattern matches (sorted), then the item count. */
static void
test_metadata(void **state)
{
    static const struct schema_prop all_props[] = { { "metadata", SCH_METADATA, NULL },
                                                    { NULL, 0, NULL } };
    static const struct schema_prop one_props[] = { { "meta", SCH_METADATA_ONE, NULL },
                                                    { NULL, 0, NULL } };
    static const struct schema_obj all = { all_props, NULL, false };
    static const struct schema_obj one = { one_props, NULL, false };
    static const struct {
        const struct schema_obj *schema;
        const char *body;
        const char *error;
    } mrows[] = {
        { &all, "{\"metadata\": {\"a-b_c:d. e\": \"x\"}}", NULL },
        /* Python's '$' matches before a final newline: Nova takes "a\n" */
        { &all, "{\"metadata\": {\"a\\n\": \"x\"}}", NULL },
        { &all, "{\"metadata\": {\"a\\n\\n\": \"x\"}}",
          "Invalid input for field/attribute metadata. Value: {'a\\n\\n': 'x'}. "
          "'a\\n\\n' does not match any of the regexes: '^[a-zA-Z0-9-_:. ]{1,255}$'" },
        { &all, "{\"metadata\": {\"z/\": \"1\", \"\": \"2\", \"ok\": 3}}",
          "Invalid input for field/attribute ok. Value: 3. 3 is not of type 'string'" },
        { &all, "{\"metadata\": {\"z/\": \"1\", \"\": \"2\", \"ok\": \"3\"}}",
          "Invalid input for field/attribute metadata. Value: {'z/': '1', '': '2', 'ok': "
          "'3'}. '', 'z/' do not match any of the regexes: '^[a-zA-Z0-9-_:. ]{1,255}$'" },
        { &one, "{\"meta\": {\"k\": \"v\"}}", NULL },
        { &one, "{\"meta\": {}}",
          "Invalid input for field/attribute meta. Value: {}. {} does not have enough "
          "properties" },
        { &one, "{\"meta\": {\"a\": \"1\", \"b\": 2}}",
          "Invalid input for field/attribute b. Value: 2. 2 is not of type 'string'" },
        { &one, "{\"meta\": null}",
          "Invalid input for field/attribute meta. Value: None. None is not of type 'object'" },
    };
    char wide[256 * 2 + 64];
    json_error_t jerr;

    (void)state;
    for (size_t i = 0; i < sizeof(mrows) / sizeof(mrows[0]); i++) {
        struct err err = ERR_INIT;
        json_t *v = json_loads(mrows[i].body, 0, &jerr);
        int rc;

        assert_non_null(v);
        rc = schema_validate(v, mrows[i].schema, true, &err);   /* legacy too */
        if (mrows[i].error ? rc != -1 || strcmp(err.msg, mrows[i].error) != 0 : rc != 0)
            fail_msg("%s: got '%s'", mrows[i].body, rc ? err.msg : "valid");
        json_decref(v);
    }
    /* 255 characters of two bytes each are 255, not 510 */
    strcpy(wide, "{\"metadata\": {\"k\": \"");
    for (int i = 0; i < 255; i++)
        strcat(wide, "\xc3\xa9");
    strcat(wide, "\"}}");
    {
        struct err err = ERR_INIT;
        json_t *v = json_loads(wide, 0, &jerr);

        assert_int_equal(schema_validate(v, &all, false, &err), 0);
        json_decref(v);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_live_rows),
        cmocka_unit_test(test_legacy_v2_tolerates_unknown_keys),
        cmocka_unit_test(test_boollike),
        cmocka_unit_test(test_pyrepr),
        cmocka_unit_test(test_pyrepr_not_utf8),
        cmocka_unit_test(test_long_utf8_value),
        cmocka_unit_test(test_metadata),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
