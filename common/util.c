/* util.c - uuids, clocks, time formats and UTF-8. */
#include <ctype.h>
#include <stdlib.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <uuid/uuid.h>

#include "common/util.h"

void
uuid_new(char out[UUID_STR_LEN])
{
    uuid_t u;

    uuid_generate_random(u);
    uuid_unparse_lower(u, out);
}

bool
uuid_normalize(const char *s, char out[UUID_STR_LEN])
{
    char hex[33];
    size_t n = 0;
    size_t len;

    if (strncasecmp(s, "urn:uuid:", 9) == 0)
        s += 9;
    len = strlen(s);
    if (len >= 2 && s[0] == '{' && s[len - 1] == '}') {
        s++;
        len -= 2;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '-')
            continue;
        if (!isxdigit((unsigned char)s[i]) || n == 32)
            return false;
        hex[n++] = (char)tolower((unsigned char)s[i]);
    }
    if (n != 32)
        return false;
    hex[32] = '\0';
    snprintf(out, UUID_STR_LEN, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
             hex + 16, hex + 20);
    return true;
}

int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
cond_init_monotonic(pthread_cond_t *cond)
{
    pthread_condattr_t attr;

    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(cond, &attr);
    pthread_condattr_destroy(&attr);
}

struct timespec
mono_deadline(int timeout_ms)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += timeout_ms / 1000;
    t.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (t.tv_nsec >= 1000000000) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000;
    }
    return t;
}

int64_t
wall_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
time_fmt(int64_t us, bool frac, char *out, size_t size)
{
    time_t secs = (time_t)(us / 1000000);
    struct tm tm;
    size_t n;

    gmtime_r(&secs, &tm);
    n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
    if (frac)
        snprintf(out + n, size - n, ".%06ld", (long)(us % 1000000));
    else
        snprintf(out + n, size - n, "Z");
}

int64_t
backoff_next(int64_t *backoff)
{
    *backoff = *backoff <= 0                     ? BACKOFF_FIRST_MS
               : *backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
                                               : *backoff * 2;
    return *backoff;
}

void
sleep_ms(int64_t ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

size_t
appendf(char *buf, size_t size, size_t n, const char *fmt, ...)
{
    va_list ap;
    int r;

    if (n >= size)
        return n;
    va_start(ap, fmt);
    r = vsnprintf(buf + n, size - n, fmt, ap);
    va_end(ap);
    return r > 0 ? n + (size_t)r : n;
}

void
strlcpy0(char *dst, const char *src, size_t size)
{
    if (size == 0)
        return;
    snprintf(dst, size, "%s", src ? src : "");
}

/* Read exactly n digits at *s; advances *s. */
static bool
read_digits(const char **s, int n, int *out)
{
    *out = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)**s))
            return false;
        *out = *out * 10 + (**s - '0');
        (*s)++;
    }
    return true;
}

bool
time_parse_iso(const char *s, int64_t *us)
{
    struct tm tm = { 0 }, back;
    time_t secs;
    int y, mo, d, h = 0, mi = 0, sec = 0, zh = 0, zm = 0, sign = 0;
    long frac = 0, scale = 1000000;

    if (!read_digits(&s, 4, &y) || *s++ != '-' || !read_digits(&s, 2, &mo) || *s++ != '-' ||
        !read_digits(&s, 2, &d))
        return false;
    if (*s == 'T' || *s == 't' || *s == ' ') {
        s++;
        if (!read_digits(&s, 2, &h) || *s++ != ':' || !read_digits(&s, 2, &mi))
            return false;
        if (*s == ':') {
            s++;
            if (!read_digits(&s, 2, &sec))
                return false;
            if (*s == '.' || *s == ',') {
                s++;
                if (!isdigit((unsigned char)*s))
                    return false;
                for (; isdigit((unsigned char)*s); s++)
                    if (scale > 1) {
                        scale /= 10;
                        frac += (*s - '0') * scale;
                    }
            }
        }
        if (*s == 'Z' || *s == 'z') {
            s++;
        } else if (*s == '+' || *s == '-') {
            sign = *s++ == '-' ? -1 : 1;
            if (!read_digits(&s, 2, &zh))
                return false;
            if (*s == ':')
                s++;
            if (isdigit((unsigned char)*s) && !read_digits(&s, 2, &zm))
                return false;
        }
    }
    /* Python's datetime decides what Nova takes: years 1-9999, no leap
     * second, a zone under 24 hours */
    if (*s || y < 1 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 ||
        zh > 23 || zm > 59)
        return false;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    secs = timegm(&tm);
    /* timegm() quietly rolls February 30 into March 2: a real day survives
     * the round trip, an impossible one does not */
    if (!gmtime_r(&secs, &back) || back.tm_year != tm.tm_year || back.tm_mon != mo - 1 ||
        back.tm_mday != d)
        return false;
    *us = ((int64_t)secs - sign * (zh * 3600 + zm * 60)) * 1000000 + frac;
    return true;
}

char *
url_quote_plus(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = malloc(strlen(s) * 3 + 1);
    char *o = out;

    if (!out)
        return NULL;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (isalnum(*c) || strchr("_.-~", *c)) {
            *o++ = (char)*c;
        } else if (*c == ' ') {
            *o++ = '+';
        } else {
            *o++ = '%';
            *o++ = hex[*c >> 4];
            *o++ = hex[*c & 15];
        }
    }
    *o = '\0';
    return out;
}

/* The length (1 to 4) of the well-formed UTF-8 character at s, or 0 with
 * *bad set to the length of its maximal ill-formed subpart (at least 1).  A
 * NUL ends any sequence, so this never reads past the string. */
static size_t
utf8_seq(const unsigned char *s, size_t *bad)
{
    unsigned char lo = 0x80, hi = 0xbf;
    size_t len;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        lo = s[0] == 0xe0 ? 0xa0 : 0x80;    /* no overlong forms */
        hi = s[0] == 0xed ? 0x9f : 0xbf;    /* no surrogates */
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        lo = s[0] == 0xf0 ? 0x90 : 0x80;    /* no overlong forms */
        hi = s[0] == 0xf4 ? 0x8f : 0xbf;    /* nothing above U+10FFFF */
    } else {
        *bad = 1;
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if (s[i] < lo || s[i] > hi) {
            *bad = i;
            return 0;
        }
        lo = 0x80;
        hi = 0xbf;
    }
    return len;
}

bool
utf8_valid(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t bad, len;

    for (; *u; u += len)
        if ((len = utf8_seq(u, &bad)) == 0)
            return false;
    return true;
}

size_t
utf8_sanitize(char *dst, size_t size, const char *src)
{
    static const char replacement[] = "\xef\xbf\xbd";   /* U+FFFD */
    const unsigned char *s = (const unsigned char *)(src ? src : "");
    size_t n = 0;

    if (size == 0)
        return 0;
    while (*s) {
        size_t bad = 0, len = utf8_seq(s, &bad);
        size_t take = len ? len : sizeof(replacement) - 1;

        if (take > size - 1 - n)
            break;
        memcpy(dst + n, len ? (const char *)s : replacement, take);
        n += take;
        s += len ? len : bad;
    }
    dst[n] = '\0';
    return n;
}

char *
utf8_dup(const char *s)
{
    size_t size = strlen(s) * 3 + 1;    /* each bad byte may become 3 */
    char *out = malloc(size);

    if (out)
        utf8_sanitize(out, size, s);
    return out;
}

size_t
utf8_trim(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t lead = n, need;

    while (lead > 0 && n - lead < 4 && (u[lead - 1] & 0xc0) == 0x80)
        lead--;
    if (lead == 0 || n - lead >= 4)
        return n;       /* no lead byte within reach: not a cut character */
    lead--;
    need = u[lead] >= 0xf0 ? 4 : u[lead] >= 0xe0 ? 3 : u[lead] >= 0xc0 ? 2 : 1;
    return n - lead < need ? lead : n;
}
