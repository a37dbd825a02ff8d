/* mv.c - microversion header parsing. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/mv.h"
#include "common/auto.h"
#include "common/nova.h"
#include "common/util.h"

/* Trim spaces in place; returns s. */
static char *
mv_trim(char *s)
{
    char *e;

    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* The version named for "compute" in an OpenStack-API-Version value (the
 * last such entry), copied into out; 0 when there is none. */
static int
mv_from_std(const char *hdr, char *out, size_t size)
{
    AUTOFREE char *copy = strdup(hdr);
    char *save = NULL;
    int found = 0;

    if (!copy)
        return 0;
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *entry = mv_trim(item);
        char *sp = strpbrk(entry, " \t");

        if (!sp)
            continue;       /* no version: skipped */
        *sp = '\0';
        if (strcasecmp(entry, "compute") != 0)
            continue;
        strlcpy0(out, mv_trim(sp + 1), size);
        found = 1;
    }
    return found;
}

/* The last comma element of the legacy header. */
static int
mv_from_legacy(const char *hdr, char *out, size_t size)
{
    AUTOFREE char *copy = strdup(hdr);
    char *last;

    if (!copy)
        return 0;
    last = strrchr(copy, ',');
    strlcpy0(out, mv_trim(last ? last + 1 : copy), size);
    return 1;
}

/* ^([1-9]\d*)\.([1-9]\d*|0)$ into major and minor. */
static int
mv_grammar(const char *s, long *major, long *minor)
{
    const char *dot = strchr(s, '.');
    char *end;

    if (!dot || s[0] < '1' || s[0] > '9' || strspn(s, "0123456789") != (size_t)(dot - s))
        return -1;
    if (dot[1] == '\0' || strspn(dot + 1, "0123456789") != strlen(dot + 1) ||
        (dot[1] == '0' && dot[2] != '\0'))
        return -1;
    *major = strtol(s, &end, 10);
    *minor = strtol(dot + 1, &end, 10);
    if (dot - s > 9 || strlen(dot + 1) > 9)
        return -1;
    return 0;
}

void
mv_format(int mv, char *out, size_t size)
{
    snprintf(out, size, "%d.%d", mv / 1000, mv % 1000);
}

int
mv_negotiate(const char *std_hdr, const char *legacy_hdr, int max, int *mv, char *echo,
             size_t echo_size, struct err *err)
{
    char v[64] = "";
    char maxs[16];
    long major, minor;
    int have = 0;

    echo[0] = '\0';
    if (std_hdr)
        have = mv_from_std(std_hdr, v, sizeof(v));
    if (!have && legacy_hdr)
        have = mv_from_legacy(legacy_hdr, v, sizeof(v));
    if (!have) {
        *mv = MV_MIN;
        mv_format(*mv, echo, echo_size);
        return 0;
    }
    if (strcmp(v, "latest") == 0) {
        *mv = max;
        mv_format(*mv, echo, echo_size);
        return 0;
    }
    if (mv_grammar(v, &major, &minor) < 0)
        return err_set(err, ERR_INVALID,
                       "API Version String %s is of invalid format. Must be of format "
                       "MajorNum.MinorNum.", v);
    mv_format(max, maxs, sizeof(maxs));
    if (major != 2 || minor < 1 || minor > max % 1000) {
        snprintf(echo, echo_size, "%ld.%ld", major, minor);
        return err_set(err, ERR_NOT_ACCEPTABLE,
                       "Version %s is not supported by the API. Minimum is 2.1 and maximum "
                       "is %s.", echo, maxs);
    }
    *mv = (int)MV(major, minor);
    mv_format(*mv, echo, echo_size);
    return 0;
}
