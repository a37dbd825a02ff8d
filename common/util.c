/* util.c - uuids, clocks and time formats. */
#include <ctype.h>
#include <stdlib.h>
#include <errno.h>
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

void
sleep_ms(int64_t ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
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
    struct tm tm = { 0 };
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
    if (*s || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return false;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    *us = ((int64_t)timegm(&tm) - sign * (zh * 3600 + zm * 60)) * 1000000 + frac;
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
