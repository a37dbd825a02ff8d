/* util.h - small leaf helpers: uuids, clocks, time formats, strings. */
#ifndef FERRY_UTIL_H
#define FERRY_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define UUID_STR_LEN 37     /* 36 characters and the NUL */

/* A new random (v4) uuid, lowercase with dashes. */
void uuid_new(char out[UUID_STR_LEN]);

/* Accept what Nova's is_uuid_like() accepts (any case, with or without
 * dashes, braces or "urn:uuid:") and write the canonical lowercase form.
 * Returns false when s is not a uuid. */
bool uuid_normalize(const char *s, char out[UUID_STR_LEN]);

/* Monotonic clock in milliseconds, for deadlines and intervals. */
int64_t now_ms(void);

/* A condition variable whose timed waits run on the monotonic clock, and
 * the deadline timeout_ms from now on that clock, for
 * pthread_cond_timedwait(): deadlines ignore steps of the wall clock. */
void cond_init_monotonic(pthread_cond_t *cond);
struct timespec mono_deadline(int timeout_ms);

/* Wall clock in microseconds since the epoch. */
int64_t wall_us(void);

/* Format microseconds since the epoch as UTC "YYYY-MM-DDThh:mm:ss" followed by
 * ".ffffff" (frac = true) or "Z" (frac = false, Nova's server timestamps). */
void time_fmt(int64_t us, bool frac, char *out, size_t size);

/* Parse ISO 8601 as Nova's date-time format accepts it: YYYY-MM-DD, then
 * optionally "T" or " " hh:mm[:ss[.frac]] and "Z" or +hh[:mm]; no zone
 * means UTC.  Returns false when s is not such a time, a day that does not
 * exist (February 30) included, as Python's datetime refuses it. */
bool time_parse_iso(const char *s, int64_t *us);

/* application/x-www-form-urlencoded quoting (Python's quote_plus); the
 * result is malloc'd. */
char *url_quote_plus(const char *s);

/* Sleep for ms milliseconds (restarting on signals). */
void sleep_ms(int64_t ms);

/* The retry delay after a failure: 250 ms, doubling up to 5 s; reset it to 0
 * after a success.  Returns the delay to wait now. */
#define BACKOFF_FIRST_MS 250
#define BACKOFF_MAX_MS 5000
int64_t backoff_next(int64_t *backoff);

/* Copy src into dst (size bytes), always NUL-terminated. */
void strlcpy0(char *dst, const char *src, size_t size);

/* printf at buf + n, within buf's size bytes: returns n plus the length of
 * the formatted text, like snprintf, and writes nothing once n >= size
 * (where `buf + n` would already point past the buffer). */
size_t appendf(char *buf, size_t size, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* UTF-8 as jansson and PostgreSQL take it (RFC 3629: no overlong forms,
 * surrogates or code points above U+10FFFF).  Request text (percent-decoded
 * paths and queries, headers) may be anything; these make it safe to put in
 * JSON, SQL parameters and fixed buffers. */

/* Whether s is entirely valid UTF-8. */
bool utf8_valid(const char *s);

/* Copy src (NULL reads as "") into dst (size > 0 bytes) as valid UTF-8:
 * each ill-formed sequence (its maximal subpart, as Python's
 * errors="replace" counts them) becomes U+FFFD, and a copy that does not fit
 * ends on a character boundary.  Always NUL-terminated; returns the length
 * written. */
size_t utf8_sanitize(char *dst, size_t size, const char *src);

/* A malloc'd copy of s made valid as utf8_sanitize() does, never truncated;
 * NULL when out of memory. */
char *utf8_dup(const char *s);

/* The length of s[0..n) without a last character that was cut short (what a
 * truncating snprintf leaves); n when nothing was cut. */
size_t utf8_trim(const char *s, size_t n);

#endif
