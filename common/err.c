/* err.c - the caller-owned error object. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "common/util.h"

/* After a truncating vsnprintf into buf: never end on a character cut short
 * (a broken last character would make the whole text unusable as JSON). */
static void
err_trim(char *buf, size_t size, int written)
{
    if (written >= (int)size)
        buf[utf8_trim(buf, strlen(buf))] = '\0';
}

int
err_set(struct err *err, enum err_code code, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!err)
        return -1;
    err->code = code;
    err->detail[0] = '\0';
    va_start(ap, fmt);
    n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    err_trim(err->msg, sizeof(err->msg), n);
    return -1;
}

static int
err_vprefix(struct err *err, const char *fmt, va_list ap)
{
    char prefix[sizeof(err->msg)];
    char cause[sizeof(err->msg)];
    int n;

    n = vsnprintf(prefix, sizeof(prefix), fmt, ap);
    err_trim(prefix, sizeof(prefix), n);
    memcpy(cause, err->msg, sizeof(cause));
    cause[sizeof(cause) - 1] = '\0';
    n = snprintf(err->msg, sizeof(err->msg), "%s%s%s", prefix, cause[0] ? ": " : "", cause);
    err_trim(err->msg, sizeof(err->msg), n);
    return -1;
}

int
err_prefix(struct err *err, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return -1;
    va_start(ap, fmt);
    err_vprefix(err, fmt, ap);
    va_end(ap);
    return -1;
}

int
err_prefix_as(struct err *err, enum err_code code, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return -1;
    err->code = code;
    va_start(ap, fmt);
    err_vprefix(err, fmt, ap);
    va_end(ap);
    return -1;
}

void
err_detail(struct err *err, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!err)
        return;
    va_start(ap, fmt);
    n = vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
    va_end(ap);
    err_trim(err->detail, sizeof(err->detail), n);
}

void
err_clear(struct err *err)
{
    if (!err)
        return;
    err->code = ERR_NONE;
    err->msg[0] = '\0';
    err->detail[0] = '\0';
}

static const char *const err_names[] = {
    [ERR_NONE] = "none",
    [ERR_INVALID] = "invalid",
    [ERR_UNAUTHORIZED] = "unauthorized",
    [ERR_FORBIDDEN] = "forbidden",
    [ERR_NOT_FOUND] = "not_found",
    [ERR_NOT_ACCEPTABLE] = "not_acceptable",
    [ERR_CONFLICT] = "conflict",
    [ERR_TOO_LARGE] = "too_large",
    [ERR_MEDIA_TYPE] = "media_type",
    [ERR_UNAVAILABLE] = "unavailable",
    [ERR_RETRY] = "retry",
    [ERR_TIMEOUT] = "timeout",
    [ERR_NOT_SUPPORTED] = "not_supported",
    [ERR_INTERNAL] = "internal",
};

const char *
err_code_name(enum err_code code)
{
    if ((unsigned)code >= sizeof(err_names) / sizeof(err_names[0]) || !err_names[code])
        return "unknown";
    return err_names[code];
}

enum err_code
err_code_from_name(const char *name)
{
    for (size_t i = 0; name && i < sizeof(err_names) / sizeof(err_names[0]); i++)
        if (err_names[i] && strcmp(err_names[i], name) == 0)
            return (enum err_code)i;
    return ERR_NONE;
}
