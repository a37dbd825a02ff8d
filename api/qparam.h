/* qparam.h - query parameters checked as Nova's query schemas check them,
 * and Nova's "next" links (qparam.c), for every list handler. */
#ifndef FERRY_QPARAM_H
#define FERRY_QPARAM_H

#include <stdbool.h>

#include <jansson.h>

#include "api/api.h"

/* Query parameters as Nova's query schemas declare them. */
enum api_qkind {
    AQ_STRING,                      /* any string */
    AQ_INT,                         /* non_negative_integer: ^[0-9]*$, at least one digit */
    AQ_DATETIME,                    /* format date-time */
    AQ_FQDN,                        /* ^[a-zA-Z0-9-._]*$, 1-255 characters */
    AQ_BOOL,                        /* parameter_types.boolean */
    AQ_ENUM,                        /* a string among values */
};

struct api_qparam {
    const char *name;               /* NULL ends a table */
    enum api_qkind kind;
    bool multi;                     /* multi_params; else single_param (maxItems 1) */
    const char *const *values;      /* AQ_ENUM: the enum, in the schema's order, NULL-ended */
};

/* Validate the request's query against params in jsonschema's order (each
 * property's values, then unknown keys unless additional); ERR_INVALID with
 * Nova's "Invalid input for query parameters ..." texts. */
int api_query_check(const struct req *req, const struct api_qparam *params, bool additional,
                    struct err *err);

/* A name filter's pattern that PostgreSQL's regex engine refused (err, as
 * the list query failed with it): Nova's 400 "Invalid regular expression in
 * filter 'name': <why>", why in PostgreSQL's words. */
void api_regex_error(struct err *err);

/* Nova's "next" collection link: [{"href": ..., "rel": "next"}] for
 * <base>/<collection>?<query sorted by name, marker = marker>.  With
 * additional (a lenient schema), parameters not in params are left out, as
 * Nova strips them from the request. */
json_t *api_next_link(const struct ctx *c, const char *collection, const char *marker,
                      const struct api_qparam *params, bool additional);

#endif
