/* log.c - stderr logging with OpenBSD's verbs. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

static const char *log_prog = "ferry";
static enum log_level log_level = LOG_LVL_INFO;

void
log_init(const char *progname, enum log_level level)
{
    log_prog = progname;
    log_level = level;
}

void
log_set_level(enum log_level level)
{
    log_level = level;
}

bool
log_enabled(enum log_level level)
{
    return level <= log_level;
}

/* Append printf output to line[*n..size), truncating quietly. */
static void
log_append(char *line, size_t size, size_t *n, const char *fmt, ...)
{
    va_list ap;
    int r;

    if (*n >= size - 1)
        return;
    va_start(ap, fmt);
    r = vsnprintf(line + *n, size - *n, fmt, ap);
    va_end(ap);
    if (r > 0)
        *n = *n + (size_t)r < size - 1 ? *n + (size_t)r : size - 1;
}

/* Append text to line[*n..size) with every control character (below 0x20,
 * and DEL) written as \xNN: a log line is one line, whatever a client put in
 * a path or a header (MHD has already percent-decoded %0A into a newline). */
static void
log_append_escaped(char *line, size_t size, size_t *n, const char *text)
{
    static const char hex[] = "0123456789abcdef";

    for (const unsigned char *c = (const unsigned char *)text; *c && *n < size - 1; c++) {
        if (*c >= 0x20 && *c != 0x7f) {
            line[(*n)++] = (char)*c;
        } else if (*n + 4 <= size - 1) {
            line[(*n)++] = '\\';
            line[(*n)++] = 'x';
            line[(*n)++] = hex[*c >> 4];
            line[(*n)++] = hex[*c & 15];
        } else {
            break;
        }
    }
    line[*n] = '\0';
}

static void
log_vwrite(const char *tag, const char *fmt, va_list ap, int errnum)
{
    char line[2048];
    char msg[1800];
    struct timeval tv;
    struct tm tm;
    size_t n;

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    log_append(line, sizeof(line), &n, ".%03ldZ %s[%d] %s ", (long)(tv.tv_usec / 1000),
               log_prog, (int)getpid(), tag);
    log_append_escaped(line, sizeof(line), &n, msg);
    if (errnum)
        log_append(line, sizeof(line), &n, ": %s", strerror(errnum));
    line[n++] = '\n';
    if (write(STDERR_FILENO, line, n) < 0) {
        /* nowhere left to report it */
    }
}

#define LOG_BODY(lvl, tag, errnum)          \
    do {                                    \
        va_list ap;                         \
        if (!log_enabled(lvl))              \
            return;                         \
        va_start(ap, fmt);                  \
        log_vwrite(tag, fmt, ap, errnum);   \
        va_end(ap);                         \
    } while (0)

void
log_warn(const char *fmt, ...)
{
    int saved = errno;

    LOG_BODY(LOG_LVL_WARN, "WARNING", saved);
}

void
log_warnx(const char *fmt, ...)
{
    LOG_BODY(LOG_LVL_WARN, "WARNING", 0);
}

void
log_info(const char *fmt, ...)
{
    LOG_BODY(LOG_LVL_INFO, "INFO", 0);
}

void
log_debug(const char *fmt, ...)
{
    LOG_BODY(LOG_LVL_DEBUG, "DEBUG", 0);
}

void
fatal(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;

    va_start(ap, fmt);
    log_vwrite("FATAL", fmt, ap, saved);
    va_end(ap);
    exit(1);
}

void
fatalx(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vwrite("FATAL", fmt, ap, 0);
    va_end(ap);
    exit(1);
}
