/* schema.c - a small jsonschema for Nova's request bodies, with its messages. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/schema.h"
#include "common/auto.h"
#include "common/log.h"
#include "common/util.h"

/* Nova's parameter_types.boolean enum, in its order. */
static const char *const boollike_true[] = { "True", "TRUE", "true", "1", "ON", "On", "on",
                                             "YES", "Yes", "yes" };
static const char *const boollike_false[] = { "False", "FALSE", "false", "0", "OFF", "Off",
                                              "off", "NO", "No", "no" };
static const char boollike_enum[] =
    "[True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, "
    "'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no'";
static const char host_pattern[] = "^[a-zA-Z0-9-._]*$";
static const char metadata_key_pattern[] = "^[a-zA-Z0-9-_:. ]{1,255}$";

/* ---- Python repr ---------------------------------------------------------------- */

struct sbuf {
    char *p;
    size_t size;
    size_t len;
    bool full;          /* truncated: nothing more is added */
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->full)
        return;
    if (n > b->size - 1 - b->len) {
        /* cut here, but never in the middle of a character */
        n = b->size - 1 - b->len;
        b->full = true;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    if (b->full)
        b->len = utf8_trim(b->p, b->len);
    b->p[b->len] = '\0';
}

static void
sb_str(struct sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void
repr_string(struct sbuf *b, const char *s)
{
    char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
    char esc[8];

    sb_add(b, &q, 1);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '\\')
            sb_str(b, "\\\\");
        else if (*c == (unsigned char)q)
            sb_add(b, "\\", 1), sb_add(b, &q, 1);
        else if (*c == '\n')
            sb_str(b, "\\n");
        else if (*c == '\r')
            sb_str(b, "\\r");
        else if (*c == '\t')
            sb_str(b, "\\t");
        else if (*c < 0x20 || *c == 0x7f)
            snprintf(esc, sizeof(esc), "\\x%02x", *c), sb_str(b, esc);
        else
            sb_add(b, (const char *)c, 1);
    }
    sb_add(b, &q, 1);
}

/* Python's shortest round-trip float repr, with ".0" on integral values. */
static void
repr_real(struct sbuf *b, double d)
{
    char s[40];

    if (isinf(d)) {
        sb_str(b, d > 0 ? "inf" : "-inf");
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(s, sizeof(s), "%.*g", prec, d);
        if (strtod(s, NULL) == d)
            break;
    }
    if (!strpbrk(s, ".eni"))
        strcat(s, ".0");
    sb_str(b, s);
}

static void
repr_value(struct sbuf *b, const json_t *v)
{
    char num[32];
    const char *key;
    json_t *item;
    size_t i;
    bool first = true;

    if (!v) {           /* a value jansson could not make (not UTF-8): never crash */
        sb_str(b, "None");
        return;
    }
    switch (json_typeof(v)) {
    case JSON_NULL:
        sb_str(b, "None");
        break;
    case JSON_TRUE:
        sb_str(b, "True");
        break;
    case JSON_FALSE:
        sb_str(b, "False");
        break;
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        sb_str(b, num);
        break;
    case JSON_REAL:
        repr_real(b, json_real_value(v));
        break;
    case JSON_STRING:
        repr_string(b, json_string_value(v));
        break;
    case JSON_ARRAY:
        sb_str(b, "[");
        json_array_foreach(v, i, item) {
            sb_str(b, i ? ", " : "");
            repr_value(b, item);
        }
        sb_str(b, "]");
        break;
    case JSON_OBJECT:
        sb_str(b, "{");
        json_object_foreach((json_t *)v, key, item) {
            sb_str(b, first ? "" : ", ");
            first = false;
            repr_string(b, key);
            sb_str(b, ": ");
            repr_value(b, item);
        }
        sb_str(b, "}");
        break;
    }
}

void
schema_pyrepr(const json_t *v, char *out, size_t size)
{
    struct sbuf b = { out, size, 0, false };

    out[0] = '\0';
    repr_value(&b, v);
}

/* str(): strings print bare, everything else as repr. */
static void
schema_pystr(const json_t *v, char *out, size_t size)
{
    if (!json_is_string(v)) {
        schema_pyrepr(v, out, size);
        return;
    }
    if (snprintf(out, size, "%s", json_string_value(v)) >= (int)size)
        out[utf8_trim(out, strlen(out))] = '\0';     /* cut, but not inside a character */
}

/* ---- validation ---------------------------------------------------------------- */

/* qsort() order of strings by bytes, as Python sorts str (code points). */
static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Report a failure at field (NULL: the top level) on instance. */
static int
schema_fail(struct err *err, const char *field, const json_t *instance, const char *msg)
{
    char value[1100];

    if (!field)
        return err_set(err, ERR_INVALID, "%s", msg);
    schema_pystr(instance, value, sizeof(value));
    return err_set(err, ERR_INVALID, "Invalid input for field/attribute %s. Value: %s. %s",
                   field, value, msg);
}

static int
schema_fail_type(struct err *err, const char *field, const json_t *v, const char *types)
{
    char r[200], msg[300];

    schema_pyrepr(v, r, sizeof(r));
    snprintf(msg, sizeof(msg), "%s is not of type %s", r, types);
    return schema_fail(err, field, v, msg);
}

static bool
boollike_known(const char *s, bool with_auto)
{
    for (size_t i = 0; i < ARRAY_SIZE(boollike_true); i++)
        if (strcmp(s, boollike_true[i]) == 0 || strcmp(s, boollike_false[i]) == 0)
            return true;
    return with_auto && strcmp(s, "auto") == 0;
}

int
schema_boollike(const json_t *v)
{
    if (json_is_boolean(v))
        return json_is_true(v);
    if (json_is_string(v)) {
        const char *s = json_string_value(v);

        if (strcmp(s, "auto") == 0)
            return -1;
        for (size_t i = 0; i < ARRAY_SIZE(boollike_true); i++)
            if (strcmp(s, boollike_true[i]) == 0)
                return 1;
    }
    return 0;
}

static bool
host_matches(const char *s)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.' && *s != '_')
            return false;
    return true;
}

static int schema_object(const char *field, const json_t *v, const struct schema_obj *s,
                         bool tolerant, struct err *err);

/* Python's re.search of ^[a-zA-Z0-9-_:. ]{1,255}$: '$' also matches before
 * a final newline. */
static bool
metadata_key_matches(const char *k)
{
    size_t n = strlen(k);

    if (n > 0 && k[n - 1] == '\n')
        n--;
    if (n < 1 || n > 255)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)k[i]) && !strchr("-_:. ", k[i]))
            return false;
    return true;
}

/* Characters (code points) of a UTF-8 string, as jsonschema's maxLength
 * counts them. */
static size_t
utf8_chars(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* jsonschema's order for the metadata schema: type, patternProperties (each
 * item in the body's order), additionalProperties (the keys that match no
 * pattern, sorted), then minProperties and maxProperties. */
static int
schema_metadata(const char *field, const json_t *v, bool one, struct err *err)
{
    char r[1100], msg[2048], keys[1100] = "";
    const char **bad;
    const char *key;
    json_t *item;
    size_t nbad = 0, len = 0;

    if (!json_is_object(v))
        return schema_fail_type(err, field, v, "'object'");
    json_object_foreach((json_t *)v, key, item) {
        if (!metadata_key_matches(key))
            continue;
        if (!json_is_string(item))
            return schema_fail_type(err, key, item, "'string'");
        if (utf8_chars(json_string_value(item)) > 255) {
            schema_pyrepr(item, r, sizeof(r));
            snprintf(msg, sizeof(msg), "%s is too long", r);
            return schema_fail(err, key, item, msg);
        }
    }
    if (!(bad = calloc(json_object_size(v) + 1, sizeof(*bad))))
        fatalx("out of memory");
    json_object_foreach((json_t *)v, key, item)
        if (!metadata_key_matches(key))
            bad[nbad++] = key;
    if (nbad) {
        qsort(bad, nbad, sizeof(*bad), cmp_str);
        for (size_t i = 0; i < nbad; i++) {
            json_t *k = json_string_nocheck(bad[i]);

            schema_pyrepr(k, r, sizeof(r));
            json_decref(k);
            len = strlen(keys);
            snprintf(keys + len, sizeof(keys) - len, "%s%s", i ? ", " : "", r);
        }
        free(bad);
        snprintf(msg, sizeof(msg), "%s %s not match any of the regexes: '%s'", keys,
                 nbad == 1 ? "does" : "do", metadata_key_pattern);
        return schema_fail(err, field, v, msg);
    }
    free(bad);
    if (one && json_object_size(v) != 1) {
        schema_pyrepr(v, r, sizeof(r));
        snprintf(msg, sizeof(msg), "%s %s", r,
                 json_object_size(v) < 1 ? "does not have enough properties"
                                         : "has too many properties");
        return schema_fail(err, field, v, msg);
    }
    return 0;
}

static int
schema_value(const char *field, const json_t *v, const struct schema_prop *p, bool tolerant,
             struct err *err)
{
    char r[300], msg[700];

    switch (p->type) {
    case SCH_BOOLLIKE:
    case SCH_BOOLLIKE_AUTO:
        if (!json_is_boolean(v) && !json_is_string(v))
            return schema_fail_type(err, field, v, "'boolean', 'string'");
        if (json_is_string(v) &&
            !boollike_known(json_string_value(v), p->type == SCH_BOOLLIKE_AUTO)) {
            schema_pyrepr(v, r, sizeof(r));
            snprintf(msg, sizeof(msg), "%s is not one of %s%s]", r, boollike_enum,
                     p->type == SCH_BOOLLIKE_AUTO ? ", 'auto'" : "");
            return schema_fail(err, field, v, msg);
        }
        return 0;
    case SCH_HOST_OR_NULL:
        if (json_is_null(v))
            return 0;
        if (!json_is_string(v))
            return schema_fail_type(err, field, v, "'string', 'null'");
        schema_pyrepr(v, r, sizeof(r));
        if (!host_matches(json_string_value(v))) {
            snprintf(msg, sizeof(msg), "%s does not match '%s'", r, host_pattern);
            return schema_fail(err, field, v, msg);
        }
        if (json_string_length(v) < 1) {
            snprintf(msg, sizeof(msg), "%s is too short", r);
            return schema_fail(err, field, v, msg);
        }
        if (json_string_length(v) > 255) {
            snprintf(msg, sizeof(msg), "%s is too long", r);
            return schema_fail(err, field, v, msg);
        }
        return 0;
    case SCH_NULL:
        return json_is_null(v) ? 0 : schema_fail_type(err, field, v, "'null'");
    case SCH_STRING:
        return json_is_string(v) ? 0 : schema_fail_type(err, field, v, "'string'");
    case SCH_OBJECT:
        return schema_object(field, v, p->sub, tolerant, err);
    case SCH_METADATA:
    case SCH_METADATA_ONE:
        return schema_metadata(field, v, p->type == SCH_METADATA_ONE, err);
    }
    return 0;
}

static bool
schema_has_prop(const struct schema_obj *s, const char *key)
{
    for (const struct schema_prop *p = s->props; p && p->name; p++)
        if (strcmp(p->name, key) == 0)
            return true;
    return false;
}

/* jsonschema's order for Nova's object schemas: type, properties (in the
 * schema's order), required, additionalProperties. */
static int
schema_object(const char *field, const json_t *v, const struct schema_obj *s, bool tolerant,
              struct err *err)
{
    char msg[700];
    const char *key;
    json_t *item;
    size_t n = 0;
    int nextra = 0;

    if (!json_is_object(v))
        return schema_fail_type(err, field, v, "'object'");
    for (const struct schema_prop *p = s->props; p && p->name; p++) {
        const json_t *pv = json_object_get(v, p->name);

        if (pv && schema_value(p->name, pv, p, tolerant, err) < 0)
            return -1;
    }
    for (const char *const *req = s->required; req && *req; req++)
        if (!json_object_get(v, *req)) {
            snprintf(msg, sizeof(msg), "'%s' is a required property", *req);
            return schema_fail(err, field, v, msg);
        }
    if (s->additional || tolerant)
        return 0;
    msg[0] = '\0';
    json_object_foreach((json_t *)v, key, item) {
        char r[200];
        json_t *k;

        if (schema_has_prop(s, key))
            continue;
        k = json_string_nocheck(key);
        schema_pyrepr(k, r, sizeof(r));
        json_decref(k);
        n = strlen(msg);
        snprintf(msg + n, sizeof(msg) - n, "%s%s", nextra ? ", " : "", r);
        nextra++;
    }
    if (nextra) {
        char full[800];

        snprintf(full, sizeof(full), "Additional properties are not allowed (%s %s unexpected)",
                 msg, nextra == 1 ? "was" : "were");
        return schema_fail(err, field, v, full);
    }
    return 0;
}

int
schema_validate(const json_t *value, const struct schema_obj *schema, bool tolerant,
                struct err *err)
{
    return schema_object(NULL, value, schema, tolerant, err);
}

bool
schema_is_datetime(const char *s)
{
    int64_t us;

    return time_parse_iso(s, &us);
}
