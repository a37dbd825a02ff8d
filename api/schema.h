/* schema.h - request body and query validation with Nova's (jsonschema's)
 * error texts.
 *
 * A schema is data: an object's properties, each with a value type, which
 * are required, and whether other keys are allowed.  Errors read as Nova's:
 *   "Invalid input for field/attribute host. Value: 1. 1 is not of type
 *    'string', 'null'"
 * and, at the top level, the bare jsonschema text ("'host' is a required
 * property").  Values are shown as Python would print them.
 */
#ifndef FERRY_SCHEMA_H
#define FERRY_SCHEMA_H

#include <stdbool.h>

#include <jansson.h>

#include "common/err.h"

enum schema_type {
    SCH_BOOLLIKE,           /* true/false or "True", "yes", "0", ... */
    SCH_BOOLLIKE_AUTO,      /* the same, or "auto" */
    SCH_HOST_OR_NULL,       /* fqdn pattern ^[a-zA-Z0-9-._]*$, 1-255 chars, or null */
    SCH_NULL,               /* only null */
    SCH_OBJECT,             /* a nested object: see sub */
    SCH_STRING,             /* any string */
    SCH_METADATA,           /* Nova's parameter_types.metadata: keys of
                             * ^[a-zA-Z0-9-_:. ]{1,255}$, string values of at
                             * most 255 characters (checked in legacy /v2 too) */
    SCH_METADATA_ONE,       /* the same with exactly one item (PUT .../{key}) */
};

struct schema_obj;

struct schema_prop {
    const char *name;
    enum schema_type type;
    const struct schema_obj *sub;   /* SCH_OBJECT */
};

struct schema_obj {
    const struct schema_prop *props;    /* terminated by a NULL name */
    const char *const *required;        /* terminated by NULL */
    bool additional;                    /* other keys allowed */
};

/* Validate value against schema; tolerant (legacy /v2) ignores unknown
 * keys.  ERR_INVALID with Nova's message on failure. */
int schema_validate(const json_t *value, const struct schema_obj *schema, bool tolerant,
                    struct err *err);

/* Parse a boolean-like value (after validation): 1, 0, or -1 for "auto". */
int schema_boollike(const json_t *v);

/* Python's repr() of a JSON value, as Nova's messages show it; NULL (what
 * json_string() makes of text that is not UTF-8) reads as None. */
void schema_pyrepr(const json_t *v, char *out, size_t size);

/* An ISO 8601 date-time as Nova's "date-time" format accepts it. */
bool schema_is_datetime(const char *s);

#endif
