/* err.h - errors reported once, where they happen, into a caller-owned object.
 *
 * A function that fails fills *err exactly once and returns -1 (or NULL);
 * callers propagate it without rewording.  `msg` is the text a user sees (for
 * API errors, Nova's own wording); `detail` carries raw library text
 * (libpq, libvirt) for logs.  api/fault.c holds the only err_code -> HTTP
 * status table.
 */
#ifndef FERRY_ERR_H
#define FERRY_ERR_H

enum err_code {
    ERR_NONE = 0,
    ERR_INVALID,        /* the request is wrong: 400 */
    ERR_UNAUTHORIZED,   /* no or bad credentials: 401 */
    ERR_FORBIDDEN,      /* policy refuses: 403 */
    ERR_NOT_FOUND,      /* no such thing (or not visible): 404 */
    ERR_NOT_ACCEPTABLE, /* microversion out of range: 406 */
    ERR_CONFLICT,       /* state does not allow it, lost a race: 409 */
    ERR_TOO_LARGE,      /* request body over the limit: 413 */
    ERR_MEDIA_TYPE,     /* unsupported Content-Type: 415 */
    ERR_UNAVAILABLE,    /* database or peer unreachable: 503 */
    ERR_RETRY,          /* serialization failure or deadlock: run it again */
    ERR_TIMEOUT,        /* a deadline passed */
    ERR_NOT_SUPPORTED,  /* the driver cannot do this */
    ERR_INTERNAL,       /* a bug or an unexpected library failure: 500 */
};

struct err {
    enum err_code code;
    char msg[2048];                 /* room for Nova's schema messages quoting a
                                     * 255-character key and value */
    char detail[512];
};

#define ERR_INIT { ERR_NONE, "", "" }

/* Fill *err (if not NULL) and return -1, so "return err_set(...)" reads well. */
int err_set(struct err *err, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Add context to an error already set: msg becomes "<prefix>: <msg>" (just
 * "<prefix>" if msg was empty), the prefix formatted from fmt into a buffer
 * of its own first, so the cause is kept, once.  The code and the detail are
 * kept.  Returns -1, so "return err_prefix(err, "cannot ...");" reads well.
 * Never pass err->msg to err_set() instead: it would format into the buffer
 * it reads from (make lint refuses that). */
int err_prefix(struct err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* err_prefix(), and the error's code becomes code (a cause that was a
 * timeout, say, reported as the refusal it amounts to). */
int err_prefix_as(struct err *err, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Attach library detail text to an error already set. */
void err_detail(struct err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Forget a reported error (after handling it). */
void err_clear(struct err *err);

/* Stable lowercase name of a code, for logs: "not_found". */
const char *err_code_name(enum err_code code);

/* The code of such a name (as stored beside a refusal); ERR_NONE for NULL
 * or a name it does not know. */
enum err_code err_code_from_name(const char *name);

#endif
