/* fault.c - the one err_code -> HTTP status table, and Nova's fault bodies:
 *   {"itemNotFound": {"code": 404, "message": "..."}}
 * Only this layer logs a failure it renders: 5xx at warning, 4xx at debug. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "common/auto.h"
#include "common/log.h"
#include "common/util.h"

static const struct {
    enum err_code code;
    int status;
} fault_statuses[] = {
    { ERR_INVALID, 400 },       { ERR_UNAUTHORIZED, 401 }, { ERR_FORBIDDEN, 403 },
    { ERR_NOT_FOUND, 404 },     { ERR_NOT_ACCEPTABLE, 406 }, { ERR_CONFLICT, 409 },
    { ERR_TOO_LARGE, 413 },     { ERR_MEDIA_TYPE, 415 },   { ERR_UNAVAILABLE, 503 },
    { ERR_RETRY, 503 },         { ERR_TIMEOUT, 503 },      { ERR_NOT_SUPPORTED, 501 },
    { ERR_INTERNAL, 500 },
};

/* Nova's fault names by status; anything else (406, 500) is computeFault. */
static const struct {
    int status;
    const char *name;
} fault_names[] = {
    { 400, "badRequest" }, { 401, "unauthorized" },  { 403, "forbidden" },
    { 404, "itemNotFound" }, { 405, "badMethod" },   { 409, "conflictingRequest" },
    { 413, "overLimit" },  { 415, "badMediaType" },  { 429, "overLimit" },
    { 501, "notImplemented" }, { 503, "serviceUnavailable" },
};

int
fault_status(enum err_code code)
{
    for (size_t i = 0; i < ARRAY_SIZE(fault_statuses); i++)
        if (fault_statuses[i].code == code)
            return fault_statuses[i].status;
    return 500;
}

static const char *
fault_name(int status)
{
    for (size_t i = 0; i < ARRAY_SIZE(fault_names); i++)
        if (fault_names[i].status == status)
            return fault_names[i].name;
    return "computeFault";
}

void
fault_render(const struct err *err, struct resp *r)
{
    int status = fault_status(err->code);
    const char *msg = err->msg;
    char buf[600];
    char safe[3 * sizeof(err->msg)];    /* room for every byte to become U+FFFD */

    if (status == 500) {
        /* Nova's wording for an unexpected error; the detail goes to the log */
        snprintf(buf, sizeof(buf),
                 "Unexpected API Error. Please contact the administrator\n<class '%s'>",
                 err_code_name(err->code));
        msg = buf;
    } else if (status == 503 && err->code != ERR_UNAVAILABLE) {
        msg = "The service is temporarily unavailable, please retry.";
    }
    if (status >= 500)
        log_warnx("request failed req=%s status=%d error=%s: %s%s%s", r->request_id, status,
                  err_code_name(err->code), err->msg, err->detail[0] ? ": " : "",
                  err->detail);
    else
        log_debug("request refused req=%s status=%d: %s", r->request_id, status, err->msg);
    json_decref(r->body);
    r->status = status;
    r->raw_body = NULL;
    /* messages quote what the client sent, which may be any bytes: jansson
     * would refuse them and the client would get an empty body */
    utf8_sanitize(safe, sizeof(safe), msg);
    r->body = json_pack("{s:{s:i,s:s}}", fault_name(status), "code", status, "message", safe);
    if (!r->body)
        r->body = json_pack("{s:{s:i,s:s}}", fault_name(status), "code", status, "message",
                            "The request could not be completed.");
    if (status == 413 || status == 429) {
        /* overLimit carries retryAfter when a Retry-After header exists: none here */
    }
}
