/* qparam.c - query parameters as Nova's query schemas check them, with
 * jsonschema's words, and Nova's "next" collection links: one module for
 * every list handler. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/qparam.h"
#include "api/schema.h"
#include "common/auto.h"
#include "common/util.h"

/* ---- query parameters --------------------------------------------------- */

/* parameter_types.boolean's enum, in its order, and jsonschema's rendering. */
static const char *const q_bool_values[] = { "True",  "TRUE",  "true", "1",   "ON",  "On", "on",
                                             "YES",   "Yes",   "yes",  "False", "FALSE",
                                             "false", "0",     "OFF",  "Off", "off", "NO",
                                             "No",    "no" };
static const char q_bool_enum[] =
    "[True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, "
    "'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']";
static const char q_fqdn_pattern[] = "^[a-zA-Z0-9-._]*$";

static int
q_fail(struct err *err, const char *key, const char *value, const char *msg)
{
    return err_set(err, ERR_INVALID, "Invalid input for query parameters %s. Value: %s. %s",
                   key, value, msg);
}

/* Characters (code points) in a UTF-8 string, as jsonschema counts them. */
static size_t
q_strlen_utf8(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static bool
q_in(const char *s, const char *set)
{
    return strspn(s, set) == strlen(s);
}

/* jsonschema's "'x' is not one of ['a', 'b']" for an enum. */
static void
q_enum_msg(const char *r, const char *const *values, char *msg, size_t size)
{
    json_t *list = json_array();
    char lr[1024];

    for (const char *const *e = values; *e; e++)
        json_array_append_new(list, json_string(*e));
    schema_pyrepr(list, lr, sizeof(lr));
    json_decref(list);
    snprintf(msg, size, "%s is not one of %s", r, lr);
}

/* One value of a parameter against its kind, keywords in the schema's order. */
static int
q_check_value(const struct api_qparam *q, const char *v, struct err *err)
{
    const char *key = q->name;
    static const char fqdn_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     "0123456789-._";
    char r[300], msg[1400];
    json_t *js = json_string_nocheck(v);

    schema_pyrepr(js, r, sizeof(r));
    json_decref(js);
    msg[0] = '\0';
    switch (q->kind) {
    case AQ_STRING:
        break;
    case AQ_INT:
        if (!q_in(v, "0123456789"))
            snprintf(msg, sizeof(msg), "%s does not match '^[0-9]*$'", r);
        else if (!*v)
            snprintf(msg, sizeof(msg), "%s is too short", r);
        break;
    case AQ_DATETIME:
        if (!schema_is_datetime(v))
            snprintf(msg, sizeof(msg), "%s is not a 'date-time'", r);
        break;
    case AQ_FQDN:
        if (!q_in(v, fqdn_chars))
            snprintf(msg, sizeof(msg), "%s does not match '%s'", r, q_fqdn_pattern);
        else if (!*v)
            snprintf(msg, sizeof(msg), "%s is too short", r);
        else if (q_strlen_utf8(v) > 255)
            snprintf(msg, sizeof(msg), "%s is too long", r);
        break;
    case AQ_BOOL:
        snprintf(msg, sizeof(msg), "%s is not one of %s", r, q_bool_enum);
        for (size_t i = 0; i < ARRAY_SIZE(q_bool_values); i++)
            if (strcmp(v, q_bool_values[i]) == 0)
                msg[0] = '\0';
        break;
    case AQ_ENUM:
        q_enum_msg(r, q->values, msg, sizeof(msg));
        for (const char *const *e = q->values; *e; e++)
            if (strcmp(v, *e) == 0)
                msg[0] = '\0';
        break;
    }
    return msg[0] ? q_fail(err, key, v, msg) : 0;
}

/* Every value of one declared parameter: items first, then maxItems. */
static int
q_check_param(const struct req *req, const struct api_qparam *q, struct err *err)
{
    json_t *values = json_array();
    char r[400], msg[600];
    int rc = 0;

    for (int i = 0; i < req->nquery && rc == 0; i++) {
        const char *v = req->query[i].value ? req->query[i].value : "";

        if (strcmp(req->query[i].key, q->name) != 0)
            continue;
        json_array_append_new(values, json_string_nocheck(v));
        rc = q_check_value(q, v, err);
    }
    if (rc == 0 && !q->multi && json_array_size(values) > 1) {
        schema_pyrepr(values, r, sizeof(r));
        snprintf(msg, sizeof(msg), "%s is too long", r);
        rc = q_fail(err, q->name, r, msg);
    }
    json_decref(values);
    return rc;
}

static bool
q_declared(const struct api_qparam *params, const char *key)
{
    for (const struct api_qparam *q = params; q->name; q++)
        if (strcmp(q->name, key) == 0)
            return true;
    return false;
}

/* Has key appeared before position i of the query? */
static bool
q_seen_before(const struct req *req, int i)
{
    for (int k = 0; k < i; k++)
        if (strcmp(req->query[k].key, req->query[i].key) == 0)
            return true;
    return false;
}

int
api_query_check(const struct req *req, const struct api_qparam *params, bool additional,
                struct err *err)
{
    char list[400] = "";
    size_t n = 0;
    int extra = 0;

    for (const struct api_qparam *q = params; q->name; q++)
        if (q_check_param(req, q, err) < 0)
            return -1;
    if (additional)
        return 0;
    for (int i = 0; i < req->nquery; i++) {
        if (q_declared(params, req->query[i].key) || q_seen_before(req, i))
            continue;
        n = appendf(list, sizeof(list), n, "%s'%s'", extra ? ", " : "", req->query[i].key);
        extra++;
    }
    if (extra)
        return err_set(err, ERR_INVALID, "Additional properties are not allowed (%s %s unexpected)",
                       list, extra == 1 ? "was" : "were");
    return 0;
}

/* The value Nova's OrderedDict(sorted(params.items())) keeps for key: the
 * greatest of its values. */
static const char *
q_sorted_value(const struct req *req, const char *key)
{
    const char *best = NULL;

    for (int i = 0; i < req->nquery; i++) {
        const char *v = req->query[i].value ? req->query[i].value : "";

        if (strcmp(req->query[i].key, key) == 0 && (!best || strcmp(v, best) > 0))
            best = v;
    }
    return best;
}

static int
q_cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *
api_next_link(const struct ctx *c, const char *collection, const char *marker,
              const struct api_qparam *params, bool additional)
{
    const struct req *req = c->req;
    const char *keys[REQ_MAX_QUERY];
    char href[4096];
    size_t n;
    int nk = 0;
    bool have_marker = false;

    for (int i = 0; i < req->nquery && nk < REQ_MAX_QUERY; i++)
        if (!q_seen_before(req, i) && (!additional || q_declared(params, req->query[i].key)))
            keys[nk++] = req->query[i].key;
    qsort(keys, (size_t)nk, sizeof(keys[0]), q_cmp_keys);
    n = (size_t)snprintf(href, sizeof(href), "%s/%s?", c->base_url, collection);
    for (int k = 0; k <= nk; k++) {
        const char *key = k < nk ? keys[k] : "marker";
        bool is_marker = strcmp(key, "marker") == 0;
        AUTOFREE char *ek = NULL;
        AUTOFREE char *ev = NULL;

        if (k == nk && have_marker)
            break;
        have_marker |= is_marker;
        ek = url_quote_plus(key);
        ev = url_quote_plus(is_marker ? marker : q_sorted_value(req, key));
        n = appendf(href, sizeof(href), n, "%s%s=%s", k ? "&" : "", ek, ev);
    }
    return json_pack("[{s:s,s:s}]", "href", href, "rel", "next");
}

void
api_regex_error(struct err *err)
{
    static const char pg[] = "invalid regular expression: ";
    char why[sizeof(err->detail)];

    strlcpy0(why, strncmp(err->detail, pg, sizeof(pg) - 1) == 0 ? err->detail + sizeof(pg) - 1
                  : err->detail[0]                              ? err->detail
                                                                : "malformed pattern",
             sizeof(why));
    err_set(err, ERR_INVALID, "Invalid regular expression in filter 'name': %s", why);
}
